"""Errors tell the truth: a full disk, a read-only store folder and a read-only ``mv.db``
each get their own one-line message, none of them says "restore it from a backup" (the
database is healthy), a refused write changes nothing, and the reading verbs (log, show,
diff, verify) work on a store nobody may write to. Real permissions (see
``permissions.py``), a real full disk (a tmpfs), the CLI as a real subprocess."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from jupyter_mv.errors import DiskFull
from jupyter_mv.store import Store
from tests.helpers import run_cli, tree_bytes, write_notebook

from .permissions import fill, read_only, run_cli_plain, run_python_plain, tiny_disk

READ_VERBS = [
    ["log"],
    ["log", "--json"],
    ["show", "v1"],
    ["show", "v2", "--json"],
    ["verify"],
    ["diff", "v1", "v2"],
    ["diff", "v1"],
    ["diff", "v1", "v2", "--json"],
]


def _one_clear_line(proc, *, verb: str) -> str:
    assert proc.returncode == 1, (proc.stdout, proc.stderr)
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith(f"jupyter mv {verb}: error: ")
    assert "backup" not in line and "Traceback" not in line and "unexpected" not in line
    return line


@pytest.fixture
def two_versions(project: Path) -> Path:
    write_notebook(project / "train.ipynb", ["x = 1"])
    (project / "data.csv").write_text("a,b\n1,2\n")
    run_cli("init", cwd=project, check=True)
    run_cli("snapshot", "train.ipynb", "data.csv", "--no-env", "-m", "first", cwd=project, check=True)
    write_notebook(project / "train.ipynb", ["x = 2"])
    run_cli("snapshot", "train.ipynb", "data.csv", "--no-env", "-m", "second", cwd=project, check=True)
    (project / "more.bin").write_bytes(os.urandom(200_000))
    return project


# -- a read-only store folder ---------------------------------------------------------------------


@pytest.mark.parametrize("verb", READ_VERBS, ids=" ".join)
def test_reading_verbs_work_on_a_read_only_store(two_versions: Path, verb: list[str]) -> None:
    project = two_versions
    expected = run_cli(*verb, cwd=project, check=True).stdout
    with read_only(project / ".jupyter_mv"):
        proc = run_cli_plain(*verb, cwd=project)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == expected


def test_a_read_only_store_refuses_writes_in_one_true_line_and_changes_nothing(two_versions: Path) -> None:
    project = two_versions
    store_dir = project / ".jupyter_mv"
    before = tree_bytes(store_dir)
    with read_only(store_dir):
        for args in (
            ["snapshot", "train.ipynb", "more.bin", "--no-env", "-m", "third"],
            ["tag", "v1", "best"],
            ["alias", "production", "v2"],
            ["gc"],
        ):
            line = _one_clear_line(run_cli_plain(*args, cwd=project), verb=args[0])
            assert f"the store folder {store_dir} is read-only" in line
            assert "log, show, diff and verify still work" in line and "chmod -R u+w" in line
        # Restoring elsewhere only reads the store: it works.
        out = project.parent / "out"
        done = run_cli_plain("restore", "v1", "--to", str(out), cwd=project)
        assert done.returncode == 0, done.stderr
    assert tree_bytes(store_dir) == before
    assert (out / "data.csv").read_text() == "a,b\n1,2\n"
    run_cli("snapshot", "train.ipynb", "more.bin", "--no-env", "-m", "third", cwd=project, check=True)


def test_a_read_only_database_is_named_as_such(two_versions: Path) -> None:
    project = two_versions
    db = project / ".jupyter_mv" / "mv.db"
    packs = sorted((project / ".jupyter_mv" / "packs").rglob("*.pack"))
    with read_only(db):
        for verb in READ_VERBS:
            assert run_cli_plain(*verb, cwd=project).returncode == 0
        for args in (["snapshot", "train.ipynb", "more.bin", "--no-env"], ["tag", "v1", "best"]):
            line = _one_clear_line(run_cli_plain(*args, cwd=project), verb=args[0])
            assert f"the store database {db} is read-only (its file permissions)" in line
            assert "chmod u+w" in line and "store folder" not in line
    # The refused snapshot left no pack behind.
    assert sorted((project / ".jupyter_mv" / "packs").rglob("*.pack")) == packs
    assert [v["name"] for v in json.loads(run_cli("log", "--json", cwd=project, check=True).stdout)] == ["v2", "v1"]


API_CHILD = """
import sys
from jupyter_mv.errors import StoreReadOnly
from jupyter_mv.store import Store
with Store.open(".") as store:
    print(" ".join(v.name for v in store.log()))
    try:
        store.tag("v1", "best")
    except StoreReadOnly as exc:
        print(type(exc).__name__, exc.status, exc.code, exc.message)
