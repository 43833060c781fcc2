"""API security against a real Jupyter server.

tests/server/test_auth.py checks the handler classes it knows and the decorators on
them. These go further: they read the *running* server's routing table, so an
endpoint added later is covered without anyone listing it here, and for every route
and every verb check that unauthenticated requests and cookie-authenticated writes
without XSRF are refused; that no ``path`` or ref leaves the root or reaches another
store; and that the store's own files are never served by the server's file and
contents handlers.
"""

from __future__ import annotations

import json
import re
import sqlite3
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
import tornado.web
from tornado.routing import PathMatches
from tornado.util import re_unescape

from jupyter_mv.store import Store
from tests.helpers import write_notebook
from tests.reliability.invariants import store_state

from .conftest import NOTEBOOK, Served

VERBS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]
WRITES = ["POST", "PUT", "PATCH", "DELETE"]


def walk_rules(router: object) -> Iterator[tuple[object, object]]:
    for rule in getattr(router, "rules", []):
        if isinstance(rule.target, type):
            yield rule.matcher, rule.target
        else:
            yield from walk_rules(rule.target)


def mv_routes(app: tornado.web.Application) -> list[tuple[str, type[tornado.web.RequestHandler]]]:
    """(a concrete URL path, handler class) for every route the running server sends to
    a handler defined in jupyter_mv; path arguments are filled with ``v1``."""
    routes = []
    for matcher, handler in walk_rules(app.default_router):
        if not (issubclass(handler, tornado.web.RequestHandler) and handler.__module__.startswith("jupyter_mv.")):
            continue
        assert isinstance(matcher, PathMatches), f"{handler.__name__} is routed by {matcher!r}"
        pattern = re.sub(r"\((?:\?P<\w+>)?[^()]*\)", "v1", matcher.regex.pattern.removesuffix("$"))
        path = re_unescape(pattern)
        assert not set("()[]*+?^$|") & set(path), f"cannot build a URL for {handler.__name__}: {pattern}"
        routes.append((path, handler))
    return routes


def implements(handler: type[tornado.web.RequestHandler], verb: str) -> bool:
    method = getattr(handler, verb.lower())
    return (getattr(method, "__module__", "") or "").startswith("jupyter_mv.")


@pytest.fixture
def routes(jp_serverapp, served: Served) -> list[tuple[str, type]]:
    found = mv_routes(jp_serverapp.web_app)
    paths = {p.split("jupyter-mv/", 1)[-1] for p, _ in found}
    assert {"api/versions", "api/versions/v1"} <= paths, f"the routing table walk found only {paths}"
    return found


@pytest.fixture
def fetch(http_server_client):
    """A raw request: no default token, no escaping of the path, no raising on 4xx/5xx."""

    async def fetch(
        path: str, *, method: str = "GET", query: str = "", headers: dict | None = None, body: bytes | None = None
    ):
        if body is None and method in ("POST", "PUT", "PATCH"):
            body = b"{}"
        return await http_server_client.fetch(
            path + ("?" + query if query else ""),
            method=method,
            headers=headers or {},
            body=body,
            raise_error=False,
            allow_nonstandard_methods=True,
            follow_redirects=False,
        )

    return fetch


def token(jp_serverapp) -> dict[str, str]:
    return {"Authorization": f"token {jp_serverapp.identity_provider.token}"}


QUERY = urllib.parse.urlencode({"path": NOTEBOOK})


def test_every_routed_verb_is_authenticated_outermost(routes) -> None:
    """The static check of tests/server, over what the running server routes to rather
    than over the classes it knows: a handler registered from anywhere is covered."""
    from jupyter_server.base.handlers import APIHandler

    from tests.server.test_auth import is_jupyter_authorized, is_tornado_authenticated, wrapper_chain

    for path, handler in routes:
        assert issubclass(handler, APIHandler), f"{handler.__name__} ({path}) is not an APIHandler"
        verbs = [v for v in handler.SUPPORTED_METHODS if implements(handler, v)]
        assert verbs, f"{handler.__name__} implements no verb"
        for verb in verbs:
            method = getattr(handler, verb.lower())
            assert is_tornado_authenticated(method), f"{handler.__name__}.{verb.lower()} lacks @authenticated"
            assert any(is_jupyter_authorized(fn) for fn in wrapper_chain(method)), (
                f"{handler.__name__}.{verb.lower()} lacks @authorized"
            )


