"""REST routes under ``/jupyter-mv/api/``: thin handlers over :class:`StoreAccess`.

Every verb is ``@tornado.web.authenticated`` and ``@authorized`` on the resource
``jupyter_mv`` (reads need ``read``, writes ``write``); jupyter_server checks XSRF on
cookie-authenticated writes. Errors have one shape, ``{"error": code, "message":
message}``, with the status that the :class:`~jupyter_mv.errors.MVError` carries;
anything unexpected is a 500 with a generic message, and its traceback goes to the
log. Blocking work runs in worker threads; snapshot, restore, reproduce, push and pull run as
tasks whose progress ``GET tasks/<id>`` reports. The routes are described in ``openapi.yaml``.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
from collections.abc import Callable
from typing import Any, TypeVar

import tornado.web
from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from jupyter_server.utils import ensure_async, url_path_join

from ..errors import InvalidInput, MVError, NotFound
from ..metrics import literal_metrics
from . import body as fields
from . import models as registry_routes
from . import work
from .access import StoreAccess
from .kernels import ask_kernel, kernel_for
from .tasks import Task, Tasks

__all__ = [
    "MVHandler",
    "VersionsHandler",
    "VersionHandler",
    "SavesHandler",
    "SnapshotHandler",
    "TaskHandler",
    "TagsHandler",
    "AliasesHandler",
    "DiffHandler",
    "RestoreHandler",
    "ReproduceHandler",
    "ReportHandler",
    "RemotesHandler",
    "RemoteHandler",
    "PushHandler",
    "PullHandler",
    "SETTINGS_KEY",
    "AUTH_RESOURCE",
    "REMOTES_RESOURCE",
    "ROUTES",
    "routes",
    "setup_handlers",
]

#: Where the :class:`StoreAccess` lives in the tornado settings.
SETTINGS_KEY = "jupyter_mv"
TASKS_KEY = "jupyter_mv_tasks"
KERNEL_TIMEOUT_KEY = "jupyter_mv_kernel_timeout"
AGENTS_KEY = "jupyter_mv_agents"
#: The resource names handed to the server's authorizer: versions (``read`` for GETs,
#: ``write`` for snapshot, restore, tag, alias, saves, push and pull), and the project's
#: remotes (adding or removing one is ``execute``: it sends the server's traffic to a
#: new place), so a deployment can hold users to reading, or to the remotes it chose.
AUTH_RESOURCE = "jupyter_mv"
REMOTES_RESOURCE = "jupyter_mv_remotes"

T = TypeVar("T")

_HTTP_CODES = {400: "invalid_input", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}


class MVHandler(APIHandler):
    """Base of every jupyter-mv handler: the store access, the body, the error shape."""

    auth_resource = AUTH_RESOURCE

    @property
    def access(self) -> StoreAccess:
        return self.settings[SETTINGS_KEY]

    @property
    def tasks(self) -> Tasks:
        return self.settings[TASKS_KEY]

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a blocking core call in a worker thread, off the event loop."""
        return await asyncio.to_thread(fn, *args, **kwargs)

    def int_argument(self, name: str, default: int | None) -> int | None:
        raw = self.get_query_argument(name, None)
        if raw is None or raw.strip() == "":
            return default
        return fields.whole_number(raw, name)

    def json_body(self) -> dict[str, Any]:
        """The request's body: a JSON object. :raises InvalidInput: anything else."""
        return fields.parse(self.request.body)

    def write_json(self, body: Any, status: int = 200) -> None:
        self.set_status(status)
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

    async def answer_task(self, task: Task, wait: bool, created: int) -> None:
        """202 with the task to poll; or, with ``wait``, the task's result (``created``)
        or error once it ends."""
        if not wait:
            self.set_header("Location", url_path_join(self.base_url, "jupyter-mv", "api", "tasks", task.id))
            self.write_json({"task": task.to_dict()}, 202)
            return
        await task.wait()
        if task.error is not None:
            self.write_json(task.error, task.status)
        else:
            self.write_json(task.result, created)


