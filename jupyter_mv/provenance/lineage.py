"""The lineage graph of a report: what the version used and what it generated.

One graph (nodes and edges, kept in the report's ``lineage``) drawn two ways: an
inline SVG for the HTML report (:func:`lineage_svg`) and a Mermaid flowchart for
Markdown (:func:`lineage_mermaid`). Nodes are the parent versions (newest first,
at most :data:`MAX_PARENTS`), the environment, the input files, the version
itself, the files it wrote and the models it made.
"""

from __future__ import annotations

from html import escape
from typing import Any

from .util import human_size as _size

__all__ = ["lineage", "lineage_svg", "lineage_mermaid", "MAX_PARENTS", "MAX_FILES"]

MAX_PARENTS = 3
MAX_FILES = 8


def _short(text: str, width: int = 36, *, keep_end: bool = True) -> str:
    """``text`` in at most ``width`` characters: a path keeps its end (the file name),
    other text its start."""
    text = " ".join(str(text).split())
    if len(text) <= width:
        return text
    return "…" + text[-(width - 1) :] if keep_end else text[: width - 1] + "…"


def lineage(report: dict[str, Any]) -> dict[str, Any]:
    """The graph: ``{"nodes": [{id, kind, label, detail, subject}], "edges": [{from, to, relation}]}``."""
    nodes: list[dict[str, Any]] = []
    edges: list[dict[str, Any]] = []
    subject = report["subject"]
    version = report["notebook_version"]

    def node(node_id: str, kind: str, label: str, detail: str = "", is_subject: bool = False) -> str:
        nodes.append({"id": node_id, "kind": kind, "label": label, "detail": detail, "subject": is_subject})
        return node_id

    if version is None:
        model = subject["model"] or {}
        node("model1", "model", model.get("label", subject["label"]), f"{model.get('flavor', '')}", True)
        return {"nodes": nodes, "edges": edges}

    this = node(
        "version",
        "version",
        version["label"],
        f"{version['short_id']} · {version['author']}",
        subject["kind"] == "version",
    )
    parents = report["parents"]
    shown = parents[:MAX_PARENTS]
    previous = this
    for i, p in enumerate(shown, start=1):
        pid = node(f"parent{i}", "parent", p["label"] or p["short_id"], p["short_id"])
        edges.append({"from": pid, "to": previous, "relation": "revision"})
        previous = pid
    if len(parents) > len(shown):
        more = len(parents) - len(shown)
        earlier = node("earlier", "more", f"{more} earlier version{'s' if more != 1 else ''}")
        edges.append({"from": earlier, "to": previous, "relation": "revision"})
    env = report["environment"]
    if env is not None:
        edges.append(
            {"from": node("env", "environment", "environment", env["summary"]), "to": this, "relation": "used"}
        )
    for key, kind in (("inputs", "input"), ("outputs", "output")):
        files = report[key]
        for i, f in enumerate(files[:MAX_FILES], start=1):
            is_subject = subject["kind"] == "file" and subject["file"]["path"] == f["path"] and kind == "output"
            fid = node(f"{kind}{i}", kind, f["path"], f"{f['hash'][:12]} · {_size(f['size'])}", is_subject)
            edges.append(
                {"from": fid, "to": this, "relation": "used"}
                if kind == "input"
                else {"from": this, "to": fid, "relation": "generated"}
            )
        if len(files) > MAX_FILES:
            rest = len(files) - MAX_FILES
            mid = node(f"more_{key}", "more", f"{rest} more {key}")
            edges.append(
                {"from": mid, "to": this, "relation": "used"}
                if kind == "input"
                else {"from": this, "to": mid, "relation": "generated"}
            )
    subject_model = (subject["model"] or {}).get("label")
    for i, m in enumerate(report["models"][:MAX_FILES], start=1):
        mid = node(f"model{i}", "model", m["label"], f"{m['flavor']} · {_size(m['size'])}", m["label"] == subject_model)
        edges.append({"from": this, "to": mid, "relation": "generated"})
    return {"nodes": nodes, "edges": edges}


# -- SVG ------------------------------------------------------------------------------------------

_W, _H, _GAP_X, _GAP_Y, _PAD = 270, 46, 80, 14, 12
_KIND_TEXT = {
    "version": "notebook version",
    "parent": "parent version",
    "input": "input",
    "output": "output",
    "model": "model",
    "environment": "environment",
    "more": "",
}


def _columns(graph: dict[str, Any]) -> list[list[dict[str, Any]]]:
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for n in graph["nodes"]:
        by_kind.setdefault(n["kind"], []).append(n)
    sources = list(reversed([n for n in graph["nodes"] if n["kind"] == "parent" or n["id"] == "earlier"]))
    sources += by_kind.get("environment", [])
    sources += [n for n in graph["nodes"] if n["kind"] == "input" or n["id"] == "more_inputs"]
    products = by_kind.get("model", [])
    products += [n for n in graph["nodes"] if n["kind"] == "output" or n["id"] == "more_outputs"]
    middle = by_kind.get("version", [])
    if not middle:  # a model with no version
        return [products]
    return [c for c in (sources, middle, products) if c]