async def test_every_route_refuses_every_verb_without_authentication(routes, fetch, served: Served) -> None:
    secrets = [v.id for v in served.versions.values()]
    for path, handler in routes:
        for verb in VERBS:
            response = await fetch(path, method=verb, query=QUERY)
            allowed = {403} if implements(handler, verb) else {403, 405}
            assert response.code in allowed, f"{verb} {path} without credentials: {response.code}"
            assert not any(s.encode() in (response.body or b"") for s in secrets), f"{verb} {path} leaked a version"


#: Routes whose path argument names something made at run time (a snapshot's task): the
#: ``v1`` filled in names none, so the answer with credentials is a 404, not a 200.
MADE_AT_RUN_TIME = {"TaskHandler"}


def answered(handler: type, code: int) -> bool:
    return code == (404 if handler.__name__ in MADE_AT_RUN_TIME else 200)


async def test_every_route_answers_with_the_token(routes, fetch, jp_serverapp, served: Served) -> None:
    """The control for the test above: the same requests with credentials are not refused."""
    for path, handler in routes:
        if implements(handler, "GET"):
            response = await fetch(path, query=QUERY, headers=token(jp_serverapp))
            assert answered(handler, response.code), f"GET {path} with the token: {response.code} {response.body[:200]}"


async def login_cookie(fetch, jp_serverapp, path: str) -> str:
    """The login cookie the server sets on a token-authenticated request, as a browser keeps it."""
    response = await fetch(path, query=QUERY, headers=token(jp_serverapp))
    cookies = [c.split(";", 1)[0] for c in response.headers.get_list("Set-Cookie")]
    login = [c for c in cookies if c.startswith("username-")]
    assert login, f"no login cookie in {cookies}"
    return login[0]


async def test_cookie_authenticated_writes_need_the_xsrf_token(routes, fetch, jp_serverapp) -> None:
    """A browser session (a cookie, no token header) is what a cross-site page can make
    use of: its writes must carry the XSRF token; with it they are not refused as forgeries."""
    cookie = await login_cookie(fetch, jp_serverapp, routes[0][0])
    session = {"Cookie": cookie}
    xsrf = "2|d1b2c3d4|0123456789abcdef0123456789abcdef|1700000000"
    for path, handler in routes:
        if implements(handler, "GET"):
            read = await fetch(path, query=QUERY, headers=session)
            assert answered(handler, read.code), f"the session cookie does not authenticate GET {path}: {read.code}"
        for verb in WRITES:
            forged = await fetch(path, method=verb, query=QUERY, headers=session)
            assert forged.code == 403, f"{verb} {path} with a session and no XSRF token: {forged.code}"
            assert b"xsrf" in forged.body.lower() or b"XSRF" in forged.body, forged.body[:200]
            genuine = await fetch(
                path, method=verb, query=QUERY, headers={"Cookie": f"{cookie}; _xsrf={xsrf}", "X-XSRFToken": xsrf}
            )
            assert genuine.code != 403, f"{verb} {path} with the XSRF token is still refused"


def escapes(served: Served) -> list[tuple[str, str]]:
    """(label, raw query string) for ``path`` values that try to leave the root."""
    private = served.outside / "private.ipynb"
    values = {
        "dot-dot": "../secret-project/private.ipynb",
        "dot-dot inside": "experiments/../../secret-project/private.ipynb",
        "absolute outside": str(private),
        "absolute /etc": "/etc/passwd",
        "symlink out": "linked/private.ipynb",
        "backslashes": "..\\secret-project\\private.ipynb",
        "drive letter": "C:\\Windows\\win.ini",
        "UNC": "\\\\server\\share\\x.ipynb",
        "the store": ".jupyter_mv/mv.db",
        "a store below": "experiments/.jupyter_mv/x.ipynb",
        "tilde dot-dot": "~/../../secret-project/private.ipynb",
        "empty": "",
        "root": ".",
    }
    queries = [(label, urllib.parse.urlencode({"path": v})) for label, v in values.items()]
    # Encoded once more than a client would: the server decodes the query string once.
    queries += [
        ("percent-encoded dot-dot", "path=%2e%2e%2fsecret-project%2fprivate.ipynb"),
        ("overlong UTF-8 dot", "path=%c0%ae%c0%ae/secret-project/private.ipynb"),
        ("two path parameters", "path=experiments/train.ipynb&path=../secret-project/private.ipynb"),
    ]
    return queries


