"""How the verbs speak: exit codes, one-line text, colour and JSON on standard output.

Shared by every face that prints a verb's result (the ``jupyter mv`` command and the
``%mv`` magic).
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from typing import Any

__all__ = ["EXIT_ERROR", "EXIT_USAGE", "Out", "printable", "when", "one_line", "metrics_text", "version_names"]


EXIT_ERROR = 1
EXIT_USAGE = 2


def printable(text: str) -> str:
    """``text`` with newlines and other control characters escaped, so that an error
    naming a user's path or ref stays on one line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


class Out:
    def __init__(self) -> None:
        self.color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")

    def style(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.color else text

    def json(self, data: Any) -> None:
        """``data`` as JSON in UTF-8, whatever the locale says, and valid UTF-8 always."""
        text = _utf8_safe(json.dumps(data, indent=2, ensure_ascii=False, default=str)) + "\n"
        buffer = getattr(sys.stdout, "buffer", None)
        if buffer is None:  # a text stream another face gave (the %mv magic's capture)
            sys.stdout.write(text)
            return
        sys.stdout.flush()
        buffer.write(text.encode("utf-8"))
        buffer.flush()


_SURROGATE = re.compile("[\ud800-\udfff]")


def _utf8_safe(text: str) -> str:
    """``text`` (JSON) with each lone surrogate, which UTF-8 cannot encode, spelled out: a
    byte of a file name that is not UTF-8 (Python's surrogate escape, ``os.fsdecode``) as a
    backslash, ``x`` and its two hex digits, any other as a backslash, ``u`` and four."""

    def spelled(m: re.Match[str]) -> str:
        code = ord(m.group())
        return f"\\\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\\\u{code:04x}"

    return _SURROGATE.sub(spelled, text)


def when(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(epoch))


def one_line(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def metrics_text(metrics: dict[str, Any], limit: int = 3) -> str:
    parts = [f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in list(metrics.items())[:limit]]
    return " ".join(parts)


def version_names(v: Any, out: Out) -> str:
    names = [*v.tags, *(f"@{a}" for a in v.aliases)]
    return out.style(f"({', '.join(names)})", "33") if names else ""
