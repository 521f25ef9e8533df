"""Slider explorers for chapter 1, in two versions.

- ``live``: moving a slider calls back into the kernel, which redraws the figure. Works in
  Jupyter and on Binder, at any slider setting.
- ``kernel_less``: every figure is drawn in advance, one per slider setting, and kept in a
  ``widgets.Stack``; ``jslink`` ties each slider's index to the stack's ``selected_index``, so
  the browser alone flips between figures. Works in the static HTML book, where no kernel runs.

Both draw with the same plot object: it is laid out once, at the sliders' starting values, and
then only its data, labels and title change. So what the HTML shows is what the kernel would
draw, and a precomputed frame costs one render rather than a new figure.

>>> explorer = gate_explorer("live")
>>> explorer.sliders["x"].value = 2.0          # what a reader's drag does
>>> round(float(explorer.figure.axes[0].lines[1].get_ydata()[0]), 3)   # the moving point
0.881
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Literal

import ipywidgets as widgets
import matplotlib as mpl
import numpy as np
import PIL.Image
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from lstmbook import style
from lstmbook.gates import OneUnitCell, cell_step, gate, half_life, memory_trace
from lstmbook.style import GATE_COLORS

if TYPE_CHECKING:
    from lstmbook.classify import TextClassifier

Mode = Literal["live", "kernel_less"]
FIGSIZE = (5.6, 3.0)  # inches at DPI: narrower than the 688-px column, light as a frame
DPI = 100

SLIDER_LAYOUT = {"width": "460px"}
SLIDER_STYLE = {"description_width": "120px"}


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


# The two versions -------------------------------------------------------------------------


class Explorer:
    """A figure that redraws through the kernel whenever a slider moves.

    ``sliders`` maps each keyword of the plot to its ``FloatSlider``; ``figure`` is the plot's
    figure and ``image`` shows it; ``widget`` is what a notebook displays.
    """

    def __init__(self, plot: type[Plot], sliders: Sequence[Slider]):
        self.sliders = {
            s.name: widgets.FloatSlider(
                value=s.value,
                min=s.low,
                max=s.high,
                step=s.step,
                description=s.label,
                layout=SLIDER_LAYOUT,
                style=SLIDER_STYLE,
            )
            for s in sliders
        }
        self.plot = plot(**self._values())
        self.figure = self.plot.figure
        self.image = widgets.Image(value=self.plot.png(), format="png")
        self.widget = widgets.VBox([*self.sliders.values(), self.image])
        for slider in self.sliders.values():
            slider.observe(self.redraw, names="value")

    def _values(self) -> dict[str, float]:
        return {name: s.value for name, s in self.sliders.items()}

    def redraw(self, change: dict | None = None) -> None:
        self.plot.update(**self._values())
        self.image.value = self.plot.png()

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def kernel_less_explorer(plot: type[Plot], sliders: Sequence[Slider]) -> widgets.VBox:
    """Precompute one figure per combination of slider settings; the browser flips between them.

    Sliders with ``frames`` become ``SelectionSlider``s; the others stay at their ``value``.
    Each moving slider selects a child of a ``Stack`` (nested, one level per slider), linked
    in JavaScript, so no kernel is needed. One plot, laid out at the sliders' starting values,
    draws every frame.
    """
    moving = [s for s in sliders if s.frames]
    if not moving:
        raise ValueError("a kernel-less explorer needs at least one slider with frames")
    controls = []
    for s in moving:
        start = int(np.argmin(np.abs(np.asarray(s.frames) - s.value)))
        controls.append(
            widgets.SelectionSlider(
                options=[(f"{v:g}", v) for v in s.frames],
                index=start,
                description=s.label,
                layout=SLIDER_LAYOUT,
                style=SLIDER_STYLE,
            )
        )
    start_values = {s.name: s.value for s in sliders}
    start_values.update({s.name: c.value for s, c in zip(moving, controls, strict=True)})
    drawing = plot(**start_values)

    def stack(level: int, chosen: dict[str, float]) -> widgets.Widget:
        if level == len(moving):
            drawing.update(**chosen)
            return widgets.Image(value=drawing.png(), format="png")
        control, s = controls[level], moving[level]
        children = [stack(level + 1, {**chosen, s.name: v}) for v in s.frames]
        frames = widgets.Stack(children, selected_index=control.index)
        widgets.jslink((control, "index"), (frames, "selected_index"))
        return frames

    return widgets.VBox([*controls, stack(0, start_values)])


# The three explorers of chapter 1 ---------------------------------------------------------

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


def _explorer(plot: type[Plot], sliders: Sequence[Slider], mode: Mode) -> Explorer | widgets.VBox:
    if mode == "live":
        return Explorer(plot, sliders)
    if mode == "kernel_less":
        return kernel_less_explorer(plot, sliders)
    raise ValueError(f"mode must be 'live' or 'kernel_less', got {mode!r}")


def gate_explorer(mode: Mode = "live") -> Explorer | widgets.VBox:
    """Explorer (a): a gate's weight, bias and input move a point along its curve."""
    return _explorer(GatePlot, GATE_SLIDERS, mode)


