"""Terminal rendering of a diff dict, for the CLI and the ``%mv diff`` magic.

Cells are numbered from 1 here, as people count; the JSON's indices start at 0.
"""

from __future__ import annotations

import re
import shutil
from difflib import SequenceMatcher
from typing import Any

from ..units import human_size as _size

__all__ = ["render_text", "terminal_width"]

_CODES = {
    "bold": "\x1b[1m",
    "dim": "\x1b[2m",
    "red": "\x1b[31m",
    "green": "\x1b[32m",
    "yellow": "\x1b[33m",
    "cyan": "\x1b[36m",
    "magenta": "\x1b[35m",
}
_RESET = "\x1b[0m"
_MARK = {
    "added": ("+", "green"),
    "removed": ("-", "red"),
    "modified": ("~", "yellow"),
    "changed": ("~", "yellow"),
    "moved": ("↕", "cyan"),
    "unchanged": (" ", "dim"),
}
_OP_STYLE = {"+": "green", "-": "red", " ": ""}
#: Most lines shown for one cell's source, or one output part, before "… N more lines".
MAX_BLOCK_LINES = 40


#: Width used when the terminal's cannot be told (output to a file or a pipe, no COLUMNS).
DEFAULT_WIDTH = 100
#: Changed lines pair for within-line highlights when their words are at least this similar.
INTRALINE_RATIO = 0.5
#: Longest line (characters) compared for within-line highlights.
INTRALINE_LIMIT = 2000
_WORD = re.compile(r"\w+(?:[.']\w+)*|\s+|[^\w\s]")
_HIGHLIGHT = "\x1b[7m"  # reverse video: the changed characters of a changed line
_MARKS = {"-": ("[-", "-]"), "+": ("{+", "+}")}


def terminal_width() -> int:
    """The terminal's width (``COLUMNS`` first), or ``DEFAULT_WIDTH`` when unknown."""
    return shutil.get_terminal_size((DEFAULT_WIDTH, 24)).columns


class _Out:
    """Lines for the terminal, wrapped (never cut) to ``width``; 0 means no wrapping."""

    def __init__(self, color: bool, width: int, marks: bool):
        self.color = color
        self.marks = marks
        self.width = max(int(width), 20) if width else 0
        self.lines: list[str] = []

    def add(
        self,
        text: str = "",
        style: str = "",
        indent: int = 0,
        *,
        spans: list[tuple[str, bool]] | None = None,
        cont: str = "",
    ) -> None:
        """One logical line: ``spans`` (text, highlighted) or ``text``, styled; wrapped
        lines start under the first one's text, after ``cont`` (a continuation mark)."""
        spans = [(t.replace("\t", "    "), h) for t, h in (spans if spans is not None else [(text, False)])]
        prefix = " " * indent
        if self.width:
            rows = _wrap(spans, self.width - indent, cont)
        else:
            rows = [spans]
        codes = "".join(_CODES[s] for s in style.split()) if self.color and style else ""
        for row in rows:
            plain = "".join(t for t, _ in row)
            if not self.color or not (codes or any(h for _, h in row)) or not plain.strip():
                self.lines.append(prefix + plain)
                continue
            body = "".join(f"{_HIGHLIGHT}{t}{_RESET}{codes}" if h else t for t, h in row)
            self.lines.append(f"{prefix}{codes}{body}{_RESET}")

    def diff_line(self, op: str, spans: list[tuple[str, bool]], style: str, indent: int) -> None:
        if self.marks and not self.color and any(h for _, h in spans):
            left, right = _MARKS.get(op, ("", ""))
            spans = [(f"{left}{t}{right}", False) if h else (t, False) for t, h in spans]
        self.add(style=style, indent=indent, spans=[(op, False), *spans], cont="↪")


