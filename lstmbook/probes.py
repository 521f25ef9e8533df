"""Looking inside a recurrent network: what its gates, states and gradients do.

- :func:`gate_trace` (:class:`GateTrace`): a text classifier's gates token by token, from
  :class:`lstmbook.cells.LSTMCell` with the classifier's weights; :func:`forward_vote`: what the
  forward direction adds to the score; :func:`carry_gate`: the gate that scales the old state;
- :func:`first_step_gradient` and :func:`hidden_gradient_norms` (with
  :func:`random_recurrent_cell`): how much gradient reaches early steps;
- :func:`step_lengths`: how far each optimizer step moves the weights;
- :func:`online_outputs`: what a model can answer having read only ``x[:, :t+1]``;
- :func:`initial_state_influence`: for how many steps a learned initial state shows;
- :func:`outputs_differ_between_calls`: whether dropout is at work in a module;
- :func:`input_sensitivity`: how strongly the final hidden state of a one-layer ``nn.LSTM`` or
  ``nn.GRU`` depends on the input at each step (the norm of the Jacobian ``dh_T / dx_t``, the
  gradient that can reach step ``t`` from a loss on ``h_T``), and :func:`per_step_retention`,
  the factor by which such a curve shrinks per step back in time (why the GRU learns from a
  neutral start).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import torch
from numpy.typing import NDArray
from torch import Tensor, nn
from torch.nn import functional as F
from torch.nn.utils.rnn import pack_padded_sequence

from lstmbook import validate
from lstmbook.cells import LSTMCell
from lstmbook.models import LearnedInitialState
from lstmbook.text import pad_batch

if TYPE_CHECKING:  # for annotations only
    from lstmbook.text_models import LSTMTextClassifier
from lstmbook.train import make_loader


def outputs_differ_between_calls(module: nn.Module, x: Tensor) -> bool:
    """Whether two calls of ``module`` in training mode on the same ``x`` give different outputs:
    True when some dropout inside it is at work (for an RNN, the first output is compared).

    >>> outputs_differ_between_calls(nn.Dropout(0.5), torch.ones(100))
    True
    >>> outputs_differ_between_calls(nn.LSTM(2, 3, dropout=0.0), torch.ones(4, 1, 2))
    False

    ``x`` must be finite; a list or NumPy array is converted to a tensor (float data to the
    default dtype), a tensor is used as it is.
    """
    if not isinstance(module, nn.Module):
        raise TypeError(f"module must be an nn.Module, got {type(module).__name__}")
    x = validate.tensor("x", x, dtype=x.dtype if isinstance(x, Tensor) else None)
    was_training = module.training
    module.train()
    with torch.no_grad():
        first, second = module(x), module(x)
    module.train(was_training)
    if isinstance(first, tuple):
        first, second = first[0], second[0]
    return not torch.equal(first, second)


@torch.no_grad()
def online_outputs(model: nn.Module, x: Tensor) -> Tensor:
    """The outputs ``model`` can give at each step ``t`` having read only ``x[:, :t+1]``.

    Step ``t``'s row is ``model(x[:, :t+1])[:, -1]``: ``T`` forward passes (in eval mode). For a
    causal model this equals ``model(x)``; for a bidirectional one it does not, because its
    backward direction has not seen the inputs after ``t`` yet. Shape ``(batch, time, C)``.

    >>> _ = torch.manual_seed(0)
    >>> x = torch.randn(3, 5, 1)
    >>> from lstmbook.models import Tagger
    >>> causal, bi = Tagger(1, 4).eval(), Tagger(1, 4, bidirectional=True).eval()
    >>> torch.allclose(online_outputs(causal, x), causal(x), atol=1e-6)
    True
    >>> torch.allclose(online_outputs(bi, x), bi(x), atol=1e-6)
    False

    ``x`` (batch, time, features) may be a NumPy array: float data is converted to the model's
    dtype; NaN is refused.
    """
    x = validate.tensor("x", x, shape=("batch", "time", "features"), dtype=_dtype_of(model))
    was_training = model.training
    model.eval()
    out = torch.stack([model(x[:, : t + 1])[:, -1] for t in range(x.shape[1])], dim=1)
    model.train(was_training)
    return out


def first_step_gradient(model: nn.Module, x: Tensor) -> float:
    """How much the output at the end hears of the first step: ``|d sum(model(x)) / d x[:, 0]|``.

    The L2 norm over features of the gradient of the summed output with respect to the input
    at step 0, averaged over the batch ``x (batch, time, features)``. An LSTM whose forget
    gates sit at ``f`` passes back roughly ``f`` per step, so this shrinks like ``f ** T``.

    >>> _ = torch.manual_seed(0)
    >>> from lstmbook.models import SequenceModel
    >>> x = torch.randn(8, 30, 2)
    >>> first_step_gradient(SequenceModel(2, 8, 1, forget_bias=3.0), x) > first_step_gradient(
    ...     SequenceModel(2, 8, 1, forget_bias=0.0), x)
    True

    ``x`` may be a NumPy array: float data is converted to the model's dtype; NaN is refused.
    """
    x = validate.tensor("x", x, shape=("batch", "time", "features"), dtype=_dtype_of(model))
    x = x.detach().clone().requires_grad_(True)
    (gradient,) = torch.autograd.grad(model(x).sum(), x)
    return gradient[:, 0].norm(dim=-1).mean().item()


@torch.no_grad()
def initial_state_influence(rnn: LearnedInitialState, x: Tensor) -> Tensor:
    """Mean ``|h_t(learned h_0, c_0) - h_t(zeros)|`` at each step ``t``: shape ``(time,)``.

    How long the learned initial state of ``rnn`` (batch-first) still shows in its outputs
    over the sequences ``x (batch, time, features)``; float data is converted to the LSTM's
    dtype, NaN is refused.
    """
    if not isinstance(rnn, LearnedInitialState):
        raise TypeError(f"rnn must be a LearnedInitialState, got {type(rnn).__name__}")
    x = validate.tensor("x", x, shape=("batch", "time", rnn.lstm.input_size), dtype=rnn.h_0.dtype)
    learned, _ = rnn(x)
    zero = torch.zeros_like(rnn.h_0.expand(-1, x.shape[0], -1))
    from_zero, _ = rnn.lstm(x, (zero, zero))
    return (learned - from_zero).abs().mean(dim=(0, 2))


def step_lengths(
    model: nn.Module,
    train: tuple,
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    optimizer: torch.optim.Optimizer,
    steps: int,
    clip_grad_norm: float | None = None,
    batch_size: int = 32,
    seed: int = 0,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Train for ``steps`` optimizer steps; return each step's length and gradient norm.

    The length of step ``k`` is ``||theta_{k+1} - theta_k||`` over all the parameters
    together; the gradient norm is the total norm before clipping (as ``fit`` records it).
    Batches come from ``train = (X, y)``, shuffled with ``seed``, epoch after epoch.

    >>> _ = torch.manual_seed(0)
    >>> X = torch.randn(64, 3, 1); y = 100 * X.sum(dim=(1, 2))
    >>> model = nn.Sequential(nn.Flatten(), nn.Linear(3, 1), nn.Flatten(0))
    >>> sgd = torch.optim.SGD(model.parameters(), lr=0.1)
    >>> length, norm = step_lengths(model, (X, y), nn.MSELoss(), sgd, 5, clip_grad_norm=1.0)
    >>> bool(length.max() <= 0.1 * 1.0 + 1e-6), bool(norm.min() > 1.0)
    (True, True)

    ``steps`` and ``batch_size`` must be ints >= 1, ``clip_grad_norm`` None or above 0 (a
    negative threshold would reverse the gradient).
    """
    validate.positive_int("steps", steps)
    validate.positive_int("batch_size", batch_size)
    if clip_grad_norm is not None:
        validate.real("clip_grad_norm", clip_grad_norm, low=0.0, low_open=True)
    loader = make_loader(*train, batch_size=batch_size, shuffle=True, seed=seed)
    lengths, norms = [], []
    model.train()
    while len(lengths) < steps:
        for x, y in loader:
            before = [p.detach().clone() for p in model.parameters()]
            optimizer.zero_grad()
            loss_fn(model(x), y).backward()
            limit = clip_grad_norm if clip_grad_norm is not None else float("inf")
            norms.append(float(nn.utils.clip_grad_norm_(model.parameters(), limit)))
            optimizer.step()
            moved = sum(
                float(((p.detach() - b) ** 2).sum())
                for p, b in zip(model.parameters(), before, strict=True)
            )
            lengths.append(math.sqrt(moved))
            if len(lengths) == steps:
                break
    return np.array(lengths), np.array(norms)


