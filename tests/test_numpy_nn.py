"""The NumPy training pieces against PyTorch's, as the NumPy LSTM is (float64 throughout).

``rtol`` and ``atol`` are both given: ``atol`` covers entries near 0, where a relative tolerance
alone would ask for exact equality.
"""

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from lstmbook.numpy_nn import Adam, clip_grad_norm, cross_entropy

TOL = {"rtol": 1e-12, "atol": 1e-14}


@pytest.mark.parametrize("seed", range(5))
def test_cross_entropy_and_its_gradient_are_pytorchs(seed):
    rng = np.random.default_rng(seed)
    logits, y = rng.standard_normal((8, 5)) * 3, rng.integers(0, 5, 8)
    loss, grad = cross_entropy(logits, y)
    t = torch.tensor(logits, requires_grad=True)
    expected = F.cross_entropy(t, torch.tensor(y))
    expected.backward()
    np.testing.assert_allclose(loss, expected.item(), **TOL)
    np.testing.assert_allclose(grad, t.grad.numpy(), **TOL)


@pytest.mark.parametrize("max_norm", [0.1, 1.0, 100.0])
def test_clip_grad_norm_is_pytorchs(max_norm):
    rng = np.random.default_rng(0)
    grads = {"a": rng.standard_normal((3, 4)), "b": rng.standard_normal(5)}
    tensors = [torch.zeros(3, 4, dtype=torch.float64), torch.zeros(5, dtype=torch.float64)]
    for tensor, g in zip(tensors, grads.values(), strict=True):
        tensor.grad = torch.tensor(g)
    expected_norm = torch.nn.utils.clip_grad_norm_(tensors, max_norm)
    norm = clip_grad_norm(grads, max_norm)
    np.testing.assert_allclose(norm, expected_norm.item(), **TOL)
    for tensor, g in zip(tensors, grads.values(), strict=True):
        np.testing.assert_allclose(g, tensor.grad.numpy(), **TOL)


def test_adam_takes_pytorchs_steps():
    rng = np.random.default_rng(0)
    params = {"w": rng.standard_normal((4, 3)), "b": rng.standard_normal(3)}
    twins = [torch.tensor(p.copy(), requires_grad=True) for p in params.values()]
    ours = Adam(params, lr=0.05, betas=(0.8, 0.99), eps=1e-8)
    theirs = torch.optim.Adam(twins, lr=0.05, betas=(0.8, 0.99), eps=1e-8)
    for _ in range(20):
        grads = {k: rng.standard_normal(p.shape) for k, p in params.items()}
        for twin, g in zip(twins, grads.values(), strict=True):
            twin.grad = torch.tensor(g)
        ours.step(grads)
        theirs.step()
    for p, twin in zip(params.values(), twins, strict=True):
        np.testing.assert_allclose(p, twin.detach().numpy(), rtol=1e-10, atol=1e-12)
