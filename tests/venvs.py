"""Virtual environments that tests run kernels in, kept per machine under
``~/.cache/jupyter-mv-tests/`` (as the export tests keep theirs) by the hash of what they
hold, filled from the machine's wheel cache (``~/.cache/jupyter-mv-tests/wheels``, topped
up with ``pip download`` when a wheel is missing), and kernelspecs that start them.

A wheel of the jupyter_mv under test, when an environment holds it, is installed again
each run (``--no-deps``), its metadata made from this tree's pyproject.toml.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import tomllib

CACHE = Path.home() / ".cache" / "jupyter-mv-tests"
WHEELS = CACHE / "wheels"
ROOT = Path(__file__).parents[1]
_UNREACHABLE = re.compile(
    r"NewConnectionError|Failed to establish a new connection|Temporary failure in name resolution"
    r"|Could not fetch URL|ConnectTimeoutError|Network is unreachable|ProxyError|No matching distribution",
)


def base_requirements() -> list[str]:
    """jupyter-mv's own dependencies (without extras), as pyproject.toml lists them."""
    return list(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"])


def own_wheel(dest: Path) -> Path:
    """A wheel of the jupyter_mv under test whose metadata requires what pyproject.toml
    says (the installed copy's metadata may be older than the tree)."""
    from jupyter_mv.integrations.rebuild import build_wheel

    built = build_wheel(dest / "built")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    with zipfile.ZipFile(built) as zf:
        entries = {n: zf.read(n) for n in zf.namelist() if not n.endswith("/RECORD")}
    meta_name = next(n for n in entries if n.endswith(".dist-info/METADATA"))
    version = re.search(r"(?m)^Version: (.*)$", entries[meta_name].decode()).group(1)
    lines = ["Metadata-Version: 2.1", "Name: jupyter-mv", f"Version: {version}"]
    lines += [f"Requires-Dist: {r}" for r in project["dependencies"]]
    for extra, reqs in project.get("optional-dependencies", {}).items():
        lines.append(f"Provides-Extra: {extra}")
        lines += [f"Requires-Dist: {r}; extra == {extra!r}" for r in reqs]
    entries[meta_name] = ("\n".join(lines) + "\n").encode()
    record = []
    for name, blob in entries.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(blob).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(blob)}")
    record_name = meta_name.replace("METADATA", "RECORD")
    record.append(f"{record_name},,")
    target = dest / built.name
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, blob in entries.items():
            zf.writestr(name, blob)
        zf.writestr(record_name, "\n".join(record) + "\n")
    return target


def _pip(python: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(python), "-m", "pip", "--disable-pip-version-check", "-q", *args],
        capture_output=True,
        text=True,
        timeout=900,
    )


def cached_venv(label: str, requirements: list[str], *, wheel: Path | None = None) -> Path:
    """A venv holding ``requirements`` (and ``wheel`` with its dependencies), kept per
    machine; its interpreter. Skips the test when a wheel is missing and no index answers."""
    key = hashlib.sha256(json.dumps([sys.version, requirements, wheel is not None]).encode()).hexdigest()[:16]
    venv = CACHE / f"{label}-{key}"
    python = venv / "bin" / "python"
    wanted = [*requirements, *([str(wheel)] if wheel else [])]
    if not (venv / ".complete").exists():
        shutil.rmtree(venv, ignore_errors=True)
        WHEELS.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=300)
        offline = ["install", "--no-index", "--find-links", str(WHEELS), *wanted]
        done = _pip(python, *offline)
        if done.returncode != 0:  # a wheel the cache lacks: fetch what is missing, once
            fetched = _pip(Path(sys.executable), "download", "-d", str(WHEELS), *wanted)
            if fetched.returncode != 0 and _UNREACHABLE.search(fetched.stdout + fetched.stderr):
                shutil.rmtree(venv, ignore_errors=True)
                pytest.skip("needs a package index for missing wheels, and none answers")
            assert fetched.returncode == 0, fetched.stderr[-3000:]
            done = _pip(python, *offline)
        assert done.returncode == 0, done.stderr[-3000:]
        (venv / ".complete").touch()
    elif wheel is not None:  # the dependencies are there: this run's jupyter-mv, again
        done = _pip(python, "install", "--no-deps", "--force-reinstall", str(wheel))
        assert done.returncode == 0, done.stderr[-3000:]
    return python


def installed(python: Path) -> set[str]:
    """The normalized names of the distributions installed in ``python``'s environment."""
    out = subprocess.run(
        [
            str(python),
            "-c",
            "import importlib.metadata as m; print('\\n'.join(d.metadata['Name'] for d in m.distributions()))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {re.sub(r"[-_.]+", "-", n).lower() for n in out.split()}


def kernelspec(folder: Path, name: str, python: Path) -> Path:
    """A kernelspec ``name`` in ``folder/kernels`` that starts ``python``'s ipykernel; the
    folder to put on ``JUPYTER_PATH`` (or hand a KernelSpecManager)."""
    spec = folder / "kernels" / name
    spec.mkdir(parents=True, exist_ok=True)
    argv = [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": name, "language": "python"}))
    return folder


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without what would make a child import the tree under
    test (``PYTHONPATH``) or jupyter-mv's settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER_MV", "PYTHON", "JPY_"))}
    env.update(extra)
    return env
