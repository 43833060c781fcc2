"""The store belongs to the root it serves.

A store found by walking up from a notebook is used by the server only when it lies
inside the server's root, belongs to the user the server runs as, and names a project
root inside the server root. Otherwise every route refuses it with a 403 and a clear
message, and nothing beside the root is read, hashed or written through a version's
recorded paths. A store configured explicitly is used, but even then a version's
files outside the root are neither compared with the disk nor restored.
"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest

from jupyter_mv.store import Store
from tests.helpers import run_cli, write_notebook
from tests.reliability.invariants import store_state, user_files
from tests.server.api import call

NB = "train.ipynb"


@pytest.fixture
def store_above(jp_root_dir: Path) -> dict:
    """A project whose store lies in the server root's parent: the notebook inside the
    root, and a file ``beside.txt`` next to the root that a version records."""
    parent = jp_root_dir.parent
    (parent / "beside.txt").write_text("the user's file beside the root\n")
    notebook = write_notebook(jp_root_dir / NB, ["x = 1"])
    with Store.init(parent) as store:
        v1 = store.snapshot(notebook, [parent / "beside.txt"], message="from above")
    (parent / "beside.txt").write_text("edited since\n")
    return {"parent": parent, "store": parent / ".jupyter_mv", "v1": v1}


def snapshot_of_files(parent: Path) -> tuple:
    return store_state(parent / ".jupyter_mv"), user_files(parent)


async def test_every_route_refuses_a_store_above_the_root(jp_fetch, jp_root_dir: Path, store_above: dict) -> None:
    before = snapshot_of_files(store_above["parent"])
    requests = [
        ("GET", ("versions",), {"path": NB}, None),
        ("GET", ("versions", "v1"), {"path": NB}, None),
        ("GET", ("diff",), {"path": NB, "a": "v1"}, None),
        ("GET", ("report", "v1"), {"path": NB, "format": "json"}, None),
        ("GET", ("remotes",), {"path": NB}, None),
        ("GET", ("saves",), {"path": NB}, None),
        ("POST", ("restore",), None, {"path": NB, "ref": "v1", "files": True, "wait": True}),
        ("POST", ("snapshot",), None, {"path": NB, "wait": True, "kernel": False}),
        ("POST", ("tags",), None, {"path": NB, "ref": "v1", "name": "t"}),
        ("POST", ("aliases",), None, {"path": NB, "ref": "v1", "name": "a"}),
        ("POST", ("saves",), None, {"path": NB}),
        ("POST", ("remotes",), None, {"path": NB, "name": "r", "url": str(jp_root_dir.parent / "remote")}),
    ]
    for method, parts, params, body in requests:
        status, answer = await call(jp_fetch, method, *parts, params=params, body=body)
        assert status == 403, (method, parts, status, answer)
        assert answer["error"] == "forbidden"
        assert "above the server root" in answer["message"], answer
        assert str(jp_root_dir.parent) not in answer["message"]
    assert snapshot_of_files(store_above["parent"]) == before
    assert (store_above["parent"] / "beside.txt").read_text() == "edited since\n"
    assert not (jp_root_dir / ".jupyter_mv").exists(), "a refused snapshot made a store of its own"


async def test_the_hash_of_a_file_beside_the_root_is_never_revealed(jp_fetch, store_above: dict) -> None:
    status, answer = await call(jp_fetch, "GET", "diff", params={"path": NB, "a": "v1"})
    assert status == 403
    text = json.dumps(answer)
    beside = store_above["v1"].file("beside.txt")
    assert beside.hash[:12] not in text and "beside" not in text


async def test_a_store_inside_the_root_keeps_working(jp_fetch, jp_root_dir: Path, store_above: dict) -> None:
    """The control: once the root has a store of its own, that nearer one is used."""
    with Store.init(jp_root_dir) as store:
        store.snapshot(jp_root_dir / NB, message="here")
    status, answer = await call(jp_fetch, "GET", "versions", params={"path": NB})
    assert status == 200 and [v["message"] for v in answer["versions"]] == ["here"]


@pytest.fixture
def foreign_store(jp_root_dir: Path) -> Path:
    """A store inside the root that belongs to another user (uid 65534, nobody)."""
    if os.geteuid() != 0:
        pytest.skip("changing a store's owner needs root; the CI machine runs as root")
    notebook = write_notebook(jp_root_dir / NB, ["x = 1"])
    with Store.init(jp_root_dir) as store:
        store.snapshot(notebook, message="theirs")
    store_dir = jp_root_dir / ".jupyter_mv"
    for path in [store_dir, *store_dir.rglob("*")]:
        os.lchown(path, 65534, 65534)
    return store_dir


async def test_a_store_of_another_user_is_refused(jp_fetch, foreign_store: Path) -> None:
    before = store_state(foreign_store)
    for method, parts, params, body in [
        ("GET", ("versions",), {"path": NB}, None),
        ("POST", ("snapshot",), None, {"path": NB, "wait": True, "kernel": False}),
        ("POST", ("tags",), None, {"path": NB, "ref": "v1", "name": "t"}),
    ]:
        status, answer = await call(jp_fetch, method, *parts, params=params, body=body)
        assert status == 403, (parts, status, answer)
        assert "belongs to another user" in answer["message"]
    assert store_state(foreign_store) == before


def test_the_cli_warns_about_a_store_of_another_user(foreign_store: Path) -> None:
    proc = run_cli("log", NB, cwd=foreign_store.parent)
    assert proc.returncode == 0, proc.stderr
    assert "belongs to another user (nobody)" in proc.stderr
    assert "theirs" in proc.stdout


def test_the_cli_does_not_warn_about_its_own_store(tmp_path: Path) -> None:
    notebook = write_notebook(tmp_path / NB, ["x = 1"])
    with Store.init(tmp_path) as store:
        store.snapshot(notebook, message="mine")
    proc = run_cli("log", NB, cwd=tmp_path)
    assert proc.returncode == 0 and "another user" not in proc.stderr


async def test_a_store_naming_a_root_outside_is_refused(jp_fetch, jp_root_dir: Path) -> None:
    """A store inside the root whose database says its project is elsewhere (a copied or
    crafted ``mv.db``): its recorded paths would lead out of the root."""
    notebook = write_notebook(jp_root_dir / NB, ["x = 1"])
    with Store.init(jp_root_dir) as store:
        store.snapshot(notebook, message="v1")
    conn = sqlite3.connect(jp_root_dir / ".jupyter_mv" / "mv.db")
    with conn:
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('root', ?)", [str(jp_root_dir.parent)])
    conn.close()
    before = store_state(jp_root_dir / ".jupyter_mv")
    for method, parts, params, body in [
        ("POST", ("restore",), None, {"path": NB, "ref": "v1", "files": True, "wait": True}),
        ("GET", ("diff",), {"path": NB, "a": "v1"}, None),
        ("GET", ("versions",), {"path": NB}, None),
    ]:
        status, answer = await call(jp_fetch, method, *parts, params=params, body=body)
        assert status == 403, (parts, status, answer)
        assert "project root outside the server root" in answer["message"]
    assert store_state(jp_root_dir / ".jupyter_mv") == before


@pytest.fixture
def explicit_store(jp_root_dir: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    """A store configured explicitly (JUPYTER_MV_STORE) for a project that holds the
    server root, with a version that records a file beside the root."""
    parent = jp_root_dir.parent
    store_dir = parent / "stores" / "team"
    monkeypatch.setenv("JUPYTER_MV_STORE", str(store_dir))
    (parent / "beside.txt").write_text("beside\n")
    notebook = write_notebook(jp_root_dir / NB, ["x = 1"])
    with Store.init(parent) as store:
        store.snapshot(notebook, [parent / "beside.txt"], message="explicit")
    (parent / "beside.txt").write_text("edited\n")
    return {"parent": parent, "store": store_dir}


async def test_an_explicit_store_is_used_but_files_outside_the_root_stay_out(
    jp_fetch, jp_root_dir: Path, explicit_store: dict
) -> None:
    status, answer = await call(jp_fetch, "GET", "versions", params={"path": NB})
    assert status == 200 and [v["message"] for v in answer["versions"]] == ["explicit"]
    before = store_state(explicit_store["store"])
    status, answer = await call(jp_fetch, "GET", "diff", params={"path": NB, "a": "v1"})
    assert status == 403 and "outside the server root" in answer["message"], answer
    status, answer = await call(
        jp_fetch, "POST", "restore", body={"path": NB, "ref": "v1", "files": True, "wait": True}
    )
    assert status == 403, answer
    assert (explicit_store["parent"] / "beside.txt").read_text() == "edited\n"
    assert store_state(explicit_store["store"]) == before
    # The notebook alone lies inside the root: restoring it is allowed.
    write_notebook(jp_root_dir / NB, ["x = 2"])
    status, answer = await call(jp_fetch, "POST", "restore", body={"path": NB, "ref": "v1", "wait": True})
    assert status == 200, answer
    assert "x = 1" in (jp_root_dir / NB).read_text()
