"""`jupyter mv snapshot` starts in tens of milliseconds because it imports only what the
verb needs: checked with ``python -X importtime`` on a real project, whose notebook names
a kernelspec (as every notebook Jupyter writes does)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

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
    # A version with nothing changed (and the log) stays as light: it compresses nothing and
    # restores nothing, so neither the codec nor the restore code is loaded.
    again = _imported(["snapshot", "train.ipynb", "data.csv", "-m", "again"], tmp_path)
    assert not again & (HEAVY | {"zstandard", "jupyter_mv.store.restore", "jupyter_mv.store.remotes"})
    # nor what only a capture, a git work tree, a new pack, a new store or a DVC file needs
    light = {"subprocess", "platform", "uuid", "hashlib"}
    assert not again & light, again & light
    assert not _imported(["log"], tmp_path) & HEAVY


def test_kernelspec_lookup_without_jupyter_client_finds_what_it_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The snapshot's kernelspec lookup (no jupyter_client import) answers as jupyter_client's
    ``KernelSpecManager`` does, for the kernels on ``JUPYTER_PATH``."""
    import json

    from jupyter_client.kernelspec import KernelSpecManager

    from jupyter_mv.capture.environment import kernelspec_python

    kernels = tmp_path / "share" / "kernels"
    launch = ["-m", "ipykernel_launcher", "-f", "{connection_file}"]
    other = tmp_path / "venv" / "bin" / "python"
    other.parent.mkdir(parents=True)
    other.write_text("#!/bin/sh\n")
    other.chmod(0o755)
    specs = {
        "OtherVenv": [str(other), *launch],  # found lower-cased, as jupyter_client finds it
        "native": ["python", *launch],
        "prefixed": ["{prefix}/bin/python", *launch],
        "wrapped": ["conda", "run", "-n", "x", "python", *launch],
        "irkernel": ["R", "--slave"],
    }
    for name, argv in specs.items():
        (kernels / name).mkdir(parents=True)
        language = "R" if name == "irkernel" else "python"
        (kernels / name / "kernel.json").write_text(
            json.dumps({"argv": argv, "display_name": name, "language": language})
        )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "share"))
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    names = ["othervenv", "native", "prefixed", "wrapped", "irkernel", "no-such-kernel", "python3"]
    found = {n: kernelspec_python(n) for n in names}
    assert found == {n: kernelspec_python(n, manager=KernelSpecManager()) for n in names}
    assert found["othervenv"] == str(other)
    assert found["native"] == sys.executable


def test_kernelspec_name_read_from_the_notebooks_end_is_the_notebooks_own(tmp_path: Path) -> None:
    """The name is read from the file's end only when that is the notebook's own metadata:
    a notebook written with its metadata first, and a cell's metadata naming another
    kernel at the end, is read whole and gives its own kernelspec."""
    import json

    from jupyter_mv.capture.environment import _tail_kernel_name
    from jupyter_mv.diff.reader import kernel_name

    usual = write_notebook(tmp_path / "usual.ipynb", ["x = 1"])
    assert _tail_kernel_name(usual) == kernel_name(usual) == "python3"
    cell = {"cell_type": "code", "id": "a", "source": "1", "outputs": [], "execution_count": None}
    odd = tmp_path / "odd.ipynb"
    odd.write_text(
        "{"
        + f'"metadata": {json.dumps({"kernelspec": {"name": "mine", "display_name": "m", "language": "python"}})}, '
        + '"nbformat": 4, "nbformat_minor": 5, '
        + f'"cells": [{json.dumps({**cell, "metadata": {"kernelspec": {"name": "other"}}})}]'
        + "}"
    )
    assert _tail_kernel_name(odd) is None  # not certain: read whole
    assert kernel_name(odd) == "mine"
    bare = tmp_path / "bare.ipynb"
    bare.write_text(json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1))
    assert _tail_kernel_name(bare) == ""  # its metadata names no kernel