def _wrap(spans: list[tuple[str, bool]], width: int, cont: str) -> list[list[tuple[str, bool]]]:
    """Spans cut into rows of at most ``width`` characters; rows after the first
    start with ``cont`` padded to the first row's leading op/mark column."""
    width = max(width, 10)
    total = sum(len(t) for t, _ in spans)
    if total <= width:
        return [spans]
    rows: list[list[tuple[str, bool]]] = [[]]
    room = width
    lead = cont.ljust(1) if cont else "  "
    for text, high in spans:
        while text:
            if room <= 0:
                rows.append([(lead, False)])
                room = width - len(lead)
            piece, text = text[:room], text[room:]
            rows[-1].append((piece, high))
            room -= len(piece)
    return rows


def _intraline(old: str, new: str) -> tuple[list[tuple[str, bool]], list[tuple[str, bool]]] | None:
    """The two lines as spans with their changed words marked, or None when they are
    too different (or too long) for marks to help."""
    if len(old) > INTRALINE_LIMIT or len(new) > INTRALINE_LIMIT:
        return None
    wa, wb = _WORD.findall(old), _WORD.findall(new)
    words = SequenceMatcher(
        None, [w for w in wa if not w.isspace()], [w for w in wb if not w.isspace()], autojunk=False
    )
    if words.ratio() < INTRALINE_RATIO:
        return None
    sm = SequenceMatcher(None, wa, wb, autojunk=False)
    sa: list[tuple[str, bool]] = []
    sb: list[tuple[str, bool]] = []
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            sa.append(("".join(wa[i1:i2]), False))
            sb.append(("".join(wb[j1:j2]), False))
            continue
        if i2 > i1:
            sa.append(("".join(wa[i1:i2]), True))
        if j2 > j1:
            sb.append(("".join(wb[j1:j2]), True))
    return _merge(sa), _merge(sb)


