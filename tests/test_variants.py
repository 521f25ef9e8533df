"""Chapter 4's experiment runner: the model registry, the forget bias, runs, tables and plots."""

import math
from dataclasses import replace

import matplotlib.pyplot as plt
import pytest
import torch
from matplotlib.figure import Figure
from torch import nn

from lstmbook.cells import CellSequenceModel
from lstmbook.models import SequenceModel, count_parameters
from lstmbook.variants import (
    MODELS,
    Budget,
    Run,
    adding_task,
    first_last_classification,
    format_table,
    plot_comparison,
    run_experiment,
    set_forget_bias,
    summarize,
)

TINY = {"n_train": 24, "n_val": 8, "n_test": 8}
QUICK = Budget(hidden_size=4, epochs=1, batch_size=8)


def test_tasks_have_the_documented_sizes_and_scores():
    adding = adding_task(T=8, **TINY)
    assert (adding.input_size, adding.T, adding.output_size) == (2, 8, 1)
    assert [len(part[0]) for part in (adding.train, adding.val, adding.test)] == [24, 8, 8]
    assert adding.metric(torch.tensor([0.5, 0.9]), torch.tensor([0.52, 0.5])) == 0.5
    first_last = first_last_classification(T=9, window=2, **TINY)
    assert (first_last.input_size, first_last.T, first_last.output_size) == (1, 9, 2)
    assert isinstance(first_last.loss_fn, nn.CrossEntropyLoss)


def test_the_registry_holds_the_nine_models_of_the_issue():
    assert list(MODELS) == [
        "LSTM",
        "BiLSTM",
        "LSTM, 3 layers",
        "BiLSTM, 2 layers",
        "GRU",
        "RNN",
        "peephole LSTM",
        "CIFG",
        "NFG",
    ]
    torch.manual_seed(0)
    built = {name: build(2, 4, 3) for name, build in MODELS.items()}
    assert built["BiLSTM, 2 layers"].rnn.num_layers == 2 and built["BiLSTM, 2 layers"].bidirectional
    assert built["LSTM, 3 layers"].rnn.num_layers == 3
    assert isinstance(built["NFG"], CellSequenceModel)


@pytest.mark.parametrize("name", list(MODELS))
def test_every_model_maps_sequences_to_outputs(name):
    torch.manual_seed(0)
    x = torch.randn(5, 7, 2)
    assert MODELS[name](2, 4, 3)(x).shape == (5, 3)
    assert MODELS[name](2, 4, 1)(x).shape == (5,)


def forget_sums(lstm: nn.LSTM) -> list[torch.Tensor]:
    H = lstm.hidden_size
    return [
        getattr(lstm, f"bias_ih_{suffix}")[H : 2 * H]
        + getattr(lstm, f"bias_hh_{suffix}")[H : 2 * H]
        for suffix in ("l0", "l0_reverse", "l1", "l1_reverse")
    ]


def test_set_forget_bias_sets_the_sum_of_both_biases_in_every_layer_and_direction():
    model = MODELS["BiLSTM, 2 layers"](1, 3, 1)
    assert set_forget_bias(model, 1.0) == 1
    for total in forget_sums(model.rnn):
        torch.testing.assert_close(total, torch.ones(3))
    assert set_forget_bias(model, 0.0) == 1
    for total in forget_sums(model.rnn):
        torch.testing.assert_close(total, torch.zeros(3))


@pytest.mark.parametrize("name", ["peephole LSTM", "CIFG"])
def test_set_forget_bias_sets_the_forget_rows_of_a_cell_and_nothing_else(name):
    torch.manual_seed(0)
    model = MODELS[name](1, 3, 1)
    cell = model.rnn.cell
    before = {k: v.clone() for k, v in cell.state_dict().items()}
    assert set_forget_bias(model, 2.0) == 1
    f = cell.gate_slice("f")
    torch.testing.assert_close(cell.bias_ih[f] + cell.bias_hh[f], torch.full((3,), 2.0))
    for key, value in cell.state_dict().items():
        if key.startswith("bias"):
            value, old = value.clone(), before[key].clone()
            value[f], old[f] = 0.0, 0.0
        else:
            old = before[key]
        assert torch.equal(value, old), key


@pytest.mark.parametrize("name", ["GRU", "RNN", "NFG"])
def test_set_forget_bias_leaves_models_without_a_forget_gate_alone(name):
    torch.manual_seed(0)
    model = MODELS[name](1, 3, 1)
    before = [p.clone() for p in model.parameters()]
    assert set_forget_bias(model, 1.0) == 0
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))


def test_budget_counts_optimizer_steps():
    assert (
        Budget(epochs=4, batch_size=32).steps(adding_task(T=6, n_train=1600, n_val=4, n_test=4))
        == 200
    )
    assert Budget(epochs=1, batch_size=10).steps(adding_task(T=6, **TINY)) == 3


