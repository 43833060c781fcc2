"""Every endpoint refuses what it must: no authentication (403), a cookie-authenticated
write without the XSRF token, paths leaving the root, unknown versions, malformed
bodies. And the store's own files are never served."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError
from traitlets.config import Config

from jupyter_mv.remote import push
from jupyter_mv.server.handlers import ROUTES
from jupyter_mv.store import Store

from .api import NOTEBOOK, call, finish, ok

#: One valid request per endpoint: (route, method, URL parts, query, body). ``{task}``
#: is filled with the id of a real task.
ENDPOINTS: list[tuple[str, str, tuple[str, ...], dict[str, str], dict[str, Any] | None]] = [
    ("/versions", "GET", ("versions",), {"path": NOTEBOOK}, None),
    ("/versions/{ref}", "GET", ("versions", "v1"), {"path": NOTEBOOK}, None),
    ("/versions/{ref}/notebook", "GET", ("versions", "v1", "notebook"), {"path": NOTEBOOK}, None),
    ("/saves", "GET", ("saves",), {"path": NOTEBOOK}, None),
    ("/saves", "POST", ("saves",), {}, {"path": NOTEBOOK}),
    ("/snapshot", "POST", ("snapshot",), {}, {"path": NOTEBOOK, "message": "m"}),
    ("/restore", "POST", ("restore",), {}, {"path": NOTEBOOK, "ref": "v1"}),
    ("/reproduce", "POST", ("reproduce",), {}, {"path": NOTEBOOK, "ref": "v1"}),
    ("/tasks/{task_id}", "GET", ("tasks", "{task}"), {}, None),
    ("/tags", "POST", ("tags",), {}, {"path": NOTEBOOK, "ref": "v1", "name": "reviewed"}),
    ("/aliases", "POST", ("aliases",), {}, {"path": NOTEBOOK, "ref": "v1", "name": "production"}),
    ("/diff", "GET", ("diff",), {"path": NOTEBOOK, "a": "v1", "b": "v2"}, None),
    ("/models", "GET", ("models",), {"path": NOTEBOOK}, None),
    ("/metrics", "GET", ("metrics",), {"path": NOTEBOOK}, None),
    ("/report/{ref}", "GET", ("report", "v1"), {"path": NOTEBOOK, "format": "json"}, None),
    ("/remotes", "GET", ("remotes",), {"path": NOTEBOOK}, None),
    ("/remotes", "POST", ("remotes",), {}, {"path": NOTEBOOK, "name": "backup", "url": "{remote_url}"}),
    ("/remotes/{name}", "DELETE", ("remotes", "origin"), {"path": NOTEBOOK}, None),
    ("/push", "POST", ("push",), {}, {"path": NOTEBOOK, "remote": "origin", "refs": ["v1"]}),
    ("/pull", "POST", ("pull",), {}, {"path": NOTEBOOK, "remote": "origin"}),
]
IDS = [f"{method} {route}" for route, method, *_ in ENDPOINTS]
POSTS = [e for e in ENDPOINTS if e[1] == "POST"]
POST_IDS = [f"POST {e[0]}" for e in POSTS]
WRITES = [e for e in ENDPOINTS if e[1] in ("POST", "DELETE")]
WRITE_IDS = [f"{e[1]} {e[0]}" for e in WRITES]
VERBS = ("GET", "POST", "DELETE")


def test_every_route_and_verb_is_checked_here():
    implemented = {
        (path, verb)
        for path, handler in ROUTES
        for verb in VERBS
        if getattr(handler, verb.lower()).__module__.startswith("jupyter_mv.")
    }
    assert implemented == {(route, method) for route, method, *_ in ENDPOINTS}


async def a_task(jp_fetch) -> str:
    return (await finish(jp_fetch, await ok(jp_fetch, "POST", "snapshot", body={"path": NOTEBOOK})))["id"]


def fill(parts: tuple[str, ...], task: str) -> tuple[str, ...]:
    return tuple(task if p == "{task}" else p for p in parts)


def fill_body(body: dict[str, Any] | None, folder: Path) -> dict[str, Any] | None:
    """``body`` with ``{remote_url}`` made the URL of a real folder."""
    if body is None or body.get("url") != "{remote_url}":
        return body
    folder.mkdir(parents=True, exist_ok=True)
    return {**body, "url": folder.as_uri()}


def store_state(root: Path) -> tuple[list[tuple[str, tuple[str, ...], tuple[str, ...]]], list[dict[str, Any]]]:
    with Store.open(root) as store:
        return [(v.id, v.tags, v.aliases) for v in store.log()], store.remotes.list()


# -- authentication and XSRF ---------------------------------------------------------------


@pytest.mark.parametrize(("route", "method", "parts", "params", "body"), ENDPOINTS, ids=IDS)
async def test_without_authentication_every_endpoint_is_403(
    jp_fetch, jp_root_dir, two_versions, origin, tmp_path, route, method, parts, params, body
):
    body = fill_body(body, tmp_path / "backup")
    task_id = await a_task(jp_fetch)
    before = store_state(jp_root_dir)

    status, answer = await call(
        jp_fetch, method, *fill(parts, task_id), params=params, body=body, headers={"Authorization": ""}
    )

    assert status == 403
    assert "versions" not in (answer or {}) and "task" not in (answer or {})
    assert store_state(jp_root_dir) == before


async def login_cookie(jp_fetch) -> str:
    """The login cookie a token-authenticated request earns, as a browser keeps it."""
    response = await jp_fetch("jupyter-mv", "api", "versions", params={"path": NOTEBOOK})
    cookies = [c.split(";", 1)[0] for c in response.headers.get_list("Set-Cookie") if c.startswith("username-")]
    assert cookies, "the server sets a login cookie"
    return cookies[0]


@pytest.mark.parametrize(("route", "method", "parts", "params", "body"), WRITES, ids=WRITE_IDS)
async def test_a_cookie_authenticated_write_needs_the_xsrf_token(
    jp_fetch, jp_root_dir, two_versions, origin, tmp_path, route, method, parts, params, body
):
    body = fill_body(body, tmp_path / "backup")
    if route == "/pull":  # a remote with versions to pull
        with Store.open(jp_root_dir) as store:
            push(store, "origin")
    cookie = await login_cookie(jp_fetch)
    before = store_state(jp_root_dir)

    status, _ = await call(
        jp_fetch, method, *parts, params=params, body=body, headers={"Authorization": "", "Cookie": cookie}
    )

    assert status == 403
    assert store_state(jp_root_dir) == before
    # The same request with the token that JupyterLab sends is answered.
    xsrf = "a1b2c3d4" * 4
    status, answer = await call(
        jp_fetch,
        method,
        *parts,
        params=params,
        body=body,
        headers={"Authorization": "", "Cookie": f"{cookie}; _xsrf={xsrf}", "X-XSRFToken": xsrf},
    )
    assert status < 300, answer
    if isinstance(answer, dict) and "task" in answer:
        assert (await finish(jp_fetch, answer))["state"] == "done"


async def test_a_cookie_authenticated_read_needs_no_xsrf_token(jp_fetch, two_versions):
    cookie = await login_cookie(jp_fetch)

    body = await ok(
        jp_fetch, "GET", "versions", params={"path": NOTEBOOK}, headers={"Authorization": "", "Cookie": cookie}
    )

    assert body["total"] == 2


# -- paths ---------------------------------------------------------------------------------

BAD_PATHS = [
    "../outside.ipynb",
    "experiments/../../outside.ipynb",
    "/etc/passwd",
    "C:\\\\secret.ipynb",
    ".jupyter_mv/mv.db",
    "experiments/\x00.ipynb",
]


def with_path(params: dict[str, str], body: dict[str, Any] | None, key: str, value: str):
    if body is None:
        return {**params, key: value}, None
    return params, {**body, key: value}


#: Every endpoint that takes a path, with every bad path. A query argument's control
#: characters become spaces in tornado (tests/security checks what that leaves), so the
#: NUL byte is tried in bodies only.
PATH_CASES = [
    pytest.param(*endpoint[1:], bad, id=f"{endpoint[1]} {endpoint[0]} {bad!r}")
    for endpoint in ENDPOINTS
    if endpoint[0] != "/tasks/{task_id}"
    for bad in BAD_PATHS
    if endpoint[4] is not None or "\x00" not in bad
]


@pytest.mark.parametrize(("method", "parts", "params", "body", "bad"), PATH_CASES)
async def test_paths_outside_the_root_or_into_the_store_are_400(
    jp_fetch, jp_root_dir, two_versions, origin, method, parts, params, body, bad
):
    params, body = with_path(params, body, "path", bad)

    status, answer = await call(jp_fetch, method, *parts, params=params, body=body)

    assert status == 400, answer
    assert answer["error"] == "invalid_input"
    assert str(jp_root_dir) not in json.dumps(answer)


@pytest.mark.parametrize("bad", BAD_PATHS[:5])
async def test_a_restore_target_or_snapshot_file_outside_the_root_is_400(jp_fetch, jp_root_dir, two_versions, bad):
    outside = jp_root_dir.parent / "outside.ipynb"

    restore = await call(jp_fetch, "POST", "restore", body={"path": NOTEBOOK, "ref": "v1", "to": bad})
    files = await call(jp_fetch, "POST", "snapshot", body={"path": NOTEBOOK, "files": [bad]})

    assert restore[0] == 400 and files[0] == 400
    assert not outside.exists()


# -- unknown versions ----------------------------------------------------------------------

UNKNOWN = [
    ("GET", ("versions", "v9"), {"path": NOTEBOOK}, None),
    ("GET", ("versions", "v1.7"), {"path": NOTEBOOK}, None),
    ("GET", ("diff",), {"path": NOTEBOOK, "a": "v1", "b": "nosuchtag"}, None),
    ("POST", ("restore",), {}, {"path": NOTEBOOK, "ref": "v9"}),
    ("POST", ("tags",), {}, {"path": NOTEBOOK, "ref": "deadbeef", "name": "x"}),
    ("POST", ("aliases",), {}, {"path": NOTEBOOK, "ref": "latest~5", "name": "x"}),
    ("GET", ("tasks", "feedface"), {}, None),
    ("GET", ("report", "v9"), {"path": NOTEBOOK}, None),
    ("POST", ("push",), {}, {"path": NOTEBOOK, "refs": ["v9"]}),
    ("POST", ("push",), {}, {"path": NOTEBOOK, "remote": "nowhere"}),
    ("POST", ("pull",), {}, {"path": NOTEBOOK, "remote": "nowhere"}),
    ("DELETE", ("remotes", "nowhere"), {"path": NOTEBOOK}, None),
]


@pytest.mark.parametrize(("method", "parts", "params", "body"), UNKNOWN, ids=[" ".join(u[1]) for u in UNKNOWN])
async def test_an_unknown_version_or_remote_is_404(jp_fetch, two_versions, origin, method, parts, params, body):
    status, answer = await call(jp_fetch, method, *parts, params=params, body=body)

    assert status == 404, answer
    assert answer["error"] == "not_found"


# -- malformed bodies ----------------------------------------------------------------------

MALFORMED = [b"{not json", b"[1, 2]", b"", b'"text"', b'{"path": 5}', b'{"message": "no path"}']


@pytest.mark.parametrize("raw", MALFORMED)
@pytest.mark.parametrize(("route", "method", "parts", "params", "body"), POSTS, ids=POST_IDS)
async def test_a_malformed_body_is_400(
    jp_fetch, jp_root_dir, two_versions, origin, route, method, parts, params, body, raw
):
    before = store_state(jp_root_dir)

    status, answer = await call(jp_fetch, method, *parts, raw=raw)

    assert status == 400, answer
    assert answer["error"] == "invalid_input"
    assert store_state(jp_root_dir) == before


@pytest.mark.parametrize(
    ("parts", "body"),
    [
        (("snapshot",), {"path": NOTEBOOK, "message": 5}),
        (("snapshot",), {"path": NOTEBOOK, "wait": "yes"}),
        (("snapshot",), {"path": NOTEBOOK, "files": "data.csv"}),
        (("snapshot",), {"path": NOTEBOOK, "content": {"cells": "none"}}),
        (("snapshot",), {"path": NOTEBOOK, "message": "m" * 10_001}),
        (("restore",), {"path": NOTEBOOK, "ref": "v1", "files": 1}),
        (("restore",), {"path": NOTEBOOK, "ref": ["v1"]}),
        (("restore",), {"path": NOTEBOOK, "ref": "v1", "to": "experiments/copy.txt", "wait": True}),
        (("tags",), {"path": NOTEBOOK, "ref": "v1"}),
        (("aliases",), {"path": NOTEBOOK, "name": "x"}),
        (("remotes",), {"path": NOTEBOOK, "name": "backup"}),
        (("remotes",), {"path": NOTEBOOK, "name": "backup", "url": 5}),
        (("remotes",), {"path": NOTEBOOK, "name": ["backup"], "url": "file:///tmp/x"}),
        (("push",), {"path": NOTEBOOK, "remote": 5}),
        (("push",), {"path": NOTEBOOK, "refs": "v1"}),
        (("push",), {"path": NOTEBOOK, "force": "yes"}),
        (("pull",), {"path": NOTEBOOK, "notebooks": NOTEBOOK}),
        (("pull",), {"path": NOTEBOOK, "all": 1}),
        (("pull",), {"path": NOTEBOOK, "notebooks": ["../outside.ipynb"]}),
    ],
    ids=lambda v: json.dumps(v)[:60] if isinstance(v, dict) else "/".join(v),
)
async def test_fields_of_the_wrong_type_are_400(jp_fetch, two_versions, origin, parts, body):
    status, answer = await call(jp_fetch, "POST", *parts, body=body)

    assert status == 400, answer
    assert answer["error"] == "invalid_input"


@pytest.mark.parametrize("params", [{"limit": "x"}, {"kinds": "everything"}, {"base": "-1"}])
async def test_bad_query_values_are_400(jp_fetch, two_versions, params):
    endpoint = "saves" if "base" in params else "versions"

    status, answer = await call(jp_fetch, "GET", endpoint, params={"path": NOTEBOOK, **params})

    assert status == 400 and answer["error"] == "invalid_input"


# -- the store is never served -------------------------------------------------------------

STORE_URLS = [
    ("GET", "files/.jupyter_mv/mv.db"),
    ("GET", "files/%2Ejupyter_mv/mv.db"),
    ("GET", "files/experiments/..%2F.jupyter_mv/mv.db"),
    ("GET", "api/contents/.jupyter_mv/mv.db"),
    ("GET", "api/contents/.jupyter_mv"),
    ("GET", "api/contents/.jupyter_mv/mv.db/checkpoints"),
    ("PUT", "api/contents/.jupyter_mv/evil.txt"),
    ("DELETE", "api/contents/.jupyter_mv/mv.db"),
    ("GET", "view/.jupyter_mv/mv.db"),
    ("GET", "nbconvert/html/.jupyter_mv/mv.db"),
]


class TestWithHiddenFilesAllowed:
    """``allow_hidden`` lets Jupyter serve dot-folders: only the guard keeps the store out."""

    @pytest.fixture
    def jp_server_config(self) -> Config:
        return Config(
            {"ServerApp": {"jpserver_extensions": {"jupyter_mv": True}}, "ContentsManager": {"allow_hidden": True}}
        )

    @pytest.mark.parametrize(("method", "url"), STORE_URLS, ids=[f"{m} {u}" for m, u in STORE_URLS])
    async def test_the_store_is_never_served(
        self, http_server_client, jp_base_url, jp_auth_header, jp_root_dir, two_versions, method, url
    ):
        mv_db = (jp_root_dir / ".jupyter_mv" / "mv.db").read_bytes()
        body = json.dumps({"type": "file", "format": "text", "content": "x"}) if method == "PUT" else None
        try:
            response = await http_server_client.fetch(
                jp_base_url + url,
                method=method,
                body=body,
                headers=jp_auth_header,
                raise_error=False,
                allow_nonstandard_methods=True,
            )
            status = response.code
        except HTTPClientError as error:
            status = error.code

        assert status == 404
        assert not (jp_root_dir / ".jupyter_mv" / "evil.txt").exists()
        assert (jp_root_dir / ".jupyter_mv" / "mv.db").read_bytes()[:16] == mv_db[:16]

    async def test_other_hidden_files_are_still_served(
        self, http_server_client, jp_base_url, jp_auth_header, jp_root_dir, two_versions
    ):
        (jp_root_dir / ".notes").mkdir()
        (jp_root_dir / ".notes" / "todo.txt").write_text("served")

        response = await http_server_client.fetch(jp_base_url + "files/.notes/todo.txt", headers=jp_auth_header)

        assert response.code == 200 and response.body == b"served"


async def test_the_store_folder_is_not_listed(jp_fetch, jp_root_dir, two_versions):
    response = await jp_fetch("api", "contents", "")

    names = [item["name"] for item in json.loads(response.body)["content"]]
    assert "experiments" in names and ".jupyter_mv" not in names


class TestAStoreWithoutADot:
    """A store kept under the root by the setting, named like any folder."""

    @pytest.fixture
    def jp_server_config(self, jp_root_dir) -> Config:
        return Config(
            {
                "ServerApp": {"jpserver_extensions": {"jupyter_mv": True}},
                "JupyterMV": {"store_dir": str(jp_root_dir / "versions-store")},
            }
        )

    async def test_its_files_are_not_served(
        self, http_server_client, jp_base_url, jp_auth_header, jp_root_dir, monkeypatch
    ):
        from ..helpers import write_notebook

        notebook = write_notebook(jp_root_dir / "nb.ipynb", ["x = 1"])
        monkeypatch.setenv("JUPYTER_MV_STORE", str(jp_root_dir / "versions-store"))
        with Store.init(jp_root_dir) as store:
            store.snapshot(notebook)
        monkeypatch.delenv("JUPYTER_MV_STORE")

        for url in ("files/versions-store/mv.db", "api/contents/versions-store/mv.db", "api/contents/versions-store"):
            response = await http_server_client.fetch(jp_base_url + url, headers=jp_auth_header, raise_error=False)
            assert response.code == 404, url
        listed = await http_server_client.fetch(
            jp_base_url + "jupyter-mv/api/versions?path=nb.ipynb", headers=jp_auth_header
        )
        assert json.loads(listed.body)["total"] == 1
