"""Fixtures for the diff engine's tests: real notebooks (nbformat.v4), real PNGs (Pillow),
and every diff validated against the published JSON Schema."""

from __future__ import annotations

import base64
import copy
import io
import json

import jsonschema
import nbformat
import pytest
from nbformat import v4

from jupyter_mv.diff import DiffSide, diff, load_schema

_VALIDATOR = jsonschema.Draft202012Validator(load_schema())


def _png(size=(40, 30), color="white", box=None, fmt="PNG") -> str:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", size, color)
    if box:
        ImageDraw.Draw(img).rectangle(box, fill=(200, 0, 0))
    buf = io.BytesIO()
    img.save(buf, format=fmt)
    return base64.b64encode(buf.getvalue()).decode("ascii")


@pytest.fixture
def png():
    """png(size=(w, h), color=..., box=(x0, y0, x1, y1) filled red, fmt="PNG"|"JPEG") -> base64."""
    return _png


def _notebook(*cells, ids: bool = True, minor: int = 5) -> dict:
    """A notebook as its on-disk JSON (lists of lines and all), parsed back into a dict."""
    nb = v4.new_notebook()
    nb.cells = list(cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    data = json.loads(nbformat.writes(nb))
    data["nbformat_minor"] = minor
    if not ids:
        for c in data["cells"]:
            c.pop("id", None)
    return data


@pytest.fixture
def notebook():
    """notebook(*cells, ids=True, minor=5) -> the notebook's JSON dict."""
    return _notebook


@pytest.fixture
def code():
    def make(source, outputs=(), count=None, **kw):
        return v4.new_code_cell(source, outputs=list(outputs), execution_count=count, **kw)

    return make


@pytest.fixture
def md():
    return v4.new_markdown_cell


@pytest.fixture
def stream():
    def make(text, name="stdout"):
        return v4.new_output("stream", name=name, text=text)

    return make


@pytest.fixture
def display():
    def make(data, kind="display_data", count=None, metadata=None):
        if kind == "execute_result":
            return v4.new_output(kind, data=data, execution_count=count, metadata=metadata or {})
        return v4.new_output(kind, data=data, metadata=metadata or {})

    return make


@pytest.fixture
def copy_nb():
    return copy.deepcopy


def check(d: dict) -> dict:
    """Validate against the schema and prove it is strict JSON (no NaN); return d."""
    _VALIDATOR.validate(d)
    json.dumps(d, allow_nan=False)
    return d


@pytest.fixture
def run_diff():
    """run_diff(a, b, **kw) with a/b notebooks (dicts) or DiffSides; validated."""

    def run(a, b, **kw):
        sa = a if isinstance(a, DiffSide) else DiffSide("a", notebook=a)
        sb = b if isinstance(b, DiffSide) else DiffSide("b", notebook=b)
        return check(diff(sa, sb, **kw))

    return run


@pytest.fixture
def validate():
    return check
