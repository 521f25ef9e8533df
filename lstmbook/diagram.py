"""A labelled diagram of one LSTM cell, drawn with matplotlib.

>>> figure = cell_diagram()
>>> sorted(t.get_text() for t in figure.axes[0].texts if t.get_text() in {"$c_t$", "$h_t$"})
['$c_t$', '$h_t$', '$h_t$']
"""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.patches import Arc, Circle, FancyBboxPatch

from lstmbook.style import GATE_COLORS

BACKGROUND = "#f4f4f4"  # the cell's box
CELL_STATE_Y = 5.0  # height of the cell-state line (the "conveyor belt")
GATE_Y = 2.2  # height of the gate boxes
INPUT_Y = 0.8  # height of the [h_{t-1}, x_t] line that feeds every gate


def _arrow(ax, start, end, color="black"):
    ax.annotate(
        "",
        xy=end,
        xytext=start,
        arrowprops={
            "arrowstyle": "-|>",
            "color": color,
            "linewidth": 1.4,
            "shrinkA": 0,
            "shrinkB": 0,
        },
    )


def _line(ax, points, color="black"):
    xs, ys = zip(*points, strict=True)
    ax.plot(xs, ys, color=color, linewidth=1.4, solid_capstyle="round")


def _operator(ax, center, symbol):
    ax.add_patch(Circle(center, 0.28, facecolor="white", edgecolor="black", zorder=3))
    ax.text(*center, symbol, ha="center", va="center", fontsize=13, zorder=4)


def _box(ax, center, text, color, label):
    x, y = center
    ax.add_patch(
        FancyBboxPatch(
            (x - 0.45, y - 0.3),
            0.9,
            0.6,
            boxstyle="round,pad=0.05",
            facecolor=color,
            edgecolor="black",
            alpha=0.85,
            zorder=3,
        )
    )
    ax.text(x, y, text, ha="center", va="center", fontsize=12, color="white", zorder=4)
    # The name sits centred under its own box, over the arrow that feeds the box.
    ax.text(
        x,
        y - 0.72,
        label,
        ha="center",
        va="center",
        fontsize=10,
        color=color,
        zorder=4,
        bbox={"boxstyle": "round,pad=0.15", "facecolor": BACKGROUND, "edgecolor": "none"},
    )


