"""Time the source's four-matrix cell, the NumPy LSTMs and ``torch.nn.LSTM`` on the CPU.

Run ``python -m lstmbook.bench`` (``--help`` for the options). The method, which
:func:`run` implements and the chapter uses:

- **The same threads for both libraries.** NumPy's matrix products run on OpenBLAS's threads,
  torch's LSTM on its own (oneDNN over OpenMP). Each measurement limits OpenBLAS with
  ``threadpoolctl.threadpool_limits`` and torch with ``torch.set_num_threads`` to the same
  count: one thread, then every core.
- **Blocks, not alternation.** Each implementation is warmed up, then timed ``repeats`` times
  in a row, and the block gives the median. Alternating single calls of NumPy and torch is
  unfair on few cores: OpenBLAS's worker threads keep spinning for a while after a NumPy call
  and take the cores from torch's threads, which then look two to three times slower.
- **Rounds of blocks, ratios within a round.** The blocks of all implementations run one after
  the other, ``rounds`` times over. Each round gives every implementation's ratio to torch's
  block of the same round, so that a slow moment of a busy machine hits both; the result holds
  the median over the rounds of the times and of the ratios.
- **Five implementations**: the source's cell (forward only), the plain fused layer
  (:class:`~lstmbook.numpy_lstm.LSTM`), the fast one (:class:`~lstmbook.numpy_fast.FastLSTM`,
  with as many Python threads as the setting has), ``nn.LSTM``, and the *floor*: the fast
  layer's matrix products alone, on the same threads, with no elementwise work at all.
- **The same float32 data and parameters** for every implementation at a size
  ``(batch, time, input, hidden)``. *Forward* compares NumPy's forward pass (which also keeps
  what backward needs) with torch under ``torch.no_grad()``; *forward+backward* compares NumPy's
  forward and backward (``dX`` and every parameter gradient) with torch's forward and
  ``torch.autograd.grad`` of the same quantities. The source's cell has no backward pass.

Wall time of multithreaded code on a machine busy with other work is noise: compare the
ratios of one run, on an idle machine.
"""

from __future__ import annotations

import argparse
import os
import textwrap
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from lstmbook.four_matrix import FourMatrixCell
from lstmbook.numpy_fast import FastLSTM
from lstmbook.numpy_lstm import LSTM

#: (batch, time, input, hidden): the two sizes of the speed goal.
DEFAULT_SIZES = ((64, 100, 64, 128), (128, 200, 128, 256))
IMPLEMENTATIONS = (
    "source's cell",
    "fused NumPy",
    "fast NumPy",
    "products only",
    "torch.nn.LSTM",
)
MODES = ("forward", "forward+backward")
#: The speed goal: the fast layer's time over torch's, at most, per mode.
GOAL = {"forward": 1.2, "forward+backward": 1.0}


@dataclass
class Timing:
    """Median seconds of one implementation in one mode at one size and thread count."""

    size: tuple[int, int, int, int]  # (batch, time, input, hidden)
    threads: int  # OpenBLAS's and torch's threads
    implementation: str  # one of IMPLEMENTATIONS
    mode: str  # one of MODES
    median_s: float  # median over the rounds of the block's median over its repeats
    ratio: float  # median over the rounds of the block's median / torch's in the same round


