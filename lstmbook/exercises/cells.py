"""The exercise checkers of :mod:`lstmbook.cells`, each keeping the contract of
:mod:`lstmbook.exercises`."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from lstmbook.cells import EPS, PeepholeLSTMCell, State
from lstmbook.exercises import call_reader, report, require_callable, wrong_shape


def _close(got: object, expected: Tensor) -> bool:
    if not isinstance(got, Tensor) or got.shape != expected.shape:
        return False
    return torch.allclose(got.double(), expected, rtol=1e-6, atol=1e-9)


def check_cifg_step(fn: Callable[[Tensor, Tensor, Tensor, Tensor], State]) -> bool:
    """Exercise checker: ``fn(z_f, z_g, z_o, c_prev)`` should return a CIFG step's ``(h, c)``.

    The arguments are the forget, candidate and output pre-activations and the previous cell
    state, each ``(batch, H)``. Compares with :class:`CIFGCell` on seeded values (float64).
    Prints "Correct: ..." and returns True, or says what differs and returns False.
    """
    generator = torch.Generator().manual_seed(0)
    z_f, z_g, z_o, c_prev = torch.randn(4, 3, 5, generator=generator, dtype=torch.float64)
    ok, got = call_reader(fn, z_f, z_g, z_o, c_prev)
    if not ok:
        return False
    f, g, o = torch.sigmoid(z_f), torch.tanh(z_g), torch.sigmoid(z_o)
    c = f * c_prev + (1 - f) * g
    h = o * torch.tanh(c)
    if not isinstance(got, tuple | list) or len(got) != 2:
        return report(False, "", f"expected a pair (h, c), got {type(got).__name__}.")
    got_h, got_c = got
    if not _close(got_c, c):
        return report(False, "", "c differs: with i = 1 - f, c = f * c_prev + (1 - f) * g.")
    if not _close(got_h, h):
        return report(False, "", "c is right but h differs: h = o * tanh(c), with the new c.")
    return report(True, "c = f * c_prev + (1 - f) * g and h = o * tanh(c).", "")


def check_peephole_parameter_count(fn: Callable[[int, int], int]) -> bool:
    """Exercise checker: ``fn(input_size, hidden_size)`` should count a peephole cell's parameters.

    Compares with ``PeepholeLSTMCell(input_size, hidden_size)`` for several sizes.
    """
    for input_size, hidden_size in [(1, 1), (2, 32), (10, 7), (300, 128)]:
        ok, got = call_reader(fn, input_size, hidden_size)
        if not ok:
            return False
        cell = PeepholeLSTMCell(input_size, hidden_size)
        expected = sum(p.numel() for p in cell.parameters())
        if got != expected:
            return report(
                False,
                "",
                f"for input_size={input_size}, hidden_size={hidden_size}, the peephole cell "
                f"has {expected} parameters, your function says {got}.",
            )
    return report(True, "4H(I + H) weights, 8H biases and 3H peepholes.", "")


def check_gru_step(fn: Callable[..., Tensor]) -> bool:
    """Exercise checker: ``fn(x, h, weight_ih, weight_hh, bias_ih, bias_hh)`` should be one step
    of ``nn.GRUCell``, whose parameters hold the blocks ``r | z | n`` (reset, update, new).

    Compares with ``nn.GRUCell`` (float64) on seeded inputs and weights.
    """
    generator = torch.Generator().manual_seed(0)
    gru = nn.GRUCell(3, 4).double()
    with torch.no_grad():
        for parameter in gru.parameters():
            parameter.copy_(torch.randn(parameter.shape, generator=generator, dtype=torch.float64))
    x = torch.randn(5, 3, generator=generator, dtype=torch.float64)
    h = torch.randn(5, 4, generator=generator, dtype=torch.float64)
    with torch.no_grad():
        expected = gru(x, h)
        ok, got = call_reader(fn, x, h, gru.weight_ih, gru.weight_hh, gru.bias_ih, gru.bias_hh)
    if not ok:
        return False
    if problem := wrong_shape(got, expected):
        return report(False, "", f"{problem}.")
    if not _close(got, expected):
        return report(
            False,
            "",
            "the values differ from nn.GRUCell: the reset gate multiplies "
            "(W_hn h + b_hn), bias included, and h_t = (1 - z) * n + z * h.",
        )
    return report(True, "the same step as nn.GRUCell.", "")


def check_layer_norm(fn: Callable[[Tensor, Tensor, Tensor], Tensor]) -> bool:
    """Exercise checker: ``fn(z, gain, bias)`` should layer-normalise ``z (batch, n)``.

    Expected: ``gain * (z - mean) / sqrt(var + 1e-5) + bias``, the mean and the (biased)
    variance taken over the last axis of each row, as ``torch.nn.functional.layer_norm``.
    Prints "Correct: ..." and returns True, or says what differs and returns False.
    """
    require_callable(fn)
    generator = torch.Generator().manual_seed(0)
    z = 3.0 + 2.0 * torch.randn(4, 12, generator=generator, dtype=torch.float64)
    gain = torch.rand(12, generator=generator, dtype=torch.float64) + 0.5
    bias = torch.randn(12, generator=generator, dtype=torch.float64)
    expected = F.layer_norm(z, (12,), gain, bias, EPS)
    ok, got = call_reader(fn, z, gain, bias)
    if not ok:
        return False
    if problem := wrong_shape(got, expected):
        print(f"Not yet: {problem}.")
        return False
    if torch.allclose(got.double(), expected, rtol=1e-5, atol=1e-6):
        print("Correct: each row has mean 0 and variance 1 before the gain and the bias.")
        return True
    unbiased = F.layer_norm(z, (12,), None, None, EPS) * (11 / 12) ** 0.5 * gain + bias
    if torch.allclose(got.double(), unbiased, rtol=1e-4, atol=1e-5):
        print("Not yet: use the biased variance (divide by n, torch.var(..., unbiased=False)).")
        return False
    per_column = gain * (z - z.mean(0)) / torch.sqrt(z.var(0, unbiased=False) + EPS) + bias
    if torch.allclose(got.double(), per_column, rtol=1e-4, atol=1e-5):
        print("Not yet: normalise each row over its features (dim=-1), not over the batch.")
        return False
    print("Not yet: the values differ from torch.nn.functional.layer_norm.")
    return False
