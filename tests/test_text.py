import numpy as np
import pytest
import torch
from matplotlib.figure import Figure
from torch import nn
from torch.nn import functional as F

from lstmbook.classify import (
    TextConfig,
    fit_bag_of_words,
    fit_text_classifier,
    load_text_classifier,
)
from lstmbook.exercises.text import check_last_real_output, check_pad_batch, check_vocabulary
from lstmbook.plots import plot_gates
from lstmbook.probes import forward_vote, gate_trace
from lstmbook.text import (
    PAD,
    UNK,
    LengthBatches,
    Vocabulary,
    encode,
    last_real_output,
    pad_batch,
    tokenize,
)
from lstmbook.text_models import BagOfWords, LSTMTextClassifier
from lstmbook.widgets import demo_widget

SMALL = {"embedding_dim": 8, "hidden_size": 8, "lr": 0.02, "min_freq": 1}


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """Tiny models: a second thread only adds waiting (several times slower on a busy CPU)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def three_class_data(n: int, seed: int) -> tuple[list[str], list[int]]:
    """Short texts whose label (0, 1 or 2) is set by one cue word among filler words."""
    rng = np.random.default_rng(seed)
    cues = {0: ["awful", "dull"], 1: ["fine", "okay"], 2: ["superb", "great"]}
    filler = ["the", "film", "was", "a", "story", "plot", "and", "its", "cast"]
    texts, labels = [], []
    for _ in range(n):
        label = int(rng.integers(3))
        words = list(rng.choice(filler, size=int(rng.integers(1, 6))))
        words.insert(int(rng.integers(len(words) + 1)), str(rng.choice(cues[label])))
        texts.append(" ".join(words))
        labels.append(label)
    return texts, labels


@pytest.fixture(scope="module")
def data():
    return three_class_data(150, seed=0), three_class_data(60, seed=1)


@pytest.fixture(scope="module")
def clf(data):
    (texts, labels), (val_texts, val_labels) = data
    return fit_text_classifier(
        texts, labels, seed=0, epochs=25, val_texts=val_texts, val_labels=val_labels, **SMALL
    )


# Tokens, vocabulary, padding ----------------------------------------------------------------


def test_tokenize_lowercases_splits_negations_and_punctuation():
    assert tokenize("Don\u2019t MISS it, it's great!") == [
        "do", "n't", "miss", "it", ",", "it", "'s", "great", "!",
    ]  # fmt: skip
    assert tokenize("") == [] and tokenize("   ") == []
    with pytest.raises(TypeError, match="str"):
        tokenize(3)


def test_vocabulary_orders_by_frequency_and_maps_unknown_words():
    vocab = Vocabulary.build([["b", "a", "c"], ["a", "b", "d"], ["a"]], min_freq=2)
    assert vocab.tokens == [PAD, UNK, "a", "b"]
    assert vocab.encode(["a", "zzz", "b"]) == [2, 1, 3]
    assert vocab.decode([0, 1, 2]) == [PAD, UNK, "a"]
    assert "a" in vocab and "c" not in vocab and len(vocab) == 4
    assert Vocabulary.build([["b", "a"]], min_freq=1, max_size=3).tokens == [PAD, UNK, "a"]
    with pytest.raises(ValueError, match="start with"):
        Vocabulary(["a", "b"])
    with pytest.raises(ValueError, match="min_freq"):
        Vocabulary.build([["a"]], min_freq=0)


def test_encode_pads_on_the_right_and_keeps_lengths():
    vocab = Vocabulary([PAD, UNK, "good", "film"])
    tokens, lengths = encode(["good film good", "", "film"], vocab)
    assert tokens.dtype == torch.long and tokens.shape == (3, 3)
    assert tokens.tolist() == [[2, 3, 2], [0, 0, 0], [3, 0, 0]]
    assert lengths.tolist() == [3, 0, 1]
    tokens, lengths = encode(["good film good"], vocab, max_len=2)
    assert tokens.tolist() == [[2, 3]] and lengths.tolist() == [2]
    assert pad_batch([[]])[0].shape == (1, 1)
    with pytest.raises(ValueError, match=r"texts\[1\] must be a str"):
        encode(["good", None], vocab)


def test_length_batches_cover_every_text_once_and_are_seeded():
    lengths = torch.randint(1, 30, (103,), generator=torch.Generator().manual_seed(0))
    sampler = LengthBatches(lengths, batch_size=8, seed=3, pool=4)
    first, second = list(sampler), list(sampler)
    assert len(first) == len(sampler) == 13
    assert sorted(i for batch in first for i in batch) == list(range(103))
    assert first != second  # a new order every epoch
    assert first == list(LengthBatches(lengths, batch_size=8, seed=3, pool=4))
    spread = np.mean([float(lengths[b].max() - lengths[b].min()) for b in first])
    assert spread < 10  # similar lengths together (random batches would spread about 25)


# The model ---------------------------------------------------------------------------------


@pytest.mark.parametrize("bidirectional", [False, True])
def test_packed_final_state_ignores_padding(bidirectional):
    torch.manual_seed(0)
    model = LSTMTextClassifier(20, 3, 6, 5, bidirectional=bidirectional).eval()
    tokens = torch.tensor([[2, 3, 4, 5], [6, 7, 0, 0], [8, 0, 0, 0]])
    wider = torch.cat([tokens, torch.zeros(3, 7, dtype=torch.long)], dim=1)
    torch.testing.assert_close(model(tokens), model(wider), rtol=1e-6, atol=1e-6)
    # each row alone, without any padding, gives the same final state
    final = model.final_state(tokens)
    for row, length in enumerate((4, 2, 1)):
        alone = model.final_state(tokens[row, :length].unsqueeze(0))
        torch.testing.assert_close(alone[0], final[row], rtol=1e-6, atol=1e-6)
    assert model.final_state(tokens).shape == (3, 5 * (2 if bidirectional else 1))


def test_packed_final_state_is_the_last_real_output_and_the_backward_first():
    torch.manual_seed(0)
    model = LSTMTextClassifier(20, 2, 6, 5, bidirectional=True).eval()
    tokens = torch.tensor([[2, 3, 4, 5], [6, 7, 0, 0]])
    lengths = torch.tensor([4, 2])
    final = model.final_state(tokens, lengths)
    for row in range(2):
        out, _ = model.lstm(model.embedding(tokens[row, : lengths[row]]).unsqueeze(0))
        torch.testing.assert_close(
            final[row, :5], out[0, -1, :5], rtol=1e-6, atol=1e-6
        )  # forward: last token
        torch.testing.assert_close(
            final[row, 5:], out[0, 0, 5:], rtol=1e-6, atol=1e-6
        )  # backward: first token


def test_last_padded_readout_depends_on_padding():
    torch.manual_seed(0)
    model = LSTMTextClassifier(20, 2, 6, 5, bidirectional=False, readout="last_padded").eval()
    tokens = torch.tensor([[2, 3, 0]])
    wider = torch.tensor([[2, 3, 0, 0, 0, 0]])
    assert not torch.allclose(model(tokens), model(wider))


def test_model_rejects_bad_arguments():
    with pytest.raises(ValueError, match="readout"):
        LSTMTextClassifier(20, 2, readout="last")
    with pytest.raises(ValueError, match="n_classes"):
        LSTMTextClassifier(20, 1)
    with pytest.raises(ValueError, match=r"\(batch, time\)"):
        LSTMTextClassifier(20, 2)(torch.tensor([1, 2, 3]))


def test_word_dropout_only_in_training():
    torch.manual_seed(0)
    model = LSTMTextClassifier(20, 2, 6, 5, word_dropout=0.5, dropout=0.0)
    tokens = torch.randint(2, 20, (4, 6))
    model.eval()
    torch.testing.assert_close(model(tokens), model(tokens), rtol=1e-6, atol=1e-6)
    model.train()
    assert not torch.allclose(model(tokens), model(tokens))


def test_gate_trace_matches_nn_lstm_in_every_gate_and_state():
    """Every gate against PyTorch's own: nn.LSTMCell with the layer's weights, in float64."""
    torch.manual_seed(0)
    model = LSTMTextClassifier(20, 2, 6, 5, bidirectional=True).eval()
    ids = torch.tensor([4, 9, 2, 17, 3])
    trace = gate_trace(model, ids, ["a", "b", "c", "d", "e"])
    reference = nn.LSTMCell(6, 5).double()
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(reference, name).copy_(getattr(model.lstm, name + "_l0"))
        x = model.embedding(ids).double()
        out, _ = model.lstm(model.embedding(ids).unsqueeze(0))
        h = c = torch.zeros(1, 5, dtype=torch.float64)
        for t in range(len(ids)):
            z = F.linear(x[t : t + 1], reference.weight_ih, reference.bias_ih)
            z = z + F.linear(h, reference.weight_hh, reference.bias_hh)
            i, f, g, o = z.chunk(4, dim=-1)
            h, c = reference(x[t : t + 1], (h, c))
            expected = {
                "i": torch.sigmoid(i),
                "f": torch.sigmoid(f),
                "g": torch.tanh(g),
                "o": torch.sigmoid(o),
                "c": c,
                "h": h,
            }
            for name, value in expected.items():
                np.testing.assert_allclose(
                    getattr(trace, name)[t], value[0].numpy(), rtol=1e-12, atol=1e-14
                )
    np.testing.assert_allclose(trace.h, out[0, :, :5].double().numpy(), rtol=1e-5, atol=1e-6)
    assert trace.tokens == ["a", "b", "c", "d", "e"]
    with pytest.raises(ValueError, match="labels"):
        gate_trace(model, ids, ["a"])


def test_bag_of_words_counts_each_word_once_and_ignores_pad_and_unk():
    model = BagOfWords(vocab_size=6, n_classes=2)
    with torch.no_grad():
        model.weights.weight.copy_(torch.arange(12.0).reshape(6, 2))
    logits = model(torch.tensor([[2, 2, 3, 0], [3, 2, 1, 0], [0, 0, 0, 0]]))
    expected = torch.tensor([[4.0 + 6.0, 5.0 + 7.0], [10.0, 12.0], [0.0, 0.0]])
    torch.testing.assert_close(logits, expected, rtol=1e-6, atol=1e-6)


# The pipeline ------------------------------------------------------------------------------


def test_pipeline_learns_three_classes(clf, data):
    _, (val_texts, val_labels) = data
    assert clf.classes_ == [0, 1, 2]
    assert clf.score(val_texts, val_labels) > 0.9
    proba = clf.predict_proba(val_texts)
    assert proba.shape == (60, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6, atol=1e-6)
    predicted = clf.predict(val_texts)
    assert predicted == [clf.classes_[k] for k in proba.argmax(axis=1)]
    assert all(type(p) is int for p in predicted)
    assert clf.history_.epochs >= 1 and 0 <= clf.history_.best_epoch < clf.history_.epochs


def test_empty_and_unknown_texts_are_predicted(clf):
    proba = clf.predict_proba(["", "zzz qqq xyzzy", "!!!"])
    assert proba.shape == (3, 3) and np.all(np.isfinite(proba))
    assert len(clf.predict([""])) == 1
    assert clf.predict_proba([]).shape == (0, 3)


def test_save_and_load_give_the_same_predictions(clf, data, tmp_path):
    (texts, _), _ = data
    path = tmp_path / "clf.pt"
    clf.save(path)
    loaded = load_text_classifier(path)
    assert loaded.classes_ == clf.classes_ and loaded.vocab.tokens == clf.vocab.tokens
    np.testing.assert_array_equal(loaded.predict_proba(texts), clf.predict_proba(texts))
    assert torch.load(path, weights_only=True)["format"] == "lstmbook.text/1"


def test_string_labels_save_and_load(tmp_path):
    texts = ["good film", "bad film", "good story", "bad story"] * 3
    labels = ["pos", "neg", "pos", "neg"] * 3
    clf = fit_text_classifier(texts, labels, seed=1, epochs=3, **SMALL)
    clf.save(tmp_path / "clf.pt")
    loaded = load_text_classifier(tmp_path / "clf.pt")
    assert loaded.classes_ == ["neg", "pos"]
    assert loaded.predict(texts) == clf.predict(texts)


def test_unsavable_labels_and_foreign_files_are_refused(tmp_path):
    texts = ["good film", "bad film"] * 3
    clf = fit_text_classifier(texts, [("a", 1), ("b", 2)] * 3, epochs=1, **SMALL)
    assert clf.classes_ == [("a", 1), ("b", 2)]  # any hashable label fits and predicts
    with pytest.raises(TypeError, match="str, int, float or bool"):
        clf.save(tmp_path / "clf.pt")
    torch.save({"something": 1}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not a saved"):
        load_text_classifier(tmp_path / "other.pt")


def test_same_seed_same_model():
    texts, labels = three_class_data(40, seed=2)
    a = fit_text_classifier(texts, labels, seed=5, epochs=2, **SMALL)
    b = fit_text_classifier(texts, labels, seed=5, epochs=2, **SMALL)
    np.testing.assert_array_equal(a.predict_proba(texts), b.predict_proba(texts))


def test_without_validation_all_epochs_run():
    texts, labels = three_class_data(30, seed=3)
    clf = fit_text_classifier(texts, labels, seed=0, epochs=3, **SMALL)
    assert clf.history_.epochs == 3


@pytest.mark.parametrize(
    ("texts", "labels", "message"),
    [
        (["a", "b"], ["x"], "one length"),
        (["a", 3], ["x", "y"], "train_texts must be a list of strings, got int at index 1"),
        ("ab", ["x", "y"], "train_texts must be a list of strings, got one str"),
        ([], [], "empty"),
        (["a", "b"], ["x", "x"], "at least 2 classes"),
        (["a", "b"], [["x"], ["y"]], "hashable"),
    ],
)
def test_bad_training_input_raises_value_error(texts, labels, message):
    with pytest.raises((ValueError, TypeError), match=message):  # TypeError: not a list of str
        fit_text_classifier(texts, labels, epochs=1)


def test_bad_validation_and_prediction_input_raise(clf):
    with pytest.raises(ValueError, match="both"):
        fit_text_classifier(["a", "b"], [0, 1], val_texts=["a"])
    with pytest.raises(ValueError, match="not in training"):
        fit_text_classifier(["a", "b"], [0, 1], val_texts=["a"], val_labels=[7])
    with pytest.raises(ValueError, match="epochs"):
        fit_text_classifier(["a", "b"], [0, 1], epochs=0)
    with pytest.raises(TypeError):
        fit_text_classifier(["a", "b"], [0, 1], no_such_setting=1)
    with pytest.raises(ValueError, match="list of strings"):
        clf.predict("a single string")
    with pytest.raises(ValueError, match=r"texts\[0\] must be a str"):
        clf.predict_proba([None])


def test_bag_of_words_pipeline(data, tmp_path):
    (texts, labels), (val_texts, val_labels) = data
    bow = fit_bag_of_words(
        texts, labels, epochs=20, val_texts=val_texts, val_labels=val_labels, min_freq=1, lr=0.1
    )
    assert bow.config.model == "bag_of_words" and "bag of words" in repr(bow)
    assert bow.score(val_texts, val_labels) > 0.9
    bow.save(tmp_path / "bow.pt")
    np.testing.assert_array_equal(
        load_text_classifier(tmp_path / "bow.pt").predict_proba(val_texts),
        bow.predict_proba(val_texts),
    )
    with pytest.raises(TypeError, match="no gates"):
        bow.gates("the film")


def test_config_defaults_are_the_documented_ones():
    config = TextConfig()
    assert config.model == "lstm" and config.readout == "packed" and config.min_freq == 2


# Looking inside, the demo, the checkers ----------------------------------------------------


def test_gates_of_a_sentence_and_their_plot(clf):
    trace = clf.gates("the film was superb")
    assert trace.tokens == ["the", "film", "was", "superb"]
    assert trace.f.shape == (4, 8)
    figure = plot_gates(trace, units=5)
    assert isinstance(figure, Figure)
    heatmaps = [ax for ax in figure.axes if ax.images]
    assert len(heatmaps) == 2 and heatmaps[0].images[0].get_array().shape == (5, 4)
    with pytest.raises(ValueError, match="gates"):
        plot_gates(trace, gates=("x",))


def test_demo_updates_when_the_text_changes(clf):
    demo = demo_widget(clf)
    assert "Type a sentence" in demo.output.value
    demo.text.value = "the film was superb"
    first = demo.output.value
    assert "Prediction" in first and "probability" in first
    assert any(f"<b>{c}</b>" in first for c in clf.classes_)
    demo.text.value = "awful awful dull"
    assert demo.output.value != first
    demo.text.value = "zzz"
    assert "1 unknown token" in demo.output.value


def test_checkers_accept_the_reference_and_reject_wrong_answers(capsys):
    assert check_vocabulary(lambda lists, m: Vocabulary.build(lists, m).tokens)
    assert check_pad_batch(pad_batch)
    assert check_last_real_output(last_real_output)
    assert "Correct" in capsys.readouterr().out
    assert not check_vocabulary(lambda lists, m: [PAD, UNK])
    assert not check_pad_batch(lambda lists: (torch.zeros(1), torch.zeros(1)))
    assert not check_pad_batch(lambda lists: None)
    assert not check_last_real_output(lambda outputs, lengths: outputs[:, -1])
    assert "Not yet" in capsys.readouterr().out
    for checker in (check_vocabulary, check_pad_batch, check_last_real_output):
        with pytest.raises(TypeError, match="expected a function"):
            checker("not a function")


@pytest.mark.parametrize(
    "stub",
    [
        lambda *args: None,  # the chapter's stub: a body of `...`
        lambda *args: 1 / 0,  # the reader's code raises
        lambda *args: 5,  # not a list, a tuple or a tensor
        lambda *args: (torch.zeros(2, 2),),  # a tuple of the wrong length
        lambda *args: [[1, 2]],
    ],
)
@pytest.mark.parametrize("checker", [check_vocabulary, check_pad_batch, check_last_real_output])
def test_checkers_given_a_stub_print_one_line_and_return_false(checker, stub, capsys):
    assert checker(stub) is False
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Not yet: ")


def test_forget_bias_option_sets_every_direction_and_keeps_the_default():
    torch.manual_seed(0)
    default = LSTMTextClassifier(10, 2, embedding_dim=4, hidden_size=3)
    torch.manual_seed(0)
    same = LSTMTextClassifier(10, 2, embedding_dim=4, hidden_size=3, forget_bias=None)
    torch.manual_seed(0)
    biased = LSTMTextClassifier(10, 2, embedding_dim=4, hidden_size=3, forget_bias=1.0)
    for name, value in default.lstm.named_parameters():
        assert torch.equal(value, dict(same.lstm.named_parameters())[name])
    for suffix in ("l0", "l0_reverse"):
        total = getattr(biased.lstm, f"bias_ih_{suffix}") + getattr(
            biased.lstm, f"bias_hh_{suffix}"
        )
        assert torch.equal(total[3:6], torch.ones(3))
        assert not torch.equal(getattr(default.lstm, f"bias_ih_{suffix}")[3:6], torch.ones(3))
    assert TextConfig().forget_bias is None


def test_forward_vote_is_the_forward_part_of_the_logit_margin():
    torch.manual_seed(0)
    model = LSTMTextClassifier(12, 2, embedding_dim=4, hidden_size=3, bidirectional=False).eval()
    id_lists = [[2, 3, 4, 5], [6], [7, 8]]
    tokens, lengths = pad_batch(id_lists)
    with torch.no_grad():
        logits = model(tokens, lengths)
    bias = model.head.bias[1] - model.head.bias[0]
    margin = (logits[:, 1] - logits[:, 0] - bias).detach().numpy()
    np.testing.assert_allclose(forward_vote(model, id_lists), margin, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(
        forward_vote(model, id_lists, positive=0), -margin, rtol=1e-5, atol=1e-6
    )
    # The forward vote of a bidirectional model ignores the backward direction.
    bi = LSTMTextClassifier(12, 2, embedding_dim=4, hidden_size=3).eval()
    before = forward_vote(bi, id_lists)
    with torch.no_grad():
        bi.lstm.weight_ih_l0_reverse.add_(1.0)
    np.testing.assert_array_equal(forward_vote(bi, id_lists), before)
