"""Versions beside git commits: one timeline, newest first.

Every version records the commit, branch and uncommitted files of the repository it
was made in (:func:`jupyter_mv.capture.git.capture_git`). :func:`git_timeline` puts the
versions among the commits of ``git log`` (from ``HEAD`` and every recorded commit,
back to the oldest commit a version was made on), so one sees which commits came
between two versions and on which commit, how dirty, each version was made.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..capture.git import git_commits
from ..errors import InvalidInput

if TYPE_CHECKING:
    from ..store import Store
    from ..store.versions import Version

__all__ = ["git_timeline"]

_SHA = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")  # SHA-1 or SHA-256 object names, never an option


def _version_entry(v: Version, known: set[str]) -> dict[str, Any]:
    git = v.git or {}
    commit = git.get("commit")
    return {
        "type": "version",
        "time": v.created,
        "id": v.id,
        "name": v.name,
        "label": v.label,
        "notebook": v.notebook,
        "kind": v.kind,
        "message": v.message,
        "author": v.author,
        "tags": list(v.tags),
        "aliases": list(v.aliases),
        "metrics": v.metrics,
        "git": {
            "commit": commit,
            "branch": git.get("branch"),
            "dirty": bool(git.get("dirty")),
            "dirty_count": int(git.get("dirty_count") or len(git.get("dirty_files") or [])),
            "dirty_files": list(git.get("dirty_files") or []),
            "in_history": bool(commit) and commit in known,
        }
        if v.git
        else None,
    }


def git_timeline(store: Store, versions: Sequence[Version], *, limit: int = 1000) -> list[dict[str, Any]]:
    """``versions`` and the commits around them, newest first.

    A commit entry is ``{"type": "commit", "time", "commit", "parents", "author",
    "subject", "refs", "versions": [ids of versions made on it]}``; a version entry is
    ``{"type": "version", "time", "id", "name", "label", "notebook", "message", ...,
    "git": {"commit", "branch", "dirty", "dirty_count", "dirty_files", "in_history"} |
    None}`` (``None``: made outside a repository; ``in_history`` false: its commit is
    not reachable any more, e.g. after a rebase).

    :param versions: the versions to place (e.g. ``store.log(notebook)``)
    :param limit: at most this many commits
    :raises InvalidInput: the project is not in a git work tree
    """
    recorded = [c for c in (str((v.git or {}).get("commit") or "") for v in versions) if _SHA.match(c)]
    tips = ["HEAD", *dict.fromkeys(recorded)]
    commits = git_commits(store.root, tips, limit=limit)
    if commits is None:
        raise InvalidInput(f"{store.root} is not in a git work tree (or git is not installed)")
    known = {c["commit"] for c in commits}
    # only the history since the oldest commit a version was made on (all of it when none was)
    wanted = set(recorded) & known
    kept: list[dict[str, Any]] = []
    for c in commits:
        kept.append(c)
        wanted.discard(c["commit"])
        if recorded and not wanted:
            break
    made_on: dict[str, list[Version]] = {}
    floating: list[Version] = []
    kept_ids = {c["commit"] for c in kept}
    for v in versions:
        commit = (v.git or {}).get("commit")
        if isinstance(commit, str) and commit in kept_ids:
            made_on.setdefault(commit, []).append(v)
        else:
            floating.append(v)
    floating.sort(key=lambda v: -v.created)
    # git's order for the commits; each version right above the commit it was made on
    # (commit times have whole seconds, so times alone would misplace quick work);
    # versions made outside the shown history by their time
    entries: list[dict[str, Any]] = []
    for c in kept:
        while floating and int(floating[0].created) > c["time"]:  # a tie: the commit's second may be later
            entries.append(_version_entry(floating.pop(0), known))
        on = sorted(made_on.get(c["commit"], []), key=lambda v: -v.created)
        entries += [_version_entry(v, known) for v in on]
        entries.append({"type": "commit", **c, "versions": [v.id for v in on]})
    entries += [_version_entry(v, known) for v in floating]
    return entries
