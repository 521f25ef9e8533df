"""The parallel scan of ``h_t = a_t * h_{t-1} + b_t`` (``h_{-1} = 0``), three ways (chapter 9).

:func:`linear_scan` (a work-efficient parallel scan in linear space, accurate in float32 at any
length), :func:`log_space_scan` (the minLSTM paper's log-space scan, which drifts in float32 at
long lengths; kept to show that), :func:`sequential_scan` (the loop); :func:`plot_scan_tree`
draws which steps the parallel scan combines when; the exercise's checker is in
:mod:`lstmbook.exercises.scan`. The scans run along dimension 1 of ``(batch, time, ...)``.
"""

from __future__ import annotations

import torch
from torch import Tensor

from lstmbook import validate

# ---------------------------------------------------------------------------------------------
# Scans of h_t = a_t * h_{t-1} + b_t (h_{-1} = 0), along dimension 1 of (batch, time, ...).


def _pair(first: str, a: object, second: str, b: object) -> None:
    """Two tensors of one shape ``(batch, time, ...)``."""
    if not isinstance(a, Tensor):
        raise TypeError(f"{first} must be a torch tensor, got {type(a).__name__}")
    if not isinstance(b, Tensor):
        raise TypeError(f"{second} must be a torch tensor, got {type(b).__name__}")
    if a.dim() < 2:
        raise ValueError(f"{first} must have shape (batch, time, ...), got {tuple(a.shape)}")
    if a.shape != b.shape:
        raise ValueError(
            f"{second} must have the shape of {first}, {tuple(a.shape)}, got {tuple(b.shape)}"
        )


def sequential_scan(a: Tensor, b: Tensor) -> Tensor:
    """``h_t = a_t * h_{t-1} + b_t`` for every ``t``, one step at a time (``h_{-1} = 0``).

    ``a`` and ``b`` have shape ``(batch, time, ...)``; so does the result. The loop reads the
    steps with ``unbind`` (indexing ``a[:, t]`` under autograd costs time quadratic in T).

    >>> sequential_scan(torch.tensor([[0.5, 0.5, 0.5]]), torch.tensor([[1.0, 1.0, 1.0]]))
    tensor([[1.0000, 1.5000, 1.7500]])
    """
    _pair("a", a, "b", b)
    h = torch.zeros_like(b[:, 0])
    out = []
    for a_t, b_t in zip(a.unbind(1), b.unbind(1), strict=True):
        h = a_t * h + b_t
        out.append(h)
    return torch.stack(out, 1)


def linear_scan(a: Tensor, b: Tensor) -> Tensor:
    """The same as :func:`sequential_scan`, computed by a parallel scan in about log2(T) rounds.

    The step ``h -> a * h + b`` is an affine map, and two affine maps compose into one:
    first ``(a1, b1)`` then ``(a2, b2)`` is ``(a2 * a1, a2 * b1 + b2)``. Composition is
    associative, so the steps can be combined in any grouping. This is the work-efficient
    (Blelloch) form: combine neighbouring pairs, which halves the sequence; solve the half
    recursively (it gives ``h`` at every odd step); then one more elementwise step gives every
    even step. Each round is one elementwise operation over the whole (remaining) sequence, so
    there are about ``2 log2(T)`` rounds and ``O(T)`` work in all.

    It stays in linear space: with ``0 <= a <= 1`` every intermediate is a product of numbers in
    ``[0, 1]`` or a sum of such products times ``b``, so float32 rounding does not grow with T
    (a log-space scan subtracts long cumulative sums, whose rounding does grow; see
    :func:`log_space_scan`). ``b`` may have either sign.

    >>> a, b = torch.rand(2, 7, 3), torch.randn(2, 7, 3)
    >>> bool(torch.allclose(linear_scan(a, b), sequential_scan(a, b), atol=1e-6))
    True
    """
    _pair("a", a, "b", b)
    T = a.shape[1]
    if T == 1:
        return b
    if T % 2:  # pad with the identity map (a = 1, b = 0), which leaves h unchanged
        a = torch.cat([a, torch.ones_like(a[:, :1])], 1)
        b = torch.cat([b, torch.zeros_like(b[:, :1])], 1)
    a_even, a_odd, b_even, b_odd = a[:, 0::2], a[:, 1::2], b[:, 0::2], b[:, 1::2]
    h_odd = linear_scan(a_odd * a_even, a_odd * b_even + b_odd)  # h at steps 1, 3, 5, ...
    h_before = torch.cat([torch.zeros_like(h_odd[:, :1]), h_odd[:, :-1]], 1)
    h_even = a_even * h_before + b_even  # h at steps 0, 2, 4, ...
    h = torch.stack([h_even, h_odd], 2).flatten(1, 2)  # interleave: (batch, time, ...)
    return h[:, :T]


