"""The rolling-origin backtest: no model sees the future, MASE by hand, exact naive forecasts,
and clear errors for bad input."""

import numpy as np
import pytest

from lstmbook.forecast import (
    MODELS,
    backtest,
    mase,
    pinball,
    place_origins,
    seasonal_reference,
    seasonal_scale,
    smape,
)

SEASON, HORIZON = 12, 6
# Small enough for a test: a short LSTM run, ETS on a short history.
FAST = {"lstm": {"epochs": 1, "windows": 40, "hidden": 4, "window": 12}, "ets": {}}


def wave(n=240, seed=0):
    t = np.arange(n)
    noise = np.random.default_rng(seed).standard_normal(n)
    return 10 + 0.01 * t + np.sin(2 * np.pi * t / SEASON) + 0.2 * noise


def run(y, model, covariates=None, **extra):
    options = FAST.get(model, {}) | extra
    return backtest(
        y,
        horizon=HORIZON,
        season=SEASON,
        model=model,
        origins=4,
        covariates=covariates,
        **options,
    )


@pytest.mark.parametrize("model", MODELS)
def test_changing_the_future_leaves_the_first_forecast_unchanged(model):
    y = wave()
    cov = np.cos(np.arange(len(y)) / 5.0)
    first = run(y, model, cov if model == "lstm" else None)
    o = first.origins[0]
    changed = y.copy()
    changed[o + 1 :] = np.random.default_rng(1).uniform(-100, 100, len(y) - o - 1)
    again = run(changed, model, cov if model == "lstm" else None)
    np.testing.assert_array_equal(again.origins, first.origins)
    np.testing.assert_array_equal(again.forecasts[0], first.forecasts[0])
    assert not np.array_equal(again.actuals[0], first.actuals[0])


def test_the_leak_options_do_see_the_future():
    """The two mistakes the chapter measures fail the same test (so the test can catch them)."""
    y = wave()
    for leak in ("scaler", "windows"):
        first = run(y, "lstm", leak=leak)
        changed = y.copy()
        changed[first.origins[0] + 1 :] += 50.0
        again = run(changed, "lstm", leak=leak)
        assert not np.allclose(again.forecasts[0], first.forecasts[0])


def test_mase_by_hand_on_a_tiny_series():
    y = np.array([1.0, 3.0, 2.0, 4.0, 3.0, 5.0, 4.0, 8.0, 5.0, 6.0])
    r = backtest(y, horizon=2, season=2, model="naive", origins=2, span=4)
    # origins: the last 4 values hold origins 6 and 7 (the last leaves 2 values after it)
    assert r.origins.tolist() == [6, 7]
    # in-sample seasonal-naive errors up to the first origin, y[0..6]: |2-1|, |4-3|, |3-2|,
    # |5-4|, |4-3| -> scale 1
    assert r.scale == 1.0
    np.testing.assert_array_equal(r.forecasts, [[4.0, 4.0], [8.0, 8.0]])
    # errors |4-8|, |4-5|, |8-5|, |8-6| -> mean 10/4
    assert r.mase == pytest.approx(2.5)
    np.testing.assert_allclose(r.mase_by_step, [3.5, 1.5], rtol=1e-12, atol=0)
    assert mase(r.forecasts, r.actuals, 1.0) == pytest.approx(2.5)
    assert seasonal_scale(y[:7], 2) == 1.0


def test_naive_forecasts_exactly():
    y = np.arange(50.0) ** 1.5
    naive = backtest(y, horizon=3, season=5, model="naive", origins=3)
    seasonal = backtest(y, horizon=7, season=5, model="seasonal_naive", origins=3)
    for o, row in zip(naive.origins, naive.forecasts, strict=True):
        np.testing.assert_array_equal(row, [y[o]] * 3)
    for o, row in zip(seasonal.origins, seasonal.forecasts, strict=True):
        expected = [y[o + 1 - 5 + h] for h in range(5)] + [y[o + 1 - 5], y[o + 2 - 5]]
        np.testing.assert_array_equal(row, expected)
    for o, row in zip(seasonal.origins, seasonal.actuals, strict=True):
        np.testing.assert_array_equal(row, y[o + 1 : o + 8])


def test_seasonal_reference_wraps_and_looks_back():
    y = np.arange(20.0)
    np.testing.assert_array_equal(
        seasonal_reference(y, 10, np.array([9, 11, 14, 15]), 4), [5, 7, 10, 7]
    )


def test_origins_spread_over_the_last_part():
    at = place_origins(1000, 10, 5, 0.2)
    assert at[0] == 800 and at[-1] == 989 and len(set(at)) == 5


def test_metrics():
    assert smape(np.array([0.0]), np.array([0.0])) == 0.0
    assert smape(np.array([2.0]), np.array([0.0])) == 200.0
    assert pinball(np.array([0.0]), np.array([1.0]), 0.25) == 0.25


def test_intervals_cover_the_truth_sometimes():
    r = run(wave(400), "seasonal_naive", interval=0.8, calibration=10)
    assert r.lower.shape == r.forecasts.shape and (r.lower <= r.upper).all()
    assert 0.0 <= r.coverage <= 1.0
    assert np.isnan(run(wave(), "naive").coverage)


@pytest.mark.parametrize("strategy", ["direct", "recursive"])
def test_lstm_strategies_run(strategy):
    r = run(wave(), "lstm", strategy=strategy)
    assert r.forecasts.shape == (4, HORIZON) and np.isfinite(r.forecasts).all()


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"series": [1.0, np.nan] * 60}, ValueError, "series must be finite"),
        ({"series": [1.0, np.inf] * 60}, ValueError, "series must be finite"),
        ({"series": [[1.0, 2.0]]}, ValueError, "series must have shape"),
        ({"series": "abc"}, TypeError, "series must be an array"),
        ({"series": np.ones(30)}, ValueError, "at least 2 \\* season"),
        ({"horizon": 0}, ValueError, "horizon must be an int >= 1"),
        ({"horizon": 2.5}, TypeError, "horizon must be an int"),
        ({"season": 0}, ValueError, "season must be an int >= 1"),
        ({"model": "prophet"}, ValueError, "model must be one of"),
        ({"origins": 0}, ValueError, "origins must be an int >= 1"),
        ({"covariates": np.ones(10)}, ValueError, "same length"),
        ({"covariates": np.full(240, np.nan)}, ValueError, "covariates must be finite"),
        ({"progress": "yes"}, TypeError, "progress must be True or False"),
        ({"epochs": 3, "model": "naive"}, TypeError, "epochs is not an option"),
        ({"strategy": "beam"}, ValueError, "strategy must be one of"),
        ({"span": 0.001}, ValueError, "span must hold"),
        ({"interval": 1.5}, ValueError, "interval must be"),
    ],
)
def test_bad_input(kwargs, error, match):
    arguments = {"series": wave(), "horizon": HORIZON, "season": SEASON, "model": "lstm"}
    arguments |= kwargs
    with pytest.raises(error, match=match):
        backtest(**arguments)
