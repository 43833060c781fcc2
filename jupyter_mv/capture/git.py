"""Capture the git state of the folder a notebook lives in.

``capture_git(root)`` runs three quick ``git`` commands and returns::

    {"root": "/abs/work/tree", "commit": "40 hex" | None, "branch": "main" | None,
     "dirty": bool, "dirty_files": ["a.py", ...], "dirty_count": int,
     "remote": "https://host/org/repo.git" | None}

``commit`` is ``None`` in a repository with no commit yet, ``branch`` is ``None`` on a
detached HEAD. ``dirty_files`` lists at most :data:`MAX_DIRTY_FILES` paths relative to
``root`` (modified, staged, deleted, renamed, conflicted or untracked; an untracked
folder is one ``dir/`` entry); ``dirty_count`` counts them all. The origin URL has its
credentials stripped. Outside a work tree, without git, or on any git failure or
time-out the answer is ``None``: this never raises for git's sake.
"""

from __future__ import annotations

import os
import shutil
import time
from typing import Any

from jupyter_mv.capture.credentials import strip_credentials

__all__ = ["MAX_DIRTY_FILES", "capture_git", "git_commits"]

#: At most this many paths are listed in ``dirty_files``.
MAX_DIRTY_FILES = 200

# Fields before the path in porcelain v2 records: "1 XY sub mH mI mW hH hI path", ...
_PATH_FIELD = {"1": 8, "2": 9, "u": 10, "?": 1}


def _run(git: str, args: list[str], cwd: str, deadline: float) -> bytes | None:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        return None
    import subprocess  # here, not at start-up: only a project in a git work tree runs git

    env = dict(os.environ)
    env["GIT_OPTIONAL_LOCKS"] = "0"  # never take index.lock behind the user's back
    env["GIT_TERMINAL_PROMPT"] = "0"
    try:
        proc = subprocess.run(
            [git, *args],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=remaining,
            env=env,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout if proc.returncode == 0 else None


def _parse_status(raw: bytes) -> tuple[str | None, str | None, list[str]]:
    commit: str | None = None
    branch: str | None = None
    files: list[str] = []
    records = raw.split(b"\0")
    i = 0
    while i < len(records):
        record = records[i]
        i += 1
        if not record:
            continue
        if record.startswith(b"# "):
            key, _, value = record[2:].decode("utf-8", "replace").partition(" ")
            if key == "branch.oid" and value != "(initial)":
                commit = value
            elif key == "branch.head" and value != "(detached)":
                branch = value
            continue
        kind = record[:1].decode("ascii", "replace")
        fields = _PATH_FIELD.get(kind)
        if fields is None:  # "!" ignored files, or a record we do not know
            continue
        parts = record.split(b" ", fields)
        if len(parts) > fields:
            files.append(os.fsdecode(parts[fields]))
        if kind == "2":
            i += 1  # a rename's original path follows as its own record
    return commit, branch, files


def _may_be_in_work_tree(path: str) -> bool:
    """``path`` or a folder above it holds a ``.git`` (a folder, or the file of a linked
    work tree or submodule), or git is pointed at a repository from the environment: only
    then is git asked (it costs a process on every snapshot)."""
    if os.environ.get("GIT_DIR") or os.environ.get("GIT_WORK_TREE"):
        return True
    here = path
    while True:
        if os.path.lexists(os.path.join(here, ".git")):
            return True
        parent = os.path.dirname(here)
        if parent == here:
            return False
        here = parent


def capture_git(root: str | os.PathLike[str], *, timeout: float = 10.0) -> dict[str, Any] | None:
    """The git state of the work tree holding ``root``, or ``None``.

    :param root: a folder (or a file, whose folder is used) inside a git work tree
    :param timeout: seconds all git commands together may take
    """
    git = shutil.which("git")
    if git is None:
        return None
    path = os.path.abspath(os.fspath(root))
    if not os.path.isdir(path):
        path = os.path.dirname(path)
        if not os.path.isdir(path):
            return None
    if not _may_be_in_work_tree(path):
        return None
    deadline = time.monotonic() + timeout
    top = _run(git, ["rev-parse", "--show-toplevel"], path, deadline)
    if top is None:
        return None
    toplevel = os.fsdecode(top.rstrip(b"\r\n"))
    if not toplevel:
        return None
    status = _run(
        git,
        ["-c", "status.aheadBehind=false", "status", "--porcelain=v2", "--branch", "-z"],
        toplevel,
        deadline,
    )
    if status is None:
        return None
    commit, branch, files = _parse_status(status)
    remote_raw = _run(git, ["config", "--get", "remote.origin.url"], toplevel, deadline)
    remote = remote_raw.decode("utf-8", "replace").strip() if remote_raw else ""
    return {
        "root": toplevel,
        "commit": commit,
        "branch": branch,
        "dirty": bool(files),
        "dirty_files": files[:MAX_DIRTY_FILES],
        "dirty_count": len(files),
        "remote": strip_credentials(remote) if remote else None,
    }


def git_commits(
    root: str | os.PathLike[str], tips: list[str] | None = None, *, limit: int = 1000, timeout: float = 20.0
) -> list[dict[str, Any]] | None:
    """Commits reachable from ``tips`` (default ``HEAD``), newest first, or ``None``
    outside a work tree or on any git failure.

    Each is ``{"commit", "parents": [...], "time": committer epoch, "author", "subject",
    "refs": ["main", "tag: v1", ...]}``. Tips that git does not know are left out.

    :param root: a folder inside the work tree
    :param tips: commits (or refs) to start from
    :param limit: at most this many commits
    """
    git = shutil.which("git")
    if git is None:
        return None
    path = os.path.abspath(os.fspath(root))
    deadline = time.monotonic() + timeout
    # --ignore-missing: a commit that is gone (rebased away, garbage-collected) is skipped
    raw = _run(
        git,
        [
            "log",
            "--ignore-missing",
            "--date-order",
            f"--max-count={int(limit)}",
            "-z",
            "--format=%H%x1f%P%x1f%ct%x1f%an%x1f%s%x1f%D",
            *(tips or ["HEAD"]),
            "--",
        ],
        path,
        deadline,
    )
    if raw is None:  # not a work tree, or one without any commit yet
        return [] if _run(git, ["rev-parse", "--show-toplevel"], path, deadline) is not None else None
    commits = []
    for record in raw.decode("utf-8", "replace").split("\0"):
        fields = record.strip("\n").split("\x1f")
        if len(fields) != 6:
            continue
        sha, parents, ctime, author, subject, refs = fields
        commits.append(
            {
                "commit": sha,
                "parents": parents.split(),
                "time": int(ctime) if ctime.isdigit() else 0,
                "author": author,
                "subject": subject,
                "refs": [r.strip().removeprefix("HEAD -> ") for r in refs.split(",") if r.strip()],
            }
        )
    return commits
