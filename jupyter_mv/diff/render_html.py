"""Self-contained HTML rendering of a diff dict (for the ipywidgets panel).

Everything from the notebook is escaped, but for HTML outputs (a DataFrame's table):
those are rendered through an allowlist of table and text tags without attributes
(but ``colspan``/``rowspan``), so that no script, style, link or event handler of a
notebook reaches the page. PNG and JPEG outputs are shown side by side as data URIs,
with the pixel-difference image between them.
"""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from typing import Any

__all__ = ["render_html", "safe_html"]

_B64 = re.compile(r"^[A-Za-z0-9+/=\s]*$")
_CSS = """
.mvd{font-family:var(--jp-ui-font-family,system-ui,sans-serif);font-size:13px;color:#222}
.mvd h3{font-size:14px;margin:14px 0 6px}
.mvd .cell{border:1px solid #ddd;border-radius:4px;margin:6px 0;padding:4px 8px}
.mvd .added{border-left:4px solid #2da44e}.mvd .removed{border-left:4px solid #cf222e}
.mvd .modified{border-left:4px solid #bf8700}.mvd .moved{border-left:4px solid #0969da}
.mvd .title{font-weight:600}.mvd .dim{color:#777}
.mvd pre{margin:2px 0;font-family:var(--jp-code-font-family,monospace);font-size:12px;white-space:pre-wrap}
.mvd .l-add{background:#e6ffec}.mvd .l-del{background:#ffebe9}.mvd .l-hunk{color:#0969da}
.mvd .imgs{display:flex;gap:8px;align-items:flex-start}.mvd .imgs figure{margin:0}
.mvd .imgs img{max-width:320px;border:1px solid #ddd}.mvd figcaption{font-size:11px;color:#777}
.mvd table{border-collapse:collapse}.mvd td,.mvd th{padding:2px 8px;border-bottom:1px solid #eee;text-align:left}
.mvd .html-out{overflow:auto;max-height:320px}.mvd .html-out td,.mvd .html-out th{text-align:right}
.mvd .sides{display:flex;gap:12px;align-items:flex-start}.mvd .sides>figure{margin:0;min-width:0}
"""

#: The tags an HTML output keeps (a table, its text); every other tag is dropped, its text kept.
_KEPT_TAGS = frozenset(
    "table thead tbody tfoot tr th td caption colgroup col div span p b strong i em br code pre small sub sup".split()
)
#: Tags dropped with everything inside them.
_DROPPED_TAGS = frozenset("script style template iframe object embed svg math noscript head title".split())
_VOID_TAGS = frozenset({"br", "col"})


