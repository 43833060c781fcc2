"""No 500 for any input.

Hypothesis drives every route of ``openapi.yaml`` (each verb, its query and path
parameters and its body's properties, read from the spec itself so a new route is
covered without anyone listing it) with generated values: valid ones, and the hostile
shapes that broke routes before (lone surrogates, names past the filesystem's limit,
deeply nested JSON, integers past SQLite's range, empty strings where a path is
expected, wrong types). For every request: the answer is not a 5xx (a task's end
included), an error has the one JSON shape, and a refused request leaves every user
file and every byte of the store as it was.

Fast: 150 requests. ``JUPYTER_MV_STRESS=1`` (``make stress``): 3,000.
"""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tornado.httpclient import HTTPClientError

import jupyter_mv.server
from jupyter_mv.remote import add_remote
from jupyter_mv.store import Store
from tests.helpers import write_notebook
from tests.reliability.invariants import scale, store_state, user_files

NB = "experiments/train.ipynb"
SPEC = yaml.safe_load((Path(jupyter_mv.server.__file__).parent / "openapi.yaml").read_text())
#: Routes whose work runs as a task: a generated ``wait`` that is a bool is made true,
#: so the task's end (and its status) is part of the answer.
TASKS = {"/snapshot", "/restore", "/reproduce", "/push", "/pull"}


def resolve(node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = SPEC
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node


def operations() -> list[tuple[str, str, list[str], list[str], list[str]]]:
    """(route, verb, path parameters, query parameters, body properties) of every operation."""
    out = []
    for route, item in SPEC["paths"].items():
        for verb, op in item.items():
            if verb not in ("get", "post", "put", "patch", "delete"):
                continue
            params = [resolve(p) for p in op.get("parameters", [])]
            body = resolve(op.get("requestBody", {}))
            schema = resolve(body.get("content", {}).get("application/json", {}).get("schema", {})) if body else {}
            props = list(resolve(schema).get("properties", {})) if schema else []
            out.append(
                (
                    route,
                    verb.upper(),
                    [p["name"] for p in params if p["in"] == "path"],
                    [p["name"] for p in params if p["in"] == "query"],
                    props,
                )
            )
    return out


OPERATIONS = operations()

hostile_text = st.sampled_from(
    [
        "",
        " ",
        "\ud800",
        "a\udfffb.ipynb",
        "x" * 300 + ".ipynb",
        "a/" * 2100 + "b.ipynb",
        "../etc/passwd",
        "/etc/passwd",
        "..",
        ".jupyter_mv/mv.db",
        "experiments/../../x.ipynb",
        "C:\\x.ipynb",
        "\x00",
        "a\nb",
        "latest~99999999999999999999",
        "v99999999999999999999",
        "v-1",
        "%2e%2e/x",
        "experiments/",
        "@",
        "train.ipynb@v1",
        "x" * 20_000,
        "s3://b/p?token=abc",
        "ftp://127.0.0.1:1/x",
        "file:///",
    ]
)
valid_text = st.sampled_from(
    [
        NB,
        "v1",
        "v2",
        "latest",
        "latest~1",
        "best",
        "prod",
        "copy.ipynb",
        "experiments/copy.ipynb",
        "origin",
        "html",
        "json",
        "markdown",
        "1",
    ]
)
huge_int = st.sampled_from([2**63, -(2**63) - 1, 10**30, -1, 0, 2**31])


def nested(depth: int) -> Any:
    value: Any = "leaf"
    for i in range(depth):
        value = [value] if i % 2 else {"k": value}
    return value


scalar = st.one_of(
    valid_text,
    hostile_text,
    st.text(max_size=40),
    huge_int,
    st.integers(-5, 5),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False, allow_infinity=False),
)
value = st.one_of(
    scalar,
    st.lists(st.one_of(valid_text, hostile_text), max_size=4),
    st.sampled_from([nested(50), nested(150)]),
    st.dictionaries(st.sampled_from(["cells", "nbformat", "metadata", "\ud800"]), scalar, max_size=3),
)


