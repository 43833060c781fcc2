"""Cell outputs reduced to what a reader sees, so that two runs compare fairly.

The rules a reproduce applies, on both sides alike:

- **Volatile text is ignored**: every pattern of :data:`VOLATILE_PATTERNS` (timings,
  memory addresses, progress bars, dates and times, UUIDs, the kernel's temporary file
  names, widget model ids, jupyter-mv's own messages, ANSI colours) is rewritten to a
  placeholder, and so is every pattern a user adds (``--ignore REGEX``); the folder the
  notebook ran in reads as the project's. Execution counts and output metadata are left
  out; adjacent stream outputs of one name are joined; carriage-return redraws keep their
  last state.
- **Numbers compare within a relative tolerance** (:attr:`Rules.rtol`, default 1e-6):
  outputs whose text is the same apart from numbers that are all that close are
  ``within_tolerance``, not ``different``.
- **Images compare by pixels**: two PNG or JPEG images of one size whose mean absolute
  pixel difference is at most :attr:`Rules.image_threshold` of full scale (default 1%)
  are ``within_tolerance``; byte-identical images are ``identical``.
"""

from __future__ import annotations

import base64
import binascii
import difflib
import io
import json
import math
import re
from dataclasses import dataclass
from typing import Any

__all__ = ["VOLATILE_PATTERNS", "Rules", "normalize_text", "normalize_outputs", "compare_cell", "close_values"]

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")

#: What changes from run to run: ``(name, pattern, placeholder)``, applied in this order.
#: Extend it per run with ``Rules(ignore=...)`` (``--ignore REGEX`` on the command line).
VOLATILE_PATTERNS: list[tuple[str, re.Pattern[str], str]] = [
    ("memory address", re.compile(r"\b0x[0-9a-fA-F]{6,16}\b"), "0x…"),
    ("uuid", re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"), "<uuid>"),
    ("%time", re.compile(r"^(CPU times|Wall time):.*$", re.M), r"\1: <time>"),
    ("%timeit", re.compile(r"^[\d.]+ ?(ns|µs|us|ms|s) ± [\d.]+ ?(ns|µs|us|ms|s) per loop.*$", re.M), "<timeit>"),
    ("%timeit (old)", re.compile(r"^\d+ loops?, best of \d+: .*$", re.M), "<timeit>"),
    ("progress bar", re.compile(r"^.*\d+%\|.*\|.*$", re.M), "<progress>"),
    ("elapsed", re.compile(r"\[(\d+:)?\d+:\d+<(\d+:)?[\d?]+:[\d?]+(, *[^\]]*)?\]"), "[<elapsed>]"),
    (
        "date and time",
        re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?\b"),
        "<datetime>",
    ),
    ("date", re.compile(r"\b\d{4}-\d{2}-\d{2}\b"), "<date>"),
    ("duration", re.compile(r"\b(took|in|elapsed:?) \d+(\.\d+)? ?(ns|µs|us|ms|s|sec|seconds)\b"), r"\1 <time>"),
    ("kernel cell file", re.compile(r"[^\s\"']*ipykernel_\d+/\d+\.py"), "<kernel-cell>"),
    ("cell number", re.compile(r"\b(Cell|Input) In\s*\[\d+\]"), r"\1 In [<n>]"),
    ("jupyter-mv message", re.compile(r"^jupyter-mv: .*\n?", re.M), ""),
]


@dataclass(frozen=True)
class Rules:
    """How two runs' outputs compare.

    :param rtol: numbers this close (relatively) are the same within tolerance.
    :param ignore: further regular expressions of volatile text (ignored like
        :data:`VOLATILE_PATTERNS`).
    :param image_threshold: the mean absolute pixel difference, as a fraction of full
        scale, under which two images are the same within tolerance.
    """

    rtol: float = 1e-6
    ignore: tuple[str, ...] = ()
    image_threshold: float = 0.01

    def patterns(self) -> list[tuple[re.Pattern[str], str]]:
        extra = [(re.compile(p, re.M), "<ignored>") for p in self.ignore]
        return [(pattern, repl) for _, pattern, repl in VOLATILE_PATTERNS] + extra


_DEFAULT = Rules()


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "".join(str(v) for v in value)
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)


def _carriage(text: str) -> str:
    return "\n".join(line.rsplit("\r", 1)[-1] if "\r" in line else line for line in text.split("\n"))


def normalize_text(text: str, replace: dict[str, str] | None = None, rules: Rules = _DEFAULT) -> str:
    """``text`` with the volatile parts rewritten (see the module's docstring).

    :param replace: literal strings to rewrite first (the run's folder → the original).
    """
    for old, new in (replace or {}).items():
        if old:
            text = text.replace(old, new)
    text = _carriage(_ANSI.sub("", text))
    for pattern, repl in rules.patterns():
        text = pattern.sub(repl, text)
    return text


def normalize_outputs(
    outputs: list[Any], replace: dict[str, str] | None = None, rules: Rules = _DEFAULT
) -> list[dict[str, Any]]:
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
                if _is_image(mime):
                    value = "".join(value.split())
                else:
                    value = normalize_text(value, replace, rules)
                data[mime] = value
            if data:
                items.append({"type": "data", "data": data})
        elif kind == "error":
            items.append(
                {
                    "type": "error",
                    "ename": str(raw.get("ename", "")),
                    "evalue": normalize_text(str(raw.get("evalue", "")), replace, rules),
                    "traceback": normalize_text(
                        "\n".join(_text(t) for t in raw.get("traceback") or []), replace, rules
                    ),
                }
            )
    out = []
    for item in items:
        if item["type"] == "stream":
            text = normalize_text(item.pop("raw"), replace, rules)
            if text:
                out.append({**item, "text": text})
        else:
            out.append(item)
    return out


