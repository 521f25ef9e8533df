"""Forecasting evaluated the way forecasters do it: a rolling-origin backtest (chapter 8).

:func:`backtest` places ``origins`` forecast origins evenly over the last part of a series (by
default its last fifth). At each origin ``o`` a model sees ``series[: o + 1]`` (and the
covariates, see below) and forecasts the next ``horizon`` values. Models:

- ``"naive"``: the last value, repeated.
- ``"seasonal_naive"``: the value one season earlier (``series[t - season]``, wrapping for
  ``horizon > season``).
- ``"ets"``: additive Holt-Winters exponential smoothing with a damped trend (statsmodels'
  ``ExponentialSmoothing``), refit at every origin on the last ``history`` values.
- ``"lstm"`` (:mod:`lstmbook.forecast_lstm`): an LSTM trained once, on windows whose targets
  all lie before the first origin, then used unchanged at every origin. Its multi-step
  strategy is ``"seq2seq"`` (default: an encoder reads the last ``window`` values, a decoder
  runs over the ``horizon`` future steps),
  ``"direct"`` (the encoder's final state maps to all ``horizon`` values at once) or
  ``"recursive"`` (a one-step model whose forecasts are fed back as inputs). Every strategy
  predicts the correction to the seasonal-naive forecast, in units scaled by the mean and
  standard deviation of the training part only.

Covariates, an ``(n,)`` or ``(n, k)`` array, are used by the LSTM alone and are treated as
known in advance up to ``o + horizon`` (a calendar is; a temperature is known only through a
weather forecast, so using the observed one flatters the model). The series itself is never
read past the origin, which :func:`backtest`'s tests check for every model.

MASE divides the mean absolute error by the in-sample mean absolute error of the seasonal-naive
forecast, measured on the series up to the first origin (Hyndman and Koehler 2006).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from lstmbook import validate
from lstmbook.progress import bar

MODELS = ("naive", "seasonal_naive", "ets", "lstm")
STRATEGIES = ("seq2seq", "direct", "recursive")
LEAKS = (None, "scaler", "windows")
Forecaster = Callable[[int], np.ndarray]

GENERAL = {"span": 0.2, "interval": None, "calibration": 16}
ETS = {"history": None, "damped": True}
LSTM = {
    "strategy": "seq2seq",
    "window": 96,
    "hidden": 32,
    "epochs": 10,
    "lr": 1e-2,
    "batch_size": 256,
    "windows": 3000,
    "validation": 0.1,
    "loss": "l1",
    "leak": None,
    "threads": 1,
    "lags": (),
    "select": True,
}


@dataclass(frozen=True)
class Backtest:
    """What :func:`backtest` measured: one row per origin, one column per step ahead."""

    model: str
    forecasts: np.ndarray  # (origins, horizon): the forecast made at each origin
    actuals: np.ndarray  # (origins, horizon): what happened
    origins: np.ndarray  # (origins,): the index of the last value each forecast could see
    scale: float  # in-sample mean absolute error of the seasonal-naive forecast
    lower: np.ndarray | None = None  # (origins, horizon) interval bounds, if asked for
    upper: np.ndarray | None = None
    level: float | None = None  # the intervals' nominal coverage
    notes: str = ""  # how the model was fit

    @property
    def errors(self) -> np.ndarray:
        """Forecast minus actual, ``(origins, horizon)``."""
        return self.forecasts - self.actuals

    @property
    def mase(self) -> float:
        """Mean absolute scaled error over all origins and steps."""
        return float(np.abs(self.errors).mean() / self.scale)

    @property
    def mase_by_step(self) -> np.ndarray:
        """MASE of each step ahead (mean over origins), ``(horizon,)``."""
        return np.abs(self.errors).mean(axis=0) / self.scale

    @property
    def mase_by_origin(self) -> np.ndarray:
        """MASE of each origin (mean over steps), ``(origins,)``."""
        return np.abs(self.errors).mean(axis=1) / self.scale

    @property
    def smape(self) -> float:
        """Symmetric MAPE in percent over all origins and steps (see :func:`smape`)."""
        return smape(self.forecasts, self.actuals)

    @property
    def coverage(self) -> float:
        """Fraction of actuals inside the prediction intervals (NaN without intervals)."""
        if self.lower is None or self.upper is None:
            return float("nan")
        return float(((self.lower <= self.actuals) & (self.actuals <= self.upper)).mean())


def seasonal_scale(history: np.ndarray, season: int) -> float:
    """Mean absolute difference between values one season apart: MASE's denominator.

    >>> seasonal_scale(np.array([1.0, 2.0, 4.0, 7.0]), 1)
    2.0
    """
    history = validate.array("history", history, shape=(None,), dtype=np.float64)
    season = validate.positive_int("season", season)
    if len(history) <= season:
        raise ValueError(f"history must be longer than season ({season}), got {len(history)}")
    return float(np.abs(history[season:] - history[:-season]).mean())


def mase(forecasts: np.ndarray, actuals: np.ndarray, scale: float) -> float:
    """Mean absolute error divided by ``scale``.

    >>> mase(np.array([3.0, 5.0]), np.array([2.0, 8.0]), scale=2.0)
    1.0
    """
    forecasts = validate.array("forecasts", forecasts, dtype=np.float64)
    actuals = validate.array("actuals", actuals, shape=forecasts.shape, dtype=np.float64)
    scale = validate.real("scale", scale, low=0.0, low_open=True)
    return float(np.abs(forecasts - actuals).mean() / scale)


def smape(forecasts: np.ndarray, actuals: np.ndarray) -> float:
    """Symmetric mean absolute percentage error, ``200 |f - a| / (|f| + |a|)``, averaged.

    >>> round(smape(np.array([110.0]), np.array([100.0])), 4)
    9.5238
    """
    forecasts = validate.array("forecasts", forecasts, dtype=np.float64)
    actuals = validate.array("actuals", actuals, shape=forecasts.shape, dtype=np.float64)
    denominator = np.abs(forecasts) + np.abs(actuals)
    ratio = np.divide(
        np.abs(forecasts - actuals),
        denominator,
        out=np.zeros_like(denominator),
        where=denominator > 0,
    )
    return float(200 * ratio.mean())


def pinball(quantile_forecast: np.ndarray, actuals: np.ndarray, q: float) -> float:
    """Mean pinball (quantile) loss of a ``q``-quantile forecast.

    >>> pinball(np.array([1.0, 3.0]), np.array([2.0, 2.0]), 0.9)
    0.5
    """
    quantile_forecast = validate.array("quantile_forecast", quantile_forecast, dtype=np.float64)
    actuals = validate.array("actuals", actuals, shape=quantile_forecast.shape, dtype=np.float64)
    q = validate.probability("q", q, open_ends=True)
    diff = actuals - quantile_forecast
    return float(np.maximum(q * diff, (q - 1) * diff).mean())


def place_origins(n: int, horizon: int, origins: int, span: float | int) -> np.ndarray:
    """Evenly spaced origins over the last ``span`` of ``n`` values (a fraction or a count).

    The last origin leaves exactly ``horizon`` values after it.

    >>> place_origins(100, 5, 3, 0.2).tolist()
    [80, 87, 94]
    """
    validate.positive_int("n", n)
    validate.positive_int("horizon", horizon)
    validate.positive_int("origins", origins)
    width = int(round(span * n)) if isinstance(span, float) else int(span)
    last = n - 1 - horizon
    first = n - width
    if origins == 1:
        return np.array([last])
    if last - first < origins - 1:
        raise ValueError(
            f"span must hold {origins} origins {horizon} steps from the end of {n} values, "
            f"got a span of {width} values"
        )
    return np.round(np.linspace(first, last, origins)).astype(int)


def seasonal_reference(y: np.ndarray, origin: int, steps: np.ndarray, season: int) -> np.ndarray:
    """The seasonal-naive value for each time ``steps`` as seen from ``origin``.

    A time after the origin takes the value a whole number of seasons earlier that lies at or
    before the origin; a time at or before it takes ``y[t - season]``.

    >>> seasonal_reference(np.arange(10.0), 5, np.array([4, 6, 7, 8]), 2)
    array([2., 4., 5., 4.])
    """
    validate.positive_int("season", season)
    ahead = np.maximum(1, -(-(steps - origin) // season))
    return y[steps - season * ahead]


# ---------------------------------------------------------------------------------------------
# Baselines


def _naive(y: np.ndarray, horizon: int, season: int) -> Forecaster:
    return lambda o: np.repeat(y[o], horizon)


def _seasonal_naive(y: np.ndarray, horizon: int, season: int) -> Forecaster:
    return lambda o: seasonal_reference(y, o, np.arange(o + 1, o + 1 + horizon), season)


def _ets(y: np.ndarray, horizon: int, season: int, history: int | None, damped: bool):
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    length = history if history is not None else 10 * season

    def forecast(o: int) -> np.ndarray:
        past = y[max(0, o + 1 - length) : o + 1]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = ExponentialSmoothing(
                past,
                trend="add",
                damped_trend=damped,
                seasonal="add",
                seasonal_periods=season,
                initialization_method="heuristic",
            ).fit()
        return np.asarray(model.forecast(horizon), dtype=np.float64)

    return forecast


# ---------------------------------------------------------------------------------------------


def backtest(
    series,
    *,
    horizon: int,
    season: int,
    model: str = "lstm",
    origins: int = 8,
    seed: int = 0,
    covariates=None,
    progress: bool = False,
    **overrides,
) -> Backtest:
    """Forecast ``horizon`` steps from ``origins`` rolling origins and compare with the truth.

    Args:
        series: the values, a 1-D array without NaN or inf (fill gaps before, and say how).
        horizon: how many steps ahead each forecast goes.
        season: values per seasonal cycle (seasonal naive, MASE's scale, ETS, the LSTM).
        model: one of ``MODELS``.
        origins: how many forecast origins, spread evenly over the last ``span`` of the series.
        seed: seeds the LSTM's windows, initial weights and batch order.
        covariates: ``(n,)`` or ``(n, k)`` values known in advance (the LSTM uses them).
        progress: show a progress bar (LSTM epochs, ETS fits).
        overrides: ``span`` (fraction or count of the series over which origins are placed,
            default 0.2); ``interval`` (a nominal coverage such as 0.8: residual-based
            intervals from ``calibration`` earlier origins before the first one); for ETS
            ``history`` (values each fit sees, default ``10 * season``) and ``damped``; for the
            LSTM ``strategy``, ``window``, ``hidden``, ``epochs``, ``lr``, ``batch_size``,
            ``windows`` (training windows), ``validation``, ``loss`` and, only to show the
            mistake, ``leak`` (``"scaler"``: scaling fit on the whole series; ``"windows"``:
            training windows drawn at random from the whole series, test period included).

    >>> y = np.arange(40) % 4 + np.arange(40) / 10  # a repeating shape on a rising line
    >>> r = backtest(y, horizon=2, season=4, model="seasonal_naive", origins=3)
    >>> r.origins.tolist(), round(r.mase, 6), r.forecasts.shape
    ([32, 34, 37], 1.0, (3, 2))
    """
    y = validate.array("series", series, shape=(None,), dtype=np.float64)
    horizon = validate.positive_int("horizon", horizon)
    season = validate.positive_int("season", season)
    model = validate.one_of("model", model, MODELS)
    n_origins = validate.positive_int("origins", origins)
    seed = validate.positive_int("seed", seed, minimum=0)
    progress = validate.boolean("progress", progress)
    allowed = GENERAL | (ETS if model == "ets" else LSTM if model == "lstm" else {})
    unknown = sorted(set(overrides) - set(allowed))
    if unknown:
        raise TypeError(
            f"{unknown[0]} is not an option of model {model!r}; options: {', '.join(allowed)}"
        )
    options = allowed | overrides
    cov = None
    if covariates is not None:
        cov = validate.array("covariates", covariates, dtype=np.float64)
        if cov.ndim == 1:
            cov = cov[:, None]
        if cov.ndim != 2:
            raise ValueError(f"covariates must be (n,) or (n, k), got shape {cov.shape}")
        validate.same_length(series=y, covariates=cov)
    span = options["span"]
    if isinstance(span, bool) or not isinstance(span, int | float):
        raise TypeError(f"span must be a fraction in (0, 1) or a count, got {span!r}")
    if isinstance(span, float):
        validate.probability("span", span, open_ends=True)
    level = options["interval"]
    if level is not None:
        level = validate.probability("interval", level, open_ends=True)
    n_cal = validate.positive_int("calibration", options["calibration"], minimum=2)

    n = len(y)
    needed = 2 * season + horizon + n_origins
    if n < needed:
        raise ValueError(
            f"series must have at least 2 * season + horizon + origins = {needed} values, got {n}"
        )
    at = place_origins(n, horizon, n_origins, span)
    first = int(at[0])
    if first + 1 <= 2 * season:
        raise ValueError(
            f"series must have more than 2 * season = {2 * season} values before the first "
            f"origin, got {first + 1} (use a smaller span or fewer origins)"
        )
    scale = seasonal_scale(y[: first + 1], season)
    if scale == 0:
        raise ValueError("series has no variation one season apart before the first origin")

    if model == "naive":
        forecaster = _naive(y, horizon, season)
    elif model == "seasonal_naive":
        forecaster = _seasonal_naive(y, horizon, season)
    elif model == "ets":
        history = options["history"]
        if history is not None:
            history = validate.positive_int("history", history, minimum=2 * season)
        forecaster = _ets(
            y, horizon, season, history, validate.boolean("damped", options["damped"])
        )
    else:
        from lstmbook.forecast_lstm import _lstm  # it imports this module's constants

        lstm_options = {key: options[key] for key in LSTM}
        forecaster = _lstm(y, cov, horizon, season, first, seed, progress, n, **lstm_options)

    def run(points, desc):
        steps = bar(points, show=progress and model == "ets", desc=desc)
        return np.array([forecaster(int(o)) for o in steps])

    forecasts = run(at, "origins")
    actuals = np.array([y[o + 1 : o + 1 + horizon] for o in at])
    lower = upper = None
    if level is not None:
        cal_last = first - horizon
        cal_first = max(2 * season, cal_last - 2 * n_cal * horizon)
        # the LSTM's calibration origins are its validation windows, which it never trained on
        cal_first = max(cal_first, getattr(forecaster, "calibration_start", cal_first))
        cal = np.unique(np.round(np.linspace(cal_first, cal_last, n_cal)).astype(int))
        residuals = np.array([y[o + 1 : o + 1 + horizon] for o in cal]) - run(cal, "calibration")
        low_q, high_q = np.quantile(residuals, [(1 - level) / 2, (1 + level) / 2], axis=0)
        lower, upper = forecasts + low_q, forecasts + high_q
    notes = getattr(forecaster, "notes", model)
    return Backtest(model, forecasts, actuals, at, scale, lower, upper, level, notes)


def _demo() -> None:  # pragma: no cover - a quick look: python -m lstmbook.forecast
    t = np.arange(600)
    y = 10 + np.sin(2 * np.pi * t / 24) + 0.1 * np.random.default_rng(0).standard_normal(600)
    for name in MODELS:
        extra = {"epochs": 2} if name == "lstm" else {}
        r = backtest(y, horizon=12, season=24, model=name, **extra)
        print(f"{name:15s} MASE {r.mase:.2f}")


if __name__ == "__main__":  # pragma: no cover
    _demo()


__all__ = ["Backtest", "backtest", "mase", "smape", "pinball", "seasonal_scale"]
