"""Corruption: damaged packs, a damaged chunk index and a damaged mv.db.

Every kind of damage gives an integrity error that names the object (chunk, pack,
file), restore refuses to write damaged content and leaves the user's files as they
were, verify names exactly the versions affected (and no healthy one), and the CLI
says so in one line. The quick cases (one flipped byte in a raw chunk, one deleted
pack, a database that is not SQLite) are in tests/store; these go further.
Under ``JUPYTER_MV_STRESS=1`` every CLI call on a damaged database is a real process.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from jupyter_mv.cli import main
from jupyter_mv.errors import IntegrityError, MVError
from jupyter_mv.store import Store, Version
from jupyter_mv.store.packs import pack_path
from tests.helpers import run_cli

from .invariants import STRESS, user_files


@pytest.fixture
def two_packs(store: Store, notebook: Path, project: Path) -> dict[str, Version]:
    """v1 stores a.bin (random) and data.csv (compressible); v2 adds b.bin in a second
    pack and keeps a.bin and data.csv by reference. The notebook never changes."""
    (project / "a.bin").write_bytes(os.urandom(600_000))
    (project / "data.csv").write_text("".join(f"{i},{i % 7},{i * 0.25}\n" for i in range(60_000)))
    v1 = store.snapshot(notebook, ["a.bin", "data.csv"])
    (project / "b.bin").write_bytes(os.urandom(600_000))
    v2 = store.snapshot(notebook, ["a.bin", "b.bin", "data.csv"])
    return {"v1": v1, "v2": v2}


def pack_of(store: Store, version: Version, path: str) -> str:
    """The pack holding the first chunk of ``path`` in ``version``."""
    chunks = store.db.execute(
        "SELECT chunks FROM objects WHERE hash = ?", [bytes.fromhex(version.file(path).hash)]
    ).fetchone()[0]
    return store.db.execute(
        "SELECT p.name FROM chunks c JOIN packs p ON p.id = c.pack WHERE c.hash = ?", [chunks[:32]]
    ).fetchone()[0]


def chunk_rows(store: Store, version: Version, path: str) -> list[tuple]:
    """(address, pack, offset, length, codec) of every chunk of ``path`` in ``version``."""
    chunks = store.db.execute(
        "SELECT chunks FROM objects WHERE hash = ?", [bytes.fromhex(version.file(path).hash)]
    ).fetchone()[0]
    rows = []
    for i in range(0, len(chunks), 32):
        rows.append(
            store.db.execute(
                "SELECT c.hash, p.name, c.offset, c.length, c.codec FROM chunks c JOIN packs p ON p.id = c.pack "
                "WHERE c.hash = ?",
                [chunks[i : i + 32]],
            ).fetchone()
        )
    return rows


def affected(store: Store) -> dict[str, list[str]]:
    report = store.verify()
    assert not report.ok
    return {f"{v['notebook']}@{v['name']}": v["paths"] for v in report.affected_versions}


def test_a_truncated_pack_names_its_chunk_and_only_the_versions_that_hold_it(
    store: Store, two_packs: dict[str, Version], project: Path, tmp_path: Path
) -> None:
    v1, v2 = two_packs["v1"], two_packs["v2"]
    victim = pack_of(store, v2, "b.bin")
    assert victim != pack_of(store, v1, "a.bin")
    path = pack_path(store.dir, victim)
    os.truncate(path, path.stat().st_size // 2)

    with pytest.raises(IntegrityError, match=f"chunk [0-9a-f]{{16}} in pack {victim} is damaged"):
        store.read_file(v2, "b.bin")
    assert affected(store) == {"train.ipynb@v2": ["b.bin"]}
    # What the damage does not touch still reads and restores: a.bin of v2, all of v1.
    assert store.read_file(v2, "a.bin") == (project / "a.bin").read_bytes()
    store.restore(v1, to=tmp_path / "v1")
    assert (tmp_path / "v1" / "a.bin").read_bytes() == (project / "a.bin").read_bytes()


def test_a_pack_cut_to_nothing_is_unreadable_not_wrong_bytes(store: Store, two_packs: dict[str, Version]) -> None:
    victim = pack_of(store, two_packs["v2"], "b.bin")
    pack_path(store.dir, victim).write_bytes(b"")
    with pytest.raises(IntegrityError, match=f"in pack {victim} is damaged"):
        store.read_file(two_packs["v2"], "b.bin")
    assert affected(store) == {"train.ipynb@v2": ["b.bin"]}


def test_a_flipped_byte_in_a_compressed_chunk_is_caught(store: Store, two_packs: dict[str, Version]) -> None:
    v1 = two_packs["v1"]
    digest, pack, offset, length, codec = chunk_rows(store, v1, "data.csv")[1]
    assert codec == 1, "data.csv should be stored zstd-compressed"
    path = pack_path(store.dir, pack)
    raw = bytearray(path.read_bytes())
    raw[offset + length // 2] ^= 0x40
    path.write_bytes(bytes(raw))
    with pytest.raises(IntegrityError, match=f"chunk {digest.hex()[:16]} in pack {pack} is damaged"):
        store.read_file(v1, "data.csv")
    assert affected(store) == {"train.ipynb@v1": ["data.csv"], "train.ipynb@v2": ["data.csv"]}


def test_a_pack_that_cannot_be_read_is_an_integrity_error_naming_it(
    store: Store, two_packs: dict[str, Version]
) -> None:
    victim = pack_of(store, two_packs["v2"], "b.bin")
    path = pack_path(store.dir, victim)
    path.unlink()
    path.mkdir()  # opens, then fails to read: as a disk error would
    with pytest.raises(IntegrityError, match=victim):
        store.read_file(two_packs["v2"], "b.bin")
    assert affected(store) == {"train.ipynb@v2": ["b.bin"]}


@pytest.mark.parametrize("damage", ["chunk row deleted", "chunk row moved", "object row deleted"])
def test_a_damaged_chunk_index_is_named_and_nothing_is_read_wrong(
    store: Store, two_packs: dict[str, Version], damage: str
) -> None:
    v2 = two_packs["v2"]
    digest, *_ = chunk_rows(store, v2, "b.bin")[0]
    with store.db.conn:
        if damage == "chunk row deleted":
            store.db.execute("DELETE FROM chunks WHERE hash = ?", [digest])
        elif damage == "chunk row moved":
            store.db.execute("UPDATE chunks SET offset = offset + 1 WHERE hash = ?", [digest])
        else:
            store.db.execute("DELETE FROM objects WHERE hash = ?", [bytes.fromhex(v2.file("b.bin").hash)])
    named = digest.hex()[:16] if damage != "object row deleted" else v2.file("b.bin").hash[:16]
    with pytest.raises(IntegrityError, match=named):
        store.read_file(v2, "b.bin")
    assert affected(store) == {"train.ipynb@v2": ["b.bin"]}


def test_restore_in_place_is_all_or_nothing_when_one_file_is_damaged(
    store: Store, two_packs: dict[str, Version], project: Path
) -> None:
    """v2 holds a.bin (intact) and b.bin (damaged). Both differ on disk. Restoring v2
    must fail before it moves either file into place, and leave no temporary file."""
    v2 = two_packs["v2"]
    (project / "a.bin").write_bytes(b"my current a")
    (project / "b.bin").write_bytes(b"my current b")
    victim = pack_path(store.dir, pack_of(store, v2, "b.bin"))
    os.truncate(victim, victim.stat().st_size - 5000)
    before = user_files(project)
    with pytest.raises(IntegrityError, match="damaged"):
        store.restore(v2)
    assert user_files(project) == before
    # The current files were kept first, and that copy is intact.
    safety = store.log(kinds=["safety"])[0]
    assert store.read_file(safety, "a.bin") == b"my current a"
    assert store.read_file(safety, "b.bin") == b"my current b"


def test_the_cli_names_the_damage_in_one_line(
    store: Store, two_packs: dict[str, Version], project: Path, tmp_path: Path
) -> None:
    victim = pack_of(store, two_packs["v2"], "b.bin")
    pack_path(store.dir, victim).unlink()
    store.close()
    restore = run_cli("restore", "v2", "--to", str(tmp_path / "out"), cwd=project)
    assert restore.returncode == 1
    assert restore.stderr.count("\n") == 1 and f"pack {victim} is missing" in restore.stderr
    assert not (tmp_path / "out" / "b.bin").exists()
    verify = run_cli("verify", cwd=project)
    assert verify.returncode == 1 and "Traceback" not in verify.stderr
    assert "affected version train.ipynb@v2" in verify.stderr and "train.ipynb@v1" not in verify.stderr


def damage_database(db: Path, how: str) -> None:
    """Damage mv.db (checkpointed, no WAL) the way disks and copies do."""
    raw = bytearray(db.read_bytes())
    page = int.from_bytes(raw[16:18], "big") or 65536
    if how == "truncated":
        raw = raw[: len(raw) // 2]
    elif how == "zeroed pages":  # the pages holding the versions table and its rows
        conn = sqlite3.connect(db)
        first = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'versions'").fetchone()[0]
        conn.close()
        start = (first - 1) * page
        raw[start : start + 2 * page] = bytes(2 * page)
    elif how == "garbage header":
        raw[:100] = os.urandom(100)
    elif how == "empty":
        raw = bytearray()
    db.write_bytes(bytes(raw))


@pytest.mark.stress
@pytest.mark.parametrize("how", ["truncated", "zeroed pages", "garbage header", "empty"])
def test_a_damaged_database_is_a_clear_error_everywhere_and_never_an_empty_store(
    store: Store, notebook: Path, project: Path, how: str, capsys: pytest.CaptureFixture
) -> None:
    for i in range(40):  # enough rows for the versions table to span pages
        store.snapshot(notebook, message=f"version {i} " + "x" * 400)
    pack_files = sorted(store.dir.glob("packs/*/*.pack"))
    store.close()
    conn = sqlite3.connect(store.dir / "mv.db")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    damage_database(store.dir / "mv.db", how)

    with pytest.raises(MVError, match="store database"):
        with Store.open(project) as damaged:
            damaged.log()
    for args in (["log"], ["show", "v1"], ["restore", "v1", "--to", "out"], ["verify"], ["gc", "--grace", "0"]):
        if args == ["log"] or STRESS:  # a real process; the others in-process, through the same main()
            proc = run_cli(*args, cwd=project)
            code, err = proc.returncode, proc.stderr
        else:
            code, err = main(args), capsys.readouterr().err
        assert code == 1, (args, err)
        assert "store database" in err and "Traceback" not in err and "unexpected" not in err, (args, err)
        if args != ["verify"]:
            assert err.count("\n") == 1, (args, err)
    # Nothing was taken for garbage: every pack is still there.
    assert sorted(store.dir.glob("packs/*/*.pack")) == pack_files
