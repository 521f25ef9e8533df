"""The LSTM forecaster of :func:`lstmbook.forecast.backtest` (chapter 8).

Trained once, on windows whose targets all lie before the first origin, then used unchanged at
every origin. :func:`_features` builds one example's inputs; the network's multi-step strategy
is ``"seq2seq"`` (an encoder over the last ``window`` values, a decoder over the ``horizon``
future steps), ``"direct"`` (the encoder's final state maps to all ``horizon`` values at once) or
``"recursive"`` (a one-step model whose forecasts are fed back as inputs). Every strategy
predicts the correction to the seasonal-naive forecast, in units scaled by the training part's
mean and standard deviation.

torch is imported when a network is built, so that importing this module loads NumPy only.
"""

from __future__ import annotations

import numpy as np

from lstmbook import validate
from lstmbook.forecast import LEAKS, STRATEGIES, seasonal_reference


def _features(y, cov, origin, window, horizon, season, lags, scaling):
    """One example's inputs: ``window`` past steps then ``horizon`` future steps, each with
    [value (0 in the future), seasonal reference, references at the extra ``lags``, covariates,
    sin, cos of the phase, is-future]. Also the scaled reference of the future steps (added
    back to the model's correction). ``scaling``: the training part's (mean, std) of the
    series and of the covariates."""
    mean, std, cmean, cstd = scaling
    steps = np.arange(origin + 1 - window, origin + 1 + horizon)
    past = steps <= origin

    def reference(lag):  # the seasonal-naive value, scaled
        return (seasonal_reference(y, origin, steps, lag) - mean) / std

    value = np.where(past, (y[np.minimum(steps, origin)] - mean) / std, 0.0)
    columns = [value, reference(season)] + [reference(lag) for lag in lags]
    if cov is not None:
        columns += list(((cov[steps] - cmean) / cstd).T)
    phase = 2 * np.pi * (steps % season) / season
    columns += [np.sin(phase), np.cos(phase), (~past).astype(np.float64)]
    return np.column_stack(columns), columns[1][window:]


