"""Git beside the store, against Debian's git in real repositories: `log --git` puts
versions among the commits; `init` keeps the store out of git in a repository's root,
its subfolders and its worktrees."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ..helpers import run_cli, write_notebook
from .conftest import git


@pytest.fixture(autouse=True)
def _no_parent_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))


@pytest.fixture
def repo(project: Path) -> Path:
    write_notebook(project / "train.ipynb", ["x = 1"])
    (project / "features.py").write_text("A = 1\n")
    git(project, "init", "-q", "-b", "main")
    run_cli("init", cwd=project, check=True)
    git(project, "add", ".")
    git(project, "commit", "-q", "-m", "first model")
    return project


def _snapshot(repo: Path, message: str) -> str:
    proc = run_cli("snapshot", "train.ipynb", "--no-env", "-m", message, "--json", cwd=repo, check=True)
    return json.loads(proc.stdout)["id"]


def test_log_git_puts_each_version_above_the_commit_it_was_made_on(repo: Path) -> None:
    first = git(repo, "rev-parse", "HEAD")
    _snapshot(repo, "baseline")
    (repo / "features.py").write_text("A = 2\n")
    _snapshot(repo, "dirty try")
    git(repo, "commit", "-q", "-am", "new features")
    second = git(repo, "rev-parse", "HEAD")
    (repo / "features.py").write_text("A = 3\n")
    git(repo, "commit", "-q", "-am", "tuned features")
    third = git(repo, "rev-parse", "HEAD")
    _snapshot(repo, "more trees")

    data = json.loads(run_cli("log", "--git", "--json", cwd=repo, check=True).stdout)
    text = run_cli("log", "--git", cwd=repo, check=True).stdout.splitlines()

    assert [(e["type"], e.get("name") or e["commit"]) for e in data] == [
        ("version", "v3"),
        ("commit", third),
        ("commit", second),
        ("version", "v2"),
        ("version", "v1"),
        ("commit", first),
    ]
    v3, _, _, v2, v1, c1 = data
    assert v3["git"] == {
        "commit": third,
        "branch": "main",
        "dirty": False,
        "dirty_count": 0,
        "dirty_files": [],
        "in_history": True,
    }
    assert v2["git"]["dirty"] is True and v2["git"]["dirty_files"] == ["features.py"]
    assert v1["message"] == "baseline" and v1["git"]["commit"] == first and not v1["git"]["dirty"]
    assert c1["subject"] == "first model" and c1["author"] == "Ann" and c1["versions"] == [v2["id"], v1["id"]]
    assert data[1]["refs"] == ["main"]
    assert [line.split()[0] for line in text] == ["v3", "*", "*", "v2", "v1", "*"]
    assert text[0].endswith(f"more trees  on {third[:10]} (main)")
    assert text[1].startswith(f"* {third[:10]}  ") and text[1].endswith("Ann  tuned features (main)")
    assert text[3].endswith(f"dirty try  on {first[:10]} (main) +1 uncommitted")


def test_a_version_whose_commit_was_rewritten_is_placed_by_time_and_marked(repo: Path) -> None:
    (repo / "features.py").write_text("A = 2\n")
    git(repo, "commit", "-q", "-am", "wip")
    wip = git(repo, "rev-parse", "HEAD")
    _snapshot(repo, "on wip")
    git(repo, "commit", "-q", "--amend", "-m", "wip, reworded")
    git(repo, "reflog", "expire", "--expire=now", "--all")
    git(repo, "gc", "-q", "--prune=now")

    data = json.loads(run_cli("log", "--git", "--json", cwd=repo, check=True).stdout)
    text = run_cli("log", "--git", cwd=repo, check=True).stdout

    version = next(e for e in data if e["type"] == "version")
    assert version["git"]["commit"] == wip and version["git"]["in_history"] is False
    assert wip not in [e.get("commit") for e in data if e["type"] == "commit"]
    assert "wip, reworded" in text and "(commit no longer in the history)" in text


def test_log_git_outside_a_repository_is_one_line(project: Path) -> None:
    write_notebook(project / "nb.ipynb", ["1"])
    run_cli("init", cwd=project, check=True)
    run_cli("snapshot", "nb.ipynb", "--no-env", cwd=project, check=True)

    proc = run_cli("log", "--git", cwd=project)

    assert proc.returncode == 1
    assert proc.stderr.strip() == (
        f"jupyter mv log: error: {project} is not in a git work tree (or git is not installed)"
    )


def test_versions_made_before_the_repository_show_without_git_state(project: Path) -> None:
    write_notebook(project / "nb.ipynb", ["1"])
    run_cli("init", cwd=project, check=True)
    run_cli("snapshot", "nb.ipynb", "--no-env", cwd=project, check=True)
    git(project, "init", "-q", "-b", "main")
    git(project, "add", ".")
    git(project, "commit", "-q", "-m", "start")

    text = run_cli("log", "--git", cwd=project, check=True).stdout.splitlines()

    assert text[0].startswith("*") and text[0].endswith("start (main)")
    assert text[1].split()[0] == "v1" and text[1].endswith("(no git state recorded)")


def _git_status(repo: Path) -> list[str]:
    return git(repo, "status", "--porcelain", "--untracked-files=all").splitlines()


def test_the_store_stays_out_of_git_in_the_root_a_subfolder_and_a_worktree(tmp_path: Path) -> None:
    main = tmp_path / "repo"
    (main / "analysis").mkdir(parents=True)
    (main / "README.md").write_text("hello\n")
    git(main, "init", "-q", "-b", "main")
    git(main, "add", ".")
    git(main, "commit", "-q", "-m", "start")
    worktree = tmp_path / "feature"
    git(main, "worktree", "add", "-q", "-b", "feature", str(worktree))
    assert (worktree / ".git").is_file()  # a worktree's .git is a file naming the real one

    for folder in (main, main / "analysis", worktree):
        write_notebook(folder / "nb.ipynb", ["1"])
        run_cli("init", cwd=folder, check=True)
        run_cli("snapshot", "nb.ipynb", "--no-env", cwd=folder, check=True)

    # at a work tree's root, .gitignore names the store; in a subfolder the store's own
    # .gitignore (`*`) keeps it out without touching the user's files
    assert (main / ".gitignore").read_text() == ".jupyter_mv/\n"
    assert (worktree / ".gitignore").read_text() == ".jupyter_mv/\n"
    assert not (main / "analysis" / ".gitignore").exists()
    assert sorted(_git_status(main)) == ["?? .gitignore", "?? analysis/nb.ipynb", "?? nb.ipynb"]
    assert sorted(_git_status(worktree)) == ["?? .gitignore", "?? nb.ipynb"]
    assert git(main, "check-ignore", "analysis/.jupyter_mv/mv.db") == "analysis/.jupyter_mv/mv.db"
    # a second init adds nothing twice
    run_cli("init", cwd=main, check=True)
    assert (main / ".gitignore").read_text() == ".jupyter_mv/\n"
