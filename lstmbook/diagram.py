"""Cell diagrams drawn with matplotlib: the LSTM, its variants and the plain RNN, in one style.

:func:`cell_diagram` draws every kind with the same geometry and the same colour per gate
(``style.GATE_COLORS``): the state runs along the top, ``[h_{t-1}, x_t]`` along the bottom,
the gates sit in a row between. ``highlight=`` draws one path at full strength and fades the
rest, for building the cell up path by path as colah (2015) does; :func:`build_up` puts the
four steps side by side.

>>> figure = cell_diagram()
>>> sorted(t.get_text() for t in figure.axes[0].texts if t.get_text() in {"$c_t$", "$h_t$"})
['$c_t$', '$h_t$', '$h_t$']
>>> [kind for kind in KINDS if "forget" in PATHS[kind]]
['lstm', 'peephole', 'cifg']
"""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Arc, Circle, FancyBboxPatch

from lstmbook import validate
from lstmbook.style import GATE_COLORS

BACKGROUND = "#f4f4f4"  # the cell's box
CELL_STATE_Y = 5.0  # height of the cell-state line (the "conveyor belt")
GATE_Y = 2.2  # height of the gate boxes
INPUT_Y = 0.8  # height of the [h_{t-1}, x_t] line that feeds every gate
FADED = 0.15  # opacity of what a highlighted diagram is not about

#: The GRU's reset gate has no LSTM counterpart, so it gets a colour of its own.
RESET_COLOR = "tab:red"

#: The kinds :func:`cell_diagram` draws.
KINDS = ("lstm", "peephole", "cifg", "nfg", "gru", "rnn")

#: The paths each kind can highlight, in reading order, with the equation each step adds.
PATHS = {
    "lstm": {
        "forget": "$f_t = \\sigma(W_{if} x_t + W_{hf} h_{t-1} + b_f)$",
        "input": "$i_t = \\sigma(W_{ii} x_t + W_{hi} h_{t-1} + b_i)$,  "
        "$g_t = \\tanh(W_{ig} x_t + W_{hg} h_{t-1} + b_g)$",
        "update": "$c_t = f_t \\odot c_{t-1} + i_t \\odot g_t$",
        "output": "$o_t = \\sigma(W_{io} x_t + W_{ho} h_{t-1} + b_o)$,  "
        "$h_t = o_t \\odot \\tanh(c_t)$",
    },
}
PATHS["peephole"] = {
    "forget": "$f_t = \\sigma(W_{if} x_t + W_{hf} h_{t-1} + p_f \\odot c_{t-1} + b_f)$",
    "input": "$i_t = \\sigma(\\ldots + p_i \\odot c_{t-1})$,  $g_t$ as in the LSTM",
    "update": PATHS["lstm"]["update"],
    "output": "$o_t = \\sigma(\\ldots + p_o \\odot c_t)$,  $h_t = o_t \\odot \\tanh(c_t)$",
}
PATHS["cifg"] = {
    "forget": PATHS["lstm"]["forget"],
    "input": "$i_t = 1 - f_t$,  $g_t = \\tanh(W_{ig} x_t + W_{hg} h_{t-1} + b_g)$",
    "update": "$c_t = f_t \\odot c_{t-1} + (1 - f_t) \\odot g_t$",
    "output": PATHS["lstm"]["output"],
}
PATHS["nfg"] = {
    "input": PATHS["lstm"]["input"],
    "update": "$c_t = c_{t-1} + i_t \\odot g_t$",
    "output": PATHS["lstm"]["output"],
}
PATHS["gru"] = {
    "reset": "$r_t = \\sigma(W_{ir} x_t + W_{hr} h_{t-1} + b_r)$",
    "candidate": "$n_t = \\tanh(W_{in} x_t + r_t \\odot (W_{hn} h_{t-1} + b_{hn}) + b_{in})$",
    "update": "$z_t = \\sigma(W_{iz} x_t + W_{hz} h_{t-1} + b_z)$,  "
    "$h_t = z_t \\odot h_{t-1} + (1 - z_t) \\odot n_t$",
}
PATHS["rnn"] = {}

ALL = frozenset({"forget", "input", "update", "output", "reset", "candidate"})


def arrow(ax, start, end, color="black", dashed=False, alpha=1.0) -> None:
    """An arrow from ``start`` to ``end``: the one arrow style of every picture in the book."""
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
            "alpha": alpha,
        },
    )


