"""The kernel agent: jupyter-mv's capture in a kernel whose environment lacks jupyter-mv.

A Jupyter server with jupyter-mv injects it into each Python kernel it starts that
cannot import ``jupyter_mv`` (:mod:`jupyter_mv.server.agent`, built by
:mod:`.agent_loader`). It is the installed kernel side's own capture, the same modules
(:class:`~.session.KernelSession`, the audit hook and path-literal scan of :mod:`.access`,
the readers of :mod:`.readers`, the execution record, the imported modules, metrics and
params), over standard library and IPython only: what needs the store is relayed to the
server, which stores.

- The server's snapshot (the sidebar's) asks the kernel what it knows as it asks an
  installed kernel side: :func:`capture_report`.
- ``%mv`` relays its verbs: ``snapshot``, ``save`` and ``load`` go to the server; ``metric``
  and ``param`` are kept here for the next version, as the installed ``%mv`` keeps them.
  A request is a comm opened on the ``jupyter-mv`` target (IOPub, which the server reads
  even while the cell runs), followed by its chunks; the server answers on the control
  channel (:data:`REPLY`), which the kernel reads in its own thread while the cell waits.
- Without a server that answers, ``%mv`` says in one line how to install jupyter-mv in
  this kernel's environment, and never runs the shell's ``mv``.
"""

from __future__ import annotations

import io
import os
import pickle
import shlex
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

from ..errors import InvalidInput, MVError, NotFound
from ..units import human_size
from . import _Hooks
from .autoload import release_alias
from .frontend import TARGET
from .readers import install as install_readers
from .session import KernelSession
from .tracking import evaluate, parse_assignments
from .usage import bare_usage_errors, fail_all
from .usage import fail as _fail

__all__ = ["VERSION", "REPLY", "AgentSession", "Relay", "start", "stop", "status", "capture_report"]

#: The agent's version, set by :func:`start` (the server's hash of the agent's sources).
VERSION = ""
#: The control-channel message type of the server's answers.
REPLY = "jupyter_mv_reply"
#: What a request that has no server to answer it says.
NO_SERVER = (
    "no Jupyter server with jupyter-mv answers this kernel: install jupyter-mv in its environment "
    "(`{python} -m pip install jupyter-mv`) to use %mv {verb} here"
)
#: Verbs the server runs as ``jupyter mv VERB`` in the notebook's folder, answering their text.
TEXT_VERBS = ("log", "show", "diff", "models", "report", "env", "tag", "alias")
#: Verbs the agent relays or keeps; the others need jupyter-mv in the kernel's environment.
VERBS = ("snapshot", "metric", "param", "save", "load", *TEXT_VERBS, "notebook", "help")
_agent: Agent | None = None


class Relay:
    """Requests to the server over the ``jupyter-mv`` comm, answers on the control channel."""

    def __init__(self, kernel: Any, *, ack_timeout: float, chunk_size: int) -> None:
        self.kernel = kernel
        self.ack_timeout = ack_timeout
        self.chunk_size = chunk_size
        self._waiting: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        if kernel is not None:
            kernel.control_handlers[REPLY] = self._answered

    def stop(self) -> None:
        if self.kernel is not None and self.kernel.control_handlers.get(REPLY) == self._answered:
            del self.kernel.control_handlers[REPLY]

    def _answered(self, stream: Any, ident: Any, msg: dict[str, Any]) -> None:
        """A control message from the server (the kernel's control thread runs this)."""
        content = msg.get("content") or {}
        with self._lock:
            entry = self._waiting.get(str(content.get("request")))
        if entry is None:
            return
        if content.get("ack"):
            entry["acked"].set()
            return
        entry["acked"].set()
        entry["parts"].append([bytes(b) for b in msg.get("buffers") or []])
        entry["answer"] = content
        entry["got"] += 1
        if content.get("chunk") is None or entry["got"] >= int(content.get("chunks", 1)):
            entry["done"].set()

    def ask(
        self, verb: str, args: dict[str, Any], payload: bytes = b"", *, label: str = "", timeout: float = 3600
    ) -> tuple[dict[str, Any], bytes]:
        """Send a request (``payload`` in chunks, with progress) and wait for its answer.

        :returns: the answer and the bytes it carried.
        :raises MVError: no server answers, or it refused (its one-line message).
        """
        import comm

        request = uuid.uuid4().hex
        chunks = [payload[i : i + self.chunk_size] for i in range(0, len(payload), self.chunk_size)]
        entry: dict[str, Any] = {
            "acked": threading.Event(),
            "done": threading.Event(),
            "parts": [],
            "answer": None,
            "got": 0,
        }
        with self._lock:
            self._waiting[request] = entry
        try:
            data = {"action": "server", "verb": verb, "request": request, "args": args, "chunks": len(chunks)}
            data["size"], data["agent"] = len(payload), VERSION
            channel = comm.create_comm(target_name=TARGET, data=data)
            if not entry["acked"].wait(self.ack_timeout):
                raise MVError(NO_SERVER.format(python=sys.executable, verb=verb))
            with _Progress(label, len(payload)) as progress:
                for i, chunk in enumerate(chunks):
                    channel.send({"request": request, "chunk": i}, buffers=[chunk])
                    progress.update(len(chunk))
                if not entry["done"].wait(timeout):
                    raise MVError(f"the server did not answer %mv {verb} within {timeout:g} s")
            answer = entry["answer"] or {}
            if answer.get("error"):
                raise MVError(str(answer["error"]))
            return answer, b"".join(b"".join(part) for part in entry["parts"])
        finally:
            with self._lock:
                self._waiting.pop(request, None)


