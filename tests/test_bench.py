"""The benchmark's structure on a tiny size (no timing is asserted: timings are noise here)."""

import pytest

from lstmbook import bench


def test_run_times_every_implementation_and_mode():
    timings = bench.run(sizes=[(2, 3, 4, 5)], repeats=1)
    keys = {(t.implementation, t.mode) for t in timings}
    assert keys == {
        ("four-matrix cell", "forward"),
        ("fused NumPy", "forward"),
        ("fused NumPy", "forward+backward"),
        ("torch.nn.LSTM", "forward"),
        ("torch.nn.LSTM", "forward+backward"),
    }
    for t in timings:
        assert t.size == (2, 3, 4, 5)
        assert t.median_s > 0
        if t.implementation == "torch.nn.LSTM":
            assert t.ratio == 1.0


def test_table_has_a_row_per_size_and_implementation():
    timings = bench.run(sizes=[(2, 3, 4, 5), (1, 2, 1, 2)], repeats=1)
    lines = bench.format_table(timings).splitlines()
    assert lines[0].startswith("| batch, time, input, hidden | implementation | forward (ms)")
    assert len(lines) == 2 + 2 * 3
    four_matrix = [line for line in lines if "four-matrix cell" in line]
    assert all(line.rstrip().endswith("| n/a | n/a |") for line in four_matrix)
    assert all(line.count("|") == 7 for line in lines)


def test_main_prints_the_table(capsys):
    bench.main(["--repeats", "1", "--sizes", "2,3,4,5", "--profile", "--cpu-time"])
    out = capsys.readouterr().out
    assert "threads: torch" in out and "CPU time, medians of 1" in out
    assert "| 2, 3, 4, 5 | fused NumPy |" in out
    assert "forward at (2, 3, 4, 5), ms per pass" in out
    assert "matmul W_hh h" in out


@pytest.mark.parametrize("argv", [["--sizes", "1,2,3"], ["--sizes", "a,b,c,d"]])
def test_bad_sizes_are_rejected(argv):
    with pytest.raises(SystemExit):
        bench.main(argv)


def test_bad_repeats_raise():
    with pytest.raises(ValueError, match="repeats must be >= 1"):
        bench.run(sizes=[(1, 1, 1, 1)], repeats=0)
