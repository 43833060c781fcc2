"""Builds the kernel agent inside a kernel whose environment lacks jupyter-mv.

The server sends this module's source and the sources of the kernel-side modules the
agent is made of (:data:`jupyter_mv.server.agent.AGENT_MODULES`: standard library and
IPython only) in one silent execution, and calls :func:`load`. The modules become the
package ``_jupyter_mv_agent`` (``_jupyter_mv_agent.kernel.session`` is this package's
``jupyter_mv/kernel/session.py``, unchanged), imported through a finder of their own
on ``sys.meta_path``: nothing is written to disk, nothing is installed.

This module imports nothing at its top: it runs before the package exists.
"""

from __future__ import annotations

from typing import Any

__all__ = ["PACKAGE", "load"]

#: The name the agent's modules have in the kernel.
PACKAGE = "_jupyter_mv_agent"


def load(sources: dict[str, str], version: str, settings: dict[str, Any]) -> str:
    """Start the agent (or keep the one of the same ``version`` already running) and
    say, in JSON, what the kernel now has: ``{"agent": version, "python": ...}``, or
    ``{"installed": true, ...}`` when jupyter-mv itself can be imported (nothing done).

    :param sources: module name relative to the package (``kernel.session``) → source;
        a package's own code under its name (``kernel``).
    """
    import importlib
    import importlib.abc
    import importlib.util
    import json
    import sys

    if importlib.util.find_spec("jupyter_mv") is not None:
        return json.dumps({"installed": True, "python": sys.executable})
    running = sys.modules.get(f"{PACKAGE}.kernel.agent")
    if running is not None and getattr(running, "VERSION", None) == version:
        return json.dumps(running.status())
    if running is not None:
        running.stop()
    for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
        del sys.modules[name]
    sys.meta_path[:] = [f for f in sys.meta_path if getattr(f, "jupyter_mv_agent", None) is None]
    packages = {PACKAGE} | {f"{PACKAGE}.{n}" for n in sources if any(o.startswith(n + ".") for o in sources)}

    class Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
        jupyter_mv_agent = version

        def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
            if fullname != PACKAGE and not fullname.startswith(PACKAGE + "."):
                return None
            return importlib.util.spec_from_loader(fullname, self, is_package=fullname in packages)

        def create_module(self, spec: Any) -> None:
            return None

        def exec_module(self, module: Any) -> None:
            relative = module.__name__[len(PACKAGE) + 1 :]
            source = sources.get(relative, "")
            shown = (
                "jupyter_mv/" + relative.replace(".", "/") + ("/__init__.py" if module.__name__ in packages else ".py")
            )
            exec(compile(source, f"<jupyter-mv agent {shown}>", "exec"), module.__dict__)  # noqa: S102 - our own modules

    sys.meta_path.insert(0, Finder())
    agent = importlib.import_module(f"{PACKAGE}.kernel.agent")
    return json.dumps(agent.start(version, settings))
