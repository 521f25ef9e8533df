"""What chapter 1's slider explorers draw, without the widgets: NumPy and matplotlib only.

Each explorer is a :class:`Plot` and its :class:`Slider` settings (``GATE_SLIDERS``,
``MEMORY_SLIDERS``, ``CELL_SLIDERS``, ``GRADIENT_SLIDERS``). A plot is laid out once, at the
sliders' starting values, and then only its data, labels and title change; :meth:`Plot.png`
renders it as a palette PNG, one frame of a kernel-less explorer. :mod:`lstmbook.widgets` puts
the plots behind ipywidgets sliders, live or precomputed; ``draw_gate``, ``draw_memory`` and
``draw_cell_step`` draw one setting as a plain figure.

>>> plot = GatePlot(weight=1.0, bias=0.0, x=2.0)
>>> round(float(plot.point.get_ydata()[0]), 3)   # the point on the curve
0.881
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, replace

import matplotlib as mpl
import numpy as np
import PIL.Image
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from lstmbook import style
from lstmbook.gates import OneUnitCell, cell_step, gate, half_life, memory_trace
from lstmbook.style import GATE_COLORS

FIGSIZE = (5.6, 3.0)  # inches at DPI: narrower than the 688-px column, light as a frame
DPI = 100


@dataclass(frozen=True)
class Slider:
    """One slider: the keyword it sets in the plot, its live range, and its frames.

    ``frames`` are the settings the kernel-less version offers, one precomputed figure each;
    an empty tuple holds the slider fixed at ``value`` there.
    """

    name: str
    label: str
    low: float
    high: float
    step: float
    value: float
    frames: tuple[float, ...] = ()


def figure_png(figure: Figure, colors: int = 32) -> bytes:
    """The figure as PNG bytes, reduced to a palette of ``colors`` colours.

    Line art needs no more, and a palette PNG is about a quarter of the size, which matters
    when a kernel-less explorer stores a couple of hundred frames in the page.
    """
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    return _palette_png(canvas, colors)


def _palette_png(canvas: FigureCanvasAgg, colors: int) -> bytes:
    image = PIL.Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba())
    palette = image.convert("RGB").quantize(colors, method=PIL.Image.Quantize.FASTOCTREE)
    buffer = io.BytesIO()
    palette.save(buffer, format="PNG")
    return buffer.getvalue()


class Plot:
    """A figure drawn once and then updated in place: subclasses define ``build``/``update``.

    The layout is computed (constrained) for the first values and then frozen, so every later
    setting is drawn into the same axes at the same place. ``build`` lists in ``dynamic`` the
    artists that ``update`` changes (and in ``on_top`` any legend to draw over them);
    :meth:`png` draws the rest of the figure once and then only those, which makes a frame
    several times cheaper than a new figure.
    """

    ncols = 1
    width_ratios: tuple[float, ...] | None = None

    def __init__(self, **values: float):
        self.dynamic: list = []
        self.on_top: list = []
        with mpl.rc_context(style.RC):
            self.figure = Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
            axes = self.figure.subplots(1, self.ncols, width_ratios=self.width_ratios)
            self.axes = list(np.atleast_1d(axes))
            self.build()
            self.update(**values)
            FigureCanvasAgg(self.figure).draw()
        self.figure.set_layout_engine("none")
        self._background = None

    def build(self) -> None:
        raise NotImplementedError

    def update(self, **values: float) -> None:
        raise NotImplementedError

    def png(self, colors: int = 32) -> bytes:
        """The figure as it stands, as palette PNG bytes (see :func:`figure_png`)."""
        canvas = self.figure.canvas
        if not isinstance(canvas, FigureCanvasAgg):
            canvas = FigureCanvasAgg(self.figure)
        layers = [*self.dynamic, *self.on_top]
        if self._background is None:
            for artist in layers:
                artist.set_animated(True)  # left out of the background
            canvas.draw()
            self._background = canvas.copy_from_bbox(self.figure.bbox)
            for artist in layers:
                artist.set_animated(False)
        canvas.restore_region(self._background)
        for artist in layers:
            self.figure.draw_artist(artist)
        return _palette_png(canvas, colors)


def _signed(value: float) -> str:
    return f"+ {value:g}" if value >= 0 else f"\N{MINUS SIGN} {-value:g}"


class GatePlot(Plot):
    """A gate's curve ``sigmoid(weight * x + bias)`` over x, with the current input marked."""

    grid = np.linspace(-6, 6, 241)

    def build(self) -> None:
        (ax,) = self.axes
        (self.curve,) = ax.plot(self.grid, self.grid, color=GATE_COLORS["f"])
        (self.point,) = ax.plot([0], [0], "o", color="black", markersize=8, clip_on=False)
        ax.axhline(0.5, color="grey", linewidth=0.8, linestyle=":")
        ax.set(xlim=(-6, 6), ylim=(-0.05, 1.05), xlabel="input x", ylabel="gate activation")
        self.dynamic = [self.curve, self.point, ax.title]

    def update(self, weight: float, bias: float, x: float) -> None:
        activation = float(gate(weight, bias, x))
        self.curve.set_ydata(gate(weight, bias, self.grid))
        self.point.set_data([x], [activation])
        self.axes[0].title.set_text(
            f"$\\sigma$({weight:g} x {_signed(bias)}) at x = {x:g}: {activation:.3f}"
        )


