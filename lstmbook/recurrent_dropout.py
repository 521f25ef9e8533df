r"""Dropout on the recurrent connection, one mask per sequence (Gal and Ghahramani, 2016).

Zaremba, Sutskever and Vinyals (2014) put dropout only on an LSTM's non-recurrent connections:
between stacked layers and before the head. A fresh mask on :math:`h_{t-1} \to h_t` at every
step would erase a little of the memory at every step. Gal and Ghahramani (2016), "A
theoretically grounded application of dropout in recurrent neural networks" (NeurIPS), drop
the recurrent connection too, but with *one* mask per sequence, reused at every step
("variational" dropout): a dropped unit is absent from the recurrence for the whole sequence,
so no step's memory is erased more than another's.

- :func:`hidden_mask`: the mask, ``Bernoulli(1 - p) / (1 - p)`` of shape ``(batch, H)``, drawn
  once per sequence (in training; ``None`` in evaluation or at ``p = 0``);
- :func:`run_cell_dropout`: chapter 4's :func:`lstmbook.cells.run_cell` loop with that mask
  applied to the ``h`` each step reads, ``(h, c) = cell(x_t, (m * h, c))``; the outputs are
  the undropped ``h``. ``same_mask=False`` draws a fresh mask at every step instead, the naive
  placement, for comparison;
- :class:`CellStack`: cells of :mod:`lstmbook.cells` stacked as one layer, dropout on every
  layer's outputs (``dropout``: between the layers and before the head) and variational dropout
  on every layer's recurrent ``h`` (``hidden_dropout``); :class:`lstmbook.models.SequenceModel`
  runs its cells in one (``cell_model("lstm", ..., hidden_dropout=0.25)``).

The cells themselves are unchanged: the mask is applied by the loop that runs them.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from lstmbook import validate
from lstmbook.cells import CellLayer, GatedCell

State = tuple[Tensor, Tensor]


def hidden_mask(
    batch: int, hidden_size: int, p: float, like: Tensor, training: bool = True
) -> Tensor | None:
    """One dropout mask per sequence: ``(batch, hidden_size)`` entries ``0`` or ``1 / (1 - p)``.

    Each entry is kept with probability ``1 - p`` and then scaled by ``1 / (1 - p)``, so the
    mask's expected value is 1 and evaluation needs no rescaling. Returns ``None`` (no mask)
    when ``training`` is False or ``p == 0``. Drawn from torch's global generator, in ``like``'s
    dtype and device.

    >>> _ = torch.manual_seed(0)
    >>> mask = hidden_mask(2, 4, 0.5, torch.zeros(1))
    >>> tuple(mask.shape), sorted(set(mask.flatten().tolist()))
    ((2, 4), [0.0, 2.0])
    >>> hidden_mask(2, 4, 0.5, torch.zeros(1), training=False) is None
    True
    """
    batch = validate.positive_int("batch", batch)
    hidden_size = validate.positive_int("hidden_size", hidden_size)
    p = validate.real("p", p, low=0.0, high=1.0, high_open=True)
    if not isinstance(like, Tensor):
        raise TypeError(f"like must be a Tensor, got {type(like).__name__}")
    training = validate.boolean("training", training)
    if not training or p == 0.0:
        return None
    shape = (batch, hidden_size)
    keep = torch.rand(shape, dtype=like.dtype, device=like.device) >= p
    return keep.to(like.dtype) / (1.0 - p)


def run_cell_dropout(
    cell: GatedCell,
    x: Tensor,
    p: float = 0.0,
    state: State | None = None,
    same_mask: bool = True,
    training: bool = True,
) -> tuple[Tensor, State]:
    """Run ``cell`` over ``x (batch, time, features)`` with dropout ``p`` on the recurrent ``h``.

    Every step reads the previous hidden state through a mask, ``(h, c) = cell(x_t, (m * h, c))``,
    where ``m`` comes from :func:`hidden_mask`: drawn once and reused at every step
    (``same_mask=True``, Gal and Ghahramani's variational dropout), or drawn afresh at every step
    (``same_mask=False``). The cell state ``c`` is never masked. With ``training=False`` or
    ``p=0`` this is exactly :func:`lstmbook.cells.run_cell`. Returns the outputs ``(batch, time,
    hidden)``, the *unmasked* ``h`` of every step, and the final state ``(h_T, c_T)``.

    >>> from lstmbook.cells import LSTMCell, run_cell
    >>> _ = torch.manual_seed(0)
    >>> cell, x = LSTMCell(2, 4), torch.randn(3, 5, 2)
    >>> out, _ = run_cell_dropout(cell, x, p=0.5, training=False)
    >>> torch.equal(out, run_cell(cell, x)[0])
    True
    """
    x, p = _checked(cell, x, p, state, same_mask, training)
    batch, H = x.shape[0], cell.hidden_size
    mask = hidden_mask(batch, H, p, x, training)  # one mask for the whole sequence
    h, c = cell.initial_state(batch, x) if state is None else state
    outputs = []
    for t in range(x.shape[1]):
        if mask is not None and not same_mask and t > 0:
            mask = hidden_mask(batch, H, p, x, training)  # a fresh mask every step
        h_in = h if mask is None else mask * h
        h, c = cell(x[:, t], (h_in, c))
        outputs.append(h)  # the output is the unmasked h
    return torch.stack(outputs, dim=1), (h, c)


def _checked(
    cell: object, x: object, p: object, state: object, same_mask: object, training: object
) -> tuple[Tensor, float]:
    if not isinstance(cell, GatedCell):
        raise TypeError(f"cell must be a GatedCell, got {type(cell).__name__}")
    dtype = x.dtype if isinstance(x, Tensor) else None
    x = validate.tensor("x", x, shape=("batch", "time", cell.input_size), dtype=dtype)
    p = validate.real("p", p, low=0.0, high=1.0, high_open=True)
    validate.boolean("same_mask", same_mask)
    validate.boolean("training", training)
    if state is not None:
        cell._check(x[:, 0], state)  # the shapes of (h, c)
    return x, p


class CellStack(CellLayer):
    """Cells stacked and run step by step, called like a batch-first ``nn.LSTM``, with dropout on
    every layer's outputs and variational dropout on every layer's recurrent ``h``.

    ``x (batch, time, I) -> (output (batch, time, H), (h_T, c_T))``: each cell reads the outputs
    of the one below (the first reads ``x``), and the top one's are returned. ``.cell`` is the
    first cell, as in :class:`lstmbook.cells.CellLayer`, ``.cells`` all of them.
    :class:`lstmbook.models.SequenceModel` builds one for its cells (see
    :func:`lstmbook.models.cell_model`).

    Args:
        cells: :class:`lstmbook.cells.GatedCell` s, the first of ``I`` inputs, the others of
            ``H``, all of ``H`` units.
        dropout: an ordinary dropout (a fresh mask per step) on the outputs of every layer, the
            top one's included: between layers and into the head, Zaremba et al.'s
            non-recurrent places. ``h_T`` is the last step of the dropped outputs.
        hidden_dropout: variational dropout on every layer's recurrent ``h``, one mask per
            sequence (:func:`run_cell_dropout`); in training only.
        same_mask: False draws the recurrent mask afresh at every step (for comparison).

    >>> from lstmbook.cells import LSTMCell
    >>> _ = torch.manual_seed(0)
    >>> stack = CellStack([LSTMCell(2, 4), LSTMCell(4, 4)], dropout=0.25, hidden_dropout=0.25)
    >>> output, (h, c) = stack(torch.randn(3, 6, 2))
    >>> output.shape, h.shape, torch.equal(output[:, -1], h)
    (torch.Size([3, 6, 4]), torch.Size([3, 4]), True)
    """

    def __init__(
        self,
        cells: list[GatedCell],
        dropout: float = 0.0,
        hidden_dropout: float = 0.0,
        same_mask: bool = True,
    ) -> None:
        if not isinstance(cells, list | tuple) or not cells:
            what = type(cells).__name__
            what = f"an empty {what}" if isinstance(cells, list | tuple) else what
            raise TypeError(f"cells must be a non-empty list of GatedCells, got {what}")
        super().__init__(cells[0])  # checks that it is a GatedCell
        for k, cell in enumerate(cells[1:], start=1):
            if not isinstance(cell, GatedCell):
                raise TypeError(f"cells[{k}] must be a GatedCell, got {type(cell).__name__}")
            if (cell.input_size, cell.hidden_size) != (self.hidden_size, self.hidden_size):
                raise ValueError(
                    f"cells[{k}] must have input_size and hidden_size {self.hidden_size}, got "
                    f"{cell.input_size} and {cell.hidden_size}"
                )
        self.above = nn.ModuleList(cells[1:])  # after .cell: the parameters in layer order
        self.dropout_p = validate.real("dropout", dropout, low=0.0, high=1.0, high_open=True)
        self.hidden_dropout = validate.real(
            "hidden_dropout", hidden_dropout, low=0.0, high=1.0, high_open=True
        )
        self.same_mask = validate.boolean("same_mask", same_mask)
        self.dropout = nn.Dropout(self.dropout_p)

    @property
    def cells(self) -> list[GatedCell]:
        """Every cell, from the bottom layer up."""
        return [self.cell, *self.above]

    def forward(self, x: Tensor, state: State | None = None) -> tuple[Tensor, State]:
        """The top layer's outputs and final state, from ``state`` (zeros if None; one layer)."""
        if state is not None and (self.above or (self.training and self.dropout_p > 0)):
            raise ValueError(
                "only one layer without dropout (or in evaluation) can carry its state"
            )
        for cell in self.cells:
            x, (_, c) = run_cell_dropout(
                cell, x, self.hidden_dropout, state, self.same_mask, self.training
            )
            x = self.dropout(x)  # between layers, and before the head
        return x, (x[:, -1], c)

    def extra_repr(self) -> str:
        return f"dropout={self.dropout_p:g}, hidden_dropout={self.hidden_dropout:g}"
