"""The report as Markdown: tables, the cells as code blocks, lineage as a Mermaid block."""

from __future__ import annotations

from typing import Any

from ..capture.dvc import dvc_text
from .lineage import lineage_mermaid
from .util import cell_files, cell_notes, human_size, origin_text, value_text, when

__all__ = ["render_markdown"]


_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\\": "\\\\", "`": "\\`", "[": "\\[", "]": "\\]", "|": "\\|"}
)


def _t(value: Any) -> str:
    """A value a user (or a file) made, as inline Markdown that shows it and nothing more:
    no HTML (``<`` ``>`` ``&`` as entities), no link, code span or table cell break
    (``[ ] ` |`` and backslash escaped), on one line."""
    return " ".join(str(value).translate(_ESCAPES).split())


def _cell(text: Any) -> str:
    """A table cell of Markdown this renderer built (its user text already through :func:`_t`)."""
    return str(text).replace("\n", " ")


def _code(value: Any) -> str:
    """A hash or id as a code span (hex only: nothing in it to escape)."""
    return f"`{_t(value)}`"


def _table(head: list[str], rows: list[list[Any]]) -> list[str]:
    out = ["| " + " | ".join(head) + " |", "|" + "|".join(" --- " for _ in head) + "|"]
    out += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return out + [""]


def _fence(text: str, lang: str = "") -> list[str]:
    ticks = "```"
    while ticks in text:
        ticks += "`"
    return [f"{ticks}{lang}", text.rstrip("\n"), ticks]


def title_of(report: dict[str, Any]) -> str:
    subject = report["subject"]
    kind = {"model": "model", "file": "file", "version": "notebook version"}[subject["kind"]]
    return f"Provenance of {kind} {subject['label']}"


def model_made_with(model: dict[str, Any]) -> str:
    """``sklearn.pipeline.Pipeline · sklearn 1.9.1 · Python 3.11.7`` from a model's facts."""
    extra = model.get("extra") or {}
    parts = [str(extra["class"])] if extra.get("class") else []
    library = extra.get("library")
    if isinstance(library, dict):
        parts += [f"{name} {version}" for name, version in library.items()]
    if extra.get("python"):
        parts.append(f"Python {extra['python']}")
    return " · ".join(parts)


