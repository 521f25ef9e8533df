"""The unrolled BPTT picture of chapter 2."""

import pytest

from lstmbook.unrolled import _texts, bidirectional_picture, bptt_picture


def test_one_cell_per_step_and_both_gradients_named():
    figure = bptt_picture(steps=4)
    texts = [t.get_text() for t in figure.axes[0].texts]
    assert texts.count("LSTM cell") == 4
    assert any("\\delta c" in t for t in texts) and any("\\delta h" in t for t in texts)
    assert figure.get_figwidth() <= 6.8


def test_at_least_two_steps():
    with pytest.raises(ValueError, match="steps"):
        bptt_picture(steps=1)


def test_rows_of_h_n_and_steps_are_labelled():
    texts = _texts(bidirectional_picture(T=3))
    assert sorted(t for t in texts if t.startswith("h_n[") and len(t) == 6) == [
        "h_n[0]",
        "h_n[1]",
        "h_n[2]",
        "h_n[3]",
    ]
    assert texts.count("step 1") == 4 and texts.count("step 3") == 4
    assert "output[:, 2]" in texts


@pytest.mark.parametrize("T", [1, 9, 2.5])
def test_refuses_sizes_that_do_not_fit(T):
    with pytest.raises((ValueError, TypeError), match="T must be an int"):
        bidirectional_picture(T=T)
