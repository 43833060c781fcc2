"""Sizes for people: one formatter and one reader for every face and report."""

from __future__ import annotations

from typing import Any

from .errors import InvalidInput

__all__ = ["human_size", "parse_size"]

_UNITS = {
    "": 1,
    "b": 1,
    "k": 1024,
    "kb": 1024,
    "m": 1024**2,
    "mb": 1024**2,
    "g": 1024**3,
    "gb": 1024**3,
    "t": 1024**4,
    "tb": 1024**4,
}


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


def parse_size(text: str | int) -> int:
    """``2GB``, ``500 MB``, ``1048576`` → bytes. :raises InvalidInput: anything else."""
    if isinstance(text, int) and not isinstance(text, bool):
        value, unit = float(text), ""
    else:
        raw = str(text).strip().lower().replace(" ", "")
        number = raw.rstrip("kmgtb")
        unit = raw[len(number) :]
        try:
            value = float(number)
        except ValueError:
            value = -1.0
    if value < 0 or unit not in _UNITS:
        raise InvalidInput(f"cannot read size {text!r}: use bytes or a number with KB, MB, GB or TB")
    return int(value * _UNITS[unit])