def _network(n_features: int, hidden: int, window: int, horizon: int, strategy: str):
    import torch
    from torch import nn

    class Forecaster(nn.Module):
        """An LSTM mapping ``(batch, window + horizon, features)`` to ``(batch, horizon)``."""

        def __init__(self):
            super().__init__()
            self.encoder = nn.LSTM(n_features, hidden, batch_first=True)
            if strategy == "seq2seq":
                self.decoder = nn.LSTM(n_features, hidden, batch_first=True)
                self.head = nn.Linear(hidden, 1)
            elif strategy == "direct":
                self.head = nn.Linear(hidden + horizon * n_features, horizon)
            else:  # recursive: one step ahead from each step's state
                self.head = nn.Linear(hidden, 1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            past, future = x[:, :window], x[:, window:]
            if strategy == "seq2seq":
                _, state = self.encoder(past)
                out, _ = self.decoder(future, state)
                return self.head(out).squeeze(-1)
            if strategy == "direct":
                _, (h, _) = self.encoder(past)
                return self.head(torch.cat([h[-1], future.flatten(1)], dim=1))
            return self.recursive(x)

        def recursive(self, x: torch.Tensor) -> torch.Tensor:
            # Training (teacher forcing): the correction for step t + 1 from the state after
            # step t, over the window and the known future. The input's value column holds the
            # truth there; at forecast time it holds the model's own forecasts.
            if self.training:
                out, _ = self.encoder(x[:, :-1])
                return self.head(out[:, window - 1 :]).squeeze(-1)
            out, state = self.encoder(x[:, :window])
            step = out[:, -1:]
            forecasts = []
            for h in range(horizon):
                correction = self.head(step)[:, :, 0]
                forecasts.append(correction)
                if h + 1 < horizon:
                    nxt = x[:, window + h : window + h + 1].clone()
                    nxt[:, :, 0] = nxt[:, :, 1] + correction  # the forecast, scaled
                    nxt[:, :, -1] = 0.0  # fed back as if observed
                    step, state = self.encoder(nxt, state)
            return torch.cat(forecasts, dim=1)

    return Forecaster()


def _lstm(y, cov, horizon, season, first, seed, progress, n_total, **options):
    import torch
    from torch import nn

    from lstmbook.bench import threads
    from lstmbook.train import fit, predict

    strategy = validate.one_of("strategy", options["strategy"], STRATEGIES)
    leak = validate.one_of("leak", options["leak"], LEAKS)
    window = validate.positive_int("window", options["window"])
    hidden = validate.positive_int("hidden", options["hidden"])
    epochs = validate.positive_int("epochs", options["epochs"])
    batch_size = validate.positive_int("batch_size", options["batch_size"])
    count = validate.positive_int("windows", options["windows"])
    lr = validate.real("lr", options["lr"], low=0.0, low_open=True)
    held = validate.probability("validation", options["validation"], open_ends=True)
    loss_name = validate.one_of("loss", options["loss"], ("l1", "mse"))
    lags = tuple(validate.positive_int("lags", lag) for lag in options["lags"])
    select = validate.boolean("select", options["select"])

    fit_end = n_total if leak is not None else first + 1  # the values the scaler may see
    mean, std = float(y[:fit_end].mean()), float(y[:fit_end].std()) or 1.0
    cmean = cov[:fit_end].mean(axis=0) if cov is not None else 0.0
    cstd = (
        np.where(cov[:fit_end].std(axis=0) > 0, cov[:fit_end].std(axis=0), 1.0)
        if (cov is not None)
        else 1.0
    )

    scaling = (mean, std, cmean, cstd)

    def example(o):
        x, ref = _features(y, cov, o, window, horizon, season, lags, scaling)
        if strategy == "recursive":  # the truth in the value column, for teacher forcing
            target_steps = slice(o + 1, o + 1 + horizon)
            x = x.copy()
            x[window:, 0] = (y[target_steps] - mean) / std
            x[window:, -1] = 0.0
        return x, ref

    start = window + max((season, *lags))  # the first origin whose window has a seasonal reference
    last = (n_total - 1 - horizon) if leak == "windows" else first - horizon
    if last - start < 20:
        raise ValueError(
            f"series must leave room for LSTM training windows before the first origin "
            f"({first}): window {window} + season {season} + horizon {horizon}"
        )
    rng = np.random.default_rng(seed)
    candidates = np.arange(start, last + 1)
    if leak == "windows":  # the mistake: shuffle all windows, then split at random
        chosen = rng.choice(candidates, size=min(count, len(candidates)), replace=False)
        n_val = max(1, int(held * len(chosen)))
        train_origins, val_origins = chosen[n_val:], chosen[:n_val]
    else:  # the validation windows are the last ones before the first origin, in time order
        split = last - max(horizon, int(held * (last - start)))
        train_all = candidates[candidates <= split - horizon]
        train_origins = np.sort(
            rng.choice(train_all, size=min(count, len(train_all)), replace=False)
        )
        val_origins = np.arange(split, last + 1, max(1, (last - split) // 200))

    def stack(origins):
        xs, targets = [], []
        for o in origins:
            x, ref = example(o)
            xs.append(x)
            targets.append((y[o + 1 : o + 1 + horizon] - mean) / std - ref)
        return (
            torch.tensor(np.array(xs), dtype=torch.float32),
            torch.tensor(np.array(targets), dtype=torch.float32),
        )

    torch.manual_seed(seed)
    model = _network(stack([start])[0].shape[-1], hidden, window, horizon, strategy)
    loss_fn = nn.L1Loss() if loss_name == "l1" else nn.MSELoss()
    with threads(options["threads"]):  # small LSTMs: one thread is as fast, and robust to load
        history = fit(
            model,
            stack(train_origins),
            stack(val_origins),
            loss_fn,
            epochs=epochs,
            lr=lr,
            batch_size=batch_size,
            seed=seed,
            restore_best=select,
            progress=progress,
            device="cpu",
        )

    def forecast(o: int) -> np.ndarray:
        x, ref = _features(y, cov, o, window, horizon, season, lags, scaling)
        with threads(options["threads"]):
            correction = predict(model, torch.tensor(x[None], dtype=torch.float32))[0].numpy()
        return (ref + correction.astype(np.float64)) * std + mean

    forecast.history = history  # type: ignore[attr-defined]
    forecast.calibration_start = split if leak != "windows" else start  # type: ignore
    forecast.notes = (  # type: ignore[attr-defined]
        f"{strategy} LSTM, hidden {hidden}, window {window}, {len(train_origins)} training "
        f"windows, {epochs} epochs"
    )
    return forecast
