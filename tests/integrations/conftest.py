"""Real tools for the integration tests: git repositories in tmp_path, virtual environments
with packages installed by pip from an index, a git repository, a wheel and a folder."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from ..helpers import run_cli, write_notebook

# What pip prints when it cannot reach an index at all (not when it reaches one and the
# requirements do not resolve: that must fail the test).
_UNREACHABLE = re.compile(
    r"NewConnectionError|Failed to establish a new connection|Temporary failure in name resolution"
    r"|Could not fetch URL|ConnectTimeoutError|Network is unreachable|ProxyError",
)


def git(repo: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", "-c", "user.name=Ann", "-c", "user.email=ann@example.com", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def pip(python: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run the environment's pip; skip the test when no package index answers."""
    proc = subprocess.run(
        [str(python), "-m", "pip", "--disable-pip-version-check", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if proc.returncode != 0 and _UNREACHABLE.search(proc.stdout + proc.stderr):
        pytest.skip("needs a package index, and none answers: " + proc.stderr.strip().splitlines()[-1])
    return proc


def make_package(folder: Path, name: str, version: str) -> Path:
    """A small setuptools project: ``name/__init__.py`` and its pyproject.toml."""
    (folder / name).mkdir(parents=True)
    (folder / name / "__init__.py").write_text(f"VERSION = {version!r}\n")
    (folder / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n'
        f'[project]\nname = "{name}"\nversion = "{version}"\n'
    )
    return folder


def make_venv(path: Path, *, with_pip: bool = True) -> Path:
    """A new virtual environment of this Python; its interpreter."""
    args = [sys.executable, "-m", "venv", str(path)] + ([] if with_pip else ["--without-pip"])
    subprocess.run(args, check=True, capture_output=True, timeout=300)
    return path / "bin" / "python"


def site_packages(python: Path) -> Path:
    out = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return Path(out)


def install_metadata(site: Path, name: str, version: str, *, installer: str = "pip") -> Path:
    """The ``.dist-info`` folder an installer leaves: what ``importlib.metadata`` reads."""
    info = site / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    (info / "INSTALLER").write_text(installer + "\n")
    (info / "RECORD").write_text("")
    return info


@dataclass
class SampleEnv:
    """A venv holding iniconfig (an index), vcspkg (git), archpkg (a wheel file) and
    localpkg (editable)."""

    python: Path
    vcs_repo: Path
    vcs_commit: str
    local: Path
    wheel: Path
    wheel_sha256: str
    index_version: str = "2.3.0"


@pytest.fixture(scope="session")
def sample_env(tmp_path_factory: pytest.TempPathFactory) -> SampleEnv:
    base = tmp_path_factory.mktemp("sample-env")
    vcs = make_package(base / "vcspkg", "vcspkg", "0.3.0")
    git(vcs, "init", "-q", "-b", "main")
    git(vcs, "add", ".")
    git(vcs, "commit", "-q", "-m", "vcspkg 0.3.0")
    commit = git(vcs, "rev-parse", "HEAD")
    local = make_package(base / "localpkg", "localpkg", "0.1.0")
    archive_src = make_package(base / "archpkg", "archpkg", "1.2.0")
    python = make_venv(base / "venv")
    # a current pip: the one ensurepip brings may predate PEP 508 URLs such as git+file:///
    proc = pip(python, "install", "-q", "--upgrade", "pip")
    assert proc.returncode == 0, proc.stderr
    proc = pip(python, "install", "-q", "iniconfig==2.3.0")
    assert proc.returncode == 0, proc.stderr
    proc = pip(python, "wheel", "-q", "--no-deps", "-w", str(base / "wheels"), str(archive_src))
    assert proc.returncode == 0, proc.stderr
    wheel = next((base / "wheels").glob("archpkg-*.whl"))
    for args in (
        ["install", "-q", str(wheel)],
        ["install", "-q", f"vcspkg @ git+file://{vcs}@{commit}"],
        ["install", "-q", "-e", str(local)],
    ):
        proc = pip(python, *args)
        assert proc.returncode == 0, proc.stderr
    return SampleEnv(python, vcs, commit, local, wheel, hashlib.sha256(wheel.read_bytes()).hexdigest())


@pytest.fixture
def sample_project(project: Path, sample_env: SampleEnv) -> Path:
    """A project whose train.ipynb (reading data.csv) has v1, recorded with the sample env."""
    write_notebook(project / "train.ipynb", ["open('data/train.csv').read()"])
    (project / "data").mkdir()
    (project / "data" / "train.csv").write_text("x,y\n1,2\n")
    run_cli("init", cwd=project, check=True)
    run_cli(
        "snapshot",
        "train.ipynb",
        "--input",
        "data/train.csv",
        "--python",
        str(sample_env.python),
        "-m",
        "baseline",
        cwd=project,
        check=True,
    )
    return project
