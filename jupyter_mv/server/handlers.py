"""REST routes under ``/jupyter-mv/api/``: thin handlers over :class:`StoreAccess`.

Every verb is ``@tornado.web.authenticated`` and ``@authorized`` on the resource
``jupyter_mv``. Errors have one shape, ``{"error": code, "message": message}``,
with the status that the :class:`~jupyter_mv.errors.MVError` carries; anything
unexpected is a 500 with a generic message, and its traceback goes to the log.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any, TypeVar

import tornado.web
from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import url_path_join

from ..errors import InvalidInput, MVError
from .access import StoreAccess

__all__ = ["MVHandler", "VersionsHandler", "VersionHandler", "SETTINGS_KEY", "AUTH_RESOURCE", "setup_handlers"]

#: Where the :class:`StoreAccess` lives in the tornado settings.
SETTINGS_KEY = "jupyter_mv"
#: The resource name handed to the server's authorizer.
AUTH_RESOURCE = "jupyter_mv"

T = TypeVar("T")

_HTTP_CODES = {400: "invalid_input", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}


class MVHandler(APIHandler):
    """Base of every jupyter-mv handler: the store access, the error shape."""

    auth_resource = AUTH_RESOURCE

    @property
    def access(self) -> StoreAccess:
        return self.settings[SETTINGS_KEY]

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a blocking core call in a worker thread, off the event loop."""
        return await asyncio.to_thread(fn, *args, **kwargs)

    def int_argument(self, name: str, default: int | None) -> int | None:
        raw = self.get_query_argument(name, None)
        if raw is None or raw.strip() == "":
            return default
        try:
            return int(raw)
        except ValueError:
            raise InvalidInput(f"{name} must be a whole number, not {raw[:40]!r}") from None

    def write_json(self, body: Any) -> None:
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, MVError):
            self.set_status(exc.status)
            body = {"error": exc.code, "message": self.access.public_message(exc.message)}
        elif isinstance(exc, tornado.web.HTTPError):
            message = exc.log_message % exc.args if exc.log_message and exc.args else exc.log_message
            body = {"error": _HTTP_CODES.get(status_code, "http_error"), "message": message or self._reason}
        else:
            body = {"error": "internal_error", "message": "jupyter-mv hit an unexpected error; see the server log"}
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(body))

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if isinstance(value, MVError) and value.status < 500:
            # The user's mistake, answered with a 4xx: one line, no traceback.
            self.log.info("jupyter-mv %s %s: %s", self.request.method, self.request.path, value.message)
            return
        super().log_exception(typ, value, tb)


class VersionsHandler(MVHandler):
    """``GET /jupyter-mv/api/versions?path=NB[&limit=&offset=]``: a notebook's versions."""

    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        path = self.get_query_argument("path", "")
        limit = self.int_argument("limit", None)
        offset = self.int_argument("offset", 0) or 0
        self.write_json(await self.call(self.access.versions, path, limit=limit, offset=offset))


class VersionHandler(MVHandler):
    """``GET /jupyter-mv/api/versions/<ref>?path=NB``: one version of a notebook."""

    @tornado.web.authenticated
    @authorized
    async def get(self, ref: str) -> None:
        path = self.get_query_argument("path", "")
        self.write_json(await self.call(self.access.version, path, ref))


def routes(base_url: str) -> list[tuple[str, type[MVHandler]]]:
    api = url_path_join(base_url, "jupyter-mv", "api")
    return [
        (url_path_join(api, "versions"), VersionsHandler),
        (url_path_join(api, "versions", "(?P<ref>.+)"), VersionHandler),
    ]


def setup_handlers(web_app: tornado.web.Application, access: StoreAccess) -> None:
    """Register the routes and the store access on the server's tornado app."""
    web_app.settings[SETTINGS_KEY] = access
    web_app.add_handlers(".*$", routes(web_app.settings["base_url"]))
