"""Slider explorers for chapter 1, in two versions.

- ``live``: moving a slider calls back into the kernel, which redraws the figure. Works in
  Jupyter and on Binder, at any slider setting.
- ``kernel_less``: every figure is drawn in advance, one per slider setting, and kept in a
  ``widgets.Stack``; ``jslink`` ties each slider's index to the stack's ``selected_index``, so
  the browser alone flips between figures. Works in the static HTML book, where no kernel runs.

Both draw with the same function, so what the HTML shows is what the kernel would draw.

>>> explorer = gate_explorer("live")
>>> explorer.sliders["x"].value = 2.0          # what a reader's drag does
>>> round(float(explorer.figure.axes[0].lines[1].get_ydata()[0]), 3)   # the moving point
0.953
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import ipywidgets as widgets
import numpy as np
import PIL.Image
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from lstmbook.gates import OneUnitCell, cell_step, gate, half_life, memory_trace

Mode = Literal["live", "kernel_less"]
Draw = Callable[..., Figure]
FIGSIZE = (5.6, 3.0)  # inches; small enough that precomputed frames stay light
DPI = 90

SLIDER_LAYOUT = {"width": "460px"}
SLIDER_STYLE = {"description_width": "90px"}
GATE_COLORS = {"i": "tab:green", "f": "tab:blue", "g": "tab:purple", "o": "tab:orange"}


@dataclass(frozen=True)
class Slider:
    """One slider: the keyword it sets in the draw function, and its range.

    ``frames`` is how many precomputed settings the kernel-less version offers (evenly spaced
    from ``low`` to ``high``); 0 holds the value fixed there.
    """

    name: str
    label: str
    low: float
    high: float
    step: float
    value: float
    frames: int = 0

    def frame_values(self) -> list[float]:
        return [round(float(v), 6) for v in np.linspace(self.low, self.high, self.frames)]


def figure_png(figure: Figure, colors: int = 64) -> bytes:
    """The figure as PNG bytes, reduced to a palette of ``colors`` colours.

    Line art needs no more, and a palette PNG is about a quarter of the size, which matters
    when a kernel-less explorer stores a hundred frames in the page.
    """
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    image = PIL.Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba())
    buffer = io.BytesIO()
    image.convert("RGB").quantize(colors, method=PIL.Image.Quantize.MEDIANCUT).save(
        buffer, format="PNG", optimize=True
    )
    return buffer.getvalue()


def _new_figure(ncols: int = 1, **kwargs) -> tuple[Figure, np.ndarray]:
    figure = Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    return figure, np.atleast_1d(figure.subplots(1, ncols, **kwargs))


# The three figures ------------------------------------------------------------------------


def draw_gate(weight: float, bias: float, x: float) -> Figure:
    """A gate's curve ``sigmoid(weight * x + bias)`` over x, with the current input marked."""
    figure, (ax,) = _new_figure()
    grid = np.linspace(-6, 6, 241)
    activation = float(gate(weight, bias, x))
    ax.plot(grid, gate(weight, bias, grid), color=GATE_COLORS["f"], label="gate curve")
    ax.plot([x], [activation], "o", color="black", markersize=8, label="current input")
    ax.axhline(0.5, color="grey", linewidth=0.8, linestyle=":")
    ax.set(xlim=(-6, 6), ylim=(-0.05, 1.05), xlabel="input x", ylabel="gate activation (0 to 1)")
    ax.set_title(f"sigmoid({weight:g}·x {bias:+g}) at x = {x:g}:  {activation:.3f}")
    ax.legend(loc="upper left", fontsize=8)
    return figure


def draw_memory(forget: float, input_gate: float, steps: int = 50) -> Figure:
    """The cell state after a short input pulse, with the forget gate's half-life marked."""
    pulse = (2, 5)
    trace = memory_trace(forget, input_gate, steps=steps, pulse=pulse)
    figure, (ax,) = _new_figure()
    ax.axvspan(pulse[0] - 0.5, pulse[1] - 0.5, color="tab:green", alpha=0.15, label="input pulse")
    ax.plot(np.arange(steps), trace, "o-", markersize=3, color=GATE_COLORS["f"], label="$c_t$")
    life = float(half_life(forget)) if forget > 0 else 0.0
    peak_time = pulse[1] - 1
    if np.isfinite(life) and peak_time + life < steps:
        ax.axvline(peak_time + life, color="black", linestyle="--", linewidth=1, label="half-life")
        ax.axhline(trace[peak_time] / 2, color="grey", linestyle=":", linewidth=1)
    ax.set(xlim=(0, steps - 1), ylim=(0, 3.1), xlabel="time step t", ylabel="cell state $c_t$")
    ax.set_title(
        f"f = {forget:g}, i = {input_gate:g}:  half-life "
        + (f"{life:.1f} steps" if np.isfinite(life) else "infinite")
    )
    ax.legend(loc="upper right", fontsize=8)
    return figure


