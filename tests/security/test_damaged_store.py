"""A damaged store says so before it takes new work: a snapshot never deduplicates
against chunks whose pack is missing, truncated or unreadable. It stores them again
from the files being snapshotted, points the index at the new copies and says that it
repaired the store, so the new version restores byte for byte. Real stores, real packs,
the CLI as a real subprocess."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from jupyter_mv.remote import add_remote, pull, push
from jupyter_mv.store import Store
from jupyter_mv.store.packs import pack_path
from tests.helpers import package_env, run_cli, write_notebook

MB = 1024 * 1024


def _packs(store: Store) -> list[str]:
    return [r[0] for r in store.db.execute("SELECT name FROM packs ORDER BY id")]


def _delete(path: Path) -> None:
    path.unlink()


def _truncate(path: Path) -> None:
    os.truncate(path, path.stat().st_size // 2)


def _cut_tail(path: Path) -> None:
    """Only the trailer's last bytes go: every chunk is still in place, the pack is not."""
    os.truncate(path, path.stat().st_size - 4)


def _folder_in_its_place(path: Path) -> None:
    path.unlink()
    path.mkdir()


DAMAGE: dict[str, Callable[[Path], None]] = {
    "deleted": _delete,
    "truncated": _truncate,
    "trailer cut": _cut_tail,
    "a folder in its place": _folder_in_its_place,
}


@pytest.fixture
def work(project: Path) -> tuple[Path, Path]:
    notebook = write_notebook(project / "train.ipynb", ["import numpy as np", "x = np.arange(10)"])
    data = project / "data.bin"
    data.write_bytes(os.urandom(3 * MB))
    return notebook, data


def _restored(store: Store, ref: str, target: Path, files: list[Path]) -> None:
    store.restore(ref, to=target)
    for f in files:
        assert (target / f.name).read_bytes() == f.read_bytes(), f"{f.name} restored differently"


@pytest.mark.parametrize("how", list(DAMAGE))
def test_a_snapshot_over_a_damaged_pack_stores_the_chunks_again_and_restores(
    store: Store, work: tuple[Path, Path], tmp_path: Path, how: str
) -> None:
    notebook, data = work
    v1 = store.snapshot(notebook, [data], message="first")
    (victim,) = _packs(store)
    DAMAGE[how](pack_path(store.dir, victim))

    v2 = store.snapshot(notebook, [data], message="same data, after the damage")

    assert v2.warnings, "the snapshot did not say it repaired the store"
    assert all("repaired the store" in w and victim in w for w in v2.warnings)
    _restored(store, v2.id, tmp_path / "v2", [notebook, data])
    # The index now points at the new copies: the first version, of the same bytes, is whole again.
    _restored(store, v1.id, tmp_path / "v1", [notebook, data])
    report = store.verify()
    assert report.ok, report.to_dict()
    # A second snapshot of the same data finds nothing to repair and stores nothing new.
    packs_before = _packs(store)
    v3 = store.snapshot(notebook, [data], message="third")
    assert v3.warnings == () and _packs(store) == packs_before


def test_the_stat_cache_does_not_vouch_for_a_file_whose_pack_is_gone(
    store: Store, work: tuple[Path, Path], tmp_path: Path
) -> None:
    """A file unchanged since the last snapshot is not even read (the stat cache says it is
    stored); when its chunks are gone it must be read again, or the new version is hollow."""
    notebook, data = work
    old = time.time() - 3600
    for f in (notebook, data):
        os.utime(f, (old, old))
    store.snapshot(notebook, [data], message="first")
    assert store.db.execute("SELECT count(*) FROM stat_cache").fetchone()[0] == 2
    for name in _packs(store):
        pack_path(store.dir, name).unlink()

    v2 = store.snapshot(notebook, [data], message="unchanged files, packs gone")

    assert v2.warnings
    _restored(store, v2.id, tmp_path / "out", [notebook, data])
    assert store.verify().ok


def test_only_the_damaged_chunks_are_stored_again_and_verify_names_what_is_still_lost(
    store: Store, project: Path, tmp_path: Path
) -> None:
    notebook = write_notebook(project / "train.ipynb", ["x = 1"])
    kept, lost = project / "kept.bin", project / "lost.bin"
    kept.write_bytes(os.urandom(2 * MB))
    lost.write_bytes(os.urandom(2 * MB))
    v1 = store.snapshot(notebook, [kept, lost], message="both files")
    (victim,) = _packs(store)
    pack_path(store.dir, victim).unlink()
    lost.unlink()  # the only other copy is gone too: nothing can bring it back

    v2 = store.snapshot(notebook, [kept], message="the file that is left")

    (warning,) = v2.warnings
    assert victim in warning and "jupyter mv verify" in warning
    _restored(store, v2.id, tmp_path / "v2", [notebook, kept])
    # The new pack holds the notebook and kept.bin only, not a byte more.
    (new,) = [p for p in _packs(store) if p != victim]
    assert pack_path(store.dir, new).stat().st_size < 2 * MB + 64 * 1024
    report = store.verify()
    assert not report.ok
    assert {c["pack"] for c in report.damaged_chunks} == {victim}
    assert [(v["id"], v["paths"]) for v in report.affected_versions] == [(v1.id, ["lost.bin"])]