#: What a field drawn hostile holds: mostly the hostile texts, else a wrong type or shape.
hostile_value = st.one_of(
    hostile_text,
    hostile_text,
    hostile_text,
    huge_int,
    st.sampled_from([nested(50), nested(150), [], {}, True, None, 1.5]),
    st.lists(hostile_text, min_size=1, max_size=3),
    st.dictionaries(st.sampled_from(["cells", "nbformat", "metadata", "\ud800"]), scalar, max_size=3),
)
notebook_content = st.builds(
    lambda src: {
        "cells": [
            {"cell_type": "code", "source": src, "metadata": {}, "outputs": [], "execution_count": None, "id": "c1"}
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    },
    st.text(max_size=30),
)
#: A value each field may well have, so that a request is refused (or not) for the one
#: field drawn hostile rather than for every field at once.
VALID: dict[str, st.SearchStrategy[Any]] = {
    "path": st.just(NB),
    "ref": st.sampled_from(["v1", "v2", "latest", "latest~1", "best"]),
    "name": st.from_regex(r"[a-z][a-z0-9_-]{0,12}", fullmatch=True),
    "message": st.text(max_size=60),
    "files": st.lists(st.sampled_from(["experiments/data.csv", "experiments"]), max_size=2),
    "content": notebook_content,
    "kernel": st.just(False),
    "wait": st.just(True),
    "to": st.from_regex(r"experiments/copy[0-9]{1,6}\.ipynb", fullmatch=True),
    "remote": st.sampled_from(["origin", None]),
    "refs": st.lists(st.sampled_from(["v1", "v2", "best"]), max_size=2),
    "force": st.booleans(),
    "notebooks": st.just([NB]),
    "all": st.booleans(),
    "retention_days": st.one_of(st.none(), st.floats(0.5, 90)),
    "url": st.from_regex(r"/tmp/mv-remote-[a-z]{1,8}", fullmatch=True),
    "a": st.sampled_from(["v1", "v2", "latest"]),
    "b": st.sampled_from(["v1", "v2", "best"]),
    "only": st.sampled_from(["cells", "environment", "data", "metrics"]),
    "metadata": st.sampled_from(["0", "1"]),
    "format": st.sampled_from(["html", "markdown", "json", "prov-json"]),
    "theme": st.sampled_from(["auto", "light", "dark"]),
    "limit": st.integers(1, 50).map(str),
    "offset": st.integers(0, 5).map(str),
    "kinds": st.sampled_from(["full", "full,safety", "light"]),
    "base": st.integers(0, 3).map(str),
    "task_id": st.just("0" * 32),
}
any_valid = st.one_of(valid_text, st.text(max_size=20))


def as_query(v: Any) -> str:
    return v if isinstance(v, str) else json.dumps(v)


@st.composite
def requests(draw: st.DrawFn) -> tuple[str, str, str, dict[str, Any] | None]:
    """One request to one operation: every field valid but (mostly) one drawn hostile."""
    route, verb, path_params, query_params, props = draw(st.sampled_from(OPERATIONS))
    fields = path_params + query_params + props
    hostile = draw(st.sampled_from([None, *fields]))
    query: dict[str, str] = {}
    url = route
    for name in path_params:
        if name == hostile:
            text = draw(hostile_text.filter(lambda t: t and "\x00" not in t and t not in ("..", ".")))
        else:
            text = draw(VALID.get(name, any_valid))
        url = url.replace("{" + name + "}", urllib.parse.quote(text.encode("utf-8", "surrogatepass"), safe=""))
    for name in query_params:
        if name == hostile:
            query[name] = draw(st.one_of(hostile_text, huge_int.map(str)))
        elif name == "path" or draw(st.booleans()):
            query[name] = as_query(draw(VALID.get(name, any_valid)))
    body = None
    if verb in ("POST", "PUT", "PATCH"):
        body = {}
        for name in props:
            if name == hostile:
                body[name] = draw(hostile_value)
            elif name in ("path", "wait") or draw(st.booleans()):
                body[name] = draw(VALID.get(name, any_valid))
        if route in TASKS and isinstance(body.get("wait", False), bool):
            body["wait"] = True
    return verb, url, urllib.parse.urlencode({k: v.encode("utf-8", "surrogatepass") for k, v in query.items()}), body


@pytest.fixture
def project(jp_root_dir: Path) -> Path:
    notebook = write_notebook(jp_root_dir / NB, ["x = 1"])
    (jp_root_dir / "experiments" / "data.csv").write_text("a\n1\n")
    with Store.init(jp_root_dir) as store:
        store.snapshot(notebook, [jp_root_dir / "experiments" / "data.csv"], message="v1")
        write_notebook(notebook, ["x = 2"])
        store.tag(store.snapshot(notebook, message="v2").id, "best")
        add_remote(store, "origin", str(jp_root_dir.parent / "remote"))
    return jp_root_dir


#: Stands for JSON nested 100,000 levels deep, written into the body as raw bytes.
DEEP = "@deep@"


def raw_body(body: dict[str, Any] | None) -> bytes | None:
    if body is None:
        return None
    return json.dumps(body).encode("utf-8", "surrogatepass")


@settings(
    max_examples=scale(150, 3000),
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(request=requests())
def test_no_route_answers_5xx_and_a_refusal_changes_nothing(request, jp_fetch, jp_asyncio_loop, project: Path) -> None:
    verb, url, query, body = request
    files, store = user_files(project), store_state(project / ".jupyter_mv")
    parts = url.strip("/").split("/")

    async def send() -> Any:
        try:
            return await jp_fetch(
                "jupyter-mv",
                "api",
                *parts,
                method=verb,
                body=raw_body(body),
                params=urllib.parse.parse_qs(query),
                allow_nonstandard_methods=True,
                request_timeout=120,
            )
        except HTTPClientError as error:
            assert error.response is not None, error
            return error.response

    response = jp_asyncio_loop.run_until_complete(send())
    shown = f"{verb} {url[:200]}?{query[:300]} {body!r:.300} -> {response.code} {response.body[:300]!r}"
    assert response.code < 500, shown
    answer = (
        json.loads(response.body)
        if response.body and response.headers.get("Content-Type", "").startswith("application/json")
        else None
    )
    if response.code >= 400:
        assert isinstance(answer, dict) and set(answer) == {"error", "message"}, shown
        assert user_files(project) == files, shown
        assert store_state(project / ".jupyter_mv") == store, shown


def test_the_operations_cover_every_route() -> None:
    """The spec the property test reads is the one the server routes: nothing left out."""
    from jupyter_mv.server.handlers import ROUTES

    assert {r for r, *_ in OPERATIONS} == {r for r, _ in ROUTES}
    assert len(OPERATIONS) >= 16


async def test_the_hostile_shapes_one_by_one(jp_fetch, project: Path) -> None:
    """The shapes named in the issue, each sent once, each a 4xx with the error shape."""
    cases = [
        ("snapshot", {"path": "\ud800.ipynb"}),
        ("snapshot", {"path": NB, "message": "bad \udc80 text", "wait": True}),
        ("tags", {"path": NB, "ref": "v1", "name": "\ud800"}),
        ("aliases", {"path": NB, "ref": "v1", "name": "x" * 300}),
        ("snapshot", {"path": "x" * 300 + ".ipynb"}),
        ("restore", {"path": NB, "ref": "v1", "to": "y" * 300 + ".ipynb"}),
        ("restore", {"path": NB, "ref": "v1", "to": ""}),
        ("snapshot", {"path": NB, "content": DEEP}),
        ("snapshot", {"path": NB, "content": {"cells": [], "nbformat": 2**70, "metadata": {}}}),
        ("saves", {"path": NB, "retention_days": 10**400}),
        ("saves", {"path": NB, "retention_days": float("inf")}),
    ]
    before = store_state(project / ".jupyter_mv")
    for route, body in cases:
        raw = json.dumps(body).encode("utf-8", "surrogatepass")
        raw = raw.replace(b'"@deep@"', b"[" * 100_000 + b"]" * 100_000)
        try:
            response = await jp_fetch("jupyter-mv", "api", route, method="POST", body=raw)
        except HTTPClientError as error:
            response = error.response
        assert 400 <= response.code < 500, (
            route,
            body if len(repr(body)) < 300 else route,
            response.code,
            response.body[:300],
        )
        assert set(json.loads(response.body)) == {"error", "message"}
    for query in (
        {"path": NB, "limit": str(2**64)},
        {"path": NB, "offset": str(2**63)},
        {"path": NB, "kinds": "\u2603"},
    ):
        try:
            response = await jp_fetch("jupyter-mv", "api", "versions", params=query)
        except HTTPClientError as error:
            response = error.response
        assert 400 <= response.code < 500, (query, response.code, response.body[:200])
    assert store_state(project / ".jupyter_mv") == before
