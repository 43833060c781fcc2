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


def _drawn_whole(s: Store, notebook: str, kinds: list[str] | None) -> dict[str, tuple]:
    """The lineage graph drawn the plain way, every row from the newest, as the graph is
    specified: a version's dot takes the leftmost lane that waits for it (else the first
    free one, else a new one on the right), and its lane then waits for its parent."""
    rows = s.db.execute(
        "SELECT id, parent, kind FROM versions WHERE notebook = ? ORDER BY created DESC, number DESC", [notebook]
    ).fetchall()
    parent_of = {vid: parent for vid, parent, _ in rows}
    shown = {vid for vid, _, kind in rows if not kinds or kind in kinds}
    lanes: list[str | None] = []
    drawn = {}
    for vid, _, kind in rows:
        if vid not in shown:
            continue
        parent = parent_of[vid]
        while parent is not None and parent not in shown:
            parent = parent_of.get(parent)
        waiting = [i for i, want in enumerate(lanes) if want == vid]
        col = waiting[0] if waiting else lanes.index(None) if None in lanes else len(lanes)
        if col == len(lanes):
            lanes.append(None)
        through = tuple(i for i, want in enumerate(lanes) if want is not None and want != vid)
        for i in waiting:
            lanes[i] = None
        lanes[col] = parent
        while lanes and lanes[-1] is None:
            lanes.pop()
        drawn[vid] = (col, tuple(waiting), through, parent is not None)
    return drawn


def _as_tuples(rows: dict[str, query.GraphRow]) -> dict[str, tuple]:
    return {vid: (r.col, r.up, r.through, r.down) for vid, r in rows.items()}