class _Progress:
    """``sending churn: 40% of 12.0 MB`` on one line of stderr, for payloads over a chunk."""

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total, self.done, self.shown = label, total, 0, -1

    def __enter__(self) -> _Progress:
        return self

    def update(self, n: int) -> None:
        self.done += n
        percent = int(100 * self.done / self.total) if self.total else 100
        if self.label and self.total > 1024 * 1024 and percent // 10 != self.shown // 10:
            self.shown = percent
            print(f"\r{self.label}: {percent}% of {human_size(self.total)}", end="", file=sys.stderr, flush=True)

    def __exit__(self, *exc: Any) -> None:
        if self.shown >= 0:
            print(file=sys.stderr, flush=True)


class _Project:
    """What the capture needs of a store when the store is the server's: the project
    root the server watches, and paths relative to it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.dir = None

    def relpath(self, path: str | os.PathLike[str], *, must_exist: bool = True) -> str:
        full = Path(os.path.normpath(Path(os.getcwd()) / os.path.expanduser(os.fspath(path))))
        try:
            rel = full.relative_to(self.root)
        except ValueError:
            raise InvalidInput(f"{path} lies outside the project ({self.root})") from None
        if must_exist and not full.exists():
            raise NotFound(f"no such file: {path}")
        return rel.as_posix()


class AgentSession(KernelSession):
    """The installed kernel side's session, with the store's work relayed to the server."""

    def __init__(self, shell: Any, relay: Relay, *, root: str | None = None, max_object_size: int = 0) -> None:
        super().__init__(shell)
        watched = Path(os.path.normpath(root)) if root else None
        if self.access.root == self.cwd and watched is not None and self.cwd.is_relative_to(watched):
            self.root = watched  # no store yet: the server makes it at its root
            self.access.set_root(watched, None)
        self.project = _Project(self.root)
        self.relay = relay
        self.max_object_size = max_object_size
        self.waiting_models: list[str] = []

    @property
    def store(self) -> Any:  # the store is the server's: the capture needs only the root
        return self.project

    def snapshot(self, message: str = "", files: Any = (), **_: Any) -> Any:
        """Relay a snapshot of this notebook, with what this kernel captured."""
        nb = self.notebook_path()
        saved = self.front_ends.save(nb)
        if saved is None:
            self._check_saved(nb)
        elif not saved:
            self.warn("the front end did not save the notebook in time: the version holds it as last saved")
        args = {
            "notebook": str(nb),
            "message": message,
            "files": [self.project.relpath(f) for f in files],
            "report": self.capture_report(str(nb)),
            "models": list(self.waiting_models),
        }
        answer, _blob = self.relay.ask("snapshot", args)
        self.pending.clear()
        self.waiting_models.clear()
        self._last_version_at = time.time()
        self.front_ends.refresh()
        for warning in answer.get("warnings", []):
            self.warn(warning)
        return answer

    def send_model(self, obj: Any, name: str, *, alias: str | None = None) -> dict[str, Any]:
        """Pickle ``obj`` and relay it as the next version of model ``name``, linked to the
        next snapshot."""
        try:
            blob = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # noqa: BLE001 - one line naming the object
            raise InvalidInput(f"cannot pickle {type(obj).__name__}: {type(exc).__name__}: {exc}") from None
        if self.max_object_size and len(blob) > self.max_object_size:
            raise InvalidInput(
                f"{name} pickles to {human_size(len(blob))}, over the {human_size(self.max_object_size)} a kernel "
                "without jupyter-mv may send (c.JupyterMV.agent_max_object_size)"
            )
        kind = type(obj)
        args = {
            "name": name,
            "alias": alias,
            "notebook": str(self.notebook_path(required=False) or ""),
            "class": f"{kind.__module__}.{kind.__qualname__}",
            "metrics": dict(self.pending.metrics),
            "params": dict(self.pending.params),
        }
        answer, _blob = self.relay.ask("save", args, blob, label=f"sending {name}")
        self.waiting_models.append(str(answer["label"]))
        return answer

    def fetch_model(self, ref: str) -> tuple[Any, dict[str, Any]]:
        """The object a model version holds, received from the server."""
        args = {"ref": ref, "notebook": str(self.notebook_path(required=False) or "")}
        answer, blob = self.relay.ask("load", args, label=f"receiving {ref}")
        flavor = answer.get("flavor")
        if flavor == "joblib":
            try:
                import joblib  # type: ignore[import-not-found,unused-ignore]
            except ImportError:
                raise InvalidInput(f"{answer['label']} is a joblib model: install joblib in this kernel") from None
            return joblib.load(io.BytesIO(blob)), answer
        if flavor != "pickle":
            raise InvalidInput(
                f"{answer['label']} is a {flavor} model: load it in a kernel with jupyter-mv installed "
                f"(`{sys.executable} -m pip install jupyter-mv`)"
            )
        return pickle.loads(blob), answer  # noqa: S301 - the user's own model


class Agent:
    """What :func:`start` set up in this kernel, undone by :func:`stop`."""

    def __init__(self, shell: Any, settings: dict[str, Any]) -> None:
        self.shell = shell
        kernel = getattr(shell, "kernel", None)
        self.relay = Relay(
            kernel,
            ack_timeout=float(settings.get("ack_timeout", 10)),
            chunk_size=int(settings.get("chunk_size", 1024 * 1024)),
        )
        self.session = AgentSession(
            shell, self.relay, root=settings.get("root"), max_object_size=int(settings.get("max_object_size", 0))
        )
        self.session.access.install()
        install_readers(self.session.access.note)
        self.session.front_ends.install()
        self.hooks = _Hooks(shell, self.session)
        self.shadowed = release_alias(shell)
        shell.events.register("pre_run_cell", self.hooks.pre_run_cell)
        shell.events.register("post_run_cell", self.hooks.post_run_cell)
        shell.register_magic_function(self.magic, "line", "mv")
        bare_usage_errors(shell)

    def stop(self) -> None:
        self.shell.events.unregister("pre_run_cell", self.hooks.pre_run_cell)
        self.shell.events.unregister("post_run_cell", self.hooks.post_run_cell)
        self.session.access.active = False
        self.session.front_ends.uninstall()
        self.relay.stop()
        from .readers import uninstall

        uninstall()

    # -- %mv ---------------------------------------------------------------------------------------

    def magic(self, line: str) -> Any:
        """%mv VERB ...: snapshot, metric, param, save, load, log, show, diff, models, report, env,
        tag, alias (relayed to the Jupyter server; jupyter-mv is not installed in this kernel's
        environment)."""
        try:
            argv = shlex.split(line)
        except ValueError as exc:
            return _fail("", f"cannot read the arguments: {exc}")
        verb = argv[0] if argv else "help"
        try:
            with self.session.access.paused():
                if verb in ("metric", "param"):
                    return self._values(verb, line.strip()[len(verb) :])
                if verb == "help" or verb in ("-h", "--help"):
                    print(self.magic.__doc__)
                    return None
                if verb not in VERBS:
                    raise MVError(
                        f"this kernel's environment lacks jupyter-mv, and its server relays {', '.join(VERBS[:-2])} "
                        f"only: install jupyter-mv there (`{sys.executable} -m pip install jupyter-mv`) for %mv {verb}"
                    )
                if verb in TEXT_VERBS:
                    return self._do_text(argv)
                return getattr(self, f"_do_{verb}")(argv[1:])
        except MVError as exc:
            return _fail(verb, exc.message)
        except KeyboardInterrupt:
            return _fail(verb, "interrupted")

    def _do_snapshot(self, argv: list[str]) -> None:
        message, files = _options(argv, {"-m": "message", "--message": "message"}, "snapshot")
        answer = self.session.snapshot(str(message.get("message", "")), files)
        version = answer.get("version") or {}
        roles: dict[str, int] = {}
        for f in version.get("files", []):
            roles[f["role"]] = roles.get(f["role"], 0) + 1
        held = ", ".join(f"{n} {r}{'s' if n != 1 else ''}" for r, n in roles.items() if r != "notebook")
        print(
            f"{version.get('name', '')} {str(version.get('id', ''))[:8]}  {version.get('notebook', '')}"
            + (f"  {held}" if held else "")
            + (f"  {version['message']}" if version.get("message") else "")
        )

    def _do_save(self, argv: list[str]) -> None:
        options, rest = _options(argv, {"--name": "name", "--alias": "alias"}, "save")
        if len(rest) != 1 or not options.get("name"):
            raise InvalidInput("usage: %mv save OBJ --name NAME [--alias ALIAS]")
        try:
            obj = self.shell.ev(rest[0])
        except Exception as exc:  # noqa: BLE001 - one line
            raise InvalidInput(f"cannot find {rest[0]} in the notebook: {type(exc).__name__}: {exc}") from None
        answer = self.session.send_model(obj, str(options["name"]), alias=options.get("alias"))
        aliases = answer.get("aliases") or []
        print(
            f"saved {answer['label']} ({answer.get('flavor', 'pickle')}, {human_size(int(answer.get('size', 0)))}), "
            "linked to the next snapshot (`%mv snapshot`)" + (f" @{', @'.join(aliases)}" if aliases else "")
        )

    def _do_load(self, argv: list[str]) -> Any:
        if len(argv) != 1:
            raise InvalidInput("usage: %mv load MODEL (churn, churn:3, churn@production)")
        obj, answer = self.session.fetch_model(argv[0])
        print(f"loaded {answer['label']} ({answer.get('flavor')})", file=sys.stderr)
        return obj

    def _do_text(self, argv: list[str]) -> None:
        """A verb the server runs for this notebook; its output as the command line prints it."""
        notebook = self.session.notebook_path(required=False)
        answer, _blob = self.relay.ask("run", {"argv": argv, "notebook": str(notebook or "")})
        if answer.get("stdout"):
            sys.stdout.write(str(answer["stdout"]))
        lines = [
            line.replace("jupyter mv ", "%mv ", 1) if line.startswith("jupyter mv ") else line
            for line in str(answer.get("stderr") or "").splitlines()
        ]
        # An error (the command line's last line, `... error: MESSAGE`) fails the cell, as in an
        # installed kernel; a verb's own verdict (`env --check` finding differences) does not.
        failed = answer.get("code", 0) != 0 and bool(lines) and "error: " in lines[-1]
        for line in lines[:-1] if failed else lines:
            print(line, file=sys.stderr)
        if failed:
            _fail(argv[0], lines[-1].partition("error: ")[2])

    def _do_notebook(self, argv: list[str]) -> None:
        if argv:
            self.session.set_notebook(argv[0])
        nb = self.session.notebook_path(required=False)
        print(f"notebook: {nb}" if nb else "notebook: unknown (tell it with `%mv notebook PATH`)")

    def _values(self, verb: str, text: str) -> None:
        pairs, step = parse_assignments(text, verb)
        if pairs:
            values, errors = evaluate(pairs, getattr(self.shell, "user_ns", None) or {}, verb)
            if errors:
                fail_all(verb, errors)
            if verb == "metric":
                self.session.log_metrics(values, step=step)
            else:
                self.session.log_params(values)
        values = self.session.pending.metrics if verb == "metric" else self.session.pending.params
        shown = ", ".join(f"{k}={v:.6g}" if isinstance(v, float) else f"{k}={v}" for k, v in values.items())
        steps = self.session.pending.steps if verb == "metric" else {}
        curves = "".join(f"  {k}: {len(v)} steps" for k, v in steps.items())
        print(f"{verb}s for the next version: " + (shown or "none yet") + curves)
        return None


def _options(argv: list[str], names: dict[str, str], verb: str) -> tuple[dict[str, str], list[str]]:
    options: dict[str, str] = {}
    rest: list[str] = []
    i = 0
    while i < len(argv):
        word = argv[i]
        key, _, value = word.partition("=")
        if key in names:
            if not value:
                if i + 1 >= len(argv):
                    raise InvalidInput(f"{key} needs a value")
                value, i = argv[i + 1], i + 1
            options[names[key]] = value
        elif word.startswith("-"):
            raise InvalidInput(f"unknown option {word} (relayed to the server: {', '.join(names)})")
        else:
            rest.append(word)
        i += 1
    return options, rest


# -- what the loader and the server's probe call ---------------------------------------------------


def start(version: str, settings: dict[str, Any]) -> dict[str, Any]:
    """Start the agent in this kernel (the loader calls this once per version)."""
    global VERSION, _agent
    from IPython import get_ipython

    VERSION = version
    shell = get_ipython()
    if shell is None:
        return {"error": "not an IPython kernel", "python": sys.executable}
    _agent = Agent(shell, settings)
    return status()


def stop() -> None:
    """Undo :func:`start` (a newer agent replaces this one)."""
    global _agent
    if _agent is not None:
        _agent.stop()
        _agent = None


def status() -> dict[str, Any]:
    return {"agent": VERSION, "python": sys.executable, "running": _agent is not None}


def capture_report(notebook: str) -> str:
    """What the server's probe asks (as :func:`jupyter_mv.kernel.capture_report` answers)."""
    import json

    if _agent is None:
        return json.dumps({"python": sys.executable, "loaded": False, "installed": False})
    answer = _agent.session.capture_report(notebook)
    answer["agent"] = VERSION
    return json.dumps(answer, default=str)
