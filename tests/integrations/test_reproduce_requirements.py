"""``reproduce --against requirements``: the version's environment rebuilt from its own
pins in a fresh virtual environment (pip, offline from the machine's wheel cache), and the
notebook run and compared there.

The wheels come from ``~/.cache/jupyter-mv-tests/wheels`` (filled with ``pip download`` of
the version's requirements when its environment was never built here); ``--keep-env``
keeps the environment under ``~/.cache/jupyter-mv-tests/`` by the hash of its pins, so
only the first run on a machine builds it (minutes), as the export-builds test does.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

from jupyter_mv.integrations.envfiles import render_requirements, version_environment
from jupyter_mv.store import Store

from ..helpers import package_env, run_cli
from .test_export_builds import CACHE, _recorded_version


def _fill_wheel_cache(project: Path, tmp_path: Path) -> Path:
    """The wheel cache, with the wheels of v1's pins when its kept environment is not built yet."""
    wheels = CACHE / "wheels"
    with Store.open(project) as store:
        version, env = version_environment(store, "v1")
        pinned = render_requirements(env, title=f"environment of {version.label}")
    lines = [x for x in pinned.splitlines() if x and not x.startswith("#")]
    kept = CACHE / f"reproduce-env-{hashlib.sha256(chr(10).join(lines).encode()).hexdigest()[:16]}"
    if not (kept / ".complete").exists():
        wheels.mkdir(parents=True, exist_ok=True)
        requirements = tmp_path / "requirements.txt"
        requirements.write_text(pinned)
        download = [sys.executable, "-m", "pip", "download", "-q", "-d", str(wheels), "-r", str(requirements)]
        done = subprocess.run([*download, "ipykernel"], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-3000:]
    return wheels


def test_reproduce_against_requirements_runs_in_the_rebuilt_environment_and_gives_the_verdict(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    _recorded_version(project, tmp_path)
    wheels = _fill_wheel_cache(project, tmp_path)

    argv = [sys.executable, "-m", "jupyter_mv.cli", "reproduce", "train.ipynb@v1", "--against", "requirements"]
    argv += ["--wheel-cache", str(wheels), "--keep-env", str(CACHE), "--json"]
    # the first build on a machine installs every pin (many minutes on a busy one); later runs reuse it
    done = subprocess.run(argv, cwd=project, env=package_env(), capture_output=True, text=True, timeout=3600)

    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    result = json.loads(done.stdout)
    kernel = result["kernel"]
    assert kernel["python"].startswith(str(CACHE / "reproduce-env-"))  # the rebuilt environment's interpreter
    assert kernel["jupyter_mv"] is True  # with %mv working there
    assert result["status"] == "reproduced", result["summary"]
    assert result["environment"]["status"] == "unchanged", result["environment"]["differences"][:5]
    assert [m["status"] for m in result["metrics"]] == ["identical"]
    assert [(f["path"], f["status"]) for f in result["files"]] == [("models/model.pkl", "identical")]
    assert "rebuilding the environment of" in done.stderr or "using the kept environment of" in done.stderr


def test_keep_env_and_wheel_cache_go_with_against_requirements(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    Store.init(project).close()
    done = run_cli("reproduce", "v1", "--keep-env", str(tmp_path), cwd=project)
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [
        "jupyter mv reproduce: error: --wheel-cache and --keep-env go with --against requirements"
    ]