def memory_explorer(mode: Mode = "live") -> Explorer | widgets.VBox:
    """Explorer (b): the forget and input gates shape the cell state over 2000 steps."""
    return _explorer(MemoryPlot, MEMORY_SLIDERS, mode)


def cell_explorer(mode: Mode = "live") -> Explorer | widgets.VBox:
    """Explorer (c): one full cell step, all four gates and the new c_t and h_t."""
    return _explorer(CellStepPlot, CELL_SLIDERS, mode)


__all__ = [
    "CellStepPlot",
    "Explorer",
    "GatePlot",
    "MemoryPlot",
    "Plot",
    "Slider",
    "cell_explorer",
    "draw_cell_step",
    "draw_gate",
    "draw_memory",
    "figure_png",
    "gate_explorer",
    "kernel_less_explorer",
    "memory_explorer",
]


class TextDemo:
    """Chapter 5's live demo: type a sentence, and the label below shows what ``clf`` (a
    ``lstmbook.text.TextClassifier``) predicts, as you type.

    ``text`` is the ``ipywidgets.Text``, ``output`` the ``ipywidgets.HTML`` it updates, and
    ``widget`` what a notebook displays.
    """

    def __init__(self, clf: TextClassifier, value: str = ""):
        self.clf = clf
        self.text = widgets.Text(
            value=value,
            placeholder="Type a sentence about a film",
            description="Review:",
            layout={"width": "560px"},
        )
        self.output = widgets.HTML()
        self.widget = widgets.VBox([self.text, self.output])
        self.text.observe(self.update, names="value")
        self.update()

    def update(self, change: dict | None = None) -> None:
        text = self.text.value
        if not text.strip():
            self.output.value = "<i>Type a sentence above.</i>"
            return
        proba = self.clf.predict_proba([text])[0]
        best = int(proba.argmax())
        from lstmbook.text import tokenize  # torch loads only once a classifier is shown

        unknown = sum(t not in self.clf.vocab for t in tokenize(text))
        note = f"; {unknown} unknown token{'s' * (unknown != 1)}" if unknown else ""
        self.output.value = (
            f"Prediction: <b>{self.clf.classes_[best]}</b> (probability {proba[best]:.2f}{note})"
        )

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def demo_widget(clf: TextClassifier, value: str = "") -> TextDemo:
    """A live demo of ``clf`` (needs a running kernel: Jupyter or Binder)."""
    return TextDemo(clf, value)


# Chapter 7: samples by temperature, and units by what they track ------------------------------

CHOICE_LAYOUT = {"width": "620px"}
CHOICE_STYLE = {"description_width": "110px"}


def _pre(text: str) -> str:
    import html

    return (
        "<pre style='white-space:pre-wrap;font-size:13px;line-height:1.35;margin:0'>"
        + html.escape(text).replace("$", "&#36;")
        + "</pre>"
    )


