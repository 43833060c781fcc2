"""What a verb acts on: the store, the notebook that ``vN`` and ``latest`` mean, and the
interpreter a notebook's kernel runs."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

__all__ = ["open_store", "scope", "notebook_python"]


def open_store(args: argparse.Namespace, start: str | None = None, *, create: bool = False) -> Any:
    """The store to act on: one another face opened (``args.store``), else found from ``start``.

    :param create: when there is none, create it where a first snapshot does (and say where).
    """
    store = getattr(args, "store", None)
    if store is not None:
        return store
    from ..locate import created_message, find_store_dir, is_store
    from ..store import Store
    from ..store.objects import set_fetcher

    if "jupyter_mv.remote" not in sys.modules:  # else it registered its fetch already
        set_fetcher(_fetch)

    existed = is_store(find_store_dir(start or "."))
    opened = Store.open(start or ".", create=create)
    if not existed:
        print(created_message(opened.dir), file=sys.stderr)
    owner = opened.owner()
    if owner is not None:
        print(
            f"warning: the version store {opened.dir} belongs to another user ({owner}); "
            "what you do here is written into their store",
            file=sys.stderr,
        )
    return opened


def _fetch(store: Any, packs: Any, progress: Any) -> tuple[int, int]:
    """Fetch the packs a lazy pull left on a remote: :mod:`jupyter_mv.remote` is imported
    only when a read needs it, not by every command."""
    from ..remote import fetch

    return fetch(store, packs, progress)


def scope(args: argparse.Namespace) -> str | None:
    """The notebook that ``vN`` and ``latest`` refer to, when another face knows it."""
    return getattr(args, "scope", None)


def notebook_python(notebook: str, *, say_fallback: bool = False) -> str | None:
    """The interpreter the notebook's kernelspec runs, when it can be found and is not
    this one (then it is captured here).

    :param say_fallback: when the notebook names a kernelspec whose interpreter is not
        found, say that this interpreter is recorded instead, and how to name the right one.
    """
    from ..capture.environment import notebook_kernel_name, notebook_kernel_python

    warnings: list[str] = []
    python = notebook_kernel_python(notebook, warnings=warnings, default=False)
    if python is None and say_fallback:
        name = notebook_kernel_name(notebook)
        if name:
            warnings.append(
                f"the notebook's kernel {name!r} is not a Python kernelspec found here: recorded the environment "
                f"of {sys.executable} instead; name the kernel's interpreter with --python PATH"
            )
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return python if python and os.path.abspath(python) != os.path.abspath(sys.executable) else None
