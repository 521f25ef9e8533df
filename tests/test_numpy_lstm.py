"""The NumPy LSTM against PyTorch autograd, finite differences, and its own contracts."""

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lstmbook.config import TrainConfig
from lstmbook.exercises.numpy_lstm import check_cell_backward, check_four_matrices, check_sigmoid
from lstmbook.four_matrix import FourMatrixCell
from lstmbook.gradcheck import check_lstm_gradients, compare_with_torch, gradient_check
from lstmbook.numpy_lstm import LSTM
from lstmbook.numpy_nn import (
    Adam,
    Linear,
    clip_grad_norm,
    cross_entropy,
    train_classifier,
)


@settings(max_examples=60, deadline=None)
@given(
    input_size=st.integers(1, 6),
    hidden_size=st.integers(1, 6),
    batch=st.integers(1, 4),
    time=st.integers(1, 9),
    with_state=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_float64_equals_torch_autograd(input_size, hidden_size, batch, time, with_state, seed):
    rng = np.random.default_rng(seed)
    layer = LSTM(input_size, hidden_size, seed=seed, dtype=np.float64)
    X = rng.standard_normal((batch, time, input_size))
    state = None
    if with_state:
        state = (
            rng.standard_normal((batch, hidden_size)),
            rng.standard_normal((batch, hidden_size)),
        )
    errors = compare_with_torch(layer, X, state, seed=seed)
    expected = {"H", "h_T", "c_T", "dX", "weight_ih_l0", "weight_hh_l0", "bias_ih_l0"}
    expected |= {"bias_hh_l0"} | ({"dh_0", "dc_0"} if with_state else set())
    assert set(errors) == expected
    assert max(errors.values()) <= 1e-10, errors


def test_torch_grads_have_torch_names_and_shapes():
    layer = LSTM(3, 5, seed=0, dtype=np.float64)
    layer.forward(np.ones((2, 4, 3)))
    layer.backward(np.ones((2, 4, 5)))
    grads = layer.torch_grads()
    params = dict(layer.to_torch().named_parameters())
    assert list(grads) == list(params)
    for name, p in params.items():
        assert grads[name].shape == tuple(p.shape)


def test_comparison_with_torch_can_fail():
    """The comparison is not vacuous: a layer with a wrong backward is caught."""

    class WrongLSTM(LSTM):
        def backward(self, dH, dh_T=None, dc_T=None):
            dX = super().backward(dH, dh_T, dc_T)
            self.grads["W_hh"] = 1.001 * self.grads["W_hh"]
            return dX

    layer = WrongLSTM(2, 3, seed=1, dtype=np.float64)
    errors = compare_with_torch(layer, np.random.default_rng(1).standard_normal((2, 4, 2)))
    assert errors["weight_hh_l0"] > 1e-4
    assert errors["weight_ih_l0"] < 1e-12


def test_float32_matches_torch_to_float32_precision():
    torch.manual_seed(0)
    module = torch.nn.LSTM(5, 7, batch_first=True)
    layer = LSTM.from_torch(module)
    assert layer.dtype == np.float32
    X = np.random.default_rng(0).standard_normal((3, 11, 5)).astype(np.float32)
    H, (h_T, c_T) = layer.forward(X)
    assert H.dtype == np.float32
    with torch.no_grad():
        out, (h_ref, c_ref) = module(torch.from_numpy(X))
    np.testing.assert_allclose(H, out.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(c_T, c_ref[0].numpy(), rtol=1e-5, atol=1e-6)


def test_torch_round_trip_is_the_identity():
    torch.manual_seed(1)
    module = torch.nn.LSTM(4, 3, batch_first=True, dtype=torch.float64)
    back = LSTM.from_torch(module).to_torch()
    for (name, p), (name_back, q) in zip(
        module.named_parameters(), back.named_parameters(), strict=True
    ):
        assert name == name_back
        assert torch.equal(p, q)


def test_unrolled_steps_equal_the_whole_sequence():
    rng = np.random.default_rng(2)
    layer = LSTM(3, 4, seed=2, dtype=np.float64)
    X = rng.standard_normal((2, 6, 3))
    H, (h_T, c_T) = layer.forward(X)
    state = None
    for t in range(6):
        H_t, state = layer.forward(X[:, t : t + 1], state)
        np.testing.assert_allclose(H_t[:, 0], H[:, t], rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(state[0], h_T, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(state[1], c_T, rtol=1e-13, atol=1e-15)


def test_open_forget_gate_and_closed_input_gate_keep_the_cell_state():
    layer = LSTM(2, 3, seed=3, dtype=np.float64)
    H = layer.hidden_size
    layer.W_ih[:] = 0.0
    layer.W_hh[:] = 0.0
    layer.b_ih[:] = 0.0
    layer.b_hh[:] = 0.0
    layer.b_ih[:H] = -1000.0  # input gate shut: sigmoid(-1000) == 0
    layer.b_ih[H : 2 * H] = 1000.0  # forget gate open: sigmoid(1000) == 1
    c_0 = np.array([[0.5, -2.0, 3.0]])
    X = np.random.default_rng(3).standard_normal((1, 50, 2))
    _, (_, c_T) = layer.forward(X, (np.zeros((1, 3)), c_0))
    np.testing.assert_array_equal(c_T, c_0)


def test_forget_gate_scales_the_cell_gradient_step_by_step():
    """With no recurrent weights, dL/dc_0 = dL/dc_T times the product of the forget gates."""
    layer = LSTM(2, 3, seed=4, dtype=np.float64)
    layer.W_hh[:] = 0.0
    X = np.random.default_rng(4).standard_normal((2, 12, 2))
    layer.forward(X)
    dc_T = np.ones((2, 3))
    layer.backward(None, dc_T=dc_T)
    f = layer.gate_values()["f"]  # (batch, time, hidden)
    np.testing.assert_allclose(layer.grad_state[1], dc_T * f.prod(axis=1), rtol=1e-12, atol=1e-15)


def test_four_matrix_cell_is_the_fused_layer():
    cell = FourMatrixCell(3, 5, seed=5, dtype=np.float64)
    for name in ("b_f", "b_i", "b_c", "b_o"):
        setattr(cell, name, np.random.default_rng(5).standard_normal((1, 5)))
    layer = LSTM.from_four_matrix_cell(cell)
    X = np.random.default_rng(6).standard_normal((4, 7, 3))
    np.testing.assert_allclose(
        cell.forward_sequence(X), layer.forward(X)[0], rtol=1e-12, atol=1e-15
    )


def test_four_matrix_cell_follows_the_source():
    """Rows as vectors, weights (D + H, H) times 0.01, biases (1, H) zero, a clipped sigmoid."""
    cell = FourMatrixCell(3, 5, seed=0, dtype=np.float64)
    for gate in "fico":
        W, b = getattr(cell, f"W_{gate}"), getattr(cell, f"b_{gate}")
        assert W.shape == (8, 5) and b.shape == (1, 5)
        assert 0.003 < W.std() < 0.03 and not b.any()
    x, h, c = np.ones((2, 3)), np.zeros((2, 5)), np.zeros((2, 5))
    combined = np.concatenate([x, h], axis=1)
    f = 1 / (1 + np.exp(-(combined @ cell.W_f)))
    i = 1 / (1 + np.exp(-(combined @ cell.W_i)))
    o = 1 / (1 + np.exp(-(combined @ cell.W_o)))
    c_new = f * c + i * np.tanh(combined @ cell.W_c)
    h_new, c_got = cell.forward(x, h, c)
    np.testing.assert_allclose(c_got, c_new, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(h_new, o * np.tanh(c_new), rtol=1e-14, atol=1e-15)
    cell.W_f[:] = 1e4  # a huge pre-activation: the source's clip keeps exp finite, silently
    with np.errstate(over="raise"):
        cell.forward(x, h, c)


@pytest.mark.parametrize("with_state", [False, True])
def test_gradient_check_passes(with_state):
    rng = np.random.default_rng(7)
    layer = LSTM(3, 4, seed=7, dtype=np.float64)
    state = (rng.standard_normal((2, 4)), rng.standard_normal((2, 4))) if with_state else None
    errors = check_lstm_gradients(layer, rng.standard_normal((2, 5, 3)), state, max_entries=None)
    assert set(errors) == {"W_ih", "W_hh", "b_ih", "b_hh", "X"} | (
        {"h_0", "c_0"} if with_state else set()
    )
    assert max(errors.values()) < 1e-6


def test_gradient_check_catches_a_wrong_gradient():
    x = np.array([0.5, -1.0, 2.0])
    right = np.cos(x)
    assert gradient_check(lambda: float(np.sum(np.sin(x))), x, right) < 1e-8
    assert gradient_check(lambda: float(np.sum(np.sin(x))), x, 1.01 * right) > 1e-3
    np.testing.assert_array_equal(x, [0.5, -1.0, 2.0])  # restored after nudging


def test_gradient_check_needs_float64():
    x = np.ones(3, dtype=np.float32)
    with pytest.raises(TypeError, match="float64"):
        gradient_check(lambda: float(x.sum()), x, np.ones(3))
    with pytest.raises(ValueError, match="float64"):
        check_lstm_gradients(LSTM(1, 1), np.ones((1, 2, 1)))


def test_seed_makes_the_layer_deterministic():
    a, b = LSTM(3, 4, seed=9), LSTM(3, 4, seed=9)
    for name, p in a.parameters().items():
        np.testing.assert_array_equal(p, b.parameters()[name])
    X = np.ones((2, 3, 3), dtype=np.float32)
    np.testing.assert_array_equal(a.forward(X)[0], b.forward(X)[0])


def test_gate_values_lie_in_their_ranges():
    layer = LSTM(2, 3, seed=10)
    layer.forward(np.random.default_rng(10).standard_normal((4, 5, 2)) * 10)
    gates = layer.gate_values()
    assert list(gates) == ["i", "f", "g", "o"]
    for name, value in gates.items():
        assert value.shape == (4, 5, 3)
        low = -1.0 if name == "g" else 0.0
        assert np.all((value >= low) & (value <= 1.0))


def test_huge_inputs_saturate_without_warnings():
    layer = LSTM(1, 2, seed=11)
    X = np.array([[[1e4], [-1e4], [3e4]]], dtype=np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        H, _ = layer.forward(X)
        layer.backward(np.ones_like(H))
    assert np.all(np.isfinite(H))


# ------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("X", "message"),
    [
        (np.ones((2, 3)), r"X must have shape \(\*, \*, 4\), got \(2, 3\)"),
        (np.ones((2, 3, 5)), r"X must have shape \(\*, \*, 4\), got \(2, 3, 5\)"),
        (np.full((1, 2, 4), np.nan), "X must be finite"),
        (np.full((1, 2, 4), np.inf), "X must be finite"),
        (np.ones((0, 2, 4)), "must not be empty"),
    ],
)
def test_bad_input_raises_value_error(X, message):
    with pytest.raises(ValueError, match=message):
        LSTM(4, 3).forward(X)


def test_non_numeric_input_raises_type_error():
    with pytest.raises(TypeError, match="real numbers"):
        LSTM(1, 1).forward(np.array([[["a"]]]))


def test_bad_state_raises_value_error():
    layer = LSTM(2, 3)
    X = np.ones((4, 5, 2))
    with pytest.raises(ValueError, match=r"h_0 must have shape \(4, 3\), got \(3, 4\)"):
        layer.forward(X, (np.zeros((3, 4)), np.zeros((4, 3))))
    with pytest.raises(ValueError, match="pair"):
        layer.forward(X, np.zeros((4, 3)))


def test_backward_before_forward_raises():
    with pytest.raises(ValueError, match="before forward"):
        LSTM(2, 3).backward(np.ones((1, 1, 3)))
    with pytest.raises(ValueError, match="no gradients yet"):
        LSTM(2, 3).torch_grads()


def test_backward_with_wrong_shapes_raises():
    layer = LSTM(2, 3)
    layer.forward(np.ones((4, 5, 2)))
    with pytest.raises(ValueError, match=r"dH must have shape \(4, 5, 3\), got \(4, 3, 5\)"):
        layer.backward(np.ones((4, 3, 5)))
    with pytest.raises(ValueError, match=r"dc_T must have shape \(4, 3\), got \(3,\)"):
        layer.backward(np.ones((4, 5, 3)), dc_T=np.ones(3))
    with pytest.raises(ValueError, match="dH must be finite"):
        layer.backward(np.full((4, 5, 3), np.nan))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"bidirectional": True}, "bidirectional=False, got bidirectional=True"),
        ({"num_layers": 2}, "num_layers=1, got num_layers=2"),
        ({"batch_first": False}, "batch_first=True, got batch_first=False"),
        ({"bias": False}, "bias=True, got bias=False"),
        ({"proj_size": 1}, "proj_size=0, got proj_size=1"),
    ],
)
def test_unsupported_torch_lstm_raises(kwargs, message):
    module = torch.nn.LSTM(2, 3, **({"batch_first": True} | kwargs))
    with pytest.raises(ValueError, match=message):
        LSTM.from_torch(module)


def test_from_torch_needs_an_lstm():
    with pytest.raises(TypeError, match="torch.nn.LSTM"):
        LSTM.from_torch(torch.nn.GRU(2, 3, batch_first=True))


@pytest.mark.parametrize(
    ("args", "error"),
    [((0, 3), ValueError), ((2, 2.5), TypeError), ((True, 3), TypeError)],
)
def test_bad_sizes_raise(args, error):
    with pytest.raises(error):
        LSTM(*args)


def test_bad_dtype_raises():
    with pytest.raises(ValueError, match="float32 or float64, got float16"):
        LSTM(2, 3, dtype=np.float16)


# ------------------------------------------------------------------------------- training


def test_cross_entropy_and_linear_gradients():
    rng = np.random.default_rng(12)
    readout = Linear(4, 3, seed=12, dtype=np.float64)
    x = rng.standard_normal((5, 4))
    y = np.array([0, 2, 1, 1, 0])

    def loss() -> float:
        return cross_entropy(readout.forward(x), y)[0]

    _, dlogits = cross_entropy(readout.forward(x), y)
    dx = readout.backward(dlogits)
    assert gradient_check(loss, readout.W, readout.grads["W"]) < 1e-7
    assert gradient_check(loss, readout.b, readout.grads["b"]) < 1e-7
    assert gradient_check(loss, x, dx) < 1e-7


def test_clip_grad_norm_scales_to_the_threshold():
    grads = {"a": np.array([3.0]), "b": np.array([4.0])}
    assert clip_grad_norm(grads, 1.0) == pytest.approx(5.0)
    total = np.sqrt(sum(float(g @ g) for g in grads.values()))
    assert total == pytest.approx(1.0, rel=1e-5)
    small = {"a": np.array([0.1])}
    clip_grad_norm(small, 1.0)
    np.testing.assert_array_equal(small["a"], [0.1])


def test_adam_minimises_a_quadratic():
    w = {"w": np.array([3.0, -2.0])}
    optimiser = Adam(w, lr=0.1)
    for _ in range(300):
        optimiser.step({"w": 2 * w["w"]})
    np.testing.assert_allclose(w["w"], 0.0, rtol=0, atol=0.05)


def test_training_lowers_the_loss():
    rng = np.random.default_rng(13)
    X = rng.standard_normal((64, 6, 1)).astype(np.float32)
    y = (X[:, 0, 0] > 0).astype(np.int64)  # the label is the sign of the first step
    config = TrainConfig(batch_size=32, lr=0.03, clip_grad_norm=1.0)
    model, history = train_classifier(X, y, config, hidden_size=8, steps=100)
    assert len(history.step_loss) == len(history.step_grad_norm) == 100
    assert np.mean(history.step_loss[-10:]) < 0.5 * np.mean(history.step_loss[:10])
    assert (model.predict(X) == y).mean() > 0.9


def test_training_steps_default_to_whole_epochs():
    X, y = np.zeros((64, 3, 1)), np.zeros(64, np.int64)
    _, history = train_classifier(X, y, TrainConfig(epochs=3, batch_size=16), hidden_size=2)
    assert len(history.step_loss) == 3 * 64 // 16


def test_training_needs_integer_labels():
    with pytest.raises(ValueError, match="integer labels"):
        train_classifier(np.ones((4, 2, 1)), np.ones(4) * 0.5)


# ------------------------------------------------------------------------------- exercises


def solution_four_matrices(layer: LSTM) -> FourMatrixCell:
    H, D = layer.hidden_size, layer.input_size
    cell = FourMatrixCell(D, H, dtype=layer.dtype)
    W = np.concatenate([layer.W_ih, layer.W_hh], axis=1).T  # (D + H, 4H)
    b = (layer.b_ih + layer.b_hh)[None, :]  # (1, 4H)
    for k, gate in enumerate("ifco"):
        setattr(cell, f"W_{gate}", W[:, k * H : (k + 1) * H])
        setattr(cell, f"b_{gate}", b[:, k * H : (k + 1) * H])
    return cell


def solution_cell_backward(layer, x, h_prev, c_prev, dh, dc):
    def sigmoid(z):
        return 1 / (1 + np.exp(-z))

    H = layer.hidden_size
    z = x @ layer.W_ih.T + layer.b_ih + h_prev @ layer.W_hh.T + layer.b_hh
    i, f, g, o = (
        sigmoid(z[:, :H]),
        sigmoid(z[:, H : 2 * H]),
        np.tanh(z[:, 2 * H : 3 * H]),
        sigmoid(z[:, 3 * H :]),
    )
    c = f * c_prev + i * g
    dc = dc + dh * o * (1 - np.tanh(c) ** 2)
    dz = np.concatenate(
        [
            dc * g * i * (1 - i),
            dc * c_prev * f * (1 - f),
            dc * i * (1 - g**2),
            dh * np.tanh(c) * o * (1 - o),
        ],
        axis=1,
    )
    return dz @ layer.W_ih, dz @ layer.W_hh, dc * f


def solution_sigmoid(z):
    np.multiply(z, 0.5, out=z)
    np.tanh(z, out=z)
    z *= 0.5
    z += 0.5
    return z


def test_checkers_accept_right_answers(capsys):
    assert check_four_matrices(solution_four_matrices)
    assert check_cell_backward(solution_cell_backward)
    assert check_sigmoid(solution_sigmoid)
    assert capsys.readouterr().out.count("Correct") == 3


def test_checkers_reject_wrong_answers_without_raising(capsys):
    def wrong_order(layer):  # the gates in the order i, f, o, g: a classic slip
        cell = solution_four_matrices(layer)
        cell.W_c, cell.W_o = cell.W_o, cell.W_c
        return cell

    def no_carousel(layer, x, h_prev, c_prev, dh, dc):
        dx, dh_prev, dc_prev = solution_cell_backward(layer, x, h_prev, c_prev, dh, dc)
        return dx, dh_prev, dc  # forgets the forget gate

    def naive(z):
        z[:] = 1 / (1 + np.exp(-z))  # overflows, warns, and is not in place in spirit
        return z

    def broken(*args):
        raise RuntimeError("not yet")

    assert not check_four_matrices(wrong_order)
    assert not check_cell_backward(no_carousel)
    assert not check_sigmoid(naive)
    assert not check_sigmoid(lambda z: 1 / (1 + np.exp(-z.astype(np.float64))))
    assert not check_cell_backward(broken)
    out = capsys.readouterr().out
    assert "Correct" not in out
    assert "W_c" in out and "dc_prev" in out and "RuntimeError: not yet" in out


@pytest.mark.parametrize("checker", [check_four_matrices, check_cell_backward, check_sigmoid])
def test_checkers_need_a_function(checker):
    with pytest.raises(TypeError, match="expected a function"):
        checker(42)
