"""The store guard blocks the store and nothing else: with a store kept under the root by
the setting (a folder named like any other), everything beside it is still served,
including names that merely start like the store's; a symlink into it is blocked."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from traitlets.config import Config

from jupyter_mv.store import Store

from ..helpers import write_notebook


@pytest.fixture
def jp_server_config(jp_root_dir: Path) -> Config:
    return Config(
        {
            "ServerApp": {"jpserver_extensions": {"jupyter_mv": True}},
            "JupyterMV": {"store_dir": str(jp_root_dir / "versions-store")},
        }
    )


@pytest.fixture
def project(jp_root_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    notebook = write_notebook(jp_root_dir / "nb.ipynb", ["x = 1"])
    monkeypatch.setenv("JUPYTER_MV_STORE", str(jp_root_dir / "versions-store"))
    with Store.init(jp_root_dir) as store:
        store.snapshot(notebook)
    monkeypatch.delenv("JUPYTER_MV_STORE")
    (jp_root_dir / "versions-store-notes.txt").write_text("beside the store")
    (jp_root_dir / "versions-store-old").mkdir()
    (jp_root_dir / "versions-store-old" / "readme.txt").write_text("not a store")
    return jp_root_dir


async def fetch(client, base_url: str, headers: dict, url: str):
    return await client.fetch(base_url + url, headers=headers, raise_error=False)


async def test_only_the_configured_store_is_hidden(http_server_client, jp_fetch, jp_base_url, jp_auth_header, project):
    for url in (
        "files/nb.ipynb",
        "api/contents/nb.ipynb",
        "files/versions-store-notes.txt",
        "api/contents/versions-store-notes.txt",
        "files/versions-store-old/readme.txt",
        "api/contents/versions-store-old",
    ):
        response = await fetch(http_server_client, jp_base_url, jp_auth_header, url)
        assert response.code == 200, url
    for url in ("files/versions-store/mv.db", "api/contents/versions-store", "api/contents/versions-store/mv.db"):
        response = await fetch(http_server_client, jp_base_url, jp_auth_header, url)
        assert response.code == 404, url

    listing = await jp_fetch("api", "contents", "")
    names = {item["name"] for item in json.loads(listing.body)["content"]}
    assert {"nb.ipynb", "versions-store-notes.txt", "versions-store-old"} <= names
    assert "versions-store" not in names


async def test_a_symlink_into_the_store_is_blocked(http_server_client, jp_base_url, jp_auth_header, project):
    (project / "links").mkdir()
    os.symlink(project / "versions-store", project / "links" / "shortcut")
    for url in ("files/links/shortcut/mv.db", "api/contents/links/shortcut/mv.db", "api/contents/links/shortcut"):
        response = await fetch(http_server_client, jp_base_url, jp_auth_header, url)
        assert response.code == 404, url
    response = await fetch(http_server_client, jp_base_url, jp_auth_header, "files/versions-store-notes.txt")
    assert response.code == 200


async def test_the_contents_manager_itself_refuses_store_paths_however_it_is_called(jp_serverapp, project, jp_root_dir):
    """Behind the routes, the server's own contents manager (which other extensions and
    handlers call directly, with positional or keyword arguments) refuses store paths."""
    from tornado.web import HTTPError

    manager = jp_serverapp.contents_manager
    assert (await _maybe(manager.get("nb.ipynb", content=False)))["name"] == "nb.ipynb"
    for call in (
        lambda: manager.get("versions-store/mv.db"),
        lambda: manager.get(path="versions-store/mv.db"),
        lambda: manager.get("versions-store", False),
        lambda: manager.delete_file("versions-store/mv.db"),
    ):
        with pytest.raises(HTTPError) as raised:
            await _maybe(call())
        assert raised.value.status_code == 404
    assert (jp_root_dir / "versions-store" / "mv.db").exists()


async def _maybe(value):
    import inspect

    return await value if inspect.isawaitable(value) else value


async def test_listings_keep_the_servers_own_hidden_names_hidden(jp_fetch, project):
    (project / "__pycache__").mkdir()
    (project / "module.pyc").write_bytes(b"\0")
    listing = await jp_fetch("api", "contents", "")
    names = {item["name"] for item in json.loads(listing.body)["content"]}
    assert "nb.ipynb" in names and not names & {"__pycache__", "module.pyc", "versions-store"}


class TestWithHiddenFilesAllowed:
    @pytest.fixture
    def jp_server_config(self) -> Config:
        return Config(
            {"ServerApp": {"jpserver_extensions": {"jupyter_mv": True}}, "ContentsManager": {"allow_hidden": True}}
        )

    async def test_the_dot_store_is_left_out_of_listings_and_other_hidden_files_are_not(self, jp_fetch, jp_root_dir):
        write_notebook(jp_root_dir / "nb.ipynb", ["x = 1"])
        with Store.init(jp_root_dir) as store:
            store.snapshot(jp_root_dir / "nb.ipynb")
        (jp_root_dir / ".notes").mkdir()
        listing = await jp_fetch("api", "contents", "")
        names = {item["name"] for item in json.loads(listing.body)["content"]}
        assert {"nb.ipynb", ".notes"} <= names and ".jupyter_mv" not in names


async def test_the_exists_methods_keep_their_kind_and_answer_no_for_the_store(jp_serverapp, project):
    """``file_exists`` and its kin stay coroutines where the server's manager has them as
    coroutines (jupyter_server 2's default), so a caller that awaits them directly works,
    and a store path is answered as missing."""
    import inspect

    cm = jp_serverapp.contents_manager
    for name in ("file_exists", "dir_exists", "exists"):
        original = getattr(type(cm), name)
        assert inspect.iscoroutinefunction(getattr(cm, name)) is inspect.iscoroutinefunction(original), name
    if inspect.iscoroutinefunction(type(cm).file_exists):
        assert await cm.file_exists("versions-store/mv.db") is False
        assert await cm.dir_exists("versions-store") is False
        assert await cm.file_exists("nb.ipynb") is True


async def test_a_store_path_is_refused_as_a_missing_file(jp_serverapp, project):
    """The refusal reads as the server's own answer for a missing file: a 404 that says
    "No such file or directory", nothing that tells a store is there."""
    from jupyter_server.utils import ensure_async
    from tornado.web import HTTPError

    cm = jp_serverapp.contents_manager
    with pytest.raises(HTTPError) as refused:
        await ensure_async(cm.get("versions-store/mv.db"))
    assert refused.value.status_code == 404
    assert refused.value.log_message == "No such file or directory"


async def test_nbconvert_refuses_a_store_path_before_its_handler_runs(
    http_server_client, jp_base_url, jp_auth_header, project
):
    """A store path asked of nbconvert, in any format, by name or through a symlink, gets
    the same bare 404 as from /files: the server's nbconvert handler (which builds an
    exporter and looks the path up on disk) never sees it."""
    (project / "links").mkdir()
    os.symlink(project / "versions-store", project / "links" / "shortcut")
    missing = await fetch(http_server_client, jp_base_url, jp_auth_header, "files/versions-store/mv.db")
    assert missing.code == 404
    for url in (
        "nbconvert/html/versions-store/mv.db",
        "nbconvert/script/links/shortcut/mv.db",
        "nbconvert/no-such-format/versions-store/mv.db",
    ):
        response = await fetch(http_server_client, jp_base_url, jp_auth_header, url)
        assert (response.code, response.body) == (missing.code, missing.body), url


async def test_guarding_a_contents_manager_again_adds_no_second_check(tmp_path: Path):
    """The guard may be applied to a manager that has it already (a second load of the
    extension): each method still asks about its path once, and still refuses the store."""
    from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager
    from jupyter_server.utils import ensure_async
    from tornado.web import HTTPError

    from jupyter_mv.server.guard import guard_contents_manager, store_path_check

    write_notebook(tmp_path / "nb.ipynb", ["x = 1"])
    Store.init(tmp_path).close()
    manager = AsyncLargeFileManager(root_dir=str(tmp_path))
    check = store_path_check(str(tmp_path), list)
    asked: list[str] = []

    def inside_store(path):
        asked.append(path)
        return check(path)

    async def asks() -> list[str]:
        asked.clear()
        assert (await ensure_async(manager.get("nb.ipynb", content=False)))["name"] == "nb.ipynb"
        assert await ensure_async(manager.file_exists("nb.ipynb")) is True
        return list(asked)

    guard_contents_manager(manager, inside_store, list)
    once = await asks()
    assert once and set(once) == {"nb.ipynb"}
    guard_contents_manager(manager, inside_store, list)
    assert await asks() == once
    with pytest.raises(HTTPError) as refused:
        await ensure_async(manager.get(".jupyter_mv/mv.db"))
    assert refused.value.status_code == 404
