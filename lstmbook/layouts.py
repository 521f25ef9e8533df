"""Pictures of how sequences are laid out in batches, drawn with matplotlib only.

- :func:`padding_picture`: a right-padded batch of texts and the steps each direction of a
  bidirectional LSTM visits, without and with ``pack_padded_sequence`` (chapter 5);
- :func:`tbptt_picture`: a long stream cut into rows (stateful batches) and chunks of ``K``
  steps for truncated backpropagation through time: the state carried across a chunk's end, the
  gradient cut there (chapter 6).

Each returns a :class:`matplotlib.figure.Figure` of the book's column width; nothing here loads
torch.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, Rectangle

from lstmbook import style, validate

FORWARD, BACKWARD = "tab:blue", "tab:orange"
PAD_FACE, PAD_TEXT = "0.88", "0.45"
CUT, CARRY = "tab:red", "tab:green"
ROW_COLORS = ("tab:blue", "tab:purple", "tab:orange", "tab:cyan", "tab:pink", "tab:brown")

#: Three short reviews, tokenised as chapter 5 does, for :func:`padding_picture`.
REVIEWS = (
    ("not", "funny", "at", "all", "."),
    ("a", "small", "gem"),
    ("slow", ",", "but", "it", "earns", "its", "end"),
)


def _arrow(ax: Axes, start: tuple[float, float], end: tuple[float, float], **kwargs) -> None:
    kwargs = {"arrowstyle": "-|>", "mutation_scale": 10, "lw": 1.5, **kwargs}
    ax.add_patch(FancyArrowPatch(start, end, shrinkA=0, shrinkB=0, **kwargs))


def _lane(
    ax: Axes, y: float, first: int, last: int, color: str, pad_from: int | None = None
) -> None:
    """An arrow along one text from column ``first`` to ``last`` (either way), at height ``y``;
    the part over padding (columns ``>= pad_from``) dashed."""
    step = 1 if last >= first else -1
    for j in range(first, last, step):
        over_pad = pad_from is not None and max(j, j + step) >= pad_from
        _arrow(
            ax,
            (j + 0.5, y),
            (j + step + 0.5 - 0.12 * step, y),
            color=color,
            linestyle="--" if over_pad else "-",
            alpha=0.55 if over_pad else 1.0,
        )


def padding_picture(reviews: Sequence[Sequence[str]] = REVIEWS) -> Figure:
    """A padded batch of ``reviews`` (lists of tokens) and what each LSTM direction visits.

    Top panel, without packing: the batch is right-padded to its longest text, and both
    directions run over every column. The forward direction's last output (``out[:, -1]``)
    comes after the padding; the backward direction *starts* in the padding. Bottom panel, with
    ``pack_padded_sequence``: the forward direction stops at each text's last real token (its
    ``h_n``), and the backward direction starts there and ends at the first token (its
    ``h_n``). A filled dot marks where each direction's final state is taken.

    >>> fig = padding_picture()
    >>> [ax.get_title(loc="left")[:16] for ax in fig.axes]
    ['without packing:', 'with pack_padded']
    >>> plt.close(fig)
    """
    if isinstance(reviews, str) or not isinstance(reviews, Sequence) or not reviews:
        raise TypeError(f"reviews must be a non-empty list of token lists, got {reviews!r:.60}")
    rows = [validate.strings(f"reviews[{k}]", tokens) for k, tokens in enumerate(reviews)]
    width = max(len(tokens) for tokens in rows)
    n = len(rows)
    fig, axes = plt.subplots(2, 1, figsize=(style.WIDTH, 0.95 * n + 1.6), layout="constrained")
    for ax, packed in zip(axes, (False, True), strict=True):
        for k, tokens in enumerate(rows):
            y = n - 1 - k  # first text on top
            length = len(tokens)
            for j in range(width):
                real = j < length
                ax.add_patch(
                    Rectangle(
                        (j + 0.08, y - 0.2),
                        0.84,
                        0.4,
                        facecolor="white" if real else PAD_FACE,
                        edgecolor="0.3" if real else "0.7",
                        lw=1.0,
                    )
                )
                ax.text(
                    j + 0.5,
                    y,
                    tokens[j] if real else "<pad>",
                    ha="center",
                    va="center",
                    fontsize=9,
                    color="black" if real else PAD_TEXT,
                )
            last = length - 1 if packed else width - 1
            pad_from = None if packed else length
            _lane(ax, y + 0.3, 0, last, FORWARD, pad_from)  # forward: left to right
            _lane(ax, y - 0.3, last, 0, BACKWARD, pad_from)  # backward: right to left
            ax.plot(last + 0.5, y + 0.3, "o", color=FORWARD, ms=6, zorder=3)
            ax.plot(0.5, y - 0.3, "o", color=BACKWARD, ms=6, zorder=3)
            if not packed and length < width:
                ax.plot(last + 0.5, y - 0.3, ">", color=BACKWARD, ms=6, alpha=0.55)
        ax.set_xlim(-0.05, width + 0.05)
        ax.set_ylim(-0.6, n - 0.4)
        ax.set_axis_off()
    axes[0].set_title(
        "without packing: out[:, -1] reads after the padding; the backward direction starts in it",
        loc="left",
        fontsize=9,
    )
    axes[1].set_title(
        "with pack_padded_sequence: each direction visits the real tokens only",
        loc="left",
        fontsize=9,
    )
    handles = [
        plt.Line2D([], [], color=FORWARD, marker=">", label="forward direction"),
        plt.Line2D([], [], color=BACKWARD, marker="<", label="backward direction"),
        plt.Line2D(
            [], [], color="0.3", marker="o", linestyle="none", label="final state h_n taken"
        ),
    ]
    fig.legend(handles=handles, loc="lower center", ncol=3, frameon=False)
    fig.get_layout_engine().set(rect=(0, 0.07, 1, 0.93))
    return fig


def tbptt_picture(steps: int = 24, rows: int = 3, chunk: int = 4) -> Figure:
    """A stream of ``steps`` cut into ``rows`` contiguous rows and chunks of ``chunk`` steps.

    Top: the stream, coloured by the row each step goes to (``batchify``; a remainder that
    does not fill a row is dropped). Bottom: the batch, one row per stream piece, read chunk by
    chunk. Inside a chunk the state flows forward and the gradient flows back (one optimizer
    step per chunk). At a chunk's end the state ``(h, c)`` is carried into the next chunk
    (green) but detached, so the gradient is cut there (red dashes).

    >>> fig = tbptt_picture()
    >>> len(fig.axes)
    1
    >>> plt.close(fig)
    """
    steps = validate.positive_int("steps", steps, 2)
    rows = validate.positive_int("rows", rows)
    chunk = validate.positive_int("chunk", chunk)
    length = steps // rows
    if length < 2:
        raise ValueError(f"steps must give each of the {rows} rows >= 2 steps, got {steps}")
    chunks = -(-length // chunk)
    colors = [ROW_COLORS[k % len(ROW_COLORS)] for k in range(rows)]
    fig, ax = plt.subplots(figsize=(style.WIDTH, 1.9 + 0.75 * rows), layout="constrained")
    total = 10.0  # drawing width, in data units
    left = 1.1  # room for the row labels
    # The stream -------------------------------------------------------------------------------
    s = (total - left) / steps
    top = rows + 1.1
    ax.text(left - 0.1, top, "stream", ha="right", va="center", fontsize=9)
    for i in range(steps):
        row = i // length
        face = colors[row] if row < rows else "white"
        ax.add_patch(
            Rectangle(
                (left + i * s, top - 0.2),
                s,
                0.4,
                facecolor=face,
                alpha=0.35 if row < rows else 1.0,
                edgecolor="0.4",
                lw=0.6,
            )
        )
        if steps <= 40:
            ax.text(left + (i + 0.5) * s, top, str(i + 1), ha="center", va="center", fontsize=9)
    # The batch --------------------------------------------------------------------------------
    g = (total - left) / length
    for b in range(rows):
        y = rows - 1 - b
        ax.text(left - 0.1, y, f"row {b + 1}", ha="right", va="center", fontsize=9)
        for j in range(length):
            ax.add_patch(
                Rectangle(
                    (left + j * g + 0.06, y - 0.22),
                    g - 0.12,
                    0.44,
                    facecolor=colors[b],
                    alpha=0.35,
                    edgecolor="0.4",
                    lw=0.6,
                )
            )
            ax.text(
                left + (j + 0.5) * g,
                y,
                str(b * length + j + 1),
                ha="center",
                va="center",
                fontsize=9,
            )
            x0, x1 = left + (j + 1) * g - 0.06, left + (j + 1) * g + 0.06
            if j + 1 < length and (j + 1) % chunk:
                _arrow(ax, (x0 - 0.02, y), (x1 + 0.02, y), color="0.2", lw=1.0)
            elif j + 1 < length:  # a chunk's end: carry the state, cut the gradient
                _arrow(
                    ax,
                    (left + (j + 0.8) * g, y + 0.22),
                    (left + (j + 1.2) * g, y + 0.22),
                    color=CARRY,
                    lw=2.0,
                    mutation_scale=12,
                    connectionstyle="arc3,rad=-0.7",
                )
        for k in range(chunks):  # the gradient, back along each chunk
            start, end = k * chunk, min((k + 1) * chunk, length) - 1
            if end > start:
                _arrow(
                    ax,
                    (left + (end + 0.5) * g, y - 0.3),
                    (left + (start + 0.5) * g, y - 0.3),
                    color=CUT,
                    lw=1.0,
                    alpha=0.8,
                )
    for k in range(1, chunks):
        x = left + k * chunk * g
        ax.plot([x, x], [-0.55, rows - 0.45], color=CUT, linestyle="--", lw=1.2)
    for k in range(chunks):
        start, end = k * chunk, min((k + 1) * chunk, length)
        ax.text(
            left + (start + end) / 2 * g,
            rows - 0.5,
            f"chunk {k + 1}: one optimizer step",
            ha="center",
            va="bottom",
            fontsize=9,
        )
    handles = [
        plt.Line2D([], [], color="0.2", marker=">", label="state, within a chunk"),
        plt.Line2D([], [], color=CARRY, lw=2, label="state carried (detached)"),
        plt.Line2D([], [], color=CUT, marker="<", label="gradient, within a chunk"),
        plt.Line2D([], [], color=CUT, linestyle="--", label="gradient cut"),
    ]
    fig.legend(handles=handles, loc="lower center", ncol=2, frameon=False)
    ax.set_xlim(0, total + 0.05)
    ax.set_ylim(-0.7, top + 0.35)
    ax.set_axis_off()
    fig.get_layout_engine().set(rect=(0, 0.13, 1, 0.87))
    return fig
