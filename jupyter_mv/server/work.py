"""The long work the server does for the sidebar: a snapshot of an open notebook, a
restore, a reproduce, a push and a pull. Each runs in a worker thread as a task (:mod:`.tasks`);
none touches the event loop."""

from __future__ import annotations

import contextvars
import os
import uuid
from pathlib import Path
from typing import Any

from .. import remote as mv_remote
from ..capture.environment import loaded_warnings, notebook_kernel_python
from ..errors import Conflict, InvalidInput, MVError, NotFound
from ..kernel.access import IgnoreRules
from ..progress import Progress, null_progress
from ..units import human_size
from .access import StoreAccess
from .kernels import KernelReport

__all__ = ["snapshot", "restore", "reproduce", "push", "pull", "CAPTURES"]

#: How a snapshot learned what the kernel knows: it answered, it was busy (or did not
#: answer in time), no kernel runs for the notebook, or its kernel side is not loaded.
CAPTURES = ("kernel", "kernel_busy", "no_kernel", "not_loaded")


def snapshot(
    access: StoreAccess,
    api_path: str,
    *,
    message: str = "",
    metrics: dict[str, Any] | None = None,
    files: list[str] | None = None,
    report: KernelReport | None = None,
    capture: str = "no_kernel",
    kernelspecs: Any = None,
    asked: bool = True,
    progress: Progress = null_progress,
) -> dict[str, Any]:
    """Store a version of the notebook ``api_path`` (as saved), with what its kernel
    reported: the files its cells read and wrote, its environment, metrics and params.
    Without a report the environment is the kernelspec's interpreter's. ``metrics`` (checked
    numbers, :func:`jupyter_mv.metrics.literal_metrics`) join those the kernel logged,
    over any of the same name.

    :param asked: the kernel was to be asked (``no_kernel`` then says what is not known).

    The first snapshot of a notebook without a store creates one at the server root.

    :returns: ``{"version": ..., "warnings": [...]}``.
    """
    if capture not in CAPTURES:
        raise ValueError(capture)
    notebook = access.notebook_path(api_path)
    if notebook.suffix != ".ipynb":
        raise InvalidInput(f"{api_path} is not a notebook (.ipynb)")
    if not notebook.is_file():
        raise NotFound(f"no such notebook: {api_path}")
    extra_files = [access.notebook_path(f, "each of files") for f in files or []]
    warnings: list[str] = []
    if capture == "kernel_busy":
        warnings.append(
            "the kernel did not answer in time (busy running a cell?): this version does not "
            "hold the files its cells read and wrote, and its environment is the kernelspec's"
        )
    elif capture == "not_loaded":
        warnings.append(_not_loaded(report))
    elif capture == "no_kernel" and asked:
        warnings.append(
            "no kernel runs this notebook: the files its cells read and wrote are not known; run the "
            "notebook and snapshot again, or name the files to hold"
        )
    with access.open_store(notebook, api_path, create=True) as store:
        if access._key(store, notebook) is None:
            raise InvalidInput(f"{api_path} lies outside the project of its version store")
        inputs: list[Path] = []
        outputs: list[Path] = []
        tracked: list[Path] = []
        hash_only: list[Path] = []
        given = dict(metrics or {})
        metrics = {}
        params: dict[str, Any] = {}
        extra: dict[str, Any] = {"capture": capture}
        python = report.python if report is not None else None
        if report is not None and report.error:
            warnings.append(f"the kernel could not tell which files its cells used: {report.error}")
        elif report is not None and report.loaded and report.root:
            root = Path(report.root)
            ignore = IgnoreRules(root)
            for group, names in (
                (inputs, report.inputs),
                (outputs, report.outputs),
                (tracked, report.tracked),
                (hash_only, report.hash_only),
            ):
                for rel in ignore.filter(names):
                    if access._key(store, root / rel) is None or not access.inside_root(root / rel):
                        warnings.append(f"{rel} lies outside the project; it is not held")
                    else:
                        group.append(root / rel)
            for rel, size in sorted(report.too_large.items()):
                warnings.append(f"{rel} is {human_size(size)}, over the size limit: recorded by hash only")
            metrics, params = dict(report.metrics), report.params
            extra["kernel"] = report.kernel
            warnings += loaded_warnings(extra)
        metrics.update(given)
        environment = None
        with progress("environment", None, ""):
            if python is None:
                python = notebook_kernel_python(notebook, manager=kernelspecs)
            if python is not None:
                try:
                    environment = store.current_environment(python)
                except MVError as exc:
                    warnings.append(f"the environment could not be captured: {exc.message}")
        version = store.snapshot(
            notebook,
            [*tracked, *extra_files],
            message=message,
            environment=environment,
            metrics=metrics,
            params=params,
            inputs=inputs,
            outputs=outputs,
            hash_only=hash_only,
            git="auto",
            extra=extra,
            progress=progress,
        )
    return {"version": version.to_dict(), "warnings": [access.public_message(w) for w in warnings]}


def interpreter_name(python: str | None) -> str:
    """The kernel's interpreter as a message names it: its environment's folder and the
    interpreter in it (``project-env/bin/python``), never the full server path."""
    if not python:
        return "an unknown interpreter"
    path = Path(python)
    return "/".join(path.parts[-3:]) if len(path.parts) > 3 else python


