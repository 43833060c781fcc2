"""`jupyter mv env REF --format ...` and `--check` against real environments: a venv that
pip filled from an index, a git repository, a wheel file and an editable folder; pip's
own resolver reads the requirements back."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml

try:
    import tomllib
except ImportError:  # Python 3.10: jupyterlab brings tomli there
    import tomli as tomllib

from ..helpers import run_cli, tree_bytes, write_notebook
from .conftest import SampleEnv, install_metadata, make_venv, pip, site_packages


def test_requirements_pin_every_package_exactly_and_mark_what_no_index_has(
    sample_project: Path, sample_env: SampleEnv
) -> None:
    proc = run_cli("env", "v1", "--format", "requirements", "-o", "requirements.txt", cwd=sample_project)

    assert proc.returncode == 0, proc.stderr
    assert "wrote requirements.txt (requirements" in proc.stdout and "localpkg" in proc.stdout
    text = (sample_project / "requirements.txt").read_text()
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert "iniconfig==2.3.0" in lines
    assert f"vcspkg @ git+file://{sample_env.vcs_repo}@{sample_env.vcs_commit}  # a local repository" in lines
    # the venv's own setuptools, from the index, pinned too; pip (the installer) is not
    assert any(line.startswith("setuptools==") for line in lines)
    assert not any(line.startswith("pip==") for line in lines)
    # editable folders and local wheel files cannot come from an index: a comment says where they came from
    comments = [line for line in text.splitlines() if line.startswith("#")]
    assert f"#   localpkg==0.1.0: an editable install of file://{sample_env.local}; not on a package index" in comments
    assert any(c.startswith("#   archpkg==1.2.0: installed from file://") for c in comments)
    assert "# environment of train.ipynb@v1 (" in text and "CPython 3." in text
    assert not any("localpkg" in line or "archpkg" in line for line in lines)


@pytest.mark.needs_index
def test_the_requirements_resolve_with_pips_resolver(
    sample_project: Path, sample_env: SampleEnv, tmp_path: Path
) -> None:
    run_cli("env", "v1", "--format", "requirements", "-o", "requirements.txt", cwd=sample_project, check=True)
    report = tmp_path / "report.json"

    proc = pip(
        sample_env.python,
        "install",
        "--dry-run",
        "--ignore-installed",
        "--report",
        str(report),
        "-r",
        "requirements.txt",
        cwd=sample_project,
    )

    assert proc.returncode == 0, proc.stdout + proc.stderr  # the index answered: this must resolve
    resolved = {item["metadata"]["name"]: item for item in json.loads(report.read_text())["install"]}
    assert resolved["iniconfig"]["metadata"]["version"] == "2.3.0"
    assert resolved["vcspkg"]["metadata"]["version"] == "0.3.0"
    assert resolved["vcspkg"]["download_info"]["vcs_info"]["commit_id"] == sample_env.vcs_commit
    assert "localpkg" not in resolved and "archpkg" not in resolved


def test_environment_yml_outside_conda_has_python_pip_and_the_pins(sample_project: Path, sample_env: SampleEnv) -> None:
    text = run_cli("env", "v1", "--format", "environment-yml", cwd=sample_project, check=True).stdout

    data = yaml.safe_load(text)
    version = ".".join(map(str, sys.version_info[:3]))
    assert data["name"] == "train-v1"
    assert data["channels"] == ["conda-forge"]
    assert data["dependencies"][:2] == [f"python={version}", "pip"]
    pip_deps = data["dependencies"][2]["pip"]
    assert "iniconfig==2.3.0" in pip_deps
    assert f"vcspkg @ git+file://{sample_env.vcs_repo}@{sample_env.vcs_commit}" in pip_deps
    assert not any("localpkg" in d for d in pip_deps)
    assert "      # localpkg==0.1.0: an editable install of" in text


def test_environment_yml_of_a_conda_environment_has_its_channels_builds_and_the_pip_rest(
    project: Path, tmp_path: Path
) -> None:
    # a conda prefix as conda leaves it: conda-meta records, and dist-info folders whose
    # INSTALLER says which tool put them there
    python = make_venv(tmp_path / "conda-env", with_pip=False)
    meta = tmp_path / "conda-env" / "conda-meta"
    meta.mkdir()
    records = [
        ("python", "3.11.7", "hab00c5b_0_cpython", "https://example.org/conda-forge/linux-64"),
        ("numpy", "1.26.4", "py311h64a7726_0", "https://example.org/conda-forge/linux-64"),
        ("tzdata", "2024a", "h0c530f3_0", "https://example.org/conda-forge/noarch"),
        ("mkl", "2023.1.0", "h213fc3f_46344", "https://example.org/pkgs/main/linux-64"),
        ("requests", "2.31.0", "pypi_0", "pypi"),
    ]
    for name, version, build, channel in records:
        (meta / f"{name}-{version}-{build}.json").write_text(
            json.dumps({"name": name, "version": version, "build": build, "channel": channel})
        )
    site = site_packages(python)
    install_metadata(site, "numpy", "1.26.4", installer="conda")
    install_metadata(site, "requests", "2.31.0")
    install_metadata(site, "six", "1.16.0")
    write_notebook(project / "nb.ipynb", ["1"])
    run_cli("init", cwd=project, check=True)
    run_cli("snapshot", "nb.ipynb", "--python", str(python), cwd=project, check=True)

    text = run_cli("env", "v1", "--format", "environment-yml", cwd=project, check=True).stdout

    data = yaml.safe_load(text)
    assert data["channels"] == ["https://example.org/conda-forge", "https://example.org/pkgs/main"]
    deps = data["dependencies"]
    assert deps[:5] == [
        "mkl=2023.1.0=h213fc3f_46344",
        "numpy=1.26.4=py311h64a7726_0",
        "python=3.11.7=hab00c5b_0_cpython",
        "tzdata=2024a=h0c530f3_0",
        "pip",
    ]
    # what pip installed goes under pip:, what conda installed does not come twice
    assert deps[5] == {"pip": ["requests==2.31.0", "six==1.16.0"]}


def test_pylock_is_pep_751_with_sources_and_hashes_where_known(sample_project: Path, sample_env: SampleEnv) -> None:
    proc = run_cli("env", "v1", "--format", "pylock", "-o", "pylock.toml", cwd=sample_project)

    assert proc.returncode == 0, proc.stderr
    lock = tomllib.loads((sample_project / "pylock.toml").read_text())
    version = ".".join(map(str, sys.version_info[:3]))
    assert lock["lock-version"] == "1.0"
    assert lock["created-by"] == "jupyter-mv"
    assert lock["requires-python"] == f"=={version}"
    assert f"python_full_version == '{version}'" in lock["environments"][0]
    packages = {p["name"]: p for p in lock["packages"]}
    assert packages["iniconfig"] == {"name": "iniconfig", "version": "2.3.0"}
    assert packages["vcspkg"] == {
        "name": "vcspkg",
        "version": "0.3.0",
        "vcs": {
            "type": "git",
            "url": f"file://{sample_env.vcs_repo}",
            "requested-revision": sample_env.vcs_commit,
            "commit-id": sample_env.vcs_commit,
        },
    }
    assert packages["archpkg"]["archive"]["hashes"] == {"sha256": sample_env.wheel_sha256}
    assert packages["archpkg"]["archive"]["url"] == sample_env.wheel.as_uri()
    # a folder's code may change under one version number, so none is given for it
    assert packages["localpkg"] == {"name": "localpkg", "directory": {"path": str(sample_env.local), "editable": True}}
    assert "pip" not in packages
    # the entries with a source are what packaging's own PEP 751 reader accepts
    from packaging.pylock import Pylock

    sourced = [p for p in lock["packages"] if {"vcs", "archive", "directory"} & set(p)]
    parsed = Pylock.from_dict({**lock, "packages": sourced})
    assert {str(p.name) for p in parsed.packages} == {"vcspkg", "archpkg", "localpkg"}


def test_check_lists_added_removed_and_changed_packages_and_exits_1(project: Path, tmp_path: Path) -> None:
    python = make_venv(tmp_path / "venv", with_pip=False)
    site = site_packages(python)
    old = install_metadata(site, "alpha", "1.0")
    beta = install_metadata(site, "beta", "1.0")
    install_metadata(site, "gamma", "2.0")
    write_notebook(project / "nb.ipynb", ["1"])
    run_cli("init", cwd=project, check=True)
    run_cli("snapshot", "nb.ipynb", "--python", str(python), cwd=project, check=True)
    same = run_cli("env", "v1", "--check", "--python", str(python), cwd=project)
    assert same.returncode == 0, same.stderr
    assert f"{python} matches nb.ipynb@v1" in same.stdout and "3 packages" in same.stdout
    # then: alpha removed, beta upgraded, delta installed
    for folder in (old, beta):
        for f in folder.iterdir():
            f.unlink()
        folder.rmdir()
    install_metadata(site, "beta", "1.5")
    install_metadata(site, "delta", "0.1")

    proc = run_cli("env", "v1", "--check", "--python", str(python), cwd=project)
    data = json.loads(run_cli("env", "v1", "--check", "--python", str(python), "--json", cwd=project).stdout)

    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [
        f"nb.ipynb@v1 and {python} differ (3 differences):",
        "  - alpha 1.0 (recorded, not installed now)",
        "  + delta 0.1 (installed now, not recorded)",
        "  ~ beta 1.0 recorded, 1.5 now",
    ]
    assert data["same"] is False and data["python"] is None
    assert data["removed"] == [{"name": "alpha", "version": "1.0"}]
    assert data["added"] == [{"name": "delta", "version": "0.1"}]
    assert data["changed"] == [{"name": "beta", "recorded": "1.0", "current": "1.5", "direction": "upgraded"}]
    assert data["unchanged"] == 1


def test_check_names_another_python_version(project: Path, tmp_path: Path) -> None:
    other = Path("/usr/bin/python3")
    probe = run_cli("env", "--python", str(other), "--json", cwd=project)
    if probe.returncode != 0:
        pytest.skip("needs Debian's python3 as a second interpreter")
    other_version = json.loads(probe.stdout)["python"]["version"]
    if other_version == ".".join(map(str, sys.version_info[:3])):
        pytest.skip("Debian's python3 is this very Python version")
    write_notebook(project / "nb.ipynb", ["1"])
    run_cli("init", cwd=project, check=True)
    run_cli("snapshot", "nb.ipynb", "--python", sys.executable, cwd=project, check=True)

    proc = run_cli("env", "v1", "--check", "--python", str(other), cwd=project)

    assert proc.returncode == 1
    mine = ".".join(map(str, sys.version_info[:3]))
    assert f"  python: CPython {mine} recorded, CPython {other_version} now" in proc.stdout.splitlines()


def test_two_venvs_of_one_python_record_their_own_packages(project: Path, tmp_path: Path) -> None:
    # both venvs' bin/python resolve to the same executable; the store must not mix them up
    pythons = []
    for name, package in (("one", "alpha"), ("two", "beta")):
        python = make_venv(tmp_path / name, with_pip=False)
        install_metadata(site_packages(python), package, "1.0")
        pythons.append(python)
    write_notebook(project / "nb.ipynb", ["1"])
    run_cli("init", cwd=project, check=True)
    for python in pythons:
        run_cli("snapshot", "nb.ipynb", "--python", str(python), cwd=project, check=True)

    names = [
        [p["name"] for p in json.loads(run_cli("env", v, "--json", cwd=project, check=True).stdout)["packages"]]
        for v in ("v1", "v2")
    ]

    assert names == [["alpha"], ["beta"]]


def test_bad_input_is_one_line_and_writes_nothing(sample_project: Path) -> None:
    before = tree_bytes(sample_project)
    cases = [
        (["env", "v1", "--format", "conda"], 2, "invalid choice: 'conda'"),
        (["env", "v9", "--format", "requirements", "-o", "r.txt"], 1, "no version v9"),
        (["env", "v1", "-o", "r.txt"], 1, "-o/--output goes with --format"),
        (["env", "--check"], 1, "--check needs the version to compare with"),
        (["env", "v1", "--check", "--format", "pylock"], 2, "not allowed with argument"),
        (["env", "v1", "--check", "--python", "/no/such/python"], 1, "Python interpreter not found"),
    ]
    for args, code, message in cases:
        proc = run_cli(*args, cwd=sample_project)
        assert proc.returncode == code, (args, proc.stderr)
        assert message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert tree_bytes(sample_project) == before


def test_a_version_without_an_environment_says_so(project: Path) -> None:
    write_notebook(project / "nb.ipynb", ["1"])
    run_cli("init", cwd=project, check=True)
    run_cli("snapshot", "nb.ipynb", "--no-env", cwd=project, check=True)

    proc = run_cli("env", "v1", "--format", "requirements", cwd=project)

    assert proc.returncode == 1 and proc.stderr.strip() == "jupyter mv env: error: nb.ipynb@v1 recorded no environment"


def test_check_without_python_compares_with_the_notebooks_kernelspec(project: Path, tmp_path: Path) -> None:
    python = make_venv(tmp_path / "kernel-venv", with_pip=False)
    site = site_packages(python)
    install_metadata(site, "alpha", "1.0")
    spec = tmp_path / "jupyter" / "kernels" / "ml"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "ML",
                "language": "python",
            }
        )
    )
    nb = write_notebook(project / "nb.ipynb", ["1"])
    data = json.loads(nb.read_text())
    data["metadata"]["kernelspec"] = {"name": "ml", "display_name": "ML", "language": "python"}
    nb.write_text(json.dumps(data))
    env = {"JUPYTER_PATH": str(tmp_path / "jupyter")}
    run_cli("init", cwd=project, check=True)
    run_cli("snapshot", "nb.ipynb", cwd=project, env=env, check=True)  # records the kernelspec's interpreter
    install_metadata(site, "beta", "2.0")

    proc = run_cli("env", "v1", "--check", cwd=project, env=env)

    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.splitlines() == [
        f"nb.ipynb@v1 and {python} differ (1 difference):",
        "  + beta 2.0 (installed now, not recorded)",
    ]
