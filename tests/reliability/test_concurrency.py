"""Concurrency: several processes (kernels and the server, in effect) snapshot the same
and different notebooks into one store at once, while others verify, read and
collect garbage. No writer fails (no "database is locked"), every version is there
with its own bytes, and numbers are unique and gap-free per notebook.

Fast: 4 writers x 8 snapshots. ``JUPYTER_MV_STRESS=1``: 8 writers x 50 snapshots.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from jupyter_mv.store import Store
from tests.helpers import package_env, write_notebook

from .invariants import check_invariants, scale
from .writer_child import data

WRITERS = scale(4, 8)
SNAPSHOTS = scale(8, 50)

#: Runs until the file ``stop`` exists: verify, read every version's files, gc with no
#: grace period. Prints one line per round; "Busy" from gc (writers hold the lock) is fine.
MAINTAINER = r"""
import sys, pathlib
from jupyter_mv.errors import Busy
from jupyter_mv.store import Store
root = pathlib.Path(sys.argv[1])
while not (root / ".jupyter_mv" / "mv.db").exists():
    pass
store = Store.open(root)
rounds = 0
while not (root / "stop").exists() or rounds < 2:
    rounds += 1
    report = store.verify()
    print("verify", "ok" if report.ok else report.to_dict(), flush=True)
    for v in store.log():
        for f in v.files:
            store.read_file(v, f.path)
    print("read", flush=True)
    try:
        store.gc(grace_seconds=0)
        print("gc ok", flush=True)
    except Busy:
        print("gc busy", flush=True)
"""


def notebook_of(writer: int) -> str:
    """Even writers share one notebook; odd writers each have their own."""
    return "shared.ipynb" if writer % 2 == 0 else f"own_{writer}.ipynb"


@pytest.mark.stress
def test_writers_at_once_lose_nothing_and_number_without_gaps(project: Path) -> None:
    for w in range(WRITERS):
        write_notebook(project / notebook_of(w), [f"# {notebook_of(w)}", "x = 1"])
    env = package_env()
    # No store yet: the writers race to create it, as kernels opening a new project do.
    writers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.reliability.writer_child",
                str(project),
                str(w),
                notebook_of(w),
                str(SNAPSHOTS),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        for w in range(WRITERS)
    ]
    maintainer = subprocess.Popen(
        [sys.executable, "-c", MAINTAINER, str(project)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    results = [w.communicate(timeout=900) for w in writers]
    (project / "stop").touch()
    m_out, m_err = maintainer.communicate(timeout=300)

    for w, (proc, (out, err)) in enumerate(zip(writers, results)):
        assert proc.returncode == 0 and not err.strip(), f"writer {w} failed:\n{err.decode()}"
    assert maintainer.returncode == 0, m_err.decode()
    rounds = Counter(m_out.decode().splitlines())
    assert set(rounds) <= {"verify ok", "read", "gc ok", "gc busy"}, rounds

    reported: dict[str, tuple[int, int]] = {}
    alias_moves = 0
    for out, _ in results:
        for line in out.decode().splitlines():
            word, *rest = line.split()
            if word == "committed":
                reported[rest[0]] = (int(rest[1]), int(rest[2]))
            elif word == "aliased":
                alias_moves += 1
    assert len(reported) == WRITERS * SNAPSHOTS

    store = Store.open(project)
    versions = {v.id: v for v in store.log()}
    assert set(versions) == set(reported)
    for vid, (w, j) in reported.items():
        v = versions[vid]
        assert v.notebook == notebook_of(w) and v.message == f"writer {w} snapshot {j}"
        assert store.read_file(v, f"data_{w}.csv") == data(w, j)
        assert store.read_file(v, v.notebook) == (project / v.notebook).read_bytes()
    per_notebook = Counter(notebook_of(w) for w, _ in reported.values())
    for notebook, n in per_notebook.items():
        assert sorted(v.number for v in store.log(notebook)) == list(range(1, n + 1))
    assert store.db.execute("SELECT count(*) FROM tags").fetchone()[0] == WRITERS * (SNAPSHOTS // 5)
    assert len(store.alias_history("shared")) == alias_moves
    check_invariants(store)
    store.close()
    print(
        f"\nconcurrency: {WRITERS} writers x {SNAPSHOTS} snapshots = {len(reported)} versions, 0 lost; "
        f"maintainer: {dict(rounds)}"
    )


def test_verify_sees_one_consistent_state_while_a_writer_commits(
    store: Store, notebook: Path, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """verify reads the chunk index, then the objects: a snapshot committed between
    those two reads (forced here at the worst moment, through a second connection) must
    not be reported as an object with missing chunks."""
    (project / "model.bin").write_bytes(b"first model" * 10_000)
    store.snapshot(notebook, ["model.bin"])
    other = Store.open(project)
    committed = []

    def commit_in_between(sql: str) -> None:
        if not committed and "FROM objects" in sql:
            (project / "model.bin").write_bytes(b"second model" * 10_000)
            committed.append(other.snapshot(notebook, ["model.bin"]))

    # On the store's connection and on any that verify may open for itself.
    store.db.conn.set_trace_callback(commit_in_between)
    real_connect = sqlite3.connect

    def connect(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        conn = real_connect(*args, **kwargs)
        conn.set_trace_callback(commit_in_between)
        return conn

    monkeypatch.setattr(sqlite3, "connect", connect)
    try:
        report = store.verify()
    finally:
        monkeypatch.undo()
        store.db.conn.set_trace_callback(None)
        other.close()
    assert committed, "the interleaving did not happen: the test proves nothing"
    assert report.ok, report.to_dict()
    assert store.verify().ok
