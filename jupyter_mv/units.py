"""Sizes for people: one formatter for every face and report."""

from __future__ import annotations

from typing import Any

__all__ = ["human_size"]


def human_size(n: Any) -> str:
    """``1536`` → ``1.5 KB`` (binary units); ``?`` for a size that is not a number."""
    if isinstance(n, bool) or not isinstance(n, (int, float)):
        return "?"
    value = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if abs(value) < 1024 or unit == "TB":
            return f"{int(value)} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"