class VersionsHandler(MVHandler):
    """``GET versions?path=NB[&limit=&offset=&kinds=&where=&find=&since=]``: a notebook's
    versions, newest first; ``where`` filters them (``acc>0.9 tag:baseline``), ``find`` names
    a version whose place in the listing the body's ``index`` gives (with its page), ``since``
    the newest version a client lists (only those after it are sent)."""

    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        path = self.get_query_argument("path", "")
        limit = self.int_argument("limit", None)
        offset = self.int_argument("offset", 0) or 0
        kinds = [k for k in self.get_query_argument("kinds", "").split(",") if k.strip()]
        where = self.get_query_argument("where", "") or None
        find = self.get_query_argument("find", "") or None
        since = self.get_query_argument("since", "") or None
        self.write_json(
            await self.call(
                self.access.versions,
                path,
                limit=limit,
                offset=offset,
                kinds=kinds,
                where=where,
                find=find,
                since=since,
            )
        )


class VersionHandler(MVHandler):
    """``GET versions/<ref>?path=NB``: one version of a notebook."""

    @tornado.web.authenticated
    @authorized
    async def get(self, ref: str) -> None:
        path = self.get_query_argument("path", "")
        self.write_json(await self.call(self.access.version, path, ref))


class VersionNotebookHandler(MVHandler):
    """``GET versions/<ref>/notebook?path=NB``: the notebook a version holds, as JSON
    (``{version, content}``), to read it without restoring it."""

    @tornado.web.authenticated
    @authorized
    async def get(self, ref: str) -> None:
        path = self.get_query_argument("path", "")
        self.write_json(await self.call(self.access.version_notebook, path, ref))


class SavesHandler(MVHandler):
    """``GET saves?path=NB[&base=N]``: the light versions kept at saves (after vN).
    ``POST saves`` ``{path, retention_days}``: keep the notebook as just saved."""

    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        path = self.get_query_argument("path", "")
        self.write_json(await self.call(self.access.saves, path, self.int_argument("base", None)))

    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.json_body()
        retention = body.get("retention_days", 30)
        if retention is not None and (
            isinstance(retention, bool)
            or not isinstance(retention, (int, float))
            or not math.isfinite(retention)
            or retention <= 0
        ):
            raise InvalidInput("retention_days must be a number of days greater than 0, or null to keep every save")
        result = await self.call(self.access.record_save, fields.text(body, "path"), retention_days=retention)
        self.write_json(result, 201 if result["version"] else 200)


class SnapshotHandler(MVHandler):
    """``POST snapshot`` ``{path, message, metrics, files, content, kernel, wait}``: a version
    of an open notebook, with what its running kernel knows and the metrics given as
    ``acc=0.91 loss=0.3`` (numbers only; a bad one is a 400 naming its key). 202 with a
    task to poll."""

    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.json_body()
        path = fields.text(body, "path")
        message = fields.text(body, "message", required=False)
        metrics = literal_metrics(fields.text(body, "metrics", required=False))
        files = fields.paths(body, "files")
        content = fields.notebook_content(body)
        use_kernel = fields.flag(body, "kernel", True)
        wait = fields.flag(body, "wait", False)
        access = self.access
        # Everything that can be refused is refused now, before the content is saved.
        notebook = await self.call(access.check_snapshot, path, files)
        contents, sessions, kernels = self.contents_manager, self.session_manager, self.kernel_manager
        kernelspecs, timeout = self.kernel_spec_manager, float(self.settings.get(KERNEL_TIMEOUT_KEY, 10))
        agents = self.settings.get(AGENTS_KEY)

        async def run(task: Task) -> dict[str, Any]:
            if content is not None:
                task.set_step("saving")
                try:
                    await ensure_async(contents.save({"type": "notebook", "format": "json", "content": content}, path))
                except tornado.web.HTTPError as exc:
                    raise InvalidInput(f"cannot save {path}: {exc.log_message or exc.reason}") from None
            report, capture = None, "no_kernel"
            kernel_id = kernel_for(await ensure_async(sessions.list_sessions()), path) if use_kernel else None
            if kernel_id is not None:
                # The kernel finds the store walking up as the server does: make it first.
                await asyncio.to_thread(access.ensure_store, path)
                task.set_step("asking the kernel")
                report = await ask_kernel(kernels, kernel_id, str(notebook), timeout=timeout)
                capture = "kernel_busy" if report is None else ("kernel" if report.loaded else "not_loaded")
                if report is not None and not report.installed and not report.loaded and agents is not None:
                    # A kernel the server did not start (or started before injection): capture from now on.
                    started = await agents.attach(kernel_id)
                    report.agent = (started or {}).get("agent")
            return await asyncio.to_thread(
                work.snapshot,
                access,
                path,
                message=message,
                metrics=metrics,
                files=files,
                report=report,
                capture=capture,
                kernelspecs=kernelspecs,
                asked=use_kernel,
                progress=task.progress,
            )

        await self.answer_task(self.tasks.start("snapshot", path, run), wait, 201)


