"""The report as one self-contained HTML page: inline CSS and SVG, no scripts, no
external assets; light and dark (``prefers-color-scheme``, or forced with ``theme``)."""

from __future__ import annotations

import re
from html import escape
from typing import Any

from ..capture.dvc import dvc_text
from .lineage import lineage_svg
from .render_markdown import model_made_with, title_of
from .util import cell_files, cell_notes, human_size, origin_text, plural, value_text, when

__all__ = ["render_html"]

_LIGHT = (
    "color-scheme:light;--bg:#ffffff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--panel:#f6f8fa;"
    "--accent:#0969da;--accent-bg:#ddf4ff;--warn:#9a6700;--warn-bg:#fff8c5;--warn-line:#d4a72c;"
    "--info-bg:#eef2f6;--ok:#1a7f37;--mark:#8250df;--mark-bg:#fbefff;--code-bg:#f6f8fa;--node:#ffffff;"
    "--node-line:#8c959f;--node-version:#ddf4ff;--node-model:#fbefff;--node-input:#dafbe1;"
    "--node-output:#fff1e5;--node-env:#eef2f6"
)
_DARK = (
    "color-scheme:dark;--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#3d444d;--panel:#151b23;"
    "--accent:#4493f8;--accent-bg:#0c2d6b;--warn:#d29922;--warn-bg:#272115;--warn-line:#9e6a03;"
    "--info-bg:#1c232c;--ok:#3fb950;--mark:#ab7df8;--mark-bg:#2a1f3d;--code-bg:#151b23;--node:#151b23;"
    "--node-line:#656c76;--node-version:#0c2d6b;--node-model:#2a1f3d;--node-input:#0f2d1a;"
    "--node-output:#331c0c;--node-env:#1c232c"
)
#: Every rule below applies inside ``.mv-report`` only, so the page can be shown inside
#: another (a notebook's output, a widget, the sidebar) without restyling it.
_RULES = """
main{max-width:1100px;margin:0 auto;padding:28px 24px 48px}
h1{font-size:1.6rem;margin:0 0 4px}h2{font-size:1.2rem;margin:32px 0 10px;padding-bottom:4px;
border-bottom:1px solid var(--line)}h3{font-size:1rem;margin:0}
.sub{color:var(--muted);margin:0}
code,pre,.mono{font-family:ui-monospace,SFMono-Regular,"SF Mono",Menlo,Consolas,"Liberation Mono",monospace;
font-size:.86em}
.hash{word-break:break-all;color:var(--muted)}
table{border-collapse:collapse;width:100%;margin:4px 0}
th,td{text-align:left;vertical-align:baseline;padding:5px 10px;border-bottom:1px solid var(--line)}
th{color:var(--muted);font-weight:600;font-size:.85rem}
table.kv th{width:170px}
.badge{display:inline-block;border-radius:999px;padding:1px 9px;font-size:.78rem;font-weight:600;
border:1px solid var(--line);background:var(--panel);color:var(--fg);margin-right:4px;white-space:nowrap}
.badge.warn{background:var(--warn-bg);border-color:var(--warn-line);color:var(--warn)}
.badge.mark{background:var(--mark-bg);border-color:var(--mark);color:var(--mark)}
.badge.ok{color:var(--ok)}
.warnings{list-style:none;padding:0;margin:0}
.warnings li{border:1px solid var(--warn-line);background:var(--warn-bg);border-radius:8px;padding:8px 12px;
margin:6px 0}
.warnings li.info{border-color:var(--line);background:var(--info-bg)}
.warnings b{color:var(--warn)}.warnings li.info b{color:var(--muted)}
.lineage{overflow-x:auto;border:1px solid var(--line);border-radius:10px;padding:8px;background:var(--panel)}
.mv-lineage{display:block;margin:0 auto;font-family:system-ui,sans-serif}
.mv-node rect{fill:var(--node);stroke:var(--node-line);stroke-width:1}
.mv-node-version rect{fill:var(--node-version);stroke:var(--accent)}
.mv-node-model rect{fill:var(--node-model);stroke:var(--mark)}
.mv-node-input rect{fill:var(--node-input)}.mv-node-output rect{fill:var(--node-output)}
.mv-node-environment rect{fill:var(--node-env)}.mv-node-more rect{stroke-dasharray:4 3}
.mv-subject rect{stroke-width:3;stroke:var(--mark)}
.mv-node text{fill:var(--fg)}.mv-kind{font-size:10px;fill:var(--muted)!important;text-transform:uppercase;
letter-spacing:.04em}.mv-label{font-size:13px;font-weight:600}.mv-detail{font-size:10.5px;fill:var(--muted)!important}
.mv-edge{fill:none;stroke:var(--node-line);stroke-width:1.4}.mv-edge-revision{stroke-dasharray:5 3}
.mv-arrow{fill:var(--node-line)}
.cell{border:1px solid var(--line);border-radius:10px;margin:12px 0;overflow:hidden}
.cell.marked{border:2px solid var(--mark)}
.cell header{display:flex;flex-wrap:wrap;gap:6px;align-items:center;padding:6px 12px;background:var(--panel);
border-bottom:1px solid var(--line)}
.cell header .rank{font-weight:700;min-width:2.2em}
.cell header .files{color:var(--muted);font-size:.85rem}
.cell pre{margin:0;padding:10px 12px;background:var(--code-bg);overflow-x:auto;white-space:pre}
.cell .out{border-top:1px dashed var(--line);padding:6px 12px;font-size:.85rem}
.cell .out pre{padding:6px 0;background:transparent;color:var(--muted);white-space:pre-wrap}
details summary{cursor:pointer;color:var(--accent)}
.cols{display:grid;grid-template-columns:1fr 1fr;gap:24px}
footer{margin-top:40px;color:var(--muted);font-size:.8rem}
"""


