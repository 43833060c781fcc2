"""A request's body and query values, checked before any handler acts on them.

Every refusal is an :class:`~jupyter_mv.errors.InvalidInput` (a 400 with the JSON error
shape): JSON that is not an object, nests too deep, holds text that is not valid Unicode
(lone surrogates) or a whole number past SQLite's range; fields of the wrong type.
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import InvalidInput
from .access import check_text

__all__ = ["MAX_DEPTH", "parse", "whole_number", "text", "flag", "paths", "remote", "notebook_content", "name_request"]

#: How deep a request body's JSON may nest (a notebook needs far fewer levels).
MAX_DEPTH = 100
#: The range of a whole number a query may carry (SQLite's integers).
_INT_RANGE = (-(2**63), 2**63 - 1)


def parse(raw: bytes | None) -> dict[str, Any]:
    """The request's body: a JSON object. :raises InvalidInput: anything else."""
    try:
        value = json.loads(raw or b"null", parse_constant=_no_constant)
    except RecursionError:
        raise InvalidInput(f"the body nests deeper than {MAX_DEPTH} levels") from None
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("the body is not valid JSON") from None
    if not isinstance(value, dict):
        raise InvalidInput("the body must be a JSON object")
    _check_json(value)
    return value


def whole_number(raw: str, name: str) -> int:
    """A query value as a whole number within SQLite's range."""
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(f"{name} must be a whole number, not {raw[:40]!r}") from None
    if not _INT_RANGE[0] <= value <= _INT_RANGE[1]:
        raise InvalidInput(f"{name} is out of range")
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _check_json(body: Any) -> None:
    """:raises InvalidInput: ``body`` nests deeper than :data:`MAX_DEPTH`, holds text that
    is not valid Unicode (lone surrogates), or a whole number past SQLite's range."""
    stack: list[tuple[Any, int]] = [(body, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise InvalidInput(f"the body nests deeper than {MAX_DEPTH} levels")
        if isinstance(value, str):
            check_text(value, "a text in the body")
        elif isinstance(value, bool):
            continue
        elif isinstance(value, int):
            if not _INT_RANGE[0] <= value <= _INT_RANGE[1]:
                raise InvalidInput("a number in the body is out of range")
        elif isinstance(value, dict):
            for key, item in value.items():
                check_text(key, "a key in the body")
                stack.append((item, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)


def text(body: dict[str, Any], name: str, *, required: bool = True, limit: int = 10_000) -> str:
    value = body.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise InvalidInput(f"{name} is required and must be text" if required else f"{name} must be text")
    if len(value) > limit:
        raise InvalidInput(f"{name} is longer than {limit:,} characters")
    return value


def flag(body: dict[str, Any], name: str, default: bool) -> bool:
    value = body.get(name, default)
    if not isinstance(value, bool):
        raise InvalidInput(f"{name} must be true or false")
    return value


def paths(body: dict[str, Any], name: str, what: str = "paths relative to the server root") -> list[str]:
    value = body.get(name, [])
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value) or len(value) > 10_000:
        raise InvalidInput(f"{name} must be a list of {what}")
    return value


def remote(body: dict[str, Any]) -> str | None:
    """The optional ``remote`` of a push or pull: a remote's name, or None for the default."""
    value = body.get("remote")
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > 1000:
        raise InvalidInput("remote must be the name of one of the project's remotes")
    return value


def notebook_content(body: dict[str, Any]) -> dict[str, Any] | None:
    content = body.get("content")
    if content is None:
        return None
    if not (
        isinstance(content, dict)
        and isinstance(content.get("cells"), list)
        and isinstance(content.get("nbformat"), int)
        and isinstance(content.get("metadata", {}), dict)
    ):
        raise InvalidInput("content must be a notebook (JSON with nbformat, metadata and cells)")
    return content


def name_request(body: dict[str, Any]) -> tuple[str, str, str]:
    """``(path, ref, name)`` of a request that names a version (a tag, an alias)."""
    return text(body, "path"), text(body, "ref", limit=4096), text(body, "name", limit=1000)
