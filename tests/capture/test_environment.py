"""Environment capture against real interpreters, real venvs and real pip installs.

A module-scoped venv (``python -m venv``, no jupyter-mv in it) gets tiny packages
installed from folders built here: an editable one, a local one, a wheel and a git
repository, each with an in-tree PEP 517 backend, so pip needs no index.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from jupyter_mv.capture import (
    capture_environment,
    environment_fingerprint,
    environment_summary,
    kernelspec_python,
    sanitize_url,
)
from jupyter_mv.capture.environment import loaded_differences, loaded_warnings
from jupyter_mv.errors import InvalidInput

SECRET = "s3cr3t-value-123"

# A PEP 517 backend (with PEP 660 editable builds) in the standard library only.
BACKEND = """
import base64, hashlib, os, zipfile

NAME, VERSION = {name!r}, {version!r}
HERE = os.path.dirname(os.path.abspath(__file__))
DIST = NAME + "-" + VERSION + ".dist-info"


def _line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return "%s,sha256=%s,%d" % (path, digest, len(data))


def _wheel(directory, files):
    files = dict(files)
    metadata = "Metadata-Version: 2.1\\nName: %s\\nVersion: %s\\n\\nA tiny package.\\n"
    files[DIST + "/METADATA"] = (metadata % (NAME, VERSION)).encode()
    files[DIST + "/WHEEL"] = (
        b"Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"
    )
    record = [_line(p, d) for p, d in files.items()] + [DIST + "/RECORD,,"]
    filename = NAME + "-" + VERSION + "-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(directory, filename), "w") as zf:
        for path, data in files.items():
            zf.writestr(path, data)
        zf.writestr(DIST + "/RECORD", "\\n".join(record) + "\\n")
    return filename


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    with open(os.path.join(HERE, NAME, "__init__.py"), "rb") as fh:
        return _wheel(wheel_directory, {{NAME + "/__init__.py": fh.read()}})


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    return _wheel(wheel_directory, {{NAME + ".pth": (HERE + "\\n").encode()}})
"""


def make_package(root: Path, name: str, version: str = "0.1.0") -> Path:
    """A folder pip can install (``pip install DIR`` or ``-e DIR``) with no index."""
    root.mkdir(parents=True)
    (root / "pyproject.toml").write_text(
        textwrap.dedent(
            """\
            [build-system]
            requires = []
            build-backend = "tiny_backend"
            backend-path = ["."]
            """
        )
    )
    (root / "tiny_backend.py").write_text(BACKEND.format(name=name, version=version))
    (root / name).mkdir()
    (root / name / "__init__.py").write_text(f"VERSION = {version!r}\n")
    return root


def run(*args: str | os.PathLike[str], cwd: Path | None = None) -> str:
    proc = subprocess.run([os.fspath(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def pip(venv_python: Path, *args: str | os.PathLike[str]) -> None:
    # pip may warn "Location 'file:///...' is ignored" for configured indexes: harmless
    run(venv_python, "-m", "pip", "install", "--no-index", "--disable-pip-version-check", *args)


def by_name(env: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {p["name"]: p for p in env["packages"]}


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv's python, without jupyter-mv, with four tiny packages installed."""
    base = tmp_path_factory.mktemp("venv")
    run(sys.executable, "-m", "venv", base / "env")
    python = base / "env" / "bin" / "python"
    assert python.exists()
    pip(python, "-e", make_package(base / "src" / "mv_tiny_editable", "mv_tiny_editable"))
    pip(python, make_package(base / "src" / "mv_tiny_local", "mv_tiny_local", "2.0.1"))

    wheel_src = make_package(base / "src" / "mv_tiny_wheel", "mv_tiny_wheel", "3.0")
    run(python, "-c", "import tiny_backend; tiny_backend.build_wheel('..')", cwd=wheel_src)
    pip(python, base / "src" / "mv_tiny_wheel-3.0-py3-none-any.whl")

    repo = make_package(base / "src" / "mv_tiny_vcs", "mv_tiny_vcs", "0.9")
    git = ["git", "-c", "user.name=T", "-c", "user.email=t@example.com"]
    run(*git, "init", "-q", "-b", "main", cwd=repo)
    run(*git, "add", ".", cwd=repo)
    run(*git, "commit", "-q", "-m", "tiny", cwd=repo)
    pip(python, f"git+{repo.as_uri()}")
    return python


