"""Version diffs: notebook cells and outputs, environment, data files, metrics.

Pure functions over plain data. Every face (CLI, ``%mv diff``, the REST API, the
panels) calls :func:`diff` and renders the one JSON format it returns, specified
in ``docs/diff-format.md`` and ``jupyter_mv/schemas/diff.schema.json``::

    from jupyter_mv.diff import DiffSide, diff, render_text

    d = diff(DiffSide("v1", notebook=nb1), DiffSide("disk", notebook=nb2))
    print(render_text(d))
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .engine import FORMAT, SECTIONS, VERSION, diff, load_schema, output_hash, parse_only, refer_outputs, validate
    from .render_html import render_html
    from .render_text import render_text
    from .side import DiffSide

#: Where each name lives: loaded when first asked for, so that a snapshot, which only
#: checks that a notebook reads (``jupyter_mv.diff.reader``), loads no diff engine.
_HOME = {
    **{
        name: "engine"
        for name in ("FORMAT", "SECTIONS", "VERSION", "diff", "load_schema", "output_hash")
        + ("parse_only", "refer_outputs", "validate")
    },
    "render_html": "render_html",
    "render_text": "render_text",
    "DiffSide": "side",
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


__all__ = [
    "DiffSide",
    "diff",
    "render_text",
    "render_html",
    "parse_only",
    "load_schema",
    "validate",
    "refer_outputs",
    "output_hash",
    "FORMAT",
    "VERSION",
    "SECTIONS",
]
