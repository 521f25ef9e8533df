"""The benchmark's method and structure on a tiny size (no timing is asserted: it is noise)."""

import pytest
import torch

from lstmbook import bench

KEYS = {
    ("source's cell", "forward"),
    ("fused NumPy", "forward"),
    ("fused NumPy", "forward+backward"),
    ("fast NumPy", "forward"),
    ("fast NumPy", "forward+backward"),
    ("products only", "forward"),
    ("products only", "forward+backward"),
    ("torch.nn.LSTM", "forward"),
    ("torch.nn.LSTM", "forward+backward"),
}


def test_run_times_every_implementation_mode_and_thread_count():
    timings = bench.run(sizes=[(2, 3, 4, 5)], thread_counts=[1, 2], repeats=1, warmup=0, rounds=2)
    assert {(t.implementation, t.mode) for t in timings} == KEYS
    assert sorted({t.threads for t in timings}) == [1, 2]
    assert len(timings) == 2 * len(KEYS)
    for t in timings:
        assert t.size == (2, 3, 4, 5)
        assert t.median_s > 0
        assert t.ratio > 0


def test_default_thread_counts_are_one_and_all_cores():
    timings = bench.run(sizes=[(1, 2, 1, 2)], repeats=1, warmup=0, rounds=1)
    assert sorted({t.threads for t in timings}) == sorted({1, bench.all_cores()})


def test_threads_limits_both_libraries_and_restores_them():
    before = torch.get_num_threads(), bench.blas_threads()
    with bench.threads(1):
        assert torch.get_num_threads() == 1
        assert bench.blas_threads() == 1
    assert (torch.get_num_threads(), bench.blas_threads()) == before
    with pytest.raises(ValueError, match="threads must be >= 1"):
        with bench.threads(0):
            pass


def test_time_block_warms_up_then_times_a_block():
    calls = []
    ticks = iter(range(100))
    median = bench.time_block(
        lambda: calls.append(1), repeats=5, warmup=2, clock=lambda: next(ticks)
    )
    assert len(calls) == 7  # 2 warm-up calls, then 5 timed in a row
    assert median == 1.0  # each timed call spans one tick of the fake clock


def test_table_has_a_row_per_setting_and_implementation():
    timings = bench.run(sizes=[(2, 3, 4, 5), (1, 2, 1, 2)], thread_counts=[1], repeats=1, rounds=1)
    rows = bench.table_rows(timings)
    assert len(rows) == 2 * len(bench.IMPLEMENTATIONS)
    assert all(len(row) == len(bench.HEADERS) for row in rows)
    source = [row for row in rows if row[2] == "source's cell"]
    assert all(row[5:] == ["n/a", "n/a"] for row in source)
    text = bench.format_table(timings)
    assert text.splitlines()[0].split()[:3] == ["size", "threads", "implementation"]


def test_main_prints_both_thread_counts(capsys):
    bench.main(["--repeats", "1", "--warmup", "0", "--sizes", "2,3,4,5", "--threads", "1", "2"])
    out = capsys.readouterr().out
    assert "threads (OpenBLAS = torch): 1, 2" in out
    assert "medians of 3 rounds of blocks of 1" in out
    assert "2, 3, 4, 5" in out and "fused NumPy" in out
    assert "size 2, 3, 4, 5 (batch, time, input, hidden), FastLSTM:" in out
    assert "  2 threads, fwd+bwd: " in out and "x its floor" in out


@pytest.mark.parametrize("argv", [["--sizes", "1,2,3"], ["--sizes", "a,b,c,d"]])
def test_bad_sizes_are_rejected(argv):
    with pytest.raises(SystemExit):
        bench.main(argv)


def test_bad_repeats_rounds_and_names_raise():
    with pytest.raises(ValueError, match="repeats must be >= 1"):
        bench.run(sizes=[(1, 1, 1, 1)], repeats=0)
    with pytest.raises(ValueError, match="rounds must be >= 1"):
        bench.run(sizes=[(1, 1, 1, 1)], rounds=0)
    with pytest.raises(ValueError, match="implementations must be among"):
        bench.run(sizes=[(1, 1, 1, 1)], implementations=["numba"])


def test_a_choice_of_implementations_keeps_torch_as_the_reference():
    timings = bench.run(
        sizes=[(2, 3, 4, 5)],
        thread_counts=[1],
        repeats=1,
        warmup=0,
        rounds=1,
        implementations=["fast NumPy"],
    )
    assert {t.implementation for t in timings} == {"fast NumPy", "torch.nn.LSTM"}
    assert len(bench.table_rows(timings)) == 2
    torch_median = {t.mode: t.median_s for t in timings if t.implementation == "torch.nn.LSTM"}
    for t in timings:  # one round: the ratio is that of the two blocks' medians
        assert t.ratio == pytest.approx(t.median_s / torch_median[t.mode], rel=1e-12)


def test_goal_lines_judge_the_fast_layer_and_warn_when_torch_slows_with_threads():
    size = (1, 2, 3, 4)
    timings = [
        bench.Timing(size, 1, "torch.nn.LSTM", "forward", 1.0, 1.0),
        bench.Timing(size, 1, "fast NumPy", "forward", 1.5, 1.5),
        bench.Timing(size, 1, "products only", "forward", 0.5, 0.5),
        bench.Timing(size, 2, "torch.nn.LSTM", "forward", 2.0, 1.0),
        bench.Timing(size, 2, "fast NumPy", "forward", 1.0, 0.5),
    ]
    lines = bench.goal_lines(timings)
    assert lines[0] == "size 1, 2, 3, 4 (batch, time, input, hidden), FastLSTM:"
    assert lines[1] == "  1 thread, fwd: 1.50x torch, misses the goal (1.2x); 3.00x its floor"
    assert lines[2] == "  2 threads, fwd: 0.50x torch, meets the goal (1.2x)"
    assert lines[3].startswith("  torch was slower with 2 threads than with 1 (forward)")
    assert len(lines) > 4 and all(line.startswith("    ") for line in lines[4:])  # wrapped


def test_goal_lines_fit_79_columns_at_the_largest_size_and_ratios():
    size = (1280, 2000, 1280, 2560)
    timings = [
        bench.Timing(size, n, implementation, mode, seconds, 12.345)
        for n, seconds in ((1, 1.0), (16, 2.0))
        for implementation in ("torch.nn.LSTM", "fast NumPy", "products only")
        for mode in bench.MODES
    ]
    lines = bench.goal_lines(timings)
    assert len(lines) == 1 + 4 + 2 * 3  # heading, 4 verdicts, 2 warnings of 3 lines
    assert max(len(line) for line in lines) <= 79