# ---------------------------------------------------------------------------- this python


def test_in_process_and_subprocess_capture_agree_on_python_and_packages() -> None:
    here = capture_environment()
    there = capture_environment(sys.executable)

    assert here["schema"] == there["schema"] == 1
    assert here["python"]["version"] == there["python"]["version"] == platform.python_version()
    assert here["python"]["implementation"] == there["python"]["implementation"]
    assert here["python"]["prefix"] == there["python"]["prefix"] == sys.prefix
    pairs_here = {(p["name"], p["version"]) for p in here["packages"]}
    pairs_there = {(p["name"], p["version"]) for p in there["packages"]}
    assert pairs_here == pairs_there
    assert {"pytest", "nbformat"} <= {p["name"] for p in here["packages"]}


def test_capture_is_json_sorted_and_describes_the_machine() -> None:
    env = capture_environment()

    assert json.loads(json.dumps(env)) == env
    keys = [p["name"].lower().replace("_", "-").replace(".", "-") for p in env["packages"]]
    assert keys == sorted(keys)
    assert env["platform"]["system"] == platform.system()
    assert env["platform"]["machine"] == platform.machine()
    assert env["cpu"]["count"] == os.cpu_count()
    assert isinstance(env["gpu"], list)
    assert env["paths"] and all(os.path.isdir(p) for p in env["paths"])
    site = [p for p in env["paths"] if p.endswith("site-packages")]
    assert site, env["paths"]
    assert all(p["origin"]["kind"] for p in env["packages"])


def test_summary_is_one_line_with_python_platform_and_package_count() -> None:
    env = capture_environment()

    summary = environment_summary(env)

    assert "\n" not in summary
    assert summary.startswith(f"{platform.python_implementation()} {platform.python_version()}")
    assert f"{platform.system()} {platform.machine()}" in summary
    assert f"{len(env['packages'])} packages" in summary
    assert environment_summary({}) == "unknown environment"


def test_gpus_are_listed_when_nvidia_smi_answers(tmp_path: Path) -> None:
    # a real executable named nvidia-smi on PATH, printing what the real one prints
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    tool = fake_bin / "nvidia-smi"
    tool.write_text("#!/bin/sh\necho 'NVIDIA A100-SXM4-40GB, 535.104.05, 40960 MiB'\n")
    tool.chmod(0o755)
    env = {**os.environ, "PATH": f"{fake_bin}{os.pathsep}{os.environ['PATH']}"}

    captured = capture_environment(sys.executable, env=env)

    assert captured["gpu"] == [{"name": "NVIDIA A100-SXM4-40GB", "driver": "535.104.05", "memory": "40960 MiB"}]
    assert "1× NVIDIA A100-SXM4-40GB" in environment_summary(captured)


def test_every_field_of_the_nvidia_smi_answer_is_parsed_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the same parse, called here rather than in a child interpreter, for two GPUs
    from jupyter_mv.capture import probe

    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    tool = fake_bin / "nvidia-smi"
    tool.write_text(
        "#!/bin/sh\necho 'NVIDIA A100-SXM4-40GB, 535.104.05, 40960 MiB'\necho 'Tesla T4, 470.82.01, 15360 MiB'\n"
    )
    tool.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake_bin}{os.pathsep}{os.environ['PATH']}")

    assert probe._gpu_info() == [
        {"name": "NVIDIA A100-SXM4-40GB", "driver": "535.104.05", "memory": "40960 MiB"},
        {"name": "Tesla T4", "driver": "470.82.01", "memory": "15360 MiB"},
    ]


# ---------------------------------------------------------------------------- secrets


