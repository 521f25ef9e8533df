"""Chapter 9's comparison: seven sequence models at one parameter count and one training budget.

Run ``python -m lstmbook.compare_modern`` (``--help`` for the options). It trains LSTM, GRU,
minLSTM, minGRU, sLSTM, mLSTM and a small causal Transformer (PyTorch's own layers), each as one
layer with a linear head, on two tasks, and writes what it measured to :data:`LOG` (JSON), which
the chapter reads and a test compares with the chapter's tables:

- **the adding problem** at a long ``T`` (:func:`lstmbook.experiment.adding_task`, trained by
  :func:`lstmbook.experiment.run_experiment`): test MSE and whether it fell below a tenth of the
  always-0.5 baseline (:data:`lstmbook.data.ADDING_BASELINE_MSE`), chosen before any run;
- **character-level Shakespeare** (chapter 7's split, :func:`lstmbook.shakespeare.load_split`):
  next-character prediction on windows of the training plays, scored in bits per character on
  the test plays; a run "learned" when it beats the unigram model of the training text on them.

Every model gets the hidden size whose total parameter count is closest to the LSTM's
(:func:`matched_sizes`), the same optimizer steps, batch size and learning rate, and each seed
fixes both the initialisation and the batch order. Time per training step is timed separately:
one step (forward, backward, Adam update) on one batch, with torch on one thread, as the median
of a block of repeats after a warm-up (:func:`lstmbook.bench.time_block`).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from lstmbook import validate
from lstmbook.bench import threads, time_block
from lstmbook.data import ADDING_BASELINE_MSE
from lstmbook.experiment import Budget, adding_task, run_experiment
from lstmbook.models import count_parameters
from lstmbook.modern import MinGRU, MinLSTM
from lstmbook.stats import interval_text
from lstmbook.tables import Table
from lstmbook.train import evaluate, fit, make_loader
from lstmbook.xlstm import MLSTM, SLSTM

#: Where the script writes its results (committed with the package).
LOG = Path(__file__).with_name("compare_modern.json")

NAMES = ("LSTM", "GRU", "minLSTM", "minGRU", "sLSTM", "mLSTM", "Transformer")


class _Last(nn.Module):
    """``nn.LSTM`` or ``nn.GRU`` as a layer that returns its outputs only."""

    def __init__(self, rnn: nn.Module) -> None:
        super().__init__()
        self.rnn = rnn

    def forward(self, x: Tensor) -> Tensor:
        return self.rnn(x)[0]


def _sizes(**sizes: object) -> None:
    for name, value in sizes.items():
        validate.positive_int(name, value)


def _seeds(seeds: object) -> None:
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Sequence) or not seeds:
        raise TypeError(f"seeds must be a non-empty list of ints, got {seeds!r}")
    for seed in seeds:
        validate.positive_int("seeds", seed, minimum=0)


class CausalTransformer(nn.Module):
    """One pre-norm ``nn.TransformerEncoderLayer`` with a causal mask and learned positions.

    ``(batch, time, input_size) -> (batch, time, d_model)``; 2 heads, a feed-forward layer of
    ``2 * d_model`` units, no dropout, sequences of at most ``max_len`` steps.
    """

    def __init__(self, input_size: int, d_model: int, max_len: int) -> None:
        _sizes(input_size=input_size, d_model=d_model, max_len=max_len)
        super().__init__()
        self.embed = nn.Linear(input_size, d_model)
        self.position = nn.Parameter(torch.zeros(max_len, d_model))
        self.layer = nn.TransformerEncoderLayer(
            d_model, nhead=2, dim_feedforward=2 * d_model, dropout=0.0, batch_first=True,
            norm_first=True,
        )  # fmt: skip
        self.norm = nn.LayerNorm(d_model)

    def forward(self, x: Tensor) -> Tensor:
        T = x.shape[1]
        mask = nn.Transformer.generate_square_subsequent_mask(T, dtype=x.dtype)
        h = self.embed(x) + self.position[:T]
        return self.norm(self.layer(h, src_mask=mask, is_causal=True))


def core(name: str, input_size: int, hidden_size: int, max_len: int) -> nn.Module:
    """One layer of model ``name``: ``(batch, time, input_size) -> (batch, time, hidden_size)``."""
    name = validate.one_of("name", name, NAMES)
    _sizes(input_size=input_size, hidden_size=hidden_size, max_len=max_len)
    layers: dict[str, Callable[[], nn.Module]] = {
        "LSTM": lambda: _Last(nn.LSTM(input_size, hidden_size, batch_first=True)),
        "GRU": lambda: _Last(nn.GRU(input_size, hidden_size, batch_first=True)),
        "minLSTM": lambda: MinLSTM(input_size, hidden_size),
        "minGRU": lambda: MinGRU(input_size, hidden_size),
        "sLSTM": lambda: SLSTM(input_size, hidden_size),
        "mLSTM": lambda: MLSTM(input_size, hidden_size, num_heads=2),
        "Transformer": lambda: CausalTransformer(input_size, hidden_size, max_len),
    }
    return layers[name]()


class Regressor(nn.Module):
    """A layer and a linear head on its last output: ``(batch, time, features) -> (batch,)``."""

    def __init__(self, name: str, input_size: int, hidden_size: int, max_len: int) -> None:
        super().__init__()
        self.core = core(name, input_size, hidden_size, max_len)
        self.head = nn.Linear(hidden_size, 1)

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.core(x)[:, -1]).squeeze(-1)


class CharModel(nn.Module):
    """Embedding, a layer, a linear head: ``(batch, time)`` ids to ``(batch, time, vocab)``."""

    def __init__(self, name: str, vocab: int, embed: int, hidden_size: int, max_len: int) -> None:
        validate.one_of("name", name, NAMES)
        _sizes(vocab=vocab, embed=embed, hidden_size=hidden_size, max_len=max_len)
        super().__init__()
        self.embed = nn.Embedding(vocab, embed)
        self.core = core(name, embed, hidden_size, max_len)
        self.head = nn.Linear(hidden_size, vocab)

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.core(self.embed(x)))


def matched_sizes(build: Callable[[str, int], nn.Module], target: int) -> dict[str, int]:
    """For each model, the even hidden size (2 to 2048) whose parameter count is nearest ``target``.

    Parameter counts grow with the hidden size, so a bisection finds it.

    >>> sizes = matched_sizes(lambda name, h: Regressor(name, 2, h, 10), 1000)
    >>> sizes["LSTM"], sizes["minLSTM"]
    (14, 100)
    """
    if not callable(build):
        raise TypeError(f"build must be a function of (name, hidden_size), got {build!r}")
    validate.positive_int("target", target)
    sizes = {}
    for name in NAMES:
        low, high = 1, 1024  # hidden size = 2 * half
        while low < high:
            half = (low + high) // 2
            if count_parameters(build(name, 2 * half)) < target:
                low = half + 1
            else:
                high = half
        candidates = [2 * h for h in (low - 1, low) if h >= 1]
        sizes[name] = min(
            candidates, key=lambda h: (abs(count_parameters(build(name, h)) - target), h)
        )
    return sizes


def step_seconds(model: nn.Module, x: Tensor, y: Tensor, loss_fn: Callable, repeats: int) -> float:
    """Median seconds of one training step (forward, backward, Adam) on one thread."""
    validate.positive_int("repeats", repeats)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step() -> None:
        optimizer.zero_grad()
        loss_fn(model(x), y).backward()
        optimizer.step()

    with threads(1):
        return time_block(step, repeats, warmup=2)


def scan_timings(
    lengths: Sequence[int] = (64, 256, 1024, 4096),
    batch: int = 16,
    input_size: int = 32,
    hidden_size: int = 64,
    repeats: int = 5,
    n_threads: int | None = None,
) -> Table:
    """Milliseconds of one forward and backward pass against T: minLSTM's parallel scan, its
    sequential loop, and ``nn.LSTM`` of the same hidden size, with the fastest named per row.

    Each is timed as a block of ``repeats`` calls after a warm-up call (median), with torch on
    ``n_threads`` threads (default: every core, :func:`lstmbook.bench.all_cores`).
    """
    from lstmbook.bench import all_cores

    if isinstance(lengths, (str, bytes)) or not isinstance(lengths, Sequence) or not lengths:
        raise TypeError(f"lengths must be a non-empty list of ints, got {lengths!r}")
    for T in lengths:
        validate.positive_int("lengths", T)
    _sizes(batch=batch, input_size=input_size, hidden_size=hidden_size, repeats=repeats)
    if n_threads is not None:
        validate.positive_int("n_threads", n_threads)
    n_threads = n_threads or all_cores()
    torch.manual_seed(0)
    minlstm = MinLSTM(input_size, hidden_size)
    lstm = nn.LSTM(input_size, hidden_size, batch_first=True)
    runners = {
        "parallel scan": lambda x: minlstm(x, mode="parallel"),
        "sequential loop": lambda x: minlstm(x, mode="sequential"),
        "nn.LSTM": lambda x: lstm(x)[0],
    }
    rows = []
    with threads(n_threads):
        for T in lengths:
            x = torch.randn(batch, T, input_size)
            ms = {
                name: 1000 * time_block(lambda run=run, x=x: run(x).sum().backward(), repeats, 1)
                for name, run in runners.items()
            }
            rows.append([T, *(f"{v:,.0f}" if v >= 100 else f"{v:.3g}" for v in ms.values()),
                         min(ms, key=ms.get)])  # fmt: skip
    return Table(["T", *(f"{name} (ms)" for name in runners), "fastest"], rows)


@dataclass
class Result:
    """One model trained once on one task."""

    task: str  # "adding" or "shakespeare"
    model: str
    seed: int
    params: int
    hidden_size: int
    score: float  # adding: test MSE; shakespeare: test bits per character
    learned: bool


def adding(T: int, seeds: Sequence[int], budget: Budget, target: int) -> tuple[list, dict]:
    """Every model on the adding problem at length ``T``; the results and seconds per step."""
    _sizes(T=T, target=target)
    _seeds(seeds)
    task = adding_task(T=T, n_train=1200, n_val=400, n_test=1000)
    sizes = matched_sizes(lambda name, h: Regressor(name, 2, h, T), target)

    def builder(name: str) -> Callable[[int, int, int], nn.Module]:
        return lambda input_size, _hidden, _out: Regressor(name, input_size, sizes[name], T)

    runs = run_experiment(task, {name: builder(name) for name in NAMES}, seeds, budget)
    results = [
        Result("adding", r.model, r.seed, r.params, sizes[r.model], r.loss,
               r.loss < ADDING_BASELINE_MSE / 10)
        for r in runs
    ]  # fmt: skip
    x = torch.as_tensor(task.train[0][: budget.batch_size])
    y = torch.as_tensor(task.train[1][: budget.batch_size])
    seconds = {}
    for name in NAMES:
        torch.manual_seed(0)
        seconds[name] = step_seconds(Regressor(name, 2, sizes[name], T), x, y, nn.MSELoss(), 10)
    return results, seconds


def encode(text: str, chars: str) -> np.ndarray:
    """Character ids of ``text`` in the alphabet ``chars``."""
    validate.text("text", text, min_length=0)
    validate.text("chars", chars)
    unseen = sorted(set(text) - set(chars))
    if unseen:
        raise ValueError(f"text has characters not in chars: {''.join(unseen[:10])!r}")
    index = {c: i for i, c in enumerate(chars)}
    return np.array([index[c] for c in text], dtype=np.int64)


def windows(ids: np.ndarray, length: int, n: int, seed: int | None) -> tuple[Tensor, Tensor]:
    """``n`` windows of ``length + 1`` ids as (inputs, next-character targets).

    Random starts with a ``seed``, else ``n`` windows side by side from the start.
    """
    _sizes(length=length, n=n)
    needed = length + 2 if seed is not None else n * length + 1
    if len(ids) < needed:
        raise ValueError(f"ids must hold at least {needed} ids for these windows, got {len(ids)}")
    if seed is None:
        starts = np.arange(n) * length
    else:
        starts = np.random.default_rng(seed).integers(0, len(ids) - length - 1, size=n)
    rows = np.stack([ids[s : s + length + 1] for s in starts])
    return torch.from_numpy(rows[:, :-1]), torch.from_numpy(rows[:, 1:])


def _shape(value: object) -> str:
    return str(tuple(value.shape)) if isinstance(value, Tensor) else type(value).__name__


def bits_loss(logits: Tensor, y: Tensor) -> Tensor:
    """Mean next-character cross-entropy in bits: ``logits (B, T, V)``, ``y (B, T)``."""
    if not isinstance(logits, Tensor) or logits.dim() != 3:
        raise ValueError(f"logits must be a tensor of shape (B, T, V), got {_shape(logits)}")
    if not isinstance(y, Tensor) or tuple(y.shape) != tuple(logits.shape[:2]):
        raise ValueError(f"y must be a tensor of shape {tuple(logits.shape[:2])}, got {_shape(y)}")
    return F.cross_entropy(logits.flatten(0, 1), y.flatten()) / math.log(2)


def unigram_bits(train: np.ndarray, test: np.ndarray, vocab: int) -> float:
    """Bits per character on ``test`` of the character frequencies of ``train`` (add-one)."""
    validate.positive_int("vocab", vocab)
    for name, ids in (("train", train), ("test", test)):
        if len(ids) == 0:
            raise ValueError(f"{name} must not be empty")
    counts = np.bincount(train, minlength=vocab) + 1.0
    return float(-np.log2(counts[test] / counts.sum()).mean())


def shakespeare(
    seeds: Sequence[int], steps: int, length: int, budget: Budget, target: int
) -> tuple[list, dict, float]:
    """Every model on chapter 7's Shakespeare; results, seconds per step, the unigram bits."""
    _sizes(steps=steps, length=length, target=target)
    _seeds(seeds)
    from lstmbook.shakespeare import load_split

    split = load_split()
    chars = "".join(sorted(set(split.train)))
    train, val, test = (encode(t, chars) for t in (split.train, split.val, split.test))
    vocab, embed = len(chars), 16
    baseline = unigram_bits(train, test, vocab)
    sizes = matched_sizes(lambda name, h: CharModel(name, vocab, embed, h, length), target)
    val_data = windows(val, length, 200, seed=None)
    test_data = windows(test, length, 1000, seed=None)
    results = []
    for name in NAMES:
        for seed in seeds:
            torch.manual_seed(seed)
            model = CharModel(name, vocab, embed, sizes[name], length)
            train_data = windows(train, length, steps * budget.batch_size, seed=seed)
            fit(
                model,
                make_loader(*train_data, batch_size=budget.batch_size, shuffle=True, seed=seed),
                val_data,
                bits_loss,
                epochs=1,
                lr=budget.lr,
                clip_grad_norm=budget.clip_grad_norm,
                seed=seed,
                device="cpu",
            )
            bits, _ = evaluate(model, test_data, bits_loss)
            results.append(
                Result("shakespeare", name, seed, count_parameters(model), sizes[name], bits,
                       bits < baseline)
            )  # fmt: skip
    x, y = windows(train, length, budget.batch_size, seed=0)
    seconds = {}
    for name in NAMES:
        torch.manual_seed(0)
        model = CharModel(name, vocab, embed, sizes[name], length)
        seconds[name] = step_seconds(model, x, y, bits_loss, 10)
    return results, seconds, baseline


