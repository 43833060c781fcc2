"""Two stores share versions through a remote on every back end: a folder (a plain path and
file://), the S3 protocol served on loopback, and SFTP to a real sshd on loopback."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from jupyter_mv.errors import RemoteError
from jupyter_mv.remote import add_remote, pull, push
from jupyter_mv.store import Store, schema
from tests.helpers import run_cli, write_notebook

from .conftest import Remote


def make_store(folder: Path, notebook: str = "train.ipynb", data: bytes | None = None) -> Store:
    folder.mkdir(parents=True, exist_ok=True)
    write_notebook(folder / notebook, [f"# {notebook}", "model = fit(df)"])
    if data is not None:
        (folder / "data.bin").write_bytes(data)
    return Store.init(folder)


def snap(store: Store, notebook: str, files: list[str] = (), message: str = "") -> str:
    return store.snapshot(store.root / notebook, [store.root / f for f in files], message=message).id


def test_two_stores_push_and_pull_each_others_versions(remote: Remote, tmp_path: Path) -> None:
    data = os.urandom(1_500_000) + b"tail" * 100_000
    a = make_store(tmp_path / "a", data=data)
    v1 = snap(a, "train.ipynb", ["data.bin"], "baseline")
    a.tag(v1, "baseline")
    a.alias("production", v1)
    assert a.remotes.state([v1]) == {v1: []}
    assert add_remote(a, "team", remote.url)["name"] == "team"

    sent = push(a)
    assert sent["remote"] == "team" and sent["versions"] == 1 and sent["packs"] >= 1
    assert sent["bytes"] >= len(data) // 2  # random bytes do not compress
    assert a.remotes.state([v1]) == {v1: ["team"]}

    b = make_store(tmp_path / "b", notebook="eval.ipynb")
    add_remote(b, "team", remote.url)
    got = pull(b)
    assert got["versions"] == 1 and got["packs"] == 0 and got["conflicts"] == []
    pulled = b.resolve("baseline")
    assert pulled.id == v1 and b.resolve("production").id == v1 and pulled.message == "baseline"
    assert b.remotes.state([v1]) == {v1: ["team"]}
    # Lazy: the version's packs are indexed but their bytes are still on the remote.
    assert not list((b.dir / "packs").glob("*/*.pack"))
    b.restore("baseline", to=tmp_path / "restored")
    assert (tmp_path / "restored" / "data.bin").read_bytes() == data
    assert (tmp_path / "restored" / "train.ipynb").read_bytes() == (a.root / "train.ipynb").read_bytes()
    assert b.verify().ok

    w1 = snap(b, "eval.ipynb", message="from b")
    b.tag(w1, "evaluated")
    assert push(b)["versions"] == 1  # only its own: v1 came from there
    got = pull(a, "team")
    assert got["versions"] == 1
    assert a.resolve("evaluated").id == w1
    assert a.read_file(w1, "eval.ipynb") == (b.root / "eval.ipynb").read_bytes()

    again = push(a)
    assert (again["versions"], again["packs"], again["bytes"], again["skipped"]) == (0, 0, 0, 2)
    assert pull(a)["versions"] == 0


def test_lazy_pull_fetches_on_read_and_all_fetches_everything(shared_remote: Remote, tmp_path: Path) -> None:
    a = make_store(tmp_path / "a", data=os.urandom(400_000))
    snap(a, "train.ipynb", ["data.bin"], "one")
    (a.root / "data.bin").write_bytes(os.urandom(300_000))
    second = snap(a, "train.ipynb", ["data.bin"], "two")
    add_remote(a, "team", shared_remote.url)
    assert push(a)["packs"] == 2

    b = make_store(tmp_path / "b")
    add_remote(b, "team", shared_remote.url)
    assert pull(b)["versions"] == 2
    assert b.db.execute("SELECT count(*) FROM packs WHERE remote = 'team'").fetchone()[0] == 2
    assert b.verify().ok  # packs still on the remote are not missing: a read checks them
    assert b.gc(grace_seconds=0).packs_removed == 0  # nor garbage
    assert b.read_file(second, "data.bin") == (a.root / "data.bin").read_bytes()
    assert b.db.execute("SELECT count(*) FROM packs WHERE remote IS NOT NULL").fetchone()[0] == 1
    b.close()

    proc = run_cli("pull", "team", "--all", "--json", cwd=b.root, env=shared_remote.env, check=True)
    result = json.loads(proc.stdout)
    assert result["packs"] == 1 and result["versions"] == 0
    with Store.open(b.root) as b:
        assert b.db.execute("SELECT count(*) FROM packs WHERE remote IS NOT NULL").fetchone()[0] == 0
        assert len(list((b.dir / "packs").glob("*/*.pack"))) == 2
        assert b.verify().ok and b.verify().chunks > 0


def test_pull_of_named_notebooks_only(tmp_path: Path) -> None:
    a = make_store(tmp_path / "a")
    write_notebook(a.root / "other.ipynb", ["x = 1"])
    keep = snap(a, "train.ipynb")
    snap(a, "other.ipynb")
    add_remote(a, "team", str(tmp_path / "remote"))
    push(a)
    b = make_store(tmp_path / "b", notebook="mine.ipynb")
    add_remote(b, "team", str(tmp_path / "remote"))
    assert pull(b, notebooks=["train.ipynb"])["versions"] == 1
    assert [v.id for v in b.log()] == [keep]
    assert pull(b)["versions"] == 1 and b.count() == 2


def test_pushed_versions_keep_their_numbers_order_and_models(tmp_path: Path) -> None:
    a = make_store(tmp_path / "a")
    first = snap(a, "train.ipynb", message="one")
    (a.root / "model.pkl").write_bytes(b"weights" * 1000)
    second = snap(a, "train.ipynb", message="two")
    a.models.save("churn", a.root / "model.pkl", flavor="pickle", version=second)
    add_remote(a, "team", str(tmp_path / "remote"))
    push(a)
    b = make_store(tmp_path / "b", notebook="mine.ipynb")
    add_remote(b, "team", str(tmp_path / "remote"))
    pull(b)
    assert [(v.id, v.name) for v in b.log("train.ipynb")] == [(second, "v2"), (first, "v1")]
    model = b.models.get("churn")
    assert model.version == second
    b.models.export("churn", tmp_path / "exported.pkl")
    assert (tmp_path / "exported.pkl").read_bytes() == b"weights" * 1000


def test_packs_of_a_removed_remote_are_read_again_once_it_is_added_back(tmp_path: Path) -> None:
    a = make_store(tmp_path / "a", data=b"abc" * 50_000)
    v1 = snap(a, "train.ipynb", ["data.bin"])
    add_remote(a, "team", str(tmp_path / "remote"))
    push(a)
    b = make_store(tmp_path / "b", notebook="eval.ipynb")
    add_remote(b, "team", str(tmp_path / "remote"))
    pull(b)
    b.remotes.remove("team")
    assert b.remotes.list() == [] and b.remotes.state([v1]) == {v1: []}
    with pytest.raises(RemoteError, match="still on remote team, which is no longer configured"):
        b.read_file(v1, "data.bin")
    add_remote(b, "team", f"file://{tmp_path / 'remote'}")
    assert b.read_file(v1, "data.bin") == b"abc" * 50_000


def test_a_format_3_store_gains_remotes_when_opened(tmp_path: Path) -> None:
    with make_store(tmp_path / "a") as a:
        snap(a, "train.ipynb")
        a.db.executescript(
            "DROP TABLE remotes; DROP TABLE remote_packs; DROP TABLE remote_versions; DROP TABLE remote_aliases; "
            "ALTER TABLE packs DROP COLUMN remote; ALTER TABLE version_files DROP COLUMN dvc; DROP TABLE segments; "
            "DROP INDEX versions_listing; DROP TABLE restored; DROP TABLE pack_sets; "
            "DROP TRIGGER pack_sets_chunk_gone; DROP TRIGGER pack_sets_chunk_moved; DROP TRIGGER pack_sets_pack_gone; "
            "DELETE FROM migrations WHERE id >= 4; "
            "UPDATE meta SET value = '3' WHERE key = 'format_version';"
        )
    with Store.open(tmp_path / "a") as a:
        assert a.db.execute("SELECT value FROM meta WHERE key = 'format_version'").fetchone()[0] == str(
            schema.FORMAT_VERSION
        )
        assert [r[0] for r in a.db.execute("SELECT id FROM migrations ORDER BY id")] == [
            number for number, _, _ in schema.MIGRATIONS
        ]
        add_remote(a, "team", str(tmp_path / "remote"))
        assert push(a)["versions"] == 1


def test_a_file_unchanged_between_versions_is_not_sent_again(tmp_path: Path) -> None:
    a = make_store(tmp_path / "a", data=os.urandom(24 * 1024 * 1024))
    first = a.snapshot(a.root / "train.ipynb", [a.root / "data.bin"])
    add_remote(a, "team", str(tmp_path / "remote"))
    push(a)
    chunk_list = a.db.execute(
        "SELECT length(chunks) FROM objects WHERE hash = ?", [bytes.fromhex(first.file("data.bin").hash)]
    ).fetchone()[0]
    assert chunk_list > 8000  # a few hundred chunks
    write_notebook(a.root / "train.ipynb", ["# edited", "model = fit(df)"])
    a.snapshot(a.root / "train.ipynb", [a.root / "data.bin"])
    sent = push(a)
    assert sent["versions"] == 1 and sent["bytes"] < chunk_list  # the new notebook only


def test_a_pull_notes_which_of_the_stores_versions_the_remote_holds(tmp_path: Path) -> None:
    """A version the store made and then finds on another remote is known to be on both."""
    a = make_store(tmp_path / "a")
    v1 = snap(a, "train.ipynb")
    add_remote(a, "one", str(tmp_path / "one"))
    push(a)
    shutil.copytree(tmp_path / "one", tmp_path / "two")
    add_remote(a, "two", str(tmp_path / "two"))
    assert a.remotes.state([v1]) == {v1: ["one"]}
    assert pull(a, "two")["versions"] == 0
    assert a.remotes.state([v1]) == {v1: ["one", "two"]}


def test_a_file_left_in_the_remotes_objects_folder_does_not_stop_a_push(tmp_path: Path) -> None:
    """The objects folder is listed by name: a stray file directly in it is not an object,
    and a push over it sends the new versions all the same."""
    a = make_store(tmp_path / "a", data=b"abc" * 50_000)
    snap(a, "train.ipynb", ["data.bin"])
    add_remote(a, "team", str(tmp_path / "remote"))
    push(a)
    (tmp_path / "remote" / "objects" / "README").write_text("the team's models\n")
    (a.root / "data.bin").write_bytes(b"xyz" * 50_000)
    v2 = snap(a, "train.ipynb", ["data.bin"])
    push(a)
    b = make_store(tmp_path / "b", notebook="eval.ipynb")
    add_remote(b, "team", str(tmp_path / "remote"))
    pull(b, all=True)
    assert b.read_file(v2, "data.bin") == b"xyz" * 50_000
    assert (tmp_path / "remote" / "objects" / "README").read_text() == "the team's models\n"
