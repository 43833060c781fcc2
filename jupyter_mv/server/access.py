"""The server's way into the core: confine request paths, find the store, call it.

Handlers stay thin: they parse a request, call one method here off the event loop,
and write its result. Every method raises :class:`jupyter_mv.errors.MVError`
subclasses for the user's mistakes; messages name the request's own paths, never
the server's folders.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from ..errors import InvalidInput, NotFound, StoreNotFound
from ..store import STORE_DIRNAME, Store, Version, find_store_dir, history

__all__ = ["StoreAccess", "MAX_PAGE", "KINDS", "with_remotes"]

#: The most versions one request lists.
MAX_PAGE = 1000
#: Version kinds a listing may ask for; light versions (saves) are folded by default.
KINDS = ("full", "safety", "light")

#: An absolute POSIX path inside a message (not the tail of a relative one).
_ABSOLUTE_PATH = re.compile(r"(?<![\w.~/-])/[^\s'\"()\[\]{},;]+")


def with_remotes(store: Store, versions: Sequence[Version]) -> list[dict[str, Any]]:
    """``versions`` as the API lists them: each with ``remotes``, the names of the remotes
    it is known to be on (empty: only in this store)."""
    state = store.remote_state([v.id for v in versions]) if versions else {}
    return [{**v.to_dict(), "remotes": sorted(state.get(v.id, []))} for v in versions]


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

    def notebook_path(self, api_path: str, what: str = "the path parameter") -> Path:
        """The absolute path of ``api_path``, a path relative to the server root.

        :param what: names the parameter in messages.
        :raises InvalidInput: empty, absolute, with ``..``, inside a version store, or
            (through symlinks) resolving outside the root.
        """
        if not isinstance(api_path, str) or not api_path.strip():
            raise InvalidInput(f"{what} is required: a path relative to the server root")
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
    def open_store(self, notebook: Path, api_path: str, *, create: bool = False) -> Iterator[Store]:
        """The store that holds ``notebook``'s versions, closed on exit.

        :param create: when there is none, make one at the server root (the first
            snapshot from the sidebar does).
        :raises StoreNotFound: there is none, and ``create`` is false or the configured
            store folder does not exist.
        """
        store_dir = self.store_dir or find_store_dir(notebook.parent)
        if store_dir is None or not (store_dir / "mv.db").is_file():
            if not create or self.store_dir is not None:
                raise StoreNotFound(f"no jupyter-mv store for {api_path}; run `jupyter mv init` in the project folder")
            store = Store.init(self.root)
        else:
            store = Store(store_dir)
        try:
            yield store
        finally:
            store.close()

    def ensure_store(self, api_path: str) -> None:
        """Make the store for ``api_path`` when there is none (as a snapshot would)."""
        notebook = self.notebook_path(api_path)
        with self.open_store(notebook, api_path, create=True):
            pass

    @staticmethod
    def _key(store: Store, notebook: Path) -> str | None:
        """``notebook`` relative to the store's root, or None when it lies outside it."""
        try:
            return store.relpath(notebook, must_exist=False)
        except InvalidInput:
            return None

    def version_of(self, store: Store, notebook: Path, api_path: str, ref: str) -> Version:
        """The version ``ref`` names among ``notebook``'s versions.

        :raises NotFound: no such version, or it is another notebook's.
        """
        if not isinstance(ref, str) or not ref.strip():
            raise InvalidInput("a ref is required (v3, latest~1, a tag, an alias or a version id)")
        if "@" in ref:
            raise InvalidInput("give the ref without a notebook: the notebook is the path parameter")
        key = self._key(store, notebook)
        if key is None:
            raise NotFound(f"{api_path} has no versions in this store")
        version = store.resolve(ref, notebook)
        if version.notebook != key:
            raise NotFound(f"{ref} is not a version of {api_path}")
        return version

    # -- reading ---------------------------------------------------------------------------

    def versions(self, api_path: str, *, limit: int | None = None, offset: int = 0,
                 kinds: list[str] | None = None) -> dict[str, Any]:
        """A notebook's versions, newest first: ``{"versions", "total"}``, and ``"saves"``
        when the notebook has saves.

        :param kinds: ``full`` and ``safety`` by default; ``saves`` then counts the light
            versions after each version number (key ``"0"``: before the first).

        A notebook with no store or no versions yet has an empty list.
        """
        notebook = self.notebook_path(api_path)
        if limit is not None and not 1 <= limit <= MAX_PAGE:
            raise InvalidInput(f"limit must be between 1 and {MAX_PAGE}")
        if offset < 0:
            raise InvalidInput("offset must be 0 or more")
        kinds = kinds or ["full", "safety"]
        if any(k not in KINDS for k in kinds):
            raise InvalidInput(f"kinds must be among {', '.join(KINDS)}")
        empty: dict[str, Any] = {"versions": [], "total": 0}
        try:
            with self.open_store(notebook, api_path) as store:
                if self._key(store, notebook) is None:
                    return empty
                # The core takes absolute paths as they are; relative ones are read from its cwd.
                total = store.count(notebook, kinds=kinds)
                page = store.log(notebook, limit=limit if limit is not None else MAX_PAGE, offset=offset, kinds=kinds)
                body: dict[str, Any] = {"versions": with_remotes(store, page), "total": total}
                counts = {} if "light" in kinds else history.save_counts(store, notebook)
                if counts:
                    body["saves"] = {str(k): n for k, n in sorted(counts.items())}
                return body
        except StoreNotFound:
            return empty

    def version(self, api_path: str, ref: str) -> dict[str, Any]:
        """One version of a notebook, named by ``ref`` (``v3``, ``v3.2``, ``latest~1``, a tag,
        an alias or an id prefix)."""
        notebook = self.notebook_path(api_path)
        with self.open_store(notebook, api_path) as store:
            return with_remotes(store, [self.version_of(store, notebook, api_path, ref)])[0]

    def saves(self, api_path: str, base: int | None) -> dict[str, Any]:
        """A notebook's light versions (saves), newest first; those after ``vBASE`` when given."""
        notebook = self.notebook_path(api_path)
        if base is not None and base < 0:
            raise InvalidInput("base must be a version number (0: the saves before the first version)")
        try:
            with self.open_store(notebook, api_path) as store:
                if self._key(store, notebook) is None:
                    return {"versions": []}
                return {"versions": with_remotes(store, history.saves(store, notebook, base, limit=MAX_PAGE))}
        except StoreNotFound:
            return {"versions": []}

    def diff(self, api_path: str, a: str, b: str | None = None, *, only: str | None = None,
             include_metadata: bool = False) -> dict[str, Any]:
        """Two versions of a notebook compared, or version ``a`` with the files on disk."""
        notebook = self.notebook_path(api_path)
        with self.open_store(notebook, api_path) as store:
            va = self.version_of(store, notebook, api_path, a)
            vb = self.version_of(store, notebook, api_path, b) if b else None
            return store.diff(va, vb, only=only or None, include_metadata=include_metadata)

    # -- names and saves -------------------------------------------------------------------

    def tag(self, api_path: str, ref: str, name: str) -> dict[str, Any]:
        """Give one of the notebook's versions an immutable name."""
        notebook = self.notebook_path(api_path)
        with self.open_store(notebook, api_path) as store:
            return store.tag(self.version_of(store, notebook, api_path, ref), name).to_dict()

    def alias(self, api_path: str, ref: str, name: str) -> dict[str, Any]:
        """Point a movable name at one of the notebook's versions."""
        notebook = self.notebook_path(api_path)
        with self.open_store(notebook, api_path) as store:
            return store.alias(name, self.version_of(store, notebook, api_path, ref)).to_dict()

    def record_save(self, api_path: str, *, retention_days: float | None) -> dict[str, Any]:
        """A light version of the notebook as just saved: none when it did not change, or
        when the notebook has no store (saving never creates one)."""
        notebook = self.notebook_path(api_path)
        if notebook.suffix != ".ipynb":
            raise InvalidInput(f"{api_path} is not a notebook (.ipynb)")
        try:
            with self.open_store(notebook, api_path) as store:
                if self._key(store, notebook) is None:
                    return {"version": None, "reason": "outside_store"}
                version = history.record_save(store, notebook, retention_days=retention_days)
        except StoreNotFound:
            return {"version": None, "reason": "no_store"}
        return {"version": version.to_dict() if version else None, "reason": None if version else "unchanged"}

    # -- reports ---------------------------------------------------------------------------

    def report(self, api_path: str, ref: str, fmt: str = "html", theme: str = "auto") -> tuple[str, str]:
        """The provenance report of one of the notebook's versions: ``(text, media type)``
        in ``html``, ``markdown``, ``json`` or ``prov-json``."""
        from ..provenance import MEDIA_TYPES, build_report, format_name, render

        key = format_name(fmt)
        if theme not in ("auto", "light", "dark"):
            raise InvalidInput("theme must be auto, light or dark")
        notebook = self.notebook_path(api_path)
        with self.open_store(notebook, api_path) as store:
            version = self.version_of(store, notebook, api_path, ref)
            return render(build_report(store, version.id), key, theme=theme), MEDIA_TYPES[key]

    # -- remotes ---------------------------------------------------------------------------

    def remotes(self, api_path: str) -> dict[str, Any]:
        """The remotes of the store that holds ``api_path``'s versions: ``{"remotes": [...]}``,
        each ``{"name", "url", "default"}``; none when the notebook has no store yet."""
        notebook = self.notebook_path(api_path)
        try:
            with self.open_store(notebook, api_path) as store:
                return {"remotes": store.remotes()}
        except StoreNotFound:
            return {"remotes": []}

    def remote_add(self, api_path: str, name: str, url: str) -> dict[str, Any]:
        """Add a remote to the store of ``api_path`` (made at the server root when there is
        none, as the first snapshot does)."""
        notebook = self.notebook_path(api_path)
        with self.open_store(notebook, api_path, create=True) as store:
            return store.remote_add(name, url)

    def remote_remove(self, api_path: str, name: str) -> None:
        """Forget a remote of the store of ``api_path`` (what it holds stays there)."""
        notebook = self.notebook_path(api_path)
        with self.open_store(notebook, api_path) as store:
            self.check_remote(store, name)
            store.remote_remove(name)

    def require_remote(self, api_path: str, name: str | None) -> None:
        """:raises NotFound: the store of ``api_path`` has no remote ``name`` (None: no
        remote at all to default to), or there is no store."""
        notebook = self.notebook_path(api_path)
        with self.open_store(notebook, api_path) as store:
            self.check_remote(store, name)

    @staticmethod
    def check_remote(store: Store, name: str | None) -> None:
        """:raises NotFound: ``name`` is not one of the store's remotes (None: the store
        must have a remote to default to)."""
        known = store.remotes()
        if name is None:
            if not known:
                raise NotFound("this project has no remote yet; add one first")
        elif name not in {r["name"] for r in known}:
            raise NotFound(f"no remote named {name[:64]!r}")

    def version_ids(self, api_path: str, refs: Sequence[str]) -> list[str]:
        """The ids of the versions of ``api_path`` that ``refs`` name.

        :raises NotFound: a ref names no version of the notebook.
        """
        notebook = self.notebook_path(api_path)
        with self.open_store(notebook, api_path) as store:
            return [self.version_of(store, notebook, api_path, ref).id for ref in refs]
