"""minLSTM, minGRU, sLSTM and mLSTM: both forms agree, the stabiliser changes nothing but
overflow, float32 stays accurate at long T, each model learns, bad input is refused."""

import json
from pathlib import Path

import pytest
import torch
from torch import nn

from lstmbook.data import ADDING_BASELINE_MSE, adding_problem
from lstmbook.exercises.scan import check_scan
from lstmbook.modern import MinGRU, MinLSTM
from lstmbook.scan import linear_scan, log_space_scan, sequential_scan
from lstmbook.train import fit
from lstmbook.xlstm import MLSTM, SLSTM

ROOT = Path(__file__).resolve().parents[1]
PARALLEL = {
    "MinLSTM": lambda i, h: MinLSTM(i, h),
    "MinGRU": lambda i, h: MinGRU(i, h),
    "MLSTM": lambda i, h: MLSTM(i, 2 * h, num_heads=2),
}


def _values_and_grads(model: nn.Module, x: torch.Tensor, mode: str, **kwargs):
    x = x.clone().requires_grad_()
    y = model(x, mode=mode, **kwargs)
    weights = torch.randn(y.shape, generator=torch.Generator().manual_seed(1), dtype=y.dtype)
    grads = torch.autograd.grad((y * weights).sum(), [x, *model.parameters()])
    return y.detach(), grads


def _assert_same(first, second, tol=1e-10):
    (y1, g1), (y2, g2) = first, second
    torch.testing.assert_close(y1, y2, rtol=tol, atol=tol)
    for a, b in zip(g1, g2, strict=True):
        torch.testing.assert_close(a, b, rtol=tol, atol=tol)


@pytest.mark.parametrize("name", PARALLEL)
@pytest.mark.parametrize("shape", [(1, 1, 1, 1), (3, 1, 2, 4), (2, 2, 3, 2), (2, 17, 3, 5),
                                   (4, 64, 2, 3), (2, 1000, 3, 4), (1, 1031, 2, 3)])  # fmt: skip
def test_parallel_equals_sequential_values_and_gradients(name, shape):
    B, T, D, H = shape
    torch.manual_seed(T + B)
    model = PARALLEL[name](D, H).double()
    x = torch.randn(B, T, D, dtype=torch.float64)
    _assert_same(_values_and_grads(model, x, "parallel"), _values_and_grads(model, x, "sequential"))


def test_mlstm_takes_recurrent_as_the_sequential_form():
    torch.manual_seed(0)
    model = MLSTM(3, 6, num_heads=3).double()
    x = torch.randn(2, 30, 3, dtype=torch.float64)
    torch.testing.assert_close(model(x, mode="recurrent"), model(x, mode="sequential"))


@pytest.mark.parametrize("T", [1, 2, 9, 100, 1000])
def test_scan_equals_loop(T):
    generator = torch.Generator().manual_seed(T)
    a = torch.rand(3, T, 4, generator=generator, dtype=torch.float64)
    b = torch.randn(3, T, 4, generator=generator, dtype=torch.float64)
    torch.testing.assert_close(linear_scan(a, b), sequential_scan(a, b), rtol=1e-12, atol=1e-12)
    b = b.abs() + 0.1  # the log-space scan needs b > 0
    torch.testing.assert_close(log_space_scan(a.log(), b.log()), sequential_scan(a, b))


@pytest.mark.parametrize("cls", [MinLSTM, MinGRU])
def test_float32_parallel_scan_stays_accurate_at_T_4096(cls):
    torch.manual_seed(0)
    model = cls(8, 16)
    x = torch.randn(4, 4096, 8)
    with torch.no_grad():
        y32 = model(x, mode="parallel").double()
        y64 = model.double()(x.double(), mode="sequential")
    assert (y32 - y64).abs().max() < 1e-4 * y64.abs().max()


def test_minlstm_gates_are_normalised_and_need_no_positive_candidate():
    torch.manual_seed(0)
    model = MinLSTM(2, 3).double()
    a, b = model.coefficients(torch.randn(2, 5, 2, dtype=torch.float64))
    f_pre, i_pre, h_tilde = model.linear(torch.zeros(1, 1, 2, dtype=torch.float64)).chunk(3, -1)
    f, i = torch.sigmoid(f_pre), torch.sigmoid(i_pre)
    a0, b0 = model.coefficients(torch.zeros(1, 1, 2, dtype=torch.float64))
    torch.testing.assert_close(a0, f / (f + i))
    torch.testing.assert_close(b0, i / (f + i) * h_tilde)
    assert ((a > 0) & (a < 1)).all()


def _unstabilised_or_not(model, x, mode):
    return model(x, mode=mode, stabilised=True), model(x, mode=mode, stabilised=False)


@pytest.mark.parametrize("T", [1, 5, 200])
def test_stabilised_equals_unstabilised_where_that_does_not_overflow(T):
    torch.manual_seed(T)
    x = torch.randn(2, T, 3, dtype=torch.float64)
    for model, mode in [(SLSTM(3, 5), "sequential"), (SLSTM(3, 5, forget_gate="exp"), "sequential"),
                        (MLSTM(3, 4, 2), "parallel"), (MLSTM(3, 4, 2), "recurrent")]:  # fmt: skip
        stable, direct = _unstabilised_or_not(model.double(), x, mode)
        assert torch.isfinite(direct).all()
        torch.testing.assert_close(stable, direct, rtol=1e-10, atol=1e-12)


