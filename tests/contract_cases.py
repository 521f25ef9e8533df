"""Bad inputs for every public function and class of ``lstmbook``: one dict per module.

``CASES[module][name]`` is a list of ``(argument, what is wrong, call)``: ``call()`` must raise
``ValueError`` or ``TypeError`` whose message names ``argument``. ``EXEMPT[module]`` gives the
names that have no bad-input table, each with its reason; a whole module may be exempt with
``EXEMPT[module] = "reason"``. ``tests/test_contract.py`` checks both against the package's
public names, so a new public name fails until it has an entry; ``tests/contract_survey.py``
tries every case and counts the outcomes.

To add a module: ``CASES["mymodule"] = {"my_function": [("x", "NaN", lambda: ...)], ...}``.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

NAN = float("nan")


def _x(*shape, value=0.0):
    return torch.full(shape, value)


def _nan_X():
    X = np.zeros((8, 5, 1), np.float32)
    X[0, 0, 0] = np.nan
    return X


def _steps(probes, seq, X, y):
    model = seq()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    return probes.step_lengths(model, (X, y), nn.MSELoss(), optimizer, 2, clip_grad_norm=-1.0)


def build_cases() -> dict[str, dict[str, list]]:
    # imported when the cases are built, not when the tests are collected
    from lstmbook import (
        cells,
        classify,
        config,
        data,
        experiment,
        four_matrix,
        gates,
        gradcheck,
        models,
        numpy_fast,
        numpy_lstm,
        numpy_nn,
        probes,
        reviews,
        seeds,
        stats,
        tbptt,
        text,
        text_models,
        train,
    )

    seq = lambda out=1: models.SequenceModel(1, 4, out)  # noqa: E731
    X1, y1 = np.zeros((8, 5, 1), np.float32), np.zeros(8, np.float32)
    cases = {
        "gates": {
            "sigmoid": [("z", "NaN", lambda: gates.sigmoid(NAN))],
            "gate": [("weight", "NaN", lambda: gates.gate(NAN, 0.0, 1.0))],
            "half_life": [("forget", "above 1", lambda: gates.half_life(1.5))],
            "memory_trace": [
                ("steps", "zero steps", lambda: gates.memory_trace(0.9, 0.1, steps=0))
            ],
            "OneUnitCell": [("w_x", "NaN", lambda: gates.OneUnitCell(w_x=(NAN, 0.0, 0.0, 0.0)))],
            "cell_step": [("x", "NaN", lambda: gates.cell_step(NAN, 0.0, 0.0))],
        },
        "numpy_lstm": {
            "LSTM": [
                ("hidden_size", "zero", lambda: numpy_lstm.LSTM(2, 0)),
                ("input_size", "a float", lambda: numpy_lstm.LSTM(2.0, 3)),
                ("dtype", "int", lambda: numpy_lstm.LSTM(2, 3, dtype=np.int64)),
            ],
        },
        "four_matrix": {
            "FourMatrixCell": [("hidden_size", "zero", lambda: four_matrix.FourMatrixCell(2, 0))],
        },
        "numpy_fast": {
            "FastLSTM": [
                ("threads", "zero", lambda: numpy_fast.FastLSTM(2, 3, threads=0)),
                ("hidden_size", "zero", lambda: numpy_fast.FastLSTM(2, 0)),
                (
                    "X",
                    "wrong feature size",
                    lambda: numpy_fast.FastLSTM(2, 3).forward(np.zeros((1, 4, 3))),
                ),
                (
                    "X",
                    "NaN",
                    lambda: numpy_fast.FastLSTM(2, 3).forward(np.full((1, 4, 2), np.nan)),
                ),
            ],
        },
        "numpy_nn": {
            "Linear": [("in_features", "zero", lambda: numpy_nn.Linear(0, 2))],
            "cross_entropy": [
                (
                    "y",
                    "a label out of range",
                    lambda: numpy_nn.cross_entropy(np.zeros((2, 3)), np.array([0, 3])),
                ),
                (
                    "logits",
                    "NaN",
                    lambda: numpy_nn.cross_entropy(np.full((2, 3), NAN), np.array([0, 1])),
                ),
            ],
            "clip_grad_norm": [
                ("max_norm", "negative", lambda: numpy_nn.clip_grad_norm({"w": np.ones(2)}, -1.0)),
            ],
            "Adam": [
                ("betas", "(1, 1)", lambda: numpy_nn.Adam({"w": np.ones(2)}, betas=(1.0, 1.0))),
                ("eps", "zero", lambda: numpy_nn.Adam({"w": np.ones(2)}, eps=0.0)),
                ("lr", "negative", lambda: numpy_nn.Adam({"w": np.ones(2)}, lr=-1.0)),
            ],
            "SequenceClassifier": [
                ("classes", "one class", lambda: numpy_nn.SequenceClassifier(2, 4, 1)),
            ],
            "train_classifier": [
                ("y", "one label too few", lambda: numpy_nn.train_classifier(X1, y1[:-1])),
                ("steps", "zero", lambda: numpy_nn.train_classifier(X1, y1.astype(int), steps=0)),
            ],
        },
        "gradcheck": {
            "gradient_check": [
                (
                    "eps",
                    "zero",
                    lambda: gradcheck.gradient_check(
                        lambda x: 0.0, np.ones(2), np.ones(2), eps=0.0
                    ),
                )
            ],
            "compare_with_torch": [
                (
                    "X",
                    "wrong feature size",
                    lambda: gradcheck.compare_with_torch(
                        numpy_lstm.LSTM(2, 3), np.zeros((1, 4, 3))
                    ),
                )
            ],
        },
        "data": {
            "sine_task": [("n", "zero", lambda: data.sine_task(0))],
            "adding_problem": [("T", "too short", lambda: data.adding_problem(4, 3))],
            "adding_accuracy": [
                ("y", "shape (n, 1)", lambda: data.adding_accuracy(np.zeros(4), np.zeros((4, 1)))),
            ],
            "first_last_task": [("window", "zero", lambda: data.first_last_task(4, window=0))],
            "split": [("X", "mismatched lengths", lambda: data.split(np.zeros(3), np.zeros(4)))],
            "last_k_accuracy": [("k", "zero", lambda: data.last_k_accuracy(X1, y1, X1, y1, 0))],
            "window_sign_task": [("n", "zero", lambda: data.window_sign_task(0, T=5))],
        },
        "cells": {
            **{
                cls.__name__: [
                    ("hidden_size", "zero", lambda cls=cls: cls(2, 0)),
                    ("input_size", "a float", lambda cls=cls: cls(2.0, 3)),
                ]
                for cls in cells.CELLS.values()
            },
            "GatedCell": [
                ("hidden_size", "zero", lambda: cells.LSTMCell(2, 0)),
                ("gate", "two gates", lambda: cells.LSTMCell(2, 3).gate_slice("fg")),
            ],
            "run_cell": [
                ("x", "rank 2", lambda: cells.run_cell(cells.LSTMCell(1, 2), _x(3, 1))),
                ("x", "NaN", lambda: cells.run_cell(cells.LSTMCell(1, 2), _x(3, 4, 1, value=NAN))),
                (
                    "x",
                    "float64 into a float32 cell",
                    lambda: cells.run_cell(cells.LSTMCell(1, 2), _x(3, 4, 1).double()),
                ),
            ],
            "CellLayer": [("cell", "an nn.LSTMCell", lambda: cells.CellLayer(nn.LSTMCell(1, 2)))],
        },
        "models": {
            "final_state": [("h_n", "rank 2", lambda: models.final_state(_x(3, 4), False))],
            "init_forget_bias": [
                ("value", "NaN", lambda: models.init_forget_bias(nn.LSTM(1, 2), NAN)),
                ("model", "a string", lambda: models.init_forget_bias("lstm", 1.0)),
            ],
            "chrono_init": [("T_max", "too small", lambda: models.chrono_init(nn.LSTM(1, 2), 2))],
            "SequenceModel": [
                ("hidden_size", "zero", lambda: models.SequenceModel(1, 0, 1)),
                (
                    "bidirectional",
                    "the string 'no'",
                    lambda: models.SequenceModel(1, 2, 1, bidirectional="no"),
                ),
                ("forget_bias", "NaN", lambda: models.SequenceModel(1, 2, 1, forget_bias=NAN)),
                ("readout", "unknown", lambda: models.SequenceModel(1, 2, 1, readout="mean")),
                ("cell", "unknown", lambda: models.SequenceModel(1, 2, 1, cell="transformer")),
                (
                    "hidden_dropout",
                    "above 1",
                    lambda: models.cell_model("lstm", 1, 2, 1, hidden_dropout=1.5),
                ),
                (
                    "hidden_dropout",
                    "with nn.LSTM",
                    lambda: models.SequenceModel(1, 2, 1, hidden_dropout=0.25),
                ),
                ("same_mask", "a string", lambda: models.cell_model("lstm", 1, 2, 1, same_mask=1)),
                (
                    "num_layers",
                    "more than the cells",
                    lambda: models.SequenceModel(1, 2, 1, cell=cells.LSTMCell(1, 2), num_layers=2),
                ),
                ("cell", "a list of strings", lambda: models.SequenceModel(1, 2, 1, cell=["lstm"])),
                ("x", "rank 2", lambda: seq()(_x(3, 1))),
            ],
            "cell_model": [
                ("name", "unknown", lambda: models.cell_model("gru", 1, 2, 1)),
                ("num_layers", "zero", lambda: models.cell_model("lstm", 1, 2, 1, num_layers=0)),
            ],
            "Tagger": [("hidden_size", "zero", lambda: models.Tagger(1, 0))],
            "count_parameters": [("model", "a string", lambda: models.count_parameters("lstm"))],
            "LearnedInitialState": [
                ("lstm", "a GRU", lambda: models.LearnedInitialState(nn.GRU(1, 2)))
            ],
            "with_learned_initial_state": [
                (
                    "model",
                    "a GRU model",
                    lambda: models.with_learned_initial_state(
                        models.SequenceModel(1, 2, 1, cell="gru")
                    ),
                )
            ],
        },
        "config": {
            "TrainConfig": [
                ("epochs", "zero", lambda: config.TrainConfig(epochs=0)),
                ("batch_size", "zero", lambda: config.TrainConfig(batch_size=0)),
                ("clip_grad_norm", "negative", lambda: config.TrainConfig(clip_grad_norm=-1.0)),
                ("lr", "NaN", lambda: config.TrainConfig(lr=NAN)),
            ],
            "as_config": [("config", "a dict", lambda: config.as_config({"epochs": 3}))],
        },
        "train": {
            "make_loader": [
                ("batch_size", "zero", lambda: train.make_loader(X1, y1, batch_size=0))
            ],
            "accuracy": [
                (
                    "y",
                    "shape (n, 1)",
                    lambda: train.accuracy(_x(4, 2), torch.zeros(4, 1, dtype=torch.long)),
                )
            ],
            "within": [("tol", "negative", lambda: train.within(-1.0))],
            "predict": [
                ("batch_size", "negative", lambda: train.predict(seq(), X1, batch_size=-1))
            ],
            "evaluate": [
                ("data", "float64 NaN", lambda: train.evaluate(seq(), (_nan_X(), y1), nn.MSELoss()))
            ],
            "fit": [
                (
                    "train",
                    "NaN in X",
                    lambda: train.fit(seq(), (_nan_X(), y1), (X1, y1), nn.MSELoss(), epochs=1),
                ),
                (
                    "val",
                    "wrong feature size",
                    lambda: train.fit(
                        seq(),
                        (X1, y1),
                        (np.zeros((8, 5, 2), np.float32), y1),
                        nn.MSELoss(),
                        epochs=1,
                    ),
                ),
                (
                    "epochs",
                    "zero",
                    lambda: train.fit(seq(), (X1, y1), (X1, y1), nn.MSELoss(), epochs=0),
                ),
            ],
            "per_step_cross_entropy": [
                (
                    "y",
                    "wrong shape",
                    lambda: train.per_step_cross_entropy(
                        _x(2, 3, 2), torch.zeros(2, 4, dtype=torch.long)
                    ),
                )
            ],
            "per_step_accuracy": [
                (
                    "y",
                    "wrong shape",
                    lambda: train.per_step_accuracy(
                        _x(2, 3, 2), torch.zeros(2, 4, dtype=torch.long)
                    ),
                )
            ],
            "describe": [("config", "a dict", lambda: train.describe({"epochs": 1}))],
        },
        "seeds": {
            "fit_seeds": [
                (
                    "seeds",
                    "empty",
                    lambda: seeds.fit_seeds(seq, [], (X1, y1), (X1, y1), nn.MSELoss()),
                )
            ],
            "fit_seeds_test": [
                (
                    "seeds",
                    "empty",
                    lambda: seeds.fit_seeds_test(
                        seq, [], (X1, y1), (X1, y1), (X1, y1), nn.MSELoss(), None
                    ),
                )
            ],
            "spread": [("values", "empty", lambda: seeds.spread([]))],
            "first_epoch_below": [
                ("threshold", "NaN", lambda: seeds.first_epoch_below([1.0], NAN))
            ],
        },
        "tbptt": {
            "batchify": [("n_streams", "zero", lambda: tbptt.batchify(torch.arange(10), 0))],
            "detach_state": [("state", "a string", lambda: tbptt.detach_state("state"))],
            "evaluate_chunks": [
                (
                    "chunk",
                    "zero",
                    lambda: tbptt.evaluate_chunks(
                        models.Tagger(1, 2),
                        _x(2, 6, 1),
                        torch.zeros(2, 6, dtype=torch.long),
                        0,
                        True,
                    ),
                )
            ],
            "tbptt_epoch": [
                (
                    "chunk",
                    "zero",
                    lambda: tbptt.tbptt_epoch(
                        (tagger := models.Tagger(1, 2)),
                        torch.optim.SGD(tagger.parameters(), lr=0.1),
                        _x(2, 6, 1),
                        torch.zeros(2, 6, dtype=torch.long),
                        0,
                        True,
                    ),
                )
            ],
            "fit_tbptt": [
                (
                    "epochs",
                    "zero",
                    lambda: tbptt.fit_tbptt(
                        models.Tagger(1, 2),
                        (_x(2, 6, 1), torch.zeros(2, 6, dtype=torch.long)),
                        (np.zeros((2, 6, 1), np.float32), np.zeros((2, 6), np.int64)),
                        chunk=3,
                        epochs=0,
                    ),
                )
            ],
        },
        "experiment": {
            "adding_task": [
                (
                    "T",
                    "too short",
                    lambda: experiment.adding_task(T=2, n_train=8, n_val=4, n_test=4),
                )
            ],
            "first_last_classification": [
                (
                    "window",
                    "zero",
                    lambda: experiment.first_last_classification(
                        T=12, window=0, n_train=8, n_val=4, n_test=4
                    ),
                )
            ],
            "Budget": [
                ("epochs", "zero", lambda: experiment.Budget(epochs=0)),
                ("forget_bias", "NaN", lambda: experiment.Budget(forget_bias=NAN)),
            ],
            "batches": [("batch_size", "zero", lambda: experiment.batches((X1, y1), 0))],
            "run_experiment": [
                (
                    "models",
                    "unknown name",
                    lambda: experiment.run_experiment(
                        experiment.adding_task(T=6, n_train=8, n_val=4, n_test=4), ["LSTM2"], [0]
                    ),
                )
            ],
            "summarize": [
                (
                    "learned",
                    "not a function",
                    lambda: experiment.summarize(
                        [experiment.Run("t", "A", 0, 0.5, 0.1, 10, ())], None
                    ),
                )
            ],
            "learned_counts": [
                (
                    "learned",
                    "not a function",
                    lambda: experiment.learned_counts(
                        [experiment.Run("t", "A", 0, 0.5, 0.1, 10, ())], None
                    ),
                )
            ],
            "results_table": [
                (
                    "median",
                    "unknown",
                    lambda: experiment.results_table([], lambda r: True, median="mean"),
                )
            ],
        },
        "probes": {
            "outputs_differ_between_calls": [
                (
                    "x",
                    "NaN",
                    lambda: probes.outputs_differ_between_calls(
                        nn.Dropout(0.5), torch.full((3,), NAN)
                    ),
                ),
                (
                    "module",
                    "a function",
                    lambda: probes.outputs_differ_between_calls(torch.relu, torch.ones(3)),
                ),
            ],
            "online_outputs": [
                ("x", "rank 2", lambda: probes.online_outputs(models.Tagger(1, 2), _x(2, 3)))
            ],
            "first_step_gradient": [
                ("x", "rank 2", lambda: probes.first_step_gradient(seq(), _x(2, 3)))
            ],
            "initial_state_influence": [
                (
                    "rnn",
                    "an LSTM",
                    lambda: probes.initial_state_influence(nn.LSTM(1, 2), _x(2, 3, 1)),
                )
            ],
            "step_lengths": [("clip_grad_norm", "negative", lambda: _steps(probes, seq, X1, y1))],
            "random_recurrent_cell": [
                ("kind", "unknown", lambda: probes.random_recurrent_cell("transformer", 4, 1.0))
            ],
            "hidden_gradient_norms": [
                (
                    "x",
                    "rank 2",
                    lambda: probes.hidden_gradient_norms(
                        probes.random_recurrent_cell("lstm", 4, 1.0), _x(2, 3)
                    ),
                )
            ],
            "carry_gate": [
                (
                    "rnn",
                    "bidirectional",
                    lambda: probes.carry_gate(
                        nn.LSTM(1, 2, batch_first=True, bidirectional=True), _x(2, 3, 1)
                    ),
                )
            ],
            "gate_trace": [
                (
                    "ids",
                    "rank 2",
                    lambda: probes.gate_trace(
                        text_models.LSTMTextClassifier(10, 2, 4, 3),
                        torch.zeros(2, 3, dtype=torch.long),
                    ),
                )
            ],
            "forward_vote": [
                (
                    "model",
                    "three classes",
                    lambda: probes.forward_vote(
                        text_models.LSTMTextClassifier(10, 3, 4, 3), [[2, 3]]
                    ),
                )
            ],
            "input_sensitivity": [
                (
                    "X",
                    "two dimensions",
                    lambda: probes.input_sensitivity(nn.GRU(1, 4, batch_first=True), _x(5, 1)),
                ),
                (
                    "X",
                    "the wrong feature size",
                    lambda: probes.input_sensitivity(nn.GRU(1, 4, batch_first=True), _x(2, 5, 3)),
                ),
            ],
            "per_step_retention": [
                ("sensitivity", "empty", lambda: probes.per_step_retention(torch.zeros(0))),
                (
                    "sensitivity",
                    "NaN",
                    lambda: probes.per_step_retention(torch.full((5,), NAN)),
                ),
            ],
        },
        "reviews": {
            "normalize_quotes": [("text", "None", lambda: reviews.normalize_quotes(None))],
            "normalize": [("text", "None", lambda: reviews.normalize(None))],
            "read_reviews": [("path", "a number", lambda: reviews.read_reviews(3))],
            "split_texts": [
                (
                    "fractions",
                    "not summing to 1",
                    lambda: reviews.split_texts(["a", "b"], ["x", "y"], (0.5, 0.5, 0.5)),
                )
            ],
            "load_rotten_tomatoes": [
                ("seed", "a string", lambda: reviews.load_rotten_tomatoes(seed="0"))
            ],
        },
        "text": {
            "tokenize": [("text", "None", lambda: text.tokenize(None))],
            "Vocabulary": [("tokens", "one string", lambda: text.Vocabulary("abc"))],
            "pad_batch": [("id_lists", "one string", lambda: text.pad_batch("abc"))],
            "encode": [
                (
                    "texts",
                    "one string",
                    lambda: text.encode("a review", text.Vocabulary.build([["a"]], min_freq=1)),
                ),
                (
                    "max_len",
                    "negative",
                    lambda: text.encode(
                        ["a b"], text.Vocabulary.build([["a"]], min_freq=1), max_len=-1
                    ),
                ),
            ],
            "LengthBatches": [("batch_size", "zero", lambda: text.LengthBatches([3, 2], 0))],
            "text_loader": [
                (
                    "batch_size",
                    "zero",
                    lambda: text.text_loader(
                        torch.zeros(2, 3, dtype=torch.long), torch.zeros(2, dtype=torch.long), 0
                    ),
                )
            ],
            "distinctive_words": [
                ("token_lists", "one string", lambda: text.distinctive_words("a b", ["x"]))
            ],
            "confusion_matrix": [
                (
                    "predicted",
                    "mismatched length",
                    lambda: text.confusion_matrix(["a", "b"], ["a"], ["a", "b"]),
                )
            ],
            "last_real_output": [
                (
                    "lengths",
                    "zero length",
                    lambda: text.last_real_output(_x(2, 3, 4), torch.tensor([3, 0])),
                )
            ],
            "review_tensors": [
                ("max_len", "negative", lambda: text.review_tensors(n_train=10, max_len=-1))
            ],
        },
        "text_models": {
            "LSTMTextClassifier": [
                (
                    "bidirectional",
                    "the string 'no'",
                    lambda: text_models.LSTMTextClassifier(10, 2, bidirectional="no"),
                ),
                (
                    "hidden_size",
                    "zero",
                    lambda: text_models.LSTMTextClassifier(10, 2, hidden_size=0),
                ),
            ],
            "BagOfWords": [("vocab_size", "zero", lambda: text_models.BagOfWords(0, 2))],
        },
        "classify": {
            "TextConfig": [
                ("batch_size", "zero", lambda: classify.TextConfig(batch_size=0)),
                ("max_len", "negative", lambda: classify.TextConfig(max_len=-1)),
            ],
            "fit_text_classifier": [
                ("train_texts", "one string", lambda: classify.fit_text_classifier("a b", ["x"])),
                (
                    "epochs",
                    "zero",
                    lambda: classify.fit_text_classifier(["a", "b"], ["x", "y"], epochs=0),
                ),
            ],
            "load_text_classifier": [
                ("path", "a number", lambda: classify.load_text_classifier(3))
            ],
            "fit_bag_of_words": [
                ("train_texts", "one string", lambda: classify.fit_bag_of_words("a b", ["x"]))
            ],
            "TextClassifier": [
                (
                    "model",
                    "a string",
                    lambda: classify.TextClassifier(
                        "model",
                        text.Vocabulary.build([["a"]], min_freq=1),
                        ["x", "y"],
                        classify.TextConfig(),
                    ),
                )
            ],
        },
        "stats": {
            "wilson_interval": [("k", "above n", lambda: stats.wilson_interval(5, 3))],
            "fisher_exact": [("k1", "negative", lambda: stats.fisher_exact(-1, 3, 1, 3))],
            "mcnemar": [("only_a", "negative", lambda: stats.mcnemar(-1, 3))],
            "interval_text": [("k", "above n", lambda: stats.interval_text(5, 3))],
            "learned_summary": [("k", "above n", lambda: stats.learned_summary(5, 3))],
        },
        **build_new_cases(),
    }
    return _merge(cases, _more_cases())


def _params(input_size=1, hidden_size=2):
    """Zero weights for ``readable_lstm``'s step functions."""
    four = 4 * hidden_size
    return {
        "W_ih": np.zeros((four, input_size)),
        "W_hh": np.zeros((four, hidden_size)),
        "b_ih": np.zeros(four),
        "b_hh": np.zeros(four),
    }


