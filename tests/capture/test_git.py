"""Git capture against real repositories made in tmp_path."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from jupyter_mv.capture import capture_git
from jupyter_mv.capture.git import MAX_DIRTY_FILES


def git(repo: Path, *args: str) -> str:
    proc = subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


@pytest.fixture(autouse=True)
def _no_parent_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # git must not find a repository above tmp_path
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "notebooks").mkdir(parents=True)
    (root / "train.py").write_text("print('train')\n")
    (root / "notebooks" / "a.ipynb").write_text("{}\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "first")
    return root


def test_clean_repo_gives_commit_and_branch(repo: Path) -> None:
    info = capture_git(repo)

    assert info is not None
    assert info["commit"] == git(repo, "rev-parse", "HEAD")
    assert info["branch"] == "main"
    assert info["dirty"] is False
    assert info["dirty_files"] == []
    assert info["remote"] is None
    assert Path(info["root"]) == repo.resolve()


def test_changes_are_listed_relative_to_the_work_tree_root(repo: Path) -> None:
    (repo / "train.py").write_text("print('changed')\n")
    (repo / "notebooks" / "a.ipynb").unlink()
    (repo / "notebooks" / "my data.csv").write_text("x\n1\n")
    (repo / "staged.py").write_text("")
    git(repo, "add", "staged.py")

    info = capture_git(repo / "notebooks")  # from a subfolder, as a notebook's folder would be

    assert info is not None
    assert info["dirty"] is True
    assert Path(info["root"]) == repo.resolve()
    assert sorted(info["dirty_files"]) == [
        "notebooks/a.ipynb",
        "notebooks/my data.csv",
        "staged.py",
        "train.py",
    ]
    assert info["dirty_count"] == 4


def test_a_rename_lists_the_new_path(repo: Path) -> None:
    git(repo, "mv", "train.py", "fit.py")

    info = capture_git(repo)

    assert info is not None
    assert info["dirty_files"] == ["fit.py"]


def test_a_file_path_as_root_uses_its_folder(repo: Path) -> None:
    info = capture_git(repo / "notebooks" / "a.ipynb")

    assert info is not None
    assert info["commit"] == git(repo, "rev-parse", "HEAD")


def test_dirty_files_are_capped_but_counted(repo: Path) -> None:
    for i in range(MAX_DIRTY_FILES + 50):
        (repo / f"out-{i:03d}.txt").write_text("")

    info = capture_git(repo)

    assert info is not None
    assert len(info["dirty_files"]) == MAX_DIRTY_FILES
    assert info["dirty_count"] == MAX_DIRTY_FILES + 50


def test_remote_credentials_are_stripped(repo: Path) -> None:
    git(repo, "remote", "add", "origin", "https://alice:ghp_s3cr3tT0ken@github.com/org/repo.git")

    info = capture_git(repo)

    assert info is not None
    assert info["remote"] == "https://github.com/org/repo.git"
    assert "ghp_s3cr3tT0ken" not in json.dumps(info)


def test_a_repo_without_commits_has_no_commit(tmp_path: Path) -> None:
    root = tmp_path / "fresh"
    root.mkdir()
    git(root, "init", "-q", "-b", "trunk")
    (root / "nb.ipynb").write_text("{}\n")

    info = capture_git(root)

    assert info is not None
    assert info["commit"] is None
    assert info["branch"] == "trunk"
    assert info["dirty_files"] == ["nb.ipynb"]


def test_detached_head_has_no_branch(repo: Path) -> None:
    head = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-q", "--detach", head)

    info = capture_git(repo)

    assert info is not None
    assert info["branch"] is None
    assert info["commit"] == head


def test_outside_a_work_tree_is_none(tmp_path: Path, repo: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()

    assert capture_git(plain) is None
    assert capture_git(tmp_path / "does-not-exist" / "x.ipynb") is None
    assert capture_git(repo / ".git") is None  # inside the git dir is no work tree


def test_without_git_on_path_is_none(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = repo.parent / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))

    assert capture_git(repo) is None


def test_status_does_not_rewrite_the_index(repo: Path) -> None:
    # same content, new mtime: a plain `git status` would refresh and rewrite the index
    train = repo / "train.py"
    stat = train.stat()
    os.utime(train, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    index = repo / ".git" / "index"
    before = index.stat().st_mtime_ns

    info = capture_git(repo)

    assert info is not None and info["dirty"] is False
    assert index.stat().st_mtime_ns == before
    assert not (repo / ".git" / "index.lock").exists()
