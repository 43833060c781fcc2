"""Line-level text diffs as structured unified hunks.

A hunk is ``{"a_start", "a_lines", "b_start", "b_lines", "lines": [{"op", "text"}]}``
with the numbering of a unified diff (1-based; a start of 0 with 0 lines means
"before the first line"). ``op`` is ``" "`` (context), ``"-"`` (only in a) or
``"+"`` (only in b); ``text`` is the line without its line break.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from typing import Any, Sequence

__all__ = ["as_text", "hunks", "strip_ansi"]

#: Lines of context around each change, as ``diff -u``.
CONTEXT = 3
#: Beyond this many lines on both sides of the differing middle, the middle is
#: reported as one replacement instead of being aligned line by line.
MAX_ALIGN_LINES = 5000

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")

#: One difflib opcode: (tag, i1, i2, j1, j2).
Opcode = tuple[str, int, int, int, int]


def as_text(value: object) -> str:
    """Join nbformat's multi-line strings (a list of lines on disk) into one string."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(str(v) for v in value)
    return str(value)


def strip_ansi(text: str) -> str:
    """Remove terminal colour codes (tracebacks carry them)."""
    return _ANSI.sub("", text) if "\x1b" in text else text


def _opcodes(a: list[str], b: list[str]) -> list[Opcode]:
    # Trim the common prefix and suffix first: cheap, and it keeps the
    # alignment work to the part that differs.
    n, m = len(a), len(b)
    lo = 0
    while lo < n and lo < m and a[lo] == b[lo]:
        lo += 1
    hi_a, hi_b = n, m
    while hi_a > lo and hi_b > lo and a[hi_a - 1] == b[hi_b - 1]:
        hi_a -= 1
        hi_b -= 1
    ops: list[Opcode] = []
    if lo:
        ops.append(("equal", 0, lo, 0, lo))
    mid_a, mid_b = a[lo:hi_a], b[lo:hi_b]
    if mid_a or mid_b:
        if len(mid_a) > MAX_ALIGN_LINES and len(mid_b) > MAX_ALIGN_LINES:
            ops.append(("replace", lo, hi_a, lo, hi_b))
        else:
            sm = SequenceMatcher(None, mid_a, mid_b, autojunk=len(mid_a) + len(mid_b) > 400)
            for tag, i1, i2, j1, j2 in sm.get_opcodes():
                ops.append((tag, i1 + lo, i2 + lo, j1 + lo, j2 + lo))
    if hi_a < n:
        ops.append(("equal", hi_a, n, hi_b, m))
    return ops


def _group(ops: Sequence[Opcode], context: int) -> list[list[Opcode]]:
    """difflib's get_grouped_opcodes over a precomputed opcode list."""
    if not ops:
        return []
    ops = list(ops)
    if ops[0][0] == "equal":
        tag, i1, i2, j1, j2 = ops[0]
        ops[0] = (tag, max(i1, i2 - context), i2, max(j1, j2 - context), j2)
    if ops[-1][0] == "equal":
        tag, i1, i2, j1, j2 = ops[-1]
        ops[-1] = (tag, i1, min(i2, i1 + context), j1, min(j2, j1 + context))
    groups: list[list[Opcode]] = []
    group: list[Opcode] = []
    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal" and i2 - i1 > 2 * context:
            group.append((tag, i1, min(i2, i1 + context), j1, min(j2, j1 + context)))
            groups.append(group)
            group = []
            i1, j1 = max(i1, i2 - context), max(j1, j2 - context)
        group.append((tag, i1, i2, j1, j2))
    if group and not (len(group) == 1 and group[0][0] == "equal"):
        groups.append(group)
    return groups


def hunks(a: str, b: str, *, context: int = CONTEXT) -> list[dict[str, Any]]:
    """Unified hunks turning text ``a`` into text ``b`` (empty when equal).

    Lines are compared with their line breaks, so a change of the final newline
    alone still shows as a changed last line.
    """
    if a == b:
        return []
    la = a.splitlines(keepends=True)
    lb = b.splitlines(keepends=True)
    out: list[dict[str, Any]] = []
    for group in _group(_opcodes(la, lb), context):
        i1, i2 = group[0][1], group[-1][2]
        j1, j2 = group[0][3], group[-1][4]
        lines: list[dict[str, str]] = []
        for tag, a1, a2, b1, b2 in group:
            if tag == "equal":
                lines.extend({"op": " ", "text": _chomp(x)} for x in la[a1:a2])
                continue
            if tag in ("replace", "delete"):
                lines.extend({"op": "-", "text": _chomp(x)} for x in la[a1:a2])
            if tag in ("replace", "insert"):
                lines.extend({"op": "+", "text": _chomp(x)} for x in lb[b1:b2])
        out.append(
            {
                "a_start": i1 + 1 if i2 > i1 else i1,
                "a_lines": i2 - i1,
                "b_start": j1 + 1 if j2 > j1 else j1,
                "b_lines": j2 - j1,
                "lines": lines,
            }
        )
    return out


def _chomp(line: str) -> str:
    if line.endswith("\r\n"):
        return line[:-2]
    if line.endswith(("\n", "\r")):
        return line[:-1]
    return line
