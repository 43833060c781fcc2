"""Outputs of a code cell: normalise them, then diff two output lists.

An output's *content* is what a reader sees: stream text, the mimebundle's data,
an error's name, value and traceback. Its execution count and metadata are
*metadata*: reported only when asked (``include_metadata``), never making a
diff non-empty otherwise.
"""

from __future__ import annotations

import json
from difflib import SequenceMatcher
from typing import Any

from .images import compare_images
from .text import as_text, hunks, strip_ansi
from .values import diff_mapping, json_safe

__all__ = ["Output", "normalize_output", "diff_outputs"]

IMAGE_MIMES = ("image/png", "image/jpeg")
_DATA_TYPES = ("execute_result", "display_data", "update_display_data")


def _norm_data_value(mime: str, value: Any) -> Any:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        value = "".join(value)
    if isinstance(value, str) and mime.startswith("image/") and mime != "image/svg+xml":
        # base64 may be wrapped over lines in older files; the image is the same
        if "\n" in value:
            value = "".join(value.split())
    return json_safe(value)


def normalize_output(raw: dict[str, Any]) -> dict[str, Any]:
    """A plain JSON copy of one nbformat 4 output with multi-line strings joined."""
    kind = raw.get("output_type")
    if kind == "stream":
        return {"output_type": "stream", "name": raw.get("name", "stdout"), "text": as_text(raw.get("text"))}
    if kind in _DATA_TYPES:
        data, meta = raw.get("data"), raw.get("metadata")
        out: dict[str, Any] = {
            "output_type": kind,
            "data": {str(m): _norm_data_value(str(m), v) for m, v in data.items()} if isinstance(data, dict) else {},
            "metadata": json_safe(meta) if isinstance(meta, dict) else {},
        }
        if kind == "execute_result":
            out["execution_count"] = json_safe(raw.get("execution_count"))
        return out
    if kind == "error":
        tb = raw.get("traceback") or []
        return {
            "output_type": "error",
            "ename": as_text(raw.get("ename")),
            "evalue": as_text(raw.get("evalue")),
            "traceback": [as_text(t) for t in tb] if isinstance(tb, list) else [as_text(tb)],
        }
    other: dict[str, Any] = json_safe(dict(raw))
    return other


class Output:
    """A normalised output with its content key (hashable) and pairing class."""

    __slots__ = ("raw", "key", "cls", "meta")

    key: tuple[Any, ...]
    cls: str
    meta: dict[str, Any]

    def __init__(self, raw: dict[str, Any]):
        o = normalize_output(raw)
        self.raw = o
        kind = o.get("output_type")
        if kind == "stream":
            self.key = ("stream", o["name"], o["text"])
            self.cls = "stream:" + str(o["name"])
            self.meta = {}
        elif kind in _DATA_TYPES:
            data = tuple(
                (m, v if isinstance(v, str) else json.dumps(v, sort_keys=True)) for m, v in sorted(o["data"].items())
            )
            self.key = ("data", kind, data)
            self.cls = "data"
            self.meta = {"metadata": o["metadata"], "execution_count": o.get("execution_count")}
        elif kind == "error":
            self.key = ("error", o["ename"], o["evalue"], tuple(o["traceback"]))
            self.cls = "error"
            self.meta = {}
        else:
            self.key = ("other", json.dumps(o, sort_keys=True))
            self.cls = "other:" + str(kind)
            self.meta = {}


def _mime_kind(mime: str, value: Any) -> str:
    if mime in IMAGE_MIMES:
        return "image"
    if not isinstance(value, str):
        return "json"
    if mime.startswith("image/") and mime != "image/svg+xml":
        return "binary"
    return "text"


def _json_text(value: Any) -> str:
    return json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def _mime_parts(da: dict[str, Any], db: dict[str, Any]) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    for mime in list(db) + [m for m in da if m not in db]:
        if mime not in da:
            parts.append({"key": mime, "status": "added", "kind": _mime_kind(mime, db[mime])})
            continue
        if mime not in db:
            parts.append({"key": mime, "status": "removed", "kind": _mime_kind(mime, da[mime])})
            continue
        va, vb = da[mime], db[mime]
        if va == vb:
            continue
        kind = _mime_kind(mime, vb)
        part: dict[str, Any] = {"key": mime, "status": "changed", "kind": kind}
        if kind == "image" and isinstance(va, str) and isinstance(vb, str):
            part["image"] = compare_images(va, vb, mime)
        elif kind == "text" and isinstance(va, str):
            part["hunks"] = hunks(va, vb)
        elif kind in ("json", "text"):
            part["kind"] = "json"
            part["hunks"] = hunks(_json_text(va), _json_text(vb))
        parts.append(part)
    return parts


