"""Save history: light versions at saves, numbered vN.M after full version vN, so that
full versions stay v1, v2, v3; resolved, restored and pruned like versions."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from jupyter_mv.errors import InvalidInput, NotFound
from jupyter_mv.store import Store, history, schema
from tests.helpers import write_notebook


def save(store: Store, notebook: Path, *cells: str):
    write_notebook(notebook, list(cells))
    return history.record_save(store, notebook)


def test_saves_are_numbered_after_their_version_and_full_versions_stay_gap_free(store: Store, notebook: Path):
    early = save(store, notebook, "a = 0")
    v1 = store.snapshot(notebook, message="one")
    s1, s2 = save(store, notebook, "a = 1"), save(store, notebook, "a = 2")
    v2 = store.snapshot(notebook, message="two")

    assert (early.name, v1.name, s1.name, s2.name, v2.name) == ("v0.1", "v1", "v1.1", "v1.2", "v2")
    assert (s1.kind, s1.number, s1.sub) == ("light", 1, 1)
    assert [f.role for f in s1.files] == ["notebook"] and s1.environment is None
    assert s1.parent == v1.id and s2.parent == s1.id and v2.parent == v1.id
    assert [v.name for v in store.log(notebook)] == ["v2", "v1.2", "v1.1", "v1", "v0.1"]
    assert store.log(notebook, kinds=["full"])[0].to_dict()["sub"] == 0
    assert history.save_counts(store, notebook) == {0: 1, 1: 2}
    assert [v.name for v in history.saves(store, notebook, 1)] == ["v1.2", "v1.1"]


def test_a_save_of_an_unchanged_notebook_keeps_nothing(store: Store, notebook: Path):
    v1 = store.snapshot(notebook)

    assert history.record_save(store, notebook) is None
    assert store.count(notebook) == 1 and store.resolve("latest").id == v1.id


def test_refs_name_saves_and_latest_skips_them(store: Store, notebook: Path):
    v1 = store.snapshot(notebook)
    s1 = save(store, notebook, "b = 1")
    v2 = store.snapshot(notebook)
    s2 = save(store, notebook, "b = 2")

    assert store.resolve("v1.1").id == s1.id
    assert store.resolve("train.ipynb@v2.1").id == s2.id
    assert store.resolve("latest").id == v2.id, "latest is the newest snapshot, not a save"
    assert store.resolve("latest~1").id == v1.id
    with pytest.raises(NotFound):
        store.resolve("v1.2")
    with pytest.raises(InvalidInput, match="version number"):
        store.tag(v1, "v1.5")


def test_a_save_restores_and_diffs_like_any_version(store: Store, notebook: Path):
    store.snapshot(notebook)
    s1 = save(store, notebook, "kept = 'in a save'")
    write_notebook(notebook, ["lost = True"])

    result = store.restore("v1.1")

    assert result.written == ("train.ipynb",)
    assert "kept = 'in a save'" in notebook.read_text()
    assert result.safety is not None and result.safety.name == "v2"
    diff = store.diff("v1", s1)
    assert diff["notebook"]["status"] == "modified"


def test_prune_drops_old_saves_but_keeps_named_ones(store: Store, notebook: Path):
    store.snapshot(notebook)
    old = save(store, notebook, "c = 1")
    named = save(store, notebook, "c = 2")
    store.tag(named, "keep-me")
    recent = save(store, notebook, "c = 3")

    pruned = history.prune(store, notebook, older_than_days=1, now=time.time() + 2 * 86400)

    assert pruned == 2  # old and recent are both older than a day by then; the tagged one stays
    names = [v.name for v in store.log(notebook)]
    assert names == ["v1.2", "v1"]
    assert store.resolve("keep-me").id == named.id
    with pytest.raises(NotFound):
        store.resolve(old.id)
    assert recent.id not in {v.id for v in store.log()}
    assert store.verify().ok


def test_record_save_prunes_with_its_retention(store: Store, notebook: Path):
    store.snapshot(notebook)
    save(store, notebook, "d = 1")
    store.db.execute("UPDATE versions SET created = created - 10 * 86400 WHERE kind = 'light'")

    newest = history.record_save(store, write_notebook(notebook, ["d = 2"]), retention_days=7)

    assert [v.name for v in store.log(notebook)] == [newest.name, "v1"]
    with pytest.raises(InvalidInput):
        history.record_save(store, notebook, retention_days=0)


def test_a_store_made_before_save_history_gains_it_on_open(project: Path, notebook: Path):
    with Store.init(project) as store:
        store.snapshot(notebook)
        store.db.executescript(
            "DROP INDEX versions_light; ALTER TABLE versions DROP COLUMN sub; "
            "ALTER TABLE versions DROP COLUMN base; DELETE FROM migrations WHERE id = 3;"
        )

    with Store.open(project) as reopened:
        assert [r[0] for r in reopened.db.execute("SELECT id FROM migrations ORDER BY id")] == [
            number for number, _, _ in schema.MIGRATIONS
        ]
        assert [v.name for v in reopened.log()] == ["v1"]
        assert save(reopened, notebook, "e = 1").name == "v1.1"
        assert reopened.snapshot(notebook).name == "v2"


def test_prune_deletes_more_saves_than_one_batch_holds(store: Store, notebook: Path):
    # deletes go in batches of SQLite parameters; more than 999 saves pruned at once cross them
    store.snapshot(notebook)
    for i in range(1_050):
        write_notebook(notebook, [f"e = {i}"])
        history.record_save(store, notebook)

    pruned = history.prune(store, notebook, older_than_days=1, now=time.time() + 2 * 86400)

    assert pruned == 1_050
    assert [v.name for v in store.log(notebook)] == ["v1"]
    assert store.db.execute("SELECT count(*) FROM versions WHERE kind = 'light'").fetchone()[0] == 0
    assert (
        store.db.execute(
            "SELECT count(*) FROM version_files WHERE version NOT IN (SELECT id FROM versions)"
        ).fetchone()[0]
        == 0
    )
    assert store.verify().ok
