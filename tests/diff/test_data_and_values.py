"""Data files (with CSV and Parquet statistics), metrics and params."""

from __future__ import annotations

import hashlib
import io
import json

import jsonschema
import pytest

from jupyter_mv.diff import DiffSide, diff, load_schema

VALIDATOR = jsonschema.Draft202012Validator(load_schema())


def check(d):
    VALIDATOR.validate(d)
    json.dumps(d, allow_nan=False)
    return d


def _side(label, files: dict[str, tuple[str, bytes]], **kw):
    """A side from {path: (role, content)}, reading bytes from memory."""
    entries = [
        {"path": p, "role": role, "hash": hashlib.blake2b(data).hexdigest(), "size": len(data)}
        for p, (role, data) in files.items()
    ]
    reads = []

    def read(path):
        reads.append(path)
        return files[path][1]

    side = DiffSide(label, files=entries, read=read, **kw)
    side.reads = reads
    return side


def _data(a, b, **kw):
    return check(diff(a, b, only={"data"}, **kw))["data"]


CSV_A = b"id,age,city\n1,34,Oslo\n2,51,Bergen\n3,27,Oslo\n"
CSV_B = b"id,age,income\n1,34.5,100\n2,51,200\n3,27,300\n4,44,400\n5,38,500\n"


def test_files_added_removed_modified_and_unchanged():
    a = _side(
        "a",
        {
            "nb.ipynb": ("notebook", b"{}"),
            "raw.txt": ("input", b"one"),
            "old.bin": ("output", b"x"),
            "same.txt": ("input", b"same"),
        },
    )
    b = _side(
        "b",
        {
            "nb.ipynb": ("notebook", b"{ }"),
            "raw.txt": ("input", b"one two"),
            "model.pkl": ("output", b"weights"),
            "same.txt": ("tracked", b"same"),
        },
    )
    data = _data(a, b)
    files = {f["path"]: f for f in data["files"]}
    assert "nb.ipynb" not in files  # the notebook section covers it
    assert files["raw.txt"]["status"] == "modified" and files["raw.txt"]["changes"] == ["content"]
    assert files["raw.txt"]["size_delta"] == 4
    assert files["raw.txt"]["a"]["hash"] != files["raw.txt"]["b"]["hash"]
    assert files["model.pkl"]["status"] == "added" and files["model.pkl"]["b"]["size"] == 7
    assert files["old.bin"]["status"] == "removed" and files["old.bin"]["role"] == "output"
    assert files["same.txt"]["changes"] == ["role"]
    assert data["summary"] == {"added": 1, "removed": 1, "modified": 2, "unchanged": 0}


def test_csv_rows_columns_and_dtypes():
    a = _side("a", {"data/train.csv": ("input", CSV_A)})
    b = _side("b", {"data/train.csv": ("input", CSV_B)})
    (f,) = _data(a, b)["files"]
    t = f["table"]
    assert t["format"] == "csv"
    assert (t["a"]["rows"], t["b"]["rows"], t["rows_delta"]) == (3, 5, 2)
    assert t["columns_added"] == ["income"] and t["columns_removed"] == ["city"]
    assert t["dtype_changed"] == [{"name": "age", "a": "int", "b": "float"}]
    assert t["a"]["columns"][2] == {"name": "city", "dtype": "str"}


def test_csv_over_the_size_limit_is_not_read():
    a = _side("a", {"big.csv": ("input", CSV_A)})
    b = _side("b", {"big.csv": ("input", CSV_B)})
    (f,) = _data(a, b, table_limit=10)["files"]
    assert f["table"]["a"] is None and "larger than 10 bytes" in f["table"]["note"]
    assert a.reads == [] and b.reads == []


def test_unchanged_csv_is_not_read():
    a = _side("a", {"x.csv": ("input", CSV_A)})
    b = _side("b", {"x.csv": ("input", CSV_A)})
    assert _data(a, b)["files"] == []
    assert a.reads == [] and b.reads == []


def test_unreadable_csv_is_a_note_not_an_error():
    a = _side("a", {"x.csv": ("input", CSV_A)})
    b = _side("b", {"x.csv": ("input", CSV_B)})
    b.read = lambda path: (_ for _ in ()).throw(OSError("gone"))
    (f,) = _data(a, b)["files"]
    assert f["table"]["b"] is None and f["table"]["note"] == "could not be read as a table"


def test_parquet_rows_columns_and_dtypes():
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")

    def parquet(table) -> bytes:
        buf = io.BytesIO()
        pq.write_table(table, buf)
        return buf.getvalue()

    pa_a = parquet(pa.table({"id": [1, 2, 3], "score": [1, 2, 3]}))
    pa_b = parquet(pa.table({"id": [1, 2, 3, 4], "score": [0.5, 1.5, 2.5, 3.5], "tag": ["a", "b", "c", "d"]}))
    (f,) = _data(_side("a", {"f.parquet": ("output", pa_a)}), _side("b", {"f.parquet": ("output", pa_b)}))["files"]
    t = f["table"]
    assert t["format"] == "parquet" and t["rows_delta"] == 1
    assert t["columns_added"] == ["tag"]
    assert t["dtype_changed"] == [{"name": "score", "a": "int", "b": "float"}]


def test_metrics_deltas_and_relative_change():
    a = DiffSide("a", metrics={"accuracy": 0.8, "loss": 0.5, "epochs": 10, "note": "baseline", "auc": 0.0})
    b = DiffSide("b", metrics={"accuracy": 0.85, "loss": float("nan"), "epochs": 10, "f1": 0.7, "auc": 0.1})
    m = check(diff(a, b, only={"metrics"}))["metrics"]
    e = {x["key"]: x for x in m["entries"]}
    assert e["accuracy"]["delta"] == 0.05
    assert e["accuracy"]["relative"] == pytest.approx(0.0625)
    assert e["loss"]["b"] == "NaN" and e["loss"]["delta"] is None  # a diverged loss is still JSON
    assert e["auc"]["relative"] is None  # relative to zero is undefined
    assert e["f1"]["status"] == "added" and e["note"]["status"] == "removed"
    assert "epochs" not in e
    assert m["summary"] == {"added": 1, "removed": 1, "changed": 3, "unchanged": 1}


def test_params_nested_keys_are_dotted():
    a = DiffSide("a", params={"model": {"lr": 0.1, "depth": 6}, "seed": 1})
    b = DiffSide("b", params={"model": {"lr": 0.01, "depth": 6}, "seed": 1})
    d = check(diff(a, b, only={"metrics"}))  # --only metrics brings params along
    (e,) = d["params"]["entries"]
    assert e["key"] == "model.lr" and e["delta"] == pytest.approx(-0.09)
    assert e["relative"] == pytest.approx(-0.9)
    assert d["notebook"] is None and d["data"] is None


def test_int_and_equal_float_are_unchanged():
    d = check(diff(DiffSide("a", metrics={"n": 1, "ok": True}), DiffSide("b", metrics={"n": 1.0, "ok": 1})))
    assert [x["key"] for x in d["metrics"]["entries"]] == ["ok"]  # a bool is not a number
    assert d["metrics"]["summary"]["unchanged"] == 1