def test_secret_env_values_never_appear_anywhere_in_a_subprocess_capture(tmp_path: Path) -> None:
    secret_dir = tmp_path / f"lib-{SECRET}"
    secret_dir.mkdir()
    env = {
        **os.environ,
        "MY_API_TOKEN": SECRET,
        "CUDA_AUTH_TOKEN": "another-secret-456",  # allow-listed prefix, secret name
        "PYTHONPATH": str(secret_dir),  # allowed, contains the secret
        "CUDA_VISIBLE_DEVICES": SECRET,  # allowed, equals the secret
        "OMP_NUM_THREADS": "3",
        "PIP_INDEX_URL": "https://alice:pa55word-xyz@pypi.example.com/simple",
    }

    captured = capture_environment(sys.executable, env=env)

    dumped = json.dumps(captured)
    assert SECRET not in dumped
    assert "another-secret-456" not in dumped
    assert "pa55word-xyz" not in dumped
    env_vars = captured["env_vars"]
    assert "MY_API_TOKEN" not in env_vars and "CUDA_AUTH_TOKEN" not in env_vars
    assert env_vars["PYTHONPATH"] == "<redacted>"
    assert env_vars["CUDA_VISIBLE_DEVICES"] == "<redacted>"
    assert env_vars["OMP_NUM_THREADS"] == "3"
    assert env_vars["PIP_INDEX_URL"] == "https://pypi.example.com/simple"
    # the sys.path entry that holds the secret is still listed, the secret cut out
    assert any("<redacted>" in p for p in captured["paths"])


def test_secret_env_values_never_appear_in_an_in_process_capture(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MY_API_TOKEN", SECRET)
    monkeypatch.setenv("LC_MESSAGES", f"C.UTF-8 {SECRET}")
    monkeypatch.setenv("TZ", "Europe/Paris")

    captured = capture_environment()

    assert SECRET not in json.dumps(captured)
    assert captured["env_vars"]["LC_MESSAGES"] == "<redacted>"
    assert captured["env_vars"]["TZ"] == "Europe/Paris"
    assert "MY_API_TOKEN" not in captured["env_vars"]


def test_a_secret_inside_a_path_is_cut_out_of_an_in_process_capture(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret_dir = tmp_path / f"lib-{SECRET}"
    secret_dir.mkdir()
    monkeypatch.setenv("MY_API_TOKEN", SECRET)
    monkeypatch.syspath_prepend(str(secret_dir))

    captured = capture_environment()

    assert SECRET not in json.dumps(captured)
    # the sys.path entry is still listed, the secret cut out of it
    assert str(tmp_path / "lib-<redacted>") in captured["paths"]


def test_only_allow_listed_variables_are_captured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MV_UNRELATED_SETTING", "hello")
    monkeypatch.setenv("PYTHONHASHSEED", "0")
    monkeypatch.setenv("CUBLAS_WORKSPACE_CONFIG", ":4096:8")

    env_vars = capture_environment()["env_vars"]

    assert "MV_UNRELATED_SETTING" not in env_vars
    assert env_vars["PYTHONHASHSEED"] == "0"
    assert env_vars["CUBLAS_WORKSPACE_CONFIG"] == ":4096:8"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://user:tok3n@github.com/org/repo.git", "https://github.com/org/repo.git"),
        ("https://ghp_abcdef@github.com/org/repo", "https://github.com/org/repo"),
        ("git+https://u:p@host.example/x.git@v1#egg=x", "git+https://host.example/x.git@v1#egg=x"),
        ("ssh://git:hunter22@host/org/repo", "ssh://host/org/repo"),
        ("ssh://git@host/org/repo", "ssh://git@host/org/repo"),
        ("git@github.com:org/repo.git", "git@github.com:org/repo.git"),
        ("file:///home/me/project", "file:///home/me/project"),
        (
            "https://bucket.s3.amazonaws.com/m.whl?X-Amz-Signature=abc&v=2",
            "https://bucket.s3.amazonaws.com/m.whl?v=2",
        ),
        ("https://host/f.tar.gz?token=abc", "https://host/f.tar.gz"),
    ],
)
def test_sanitize_url_strips_credentials(url: str, expected: str) -> None:
    assert sanitize_url(url) == expected


# ---------------------------------------------------------------------------- other pythons


def test_a_fresh_venv_without_jupyter_mv_is_captured(venv: Path) -> None:
    ours = capture_environment()

    theirs = capture_environment(venv)

    assert theirs["python"]["prefix"] == str(venv.parent.parent)
    assert theirs["python"]["is_venv"] is True
    assert theirs["python"]["executable"] == str(venv)
    names = set(by_name(theirs))
    assert "pip" in names
    assert "mv_tiny_local" in names
    assert "nbformat" not in names  # ours has it, the venv does not
    assert names != set(by_name(ours))
    assert all(str(venv.parent.parent) in p or "site-packages" not in p for p in theirs["paths"])


