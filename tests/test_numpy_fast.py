"""The fast NumPy LSTM gives the plain layer's numbers, and nn.LSTM's, forward and gradients."""

import numpy as np
import pytest
import torch

from lstmbook.numpy_fast import FastLSTM
from lstmbook.numpy_lstm import LSTM

# float64: both layers differ only in the order of roundings (and sigmoid's formula);
# float32: a few units of float32's spacing (1.2e-7) over a few steps.
TOLERANCE = {np.float64: dict(rtol=1e-10, atol=1e-12), np.float32: dict(rtol=2e-5, atol=2e-6)}


def _problem(seed, batch=5, time=7, input_size=3, hidden=4):
    rng = np.random.default_rng(seed)
    shapes = {
        "X": (batch, time, input_size),
        "dH": (batch, time, hidden),
        "h0": (batch, hidden),
        "c0": (batch, hidden),
        "dh_T": (batch, hidden),
        "dc_T": (batch, hidden),
    }
    return {k: rng.standard_normal(s) for k, s in shapes.items()}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("threads", [1, 2, 3, 8])
@pytest.mark.parametrize("seed", [0, 1])
def test_same_numbers_as_the_plain_layer(dtype, threads, seed):
    p = _problem(seed)
    plain = LSTM(3, 4, seed=seed, dtype=dtype)
    fast = FastLSTM(3, 4, seed=seed, dtype=dtype, threads=threads)
    H_a, (h_a, c_a) = plain.forward(p["X"], (p["h0"], p["c0"]))
    H_b, (h_b, c_b) = fast.forward(p["X"], (p["h0"], p["c0"]))
    for got, expected in [(H_b, H_a), (h_b, h_a), (c_b, c_a)]:
        assert got.dtype == dtype
        np.testing.assert_allclose(got, expected, **TOLERANCE[dtype])
    dX_a = plain.backward(p["dH"], p["dh_T"], p["dc_T"])
    dX_b = fast.backward(p["dH"], p["dh_T"], p["dc_T"])
    np.testing.assert_allclose(dX_b, dX_a, **TOLERANCE[dtype])
    for name, grad in plain.grads.items():
        np.testing.assert_allclose(fast.grads[name], grad, **TOLERANCE[dtype], err_msg=name)
    for got, expected in zip(fast.grad_state, plain.grad_state, strict=True):
        np.testing.assert_allclose(got, expected, **TOLERANCE[dtype])
    gates_a, gates_b = plain.gate_values(), fast.gate_values()
    for k in "ifgo":
        np.testing.assert_allclose(gates_b[k], gates_a[k], **TOLERANCE[dtype])


@pytest.mark.parametrize("threads", [1, 2])
def test_same_numbers_as_torch_in_float64_and_float32(threads):
    for dtype, tol in [(torch.float64, 1e-10), (torch.float32, 2e-5)]:
        torch.manual_seed(0)
        module = torch.nn.LSTM(3, 6, batch_first=True, dtype=dtype)
        fast = FastLSTM.from_torch(module)
        fast.threads = threads
        p = _problem(2, batch=4, time=9, input_size=3, hidden=6)
        X = torch.tensor(p["X"], dtype=dtype, requires_grad=True)
        H_t, _ = module(X)
        grads = torch.autograd.grad(
            H_t, [X, *module.parameters()], torch.tensor(p["dH"], dtype=dtype)
        )
        H, _ = fast.forward(p["X"])
        np.testing.assert_allclose(H, H_t.detach().numpy(), rtol=tol, atol=tol)
        dX = fast.backward(p["dH"])
        np.testing.assert_allclose(dX, grads[0].numpy(), rtol=tol, atol=tol)
        ours = fast.torch_grads()
        for (name, _), grad in zip(module.named_parameters(), grads[1:], strict=True):
            np.testing.assert_allclose(ours[name], grad.numpy(), rtol=tol, atol=tol, err_msg=name)


def test_backward_without_dH_and_a_batch_smaller_than_the_threads():
    plain, fast = LSTM(2, 3, seed=4), FastLSTM(2, 3, seed=4, threads=4)
    X = np.random.default_rng(0).standard_normal((1, 5, 2)).astype(np.float32)
    dh_T = np.ones((1, 3), dtype=np.float32)
    plain.forward(X)
    fast.forward(X)
    np.testing.assert_allclose(
        fast.backward(None, dh_T=dh_T), plain.backward(None, dh_T=dh_T), rtol=2e-5, atol=2e-6
    )


def test_contracts():
    with pytest.raises(ValueError, match="threads"):
        FastLSTM(2, 3, threads=0)
    fast = FastLSTM(2, 3)
    with pytest.raises(ValueError, match="backward called before forward"):
        fast.backward(np.zeros((1, 1, 3)))
    with pytest.raises(ValueError, match="no gate values yet"):
        fast.gate_values()
    with pytest.raises(ValueError, match="X must have shape"):
        fast.forward(np.zeros((1, 2, 5)))
    fast.forward(np.zeros((1, 2, 2)))
    with pytest.raises(ValueError, match="dH must have shape"):
        fast.backward(np.zeros((1, 3, 3)))
    assert repr(fast) == "FastLSTM(2, 3, dtype=float32, threads=1)"
