"""The format as a whole (schema, sections, --only), the renderers, and the core's imports."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import jsonschema
import pytest

from jupyter_mv.diff import DiffSide, diff, load_schema, parse_only, render_html, render_text

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def rich_pair(notebook, code, md, stream, display, png):
    """Two versions that differ in every section."""
    a_nb = notebook(
        md("# Model"),
        code("df = load('train.csv')\nprint(len(df))", [stream("100\n")], count=1),
        code("plot(df)", [display({"image/png": png(), "text/plain": "<Figure>"})], count=2),
        code("fit(df, lr=0.1)", count=3),
        code("old_cell()", count=4),
    )
    b_nb = copy.deepcopy(a_nb)
    b_nb["cells"][1]["outputs"][0]["text"] = ["120\n"]
    b_nb["cells"][2]["outputs"][0]["data"]["image/png"] = png(box=(0, 0, 4, 4))
    b_nb["cells"][3]["source"] = "fit(df, lr=0.01)"
    del b_nb["cells"][4]
    b_nb["cells"].insert(0, json.loads(json.dumps(code("import <script>alert(1)</script>"))))
    env_a = {
        "python": {"version": "3.11.7", "implementation": "CPython"},
        "platform": {},
        "gpu": [],
        "packages": [{"name": "numpy", "version": "1.26.4", "origin": {"kind": "pypi"}}],
    }
    env_b = copy.deepcopy(env_a)
    env_b["packages"][0]["version"] = "2.0.0"
    csv_a, csv_b = b"a,b\n1,2\n", b"a,b\n1,2.5\n3,4\n"
    files_a = [
        {"path": "nb.ipynb", "role": "notebook", "hash": "h1", "size": 10},
        {"path": "train.csv", "role": "input", "hash": "c1", "size": len(csv_a)},
    ]
    files_b = [
        {"path": "nb.ipynb", "role": "notebook", "hash": "h2", "size": 11},
        {"path": "train.csv", "role": "input", "hash": "c2", "size": len(csv_b)},
    ]
    a = DiffSide(
        "v1 · 1a2b3c4d",
        notebook=a_nb,
        environment=env_a,
        files=files_a,
        metrics={"acc": 0.8},
        params={"lr": 0.1},
        read={"train.csv": csv_a}.__getitem__,
        git={"commit": "aaa", "branch": "main", "dirty": False, "dirty_files": [], "remote": None},
    )
    b = DiffSide(
        "disk",
        notebook=b_nb,
        environment=env_b,
        files=files_b,
        metrics={"acc": 0.85},
        params={"lr": 0.01},
        read={"train.csv": csv_b}.__getitem__,
        git={"commit": "bbb", "branch": "main", "dirty": True, "dirty_files": ["nb.ipynb"], "remote": None},
    )
    return a, b


def test_full_diff_validates_and_has_every_section(rich_pair, validate):
    d = validate(diff(*rich_pair))
    assert (d["format"], d["version"]) == ("jupyter-mv-diff", 1)
    assert d["a"] == {"label": "v1 · 1a2b3c4d"} and d["b"] == {"label": "disk"}
    assert d["empty"] is False
    assert {k: d[k]["status"] for k in ("notebook", "environment", "data", "metrics", "params")} == {
        "notebook": "modified",
        "environment": "changed",
        "data": "changed",
        "metrics": "changed",
        "params": "changed",
    }
    assert d["notebook"]["a"]["path"] == "nb.ipynb"
    validate(diff(*rich_pair, include_metadata=True))


def test_schema_rejects_what_the_format_forbids(rich_pair):
    validator = jsonschema.Draft202012Validator(load_schema())
    d = diff(*rich_pair)
    bad = copy.deepcopy(d)
    bad["version"] = 2
    assert not validator.is_valid(bad)
    bad = copy.deepcopy(d)
    bad["notebook"]["cells"][0]["status"] = "renamed"
    assert not validator.is_valid(bad)
    bad = copy.deepcopy(d)
    next(c for c in bad["notebook"]["cells"] if c["status"] == "added")["a"] = {
        "index": 0,
        "id": None,
        "cell_type": "code",
    }
    assert not validator.is_valid(bad)  # an added cell has no side a


def test_only_computes_the_named_sections(rich_pair, validate):
    d = validate(diff(*rich_pair, only={"notebook"}))
    assert d["notebook"] is not None
    assert d["environment"] is None and d["data"] is None and d["metrics"] is None and d["params"] is None
    d = validate(diff(*rich_pair, only="env,data"))
    assert d["notebook"] is None and d["environment"]["status"] == "changed" and d["data"] is not None


def test_only_rejects_unknown_sections():
    from jupyter_mv.errors import InvalidInput

    with pytest.raises(InvalidInput, match="unknown diff section 'outputs'"):
        parse_only(["notebook", "outputs"])
    assert parse_only(["metrics"]) == {"metrics", "params"}


def test_render_text_shows_every_kind_of_change(rich_pair):
    text = render_text(diff(*rich_pair), color=False, width=120)
    assert "\x1b[" not in text
    for expected in (
        "diff v1 · 1a2b3c4d → disk",
        "+ cell 1  code",
        "-fit(df, lr=[-0.1-])",
        "+fit(df, lr={+0.01+})",
        "- cell 5  code",
        "image/png 40×30 → 40×30, 2.08% of pixels changed (25)",
        "↑ numpy 1.26.4 → 2.0.0",
        "~ git.commit  aaa → bbb",
        "~ train.csv  input",
        "rows 1 → 2 (+1); b int → float",
        "~ acc  0.8 → 0.85  (+0.05, +6.25%)",
        "~ lr  0.1 → 0.01  (-0.09, -90.00%)",
    ):
        assert expected in text, expected
    assert all(len(line) <= 120 for line in text.splitlines())


def test_render_text_colours_and_width(rich_pair):
    d = diff(*rich_pair)
    coloured = render_text(d, color=True, width=40)
    assert "\x1b[32m" in coloured and "\x1b[31m" in coloured
    plain = render_text(d, color=False, width=40)
    assert max(len(line) for line in plain.splitlines()) <= 40


def test_render_text_of_empty_diff_mentions_hidden_changes(notebook, code, run_diff):
    a = notebook(code("x = 1", count=1))
    b = copy.deepcopy(a)
    b["cells"][0]["execution_count"] = 5
    text = render_text(run_diff(a, b), color=False)
    assert "no differences" in text
    assert "1 cell differ only in execution counts" in text


def test_render_html_is_self_contained_and_escapes_notebook_content(rich_pair):
    page = render_html(diff(*rich_pair))
    assert page.count("data:image/png;base64,") == 3  # before, pixel diff, after
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "http" not in page


def test_side_from_a_version_object(notebook, code):
    nb = notebook(code("x = 1"))
    stored = {"nb.ipynb": json.dumps(nb).encode()}
    version = SimpleNamespace(
        name="v3",
        short_id="1a2b3c4d5e6f",
        notebook="nb.ipynb",
        git=None,
        metrics={"acc": 1},
        params={},
        files=[SimpleNamespace(path="nb.ipynb", role="notebook", hash="h", size=9, mode=0o644, stored=True)],
    )
    side = DiffSide.from_version(version, read=stored.__getitem__)
    assert side.label == "v3 · 1a2b3c4d"
    assert side.notebook == nb and side.notebook_path() == "nb.ipynb"
    d = diff(side, side)
    assert d["empty"] is True


def test_core_imports_no_server_or_kernel_code():
    code = (
        "import sys; import jupyter_mv.diff as d; "
        "bad = [m for m in ('tornado', 'jupyter_server', 'IPython', 'ipywidgets') if m in sys.modules]; "
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