def rounded_box(ax, center, width, height, **style) -> None:
    """A rounded box of ``width`` by ``height`` centred on ``center``, drawn with ``style``
    (``boxstyle``, ``facecolor``, ``edgecolor``, ... of ``FancyBboxPatch``): the one centred box
    of the pictures."""
    x, y = center
    ax.add_patch(FancyBboxPatch((x - width / 2, y - height / 2), width, height, **style))


class _Pen:
    """Draws on ``ax``; what is not on the highlighted path comes out faded."""

    def __init__(self, ax: Axes, highlight: str | None, scale: float = 1.0):
        self.ax, self.highlight, self.scale = ax, highlight, scale

    def alpha(self, on) -> float:
        return 1.0 if self.highlight is None or self.highlight in on else FADED

    def line(self, points, on=ALL, color="black", dashed=False):
        xs, ys = zip(*points, strict=True)
        self.ax.plot(
            xs,
            ys,
            color=color,
            linewidth=1.4,
            linestyle="--" if dashed else "-",
            solid_capstyle="round",
            alpha=self.alpha(on),
        )

    def arrow(self, start, end, on=ALL, color="black", dashed=False):
        arrow(self.ax, start, end, color, dashed, alpha=self.alpha(on))

    def text(self, xy, text, on=ALL, size=13, **kwargs):
        self.ax.text(*xy, text, fontsize=size * self.scale, alpha=self.alpha(on), **kwargs)

    def operator(self, center, symbol, on=ALL, color="black"):
        alpha = self.alpha(on)
        self.ax.add_patch(
            Circle(center, 0.28, facecolor="white", edgecolor=color, zorder=3, alpha=alpha)
        )
        size = (13 if len(symbol) == 1 else 10) * self.scale
        self.ax.text(
            *center, symbol, ha="center", va="center", fontsize=size, zorder=4, alpha=alpha
        )

    def rounded(self, center, width, height, facecolor, alpha):
        """A rounded box of ``width`` by ``height`` centred on ``center``, outlined in black."""
        rounded_box(
            self.ax,
            center,
            width,
            height,
            boxstyle="round,pad=0.05",
            facecolor=facecolor,
            edgecolor="black",
            alpha=alpha,
            zorder=3,
        )

    def box(self, center, text, color, label, on=ALL):
        x, y = center
        alpha = self.alpha(on)
        self.rounded(center, 0.9, 0.6, color, 0.85 * alpha)
        self.ax.text(
            x, y, text, ha="center", va="center", fontsize=12 * self.scale, color="white",
            zorder=4, alpha=alpha,
        )  # fmt: skip
        # The name sits centred under its own box, over the arrow that feeds the box.
        self.ax.text(
            x,
            y - 0.72,
            label,
            ha="center",
            va="center",
            fontsize=10 * self.scale,
            color=color,
            zorder=4,
            alpha=alpha,
            bbox={"boxstyle": "round,pad=0.15", "facecolor": BACKGROUND, "edgecolor": "none"},
        )

    def tanh(self, center, on=ALL):
        x, y = center
        alpha = self.alpha(on)
        self.rounded(center, 0.8, 0.5, "white", alpha)
        self.ax.text(
            x, y, "tanh", ha="center", va="center", fontsize=10 * self.scale, zorder=4,
            alpha=alpha,
        )  # fmt: skip

    def hop_up(self, x, y_from, y_cross, y_to, on=ALL):
        """A vertical line from ``y_from`` to an arrow at ``y_to`` that hops over ``y_cross``."""
        hop = 0.22
        self.line([(x, y_from), (x, y_cross - hop)], on)
        self.ax.add_patch(
            Arc(
                (x, y_cross), 2 * hop, 2 * hop, theta1=-90, theta2=90, linewidth=1.4,
                alpha=self.alpha(on),
            )
        )  # fmt: skip
        self.arrow((x, y_cross + hop), (x, y_to), on)


def _frame(ax: Axes) -> None:
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


