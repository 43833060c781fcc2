"""`jupyter mv export REF --dockerfile DIR`: the build context's files, checked for content;
pip's resolver runs the Dockerfile's own install command (no Docker engine here)."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import pytest

from ..helpers import run_cli, tree_bytes, write_notebook
from .conftest import SampleEnv, pip

PY = f"{sys.version_info[0]}.{sys.version_info[1]}"


def _without_timestamp(text: str) -> list[str]:
    return [line for line in text.splitlines() if not line.startswith("# written by jupyter-mv on ")]


def test_export_writes_the_dockerfile_requirements_notebook_and_inputs(
    sample_project: Path, sample_env: SampleEnv
) -> None:
    proc = run_cli("export", "v1", "--dockerfile", "build", cwd=sample_project)

    assert proc.returncode == 0, proc.stderr
    build = sample_project / "build"
    assert proc.stdout.startswith(f"wrote a Docker build context for train.ipynb@v1 into build (python:{PY}-slim, ")
    assert sorted(str(p.relative_to(build)) for p in build.rglob("*") if p.is_file()) == [
        ".dockerignore",
        "Dockerfile",
        "README.md",
        "project/data/train.csv",
        "project/train.ipynb",
        "requirements.txt",
        "run.sh",
        "wheels/jupyter_mv-0.1.0-py3-none-any.whl",  # the sample environment had no jupyter-mv
    ]
    # the notebook and its input, byte for byte
    assert (build / "project" / "train.ipynb").read_bytes() == (sample_project / "train.ipynb").read_bytes()
    assert (build / "project" / "data" / "train.csv").read_bytes() == b"x,y\n1,2\n"
    # the same pins as `env --format requirements`
    pins = run_cli("env", "v1", "--format", "requirements", cwd=sample_project, check=True).stdout
    assert _without_timestamp((build / "requirements.txt").read_text()) == _without_timestamp(pins)
    dockerfile = (build / "Dockerfile").read_text().splitlines()
    version_id = json.loads(run_cli("show", "v1", "--json", cwd=sample_project, check=True).stdout)["id"]
    assert dockerfile[0] == f"# Rebuilds the environment of train.ipynb@v1 ({version_id[:12]}) and runs its notebook."
    assert dockerfile[2:] == [
        f"FROM python:{PY}-slim",
        "ENV PYTHONDONTWRITEBYTECODE=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1",
        "# VCS requirements are cloned at their recorded commits",
        "RUN apt-get update && apt-get install -y --no-install-recommends git && rm -rf /var/lib/apt/lists/*",
        "COPY requirements.txt /tmp/requirements.txt",
        "# jupyter-mv itself (the version's came from a path, not an index)",
        "COPY wheels/ /tmp/wheels/",
        "# the pinned packages, and jupyter-mv and nbconvert and ipykernel to run the notebook",
        "RUN pip install -r /tmp/requirements.txt /tmp/wheels/jupyter_mv-0.1.0-py3-none-any.whl nbconvert ipykernel",
        "COPY project/ /work/",
        "COPY run.sh /usr/local/bin/run-notebook",
        "WORKDIR /work",
        "# runs the notebook with %mv loaded; the executed notebook and the files it wrote go to /out",
        'CMD ["sh", "/usr/local/bin/run-notebook"]',
    ]
    run = (build / "run.sh").read_text()
    assert 'export JPY_SESSION_NAME="$project/train.ipynb"' in run
    assert '--ExecutePreprocessor.timeout=-1 --output-dir "$out" train.ipynb\n' in run
    assert (build / ".dockerignore").read_text().splitlines() == [
        "# keep what a run produces out of the next build",
        "out/",
        "**/.ipynb_checkpoints/",
        "**/__pycache__/",
    ]
    readme = (build / "README.md").read_text()
    assert readme.startswith("# train.ipynb@v1\n") and version_id in readme and ": baseline" in readme
    assert "docker build -t my-notebook ." in readme and f"`python:{PY}-slim`" in readme
    assert "- `data/train.csv`\n- `train.ipynb`" in readme
    # what the image cannot get is said, in the README and on stderr
    for text in (readme, proc.stderr):
        assert "localpkg 0.1.0 is left out: an editable install of" in text
        assert "archpkg 1.2.0 is left out: installed from file://" in text
        assert "vcspkg come from a repository on this machine" in text


@pytest.mark.needs_index
def test_the_dockerfiles_install_command_resolves_with_pip(
    sample_project: Path, sample_env: SampleEnv, tmp_path: Path
) -> None:
    run_cli("export", "v1", "--dockerfile", "build", cwd=sample_project, check=True)
    build = sample_project / "build"
    run = next(line for line in (build / "Dockerfile").read_text().splitlines() if line.startswith("RUN pip install "))
    args = shlex.split(run)[3:]  # after RUN pip install
    args = [str(build / a[len("/tmp/") :]) if a.startswith("/tmp/") else a for a in args]
    report = tmp_path / "report.json"

    proc = pip(sample_env.python, "install", "--dry-run", "--ignore-installed", "--report", str(report), *args)

    assert proc.returncode == 0, proc.stdout + proc.stderr  # the index answered: this must resolve
    resolved = {
        item["metadata"]["name"]: item["metadata"]["version"] for item in json.loads(report.read_text())["install"]
    }
    assert resolved["iniconfig"] == "2.3.0" and resolved["vcspkg"] == "0.3.0"
    assert "nbconvert" in resolved and "ipykernel" in resolved


def test_a_notebook_in_a_folder_runs_there_and_a_kernel_environment_needs_no_extra_runner(project: Path) -> None:
    # recorded with this interpreter, which has nbconvert and ipykernel
    write_notebook(project / "notebooks" / "eda.ipynb", ["open('../data.csv').read()"])
    (project / "data.csv").write_text("a\n1\n")
    run_cli("init", cwd=project, check=True)
    run_cli(
        "snapshot", "notebooks/eda.ipynb", "--input", "data.csv", "--python", sys.executable, cwd=project, check=True
    )

    proc = run_cli(
        "export", "notebooks/eda.ipynb@v1", "--dockerfile", str(project.parent / "ctx"), "--json", cwd=project
    )

    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    ctx = project.parent / "ctx"
    assert result["image"] == f"python:{PY}-slim" and result["directory"] == str(ctx)
    assert result["files"] == [
        ".dockerignore",
        "Dockerfile",
        "README.md",
        "requirements.txt",
        "run.sh",
        "project/data.csv",
        "project/notebooks/eda.ipynb",
        "wheels/jupyter_mv-0.1.0-py3-none-any.whl",  # this interpreter's jupyter-mv came from a path
    ]
    dockerfile = (ctx / "Dockerfile").read_text()
    assert "RUN pip install -r /tmp/requirements.txt /tmp/wheels/jupyter_mv-0.1.0-py3-none-any.whl\n" in dockerfile
    assert "nbconvert ipykernel" not in dockerfile
    run = (ctx / "run.sh").read_text()
    assert 'cd "$project/notebooks"\n' in run and '--output-dir "$out" eda.ipynb\n' in run
    assert "apt-get" not in dockerfile
    assert (ctx / "project" / "data.csv").read_text() == "a\n1\n"
    requirements = (ctx / "requirements.txt").read_text().splitlines()
    assert f"nbconvert=={_version('nbconvert')}" in requirements


def _version(name: str) -> str:
    from importlib.metadata import version

    return version(name)


def test_export_refuses_a_folder_with_files_and_a_version_without_environment(sample_project: Path) -> None:
    (sample_project / "build").mkdir()
    (sample_project / "build" / "keep.txt").write_text("mine")
    write_notebook(sample_project / "other.ipynb", ["1"])
    run_cli("snapshot", "other.ipynb", "--no-env", cwd=sample_project, check=True)
    before = tree_bytes(sample_project)
    cases = [
        (["export", "train.ipynb@v1", "--dockerfile", "build"], 1, "build is not empty"),
        (["export", "other.ipynb@v1", "--dockerfile", "new"], 1, "other.ipynb@v1 recorded no environment"),
        (["export", "train.ipynb@v9", "--dockerfile", "new"], 1, "no version train.ipynb@v9"),
        (["export", "train.ipynb@v1"], 2, "one of the arguments --dockerfile --mlflow is required"),
        (["export", "train.ipynb@v1", "--dockerfile", "x", "--mlflow", "sqlite:///m.db"], 2, "not allowed with"),
    ]
    for args, code, message in cases:
        proc = run_cli(*args, cwd=sample_project)
        assert proc.returncode == code, (args, proc.stderr)
        assert message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert tree_bytes(sample_project) == before
    assert not (sample_project / "new").exists()


def test_export_to_mlflow_is_one_line_when_it_cannot_run(sample_project: Path, tmp_path: Path) -> None:
    proc = run_cli("export", "v1", "--mlflow", (tmp_path / "mlruns").as_uri(), cwd=sample_project)
    if proc.returncode == 0:
        pytest.skip("MLflow export is available here; its own tests cover it")
    assert proc.returncode == 1 and "mlflow" in proc.stderr.lower()
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
