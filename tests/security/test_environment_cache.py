"""The environment cache sees the environment: a snapshot reuses the last capture of an
interpreter only while its packages *and* the variables a capture records are the
same. A changed ``PYTHONPATH``, ``CUDA_VISIBLE_DEVICES``, ``PYTHONHASHSEED`` (or any
other recorded variable) gives a new environment record holding the new value; a
variable the capture does not record (or a secret one) changes nothing. In-process with
a real store, through the CLI in a subprocess, and in a real kernel after ``%env``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from jupyter_mv.store import Store
from tests.helpers import package_env, run_cli, write_notebook
from tests.kernel.conftest import kernel_env, save_notebook, started_kernel

#: (variable, its value first, its value after)
CHANGES = [
    ("PYTHONPATH", "/opt/mv-cache-test/a", "/opt/mv-cache-test/b"),
    ("CUDA_VISIBLE_DEVICES", "0", "1,2"),
    ("PYTHONHASHSEED", "0", "42"),
    ("OMP_NUM_THREADS", "1", "8"),
    ("TF_DETERMINISTIC_OPS", "0", "1"),
    ("NCCL_DEBUG", "WARN", "INFO"),
    ("LC_ALL", "C.UTF-8", "C"),
]


def env_count(store: Store) -> int:
    return store.db.execute("SELECT count(*) FROM environments").fetchone()[0]


@pytest.fixture
def quiet_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """None of the changed variables set to start with."""
    for name, _, _ in CHANGES:
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(("name", "before", "after"), CHANGES, ids=[c[0] for c in CHANGES])
def test_a_changed_recorded_variable_gives_a_new_capture(
    store: Store, notebook: Path, monkeypatch: pytest.MonkeyPatch, quiet_env: None, name: str, before: str, after: str
) -> None:
    monkeypatch.setenv(name, before)
    first = store.snapshot(notebook, environment="auto")
    again = store.snapshot(notebook, environment="auto")
    assert again.environment == first.environment, "an unchanged environment must reuse the cached capture"
    # variables the capture does not record (a secret one neither) keep the cache
    monkeypatch.setenv("MV_UNRELATED_SETTING", "changed")
    monkeypatch.setenv("HOME", str(store.root))
    monkeypatch.setenv("CUDA_API_TOKEN", "a-new-secret-value-1234")
    assert store.snapshot(notebook, environment="auto").environment == first.environment
    assert env_count(store) == 1

    monkeypatch.setenv(name, after)
    changed = store.snapshot(notebook, environment="auto")
    assert changed.environment != first.environment
    assert store.environment(changed)["env_vars"][name] == after
    assert store.environment(first)["env_vars"][name] == before
    assert store.current_environment()["env_vars"][name] == after  # the server's path: the same cache

    monkeypatch.delenv(name)
    unset = store.snapshot(notebook, environment="auto")
    assert name not in store.environment(unset)["env_vars"]
    assert env_count(store) == 3

    monkeypatch.setenv(name, before)  # back as at first: the first record, stored once
    assert store.snapshot(notebook, environment="auto").environment == first.environment
    assert env_count(store) == 3


def test_another_interpreter_is_keyed_on_the_variables_it_is_run_with(
    store: Store, notebook: Path, monkeypatch: pytest.MonkeyPatch, quiet_env: None
) -> None:
    """A kernelspec's interpreter (the server's and the CLI's path) is captured in a
    subprocess that inherits these variables."""
    import sys

    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0")
    first = store.snapshot(notebook, environment=sys.executable)
    assert store.snapshot(notebook, environment=sys.executable).environment == first.environment
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "3")
    changed = store.current_environment(sys.executable)
    assert changed["env_vars"]["CUDA_VISIBLE_DEVICES"] == "3"
    assert store.environment(first)["env_vars"]["CUDA_VISIBLE_DEVICES"] == "0"


def test_the_cli_captures_again_when_a_variable_changes(project: Path) -> None:
    write_notebook(project / "train.ipynb", ["x = 1"])
    run_cli("init", cwd=project, check=True)
    base = {"CUDA_VISIBLE_DEVICES": "0", "PYTHONHASHSEED": "0"}
    for env in (
        base,
        base,
        {**base, "CUDA_VISIBLE_DEVICES": "1"},
        {**base, "PYTHONHASHSEED": "7"},
        {**base, "PYTHONPATH": package_env()["PYTHONPATH"] + os.pathsep + "/opt/mv-cache-test"},
    ):
        run_cli("snapshot", "train.ipynb", cwd=project, env=env, check=True)
    with Store.open(project) as store:
        v1, v2, v3, v4, v5 = (store.resolve(f"v{n}") for n in range(1, 6))
        assert v2.environment == v1.environment, "the same environment must reuse the cached capture"
        assert len({v1.environment, v3.environment, v4.environment, v5.environment}) == 4
        assert store.environment(v3)["env_vars"]["CUDA_VISIBLE_DEVICES"] == "1"
        assert store.environment(v4)["env_vars"]["PYTHONHASHSEED"] == "7"
        assert store.environment(v5)["env_vars"]["PYTHONPATH"].endswith("/opt/mv-cache-test")
        assert env_count(store) == 4


def test_a_kernel_captures_again_after_a_variable_changes_in_it(project: Path, tmp_path: Path) -> None:
    Store.init(project).close()
    save_notebook(project / "train.ipynb", ["x = 1"])
    env = kernel_env(
        {"JPY_SESSION_NAME": str(project / "train.ipynb"), "CUDA_VISIBLE_DEVICES": "0"},
        ipython_dir=tmp_path / "ipython",
    )
    with started_kernel(project, env) as k:
        k.run("%load_ext jupyter_mv")
        k.run("%mv snapshot")
        k.run("%mv snapshot")
        k.run("%env CUDA_VISIBLE_DEVICES=5")
        k.run("%mv snapshot")
    with Store.open(project) as store:
        v1, v2, v3 = (store.resolve(f"v{n}") for n in range(1, 4))
        assert v2.environment == v1.environment
        assert v3.environment != v1.environment
        assert store.environment(v1)["env_vars"]["CUDA_VISIBLE_DEVICES"] == "0"
        assert store.environment(v3)["env_vars"]["CUDA_VISIBLE_DEVICES"] == "5"
