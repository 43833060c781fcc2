"""Team remotes: push and pull versions between stores through object storage.

A remote is a URL (``s3://bucket/prefix``, ``sftp://host/path``, ``file:///shared``
or a folder) opened through fsspec; the layout there is in :mod:`.layout` and
``docs/remotes.md``. The :class:`~jupyter_mv.store.Store` facade exposes these
functions as ``remote_add``, ``remote_remove``, ``remotes``, ``push``, ``pull`` and
``remote_state``; packs a lazy pull left on the remote are fetched by
:func:`fetch_packs` when a read needs them.
"""

from __future__ import annotations

from .admin import add_remote, list_remotes, remote_state, remove_remote
from .sync import fetch_packs, pull, push

__all__ = ["add_remote", "remove_remote", "list_remotes", "remote_state", "push", "pull", "fetch_packs"]