class RestoreHandler(MVHandler):
    """``POST restore`` ``{path, ref, to, files, wait}``: a version written back in place
    (after a safety version), or to the new notebook ``to``. 202 with a task to poll."""

    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.json_body()
        path = fields.text(body, "path")
        ref = fields.text(body, "ref", limit=4096)
        to = None if body.get("to") is None else fields.text(body, "to", required=False, limit=4096)
        files = fields.flag(body, "files", False)
        wait = fields.flag(body, "wait", False)
        access = self.access
        if to is not None:
            await self.call(access.check_new_notebook, to)
        await self.call(access.version, path, ref)  # a bad path or an unknown version: 4xx now, not in the task

        async def run(task: Task) -> dict[str, Any]:
            return await asyncio.to_thread(work.restore, access, path, ref, to=to, files=files, progress=task.progress)

        await self.answer_task(self.tasks.start("restore", path, run), wait, 200)


class ReproduceHandler(MVHandler):
    """``POST reproduce`` ``{path, ref, rtol, wait}``: run a version's notebook again in
    a fresh kernel and compare, cell by cell. It runs the version's code, so it needs the
    right to execute kernels. 202 with a task to poll; its result is the verdict."""

    @tornado.web.authenticated
    @authorized("execute", resource="kernels")
    async def post(self) -> None:
        body = self.json_body()
        path = fields.text(body, "path")
        ref = fields.text(body, "ref", limit=4096)
        rtol = body.get("rtol")
        if rtol is not None and (
            isinstance(rtol, bool) or not isinstance(rtol, (int, float)) or not math.isfinite(rtol) or rtol < 0
        ):
            raise InvalidInput("rtol must be a number of at least 0")
        wait = fields.flag(body, "wait", False)
        access = self.access
        await self.call(access.version, path, ref)  # a bad path or an unknown version: 4xx now, not in the task

        async def run(task: Task) -> dict[str, Any]:
            return await asyncio.to_thread(work.reproduce, access, path, ref, rtol=rtol, progress=task.progress)

        await self.answer_task(self.tasks.start("reproduce", path, run), wait, 200)


class TaskHandler(MVHandler):
    """``GET tasks/<id>[?path=NB]``: a snapshot's, restore's, reproduce's, push's or pull's state and
    progress, then its result; with ``path``, only a task of that notebook."""

    @tornado.web.authenticated
    @authorized
    async def get(self, task_id: str) -> None:
        path = self.get_query_argument("path", None)
        if path is not None:
            self.access.notebook_path(path)
        task = self.tasks.get(task_id)
        if path is not None and task.path != path:
            raise NotFound(f"task {task_id[:40]} is not one of {path}")
        self.write_json(task.to_dict())


class TagsHandler(MVHandler):
    """``POST tags`` ``{path, ref, name}``: an immutable name for a version."""

    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        args = fields.name_request(self.json_body())
        self.write_json(await self.call(self.access.tag, *args), 201)


