"""Refs: how people name versions, and which names tags and aliases may take.

A ref is, in the order tried: ``NOTEBOOK@SPEC`` (SPEC as below, scoped to that
notebook); ``vN``, or ``vN.M`` (the M-th save after vN, a light version);
``latest`` or ``latest~K``; a tag; an alias; a prefix of a version id (at least 4
hex digits).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import InvalidInput

__all__ = ["ParsedRef", "parse_ref", "check_name", "MAX_NAME"]

MAX_NAME = 100
_NUMBER = re.compile(r"v(\d{1,9})(?:\.(\d{1,9}))?")
_LATEST = re.compile(r"latest(?:~(\d{1,9}))?")
_HEX = re.compile(r"[0-9a-f]{4,64}")
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-+/]*")


@dataclass(frozen=True)
class ParsedRef:
    notebook: str | None
    number: int | None = None
    back: int | None = None  # latest~K
    name: str | None = None  # a tag, alias, or id prefix
    sub: int | None = None  # vN.M: the M-th save (a light version) after vN


def parse_ref(ref: str) -> ParsedRef:
    """Split a ref into its parts; raises InvalidInput for an empty or unprintable ref."""
    if not isinstance(ref, str) or not ref.strip():
        raise InvalidInput("a ref is required (a version id, v3, latest~1, a tag, or NOTEBOOK@v3)")
    if len(ref) > 4096 or any(ord(c) < 32 for c in ref):
        raise InvalidInput("the ref is too long or holds control characters")
    ref = ref.strip()
    notebook = None
    if "@" in ref:
        notebook, ref = ref.rsplit("@", 1)
        if not notebook or not ref:
            raise InvalidInput(f"cannot read ref {notebook}@{ref}: use NOTEBOOK@vN or NOTEBOOK@latest~K")
    if m := _NUMBER.fullmatch(ref):
        return ParsedRef(notebook, number=int(m.group(1)), sub=int(m.group(2)) if m.group(2) else None)
    if m := _LATEST.fullmatch(ref):
        return ParsedRef(notebook, back=int(m.group(1) or 0))
    return ParsedRef(notebook, name=ref)


def check_name(name: str, what: str) -> str:
    """Validate a tag or alias name: short, printable, not shaped like a ref."""
    if not isinstance(name, str) or not name:
        raise InvalidInput(f"a {what} name is required")
    if len(name) > MAX_NAME:
        raise InvalidInput(f"{what} names are at most {MAX_NAME} characters (got {len(name)})")
    if not _NAME.fullmatch(name) or name.endswith((".", "/")) or "//" in name:
        raise InvalidInput(
            f"invalid {what} name {name!r}: use letters, digits and _ . - + / (starting with a letter or digit)"
        )
    if _NUMBER.fullmatch(name) or _LATEST.fullmatch(name) or _HEX.fullmatch(name):
        raise InvalidInput(f"{what} name {name!r} would read as a version number or id; choose another")
    return name
