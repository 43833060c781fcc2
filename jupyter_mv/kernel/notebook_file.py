"""The notebook file as the kernel side reads it: its JSON, or None while it cannot be
read (missing, being written, not a notebook). Below both the session and the front
ends, which wait for a save to complete."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["read_notebook_json"]


def read_notebook_json(path: Path) -> dict[str, Any] | None:
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
