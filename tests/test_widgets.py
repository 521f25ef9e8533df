import ipywidgets as widgets
import numpy as np
import pytest

from lstmbook import widgets as lw


def _point(figure):
    """The moving point of the gate figure: (x, activation)."""
    line = figure.axes[0].lines[1]
    return float(line.get_xdata()[0]), float(line.get_ydata()[0])


def test_live_gate_explorer_redraws_when_sliders_move():
    explorer = lw.gate_explorer("live")
    png_before = explorer.image.value
    explorer.sliders["x"].value = -2.0
    assert _point(explorer.figure) == pytest.approx((-2.0, 1 / (1 + np.exp(3.0))), rel=1e-9)
    explorer.sliders["bias"].value = 3.0
    assert _point(explorer.figure)[1] == pytest.approx(1 / (1 + np.exp(0.0)), rel=1e-9)
    assert explorer.image.value != png_before


def test_live_memory_explorer_marks_the_half_life():
    explorer = lw.memory_explorer("live")
    explorer.sliders["forget"].value = 0.8
    (half_life_line,) = [
        ln for ln in explorer.figure.axes[0].lines if ln.get_label() == "half-life"
    ]
    peak_time = 4  # the last step of the input pulse
    assert half_life_line.get_xdata()[0] == pytest.approx(peak_time + np.log(0.5) / np.log(0.8))
    trace = explorer.figure.axes[0].lines[0].get_ydata()
    assert trace[peak_time + 10] == pytest.approx(trace[peak_time] * 0.8**10)


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
    bias_slider, x_slider = box.children[:2]
    frame = box.children[-1].children[bias_slider.index].children[x_slider.index]
    values = {"weight": 1.5, "bias": bias_slider.value, "x": x_slider.value}
    assert frame.value == lw.figure_png(lw.draw_gate(**values))


def test_unknown_mode_is_rejected():
    with pytest.raises(ValueError, match="live"):
        lw.gate_explorer("static")


def test_kernel_less_explorer_needs_a_moving_slider():
    with pytest.raises(ValueError, match="frames"):
        lw.kernel_less_explorer(lw.draw_gate, [lw.Slider("x", "x", 0, 1, 0.1, 0.5)])