async def test_no_path_leaves_the_root_or_reaches_another_store(routes, fetch, jp_serverapp, served: Served) -> None:
    foreign = [v.id for v in served.outside_versions.values()]
    where = [str(served.root), str(served.outside), str(served.root.parent)]
    tried = 0
    for path, handler in routes:
        if not implements(handler, "GET"):
            continue
        for label, query in escapes(served):
            response = await fetch(path, query=query, headers=token(jp_serverapp))
            tried += 1
            body = response.body or b""
            assert response.code == 400, f"{label}: GET {path}?{query} answered {response.code} {body[:200]}"
            assert not any(f.encode() in body for f in foreign), f"{label}: a version of another store leaked"
            assert not any(w.encode() in body for w in where), f"{label}: the answer names a server folder"
            if response.code == 400:
                assert set(json.loads(body)) == {"error", "message"}
    assert tried >= 2 * len(escapes(served))


@pytest.mark.parametrize(
    "value", ["experiments/train.ipynb\x00.png", "\x1b[31mexperiments/train.ipynb", "experiments\x08/train.ipynb"]
)
async def test_control_characters_in_a_path_never_name_another_file(
    fetch, jp_serverapp, served: Served, value: str
) -> None:
    """tornado drops control characters from query arguments: what is left names a file
    that has no versions, or is refused; it never reaches another notebook's versions."""
    query = urllib.parse.urlencode({"path": value})
    response = await fetch("/a%40b/jupyter-mv/api/versions", query=query, headers=token(jp_serverapp))
    assert response.code == 400 or json.loads(response.body) == {"versions": [], "total": 0}, response.body


@pytest.mark.parametrize(
    "ref",
    [
        "../../../etc/passwd",
        "%2e%2e%2fetc",
        "' OR '1'='1",
        "x" * 5000,
        "a\x00b",
        "best@x",
        "latest~999999999",
        "v0",
        "ffffffffffffffff",
        "*",
        "%",
    ],
)
async def test_a_hostile_ref_is_a_4xx_never_a_500(fetch, jp_serverapp, served: Served, ref: str) -> None:
    path = f"/a%40b/jupyter-mv/api/versions/{urllib.parse.quote(ref, safe='')}"
    response = await fetch(path, query=QUERY, headers=token(jp_serverapp))
    assert 400 <= response.code < 500, (ref, response.code, response.body[:200])


@pytest.mark.parametrize(
    "extra",
    [
        "limit=abc",
        "limit=-1",
        "limit=0",
        "limit=1e3",
        "limit=99999999999999999999999",
        "offset=-5",
        "offset=1.5",
        "limit=" + "9" * 5000,
    ],
)
async def test_hostile_paging_is_a_400_never_a_500(fetch, jp_serverapp, served: Served, extra: str) -> None:
    response = await fetch("/a%40b/jupyter-mv/api/versions", query=f"{QUERY}&{extra}", headers=token(jp_serverapp))
    assert response.code == 400, (extra, response.code, response.body[:200])
    assert json.loads(response.body)["error"] == "invalid_input"


async def test_a_version_of_another_store_is_never_found(fetch, jp_serverapp, served: Served) -> None:
    other = served.outside_versions["v1"]
    for ref in (other.id, other.id[:12]):
        response = await fetch(f"/a%40b/jupyter-mv/api/versions/{ref}", query=QUERY, headers=token(jp_serverapp))
        assert response.code == 404, response.body[:200]
    best = await fetch("/a%40b/jupyter-mv/api/versions/best", query=QUERY, headers=token(jp_serverapp))
    assert json.loads(best.body)["id"] == served.versions["v2"].id


# -- the store's files through the server's own file and contents handlers --------------------------


