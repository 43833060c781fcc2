"""The version store on real SQLite files and real packs in tmp_path."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import blake3
import pytest

from jupyter_mv.errors import Conflict, IntegrityError, InvalidInput, NotFound, StoreFormatError, StoreNotFound
from jupyter_mv.store import Store, schema
from jupyter_mv.store.packs import CODEC_NONE, CODEC_ZSTD, PackEntry, pack_path, read_trailer
from tests.helpers import package_env, write_notebook


def b3(path: Path) -> str:
    return blake3.blake3(path.read_bytes()).hexdigest()


def store_state(store: Store) -> tuple[str, dict[str, int]]:
    """Everything a store holds: its database's rows and its pack files."""
    conn = sqlite3.connect(store.dir / "mv.db")
    dump = "\n".join(line for line in conn.iterdump())
    conn.close()
    packs = {str(p.relative_to(store.dir)): p.stat().st_size for p in store.dir.glob("packs/*/*.pack")}
    return dump, packs


def pack_bytes(store: Store) -> int:
    return sum(p.stat().st_size for p in store.dir.glob("packs/*/*.pack"))


def make_old(path: Path) -> None:
    """Set mtime well in the past, so the stat cache trusts the file (no racy mtime)."""
    os.utime(path, (1_600_000_000, 1_600_000_000))


# -- opening ------------------------------------------------------------------------------------


def test_init_creates_a_wal_database_with_a_format_version(project: Path) -> None:
    store = Store.init(project)
    assert (project / ".jupyter_mv" / "mv.db").is_file()
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("SELECT value FROM meta WHERE key='format_version'").fetchone()[0] == str(
        schema.FORMAT_VERSION
    )
    assert [r[0] for r in store.db.execute("SELECT id FROM migrations")] == [m[0] for m in schema.MIGRATIONS]
    assert Store.init(project).dir == store.dir  # idempotent


def test_open_walks_up_from_a_subfolder_like_git(store: Store, project: Path) -> None:
    deep = project / "a" / "b"
    deep.mkdir(parents=True)
    assert Store.open(deep / "nb.ipynb").dir == store.dir


def test_open_without_a_store_says_how_to_make_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JUPYTER_MV_STORE", raising=False)
    with pytest.raises(StoreNotFound, match="jupyter mv init"):
        Store.open(tmp_path)


