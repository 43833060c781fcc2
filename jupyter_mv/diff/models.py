"""Model diffs: two model versions side by side, then the notebook versions that made them.

:func:`diff_models` takes two model versions as their ``to_dict()`` (``churn:1``,
``churn:2``) and the diff of the notebook versions that made them (or None), and
returns the ``jupyter-mv-model-diff`` JSON every face renders::

    {"format": "jupyter-mv-model-diff", "version": 1,
     "a": {...model...}, "b": {...model...},
     "facts": [{"key": "flavor", "a": "joblib", "b": "joblib", "changed": false}, ...],
     "params": {"status", "entries", "summary"}, "metrics": {...},   # as in a version diff
     "changed": {"facts": [...], "params": ["C"], "metrics": ["acc"]},
     "versions": {...a version diff...} | null}
"""

from __future__ import annotations

import html
from typing import Any

from ..units import human_size
from .values import diff_values

__all__ = ["MODEL_FORMAT", "diff_models", "render_models_text", "render_models_html"]

MODEL_FORMAT = "jupyter-mv-model-diff"
_FACTS = ("flavor", "size", "hash", "created", "author", "version")


def diff_models(a: dict[str, Any], b: dict[str, Any], versions: dict[str, Any] | None) -> dict[str, Any]:
    """The diff of two model versions (``ModelVersion.to_dict()``) and of the notebook
    versions that made them (``versions``: a version diff, or None when one has none)."""
    facts = []
    for key in _FACTS:
        va, vb = a.get(key), b.get(key)
        facts.append({"key": key, "a": va, "b": vb, "changed": va != vb})
    framework_a = (a.get("extra") or {}).get("class") or (a.get("extra") or {}).get("type")
    framework_b = (b.get("extra") or {}).get("class") or (b.get("extra") or {}).get("type")
    if framework_a or framework_b:
        facts.insert(1, {"key": "class", "a": framework_a, "b": framework_b, "changed": framework_a != framework_b})
    params = diff_values(a.get("params"), b.get("params"))
    metrics = diff_values(a.get("metrics"), b.get("metrics"))
    return {
        "format": MODEL_FORMAT,
        "version": 1,
        "a": a,
        "b": b,
        "facts": facts,
        "params": params,
        "metrics": metrics,
        "changed": {
            "facts": [f["key"] for f in facts if f["changed"] and f["key"] not in ("created", "version")],
            "params": [e["key"] for e in params["entries"]],
            "metrics": [e["key"] for e in metrics["entries"]],
        },
        "versions": versions,
    }


def _shown(key: str, value: Any) -> str:
    if value is None:
        return "-"
    if key == "size" and isinstance(value, int):
        return human_size(value)
    if key in ("hash", "version") and isinstance(value, str):
        return value[:12]
    return str(value)


def _rows(d: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """``(what, a, b, note)`` of every fact, then each param and metric that changed."""
    rows = [
        (f["key"], _shown(f["key"], f["a"]), _shown(f["key"], f["b"]), "*" if f["changed"] else "") for f in d["facts"]
    ]
    for section in ("params", "metrics"):
        for e in d[section]["entries"]:
            note = e["status"]
            if e.get("delta") is not None:
                note = f"{e['delta']:+.4g}" + (f" ({e['relative']:+.1%})" if e.get("relative") is not None else "")
            rows.append((f"{section[:-1]} {e['key']}", _shown("", e["a"]), _shown("", e["b"]), note))
    for section in ("params", "metrics"):
        same = [k for k in (d["a"].get(section) or {}) if k not in d["changed"][section]]
        if same:
            rows.append((f"same {section}", ", ".join(f"{k}={d['a'][section][k]}" for k in same), "", ""))
    return rows


def render_models_text(d: dict[str, Any]) -> str:
    """The model facts as aligned text (the notebook diff is rendered after it by the caller)."""
    a, b = d["a"]["label"], d["b"]["label"]
    rows = [("", a, b, "")] + _rows(d)
    wide = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = [f"models {a} → {b}"]
    for what, va, vb, note in rows:
        lines.append(f"  {what:<{wide[0]}}  {va:<{wide[1]}}  {vb:<{wide[2]}}  {note}".rstrip())
    return "\n".join(lines)


def render_models_html(d: dict[str, Any]) -> str:
    """The model facts as an HTML table."""
    e = html.escape
    head = f"<tr><th></th><th>{e(d['a']['label'])}</th><th>{e(d['b']['label'])}</th><th></th></tr>"
    body = "".join(
        f"<tr><td>{e(w)}</td><td>{e(va)}</td><td>{e(vb)}</td><td>{e(n)}</td></tr>" for w, va, vb, n in _rows(d)
    )
    return f"<table class='jp-mv-model-diff'>{head}{body}</table>"
