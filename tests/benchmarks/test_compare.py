"""`benchmarks/compare.py --quick` runs end to end and writes its table, chart and figures.

This keeps the comparison with DVC and git working; it asserts no speed (the machine
is shared), only that every tool ran, restored its first version byte for byte, and
that the report says where jupyter-mv meets or misses each target.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TOOLS = ("jupyter-mv", "DVC", "git")


def test_quick_comparison_writes_its_table(tmp_path: Path) -> None:
    md, png, raw = tmp_path / "BENCHMARKS.md", tmp_path / "compare.png", tmp_path / "figures.json"
    run = subprocess.run(
        [
            sys.executable,
            str(REPO / "benchmarks" / "compare.py"),
            "--quick",
            "--md",
            str(md),
            "--png",
            str(png),
            "--json",
            str(raw),
        ],
        capture_output=True,
        text=True,
        timeout=1500,
        stdin=subprocess.DEVNULL,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]

    text = md.read_text()
    assert "| figure | jupyter-mv | DVC | git | jupyter-mv vs DVC |" in text
    for label in (
        "first version",
        "version after a small edit",
        "version with nothing changed",
        "store after the rounds",
        "restore the first version",
        "peak RSS",
        "load average",
    ):
        assert label in text, label
    assert "| restored bytes identical | yes | yes | yes |" in text
    assert text.count("| target | measured | met |") == 1
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    figures = json.loads(raw.read_text())
    (result,) = figures["runs"]
    for tool in TOOLS:
        m = result["tools"][tool]
        assert m["restore_ok"], tool
        assert len(m["edit_all"]) == 5, tool
        for key in ("first", "edit_median", "nochange", "restore", "size", "rss"):
            assert m[key] > 0, (tool, key)
    assert any(v.startswith("DVC ") for v in figures["info"]["versions"])
