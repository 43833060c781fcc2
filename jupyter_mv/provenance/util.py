"""Small formatting helpers shared by the renderers."""

from __future__ import annotations

from typing import Any

from ..units import human_size

__all__ = ["human_size", "plural", "value_text", "when", "origin_text", "cell_notes", "cell_files"]


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def value_text(value: Any) -> str:
    """A metric or param for people: floats to 6 significant digits."""
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def when(iso: str | None) -> str:
    """``2026-11-23T17:09:32.123Z`` → ``2026-11-23 17:09 UTC``."""
    if not iso:
        return ""
    return iso[:16].replace("T", " ") + " UTC"


def origin_text(origin: dict[str, Any]) -> str:
    """Where a package came from: ``index``, ``editable: file:///...``, ``vcs: <commit>``."""
    kind = origin.get("kind", "index")
    if kind == "index":
        return "index"
    extra = origin.get("commit") or origin.get("url") or ""
    return f"{kind}: {extra}" if extra else kind


def cell_notes(cell: dict[str, Any]) -> list[tuple[str, str]]:
    """What to say of a report's cell, each with its kind: ``mark`` (it made the subject),
    ``warn`` or ``plain``."""
    notes = [("mark", "wrote the subject")] if "wrote_subject" in cell["marks"] else []
    if "saved_subject" in cell["marks"]:
        notes.append(("mark", "saved the model"))
    if cell["edited_after_run"]:
        notes.append(("warn", "edited after it ran"))
    if cell["not_run"]:
        notes.append(("warn", "did not run"))
    if cell["jupyter_mv"]:
        notes.append(("plain", "jupyter-mv"))
    return notes


def cell_files(cell: dict[str, Any]) -> list[str]:
    """``read a.csv``, ``wrote model.pkl``: the files a cell touched."""
    return [f"{verb} {', '.join(cell[key])}" for verb, key in (("read", "reads"), ("wrote", "writes")) if cell[key]]
