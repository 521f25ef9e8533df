"""The unrolled BPTT picture of chapter 2."""

import pytest

from lstmbook.unrolled import bptt_picture


def test_one_cell_per_step_and_both_gradients_named():
    figure = bptt_picture(steps=4)
    texts = [t.get_text() for t in figure.axes[0].texts]
    assert texts.count("LSTM cell") == 4
    assert any("\\delta c" in t for t in texts) and any("\\delta h" in t for t in texts)
    assert figure.get_figwidth() <= 6.8


def test_at_least_two_steps():
    with pytest.raises(ValueError, match="steps"):
        bptt_picture(steps=1)