def lineage_svg(graph: dict[str, Any], *, title: str = "Lineage") -> str:
    """An inline SVG of the graph: sources on the left, the version, products on the right.
    Colours come from CSS classes (``mv-node``, ``mv-edge``...) with defaults, so the page's
    light and dark themes both apply."""
    columns = _columns(graph)
    heights = [len(c) * _H + (len(c) - 1) * _GAP_Y for c in columns]
    total_h = max(heights or [_H]) + 2 * _PAD + 8
    total_w = len(columns) * _W + (len(columns) - 1) * _GAP_X + 2 * _PAD
    pos: dict[str, tuple[float, float]] = {}
    for ci, (col, h) in enumerate(zip(columns, heights)):
        x: float = _PAD + ci * (_W + _GAP_X)
        y0 = _PAD + 4 + (total_h - 2 * _PAD - 8 - h) / 2
        for ri, n in enumerate(col):
            pos[n["id"]] = (x, y0 + ri * (_H + _GAP_Y))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="mv-lineage" role="img" width="{total_w:.0f}" '
        f'height="{total_h:.0f}" viewBox="0 0 {total_w:.0f} {total_h:.0f}" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        '<defs><marker id="mv-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="mv-arrow"/></marker></defs>',
    ]
    for e in graph["edges"]:
        if e["from"] not in pos or e["to"] not in pos:
            continue
        (x1, y1), (x2, y2) = pos[e["from"]], pos[e["to"]]
        if abs(x1 - x2) < 1:  # parent above parent: a short vertical arrow
            d = f"M{x1 + _W / 2:.1f},{y1 + _H:.1f} L{x2 + _W / 2:.1f},{y2 - 1:.1f}"
        else:
            sx, sy, tx, ty = x1 + _W, y1 + _H / 2, x2 - 2, y2 + _H / 2
            mx = (sx + tx) / 2
            d = f"M{sx:.1f},{sy:.1f} C{mx:.1f},{sy:.1f} {mx:.1f},{ty:.1f} {tx:.1f},{ty:.1f}"
        parts.append(
            f'<path d="{d}" class="mv-edge mv-edge-{e["relation"]}" marker-end="url(#mv-arrow)">'
            f"<title>{escape(e['relation'])}</title></path>"
        )
    for n in graph["nodes"]:
        x, y = pos[n["id"]]
        cls = f"mv-node mv-node-{n['kind']}" + (" mv-subject" if n["subject"] else "")
        kind = _KIND_TEXT.get(n["kind"], n["kind"]) + (" · subject" if n["subject"] else "")
        parts.append(
            f'<g class="{cls}"><title>{escape(n["label"])}{" — " + escape(n["detail"]) if n["detail"] else ""}'
            f'</title><rect x="{x:.1f}" y="{y:.1f}" width="{_W}" height="{_H}" rx="8"/>'
        )
        if kind:
            parts.append(f'<text x="{x + 10:.1f}" y="{y + 14:.1f}" class="mv-kind">{escape(kind)}</text>')
        label_y = y + (30 if kind else 27)
        parts.append(f'<text x="{x + 10:.1f}" y="{label_y:.1f}" class="mv-label">{escape(_short(n["label"]))}</text>')
        if n["detail"]:
            parts.append(
                f'<text x="{x + 10:.1f}" y="{y + 41:.1f}" class="mv-detail">'
                f"{escape(_short(n['detail'], 46, keep_end=False))}</text>"
            )
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)


# -- Mermaid --------------------------------------------------------------------------------------

_SHAPES = {
    "version": ('(["', '"])'),
    "parent": ('("', '")'),
    "input": ('[("', '")]'),
    "environment": ('[("', '")]'),
    "output": ('["', '"]'),
    "model": ('{{"', '"}}'),
    "more": ('["', '"]'),
}


def mermaid_text(text: str) -> str:
    """Text safe inside a quoted Mermaid label: entity codes for ``# " < > ```."""
    out = str(text).replace("#", "#35;").replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")
    return " ".join(out.replace("`", "#96;").split())


def lineage_mermaid(graph: dict[str, Any]) -> str:
    """A Mermaid ``flowchart LR`` of the graph (without the code fence)."""
    lines = ["flowchart LR"]
    for n in graph["nodes"]:
        open_, close = _SHAPES.get(n["kind"], ('["', '"]'))
        label = n["label"] + (f" · {n['detail']}" if n["detail"] else "")
        kind = _KIND_TEXT.get(n["kind"], "")
        kind = "" if kind == n["label"] else kind
        lines.append(f"    {n['id']}{open_}{mermaid_text((kind + ': ' if kind else '') + label)}{close}")
    for e in graph["edges"]:
        lines.append(f"    {e['from']} -->|{e['relation']}| {e['to']}")
    subjects = [n["id"] for n in graph["nodes"] if n["subject"]]
    if subjects:
        lines.append("    classDef subject stroke-width:3px")
        lines.append(f"    class {','.join(subjects)} subject")
    return "\n".join(lines)
