"""Helpers for tests: real notebooks, the real CLI in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat


def write_notebook(path: Path, sources: list[str], *, outputs: bool = True, ids: bool = True) -> Path:
    """A real nbformat 4.5 notebook with code cells (and a stream output each)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for i, src in enumerate(sources, start=1):
        cell = nbformat.v4.new_code_cell(src, execution_count=i)
        if outputs:
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"out {i}\n")]
        if not ids:
            cell.pop("id", None)
        nb.cells.append(cell)
    if not ids:
        nb.nbformat_minor = 4
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(nbformat.writes(nb, version=4) if ids else _dump(nb))
    return path


def _dump(nb: dict) -> str:
    return json.dumps(nb, indent=1)


def package_env() -> dict[str, str]:
    """The environment for a child Python that imports the same jupyter_mv as the tests."""
    import jupyter_mv

    source = str(Path(jupyter_mv.__path__[0]).parent)
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": source + (os.pathsep + path if path else "")}


def run_cli(
    *args: str, cwd: Path | None = None, env: dict | None = None, check: bool = False
) -> subprocess.CompletedProcess:
    """Run the real `jupyter-mv` entry point in a subprocess."""
    full_env = {**package_env(), "NO_COLOR": "1", **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-m", "jupyter_mv.cli", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"jupyter mv {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
    return proc


def tree_bytes(folder: Path) -> dict[str, bytes]:
    """Every file under a folder with its bytes: to prove a failed command changed nothing."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.endswith(("-shm", "-wal"))
    }