"""


def test_the_api_raises_the_read_only_error_with_its_own_code(two_versions: Path) -> None:
    project = two_versions
    with read_only(project / ".jupyter_mv"):
        proc = run_python_plain(API_CHILD, cwd=project)
    assert proc.returncode == 0, proc.stderr
    names, error = proc.stdout.splitlines()
    assert names == "v2 v1"
    store_dir = project / ".jupyter_mv"
    assert error.startswith(f"StoreReadOnly 403 store_read_only the store folder {store_dir} is read-only")


# -- a full disk ----------------------------------------------------------------------------------


@pytest.fixture
def disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    with tiny_disk(tmp_path / "disk", "4m") as where:
        root = where / "project"
        root.mkdir()
        monkeypatch.chdir(root)
        yield where
        monkeypatch.chdir(tmp_path)


def test_a_snapshot_that_fills_the_disk_says_so_and_leaves_the_store_as_it_was(disk: Path) -> None:
    project = disk / "project"
    write_notebook(project / "train.ipynb", ["x = 1"])
    run_cli("init", cwd=project, check=True)
    run_cli("snapshot", "train.ipynb", "--no-env", "-m", "first", cwd=project, check=True)
    (project / "big.bin").write_bytes(os.urandom(1536 * 1024))
    filler = fill(disk, leave=600 * 1024)  # room for the start of big.bin's pack, not all of it
    before = tree_bytes(project / ".jupyter_mv")

    proc = run_cli("snapshot", "train.ipynb", "big.bin", "--no-env", "-m", "too big", cwd=project)

    line = _one_clear_line(proc, verb="snapshot")
    assert f"the disk that holds the store {project / '.jupyter_mv'} is full (no space left on device)" in line
    assert "nothing was changed" in line
    assert tree_bytes(project / ".jupyter_mv") == before
    assert not any((project / ".jupyter_mv" / "tmp").iterdir())
    assert run_cli("verify", cwd=project, check=True).stdout.startswith("ok:")
    filler.unlink()
    assert run_cli("snapshot", "train.ipynb", "big.bin", "--no-env", cwd=project, check=True).stdout.startswith("v2 ")


def test_on_a_full_disk_reading_works_and_writing_the_database_says_disk_full(disk: Path) -> None:
    project = disk / "project"
    write_notebook(project / "train.ipynb", ["x = 1"])
    run_cli("init", cwd=project, check=True)
    run_cli("snapshot", "train.ipynb", "--no-env", "-m", "first", cwd=project, check=True)
    with Store.open(project) as store:  # opened before the disk fills: its next write is SQLite's
        filler = fill(disk)
        with pytest.raises(DiskFull, match="is full") as caught:
            for i in range(50):  # SQLite may find room in pages it holds: write until it cannot
                store.tag("v1", f"t{i}")
        assert "backup" not in str(caught.value)
        for args, verb in ((["tag", "v1", "best"], "tag"), (["snapshot", "train.ipynb", "--no-env"], "snapshot")):
            assert "is full" in _one_clear_line(run_cli(*args, cwd=project), verb=verb)
        for verb in (["log"], ["show", "v1"], ["verify"], ["diff", "v1"]):
            proc = run_cli(*verb, cwd=project)
            assert proc.returncode == 0, proc.stderr
        log = json.loads(run_cli("log", "--json", cwd=project, check=True).stdout)
        assert [(v["name"], v["message"]) for v in log] == [("v1", "first")]
        filler.unlink()
        store.tag("v1", "best")
    assert "ok:" in run_cli("verify", cwd=project, check=True).stdout
