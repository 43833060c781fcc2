"""A store path is a store path however it is named.

Every input is resolved (symlinks followed) before the store rule is applied: a snapshot's
``path`` and ``files``, a restore's ``to``, saves, the contents manager and the CLI. A
symlink that leads into ``.jupyter_mv`` (the folder itself, a file in it, a folder
holding a link to it) never takes the store into a version, never lets a restore write
into it, and folder listings leave it out instead of failing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jupyter_mv.errors import InvalidInput
from jupyter_mv.store import Store
from tests.helpers import run_cli, write_notebook
from tests.reliability.invariants import store_state
from tests.server.api import call

NB = "train.ipynb"


@pytest.fixture
def linked(jp_root_dir: Path) -> dict:
    """A project with a store and v1; ``storelink`` leads to the store folder, ``dblink``
    to its database, ``sub/deeper`` to the store through a folder, ``notes.ipynb`` to
    its README."""
    notebook = write_notebook(jp_root_dir / NB, ["x = 1"])
    with Store.init(jp_root_dir) as store:
        v1 = store.snapshot(notebook, message="v1")
    store_dir = jp_root_dir / ".jupyter_mv"
    (jp_root_dir / "storelink").symlink_to(".jupyter_mv", target_is_directory=True)
    (jp_root_dir / "dblink").symlink_to(".jupyter_mv/mv.db")
    (jp_root_dir / "sub").mkdir()
    (jp_root_dir / "sub" / "deeper").symlink_to("../.jupyter_mv", target_is_directory=True)
    (jp_root_dir / "notes.ipynb").symlink_to(".jupyter_mv/README")
    return {"root": jp_root_dir, "store": store_dir, "v1": v1}


STORE_NAMES = ["storelink", "dblink", "storelink/mv.db", "sub/deeper", "sub/deeper/mv.db", "storelink/packs"]


async def test_a_snapshot_never_takes_the_store_through_a_link(jp_fetch, linked: dict) -> None:
    before = store_state(linked["store"])
    for name in STORE_NAMES:
        status, answer = await call(
            jp_fetch, "POST", "snapshot", body={"path": NB, "files": [name], "wait": True, "kernel": False}
        )
        assert status == 400, (name, status, answer)
        assert "version store" in answer["message"], answer
    status, answer = await call(
        jp_fetch, "POST", "snapshot", body={"path": "storelink/x.ipynb", "wait": True, "kernel": False}
    )
    assert status == 400, answer
    assert store_state(linked["store"]) == before


async def test_a_folder_with_a_link_to_the_store_is_snapshot_without_it(jp_fetch, linked: dict) -> None:
    """``files: ["sub"]`` holds ``sub/deeper -> .jupyter_mv``: the folder's own files are
    kept, the store is not walked into."""
    (linked["root"] / "sub" / "data.csv").write_text("a\n1\n")
    (linked["root"] / "sub" / "db").symlink_to("../.jupyter_mv/mv.db")
    result = await snapshot_ok(jp_fetch, {"path": NB, "files": ["sub"]})
    paths = [f["path"] for f in result["version"]["files"]]
    assert "sub/data.csv" in paths
    assert not [p for p in paths if p.startswith("sub/d") and p != "sub/data.csv"], paths


async def snapshot_ok(jp_fetch, body: dict) -> dict:
    status, answer = await call(jp_fetch, "POST", "snapshot", body={**body, "wait": True, "kernel": False})
    assert status == 201, answer
    return answer


async def test_a_restore_never_writes_into_the_store_through_a_link(jp_fetch, linked: dict) -> None:
    before = store_state(linked["store"])
    for to in ["storelink/new.ipynb", "sub/deeper/new.ipynb", "storelink/packs/new.ipynb"]:
        status, answer = await call(jp_fetch, "POST", "restore", body={"path": NB, "ref": "v1", "to": to, "wait": True})
        assert status == 400, (to, status, answer)
    assert store_state(linked["store"]) == before
    assert not list(linked["store"].rglob("new.ipynb"))


async def test_saves_and_reads_refuse_a_linked_store_path(jp_fetch, linked: dict) -> None:
    status, answer = await call(jp_fetch, "POST", "saves", body={"path": "notes.ipynb"})
    assert status == 400, answer
    for params in [{"path": "notes.ipynb"}, {"path": "storelink/x.ipynb"}]:
        status, answer = await call(jp_fetch, "GET", "versions", params=params)
        assert status == 400, (params, answer)


async def test_the_contents_api_hides_linked_store_paths_and_lists_the_folder(jp_fetch, linked: dict) -> None:
    from tornado.httpclient import HTTPClientError

    response = await jp_fetch("api", "contents", "", method="GET")
    names = {item["name"] for item in json.loads(response.body)["content"]}
    assert {NB, "sub"} <= names
    assert not names & {"storelink", "dblink", "notes.ipynb", ".jupyter_mv"}, names
    response = await jp_fetch("api", "contents", "sub", method="GET")
    assert {item["name"] for item in json.loads(response.body)["content"]} == set()
    for name in ["storelink", "dblink", "storelink/mv.db", "notes.ipynb", "sub/deeper/mv.db"]:
        with pytest.raises(HTTPClientError) as caught:
            await jp_fetch("api", "contents", name, method="GET")
        assert caught.value.code == 404, name


def test_the_core_refuses_a_linked_store_path(linked: dict) -> None:
    with Store.open(linked["root"]) as store:
        for name in STORE_NAMES:
            with pytest.raises(InvalidInput, match="inside the version store"):
                store.relpath(linked["root"] / name)
            with pytest.raises(InvalidInput, match="inside the version store"):
                store.snapshot(linked["root"] / NB, [linked["root"] / name])
        with pytest.raises(InvalidInput):
            store.restore("v1", to=linked["root"] / "storelink")


def test_the_cli_refuses_a_linked_store_path(linked: dict) -> None:
    before = store_state(linked["store"])
    for name in ["storelink", "dblink", "sub/deeper/mv.db"]:
        proc = run_cli("snapshot", NB, name, "-m", "x", cwd=linked["root"])
        assert proc.returncode != 0, (name, proc.stdout)
        assert "inside the version store" in proc.stderr
        assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert store_state(linked["store"]) == before


async def test_the_contents_manager_says_a_store_path_does_not_exist(jp_serverapp, linked: dict) -> None:
    """``file_exists`` and its kin answer as for a missing file, however the store is named,
    while the project's own files still exist."""
    from jupyter_server.utils import ensure_async

    cm = jp_serverapp.contents_manager
    for name in [".jupyter_mv/mv.db", "storelink/mv.db", "dblink", "sub/deeper/mv.db"]:
        assert await ensure_async(cm.file_exists(name)) is False, name
        assert await ensure_async(cm.exists(name)) is False, name
    for name in [".jupyter_mv", "storelink", "sub/deeper", "storelink/packs"]:
        assert await ensure_async(cm.dir_exists(name)) is False, name
    assert await ensure_async(cm.file_exists(NB)) is True
    assert await ensure_async(cm.dir_exists("sub")) is True
    assert await ensure_async(cm.exists(path=NB)) is True
