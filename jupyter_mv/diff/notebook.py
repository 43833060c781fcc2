"""The notebook section: cells paired, then each pair's source, outputs and metadata."""

from __future__ import annotations

import re
from typing import Any

from .align import match_cells, moved_pairs
from .outputs import Output, diff_outputs
from .text import as_text, hunks
from .values import diff_mapping, json_safe

__all__ = ["Cell", "load_cells", "diff_notebook"]

_TOKEN = re.compile(r"\w+|[^\w\s]")


class Cell:
    """One cell, normalised: joined source, lazily normalised outputs."""

    __slots__ = ("index", "raw", "id", "cell_type", "source", "skey", "_lines", "_tokens", "_outputs")

    def __init__(self, index: int, raw: dict[str, Any]):
        self.index = index
        self.raw = raw
        cid = raw.get("id")
        self.id = cid if isinstance(cid, str) and cid else None
        self.cell_type = str(raw.get("cell_type", "code"))
        self.source = as_text(raw.get("source"))
        self.skey = (self.cell_type, self.source)
        self._lines: list[str] | None = None
        self._tokens: list[str] | None = None
        self._outputs: list[Output] | None = None

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = self.source.splitlines(keepends=True)
        return self._lines

    @property
    def tokens(self) -> list[str]:
        if self._tokens is None:
            self._tokens = _TOKEN.findall(self.source)
        return self._tokens

    @property
    def outputs(self) -> list[Output]:
        if self._outputs is None:
            raw = self.raw.get("outputs") if self.cell_type == "code" else None
            self._outputs = [Output(o) for o in raw if isinstance(o, dict)] if isinstance(raw, list) else []
        return self._outputs

    def outputs_key(self) -> tuple[Any, ...]:
        """What the outputs show, hashable: equal for cells whose outputs look the same."""
        return tuple(o.key for o in self.outputs)

    @property
    def execution_count(self) -> int | None:
        count: int | None = json_safe(self.raw.get("execution_count"))
        return count

    @property
    def metadata(self) -> dict[str, Any]:
        meta = self.raw.get("metadata")
        return meta if isinstance(meta, dict) else {}

    @property
    def attachments(self) -> dict[str, Any]:
        att = self.raw.get("attachments")
        return att if isinstance(att, dict) else {}

    def side(self, full: bool) -> dict[str, Any]:
        d: dict[str, Any] = {"index": self.index, "id": self.id, "cell_type": self.cell_type}
        if self.cell_type == "code":
            d["execution_count"] = self.execution_count
        if full:
            d["source"] = self.source
            if self.cell_type == "code":
                d["outputs"] = [o.raw for o in self.outputs]
            if self.attachments:
                d["attachments"] = sorted(self.attachments)
        return d


def load_cells(
    nb: dict[str, Any] | None, name: str | None = None
) -> tuple[list[Cell], dict[str, Any] | None, dict[str, Any]]:
    """Cells, a summary (``{"nbformat", "cells"}``) and the metadata of a parsed
    notebook, or ([], None, {}).

    Any nbformat the reader takes (see :mod:`jupyter_mv.diff.reader`) is read as
    nbformat 4; ``nbformat`` in the summary is the file's own version.
    """
    if nb is None:
        return [], None, {}
    from .reader import original_version, upgrade_notebook

    version = original_version(nb) if isinstance(nb, dict) else None
    nb = upgrade_notebook(nb, name or "notebook")
    cells = [Cell(k, c) for k, c in enumerate(nb["cells"])]
    info: dict[str, Any] = {"nbformat": version, "cells": len(cells)}
    meta = nb.get("metadata")
    return cells, info, meta if isinstance(meta, dict) else {}


def _attachment_changes(a: dict[str, Any], b: dict[str, Any]) -> dict[str, list[str]] | None:
    if a == b:
        return None
    return {
        "added": sorted(k for k in b if k not in a),
        "removed": sorted(k for k in a if k not in b),
        "changed": sorted(k for k in a if k in b and a[k] != b[k]),
    }


