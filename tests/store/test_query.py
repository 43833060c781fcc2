"""The filter grammar of ``log --where`` and the sidebar's filter box, on a real store."""

from __future__ import annotations

from pathlib import Path

import pytest

from jupyter_mv.errors import InvalidInput
from jupyter_mv.store import Store, query, records

from ..helpers import write_notebook


@pytest.fixture
def store(tmp_path: Path):
    """``nb.ipynb`` with four versions: v1 acc 0.8 by ana, v2 acc 0.95 tagged baseline,
    v3 with no metric and alias production, v4 acc 0.91 loss 0.2 by bo."""
    notebook = write_notebook(tmp_path / "nb.ipynb", ["x = 1"])
    with Store.init(tmp_path) as s:
        s.snapshot(notebook, message="first try", metrics={"acc": 0.8})
        v2 = s.snapshot(notebook, message="Tuned the trees", metrics={"acc": 0.95})
        s.tag(v2.id, "baseline")
        v3 = s.snapshot(notebook, message="no metrics here")
        s.alias("production", v3.id)
        s.snapshot(notebook, message="smaller trees", metrics={"acc": 0.91, "loss": 0.2})
        yield s


def names(store: Store, text: str) -> list[str]:
    return [v.name for v in query.page(store.db, "nb.ipynb", query.parse(text))]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ["v4", "v3", "v2", "v1"]),
        ("acc>0.9", ["v4", "v2"]),
        ("acc>=0.95", ["v2"]),
        ("acc<0.9", ["v1"]),
        ("acc!=0.8", ["v4", "v2"]),
        ("acc>0.9 loss<0.5", ["v4"]),
        ("tag:base", ["v2"]),
        ("alias:prod", ["v3"]),
        ("@production", ["v3"]),
        ("message:TREES", ["v4", "v2"]),
        ("trees", ["v4", "v2"]),
        ('"no metrics"', ["v3"]),
        ("baseline", ["v2"]),
        ("kind:safety", []),
        ("100%_", []),
    ],
)
def test_a_filter_lists_the_versions_every_word_matches(store, text, expected):
    assert names(store, text) == expected


def test_author_words_match_the_author(store, tmp_path):
    author = records.author()
    assert names(store, f"author:{author}") == ["v4", "v3", "v2", "v1"]
    assert names(store, "author:nobody-at-all") == []


def test_count_and_position_follow_the_filter(store):
    filtered = query.parse("acc>0.9")
    v2 = store.resolve("v2", "nb.ipynb")
    v1 = store.resolve("v1", "nb.ipynb")

    assert query.count(store.db, "nb.ipynb", filtered) == 2
    assert query.position(store.db, "nb.ipynb", filtered, v2.id) == 1
    assert query.position(store.db, "nb.ipynb", query.Query(), v1.id) == 3
    assert query.position(store.db, "nb.ipynb", filtered, v1.id) is None


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("acc>high", "not a number"),
        ("kind:big", "not a kind"),
        ("tag:", "names no text"),
        ('"open', "cannot be read"),
        (">0.9", "not a condition"),
    ],
)
def test_a_filter_that_cannot_be_read_is_invalid_input_naming_the_word(store, text, word):
    with pytest.raises(InvalidInput, match=word):
        query.parse(text)


def test_holding_finds_the_version_whose_notebook_bytes_are_on_disk(store, tmp_path):
    digest = records.hash_file(tmp_path / "nb.ipynb")
    newest = store.resolve("v4", "nb.ipynb")

    assert query.holding(store.db, digest, "nb.ipynb").id == newest.id
    assert query.holding(store.db, digest, exclude="nb.ipynb") is None
    assert query.holding(store.db, b"\0" * 32, "nb.ipynb") is None


def test_a_snapshot_after_a_restore_branches_from_the_version_restored(tmp_path):
    """v1, v2, v3; restore v2 (a safety copy v4 keeps v3's state); a snapshot v5 has v2 as
    its parent, and the graph draws v5 and v3 in two lanes that meet at v2."""
    notebook = write_notebook(tmp_path / "nb.ipynb", ["x = 1"])
    with Store.init(tmp_path) as s:
        v1 = s.snapshot(notebook, message="one")
        write_notebook(notebook, ["x = 2"])
        v2 = s.snapshot(notebook, message="two")
        write_notebook(notebook, ["x = 3"])
        v3 = s.snapshot(notebook, message="three")
        result = s.restore(v2)
        write_notebook(notebook, ["x = 2", "y = 5"])
        v5 = s.snapshot(notebook, message="five")
        v6 = s.snapshot(notebook, message="six")

        assert result.safety is not None and result.safety.parent == v3.id
        assert (v2.parent, v3.parent, v5.parent, v6.parent) == (v1.id, v2.id, v2.id, v5.id)
        rows = query.graph(s.db, "nb.ipynb", kinds=["full"])
        assert [rows[v.id].col for v in (v6, v5, v3, v2, v1)] == [0, 0, 1, 0, 0]
        assert rows[v2.id].up == (0, 1)
        assert rows[v3.id].through == (0,)
        assert query.graph_lines(rows[v2.id]) == ("|/", "*")
        assert query.graph_lines(rows[v3.id]) == ("", "| *")


def test_a_save_after_a_restore_follows_the_version_restored(tmp_path):
    notebook = write_notebook(tmp_path / "nb.ipynb", ["x = 1"])
    with Store.init(tmp_path) as s:
        v1 = s.snapshot(notebook, message="one")
        write_notebook(notebook, ["x = 2"])
        s.snapshot(notebook, message="two")
        s.restore(v1)
        write_notebook(notebook, ["x = 1", "edited"])
        save = s.snapshot(notebook, kind="light")

        assert save.parent == v1.id
