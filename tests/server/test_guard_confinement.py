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
    return Config({"ServerApp": {"jpserver_extensions": {"jupyter_mv": True}},
                   "JupyterMV": {"store_dir": str(jp_root_dir / "versions-store")}})


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


async def test_only_the_configured_store_is_hidden(http_server_client, jp_fetch, jp_base_url, jp_auth_header,
                                                   project):
    for url in ("files/nb.ipynb", "api/contents/nb.ipynb", "files/versions-store-notes.txt",
                "api/contents/versions-store-notes.txt", "files/versions-store-old/readme.txt",
                "api/contents/versions-store-old"):
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