def _scoped(rules: str) -> str:
    out = []
    for selectors, declarations in re.findall(r"([^{}]+)\{([^{}]*)\}", rules):
        scoped = ",".join(f".mv-report {sel.strip()}" for sel in selectors.split(","))
        out.append(f"{scoped}{{{' '.join(declarations.split())}}}")
    return "\n".join(out)


_CSS = "\n".join(
    [
        f".mv-report{{{_LIGHT};background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"
        '"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;text-align:left}',
        f"@media (prefers-color-scheme:dark){{.mv-report:not([data-theme=light]){{{_DARK}}}}}",
        # JupyterLab says which theme it shows on its body; a theme forced on the report wins
        f".mv-report[data-theme=dark],body[data-jp-theme-light=false] .mv-report:not([data-theme=light]){{{_DARK}}}",
        f"body[data-jp-theme-light=true] .mv-report:not([data-theme=dark]){{{_LIGHT}}}",
        ".mv-report,.mv-report *{box-sizing:border-box}",
        "body>.mv-report{min-height:100vh}",
        _scoped(_RULES),
        "@media (max-width:800px){.mv-report .cols{grid-template-columns:1fr}}",
    ]
)


def _e(value: Any) -> str:
    return escape(str(value), quote=True)


def _kv(rows: list[tuple[str, str]]) -> str:
    return '<table class="kv">' + "".join(f"<tr><th>{_e(k)}</th><td>{v}</td></tr>" for k, v in rows) + "</table>"


_HASH_ONLY = '<span class="badge warn">hash only</span>'


def _files(files: list[dict[str, Any]]) -> str:
    body = "".join(
        f"<tr><td class=mono>{_e(f['path'])}</td><td>{human_size(f['size'])}</td>"
        f"<td class='mono hash'>{_e(f['hash'])}</td>"
        f"<td>{'stored' if f['stored'] else _HASH_ONLY}</td>"
        f"<td>{_e(', '.join(map(str, f['cells'])))}</td><td>{_e(dvc_text(f['dvc']))}</td></tr>"
        for f in files
    )
    return (
        "<table><thead><tr><th>path</th><th>size</th><th>BLAKE3</th><th>in store</th><th>cells</th>"
        "<th>DVC</th></tr>"
        f"</thead><tbody>{body}</tbody></table>"
    )


def _values(values: dict[str, Any]) -> str:
    return (
        "<table>"
        + "".join(f"<tr><th>{_e(k)}</th><td class=mono>{_e(value_text(v))}</td></tr>" for k, v in values.items())
        + "</table>"
    )