def random_recurrent_cell(kind: str, hidden_size: int, gain: float, seed: int = 0) -> nn.Module:
    """An ``nn.RNNCell`` (tanh) or ``nn.LSTMCell`` with one input and a random recurrent weight.

    ``weight_hh`` has independent normal entries of standard deviation ``gain / sqrt(H)``, so
    ``gain`` sets its scale (its spectral radius is about ``gain``); biases are 0, except a
    forget-gate bias of 1 for the LSTM.

    >>> random_recurrent_cell("rnn", 8, 2.0).weight_hh.shape
    torch.Size([8, 8])
    """
    validate.positive_int("hidden_size", hidden_size)
    validate.real("gain", gain, low=0.0)
    cells = {"rnn": nn.RNNCell, "lstm": nn.LSTMCell}
    if kind not in cells:
        raise ValueError(f"kind must be one of {sorted(cells)}, got {kind!r}")
    torch.manual_seed(seed)
    cell = cells[kind](1, hidden_size)
    with torch.no_grad():
        cell.weight_hh.normal_(0.0, gain / math.sqrt(hidden_size))
        cell.bias_ih.zero_()
        cell.bias_hh.zero_()
        if kind == "lstm":
            cell.bias_ih[hidden_size : 2 * hidden_size] = 1.0  # blocks i | f | g | o
    return cell