def render_markdown(report: dict[str, Any]) -> str:
    subject, version = report["subject"], report["notebook_version"]
    lines = [f"# {_t(title_of(report))}", ""]
    if version is not None:
        lines += [
            f"Made by **{_t(version['label'])}** ({_code(version['short_id'])}), {when(version['created'])}, "
            f"by {_t(version['author'])}." + (f" {_t(version['message'])}" if version["message"] else ""),
            "",
        ]
    lines.append(f"_Generated {when(report['generated'])} by {_t(report['generator'])}._")
    lines.append("")
    if report["warnings"]:
        levels = {w["level"] for w in report["warnings"]}
        lines += [f"## {'Notes' if levels == {'info'} else 'Warnings'}", ""]
        for w in report["warnings"]:
            mark = "⚠️" if w["level"] == "warning" else "ℹ️"
            lines.append(f"- {mark} **{_t(w['code'].replace('_', ' '))}**: {_t(w['message'])}")
        lines.append("")
    model = subject["model"]
    rows: list[list[Any]] = []
    if model is not None:
        rows += [
            ["model", f"{_t(model['label'])} ({_t(model['flavor'])}, {human_size(model['size'])})"],
            ["model hash", _code(model["hash"])],
            ["model saved", f"{when(model['created'])} by {_t(model['author'])}"],
        ]
        if model_made_with(model):
            rows.append(["model made with", _t(model_made_with(model))])
        if model["aliases"]:
            rows.append(["model aliases", ", ".join(f"@{_t(a)}" for a in model["aliases"])])
    if subject["file"] is not None:
        f = subject["file"]
        rows += [
            ["file", f"{_t(f['path'])} ({human_size(f['size'])}, on disk: {_t(f['on_disk'])})"],
            ["file hash", _code(f["hash"])],
        ]
    if version is not None:
        rows += [
            ["notebook", _t(version["notebook"]) + (f" — {_t(version['title'])}" if version["title"] else "")],
            ["version", f"{_t(version['name'])} {_code(version['id'])}"],
            ["created", f"{when(version['created'])} by {_t(version['author'])}"],
        ]
        if version["message"]:
            rows.append(["message", _t(version["message"])])
        if version["tags"]:
            rows.append(["tags", ", ".join(_t(t) for t in version["tags"])])
        if version["aliases"]:
            rows.append(["aliases", ", ".join(_t(a) for a in version["aliases"])])
        git = version["git"]
        if isinstance(git, dict):
            state = "uncommitted changes" if git.get("dirty") else "clean"
            rows.append(["git", f"{_code(str(git.get('commit'))[:12])} on {_t(git.get('branch'))} ({state})"])
        if version["kernel"]:
            rows.append(["kernel", _t(version["kernel_display_name"] or version["kernel"])])
    if report["environment"]:
        rows.append(["environment", _t(report["environment"]["summary"])])
    lines += ["## Summary", ""] + _table(["", ""], rows)
    lineage = report["lineage"]
    if lineage and lineage["nodes"]:
        lines += ["## Lineage", ""] + _fence(lineage_mermaid(lineage), "mermaid") + [""]
    if report["parents"]:
        lines += ["### Parent versions", ""]
        lines += _table(
            ["version", "id", "created", "message"],
            [
                [_t(p["label"] or "?"), _code(p["short_id"]), when(p["created"]), _t(p["message"])]
                for p in report["parents"]
            ],
        )
    for key, heading in (("inputs", "Input files"), ("outputs", "Files written"), ("tracked", "Tracked files")):
        files = report[key]
        if files:
            lines += [f"## {heading}", ""]
            lines += _table(
                ["path", "size", "BLAKE3", "stored", "cells", "DVC"],
                [
                    [
                        _t(f["path"]),
                        human_size(f["size"]),
                        _code(f["hash"]),
                        "yes" if f["stored"] else "hash only",
                        _t(", ".join(map(str, f["cells"]))),
                        _t(dvc_text(f["dvc"])),
                    ]
                    for f in files
                ],
            )
    if report["models"]:
        lines += ["## Models made by this version", ""]
        lines += _table(
            ["model", "flavor", "size", "hash", "aliases"],
            [
                [
                    _t(m["label"]),
                    _t(m["flavor"]),
                    human_size(m["size"]),
                    _code(m["hash"][:16]),
                    ", ".join(f"@{_t(a)}" for a in m["aliases"]),
                ]
                for m in report["models"]
            ],
        )
    for key in ("metrics", "params"):
        if report[key]:
            lines += [f"## {key.capitalize()}", ""]
            lines += _table(["name", "value"], [[_t(k), _t(value_text(v))] for k, v in report[key].items()])
    if report["cells"]:
        execution = report["execution"] or {}
        source = "the kernel's record" if execution.get("source") == "kernel" else "the saved execution counts"
        lines += ["## Cells in the order they ran", "", f"Order from {source}.", ""]
        for c in report["cells"]:
            notes = [f"**{_t(text)}**" if kind == "mark" else _t(text) for kind, text in cell_notes(c)] + [
                _t(text) for text in cell_files(c)
            ]
            rank = f"{c['run_rank']}." if c["run_rank"] else "–"
            count = f"[{c['execution_count']}]" if c["execution_count"] is not None else "[ ]"
            lines.append(f"### {rank} Cell {c['position']} {count}" + (f" — {'; '.join(notes)}" if notes else ""))
            lines.append("")
            lines += _fence(c["source"] or "", "python") + [""]
    env = report["environment"]
    if env:
        lines += ["## Environment", "", _t(env["summary"]), ""]
        if env["imported"]:
            lines += ["Imported by the notebook:", ""]
            lines += _table(
                ["module", "distribution", "version"],
                [[_t(i["module"]), _t(i["distribution"] or ""), _t(i["version"] or "")] for i in env["imported"]],
            )
        lines += ["<details><summary>All " + str(len(env["packages"])) + " installed packages</summary>", ""]
        lines += _table(
            ["package", "version", "from"],
            [[_t(p["name"]), _t(p["version"]), _t(origin_text(p["origin"]))] for p in env["packages"]],
        )
        lines += ["</details>", ""]
    return "\n".join(lines).rstrip("\n") + "\n"
