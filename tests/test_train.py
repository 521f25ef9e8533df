"""The training loop: it learns, stops early, clips, schedules, restores the best, and repeats."""

import dataclasses

import numpy as np
import pytest
import torch
from torch import nn

from lstmbook.config import History, TrainConfig
from lstmbook.train import (
    accuracy,
    describe,
    evaluate,
    fit,
    make_loader,
    predict,
    within,
)


def linear_problem(n=192, seed=0):
    """y = sum of a sequence's 4 values: learnable by one linear layer."""
    generator = torch.Generator().manual_seed(seed)
    X = torch.randn(n, 4, 1, generator=generator)
    return X, X.sum(dim=(1, 2))


def linear_model(seed=0):
    torch.manual_seed(seed)
    return nn.Sequential(nn.Flatten(), nn.Linear(4, 1), nn.Flatten(0))


def test_loss_decreases_and_history_has_one_entry_per_epoch():
    data = linear_problem()
    history = fit(
        linear_model(), data, data, nn.MSELoss(), within(0.1), epochs=6, lr=0.05, batch_size=16
    )
    assert isinstance(history, History) and history.epochs == 6
    for values in (history.val_loss, history.val_metric, history.lr, history.seconds):
        assert len(values) == 6
    assert len(history.step_grad_norm) == 6 * 12  # 192 sequences in batches of 16
    assert history.train_loss[-1] < 0.1 * history.train_loss[0]
    assert history.val_loss[-1] < 0.1 * history.val_loss[0]
    assert history.val_metric[-1] > history.val_metric[0]
    assert history.best_epoch == 5 and not history.stopped_early


def test_early_stopping_when_the_val_loss_stops_improving():
    data = linear_problem()
    history = fit(linear_model(), data, data, nn.MSELoss(), epochs=20, lr=0.0, patience=3)
    assert history.stopped_early and history.best_epoch == 0
    assert history.epochs == 4


def test_restore_best_returns_the_weights_of_the_lowest_val_loss():
    train, val = linear_problem(seed=0), linear_problem(seed=1)
    model = linear_model()
    # A learning rate this large makes the loss blow up after the first epoch or two.
    history = fit(model, train, val, nn.MSELoss(), epochs=5, lr=3.0, optimizer=torch.optim.SGD)
    assert history.best_epoch < 4
    loss, _ = evaluate(model, val, nn.MSELoss())
    assert loss == pytest.approx(min(history.val_loss), rel=1e-5)


def test_clipping_bounds_the_gradient_norm_at_every_step():
    data = linear_problem()
    clip = 0.5
    seen = []

    def sgd_that_checks(params, **kwargs):
        optimizer = torch.optim.SGD(params, **kwargs)

        def hook(opt, args, kwargs):
            grads = [p.grad for group in opt.param_groups for p in group["params"]]
            seen.append(torch.linalg.vector_norm(torch.stack([g.norm() for g in grads])).item())

        optimizer.register_step_pre_hook(hook)
        return optimizer

    history = fit(
        linear_model(), data, data, nn.MSELoss(), epochs=2, lr=0.01,
        clip_grad_norm=clip, optimizer=sgd_that_checks,
    )  # fmt: skip
    assert len(seen) == len(history.step_grad_norm) == 6
    assert max(seen) <= clip + 1e-6
    assert max(history.step_grad_norm) > clip  # the logged norm is the one before clipping


def test_same_seed_same_run_other_seed_other_batches():
    data = linear_problem()

    def run(seed):
        model = linear_model()
        history = fit(model, data, data, nn.MSELoss(), epochs=2, lr=0.01, seed=seed)
        return history.train_loss, model[1].weight.detach().clone()

    (loss_a, w_a), (loss_b, w_b), (loss_c, _) = run(1), run(1), run(2)
    assert loss_a == loss_b and torch.equal(w_a, w_b)
    assert loss_a != loss_c


def test_scheduler_factories_step_once_per_epoch():
    data = linear_problem()
    step = lambda opt: torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)  # noqa: E731
    history = fit(linear_model(), data, data, nn.MSELoss(), epochs=3, lr=0.1, scheduler=step)
    assert history.lr == pytest.approx([0.1, 0.05, 0.025])
    # mode="max" on a val loss that falls every epoch: from the second epoch on the loss has
    # not "improved", so the plateau scheduler, stepped with it, divides the rate by 10
    plateau = lambda opt: torch.optim.lr_scheduler.ReduceLROnPlateau(  # noqa: E731
        opt, mode="max", patience=0
    )
    history = fit(linear_model(), data, data, nn.MSELoss(), epochs=4, lr=0.01, scheduler=plateau)
    assert all(b < a for a, b in zip(history.val_loss, history.val_loss[1:], strict=False))
    assert history.lr == pytest.approx([0.01, 0.01, 0.001, 0.0001])