class MemoryPlot(Plot):
    """The cell state after a short input pulse, on a log time axis, half-life marked."""

    steps = 2000
    pulse = (1, 4)  # the candidate is 1 at steps 1, 2 and 3, then 0

    def build(self) -> None:
        (ax,) = self.axes
        self.time = np.arange(1, self.steps)
        ax.axvspan(self.pulse[0], self.pulse[1] - 1, color="tab:green", alpha=0.2, label="input")
        (self.trace,) = ax.plot(self.time, self.time * 0.0, color=GATE_COLORS["f"], label="$c_t$")
        self.life_line = ax.axvline(1, color="black", linestyle="--", linewidth=1)
        self.life_line.set_label("half-life")
        self.half_line = ax.axhline(0, color="grey", linestyle=":", linewidth=1)
        ax.set_xscale("log")
        ax.set(xlim=(1, self.steps), ylim=(0, 4.2), ylabel="cell state $c_t$")
        ax.set_xlabel("time step t (log scale)")
        self.dynamic = [self.trace, self.life_line, self.half_line, ax.title]
        self.on_top = [ax.legend(loc="upper left", ncols=4)]

    def update(self, forget: float, input_gate: float) -> None:
        trace = memory_trace(forget, input_gate, steps=self.steps, pulse=self.pulse)
        self.trace.set_ydata(trace[1:])
        peak_time = self.pulse[1] - 1
        life = float(half_life(forget))
        shown = bool(np.isfinite(life)) and peak_time + life < self.steps
        self.life_line.set_visible(shown)
        self.half_line.set_visible(shown and input_gate > 0)
        if shown:
            self.life_line.set_xdata([peak_time + life] * 2)
            self.half_line.set_ydata([trace[peak_time] / 2] * 2)
        text = f"{life:.1f} steps" if np.isfinite(life) else "infinite"
        self.axes[0].title.set_text(f"f = {forget:g}, i = {input_gate:g}: half-life {text}")


class CellStepPlot(Plot):
    """One cell step: the four gate activations as bars, and the old and new states."""

    ncols = 2
    width_ratios = (4, 3)
    gate_names = {"i": "i\ninput", "f": "f\nforget", "g": "g\ncandidate", "o": "o\noutput"}
    state_names = ("$c_{t-1}$", "$c_t$", "$h_t$")

    def build(self) -> None:
        gates_ax, states_ax = self.axes
        colors = [GATE_COLORS[n] for n in self.gate_names]
        self.gate_bars = gates_ax.bar(list(self.gate_names.values()), [0] * 4, color=colors)
        gates_ax.set(ylim=(-1.15, 1.15), ylabel="activation", title="gates")
        states_colors = ["grey", "tab:red", "tab:brown"]
        self.state_bars = states_ax.bar(self.state_names, [0] * 3, color=states_colors)
        states_ax.set(ylim=(-2.3, 2.3), ylabel="value", title="states")
        self.labels = []
        for ax, count in ((gates_ax, 4), (states_ax, 3)):
            ax.axhline(0, color="black", linewidth=0.8)
            ax.grid(False, axis="x")
            self.labels += [ax.text(k, 0, "", ha="center", fontsize=9) for k in range(count)]
        self.title = self.figure.suptitle("")
        self.dynamic = [*self.gate_bars, *self.state_bars, *self.labels, self.title]

    def update(
        self, x: float, h_prev: float, c_prev: float = 0.5, forget_bias: float = 1.0
    ) -> None:
        default = OneUnitCell()
        cell = replace(default, b=(default.b[0], forget_bias, *default.b[2:]))
        step = cell_step(x, h_prev, c_prev, cell)
        heights = [step.i, step.f, step.g, step.o, c_prev, step.c, step.h]
        for bar, label, height in zip(
            [*self.gate_bars, *self.state_bars], self.labels, heights, strict=True
        ):
            bar.set_height(height)
            label.set_y(height)
            label.set_va("bottom" if height >= 0 else "top")
            label.set_text(f"{height:.2f}")
        self.title.set_text(f"$x_t$ = {x:g},  $h_{{t-1}}$ = {h_prev:g}")


def draw_gate(weight: float, bias: float, x: float) -> Figure:
    """The gate figure for one setting (a fresh :class:`GatePlot`)."""
    return GatePlot(weight=weight, bias=bias, x=x).figure


def draw_memory(forget: float, input_gate: float) -> Figure:
    """The memory figure for one setting (a fresh :class:`MemoryPlot`)."""
    return MemoryPlot(forget=forget, input_gate=input_gate).figure


def draw_cell_step(
    x: float, h_prev: float, c_prev: float = 0.5, forget_bias: float = 1.0
) -> Figure:
    """The cell-step figure for one setting (a fresh :class:`CellStepPlot`)."""
    return CellStepPlot(x=x, h_prev=h_prev, c_prev=c_prev, forget_bias=forget_bias).figure


