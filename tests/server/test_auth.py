"""Every jupyter-mv endpoint requires an authenticated, authorized user."""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
import warnings
from collections.abc import Callable, Iterator

import pytest
import tornado.web
from jupyter_server.utils import JupyterServerAuthWarning
from tornado.httpclient import HTTPClientError
from traitlets.config import Config

import jupyter_mv.server
from jupyter_mv.server.handlers import AUTH_RESOURCE, routes


def handler_classes() -> Iterator[type[tornado.web.RequestHandler]]:
    """Every request handler class defined anywhere in jupyter_mv.server."""
    for info in pkgutil.walk_packages(jupyter_mv.server.__path__, "jupyter_mv.server."):
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, tornado.web.RequestHandler) and cls.__module__ == module.__name__:
                yield cls


def verbs(cls: type[tornado.web.RequestHandler]) -> Iterator[tuple[str, Callable]]:
    """The HTTP verb methods a class implements in jupyter_mv (not inherited from the server)."""
    for name in cls.SUPPORTED_METHODS:
        method = getattr(cls, name.lower())
        if method is tornado.web.RequestHandler._unimplemented_method:
            continue
        if (getattr(method, "__module__", "") or "").startswith("jupyter_mv."):
            yield name, method


def wrapper_chain(method: Callable) -> list[Callable]:
    chain = [method]
    while hasattr(chain[-1], "__wrapped__"):
        chain.append(chain[-1].__wrapped__)
    return chain


def is_tornado_authenticated(fn: Callable) -> bool:
    code = getattr(fn, "__code__", None)
    return (
        code is not None
        and code.co_filename.replace("\\", "/").endswith("tornado/web.py")
        and getattr(code, "co_qualname", code.co_name).startswith("authenticated")
    )


def is_jupyter_authorized(fn: Callable) -> bool:
    code = getattr(fn, "__code__", None)
    return code is not None and code.co_filename.replace("\\", "/").endswith("jupyter_server/auth/decorator.py")


ALL_VERBS = [
    pytest.param(cls, name, method, id=f"{cls.__name__}.{name}")
    for cls in handler_classes()
    for name, method in verbs(cls)
]


def test_the_check_sees_the_handlers():
    """Guard against the checks below passing on nothing."""
    checked = {(cls.__name__, name) for cls, name, _ in (p.values for p in ALL_VERBS)}
    assert ("VersionsHandler", "GET") in checked
    assert ("VersionHandler", "GET") in checked
    registered = {handler for _, handler in routes("/")}
    assert registered <= {cls for cls, _, _ in (p.values for p in ALL_VERBS)}


@pytest.mark.parametrize(("cls", "name", "method"), ALL_VERBS)
def test_every_verb_is_tornado_authenticated_outermost(cls, name, method):
    assert is_tornado_authenticated(method), (
        f"{cls.__name__}.{name.lower()} lacks @tornado.web.authenticated as its outermost decorator"
    )


@pytest.mark.parametrize(("cls", "name", "method"), ALL_VERBS)
def test_every_verb_is_authorized_on_the_jupyter_mv_resource(cls, name, method):
    assert any(is_jupyter_authorized(fn) for fn in wrapper_chain(method)), (
        f"{cls.__name__}.{name.lower()} lacks jupyter_server's @authorized"
    )
    assert cls.auth_resource == AUTH_RESOURCE


def test_the_server_reports_no_endpoint_without_authentication(jp_configurable_serverapp):
    """As the server itself checks, with unauthenticated access disallowed."""
    config = Config(
        {
            "ServerApp": {
                "jpserver_extensions": {"jupyter_mv": True},
                "allow_unauthenticated_access": False,
                "reraise_server_extension_failures": True,
            }
        }
    )
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        app = jp_configurable_serverapp(config=config)
    problems = [
        str(r.message)
        for r in records
        if issubclass(r.category, JupyterServerAuthWarning) and "jupyter-mv" in str(r.message)
    ]
    assert problems == []
    assert "jupyter_mv" in app.extension_manager.extensions


@pytest.mark.parametrize("parts", [("versions",), ("versions", "v1")])
async def test_requests_without_a_token_are_403(jp_fetch, two_versions, parts):
    """The server allows unauthenticated access here (see conftest), so the 403 comes
    from the handlers' own decorators."""
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch(
            "jupyter-mv", "api", *parts, params={"path": "experiments/train.ipynb"}, headers={"Authorization": ""}
        )

    assert caught.value.code == 403
    body = json.loads(caught.value.response.body)
    assert body["error"] == "forbidden"
    assert "versions" not in body


async def test_requests_with_the_token_are_answered(jp_fetch, two_versions):
    response = await jp_fetch("jupyter-mv", "api", "versions", params={"path": "experiments/train.ipynb"})

    assert response.code == 200