def _merge(spans: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    out: list[tuple[str, bool]] = []
    for t, h in spans:
        if out and out[-1][1] == h:
            out[-1] = (out[-1][0] + t, h)
        elif t:
            out.append((t, h))
    return out


def _line_spans(lines: list[dict[str, Any]]) -> list[list[tuple[str, bool]]]:
    """Each hunk line's spans: a run of removed lines followed by as many added
    lines pairs line by line, with the changed words of each similar pair marked."""
    spans = [[(ln["text"], False)] for ln in lines]
    k = 0
    while k < len(lines):
        if lines[k]["op"] != "-":
            k += 1
            continue
        start = k
        while k < len(lines) and lines[k]["op"] == "-":
            k += 1
        mid = k
        while k < len(lines) and lines[k]["op"] == "+":
            k += 1
        removed, added = range(start, mid), range(mid, k)
        if len(removed) == len(added):
            for x, y in zip(removed, added):
                marked = _intraline(lines[x]["text"], lines[y]["text"])
                if marked:
                    spans[x], spans[y] = marked
    return spans


def _num(v: Any) -> str:
    if isinstance(v, bool) or v is None:
        return str(v).lower() if isinstance(v, bool) else "null"
    if isinstance(v, float):
        return f"{v:.6g}"
    if isinstance(v, (dict, list)):
        import json

        return json.dumps(v, sort_keys=True)
    return str(v)


def _signed(v: Any) -> str:
    return f"+{_num(v)}" if isinstance(v, (int, float)) and v >= 0 else _num(v)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _counts(summary: dict[str, Any], keys: tuple[str, ...]) -> str:
    return " · ".join(f"{summary[k]} {k}" for k in keys if summary.get(k))


def _hunks(out: _Out, hunks: list[dict[str, Any]], indent: int) -> None:
    shown = 0
    total = sum(len(h["lines"]) for h in hunks)
    for h in hunks:
        if shown >= MAX_BLOCK_LINES:
            break
        out.add(f"@@ -{h['a_start']},{h['a_lines']} +{h['b_start']},{h['b_lines']} @@", "cyan", indent)
        for line, spans in zip(h["lines"], _line_spans(h["lines"])):
            if shown >= MAX_BLOCK_LINES:
                break
            out.diff_line(line["op"], spans, _OP_STYLE[line["op"]], indent)
            shown += 1
    if total > shown:
        out.add(f"… {total - shown} more lines", "dim", indent)


def _block(out: _Out, text: str, op: str, indent: int) -> None:
    lines = text.splitlines() or [""]
    for line in lines[:MAX_BLOCK_LINES]:
        out.add(op + " " + line, _OP_STYLE.get(op, ""), indent, cont="↪")
    if len(lines) > MAX_BLOCK_LINES:
        out.add(f"… {len(lines) - MAX_BLOCK_LINES} more lines", "dim", indent)


def _output_preview(o: dict[str, Any]) -> str:
    kind = o.get("output_type", "?")
    if kind == "stream":
        first = (o.get("text") or "").strip().splitlines()
        return f"stream {o.get('name')}" + (f": {first[0]}" if first else "")
    if kind == "error":
        return f"error {o.get('ename')}: {o.get('evalue')}"
    data = o.get("data") or {}
    text = data.get("text/plain")
    preview = f": {text.strip().splitlines()[0]}" if isinstance(text, str) and text.strip() else ""
    return f"{kind} [{', '.join(data)}]{preview}"


def _image(part: dict[str, Any]) -> str:
    img = part.get("image") or {}

    def dims(s: dict[str, Any] | None) -> str:
        return f"{s['width']}×{s['height']}" if s else "?"

    text = f"{part['key']} {dims(img.get('a'))} → {dims(img.get('b'))}"
    if "changed_share" in img:
        text += f", {img['changed_share'] * 100:.2f}% of pixels changed ({img['changed_pixels']})"
    if img.get("note"):
        text += f" ({img['note']})"
    return text


def _outputs(out: _Out, outputs: list[dict[str, Any]], indent: int) -> None:
    for o in outputs:
        status = o["status"]
        if status == "unchanged":
            continue
        a, b = o.get("a"), o.get("b")
        where = f"{a['index'] + 1 if a else '·'} → {b['index'] + 1 if b else '·'}"
        mark, style = _MARK[status]
        if status in ("added", "removed"):
            side = b if status == "added" else a
            assert side is not None  # an added or removed output has its one side
            out.add(f"{mark} output {where} {_output_preview(side['output'])}", style, indent)
            continue
        out.add(f"{mark} output {where} {o['output_type']}", style, indent)
        for part in o.get("parts", []):
            pmark, pstyle = _MARK[part["status"]]
            if part["kind"] == "image" and part["status"] == "changed":
                out.add(f"{pmark} {_image(part)}", pstyle, indent + 2)
            elif part["kind"] == "value":
                out.add(f"{pmark} {part['key']}: {_num(part['a'])} → {_num(part['b'])}", pstyle, indent + 2)
            else:
                out.add(f"{pmark} {part['key']}", pstyle, indent + 2)
                if part.get("hunks"):
                    _hunks(out, part["hunks"], indent + 4)
        if "execution_count" in o:
            out.add(
                f"execution count {_num(o['execution_count']['a'])} → {_num(o['execution_count']['b'])}",
                "dim",
                indent + 2,
            )
        for m in o.get("metadata", []):
            out.add(f"metadata {m['key']}: {_num(m['a'])} → {_num(m['b'])}", "dim", indent + 2)


def _cell_title(c: dict[str, Any]) -> str:
    a, b = c.get("a"), c.get("b")
    if a and b:
        where = f"cell {a['index'] + 1}" + (f" → {b['index'] + 1}" if a["index"] != b["index"] else "")
    else:
        side = a or b
        assert side is not None  # an added or removed cell has one side
        where = f"cell {side['index'] + 1}"
    extra = [x for x in c.get("changes", [])]
    if c.get("match") == "similar":
        extra.append(f"matched by content {c.get('similarity', 0):.0%}")
    return f"{where}  {c['cell_type']}" + (f"  [{', '.join(extra)}]" if extra else "")


def _notebook(out: _Out, nb: dict[str, Any]) -> None:
    path = (nb.get("b") or nb.get("a") or {}).get("path") or ""
    status = nb["status"]
    if status == "missing":
        return
    head = f"Notebook {path}".rstrip()
    if status in ("added", "removed"):
        head += f"  ({'only in b' if status == 'added' else 'only in a'})"
    summary = _counts(nb["summary"], ("modified", "added", "removed", "moved", "unchanged"))
    out.add(f"{head}  {summary}" if summary else head, "bold")
    for c in nb["cells"]:
        mark, style = _MARK[c["status"]]
        out.add(f"{mark} {_cell_title(c)}", style + " bold", 2)
        if c["status"] in ("added", "removed"):
            side = c["b"] if c["status"] == "added" else c["a"]
            op = "+" if c["status"] == "added" else "-"
            _block(out, side.get("source", ""), op, 6)
            for k, o in enumerate(side.get("outputs", [])):
                out.add(f"{op} output {k + 1} {_output_preview(o)}", _OP_STYLE[op], 6)
            continue
        if c.get("source"):
            _hunks(out, c["source"], 6)
        if c.get("attachments"):
            att = c["attachments"]
            out.add(
                "attachments "
                + " ".join(
                    [f"+{n}" for n in att["added"]]
                    + [f"-{n}" for n in att["removed"]]
                    + [f"~{n}" for n in att["changed"]]
                ),
                "",
                6,
            )
        if c.get("outputs"):
            _outputs(out, c["outputs"], 6)
        if "execution_count" in c:
            out.add(f"execution count {_num(c['execution_count']['a'])} → {_num(c['execution_count']['b'])}", "dim", 6)
        if "id" in c.get("changes", []):
            out.add(f"id {c['a']['id']} → {c['b']['id']}", "dim", 6)
        for m in c.get("metadata", []):
            out.add(f"metadata {m['key']}: {_num(m['a'])} → {_num(m['b'])}", "dim", 6)
    for m in nb.get("metadata", []):
        out.add(f"~ notebook metadata {m['key']}: {_num(m['a'])} → {_num(m['b'])}", "dim", 2)
    hidden = nb.get("hidden") or {}
    notes = []
    if hidden.get("cells"):
        notes.append(f"{_plural(hidden['cells'], 'cell')} differ only in execution counts, ids or metadata")
    if hidden.get("metadata"):
        notes.append("notebook metadata differs")
    if notes:
        out.add(f"({'; '.join(notes)}: hidden, include metadata to see)", "dim", 2)


def _origin(o: Any) -> str:
    if isinstance(o, dict):
        if "kind" in o:
            return str(o["kind"])
        return " ".join(f"{k}={v}" for k, v in o.items() if v is not None) or "{}"
    return _num(o)


def _packages(out: _Out, pk: dict[str, Any], prefix: str) -> None:
    for p in pk.get("added", []):
        out.add(f"+ {prefix}{p['name']} {_num(p['version'])}", "green", 2)
    for p in pk.get("removed", []):
        out.add(f"- {prefix}{p['name']} {_num(p['version'])}", "red", 2)
    for key, mark, style in (("upgraded", "↑", "yellow"), ("downgraded", "↓", "magenta"), ("changed", "~", "yellow")):
        for p in pk.get(key, []):
            out.add(f"{mark} {prefix}{p['name']} {_num(p['a'])} → {_num(p['b'])}", style, 2)
    for p in pk.get("origin_changed", []):
        out.add(f"~ {prefix}{p['name']} origin {_origin(p['a'])} → {_origin(p['b'])}", "yellow", 2)


def _environment(out: _Out, env: dict[str, Any]) -> None:
    pip = env.get("packages") or {}
    conda = env.get("conda_packages") or {}
    keys = ("upgraded", "downgraded", "added", "removed", "changed")
    counts = {k: len(pip.get(k) or []) + len(conda.get(k) or []) for k in keys}
    summary = _counts(counts, keys)
    out.add(f"Environment  {summary}".rstrip(), "bold")
    for f in env["fields"]:
        out.add(f"~ {f['field']}  {_num(f['a'])} → {_num(f['b'])}", "yellow", 2)
    for g in env["gpu"]["added"]:
        out.add(f"+ gpu {_num(g)}", "green", 2)
    for g in env["gpu"]["removed"]:
        out.add(f"- gpu {_num(g)}", "red", 2)
    _packages(out, pip, "")
    _packages(out, conda, "conda ")


def _table(t: dict[str, Any]) -> str:
    bits = []
    a, b = t.get("a"), t.get("b")
    if a and b:
        if t["rows_delta"]:
            bits.append(f"rows {a['rows']} → {b['rows']} ({_signed(t['rows_delta'])})")
        cols = [f"+{c}" for c in t["columns_added"]] + [f"-{c}" for c in t["columns_removed"]]
        if cols:
            bits.append("columns " + " ".join(cols))
        for d in t["dtype_changed"]:
            bits.append(f"{d['name']} {d['a']} → {d['b']}")
        if t.get("column_order_changed"):
            bits.append("column order changed")
        if not bits:
            bits.append(f"same shape ({a['rows']} rows, {len(a['columns'])} columns)")
    if t.get("note"):
        bits.append(f"no table statistics: {t['note']}")
    return "; ".join(bits)


def _data(out: _Out, data: dict[str, Any]) -> None:
    summary = _counts(data["summary"], ("modified", "added", "removed", "unchanged"))
    out.add(f"Data  {summary}" if data["files"] else "Data  unchanged", "bold")
    for f in data["files"]:
        mark, style = _MARK[f["status"]]
        role = f["role"] or "?"
        if f["status"] == "added":
            out.add(f"{mark} {f['path']}  {role}  {_size(f['b']['size'])}", style, 2)
        elif f["status"] == "removed":
            out.add(f"{mark} {f['path']}  {role}  {_size(f['a']['size'])}", style, 2)
        else:
            text = f"{mark} {f['path']}  {role}"
            if "role" in f["changes"]:
                text += f" (was {f['a']['role']})"
            if "content" in f["changes"]:
                text += f"  {_size(f['a']['size'])} → {_size(f['b']['size'])}"
            out.add(text, style, 2)
            if f.get("table"):
                out.add(_table(f["table"]), "", 6)


def _values(out: _Out, title: str, sec: dict[str, Any]) -> None:
    summary = _counts(sec["summary"], ("changed", "added", "removed", "unchanged"))
    out.add(f"{title}  {summary}" if sec["entries"] else f"{title}  unchanged", "bold")
    for e in sec["entries"]:
        mark, style = _MARK[e["status"]]
        if e["status"] == "added":
            out.add(f"{mark} {e['key']}  {_num(e['b'])}", style, 2)
        elif e["status"] == "removed":
            out.add(f"{mark} {e['key']}  {_num(e['a'])}", style, 2)
        else:
            text = f"{mark} {e['key']}  {_num(e['a'])} → {_num(e['b'])}"
            if e.get("delta") is not None:
                text += f"  ({_signed(e['delta'])}"
                if e.get("relative") is not None:
                    text += f", {e['relative'] * 100:+.2f}%"
                text += ")"
            out.add(text, style, 2)


def render_text(d: dict[str, Any], *, color: bool = True, width: int | None = None, marks: bool | None = None) -> str:
    """A diff as terminal text.

    :param color: ANSI colours, the changed words of a changed line in reverse video
    :param width: lines longer than this wrap (never cut) onto continuation lines
        marked ``↪``; None for the terminal's width (``COLUMNS`` honoured, else 100),
        0 for no wrapping
    :param marks: without colour, show the changed words as ``[-old-]`` and
        ``{+new+}``; None for "when ``color`` is false"
    """
    out = _Out(color, terminal_width() if width is None else width, (not color) if marks is None else marks)
    out.add(f"diff {d['a']['label']} → {d['b']['label']}", "bold")
    if d.get("empty"):
        out.add("no differences", "dim")
    nb = d.get("notebook")
    hidden = (nb or {}).get("hidden") or {}
    if nb and (nb["status"] != "unchanged" or hidden.get("cells") or hidden.get("metadata")):
        out.add()
        _notebook(out, nb)
    env = d.get("environment")
    if env and env["status"] == "changed":
        out.add()
        _environment(out, env)
    data = d.get("data")
    if data and data["status"] == "changed":
        out.add()
        _data(out, data)
    for key, title in (("metrics", "Metrics"), ("params", "Params")):
        sec = d.get(key)
        if sec and sec["status"] == "changed":
            out.add()
            _values(out, title, sec)
    return "\n".join(out.lines) + "\n"