def _lstm(pen: _Pen, kind: str) -> None:
    """The LSTM and the three variants that change its gates: peephole, cifg, nfg."""
    f_x, i_x, g_x, o_x, out_x = 2.4, 4.0, 5.4, 7.2, 8.6
    forget_mul, input_mul, add = (f_x, CELL_STATE_Y), (g_x, 3.6), (g_x, CELL_STATE_Y)
    output_mul, tanh_c = (out_x, GATE_Y), (out_x, 3.7)
    y = CELL_STATE_Y
    has_forget = kind != "nfg"
    i, f, g, o = (GATE_COLORS[k] for k in "ifgo")

    # The cell state: c_{t-1} -> x f_t -> + i_t g_t -> c_t
    if has_forget:
        pen.line([(-0.3, y), (forget_mul[0] - 0.28, y)], {"forget", "update"})
        pen.line([(forget_mul[0] + 0.28, y), (add[0] - 0.28, y)], {"update"})
    else:
        pen.line([(-0.3, y), (add[0] - 0.28, y)], {"update"})
    pen.arrow((add[0] + 0.28, y), (11.2, y), {"update", "output"})
    pen.text((-0.3, y + 0.3), "$c_{t-1}$", {"forget", "update"})
    pen.text((10.6, y + 0.3), "$c_t$", {"update", "output"})

    # The inputs: h_{t-1} and x_t join and feed every gate.
    feeds = {"forget", "input", "output"}
    pen.line([(-0.3, INPUT_Y), (o_x, INPUT_Y)], feeds)
    pen.line([(1.4, -0.5), (1.4, INPUT_Y)], feeds)
    pen.text((-0.3, INPUT_Y + 0.25), "$h_{t-1}$", feeds)
    pen.text((1.55, -0.45), "$x_t$", feeds)
    gates = [(i_x, "input"), (g_x, "input"), (o_x, "output")]
    if has_forget:
        gates.insert(0, (f_x, "forget"))
    if kind == "cifg":
        gates.remove((i_x, "input"))
    for x, path in gates:
        pen.arrow((x, INPUT_Y), (x, GATE_Y - 0.36), {path})

    if has_forget:
        pen.box((f_x, GATE_Y), "σ", f, "forget $f_t$", {"forget"})
        pen.arrow((f_x, GATE_Y + 0.36), (f_x, y - 0.28), {"forget"}, f)
        pen.operator(forget_mul, "×", {"forget", "update"})
    if kind == "cifg":
        # i_t = 1 - f_t: the forget gate's output, turned round, is the input gate.
        one_minus = (i_x, 3.0)
        pen.line([(f_x, one_minus[1]), (i_x - 0.28, one_minus[1])], {"input"}, f)
        pen.operator(one_minus, "1−", {"input"}, i)
        pen.line([(i_x, 3.28), (i_x, input_mul[1]), (input_mul[0] - 0.28, input_mul[1])],
                 {"input"}, i)  # fmt: skip
        pen.text((i_x, GATE_Y - 0.3), "input\n$i_t = 1 - f_t$", {"input"}, 10, color=i,
                 ha="center", va="center")  # fmt: skip
    else:
        pen.box((i_x, GATE_Y), "σ", i, "input $i_t$", {"input"})
        pen.line(
            [(i_x, GATE_Y + 0.36), (i_x, input_mul[1]), (input_mul[0] - 0.28, input_mul[1])],
            {"input"},
            i,
        )
    pen.box((g_x, GATE_Y), "tanh", g, "candidate $g_t$", {"input"})
    pen.box((o_x, GATE_Y), "σ", o, "output $o_t$", {"output"})
    pen.arrow((g_x, GATE_Y + 0.36), (g_x, input_mul[1] - 0.28), {"input"}, g)
    pen.arrow((g_x, input_mul[1] + 0.28), (g_x, y - 0.28), {"input", "update"})
    pen.operator(input_mul, "×", {"input", "update"})
    pen.operator(add, "+", {"update"})

    if kind == "peephole":
        # The gates also read the cell state: f and i read c_{t-1}, o reads the new c_t.
        pen.line([(1.1, y), (1.1, 3.25), (i_x - 0.3, 3.25)], {"forget", "input"}, "grey", True)
        pen.arrow((f_x - 0.3, 3.25), (f_x - 0.3, GATE_Y + 0.36), {"forget"}, f, True)
        pen.arrow((i_x - 0.3, 3.25), (i_x - 0.3, GATE_Y + 0.36), {"input"}, i, True)
        pen.arrow((o_x - 0.3, y), (o_x - 0.3, GATE_Y + 0.36), {"output"}, o, True)
        pen.text((0.95, 4.0), "peepholes", {"forget", "input", "output"}, 9, color="grey",
                 rotation=90, ha="right", va="center")  # fmt: skip

    # The output: h_t = o_t * tanh(c_t)
    out = {"output"}
    pen.line([(out_x, y), (tanh_c[0], tanh_c[1] + 0.3)], out)
    pen.tanh(tanh_c, out)
    pen.arrow((tanh_c[0], tanh_c[1] - 0.3), (out_x, output_mul[1] + 0.28), out)
    pen.arrow((o_x + 0.5, GATE_Y), (out_x - 0.28, GATE_Y), out, o)
    pen.operator(output_mul, "×", out)
    pen.line([(out_x + 0.28, GATE_Y), (9.6, GATE_Y), (9.6, INPUT_Y)], out)
    pen.arrow((9.6, INPUT_Y), (11.2, INPUT_Y), out)
    # h_t rises past the cell state with a hop: the two lines cross, they do not join.
    pen.hop_up(9.6, GATE_Y, y, 6.1, out)
    pen.text((10.6, INPUT_Y + 0.25), "$h_t$", out)
    pen.text((9.75, 5.9), "$h_t$", out)

    update = PATHS[kind]["update"]
    pen.text((3.7 if has_forget else 2.4, 5.35), update, {"update"}, 11)
    pen.text((7.5, 0.35), "$h_t = o_t \\odot \\tanh(c_t)$", out, 11)


