import ipywidgets as widgets
import numpy as np
import pytest

from lstmbook import explorer_plots as ep
from lstmbook import widgets as lw


def _point(figure):
    """The moving point of the gate figure: (x, activation)."""
    line = figure.axes[0].lines[1]
    return float(line.get_xdata()[0]), float(line.get_ydata()[0])


def test_live_gate_explorer_redraws_when_sliders_move():
    explorer = lw.gate_explorer("live")
    explorer.sliders["weight"].value = 1.5
    png_before = explorer.image.value
    explorer.sliders["x"].value = -2.0
    assert _point(explorer.figure) == pytest.approx((-2.0, 1 / (1 + np.exp(3.0))), rel=1e-9)
    explorer.sliders["bias"].value = 3.0
    assert _point(explorer.figure)[1] == pytest.approx(1 / (1 + np.exp(0.0)), rel=1e-9)
    assert explorer.image.value != png_before


def test_gate_weight_sets_the_steepness_of_the_curve():
    explorer = lw.gate_explorer("live")
    curve = explorer.figure.axes[0].lines[0]
    explorer.sliders["weight"].value = 4.0
    steep = np.abs(np.diff(curve.get_ydata())).max()
    explorer.sliders["weight"].value = 0.5
    assert np.abs(np.diff(curve.get_ydata())).max() < steep / 4


def test_live_memory_explorer_marks_the_half_life():
    explorer = lw.memory_explorer("live")
    explorer.sliders["forget"].value = 0.8
    (half_life_line,) = [
        ln for ln in explorer.figure.axes[0].lines if ln.get_label() == "half-life"
    ]
    peak_time = 3  # the last step of the input pulse
    assert half_life_line.get_xdata()[0] == pytest.approx(peak_time + np.log(0.5) / np.log(0.8))
    trace_line = explorer.figure.axes[0].lines[0]
    time, trace = trace_line.get_xdata(), trace_line.get_ydata()
    assert time[0] == 1  # a log time axis starts at step 1
    peak = trace[time == peak_time][0]
    assert trace[time == peak_time + 10][0] == pytest.approx(peak * 0.8**10)
    assert explorer.figure.axes[0].get_xscale() == "log"


def test_memory_explorer_frames_include_the_forget_gates_the_chapter_names():
    box = lw.memory_explorer("kernel_less")
    forget_slider = box.children[0]
    values = [value for _, value in forget_slider.options]
    assert {0.5, 0.9, 0.99, 0.999, 1.0} <= set(values)
    lives = np.log(0.5) / np.log(np.array(values[:-1]))
    assert np.all(np.diff(lives) > 0)  # ordered by half-life
    assert lives[-1] < ep.MemoryPlot.steps  # the longest finite half-life is on the axis


def test_cell_explorer_input_and_output_gates_move_apart():
    explorer = lw.cell_explorer("live")
    bars = explorer.figure.axes[0].patches
    heights = []
    for x in (-2.0, 2.0):
        explorer.sliders["x"].value = x
        heights.append((bars[0].get_height(), bars[3].get_height()))  # i and o
    (i_low, o_low), (i_high, o_high) = heights
    assert i_high > i_low and o_high < o_low  # the input gate opens as the output gate closes


def test_live_cell_explorer_bars_follow_the_forget_bias():
    explorer = lw.cell_explorer("live")
    explorer.sliders["forget_bias"].value = 3.0
    forget_bar = explorer.figure.axes[0].patches[1]
    high = forget_bar.get_height()
    explorer.sliders["forget_bias"].value = -3.0
    assert explorer.figure.axes[0].patches[1].get_height() < 0.5 < high


def _stack_leaves(widget):
    if isinstance(widget, widgets.Image):
        return [widget]
    return [leaf for child in widget.children for leaf in _stack_leaves(child)]


@pytest.mark.parametrize("make", [lw.gate_explorer, lw.memory_explorer, lw.cell_explorer])
def test_kernel_less_explorer_precomputes_one_distinct_frame_per_setting(make):
    box = make("kernel_less")
    sliders = [c for c in box.children if isinstance(c, widgets.SelectionSlider)]
    stack = box.children[-1]
    assert isinstance(stack, widgets.Stack)
    frames = _stack_leaves(stack)
    assert len(frames) == np.prod([len(s.options) for s in sliders])
    assert len({f.value for f in frames}) == len(frames)  # every frame shows something else
    assert stack.selected_index == sliders[0].index


