"""Adding a remote, and the check that a remote is not the store itself.

The store keeps its list of remotes (``store.remotes``: list, remove, state); adding
one is here because the URL is checked and normalised by the back ends' rules
(:func:`~jupyter_mv.remote.backend.normalize_url`) before the store records it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import InvalidInput
from .backend import check_remote_name, normalize_url

if TYPE_CHECKING:
    from ..store import Store

__all__ = ["add_remote", "check_location", "checked_url"]


def add_remote(store: Store, name: str, url: str) -> dict[str, str]:
    """Remember remote ``name`` at ``url`` (``s3://bucket/prefix``, ``sftp://host/path``,
    ``file:///folder`` or a folder path); nothing is contacted. Credentials are never stored.

    :raises InvalidInput: a bad name or URL, one holding a password, or a folder that is
        the store, inside it or holds it.
    :raises Conflict: a remote of that name exists.
    """
    check_location(store, url)
    check_remote_name(name)
    return store.remotes.record(name, normalize_url(url))


def check_location(store: Store, url: str) -> None:
    """:raises InvalidInput: ``url`` is a folder that is this store, lies inside it,
    or holds it (a push would write the remote's layout into the store or the project)."""
    normal = normalize_url(url)
    if not normal.startswith("file://"):
        return
    folder = Path(os.path.realpath(normal[len("file://") :]))
    here = Path(os.path.realpath(store.dir))
    if folder.is_relative_to(here) or here.is_relative_to(folder):
        raise InvalidInput(
            "a remote cannot be the version store, a folder inside it, or a folder that holds it: "
            "choose a folder outside the project"
        )


def checked_url(store: Store, name: str | None) -> tuple[str, str]:
    """``(name, url)`` of remote ``name`` (the default one when None), checked by
    :func:`check_location`."""
    found = store.remotes.url(name)
    check_location(store, found[1])
    return found
