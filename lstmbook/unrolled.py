"""Pictures of networks unrolled in time, drawn with matplotlib.

:func:`bptt_picture` (chapter 2): an LSTM layer unrolled over a few steps, the forward pass in
black and backpropagation through time in red, showing where ``delta h`` and ``delta c`` flow.

>>> figure = bptt_picture(steps=3)
>>> sum(t.get_text() == "LSTM cell" for t in figure.axes[0].texts)
3
"""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

from lstmbook import validate
from lstmbook.style import GATE_COLORS

FORWARD, BACKWARD = "black", "tab:red"


def _arrow(ax, start, end, color, dashed=False):
    ax.annotate(
        "",
        xy=end,
        xytext=start,
        arrowprops={
            "arrowstyle": "-|>",
            "color": color,
            "linewidth": 1.4,
            "linestyle": "--" if dashed else "-",
            "shrinkA": 0,
            "shrinkB": 0,
        },
    )


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
