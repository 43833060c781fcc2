"""`benchmarks/bench_diff.py --pairs-only --quick` times both engines on nbdime's test
pairs and reports the distribution of their ratio. It asserts no speed (the machine is
shared), only that every pair ran, with the changed cells nbdime finds."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.corpus import MIN_NBDIME_PAIRS
from tests.helpers import package_env

REPO = Path(__file__).resolve().parents[2]


def test_quick_diff_benchmark_on_nbdimes_pairs(tmp_path: Path) -> None:
    figures = tmp_path / "pairs.json"
    run = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "bench_diff.py"), "--pairs-only", "--quick", "--json", str(figures)],
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
        env=package_env(),
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    assert "ratio nbdime / jupyter-mv per pair: min " in run.stdout
    assert "same changed cells as nbdime on all" in run.stdout and run.stdout.rstrip().endswith("OK")
    data = json.loads(figures.read_text())
    assert len(data["pairs"]) >= MIN_NBDIME_PAIRS
    assert all(r["ours_ms"] > 0 and r["nbdime_ms"] > 0 for r in data["pairs"])
    assert 0 < data["ratio"]["min"] <= data["ratio"]["median"] <= data["ratio"]["max"]
