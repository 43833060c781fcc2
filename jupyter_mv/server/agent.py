"""The kernel agent, server side: injected into Python kernels whose environment lacks
jupyter-mv, and the store work they relay.

When the server starts (or restarts) a kernel, and when a snapshot finds a kernel that
runs neither jupyter-mv nor the agent, :class:`Agents` runs one silent execution in it
that builds the agent from this package's own modules (:data:`AGENT_MODULES`, read with
:mod:`importlib.resources`; :mod:`jupyter_mv.kernel.agent_loader` assembles them). A
kernel that can import jupyter-mv is left alone. ``c.JupyterMV.inject_agent = False``
turns this off.

The agent's requests come as comms opened on the ``jupyter-mv`` target (read here on the
kernel's IOPub channel, even while a cell runs), with their payload in chunks; each is
acknowledged at once, then answered on the kernel's control channel
(:data:`jupyter_mv.kernel.agent.REPLY`), where the kernel reads it while the cell waits.
The work (a snapshot, a model saved or loaded) runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import InvalidInput, MVError
from ..kernel.agent import TEXT_VERBS
from ..locate import ENV_VAR, find_store_dir, is_store, no_store_message
from ..store import registry
from ..units import human_size
from . import work
from .access import StoreAccess
from .kernels import KernelReport

__all__ = ["AGENT_MODULES", "Agents", "agent_sources", "agent_version", "injection_code"]

#: The modules the agent is made of (relative to ``jupyter_mv``; ``kernel`` is the
#: package's ``__init__``): standard library and IPython only, at their top level.
AGENT_MODULES = (
    "errors",
    "units",
    "metrics",
    "locate",
    "kernel",
    "kernel.access",
    "kernel.autoload",
    "kernel.usage",
    "kernel.execution",
    "kernel.frontend",
    "kernel.imports",
    "kernel.models",
    "kernel.notebook_file",
    "kernel.readers",
    "kernel.tracking",
    "kernel.session",
    "kernel.agent",
)
KERNEL_ACTIONS = "https://events.jupyter.org/jupyter_server/kernel_actions/v1"
REPLY = "jupyter_mv_reply"
_CHUNK = 1024 * 1024


def _source(module: str) -> str:
    rel = "kernel/__init__.py" if module == "kernel" else module.replace(".", "/") + ".py"
    return resources.files("jupyter_mv").joinpath(rel).read_text(encoding="utf-8")


def agent_sources() -> dict[str, str]:
    """Module name → source, for :func:`jupyter_mv.kernel.agent_loader.load`."""
    return {m: _source(m) for m in AGENT_MODULES}


def agent_version(sources: dict[str, str] | None = None) -> str:
    """jupyter-mv's version and a hash of the agent's sources: a kernel runs one agent per
    version, and a newer one replaces it."""
    digest = hashlib.sha256(json.dumps(sources or agent_sources(), sort_keys=True).encode()).hexdigest()[:12]
    return f"{__version__}+{digest}"


def injection_code(settings: dict[str, Any]) -> tuple[str, str]:
    """The silent execution that starts the agent, and the user expression that answers."""
    sources = agent_sources()
    loader = resources.files("jupyter_mv").joinpath("kernel/agent_loader.py").read_text(encoding="utf-8")
    code = (
        "def __jupyter_mv_agent__():\n"
        f"    ns = {{'__name__': '_jupyter_mv_agent_loader'}}\n"
        f"    exec(compile({loader!r}, '<jupyter-mv agent loader>', 'exec'), ns)\n"
        f"    return ns['load']({sources!r}, {agent_version(sources)!r}, {settings!r})\n"
    )
    return code, "__jupyter_mv_agent__()"


class Agents:
    """The agents of one server's kernels: injection, and the requests they relay."""

    def __init__(
        self,
        kernel_manager: Any,
        access: StoreAccess,
        *,
        enabled: bool = True,
        max_object_size: int = 2 * 1024**3,
        log: Any = None,
    ) -> None:
        self.kernel_manager = kernel_manager
        self.access = access
        self.enabled = enabled
        self.max_object_size = max_object_size
        self.log = log
        self.clients: dict[str, Any] = {}
        self.listeners: dict[str, asyncio.Task[None]] = {}
        self.requests: dict[str, dict[str, Any]] = {}  # comm id -> request being received
        self.status: dict[str, dict[str, Any]] = {}  # kernel id -> what the injection answered
        self._locks: dict[str, asyncio.Lock] = {}
        # kernel id -> the client answers go out on (made at the first request).
        self.repliers: dict[str, Any] = {}

    # -- the kernels ------------------------------------------------------------------------------

    def watch(self, event_logger: Any) -> None:
        """Inject into each kernel the server starts or restarts; forget those it shuts down."""

        async def on_action(logger: Any, schema_id: str, data: dict[str, Any]) -> None:
            kernel_id, action = data.get("kernel_id"), data.get("action")
            if not kernel_id or data.get("status") != "success":
                return
            if action in ("start", "restart"):
                asyncio.ensure_future(self.attach(str(kernel_id)))
            elif action == "shutdown":
                self.detach(str(kernel_id))

        event_logger.add_listener(schema_id=KERNEL_ACTIONS, listener=on_action)

    def settings(self) -> dict[str, Any]:
        return {"root": str(self.access.root), "max_object_size": self.max_object_size, "chunk_size": _CHUNK}

    async def attach(self, kernel_id: str, *, timeout: float = 60) -> dict[str, Any] | None:
        """Start the agent in a Python kernel that lacks jupyter-mv, and read its requests.

        :returns: what the kernel answered (``agent``, or ``installed``), None when it is
            not a Python kernel, injection is off or the kernel did not answer."""
        if not self.enabled:
            return None
        try:
            manager = self.kernel_manager.get_kernel(kernel_id)
        except KeyError:
            return None
        spec = getattr(manager, "kernel_spec", None)
        if spec is not None and str(getattr(spec, "language", "python")).lower() != "python":
            return None
        async with self._locks.setdefault(kernel_id, asyncio.Lock()):
            return await self._attach(kernel_id, manager, timeout)

    async def _attach(self, kernel_id: str, manager: Any, timeout: float) -> dict[str, Any] | None:
        self._drop_replier(kernel_id)  # a restarted kernel: connect again
        client = self.clients.get(kernel_id)
        if client is None:
            client = manager.client(session=_own_session(manager))
            client.start_channels(shell=True, iopub=True, stdin=False, hb=False, control=False)
            self.clients[kernel_id] = client
            self.listeners[kernel_id] = asyncio.ensure_future(self._listen(kernel_id, manager))
        code, expression = injection_code(self.settings())
        msg_id = client.execute(code, silent=True, store_history=False, user_expressions={"mv": expression})
        answer = await _reply(client, msg_id, timeout)
        if answer is not None:
            self.status[kernel_id] = answer
            if self.log is not None and answer.get("agent"):
                self.log.info("jupyter-mv: capture started in kernel %s (%s)", kernel_id, answer.get("python"))
        return answer

    def detach(self, kernel_id: str) -> None:
        task = self.listeners.pop(kernel_id, None)
        if task is not None:
            task.cancel()
        client = self.clients.pop(kernel_id, None)
        if client is not None:
            client.stop_channels()
        self._drop_replier(kernel_id)
        self.status.pop(kernel_id, None)
        self._locks.pop(kernel_id, None)

    def _drop_replier(self, kernel_id: str) -> None:
        replier = self.repliers.pop(kernel_id, None)
        if replier is not None:
            replier.stop_channels()

    def _replier(self, kernel_id: str, manager: Any) -> Any:
        replier = self.repliers.get(kernel_id)
        if replier is None:
            replier = self.repliers[kernel_id] = manager.client(session=_own_session(manager))
            replier.start_channels(shell=False, iopub=False, stdin=False, hb=False, control=True)
        return replier

    def stop(self) -> None:
        for kernel_id in list(self.clients):
            self.detach(kernel_id)

    # -- the requests -----------------------------------------------------------------------------

    async def _listen(self, kernel_id: str, manager: Any) -> None:
        client = self.clients[kernel_id]
        while True:
            try:
                msg = await client.get_iopub_msg()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - a closed channel: the kernel is gone
                return
            try:
                await self._on_iopub(kernel_id, manager, msg)
            except Exception as exc:  # noqa: BLE001 - one bad request must not stop the listener
                if self.log is not None:
                    self.log.warning("jupyter-mv: a kernel's request failed: %s", exc)

    async def _on_iopub(self, kernel_id: str, manager: Any, msg: dict[str, Any]) -> None:
        kind, content = msg.get("msg_type"), msg.get("content") or {}
        if kind == "comm_open" and content.get("target_name") == "jupyter-mv":
            data = content.get("data") or {}
            if data.get("action") != "server" or not isinstance(data.get("request"), str):
                return
            request = {**data, "parts": [], "got": 0, "comm": content.get("comm_id")}
            client = self._replier(kernel_id, manager)
            self._send(client, {"request": data["request"], "ack": True})
            if int(data.get("size") or 0) > self.max_object_size:
                return self._send(client, {"request": data["request"], "error": self._too_large(data)})
            if int(data.get("chunks") or 0) == 0:
                return await self._run(client, request)
            self.requests[str(content.get("comm_id"))] = request
        elif kind == "comm_msg":
            receiving = self.requests.get(str(content.get("comm_id")))
            if receiving is None:
                return
            request, client = receiving, self._replier(kernel_id, manager)
            request["parts"].append(b"".join(bytes(b) for b in msg.get("buffers") or []))
            request["got"] += 1
            if request["got"] >= int(request["chunks"]):
                del self.requests[str(content.get("comm_id"))]
                await self._run(client, request)

    def _too_large(self, data: dict[str, Any]) -> str:
        return (
            f"{human_size(int(data['size']))} is over the {human_size(self.max_object_size)} a kernel without "
            "jupyter-mv may send to this server (c.JupyterMV.agent_max_object_size)"
        )

    async def _run(self, client: Any, request: dict[str, Any]) -> None:
        rid = request["request"]
        try:
            answer, blob = await asyncio.to_thread(self._work, request)
        except MVError as exc:
            return self._send(client, {"request": rid, "error": self.access.public_message(exc.message)})
        except Exception as exc:  # noqa: BLE001 - the kernel shows one line
            return self._send(client, {"request": rid, "error": f"{type(exc).__name__}: {exc}"})
        if not blob:
            return self._send(client, {"request": rid, **answer})
        chunks = [blob[i : i + _CHUNK] for i in range(0, len(blob), _CHUNK)]
        for i, chunk in enumerate(chunks):
            self._send(client, {"request": rid, **answer, "chunk": i, "chunks": len(chunks)}, [chunk])

    def _send(self, client: Any, content: dict[str, Any], buffers: list[bytes] | None = None) -> None:
        client.session.send(client.control_channel.socket, REPLY, content, buffers=buffers)

    def _api_path(self, notebook: str) -> tuple[Path, str]:
        if not notebook:
            raise InvalidInput("this kernel does not know its notebook; tell it with `%mv notebook PATH`")
        full = Path(notebook)
        try:
            api_path = full.relative_to(self.access.root).as_posix()
        except ValueError:
            raise InvalidInput(f"{notebook} lies outside the server root") from None
        return self.access.notebook_path(api_path), api_path

    def _work(self, request: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
        verb, args = request.get("verb"), request.get("args") or {}
        if verb == "snapshot":
            return self._snapshot(args), b""
        if verb == "save":
            return self._save(args, b"".join(request["parts"])), b""
        if verb == "load":
            return self._load(args)
        if verb == "run":
            return self._text_verb(args), b""
        raise InvalidInput(f"the server does not relay %mv {verb}")

    def _text_verb(self, args: dict[str, Any]) -> dict[str, Any]:
        """``jupyter mv VERB ...`` (one of :data:`TEXT_VERBS`) run in the notebook's folder by
        this server's interpreter; every word that could name a file must lie under the root."""
        argv = [str(word) for word in args.get("argv") or []]
        if not argv or argv[0] not in TEXT_VERBS:
            raise InvalidInput(f"the server does not relay %mv {argv[0] if argv else ''}".rstrip())
        notebook, _api_path = self._api_path(str(args.get("notebook") or ""))
        folder = notebook.parent
        for word in argv[1:]:
            if word.startswith("--"):
                value = word.partition("=")[2]
            elif word.startswith("-"):  # -oFILE, -o=FILE: a short option with its value attached
                value = word[2:].removeprefix("=")
            else:
                value = word
            if value and not self.access.inside_root((folder / value).resolve()):
                raise InvalidInput(f"{value} lies outside the server root")
        if argv[0] == "log" and not any(word.endswith(".ipynb") for word in argv[1:]):
            argv.append(notebook.name)  # %mv log is the notebook's own history, as in an installed kernel
        public = self.access.public_message
        env = {**os.environ, "NO_COLOR": "1"}
        if self.access.store_dir is not None:
            env[ENV_VAR] = str(self.access.store_dir)  # the store this server uses, not one found walking up
        elif not is_store(find_store_dir(folder)):
            # as an installed kernel says it: every relayed verb reads a store
            return {"stdout": "", "stderr": f"error: {public(no_store_message(folder))}\n", "code": 1}
        done = subprocess.run(
            [sys.executable, "-m", "jupyter_mv.cli", *argv],
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        return {"stdout": public(done.stdout), "stderr": public(done.stderr), "code": done.returncode}

    def _snapshot(self, args: dict[str, Any]) -> dict[str, Any]:
        notebook, api_path = self._api_path(str(args.get("notebook") or ""))
        self.access.ensure_store(api_path)
        report = KernelReport(args.get("report") or {})
        files = [str(f) for f in args.get("files") or []]
        result = work.snapshot(
            self.access,
            api_path,
            message=str(args.get("message") or ""),
            files=files,
            report=report,
            capture="kernel",
        )
        models = [str(m) for m in args.get("models") or []]
        if models:
            with self.access.open_store(notebook, api_path) as store:
                version = store.get(result["version"]["id"])
                for label in models:
                    registry.link_model(store, label, version)
        return result

    def _save(self, args: dict[str, Any], blob: bytes) -> dict[str, Any]:
        notebook_text = str(args.get("notebook") or "")
        if notebook_text:
            notebook, api_path = self._api_path(notebook_text)
        else:
            raise InvalidInput("this kernel does not know its notebook; tell it with `%mv notebook PATH`")
        self.access.ensure_store(api_path)
        with tempfile.TemporaryDirectory(prefix="jupyter-mv-model-") as folder:
            path = Path(folder) / "model.pkl"
            path.write_bytes(blob)
            with self.access.open_store(notebook, api_path, create=True) as store:
                model = registry.save_model(
                    store,
                    str(args.get("name") or ""),
                    path,
                    flavor="pickle",
                    extra={"class": str(args.get("class") or ""), "sent_by": "kernel agent"},
                    metrics=args.get("metrics") or {},
                    params=args.get("params") or {},
                    alias=args.get("alias") or None,
                )
        return {"label": model.label, "flavor": model.flavor, "size": model.size, "aliases": list(model.aliases)}

    def _load(self, args: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
        notebook, api_path = self._api_path(str(args.get("notebook") or ""))
        with self.access.open_store(notebook, api_path) as store:
            model = registry.get_model(store, str(args.get("ref") or ""))
            with tempfile.TemporaryDirectory(prefix="jupyter-mv-model-") as folder:
                path = Path(folder) / "model"
                registry.export_model(store, model, path)
                blob = path.read_bytes()
        if len(blob) > self.max_object_size:
            raise InvalidInput(self._too_large({"size": len(blob)}))
        return {"label": model.label, "flavor": model.flavor, "size": len(blob)}, blob


def _own_session(manager: Any) -> Any:
    """A session of our own for a client of ``manager``'s kernel: the clients a kernel
    manager makes share its session, so their sockets share one identity, and the kernel
    sends to (or takes from) only the one that connected last."""
    from jupyter_client.session import Session

    return Session(key=manager.session.key, signature_scheme=manager.session.signature_scheme)


async def _reply(client: Any, msg_id: str, timeout: float) -> dict[str, Any] | None:
    import ast

    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        left = deadline - asyncio.get_running_loop().time()
        if left <= 0:
            return None
        try:
            reply = await client.get_shell_msg(timeout=left)
        except Exception:  # noqa: BLE001 - queue.Empty when the time is up
            return None
        if reply.get("parent_header", {}).get("msg_id") == msg_id:
            break
    content = reply.get("content") or {}
    expression = (content.get("user_expressions") or {}).get("mv") or {}
    text = (expression.get("data") or {}).get("text/plain")
    if content.get("status") != "ok" or expression.get("status") != "ok" or not isinstance(text, str):
        return {"error": str(expression.get("evalue") or content.get("evalue") or "no answer")}
    try:
        answer = json.loads(ast.literal_eval(text))
    except (ValueError, SyntaxError, TypeError):
        return None
    return answer if isinstance(answer, dict) else None
