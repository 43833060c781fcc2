"""The one notebook reader every face uses: bytes or parsed JSON in, nbformat 4 out.

A notebook is read the way nbformat reads it, so what ``snapshot`` accepts,
``diff``, ``report`` and ``restore`` can handle:

- nbformat 4, any minor (4.0 to 4.5 and later minors nbformat does not know yet):
  taken as it is, without nbformat's schema validation (slow on large notebooks,
  and a front end saving odd metadata is no reason to refuse the user's work).
  Only what nbformat cannot read either is refused: cells that are not a list of
  JSON objects, metadata that is not an object.
- nbformat 1, 2 and 3: upgraded through nbformat's own readers and converters
  (``rejoin_lines`` and friends first: old files keep sources as lists of lines),
  the cell ids the upgrade invents removed again so two reads of one file agree.
- anything else (nbformat 5, a version that is not a number, a file nbformat's
  converters fail on) is refused with one line naming the file and the reason.

Odd metadata is tolerated: a ``kernelspec`` that is not an object is "no kernelspec"
(:func:`kernelspec` says so in a warning).
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any, Callable

from ..errors import InvalidInput

__all__ = [
    "parse_notebook",
    "upgrade_notebook",
    "read_notebook",
    "check_notebook",
    "kernelspec",
    "kernel_name",
    "original_version",
]

#: Newest major version this reader knows.
MAJOR = 4


def parse_notebook(raw: bytes | str, name: str = "notebook") -> dict[str, Any]:
    """The JSON object of a notebook file; one-line :class:`InvalidInput` otherwise."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput(f"{name} is not a notebook: it is not UTF-8 text") from None
    if raw.startswith("\ufeff"):
        raw = raw[1:]
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"{name} is not a notebook: invalid JSON at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:
        raise InvalidInput(f"{name} is not a notebook: its JSON is nested too deeply") from None
    if not isinstance(data, dict):
        raise InvalidInput(f"{name} is not a notebook: no nbformat version (not a JSON object)")
    return data


def original_version(nb: dict[str, Any]) -> str:
    """``"major.minor"`` as the file says (``"3.0"``, ``"4.5"``)."""
    major, minor = nb.get("nbformat"), nb.get("nbformat_minor", 0)
    major = major if isinstance(major, int) and not isinstance(major, bool) and major >= 0 else 0
    if isinstance(minor, str) and minor.isdigit() and minor.isascii():
        minor = int(minor)
    return f"{major}.{minor if isinstance(minor, int) and not isinstance(minor, bool) and minor >= 0 else 0}"


def _major(nb: dict[str, Any], name: str) -> int:
    major = nb.get("nbformat")
    if isinstance(major, bool) or not isinstance(major, int):
        raise InvalidInput(f"{name} is not a notebook: no nbformat version")
    return major


def upgrade_notebook(nb: dict[str, Any], name: str = "notebook") -> dict[str, Any]:
    """``nb`` (a notebook's parsed JSON) as nbformat 4; an nbformat 4 notebook is returned as is.

    :raises InvalidInput: (one line) for what nbformat itself cannot read
    """
    if not isinstance(nb, dict):
        raise InvalidInput(f"{name} is not a notebook: not a JSON object")
    major = _major(nb, name)
    if major == MAJOR:
        _check_v4(nb, name)
        return nb
    if major > MAJOR:
        raise InvalidInput(f"{name} is nbformat {major}, which nbformat cannot read yet (it reads up to {MAJOR})")
    try:
        import nbformat
        from nbformat import versions
    except ImportError:  # pragma: no cover - nbformat is a dependency
        raise InvalidInput(f"{name} is nbformat {major}: reading it needs nbformat") from None
    if major not in versions:
        raise InvalidInput(f"{name} is nbformat {major}, which nbformat cannot read")
    minor = nb.get("nbformat_minor", 0)
    convert: Callable[[Any, int], Any] = nbformat.convert  # unannotated in nbformat
    try:
        # exactly nbformat.reads(text, as_version=4), from the parsed dict and
        # without the final schema validation (which only logs)
        node = versions[major].to_notebook_json(copy.deepcopy(nb), minor=minor)
        node = convert(node, MAJOR)
    except RecursionError:
        raise InvalidInput(f"{name} is not a notebook: its JSON is nested too deeply") from None
    except Exception as exc:  # noqa: BLE001 - nbformat raises anything from AttributeError to ValidationError
        raise InvalidInput(f"{name} is an nbformat {major} notebook nbformat cannot read: {_reason(exc)}") from None
    out: dict[str, Any] = json.loads(json.dumps(node))  # plain dicts and lists, as a parsed v4 file
    if not isinstance(out.get("cells"), list):
        raise InvalidInput(f"{name} is an nbformat {major} notebook nbformat cannot read: it has no cells")
    for cell in out["cells"]:
        if isinstance(cell, dict):
            cell.pop("id", None)  # invented at random by the upgrade: not the file's
    out["nbformat_minor"] = min(int(out.get("nbformat_minor") or 0), 4)
    _check_v4(out, name)
    return out


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, (KeyError, AttributeError)):
        text = f"missing {text}"
    return text if len(text) <= 160 else text[:159] + "…"


