"""Remotes and writes follow the server's permissions.

Every handler carries jupyter_server's ``@authorized`` check with jupyter-mv's own
resources: ``jupyter_mv`` (``read`` for GETs, ``write`` for snapshot, restore, tag,
alias, saves, push and pull) and ``jupyter_mv_remotes`` (``execute`` for adding or
removing a remote), so a deployment with restricted users holds them to reading. A
remote that is the store, lies inside it or holds it is refused, and the server's
``remote_schemes`` and ``remote_hosts`` settings forbid other schemes and hosts.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest
from jupyter_server.auth.authorizer import Authorizer

from jupyter_mv.remote import add_remote
from jupyter_mv.store import Store
from tests.helpers import run_cli, write_notebook
from tests.reliability.invariants import store_state, user_files
from tests.server.api import call

NB = "train.ipynb"


class ReadOnlyAuthorizer(Authorizer):
    """A deployment's reader: may read anything, change nothing."""

    def is_authorized(self, handler, user, action, resource) -> bool:  # noqa: ANN001
        return action == "read"


class NoRemotesAuthorizer(Authorizer):
    """A deployment that lets users version their work but not point the server elsewhere."""

    def is_authorized(self, handler, user, action, resource) -> bool:  # noqa: ANN001
        return resource != "jupyter_mv_remotes"


@pytest.fixture
def project(jp_root_dir: Path) -> Path:
    notebook = write_notebook(jp_root_dir / NB, ["x = 1"])
    with Store.init(jp_root_dir) as store:
        store.snapshot(notebook, message="v1")
        add_remote(store, "team", str(jp_root_dir.parent / "team-remote"))
    write_notebook(notebook, ["x = 2"])
    return jp_root_dir


WRITES = [
    ("POST", ("snapshot",), {"path": NB, "wait": True, "kernel": False}),
    ("POST", ("restore",), {"path": NB, "ref": "v1", "wait": True}),
    ("POST", ("restore",), {"path": NB, "ref": "v1", "to": "copy.ipynb", "wait": True}),
    ("POST", ("tags",), {"path": NB, "ref": "v1", "name": "t"}),
    ("POST", ("aliases",), {"path": NB, "ref": "v1", "name": "prod"}),
    ("POST", ("saves",), {"path": NB}),
    ("POST", ("remotes",), {"path": NB, "name": "other", "url": "/tmp/elsewhere"}),
    ("POST", ("push",), {"path": NB, "wait": True}),
    ("POST", ("pull",), {"path": NB, "wait": True}),
    ("DELETE", ("remotes", "team"), None),
]
READS = [
    (("versions",), {"path": NB}),
    (("versions", "v1"), {"path": NB}),
    (("saves",), {"path": NB}),
    (("diff",), {"path": NB, "a": "v1"}),
    (("report", "v1"), {"path": NB, "format": "json"}),
    (("remotes",), {"path": NB}),
]


@pytest.mark.parametrize("jp_server_config", [{"ServerApp": {"authorizer_class": ReadOnlyAuthorizer}}], indirect=True)
async def test_a_read_only_user_reads_and_changes_nothing(jp_fetch, project: Path) -> None:
    files, store = user_files(project.parent), store_state(project / ".jupyter_mv")
    for parts, params in READS:
        status, answer = await call(jp_fetch, "GET", *parts, params=params)
        assert status == 200, (parts, status, answer)
    for method, parts, body in WRITES:
        params = {"path": NB} if method == "DELETE" else None
        status, answer = await call(jp_fetch, method, *parts, body=body, params=params)
        assert status == 403, (method, parts, status, answer)
        assert answer["error"] == "forbidden" and "not authorized" in answer["message"], answer
    assert user_files(project.parent) == files
    assert store_state(project / ".jupyter_mv") == store


@pytest.mark.parametrize("jp_server_config", [{"ServerApp": {"authorizer_class": NoRemotesAuthorizer}}], indirect=True)
async def test_remotes_have_their_own_resource(jp_fetch, project: Path) -> None:
    status, answer = await call(jp_fetch, "POST", "remotes", body={"path": NB, "name": "b", "url": "/tmp/b"})
    assert status == 403 and "jupyter_mv_remotes" in answer["message"], answer
    status, answer = await call(jp_fetch, "DELETE", "remotes", "team", params={"path": NB})
    assert status == 403, answer
    status, answer = await call(jp_fetch, "POST", "snapshot", body={"path": NB, "wait": True, "kernel": False})
    assert status == 201, answer
    status, answer = await call(jp_fetch, "POST", "push", body={"path": NB, "wait": True})
    assert status == 200, answer