def test_open_without_a_store_names_the_folder_it_looked_from(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JUPYTER_MV_STORE", raising=False)
    with pytest.raises(StoreNotFound) as caught:
        Store.open(tmp_path / "nb.ipynb")
    where = (tmp_path / "nb.ipynb").absolute()
    assert str(caught.value) == f"no jupyter-mv store at or above {where}; run `jupyter mv init` in the project folder"


def test_a_write_outside_a_transaction_is_committed_at_once(tmp_path: Path) -> None:
    # autocommit (isolation_level=None): a write on the connection itself (not through
    # sqlite_utils, which commits its own) leaves no implicit transaction open
    project = tmp_path / "p"
    project.mkdir()
    store = Store.init(project)
    db_path = store.dir / "mv.db"
    store.close()
    db = schema.connect(db_path)
    db.conn.execute("CREATE TABLE probe (x INTEGER)")
    db.conn.execute("INSERT INTO probe VALUES (1)")
    assert not db.conn.in_transaction
    other = sqlite3.connect(db_path)
    try:
        assert other.execute("SELECT x FROM probe").fetchall() == [(1,)]
    finally:
        other.close()
        db.close()


def test_environment_variable_points_at_a_store_elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    monkeypatch.setenv("JUPYTER_MV_STORE", str(tmp_path / "elsewhere"))
    store = Store.init(project)
    assert store.dir == tmp_path / "elsewhere" and store.root == project
    nb = write_notebook(project / "n.ipynb", ["1"])
    assert store.snapshot(nb).notebook == "n.ipynb"
    assert Store.open(tmp_path / "anywhere").root == project


def test_a_store_newer_than_this_code_is_refused(store: Store) -> None:
    store.db.execute("UPDATE meta SET value = '99' WHERE key = 'format_version'")
    with pytest.raises(StoreFormatError, match="newer"):
        Store(store.dir)


def test_a_damaged_database_gives_a_clear_error(store: Store) -> None:
    store.close()
    (store.dir / "mv.db").write_bytes(b"this is not sqlite" * 100)
    for suffix in ("-wal", "-shm"):
        (store.dir / f"mv.db{suffix}").unlink(missing_ok=True)
    with pytest.raises(StoreFormatError, match="cannot be read"):
        Store(store.dir)


# -- snapshot and restore ------------------------------------------------------------------------


def test_snapshot_then_restore_is_byte_identical(store: Store, notebook: Path, project: Path) -> None:
    data = project / "data.csv"
    data.write_bytes(os.urandom(3_000_000))
    v1 = store.snapshot(notebook, [data], message="first", metrics={"acc": 0.91}, params={"C": 1})
    assert (v1.name, v1.number, v1.message) == ("v1", 1, "first")
    assert {f.path: f.role for f in v1.files} == {"train.ipynb": "notebook", "data.csv": "tracked"}
    assert v1.file("data.csv").hash == b3(data)
    original = data.read_bytes()
    data.unlink()
    result = store.restore("v1", ["data.csv"])
    assert data.read_bytes() == original
    assert result.written == ("data.csv",) and result.safety is None


def test_versions_number_per_notebook_and_link_parents(store: Store, project: Path) -> None:
    a = write_notebook(project / "a.ipynb", ["1"])
    b = write_notebook(project / "b.ipynb", ["2"])
    a1, b1, a2 = store.snapshot(a), store.snapshot(b), store.snapshot(a)
    assert (a1.number, b1.number, a2.number) == (1, 1, 2)
    assert a2.parent == a1.id and b1.parent is None
    assert [v.name for v in store.log("a.ipynb")] == ["v2", "v1"]
    assert store.count() == 3 and store.notebooks() == ["a.ipynb", "b.ipynb"]


def test_identical_content_is_stored_once(store: Store, notebook: Path, project: Path) -> None:
    blob = os.urandom(4_000_000)
    (project / "one.bin").write_bytes(blob)
    store.snapshot(notebook, ["one.bin"])
    before = pack_bytes(store)
    (project / "two.bin").write_bytes(blob)
    other = write_notebook(project / "other.ipynb", ["x = 2"])
    store.snapshot(other, ["two.bin"])
    assert pack_bytes(store) - before < 50_000  # only the new notebook's bytes


def test_a_small_edit_in_a_large_file_stores_about_the_edit(store: Store, notebook: Path, project: Path) -> None:
    data = project / "big.bin"
    data.write_bytes(os.urandom(32 * 1024 * 1024))
    store.snapshot(notebook, [data])
    before = pack_bytes(store)
    with open(data, "r+b") as f:
        f.seek(10 * 1024 * 1024)
        f.write(os.urandom(1024 * 1024))
    with open(data, "ab") as f:
        f.write(os.urandom(300_000))
    v2 = store.snapshot(notebook, [data])
    grown = pack_bytes(store) - before
    assert 1_300_000 < grown < 2_200_000, grown
    assert v2.file("big.bin").hash == b3(data)


def test_compressible_files_are_stored_compressed(store: Store, notebook: Path, project: Path) -> None:
    csv = project / "data.csv"
    csv.write_text("".join(f"{i},{i % 7},label_{i % 3},{i * 0.5}\n" for i in range(200_000)))
    store.snapshot(notebook, [csv])
    assert pack_bytes(store) < csv.stat().st_size / 3


def test_unchanged_files_are_not_read_again(store: Store, notebook: Path, project: Path) -> None:
    data = project / "big.bin"
    data.write_bytes(os.urandom(40 * 1024 * 1024))
    make_old(data)
    make_old(notebook)
    store.snapshot(notebook, [data])

    def bytes_read() -> int:
        for line in Path("/proc/self/io").read_text().splitlines():
            if line.startswith("rchar:"):
                return int(line.split()[1])
        raise AssertionError("no rchar")

    before = bytes_read()
    v2 = store.snapshot(notebook, [data])
    assert bytes_read() - before < 5 * 1024 * 1024
    assert v2.file("big.bin").hash == store.log()[1].file("big.bin").hash


def test_a_changed_file_with_the_same_size_and_mtime_is_read_again(store: Store, notebook: Path, project: Path) -> None:
    data = project / "d.bin"
    data.write_bytes(b"a" * 100_000)
    make_old(data)
    store.snapshot(notebook, [data])
    data.write_bytes(b"b" * 100_000)  # same size; ctime moves even when mtime is set back
    make_old(data)
    v2 = store.snapshot(notebook, [data])
    assert v2.file("d.bin").hash == b3(data)


def test_folders_are_expanded_and_the_store_is_never_included(store: Store, notebook: Path, project: Path) -> None:
    (project / "data" / "sub").mkdir(parents=True)
    (project / "data" / "a.csv").write_text("a\n1\n")
    (project / "data" / "sub" / "b.csv").write_text("b\n2\n")
    v = store.snapshot(notebook, ["data", "."])
    paths = {f.path for f in v.files}
    assert {"data/a.csv", "data/sub/b.csv", "train.ipynb"} <= paths
    assert not any(p.startswith(".jupyter_mv") for p in paths)


def test_inputs_outputs_and_hash_only_files_keep_their_roles(store: Store, notebook: Path, project: Path) -> None:
    (project / "in.csv").write_text("x\n1\n")
    (project / "model.pkl").write_bytes(b"\x80model")
    (project / "huge.bin").write_bytes(os.urandom(100_000))
    v = store.snapshot(notebook, inputs=["in.csv"], outputs=["model.pkl"], hash_only=["huge.bin"])
    roles = {f.path: (f.role, f.stored) for f in v.files}
    assert roles == {
        "train.ipynb": ("notebook", True),
        "in.csv": ("input", True),
        "model.pkl": ("output", True),
        "huge.bin": ("input", False),
    }
    assert v.file("huge.bin").hash == b3(project / "huge.bin")
    with pytest.raises(NotFound, match="hash only"):
        store.restore(v, ["huge.bin"])


def test_metrics_and_params_are_kept_with_clean_types(store: Store, notebook: Path) -> None:
    v = store.snapshot(notebook, metrics={"acc": 0.9, "loss": float("nan"), "n": 3}, params={"model": "rf"})
    again = store.get(v.id)
    assert again.metrics == {"acc": 0.9, "loss": "nan", "n": 3} and again.params == {"model": "rf"}
    with pytest.raises(InvalidInput):
        store.snapshot(notebook, metrics={"acc": [1, 2]})


def test_the_version_id_is_a_hash_of_the_content(store: Store, notebook: Path) -> None:
    v = store.snapshot(notebook)
    assert len(v.id) == 64 and all(c in "0123456789abcdef" for c in v.id)
    assert store.snapshot(notebook).id != v.id


# -- refs, tags, aliases ---------------------------------------------------------------------------


def test_refs_resolve_numbers_latest_tags_aliases_and_prefixes(store: Store, notebook: Path) -> None:
    v1, v2, v3 = (store.snapshot(notebook, message=str(i)) for i in range(3))
    store.tag("v1", "baseline")
    store.alias("production", "v2")
    assert store.resolve("v1").id == v1.id
    assert store.resolve("latest").id == v3.id
    assert store.resolve("latest~2").id == v1.id
    assert store.resolve("baseline").id == v1.id
    assert store.resolve("production").id == v2.id
    assert store.resolve(v3.id[:8]).id == v3.id
    assert store.resolve("train.ipynb@v2").id == v2.id
    assert store.resolve("train.ipynb@latest~1").id == v2.id
    with pytest.raises(NotFound, match="unknown ref"):
        store.resolve("nope")
    with pytest.raises(NotFound):
        store.resolve("v9")


def test_version_numbers_need_a_notebook_when_several_exist(store: Store, project: Path) -> None:
    store.snapshot(write_notebook(project / "a.ipynb", ["1"]))
    store.snapshot(write_notebook(project / "b.ipynb", ["1"]))
    with pytest.raises(InvalidInput, match="ambiguous"):
        store.resolve("v1")
    assert store.resolve("v1", notebook="b.ipynb").notebook == "b.ipynb"


def test_tags_never_move(store: Store, notebook: Path) -> None:
    store.snapshot(notebook)
    store.snapshot(notebook)
    store.tag("v1", "best")
    with pytest.raises(Conflict, match="already exists"):
        store.tag("v2", "best")
    assert store.resolve("best").name == "v1"


def test_aliases_move_and_keep_their_history(store: Store, notebook: Path) -> None:
    v1, v2 = store.snapshot(notebook), store.snapshot(notebook)
    store.alias("production", "v1")
    store.alias("production", "v2")
    assert store.resolve("production").id == v2.id
    history = store.alias_history("production")
    assert [h["version"] for h in history] == [v2.id, v1.id]
    assert history[0]["previous"] == v1.id
    with pytest.raises(Conflict):
        store.tag("v1", "production")


@pytest.mark.parametrize(
    "name",
    ["x" * 10_000, "a'; DROP TABLE tags; --", 'say "hi"', "v3", "latest", "", "a b", "deadbeef", "-flag", "new\nline"],
)
def test_bad_tag_names_are_refused_and_change_nothing(store: Store, notebook: Path, name: str) -> None:
    store.snapshot(notebook)
    before = store_state(store)
    with pytest.raises(InvalidInput):
        store.tag("v1", name)
    assert store_state(store) == before


# -- restore safety ---------------------------------------------------------------------------------


def test_restore_in_place_keeps_the_current_state_first(store: Store, notebook: Path, project: Path) -> None:
    data = project / "data.csv"
    data.write_text("a,b\n1,2\n")
    v1 = store.snapshot(notebook, [data])
    write_notebook(notebook, ["edited = True"])
    data.write_text("a,b\n3,4\n")
    edited_nb, edited_data = notebook.read_bytes(), data.read_bytes()
    result = store.restore("v1")
    assert b3(notebook) == v1.file("train.ipynb").hash and b3(data) == v1.file("data.csv").hash
    assert result.safety is not None and result.safety.kind == "safety"
    assert store.read_file(result.safety, "train.ipynb") == edited_nb
    assert store.read_file(result.safety, "data.csv") == edited_data
    assert set(result.written) == {"train.ipynb", "data.csv"}


def test_restoring_what_is_already_there_writes_nothing(store: Store, notebook: Path) -> None:
    store.snapshot(notebook)
    result = store.restore("v1")
    assert result.written == () and result.unchanged == ("train.ipynb",) and result.safety is None
    assert store.count() == 1


def test_restore_to_another_folder_leaves_the_project_alone(
    store: Store, notebook: Path, project: Path, tmp_path: Path
) -> None:
    v1 = store.snapshot(notebook)
    write_notebook(notebook, ["changed"])
    changed = notebook.read_bytes()
    out = tmp_path / "elsewhere"
    result = store.restore("v1", to=out)
    assert b3(out / "train.ipynb") == v1.file("train.ipynb").hash
    assert notebook.read_bytes() == changed and result.safety is None
    (out / "train.ipynb").write_text("mine")
    with pytest.raises(Conflict, match="exists and differs"):
        store.restore("v1", to=out)
    assert (out / "train.ipynb").read_text() == "mine"
    store.restore("v1", to=out, force=True)
    assert b3(out / "train.ipynb") == v1.file("train.ipynb").hash


# -- integrity --------------------------------------------------------------------------------------


def test_a_file_the_stat_cache_vouches_for_is_read_again_when_one_of_its_chunks_left_the_index(
    store: Store, notebook: Path, project: Path
) -> None:
    data = project / "data.bin"
    data.write_bytes(os.urandom(600_000))
    past = os.stat(data).st_mtime - 60
    for p in (notebook, data):
        os.utime(p, (past, past))
    v1 = store.snapshot(notebook, [data])
    chunks = store.db.execute("SELECT chunks FROM objects WHERE hash = ?", [bytes.fromhex(v1.file("data.bin").hash)])
    store.db.execute("DELETE FROM chunks WHERE hash = ?", [chunks.fetchone()[0][32:64]])

    v2 = store.snapshot(notebook, [data])

    assert v2.file("data.bin").hash == v1.file("data.bin").hash
    assert store.read_file(v2, "data.bin") == data.read_bytes()  # the chunk was stored again


def _flip_byte_in_a_chunk(store: Store) -> str:
    pack, offset, length = store.db.execute(
        "SELECT p.name, c.offset, c.length FROM chunks c JOIN packs p ON p.id = c.pack ORDER BY c.length DESC LIMIT 1"
    ).fetchone()
    path = pack_path(store.dir, pack)
    raw = bytearray(path.read_bytes())
    raw[offset + length // 2] ^= 0xFF
    path.write_bytes(bytes(raw))
    return pack


def test_verify_names_the_damaged_chunk_and_the_versions_it_touches(
    store: Store, notebook: Path, project: Path
) -> None:
    (project / "model.bin").write_bytes(os.urandom(500_000))
    v1 = store.snapshot(notebook, ["model.bin"])
    assert store.verify().ok
    pack = _flip_byte_in_a_chunk(store)
    report = store.verify()
    assert not report.ok
    assert report.damaged_chunks[0]["pack"] == pack
    assert [v["id"] for v in report.affected_versions] == [v1.id]
    assert report.affected_versions[0]["paths"] == ["model.bin"]


def test_restore_refuses_damaged_content_and_leaves_the_file_alone(store: Store, notebook: Path, project: Path) -> None:
    model = project / "model.bin"
    model.write_bytes(os.urandom(500_000))
    store.snapshot(notebook, [model])
    model.write_bytes(b"current work")
    _flip_byte_in_a_chunk(store)
    with pytest.raises(IntegrityError, match="damaged"):
        store.restore("v1", ["model.bin"], to=project / "out")
    with pytest.raises(IntegrityError, match="damaged"):
        store.read_file("v1", "model.bin")
    assert model.read_bytes() == b"current work"
    assert not (project / "out" / "model.bin").exists()
    assert not list((project / "out").glob(".*tmp"))


def test_a_missing_pack_is_an_integrity_error_naming_it(store: Store, notebook: Path) -> None:
    store.snapshot(notebook)
    victim = next(store.dir.glob("packs/*/*.pack"))
    victim.unlink()
    with pytest.raises(IntegrityError, match=victim.stem):
        store.read_file("v1", "train.ipynb")
    assert not store.verify().ok


# -- gc and interrupted writers -----------------------------------------------------------------------


def test_gc_removes_unindexed_packs_after_the_grace_period(store: Store, notebook: Path) -> None:
    """An orphan pack goes once it is older than the grace period, and the bytes it held
    are counted as freed, the same in a dry run as in the real one."""
    store.snapshot(notebook)
    real = next(store.dir.glob("packs/*/*.pack"))
    orphan = real.parent / ("f" * 32 + ".pack")
    orphan.write_bytes(real.read_bytes())
    size = orphan.stat().st_size
    assert store.gc(grace_seconds=3600).packs_removed == 0 and orphan.exists()
    dry = store.gc(grace_seconds=0, dry_run=True)
    assert (dry.packs_removed, dry.bytes_freed, dry.dry_run) == (1, size, True) and orphan.exists()
    report = store.gc(grace_seconds=0)
    assert (report.packs_removed, report.bytes_freed, report.dry_run) == (1, size, False) and not orphan.exists()
    assert store.verify().ok and store.read_file("v1", "train.ipynb") == notebook.read_bytes()


def test_a_sealed_packs_trailer_lists_every_chunk_the_index_places_in_it(
    store: Store, notebook: Path, project: Path
) -> None:
    """A pack can rebuild its part of the index: its trailer names each chunk with the
    offset, stored length, size and codec the database holds; a pack without its trailer
    is refused by name."""
    data = project / "data.bin"
    data.write_bytes(os.urandom(300_000) + b"a" * 300_000)
    store.snapshot(notebook, [data])
    rows = store.db.execute(
        "SELECT p.name, c.hash, c.offset, c.length, c.size, c.codec FROM chunks c JOIN packs p ON p.id = c.pack"
    ).fetchall()
    assert len(rows) > 2 and {r[5] for r in rows} == {CODEC_NONE, CODEC_ZSTD}
    by_pack: dict[str, set[PackEntry]] = {}
    for name, *entry in rows:
        by_pack.setdefault(name, set()).add(PackEntry(*entry))
    for name, entries in by_pack.items():
        listed = read_trailer(pack_path(store.dir, name))
        assert len(listed) == len(entries) and set(listed) == entries
    name = next(iter(by_pack))
    path = pack_path(store.dir, name)
    path.write_bytes(path.read_bytes()[:-1])
    with pytest.raises(IntegrityError, match=f"^pack {name} has no valid trailer$"):
        read_trailer(path)


def test_a_killed_snapshot_leaves_a_consistent_store(store: Store, notebook: Path, project: Path) -> None:
    big = project / "big.bin"
    with open(big, "wb") as f:
        for _ in range(24):
            f.write(os.urandom(16 * 1024 * 1024))
    store.snapshot(notebook)
    before = store.count()
    code = (
        "import sys; from jupyter_mv.store import Store;"
        "s = Store.open('.'); print('start', flush=True);"
        "s.snapshot('train.ipynb', ['big.bin'])"
    )
    env = package_env()
    child = subprocess.Popen([sys.executable, "-c", code], cwd=project, stdout=subprocess.PIPE, env=env)
    assert child.stdout.readline().strip() == b"start"
    deadline = __import__("time").monotonic() + 30
    while not any((store.dir / "tmp").iterdir()) and __import__("time").monotonic() < deadline:
        pass
    child.kill()
    child.wait()
    reopened = Store.open(project)
    assert reopened.count() == before
    assert not any((store.dir / "tmp").iterdir())  # cleaned at open
    assert reopened.verify().ok


def test_concurrent_writers_get_unique_gap_free_numbers(store: Store, notebook: Path, project: Path) -> None:
    code = (
        "import sys; from jupyter_mv.store import Store;"
        "s = Store.open('.');"
        "[s.snapshot('train.ipynb', message=sys.argv[1]) for _ in range(8)]"
    )
    env = package_env()
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(i)], cwd=project, env=env, stderr=subprocess.PIPE)
        for i in range(4)
    ]
    errors = [p.communicate()[1] for p in procs]
    assert all(p.returncode == 0 for p in procs), errors
    numbers = sorted(v.number for v in store.log("train.ipynb"))
    assert numbers == list(range(1, 33))


