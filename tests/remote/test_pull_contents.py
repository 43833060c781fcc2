"""What a pull brings is the whole version: its environment, and every file's object,
also when the pulling store already holds some of them."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import blake3

from jupyter_mv import remote as mv_remote
from jupyter_mv.store import Store
from tests.helpers import write_notebook


def store_at(folder: Path, notebook: str) -> Store:
    write_notebook(folder / notebook, [f"# {notebook}"])
    return Store.init(folder)


def test_a_pulled_version_keeps_its_environment(tmp_path: Path) -> None:
    a = store_at(tmp_path / "a", "train.ipynb")
    env = {"python": {"version": "3.11.7"}, "packages": [{"name": "numpy", "version": "2.0.0"}]}
    vid = a.snapshot(a.root / "train.ipynb", environment=env).id
    mv_remote.add_remote(a, "team", f"file://{tmp_path / 'remote'}")
    mv_remote.push(a)
    b = store_at(tmp_path / "b", "eval.ipynb")
    mv_remote.add_remote(b, "team", f"file://{tmp_path / 'remote'}")
    assert mv_remote.pull(b)["versions"] == 1
    assert b.get(vid).environment == a.get(vid).environment is not None
    assert b.environment(b.get(vid)) == a.environment(a.get(vid)) == env


def test_objects_the_puller_already_holds_do_not_stop_the_others_coming(tmp_path: Path) -> None:
    # A file both stores hold, whose object sorts before the one only the pusher has.
    shared = os.urandom(50_000)
    while True:
        only_a = os.urandom(50_000)
        if blake3.blake3(shared).digest() < blake3.blake3(only_a).digest():
            break
    a = store_at(tmp_path / "a", "train.ipynb")
    (a.root / "shared.bin").write_bytes(shared)
    (a.root / "only_a.bin").write_bytes(only_a)
    vid = a.snapshot(a.root / "train.ipynb", [a.root / "shared.bin", a.root / "only_a.bin"]).id
    mv_remote.add_remote(a, "team", f"file://{tmp_path / 'remote'}")
    mv_remote.push(a)
    b = store_at(tmp_path / "b", "eval.ipynb")
    (b.root / "shared.bin").write_bytes(shared)
    b.snapshot(b.root / "eval.ipynb", [b.root / "shared.bin"])
    mv_remote.add_remote(b, "team", f"file://{tmp_path / 'remote'}")

    assert mv_remote.pull(b)["versions"] == 1

    assert b.read_file(vid, "only_a.bin") == only_a and b.read_file(vid, "shared.bin") == shared
    assert b.verify().ok


def test_a_pulls_progress_totals_the_bytes_it_then_reports(tmp_path: Path) -> None:
    a = store_at(tmp_path / "a", "train.ipynb")
    (a.root / "data.bin").write_bytes(os.urandom(30_000))
    a.snapshot(a.root / "train.ipynb", [a.root / "data.bin"])
    (a.root / "data.bin").write_bytes(os.urandom(20_000))
    a.snapshot(a.root / "train.ipynb", [a.root / "data.bin"])
    mv_remote.add_remote(a, "team", f"file://{tmp_path / 'remote'}")
    mv_remote.push(a)
    b = store_at(tmp_path / "b", "eval.ipynb")
    mv_remote.add_remote(b, "team", f"file://{tmp_path / 'remote'}")
    calls: list[tuple[str, int | None, str, list[int]]] = []

    @contextmanager
    def progress(desc: str, total: int | None, unit: str = "B") -> Iterator[Callable[[int], None]]:
        updates: list[int] = []
        calls.append((desc, total, unit, updates))
        yield updates.append

    result = mv_remote.pull(b, all=True, progress=progress)

    assert result["versions"] == 2 and result["packs"] >= 1
    records = tmp_path / "remote" / "versions"
    record_bytes = sum(p.stat().st_size for p in records.glob("*.json"))
    pack_bytes = sum(p.stat().st_size for p in (tmp_path / "remote" / "packs").rglob("*.pack"))
    assert [(desc, total, unit) for desc, total, unit, _ in calls] == [
        ("pull from team", record_bytes, "B"),
        ("fetch from team", pack_bytes, "B"),
    ]
    for _, total, _, updates in calls:
        assert sum(updates) == total
