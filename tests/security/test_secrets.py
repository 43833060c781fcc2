"""Secrets: the value of an environment variable named like a secret (TOKEN, SECRET,
PASSWORD, KEY, CREDENTIAL, ...) never appears in the store: not in any file under
``.jupyter_mv`` (database, WAL, packs, anything), not in any chunk once decompressed,
not in any row of the database. The values are also planted inside variables that
*are* recorded (PYTHONPATH, PIP_INDEX_URL, CUDA_VISIBLE_DEVICES, ...) and in the git
remote's URL. Checked in-process, through the CLI, and for another interpreter
captured in a subprocess.

tests/store has the quick version (two variables, raw bytes only).
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import subprocess
from pathlib import Path

import pytest

from jupyter_mv.store import Store
from jupyter_mv.store.packs import PackReader
from tests.helpers import run_cli, write_notebook

SECRET_NAMES = [
    "TOKEN",
    "SECRET",
    "PASSWORD",
    "KEY",
    "CREDENTIAL",
    "HF_TOKEN",
    "GITHUB_TOKEN",
    "api_token",
    "Slack_Bot_Token",
    "MY_SECRET",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_ACCESS_KEY_ID",
    "OPENAI_API_KEY",
    "DB_PASSWORD",
    "PGPASSWORD",
    "MYSQL_PWD",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "AZURE_CREDENTIALS",
    "WANDB_API_KEY",
    "MLFLOW_TRACKING_PASSWORD",
    "CUDA_SECRET_KEY",
    "TF_API_KEY",
    "PRIVATE_KEY_PEM",
]


@pytest.fixture
def planted(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Every secret-named variable set to its own random value; copies of the values
    hidden in variables the capture does record."""
    values = {name: f"mv-secret-{name.lower()}-{secrets.token_hex(12)}" for name in SECRET_NAMES}
    values["PRIVATE_KEY_PEM"] = f"-----BEGIN KEY-----\n{secrets.token_hex(24)}\n-----END KEY-----"
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv(
        "PYTHONPATH",
        os.pathsep.join([os.environ.get("PYTHONPATH", ""), f"/opt/{values['HF_TOKEN']}/lib"]).strip(os.pathsep),
    )
    monkeypatch.setenv("PIP_INDEX_URL", f"https://user:{values['PASSWORD']}@pypi.example.org/simple")
    monkeypatch.setenv("PIP_EXTRA_INDEX_URL", f"https://pypi.example.org/simple?token={values['TOKEN']}")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", values["GITHUB_TOKEN"])
    monkeypatch.setenv("OMP_NUM_THREADS", f"4 {values['SECRET']}")
    monkeypatch.setenv("TF_XLA_FLAGS", f"--xla_token={values['OPENAI_API_KEY']}")
    monkeypatch.setenv("LANG", values["KEY"])
    return values


def git_project(project: Path, token: str) -> None:
    """A git work tree whose origin URL carries a token, with one commit."""
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@e",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@e",
    }
    for args in (
        ["init", "-q"],
        ["remote", "add", "origin", f"https://x-access-token:{token}@github.com/o/r.git"],
        ["add", "-A"],
        ["commit", "-q", "-m", "start"],
    ):
        subprocess.run(["git", *args], cwd=project, env=env, check=True, capture_output=True)


def store_bytes(store_dir: Path) -> dict[str, bytes]:
    """Everything the store holds, as bytes: every file; every chunk decompressed; every
    database row as SQL text (so a value split across pages is found too)."""
    out = {str(p.relative_to(store_dir)): p.read_bytes() for p in store_dir.rglob("*") if p.is_file()}
    conn = sqlite3.connect(f"file:{store_dir / 'mv.db'}?mode=ro", uri=True)
    try:
        out["<database rows>"] = "\n".join(conn.iterdump()).encode()
        rows = conn.execute(
            "SELECT c.hash, p.name, c.offset, c.length, c.size, c.codec FROM chunks c JOIN packs p ON p.id = c.pack"
        ).fetchall()
    finally:
        conn.close()
    with PackReader(store_dir) as reader:
        out["<chunks>"] = b"".join(reader.read(pack, digest, *rest) for digest, pack, *rest in rows)
    return out


def assert_no_secret(store_dir: Path, values: dict[str, str]) -> int:
    """Assert that no value (nor one line of a multi-line value) is in the store; return
    the number of bytes searched."""
    needles = {name: v.encode() for name, v in values.items()}
    needles.update(
        {f"{name} line": line.encode() for name, v in values.items() for line in v.splitlines() if len(line) >= 16}
    )
    found = [
        (where, name)
        for where, data in store_bytes(store_dir).items()
        for name, needle in needles.items()
        if needle in data
    ]
    assert not found, f"secret values in the store: {found}"
    return sum(len(d) for d in store_bytes(store_dir).values())


def test_no_secret_reaches_the_store_in_process(project: Path, planted: dict[str, str]) -> None:
    write_notebook(project / "train.ipynb", ["import os", "token = os.environ['HF_TOKEN']"])
    (project / "data.csv").write_text("a,b\n1,2\n")
    git_project(project, planted["GITHUB_TOKEN"])
    store = Store.init(project)
    version = store.snapshot(
        "train.ipynb", ["data.csv"], environment="auto", git="auto", params={"lr": 0.1}, message="with secrets around"
    )
    env = store.environment(version)
    assert env["packages"] and env["env_vars"]["PIP_INDEX_URL"] == "<redacted>", "the capture saw no secret"
    assert version.git and version.git.get("remote"), "no git state recorded: the test would prove nothing"
    assert_no_secret(store.dir, planted)  # while open: the WAL holds the newest pages
    store.close()
    assert_no_secret(store.dir, planted)


def test_no_secret_reaches_the_store_through_the_cli(project: Path, planted: dict[str, str]) -> None:
    write_notebook(project / "train.ipynb", ["x = 1"])
    git_project(project, planted["GITHUB_TOKEN"])
    # run_cli passes this process's environment, the planted variables with it.
    run_cli("init", cwd=project, check=True)
    run_cli("snapshot", "train.ipynb", "-m", "default environment", cwd=project, check=True)
    shown = run_cli("env", "v1", "--json", cwd=project, check=True).stdout
    assert json.loads(shown)["env_vars"]["PIP_INDEX_URL"] == "<redacted>", "the planted variables did not arrive"
    assert not [n for n, v in planted.items() if v in shown], "jupyter mv env prints a secret"
    searched = assert_no_secret(project / ".jupyter_mv", planted)
    assert searched > 10_000


@pytest.mark.skipif(not Path("/usr/bin/python3").exists(), reason="needs a second interpreter")
def test_no_secret_reaches_the_store_from_another_interpreter(project: Path, planted: dict[str, str]) -> None:
    """``--python`` captures another interpreter by running the capture code in it, with
    this environment: the same filtering must happen there."""
    write_notebook(project / "train.ipynb", ["x = 1"])
    run_cli("init", cwd=project, check=True)
    run_cli("snapshot", "train.ipynb", "--python", "/usr/bin/python3", cwd=project, check=True)
    with Store.open(project) as store:
        env = store.environment(store.resolve("v1"))
        assert env["python"]["executable"].startswith("/usr/bin/python3")
    assert_no_secret(project / ".jupyter_mv", planted)