def _pair_entry(ca: Cell, cb: Cell, moved: bool, include_metadata: bool) -> tuple[dict[str, Any] | None, bool]:
    """(entry or None, hidden) for a pair of cells."""
    if ca.raw == cb.raw:
        return ({"status": "moved"} if moved else None), False
    changes: list[str] = []
    entry: dict[str, Any] = {}
    if ca.cell_type != cb.cell_type:
        changes.append("cell_type")
    if ca.source != cb.source:
        changes.append("source")
        entry["source"] = hunks(ca.source, cb.source)
    att = _attachment_changes(ca.attachments, cb.attachments)
    if att:
        changes.append("attachments")
        entry["attachments"] = att
    outs, hidden = diff_outputs(ca.outputs, cb.outputs, include_metadata=include_metadata)
    if outs is not None and (include_metadata or any(o["status"] != "unchanged" for o in outs)):
        changes.append("outputs")
        entry["outputs"] = outs
    exec_changed = ca.execution_count != cb.execution_count
    meta = diff_mapping(ca.metadata, cb.metadata) if ca.metadata != cb.metadata else []
    id_changed = ca.id != cb.id
    if include_metadata:
        if id_changed:
            changes.append("id")
        if exec_changed:
            changes.append("execution_count")
            entry["execution_count"] = {"a": ca.execution_count, "b": cb.execution_count}
        if meta:
            changes.append("metadata")
            entry["metadata"] = meta
    else:
        hidden = hidden or exec_changed or id_changed or bool(meta)
    if changes:
        entry["status"] = "modified"
    elif moved:
        entry = {"status": "moved"}
    else:
        return None, hidden
    entry["changes"] = (["moved"] if moved else []) + changes
    return entry, hidden


def diff_notebook(
    a_nb: dict[str, Any] | None,
    b_nb: dict[str, Any] | None,
    *,
    include_metadata: bool = False,
    a_path: str | None = None,
    b_path: str | None = None,
) -> dict[str, Any]:
    """The ``notebook`` section of a diff (see docs/diff-format.md)."""
    a_cells, a_info, a_meta = load_cells(a_nb, a_path)
    b_cells, b_info, b_meta = load_cells(b_nb, b_path)
    if a_info is not None:
        a_info["path"] = a_path
    if b_info is not None:
        b_info["path"] = b_path
    pairs = match_cells(a_cells, b_cells)
    moved = moved_pairs(pairs)
    in_place = {p.i: p.j for p in pairs if p.i not in moved}

    keyed: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    hidden_cells = 0
    how_counts = {"id": 0, "content": 0, "similar": 0}
    counts = {"added": 0, "removed": 0, "modified": 0, "moved": len(moved), "unchanged": 0}
    paired_b: set[int] = set()
    for p in pairs:
        paired_b.add(p.j)
        how_counts[p.how] += 1
        ca, cb = a_cells[p.i], b_cells[p.j]
        entry, hidden = _pair_entry(ca, cb, p.i in moved, include_metadata)
        hidden_cells += hidden
        if entry is None:
            counts["unchanged"] += 1
            continue
        if entry["status"] == "modified":
            counts["modified"] += 1
        head = {
            "status": entry.pop("status"),
            "changes": entry.pop("changes", ["moved"]),
            "cell_type": cb.cell_type,
            "match": p.how,
        }
        if p.how == "similar":
            head["similarity"] = p.score
        head["a"] = ca.side(full=False)
        head["b"] = cb.side(full=False)
        head.update(entry)
        keyed.append(((p.j, 0, 0), head))

    for cb in b_cells:
        if cb.index not in paired_b:
            counts["added"] += 1
            keyed.append(((cb.index, 0, 0), _single("added", cb)))

    # a removed cell is shown after the b position of the nearest in-place pair above it
    anchors = sorted(in_place.items())
    k = 0
    last_b = -1
    paired_a = {p.i for p in pairs}
    for ca in a_cells:
        while k < len(anchors) and anchors[k][0] < ca.index:
            last_b = anchors[k][1]
            k += 1
        if ca.index not in paired_a:
            counts["removed"] += 1
            keyed.append(((last_b, 1, ca.index), _single("removed", ca)))
    keyed.sort(key=lambda kv: kv[0])

    meta_changes = diff_mapping(a_meta, b_meta) if a_meta != b_meta else []
    if a_info and b_info and a_info["nbformat"] != b_info["nbformat"]:
        meta_changes.insert(
            0, {"key": "nbformat", "status": "changed", "a": a_info["nbformat"], "b": b_info["nbformat"]}
        )

    cells = [e for _, e in keyed]
    if a_info is None and b_info is None:
        status = "missing"
    elif a_info is None:
        status = "added"
    elif b_info is None:
        status = "removed"
    elif cells or (include_metadata and meta_changes):
        status = "modified"
    else:
        status = "unchanged"
    section: dict[str, Any] = {
        "status": status,
        "a": a_info,
        "b": b_info,
        "summary": counts,
        "matching": how_counts,
        "hidden": {
            "cells": 0 if include_metadata else hidden_cells,
            "metadata": bool(meta_changes) and not include_metadata,
        },
        "cells": cells,
    }
    if include_metadata:
        section["metadata"] = json_safe(meta_changes)
    return section


def _single(status: str, cell: Cell) -> dict[str, Any]:
    side = cell.side(full=True)
    return {
        "status": status,
        "changes": [],
        "cell_type": cell.cell_type,
        "match": None,
        "a": side if status == "removed" else None,
        "b": side if status == "added" else None,
    }
