"""The exercise checkers of :mod:`lstmbook.models`, each keeping the contract of
:mod:`lstmbook.exercises`."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn

from lstmbook.exercises import call_reader, report, wrong_shape
from lstmbook.models import count_parameters, final_state


def check_final_state(fn: Callable[[Tensor, bool], Tensor]) -> bool:
    """Exercise checker: ``fn(h_n, bidirectional)`` should return the last layer's final state.

    Tries one- and two-direction networks of 1 and 3 layers on seeded inputs and compares with
    :func:`final_state`. Prints "Correct: ..." and returns True, or says what differs.
    """
    generator = torch.Generator().manual_seed(0)
    for layers in (1, 3):
        for bidirectional in (False, True):
            dirs = 2 if bidirectional else 1
            h_n = torch.randn(layers * dirs, 5, 4, generator=generator)
            ok, got = call_reader(fn, h_n, bidirectional)
            if not ok:
                return False
            expected = final_state(h_n, bidirectional)
            case = f"{layers} layer(s), bidirectional={bidirectional}"
            if problem := wrong_shape(got, expected):
                return report(False, "", f"with {case}, {problem}.")
            if not torch.equal(got, expected):
                return report(False, "", f"with {case}, the shape is right but the values differ.")
    return report(True, "the last layer's forward and backward final states.", "")


def check_lstm_parameter_count(fn: Callable[[int, int], int]) -> bool:
    """Exercise checker: ``fn(input_size, hidden_size)`` should count a 1-layer ``nn.LSTM``'s
    parameters, as :func:`count_parameters` does, for several sizes."""
    for input_size, hidden_size in [(1, 1), (2, 32), (10, 7), (300, 128)]:
        ok, got = call_reader(fn, input_size, hidden_size)
        if not ok:
            return False
        expected = count_parameters(nn.LSTM(input_size, hidden_size))
        if got != expected:
            return report(
                False,
                "",
                f"for input_size={input_size}, hidden_size={hidden_size}, "
                f"nn.LSTM has {expected} parameters, your function says {got}.",
            )
    return report(True, "4 gates, each with W_i (H x I), W_h (H x H) and two biases.", "")