def store_urls(served: Served, store_dir: Path) -> list[tuple[str, str, str]]:
    """(method, path under the base URL, query) of requests that would read or change the store."""
    rel = store_dir.relative_to(served.root).as_posix()
    encoded = "".join(f"%{b:02X}" for b in rel.encode())  # every byte percent-encoded
    pack = next(store_dir.glob("packs/*/*.pack")).relative_to(served.root).as_posix()
    return [
        ("GET", f"files/{rel}/mv.db", ""),
        ("GET", f"files/{encoded}/mv.db", ""),
        ("GET", f"api/contents/{encoded}/mv.db", "content=1&format=base64&type=file"),
        ("GET", f"files/{rel}/README", ""),
        ("GET", f"files/{pack}", ""),
        ("GET", f"api/contents/{rel}", ""),
        ("GET", f"api/contents/{rel}/mv.db", "content=1&format=base64&type=file"),
        ("GET", f"api/contents/{pack}", "content=1&format=base64&type=file"),
        ("GET", f"nbconvert/html/{rel}/README", ""),
        ("DELETE", f"api/contents/{rel}/mv.db", ""),
        ("PUT", f"api/contents/{rel}/README", ""),
        ("PATCH", f"api/contents/{rel}", ""),
    ]


async def assert_store_not_served(fetch, jp_serverapp, served: Served, store_dir: Path) -> None:
    before = store_state(store_dir)
    db_head = (store_dir / "mv.db").read_bytes()[:100]
    served_ok = []
    for method, rel, query in store_urls(served, store_dir):
        body = {
            "PUT": {"type": "file", "format": "text", "content": "overwritten"},
            "PATCH": {"path": "moved-store"},
        }.get(method)
        response = await fetch(
            f"/a%40b/{rel}",
            method=method,
            query=query,
            headers=token(jp_serverapp),
            body=json.dumps(body).encode() if body else None,
        )
        if response.code < 300 or db_head in (response.body or b""):
            served_ok.append(f"{method} {rel} -> {response.code}")
    parent = store_dir.parent.relative_to(served.root).as_posix().removeprefix(".")
    listing = await fetch(f"/a%40b/api/contents/{parent}", headers=token(jp_serverapp))
    names = {item["name"] for item in json.loads(listing.body)["content"]}
    if store_dir.name in names:
        served_ok.append(f"the listing of /{parent} shows {store_dir.name}")
    try:
        changed = store_state(store_dir) != before
    except sqlite3.Error:
        changed = True  # mv.db is gone
    if changed:
        served_ok.append(f"the store changed ({sorted(p.name for p in store_dir.parent.iterdir())})")
    assert not served_ok, "the server hands out the store: " + "; ".join(served_ok)


async def test_the_store_is_not_served_by_a_default_server(fetch, jp_serverapp, served: Served) -> None:
    nested = served.root / "experiments" / "sub"
    inner = write_notebook(nested / "inner.ipynb", ["y = 1"])
    with Store.init(nested) as sub:  # a sub-project's own store, below the root
        sub.snapshot(inner)
    await assert_store_not_served(fetch, jp_serverapp, served, served.store)
    await assert_store_not_served(fetch, jp_serverapp, served, nested / ".jupyter_mv")


@pytest.mark.parametrize("jp_server_config", [{"ContentsManager": {"allow_hidden": True}}], indirect=True)
async def test_the_store_is_not_served_when_hidden_files_are_shown(fetch, jp_serverapp, served: Served) -> None:
    await assert_store_not_served(fetch, jp_serverapp, served, served.store)


async def test_a_store_folder_without_a_dot_is_not_served(
    fetch, jp_serverapp, served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    visible = served.root / "mv-store"
    monkeypatch.setenv("JUPYTER_MV_STORE", str(visible))
    with Store.init(served.root) as store:
        store.snapshot(served.root / NOTEBOOK)
    listed = await fetch("/a%40b/jupyter-mv/api/versions", query=QUERY, headers=token(jp_serverapp))
    assert json.loads(listed.body)["total"] == 1, "the server does not use the store of JUPYTER_MV_STORE"
    await assert_store_not_served(fetch, jp_serverapp, served, visible)
