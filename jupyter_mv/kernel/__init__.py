"""The kernel side: ``%load_ext jupyter_mv`` (or auto-loaded by a Jupyter server).

Loading installs the file-access audit hook, the per-cell execution record and the
``%mv`` magic, all over one :class:`~jupyter_mv.kernel.session.KernelSession`.
This module imports IPython only when the extension is loaded.
"""

from __future__ import annotations

from typing import Any

__all__ = ["load_ipython_extension", "unload_ipython_extension", "capture_report"]

_loaded: dict[int, Any] = {}


class _Hooks:
    """IPython's ``pre_run_cell`` / ``post_run_cell`` events, feeding the session."""

    def __init__(self, shell: Any, session: Any) -> None:
        self.shell = shell
        self.session = session
        # IPython 9 counts the cell before ``pre_run_cell``, IPython 8 after: the first
        # ``post_run_cell`` (which has the true count) tells which, once.
        self.offset: int | None = None
        self._guess: int | None = None
        self.shadowed: Any = None

    def pre_run_cell(self, info: Any) -> None:
        if getattr(info, "silent", False):
            return
        count = None
        if getattr(info, "store_history", True):
            count = self._guess = self.shell.execution_count + (self.offset or 0)
        self.session.cell_started(info.raw_cell or "", count, getattr(info, "cell_id", None))

    def post_run_cell(self, result: Any) -> None:
        if getattr(result.info, "silent", False):
            return
        actual = getattr(result, "execution_count", None)
        if self.offset is None and isinstance(actual, int) and self._guess is not None:
            self.offset = actual - self._guess
            if actual != self._guess:
                self.session.recount(self._guess, actual)
        self.session.cell_finished(bool(result.success))


def load_ipython_extension(ipython: Any) -> None:
    """Start capturing and register ``%mv`` (a second load does nothing)."""
    if id(ipython) in _loaded:
        return
    import atexit

    from .autoload import release_alias
    from .magics import MVMagics
    from .session import KernelSession, _set_current

    session = KernelSession(ipython)
    session.access.install()
    from . import readers

    readers.install(session.access.note)
    session.front_ends.install()
    hooks = _Hooks(ipython, session)
    # IPython defines `%mv` as a shell alias for the mv command; keep it to give back.
    hooks.shadowed = release_alias(ipython)
    ipython.events.register("pre_run_cell", hooks.pre_run_cell)
    ipython.events.register("post_run_cell", hooks.post_run_cell)
    ipython.register_magics(MVMagics(ipython, session))
    _set_current(session)
    atexit.register(session.close)
    _loaded[id(ipython)] = (session, hooks)


def capture_report(notebook: str) -> str:
    """The loaded session's :meth:`~jupyter_mv.kernel.session.KernelSession.capture_report`
    of ``notebook``, as JSON: what the server's kernel probe calls by name. A kernel
    without the extension loaded tells its interpreter only (``loaded`` false)."""
    import json
    import sys

    entry = next(iter(_loaded.values()), None)
    if entry is None:
        return json.dumps({"python": sys.executable, "loaded": False})
    return json.dumps(entry[0].capture_report(notebook), default=str)


def unload_ipython_extension(ipython: Any) -> None:
    """Stop capturing (the audit hook stays, switched off) and remove ``%mv``."""
    entry = _loaded.pop(id(ipython), None)
    if entry is None:
        return
    from .session import _set_current

    session, hooks = entry
    ipython.events.unregister("pre_run_cell", hooks.pre_run_cell)
    ipython.events.unregister("post_run_cell", hooks.post_run_cell)
    line_magics = ipython.magics_manager.magics["line"]
    line_magics.pop("mv", None)
    if hooks.shadowed is not None:
        line_magics["mv"] = hooks.shadowed
    session.access.active = False
    from . import readers

    readers.uninstall()
    session.front_ends.uninstall()
    session.close()
    _set_current(None)
