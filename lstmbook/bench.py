"""Time the source's four-matrix cell, the fused NumPy LSTM and ``torch.nn.LSTM`` on the CPU.

Run ``python -m lstmbook.bench`` (``--help`` for the options). Every implementation gets the
same float32 data, and the repeats are interleaved (one run of each, then the next round), so
that a slow moment of the machine hurts all of them alike; the table gives medians.

Two modes:

- ``forward``: NumPy's forward pass (which also keeps what backward needs) against torch under
  ``torch.no_grad()``, its fast inference path.
- ``forward+backward``: NumPy's forward and backward (``dX`` and every parameter gradient)
  against torch's forward and ``torch.autograd.grad`` of the same quantities. The source's cell
  has no backward pass, so it has no entry here.

NumPy's matrix products use OpenBLAS's threads (set ``OPENBLAS_NUM_THREADS`` before starting
Python to change them) and its elementwise work one thread; torch uses ``torch.get_num_threads()``
(``--torch-threads`` sets it). On a machine shared with other work, wall times of multithreaded
code are noise; a fair alternative there is one thread each, timed by CPU time::

    OPENBLAS_NUM_THREADS=1 python -m lstmbook.bench --torch-threads 1 --cpu-time
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from lstmbook.numpy_lstm import LSTM, FourMatrixCell

#: (batch, time, input, hidden) that the issue's speed targets name.
DEFAULT_SIZES = ((32, 20, 10, 50), (64, 100, 64, 128))
IMPLEMENTATIONS = ("four-matrix cell", "fused NumPy", "torch.nn.LSTM")
MODES = ("forward", "forward+backward")


@dataclass
class Timing:
    """Median seconds of one implementation in one mode at one size."""

    size: tuple[int, int, int, int]  # (batch, time, input, hidden)
    implementation: str  # one of IMPLEMENTATIONS
    mode: str  # one of MODES
    median_s: float  # median over the repeats
    ratio: float  # median_s / torch's median_s in the same mode and size


def _runners(
    size: tuple[int, int, int, int], seed: int
) -> dict[tuple[str, str], Callable[[], object]]:
    """One zero-argument function per (implementation, mode), all on the same data."""
    import torch

    B, T, D, H = size
    torch.manual_seed(seed)
    torch_lstm = torch.nn.LSTM(D, H, batch_first=True)
    layer = LSTM.from_torch(torch_lstm)
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

    return {
        ("four-matrix cell", "forward"): lambda: cell.forward_sequence(X),
        ("fused NumPy", "forward"): lambda: layer.forward(X),
        ("fused NumPy", "forward+backward"): numpy_forward_backward,
        ("torch.nn.LSTM", "forward"): torch_forward,
        ("torch.nn.LSTM", "forward+backward"): torch_forward_backward,
    }


def run(
    sizes: Sequence[tuple[int, int, int, int]] = DEFAULT_SIZES,
    repeats: int = 20,
    seed: int = 0,
    *,
    clock: Callable[[], float] = time.perf_counter,
) -> list[Timing]:
    """Time every implementation and mode at every size: ``repeats`` interleaved rounds after
    one warm-up round; returns the medians and their ratios to torch.

    ``clock`` is wall time by default; ``time.process_time`` (CPU time of this process) is
    steadier on a busy machine, but means the same as wall time only with one thread.
    """
    if repeats < 1:
        raise ValueError(f"repeats must be >= 1, got {repeats}")
    timings = []
    for size in sizes:
        size = tuple(int(n) for n in size)
        if len(size) != 4 or min(size) < 1:
            raise ValueError(f"a size is (batch, time, input, hidden), all >= 1, got {size}")
        runners = _runners(size, seed)
        for fn in runners.values():  # warm-up: caches, allocator, thread pools
            fn()
        samples: dict[tuple[str, str], list[float]] = {key: [] for key in runners}
        for _ in range(repeats):
            for key, fn in runners.items():
                start = clock()
                fn()
                samples[key].append(clock() - start)
        medians = {key: float(np.median(s)) for key, s in samples.items()}
        for (implementation, mode), median in medians.items():
            ratio = median / medians[("torch.nn.LSTM", mode)]
            timings.append(Timing(size, implementation, mode, median, ratio))
    return timings


def format_table(timings: Sequence[Timing]) -> str:
    """A Markdown table: one row per size and implementation, the modes side by side."""
    lines = [
        "| batch, time, input, hidden | implementation | forward (ms) | vs torch "
        "| forward+backward (ms) | vs torch |",
        "|---|---|---:|---:|---:|---:|",
    ]
    by_key = {(t.size, t.implementation, t.mode): t for t in timings}
    sizes = list(dict.fromkeys(t.size for t in timings))
    for size in sizes:
        for implementation in IMPLEMENTATIONS:
            cells = []
            for mode in MODES:
                t = by_key.get((size, implementation, mode))
                cells += (
                    ["n/a", "n/a"] if t is None else [f"{t.median_s * 1e3:.2f}", f"{t.ratio:.2f}x"]
                )
            lines.append(
                f"| {', '.join(map(str, size))} | {implementation} | " + " | ".join(cells) + " |"
            )
    return "\n".join(lines)


def _threads_line() -> str:
    import torch

    blas = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    return (
        f"threads: torch {torch.get_num_threads()}, OpenBLAS {blas} "
        f"(cpu_count {os.cpu_count()}); float32"
    )


def profile_forward(
    batch: int,
    time_steps: int,
    input_size: int,
    hidden: int,
    repeats: int = 5,
    *,
    clock: Callable[[], float] = time.perf_counter,
) -> dict[str, float]:
    """Where the fused forward pass's time goes, in seconds per pass, float32.

    NumPy's elementwise functions are invisible to ``cProfile``, so each kind of work in the
    loop of :meth:`LSTM.forward` is timed alone at the loop's shapes (columns, ``(features,
    batch)``), best of ``repeats`` by ``clock``, and multiplied by the number of steps.
    ``call overhead`` is what the loop's 11 calls per step would cost on one-element arrays;
    ``total (measured)`` is a whole forward pass (the parts, timed alone, need not add up to
    it exactly).
    """
    rng = np.random.default_rng(0)
    B, T, D, H = batch, time_steps, input_size, hidden
    layer = LSTM(D, H, seed=0)
    X = rng.standard_normal((B, T, D)).astype(np.float32)
    W = rng.standard_normal((4 * H, H)).astype(np.float32) / np.sqrt(H)
    h = rng.standard_normal((H, B)).astype(np.float32)
    z = rng.standard_normal((4 * H, B)).astype(np.float32)
    out = np.empty_like(z)
    a, b = z[:H].copy(), np.empty((H, B), dtype=np.float32)
    tiny, tiny_out = np.ones((1, 1), dtype=np.float32), np.empty((1, 1), dtype=np.float32)
    X_cols = np.ascontiguousarray(X.transpose(1, 2, 0))
    W_ih = layer.W_ih.copy()

    def per_call(fn: Callable[[], object]) -> float:
        """Best of ``repeats`` averages over about 10 ms of calls each."""
        start = clock()
        fn()
        n = max(1, int(0.01 / max(clock() - start, 1e-6)))
        best = float("inf")
        for _ in range(repeats):
            start = clock()
            for _ in range(n):
                fn()
            best = min(best, (clock() - start) / n)
        return best

    def sigmoid_rest() -> None:
        np.add(z[: 3 * H], 1.0, out=out[: 3 * H])
        np.reciprocal(out[: 3 * H], out=out[: 3 * H])

    def products() -> None:
        np.multiply(a, a, out=b)
        np.multiply(a, a, out=b)
        np.add(b, a, out=b)
        np.multiply(a, b, out=b)

    parts = {
        "matmul W_hh h": per_call(lambda: np.matmul(W, h, out=out)),
        "add input projection": per_call(lambda: np.add(out, z, out=out)),
        "exp (i, f, o)": per_call(lambda: np.exp(z[: 3 * H], out=out[: 3 * H])),
        "+1, 1/x (i, f, o)": per_call(sigmoid_rest),
        "tanh (g, c)": 2 * per_call(lambda: np.tanh(a, out=b)),
        "products for c, h": per_call(products),
    }
    profile = {name: T * seconds for name, seconds in parts.items()}
    profile["input projection"] = per_call(lambda: np.matmul(W_ih, X_cols))
    overhead = per_call(lambda: np.multiply(tiny, tiny, out=tiny_out))
    total = per_call(lambda: layer.forward(X))
    profile["total (measured)"] = total
    profile["call overhead (part of the above)"] = 11 * T * overhead
    return profile


def _parse_size(text: str) -> tuple[int, int, int, int]:
    parts = text.split(",")
    if len(parts) != 4:
        raise argparse.ArgumentTypeError(f"expected batch,time,input,hidden, got {text!r}")
    return tuple(int(p) for p in parts)  # type: ignore[return-value]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m lstmbook.bench", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--repeats", type=int, default=20, help="interleaved rounds (default 20)")
    parser.add_argument(
        "--sizes",
        type=_parse_size,
        nargs="+",
        default=list(DEFAULT_SIZES),
        metavar="B,T,D,H",
        help="batch,time,input,hidden (default: 32,20,10,50 64,100,64,128)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--profile", action="store_true", help="also show where forward time goes")
    parser.add_argument(
        "--torch-threads", type=int, default=None, help="torch.set_num_threads (default: torch's)"
    )
    parser.add_argument(
        "--cpu-time",
        action="store_true",
        help="time with CPU time instead of wall time: steadier on a busy machine, but only "
        "meaningful with one thread (OPENBLAS_NUM_THREADS=1 and --torch-threads 1)",
    )
    args = parser.parse_args(argv)
    if args.torch_threads is not None:
        import torch

        torch.set_num_threads(args.torch_threads)
    clock = time.process_time if args.cpu_time else time.perf_counter
    timings = run(args.sizes, args.repeats, args.seed, clock=clock)
    kind = "CPU time" if args.cpu_time else "wall time"
    print(_threads_line() + f"; {kind}, medians of {args.repeats} interleaved repeats")
    print(format_table(timings))
    if args.profile:
        for size in args.sizes:
            print(f"\nforward at {size}, ms per pass:")
            profile = profile_forward(*size, repeats=min(args.repeats, 20), clock=clock)
            for name, seconds in profile.items():
                print(f"  {name:34s} {seconds * 1e3:8.3f}")


if __name__ == "__main__":
    main()