def _is_image(mime: str) -> bool:
    return mime.startswith("image/") and mime != "image/svg+xml"


def _lines(items: list[dict[str, Any]]) -> list[str]:
    lines: list[str] = []
    for item in items:
        if item["type"] == "stream":
            lines += [f"{item['name']}: {line}" for line in item["text"].splitlines()]
        elif item["type"] == "error":
            lines.append(f"error: {item['ename']}: {item['evalue']}")
        else:
            for mime, value in item["data"].items():
                if _is_image(mime):
                    import hashlib

                    lines.append(f"{mime}: <image {hashlib.sha256(value.encode()).hexdigest()[:12]}>")
                elif mime == "text/plain":
                    lines += [f"result: {line}" for line in value.splitlines()] or ["result: "]
                else:
                    lines.append(f"{mime}: <{len(value)} characters>")
    return lines


_NUMBER = re.compile(r"([-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|nan|inf)")


def close_values(a: Any, b: Any, rtol: float) -> bool:
    """Two values (numbers, or texts that differ only in their numbers) within ``rtol``."""
    if isinstance(a, bool) or isinstance(b, bool):
        return bool(a == b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b or math.isclose(a, b, rel_tol=rtol, abs_tol=0.0)
    if not isinstance(a, str) or not isinstance(b, str):
        return bool(a == b)
    ta, tb = _NUMBER.split(a), _NUMBER.split(b)
    if len(ta) != len(tb):
        return False
    for i, (x, y) in enumerate(zip(ta, tb)):
        if i % 2 == 0:
            if x != y:
                return False
        elif x != y and not math.isclose(float(x), float(y), rel_tol=rtol, abs_tol=0.0):
            return False
    return True


def _pixels_close(a: str, b: str, threshold: float) -> bool:
    """Two base64 images of one size whose mean absolute difference is at most
    ``threshold`` of full scale."""
    try:
        import numpy as np
        from PIL import Image

        ia = Image.open(io.BytesIO(base64.b64decode(a))).convert("RGBA")
        ib = Image.open(io.BytesIO(base64.b64decode(b))).convert("RGBA")
        if ia.size != ib.size:
            return False
        diff = np.abs(np.asarray(ia, dtype=np.int16) - np.asarray(ib, dtype=np.int16))
        return float(diff.mean()) / 255.0 <= threshold
    except (OSError, ValueError, binascii.Error):
        return False


def _item_close(a: dict[str, Any], b: dict[str, Any], rules: Rules) -> bool:
    if a.get("type") != b.get("type") or a.get("name") != b.get("name"):
        return False
    if a["type"] == "data":
        if sorted(a["data"]) != sorted(b["data"]):
            return False
        for mime, value in a["data"].items():
            other = b["data"][mime]
            if value == other:
                continue
            if _is_image(mime):
                if not _pixels_close(value, other, rules.image_threshold):
                    return False
            elif not close_values(value, other, rules.rtol):
                return False
        return True
    keys = ("text",) if a["type"] == "stream" else ("ename", "evalue", "traceback")
    return all(close_values(a.get(k), b.get(k), rules.rtol) for k in keys)


def _first_difference(la: list[str], lb: list[str]) -> dict[str, Any] | None:
    """The first line that differs, and in it the first value (a number, else the line)."""
    for i in range(max(len(la), len(lb))):
        x = la[i] if i < len(la) else None
        y = lb[i] if i < len(lb) else None
        if x == y:
            continue
        value = [x, y]
        if x is not None and y is not None:
            ta, tb = _NUMBER.split(x), _NUMBER.split(y)
            if len(ta) == len(tb):
                pair = next(((p, q) for p, q in zip(ta, tb) if p != q), None)
                if pair is not None:
                    value = list(pair)
        return {"line": i + 1, "recorded": x, "reproduced": y, "value": value}
    return None


def compare_cell(
    recorded: list[Any],
    produced: list[Any],
    replace: dict[str, str] | None = None,
    *,
    rules: Rules = _DEFAULT,
    context: int = 2,
    max_lines: int = 30,
) -> dict[str, Any]:
    """``{"status", "same", "diff", "first", "recorded", "produced"}``: ``status`` is
    ``identical``, ``within_tolerance`` or ``different``; ``diff`` the unified diff lines
    of a different cell; ``first`` its first difference (``{"line", "recorded",
    "reproduced", "value"}``, ``value`` the first differing number when there is one)."""
    a, b = normalize_outputs(recorded, rules=rules), normalize_outputs(produced, replace, rules)
    if a == b:
        status = "identical"
    elif len(a) == len(b) and all(_item_close(x, y, rules) for x, y in zip(a, b)):
        status = "within_tolerance"
    else:
        status = "different"
    diff: list[str] = []
    first = None
    if status == "different":
        la, lb = _lines(a), _lines(b)
        first = _first_difference(la, lb)
        diff = [
            line.rstrip("\n") for line in difflib.unified_diff(la, lb, "recorded", "reproduced", n=context, lineterm="")
        ][2:]
        if not diff:  # the same lines, different detail (e.g. an HTML table)
            kinds = sorted({m for item in a + b if item["type"] == "data" for m in item["data"]})
            diff = [f"~ {', '.join(kinds) or 'output'} differs"]
            first = first or {"line": None, "recorded": None, "reproduced": None, "value": diff}
        if len(diff) > max_lines:
            diff = diff[:max_lines] + [f"… {len(diff) - max_lines} more lines"]
    return {
        "status": status,
        "same": status != "different",
        "diff": diff,
        "first": first,
        "recorded": len(a),
        "produced": len(b),
    }