def _huge_gates(model: nn.Module, scale: float) -> nn.Module:
    """Scale the input- and forget-gate rows of the input weights by ``scale``."""
    with torch.no_grad():
        if isinstance(model, SLSTM):
            model.weight_ih[: 2 * model.hidden_size] *= scale
        else:
            model.linear.weight[4 * model.hidden_size :] *= scale
    return model


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_huge_preactivations_overflow_without_the_stabiliser_and_stay_finite_with_it(dtype):
    torch.manual_seed(0)
    x = torch.randn(4, 50, 3, dtype=dtype)
    slstm = _huge_gates(SLSTM(3, 6).to(dtype), 1e4)
    mlstm = _huge_gates(MLSTM(3, 6, 2).to(dtype), 1e4)
    assert not torch.isfinite(slstm(x, stabilised=False)).all()
    h = slstm(x)
    assert torch.isfinite(h).all() and (h.abs() < 1).all()
    for mode in ("parallel", "recurrent"):
        assert not torch.isfinite(mlstm(x, mode=mode, stabilised=False)).all()
        assert torch.isfinite(mlstm(x, mode=mode)).all()
    torch.testing.assert_close(mlstm(x), mlstm(x, mode="recurrent"), rtol=1e-4, atol=1e-4)


def test_slstm_output_is_bounded_by_one_when_every_preactivation_is_huge():
    # In exact arithmetic |h| < 1; tanh and the sigmoid round to exactly 1 at this size.
    torch.manual_seed(0)
    model = SLSTM(3, 6)
    with torch.no_grad():
        for p in model.parameters():
            p.mul_(1e6)
    h = model(torch.randn(4, 50, 3))
    assert torch.isfinite(h).all() and (h.abs() <= 1).all()


class _Regressor(nn.Module):
    def __init__(self, layer: nn.Module, hidden: int) -> None:
        super().__init__()
        self.layer, self.head = layer, nn.Linear(hidden, 1)

    def forward(self, x):
        return self.head(self.layer(x)[:, -1]).squeeze(-1)


@pytest.mark.parametrize(
    "make, hidden",
    [(lambda: MinLSTM(2, 32), 32), (lambda: MinGRU(2, 32), 32), (lambda: SLSTM(2, 16), 16),
     (lambda: MLSTM(2, 16, 2), 16)],
    ids=["MinLSTM", "MinGRU", "SLSTM", "MLSTM"],
)  # fmt: skip
def test_each_model_learns_the_adding_problem(make, hidden):
    X, y = adding_problem(900, T=10, seed=0)
    torch.manual_seed(0)
    model = _Regressor(make(), hidden)
    history = fit(model, (X[:700], y[:700]), (X[700:], y[700:]), nn.MSELoss(),
                  epochs=10, lr=1e-2, batch_size=32, device="cpu")  # fmt: skip
    assert min(history.val_loss) < ADDING_BASELINE_MSE / 2  # half the always-0.5 error


@pytest.mark.parametrize("cls", [MinLSTM, MinGRU, SLSTM, MLSTM])
def test_bad_input_is_refused_by_name(cls):
    model = cls(3, 4)
    with pytest.raises(ValueError, match="x must have shape"):
        model(torch.zeros(2, 3))
    with pytest.raises(ValueError, match="x must have shape"):
        model(torch.zeros(2, 5, 4))
    with pytest.raises(ValueError, match="mode must be one of"):
        model(torch.zeros(2, 5, 3), mode="fast")
    with pytest.raises(ValueError, match="must be finite"):
        model(torch.full((1, 2, 3), float("nan")))
    with pytest.raises(ValueError, match="hidden_size"):
        cls(3, 0)
    with pytest.raises(TypeError, match="input_size"):
        cls(3.5, 4)


def test_slstm_refuses_parallel_and_mlstm_heads_must_divide():
    with pytest.raises(ValueError, match="no parallel form"):
        SLSTM(2, 3)(torch.zeros(1, 4, 2), mode="parallel")
    with pytest.raises(ValueError, match="num_heads must divide hidden_size"):
        MLSTM(2, 6, num_heads=4)
    with pytest.raises(ValueError, match="num_heads"):
        MLSTM(2, 6, num_heads=0)
    with pytest.raises(ValueError, match="forget_gate"):
        SLSTM(2, 3, forget_gate="tanh")
    with pytest.raises(TypeError, match="stabilised"):
        SLSTM(2, 3)(torch.zeros(1, 4, 2), stabilised="yes")


def test_check_scan_accepts_the_scan_and_refuses_stubs(capsys):
    assert check_scan(linear_scan)
    assert check_scan(sequential_scan)

    def stub(a, b):
        raise NotImplementedError

    assert not check_scan(stub)
    assert not check_scan(lambda a, b: None)
    assert not check_scan(lambda a, b: b)  # forgets the recurrence
    assert not check_scan(lambda a, b: b[:, :1])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Correct:") and lines[1].startswith("Correct:")
    assert all(line.startswith("Not yet:") for line in lines[2:]) and len(lines) == 6


def test_chapter_tables_match_the_committed_log():
    from lstmbook.compare_modern import load_log, results_table

    log = load_log()
    notebook = json.loads((ROOT / "chapters" / "09_modern_recurrent.ipynb").read_text())
    shown = [
        "".join(output.get("data", {}).get("text/plain", []))
        for cell in notebook["cells"]
        if cell["cell_type"] == "code"
        for output in cell.get("outputs", [])
    ]
    for task in ("adding", "shakespeare"):
        assert repr(results_table(log, task)) in shown, task