def test_a_pack_left_on_a_remote_by_a_lazy_pull_is_not_damage(project: Path, tmp_path: Path) -> None:
    """Store b pulls lazily (its packs stay on the remote, fetched when read) and has a
    local pack that is gone. A snapshot repairs the local one and deduplicates against
    the remote one: nothing of it is stored again, and a restore fetches it."""
    shared = tmp_path / "shared"
    a_root, b_root = tmp_path / "a", tmp_path / "b"
    for root in (a_root, b_root):
        root.mkdir()
    payload = os.urandom(2 * MB)
    with Store.init(a_root) as a:
        nb_a = write_notebook(a_root / "train.ipynb", ["x = 1"])
        (a_root / "remote.bin").write_bytes(payload)
        a.snapshot(nb_a, [a_root / "remote.bin"], message="from a")
        add_remote(a, "team", str(shared))
        push(a)
    with Store.init(b_root) as b:
        add_remote(b, "team", str(shared))
        assert pull(b)["versions"] == 1
        (lazy,) = [r[0] for r in b.db.execute("SELECT name FROM packs WHERE remote IS NOT NULL")]
        assert not pack_path(b.dir, lazy).exists()
        nb_b = write_notebook(b_root / "train.ipynb", ["x = 1"])
        (b_root / "local.bin").write_bytes(os.urandom(MB))
        b.snapshot(nb_b, [b_root / "local.bin"], message="local")
        (local,) = [r[0] for r in b.db.execute("SELECT name FROM packs WHERE remote IS NULL")]
        pack_path(b.dir, local).unlink()
        (b_root / "remote.bin").write_bytes(payload)

        v = b.snapshot(nb_b, [b_root / "local.bin", b_root / "remote.bin"], message="both")

        (warning,) = v.warnings
        assert local in warning and lazy not in warning
        (new,) = [r[0] for r in b.db.execute("SELECT name FROM packs WHERE remote IS NULL AND name != ?", [local])]
        assert pack_path(b.dir, new).stat().st_size < MB + 64 * 1024, "the remote's chunks were stored again"
        assert b.db.execute("SELECT remote FROM packs WHERE name = ?", [lazy]).fetchone()[0] == "team"
        _restored(b, v.id, tmp_path / "out", [nb_b, b_root / "local.bin", b_root / "remote.bin"])
        assert pack_path(b.dir, lazy).exists(), "the restore did not fetch the remote's pack"


def test_the_cli_says_it_repaired_the_store_and_the_new_version_restores(
    project: Path, work: tuple[Path, Path], tmp_path: Path
) -> None:
    notebook, data = work
    run_cli("init", cwd=project, check=True)
    run_cli("snapshot", "train.ipynb", "data.bin", "--no-env", "-m", "first", cwd=project, check=True)
    with Store.open(project) as store:
        (victim,) = _packs(store)
        _truncate(pack_path(store.dir, victim))

    proc = run_cli("snapshot", "train.ipynb", "data.bin", "--no-env", "-m", "again", cwd=project)

    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("v2 ")
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith("warning: repaired the store: pack ") and victim in line and "truncated" in line
    out = tmp_path / "out"
    run_cli("restore", "v2", "--to", str(out), cwd=project, check=True)
    assert (out / "data.bin").read_bytes() == data.read_bytes()
    assert (out / "train.ipynb").read_bytes() == notebook.read_bytes()
    assert run_cli("verify", cwd=project, check=True).stdout.startswith("ok:")


# -- a pack its user may not read (permissions) ---------------------------------------------------

#: Root passes every permission check; without these capabilities it is held to the mode bits
#: like anyone else (the files stay its own, so nothing else changes).
NO_DAC = ["--inh-caps=-dac_override,-dac_read_search,-fowner", "--bounding-set=-dac_override,-dac_read_search,-fowner"]


def as_plain_user(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """The real CLI in a subprocess for which file permissions hold: this user when it is
    not root, else root without the capabilities that override them."""
    prefix: list[str] = []
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root and setpriv (util-linux) is missing: permissions cannot be made to hold")
        prefix = [setpriv, *NO_DAC]
    return subprocess.run(
        [*prefix, sys.executable, "-m", "jupyter_mv.cli", *args],
        cwd=cwd,
        env={**package_env(), "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )


@contextlib.contextmanager
def mode(path: Path, bits: int) -> Iterator[None]:
    before = path.stat().st_mode
    os.chmod(path, bits)
    try:
        yield
    finally:
        os.chmod(path, before)


def test_a_pack_that_cannot_be_opened_is_repaired_not_leaned_on(
    project: Path, work: tuple[Path, Path], tmp_path: Path
) -> None:
    notebook, data = work
    run_cli("init", cwd=project, check=True)
    run_cli("snapshot", "train.ipynb", "data.bin", "--no-env", "-m", "first", cwd=project, check=True)
    with Store.open(project) as store:
        (victim,) = _packs(store)
        path = pack_path(store.dir, victim)
    out = tmp_path / "out"
    with mode(path, 0):
        proc = as_plain_user("snapshot", "train.ipynb", "data.bin", "--no-env", "-m", "again", cwd=project)
        assert proc.returncode == 0, proc.stderr
        assert victim in proc.stderr and "cannot be read (Permission denied)" in proc.stderr
        restored = as_plain_user("restore", "v2", "--to", str(out), cwd=project)
        assert restored.returncode == 0, restored.stderr
    assert (out / "data.bin").read_bytes() == data.read_bytes()
    conn = sqlite3.connect(project / ".jupyter_mv" / "mv.db")
    try:
        in_victim = conn.execute(
            "SELECT count(*) FROM chunks c JOIN packs p ON p.id = c.pack WHERE p.name = ?", [victim]
        ).fetchone()[0]
    finally:
        conn.close()
    assert in_victim == 0, "the index still points at the pack nobody could read"