def test_dataloaders_config_objects_and_explicit_device():
    X, y = linear_problem()
    loader = make_loader(X, y, batch_size=48, shuffle=True, seed=0)
    config = TrainConfig(epochs=2, lr=0.05)
    history = fit(linear_model(), loader, (X.numpy(), y.numpy()), nn.MSELoss(), None, config,
                  device="cpu")  # fmt: skip
    assert len(history.step_grad_norm) == 2 * 4
    assert np.isnan(history.val_metric).all()
    assert config.epochs == 2  # overrides never change the caller's config


def test_classification_with_accuracy():
    torch.manual_seed(0)
    X = torch.randn(256, 3, 2)
    y = (X[:, 0, 0] > 0).long()
    model = nn.Sequential(nn.Flatten(), nn.Linear(6, 2))
    history = fit(model, (X, y), (X, y), nn.CrossEntropyLoss(), accuracy, epochs=15, lr=0.05)
    assert history.val_metric[-1] > 0.95
    assert predict(model, X).shape == (256, 2)


@pytest.mark.parametrize(
    ("overrides", "error", "match"),
    [
        ({"epochs": 0}, ValueError, "epochs must be an int >= 1"),
        ({"batch_size": 0}, ValueError, "batch_size must be an int >= 1"),
        ({"patience": 0}, ValueError, "patience"),
        ({"clip_grad_norm": -1.0}, ValueError, "clip_grad_norm"),
        ({"not_a_field": 1}, TypeError, "not_a_field"),
    ],
)
def test_bad_arguments(overrides, error, match):
    data = linear_problem()
    with pytest.raises(error, match=match):
        fit(linear_model(), data, data, nn.MSELoss(), **overrides)


def test_bad_data():
    with pytest.raises(TypeError, match="DataLoader or a pair"):
        fit(linear_model(), torch.zeros(3), linear_problem(), nn.MSELoss())
    with pytest.raises(ValueError, match="one length"):
        make_loader(torch.zeros(3, 2, 1), torch.zeros(4))


def test_progress_bar_runs(capsys, monkeypatch):
    monkeypatch.setenv("LSTMBOOK_NO_PROGRESS", "")  # the suite hides bars; show this one
    data = linear_problem()
    fit(linear_model(), data, data, nn.MSELoss(), epochs=1, progress=True)
    assert "epochs" in capsys.readouterr().err


def test_no_progress_bar_when_hidden(capsys, monkeypatch):
    monkeypatch.setenv("LSTMBOOK_NO_PROGRESS", "1")
    data = linear_problem()
    fit(linear_model(), data, data, nn.MSELoss(), epochs=1, progress=True)
    assert capsys.readouterr().err == ""


def test_describe_lists_every_field_with_its_comment():
    table = describe(TrainConfig(epochs=8, clip_grad_norm=1.0))
    names = [row[0] for row in table.cells]
    assert names == [f.name for f in dataclasses.fields(TrainConfig)]
    values = {row[0]: row[1] for row in table.cells}
    assert values["epochs"] == "8" and values["clip_grad_norm"] == "1.0"
    assert values["optimizer"] == "Adam" and values["patience"] == "None"
    assert all(row[2] for row in table.cells), "every field has a comment"
    assert "| epochs | 8 |" in table._repr_markdown_()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_fit_on_cuda_by_default_when_present():
    data = linear_problem()
    model = linear_model()
    history = fit(model, data, data, nn.MSELoss(), within(0.1), epochs=3, lr=0.05)
    assert next(model.parameters()).device.type == "cuda"
    assert history.val_loss[-1] < history.val_loss[0]
    assert predict(model, data[0]).device.type == "cpu"


def test_every_trainer_takes_the_one_config_and_returns_the_one_history():
    """fit, fit_tbptt and the NumPy train_classifier share TrainConfig and History."""
    from lstmbook.data import window_sign_task
    from lstmbook.models import Tagger
    from lstmbook.numpy_nn import train_classifier
    from lstmbook.tbptt import fit_tbptt

    config = TrainConfig(epochs=2, batch_size=8, lr=0.01, clip_grad_norm=1.0)
    torch.manual_seed(0)
    X, y = torch.randn(16, 4, 1), torch.randn(16)
    model = nn.Sequential(nn.Flatten(), nn.Linear(4, 1), nn.Flatten(0))
    torch_history = fit(model, (X, y), (X, y), nn.MSELoss(), config=config, device="cpu")
    X_t, y_t = window_sign_task(2, T=12, offsets=(-1, -1))
    tbptt_history = fit_tbptt(Tagger(1, 2), (X_t, y_t), (X_t, y_t), chunk=4, config=config)
    labels = (X[:, 0, 0] > 0).long().numpy()
    _, numpy_history = train_classifier(X.numpy(), labels, config, hidden_size=2)
    for history in (torch_history, tbptt_history, numpy_history):
        assert type(history) is History
    assert torch_history.epochs == tbptt_history.epochs == 2
    assert len(torch_history.step_loss) == len(torch_history.step_grad_norm) == 2 * 2
    assert len(tbptt_history.val_metric) == 2 and len(tbptt_history.val_by_position) == 4
    assert len(numpy_history.step_loss) == 2 * (16 // 8)
