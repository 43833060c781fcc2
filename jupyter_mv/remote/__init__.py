"""Team remotes: push and pull versions between stores through object storage.

A remote is a URL (``s3://bucket/prefix``, ``sftp://host/path``, ``file:///shared``
or a folder) opened through fsspec; the layout there is in :mod:`.layout` and
``docs/remotes.md``. This layer sits above the store: ``add_remote(store, name, url)``
checks a URL before ``store.remotes`` records it, ``push(store)`` and ``pull(store)``
move versions, and importing this package registers :func:`.sync.fetch` with the store
(:func:`jupyter_mv.store.objects.set_fetcher`), so that a read fetches the packs a
lazy pull left on the remote. The store's own list of remotes (list, remove, which
remotes hold a version) is ``store.remotes``.
"""

from __future__ import annotations

from ..store.objects import set_fetcher
from .admin import add_remote
from .sync import fetch, pull, push

set_fetcher(fetch)

__all__ = ["add_remote", "push", "pull", "fetch"]