# The sliders of chapter 1's explorers ------------------------------------------------------

GATE_SLIDERS = (
    Slider("weight", "weight w", -4.0, 4.0, 0.1, 1.0, frames=(-2.0, 0.5, 1.0, 2.0, 4.0)),
    Slider("bias", "bias b", -4.0, 4.0, 0.1, 0.0, frames=(-4.0, -2.0, 0.0, 2.0, 4.0)),
    Slider("x", "input x", -6.0, 6.0, 0.1, 2.0, frames=(-6.0, -4.0, -2.0, 0.0, 2.0, 4.0, 6.0)),
)
# Forget gates spaced by half-life (1, 3.1, 6.6, 14, 34, 69, 138, 693 steps and for ever).
MEMORY_FORGET_FRAMES = (0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999, 1.0)
MEMORY_SLIDERS = (
    Slider("forget", "forget gate f", 0.5, 1.0, 0.001, 0.9, frames=MEMORY_FORGET_FRAMES),
    Slider("input_gate", "input gate i", 0.0, 1.0, 0.05, 1.0, frames=(0.0, 0.5, 1.0)),
)
# The subscript t-1 in a slider label (the sliders cannot typeset math).
T_MINUS_1 = "\N{LATIN SUBSCRIPT SMALL LETTER T}\N{SUBSCRIPT MINUS}\N{SUBSCRIPT ONE}"
CELL_SLIDERS = (
    Slider(
        "x",
        "input x\N{LATIN SUBSCRIPT SMALL LETTER T}",
        -2.0,
        2.0,
        0.1,
        0.5,
        frames=tuple(np.linspace(-2.0, 2.0, 9).round(6)),
    ),
    Slider(
        "h_prev",
        f"previous h{T_MINUS_1}",
        -1.0,
        1.0,
        0.1,
        0.0,
        frames=tuple(np.linspace(-1.0, 1.0, 5).round(6)),
    ),
    Slider(
        "c_prev",
        f"previous c{T_MINUS_1}",
        -2.0,
        2.0,
        0.1,
        0.5,
    ),
    Slider("forget_bias", "forget bias", -3.0, 3.0, 0.1, 1.0),
)


# Chapter 1's opening: the vanishing gradient ----------------------------------------------

#: The RNN's recurrent scale s (U = s Q, Q orthogonal) and the LSTM's forget bias, per frame.
GRADIENT_SLIDERS = (
    Slider("scale", "RNN scale s", 0.1, 3.0, 0.05, 1.0, (0.5, 0.9, 1.0, 1.1, 1.5, 2.0)),
    Slider("forget_bias", "LSTM forget bias", -3.0, 6.0, 0.1, 1.0, (-2.0, 0.0, 1.0, 2.0, 3.0, 5.0)),
)
GRADIENT_FLOOR = 1e-30  # the plot's lowest value: smaller gradients sit on its floor


class GradientPlot(Plot):
    """``||dL/ds_t||`` against the distance ``T - t`` on a log axis, an RNN's and an LSTM's.

    ``measure(kind, setting)`` returns the curve (entry ``d`` at distance ``d``) of ``"rnn"``
    at recurrent scale ``setting`` or of ``"lstm"`` at forget bias ``setting``; the notebook
    passes it in (it needs torch, which this module does not load), and each curve is
    measured once.
    """

    def __init__(self, measure: Callable[[str, float], np.ndarray], **values: float):
        self._measure, self._curves = measure, {}
        super().__init__(**values)

    def curve(self, kind: str, setting: float) -> np.ndarray:
        key = (kind, float(setting))
        if key not in self._curves:
            self._curves[key] = np.maximum(np.asarray(self._measure(*key)), GRADIENT_FLOOR)
        return self._curves[key]

    def build(self) -> None:
        (ax,) = self.axes
        steps = len(self.curve("rnn", 1.0))
        distance = np.arange(steps)
        (self.rnn,) = ax.plot(distance, distance + 1.0, color=GATE_COLORS["g"], label="RNN")
        (self.lstm,) = ax.plot(distance, distance + 1.0, color=GATE_COLORS["f"], label="LSTM")
        ax.set_yscale("log")
        ax.set(xlim=(0, steps - 1), ylim=(GRADIENT_FLOOR, 1e12), xlabel="distance T - t (steps)")
        ax.set_ylabel("gradient reaching step t\n(relative to step T)")
        self.dynamic = [self.rnn, self.lstm, ax.title]
        self.on_top = [ax.legend(loc="upper right", ncols=2)]

    def update(self, scale: float, forget_bias: float) -> None:
        rnn, lstm = self.curve("rnn", scale), self.curve("lstm", forget_bias)
        self.rnn.set_ydata(rnn)
        self.lstm.set_ydata(lstm)
        self.axes[0].title.set_text(
            f"at distance {len(rnn) - 1}: RNN (s = {scale:g}) {rnn[-1]:.0e}, "
            f"LSTM ($b_f$ = {forget_bias:g}) {lstm[-1]:.0e}"
        )
