"""In a real kernel: `%mv env REF --check` compares with the kernel itself, and the same
operations exist in the Python API and the magic (`env --format`, `export`, `log --git`)."""

from __future__ import annotations

import sys
from pathlib import Path

from jupyter_mv.store import Store

from ..helpers import run_cli, write_notebook
from ..kernel.conftest import kernel_env, save_notebook, started_kernel
from .conftest import git, install_metadata, make_venv, site_packages


def test_check_in_the_magic_compares_with_the_running_kernel(project: Path, tmp_path: Path) -> None:
    other = make_venv(tmp_path / "other", with_pip=False)
    install_metadata(site_packages(other), "only-recorded", "1.0")
    Store.init(project).close()
    save_notebook(project / "train.ipynb", ["x = 1"])
    (project / "data.csv").write_text("a\n1\n")
    git(project, "init", "-q", "-b", "main")
    git(project, "add", "train.ipynb")
    git(project, "commit", "-q", "-m", "start")
    run_cli("snapshot", "train.ipynb", "--input", "data.csv", "--python", str(other), cwd=project, check=True)
    env = kernel_env({"JPY_SESSION_NAME": str(project / "train.ipynb")}, ipython_dir=tmp_path / "ipython")

    with started_kernel(project, env) as k:
        k.run("%load_ext jupyter_mv")
        differs = k.run("%mv env v1 --check")
        k.run("%mv snapshot -m 'in the kernel'")
        same = k.run("%mv env v2 --check")
        api = k.run(
            "import jupyter_mv as mv\n"
            "r = mv.env('v1', check=True)\n"
            "print(r['same'], [p['name'] for p in r['removed']], len(r['added']) > 10)\n"
            "print(mv.env('v2', format='requirements').splitlines()[0])\n"
            "print([e['type'] for e in mv.log(git=True)])"
        )
        written = k.run("%mv env v1 --format environment-yml -o env.yml")
        exported = k.run("%mv export v1 --dockerfile ctx")

    assert differs.error is None and differs.stderr == ""
    lines = differs.stdout.splitlines()
    assert lines[0].startswith("train.ipynb@v1 and this kernel differ (")
    assert "  - only-recorded 1.0 (recorded, not installed now)" in lines
    assert any(line.startswith("  + ipykernel ") for line in lines)
    assert same.stdout.startswith("this kernel matches train.ipynb@v2: CPython "), same.stdout + same.stderr
    api_lines = api.stdout.splitlines()
    assert api_lines[0] == "False ['only-recorded'] True"
    assert api_lines[1].startswith("# environment of train.ipynb@v2 (")
    assert api_lines[2] == "['version', 'version', 'commit']"
    assert written.stdout.startswith("wrote env.yml (environment-yml, ")
    assert "  - pip:\n      - only-recorded==1.0\n" in (project / "env.yml").read_text()
    assert "wrote a Docker build context for train.ipynb@v1 into ctx" in exported.stdout
    assert (project / "ctx" / "project" / "data.csv").read_text() == "a\n1\n"
    dockerfile = (project / "ctx" / "Dockerfile").read_text()
    assert f"FROM python:{sys.version_info[0]}.{sys.version_info[1]}-slim" in dockerfile
    assert (project / "ctx" / "project" / "train.ipynb").read_bytes() == (project / "train.ipynb").read_bytes()


def test_bad_magic_input_is_one_line(project: Path, tmp_path: Path) -> None:
    Store.init(project).close()
    write_notebook(project / "train.ipynb", ["1"])
    env = kernel_env({"JPY_SESSION_NAME": str(project / "train.ipynb")}, ipython_dir=tmp_path / "ipython")
    with started_kernel(project, env) as k:
        k.run("%load_ext jupyter_mv")
        runs = [
            k.run(line)
            for line in ("%mv env v3 --check", "%mv export --dockerfile d --mlflow m", "%mv env --format yaml")
        ]
    for run in runs:
        assert run.error is None and run.stdout == "" and run.stderr.count("\n") == 1, run.stderr
    assert runs[0].stderr.startswith("%mv env: error: no version v3")
    assert "not allowed with argument" in runs[1].stderr
    assert "invalid choice: 'yaml'" in runs[2].stderr