def hidden_gradient_norms(cell: nn.Module, x: Tensor) -> NDArray[np.float64]:
    """``||dL/dh_t||`` at every step ``t``, for ``L`` the sum of the last hidden state.

    ``cell`` is an ``nn.RNNCell`` or ``nn.LSTMCell`` run over ``x (batch, time, features)``
    from zeros; the norm is over the hidden units, averaged over the batch. Index ``t`` of the
    result is step ``t``; the last entry is the gradient at the loss itself.

    >>> x = torch.randn(4, 30, 1)
    >>> g = hidden_gradient_norms(random_recurrent_cell("rnn", 16, 0.5), x)
    >>> g.shape, bool(g[0] < 1e-3 * g[-1])
    ((30,), True)

    ``x`` must be finite with ``cell.input_size`` features; float data is converted to the
    cell's dtype.
    """
    if not isinstance(cell, nn.RNNCellBase):
        raise TypeError(f"cell must be an nn.RNNCell or nn.LSTMCell, got {type(cell).__name__}")
    x = validate.tensor(
        "x", x, shape=("batch", "time", cell.input_size), dtype=cell.weight_ih.dtype
    )
    batch, H = x.shape[0], cell.hidden_size
    h = torch.zeros(batch, H)
    c = torch.zeros(batch, H)
    hidden = []
    for t in range(x.shape[1]):
        if isinstance(cell, nn.LSTMCell):
            h, c = cell(x[:, t], (h, c))
        else:
            h = cell(x[:, t], h)
        h.retain_grad()
        hidden.append(h)
    h.sum().backward()
    return np.array([float(h_t.grad.norm(dim=-1).mean()) for h_t in hidden])