def _value_part(key: str, a: Any, b: Any) -> dict[str, Any]:
    return {"key": key, "status": "changed", "kind": "value", "a": a, "b": b}


def _content_parts(a: dict[str, Any], b: dict[str, Any]) -> list[dict[str, Any]]:
    ta, tb = a.get("output_type"), b.get("output_type")
    parts: list[dict[str, Any]] = []
    if ta != tb:
        parts.append(_value_part("output_type", ta, tb))
    if ta == tb == "stream":
        if a["name"] != b["name"]:
            parts.append(_value_part("name", a["name"], b["name"]))
        if a["text"] != b["text"]:
            parts.append({"key": "text", "status": "changed", "kind": "text", "hunks": hunks(a["text"], b["text"])})
    elif "data" in a and "data" in b:
        parts.extend(_mime_parts(a["data"], b["data"]))
    elif ta == tb == "error":
        for key in ("ename", "evalue"):
            if a[key] != b[key]:
                parts.append(_value_part(key, a[key], b[key]))
        if a["traceback"] != b["traceback"]:
            ta_text = "\n".join(strip_ansi(t) for t in a["traceback"]) + "\n"
            tb_text = "\n".join(strip_ansi(t) for t in b["traceback"]) + "\n"
            parts.append({"key": "traceback", "status": "changed", "kind": "text", "hunks": hunks(ta_text, tb_text)})
    elif a != b and ta == tb:
        parts.append(_value_part("output", a, b))
    return parts


def _meta_changes(a: Output, b: Output) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    ca, cb = a.meta.get("execution_count"), b.meta.get("execution_count")
    if ca != cb:
        extra["execution_count"] = {"a": ca, "b": cb}
    changes = diff_mapping(a.meta.get("metadata"), b.meta.get("metadata"))
    if changes:
        extra["metadata"] = changes
    return extra


def _pair(a: list[Output], b: list[Output]) -> list[tuple[int | None, int | None]]:
    """Align two output lists: equal content first, then same class in order."""
    ka, kb = [o.key for o in a], [o.key for o in b]
    pairs: list[tuple[int | None, int | None]] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, ka, kb, autojunk=False).get_opcodes():
        if tag == "equal":
            pairs.extend(zip(range(i1, i2), range(j1, j2)))
            continue
        used_b: set[int] = set()
        start = j1
        for i in range(i1, i2):
            for j in range(start, j2):
                if a[i].cls == b[j].cls:
                    pairs.append((i, j))
                    used_b.add(j)
                    start = j + 1
                    break
            else:
                pairs.append((i, None))
        pairs.extend((None, j) for j in range(j1, j2) if j not in used_b)
    return pairs


def diff_outputs(
    a: list[Output], b: list[Output], *, include_metadata: bool
) -> tuple[list[dict[str, Any]] | None, bool]:
    """(entries, hidden) for two cells' outputs.

    ``entries`` is None when nothing shown differs; otherwise it lists every
    output of both sides in display order, unchanged ones included, so a front
    end can lay the two sides out. ``hidden`` is true when execution counts or
    output metadata differ but were left out.
    """
    content_same = len(a) == len(b) and all(x.key == y.key for x, y in zip(a, b))
    if content_same:
        meta_same = all(x.meta == y.meta for x, y in zip(a, b))
        if meta_same:
            return None, False
        if not include_metadata:
            return None, True
    entries: list[dict[str, Any]] = []
    hidden = False
    for i, j in _pair(a, b):
        if j is None:
            assert i is not None  # _pair never yields (None, None)
            entries.append(
                {
                    "status": "removed",
                    "output_type": a[i].raw.get("output_type"),
                    "a": {"index": i, "output": a[i].raw},
                    "b": None,
                }
            )
            continue
        if i is None:
            entries.append(
                {
                    "status": "added",
                    "output_type": b[j].raw.get("output_type"),
                    "a": None,
                    "b": {"index": j, "output": b[j].raw},
                }
            )
            continue
        oa, ob = a[i], b[j]
        entry: dict[str, Any] = {
            "status": "unchanged",
            "output_type": ob.raw.get("output_type"),
            "a": {"index": i, "output": oa.raw},
            "b": {"index": j, "output": ob.raw},
        }
        if oa.key != ob.key:
            entry["status"] = "changed"
            entry["parts"] = _content_parts(oa.raw, ob.raw)
        extra = _meta_changes(oa, ob) if oa.meta != ob.meta else {}
        if extra:
            if include_metadata:
                entry.update(extra)
                if entry["status"] == "unchanged":
                    entry["status"] = "changed"
                    entry["parts"] = []
            else:
                hidden = True
        entries.append(entry)
    return entries, hidden
