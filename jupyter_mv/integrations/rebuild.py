"""An environment rebuilt from a version's pins, with jupyter-mv in it to run the notebook.

:func:`rebuild_environment` makes a fresh virtual environment from the ``requirements``
file :mod:`jupyter_mv.integrations.envfiles` renders for a version, with ipykernel and
jupyter-mv (from its pin, else :func:`build_wheel`: a wheel of the running copy), as
``reproduce`` and the Docker context need.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .envfiles import Pin, _canonical, pins, render_requirements, version_environment

__all__ = ["jupyter_mv_pin", "build_wheel", "build_venv", "rebuild_environment", "Rebuilt"]


def jupyter_mv_pin(env: Mapping[str, Any]) -> Pin | None:
    """The version's own jupyter-mv as a :class:`Pin`, when it recorded one."""
    return next((p for p in pins(env) if _canonical(p.name) == "jupyter-mv"), None)


def _shared_data() -> dict[str, bytes]:
    """The files jupyter-mv installs outside the package (IPython's and Jupyter's config),
    by their path under the environment's prefix: from the source tree when running from
    one, else from the installed copy."""
    import sys
    from importlib import metadata

    source = Path(__file__).parents[2] / "jupyter-config"  # beside the package in a source tree
    if source.is_dir():
        out = {f"etc/ipython/{f.name}": f.read_bytes() for f in sorted((source / "ipython").glob("*.json"))}
        out.update(
            {
                f"etc/jupyter/jupyter_server_config.d/{f.name}": f.read_bytes()
                for f in sorted((source / "server-config").glob("*.json"))
            }
        )
        return out
    out = {}
    try:
        files = metadata.distribution("jupyter-mv").files or []
    except metadata.PackageNotFoundError:
        return {}
    for f in files:
        located = Path(os.path.normpath(f.locate()))
        try:
            rel = located.relative_to(sys.prefix).as_posix()
        except ValueError:
            continue
        if rel.startswith("etc/") and located.is_file():
            out[rel] = located.read_bytes()
    return out


def build_wheel(dest: str | os.PathLike[str]) -> Path:
    """A wheel of the jupyter-mv that is running (its package files, its metadata and the
    IPython config that loads ``%mv`` in every kernel), written into ``dest``: what an
    environment installs when the version's jupyter-mv came from a path, not an index."""
    import base64
    import hashlib
    import zipfile
    from importlib import metadata

    from .._version import __version__

    package = Path(__file__).parents[1]  # the jupyter_mv package that is running
    dist_info = f"jupyter_mv-{__version__}.dist-info"
    data = f"jupyter_mv-{__version__}.data/data"
    entries: dict[str, bytes] = {}
    for path in sorted(package.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".pyc", ".pyo"):
            entries[path.relative_to(package.parent).as_posix()] = path.read_bytes()
    for rel, blob in _shared_data().items():
        entries[f"{data}/{rel}"] = blob
    try:
        installed = metadata.distribution("jupyter-mv")
        meta = installed.read_text("METADATA") or ""
        entry_points = installed.read_text("entry_points.txt") or ""
    except metadata.PackageNotFoundError:
        meta, entry_points = "Metadata-Version: 2.1\nName: jupyter-mv\nVersion: 0\n", ""
    meta = re.sub(r"(?m)^Version: .*$", f"Version: {__version__}", meta, count=1)
    entries[f"{dist_info}/METADATA"] = meta.encode()
    if not entry_points:
        entry_points = "[console_scripts]\njupyter-mv = jupyter_mv.cli:main\n"
    entries[f"{dist_info}/entry_points.txt"] = entry_points.encode()
    entries[f"{dist_info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: jupyter-mv\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    record = []
    for name, blob in entries.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(blob).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(blob)}")
    record.append(f"{dist_info}/RECORD,,")
    target = Path(dest) / f"jupyter_mv-{__version__}-py3-none-any.whl"
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as wheel:
        for name, blob in entries.items():
            wheel.writestr(name, blob)
        wheel.writestr(f"{dist_info}/RECORD", "\n".join(record) + "\n")
    return target


@dataclass
class Rebuilt:
    """A virtual environment rebuilt from a version's pins."""

    folder: str
    python: str

    def remove(self) -> None:
        import shutil

        shutil.rmtree(self.folder, ignore_errors=True)