def carry_gate(rnn: nn.LSTM | nn.GRU, X: Tensor) -> Tensor:
    """The gate that scales the old state at every step of ``X``: an ``nn.LSTM``'s forget gate
    ``f``, an ``nn.GRU``'s update gate ``z`` (in ``h' = (1 - z) n + z h``).

    Both are the second block of the layer's weights (LSTM ``i | f | g | o``, GRU
    ``r | z | n``). ``X`` is ``(batch, time, features)``, batch first; returns the gate's
    values, ``(batch, time, hidden)``.

    >>> _ = torch.manual_seed(0)
    >>> carry_gate(nn.GRU(2, 3, batch_first=True), torch.randn(4, 5, 2)).shape
    torch.Size([4, 5, 3])
    """
    if not isinstance(rnn, nn.LSTM | nn.GRU):
        raise TypeError(f"rnn must be an nn.LSTM or nn.GRU, got {type(rnn).__name__}")
    if not rnn.batch_first or rnn.num_layers != 1 or rnn.bidirectional:
        raise ValueError("rnn must be one batch-first layer, one direction")
    X = validate.tensor(
        "X", X, shape=("batch", "time", rnn.input_size), dtype=rnn.weight_ih_l0.dtype
    )
    with torch.no_grad():
        output = rnn(X)[0]  # h_t of every step
        h_prev = torch.cat([torch.zeros_like(output[:, :1]), output[:, :-1]], dim=1)
        rows = slice(rnn.hidden_size, 2 * rnn.hidden_size)
        z = F.linear(X, rnn.weight_ih_l0[rows], rnn.bias_ih_l0[rows])
        z = z + F.linear(h_prev, rnn.weight_hh_l0[rows], rnn.bias_hh_l0[rows])
    return torch.sigmoid(z)


class GateTrace(NamedTuple):
    """The forward LSTM's values at each token: every array is ``(time, hidden_size)``."""

    tokens: list[str]  # the tokens read, one per row
    i: NDArray[np.float64]  # input gate
    f: NDArray[np.float64]  # forget gate
    g: NDArray[np.float64]  # candidate memory
    o: NDArray[np.float64]  # output gate
    c: NDArray[np.float64]  # cell state
    h: NDArray[np.float64]  # hidden state


@torch.no_grad()
def gate_trace(
    model: LSTMTextClassifier, ids: Tensor, tokens: Sequence[str] | None = None
) -> GateTrace:
    """Run the forward direction of ``model.lstm`` one step at a time, keeping every gate.

    The step is :class:`lstmbook.cells.LSTMCell`'s, with the LSTM's own weights
    (:meth:`lstmbook.cells.LSTMCell.from_torch`), in float64; :meth:`~lstmbook.cells.LSTMCell.gates`
    gives the gates of each step.

    Args:
        model: a trained classifier (its embedding and first LSTM direction are used).
        ids: the token ids of one text, ``(time,)``.
        tokens: labels for the rows (default: the ids as strings).

    The hidden states ``h`` equal the forward half of ``model.lstm``'s output.
    """
    ids = torch.as_tensor(ids, dtype=torch.long)
    if ids.dim() != 1:
        raise ValueError(f"ids must have shape (time,), got {tuple(ids.shape)}")
    cell = LSTMCell.from_torch(model.lstm).double()  # the forward direction of layer 0
    x = model.embedding(ids).double()[:, None]  # (time, 1, embedding_dim): a batch of one
    h = c = torch.zeros(1, cell.hidden_size, dtype=torch.float64)
    rows: dict[str, list[Tensor]] = {name: [] for name in "ifgoch"}
    for x_t in x:
        i, f, g, o = cell.gates(x_t, h)
        h, c = cell(x_t, (h, c))
        for name, value in zip("ifgoch", (i, f, g, o, c, h), strict=True):
            rows[name].append(value[0])
    labels = list(tokens) if tokens is not None else [str(int(k)) for k in ids]
    if len(labels) != len(ids):
        raise ValueError(
            f"tokens (the labels) must be one per id, got {len(labels)} for {len(ids)}"
        )
    width = cell.hidden_size
    arrays = {
        name: torch.stack(v).numpy() if v else np.zeros((0, width)) for name, v in rows.items()
    }
    return GateTrace(labels, **arrays)