def _budget():
    from lstmbook.experiment import Budget

    return Budget(hidden_size=1, epochs=1, batch_size=4, lr=1e-2, forget_bias=None)


def _cell():
    from lstmbook.cells import CELLS

    return CELLS["lstm"](1, 4)


def build_new_cases() -> dict[str, dict[str, list]]:
    # imported when the cases are built, not when the tests are collected
    from lstmbook import (
        char_model,
        char_net,
        charlm,
        compare_modern,
        forecast,
        layouts,
        modern,
        ngram,
        readable_lstm,
        recurrent_dropout,
        rnn,
        scan,
        series,
        shakespeare,
        units,
        unrolled,
        xlstm,
    )

    z = np.zeros
    p2 = _params()
    _core = lambda name, h: compare_modern.core(name, 1, h, 8)  # noqa: E731
    return {
        "char_model": {
            "CharLM": [
                ("vocab", "empty", lambda: char_model.CharLM("", char_net.CharNet(2, 4), {}))
            ],
            "load_char_lm": [("path", "not a path", lambda: char_model.load_char_lm(5))],
        },
        "char_net": {
            "CharNet": [
                ("hidden_size", "zero", lambda: char_net.CharNet(3, 0)),
                ("vocab_size", "zero", lambda: char_net.CharNet(0, 4)),
                ("cell", "unknown", lambda: char_net.CharNet(3, 4, cell="transformer")),
                ("num_layers", "zero", lambda: char_net.CharNet(3, 4, num_layers=0)),
            ],
            "chunk_loss": [
                (
                    "ids",
                    "one dimension",
                    lambda: char_net.chunk_loss(
                        char_net.CharNet(3, 4), torch.zeros(5, dtype=torch.long)
                    ),
                ),
                (
                    "ids",
                    "an id out of range",
                    lambda: char_net.chunk_loss(
                        char_net.CharNet(3, 4), torch.full((1, 5), 7, dtype=torch.long)
                    ),
                ),
            ],
            "matched_hidden_size": [
                ("cell", "unknown", lambda: char_net.matched_hidden_size("foo", 1000, 10)),
                ("n_parameters", "zero", lambda: char_net.matched_hidden_size("lstm", 0, 10)),
            ],
        },
        "charlm": {
            "fit_char_lm": [
                ("steps", "zero", lambda: charlm.fit_char_lm("abcabcabc" * 20, steps=0)),
                ("text", "empty", lambda: charlm.fit_char_lm("")),
                ("seed", "a float", lambda: charlm.fit_char_lm("abcabcabc" * 20, seed=0.5)),
            ],
            "heading_feature": [("text", "not a string", lambda: charlm.heading_feature(5))],
        },
        "ngram": {
            "KneserNey": [
                ("order", "zero", lambda: ngram.KneserNey("abcabc", order=0)),
                ("text", "empty", lambda: ngram.KneserNey("")),
            ],
            "Unigram": [
                ("text", "empty", lambda: ngram.Unigram("")),
                ("text", "a list", lambda: ngram.Unigram(["a", "b"])),
            ],
            "encode": [("text", "a character not in vocab", lambda: ngram.encode("abz", "ab"))],
        },
        "units": {
            "best_units": [("correlations", "empty", lambda: units.best_units({}))],
            "least_tracking_unit": [
                ("correlations", "empty", lambda: units.least_tracking_unit({}))
            ],
            "coloured_html": [
                ("values", "fewer than the text", lambda: units.coloured_html("abc", [0.1])),
                ("values", "NaN", lambda: units.coloured_html("ab", [0.1, NAN])),
            ],
            "text_features": [("text", "empty", lambda: units.text_features(""))],
            "unit_correlations": [
                (
                    "features",
                    "a length other than the states'",
                    lambda: units.unit_correlations(z((5, 3)), {"a": z(4)}),
                ),
                (
                    "states",
                    "NaN",
                    lambda: units.unit_correlations(np.full((5, 3), NAN), {"a": z(5)}),
                ),
            ],
        },
        "compare_modern": {
            "CausalTransformer": [
                ("d_model", "zero", lambda: compare_modern.CausalTransformer(1, 0, 8))
            ],
            "CharModel": [
                ("name", "unknown", lambda: compare_modern.CharModel("foo", 10, 4, 8, 16)),
                ("vocab", "zero", lambda: compare_modern.CharModel("LSTM", 0, 4, 8, 16)),
            ],
            "Regressor": [
                ("name", "unknown", lambda: compare_modern.Regressor("foo", 2, 8, 16)),
                ("hidden_size", "zero", lambda: compare_modern.Regressor("LSTM", 2, 0, 16)),
            ],
            "core": [("name", "unknown", lambda: compare_modern.core("foo", 1, 4, 8))],
            "adding": [
                ("T", "zero", lambda: compare_modern.adding(0, [0], _budget(), 100)),
                ("seeds", "an int", lambda: compare_modern.adding(10, 0, _budget(), 100)),
            ],
            "shakespeare": [
                ("steps", "zero", lambda: compare_modern.shakespeare([0], 0, 16, _budget(), 100)),
            ],
            "bits_loss": [
                (
                    "y",
                    "a shape other than the logits'",
                    lambda: compare_modern.bits_loss(
                        torch.zeros(2, 3, 5), torch.zeros(2, 4, dtype=torch.long)
                    ),
                )
            ],
            "encode": [
                ("text", "a character not in chars", lambda: compare_modern.encode("az", "a"))
            ],
            "load_log": [("path", "not a path", lambda: compare_modern.load_log(5))],
            "matched_sizes": [("target", "zero", lambda: compare_modern.matched_sizes(_core, 0))],
            "results_table": [
                (
                    "task",
                    "unknown",
                    lambda: compare_modern.results_table(compare_modern.load_log(), "foo"),
                )
            ],
            "scan_timings": [
                ("lengths", "empty", lambda: compare_modern.scan_timings(lengths=())),
                ("repeats", "zero", lambda: compare_modern.scan_timings(lengths=(4,), repeats=0)),
            ],
            "step_seconds": [
                (
                    "repeats",
                    "zero",
                    lambda: compare_modern.step_seconds(
                        nn.Linear(1, 1), torch.zeros(2, 1), torch.zeros(2, 1), nn.MSELoss(), 0
                    ),
                )
            ],
            "unigram_bits": [
                ("vocab", "zero", lambda: compare_modern.unigram_bits(z(4, int), z(4, int), 0)),
                ("train", "empty", lambda: compare_modern.unigram_bits(z(0, int), z(4, int), 3)),
            ],
            "windows": [
                ("length", "zero", lambda: compare_modern.windows(np.arange(100), 0, 4, 0)),
                ("n", "zero", lambda: compare_modern.windows(np.arange(100), 8, 0, 0)),
            ],
        },
        "forecast": {
            "backtest": [
                (
                    "horizon",
                    "zero",
                    lambda: forecast.backtest(series.co2().values, horizon=0, season=12),
                ),
                (
                    "model",
                    "unknown",
                    lambda: forecast.backtest(
                        series.co2().values, horizon=6, season=12, model="arima"
                    ),
                ),
                (
                    "origins",
                    "zero",
                    lambda: forecast.backtest(series.co2().values, horizon=6, season=12, origins=0),
                ),
                ("series", "a string", lambda: forecast.backtest("co2", horizon=6, season=12)),
            ],
            "mase": [
                (
                    "actuals",
                    "a shape other than the forecasts'",
                    lambda: forecast.mase(z(4), z(3), 1.0),
                ),
                ("scale", "zero", lambda: forecast.mase(z(4), z(4), 0.0)),
            ],
            "pinball": [("q", "above 1", lambda: forecast.pinball(z(4), z(4), 1.5))],
            "place_origins": [
                ("origins", "zero", lambda: forecast.place_origins(100, 6, 0, 24)),
                ("horizon", "negative", lambda: forecast.place_origins(100, -6, 4, 24)),
            ],
            "seasonal_reference": [
                (
                    "season",
                    "zero",
                    lambda: forecast.seasonal_reference(np.arange(48.0), 24, np.arange(6), 0),
                )
            ],
            "seasonal_scale": [
                ("season", "zero", lambda: forecast.seasonal_scale(np.arange(48.0), 0)),
                ("history", "NaN", lambda: forecast.seasonal_scale(np.full(48, NAN), 12)),
            ],
            "smape": [
                (
                    "actuals",
                    "a shape other than the forecasts'",
                    lambda: forecast.smape(z(4), z(3)),
                ),
                ("forecasts", "NaN", lambda: forecast.smape(np.full(4, NAN), np.ones(4))),
            ],
        },
        "layouts": {
            "padding_picture": [
                ("reviews", "empty", lambda: layouts.padding_picture(())),
                ("reviews", "a bare string", lambda: layouts.padding_picture("not funny")),
            ],
            "tbptt_picture": [
                ("steps", "zero", lambda: layouts.tbptt_picture(steps=0)),
                ("chunk", "zero", lambda: layouts.tbptt_picture(chunk=0)),
            ],
        },
        "modern": {
            "MinGRU": [("hidden_size", "zero", lambda: modern.MinGRU(2, 0))],
            "MinLSTM": [("input_size", "zero", lambda: modern.MinLSTM(0, 4))],
            "g": [("x", "a list", lambda: modern.g([1.0, 2.0]))],
            "normalised_gates": [
                (
                    "i_pre",
                    "a shape other than f_pre's",
                    lambda: modern.normalised_gates(_x(2, 5, 3), _x(2, 4, 3)),
                )
            ],
            "parallel_vs_sequential": [
                (
                    "x",
                    "two dimensions",
                    lambda: modern.parallel_vs_sequential(modern.MinGRU(2, 4), _x(5, 2)),
                ),
                (
                    "x",
                    "the wrong feature size",
                    lambda: modern.parallel_vs_sequential(modern.MinGRU(2, 4), _x(1, 5, 3)),
                ),
            ],
        },
        "xlstm": {
            "MLSTM": [
                ("hidden_size", "zero", lambda: xlstm.MLSTM(2, 0)),
                ("num_heads", "not dividing hidden_size", lambda: xlstm.MLSTM(2, 6, num_heads=4)),
            ],
            "SLSTM": [
                ("forget_gate", "unknown", lambda: xlstm.SLSTM(2, 4, forget_gate="relu")),
                ("hidden_size", "zero", lambda: xlstm.SLSTM(2, 0)),
            ],
        },
        "readable_lstm": {
            "step_forward": [
                (
                    "x",
                    "the wrong feature size",
                    lambda: readable_lstm.step_forward(z((3, 2)), z((3, 2)), z((3, 2)), p2),
                ),
                (
                    "h_prev",
                    "NaN",
                    lambda: readable_lstm.step_forward(
                        z((3, 1)), np.full((3, 2), NAN), z((3, 2)), p2
                    ),
                ),
                (
                    "p",
                    "a missing weight",
                    lambda: readable_lstm.step_forward(
                        z((3, 1)), z((3, 2)), z((3, 2)), {"W_ih": p2["W_ih"]}
                    ),
                ),
            ],
            "step_backward": [
                (
                    "dh",
                    "the wrong size",
                    lambda: readable_lstm.step_backward(z((3, 5)), z((3, 2)), (), p2),
                ),
                (
                    "dc",
                    "NaN",
                    lambda: readable_lstm.step_backward(z((3, 2)), np.full((3, 2), NAN), (), p2),
                ),
                (
                    "cache",
                    "empty",
                    lambda: readable_lstm.step_backward(z((3, 2)), z((3, 2)), (), p2),
                ),
            ],
        },
        "recurrent_dropout": {
            "CellStack": [
                ("cells", "empty", lambda: recurrent_dropout.CellStack([])),
                (
                    "cells",
                    "a second cell of the wrong size",
                    lambda: recurrent_dropout.CellStack([_cell(), _cell()]),
                ),
                (
                    "hidden_dropout",
                    "negative",
                    lambda: recurrent_dropout.CellStack([_cell()], hidden_dropout=-0.1),
                ),
                ("dropout", "1", lambda: recurrent_dropout.CellStack([_cell()], dropout=1.0)),
                (
                    "same_mask",
                    "a string",
                    lambda: recurrent_dropout.CellStack([_cell()], same_mask="no"),
                ),
            ],
            "hidden_mask": [
                ("p", "above 1", lambda: recurrent_dropout.hidden_mask(2, 4, 1.5, _x(1))),
                ("batch", "zero", lambda: recurrent_dropout.hidden_mask(0, 4, 0.5, _x(1))),
            ],
            "run_cell_dropout": [
                (
                    "p",
                    "negative",
                    lambda: recurrent_dropout.run_cell_dropout(_cell(), _x(2, 5, 1), p=-0.5),
                ),
                (
                    "x",
                    "two dimensions",
                    lambda: recurrent_dropout.run_cell_dropout(_cell(), _x(5, 1)),
                ),
            ],
        },
        "rnn": {
            "Classifier": [
                ("kind", "unknown", lambda: rnn.Classifier("transformer")),
                ("hidden_size", "zero", lambda: rnn.Classifier("lstm", hidden_size=0)),
            ],
            "first_sign_task": [
                ("n", "zero", lambda: rnn.first_sign_task(0, 10)),
                ("T", "zero", lambda: rnn.first_sign_task(8, 0)),
            ],
            "gradient_by_distance": [
                (
                    "x",
                    "two dimensions",
                    lambda: rnn.gradient_by_distance(rnn.Classifier("lstm"), _x(5, 1)),
                )
            ],
            "train_first_sign": [
                ("kind", "unknown", lambda: rnn.train_first_sign("foo", 10)),
                ("seeds", "zero", lambda: rnn.train_first_sign("lstm", 10, seeds=0)),
                ("steps", "zero", lambda: rnn.train_first_sign("lstm", 10, seeds=1, steps=0)),
                (
                    "forget_bias",
                    "NaN",
                    lambda: rnn.train_first_sign("lstm", 10, seeds=1, forget_bias=NAN),
                ),
            ],
            "untrained": [
                ("kind", "unknown", lambda: rnn.untrained("foo")),
                ("scale", "NaN", lambda: rnn.untrained("rnn", scale=NAN)),
            ],
            "init_recurrent": [
                ("init", "unknown", lambda: rnn.init_recurrent(nn.RNN(1, 4), "foo"))
            ],
            "rnn_model": [
                ("init", "unknown", lambda: rnn.rnn_model(1, 4, 1, init="foo")),
                ("hidden_size", "zero", lambda: rnn.rnn_model(1, 0, 1)),
            ],
            "spectral_radius": [("rnn", "a string", lambda: rnn.spectral_radius("rnn"))],
        },
        "scan": {
            "linear_scan": [
                (
                    "b",
                    "a shape other than a's",
                    lambda: scan.linear_scan(_x(2, 5, 3), _x(2, 4, 3)),
                )
            ],
            "sequential_scan": [
                (
                    "b",
                    "a shape other than a's",
                    lambda: scan.sequential_scan(_x(2, 5, 3), _x(2, 4, 3)),
                )
            ],
            "log_space_scan": [
                (
                    "log_b",
                    "a shape other than log_a's",
                    lambda: scan.log_space_scan(_x(2, 5, 3), _x(2, 4, 3)),
                )
            ],
            "plot_scan_tree": [("T", "zero", lambda: scan.plot_scan_tree(0))],
        },
        "series": {
            "package_dir": [("package", "not a string", lambda: series.package_dir(5))],
        },
        "shakespeare": {
            "character_counts": [("text", "a list", lambda: shakespeare.character_counts(["ab"]))],
            "describe": [("split", "a string", lambda: shakespeare.describe("train"))],
            "markup_share": [
                ("text", "empty", lambda: shakespeare.markup_share("")),
                ("text", "not a string", lambda: shakespeare.markup_share(5)),
            ],
        },
        "unrolled": {
            "bidirectional_picture": [("T", "zero", lambda: unrolled.bidirectional_picture(0))],
            "bptt_picture": [("steps", "zero", lambda: unrolled.bptt_picture(0))],
        },
    }


