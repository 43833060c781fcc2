"""``diff(a, b)``: the one entry point every face calls."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable

from .data import TABLE_LIMIT, diff_data
from .environment import diff_environment
from .notebook import diff_notebook
from .side import DiffSide
from .values import diff_values

__all__ = [
    "FORMAT",
    "VERSION",
    "SECTIONS",
    "diff",
    "parse_only",
    "load_schema",
    "validate",
    "refer_outputs",
    "output_hash",
]

FORMAT = "jupyter-mv-diff"
VERSION = 1
#: Section names, in display order.
SECTIONS = ("notebook", "environment", "data", "metrics", "params")
_ALIASES = {
    "notebook": ("notebook",),
    "nb": ("notebook",),
    "env": ("environment",),
    "environment": ("environment",),
    "data": ("data",),
    "metrics": ("metrics", "params"),
    "params": ("params",),
}
_QUIET = {"unchanged", "missing", "not_compared"}


def parse_only(only: Iterable[str] | str | None) -> set[str] | None:
    """Section names from ``--only`` values (``env`` is ``environment``; ``metrics``
    brings ``params`` along). Raises ``InvalidInput`` naming an unknown value."""
    if only is None:
        return None
    if isinstance(only, str):
        only = [x for x in only.replace(",", " ").split() if x]
    out: set[str] = set()
    for name in only:
        key = str(name).strip().lower()
        if key not in _ALIASES:
            from jupyter_mv.errors import InvalidInput

            raise InvalidInput(f"unknown diff section {name!r}: use notebook, env, data or metrics")
        out.update(_ALIASES[key])
    return out or None


def diff(
    a: DiffSide,
    b: DiffSide,
    *,
    only: Iterable[str] | str | None = None,
    include_metadata: bool = False,
    table_limit: int = TABLE_LIMIT,
) -> dict[str, Any]:
    """Compare two sides; a JSON-able dict in the ``jupyter-mv-diff`` format, version 1.

    :param only: sections to compute (``notebook``, ``env``, ``data``, ``metrics``);
        the others are null
    :param include_metadata: report execution-count, cell-id and metadata changes
        (hidden by default: they never make a diff non-empty unless asked for)
    :param table_limit: largest file (bytes) read for CSV/Parquet statistics
    """
    sections = parse_only(only) or set(SECTIONS)
    out: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "a": {"label": a.label},
        "b": {"label": b.label},
        "include_metadata": bool(include_metadata),
    }
    out["notebook"] = (
        diff_notebook(
            a.notebook,
            b.notebook,
            include_metadata=include_metadata,
            a_path=a.notebook_path(),
            b_path=b.notebook_path(),
        )
        if "notebook" in sections
        else None
    )
    out["environment"] = (
        diff_environment(a.environment, b.environment, a.git, b.git) if "environment" in sections else None
    )
    out["data"] = diff_data(a.files, b.files, a.read, b.read, table_limit=table_limit) if "data" in sections else None
    out["metrics"] = diff_values(a.metrics, b.metrics) if "metrics" in sections else None
    out["params"] = diff_values(a.params, b.params) if "params" in sections else None
    out["empty"] = all(out[s] is None or out[s]["status"] in _QUIET for s in SECTIONS)
    return out


#: Unchanged outputs at least this large (bytes of compact JSON) are referred to by hash.
REF_MIN_BYTES = 1024


def output_hash(output: dict[str, Any]) -> str:
    """``sha256:<hex>`` of an output's canonical JSON (sorted keys, no spaces, UTF-8)."""
    import hashlib

    text = json.dumps(output, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def refer_outputs(d: dict[str, Any], *, min_bytes: int = REF_MIN_BYTES) -> dict[str, Any]:
    """``d`` with each large unchanged output written once: side b's copy becomes
    ``{"output_type", "ref"}``, ``ref`` the hash of side a's output (see
    :func:`output_hash`). Marks the document ``"output_refs": true``. In place; returns d.
    """
    nb = d.get("notebook") or {}
    for cell in nb.get("cells") or []:
        for entry in cell.get("outputs") or []:
            if entry.get("status") != "unchanged":
                continue
            a, b = entry["a"]["output"], entry["b"]["output"]
            if a != b or "ref" in b:
                continue
            if len(json.dumps(a, separators=(",", ":"), ensure_ascii=False)) < min_bytes:
                continue
            entry["b"]["output"] = {"output_type": a.get("output_type"), "ref": output_hash(a)}
    d["output_refs"] = True
    return d


def load_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the diff format."""
    path = Path(__file__).resolve().parent.parent / "schemas" / "diff.schema.json"
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return schema


def validate(d: dict[str, Any]) -> None:
    """Raise ``jsonschema.ValidationError`` when ``d`` does not follow the schema (needs jsonschema)."""
    import jsonschema

    jsonschema.Draft202012Validator(load_schema()).validate(d)