# -- hostile paths and input --------------------------------------------------------------------------


def test_paths_outside_the_root_are_refused(store: Store, notebook: Path, project: Path, tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    (project / "link.txt").symlink_to(outside)
    before = store_state(store)
    for bad in [str(outside), "../secret.txt", "link.txt"]:
        with pytest.raises(InvalidInput):
            store.snapshot(notebook, [bad])
    with pytest.raises(InvalidInput, match="inside the version store"):
        store.snapshot(notebook, [".jupyter_mv/mv.db"])
    assert store_state(store) == before


def test_invalid_notebooks_are_refused_and_change_nothing(store: Store, project: Path) -> None:
    bad_json = project / "bad.ipynb"
    bad_json.write_text('{"cells": [')
    not_nb = project / "list.ipynb"
    not_nb.write_text("[1, 2]")
    binary = project / "bin.ipynb"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    before = store_state(store)
    with pytest.raises(InvalidInput, match="invalid JSON at line 1"):
        store.snapshot(bad_json)
    with pytest.raises(InvalidInput, match="no nbformat"):
        store.snapshot(not_nb)
    with pytest.raises(InvalidInput, match="not UTF-8"):
        store.snapshot(binary)
    with pytest.raises(NotFound):
        store.snapshot(project / "missing.ipynb")
    assert store_state(store) == before


def test_old_notebook_formats_and_odd_names_are_kept_as_they_are(store: Store, project: Path) -> None:
    v3 = project / "old v3 ünï.ipynb"
    v3.write_text(
        json.dumps(
            {
                "nbformat": 3,
                "nbformat_minor": 0,
                "metadata": {},
                "worksheets": [
                    {
                        "cells": [
                            {"cell_type": "code", "input": "1", "language": "python", "outputs": [], "metadata": {}}
                        ]
                    }
                ],
            }
        )
    )
    version = store.snapshot(v3)
    assert version.notebook == "old v3 ünï.ipynb"
    assert store.read_file(version, version.notebook) == v3.read_bytes()
    empty = project / "empty.txt"
    empty.write_bytes(b"")
    v = store.snapshot(v3, [empty])
    assert store.read_file(v, "empty.txt") == b""


def test_secret_environment_values_never_reach_the_store(
    store: Store, notebook: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "s3cr3t-value-for-the-test-81723"
    monkeypatch.setenv("MY_API_TOKEN", secret)
    monkeypatch.setenv("DB_PASSWORD", secret + "2")
    monkeypatch.setenv("PYTHONPATH", f"/opt/{secret}")
    v = store.snapshot(notebook, environment="auto")
    assert store.environment(v)["packages"]
    store.close()
    for path in store.dir.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path


def test_the_environment_is_captured_once_while_packages_do_not_change(store: Store, notebook: Path) -> None:
    v1 = store.snapshot(notebook, environment="auto")
    v2 = store.snapshot(notebook, environment="auto")
    assert v1.environment is not None and v1.environment == v2.environment
    assert store.db.execute("SELECT count(*) FROM environments").fetchone()[0] == 1


def test_an_unchanged_interpreter_is_run_once_for_many_snapshots(store: Store, notebook: Path, tmp_path: Path) -> None:
    """Another interpreter is asked for its environment at the first snapshot only: while
    its packages are unchanged, the next snapshots reuse the stored capture."""
    runs = tmp_path / "runs.log"
    bin_dir = tmp_path / "venv" / "bin"
    bin_dir.mkdir(parents=True)
    python = bin_dir / "python3"
    python.write_text(f'#!/bin/sh\necho run >> "{runs}"\nexec "{sys.executable}" "$@"\n')
    python.chmod(0o755)
    v1 = store.snapshot(notebook, environment=str(python))
    assert runs.read_text() == "run\n"
    v2 = store.snapshot(notebook, environment=str(python))
    v3 = store.snapshot(notebook, environment=str(python))
    assert runs.read_text() == "run\n"
    assert v1.environment is not None and v1.environment == v2.environment == v3.environment


def test_init_refuses_packs_without_their_database(store: Store, notebook: Path, project: Path) -> None:
    store.snapshot(notebook)
    store.close()
    for name in ("mv.db", "mv.db-wal", "mv.db-shm"):
        (store.dir / name).unlink(missing_ok=True)
    packs = sorted(store.dir.glob("packs/*/*.pack"))
    with pytest.raises(Conflict, match="packs but no mv.db"):
        Store.init(project)
    assert sorted(store.dir.glob("packs/*/*.pack")) == packs and not (store.dir / "mv.db").exists()


def test_a_killed_restore_leaves_no_stray_files(store: Store, notebook: Path, project: Path) -> None:
    big = project / "big.bin"
    with open(big, "wb") as f:
        for _ in range(24):
            f.write(os.urandom(16 * 1024 * 1024))
    store.snapshot(notebook, [big])
    code = "from jupyter_mv.store import Store; Store.open('.').restore('v1', ['big.bin'], to='out')"
    child = subprocess.Popen([sys.executable, "-c", code], cwd=project, env=package_env())
    deadline = __import__("time").monotonic() + 60
    while not list((project / "out").glob(".big.bin.mv-*.tmp")) and __import__("time").monotonic() < deadline:
        pass
    assert list((project / "out").glob(".big.bin.mv-*.tmp")), "the restore never started writing"
    child.kill()
    child.wait()
    Store.open(project).close()
    assert not list((project / "out").glob(".*.tmp"))
    assert not list((store.dir / "tmp").iterdir())