_PLOT = "a figure or widget: its inputs are the results above, tested by drawing in tests/"
_RECORD = "a record of results (a dataclass or NamedTuple built by the package, not by readers)"
EXEMPT: dict[str, str | dict[str, str]] = {
    "plots": _PLOT,
    "diagram": _PLOT,
    "widgets": _PLOT,
    "explorer_plots": _PLOT,
    "style": "one call with no arguments (the figure style)",
    "exercises": "the checkers' own helpers: the checker contract (tests/test_checkers.py)",
    "validate": "the checks themselves: doctested, and tests/test_validate.py",
    "bench": "a command-line tool: argparse checks its arguments (tests/test_bench.py)",
    "listing": "displays source code of the package's own objects",
    "progress": "a thin wrapper of tqdm with tqdm's own checks",
    "tables": "formats given rows; tests/test_stats.py",
    "gates": {"CellStep": _RECORD},
    "experiment": {"Task": _RECORD, "Run": _RECORD, "Summary": _RECORD},
    "config": {"History": _RECORD},
    "train": {"default_device": "takes no arguments"},
    "seeds": {"Scored": _RECORD},
    "probes": {"GateTrace": _RECORD},
    "reviews": {
        "Review": _RECORD,
        "ReviewSplits": _RECORD,
        "data_path": "takes no arguments",
    },
    "units": {"Unit": _RECORD},
    "char_model": {"History": _RECORD},
    "charlm": {"main": "a command-line tool: argparse checks its arguments"},
    "compare_modern": {
        "Result": _RECORD,
        "main": "a command-line tool: argparse checks its arguments",
    },
    "forecast": {"Backtest": _RECORD},
    "rnn": {"Trained": _RECORD},
    "series": {
        "Series": _RECORD,
        "co2": "takes no arguments",
        "electricity": "takes no arguments",
    },
    "shakespeare": {
        "Split": _RECORD,
        "genres": "takes no arguments",
        "plays_folder": "takes no arguments",
    },
}
EXEMPT_PREFIXES = {"check_": "exercise checkers: their own contract (tests/test_checkers.py)"}