@torch.no_grad()
def forward_vote(
    model: LSTMTextClassifier, id_lists: Sequence[Sequence[int]], positive: int = 1
) -> NDArray[np.float64]:
    """What the forward direction alone adds to the score of class ``positive``.

    The head maps the final states to logits; for two classes the prediction follows the
    margin ``logit[positive] - logit[other]``. Its forward part is
    ``(w[positive] - w[other])[:hidden] . h_fwd``, with ``h_fwd`` the forward direction's
    final state after each list of ids. Run on shortened lists (say the last ``k`` ids), it
    shows how much the words before them still move the forward direction's vote.

    >>> from lstmbook.text_models import LSTMTextClassifier
    >>> model = LSTMTextClassifier(10, 2, embedding_dim=4, hidden_size=3)
    >>> forward_vote(model.eval(), [[2, 3, 4], [5]]).shape
    (2,)
    """
    if not hasattr(model, "head") or not hasattr(model, "lstm"):
        raise TypeError(f"model must be an LSTMTextClassifier, got {type(model).__name__}")
    if model.head.out_features != 2:
        raise ValueError(f"model must have two classes, got {model.head.out_features}")
    validate.one_of("positive", positive, (0, 1))
    model.eval()
    tokens, lengths = pad_batch(id_lists, model.pad_id)
    x = model.embedding(tokens)  # (batch, time, embedding)
    packed = pack_padded_sequence(x, lengths.clamp(min=1), batch_first=True, enforce_sorted=False)
    _, (h_n, _) = model.lstm(packed)  # h_n[0]: the forward direction
    w = model.head.weight[positive] - model.head.weight[1 - positive]
    return (h_n[0] @ w[: model.lstm.hidden_size]).double().numpy()


# Why the GRU learns the adding problem from PyTorch's initialisation (chapter 4) ---------------


def input_sensitivity(rnn: nn.LSTM | nn.GRU | nn.RNN, X: Tensor) -> Tensor:
    """``||dh_T / dx_t||`` for every step ``t`` of ``X``: a tensor of shape ``(time,)``.

    ``X`` is ``(batch, time, features)`` for a one-layer, one-direction, batch-first ``rnn``.
    For each sequence the Frobenius norm of the ``(hidden, features)`` Jacobian of the final
    hidden state with respect to the input at step ``t``; the root mean square over the batch.

    >>> _ = torch.manual_seed(0)
    >>> s = input_sensitivity(nn.GRU(2, 4, batch_first=True), torch.randn(8, 6, 2))
    >>> s.shape, bool((s > 0).all())
    (torch.Size([6]), True)
    """
    if not isinstance(rnn, (nn.LSTM, nn.GRU, nn.RNN)):
        raise TypeError(f"rnn must be an nn.LSTM, nn.GRU or nn.RNN, got {type(rnn).__name__}")
    if not rnn.batch_first or rnn.num_layers != 1 or rnn.bidirectional:
        raise ValueError("input_sensitivity expects one batch-first layer, one direction")
    X = validate.tensor("X", X, shape=("batch", "time", rnn.input_size))
    X = X.detach().to(rnn.weight_ih_l0.dtype).clone().requires_grad_(True)
    output, _ = rnn(X)
    h_T = output[:, -1]
    squares = torch.zeros(X.shape[1], dtype=X.dtype)
    for unit in range(h_T.shape[1]):  # one backward pass per unit of h_T: rows of the Jacobian
        (grad,) = torch.autograd.grad(h_T[:, unit].sum(), X, retain_graph=True)
        squares += (grad.detach() ** 2).sum(dim=(0, 2))
    return (squares / X.shape[0]).sqrt()


def per_step_retention(sensitivity: Tensor) -> float:
    """The geometric mean of ``s[t] / s[t + 1]`` over the curve: how much of the gradient is
    left, per step, the further back in time it goes (1 would be no loss at all).

    >>> round(per_step_retention(torch.tensor([0.125, 0.25, 0.5, 1.0])), 3)
    0.5
    """
    s = validate.tensor("sensitivity", sensitivity, shape=("time",))
    if len(s) < 2 or not bool((s > 0).all()):
        raise ValueError("sensitivity must hold at least two positive values")
    return float((s[0] / s[-1]) ** (1.0 / (len(s) - 1)))


def _dtype_of(model: nn.Module) -> torch.dtype:
    """The dtype of ``model``'s first parameter (the default dtype if it has none)."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be an nn.Module, got {type(model).__name__}")
    parameter = next(model.parameters(), None)
    return parameter.dtype if parameter is not None else torch.get_default_dtype()