def _gru(pen: _Pen) -> None:
    """The GRU (Cho et al. 2014), laid out like the CIFG cell it is one step from.

    The update gate z_t plays the forget gate (blue) and 1 - z_t the input gate (green); the
    candidate n_t is purple like g_t. The hidden state itself runs along the top.
    """
    z_x, n_x, r_x, rmul_x = 2.4, 5.4, 7.6, 6.5
    f, i, g = GATE_COLORS["f"], GATE_COLORS["i"], GATE_COLORS["g"]
    y = CELL_STATE_Y
    keep, add, in_mul = (z_x, y), (n_x, y), (n_x, 3.6)
    every = {"reset", "update", "candidate"}

    # The state: h_{t-1} -> x z_t -> + (1 - z_t) n_t -> h_t
    pen.line([(-0.3, y), (keep[0] - 0.28, y)], {"update"})
    pen.line([(keep[0] + 0.28, y), (add[0] - 0.28, y)], {"update"})
    pen.arrow((add[0] + 0.28, y), (11.2, y), {"update"})
    pen.text((-0.3, y + 0.3), "$h_{t-1}$", {"update"})
    pen.text((10.6, y + 0.3), "$h_t$", {"update"})
    pen.arrow((9.6, y), (9.6, 6.1), {"update"})
    pen.text((9.75, 5.9), "$h_t$", {"update"})

    # h_{t-1} also drops to the bottom, where it meets x_t and feeds the gates.
    pen.line([(1.0, y), (1.0, INPUT_Y), (r_x, INPUT_Y)], every)
    pen.line([(1.4, -0.5), (1.4, INPUT_Y)], every)
    pen.text((1.55, -0.45), "$x_t$", every)
    for x, path in ((z_x, "update"), (n_x, "candidate"), (r_x, "reset")):
        pen.arrow((x, INPUT_Y), (x, GATE_Y - 0.36), {path})

    pen.box((z_x, GATE_Y), "σ", f, "update $z_t$", {"update"})
    pen.box((n_x, GATE_Y), "tanh", g, "candidate $n_t$", {"candidate"})
    pen.box((r_x, GATE_Y), "σ", RESET_COLOR, "reset $r_t$", {"reset"})

    # z_t keeps the old state; 1 - z_t lets the candidate in (the coupled gates of CIFG).
    pen.arrow((z_x, GATE_Y + 0.36), (z_x, y - 0.28), {"update"}, f)
    pen.operator(keep, "×", {"update"})
    pen.line([(z_x, 3.6), (4.0 - 0.28, 3.6)], {"update"}, f)
    pen.operator((4.0, 3.6), "1−", {"update"}, i)
    pen.line([(4.0 + 0.28, 3.6), (in_mul[0] - 0.28, 3.6)], {"update"}, i)
    pen.arrow((n_x, GATE_Y + 0.36), (n_x, in_mul[1] - 0.28), {"candidate", "update"}, g)
    pen.operator(in_mul, "×", {"update"})
    pen.arrow((n_x, in_mul[1] + 0.28), (n_x, y - 0.28), {"update"})
    pen.operator(add, "+", {"update"})

    # The reset gate scales what the candidate reads from h_{t-1}.
    rmul = (rmul_x, GATE_Y)
    pen.arrow((r_x - 0.5, GATE_Y), (rmul_x + 0.28, GATE_Y), {"reset"}, RESET_COLOR)
    pen.arrow((rmul_x, INPUT_Y), (rmul_x, GATE_Y - 0.28), {"reset", "candidate"})
    pen.operator(rmul, "×", {"reset", "candidate"})
    pen.arrow((rmul_x - 0.28, GATE_Y), (n_x + 0.5, GATE_Y), {"reset", "candidate"})

    pen.text((2.9, 5.35), PATHS["gru"]["update"].split(",  ")[1], {"update"}, 11)
    pen.text((6.6, 0.35), "$n_t$ reads $r_t \\odot h_{t-1}$", {"reset", "candidate"}, 10)