def _cell(c: dict[str, Any]) -> str:
    badges = [f'<span class="badge {kind}">{_e(text)}</span>' for kind, text in cell_notes(c)]
    files = cell_files(c)
    rank = f"{c['run_rank']}." if c["run_rank"] else "–"
    count = f"[{c['execution_count']}]" if c["execution_count"] is not None else "[ ]"
    outputs = ""
    texts = [o.get("text") or ", ".join(o.get("mime", [])) for o in c["outputs"]]
    texts = [t for t in texts if t]
    if texts:
        joined = "\n".join(t.rstrip("\n") for t in texts)
        outputs = f'<div class="out"><details><summary>outputs</summary><pre>{_e(joined)}</pre></details></div>'
    marked = " marked" if c["marks"] else ""
    return (
        f'<section class="cell{marked}" id="cell-{c["position"]}"><header><span class="rank" '
        f'title="run order">{rank}</span><span>cell {c["position"]}</span><span class="mono">{count}</span>'
        f'{"".join(badges)}<span class="files">{_e("; ".join(files))}</span></header>'
        f"<pre>{_e(c['source'])}</pre>{outputs}</section>"
    )


def render_html(report: dict[str, Any], *, theme: str = "auto") -> str:
    """The page. :param theme: ``auto`` (follow the reader's system), ``light`` or ``dark``."""
    subject, version = report["subject"], report["notebook_version"]
    title = title_of(report)
    parts: list[str] = []
    sub = ""
    if version is not None:
        sub = (
            f"made by <b>{_e(version['label'])}</b> <span class=mono>{_e(version['short_id'])}</span>, "
            f"{_e(when(version['created']))}, by {_e(version['author'])}"
        )
    warnings = [w for w in report["warnings"] if w["level"] == "warning"]
    notes = len(report["warnings"]) - len(warnings)
    status = (
        f'<span class="badge warn">{plural(len(warnings), "warning")}</span>'
        if warnings
        else '<span class="badge ok">no warnings</span>'
    )
    if notes:
        status += f'<span class="badge">{plural(notes, "note")}</span>'

    parts.append(f"<header><h1>{_e(title)}</h1><p class=sub>{sub}</p><p>{status}</p></header>")

    if report["warnings"]:
        items = "".join(
            f'<li class="{_e(w["level"])}"><b>{_e(w["code"].replace("_", " "))}</b>: {_e(w["message"])}</li>'
            for w in report["warnings"]
        )
        heading = "Warnings" if not notes else "Notes" if not warnings else "Warnings and notes"
        parts.append(f'<h2 id="warnings">{heading}</h2><ul class="warnings">{items}</ul>')

    rows: list[tuple[str, str]] = []
    model = subject["model"]
    if model is not None:
        aliases = "".join(f'<span class="badge mark">@{_e(a)}</span>' for a in model["aliases"])
        rows += [
            ("model", f"<b>{_e(model['label'])}</b> {_e(model['flavor'])}, {human_size(model['size'])} {aliases}"),
            ("model hash", f"<span class='mono hash'>{_e(model['hash'])}</span>"),
            ("model saved", f"{_e(when(model['created']))} by {_e(model['author'])}"),
        ]
        made_with = model_made_with(model)
        if made_with:
            rows.append(("model made with", _e(made_with)))
    if subject["file"] is not None:
        f = subject["file"]
        rows += [
            (
                "file",
                f"<span class=mono>{_e(f['path'])}</span>, {human_size(f['size'])} (on disk now: {_e(f['on_disk'])})",
            ),
            ("file hash", f"<span class='mono hash'>{_e(f['hash'])}</span>"),
        ]
    if version is not None:
        names = "".join(f'<span class="badge">{_e(t)}</span>' for t in version["tags"])
        names += "".join(f'<span class="badge mark">@{_e(a)}</span>' for a in version["aliases"])
        rows += [
            (
                "notebook",
                f"<span class=mono>{_e(version['notebook'])}</span>"
                + (f" — {_e(version['title'])}" if version["title"] else ""),
            ),
            ("version", f"{_e(version['name'])} <span class='mono hash'>{_e(version['id'])}</span>"),
            ("created", f"{_e(when(version['created']))} by {_e(version['author'])}"),
        ]
        if version["message"]:
            rows.append(("message", _e(version["message"])))
        if names:
            rows.append(("tags, aliases", names))
        git = version["git"]
        if isinstance(git, dict):
            state = (
                '<span class="badge warn">uncommitted changes</span>'
                if git.get("dirty")
                else '<span class="badge ok">clean</span>'
            )
            rows.append(
                ("git", f"<span class=mono>{_e(str(git.get('commit'))[:12])}</span> on {_e(git.get('branch'))} {state}")
            )
        if version["kernel"]:
            rows.append(("kernel", _e(version["kernel_display_name"] or version["kernel"])))
    if report["environment"]:
        rows.append(("environment", _e(report["environment"]["summary"])))
    parts.append(f'<h2 id="summary">Summary</h2>{_kv(rows)}')

    lineage = report["lineage"]
    if lineage and lineage["nodes"]:
        svg = lineage_svg(lineage, title="Lineage of " + subject["label"])
        parts.append(f'<h2 id="lineage">Lineage</h2><div class="lineage">{svg}</div>')
    if report["parents"]:
        body = "".join(
            f"<tr><td>{_e(p['label'] or '?')}</td><td class='mono hash'>{_e(p['short_id'])}</td>"
            f"<td>{_e(when(p['created']))}</td><td>{_e(p['message'])}</td></tr>"
            for p in report["parents"]
        )
        parts.append(
            "<h3>Parent versions</h3><table><thead><tr><th>version</th><th>id</th><th>created</th>"
            f"<th>message</th></tr></thead><tbody>{body}</tbody></table>"
        )

    for key, heading in (("inputs", "Input files"), ("outputs", "Files written"), ("tracked", "Tracked files")):
        if report[key]:
            parts.append(f'<h2 id="{key}">{heading}</h2>{_files(report[key])}')
    if report["models"]:
        body = "".join(
            f"<tr><td><b>{_e(m['label'])}</b></td><td>{_e(m['flavor'])}</td><td>{human_size(m['size'])}"
            f"</td><td class='mono hash'>{_e(m['hash'][:16])}</td><td>"
            + "".join(f'<span class="badge mark">@{_e(a)}</span>' for a in m["aliases"])
            + "</td></tr>"
            for m in report["models"]
        )
        parts.append(
            '<h2 id="models">Models made by this version</h2><table><thead><tr><th>model</th><th>flavor'
            f"</th><th>size</th><th>hash</th><th>aliases</th></tr></thead><tbody>{body}</tbody></table>"
        )
    if report["metrics"] or report["params"]:
        cols = ""
        for key in ("metrics", "params"):
            if report[key]:
                cols += f"<div><h3>{key.capitalize()}</h3>{_values(report[key])}</div>"
        parts.append(f'<h2 id="metrics">Metrics and params</h2><div class="cols">{cols}</div>')

    if report["cells"]:
        execution = report["execution"] or {}
        source = "the kernel's record" if execution.get("source") == "kernel" else "the saved execution counts"
        parts.append(
            f'<h2 id="cells">Cells in the order they ran</h2><p class=sub>Order from {source}; '
            "the number on the left is the run order, [n] the execution count.</p>"
            + "".join(_cell(c) for c in report["cells"])
        )

    env = report["environment"]
    if env:
        imported = ""
        if env["imported"]:
            imported = (
                "<h3>Imported by the notebook</h3><table><thead><tr><th>module</th><th>distribution</th>"
                "<th>version</th></tr></thead><tbody>"
                + "".join(
                    f"<tr><td class=mono>{_e(i['module'])}</td><td>{_e(i['distribution'] or '')}</td>"
                    f"<td class=mono>{_e(i['version'] or '')}</td></tr>"
                    for i in env["imported"]
                )
                + "</tbody></table>"
            )
        python = env["python"]
        plat = env["platform"]
        facts = _kv(
            [
                ("python", _e(f"{python.get('implementation', '')} {python.get('version', '')}")),
                ("platform", _e(" ".join(str(plat.get(k, "")) for k in ("system", "release", "machine")))),
                ("interpreter", f"<span class=mono>{_e(python.get('executable', ''))}</span>"),
            ]
        )
        packages = "".join(
            f"<tr><td>{_e(p['name'])}</td><td class=mono>{_e(p['version'])}</td>"
            f"<td>{_e(origin_text(p['origin']))}</td></tr>"
            for p in env["packages"]
        )
        parts.append(
            f'<h2 id="environment">Environment</h2><p>{_e(env["summary"])}</p>{facts}{imported}'
            f"<details><summary>All {len(env['packages'])} installed packages</summary><table><thead><tr>"
            f"<th>package</th><th>version</th><th>installed from</th></tr></thead><tbody>{packages}"
            "</tbody></table></details>"
        )
    parts.append(
        f"<footer>Generated {_e(when(report['generated']))} by {_e(report['generator'])} "
        f"({_e(report['format'])} {report['version']}).</footer>"
    )
    theme_attr = f' data-theme="{theme}"' if theme in ("light", "dark") else ""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="generator" content="{_e(report["generator"])}"><title>{_e(title)}</title>'
        f'<style>{_CSS}</style></head><body style="margin:0"><div class="mv-report"{theme_attr}>'
        f"<main>{''.join(parts)}</main></div></body></html>\n"
    )
