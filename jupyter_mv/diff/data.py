"""The data section: files a version read, wrote or tracked, by path.

The notebook file itself is left out (the notebook section covers it). A changed
CSV or Parquet file under the size limit on both sides also gets row, column and
dtype changes; reading is the only costly step, so it happens only then.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable

from .tables import compare_tables, table_format, table_stats

__all__ = ["diff_data", "TABLE_LIMIT"]

#: Files larger than this (bytes) get no table statistics.
TABLE_LIMIT = 16 * 1024 * 1024


def _entry(f: Any) -> dict[str, Any]:
    if not isinstance(f, dict):  # a FileEntry-like object
        f = {k: getattr(f, k, None) for k in ("path", "role", "hash", "size")}
    return {"path": str(f.get("path")), "role": f.get("role"), "hash": f.get("hash"), "size": f.get("size")}


def _by_path(files: Iterable[Any] | None) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for f in files or []:
        e = _entry(f)
        if e["role"] != "notebook":
            out.setdefault(e["path"], e)
    return out


def _stats(
    read: Callable[[str], bytes] | None, f: dict[str, Any], fmt: str, limit: int
) -> tuple[dict[str, Any] | None, str | None]:
    if read is None:
        return None, "file contents not available"
    if not isinstance(f["size"], int) or f["size"] > limit:
        return None, f"larger than {limit} bytes"
    try:
        return table_stats(read(f["path"]), fmt), None
    except Exception:  # noqa: BLE001 - unreadable or malformed: report, do not fail the diff
        return None, "could not be read as a table"


def diff_data(
    a_files: Iterable[Any] | None,
    b_files: Iterable[Any] | None,
    a_read: Callable[[str], bytes] | None = None,
    b_read: Callable[[str], bytes] | None = None,
    *,
    table_limit: int = TABLE_LIMIT,
) -> dict[str, Any]:
    """The ``data`` section of a diff (see docs/diff-format.md)."""
    fa, fb = _by_path(a_files), _by_path(b_files)
    entries: list[dict[str, Any]] = []
    counts = {"added": 0, "removed": 0, "modified": 0, "unchanged": 0}
    for path in sorted(set(fa) | set(fb)):
        x, y = fa.get(path), fb.get(path)
        side_a = {k: x[k] for k in ("role", "hash", "size")} if x else None
        side_b = {k: y[k] for k in ("role", "hash", "size")} if y else None
        if x is None or y is None:
            status = "added" if x is None else "removed"
            counts[status] += 1
            present = y or x
            assert present is not None  # the path came from a or b
            entries.append(
                {"path": path, "status": status, "role": present["role"], "changes": [], "a": side_a, "b": side_b}
            )
            continue
        changes: list[str] = []
        if x["hash"] != y["hash"] or x["size"] != y["size"]:
            changes.append("content")
        if x["role"] != y["role"]:
            changes.append("role")
        if not changes:
            counts["unchanged"] += 1
            continue
        counts["modified"] += 1
        entry: dict[str, Any] = {
            "path": path,
            "status": "modified",
            "role": y["role"],
            "changes": changes,
            "a": side_a,
            "b": side_b,
        }
        if isinstance(x["size"], int) and isinstance(y["size"], int):
            entry["size_delta"] = y["size"] - x["size"]
        fmt = table_format(path)
        if "content" in changes and fmt:
            sa, note_a = _stats(a_read, x, fmt, table_limit)
            sb, note_b = _stats(b_read, y, fmt, table_limit)
            table = compare_tables(sa, sb)
            table["format"] = fmt
            note = note_a or note_b
            if note is None and (sa is None or sb is None):
                note = "install pyarrow for Parquet statistics"
            if note:
                table["note"] = note
            entry["table"] = table
        entries.append(entry)
    return {
        "status": "changed" if entries else "unchanged",
        "files": entries,
        "summary": counts,
    }