class _Allowlist(HTMLParser):
    """HTML with only :data:`_KEPT_TAGS`, no attributes but a number of spanned cells."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROPPED_TAGS:
            self.hidden += tag not in _VOID_TAGS
            return
        if self.hidden or tag not in _KEPT_TAGS:
            return
        spans = "".join(
            f' {name}="{int(value)}"'
            for name, value in attrs
            if name in ("colspan", "rowspan") and value and value.isdigit() and int(value) < 1000
        )
        self.out.append(f"<{tag}{spans}>")
        if tag not in _VOID_TAGS:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROPPED_TAGS:
            self.hidden = max(0, self.hidden - 1)
            return
        if self.hidden or tag not in self.open:
            return
        while self.open:
            last = self.open.pop()
            self.out.append(f"</{last}>")
            if last == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.out.append(html.escape(data))

    def result(self) -> str:
        self.close()
        return "".join(self.out) + "".join(f"</{tag}>" for tag in reversed(self.open))


def safe_html(source: Any) -> str:
    """An HTML output (str, or the list of lines nbformat allows) reduced to tables and
    text: rendered, yet with nothing that can run, load or restyle the page."""
    text = "".join(source) if isinstance(source, list) else str(source)
    parser = _Allowlist()
    parser.feed(text)
    return f'<div class="html-out">{parser.result()}</div>'


def _e(v: Any) -> str:
    if isinstance(v, bool):
        v = "true" if v else "false"
    elif isinstance(v, (dict, list)):
        v = json.dumps(v, sort_keys=True)
    return html.escape("null" if v is None else str(v))


def _img(mime: str, b64: Any, caption: str) -> str:
    if not isinstance(b64, str) or not _B64.match(b64):
        return ""
    src = f"data:{mime};base64,{''.join(b64.split())}"
    return f'<figure><img src="{src}" alt="{_e(caption)}"><figcaption>{_e(caption)}</figcaption></figure>'


def _hunks(hunks: list[dict[str, Any]]) -> str:
    rows = []
    for h in hunks:
        rows.append(f'<div class="l-hunk">@@ -{h["a_start"]},{h["a_lines"]} +{h["b_start"]},{h["b_lines"]} @@</div>')
        for line in h["lines"]:
            cls = {"+": "l-add", "-": "l-del"}.get(line["op"], "")
            rows.append(f'<div class="{cls}">{_e(line["op"] + line["text"])}</div>')
    return "<pre>" + "".join(rows) + "</pre>"


def _output_html(o: dict[str, Any]) -> str:
    kind = o.get("output_type")
    if kind == "stream":
        return f"<pre>{_e(o.get('text'))}</pre>"
    if kind == "error":
        return f"<pre>{_e(o.get('ename'))}: {_e(o.get('evalue'))}</pre>"
    data = o.get("data") or {}
    for mime in ("image/png", "image/jpeg"):
        if mime in data:
            return _img(mime, data[mime], mime)
    if "text/html" in data:
        return safe_html(data["text/html"])
    for mime in ("text/plain", "text/markdown"):
        if mime in data:
            return f"<pre>{_e(data[mime])}</pre>"
    return f'<span class="dim">{_e(", ".join(data))}</span>'


def _outputs(outputs: list[dict[str, Any]]) -> str:
    parts = []
    for o in outputs:
        if o["status"] == "unchanged":
            continue
        a, b = o.get("a"), o.get("b")
        head = f'<div class="dim">output {o["status"]} ({_e(o["output_type"])})</div>'
        if o["status"] in ("added", "removed"):
            side = b or a
            assert side is not None  # an added or removed output has one side
            parts.append(head + _output_html(side["output"]))
            continue
        body = []
        for p in o.get("parts", []):
            key = p["key"]
            if p["kind"] == "image" and p["status"] == "changed":
                img = p.get("image") or {}
                assert a is not None and b is not None  # a changed output has both sides
                figs = [
                    _img(key, a["output"]["data"].get(key), "before"),
                    _img("image/png", img.get("diff_png"), f"changed {img['changed_share']:.2%}")
                    if "diff_png" in img
                    else "",
                    _img(key, b["output"]["data"].get(key), "after"),
                ]
                note = f'<div class="dim">{_e(img["note"])}</div>' if img.get("note") else ""
                body.append(f'<div class="imgs">{"".join(figs)}</div>{note}')
            elif key == "text/html" and p["status"] == "changed" and a is not None and b is not None:
                sides = [
                    f"<figure>{safe_html(side['output']['data'].get(key, ''))}"
                    f"<figcaption>{caption}</figcaption></figure>"
                    for side, caption in ((a, "before"), (b, "after"))
                ]
                source = f"<details><summary class='dim'>HTML source</summary>{_hunks(p['hunks'])}</details>"
                body.append(f'<div class="sides">{"".join(sides)}</div>' + (source if p.get("hunks") else ""))
            elif p.get("hunks"):
                body.append(f'<div class="dim">{_e(key)}</div>' + _hunks(p["hunks"]))
            elif p["kind"] == "value":
                body.append(f"<div>{_e(key)}: {_e(p['a'])} → {_e(p['b'])}</div>")
            else:
                body.append(f'<div class="dim">{_e(key)} {_e(p["status"])}</div>')
        parts.append(head + "".join(body))
    return "".join(parts)


def _notebook(nb: dict[str, Any]) -> str:
    s = nb["summary"]
    out = [f'<h3>Notebook <span class="dim">{_e(", ".join(f"{v} {k}" for k, v in s.items() if v))}</span></h3>']
    for c in nb["cells"]:
        a, b = c.get("a"), c.get("b")
        where = " → ".join(str(x["index"] + 1) for x in (a, b) if x)
        title = f"cell {where} · {_e(c['cell_type'])} · {_e(c['status'])}"
        if c.get("changes"):
            title += f' <span class="dim">({_e(", ".join(c["changes"]))})</span>'
        body = []
        if c["status"] in ("added", "removed"):
            side = b if c["status"] == "added" else a
            cls = "l-add" if c["status"] == "added" else "l-del"
            body.append(f'<pre class="{cls}">{_e(side.get("source", ""))}</pre>')
            body.extend(_output_html(o) for o in side.get("outputs", []))
        else:
            if c.get("source"):
                body.append(_hunks(c["source"]))
            if c.get("outputs"):
                body.append(_outputs(c["outputs"]))
        out.append(f'<div class="cell {c["status"]}"><div class="title">{title}</div>{"".join(body)}</div>')
    if nb.get("hidden", {}).get("cells"):
        out.append(
            f'<div class="dim">{nb["hidden"]["cells"]} cells differ only in execution counts, '
            "ids or metadata (hidden)</div>"
        )
    return "".join(out)


def _rows(title: str, header: tuple[Any, ...], rows: list[tuple[Any, ...]]) -> str:
    if not rows:
        return ""
    head = "<tr>" + "".join(f"<th>{_e(h)}</th>" for h in header) + "</tr>"
    body = "".join("<tr>" + "".join(f"<td>{_e(x)}</td>" for x in r) + "</tr>" for r in rows)
    return f"<h3>{_e(title)}</h3><table>{head}{body}</table>"


def render_html(d: dict[str, Any]) -> str:
    """A diff as one self-contained HTML fragment (inline CSS, images as data URIs)."""
    out = [
        f"<div class='mvd'><style>{_CSS}</style>",
        f"<div class='title'>{_e(d['a']['label'])} → {_e(d['b']['label'])}</div>",
    ]
    if d.get("empty"):
        out.append('<div class="dim">no differences</div>')
    nb = d.get("notebook")
    if nb and nb["status"] != "unchanged" and nb["status"] != "missing":
        out.append(_notebook(nb))
    env = d.get("environment")
    if env and env["status"] == "changed":
        rows = [(f["field"], f["a"], f["b"]) for f in env["fields"]]
        for section, prefix in (("packages", ""), ("conda_packages", "conda ")):
            pk = env.get(section) or {}
            rows += [(prefix + p["name"], None, p["version"]) for p in pk.get("added", [])]
            rows += [(prefix + p["name"], p["version"], None) for p in pk.get("removed", [])]
            for k in ("upgraded", "downgraded", "changed", "origin_changed"):
                rows += [(prefix + p["name"], p["a"], p["b"]) for p in pk.get(k, [])]
        rows += [("gpu", None, g) for g in env["gpu"]["added"]] + [("gpu", g, None) for g in env["gpu"]["removed"]]
        out.append(_rows("Environment", ("", "a", "b"), rows))
    data = d.get("data")
    if data and data["status"] == "changed":
        out.append(
            _rows(
                "Data",
                ("path", "status", "size a", "size b"),
                [
                    (f["path"], f["status"], (f["a"] or {}).get("size"), (f["b"] or {}).get("size"))
                    for f in data["files"]
                ],
            )
        )
    for key in ("metrics", "params"):
        sec = d.get(key)
        if sec and sec["status"] == "changed":
            out.append(
                _rows(
                    key.title(),
                    ("", "a", "b", "delta"),
                    [(e["key"], e["a"], e["b"], e.get("delta")) for e in sec["entries"]],
                )
            )
    out.append("</div>")
    return "".join(out)