def results_table(log: dict, task: str) -> Table:
    """One row per model: parameters, hidden size, runs learned (k of n, Wilson 95%), the
    median score over the seeds (MSE to 2 significant figures, bits to 2 decimals) and
    milliseconds per step."""
    validate.one_of("task", task, ("adding", "shakespeare"))
    rows = []
    for name in NAMES:
        runs = [r for r in log["results"] if r["task"] == task and r["model"] == name]
        if not runs:
            continue
        k, n = sum(r["learned"] for r in runs), len(runs)
        median = statistics.median(r["score"] for r in runs)
        ms = 1000 * log["seconds_per_step"][task][name]
        rows.append(
            [name, runs[0]["params"], runs[0]["hidden_size"], f"{k} of {n}", interval_text(k, n),
             f"{median:.2g}" if task == "adding" else f"{median:.2f}", f"{ms:.2g}"]
        )  # fmt: skip
    score = "median test MSE" if task == "adding" else "median test bits/char"
    headers = ["model", "params", "hidden", "learned", "95% interval", score, "ms/step"]
    return Table(headers, rows)


def load_log(path: str | Path = LOG) -> dict:
    """The results the script wrote (see :data:`LOG`)."""
    if not isinstance(path, (str, Path)):
        raise TypeError(f"path must be a str or Path, got {type(path).__name__}")
    return json.loads(Path(path).read_text())


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="seeds per model and task")
    parser.add_argument("--T", type=int, default=60, help="adding problem length")
    parser.add_argument("--epochs", type=int, default=6, help="adding problem epochs")
    parser.add_argument("--steps", type=int, default=200, help="Shakespeare training steps")
    parser.add_argument("--length", type=int, default=48, help="Shakespeare window length")
    parser.add_argument("--tasks", default="adding,shakespeare", help="comma-separated tasks")
    parser.add_argument("--out", type=Path, default=LOG, help="where to write the JSON log")
    args = parser.parse_args(argv)
    seeds = list(range(args.seeds))
    start = time.perf_counter()
    # hidden_size is a placeholder: each model's size is matched to the LSTM's parameter count
    budget = Budget(hidden_size=1, epochs=args.epochs, batch_size=32, lr=1e-2, forget_bias=None)
    log: dict = {"settings": vars(args) | {"out": str(args.out.name)}, "results": [],
                 "seconds_per_step": {}}  # fmt: skip
    log["budget"] = {k: v for k, v in asdict(budget).items() if k != "hidden_size"}
    tasks = args.tasks.split(",")
    torch.set_num_threads(1)
    if "adding" in tasks:
        lstm = Regressor("LSTM", 2, 16, args.T)
        results, seconds = adding(args.T, seeds, budget, count_parameters(lstm))
        log["results"] += [asdict(r) for r in results]
        log["seconds_per_step"]["adding"] = seconds
        print(results_table(log, "adding"), flush=True)
    if "shakespeare" in tasks:
        from lstmbook.shakespeare import load_split

        vocab = len(set(load_split().train))
        lstm = CharModel("LSTM", vocab, 16, 64, args.length)
        results, seconds, baseline = shakespeare(
            seeds, args.steps, args.length, budget, count_parameters(lstm)
        )
        log["results"] += [asdict(r) for r in results]
        log["seconds_per_step"]["shakespeare"] = seconds
        log["unigram_bits"] = baseline
        print(results_table(log, "shakespeare"), flush=True)
    log["minutes"] = {task: (time.perf_counter() - start) / 60 for task in tasks}
    if args.out.exists():  # keep the other task's results from an earlier run
        old = load_log(args.out)
        kept = [r for r in old["results"] if r["task"] not in tasks]
        log["results"] = kept + log["results"]
        for key in ("seconds_per_step", "minutes"):
            log[key] = {k: v for k, v in old.get(key, {}).items() if k not in tasks} | log[key]
        log["settings"] = old.get("settings", {}) | {task: log["settings"] for task in tasks}
        log.setdefault("unigram_bits", old.get("unigram_bits"))
    else:
        log["settings"] = {task: log["settings"] for task in tasks}
    args.out.write_text(json.dumps(log, indent=1) + "\n")
    print(f"wrote {args.out} after {(time.perf_counter() - start) / 60:.1f} minutes")


if __name__ == "__main__":
    main()
