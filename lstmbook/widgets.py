"""The book's widgets: the one module that imports ipywidgets.

Chapter 1's slider explorers, in two versions, over the plots and sliders of
:mod:`lstmbook.explorer_plots`:

- ``live``: moving a slider calls back into the kernel, which redraws the figure. Works in
  Jupyter and on Binder, at any slider setting.
- ``kernel_less``: every figure is drawn in advance, one per slider setting, and kept in a
  ``widgets.Stack``; ``jslink`` ties each slider's index to the stack's ``selected_index``, so
  the browser alone flips between figures. Works in the static HTML book, where no kernel runs.

Both draw with the same plot object: it is laid out once, at the sliders' starting values, and
then only its data, labels and title change. So what the HTML shows is what the kernel would
draw, and a precomputed frame costs one render rather than a new figure. Also here: chapter 1's
cell diagram stepped path by path, chapter 5's live text demo and chapter 7's samples by
temperature and units by what they track.

>>> explorer = gate_explorer("live")
>>> explorer.sliders["x"].value = 2.0          # what a reader's drag does
>>> round(float(explorer.figure.axes[0].lines[1].get_ydata()[0]), 3)   # the moving point
0.881
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Literal

import ipywidgets as widgets
import matplotlib as mpl
import numpy as np

from lstmbook import style
from lstmbook.explorer_plots import (
    CELL_SLIDERS,
    GATE_SLIDERS,
    GRADIENT_SLIDERS,
    MEMORY_SLIDERS,
    CellStepPlot,
    GatePlot,
    GradientPlot,
    MemoryPlot,
    Plot,
    Slider,
    figure_png,
)

if TYPE_CHECKING:
    from lstmbook.classify import TextClassifier

Mode = Literal["live", "kernel_less"]

SLIDER_LAYOUT = {"width": "460px"}
SLIDER_STYLE = {"description_width": "120px"}


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


class TextDemo:
    """Chapter 5's live demo: type a sentence, and the label below shows what ``clf`` (a
    ``lstmbook.classify.TextClassifier``) predicts, as you type.

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
    ``lstmbook.char_model.CharLM``) whenever it moves."""

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


__all__ = [
    "Explorer",
    "LiveSampler",
    "TextDemo",
    "cell_explorer",
    "cell_stepper",
    "demo_widget",
    "gate_explorer",
    "gradient_explorer",
    "kernel_less_choice",
    "kernel_less_explorer",
    "memory_explorer",
    "sample_explorer",
    "unit_explorer",
]
