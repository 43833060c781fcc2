"""The server's way into the core: confine request paths, find the store, call it.

Handlers stay thin: they parse a request, call one method here off the event loop,
and write its result. Every method raises :class:`jupyter_mv.errors.MVError`
subclasses for the user's mistakes; messages name the request's own paths, never
the server's folders.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from ..errors import InvalidInput, NotFound, StoreNotFound
from ..store import STORE_DIRNAME, Store, find_store_dir

__all__ = ["StoreAccess", "MAX_PAGE"]

#: The most versions one request lists.
MAX_PAGE = 1000

#: An absolute POSIX path inside a message (not the tail of a relative one).
_ABSOLUTE_PATH = re.compile(r"(?<![\w.~/-])/[^\s'\"()\[\]{},;]+")


class StoreAccess:
    """Reaches the version store of notebooks under the server's root.

    :param root_dir: the server's root folder; request paths are relative to it.
    :param store_dir: a store folder to use for every notebook instead of walking up.
    """

    def __init__(self, root_dir: str | os.PathLike[str], *, store_dir: str | os.PathLike[str] | None = None) -> None:
        self.root = Path(root_dir).expanduser().absolute()
        self._real_root = Path(os.path.realpath(self.root))
        self.store_dir = Path(store_dir).expanduser().absolute() if store_dir else None

    # -- paths -----------------------------------------------------------------------------

    def public_message(self, message: str) -> str:
        """``message`` as a client may read it: paths under the server root made relative
        to it, any other absolute path hidden."""
        for prefix in sorted({str(self.root), str(self._real_root)}, key=len, reverse=True):
            message = message.replace(prefix + os.sep, "").replace(prefix, ".")
        return _ABSOLUTE_PATH.sub("<server path>", message)

    def notebook_path(self, api_path: str) -> Path:
        """The absolute path of ``api_path``, a path relative to the server root.

        :raises InvalidInput: empty, absolute, with ``..``, inside a version store, or
            (through symlinks) resolving outside the root.
        """
        if not isinstance(api_path, str) or not api_path.strip():
            raise InvalidInput("the path parameter is required: a notebook path relative to the server root")
        if "\x00" in api_path or any(ord(c) < 32 for c in api_path):
            raise InvalidInput("the path holds control characters")
        if PurePosixPath(api_path).is_absolute() or PureWindowsPath(api_path).is_absolute() \
                or PureWindowsPath(api_path).drive:
            raise InvalidInput(f"{api_path} is absolute; give a path relative to the server root")
        parts = [p for p in re.split(r"[\\/]", api_path) if p not in ("", ".")]
        if ".." in parts:
            raise InvalidInput(f"{api_path} leaves the server root (..)")
        if STORE_DIRNAME in parts:
            raise InvalidInput(f"{api_path} is inside a version store")
        if not parts:
            raise InvalidInput("the path parameter names the server root, not a notebook")
        full = self.root.joinpath(*parts)
        real = Path(os.path.realpath(full))
        if not real.is_relative_to(self._real_root):
            raise InvalidInput(f"{api_path} resolves outside the server root")
        return full

    # -- stores ----------------------------------------------------------------------------

    @contextmanager
    def open_store(self, notebook: Path, api_path: str) -> Iterator[Store]:
        """The store that holds ``notebook``'s versions, closed on exit.

        :raises StoreNotFound: there is none.
        """
        store_dir = self.store_dir or find_store_dir(notebook.parent)
        if store_dir is None or not (store_dir / "mv.db").is_file():
            raise StoreNotFound(f"no jupyter-mv store for {api_path}; run `jupyter mv init` in the project folder")
        store = Store(store_dir)
        try:
            yield store
        finally:
            store.close()

    @staticmethod
    def _key(store: Store, notebook: Path) -> str | None:
        """``notebook`` relative to the store's root, or None when it lies outside it."""
        try:
            return store.relpath(notebook, must_exist=False)
        except InvalidInput:
            return None

    # -- operations ------------------------------------------------------------------------

    def versions(self, api_path: str, *, limit: int | None = None, offset: int = 0) -> dict[str, Any]:
        """A notebook's versions, newest first: ``{"versions": [...], "total": n}``.

        A notebook with no store or no versions yet has an empty list.
        """
        notebook = self.notebook_path(api_path)
        if limit is not None and not 1 <= limit <= MAX_PAGE:
            raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}")
        if offset < 0:
            raise InvalidInput("offset must be 0 or more")
        try:
            with self.open_store(notebook, api_path) as store:
                key = self._key(store, notebook)
                if key is None:
                    return {"versions": [], "total": 0}
                # The core takes absolute paths as they are; relative ones are read from its cwd.
                total = store.count(notebook)
                page = store.log(notebook, limit=limit if limit is not None else MAX_PAGE, offset=offset)
                return {"versions": [v.to_dict() for v in page], "total": total}
        except StoreNotFound:
            return {"versions": [], "total": 0}

    def version(self, api_path: str, ref: str) -> dict[str, Any]:
        """One version of a notebook, named by ``ref`` (``v3``, ``latest~1``, a tag, an alias
        or an id prefix)."""
        notebook = self.notebook_path(api_path)
        if not isinstance(ref, str) or not ref.strip():
            raise InvalidInput("a ref is required (v3, latest~1, a tag, an alias or a version id)")
        if "@" in ref:
            raise InvalidInput("give the ref without a notebook: the notebook is the path parameter")
        with self.open_store(notebook, api_path) as store:
            key = self._key(store, notebook)
            if key is None:
                raise NotFound(f"{api_path} has no versions in this store")
            version = store.resolve(ref, notebook)
            if version.notebook != key:
                raise NotFound(f"{ref} is not a version of {api_path}")
            return version.to_dict()
