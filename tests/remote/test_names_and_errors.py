"""Names across stores (tags never move, aliases move with a history and a guard) and bad
input: one line, nothing changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jupyter_mv.errors import Conflict, InvalidInput
from jupyter_mv.remote import add_remote, pull, push
from jupyter_mv.remote.backend import normalize_url, open_backend
from tests.helpers import run_cli, tree_bytes

from .conftest import Remote
from .test_push_pull import make_store, snap


def remote_versions(url: str) -> set[str]:
    return {k[:-5] for k in open_backend(url).list("versions")}


def test_a_tag_naming_another_version_on_the_remote_is_a_conflict(shared_remote: Remote, tmp_path: Path) -> None:
    a = make_store(tmp_path / "a")
    a.tag(snap(a, "train.ipynb"), "release")
    add_remote(a, "team", shared_remote.url)
    push(a)
    b = make_store(tmp_path / "b", notebook="eval.ipynb")
    mine = snap(b, "eval.ipynb")
    b.tag(mine, "release")
    add_remote(b, "team", shared_remote.url)
    before = remote_versions(shared_remote.url)

    with pytest.raises(Conflict, match="tag release points at another version on remote team"):
        push(b)
    assert remote_versions(shared_remote.url) == before  # checked before anything was sent

    b.close()
    proc = run_cli("push", cwd=b.root, env=shared_remote.env)
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.count("\n") == 1 and "tag release" in proc.stderr

    pulled = run_cli("pull", "--json", cwd=b.root, env=shared_remote.env, check=True)
    conflicts = json.loads(pulled.stdout)["conflicts"]
    assert len(conflicts) == 1 and conflicts[0].startswith("tag release")


def test_an_alias_moved_on_the_remote_since_the_last_pull_is_refused_unless_forced(tmp_path: Path) -> None:
    url = str(tmp_path / "remote")
    a = make_store(tmp_path / "a")
    v1 = snap(a, "train.ipynb", message="one")
    a.alias("production", v1)
    add_remote(a, "team", url)
    push(a)
    b = make_store(tmp_path / "b", notebook="eval.ipynb")
    add_remote(b, "team", url)
    pull(b)
    assert b.resolve("production").id == v1

    (a.root / "train.ipynb").write_text((a.root / "train.ipynb").read_text().replace("fit", "refit"))
    v2 = snap(a, "train.ipynb", message="two")
    a.alias("production", v2)
    assert push(a)["versions"] == 1  # a moved it, and the remote had not moved since: accepted

    mine = snap(b, "eval.ipynb")
    b.alias("production", mine)
    with pytest.raises(Conflict, match="alias production moved on remote team"):
        push(b)
    assert v2 in remote_versions(url) and mine not in remote_versions(url)

    forced = push(b, force=True)
    assert forced["versions"] == 1
    assert pull(a)["conflicts"] == []  # a had not moved it since: it follows the remote
    assert a.resolve("production").id == mine

    a.alias("production", v1)  # now both move it: a pull keeps this store's and says so
    (b.root / "eval.ipynb").write_text((b.root / "eval.ipynb").read_text().replace("fit", "refit"))
    mine2 = snap(b, "eval.ipynb")
    b.alias("production", mine2)
    push(b)
    assert pull(a)["conflicts"] == [
        f"alias production moved both here and on remote team (there: {mine2[:12]}); kept as it is here: "
        "push with force to move it there too"
    ]
    assert a.resolve("production").id == v1

    c = make_store(tmp_path / "c", notebook="other.ipynb")
    add_remote(c, "team", url)
    pull(c)
    assert c.resolve("production").id == mine2  # the newest move is the head


def test_a_pull_follows_an_alias_that_only_the_remote_moved(tmp_path: Path) -> None:
    url = str(tmp_path / "remote")
    a = make_store(tmp_path / "a")
    v1 = snap(a, "train.ipynb")
    a.alias("production", v1)
    add_remote(a, "team", url)
    push(a)
    b = make_store(tmp_path / "b", notebook="eval.ipynb")
    add_remote(b, "team", url)
    pull(b)
    (a.root / "train.ipynb").write_text((a.root / "train.ipynb").read_text().replace("fit", "refit"))
    v2 = snap(a, "train.ipynb")
    a.alias("production", v2)
    push(a)
    assert push(b)["versions"] == 0  # b did not move it: nothing to refuse, nothing to send
    assert pull(b)["conflicts"] == []
    assert b.resolve("production").id == v2
    assert [h["version"] for h in b.alias_history("production")] == [v2, v1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["remote", "add", "bad name!", "/tmp/x"], "invalid remote name"),
        (["remote", "add", "team2", "nope://bucket/x"], "unsupported remote URL scheme nope://"),
        (["remote", "add", "team2", "sftp://me:secret@host/x"], "must not hold a password"),
        (["remote", "add", "team2", "s3:///no-bucket"], "names no bucket"),
        (["remote", "add", "team2", "https://example.org/x"], "unsupported remote URL scheme https://"),
        (["remote", "add", "team", "/tmp/elsewhere"], "remote team already exists"),
        (["remote", "remove", "nosuch"], "no remote nosuch"),
        (["push", "nosuch"], "no remote nosuch"),
        (["pull", "nosuch"], "no remote nosuch"),
        (["push", "team", "v9"], "no version v9"),
    ],
)
def test_bad_input_is_one_line_and_changes_nothing(tmp_path: Path, args: list[str], message: str) -> None:
    a = make_store(tmp_path / "a")
    snap(a, "train.ipynb")
    add_remote(a, "team", str(tmp_path / "remote"))
    a.close()
    before = tree_bytes(a.dir)
    proc = run_cli(*args, cwd=tmp_path / "a")
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.count("\n") == 1 and message in proc.stderr and "Traceback" not in proc.stderr
    assert tree_bytes(a.dir) == before
    assert not (tmp_path / "remote").exists()


def test_remote_add_list_remove_through_the_cli(tmp_path: Path) -> None:
    a = make_store(tmp_path / "a")
    a.close()
    run_cli("remote", "add", "team", "shared/mv", cwd=a.root, check=True)
    run_cli("remote", "add", "backup", f"file://{tmp_path}/backup/", cwd=a.root, check=True)
    listed = json.loads(run_cli("remote", "list", "--json", cwd=a.root, check=True).stdout)
    assert listed == [
        {"name": "team", "url": f"file://{a.root}/shared/mv", "default": True},
        {"name": "backup", "url": f"file://{tmp_path}/backup", "default": False},
    ]
    run_cli("remote", "remove", "team", cwd=a.root, check=True)
    text = run_cli("remote", "list", cwd=a.root, check=True).stdout
    assert text == f"backup  file://{tmp_path}/backup  (default)\n"
    pushed = run_cli("push", cwd=a.root)
    assert pushed.returncode == 0 and "to backup" in pushed.stdout


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("s3:///no-bucket", "the remote URL s3:///no-bucket names no bucket"),
        ("gs:///models", "the remote URL gs:///models names no bucket"),
        ("sftp:///srv/mv", "the remote URL sftp:///srv/mv names no host"),
    ],
)
def test_a_url_without_its_bucket_or_host_is_refused_by_what_it_lacks(url: str, message: str) -> None:
    """An object store's URL lacks a bucket, an SFTP URL a host: the refusal says which."""
    with pytest.raises(InvalidInput) as refused:
        normalize_url(url)
    assert str(refused.value) == message
