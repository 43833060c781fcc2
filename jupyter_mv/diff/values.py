"""Key/value diffs: metrics, params and metadata.

Nested dicts are flattened to dotted keys (``{"a": {"b": 1}}`` → ``"a.b"``), so a
change deep inside notebook metadata or a nested params dict is named exactly.
Numbers get a ``delta`` and a ``relative`` change. Floats that JSON cannot hold
(NaN, ±Infinity: a diverged loss) are written as the strings ``"NaN"``,
``"Infinity"`` and ``"-Infinity"``.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["flatten", "json_safe", "diff_values", "diff_mapping"]


def json_safe(value: Any) -> Any:
    """``value`` with non-finite floats replaced by strings, tuples by lists."""
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return value
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if value is None or isinstance(value, (str, int, bool)):
        return value
    return str(value)


def flatten(mapping: dict[str, Any] | None, prefix: str = "") -> dict[str, Any]:
    """Dotted keys to leaf values; an empty dict is kept as a leaf."""
    out: dict[str, Any] = {}
    for key, value in (mapping or {}).items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out.update(flatten(value, name + "."))
        else:
            out[name] = value
    return out


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _numeric_change(a: Any, b: Any) -> dict[str, Any]:
    if not (_is_number(a) and _is_number(b)):
        return {}
    if not (math.isfinite(a) and math.isfinite(b)):
        return {"delta": None, "relative": None}
    delta = b - a
    relative = delta / abs(a) if a else None
    # 0.85 - 0.8 is 0.04999999999999993 in binary; 12 significant digits say 0.05
    if isinstance(delta, float):
        delta = float(f"{delta:.12g}")
    if relative is not None:
        relative = float(f"{relative:.12g}")
    return {"delta": delta, "relative": relative}


def diff_values(a: dict[str, Any] | None, b: dict[str, Any] | None, *, flat: bool = True) -> dict[str, Any]:
    """Section body for metrics or params: ``{"status", "entries", "summary"}``.

    ``entries`` lists added, removed and changed keys in key order (a's keys,
    then keys new in b), each ``{"key", "status", "a", "b"}`` plus ``delta`` and
    ``relative`` when both values are numbers (``relative`` is null when a is 0).
    """
    entries = diff_mapping(a, b, flat=flat, numeric=True)
    counts = {"added": 0, "removed": 0, "changed": 0}
    for e in entries:
        counts[e["status"]] += 1
    fa, fb = (flatten(a) if flat else dict(a or {})), (flatten(b) if flat else dict(b or {}))
    counts["unchanged"] = len(set(fa) & set(fb)) - counts["changed"]
    return {
        "status": "changed" if entries else "unchanged",
        "entries": entries,
        "summary": counts,
    }


def diff_mapping(
    a: dict[str, Any] | None, b: dict[str, Any] | None, *, flat: bool = True, numeric: bool = False
) -> list[dict[str, Any]]:
    """Entries ``{"key", "status", "a", "b"}`` for keys added, removed or changed."""
    fa = flatten(a) if flat else dict(a or {})
    fb = flatten(b) if flat else dict(b or {})
    entries = []
    keys = list(fa) + [k for k in fb if k not in fa]
    for key in keys:
        in_a, in_b = key in fa, key in fb
        va, vb = json_safe(fa.get(key)), json_safe(fb.get(key))
        if in_a and in_b:
            if va == vb and isinstance(va, bool) == isinstance(vb, bool):
                continue
            entry = {"key": key, "status": "changed", "a": va, "b": vb}
            if numeric:
                entry.update(_numeric_change(fa[key], fb[key]))
        elif in_a:
            entry = {"key": key, "status": "removed", "a": va, "b": None}
        else:
            entry = {"key": key, "status": "added", "a": None, "b": vb}
        entries.append(entry)
    return entries
