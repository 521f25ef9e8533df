"""Chapter 4's experiment runner: the model registry, the forget bias, runs, tables and plots."""

import math
from dataclasses import replace

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from torch import nn

from lstmbook.cells import CellLayer
from lstmbook.experiment import (
    MODELS,
    Budget,
    Run,
    adding_task,
    batches,
    first_last_classification,
    learned_counts,
    results_table,
    run_experiment,
    summarize,
)
from lstmbook.models import SequenceModel, count_parameters, init_forget_bias
from lstmbook.plots import legend_below, plot_runs
from lstmbook.probes import carry_gate
from lstmbook.stats import fisher_exact, wilson_interval
from lstmbook.tables import Table

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
    assert isinstance(built["NFG"].rnn, CellLayer)


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


def test_init_forget_bias_sets_the_sum_of_both_biases_in_every_layer_and_direction():
    model = MODELS["BiLSTM, 2 layers"](1, 3, 1)
    assert init_forget_bias(model, 1.0) is model
    for total in forget_sums(model.rnn):
        torch.testing.assert_close(total, torch.ones(3), rtol=1e-6, atol=1e-6)
    assert init_forget_bias(model, 0.0) is model
    for total in forget_sums(model.rnn):
        torch.testing.assert_close(total, torch.zeros(3), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", ["peephole LSTM", "CIFG"])
def test_init_forget_bias_sets_the_forget_rows_of_a_cell_and_nothing_else(name):
    torch.manual_seed(0)
    model = MODELS[name](1, 3, 1)
    cell = model.rnn.cell
    before = {k: v.clone() for k, v in cell.state_dict().items()}
    assert init_forget_bias(model, 2.0) is model
    f = cell.gate_slice("f")
    torch.testing.assert_close(
        cell.bias_ih[f] + cell.bias_hh[f], torch.full((3,), 2.0), rtol=1e-6, atol=1e-6
    )
    for key, value in cell.state_dict().items():
        if key.startswith("bias"):
            value, old = value.clone(), before[key].clone()
            value[f], old[f] = 0.0, 0.0
        else:
            old = before[key]
        assert torch.equal(value, old), key


@pytest.mark.parametrize("name", ["GRU", "RNN", "NFG"])
def test_init_forget_bias_leaves_models_without_a_forget_gate_alone(name):
    torch.manual_seed(0)
    model = MODELS[name](1, 3, 1)
    before = [p.clone() for p in model.parameters()]
    assert init_forget_bias(model, 1.0) is model
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
        assert len(a.val_loss) == QUICK.epochs
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
    with pytest.raises(ValueError, match=r"models must be names in .*, got unknown \['LSTN'\]"):
        run_experiment(task, ["LSTN"], seeds=[0], budget=QUICK)
    with pytest.raises(ValueError, match="seeds must hold at least one int"):
        run_experiment(task, ["LSTM"], seeds=[], budget=QUICK)


def fake_runs():
    return [
        Run("t", "A", 0, 0.50, 0.30, 10, ()),
        Run("t", "B", 0, 0.90, 0.10, 20, ()),
        Run("t", "A", 1, 0.70, 0.10, 10, ()),
        Run("t", "B", 1, 0.90, 0.10, 20, ()),
        Run("t", "A", 2, 0.80, 0.20, 10, ()),
        Run("t", "B", 2, 0.95, 0.01, 20, ()),
    ]


def above(threshold):
    return lambda run: run.metric >= threshold


def test_summarize_counts_the_runs_that_learned_with_a_wilson_interval_and_medians():
    a, b = summarize(fake_runs(), above(0.75))
    assert (a.model, a.params, a.per_seed) == ("A", 10, (0.5, 0.7, 0.8))
    assert (a.learned, a.runs, b.learned, b.runs) == (1, 3, 3, 3)
    assert a.interval == wilson_interval(1, 3) and b.interval == wilson_interval(3, 3)
    assert (a.median_metric, a.median_loss) == (0.7, 0.2)
    assert (b.median_metric, b.median_loss) == (0.9, 0.1)
    assert learned_counts(fake_runs(), above(0.75)) == {"A": (1, 3), "B": (3, 3)}
    # the threshold decides: nothing learns above 1, everything above 0
    assert learned_counts(fake_runs(), above(1.01)) == {"A": (0, 3), "B": (0, 3)}
    assert learned_counts(fake_runs(), above(0.0)) == {"A": (3, 3), "B": (3, 3)}


def test_results_table_reports_k_of_n_interval_median_and_fisher_against_the_reference():
    table = results_table(fake_runs(), above(0.75), median="loss", name="MSE", reference="A")
    assert isinstance(table, Table)
    assert table.headers == ["model", "params", "learned", "interval", "median MSE", "p vs A"]
    a, b = table.cells
    assert a[:4] == ["A", "10", "1 of 3", _interval(1, 3)] and a[5] == "—"
    assert b[:4] == ["B", "20", "3 of 3", _interval(3, 3)]
    assert b[4] == "0.10" and float(b[5]) == pytest.approx(fisher_exact(1, 3, 3, 3), abs=0.005)
    metric = results_table(fake_runs(), above(0.75), name="accuracy")
    assert metric.headers[-1] == "median accuracy" and metric.cells[0][4] == "0.70"
    assert all(len(line) <= 79 for line in repr(table).splitlines())
    with pytest.raises(ValueError, match="reference 'C'"):
        results_table(fake_runs(), above(0.75), reference="C")
    with pytest.raises(ValueError, match="median must be"):
        results_table(fake_runs(), above(0.75), median="mean")


def test_losses_print_with_two_significant_figures():
    runs = [Run("t", "A", 0, 0.5, 0.000314159, 10, ())]
    assert results_table(runs, above(0.0), median="loss").cells[0][4] == "0.00031"


def _interval(k, n):
    low, high = wilson_interval(k, n)
    return f"{low:.2f} to {high:.2f}"


def test_plot_runs_draws_every_run_filled_if_it_learned():
    fig, ax = plt.subplots()
    runs = fake_runs()
    plot_runs(ax, runs, above(0.75), lambda r: r.metric, "accuracy", threshold=0.75, baseline=0.6)
    dots = [line for line in ax.lines if line.get_marker() == "o"]
    assert len(dots) == len(runs)
    filled = [line.get_markerfacecolor() != "white" for line in dots]
    assert sum(filled) == 4  # A at 0.8, B three times
    assert ax.get_xlabel() == "accuracy"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["A", "B"]
    assert ax.get_ylim()[0] > ax.get_ylim()[1]  # the first model on top
    styles = {line.get_linestyle(): line.get_xdata()[0] for line in ax.lines}
    assert styles["--"] == 0.75 and styles[":"] == 0.6
    legend_below(fig, [ax])
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert sorted(labels) == sorted(["did not learn", "learned", "median", "threshold", "baseline"])
    plt.close(fig)


def test_batches_are_make_loaders_batches_in_order_and_a_seeded_shuffle():
    X, y = np.arange(20, dtype=np.float32).reshape(10, 1, 2), np.arange(10)
    plain = [b.tolist() for _, b in batches((X, y), 4)]
    assert plain == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    once = [b.tolist() for _, b in batches((X, y), 4, shuffle=True, seed=3)]
    again = [b.tolist() for _, b in batches((X, y), 4, shuffle=True, seed=3)]
    assert once == again and sorted(sum(once, [])) == list(range(10)) and once != plain
    for x, b in batches((X, y), 3, shuffle=True, seed=0):
        assert torch.equal(x, torch.as_tensor(X)[b])


def test_carry_gate_is_the_forget_gate_of_an_lstm_and_the_update_gate_of_a_gru():
    torch.manual_seed(0)
    x = torch.randn(3, 4, 2)
    lstm = nn.LSTM(2, 5, batch_first=True)
    cell = nn.LSTMCell(2, 5)
    cell.load_state_dict({k[:-3]: v for k, v in lstm.state_dict().items()})
    h = c = torch.zeros(3, 5)
    expected = []
    with torch.no_grad():
        for t in range(4):
            z = x[:, t] @ cell.weight_ih.T + cell.bias_ih + h @ cell.weight_hh.T + cell.bias_hh
            expected.append(torch.sigmoid(z[:, 5:10]))
            h, c = cell(x[:, t], (h, c))
    torch.testing.assert_close(
        carry_gate(lstm, x), torch.stack(expected, dim=1), rtol=1e-6, atol=1e-6
    )
    init_forget_bias(lstm, 30.0)
    assert carry_gate(lstm, x).min() > 0.99
    gru = nn.GRU(2, 5, batch_first=True)
    with torch.no_grad():
        gru.bias_ih_l0[5:10] = 30.0  # z = 1: the GRU keeps its state
    assert carry_gate(gru, x).min() > 0.99
    with pytest.raises(ValueError, match="one batch-first layer"):
        carry_gate(nn.GRU(2, 5, num_layers=2, batch_first=True), x)


def test_two_workers_give_the_same_runs_in_the_same_order():
    task = adding_task(T=6, **TINY)
    one = run_experiment(task, ["LSTM", "NFG"], seeds=[0, 1], budget=QUICK)
    two = run_experiment(task, ["LSTM", "NFG"], seeds=[0, 1], budget=QUICK, workers=2)
    assert one == two
