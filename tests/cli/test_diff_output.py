"""`jupyter mv diff` output: compact JSON with unchanged outputs written once, and the
terminal width (COLUMNS, --width) honoured by wrapping, run as a real subprocess."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
from nbformat import v4

from jupyter_mv.diff import load_schema, output_hash
from tests.helpers import package_env, run_cli

LONG = "value = compute(" + ", ".join(f"option_{k}={k}" for k in range(14)) + ")"


def _notebook(path: Path, text: str, source: str, image: str) -> None:
    nb = v4.new_notebook()
    nb.cells = [
        v4.new_code_cell(
            source,
            execution_count=1,
            outputs=[
                v4.new_output("stream", name="stdout", text=text),
                v4.new_output("display_data", data={"image/png": image, "text/plain": "<Figure>"}),
            ],
        )
    ]
    path.write_text(nbformat.writes(nb))


def test_diff_json_is_compact_and_writes_unchanged_outputs_once(project: Path) -> None:
    import jsonschema

    image = base64.b64encode(os.urandom(30_000)).decode()
    nb = project / "nb.ipynb"
    _notebook(nb, "took 1.2s\n", "run()", image)
    run_cli("init", cwd=project, check=True)
    run_cli("snapshot", "nb.ipynb", "--no-env", cwd=project, check=True)
    _notebook(nb, "took 1.9s\n", "run()", image)
    text = run_cli("diff", "v1", "--json", cwd=project, check=True).stdout
    full = run_cli("diff", "v1", "--json", "--full-outputs", cwd=project, check=True).stdout
    assert text.count("\n") == 1 and full.count("\n") == 1
    assert text.count(image) == 1 and full.count(image) == 2
    assert len(text) < len(full) - 30_000
    d = json.loads(text)
    jsonschema.Draft202012Validator(load_schema()).validate(d)
    assert d["output_refs"] is True and "output_refs" not in json.loads(full)
    stream, picture = d["notebook"]["cells"][0]["outputs"]
    assert stream["status"] == "changed" and "ref" not in stream["b"]["output"]
    assert picture["status"] == "unchanged"
    assert picture["b"]["output"] == {"output_type": "display_data", "ref": output_hash(picture["a"]["output"])}
    assert picture["a"]["output"] == json.loads(full)["notebook"]["cells"][0]["outputs"][1]["b"]["output"]


def test_diff_wraps_at_the_terminal_width(project: Path) -> None:
    nb = project / "nb.ipynb"
    _notebook(nb, "x\n", LONG, "")
    run_cli("init", cwd=project, check=True)
    run_cli("snapshot", "nb.ipynb", "--no-env", cwd=project, check=True)
    _notebook(nb, "x\n", LONG.replace("option_13=13", "option_13=31"), "")
    assert len(LONG) > 120
    narrow = run_cli("diff", "v1", cwd=project, env={"COLUMNS": "60"}, check=True).stdout
    assert max(len(line) for line in narrow.splitlines()) <= 60
    assert "…" not in narrow and "↪" in narrow
    wide = run_cli("diff", "v1", "--width", "300", cwd=project, check=True).stdout
    rows = [row.strip() for row in wide.splitlines()]
    assert "-" + LONG.replace("option_13=13", "option_13=[-13-]") in rows
    assert run_cli("diff", "v1", "--width", "0", cwd=project, check=True).stdout == wide


def test_diff_colour_can_be_forced_and_marks_follow_no_color(project: Path) -> None:
    nb = project / "nb.ipynb"
    _notebook(nb, "x\n", "fit(lr=0.1)", "")
    run_cli("init", cwd=project, check=True)
    run_cli("snapshot", "nb.ipynb", "--no-env", cwd=project, check=True)
    _notebook(nb, "x\n", "fit(lr=0.01)", "")
    forced = run_cli("diff", "v1", "--color", "always", "--no-pager", cwd=project, check=True).stdout
    assert "\x1b[7m0.01\x1b[0m" in forced
    marked = run_cli("diff", "v1", cwd=project, check=True).stdout  # NO_COLOR=1 in run_cli
    assert "+fit(lr={+0.01+})" in marked and "\x1b[" not in marked
    env = {k: v for k, v in package_env().items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    piped = subprocess.run(
        [sys.executable, "-m", "jupyter_mv.cli", "diff", "v1"],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    ).stdout
    assert "+fit(lr=0.01)" in piped and "{+" not in piped and "\x1b[" not in piped
