"""What one kernel knows and jupyter-mv keeps: its notebook, the files its cells read
and wrote, the cells it ran, its metrics and params, and the models it saved.

:class:`KernelSession` is the kernel side's one object. The ``%mv`` magic, the
ipywidgets panel and the Python API (``import jupyter_mv as mv``) all call its
methods, and it calls the core (:class:`~jupyter_mv.store.Store`, the model
registry). It imports nothing from IPython: in a plain Python process it works the
same, without the per-cell record.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Literal, overload

from ..errors import InvalidInput, MVError, NotFound, StoreNotFound
from ..locate import created_message, find_store_dir, is_store, no_store_message
from ..units import human_size as _format_size
from ..units import parse_size
from .access import SKIP_PARTS, FileAccess, IgnoreRules, literal_paths
from .execution import ExecutionRecord
from .frontend import FrontEnds
from .imports import imported_modules, loaded_top_level, referenced_top_level
from .models import ModelLinks
from .notebook_file import read_notebook_json
from .tracking import Pending

if TYPE_CHECKING:
    from ..store import Store, Version
    from ..store.registry import ModelVersion

__all__ = ["KernelSession", "current", "DEFAULT_MAX_FILE_SIZE", "parse_size"]


#: Files larger than this are recorded by hash only (``JUPYTER_MV_MAX_FILE_SIZE``).
DEFAULT_MAX_FILE_SIZE = 2 * 1024**3
_current: KernelSession | None = None
#: Top-level modules that importing the store alone brought in (sqlite-utils imports
#: pandas and numpy when they are installed): not the notebook's imports.
_core_modules: frozenset[str] = frozenset()


def core() -> ModuleType:
    """:mod:`jupyter_mv.store`, imported on first use, noting what that import loaded.

    Loading the kernel side stays light (a kernel starts fast), and the modules the
    store's own dependencies bring in are not mistaken for the notebook's.
    """
    global _core_modules
    if "jupyter_mv.store.registry" not in sys.modules or "jupyter_mv.remote" not in sys.modules:
        before = loaded_top_level()
        import jupyter_mv.remote  # noqa: F401  (registers the fetch of packs a lazy pull left on a remote)
        import jupyter_mv.store.registry  # noqa: F401

        _core_modules = loaded_top_level() - before
    from .. import store

    return store


def current() -> KernelSession:
    """The process's session: the one the IPython extension made, else a new one."""
    global _current
    if _current is None:
        _current = KernelSession()
    return _current


def _set_current(session: KernelSession | None) -> None:
    global _current
    _current = session


