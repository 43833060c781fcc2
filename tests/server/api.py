"""Calling the jupyter-mv REST API of a pytest-jupyter server, the way a client does."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from tornado.httpclient import HTTPClientError

NOTEBOOK = "experiments/train.ipynb"


async def call(
    jp_fetch: Any,
    method: str,
    *parts: str,
    body: Any = None,
    params: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    raw: bytes | None = None,
    request_timeout: float = 120,
) -> tuple[int, Any]:
    """``(status, JSON body)`` of a request to ``/jupyter-mv/api/<parts>``; errors included."""
    kwargs: dict[str, Any] = {
        "method": method,
        "params": params or {},
        "headers": dict(headers or {}),
        "request_timeout": request_timeout,
    }
    if method in ("POST", "PUT", "PATCH"):
        kwargs["body"] = raw if raw is not None else json.dumps(body)
    try:
        response = await jp_fetch("jupyter-mv", "api", *parts, **kwargs)
    except HTTPClientError as error:
        response = error.response
        assert response is not None, error
    text = response.body.decode() if response.body else ""
    try:
        return response.code, json.loads(text) if text else None
    except ValueError:
        return response.code, text


async def ok(jp_fetch: Any, method: str, *parts: str, expect: int | None = None, **kwargs: Any) -> Any:
    """The JSON body of a request that must succeed (with ``expect`` as its status)."""
    status, data = await call(jp_fetch, method, *parts, **kwargs)
    assert status < 300, (status, data)
    if expect is not None:
        assert status == expect, (status, data)
    return data


async def finish(jp_fetch: Any, answer: dict[str, Any], *, timeout: float = 120) -> dict[str, Any]:
    """Poll the task a 202 answer named until it ends; its last state."""
    task = answer["task"]
    deadline = asyncio.get_running_loop().time() + timeout
    while task["state"] == "running":
        assert asyncio.get_running_loop().time() < deadline, f"task still running: {task}"
        await asyncio.sleep(0.05)
        task = await ok(jp_fetch, "GET", "tasks", task["id"])
    return task


async def snapshot(jp_fetch: Any, path: str = NOTEBOOK, **body: Any) -> dict[str, Any]:
    """A snapshot through the API, waited for; its result (version and warnings)."""
    task = await finish(jp_fetch, await ok(jp_fetch, "POST", "snapshot", body={"path": path, **body}, expect=202))
    assert task["state"] == "done", task
    return task["result"]