def log_space_scan(log_a: Tensor, log_b: Tensor) -> Tensor:
    """The paper's log-space scan (Heinsen 2023): ``h`` for ``b > 0``, given ``log a``, ``log b``.

    ``a*_t = sum_{s<=t} log a_s`` and ``log h_t = a*_t + logcumsumexp_t(log b_t - a*_t)``: two
    cumulative sums, all elementwise. In float32 the running sum ``a*`` grows with ``t`` and
    the rounding of the difference of two large sums grows with it, so the result drifts at
    long T; :func:`linear_scan` does not.

    >>> a, b = torch.rand(1, 5, 2), torch.rand(1, 5, 2)
    >>> bool(torch.allclose(log_space_scan(a.log(), b.log()), sequential_scan(a, b)))
    True
    """
    _pair("log_a", log_a, "log_b", log_b)
    a_star = torch.cumsum(log_a, 1)
    return torch.exp(a_star + torch.logcumsumexp(log_b - a_star, 1))


# ---------------------------------------------------------------------------------------------
# The picture of the scan


def plot_scan_tree(T: int = 8):
    """A figure of :func:`linear_scan` on ``T`` steps (a power of 2): which steps combine when.

    Going up, each round composes neighbouring pairs of maps, so after round ``r`` the map
    at step ``t`` covers the ``2^r`` steps ending at ``t``; going down, each round fills in the
    steps between the ones already known. Every round is one elementwise operation.
    """
    import matplotlib.pyplot as plt

    from lstmbook.style import HEIGHT, WIDTH

    T = validate.positive_int("T", T, minimum=2)
    if T & (T - 1):
        raise ValueError(f"T must be a power of 2, got {T}")
    levels = T.bit_length() - 1
    fig, ax = plt.subplots(figsize=(WIDTH, HEIGHT))
    known: set[int] = set()
    y = 0
    for r in range(1, levels + 1):  # up: step t combines with step t - 2^(r-1)
        for t in range(2**r - 1, T, 2**r):
            ax.annotate("", (t, y + 1), (t - 2 ** (r - 1), y),
                        arrowprops={"arrowstyle": "->", "color": "tab:blue"})  # fmt: skip
            ax.plot([t, t], [y, y + 1], color="tab:blue", lw=1)
        y += 1
    known = {T - 1}
    for r in range(levels - 1, -1, -1):  # down: fill in t = known + 2^r
        new = [t for t in range(2**r - 1, T, 2**r) if t not in known]
        for t in new:
            if t - 2**r >= 0:
                ax.annotate("", (t, y + 1), (t - 2**r, y),
                            arrowprops={"arrowstyle": "->", "color": "tab:orange"})  # fmt: skip
            ax.plot([t, t], [y, y + 1], color="tab:orange", lw=1)
        known |= set(new)
        y += 1
    for level in range(y + 1):
        ax.scatter(range(T), [level] * T, color="0.3", s=18, zorder=3)
    ax.set_xticks(range(T))
    ax.set_yticks(range(y + 1))
    ax.set_yticklabels(["inputs"] + [f"up {r}" for r in range(1, levels + 1)]
                       + [f"down {r}" for r in range(1, levels + 1)])  # fmt: skip
    ax.invert_yaxis()
    ax.set_xlabel("time step t")
    ax.grid(False)
    return fig