class KernelSession:
    """The kernel's state and every operation the kernel-side faces offer.

    :param shell: the IPython shell, when running in one (for the notebook it knows,
        the current execution count and the user namespace).
    :param cwd: the folder to start from (default: the current one).
    """

    def __init__(self, shell: Any = None, *, cwd: str | os.PathLike[str] | None = None) -> None:
        self.shell = shell
        self.cwd = Path(cwd or os.getcwd()).absolute()
        self._store: Store | None = None
        store_dir = find_store_dir(self.cwd)  # without importing the store: a kernel starts fast
        self.root = self._root_of(store_dir) if store_dir else self.cwd
        self.access = FileAccess(self.root, store_dir)
        self.ignore = IgnoreRules(self.root)
        self.record = ExecutionRecord()
        self.named: dict[str, list[int | None]] = {}
        self.pending = Pending()
        self.links = ModelLinks()
        self.tracked: list[str] = []
        self.untracked: set[str] = set()
        self._tracking_loaded = False
        self.notebook_override: Path | None = None
        self.max_file_size = parse_size(os.environ.get("JUPYTER_MV_MAX_FILE_SIZE", DEFAULT_MAX_FILE_SIZE))
        self.last_version: Version | None = None
        self._last_version_at = 0.0
        self.messages: list[str] = []
        self.front_ends = FrontEnds(shell)
        # What the kernel itself loaded: trusted only while no cell but this one ran
        # (``In`` holds "" and the running cell; IPython's counters differ by version).
        inputs = (getattr(shell, "user_ns", None) or {}).get("In", ())
        fresh = shell is not None and len(inputs) <= 2
        self.kernel_modules = loaded_top_level() if fresh else frozenset()

    # -- the store and the notebook --------------------------------------------------------------

    def _root_of(self, store_dir: Path) -> Path:
        """The project root of the store (its ``meta.root``); the current folder when the
        store cannot be read now (the error comes, in one line, at first use)."""
        if store_dir.parent == self.cwd or not os.environ.get("JUPYTER_MV_STORE"):
            return store_dir.parent
        try:
            with core().Store(store_dir) as store:
                return Path(store.root)
        except MVError:
            return self.cwd

    @property
    def store(self) -> Store:
        """The project's store (opened on first use). :raises StoreNotFound: none yet."""
        if self._store is None:
            start = self.notebook_path(required=False) or self.cwd
            try:
                self._store = core().Store.open(start)
            except StoreNotFound:
                raise StoreNotFound(no_store_message(start.parent if start.is_file() else start)) from None
            self._adopt_root(self._store)
        return self._store

    def _store_to_write(self, start: Path | None) -> Store:
        """The project's store, created where the design puts it when there is none yet:
        the first snapshot or model save needs no ``init`` (it says where it put it)."""
        if self._store is None and start is not None and not is_store(find_store_dir(start)):
            self._store = core().Store.open(start, create=True)
            self._adopt_root(self._store)
            print(created_message(self._store.dir), file=sys.stderr)
        return self.store

    def init(self, directory: str | os.PathLike[str] | None = None) -> Store:
        """Create (or open) the store in ``directory`` (default: the notebook's folder)."""
        nb = self.notebook_path(required=False)
        target = Path(directory) if directory else (nb.parent if nb else self.cwd)
        with self.access.paused():
            store = core().Store.init(target)
        if self._store is not None:
            self._store.close()
        self._store = store
        self._adopt_root(store)
        return store

    def _adopt_root(self, store: Store) -> None:
        if Path(store.root) != self.root:
            self.root = Path(store.root)
            self.ignore = IgnoreRules(self.root)
        self.access.set_root(self.root, store.dir)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def set_notebook(self, path: str | os.PathLike[str] | None) -> Path | None:
        """Tell the kernel which notebook it runs (the server or the user does), or
        forget it (None)."""
        if path is None:
            self.notebook_override = None
            return None
        candidate = Path(os.path.expanduser(os.fspath(path)))
        candidate = candidate if candidate.is_absolute() else Path(os.getcwd()) / candidate
        if not candidate.is_file():
            raise NotFound(f"no such notebook: {path}")
        if candidate.suffix != ".ipynb":
            raise InvalidInput(f"{path} is not a notebook (.ipynb)")
        self.notebook_override = candidate
        return candidate

    @overload
    def notebook_path(self, *, required: Literal[True] = ...) -> Path: ...

    @overload
    def notebook_path(self, *, required: bool) -> Path | None: ...

    def notebook_path(self, *, required: bool = True) -> Path | None:
        """The notebook this kernel runs: set by :meth:`set_notebook`, else VS Code's
        ``__vsc_ipynb_file__``, else ``JPY_SESSION_NAME`` (set by Jupyter Server), else
        the notebook the attached front ends show.

        :raises InvalidInput: ``required`` and it is not known.
        """
        if self.notebook_override is not None:
            return self.notebook_override
        ns = getattr(self.shell, "user_ns", None) or {}
        for raw in (
            ns.get("__vsc_ipynb_file__"),
            os.environ.get("JPY_SESSION_NAME"),
            ns.get("__session__"),
            self.front_ends.notebook(),
        ):
            found = self._existing_notebook(raw)
            if found is not None:
                return found
        if required:
            raise InvalidInput("this kernel does not know its notebook; tell it with `%mv notebook PATH`")
        return None

    def _existing_notebook(self, raw: Any) -> Path | None:
        if not isinstance(raw, str) or not raw.endswith(".ipynb"):
            return None
        path = Path(raw)
        candidates = [path] if path.is_absolute() else [self.cwd / path, self.cwd / path.name, self.root / path]
        return next((c for c in candidates if c.is_file()), None)

    # -- cells ------------------------------------------------------------------------------------

    def cell_started(self, code: str, count: int | None, cell_id: str | None = None) -> None:
        """Called before a cell runs (IPython's ``pre_run_cell``)."""
        self.access.flush()  # what was opened between cells belongs to the last one
        self.access.count = count
        self.record.start(code, count, cell_id)
        if not self.access.active:  # `%mv config capture=off`: the run order is still kept
            return
        try:
            for rel in literal_paths(code, self.access):
                counts = self.named.setdefault(rel, [])
                if count not in counts:
                    counts.append(count)
        except OSError:  # a vanished folder; the literals are a hint, never an error
            pass

    def recount(self, guessed: int, actual: int) -> None:
        """The running cell's execution count is ``actual``, not ``guessed``."""
        self.access.recount(guessed, actual)
        for counts in self.named.values():
            if counts and counts[-1] == guessed:
                counts[-1] = actual
        if self.record.current is not None:
            self.record.current.count = actual

    def cell_finished(self, ok: bool) -> None:
        """Called after a cell ran (IPython's ``post_run_cell``)."""
        self.access.flush()
        self.record.finish(ok)

    def _count(self) -> int | None:
        return getattr(self.shell, "execution_count", None) if self.shell is not None else None

    # -- metrics, params, tracking ----------------------------------------------------------------

    @property
    def metrics(self) -> dict[str, Any]:
        """The metrics logged for the next version."""
        self.settle()
        return self.pending.metrics

    @property
    def params(self) -> dict[str, Any]:
        """The params logged for the next version."""
        self.settle()
        return self.pending.params

    def log_metrics(self, values: dict[str, Any], *, step: int | None = None) -> dict[str, Any]:
        """Metrics (numbers) for the next version; with ``step``, a point of each metric's
        curve too. All pending metrics. :raises InvalidInput: a value is not a number."""
        self.settle()
        self.pending.log_metrics(values, step=step, count=self.access.count)
        return dict(self.pending.metrics)

    def log_params(self, values: dict[str, Any]) -> dict[str, Any]:
        """Params (JSON values) for the next version; all pending params."""
        self.settle()
        self.pending.log_params(values, count=self.access.count)
        return dict(self.pending.params)

    def settle(self) -> None:
        """Forget what a version stored since (from the sidebar or a terminal) already
        holds, and link the models waiting for it."""
        nb = self.notebook_path(required=False)
        if nb is None or self._store is None:
            return
        since = min([*self.pending.logged_at.values(), *(w.saved_at for w in self.links.waiting)], default=None)
        if since is None:
            return
        try:
            newer = [v for v in self._store.log(nb, limit=20, kinds=["full"]) if v.created >= since]
        except (InvalidInput, NotFound):
            return
        if newer:
            self.links.settle(self._store, newer)
            self.pending.settle(newer[0].created)

    def _load_tracking(self) -> None:
        """Tracked and untracked paths carry over from the notebook's latest version."""
        if self._tracking_loaded:
            return
        self._tracking_loaded = True
        nb = self.notebook_path(required=False)
        if nb is None or self._store is None:
            return
        try:
            latest = self._store.log(nb, limit=1, kinds=["full"])
        except (InvalidInput, NotFound):
            return
        kernel = latest[0].extra.get("kernel", {}) if latest else {}
        for rel in kernel.get("tracked", []):
            if rel not in self.tracked:
                self.tracked.append(rel)
        self.untracked.update(kernel.get("untracked", []))

    def track(self, paths: Iterable[str | os.PathLike[str]]) -> list[str]:
        """Hold these files or folders in every snapshot (role ``tracked``)."""
        self._load_tracking()
        added = []
        for path in paths:
            rel = self.store.relpath(path)
            self.untracked.discard(rel)
            if rel not in self.tracked:
                self.tracked.append(rel)
            added.append(rel)
        return added

    def untrack(self, paths: Iterable[str | os.PathLike[str]]) -> list[str]:
        """Leave these files out of snapshots, even when the code read or wrote them."""
        self._load_tracking()
        removed = []
        for path in paths:
            rel = self.store.relpath(path, must_exist=False)
            if rel in self.tracked:
                self.tracked.remove(rel)
            self.untracked.add(rel)
            removed.append(rel)
        return removed

    # -- snapshot ---------------------------------------------------------------------------------

    def warn(self, message: str) -> None:
        self.messages.append(message)
        print(f"jupyter-mv: {message}", file=sys.stderr)

    def plan(self) -> dict[str, Any]:
        """What a snapshot would hold besides the notebook: ``inputs``, ``outputs``,
        ``tracked`` and ``hash_only`` paths (relative to the root), and ``too_large``."""
        store = self.store
        self._load_tracking()
        self.access.flush()
        nb = self.notebook_path()
        nb_rel = store.relpath(nb)
        skip = self.untracked | {nb_rel}

        def keep(rel: str) -> bool:
            return rel not in skip and not self.ignore.ignored(rel) and (store.root / rel).is_file()

        outputs = [r for r in sorted(self.access.writes) if keep(r)]
        read = set(self.access.reads) | set(self.named) | set(self._notebook_literals(nb))
        inputs = [r for r in sorted(read) if r not in self.access.writes and keep(r)]
        tracked = [r for r in self._expand_tracked() if r not in skip]
        sizes = {r: (store.root / r).stat().st_size for r in {*outputs, *inputs, *tracked}}
        too_large = {r: s for r, s in sizes.items() if s > self.max_file_size}
        return {
            "notebook": nb_rel,
            "inputs": inputs,
            "outputs": outputs,
            "tracked": tracked,
            "hash_only": sorted(too_large),
            "sizes": sizes,
            "too_large": too_large,
        }

    def _notebook_literals(self, nb: Path) -> list[str]:
        data = read_notebook_json(nb)
        found: list[str] = []
        for cell in (data or {}).get("cells", []):
            if isinstance(cell, dict) and cell.get("cell_type") == "code":
                source = cell.get("source", "")
                source = "".join(source) if isinstance(source, list) else str(source)
                found += literal_paths(source, self.access, str(nb.parent))
        return found

    def _expand_tracked(self) -> list[str]:
        out: list[str] = []
        for rel in self.tracked:
            path = self.store.root / rel
            if path.is_file():
                out.append(rel)
            elif path.is_dir():
                for folder, dirs, names in os.walk(path):
                    dirs[:] = sorted(d for d in dirs if d not in SKIP_PARTS)
                    base = Path(folder).relative_to(self.store.root)
                    out += [(base / n).as_posix() for n in sorted(names)]
            else:
                self.warn(f"{rel} is tracked but no longer exists; `%mv untrack {rel}` to stop")
        return [r for r in out if not self.ignore.ignored(r) or r in self.tracked]

    def snapshot(
        self,
        message: str = "",
        files: Iterable[str | os.PathLike[str]] = (),
        *,
        metrics: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        inputs: Iterable[str] = (),
        outputs: Iterable[str] = (),
        environment: bool = True,
        kind: str = "full",
    ) -> Version:
        """Store a version of this kernel's notebook with the files its cells read and
        wrote, the tracked files, this interpreter's environment and the modules
        imported, the metrics and params logged, and the execution record.

        When a front end that can save (JupyterLab with jupyter-mv) is attached, it saves
        the notebook first, so the version holds what the user sees; otherwise the
        notebook as last saved."""
        with self.access.paused():  # what jupyter-mv itself reads is not the work's input
            return self._snapshot(
                message,
                files,
                metrics=metrics,
                params=params,
                inputs=inputs,
                outputs=outputs,
                environment=environment,
                kind=kind,
            )

    def _snapshot(
        self,
        message: str,
        files: Iterable[str | os.PathLike[str]],
        *,
        metrics: dict[str, Any] | None,
        params: dict[str, Any] | None,
        inputs: Iterable[str],
        outputs: Iterable[str],
        environment: bool,
        kind: str,
    ) -> Version:
        nb = self.notebook_path()
        store = self._store_to_write(nb)
        saved = self.front_ends.save(nb)
        if saved is None:
            self._check_saved(nb)
        elif not saved:
            why = (
                f"did not save {nb.name} within {self.front_ends.save_timeout:g} s"
                if self.front_ends.waited
                else f"did not answer the last request to save, so {nb.name} was not waited for"
            )
            self.warn(f"the front end {why}: the version holds the notebook as last saved")
        notebook_json = read_notebook_json(nb)
        plan = self.plan()
        for rel, size in sorted(plan["too_large"].items()):
            self.warn(
                f"{rel} is {_format_size(size)}, over the {_format_size(self.max_file_size)} limit: "
                "recorded by hash only, it cannot be restored "
                "(raise the limit with `%mv config max_file_size=...`)"
            )
        self.settle()
        if metrics:
            self.log_metrics(metrics)
        if params:
            self.log_params(params)
        analysis = self.record.analyze(notebook_json)
        if analysis["out_of_order"]:
            self.warn(
                "the cells ran out of order; the version records it (re-run the notebook top to bottom "
                "for a version that reproduces)"
            )
        extra = {"kernel": self._kernel_record(plan, analysis)}
        from ..capture.environment import loaded_warnings

        for line in loaded_warnings(extra):
            self.warn(line)
        version = store.snapshot(
            nb,
            [*plan["tracked"], *files],
            message=message,
            metrics=dict(self.pending.metrics),
            params=dict(self.pending.params),
            inputs=[*plan["inputs"], *inputs],
            outputs=[*plan["outputs"], *outputs],
            hash_only=plan["hash_only"],
            environment="auto" if environment else None,
            git="auto",
            extra=extra,
            kind=kind,
        )
        self.last_version = version
        self._last_version_at = time.time()
        self.pending.clear()  # they belong to this version only
        self.links.link_all(store, version)
        self.front_ends.refresh()
        return version

    def _kernel_record(self, plan: dict[str, Any], analysis: dict[str, Any]) -> dict[str, Any]:
        """The version's ``extra["kernel"]``: how the cells ran (``analysis``), when each
        file of the ``plan`` was read, written or named, the modules imported, the
        tracking, where metrics and params were logged, and this interpreter."""
        listed = {*plan["inputs"], *plan["outputs"], *plan["tracked"]}
        return {
            "execution": analysis,
            "files": {
                rel: {
                    k: v
                    for k, v in (
                        ("read", self.access.counts(rel, written=False)),
                        ("written", self.access.counts(rel, written=True)),
                        ("named", self.named.get(rel)),
                    )
                    if v
                }
                for rel in sorted(listed)
            },
            "imports": imported_modules(self.store.root, before=self.kernel_modules | self._core_only()),
            "tracked": list(self.tracked),
            "untracked": sorted(self.untracked),
            **self.pending.record(),
            "max_file_size": self.max_file_size,
            "python": sys.executable,
        }

    def capture_report(self, notebook: str | os.PathLike[str]) -> dict[str, Any]:
        """What this kernel knows of ``notebook`` (its absolute path), for a snapshot taken
        outside it (the server's, which asks through :func:`jupyter_mv.kernel.capture_report`):
        ``python``, ``loaded``, ``root``, the ``plan`` (inputs, outputs, tracked, hash_only),
        ``too_large``, ``metrics``, ``params`` and ``kernel`` (the record a snapshot keeps),
        or ``error`` when it cannot tell."""
        answer: dict[str, Any] = {"python": sys.executable, "loaded": True}
        try:
            with self.access.paused():
                if self.notebook_path(required=False) != Path(notebook):
                    self.set_notebook(notebook)
                plan = self.plan()
                analysis = self.record.analyze(read_notebook_json(self.notebook_path()))
                answer.update(
                    root=str(self.store.root),
                    plan={k: plan[k] for k in ("inputs", "outputs", "tracked", "hash_only")},
                    too_large=plan["too_large"],
                    metrics=dict(self.metrics),
                    params=dict(self.params),
                    kernel=self._kernel_record(plan, analysis),
                )
        except Exception as exc:  # noqa: BLE001 - the answer says why, in one line
            answer["error"] = f"{type(exc).__name__}: {exc}"
        return answer

    def _core_only(self) -> frozenset[str]:
        """Modules only jupyter-mv's own imports loaded: none the notebook's names refer to."""
        ns = getattr(self.shell, "user_ns", None)
        return _core_modules - referenced_top_level(ns) if ns is not None else _core_modules

    @property
    def registry(self) -> ModuleType:
        """:mod:`jupyter_mv.store.registry`, the model registry."""
        return core().registry

    def _check_saved(self, nb: Path) -> None:
        last = self.record.last_work_ended()
        if last is not None and nb.stat().st_mtime < last:
            when = time.strftime("%H:%M:%S", time.localtime(last))
            self.warn(
                f"{nb.name} on disk is older than the last cell run (at {when}): the version holds the "
                "notebook as last saved; save it first to include the latest outputs"
            )

    # -- models -----------------------------------------------------------------------------------

    def save_model(
        self,
        obj: Any,
        name: str,
        *,
        alias: str | None = None,
        flavor: str | None = None,
        metrics: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        snapshot: bool = False,
        link: bool = True,
    ) -> ModelVersion:
        """Save ``obj`` as the next version of model ``name``, linked to the notebook
        version that holds the cells that made it: the last one when no cell ran since,
        else the next one stored (:mod:`.models`).

        :param snapshot: store that version now (as :meth:`snapshot` does, saving first).
        :param link: False: link it to no notebook version.
        """
        store = self._store_to_write(self.notebook_path(required=False) or self.cwd)
        registry = self.registry
        registry.check_name(name, "model")
        self.settle()
        own_metrics = dict(metrics or {})
        own_params = dict(params or {})
        with self.access.paused():
            model = registry.save_object(
                store,
                name,
                obj,
                flavor=flavor,
                metrics={**self.pending.metrics, **own_metrics},
                params={**self.pending.params, **own_params},
                alias=alias,
            )
        if not link:
            return model
        if self.notebook_path(required=False) is None:
            self.warn(f"{model.label} is not linked to a notebook version: this kernel does not know its notebook")
            return model
        fresh = self.last_version is not None and not self.record.work_since(self._last_version_at)
        if fresh and not snapshot and self.last_version is not None:
            return registry.link_model(store, model.label, self.last_version, metrics=own_metrics, params=own_params)
        self.links.wait(model, own_metrics, own_params)
        if snapshot:
            self.snapshot(message=f"saving model {model.label}")
        return registry.get_model(store, model.label)

    def load_model(self, ref: str) -> tuple[Any, ModelVersion]:
        with self.access.paused():
            return self.registry.load_object(self.store, ref)

    # -- reading ----------------------------------------------------------------------------------

    def scope(self) -> str | None:
        """The notebook (absolute path) that ``vN`` and ``latest`` refer to, if known."""
        nb = self.notebook_path(required=False)
        return str(nb) if nb is not None else None

    def report(self, ref: str | None = None) -> dict[str, Any]:
        """The provenance report (``jupyter-mv-report`` v1) of a model, a file this
        notebook wrote, or a version (default: this notebook's latest)."""
        from ..provenance import build_report

        with self.access.paused():
            return build_report(self.store, ref or "latest", notebook=self.scope())
