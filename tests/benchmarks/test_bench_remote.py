"""`benchmarks/bench_remote.py --quick` runs against a folder and a local S3 server and
reports its figures. It asserts no speed (the machine is shared), only that both back
ends ran and that a small edit sends a small share of the file (a size, not a time)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_quick_remote_benchmark_reports_both_back_ends(tmp_path: Path) -> None:
    figures = tmp_path / "remote.json"
    run = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "bench_remote.py"), "--quick", "--json", str(figures)],
        capture_output=True,
        text=True,
        timeout=1200,
        stdin=subprocess.DEVNULL,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    assert "| back end | first push | back end's own copy | push / copy |" in run.stdout
    results = {r["backend"]: r for r in json.loads(figures.read_text())["results"]}
    assert set(results) == {"folder", "s3"}
    for r in results.values():
        assert r["first_push"]["bytes"] >= r["file_bytes"]  # random bytes: everything goes once
        assert (r["edit_push"]["versions"], r["edit_push"]["packs"]) == (1, 1)
        assert 0 < r["edit_ratio"] < 0.01
        assert r["push_vs_copy"] > 0