def _rnn(pen: _Pen) -> None:
    """The plain RNN: one tanh of the input and the previous state, nothing else."""
    x, top = 2.6, 2.95
    pen.ax.set(xlim=(-0.5, 6.0), ylim=(-0.6, 4.1), aspect="equal")
    pen.ax.axis("off")
    pen.ax.add_patch(
        FancyBboxPatch(
            (0.8, 0.2), 3.9, 3.1, boxstyle="round,pad=0.1", facecolor=BACKGROUND,
            edgecolor="grey", zorder=0,
        )
    )  # fmt: skip
    pen.line([(-0.3, INPUT_Y), (x, INPUT_Y)])
    pen.line([(1.4, -0.5), (1.4, INPUT_Y)])
    pen.text((-0.3, INPUT_Y + 0.25), "$h_{t-1}$")
    pen.text((1.55, -0.45), "$x_t$")
    pen.arrow((x, INPUT_Y), (x, GATE_Y - 0.36))
    pen.box((x, GATE_Y), "tanh", GATE_COLORS["g"], "")
    pen.line([(x, GATE_Y + 0.36), (x, top), (4.2, top), (4.2, INPUT_Y)])
    pen.arrow((4.2, INPUT_Y), (5.8, INPUT_Y))
    pen.arrow((4.2, top), (4.2, 4.0))
    pen.text((5.1, INPUT_Y + 0.25), "$h_t$")
    pen.text((4.35, 3.6), "$h_t$")
    pen.ax.set_title("$h_t = \\tanh(W x_t + U h_{t-1} + b)$", fontsize=11 * pen.scale)


def _draw(ax: Axes, kind: str, highlight: str | None, scale: float = 1.0) -> None:
    pen = _Pen(ax, highlight, scale)
    if kind == "rnn":
        _rnn(pen)
    elif kind == "gru":
        _frame(ax)
        _gru(pen)
    else:
        _frame(ax)
        _lstm(pen, kind)
    if highlight is not None:
        ax.set_title(PATHS[kind][highlight], fontsize=11 * scale)


def _check(kind, highlight) -> tuple[str, str | None]:
    kind = validate.one_of("kind", kind, KINDS)
    if highlight is not None:
        paths = tuple(PATHS[kind])
        if not paths:
            raise ValueError(f"highlight must be None for kind {kind!r}, got {highlight!r}")
        highlight = validate.one_of("highlight", highlight, paths)
    return kind, highlight


def cell_diagram(kind: str = "lstm", highlight: str | None = None) -> Figure:
    """A diagram of one cell of ``kind`` (one of :data:`KINDS`), in the book's colours.

    With ``highlight`` (one of ``PATHS[kind]``, e.g. ``"forget"``) that path is drawn at
    full strength with its equation as the title, and the rest of the cell faded.
    Gate colours match the other figures: input green, forget blue, candidate purple, output
    orange; the GRU's update gate is blue (it keeps the old state, as f does), 1 - z green,
    its candidate purple and its reset gate red.
    """
    kind, highlight = _check(kind, highlight)
    height = 2.75 if kind == "rnn" else 3.95
    width = 3.6 if kind == "rnn" else 6.8
    if highlight is not None:
        height += 0.3
    figure = Figure(figsize=(width, height), dpi=100, layout="constrained")
    _draw(figure.subplots(), kind, highlight)
    return figure


def build_up(kind: str = "lstm") -> Figure:
    """Every path of ``kind`` highlighted in turn, one panel per step, in reading order."""
    kind, _ = _check(kind, None)
    paths = tuple(PATHS[kind])
    if not paths:
        raise ValueError(f"kind {kind!r} has no paths to build up")
    figure = Figure(figsize=(6.8, 4.25 * len(paths)), dpi=100, layout="constrained")
    for ax, path in zip(figure.subplots(len(paths), 1), paths, strict=True):
        _draw(ax, kind, path)
    return figure


__all__ = ["KINDS", "PATHS", "RESET_COLOR", "build_up", "cell_diagram"]
