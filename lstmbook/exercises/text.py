"""The exercise checkers of :mod:`lstmbook.text`, each keeping the contract of
:mod:`lstmbook.exercises`."""

from __future__ import annotations

import copy
from collections.abc import Callable

import torch
from torch import Tensor

from lstmbook.exercises import call_reader, report, require_callable, wrong_shape
from lstmbook.text import Vocabulary, last_real_output, pad_batch


def _described(value: object) -> str:
    """``value`` on one short line, for a checker's message."""
    if value is None:
        return "None (is the function written yet?)"
    if isinstance(value, Tensor):
        return f"a tensor of shape {tuple(value.shape)}: {value.tolist()}"[:200]
    if isinstance(value, tuple):
        return "(" + ", ".join(_described(v) for v in value) + ")"
    return " ".join(repr(value).split())[:200]


def _check_cases(
    fn: Callable,
    cases: list[tuple],
    reference: Callable,
    same: Callable[[object, object], bool],
    wrong: Callable[[tuple, object, object], str],
    correct: str,
) -> bool:
    """The reader's ``fn(*args)`` against ``reference(*args)`` for each ``args`` of ``cases``
    (given a copy, so the reader cannot change them); ``same(got, expected)`` judges (an error
    in it means the answer is not of the right kind), ``wrong(args, expected, got)`` says what
    is wrong, ``correct`` what is right."""
    for args in cases:
        expected = reference(*args)
        ok, got = call_reader(fn, *copy.deepcopy(args))
        if not ok:
            return False
        try:
            right = same(got, expected)
        except (TypeError, ValueError, RuntimeError):  # not the right kind of value at all
            right = False
        if not right:
            return report(False, "", wrong(args, expected, got))
    return report(True, correct, "")


def check_vocabulary(fn) -> bool:
    """Exercise checker: does ``fn(token_lists, min_freq)`` list the vocabulary's tokens?

    Expected: ``['<pad>', '<unk>']`` then every token seen at least ``min_freq`` times, most
    frequent first, ties in alphabetical order (as :meth:`Vocabulary.build`). Prints one line,
    ``Correct: ...`` or ``Not yet: ...``, and never raises for a wrong answer.

    >>> check_vocabulary(lambda token_lists, min_freq: 1 / 0)
    Not yet: your function raised ZeroDivisionError: division by zero
    False
    """
    require_callable(fn, "(token_lists, min_freq) -> list of tokens")
    cases = [
        ([["the", "film", "is", "good"], ["the", "film", "is", "bad"], ["good", "good"]], 2),
        ([["b", "a"], ["a", "c", "b"], ["c"]], 1),
        ([["b", "a"], ["a", "c", "b"], ["c", "d"]], 3),
    ]
    return _check_cases(
        fn,
        cases,
        lambda token_lists, min_freq: Vocabulary.build(token_lists, min_freq).tokens,
        lambda got, expected: list(got) == expected,
        lambda args, expected, got: (
            f"for {args[0]} with min_freq={args[1]} expected {expected}, got {_described(got)}."
        ),
        "<pad>, <unk>, then frequent tokens, most frequent first.",
    )


def check_pad_batch(fn) -> bool:
    """Exercise checker: does ``fn(id_lists)`` return ``(tokens, lengths)`` as :func:`pad_batch`?

    Prints one line, ``Correct: ...`` or ``Not yet: ...``, and never raises for a wrong answer.

    >>> check_pad_batch(lambda id_lists: 1 / 0)
    Not yet: your function raised ZeroDivisionError: division by zero
    False
    """
    require_callable(fn, "id_lists -> (tokens, lengths)")
    return _check_cases(
        fn,
        [([[5, 6, 7], [8], [9, 10]],), ([[4]],), ([[3, 3], [2, 7, 9, 11]],)],
        pad_batch,
        lambda got, expected: (
            len(got) == 2
            and all(
                torch.equal(torch.as_tensor(g).long(), e)
                for g, e in zip(got, expected, strict=True)
            )
        ),
        lambda args, expected, got: (
            f"for {args[0]} expected tokens {expected[0].tolist()} and lengths "
            f"{expected[1].tolist()}, got {_described(got)}."
        ),
        "right-padded with 0 to the longest length, with the true lengths.",
    )


def check_last_real_output(fn) -> bool:
    """Exercise checker: does ``fn(outputs, lengths)`` pick each row's last real output?

    Prints one line, ``Correct: ...`` or ``Not yet: ...``, and never raises for a wrong answer.

    >>> check_last_real_output(lambda outputs, lengths: None)
    Not yet: expected a tensor of shape (3, 2), got NoneType
    False
    """
    require_callable(fn, "(outputs, lengths) -> (batch, hidden)")
    generator = torch.Generator().manual_seed(0)
    for batch, time, hidden in ((3, 5, 2), (4, 7, 3), (1, 1, 4)):
        outputs = torch.randn(batch, time, hidden, generator=generator)
        lengths = torch.randint(1, time + 1, (batch,), generator=generator)
        expected = last_real_output(outputs, lengths)
        ok, got = call_reader(fn, outputs.clone(), lengths.clone())
        if not ok:
            return False
        if problem := wrong_shape(got, expected):
            return report(False, "", problem)
        if not torch.equal(got, expected):
            return report(
                False,
                "",
                f"with lengths {lengths.tolist()} expected the rows at steps "
                f"{(lengths - 1).tolist()}; your rows differ.",
            )
    return report(True, "outputs[arange(batch), lengths - 1], one row per text.", "")