def test_kernel_less_sliders_are_linked_in_javascript():
    box = lw.memory_explorer("kernel_less")
    forget_slider, input_slider = box.children[:2]
    outer = box.children[-1]
    # The links as the HTML book receives them: in the saved widget state.
    state = widgets.Widget.get_manager_state()["state"]
    linked = {
        (model["state"]["source"][0], model["state"]["target"][0])
        for model in state.values()
        if model["model_name"] == "LinkModel"
        and model["state"]["source"][1] == "index"
        and model["state"]["target"][1] == "selected_index"
    }
    assert (f"IPY_MODEL_{forget_slider.model_id}", f"IPY_MODEL_{outer.model_id}") in linked
    for inner in outer.children:
        assert (f"IPY_MODEL_{input_slider.model_id}", f"IPY_MODEL_{inner.model_id}") in linked


def test_kernel_less_frame_matches_what_the_live_version_draws():
    box = lw.gate_explorer("kernel_less")
    weight_slider, bias_slider, x_slider = box.children[:3]
    weight_slider.index, bias_slider.index, x_slider.index = 0, 4, 1
    stack = box.children[-1]
    frame = stack.children[0].children[4].children[1]
    explorer = lw.gate_explorer("live")
    for name, slider in zip(("weight", "bias", "x"), box.children[:3], strict=True):
        explorer.sliders[name].value = slider.value
    assert frame.value == explorer.image.value


def test_a_plot_updated_in_place_draws_what_a_full_redraw_draws():
    plot = ep.MemoryPlot(forget=0.9, input_gate=1.0)
    plot.png()
    plot.update(forget=0.99, input_gate=0.5)
    fast = np.asarray(_image(plot.png()), dtype=float)
    full = np.asarray(_image(ep.figure_png(plot.figure)), dtype=float)
    assert fast.shape == full.shape
    assert np.abs(fast - full).mean() < 2  # the same picture, up to antialiasing


def _image(png):
    import io

    import PIL.Image

    return PIL.Image.open(io.BytesIO(png)).convert("L")


def test_diagram_labels_sit_under_their_own_boxes():
    from lstmbook.diagram import cell_diagram

    ax = cell_diagram().axes[0]
    boxes = [p for p in ax.patches if p.get_width() == pytest.approx(0.9)]
    centres = sorted(p.get_x() + p.get_width() / 2 for p in boxes)
    labels = {t.get_text(): t.get_position()[0] for t in ax.texts}
    for name, centre in zip(
        ("forget $f_t$", "input $i_t$", "candidate $g_t$", "output $o_t$"), centres, strict=True
    ):
        nearest = min(centres, key=lambda c: abs(c - labels[name]))
        assert nearest == centre and labels[name] == pytest.approx(centre)


def test_unknown_mode_is_rejected():
    with pytest.raises(ValueError, match="live"):
        lw.gate_explorer("static")


def test_kernel_less_explorer_needs_a_moving_slider():
    with pytest.raises(ValueError, match="frames"):
        lw.kernel_less_explorer(ep.GatePlot, [ep.Slider("x", "x", 0, 1, 0.1, 0.5)])


def test_gradient_explorer_moves_each_curve_with_its_own_slider():
    import numpy as np

    def measure(kind, setting):
        return np.full(10, setting if kind == "rnn" else 10.0**-setting)

    explorer = lw.gradient_explorer(measure, "live")
    rnn, lstm = explorer.figure.axes[0].lines[:2]
    explorer.sliders["scale"].value = 2.0
    explorer.sliders["forget_bias"].value = 3.0
    assert rnn.get_ydata()[0] == 2.0 and lstm.get_ydata()[0] == pytest.approx(1e-3)
    box = lw.gradient_explorer(measure, "kernel_less")
    assert len(box.children) == 3  # two sliders and the nested stack


def test_cell_stepper_has_one_frame_per_path():
    box = lw.cell_stepper()
    slider, stack = box.children
    assert len(stack.children) == len(slider.options) == 4