def store_locations(root: Path) -> list[str]:
    store = root / ".jupyter_mv"
    return [
        str(store),
        str(store / "packs"),
        str(store / "new-folder"),
        str(root),
        str(root.parent),
        "file://" + str(store),
        str(root / "storelink"),
        str(root / "storelink" / "sub"),
    ]


async def test_a_remote_cannot_be_the_store_or_hold_it(jp_fetch, project: Path) -> None:
    (project / "storelink").symlink_to(".jupyter_mv", target_is_directory=True)
    before = store_state(project / ".jupyter_mv")
    for url in store_locations(project):
        status, answer = await call(jp_fetch, "POST", "remotes", body={"path": NB, "name": "self", "url": url})
        assert status == 400, (url, status, answer)
        assert "remote cannot be the version store" in answer["message"], answer
    assert store_state(project / ".jupyter_mv") == before


def test_the_cli_refuses_a_remote_in_the_store(project: Path) -> None:
    (project / "storelink").symlink_to(".jupyter_mv", target_is_directory=True)
    for url in store_locations(project):
        proc = run_cli("remote", "add", "self", url, cwd=project)
        assert proc.returncode != 0 and "remote cannot be the version store" in proc.stderr, (url, proc.stderr)
        assert len(proc.stderr.strip().splitlines()) == 1


async def test_a_push_to_a_remote_in_the_store_writes_nothing_there(jp_fetch, project: Path) -> None:
    """A remote kept by an older version, before the rule: push and pull refuse it."""
    conn = sqlite3.connect(project / ".jupyter_mv" / "mv.db")
    with conn:
        conn.execute(
            "INSERT INTO remotes (name, url, created) VALUES (?, ?, ?)",
            ["self", "file://" + str(project / ".jupyter_mv"), time.time()],
        )
    conn.close()
    listing = sorted(p.name for p in (project / ".jupyter_mv").iterdir())
    for route in ("push", "pull"):
        status, answer = await call(jp_fetch, "POST", route, body={"path": NB, "remote": "self", "wait": True})
        assert status == 400, (route, status, answer)
    proc = run_cli("push", "self", cwd=project)
    assert proc.returncode != 0 and "remote cannot be the version store" in proc.stderr, proc.stderr
    assert sorted(p.name for p in (project / ".jupyter_mv").iterdir()) == listing


@pytest.mark.parametrize(
    "jp_server_config", [{"JupyterMV": {"remote_schemes": ["s3"], "remote_hosts": ["team-bucket"]}}], indirect=True
)
async def test_remote_schemes_and_hosts_limit_what_a_user_adds_and_uses(jp_fetch, project: Path) -> None:
    for url in ["/tmp/folder", "file:///tmp/folder", "sftp://host/p", "s3://other-bucket/p", "ftp://127.0.0.1:1/x"]:
        status, answer = await call(jp_fetch, "POST", "remotes", body={"path": NB, "name": "x", "url": url})
        assert status == 403, (url, status, answer)
        assert "does not allow" in answer["message"]
    status, answer = await call(
        jp_fetch, "POST", "remotes", body={"path": NB, "name": "x", "url": "s3://team-bucket/models"}
    )
    assert status == 201, answer
    # "team" (a folder) was added from the command line: the server does not use it either.
    status, answer = await call(jp_fetch, "POST", "push", body={"path": NB, "remote": "team", "wait": True})
    assert status == 403 and "file://" in answer["message"], answer
    assert not (project.parent / "team-remote").exists()


async def test_by_default_other_schemes_are_refused(jp_fetch, project: Path) -> None:
    for url in ["ftp://127.0.0.1:1/x", "http://127.0.0.1:1/x", "memory://x"]:
        status, answer = await call(jp_fetch, "POST", "remotes", body={"path": NB, "name": "x", "url": url})
        assert status == 403, (url, status, answer)
    status, answer = await call(
        jp_fetch, "POST", "remotes", body={"path": NB, "name": "x", "url": str(project.parent / "shared")}
    )
    assert status == 201, answer