def _not_loaded(report: KernelReport | None) -> str:
    python = report.python if report is not None else None
    where = f"this notebook's kernel ({interpreter_name(python)})"
    if report is not None and report.installed:
        return (
            f"jupyter-mv is installed in {where} but not loaded: the files its cells read and wrote "
            "are not known (run %load_ext jupyter_mv)"
        )
    if report is not None and report.agent:
        return (
            f"{where} lacks jupyter-mv, and ran cells before this server started capturing them: the files "
            "they read and wrote are not known (run the notebook again, then snapshot)"
        )
    return (
        f"{where} lacks jupyter-mv: the files its cells read and wrote are not known; install it there "
        f"(`{interpreter_name(python) if python else 'python'} -m pip install jupyter-mv`), or let the server "
        "capture them (c.JupyterMV.inject_agent = True)"
    )


def restore(
    access: StoreAccess,
    api_path: str,
    ref: str,
    *,
    to: str | None = None,
    files: bool = False,
    progress: Progress = null_progress,
) -> dict[str, Any]:
    """Restore a version of the notebook ``api_path``.

    In place (``to`` None): the notebook (and with ``files`` every file the version
    holds) is written back, after a safety version of what it overwrites. With ``to``,
    the version's notebook is written to that new notebook path, which must not exist.

    :returns: ``{"path", "mode", "version", "written", "unchanged", "safety", "current"}``;
        ``current``: the id of the version the notebook now is (in place: the version
        restored, which the notebook's next version follows), null for a copy.
    """
    notebook = access.notebook_path(api_path)
    with access.open_store(notebook, api_path) as store:
        version = access.version_of(store, notebook, api_path, ref)
        if to is None:
            access.confine(store, version, "a restore in place", None if files else [version.notebook])
            result = store.restore(version, None if files else [version.notebook], progress=progress)
            return {
                "path": api_path,
                "mode": "in_place",
                "version": version.to_dict(),
                "written": list(result.written),
                "unchanged": list(result.unchanged),
                "safety": result.safety.to_dict() if result.safety else None,
                "current": result.current.id if result.current else None,
            }
        target = access.check_new_notebook(to)
        with progress("restore", None, "B"):
            data = store.read_file(version, version.notebook)
        _write_new(target, data, to)
        return {
            "path": to,
            "mode": "copy",
            "version": version.to_dict(),
            "written": [to],
            "unchanged": [],
            "safety": None,
            "current": None,
        }


def _write_new(target: Path, data: bytes, label: str) -> None:
    """Write ``target``, which must not exist, all at once (never half a file)."""
    tmp = target.parent / f".{target.name}.mv-{uuid.uuid4().hex[:8]}.tmp"
    try:
        with open(tmp, "xb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(tmp, target)
        except FileExistsError:
            raise Conflict(f"{label} exists; choose another name") from None
    finally:
        tmp.unlink(missing_ok=True)


def reproduce(
    access: StoreAccess,
    api_path: str,
    ref: str,
    *,
    rtol: float | None = None,
    progress: Progress = null_progress,
) -> dict[str, Any]:
    """Run the notebook version ``ref`` of ``api_path`` again in a fresh kernel and
    compare (:func:`jupyter_mv.provenance.reproduce`): the ``jupyter-mv-reproduce`` result,
    its messages fit for clients (no server paths)."""
    from ..provenance import reproduce as run
    from ..provenance.normalize import Rules

    notebook = access.notebook_path(api_path)
    with access.open_store(notebook, api_path) as store:
        version = access.version_of(store, notebook, api_path, ref)
        access.confine(store, version, "a reproduce")
        rules = Rules() if rtol is None else Rules(rtol=rtol)
        # In a context of its own: the worker thread inherited the server's, whose event
        # loop (remembered in a context variable) nbclient would try to run the kernel on.
        result = contextvars.Context().run(run, store, version.id, rules=rules, progress=progress)
    result["subject"]["ref"] = ref
    public = access.public_message
    for key in ("error", "summary"):
        if result.get(key):
            result[key] = public(result[key])
    if result.get("kernel") and result["kernel"].get("python"):
        result["kernel"]["python"] = public(result["kernel"]["python"])
    if result.get("environment") and result["environment"].get("note"):
        result["environment"]["note"] = public(result["environment"]["note"])
    for item in [*result["warnings"], *result["cells"]]:
        for key in ("message", "reason"):
            if item.get(key):
                item[key] = public(item[key])
    return result


def push(
    access: StoreAccess,
    api_path: str,
    *,
    remote: str | None = None,
    refs: list[str] | None = None,
    force: bool = False,
    progress: Progress = null_progress,
) -> dict[str, Any]:
    """Send to ``remote`` (the default one when None) the versions of the store that holds
    ``api_path``'s versions that it lacks: those ``refs`` name (version ids), or all.

    :returns: ``{"remote", "versions", "packs", "bytes", "skipped"}``.
    :raises Conflict: a tag on the remote names another version, or an alias moved there
        since the last pull (without ``force``).
    """
    notebook = access.notebook_path(api_path)
    with access.open_store(notebook, api_path) as store:
        return mv_remote.push(store, remote, refs or None, force=force, progress=progress)


def pull(
    access: StoreAccess,
    api_path: str,
    *,
    remote: str | None = None,
    notebooks: list[str] | None = None,
    all: bool = False,
    progress: Progress = null_progress,
) -> dict[str, Any]:  # noqa: A002 - the core's name
    """Bring in from ``remote`` (the default one when None) the versions the store that
    holds ``api_path``'s versions lacks: of ``notebooks`` (paths relative to the server
    root), or of every notebook. Lazily (metadata now, bytes when a restore or diff needs
    them), or with ``all`` every byte now.

    :returns: ``{"remote", "versions", "packs", "bytes"}``.
    """
    notebook = access.notebook_path(api_path)
    paths = [str(access.notebook_path(n, "each of notebooks")) for n in notebooks or []]
    with access.open_store(notebook, api_path) as store:
        return mv_remote.pull(store, remote, paths or None, all=all, progress=progress)
