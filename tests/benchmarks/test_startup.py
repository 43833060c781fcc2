"""`jupyter mv snapshot` starts in tens of milliseconds because it imports only what the
verb needs: checked with ``python -X importtime`` on a real project, whose notebook names
a kernelspec (as every notebook Jupyter writes does)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.helpers import package_env, write_notebook

#: What a snapshot must never load: dataframes, the server and its event loop, the
#: kernel client, sqlite-utils (its plugin scan), the remotes' code.
HEAVY = {"pandas", "numpy", "jupyter_server", "tornado", "zmq", "jupyter_client", "sqlite_utils", "jupyter_mv.remote"}


def _imported(args: list[str], cwd: Path) -> set[str]:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "jupyter_mv.cli", *args],
        cwd=cwd,
        env={**package_env(), "NO_COLOR": "1"},
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return {m.group(1) for m in re.finditer(r"^import time:\s+\d+ \|\s+\d+ \|\s+(\S+)$", proc.stderr, re.M)}


def test_snapshot_imports_nothing_heavy(tmp_path: Path) -> None:
    write_notebook(tmp_path / "train.ipynb", ["x = 1"])
    (tmp_path / "data.csv").write_text("a,b\n1,2\n")
    _imported(["init", "."], tmp_path)
    modules = _imported(["snapshot", "train.ipynb", "data.csv", "-m", "first"], tmp_path)
    assert "jupyter_mv.store.snapshot" in modules  # the measurement saw the snapshot's imports
    assert not {m for m in modules if m.split(".")[0] in HEAVY or m in HEAVY}
    # A version with nothing changed (and the log) stays as light.
    assert not _imported(["snapshot", "train.ipynb", "data.csv", "-m", "again"], tmp_path) & HEAVY
    assert not _imported(["log"], tmp_path) & HEAVY
