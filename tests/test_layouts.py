"""Tests of the batch-layout pictures (chapters 5 and 6)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from lstmbook import style  # noqa: E402
from lstmbook.layouts import padding_picture, tbptt_picture  # noqa: E402


def texts(fig):
    return [t.get_text() for ax in fig.axes for t in ax.texts]


def test_padding_picture_pads_to_the_longest_text():
    fig = padding_picture([["a", "b", "c"], ["d"]])
    try:
        assert len(fig.axes) == 2
        # two panels, each: 3 + 1 real tokens and 2 pads
        assert texts(fig).count("<pad>") == 2 * 2
        assert fig.get_size_inches()[0] <= style.WIDTH
    finally:
        plt.close(fig)


@pytest.mark.parametrize("bad", ["a review", [], [["ok"], "no"], [[1, 2]]])
def test_padding_picture_refuses_what_is_not_token_lists(bad):
    with pytest.raises((TypeError, ValueError)):
        padding_picture(bad)


def test_tbptt_picture_numbers_every_step_of_the_batch():
    fig = tbptt_picture(steps=13, rows=2, chunk=4)  # two rows of 6, the last step dropped
    try:
        labels = texts(fig)
        assert labels.count("13") == 1  # in the stream only
        assert labels.count("12") == 2  # the stream and the batch
        assert sum(label.startswith("chunk") for label in labels) == 2
        assert fig.get_size_inches()[0] <= style.WIDTH
    finally:
        plt.close(fig)


@pytest.mark.parametrize(
    "kwargs", [dict(steps=3, rows=2), dict(chunk=0), dict(rows=0), dict(steps=2.5)]
)
def test_tbptt_picture_refuses_bad_sizes(kwargs):
    with pytest.raises((TypeError, ValueError)):
        tbptt_picture(**kwargs)
