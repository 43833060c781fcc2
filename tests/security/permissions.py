"""The real CLI in a subprocess for which file permissions hold, and tiny real disks.

Tests often run as root, whom no mode bit stops: a read-only store would not be
read-only to them. Without the capabilities that override permissions (CAP_DAC_OVERRIDE,
CAP_DAC_READ_SEARCH, CAP_FOWNER) root is held to the mode bits like anyone else, and its
files stay its own. A full disk is a real tmpfs of a few hundred kilobytes.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import package_env

NO_DAC = ["--inh-caps=-dac_override,-dac_read_search,-fowner", "--bounding-set=-dac_override,-dac_read_search,-fowner"]


def plain_prefix() -> list[str]:
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root and setpriv (util-linux) is missing: permissions cannot be made to hold")
    return [setpriv, *NO_DAC]


def run_cli_plain(
    *args: str, cwd: Path, env: dict[str, str] | None = None, text: bool = True
) -> subprocess.CompletedProcess:
    """``jupyter mv ARGS`` as a user whom file permissions bind."""
    return subprocess.run(
        [*plain_prefix(), sys.executable, "-m", "jupyter_mv.cli", *args],
        cwd=cwd,
        env={**package_env(), "NO_COLOR": "1", **(env or {})},
        capture_output=True,
        text=text,
        timeout=300,
    )


def run_python_plain(code: str, *, cwd: Path) -> subprocess.CompletedProcess:
    """``python -c CODE`` (importing this jupyter_mv) as a user whom file permissions bind."""
    return subprocess.run(
        [*plain_prefix(), sys.executable, "-c", code],
        cwd=cwd,
        env=package_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )


@contextlib.contextmanager
def read_only(*paths: Path) -> Iterator[None]:
    """Every file and folder under ``paths`` without write permission (chmod -R a-w), then back."""
    modes: list[tuple[Path, int]] = []
    for top in paths:
        for p in [top, *(sorted(top.rglob("*")) if top.is_dir() else [])]:
            modes.append((p, p.stat().st_mode))
    try:
        for p, m in modes:
            os.chmod(p, m & ~0o222)
        yield
    finally:
        for p, m in reversed(modes):
            os.chmod(p, m)


@contextlib.contextmanager
def tiny_disk(where: Path, size: str = "4m") -> Iterator[Path]:
    """A real file system of ``size`` mounted at ``where`` (tmpfs), unmounted after."""
    where.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("a small real disk needs root to mount a tmpfs")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(where)], capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield where
    finally:
        if subprocess.run(["umount", str(where)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(where)], capture_output=True)


def fill(disk: Path, leave: int = 0) -> Path:
    """Fill ``disk`` until at most ``leave`` bytes are free; returns the filler file."""
    filler = disk / "filler"
    with open(filler, "wb") as f:
        block = b"\0" * 65536
        try:
            while True:
                st = os.statvfs(disk)
                free = st.f_bavail * st.f_frsize
                if free <= leave:
                    break
                f.write(block[: max(4096, min(len(block), free - leave))])
                f.flush()
        except OSError:
            pass
    return filler