def test_a_page_of_the_lineage_is_drawn_down_to_it_and_new_versions_are_drawn_on_top(tmp_path, monkeypatch):
    """A history that branches (restores, saves between versions): the graph of the first
    page is drawn without the history below it, the rest when asked, and after new
    versions (on the line, then a branch) every row is the one the whole graph has."""
    monkeypatch.setattr(query, "_CHUNK", 16)  # the history is read 16 rows at a time
    notebook = write_notebook(tmp_path / "nb.ipynb", ["x = 0"])
    with Store.init(tmp_path) as s:
        made = []
        for i in range(1, 181):
            write_notebook(notebook, [f"x = {i}"])
            if i % 37 == 0:
                s.snapshot(notebook, kind="light")
            made.append(s.snapshot(notebook, message=f"run {i}"))
            if i % 45 == 0:
                s.restore(made[i // 3])
        kinds = ["full", "safety"]
        total = query.count(s.db, "nb.ipynb", query.Query(), kinds=kinds)

        rows, ids, lanes = query.lineage(s.db, "nb.ipynb", kinds=kinds, rows=20)
        whole = _drawn_whole(s, "nb.ipynb", kinds)
        assert 20 <= len(ids) < total, "only the top of the history is drawn"
        assert ids == list(whole)[: len(ids)]
        assert _as_tuples(rows) == {vid: whole[vid] for vid in ids}

        rows, ids, lanes = query.lineage(s.db, "nb.ipynb", kinds=kinds)
        assert len(ids) == total and _as_tuples(rows) == whole
        assert lanes == max(len(r.through) + 1 for r in rows.values()) >= 2

        write_notebook(notebook, ["x = 'on the line'"])
        s.snapshot(notebook, message="on the line")
        assert _as_tuples(query.lineage(s.db, "nb.ipynb", kinds=kinds)[0]) == _drawn_whole(s, "nb.ipynb", kinds)
        s.restore(made[5])
        write_notebook(notebook, ["x = 'a branch'"])
        s.snapshot(notebook, message="a branch")
        s.snapshot(notebook, kind="light")
        rows, ids, _ = query.lineage(s.db, "nb.ipynb", kinds=kinds)
        assert _as_tuples(rows) == _drawn_whole(s, "nb.ipynb", kinds)
        assert ids == list(_drawn_whole(s, "nb.ipynb", kinds))
        assert _as_tuples(query.lineage(s.db, "nb.ipynb", kinds=["full"])[0]) == _drawn_whole(s, "nb.ipynb", ["full"])
        assert _as_tuples(query.lineage(s.db, "nb.ipynb")[0]) == _drawn_whole(s, "nb.ipynb", None)


def test_newer_lists_the_versions_after_one_or_none_when_it_cannot(store, tmp_path):
    top = query.page(store.db, "nb.ipynb", query.Query(), limit=1)[0]
    write_notebook(tmp_path / "nb.ipynb", ["after"])
    a = store.snapshot(tmp_path / "nb.ipynb", message="after one")
    b = store.snapshot(tmp_path / "nb.ipynb", message="after two")

    assert [v.id for v in query.newer(store.db, "nb.ipynb", query.Query(), top.id, limit=5)] == [b.id, a.id]
    assert query.newer(store.db, "nb.ipynb", query.Query(), b.id, limit=5) == []
    assert query.newer(store.db, "nb.ipynb", query.Query(), top.id, limit=1) is None, "more than a page came"
    assert query.newer(store.db, "nb.ipynb", query.parse("two"), a.id, limit=5) is None, "the filter leaves it out"
    assert [v.id for v in query.newer(store.db, "nb.ipynb", query.parse("after"), a.id, limit=5)] == [b.id]


def test_a_restore_records_the_version_the_notebook_now_is_and_the_next_follows_it(tmp_path):
    """v1 (x = 1), v2 (x = 2), v3 (x = 1 again, the bytes of v1). A restore of v1 writes
    nothing (the notebook already is those bytes) and keeps no safety copy, yet the
    notebook is v1 now, not v3, and the next version follows v1."""
    notebook = write_notebook(tmp_path / "nb.ipynb", ["x = 1"])
    with Store.init(tmp_path) as s:
        v1 = s.snapshot(notebook, message="one")
        write_notebook(notebook, ["x = 2"])
        s.snapshot(notebook, message="two")
        notebook.write_bytes(s.read_file(v1, "nb.ipynb"))
        v3 = s.snapshot(notebook, message="three")
        digest = records.hash_file(notebook)
        assert query.current(s.db, digest, "nb.ipynb") == v3

        result = s.restore(v1)

        assert (result.written, result.safety, result.current) == ((), None, v1)
        assert result.to_dict()["current"] == v1.id
        assert query.current(s.db, digest, "nb.ipynb") == v1
        save = s.snapshot(notebook, kind="light")
        v4 = s.snapshot(notebook, message="four")
        assert (save.parent, v4.parent) == (v1.id, v1.id)
        assert query.current(s.db, digest, "nb.ipynb") == v4, "a version made since the restore is the notebook now"
        v5 = s.snapshot(notebook, message="five")
        assert v5.parent == v4.id

        elsewhere = s.restore(v3, to=tmp_path / "copy")
        assert elsewhere.current is None
        assert s.snapshot(notebook, message="six").parent == v5.id


def test_a_store_from_before_the_listing_index_opens_and_gains_it(tmp_path):
    """A store made before migration 7 (no listing index, no restore record) opens, gains
    both, lists through the index, and records its next restore."""
    notebook = write_notebook(tmp_path / "nb.ipynb", ["x = 1"])
    with Store.init(tmp_path) as s:
        v1 = s.snapshot(notebook, message="one")
        write_notebook(notebook, ["x = 2"])
        s.snapshot(notebook, message="two")
        s.db.executescript("DROP INDEX versions_listing; DROP TABLE restored; DELETE FROM migrations WHERE id = 7;")
    with Store.open(tmp_path) as s:
        assert 7 in {r[0] for r in s.db.execute("SELECT id FROM migrations")}
        assert s.db.execute("SELECT value FROM meta WHERE key = 'format_version'").fetchone()[0] == "6"
        plan = " ".join(
            str(r[-1])
            for r in s.db.execute(
                "EXPLAIN QUERY PLAN SELECT id FROM versions WHERE notebook = ? AND kind IN ('full', 'safety') "
                "ORDER BY created DESC, number DESC LIMIT 50",
                ["nb.ipynb"],
            )
        )
        assert "versions_listing" in plan and "TEMP B-TREE" not in plan, plan
        assert s.restore(v1).current == v1
        write_notebook(notebook, ["x = 1", "y = 3"])
        assert s.snapshot(notebook, message="three").parent == v1.id