def _check_v4(nb: dict[str, Any], name: str) -> None:
    cells = nb.get("cells")
    if not isinstance(cells, list):
        raise InvalidInput(f"{name} is not a notebook nbformat can read: it has no list of cells")
    for k, cell in enumerate(cells):
        if not isinstance(cell, dict):
            raise InvalidInput(f"{name} is not a notebook nbformat can read: cell {k + 1} is not a JSON object")
    if not isinstance(nb.get("metadata", {}), dict):
        raise InvalidInput(f"{name} is not a notebook nbformat can read: its metadata is not a JSON object")


def read_notebook(raw: bytes | str | dict[str, Any], name: str = "notebook") -> dict[str, Any]:
    """A notebook file's bytes (or parsed JSON) as an nbformat 4 dict; one-line refusals."""
    nb = raw if isinstance(raw, dict) else parse_notebook(raw, name)
    return upgrade_notebook(nb, name)


def check_notebook(path: str | os.PathLike[str], name: str | None = None) -> list[str]:
    """Refuse (:class:`InvalidInput`, one line) a file that cannot be read as a notebook.

    :returns: warnings about what is tolerated (a kernelspec that is not an object)
    """
    name = name or str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {name}: {exc.strerror or exc}") from None
    nb = read_notebook(raw, name)
    warnings: list[str] = []
    kernelspec(nb, warnings, name)
    return warnings


def kernelspec(
    nb: dict[str, Any] | None, warnings: list[str] | None = None, name: str = "notebook"
) -> dict[str, Any] | None:
    """The notebook's ``metadata.kernelspec`` when it is an object, else None.

    Anything else there (nbformat's own ``v4_5_invalid_metadata.ipynb`` has a
    string) is "no kernelspec", with a warning appended to ``warnings``.
    """
    meta = nb.get("metadata") if isinstance(nb, dict) else None
    if not isinstance(meta, dict) or "kernelspec" not in meta:
        return None
    spec = meta["kernelspec"]
    if isinstance(spec, dict):
        return spec
    if spec is not None and warnings is not None:
        warnings.append(f"{name}: metadata.kernelspec is not an object ({type(spec).__name__}); taken as no kernelspec")
    return None


def kernel_name(notebook: str | os.PathLike[str] | dict[str, Any], warnings: list[str] | None = None) -> str | None:
    """The kernelspec name a notebook (a path or its parsed JSON) names, or None.

    Never raises: an unreadable file, odd metadata or a name that is not text is
    None (with a warning in ``warnings`` for odd metadata).
    """
    name = "notebook"
    if isinstance(notebook, dict):
        nb: Any = notebook
    else:
        name = os.fspath(notebook)
        try:
            nb = parse_notebook(Path(notebook).read_bytes(), name)
        except (OSError, InvalidInput):
            return None
    spec = kernelspec(nb, warnings, name)
    value = spec.get("name") if spec else None
    return value if isinstance(value, str) and value else None
