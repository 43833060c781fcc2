"""A Dockerfile and build context that rebuild a version's environment and run its notebook.

:func:`export_dockerfile` writes into an empty (or new) folder::

    DIR/
      Dockerfile          FROM python:X.Y-slim (the version's Python), pip install -r
                          requirements.txt with jupyter-mv, then runs run.sh
      requirements.txt    the exact pins (see jupyter_mv.integrations.envfiles)
      wheels/             jupyter-mv itself, when the version's came from a path and no
                          index has it: a wheel of the running copy
      run.sh              runs the notebook with nbconvert, jupyter-mv loaded (``%mv``
                          works), and copies the executed notebook, the files the
                          version wrote and its versions' log to /out
      .dockerignore       keeps build outputs out of the context
      README.md           how to build, run and check it, and what could not be pinned
      project/            the notebook and its input and tracked files, byte for byte
                          from the store, at their paths in the project

Building and running need a Docker engine; writing the files does not.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import Conflict, InvalidInput
from ..progress import Progress, null_progress
from .envfiles import pins, render_requirements
from .rebuild import build_wheel, jupyter_mv_pin

if TYPE_CHECKING:
    from ..store import Store

__all__ = ["export_dockerfile", "base_image"]

#: What runs the notebook in the image; installed beside the pins when the version lacks it.
RUNNER = ("nbconvert", "ipykernel")
_CONTEXT = "project"
_OUT = "/out"


def base_image(env: dict[str, Any]) -> str:
    """``python:X.Y-slim`` for the version's Python (``pypy:X.Y-slim`` for PyPy).

    :raises InvalidInput: the environment names no Python version
    """
    py = env.get("python") or {}
    m = re.match(r"^(\d+)\.(\d+)", str(py.get("version") or ""))
    if not m:
        raise InvalidInput("the recorded environment names no Python version")
    image = "pypy" if str(py.get("implementation") or "").lower() == "pypy" else "python"
    return f"{image}:{m.group(1)}.{m.group(2)}-slim"


def _check_destination(dest: Path) -> None:
    if dest.exists() and not dest.is_dir():
        raise Conflict(f"{dest} exists and is not a folder")
    if dest.is_dir() and any(dest.iterdir()):
        raise Conflict(f"{dest} is not empty; give a new or empty folder for the build context")


def export_dockerfile(
    store: Store,
    ref: str,
    dest: str | os.PathLike[str],
    *,
    notebook: str | None = None,
    progress: Progress = null_progress,
) -> dict[str, Any]:
    """Write a Docker build context for version ``ref`` into ``dest`` (new or empty).

    :returns: ``{"version", "notebook", "directory", "image", "files": [written, relative
        to dest], "warnings": [...]}``
    :raises Conflict: ``dest`` is not empty. :raises InvalidInput: the version recorded no
        environment. Nothing is left behind when writing fails.
    """
    version = store.resolve(ref, notebook)
    env = store.environment(version)
    if env is None:
        raise InvalidInput(f"{version.label} recorded no environment: nothing to pin the image's packages to")
    image = base_image(env)
    target = Path(os.path.abspath(os.fspath(dest)))
    _check_destination(target)
    warnings: list[str] = []
    plat = env.get("platform") or {}
    if plat.get("system") and plat["system"] != "Linux":
        warnings.append(
            f"recorded on {plat['system']}: packages made only for that system may not install in a Linux image"
        )
    all_pins = pins(env)
    for p in all_pins:
        if not p.resolvable:
            warnings.append(f"{p.name} {p.version or ''} is left out: {p.note}".replace("  ", " "))
    if any(p.kind == "vcs" and p.resolvable for p in all_pins):
        local = [p.name for p in all_pins if p.kind == "vcs" and p.note]
        if local:
            warnings.append(f"{', '.join(local)} come from a repository on this machine, which the image cannot reach")
    wanted = [f.path for f in version.files if f.role != "output" and f.stored]
    for f in version.files:
        if f.role != "output" and not f.stored:
            warnings.append(f"{f.path} was recorded by hash only: add it to project/ before building")
    installed = {p.name.lower().replace("_", "-") for p in all_pins if p.resolvable}
    missing_runner = [r for r in RUNNER if r not in installed]
    own = jupyter_mv_pin(env)
    needs_wheel = own is None or not own.resolvable
    outputs = sorted(f.path for f in version.files if f.role == "output")

    created = not target.exists()
    target.mkdir(parents=True, exist_ok=True)
    try:
        store.restore(version, wanted, to=target / _CONTEXT, progress=progress)
        wheel = build_wheel(target / "wheels").name if needs_wheel else None
        title = f"{version.label} ({version.short_id})"
        files = {
            "requirements.txt": render_requirements(env, title=f"environment of {title}"),
            "Dockerfile": _dockerfile(
                version, image, missing_runner, any(p.kind == "vcs" and p.resolvable for p in all_pins), wheel
            ),
            "run.sh": _run_script(version, outputs),
            ".dockerignore": "# keep what a run produces out of the next build\nout/\n**/.ipynb_checkpoints/\n"
            "**/__pycache__/\n",
            "README.md": _readme(version, image, wanted, missing_runner, warnings, wheel, outputs),
        }
        for name, text in files.items():
            (target / name).write_text(text, encoding="utf-8")
    except BaseException:
        if created:
            shutil.rmtree(target, ignore_errors=True)
        else:
            for child in target.iterdir():
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child, ignore_errors=True)
                else:
                    child.unlink(missing_ok=True)
        raise
    written = sorted(files) + [f"{_CONTEXT}/{p}" for p in sorted(wanted)] + ([f"wheels/{wheel}"] if wheel else [])
    return {
        "version": version.id,
        "label": version.label,
        "notebook": version.notebook,
        "directory": str(target),
        "image": image,
        "files": written,
        "warnings": warnings,
    }


def _dockerfile(version: Any, image: str, missing_runner: list[str], needs_git: bool, wheel: str | None) -> str:
    lines = [
        f"# Rebuilds the environment of {version.label} ({version.short_id}) and runs its notebook.",
        '# Build: docker build -t IMAGE .    Run: docker run --rm -v "$PWD/out:/out" IMAGE',
        f"FROM {image}",
        "ENV PYTHONDONTWRITEBYTECODE=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1",
    ]
    if needs_git:
        lines += [
            "# VCS requirements are cloned at their recorded commits",
            "RUN apt-get update && apt-get install -y --no-install-recommends git && rm -rf /var/lib/apt/lists/*",
        ]
    lines.append("COPY requirements.txt /tmp/requirements.txt")
    extra = list(missing_runner)
    if wheel:
        lines += ["# jupyter-mv itself (the version's came from a path, not an index)", "COPY wheels/ /tmp/wheels/"]
        extra.insert(0, f"/tmp/wheels/{wheel}")
    if extra:  # one resolution, so that what runs the notebook fits the pins
        what = " and ".join((["jupyter-mv"] if wheel else []) + missing_runner)
        lines += [
            f"# the pinned packages, and {what} to run the notebook",
            f"RUN pip install -r /tmp/requirements.txt {' '.join(extra)}",
        ]
    else:
        lines.append("RUN pip install -r /tmp/requirements.txt")
    lines += [
        f"COPY {_CONTEXT}/ /work/",
        "COPY run.sh /usr/local/bin/run-notebook",
        "WORKDIR /work",
        f"# runs the notebook with %mv loaded; the executed notebook and the files it wrote go to {_OUT}",
        'CMD ["sh", "/usr/local/bin/run-notebook"]',
    ]
    return "\n".join(lines) + "\n"


def _run_script(version: Any, outputs: list[str]) -> str:
    """The image's command: run the notebook where it lies, with jupyter-mv loaded (every
    kernel of an environment with jupyter-mv loads it) and told its notebook; then copy
    what it made to the output folder. ``MV_PROJECT`` and ``MV_OUT`` move both folders."""
    from shlex import quote

    folder = os.path.dirname(version.notebook) or "."
    name = os.path.basename(version.notebook)
    nbconvert = (
        "jupyter nbconvert --to notebook --execute --ExecutePreprocessor.kernel_name=python3 "
        f'--ExecutePreprocessor.timeout=-1 --output-dir "$out" {quote(name)}'
    )
    lines = [
        "#!/bin/sh",
        f"# Runs {version.notebook} top to bottom with jupyter-mv loaded (its %mv cells work), then copies",
        "# the executed notebook, the files the version wrote and the versions the run made to the output folder.",
        "set -e",
        'project="${MV_PROJECT:-/work}"',
        f'out="${{MV_OUT:-{_OUT}}}"',
        'mkdir -p "$out"',
        f'export JPY_SESSION_NAME="$project/{version.notebook}"  # the notebook %mv versions',
        f'cd "$project/{folder}"',
        nbconvert,
        'cd "$project"',
    ]
    if outputs:
        lines += [
            f"for f in {' '.join(quote(p) for p in outputs)}; do",
            '  if [ -f "$f" ]; then mkdir -p "$out/$(dirname "$f")"; cp "$f" "$out/$f"; fi',
            "done",
        ]
    lines += [
        f'jupyter mv log {quote(version.notebook)} > "$out/versions.txt" 2>&1 || true',
        f'echo "ran {version.notebook}: the executed notebook and what it wrote are in $out"',
    ]
    return "\n".join(lines) + "\n"


def _readme(
    version: Any,
    image: str,
    wanted: list[str],
    missing_runner: list[str],
    warnings: list[str],
    wheel: str | None,
    outputs: list[str],
) -> str:
    name = os.path.basename(version.notebook)
    lines = [
        f"# {version.label}",
        "",
        f"A Docker build context made by `jupyter mv export` from version {version.name} "
        f"({version.id}) of `{version.notebook}`" + (f": {version.message}" if version.message else "."),
        "",
        "```console",
        "$ docker build -t my-notebook .",
        '$ docker run --rm -v "$PWD/out:/out" my-notebook',
        "```",
        "",
        f"The image starts from `{image}` (the version's Python), installs the exact packages of",
        "`requirements.txt`"
        + (f" and jupyter-mv (`wheels/{wheel}`, a wheel of the copy that exported it)" if wheel else "")
        + ", copies `project/` to `/work` and runs `run.sh`: the notebook top to bottom with",
        "`jupyter nbconvert --execute`, jupyter-mv loaded in its kernel so that its `%mv` cells work.",
    ]
    if missing_runner:
        lines.append(
            f"The version's environment had no {' or '.join(missing_runner)}: the image installs "
            "them beside the pins, in one resolution that keeps every pin."
        )
    lines += [
        "",
        "## Checking the result",
        "",
        f"After the run, `out/` holds the executed notebook `{name}` with its outputs",
        "(a cell that failed shows its error there, and the run stops with a non-zero exit code),",
    ]
    if outputs:
        lines.append("the files the version wrote (" + ", ".join(f"`{p}`" for p in outputs) + "), ")
    lines += [
        "and `versions.txt`: the versions the notebook's own `%mv snapshot` cells made, with the",
        "metrics they logged. Compare them with the recorded ones: `jupyter mv show "
        + f"{version.label}` here, or `jupyter mv reproduce {version.label}`, which runs the",
        "notebook again and compares cell by cell.",
        "",
        "Without Docker, the same check in a fresh virtual environment:",
        "",
        "```console",
        "$ python -m venv env && env/bin/pip install -r requirements.txt"
        + (f" wheels/{wheel}" if wheel else "")
        + (" " + " ".join(missing_runner) if missing_runner else ""),
        '$ PATH="$PWD/env/bin:$PATH" MV_PROJECT="$PWD/project" MV_OUT="$PWD/out" sh run.sh',
        "```",
    ]
    lines += ["", "Files in `project/` (from the store, byte for byte):", ""]
    lines += [f"- `{p}`" for p in sorted(wanted)]
    if warnings:
        lines += ["", "## Before you build", ""]
        lines += [f"- {w}" for w in warnings]
    return "\n".join(lines) + "\n"
