"""Cell outputs reduced to what a reader sees, so that two runs compare fairly.

Left out or rewritten, on both sides alike: execution counts and output metadata;
ANSI colours; memory addresses (``0x7f3a...``); timing (``Wall time``, ``CPU
times``, ``%timeit`` lines, tqdm's elapsed/rate); the kernel's temporary file
names in tracebacks; widget model ids; lines jupyter-mv itself prints
(``jupyter-mv: ...``); and the folder the notebook ran in. Adjacent stream
outputs of one name are joined, and carriage-return progress keeps its last state.
"""

from __future__ import annotations

import difflib
import json
import re
from typing import Any

__all__ = ["normalize_text", "normalize_outputs", "compare_cell"]

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_ADDRESS = re.compile(r"\b0x[0-9a-fA-F]{6,16}\b")
_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^(CPU times|Wall time):.*$", re.M), r"\1: <time>"),
    (re.compile(r"^[\d.]+ ?(ns|µs|us|ms|s) ± [\d.]+ ?(ns|µs|us|ms|s) per loop.*$", re.M), "<timeit>"),
    (re.compile(r"^\d+ loops?, best of \d+: .*$", re.M), "<timeit>"),
    (re.compile(r"\[(\d+:)?\d+:\d+<(\d+:)?[\d?]+:[\d?]+(, *[^\]]*)?\]"), "[<elapsed>]"),
    (re.compile(r"[^\s\"']*ipykernel_\d+/\d+\.py"), "<kernel-cell>"),
    (re.compile(r"\b(Cell|Input) In\s*\[\d+\]"), r"\1 In [<n>]"),
    (re.compile(r"^jupyter-mv: .*\n?", re.M), ""),
]
_UUID = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "".join(str(v) for v in value)
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)


def _carriage(text: str) -> str:
    return "\n".join(line.rsplit("\r", 1)[-1] if "\r" in line else line for line in text.split("\n"))


def normalize_text(text: str, replace: dict[str, str] | None = None) -> str:
    """``text`` with the volatile parts rewritten (see the module's docstring).

    :param replace: literal strings to rewrite first (the run's folder → the original).
    """
    for old, new in (replace or {}).items():
        if old:
            text = text.replace(old, new)
    text = _carriage(_ANSI.sub("", text))
    text = _ADDRESS.sub("0x…", text)
    text = _UUID.sub("<uuid>", text)
    for pattern, repl in _RULES:
        text = pattern.sub(repl, text)
    return text


def normalize_outputs(outputs: list[Any], replace: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """A cell's outputs as plain comparable items."""
    items: list[dict[str, Any]] = []
    for raw in outputs or []:
        if not isinstance(raw, dict):
            continue
        kind = raw.get("output_type")
        if kind == "stream":
            name = str(raw.get("name", "stdout"))
            if items and items[-1]["type"] == "stream" and items[-1]["name"] == name:
                items[-1]["raw"] += _text(raw.get("text"))
            else:
                items.append({"type": "stream", "name": name, "raw": _text(raw.get("text"))})
        elif kind in ("execute_result", "display_data"):
            data = {}
            for mime, value in sorted((raw.get("data") or {}).items()):
                if mime == "application/vnd.jupyter.widget-view+json":
                    continue  # a widget's model id is new in every kernel
                value = _text(value)
                if mime.startswith("image/") and mime != "image/svg+xml":
                    value = "".join(value.split())
                else:
                    value = normalize_text(value, replace)
                data[mime] = value
            if data:
                items.append({"type": "data", "data": data})
        elif kind == "error":
            items.append(
                {
                    "type": "error",
                    "ename": str(raw.get("ename", "")),
                    "evalue": normalize_text(str(raw.get("evalue", "")), replace),
                    "traceback": normalize_text("\n".join(_text(t) for t in raw.get("traceback") or []), replace),
                }
            )
    out = []
    for item in items:
        if item["type"] == "stream":
            text = normalize_text(item.pop("raw"), replace)
            if text:
                out.append({**item, "text": text})
        else:
            out.append(item)
    return out


def _lines(items: list[dict[str, Any]]) -> list[str]:
    lines: list[str] = []
    for item in items:
        if item["type"] == "stream":
            lines += [f"{item['name']}: {line}" for line in item["text"].splitlines()]
        elif item["type"] == "error":
            lines.append(f"error: {item['ename']}: {item['evalue']}")
        else:
            for mime, value in item["data"].items():
                if mime.startswith("image/") and mime != "image/svg+xml":
                    import hashlib

                    lines.append(f"{mime}: <image {hashlib.sha256(value.encode()).hexdigest()[:12]}>")
                elif mime == "text/plain":
                    lines += [f"result: {line}" for line in value.splitlines()] or ["result: "]
                else:
                    lines.append(f"{mime}: <{len(value)} characters>")
    return lines


def compare_cell(
    recorded: list[Any],
    produced: list[Any],
    replace: dict[str, str] | None = None,
    *,
    context: int = 2,
    max_lines: int = 30,
) -> dict[str, Any]:
    """``{"same": bool, "diff": [unified diff lines], "recorded": n, "produced": n}``."""
    a, b = normalize_outputs(recorded), normalize_outputs(produced, replace)
    same = a == b
    diff: list[str] = []
    if not same:
        la, lb = _lines(a), _lines(b)
        diff = [
            line.rstrip("\n") for line in difflib.unified_diff(la, lb, "recorded", "reproduced", n=context, lineterm="")
        ][2:]
        if not diff:  # the same lines, different detail (e.g. an HTML table)
            kinds = sorted({m for item in a + b if item["type"] == "data" for m in item["data"]})
            diff = [f"~ {', '.join(kinds) or 'output'} differs"]
        if len(diff) > max_lines:
            diff = diff[:max_lines] + [f"… {len(diff) - max_lines} more lines"]
    return {"same": same, "diff": diff, "recorded": len(a), "produced": len(b)}
