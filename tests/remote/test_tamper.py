"""A remote is shared storage that anyone with write access can change: what a pull takes
from it is checked. A record whose content does not hash to its id, a chunk list or a pack
that is not what the records say, is refused with a clear error, and nothing of the pull
lands in the store (no version, pack, object, tag or alias rows)."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from jupyter_mv import remote as mv_remote
from jupyter_mv.errors import IntegrityError, MVError
from jupyter_mv.store import Store
from tests.helpers import write_notebook


def make_store(folder: Path, notebook: str, data: bytes | None = None) -> Store:
    folder.mkdir(parents=True, exist_ok=True)
    write_notebook(folder / notebook, [f"# {notebook}", "model = fit(df)"])
    if data is not None:
        (folder / "data.bin").write_bytes(data)
    return Store.init(folder)


def dump(store: Store) -> list[str]:
    """Every row of the store's database."""
    conn = sqlite3.connect(store.dir / "mv.db")
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


@pytest.fixture
def pushed(tmp_path: Path) -> tuple[Store, Path, list[str]]:
    """A store that pushed two versions of a notebook (with a data file, a tag and an alias)
    to a ``file://`` remote; the remote's folder; the versions' ids, oldest first."""
    a = make_store(tmp_path / "a", "train.ipynb", data=os.urandom(200_000))
    first = a.snapshot(a.root / "train.ipynb", [a.root / "data.bin"], message="baseline", metrics={"acc": 0.5}).id
    (a.root / "data.bin").write_bytes(os.urandom(100_000))
    second = a.snapshot(a.root / "train.ipynb", [a.root / "data.bin"], message="tuned", metrics={"acc": 0.7}).id
    a.tag(first, "baseline")
    a.alias("production", second)
    folder = tmp_path / "remote"
    mv_remote.add_remote(a, "team", f"file://{folder}")
    assert mv_remote.push(a)["versions"] == 2
    yield a, folder, [first, second]
    a.close()


@pytest.fixture
def puller(tmp_path: Path) -> Store:
    """Another store with a version of its own and the same remote."""
    b = make_store(tmp_path / "b", "eval.ipynb")
    b.snapshot(b.root / "eval.ipynb", message="mine")
    mv_remote.add_remote(b, "team", f"file://{tmp_path / 'remote'}")
    yield b
    b.close()


def record_path(folder: Path, vid: str) -> Path:
    return folder / "versions" / f"{vid}.json"


def edit_record(folder: Path, vid: str, change: Callable[[dict], None]) -> None:
    path = record_path(folder, vid)
    record = json.loads(path.read_bytes())
    change(record)
    path.write_bytes(json.dumps(record, sort_keys=True, separators=(",", ":")).encode())


def other_object(record: dict) -> None:
    data = next(f for f in record["files"] if f["path"] == "data.bin")
    data["hash"] = "0" * 64


TAMPERING = {
    "message": lambda r: r["version"].update(message="approved by QA"),
    "metrics": lambda r: r["version"].update(metrics={"acc": 0.99}),
    "author": lambda r: r["version"].update(author="someone else"),
    "parent": lambda r: r["version"].update(parent="0" * 64),
    "created": lambda r: r["version"].update(created=r["version"]["created"] + 1),
    "file hash": other_object,
    "file size": lambda r: r["files"][0].update(size=r["files"][0]["size"] + 1),
    "file added": lambda r: r["files"].append({**r["files"][0], "path": "extra.py"}),
    "file dropped": lambda r: r["files"].pop(),
    "kind": lambda r: r["version"].update(kind="weird"),
    "format": lambda r: r.update(format=99),
    "object hash": lambda r: r["objects"][0].update(hash="not-a-hash"),
    "object size": lambda r: r["objects"][0].update(size="big"),
}


@pytest.mark.parametrize("tamper", sorted(TAMPERING))
@pytest.mark.parametrize("which", [0, 1])
def test_a_record_that_does_not_hash_to_its_id_is_refused_and_nothing_is_imported(
    pushed: tuple[Store, Path, list[str]], puller: Store, tamper: str, which: int
) -> None:
    _, folder, ids = pushed
    edit_record(folder, ids[which], TAMPERING[tamper])
    before = dump(puller)

    with pytest.raises(IntegrityError) as raised:
        mv_remote.pull(puller)

    assert "record of version" in raised.value.message and ids[which][:12] in raised.value.message
    assert "damaged" in raised.value.message
    if tamper.startswith("object"):
        assert "an object is malformed" in raised.value.message
    assert dump(puller) == before  # neither version: not even the untouched one
    assert [v.message for v in puller.log()] == ["mine"]


def test_a_record_stored_under_another_versions_id_is_refused(
    pushed: tuple[Store, Path, list[str]], puller: Store
) -> None:
    _, folder, (first, second) = pushed
    # The second version's file holds the first one's record (a replay), and the reverse.
    a, b = record_path(folder, first).read_bytes(), record_path(folder, second).read_bytes()
    record_path(folder, first).write_bytes(b)
    record_path(folder, second).write_bytes(a)
    before = dump(puller)
    with pytest.raises(IntegrityError, match="record of version .* is damaged"):
        mv_remote.pull(puller)
    assert dump(puller) == before