def build_venv(
    folder: str | os.PathLike[str],
    requirements: str | os.PathLike[str],
    extra: list[str],
    *,
    wheel_cache: str | os.PathLike[str] | None = None,
) -> str:
    """Create a fresh virtual environment in ``folder`` and ``pip install -r requirements``
    with ``extra`` in one resolution (offline, from the wheels in ``wheel_cache``, when
    given); its interpreter.

    :raises MVError: pip failed (its last lines say why).
    """
    import subprocess
    import sys

    from ..errors import MVError

    subprocess.run([sys.executable, "-m", "venv", os.fspath(folder)], check=True, capture_output=True)
    python = str(Path(folder) / ("Scripts/python.exe" if os.name == "nt" else "bin/python"))
    argv = [python, "-m", "pip", "install", "-q", "--disable-pip-version-check", "-r", os.fspath(requirements), *extra]
    if wheel_cache is not None:
        argv += ["--no-index", "--find-links", os.fspath(wheel_cache)]
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        tail = " / ".join(done.stderr.strip().splitlines()[-3:])
        raise MVError(f"pip could not rebuild the environment: {tail}")
    return python


def _kept_python(venv: Path, wheel: Path | None) -> str | None:
    """The interpreter of a kept, complete environment (the running jupyter-mv's ``wheel``
    installed into it again), or None when there is none."""
    import subprocess

    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    if not (venv / ".complete").is_file() or not python.is_file():
        return None
    if wheel is not None:
        argv = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-deps"]
        done = subprocess.run([*argv, "--force-reinstall", str(wheel)], capture_output=True, text=True)
        if done.returncode != 0:
            return None
    return str(python)


def rebuild_environment(
    store: Any,
    ref: str,
    *,
    notebook: str | None = None,
    wheel_cache: str | os.PathLike[str] | None = None,
    keep_in: str | os.PathLike[str] | None = None,
    progress: Any = None,
) -> Rebuilt:
    """A fresh virtual environment with the pinned requirements of version ``ref``, and
    jupyter-mv and ipykernel to run its notebook (jupyter-mv from its pin, else a wheel of
    the running copy). ``progress``: a stream told what happens (one line each step).

    :param keep_in: keep the environment in this folder, named by the hash of its
        requirements, and use it again for the same requirements (with the running
        jupyter-mv's wheel installed again), instead of building one each time.
    """
    import hashlib
    import shutil
    import tempfile
    import time

    from ..errors import NotFound

    if wheel_cache is not None and not Path(wheel_cache).is_dir():
        raise NotFound(f"no such wheel cache folder: {wheel_cache}")
    if keep_in is not None and not Path(keep_in).is_dir():
        raise NotFound(f"no such folder to keep environments in: {keep_in}")
    version, env = version_environment(store, ref, notebook=notebook)
    folder = Path(tempfile.mkdtemp(prefix="jupyter-mv-env-"))
    try:
        requirements = folder / "requirements.txt"
        pinned = render_requirements(env, title=f"environment of {version.label}")
        requirements.write_text(pinned)
        own = jupyter_mv_pin(env)
        extra = ["ipykernel"]
        wheel = None
        if own is None or not own.resolvable:
            wheel = build_wheel(folder / "wheels")
            extra.append(str(wheel))
        count = sum(1 for p in pins(env) if p.resolvable)
        started = time.monotonic()
        venv = folder / "venv"
        if keep_in is not None:
            lines = [x for x in pinned.splitlines() if x and not x.startswith("#")]
            venv = Path(keep_in) / f"reproduce-env-{hashlib.sha256(chr(10).join(lines).encode()).hexdigest()[:16]}"
            kept = _kept_python(venv, wheel)
            if kept is not None:
                if progress is not None:
                    print(f"using the kept environment of {version.label}: {kept}", file=progress)
                return Rebuilt(str(folder), kept)
            shutil.rmtree(venv, ignore_errors=True)
        if progress is not None:
            print(f"rebuilding the environment of {version.label}: {count} pinned packages", file=progress)
        python = build_venv(venv, requirements, extra, wheel_cache=wheel_cache)
        if keep_in is not None:
            (venv / ".complete").touch()
        if progress is not None:
            print(f"rebuilt in {time.monotonic() - started:.0f} s: {python}", file=progress)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return Rebuilt(str(folder), python)