def cell_diagram() -> Figure:
    """The LSTM cell: four gates read ``[h_{t-1}, x_t]``; the cell state runs along the top.

    Gate colours match the chapter's other figures (input green, forget blue, candidate purple,
    output orange).
    """
    figure = Figure(figsize=(6.8, 3.95), dpi=100, layout="constrained")
    ax = figure.subplots()
    ax.set(xlim=(-0.5, 11.5), ylim=(-0.6, 6.2), aspect="equal")
    ax.axis("off")
    ax.add_patch(
        FancyBboxPatch(
            (0.8, 0.2),
            9.4,
            5.5,
            boxstyle="round,pad=0.1",
            facecolor=BACKGROUND,
            edgecolor="grey",
            zorder=0,
        )
    )

    f_x, i_x, g_x, o_x, out_x = 2.4, 4.0, 5.4, 7.2, 8.6
    forget_mul, input_mul, add = (f_x, CELL_STATE_Y), (g_x, 3.6), (g_x, CELL_STATE_Y)
    output_mul = (out_x, GATE_Y)
    tanh_c = (out_x, 3.7)

    # The cell state: c_{t-1} -> x f_t -> + i_t g_t -> c_t
    _line(ax, [(-0.3, CELL_STATE_Y), (forget_mul[0] - 0.28, CELL_STATE_Y)])
    _line(ax, [(forget_mul[0] + 0.28, CELL_STATE_Y), (add[0] - 0.28, CELL_STATE_Y)])
    _arrow(ax, (add[0] + 0.28, CELL_STATE_Y), (11.2, CELL_STATE_Y))
    ax.text(-0.3, CELL_STATE_Y + 0.3, "$c_{t-1}$", fontsize=13)
    ax.text(10.6, CELL_STATE_Y + 0.3, "$c_t$", fontsize=13)

    # The inputs: h_{t-1} and x_t join and feed all four gates.
    _line(ax, [(-0.3, INPUT_Y), (o_x, INPUT_Y)])
    _line(ax, [(1.4, -0.5), (1.4, INPUT_Y)])
    ax.text(-0.3, INPUT_Y + 0.25, "$h_{t-1}$", fontsize=13)
    ax.text(1.55, -0.45, "$x_t$", fontsize=13)
    for x in (f_x, i_x, g_x, o_x):
        _arrow(ax, (x, INPUT_Y), (x, GATE_Y - 0.36))

    _box(ax, (f_x, GATE_Y), "σ", GATE_COLORS["f"], "forget $f_t$")
    _box(ax, (i_x, GATE_Y), "σ", GATE_COLORS["i"], "input $i_t$")
    _box(ax, (g_x, GATE_Y), "tanh", GATE_COLORS["g"], "candidate $g_t$")
    _box(ax, (o_x, GATE_Y), "σ", GATE_COLORS["o"], "output $o_t$")

    _arrow(ax, (f_x, GATE_Y + 0.36), (f_x, CELL_STATE_Y - 0.28), GATE_COLORS["f"])
    _line(
        ax,
        [(i_x, GATE_Y + 0.36), (i_x, input_mul[1]), (input_mul[0] - 0.28, input_mul[1])],
        GATE_COLORS["i"],
    )
    _arrow(ax, (g_x, GATE_Y + 0.36), (g_x, input_mul[1] - 0.28), GATE_COLORS["g"])
    _arrow(ax, (g_x, input_mul[1] + 0.28), (g_x, CELL_STATE_Y - 0.28))
    _operator(ax, forget_mul, "×")
    _operator(ax, input_mul, "×")
    _operator(ax, add, "+")

    # The output: h_t = o_t * tanh(c_t)
    _line(ax, [(out_x, CELL_STATE_Y), (tanh_c[0], tanh_c[1] + 0.3)])
    ax.add_patch(
        FancyBboxPatch(
            (out_x - 0.4, tanh_c[1] - 0.25),
            0.8,
            0.5,
            boxstyle="round,pad=0.05",
            facecolor="white",
            edgecolor="black",
            zorder=3,
        )
    )
    ax.text(*tanh_c, "tanh", ha="center", va="center", fontsize=10, zorder=4)
    _arrow(ax, (tanh_c[0], tanh_c[1] - 0.3), (out_x, output_mul[1] + 0.28))
    _arrow(ax, (o_x + 0.5, GATE_Y), (out_x - 0.28, GATE_Y), GATE_COLORS["o"])
    _operator(ax, output_mul, "×")
    _line(ax, [(out_x + 0.28, GATE_Y), (9.6, GATE_Y), (9.6, INPUT_Y)])
    _arrow(ax, (9.6, INPUT_Y), (11.2, INPUT_Y))
    # h_t rises past the cell state with a hop: the two lines cross, they do not join.
    hop = 0.22
    _line(ax, [(9.6, GATE_Y), (9.6, CELL_STATE_Y - hop)])
    ax.add_patch(Arc((9.6, CELL_STATE_Y), 2 * hop, 2 * hop, theta1=-90, theta2=90, linewidth=1.4))
    _arrow(ax, (9.6, CELL_STATE_Y + hop), (9.6, 6.1))
    ax.text(10.6, INPUT_Y + 0.25, "$h_t$", fontsize=13)
    ax.text(9.75, 5.9, "$h_t$", fontsize=13)

    ax.text(3.7, 5.35, "$c_t = f_t \\odot c_{t-1} + i_t \\odot g_t$", fontsize=11)
    ax.text(7.5, 0.35, "$h_t = o_t \\odot \\tanh(c_t)$", fontsize=11)
    return figure
