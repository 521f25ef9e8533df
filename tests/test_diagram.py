"""The cell diagrams: every kind draws, highlights fade the rest, bad arguments are named."""

import pytest

from lstmbook.diagram import KINDS, PATHS, build_up, cell_diagram
from lstmbook.style import GATE_COLORS


def _labels(figure):
    return {t.get_text() for t in figure.axes[0].texts}


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_draws_one_axes(kind):
    figure = cell_diagram(kind)
    assert len(figure.axes) == 1
    assert figure.get_figwidth() <= 6.8


def test_each_variant_shows_what_makes_it_different():
    assert "forget $f_t$" not in _labels(cell_diagram("nfg"))
    assert "input $i_t$" not in _labels(cell_diagram("cifg"))
    assert "1−" in _labels(cell_diagram("cifg"))
    assert "peepholes" in _labels(cell_diagram("peephole"))
    assert {"update $z_t$", "reset $r_t$", "candidate $n_t$"} <= _labels(cell_diagram("gru"))


def test_gru_update_gate_wears_the_forget_gates_colour():
    from matplotlib.colors import to_rgba

    ax = cell_diagram("gru").axes[0]
    (label,) = [t for t in ax.texts if t.get_text() == "update $z_t$"]
    assert to_rgba(label.get_color()) == to_rgba(GATE_COLORS["f"])


def test_highlight_fades_everything_off_the_path():
    ax = cell_diagram("lstm", "forget").axes[0]
    alphas = {t.get_text(): t.get_alpha() for t in ax.texts}
    assert alphas["forget $f_t$"] == 1.0
    assert alphas["output $o_t$"] < 0.5
    assert ax.get_title() == PATHS["lstm"]["forget"]


def test_build_up_has_one_panel_per_path_in_reading_order():
    figure = build_up()
    assert [ax.get_title() for ax in figure.axes] == list(PATHS["lstm"].values())
    assert list(PATHS["lstm"]) == ["forget", "input", "update", "output"]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"kind": "lstmp"}, "kind must be one of"),
        ({"kind": "nfg", "highlight": "forget"}, "highlight must be one of"),
        ({"kind": "rnn", "highlight": "forget"}, "highlight must be None"),
    ],
)
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        cell_diagram(**kwargs)
