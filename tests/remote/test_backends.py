"""What each back end brings: credentials from the usual places and never stored, host
keys checked, an unreachable remote reported in one line."""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from jupyter_mv.errors import InvalidInput, NotFound, RemoteError
from jupyter_mv.remote import add_remote, pull, push
from jupyter_mv.remote.backend import _ssh_options
from jupyter_mv.store import Store
from tests.helpers import run_cli, tree_bytes

from .conftest import Remote, make_remote
from .servers import SSHServer, free_port
from .test_push_pull import make_store, snap


def test_s3_credentials_come_from_the_environment_and_are_never_stored(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    remote: Remote = make_remote("s3", request, tmp_path, monkeypatch)
    secret = "s3cr3t-Value-only-in-the-environment"
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEONLYHERE")
    a = make_store(tmp_path / "a", data=b"x" * 100_000)
    snap(a, "train.ipynb", ["data.bin"])
    add_remote(a, "team", remote.url)
    assert push(a)["versions"] == 1
    a.close()
    stored = b"".join(tree_bytes(a.dir).values())
    assert secret.encode() not in stored and b"AKIAEXAMPLEONLYHERE" not in stored
    assert b"AWS_ENDPOINT_URL" not in stored and remote.env["AWS_ENDPOINT_URL"].encode() not in stored

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "")  # no credentials: one line naming the remote
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("HOME", str(tmp_path))
    with Store.open(tmp_path / "a") as a, pytest.raises(RemoteError, match="^remote team: "):
        pull(a)


def test_an_sftp_host_whose_key_is_not_known_is_refused(
    ssh_server: SSHServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    shutil.copytree(ssh_server.home, home)
    config = (home / ".ssh" / "config").read_text()
    (home / ".ssh" / "config").write_text(
        "\n".join(line for line in config.splitlines() if "UserKnownHostsFile" not in line) + "\n"
    )
    monkeypatch.setenv("HOME", str(home))
    a = make_store(tmp_path / "a")
    snap(a, "train.ipynb")
    add_remote(a, "team", f"sftp://{ssh_server.host}{tmp_path / 'remote'}")
    with pytest.raises(NotFound, match=rf"host \[127.0.0.1\]:{ssh_server.port} is not in your known hosts"):
        push(a)
    assert not (tmp_path / "remote").exists()


def test_an_unreachable_remote_is_one_line_and_changes_nothing(tmp_path: Path) -> None:
    a = make_store(tmp_path / "a")
    snap(a, "train.ipynb")
    add_remote(a, "team", f"sftp://127.0.0.1:{free_port()}/srv/mv")
    a.close()
    before = tree_bytes(a.dir)
    for verb in ("push", "pull"):
        proc = run_cli(verb, cwd=a.root, env={"HOME": str(tmp_path)})
        assert proc.returncode == 1
        assert proc.stderr.startswith(f"jupyter mv {verb}: error: remote team: ") and proc.stderr.count("\n") == 1
    assert tree_bytes(a.dir) == before


def test_an_sftp_host_is_checked_against_the_users_own_known_hosts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With no ssh config, ``~/.ssh/known_hosts`` decides, as for ssh: the key listed there
    is accepted, another key for that host or a host it does not list is refused."""
    import paramiko

    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".ssh").mkdir()
    known = paramiko.ECDSAKey.generate()
    (tmp_path / ".ssh" / "known_hosts").write_text(f"models.example {known.get_name()} {known.get_base64()}\n")
    policy = _ssh_options(urlsplit("sftp://models.example/srv/mv"))["host_key_policy"]
    policy.missing_host_key(None, "models.example", known)
    with pytest.raises(InvalidInput, match="^the host key of models.example differs from the one in your known hosts$"):
        policy.missing_host_key(None, "models.example", paramiko.ECDSAKey.generate())
    with pytest.raises(NotFound, match="^host other.example is not in your known hosts; connect once with ssh"):
        policy.missing_host_key(None, "other.example", known)