def _merge(cases: dict, more: dict) -> dict:
    """``cases`` with the lists of ``more`` appended, name by name."""
    for module, names in more.items():
        for name, rows in names.items():
            cases.setdefault(module, {}).setdefault(name, []).extend(rows)
    return cases


def _more_cases() -> dict[str, dict[str, list]]:
    """Bad inputs found after the first table (issue 17's examples, methods included)."""
    from lstmbook import (
        classify,
        experiment,
        models,
        numpy_nn,
        probes,
        seeds,
        tbptt,
        text,
        text_models,
        train,
    )

    X1, y1 = np.zeros((8, 5, 1), np.float32), np.zeros(8, np.float32)
    seq = lambda out=1: models.SequenceModel(1, 4, out)  # noqa: E731
    vocab = text.Vocabulary.build([["a"]], min_freq=1)
    bow = lambda: classify.TextClassifier(  # noqa: E731
        text_models.BagOfWords(3, 2), vocab, ["x", "y"], classify.TextConfig(model="bag_of_words")
    )
    mse = nn.MSELoss()
    ce = nn.CrossEntropyLoss()
    streams = lambda features=1: (  # noqa: E731
        torch.zeros(2, 6, features),
        torch.zeros(2, 6, dtype=torch.long),
    )
    tiny = experiment.adding_task(T=6, n_train=8, n_val=4, n_test=4)
    return {
        "train": {
            "fit": [
                (
                    "y",
                    "shape (n, 1) with MSELoss (would broadcast to (n, n))",
                    lambda: train.fit(seq(), (X1, y1[:, None]), (X1, y1[:, None]), mse, epochs=1),
                ),
                ("loss_fn", "a string", lambda: train.fit(seq(), (X1, y1), (X1, y1), "mse")),
                (
                    "y",
                    "label -1 under cross-entropy",
                    lambda: train.fit(seq(2), (X1, -np.ones(8, int)), (X1, y1.astype(int)), ce),
                ),
                (
                    "y",
                    "label 2 of two classes",
                    lambda: train.fit(seq(2), (X1, 2 * np.ones(8, int)), (X1, y1.astype(int)), ce),
                ),
                ("metric", "a string", lambda: train.fit(seq(), (X1, y1), (X1, y1), mse, "acc")),
                (
                    "config",
                    "a dict",
                    lambda: train.fit(seq(), (X1, y1), (X1, y1), mse, config={"epochs": 1}),
                ),
                (
                    "progress",
                    "the string 'no'",
                    lambda: train.fit(seq(), (X1, y1), (X1, y1), mse, epochs=1, progress="no"),
                ),
            ],
            "accuracy": [
                (
                    "y",
                    "label -1",
                    lambda: train.accuracy(torch.zeros(4, 2), torch.full((4,), -1)),
                )
            ],
            "predict": [("model", "a string", lambda: train.predict("model", X1))],
            "make_loader": [
                ("X", "NaN", lambda: train.make_loader(np.full((8, 5, 1), NAN), y1)),
                ("shuffle", "the string 'no'", lambda: train.make_loader(X1, y1, shuffle="no")),
            ],
            "evaluate": [("loss_fn", "a string", lambda: train.evaluate(seq(), (X1, y1), "mse"))],
            "per_step_cross_entropy": [
                ("logits", "a list", lambda: train.per_step_cross_entropy([1.0], torch.zeros(1)))
            ],
        },
        "seeds": {
            "spread": [
                ("values", "NaN", lambda: seeds.spread([NAN, 1.0])),
                ("values", "a string", lambda: seeds.spread("12")),
                ("fmt", "not a float format ('q')", lambda: seeds.spread([1.0], fmt="q")),
            ],
            "first_epoch_below": [
                ("values", "a string", lambda: seeds.first_epoch_below("abc", 0.1))
            ],
        },
        "models": {
            "SequenceModel": [
                ("x", "float64 into a float32 model", lambda: seq()(_x(2, 3, 1).double())),
                ("x", "the wrong feature size", lambda: seq()(_x(2, 3, 4))),
                (
                    "x",
                    "the wrong feature size (forward_state)",
                    lambda: models.Tagger(1, 2).forward_state(_x(2, 3, 4)),
                ),
            ],
        },
        "classify": {
            "TextClassifier": [
                ("batch_size", "-1", lambda: bow().predict_proba(["a"], batch_size=-1)),
                ("batch_size", "zero", lambda: bow().predict_proba(["a"], batch_size=0)),
                ("path", "a number", lambda: bow().save(3)),
            ],
            "fit_text_classifier": [
                (
                    "seed",
                    "a string",
                    lambda: classify.fit_text_classifier(["a", "b"], ["x", "y"], seed="0"),
                ),
                (
                    "config",
                    "a dict",
                    lambda: classify.fit_text_classifier(["a", "b"], ["x", "y"], config={}),
                ),
            ],
        },
        "text_models": {
            "LSTMTextClassifier": [
                (
                    "forget_bias",
                    "NaN",
                    lambda: text_models.LSTMTextClassifier(10, 2, forget_bias=NAN),
                ),
                (
                    "pad_id",
                    "above vocab_size",
                    lambda: text_models.LSTMTextClassifier(10, 2, pad_id=20),
                ),
                (
                    "tokens",
                    "float",
                    lambda: text_models.LSTMTextClassifier(10, 2)(torch.zeros(2, 3)),
                ),
                (
                    "tokens",
                    "an id >= vocab_size",
                    lambda: text_models.LSTMTextClassifier(10, 2)(torch.tensor([[1, 10]])),
                ),
                (
                    "tokens",
                    "a negative id",
                    lambda: text_models.LSTMTextClassifier(10, 2)(torch.tensor([[-1, 2]])),
                ),
            ],
        },
        "text": {
            "Vocabulary": [
                ("token_lists", "one string", lambda: text.Vocabulary.build("abc")),
                ("min_freq", "a float", lambda: text.Vocabulary.build([["a"]], min_freq=0.5)),
                ("tokens", "one string (encode)", lambda: vocab.encode("abc")),
                ("ids", "-1 (decode)", lambda: vocab.decode([-1])),
                ("ids", "out of range (decode)", lambda: vocab.decode([99])),
            ],
            "pad_batch": [("width", "a float", lambda: text.pad_batch([[1]], width=1.5))],
            "confusion_matrix": [
                (
                    "true",
                    "a label not in classes",
                    lambda: text.confusion_matrix(["z"], ["a"], ["a", "b"]),
                )
            ],
            "encode": [("vocab", "a list", lambda: text.encode(["a"], ["a"]))],
        },
        "experiment": {
            "run_experiment": [
                ("task", "a string", lambda: experiment.run_experiment("task", ["LSTM"], [0])),
                (
                    "workers",
                    "zero",
                    lambda: experiment.run_experiment(tiny, ["LSTM"], [0], workers=0),
                ),
                ("seeds", "one int", lambda: experiment.run_experiment(tiny, ["LSTM"], 3)),
            ],
            "batches": [
                ("data", "mismatched lengths", lambda: experiment.batches((X1, y1[:3]), 2))
            ],
        },
        "numpy_nn": {
            "clip_grad_norm": [
                ("grads", "a list", lambda: numpy_nn.clip_grad_norm([np.ones(2)], 1.0))
            ],
            "Adam": [
                (
                    "grads",
                    "a missing key (step)",
                    lambda: numpy_nn.Adam({"w": np.ones(2)}).step({}),
                )
            ],
            "Linear": [
                (
                    "x",
                    "the wrong feature size",
                    lambda: numpy_nn.Linear(3, 2).forward(np.zeros((4, 5), np.float32)),
                )
            ],
            "train_classifier": [
                (
                    "config",
                    "a dict",
                    lambda: numpy_nn.train_classifier(
                        np.zeros((4, 3, 1)), np.zeros(4, int), config={"epochs": 1}
                    ),
                )
            ],
        },
        "probes": {
            "random_recurrent_cell": [
                ("hidden_size", "zero", lambda: probes.random_recurrent_cell("lstm", 0, 1.0)),
                ("gain", "NaN", lambda: probes.random_recurrent_cell("lstm", 4, NAN)),
            ],
            "gate_trace": [
                (
                    "tokens",
                    "fewer than the ids",
                    lambda: probes.gate_trace(
                        text_models.LSTMTextClassifier(10, 2, 4, 3), torch.tensor([2, 3]), ["a"]
                    ),
                )
            ],
            "first_step_gradient": [
                ("x", "NaN", lambda: probes.first_step_gradient(seq(), np.full((2, 3, 1), NAN)))
            ],
        },
        "tbptt": {
            "fit_tbptt": [
                (
                    "train",
                    "NaN",
                    lambda: tbptt.fit_tbptt(
                        models.Tagger(1, 2),
                        (torch.full((2, 6, 1), NAN), streams()[1]),
                        streams(),
                        chunk=3,
                    ),
                ),
                (
                    "lr",
                    "negative",
                    lambda: tbptt.fit_tbptt(models.Tagger(1, 2), streams(), streams(), 3, lr=-1.0),
                ),
                (
                    "clip_grad_norm",
                    "negative",
                    lambda: tbptt.fit_tbptt(
                        models.Tagger(1, 2), streams(), streams(), 3, clip_grad_norm=-1.0
                    ),
                ),
                (
                    "val",
                    "the wrong feature size",
                    lambda: tbptt.fit_tbptt(models.Tagger(1, 2), streams(), streams(3), 3),
                ),
            ],
            "batchify": [("stream", "a string", lambda: tbptt.batchify("abc", 1))],
        },
    }