class AliasesHandler(MVHandler):
    """``POST aliases`` ``{path, ref, name}``: point a movable name at a version."""

    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        args = fields.name_request(self.json_body())
        if await self.call(registry_routes.is_model_ref, self.access, args[0], args[1]):  # churn:2
            self.write_json(await self.call(registry_routes.model_alias, self.access, *args))
            return
        self.write_json(await self.call(self.access.alias, *args))


class ModelsHandler(MVHandler):
    """``GET models?path=NB``: the store's models with their versions, aliases and metrics."""

    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        path = self.get_query_argument("path", "")
        self.write_json(await self.call(registry_routes.models, self.access, path))


class MetricsHandler(MVHandler):
    """``GET metrics?path=NB``: each metric across the notebook's versions, with its steps."""

    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        path = self.get_query_argument("path", "")
        self.write_json(await self.call(registry_routes.metric_series, self.access, path))


class DiffHandler(MVHandler):
    """``GET diff?path=NB[&a=REF&b=REF&only=&metadata=]``: two versions compared (or ``a``,
    by default the latest, with the files on disk), in the one diff format."""

    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        path = self.get_query_argument("path", "")
        a = self.get_query_argument("a", "") or "latest"
        b = self.get_query_argument("b", "") or None
        only = self.get_query_argument("only", "") or None
        metadata = self.get_query_argument("metadata", "0")
        if metadata not in ("0", "1", "true", "false"):
            raise InvalidInput("metadata must be 0 or 1")
        if b and all([await self.call(registry_routes.is_model_ref, self.access, path, r) for r in (a, b)]):
            self.write_json(await self.call(registry_routes.model_diff, self.access, path, a, b))
            return
        self.write_json(
            await self.call(self.access.diff, path, a, b, only=only, include_metadata=metadata in ("1", "true"))
        )


class ReportHandler(MVHandler):
    """``GET report/<ref>?path=NB[&format=html|markdown|json|prov-json&theme=]``: the
    provenance report of a version: the notebook, data, environment, models, metrics."""

    @tornado.web.authenticated
    @authorized
    async def get(self, ref: str) -> None:
        path = self.get_query_argument("path", "")
        fmt = self.get_query_argument("format", "html")
        theme = self.get_query_argument("theme", "auto")
        if await self.call(registry_routes.is_model_ref, self.access, path, ref):  # churn:2, churn@production
            text, media_type = await self.call(registry_routes.model_report, self.access, path, ref, fmt, theme)
        else:
            text, media_type = await self.call(self.access.report, path, ref, fmt, theme)
        # The page holds the user's notebook text: never let it run anything here.
        self.set_header(
            "Content-Security-Policy", "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"
        )
        self.set_header("X-Content-Type-Options", "nosniff")
        self.finish(text, set_content_type=media_type)


class RemotesHandler(MVHandler):
    """``GET remotes?path=NB``: the remotes of the store that holds the notebook's
    versions. ``POST remotes`` ``{path, name, url}``: add one (no credentials in ``url``)."""

    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        self.write_json(await self.call(self.access.remotes, self.get_query_argument("path", "")))

    @tornado.web.authenticated
    @authorized("execute", resource=REMOTES_RESOURCE)
    async def post(self) -> None:
        body = self.json_body()
        args = fields.text(body, "path"), fields.text(body, "name", limit=1000), fields.text(body, "url", limit=4096)
        self.write_json(await self.call(self.access.remote_add, *args), 201)


class RemoteHandler(MVHandler):
    """``DELETE remotes/<name>?path=NB``: forget a remote (what it holds stays there)."""

    @tornado.web.authenticated
    @authorized("execute", resource=REMOTES_RESOURCE)
    async def delete(self, name: str) -> None:
        await self.call(self.access.remote_remove, self.get_query_argument("path", ""), name)
        self.set_status(204)
        self.finish()


