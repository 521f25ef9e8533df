"""What a character model's units track: features of a text, and each unit's correlation with
them (chapter 7).

- :func:`text_features`: simple features of a text (inside a speaker's name, inside a stage
  direction, position in the line, just after a line break);
- :func:`unit_correlations`: how well each unit's cell state follows each of them;
  :func:`best_units` and :func:`least_tracking_unit` pick units (:class:`Unit`) from them;
- :func:`coloured_html`: a text with each character coloured by one unit's value.

NumPy only: torch is not imported.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from lstmbook import validate


def text_features(text: str) -> dict[str, NDArray[np.float64]]:
    """Per character of ``text``, simple features of where it stands in the Markdown play.

    - ``"in speaker name"``: 1 inside ``**NAME**`` (the asterisks included), else 0;
    - ``"in stage direction"``: 1 inside ``_..._`` directions (as :mod:`lstmbook.shakespeare`
      finds them), else 0;
    - ``"position in line"``: how many characters since the last line break;
    - ``"after line break"``: 1 for the first character of a line, else 0.

    >>> features = text_features("**A**  \\nHi.")
    >>> features["in speaker name"].tolist()[:6], features["position in line"].tolist()
    ([1.0, 1.0, 1.0, 1.0, 1.0, 0.0], [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 0.0, 0.0, 1.0, 2.0])
    """
    from lstmbook.shakespeare import MARKUP

    validate.text("text", text)
    n = len(text)
    out = {}
    for name, kind in (
        ("in speaker name", "speaker names"),
        ("in stage direction", "stage directions"),
    ):
        mask = np.zeros(n)
        for m in MARKUP[kind].finditer(text):
            mask[m.start() : m.end()] = 1.0
        out[name] = mask
    breaks = np.array([c == "\n" for c in text])
    last_break = np.maximum.accumulate(np.where(breaks, np.arange(n), -1))
    out["position in line"] = np.where(breaks, 0, np.arange(n) - last_break - 1).astype(float)
    after = np.zeros(n)
    after[1:] = breaks[:-1] & ~breaks[1:]
    out["after line break"] = after
    return out


def unit_correlations(states: NDArray, features: dict[str, NDArray]) -> dict[str, NDArray]:
    """Pearson correlation of every unit's state with every feature: ``{feature: (units,)}``.

    A unit that never changes has correlation 0.

    >>> s = np.array([[0.0, 1.0], [1.0, 1.0], [2.0, 1.0]])
    >>> {k: v.round(3).tolist() for k, v in unit_correlations(s, {"x": np.arange(3.0)}).items()}
    {'x': [1.0, 0.0]}
    """
    states = validate.array("states", states, shape=("steps", "units"), dtype=np.float64)
    out = {}
    z = states - states.mean(axis=0)
    scale = np.sqrt((z**2).sum(axis=0))
    for name, feature in features.items():
        f = validate.array(f"features[{name!r}]", feature, shape=(len(states),), dtype=np.float64)
        fz = f - f.mean()
        denominator = scale * math.sqrt((fz**2).sum())
        out[name] = np.divide(
            fz @ z, denominator, out=np.zeros(states.shape[1]), where=denominator > 0
        )
    return out


@dataclass(frozen=True)
class Unit:
    """A unit, the feature its state follows best, and the correlation."""

    unit: int
    feature: str
    correlation: float


def _correlations(correlations: object) -> None:
    if not isinstance(correlations, dict):
        raise TypeError(f"correlations must be a dict, got {type(correlations).__name__}")
    if not correlations:
        raise ValueError("correlations must not be empty (one entry per feature)")


def best_units(correlations: dict[str, NDArray]) -> list[Unit]:
    """For each feature, the unit of largest absolute correlation with it, in feature order."""
    _correlations(correlations)
    return [
        Unit(int(np.abs(r).argmax()), name, float(r[np.abs(r).argmax()]))
        for name, r in correlations.items()
    ]


def least_tracking_unit(correlations: dict[str, NDArray]) -> Unit:
    """The unit whose largest absolute correlation with any feature is smallest."""
    _correlations(correlations)
    names = list(correlations)
    table = np.abs(np.stack([correlations[n] for n in names]))  # (features, units)
    unit = int(table.max(axis=0).argmin())
    best = int(table[:, unit].argmax())
    return Unit(unit, names[best], float(correlations[names[best]][unit]))


def coloured_html(text: str, values: Sequence[float], scale: float | None = None) -> str:
    """``text`` as HTML spans, each character's background from blue (negative ``values``)
    through white to red (positive), ``scale`` (default: the largest ``|value|``) the full
    colour. Line breaks are kept; spaces show as non-breaking."""
    values = validate.array("values", values, shape=(len(text),), dtype=np.float64)
    scale = (
        float(np.abs(values).max())
        if scale is None
        else validate.real("scale", scale, low=0.0, low_open=True)
    )
    scale = scale or 1.0
    parts = []
    for c, v in zip(text, np.clip(values / scale, -1.0, 1.0), strict=True):
        if c == "\n":
            parts.append("<span style='color:#bbb'>&#8629;</span><br>")
            continue
        strength = int(round(255 * (1 - abs(v))))
        colour = f"255,{strength},{strength}" if v > 0 else f"{strength},{strength},255"
        shown = {" ": "&nbsp;", "<": "&lt;", ">": "&gt;", "&": "&amp;", "$": "&#36;"}.get(c, c)
        parts.append(f"<span style='background:rgb({colour})'>{shown}</span>")
    return (
        "<div style='font-family:monospace;font-size:13px;line-height:1.45;"
        "white-space:normal;word-break:break-all'>" + "".join(parts) + "</div>"
    )
