"""Pictures of networks unrolled in time, drawn with matplotlib.

:func:`bptt_picture` (chapter 2): an LSTM layer unrolled over a few steps, the forward pass in
black and backpropagation through time in red, showing where ``delta h`` and ``delta c`` flow.

>>> figure = bptt_picture(steps=3)
>>> sum(t.get_text() == "LSTM cell" for t in figure.axes[0].texts)
3

:func:`bidirectional_picture` (chapter 3): a two-layer bidirectional LSTM over ``T`` steps, each
layer's forward and backward direction as its own row of cells, where each direction's final
state comes from (the four rows of ``h_n``), and what ``output[:, -1]`` holds.

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> figure = bidirectional_picture(T=4)
>>> sorted(text for text in _texts(figure) if text.startswith("h_n[") and len(text) == 6)
['h_n[0]', 'h_n[1]', 'h_n[2]', 'h_n[3]']
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle

from lstmbook import style, validate
from lstmbook.diagram import arrow as _arrow
from lstmbook.diagram import rounded_box
from lstmbook.style import GATE_COLORS

FORWARD, BACKWARD = "black", "tab:red"


def bptt_picture(steps: int = 4) -> Figure:
    """An LSTM unrolled over ``steps`` steps: forward (black) and backward (red) in one picture.

    Forward, each cell reads ``x_t`` and the previous ``(h, c)`` and hands on its own. Backward,
    ``delta c`` runs right to left along the cell state, scaled by the forget gate only, and
    ``delta h`` along the hidden state, where each step also adds ``delta H_t`` from the loss.
    """
    steps = validate.positive_int("steps", steps, 2)
    width, gap = 1.9, 1.5
    figure = Figure(figsize=(6.8, 3.6), dpi=100, layout="constrained")
    ax = figure.subplots()
    right = steps * (width + gap) - gap
    ax.set(xlim=(-1.6, right + 1.6), ylim=(-2.0, 3.55), aspect="equal")
    ax.axis("off")
    c_y, h_y, shift = 1.55, 0.55, 0.17
    for k in range(steps):
        left = k * (width + gap)
        t = "T" if k == steps - 1 else f"{k + 1}"
        ax.add_patch(
            FancyBboxPatch(
                (left, 0.0), width, 2.1, boxstyle="round,pad=0.05", facecolor="#f4f4f4",
                edgecolor="grey",
            )
        )  # fmt: skip
        ax.text(left + width / 2, 1.05, "LSTM cell", ha="center", va="center", fontsize=9)
        middle = left + width / 2
        _arrow(ax, (middle, -0.75), (middle, 0.0), FORWARD)
        ax.text(middle, -0.95, f"$x_{{{t}}}$", ha="center", va="center", fontsize=11)
        _arrow(ax, (middle - 0.25, 2.15), (middle - 0.25, 2.85), FORWARD)
        _arrow(ax, (middle + 0.25, 2.85), (middle + 0.25, 2.15), BACKWARD)
        ax.text(middle - 0.35, 3.15, f"$H_{{{t}}}$", ha="right", va="center", fontsize=11)
        ax.text(
            middle + 0.35, 3.15, f"$\\delta H_{{{t}}}$", ha="left", va="center", fontsize=11,
            color=BACKWARD,
        )  # fmt: skip
        # the states handed to the next step, forward above, gradients back below
        start = left - gap if k else -1.4
        for y, color in ((c_y, GATE_COLORS["f"]), (h_y, FORWARD)):
            _arrow(ax, (start, y + shift), (left, y + shift), color)
            _arrow(ax, (left, y - shift), (start, y - shift), BACKWARD, dashed=True)
        if k == 0:
            ax.text(-1.45, c_y + 0.45, "$c_0$", fontsize=11, color=GATE_COLORS["f"])
            ax.text(-1.45, h_y + 0.45, "$h_0$", fontsize=11)
    end = right + 1.4
    for y, color in ((c_y, GATE_COLORS["f"]), (h_y, FORWARD)):
        _arrow(ax, (right, y + shift), (end, y + shift), color)
        _arrow(ax, (end, y - shift), (right, y - shift), BACKWARD, dashed=True)
    ax.text(right + 0.3, c_y + 0.45, "$c_T$", fontsize=11, color=GATE_COLORS["f"])
    ax.text(right + 0.3, h_y + 0.45, "$h_T$", fontsize=11)
    for k in range(steps - 1):
        gap_middle = k * (width + gap) + width + gap / 2
        for y, name in ((c_y - shift - 0.28, "c"), (h_y - shift - 0.28, "h")):
            label = f"$\\delta {name}_{{{k + 1}}}$"
            ax.text(gap_middle, y, label, ha="center", va="center", fontsize=9, color=BACKWARD)
    # the two rules of the backward pass, under the picture
    rules = (
        "backward:  $\\delta c_{t-1} = f_t \\odot \\delta c_t$ (+ what reaches $c_{t-1}$ "
        "through $h_{t-1}$),  $\\delta h_{t-1} = \\delta H_{t-1} + W_{hh}^\\top \\delta z_t$"
    )
    ax.text(right / 2, -1.75, rules, ha="center", va="center", fontsize=9, color=BACKWARD)
    return figure


__all__ = ["bptt_picture"]


# The bidirectional picture (chapter 3) -----------------------------------------------------

BI_FORWARD, BI_BACKWARD = "tab:blue", "tab:orange"
_CELL_W, _CELL_H = 0.62, 0.5


def _bi_box(ax: Axes, x: float, y: float, text: str, color: str, fill: str = "white") -> None:
    rounded_box(
        ax,
        (x, y),
        _CELL_W,
        _CELL_H,
        boxstyle="round,pad=0.02,rounding_size=0.08",
        facecolor=fill,
        edgecolor=color,
        linewidth=1.6,
        zorder=3,
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=9, color="black", zorder=4)


def _bi_arrow(ax: Axes, start, end, color: str, width: float = 1.3, alpha: float = 1.0) -> None:
    ax.add_patch(
        FancyArrowPatch(
            start,
            end,
            arrowstyle="-|>",
            mutation_scale=9,
            color=color,
            linewidth=width,
            alpha=alpha,
            shrinkA=0,
            shrinkB=0,
            zorder=2,
        )
    )


def _bi_state_label(ax: Axes, x: float, y: float, row: int, color: str, ha: str) -> None:
    ax.text(x, y, f"h_n[{row}]", ha=ha, va="center", fontsize=10, color=color, weight="bold")


def bidirectional_picture(T: int = 4) -> Figure:
    """A two-layer bidirectional LSTM unrolled over ``T`` steps (``T`` from 2 to 8).

    Rows from the bottom: the inputs ``x_t``; layer 0 forward (arrows left to right) and
    backward (right to left); layer 1 forward and backward; ``output[:, t]``, which holds the top
    layer's two directions at step ``t``. Each direction's final state is labelled with its row of
    ``h_n`` (``layer * 2 + direction``): a forward direction ends at ``t = T - 1``, a backward one
    at ``t = 0``. The column ``output[:, -1]`` is shaded, and its backward cell, which has taken one
    step, is filled.
    """
    T = validate.positive_int("T", T, minimum=2)
    if T > 8:
        raise ValueError(f"T must be an int from 2 to 8 (wider does not fit the column), got {T}")
    figure = plt.figure(figsize=(style.WIDTH, 4.3), layout="none")
    ax = figure.add_axes((0, 0, 1, 1))
    step = 1.0
    xs = [2.9 + step * t for t in range(T)]
    left, right = 0.0, xs[-1] + 1.3
    rows = {"x": 0.0, (0, 0): 1.0, (0, 1): 1.8, (1, 0): 3.0, (1, 1): 3.8, "out": 4.9}
    # The column output[:, -1] and what it holds.
    ax.add_patch(
        Rectangle((xs[-1] - 0.46, 0.6), 0.92, 4.6, facecolor="0.9", edgecolor="none", zorder=0)
    )
    for t, x in enumerate(xs):
        ax.text(x, rows["x"] - 0.02, f"$x_{{{t}}}$", ha="center", va="center", fontsize=10)
        # One arrow per stage: x_t into layer 0, layer 0's [forward; backward] into layer 1,
        # layer 1's [forward; backward] into output[:, t]. Both directions read each of them.
        _bi_arrow(ax, (x, rows["x"] + 0.2), (x, rows[(0, 0)] - _CELL_H / 2), "0.5", 1.0)
        _bi_arrow(ax, (x - 0.42, rows[(0, 1)]), (x - 0.42, rows[(1, 0)]), "0.5", 1.0)
        _bi_arrow(ax, (x, rows[(1, 1)] + _CELL_H / 2), (x, rows["out"] - 0.2), "0.5", 1.0)
        ax.text(x, rows["out"], f"output[:, {t}]", ha="center", va="center", fontsize=8.5)
    for layer in (0, 1):
        for d, color in ((0, BI_FORWARD), (1, BI_BACKWARD)):
            y = rows[(layer, d)]
            order = range(T) if d == 0 else range(T - 1, -1, -1)
            for k, t in enumerate(order):
                last_column_backward = d == 1 and t == T - 1 and layer == 1
                fill = "#fde5cf" if last_column_backward else "white"
                _bi_box(ax, xs[t], y, f"step {k + 1}", color, fill)
            sign = 1 if d == 0 else -1
            for t in range(T - 1):
                a, b = (t, t + 1) if d == 0 else (t + 1, t)
                _bi_arrow(
                    ax,
                    (xs[a] + sign * _CELL_W / 2, y),
                    (xs[b] - sign * _CELL_W / 2, y),
                    color,
                )
            # The final state leaves at the end of the direction's walk.
            end_x = xs[-1] if d == 0 else xs[0]
            out_x = end_x + sign * 0.72
            _bi_arrow(ax, (end_x + sign * _CELL_W / 2, y), (out_x, y), color, 1.6)
            _bi_state_label(
                ax, out_x + sign * 0.05, y, layer * 2 + d, color, "left" if d == 0 else "right"
            )
            name = f"layer {layer}, {'forward' if d == 0 else 'backward'}"
            ax.text(
                left,
                y,
                name,
                ha="left",
                va="center",
                fontsize=8.5,
                color=color,
                style="italic",
            )
    ax.text(
        xs[-1],
        rows["out"] + 0.45,
        "output[:, -1]: forward after T steps,\nbackward after 1 step",
        ha="center",
        va="center",
        fontsize=9,
    )
    ax.text(
        xs[0],
        rows["out"] + 0.45,
        "h_n[3] = output[:, 0, H:]",
        ha="center",
        va="center",
        fontsize=9,
        color=BI_BACKWARD,
    )
    ax.text(left, rows["x"], "input", ha="left", va="center", fontsize=8.5, style="italic")
    ax.set_xlim(left - 0.1, right + 0.1)
    ax.set_ylim(-0.4, 5.7)
    ax.set_axis_off()
    return figure


def _texts(figure: Figure) -> list[str]:
    return [text.get_text() for ax in figure.axes for text in ax.texts]