def draw_cell_step(
    x: float, h_prev: float, c_prev: float = 0.5, forget_bias: float = 1.0
) -> Figure:
    """One cell step: the four gate activations as bars, and the old and new states."""
    step = cell_step(x, h_prev, c_prev, OneUnitCell(b=(0.0, forget_bias, 0.0, 0.0)))
    figure, (gates_ax, states_ax) = _new_figure(2, width_ratios=(4, 3))
    names = {"i": "i\ninput", "f": "f\nforget", "g": "g\ncandidate", "o": "o\noutput"}
    values = [step.i, step.f, step.g, step.o]
    gates_ax.bar(list(names.values()), values, color=[GATE_COLORS[n] for n in names])
    gates_ax.set(ylim=(-1.05, 1.05), ylabel="activation", title="gates")
    gates_ax.tick_params(axis="x", labelsize=7)
    gates_ax.axhline(0, color="black", linewidth=0.8)
    states = {"$c_{t-1}$": c_prev, "$c_t$": step.c, "$h_t$": step.h}
    states_ax.bar(list(states), list(states.values()), color=["grey", "tab:red", "tab:brown"])
    states_ax.set(ylim=(-2.05, 2.05), ylabel="value", title="states")
    states_ax.axhline(0, color="black", linewidth=0.8)
    for ax, heights in ((gates_ax, values), (states_ax, list(states.values()))):
        for index, height in enumerate(heights):
            ax.annotate(f"{height:.2f}", (index, height), ha="center", va="bottom", fontsize=8)
    figure.suptitle(f"$x_t$ = {x:g},  $h_{{t-1}}$ = {h_prev:g}", fontsize=10)
    return figure


# The two versions -------------------------------------------------------------------------


class Explorer:
    """A figure that redraws through the kernel whenever a slider moves.

    ``sliders`` maps each draw keyword to its ``FloatSlider``; ``figure`` is the last figure
    drawn and ``image`` shows it; ``widget`` is what a notebook displays.
    """

    def __init__(self, draw: Draw, sliders: Sequence[Slider]):
        self.draw = draw
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
        self.image = widgets.Image(format="png")
        self.widget = widgets.VBox([*self.sliders.values(), self.image])
        for slider in self.sliders.values():
            slider.observe(self.redraw, names="value")
        self.redraw()

    def redraw(self, change: dict | None = None) -> None:
        self.figure = self.draw(**{name: s.value for name, s in self.sliders.items()})
        self.image.value = figure_png(self.figure)

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def kernel_less_explorer(draw: Draw, sliders: Sequence[Slider]) -> widgets.VBox:
    """Precompute one figure per combination of slider settings; the browser flips between them.

    Sliders with ``frames`` become ``SelectionSlider``s; the others stay at their ``value``.
    Each moving slider selects a child of a ``Stack`` (nested, one level per slider), linked
    in JavaScript, so no kernel is needed.
    """
    moving = [s for s in sliders if s.frames]
    fixed = {s.name: s.value for s in sliders if not s.frames}
    if not moving:
        raise ValueError("a kernel-less explorer needs at least one slider with frames > 0")
    controls = []
    for s in moving:
        values = s.frame_values()
        start = int(np.argmin(np.abs(np.asarray(values) - s.value)))
        controls.append(
            widgets.SelectionSlider(
                options=[(f"{v:g}", v) for v in values],
                index=start,
                description=s.label,
                layout=SLIDER_LAYOUT,
                style=SLIDER_STYLE,
            )
        )

    def stack(level: int, chosen: dict[str, float]) -> widgets.Widget:
        if level == len(moving):
            return widgets.Image(value=figure_png(draw(**fixed, **chosen)), format="png")
        control, name = controls[level], moving[level].name
        children = [stack(level + 1, {**chosen, name: v}) for v in moving[level].frame_values()]
        frames = widgets.Stack(children, selected_index=control.index)
        widgets.jslink((control, "index"), (frames, "selected_index"))
        return frames

    return widgets.VBox([*controls, stack(0, {})])


# The three explorers of chapter 1 ---------------------------------------------------------

GATE_SLIDERS = (
    Slider("weight", "weight w", -4.0, 4.0, 0.1, 1.5),
    Slider("bias", "bias b", -4.0, 4.0, 0.1, 0.0, frames=5),
    Slider("x", "input x", -6.0, 6.0, 0.1, 1.0, frames=13),
)
MEMORY_SLIDERS = (
    Slider("forget", "forget f", 0.5, 1.0, 0.01, 0.9, frames=11),
    Slider("input_gate", "input i", 0.0, 1.0, 0.05, 1.0, frames=3),
)
CELL_SLIDERS = (
    Slider("x", "x_t", -2.0, 2.0, 0.1, 0.5, frames=9),
    Slider("h_prev", "h_(t-1)", -1.0, 1.0, 0.1, 0.0, frames=5),
    Slider("c_prev", "c_(t-1)", -2.0, 2.0, 0.1, 0.5),
    Slider("forget_bias", "forget bias", -3.0, 3.0, 0.1, 1.0),
)


def _explorer(draw: Draw, sliders: Sequence[Slider], mode: Mode) -> Explorer | widgets.VBox:
    if mode == "live":
        return Explorer(draw, sliders)
    if mode == "kernel_less":
        return kernel_less_explorer(draw, sliders)
    raise ValueError(f"mode must be 'live' or 'kernel_less', got {mode!r}")


def gate_explorer(mode: Mode = "live") -> Explorer | widgets.VBox:
    """Explorer (a): a gate's weight, bias and input move a point along its curve."""
    return _explorer(draw_gate, GATE_SLIDERS, mode)


def memory_explorer(mode: Mode = "live") -> Explorer | widgets.VBox:
    """Explorer (b): the forget and input gates shape the cell state over 50 steps."""
    return _explorer(draw_memory, MEMORY_SLIDERS, mode)


def cell_explorer(mode: Mode = "live") -> Explorer | widgets.VBox:
    """Explorer (c): one full cell step, all four gates and the new c_t and h_t."""
    return _explorer(draw_cell_step, CELL_SLIDERS, mode)


__all__ = [
    "Explorer",
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