def test_a_record_whose_id_field_is_rewritten_to_match_its_name_is_refused(
    pushed: tuple[Store, Path, list[str]], puller: Store
) -> None:
    _, folder, (first, _) = pushed
    forged = "f" * 64
    body = json.loads(record_path(folder, first).read_bytes())
    body["version"]["id"] = forged
    body["version"]["message"] = "forged"
    record_path(folder, forged).write_text(json.dumps(body))
    record_path(folder, first).unlink()
    before = dump(puller)
    with pytest.raises(IntegrityError, match=forged[:12]):
        mv_remote.pull(puller)
    assert dump(puller) == before


def test_a_record_that_is_not_json_is_refused(pushed: tuple[Store, Path, list[str]], puller: Store) -> None:
    _, folder, (first, _) = pushed
    record_path(folder, first).write_bytes(b'{"format": 1, "version": ')
    before = dump(puller)
    with pytest.raises(MVError):
        mv_remote.pull(puller)
    assert dump(puller) == before


def test_an_untampered_remote_pulls_both_versions(pushed: tuple[Store, Path, list[str]], puller: Store) -> None:
    """The control for the tests above: the same remote, untouched, pulls whole."""
    a, _, (first, second) = pushed
    got = mv_remote.pull(puller)
    assert got["versions"] == 2 and got["conflicts"] == []
    assert puller.resolve("baseline").id == first and puller.resolve("production").id == second
    assert puller.read_file(second, "data.bin") == a.read_file(second, "data.bin")


# -- what the records point at ---------------------------------------------------------------


def chunk_list_path(folder: Path, store: Store, vid: str) -> Path:
    digest = store.get(vid).file("data.bin").hash
    return folder / "objects" / digest[:2] / digest


def test_a_chunk_list_of_the_wrong_length_is_refused(pushed: tuple[Store, Path, list[str]], puller: Store) -> None:
    a, folder, (first, _) = pushed
    path = chunk_list_path(folder, a, first)
    path.write_bytes(path.read_bytes()[:-1])
    before = dump(puller)
    with pytest.raises(IntegrityError, match="chunk list .* is damaged"):
        mv_remote.pull(puller)
    assert dump(puller) == before


def test_a_chunk_list_naming_a_chunk_no_pack_holds_is_refused(
    pushed: tuple[Store, Path, list[str]], puller: Store
) -> None:
    a, folder, (first, _) = pushed
    path = chunk_list_path(folder, a, first)
    path.write_bytes(path.read_bytes()[:-32] + b"\x01" * 32)
    before = dump(puller)
    with pytest.raises(IntegrityError, match="that no pack on the remote holds"):
        mv_remote.pull(puller)
    assert dump(puller) == before


def remote_packs(folder: Path) -> list[Path]:
    return sorted(folder.glob("packs/*/*.pack"))


def test_a_missing_pack_is_refused(pushed: tuple[Store, Path, list[str]], puller: Store) -> None:
    _, folder, _ = pushed
    victim = remote_packs(folder)[0]
    victim.unlink()
    before = dump(puller)
    with pytest.raises(IntegrityError, match=f"lacks pack {victim.stem}"):
        mv_remote.pull(puller)
    assert dump(puller) == before


@pytest.mark.parametrize("damage", ["no trailer magic", "count past the start", "truncated"])
def test_a_pack_whose_trailer_is_damaged_is_refused(
    pushed: tuple[Store, Path, list[str]], puller: Store, damage: str
) -> None:
    _, folder, _ = pushed
    victim = remote_packs(folder)[0]
    raw = bytearray(victim.read_bytes())
    if damage == "no trailer magic":
        raw[-1] ^= 0xFF
    elif damage == "count past the start":
        raw[-12:-8] = (10**6).to_bytes(4, "little")
    else:
        raw = raw[:10]
    victim.write_bytes(bytes(raw))
    before = dump(puller)
    with pytest.raises(IntegrityError, match=f"pack {victim.stem} on the remote has"):
        mv_remote.pull(puller)
    assert dump(puller) == before


def test_pack_bytes_changed_after_a_lazy_pull_are_refused_on_read(
    pushed: tuple[Store, Path, list[str]], puller: Store
) -> None:
    a, folder, (first, second) = pushed
    assert mv_remote.pull(puller)["versions"] == 2
    for pack in remote_packs(folder):  # the same size and trailer, other bytes in the middle
        raw = bytearray(pack.read_bytes())
        raw[len(raw) // 3] ^= 0xFF
        pack.write_bytes(bytes(raw))
    with pytest.raises(IntegrityError, match="damaged"):
        puller.read_file(first, "data.bin")
    with pytest.raises(IntegrityError, match="damaged"):
        puller.read_file(second, "data.bin")


def test_a_pack_replaced_by_a_shorter_one_is_refused_when_fetched(
    pushed: tuple[Store, Path, list[str]], puller: Store
) -> None:
    _, folder, (first, _) = pushed
    assert mv_remote.pull(puller)["versions"] == 2
    own = sorted((puller.dir / "packs").glob("*/*.pack"))
    for pack in remote_packs(folder):
        pack.write_bytes(pack.read_bytes()[:-100] + pack.read_bytes()[-8:])
    with pytest.raises(IntegrityError, match="fetched from remote team is damaged"):
        puller.read_file(first, "data.bin")
    assert sorted((puller.dir / "packs").glob("*/*.pack")) == own  # nothing damaged was kept
    assert not list((puller.dir / "tmp").iterdir())