def kernel_less_choice(label: str, frames: Sequence[tuple[str, str]], index: int = 0):
    """A ``SelectionSlider`` over precomputed HTML ``frames`` (``(option label, html)`` pairs).

    The frames sit in a ``widgets.Stack`` whose ``selected_index`` is ``jslink``-ed to the
    slider's index, so the static page flips between them in the browser, with no kernel.
    """
    from lstmbook import validate

    validate.text("label", label)
    frames = list(frames)
    if not frames:
        raise ValueError("frames must not be empty, got none")
    index = validate.positive_int("index", index, minimum=0)
    if index >= len(frames):
        raise ValueError(f"index must be below the {len(frames)} frames, got {index}")
    control = widgets.SelectionSlider(
        options=[(name, k) for k, (name, _) in enumerate(frames)],
        index=index,
        description=label,
        layout=CHOICE_LAYOUT,
        style=CHOICE_STYLE,
    )
    stack = widgets.Stack([widgets.HTML(value=html) for _, html in frames], selected_index=index)
    widgets.jslink((control, "index"), (stack, "selected_index"))
    return widgets.VBox([control, stack])


def sample_explorer(samples: dict[float, str], start: float = 1.0):
    """Kernel-less: one precomputed sample per temperature, chosen with a slider."""
    temperatures = sorted(samples)
    frames = [(f"{t:g}", _pre(samples[t])) for t in temperatures]
    index = int(np.argmin(np.abs(np.asarray(temperatures) - start)))
    return kernel_less_choice("temperature", frames, index)


class LiveSampler:
    """Live (needs a kernel): a temperature slider that draws a new sample from ``lm`` (a
    ``lstmbook.charlm.CharLM``) whenever it moves."""

    def __init__(self, lm, n_chars: int = 400, prompt: str = "", seed: int = 0):
        self.lm, self.n_chars, self.prompt, self.seed = lm, n_chars, prompt, seed
        self.slider = widgets.FloatSlider(
            value=1.0,
            min=0.1,
            max=2.0,
            step=0.05,
            description="temperature",
            layout=CHOICE_LAYOUT,
            style=CHOICE_STYLE,
        )
        self.output = widgets.HTML()
        self.widget = widgets.VBox([self.slider, self.output])
        self.slider.observe(self.update, names="value")
        self.update()

    def update(self, change: dict | None = None) -> None:
        text = self.lm.sample(
            self.n_chars, prompt=self.prompt, temperature=self.slider.value, seed=self.seed
        )
        self.output.value = _pre(self.prompt + text)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def unit_explorer(frames: Sequence[tuple[str, str]]):
    """Kernel-less: a passage coloured by one unit at a time (``(label, html)`` per unit)."""
    return kernel_less_choice("unit", frames, 0)


# Chapter 1's opening: the vanishing gradient, and the cell built up path by path ----------

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


def gradient_explorer(
    measure: Callable[[str, float], np.ndarray], mode: Mode = "live"
) -> Explorer | widgets.VBox:
    """The vanishing gradient: the RNN's weight scale and the LSTM's forget bias move its curves.

    ``measure`` is as for :class:`GradientPlot` (chapter 1 passes ``lstmbook.rnn``'s).
    """
    if not callable(measure):
        raise TypeError(f"measure must be a function (kind, setting), got {type(measure).__name__}")
    return _explorer(partial(GradientPlot, measure), GRADIENT_SLIDERS, mode)


def cell_stepper(kind: str = "lstm") -> widgets.VBox:
    """The cell diagram one path at a time, in reading order: a slider flips the steps.

    Kernel-less (the frames are drawn in advance and ``jslink`` ties the slider to a
    ``Stack``), so it steps in the HTML book as in Jupyter.
    """
    from lstmbook.diagram import PATHS, _check, cell_diagram

    kind, _ = _check(kind, None)
    paths = list(PATHS[kind])
    if not paths:
        raise ValueError(f"kind {kind!r} has no paths to step through")
    control = widgets.SelectionSlider(
        options=[(f"{n + 1}: {path}", n) for n, path in enumerate(paths)],
        index=0,
        description="step",
        layout=SLIDER_LAYOUT,
        style=SLIDER_STYLE,
    )
    images = []
    for path in paths:
        with mpl.rc_context(style.RC):
            images.append(widgets.Image(value=figure_png(cell_diagram(kind, path)), format="png"))
    frames = widgets.Stack(images, selected_index=0)
    widgets.jslink((control, "index"), (frames, "selected_index"))
    return widgets.VBox([control, frames])


__all__ += ["GradientPlot", "cell_stepper", "gradient_explorer"]