def test_install_origins_follow_pep_610(venv: Path) -> None:
    packages = by_name(capture_environment(venv))

    assert packages["pip"]["origin"] == {"kind": "index"}
    editable = packages["mv_tiny_editable"]
    assert editable["origin"]["kind"] == "editable"
    assert editable["origin"]["url"].startswith("file://")
    assert editable["origin"]["url"].endswith("/mv_tiny_editable")
    assert editable["installer"] == "pip"
    local = packages["mv_tiny_local"]
    assert local["version"] == "2.0.1"
    assert local["origin"]["kind"] == "local"
    assert local["origin"]["url"].endswith("/mv_tiny_local")
    archive = packages["mv_tiny_wheel"]["origin"]
    assert archive["kind"] == "archive"
    assert archive["url"].endswith("mv_tiny_wheel-3.0-py3-none-any.whl")
    assert archive["hash"].startswith("sha256=")
    vcs = packages["mv_tiny_vcs"]["origin"]
    repo = Path(vcs["url"].removeprefix("file://"))
    assert vcs["kind"] == "vcs" and vcs["vcs"] == "git"
    assert vcs["commit"] == run("git", "rev-parse", "HEAD", cwd=repo).strip()


def test_credentials_in_a_recorded_vcs_url_are_stripped(venv: Path) -> None:
    # what pip records for `pip install git+https://deploy:TOKEN@host/org/pkg.git`
    site = Path(run(venv, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip())
    direct_url = next(site.glob("mv_tiny_vcs-*.dist-info")) / "direct_url.json"
    original = direct_url.read_text()
    record = json.loads(original)
    record["url"] = "https://deploy:tok3n-abcdef123@git.example.com/org/pkg.git"
    direct_url.write_text(json.dumps(record))
    try:
        captured = capture_environment(venv)
    finally:
        direct_url.write_text(original)

    origin = by_name(captured)["mv_tiny_vcs"]["origin"]
    assert origin["url"] == "https://git.example.com/org/pkg.git"
    assert "tok3n-abcdef123" not in json.dumps(captured)


def test_conda_packages_are_read_from_conda_meta(venv: Path) -> None:
    prefix = venv.parent.parent
    meta = prefix / "conda-meta"
    meta.mkdir()
    record = {
        "name": "libopenblas",
        "version": "0.3.27",
        "build": "pthreads_h413a1c8_0",
        "channel": "https://conda.anaconda.org/t/tk-9876543210/conda-forge/linux-64",
        "files": ["lib/libopenblas.so"],
    }
    (meta / "libopenblas-0.3.27-pthreads_h413a1c8_0.json").write_text(json.dumps(record))
    (meta / "history").write_text("")
    try:
        captured = capture_environment(venv)
    finally:
        shutil.rmtree(meta)

    assert captured["conda_packages"] == [
        {
            "name": "libopenblas",
            "version": "0.3.27",
            "build": "pthreads_h413a1c8_0",
            "channel": "https://conda.anaconda.org/t/<redacted>/conda-forge/linux-64",
        }
    ]
    assert "1 conda package" in environment_summary(captured)


def test_fingerprint_is_stable_and_changes_when_a_package_is_installed(venv: Path, tmp_path: Path) -> None:
    env = capture_environment(venv)
    python, paths = env["python"]["executable"], env["paths"]
    before = environment_fingerprint(python, paths)
    assert environment_fingerprint(python, paths) == before
    assert environment_fingerprint(python, capture_environment(venv)["paths"]) == before

    pip(venv, make_package(tmp_path / "mv_tiny_extra", "mv_tiny_extra"))
    after_install = environment_fingerprint(python, paths)
    assert after_install != before
    assert environment_fingerprint(python, paths) == after_install

    run(venv, "-m", "pip", "uninstall", "-y", "mv_tiny_extra")
    assert environment_fingerprint(python, paths) not in (before, after_install)


def test_fingerprint_follows_relevant_env_vars_only_when_given() -> None:
    env = capture_environment()
    python, paths = env["python"]["executable"], env["paths"]

    one = environment_fingerprint(python, paths, env={"OMP_NUM_THREADS": "1", "HOME": "/a"})
    two = environment_fingerprint(python, paths, env={"OMP_NUM_THREADS": "2", "HOME": "/a"})
    other_home = environment_fingerprint(python, paths, env={"OMP_NUM_THREADS": "1", "HOME": "/b"})

    assert one != two
    assert one == other_home
    assert environment_fingerprint(python, paths) not in (one, two)


def test_a_shadowing_module_in_the_working_directory_does_not_break_capture(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "platform.py").write_text("raise SystemExit('shadowed the stdlib')\n")
    (tmp_path / "json.py").write_text("raise SystemExit('shadowed the stdlib')\n")
    monkeypatch.chdir(tmp_path)

    captured = capture_environment(sys.executable)

    assert captured["python"]["version"] == platform.python_version()


def test_a_missing_or_non_python_interpreter_is_invalid_input(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="not found"):
        capture_environment(tmp_path / "no-such-python")
    not_python = tmp_path / "not-python"
    not_python.write_text("#!/bin/sh\necho 'I am no python' >&2\nexit 3\n")
    not_python.chmod(0o755)
    with pytest.raises(InvalidInput, match="I am no python"):
        capture_environment(not_python)


def test_an_interpreter_given_by_name_is_looked_up_on_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", f"{os.path.dirname(sys.executable)}{os.pathsep}{os.environ['PATH']}")

    captured = capture_environment(os.path.basename(sys.executable))

    assert captured["python"]["executable"] == sys.executable
    assert captured["python"]["prefix"] == sys.prefix


OLD_PYTHONS = sorted(Path.home().glob(".pyenv/versions/3.[78].*/bin/python3"))


@pytest.mark.skipif(not OLD_PYTHONS, reason="no Python 3.7 or 3.8 interpreter here")
def test_the_capture_source_runs_on_old_pythons_or_says_why_not() -> None:
    for python in OLD_PYTHONS:
        version = run(python, "-c", "import platform; print(platform.python_version())").strip()
        if tuple(int(x) for x in version.split(".")[:2]) >= (3, 8):
            assert capture_environment(python)["python"]["version"] == version
        else:
            with pytest.raises(InvalidInput, match="Python 3.8 or newer"):
                capture_environment(python)


# ---------------------------------------------------------------------------- kernelspecs


def write_kernelspec(kernels: Path, name: str, argv: list[str], language: str = "python") -> None:
    (kernels / name).mkdir(parents=True)
    spec = {"argv": argv, "display_name": name, "language": language}
    (kernels / name / "kernel.json").write_text(json.dumps(spec))


def test_kernelspec_python_resolves_what_jupyter_client_would_run(tmp_path: Path, venv: Path) -> None:
    from jupyter_client.kernelspec import KernelSpecManager

    kernels = tmp_path / "kernels"
    launch = ["-m", "ipykernel_launcher", "-f", "{connection_file}"]
    write_kernelspec(kernels, "venvkernel", [str(venv), *launch])
    write_kernelspec(kernels, "native", ["python", *launch])
    write_kernelspec(kernels, "prefixed", ["{prefix}/bin/python", *launch])
    write_kernelspec(kernels, "irkernel", ["R", "--slave", "-e", "IRkernel::main()"], "R")
    write_kernelspec(kernels, "wrapped", ["conda", "run", "-n", "x", "python", *launch])
    write_kernelspec(kernels, "gone", [str(tmp_path / "gone" / "python"), *launch])
    manager = KernelSpecManager(kernel_dirs=[str(kernels)])

    assert kernelspec_python("venvkernel", manager=manager) == str(venv)
    assert kernelspec_python("native", manager=manager) == sys.executable
    assert kernelspec_python("prefixed", manager=manager) == f"{sys.prefix}/bin/python"
    assert kernelspec_python("irkernel", manager=manager) is None
    assert kernelspec_python("wrapped", manager=manager) is None
    assert kernelspec_python("gone", manager=manager) is None
    assert kernelspec_python("no-such-kernel", manager=manager) is None
    # and what it names can be captured
    python = kernelspec_python("venvkernel", manager=manager)
    assert python is not None
    assert "mv_tiny_local" in by_name(capture_environment(python))


@pytest.fixture
def jupyter_kernels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The one folder of kernelspecs on the Jupyter path: none from the venv, the system, the user."""
    import site

    from jupyter_core import paths

    kernels = tmp_path / "jupyter" / "kernels"
    kernels.mkdir(parents=True)
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    monkeypatch.setattr(paths, "ENV_JUPYTER_PATH", [str(tmp_path / "env")])
    monkeypatch.setattr(paths, "SYSTEM_JUPYTER_PATH", [str(tmp_path / "system")])
    monkeypatch.setattr(site, "ENABLE_USER_SITE", False)
    return kernels


def without_jupyter_client(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``jupyter_client.kernelspec`` unimportable for the rest of the test."""
    monkeypatch.setitem(sys.modules, "jupyter_client.kernelspec", None)


def test_a_kernelspec_on_the_jupyter_path_is_read_without_jupyter_client(
    jupyter_kernels: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    venv_python = tmp_path / "venv" / "bin" / "python"
    venv_python.parent.mkdir(parents=True)
    venv_python.symlink_to(sys.executable)
    launch = ["-m", "ipykernel_launcher", "-f", "{connection_file}"]
    write_kernelspec(jupyter_kernels, "venvkernel", [str(venv_python), *launch])
    write_kernelspec(jupyter_kernels, "Other", ["python", *launch])
    without_jupyter_client(monkeypatch)

    assert kernelspec_python("venvkernel") == str(venv_python)
    # names are compared lower-cased, as jupyter_client compares them
    assert kernelspec_python("other") == sys.executable
    assert kernelspec_python("no-such-kernel") is None


def test_the_default_kernel_is_this_interpreter_when_no_folder_names_it(
    jupyter_kernels: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # ipykernel is installed and no python3 folder holds another spec: jupyter_client runs
    # ipykernel's own spec with sys.executable
    without_jupyter_client(monkeypatch)

    assert kernelspec_python() == sys.executable
    assert kernelspec_python("python3") == sys.executable


def test_a_kernelspec_whose_provisioner_is_missing_names_no_interpreter(jupyter_kernels: Path) -> None:
    # jupyter_client refuses to start such a kernel, so there is no interpreter to capture
    (jupyter_kernels / "remote").mkdir()
    spec = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "remote",
        "language": "python",
        "metadata": {"kernel_provisioner": {"provisioner_name": "mv-test-no-such-provisioner"}},
    }
    (jupyter_kernels / "remote" / "kernel.json").write_text(json.dumps(spec))

    assert kernelspec_python("remote") is None


# ---------------------------------------------------------------------------- loaded modules


def test_modules_loaded_at_another_version_than_installed_are_listed_with_a_warning() -> None:
    extra = {
        "kernel": {
            "imports": {
                "sklearn": {"distribution": "scikit-learn", "version": "1.6.1", "loaded": "1.7.2"},
                "numpy": {"distribution": "numpy", "version": "2.0.0"},
                "pandas": {"version": "2.2.0", "loaded": "2.1.0"},
            }
        }
    }

    assert loaded_differences(extra) == [
        {"distribution": "pandas", "loaded": "2.1.0", "installed": "2.2.0"},
        {"distribution": "scikit-learn", "loaded": "1.7.2", "installed": "1.6.1"},
    ]
    assert loaded_warnings(extra) == [
        "pandas 2.1.0 loaded, 2.2.0 installed: restart the kernel",
        "scikit-learn 1.7.2 loaded, 1.6.1 installed: restart the kernel",
    ]
    assert loaded_differences(None) == loaded_differences({}) == loaded_differences({"kernel": "odd"}) == []


def test_capture_imports_no_jupyter_server_ipython_or_widgets() -> None:
    code = (
        "import sys\n"
        "from jupyter_mv.capture import capture_environment, capture_git\n"
        "capture_environment(); capture_git('.')\n"
        "roots = {m.split('.')[0] for m in sys.modules}\n"
        "print(sorted(roots & {'tornado', 'jupyter_server', 'IPython', 'ipywidgets',"
        " 'jupyter_client', 'zmq'}))\n"
    )
    root = Path(__file__).resolve().parents[2]

    assert run(sys.executable, "-c", code, cwd=root).strip() == "[]"
