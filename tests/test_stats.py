"""The summaries against values computed independently (R's prop.test/fisher.test/binom.test)."""

import pytest

from lstmbook.progress import bar
from lstmbook.stats import fisher_exact, learned_summary, mcnemar, wilson_interval
from lstmbook.tables import Table


def test_wilson_interval_matches_the_closed_form_values():
    # Wilson 95% for 0/10, 10/10 and 5/10 (Newcombe 1998, method 3 without continuity).
    assert wilson_interval(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert wilson_interval(10, 10) == pytest.approx((0.7225, 1.0), abs=1e-4)
    assert wilson_interval(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)


def test_fisher_exact_two_sided():
    # fisher.test(matrix(c(2, 1, 0, 3), 2)) gives p = 0.4 (two-sided)
    assert fisher_exact(2, 3, 0, 3) == pytest.approx(0.4, abs=1e-12)
    assert fisher_exact(10, 10, 0, 10) == pytest.approx(1.0825088e-05, rel=1e-6)
    assert fisher_exact(5, 10, 5, 10) == pytest.approx(1.0, abs=1e-12)


def test_mcnemar_exact_is_a_binomial_test():
    # binom.test(1, 9) gives p = 0.0390625
    assert mcnemar(8, 1) == pytest.approx(0.0390625, abs=1e-12)
    assert mcnemar(0, 0) == 1.0
    assert mcnemar(5, 5) == 1.0


@pytest.mark.parametrize("args", [(11, 10), (-1, 10), (0, 0)])
def test_bad_counts_are_refused(args):
    with pytest.raises(ValueError, match="n="):
        wilson_interval(*args)


def test_learned_summary_reads_as_k_of_n():
    assert learned_summary(7, 10) == "learned on 7 of 10 seeds (95% interval 0.40 to 0.89)"


def test_table_markdown_aligns_numbers_right():
    table = Table(["model", "mse"], [["LSTM", 0.01234]], digits=4)
    assert table._repr_markdown_().splitlines() == [
        "| model | mse |",
        "| --- | ---: |",
        "| LSTM | 0.0123 |",
    ]


def test_table_markdown_escapes_the_pipe_so_a_cell_stays_one_cell():
    table = Table(["cell", "gate|order"], [["LSTMCell", "i|f|g|o"]])
    assert table._repr_markdown_().splitlines()[2] == "| LSTMCell | i\\|f\\|g\\|o |"
    assert "i|f|g|o" in repr(table)


def test_table_refuses_ragged_rows():
    with pytest.raises(ValueError, match="row 0 has 1 values, expected 2"):
        Table(["a", "b"], [[1]])


def test_progress_bar_is_hidden_when_the_environment_says_so(monkeypatch):
    monkeypatch.setenv("LSTMBOOK_NO_PROGRESS", "1")
    assert bar(range(3), show=True).disable
    monkeypatch.setenv("LSTMBOOK_NO_PROGRESS", "")
    assert not bar(range(3), show=True, file=open("/dev/null", "w")).disable
    assert bar(range(3), show=False).disable