def all_cores() -> int:
    """The number of cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@contextmanager
def threads(n: int) -> Iterator[None]:
    """Limit OpenBLAS (through threadpoolctl) and torch to ``n`` threads each, then restore."""
    import torch
    from threadpoolctl import threadpool_limits

    if n < 1:
        raise ValueError(f"threads must be >= 1, got {n}")
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        with threadpool_limits(limits=n, user_api="blas"):
            yield
    finally:
        torch.set_num_threads(before)


def blas_threads() -> int:
    """The thread count OpenBLAS (NumPy's BLAS) uses now."""
    from threadpoolctl import threadpool_info

    counts = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
    return max(counts, default=1)


def _products_only(fast: FastLSTM, X: np.ndarray, backward: bool) -> Callable[[], object]:
    """The floor: the matrix products of ``fast``'s forward (and backward), on the same
    threads and slices of the batch, with no elementwise work."""
    B, T, D = X.shape
    H, G = fast.hidden_size, 4 * fast.hidden_size
    X_rows = np.ascontiguousarray(X.transpose(1, 0, 2)).reshape(T * B, D)
    W_hh_T = np.ascontiguousarray(fast.W_hh.T)
    gates = np.zeros((T, B, G), dtype=X.dtype)
    h = np.zeros((B, H), dtype=X.dtype)
    h_rows = np.zeros((T * B, H), dtype=X.dtype)
    slices = fast._slices(B)

    def steps(s: slice) -> None:
        hW = np.empty_like(gates[0, s])
        dh = np.empty_like(h[s])
        for _ in range(T):
            np.matmul(h[s], W_hh_T, out=hW)
        if backward:
            for _ in range(T):
                np.matmul(hW, fast.W_hh, out=dh)

    def run() -> object:
        X_rows @ fast.W_ih.T
        fast._run(slices, steps)
        if backward:
            dZ = gates.reshape(T * B, G)
            return dZ.T @ X_rows, dZ.T @ h_rows, dZ @ fast.W_ih
        return None

    return run


def _runners(
    size: tuple[int, int, int, int], seed: int, n_threads: int = 1
) -> dict[tuple[str, str], Callable[[], object]]:
    """One zero-argument function per (implementation, mode), all on the same data;
    the fast layer and the floor run on ``n_threads`` Python threads."""
    import torch

    B, T, D, H = size
    torch.manual_seed(seed)
    torch_lstm = torch.nn.LSTM(D, H, batch_first=True)
    layer = LSTM.from_torch(torch_lstm)
    fast = FastLSTM.from_torch(torch_lstm)
    fast.threads = n_threads
    cell = FourMatrixCell(D, H, seed=seed)
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((B, T, D)).astype(np.float32)
    dH = rng.standard_normal((B, T, H)).astype(np.float32)
    X_torch, dH_torch = torch.from_numpy(X), torch.from_numpy(dH)
    params = list(torch_lstm.parameters())

    def torch_forward() -> object:
        with torch.no_grad():
            return torch_lstm(X_torch)

    def torch_forward_backward() -> object:
        X_leaf = X_torch.detach().requires_grad_()
        H_torch, _ = torch_lstm(X_leaf)
        return torch.autograd.grad(H_torch, [X_leaf, *params], dH_torch)

    def numpy_forward_backward() -> object:
        layer.forward(X)
        return layer.backward(dH)

    def fast_forward_backward() -> object:
        fast.forward(X)
        return fast.backward(dH)

    return {
        ("source's cell", "forward"): lambda: cell.forward_sequence(X),
        ("fused NumPy", "forward"): lambda: layer.forward(X),
        ("fused NumPy", "forward+backward"): numpy_forward_backward,
        ("fast NumPy", "forward"): lambda: fast.forward(X),
        ("fast NumPy", "forward+backward"): fast_forward_backward,
        ("products only", "forward"): _products_only(fast, X, backward=False),
        ("products only", "forward+backward"): _products_only(fast, X, backward=True),
        ("torch.nn.LSTM", "forward"): torch_forward,
        ("torch.nn.LSTM", "forward+backward"): torch_forward_backward,
    }


def time_block(
    fn: Callable[[], object],
    repeats: int,
    warmup: int = 3,
    *,
    clock: Callable[[], float] = time.perf_counter,
) -> float:
    """The median of ``repeats`` timed calls of ``fn`` in a row, after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeats):
        start = clock()
        fn()
        samples.append(clock() - start)
    return float(np.median(samples))


def run(
    sizes: Sequence[tuple[int, int, int, int]] = DEFAULT_SIZES,
    thread_counts: Sequence[int] | None = None,
    repeats: int = 5,
    warmup: int = 2,
    seed: int = 0,
    rounds: int = 3,
    implementations: Sequence[str] = IMPLEMENTATIONS,
) -> list[Timing]:
    """Time every implementation and mode at every size and thread count, in blocks.

    ``thread_counts`` defaults to one thread and every core (:func:`all_cores`). In each of
    ``rounds`` rounds, each implementation runs ``warmup`` untimed calls, then ``repeats`` timed
    ones in a row; the result holds the medians over the rounds, of the blocks' medians and of
    their ratios to torch's block in the same round. ``implementations`` picks some of
    :data:`IMPLEMENTATIONS` (torch's is always timed, as the reference).
    """
    if repeats < 1:
        raise ValueError(f"repeats must be >= 1, got {repeats}")
    if rounds < 1:
        raise ValueError(f"rounds must be >= 1, got {rounds}")
    unknown = set(implementations) - set(IMPLEMENTATIONS)
    if unknown:
        raise ValueError(f"implementations must be among {IMPLEMENTATIONS}, got {sorted(unknown)}")
    chosen = set(implementations) | {"torch.nn.LSTM"}
    if thread_counts is None:
        thread_counts = sorted({1, all_cores()})
    timings = []
    for n in thread_counts:
        with threads(n):
            for size in sizes:
                size = tuple(int(k) for k in size)
                if len(size) != 4 or min(size) < 1:
                    raise ValueError(
                        f"a size is (batch, time, input, hidden), all >= 1, got {size}"
                    )
                runners = {
                    key: fn for key, fn in _runners(size, seed, n).items() if key[0] in chosen
                }
                blocks: dict[tuple[str, str], list[float]] = {key: [] for key in runners}
                for _ in range(rounds):
                    for key, fn in runners.items():
                        blocks[key].append(time_block(fn, repeats, warmup))
                for (implementation, mode), medians in blocks.items():
                    torch_medians = blocks[("torch.nn.LSTM", mode)]
                    ratios = [a / b for a, b in zip(medians, torch_medians, strict=True)]
                    timings.append(
                        Timing(
                            size,
                            n,
                            implementation,
                            mode,
                            float(np.median(medians)),
                            float(np.median(ratios)),
                        )
                    )
    return timings


def table_rows(timings: Sequence[Timing]) -> list[list[object]]:
    """One row per size, thread count and implementation, the two modes side by side:
    ``[size, threads, implementation, forward ms, ratio, forward+backward ms, ratio]``
    (``"n/a"`` where an implementation has no such mode)."""
    by_key = {(t.size, t.threads, t.implementation, t.mode): t for t in timings}
    settings = list(dict.fromkeys((t.size, t.threads) for t in timings))
    rows = []
    present = set(t.implementation for t in timings)
    for size, n in settings:
        for implementation in [name for name in IMPLEMENTATIONS if name in present]:
            row: list[object] = [", ".join(map(str, size)), n, implementation]
            for mode in MODES:
                t = by_key.get((size, n, implementation, mode))
                row += ["n/a", "n/a"] if t is None else [t.median_s * 1e3, f"{t.ratio:.2f}x"]
            rows.append(row)
    return rows


#: Headers for :func:`table_rows`.
HEADERS = ("size", "threads", "implementation", "fwd ms", "vs torch", "fwd+bwd ms", "vs torch")


def format_table(timings: Sequence[Timing]) -> str:
    """The timings as aligned text, one row per size, thread count and implementation."""
    from lstmbook.tables import Table

    return repr(Table(HEADERS, table_rows(timings), digits=2))


def goal_lines(timings: Sequence[Timing], width: int = 79) -> list[str]:
    r"""The verdicts on :data:`GOAL`, as lines of at most ``width`` characters.

    For each size a heading, then one line per thread count and mode: the fast layer's ratio
    to torch, whether it meets the goal, and its distance to the floor (its time over the
    products-only time); then a warning wherever torch got slower with more threads (other work
    on the machine, or a size too small to share out between threads).

    >>> t = [Timing((1, 2, 3, 4), 1, "fast NumPy", "forward", 3.0, 1.5),
    ...      Timing((1, 2, 3, 4), 1, "products only", "forward", 1.0, 0.5)]
    >>> print(*goal_lines(t), sep="\n")
    size 1, 2, 3, 4 (batch, time, input, hidden), FastLSTM:
      1 thread, fwd: 1.50x torch, misses the goal (1.2x); 3.00x its floor
    """
    by_key = {(t.size, t.threads, t.implementation, t.mode): t for t in timings}
    torch_s = {
        (t.size, t.threads, t.mode): t.median_s
        for t in timings
        if t.implementation == IMPLEMENTATIONS[-1]
    }
    lines = []
    for size in dict.fromkeys(t.size for t in timings):
        body = []
        for (at, n, implementation, mode), t in by_key.items():
            if at != size or implementation != "fast NumPy":
                continue
            verdict = "meets" if t.ratio <= GOAL[mode] else "misses"
            short = "fwd" if mode == "forward" else "fwd+bwd"
            line = f"{n} thread{'s' * (n > 1)}, {short}: {t.ratio:.2f}x torch, {verdict} the goal"
            line += f" ({GOAL[mode]}x)"
            floor = by_key.get((size, n, "products only", mode))
            if floor is not None:
                line += f"; {t.median_s / floor.median_s:.2f}x its floor"
            body.append(line)
        for (at, n, mode), seconds in torch_s.items():
            one = torch_s.get((size, 1, mode))
            if at == size and n > 1 and one is not None and seconds > one:
                body.append(
                    f"torch was slower with {n} threads than with 1 ({mode}): other work on the"
                    " machine, or a size too small to share out, can cause that; the 1-thread"
                    " ratios are the fairer ones"
                )
        if body:
            heading = f"size {', '.join(map(str, size))} (batch, time, input, hidden), FastLSTM:"
            lines += textwrap.wrap(heading, width, subsequent_indent="  ")
            for line in body:
                lines += textwrap.wrap(line, width, initial_indent="  ", subsequent_indent="    ")
    return lines


def _parse_size(text: str) -> tuple[int, int, int, int]:
    parts = text.split(",")
    if len(parts) != 4:
        raise argparse.ArgumentTypeError(f"expected batch,time,input,hidden, got {text!r}")
    return tuple(int(p) for p in parts)  # type: ignore[return-value]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m lstmbook.bench", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--repeats", type=int, default=5, help="timed calls per block (5)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed calls first (2)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of blocks (3)")
    parser.add_argument(
        "--sizes",
        type=_parse_size,
        nargs="+",
        default=list(DEFAULT_SIZES),
        metavar="B,T,D,H",
        help="batch,time,input,hidden (default: 64,100,64,128 128,200,128,256)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        nargs="+",
        default=None,
        help=f"thread counts for OpenBLAS and torch alike (default: 1 and {all_cores()})",
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    timings = run(args.sizes, args.threads, args.repeats, args.warmup, args.seed, args.rounds)
    counts = ", ".join(str(n) for n in dict.fromkeys(t.threads for t in timings))
    print(
        f"float32, wall time; threads (OpenBLAS = torch): {counts}; "
        f"medians of {args.rounds} rounds of blocks of {args.repeats} after {args.warmup} "
        "warm-up calls; ratios to torch within each round"
    )
    print(format_table(timings))
    print(*goal_lines(timings), sep="\n")


if __name__ == "__main__":
    main()