def test_run_experiment_is_repeatable_and_reports_what_it_trained():
    task = adding_task(T=6, **TINY)
    first = run_experiment(task, ["LSTM", "CIFG"], seeds=[0, 1], budget=QUICK)
    again = run_experiment(task, ["LSTM", "CIFG"], seeds=[0, 1], budget=QUICK)
    assert [(r.model, r.seed) for r in first] == [
        ("LSTM", 0),
        ("LSTM", 1),
        ("CIFG", 0),
        ("CIFG", 1),
    ]
    for a, b in zip(first, again, strict=True):
        assert (a.metric, a.loss, a.val_loss) == (b.metric, b.loss, b.val_loss)
        assert a.seconds_per_epoch > 0 and len(a.val_loss) == QUICK.epochs
    assert first[0].loss != first[1].loss  # another seed, another run
    assert first[0].params == count_parameters(MODELS["LSTM"](2, 4, 1))


def test_run_experiment_applies_the_budgets_forget_bias_or_keeps_pytorchs():
    seen = []

    def spy(input_size, hidden_size, output_size):
        model = SequenceModel(input_size, hidden_size, output_size)
        seen.append(model)
        return model

    task = adding_task(T=6, **TINY)
    H = 4
    run_experiment(task, {"spy": spy}, seeds=[0], budget=replace(QUICK, lr=1e-9, forget_bias=3.0))
    total = seen[-1].rnn.bias_ih_l0[H : 2 * H] + seen[-1].rnn.bias_hh_l0[H : 2 * H]
    assert torch.allclose(total, torch.full((H,), 3.0), atol=1e-6)
    run_experiment(task, {"spy": spy}, seeds=[0], budget=replace(QUICK, lr=1e-9, forget_bias=None))
    total = seen[-1].rnn.bias_ih_l0[H : 2 * H] + seen[-1].rnn.bias_hh_l0[H : 2 * H]
    assert total.abs().max() < 2 / math.sqrt(H)  # uniform in [-1/sqrt(H), 1/sqrt(H)], twice


def test_run_experiment_rejects_unknown_models_and_empty_seeds():
    task = adding_task(T=6, **TINY)
    with pytest.raises(ValueError, match=r"unknown model\(s\) \['LSTN'\]"):
        run_experiment(task, ["LSTN"], seeds=[0], budget=QUICK)
    with pytest.raises(ValueError, match="at least one model and one seed"):
        run_experiment(task, ["LSTM"], seeds=[], budget=QUICK)


def fake_runs():
    return [
        Run("t", "A", 0, 0.50, 0.30, 10, 0.5, ()),
        Run("t", "B", 0, 0.90, 0.10, 20, 1.5, ()),
        Run("t", "A", 1, 0.70, 0.10, 10, 0.7, ()),
        Run("t", "B", 1, 0.90, 0.10, 20, 1.5, ()),
    ]


def test_summarize_groups_by_model_in_order_with_the_sample_std():
    a, b = summarize(fake_runs())
    assert (a.model, a.params, a.per_seed) == ("A", 10, (0.5, 0.7))
    assert math.isclose(a.metric_mean, 0.6) and math.isclose(a.metric_std, math.sqrt(0.02))
    assert math.isclose(a.loss_mean, 0.2) and math.isclose(a.seconds_per_epoch, 0.6)
    assert (b.metric_std, b.loss_std) == (0.0, 0.0)
    assert summarize(fake_runs()[:1])[0].metric_std == 0.0


def test_format_table_prints_three_decimals_and_durations_the_sanitizer_catches():
    table = format_table(fake_runs(), "accuracy", "MSE")
    lines = table.splitlines()
    assert lines[0].split()[:3] == ["model", "params", "accuracy"]
    assert "0.600 ± 0.141" in lines[1] and "0.500 0.700" in lines[1] and lines[1].endswith("0.60 s")
    assert "0.900 ± 0.000" in lines[2] and lines[2].endswith("1.50 s")


def test_plot_comparison_draws_one_panel_per_task_with_error_bars():
    runs = fake_runs()
    fig = plot_comparison(
        {"task 1": runs, "task 2": runs[:2]}, {"task 1": "test accuracy"}, {"task 2": 0.75}
    )
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    first = fig.axes[0]
    assert first.get_xlabel() == "test accuracy" and first.get_title() == "task 1"
    assert fig.axes[1].get_xlabel() == "test metric (fraction)"
    assert [t.get_text() for t in first.get_yticklabels()] == ["A", "B"]
    assert first.get_ylim()[0] > first.get_ylim()[1]  # the first model on top
    assert {t.get_text() for t in fig.axes[1].get_yticklabels()} == {""}  # the same models
    assert first.containers and any(c.has_xerr for c in first.containers if hasattr(c, "has_xerr"))
    assert [line.get_xdata()[0] for line in fig.axes[1].lines if line.get_linestyle() == "--"] == [
        0.75
    ]
    assert [t.get_text() for t in fig.legends[0].get_texts()][-1] == "trivial baseline"
    plt.close(fig)
    with pytest.raises(ValueError, match="at least one task"):
        plot_comparison({})
