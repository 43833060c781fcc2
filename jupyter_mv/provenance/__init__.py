"""Provenance: where a model came from, and whether it can be made again.

Pure core (no server, IPython or widget imports). Every face calls these::

    from jupyter_mv.provenance import build_report, render, reproduce

    report = build_report(store, "churn@production")   # a dict, jupyter-mv-report v1
    html = render(report, "html")                        # or markdown, json, prov-json
    result = reproduce(store, "churn@production")        # re-run in a fresh kernel

``build_report`` takes a model (``churn``, ``churn:3``, ``churn@production``), a
file a notebook wrote (``models/model.joblib``) or a version ref (``v3``, a tag,
an id). The format is specified in ``jupyter_mv/schemas/report.schema.json`` and
described in ``docs/provenance.md``.
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import InvalidInput
from .report import FORMAT, VERSION, build_report, load_schema, validate
from .subject import Subject, resolve_subject

__all__ = [
    "build_report",
    "render",
    "reproduce",
    "render_reproduce",
    "resolve_subject",
    "Subject",
    "FORMATS",
    "format_name",
    "report_format",
    "MEDIA_TYPES",
    "FORMAT",
    "VERSION",
    "load_schema",
    "validate",
]

#: Report formats, each with its media type and usual file suffix.
FORMATS = ("html", "markdown", "json", "prov-json")
MEDIA_TYPES = {
    "html": "text/html; charset=utf-8",
    "markdown": "text/markdown; charset=utf-8",
    "json": "application/json",
    "prov-json": "application/json",
}
SUFFIXES = {"html": ".html", "markdown": ".md", "json": ".json", "prov-json": ".prov.json"}
_ALIASES = {"md": "markdown", "htm": "html", "prov": "prov-json", "provjson": "prov-json"}


def format_name(name: str) -> str:
    """``html``, ``markdown`` (or ``md``), ``json`` or ``prov-json``. :raises InvalidInput:."""
    key = _ALIASES.get(str(name).strip().lower(), str(name).strip().lower())
    if key not in FORMATS:
        raise InvalidInput(f"unknown report format {name!r}: use {', '.join(FORMATS)}")
    return key


def report_format(format: str | None, output: str | None = None, *, default: str = "html") -> str:
    """The format asked for, else the one ``output``'s suffix names, else ``default``."""
    if format:
        return format_name(format)
    name = str(output or "").lower()
    for suffix, key in (
        (".prov.json", "prov-json"),
        (".json", "json"),
        (".md", "markdown"),
        (".markdown", "markdown"),
        (".html", "html"),
        (".htm", "html"),
    ):
        if name.endswith(suffix):
            return key
    return format_name(default)


def render(report: dict[str, Any], format: str = "html", *, theme: str = "auto") -> str:
    """The report as text in ``format`` (``html``, ``markdown``, ``json``, ``prov-json``).

    :param theme: for ``html``: ``auto`` (the reader's system), ``light`` or ``dark``.
    """
    key = format_name(format)
    if key == "json":
        return json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n"
    if key == "markdown":
        from .render_markdown import render_markdown

        return render_markdown(report)
    if key == "prov-json":
        from .provjson import render_prov

        return json.dumps(render_prov(report), indent=2, ensure_ascii=False) + "\n"
    from .render_html import render_html

    return render_html(report, theme=theme)


def reproduce(store: Any, ref: str, **options: Any) -> dict[str, Any]:
    """Re-run the version behind ``ref`` in a fresh kernel and compare; see
    :func:`jupyter_mv.provenance.rerun.reproduce`."""
    from .rerun import reproduce as run

    return run(store, ref, **options)


def render_reproduce(result: dict[str, Any], format: str = "text", *, color: bool = False) -> str:
    """A reproduce result as ``text`` (for terminals and ``%mv``) or ``json``."""
    if format == "json":
        return json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n"
    if format != "text":
        raise InvalidInput(f"unknown reproduce format {format!r}: use text or json")
    from .render_reproduce import render_text

    return render_text(result, color=color)
