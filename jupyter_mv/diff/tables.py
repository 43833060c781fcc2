"""Cheap shape statistics of CSV and Parquet files: rows, columns, simple dtypes.

CSV dtypes are inferred from a sample of rows (``int``, ``float``, ``bool``,
``str``; ``empty`` when the sample holds no value), enough to notice a column
that turned from numbers to text. Parquet is read from its footer alone (needs
pyarrow; without it Parquet files get no statistics).
"""

from __future__ import annotations

import csv
import io
from typing import Any

__all__ = ["table_format", "table_stats", "compare_tables"]

#: Rows read to infer a CSV column's type.
SAMPLE_ROWS = 1000
_MISSING = {"", "na", "nan", "null", "none", "n/a", "#n/a"}
_BOOL = {"true", "false"}


def table_format(path: str) -> str | None:
    p = path.lower()
    for suffix, fmt in ((".csv", "csv"), (".tsv", "tsv"), (".parquet", "parquet"), (".pq", "parquet")):
        if p.endswith(suffix):
            return fmt
    return None


def _value_type(v: str) -> str | None:
    s = v.strip()
    if s.lower() in _MISSING:
        return None
    if s.lower() in _BOOL:
        return "bool"
    try:
        int(s)
        return "int"
    except ValueError:
        pass
    try:
        float(s)
        return "float"
    except ValueError:
        return "str"


def _merge(t1: str | None, t2: str | None) -> str | None:
    if t1 is None or t1 == t2:
        return t2
    if t2 is None:
        return t1
    if {t1, t2} == {"int", "float"}:
        return "float"
    return "str"


def _csv_stats(data: bytes, fmt: str) -> dict[str, Any]:
    text = data.decode("utf-8-sig", errors="replace")
    delimiter = "\t" if fmt == "tsv" else ","
    if fmt == "csv":
        head = text[:8192]
        try:
            delimiter = csv.Sniffer().sniff(head, delimiters=",;\t|").delimiter
        except csv.Error:
            pass
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader, None)
    if header is None:
        return {"rows": 0, "columns": []}
    types: list[str | None] = [None] * len(header)
    rows = 0
    for row in reader:
        if not row:
            continue
        rows += 1
        if rows <= SAMPLE_ROWS:
            for k, v in enumerate(row[: len(header)]):
                types[k] = _merge(types[k], _value_type(v))
    return {"rows": rows, "columns": [{"name": n, "dtype": t or "empty"} for n, t in zip(header, types)]}


def _arrow_dtype(t: Any) -> str:
    import pyarrow.types as pt

    if pt.is_boolean(t):
        return "bool"
    if pt.is_integer(t):
        return "int"
    if pt.is_floating(t) or pt.is_decimal(t):
        return "float"
    if pt.is_string(t) or pt.is_large_string(t):
        return "str"
    return str(t)


def _parquet_stats(data: bytes) -> dict[str, Any] | None:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        return None
    f = pq.ParquetFile(io.BytesIO(data))
    schema = f.schema_arrow
    return {
        "rows": int(f.metadata.num_rows),
        "columns": [{"name": field.name, "dtype": _arrow_dtype(field.type)} for field in schema],
    }


def table_stats(data: bytes, fmt: str) -> dict[str, Any] | None:
    """``{"rows", "columns": [{"name", "dtype"}]}``, or None when unavailable."""
    if fmt == "parquet":
        return _parquet_stats(data)
    return _csv_stats(data, fmt)


def compare_tables(a: dict[str, Any] | None, b: dict[str, Any] | None) -> dict[str, Any]:
    """Row, column and dtype changes between two ``table_stats`` results."""
    out: dict[str, Any] = {"a": a, "b": b}
    if a is None or b is None:
        return out
    ca = {c["name"]: c["dtype"] for c in a["columns"]}
    cb = {c["name"]: c["dtype"] for c in b["columns"]}
    out["rows_delta"] = b["rows"] - a["rows"]
    out["columns_added"] = [n for n in cb if n not in ca]
    out["columns_removed"] = [n for n in ca if n not in cb]
    out["dtype_changed"] = [{"name": n, "a": ca[n], "b": cb[n]} for n in cb if n in ca and ca[n] != cb[n]]
    common_a = [n for n in ca if n in cb]
    common_b = [n for n in cb if n in ca]
    out["column_order_changed"] = common_a != common_b
    return out
