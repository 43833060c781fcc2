"""Remotes on every back end the tests can start: a folder (plain path and file://), the S3
protocol (a local S3-compatible server) and SFTP (Debian's sshd), all on loopback."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .servers import S3Server, SSHServer, sshd_unavailable, start_s3, start_sshd

BACKENDS = ["folder", "file-url", "s3", "sftp"]


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    server = start_s3(tmp_path_factory.mktemp("s3") / "server.log")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def ssh_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SSHServer]:
    reason = sshd_unavailable()
    if reason:
        pytest.skip(reason)
    server = start_sshd(tmp_path_factory.mktemp("sshd"))
    yield server
    server.stop()


@dataclass
class Remote:
    """A remote on one back end: its URL, and the environment its clients need (the usual
    AWS variables, or a HOME whose ~/.ssh reaches the test's sshd)."""

    kind: str
    url: str
    env: dict[str, str] = field(default_factory=dict)
    folder: Path | None = None  # where its files are, when the test can look at them directly


def make_remote(kind: str, request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Remote:
    folder = tmp_path / f"remote-{uuid.uuid4().hex[:6]}"
    if kind == "folder":
        remote = Remote(kind, str(folder), folder=folder)
    elif kind == "file-url":
        remote = Remote(kind, f"file://{folder}", folder=folder)
    elif kind == "s3":
        server: S3Server = request.getfixturevalue("s3_server")
        bucket = f"mv-{uuid.uuid4().hex[:12]}"
        server.make_bucket(bucket)
        remote = Remote(kind, f"s3://{bucket}/team/models", server.env)
    else:
        ssh: SSHServer = request.getfixturevalue("ssh_server")
        folder.mkdir()
        remote = Remote(kind, f"sftp://{ssh.host}{folder}", {"HOME": str(ssh.home)}, folder=folder)
    for key, value in remote.env.items():
        monkeypatch.setenv(key, value)
    return remote


@pytest.fixture(params=BACKENDS)
def remote(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Remote:
    return make_remote(request.param, request, tmp_path, monkeypatch)


@pytest.fixture(params=["folder", "s3", "sftp"])
def shared_remote(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Remote:
    """One back end of each kind (a folder, S3, SFTP), for the slower scenarios."""
    return make_remote(request.param, request, tmp_path, monkeypatch)