class PushHandler(MVHandler):
    """``POST push`` ``{path, remote, refs, force, wait}``: send a remote the versions it
    lacks (those ``refs`` name among the notebook's, or every version of the project).
    202 with a task to poll."""

    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.json_body()
        path = fields.text(body, "path")
        remote = fields.remote(body)
        refs = fields.paths(body, "refs", "refs (v3, a tag, an alias, a version id)")
        force = fields.flag(body, "force", False)
        wait = fields.flag(body, "wait", False)
        access = self.access
        # An unknown ref or remote: 4xx now, not in the task.
        ids = await self.call(access.version_ids, path, refs) if refs else None
        await self.call(access.require_remote, path, remote)

        async def run(task: Task) -> dict[str, Any]:
            return await asyncio.to_thread(
                work.push, access, path, remote=remote, refs=ids, force=force, progress=task.progress
            )

        await self.answer_task(self.tasks.start("push", path, run), wait, 200)


class PullHandler(MVHandler):
    """``POST pull`` ``{path, remote, notebooks, all, wait}``: bring in the versions a
    remote holds that the project lacks (of ``notebooks``, or of every notebook); their
    bytes when needed, or with ``all`` now. 202 with a task to poll."""

    @tornado.web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.json_body()
        path = fields.text(body, "path")
        remote = fields.remote(body)
        notebooks = fields.paths(body, "notebooks", "notebook paths relative to the server root")
        everything = fields.flag(body, "all", False)
        wait = fields.flag(body, "wait", False)
        access = self.access
        for name in notebooks:
            access.notebook_path(name, "each of notebooks")
        await self.call(access.require_remote, path, remote)

        async def run(task: Task) -> dict[str, Any]:
            return await asyncio.to_thread(
                work.pull, access, path, remote=remote, notebooks=notebooks, all=everything, progress=task.progress
            )

        await self.answer_task(self.tasks.start("pull", path, run), wait, 200)


#: The API: (path under /jupyter-mv/api/ as OpenAPI writes it, handler). ``{ref}`` may
#: hold slashes (tag names do).
ROUTES: list[tuple[str, type[MVHandler]]] = [
    ("/versions", VersionsHandler),
    ("/versions/{ref}/notebook", VersionNotebookHandler),
    ("/versions/{ref}", VersionHandler),
    ("/saves", SavesHandler),
    ("/snapshot", SnapshotHandler),
    ("/restore", RestoreHandler),
    ("/reproduce", ReproduceHandler),
    ("/tasks/{task_id}", TaskHandler),
    ("/tags", TagsHandler),
    ("/aliases", AliasesHandler),
    ("/models", ModelsHandler),
    ("/metrics", MetricsHandler),
    ("/diff", DiffHandler),
    ("/report/{ref}", ReportHandler),
    ("/remotes", RemotesHandler),
    ("/remotes/{name}", RemoteHandler),
    ("/push", PushHandler),
    ("/pull", PullHandler),
]
_PARAMETERS = {"ref": "(?P<ref>.+)", "task_id": "(?P<task_id>[^/]+)", "name": "(?P<name>[^/]+)"}


def routes(base_url: str) -> list[tuple[str, type[MVHandler]]]:
    api = url_path_join(base_url, "jupyter-mv", "api")
    out = []
    for path, handler in ROUTES:
        pattern = re.sub(r"\{(\w+)\}", lambda m: _PARAMETERS[m.group(1)], path)
        out.append((api + pattern, handler))
    return out


def setup_handlers(
    web_app: tornado.web.Application, access: StoreAccess, *, kernel_timeout: float = 10, agents: Any = None
) -> None:
    """Register the routes, the store access, the task list and the kernel agents (None:
    none) on the server's tornado app."""
    web_app.settings[AGENTS_KEY] = agents
    web_app.settings[SETTINGS_KEY] = access
    web_app.settings[TASKS_KEY] = Tasks(access.public_message)
    web_app.settings[KERNEL_TIMEOUT_KEY] = kernel_timeout
    web_app.add_handlers(".*$", routes(web_app.settings["base_url"]))
