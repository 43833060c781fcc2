"""``%mv`` is jupyter-mv's wherever jupyter-mv is installed.

jupyter-mv installs two IPython configuration files into the environment
(``etc/ipython/ipython_kernel_config.json`` for kernels, ``etc/ipython/ipython_config.json``
for every IPython, the terminal included), each listing this module in
``InteractiveShellApp.extra_extensions``. So every IPython of the environment runs
:func:`load_ipython_extension` at start, whatever started it (JupyterLab, nbclient,
nbconvert, papermill, VS Code, a terminal):

- in a kernel, it loads the extension (``%mv``, capture) unless ``JUPYTER_MV_AUTOLOAD``
  is ``0`` (a Jupyter server with ``c.JupyterMV.autoload = False`` sets that for the
  kernels it starts). Loading imports the kernel side only; the store and its
  dependencies come with the first ``%mv`` that needs them.
- otherwise (switched off, or a terminal IPython), it puts a guard in front of IPython's
  ``%mv`` shell alias: ``%mv VERB ...`` with one of jupyter-mv's verbs fails in one line
  saying how to load jupyter-mv, instead of running the shell's ``mv`` on the arguments
  (``%mv restore v1`` would rename a file called ``restore``). ``%mv`` with other
  arguments still moves files, as the alias did.
"""

from __future__ import annotations

import os
from typing import Any

__all__ = ["AUTOLOAD_ENV", "autoload_enabled", "load_ipython_extension", "GUARD_MESSAGE"]

#: ``0`` (or ``off``, ``false``, ``no``) in a kernel's environment: do not load jupyter-mv
#: when the kernel starts. Unset or anything else: load it.
AUTOLOAD_ENV = "JUPYTER_MV_AUTOLOAD"
_OFF = ("0", "off", "false", "no")

#: What ``%mv VERB`` says where jupyter-mv is not loaded.
GUARD_MESSAGE = "jupyter-mv is not loaded in this session: run `%load_ext jupyter_mv`, then `%mv {verb}` again"


def autoload_enabled(environ: Any = os.environ) -> bool:
    """Kernels load jupyter-mv at start (``JUPYTER_MV_AUTOLOAD`` is not ``0``)."""
    return str(environ.get(AUTOLOAD_ENV, "")).strip().lower() not in _OFF


def _in_kernel(ipython: Any) -> bool:
    return getattr(ipython, "kernel", None) is not None


def load_ipython_extension(ipython: Any) -> None:
    if _in_kernel(ipython) and autoload_enabled():
        try:
            ipython.extension_manager.load_extension("jupyter_mv")
            return
        except Exception as exc:  # a broken install must not stop the kernel, nor free `%mv` for the shell
            import sys

            print(f"jupyter-mv: could not load ({type(exc).__name__}: {exc})", file=sys.stderr)
    install_guard(ipython)


def _our_verbs() -> set[str]:
    """Every verb ``%mv`` knows (read from its parser when a ``%mv`` line needs it)."""
    import argparse

    from .magics import VALUE_VERBS, build_parser

    parser = build_parser()
    verbs = {"help", "-h", "--help", *VALUE_VERBS}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            verbs.update(action.choices)
    return verbs


def release_alias(ipython: Any) -> Any:
    """Take ``mv`` out of IPython's alias table, so that no later reset of the aliases
    (``%reset``, the shell's exit) puts the shell's ``mv`` back over ``%mv``; the line
    magic ``%mv`` was until now (the alias, or None)."""
    manager = getattr(ipython, "alias_manager", None)
    if manager is not None:
        for table in ("default_aliases", "user_aliases"):
            entries = getattr(manager, table, None)
            if isinstance(entries, list) and any(entry[0] == "mv" for entry in entries):
                setattr(manager, table, [entry for entry in entries if entry[0] != "mv"])
    return ipython.magics_manager.magics["line"].get("mv")


def install_guard(ipython: Any) -> None:
    """Register the guard ``%mv``: jupyter-mv's verbs answer how to load it; other
    arguments go to the shell alias ``%mv`` had (when there was one)."""
    shadowed = release_alias(ipython)
    if getattr(shadowed, "_jupyter_mv_guard", False):
        return

    def mv(line: str) -> Any:
        from IPython.core.error import UsageError

        words = line.split()
        verb = words[0] if words else "help"
        try:
            ours = verb in _our_verbs()
        except Exception:  # jupyter-mv cannot be imported: which verbs are ours is unknown, so all are
            ours = True
        if ours or shadowed is None:
            raise UsageError(GUARD_MESSAGE.format(verb=verb))
        return shadowed(line)

    mv._jupyter_mv_guard = True  # type: ignore[attr-defined]
    mv.__doc__ = "jupyter-mv's %mv once loaded (`%load_ext jupyter_mv`); until then `%mv SRC DST` moves files."
    ipython.register_magic_function(mv, "line", "mv")
