"""The server's way into the core: confine request paths, find the store, call it.

Handlers stay thin: they parse a request, call one method here off the event loop,
and write its result. Every method raises :class:`jupyter_mv.errors.MVError`
subclasses for the user's mistakes; messages name the request's own paths, never
the server's folders.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from ..errors import Conflict, Forbidden, InvalidInput, NotFound, StoreNotFound
from ..locate import ENV_VAR, STORE_DIRNAME, find_store_dir, is_store
from ..remote import add_remote  # importing the remote layer also lets reads fetch lazily pulled packs
from ..store import Store, Version, history, query, records, registry
from ..store.store import store_owner

__all__ = ["StoreAccess", "MAX_PAGE", "KINDS", "DEFAULT_REMOTE_SCHEMES", "with_remotes", "check_text"]

#: The most versions one request lists.
MAX_PAGE = 1000
#: Version kinds a listing may ask for; light versions (saves) are folded by default.
KINDS = ("full", "safety", "light")

#: The remote URL schemes a server accepts unless configured otherwise (a folder path is ``file``).
DEFAULT_REMOTE_SCHEMES = ("s3", "sftp", "file")
#: The longest file or folder name, in UTF-8 bytes, and the longest path a request may name.
NAME_MAX = 255
PATH_MAX = 4096

#: An absolute POSIX path inside a message (not the tail of a relative one, not a URL's
#: ``scheme://``), without the punctuation that ends a sentence or a clause.
_ABSOLUTE_PATH = re.compile(r"(?<![\w.~/:-])/(?!/)(?:[^\s'\"()\[\]{},;]*[^\s'\"()\[\]{},;:.!?])?")


def check_text(value: str, what: str) -> str:
    """``value`` when it can be stored and written as UTF-8 text.

    :raises InvalidInput: it holds lone surrogates (JSON's ``"\\ud800"``) or NUL.
    """
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(f"{what} is not valid Unicode text (it holds a lone surrogate)") from None
    if "\x00" in value:
        raise InvalidInput(f"{what} holds a NUL character")
    return value


def with_remotes(store: Store, versions: Sequence[Version]) -> list[dict[str, Any]]:
    """``versions`` as the API lists them: each with ``remotes``, the names of the remotes
    it is known to be on (empty: only in this store)."""
    state = store.remotes.state([v.id for v in versions]) if versions else {}
    return [{**v.to_dict(), "remotes": sorted(state.get(v.id, []))} for v in versions]


class StoreAccess:
    """Reaches the version store of notebooks under the server's root.

    :param root_dir: the server's root folder; request paths are relative to it.
    :param store_dir: a store folder to use for every notebook instead of walking up.
    :param remote_schemes: the URL schemes a remote may have (a folder path is ``file``).
    :param remote_hosts: the hosts (or buckets) a remote may name; None: any.

    A store found by walking up from a notebook is used only when it lies inside the
    root, belongs to the user the server runs as, and its project root lies inside the
    root too; a store configured explicitly (``store_dir`` or ``JUPYTER_MV_STORE``) is
    the administrator's choice and is used as it is, but even then no version's file
    outside the root is read, compared or written.
    """

    def __init__(
        self,
        root_dir: str | os.PathLike[str],
        *,
        store_dir: str | os.PathLike[str] | None = None,
        remote_schemes: Sequence[str] = DEFAULT_REMOTE_SCHEMES,
        remote_hosts: Sequence[str] | None = None,
    ) -> None:
        self.root = Path(root_dir).expanduser().absolute()
        self._real_root = Path(os.path.realpath(self.root))
        self.store_dir = Path(store_dir).expanduser().absolute() if store_dir else None
        self.remote_schemes = tuple(s.lower() for s in remote_schemes)
        self.remote_hosts = tuple(h.lower() for h in remote_hosts) if remote_hosts is not None else None

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
        check_text(api_path, what)
        if "\x00" in api_path or any(ord(c) < 32 for c in api_path):
            raise InvalidInput("the path holds control characters")
        if len(api_path.encode("utf-8")) > PATH_MAX:
            raise InvalidInput(f"{what} is longer than {PATH_MAX} bytes")
        if (
            PurePosixPath(api_path).is_absolute()
            or PureWindowsPath(api_path).is_absolute()
            or PureWindowsPath(api_path).drive
        ):
            raise InvalidInput(f"{api_path} is absolute; give a path relative to the server root")
        parts = [p for p in re.split(r"[\\/]", api_path) if p not in ("", ".")]
        if ".." in parts:
            raise InvalidInput(f"{api_path} leaves the server root (..)")
        if STORE_DIRNAME in parts:
            raise InvalidInput(f"{api_path} is inside a version store")
        if not parts:
            raise InvalidInput("the path parameter names the server root, not a notebook")
        if any(len(p.encode("utf-8")) > NAME_MAX for p in parts):
            raise InvalidInput(f"a name in {api_path[:80]}... is longer than {NAME_MAX} bytes")
        full = self.root.joinpath(*parts)
        real = Path(os.path.realpath(full))
        if not real.is_relative_to(self._real_root):
            raise InvalidInput(f"{api_path} resolves outside the server root")
        if self._in_store(real):
            raise InvalidInput(f"{api_path} leads into a version store")
        return full

    def inside_root(self, path: Path) -> bool:
        """Whether ``path``, symlinks followed, lies inside the server root."""
        return Path(os.path.realpath(path)).is_relative_to(self._real_root)

    def _configured_stores(self) -> list[Path]:
        dirs = [self.store_dir, os.environ.get(ENV_VAR) or None]
        return [Path(os.path.realpath(Path(d).expanduser())) for d in dirs if d]

    def _in_store(self, real: Path) -> bool:
        """Whether the resolved path ``real`` lies in a store: a ``.jupyter_mv`` folder
        anywhere on it, or a configured store folder."""
        if STORE_DIRNAME in real.parts:
            return True
        return any(real == s or real.is_relative_to(s) for s in self._configured_stores())

    # -- stores ----------------------------------------------------------------------------

    @contextmanager
    def open_store(self, notebook: Path, api_path: str, *, create: bool = False) -> Iterator[Store]:
        """The store that holds ``notebook``'s versions, closed on exit.

        :param create: when there is none, make one at the server root (the first
            snapshot from the sidebar does).
        :raises StoreNotFound: there is none, and ``create`` is false or the configured
            store folder does not exist.
        """
        explicit = self.store_dir is not None or bool(os.environ.get(ENV_VAR))
        store_dir = self.store_dir or find_store_dir(notebook.parent)
        if store_dir is None or not is_store(store_dir):
            if not create or self.store_dir is not None:
                raise StoreNotFound(f"no jupyter-mv store for {api_path}; run `jupyter mv init` in the project folder")
            store = Store.init(self.root)
        else:
            if not explicit:
                self._check_found_store(store_dir, api_path)
            store = Store(store_dir)
            if not explicit and not self.inside_root(store.root):
                store.close()
                raise Forbidden(
                    f"the version store for {api_path} names a project root outside the server root; "
                    "this server does not use it"
                )
        try:
            yield store
        finally:
            store.close()

    def _check_found_store(self, store_dir: Path, api_path: str) -> None:
        """:raises Forbidden: the store found walking up lies above the server root, or
        belongs to another user."""
        if not self.inside_root(store_dir):
            raise Forbidden(
                f"the nearest version store for {api_path} lies above the server root, so this server does not "
                "use it: run `jupyter mv init` in the server's root folder to keep versions here, or name that "
                "store with c.JupyterMV.store_dir (or JUPYTER_MV_STORE) to use it"
            )
        if store_owner(store_dir) is not None:
            raise Forbidden(
                f"the version store for {api_path} belongs to another user, so this server does not "
                "use it; name it with c.JupyterMV.store_dir to use it anyway"
            )

    def confine(self, store: Store, version: Version, what: str, paths: Sequence[str] | None = None) -> None:
        """:raises Forbidden: one of ``version``'s files (those of ``paths`` when given)
        lies outside the server root (a recorded path that leaves the store's project,
        or a store configured above the root), so ``what`` (a diff with the disk, a
        restore) cannot touch it."""
        for entry in version.files:
            if paths is not None and entry.path not in paths:
                continue
            if not self.inside_root(store.root / entry.path):
                raise Forbidden(
                    f"{version.label} holds a file outside the server root; {what} is not possible from this server"
                )

    def check_snapshot(self, api_path: str, files: Sequence[str]) -> Path:
        """Everything a snapshot of ``api_path`` can refuse, checked before anything is
        written (the notebook's content saved, a store made): the path is a notebook
        under the root, each of ``files`` is a path under the root, and the store that
        would hold the version is one this server uses."""
        notebook = self.notebook_path(api_path)
        if notebook.suffix != ".ipynb":
            raise InvalidInput(f"{api_path} is not a notebook (.ipynb)")
        if notebook.exists() and not notebook.is_file():
            raise InvalidInput(f"{api_path} is not a file")
        for name in files:
            self.notebook_path(name, "each of files")
        try:
            with self.open_store(notebook, api_path) as store:
                if self._key(store, notebook) is None:
                    raise InvalidInput(f"{api_path} lies outside the project of its version store")
        except StoreNotFound:
            pass  # the snapshot makes one at the root
        return notebook

    def check_new_notebook(self, api_path: str, what: str = "to") -> Path:
        """A path a restore may write a new notebook to: under the root, a ``.ipynb``
        name, in an existing folder, not taken."""
        if not api_path.strip():
            raise InvalidInput(f"{what} is empty: give the new notebook's path, or leave it out to restore in place")
        target = self.notebook_path(api_path, what)
        if target.suffix != ".ipynb":
            raise InvalidInput(f"{api_path} is not a notebook name (.ipynb)")
        if not target.parent.is_dir():
            raise NotFound(f"no folder for {api_path}")
        if target.exists() or target.is_symlink():
            raise Conflict(f"{api_path} exists; choose another name")
        return target

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
        """The version ``ref`` names among ``notebook``'s versions. A model ref (``churn:2``,
        ``churn@production``, a plain ``churn`` that no tag or alias names) names the version
        that made the model, which must be one of ``notebook``'s.

        :raises NotFound: no such version, or it is another notebook's.
        """
        if not isinstance(ref, str) or not ref.strip():
            raise InvalidInput("a ref is required (v3, latest~1, a tag, an alias, a version id or a model churn:2)")
        key = self._key(store, notebook)
        if key is None:
            raise NotFound(f"{api_path} has no versions in this store")
        model = registry.find_model(store, ref) if ":" in ref or "@" in ref else None
        if model is None and "@" in ref:
            raise InvalidInput("give the ref without a notebook: the notebook is the path parameter")
        if model is not None:
            if model.version is None:
                raise NotFound(f"{model.label} was saved without a notebook version")
            version = store.get(model.version)
        else:
            try:
                version = store.resolve(ref, notebook)
            except NotFound:
                model = registry.find_model(store, ref)  # a plain NAME: a model when no version has that name
                if model is None or model.version is None:
                    raise
                version = store.get(model.version)
        if version.notebook != key:
            raise NotFound(f"{ref} is not a version of {api_path}")
        return version

    # -- reading ---------------------------------------------------------------------------

    def versions(
        self,
        api_path: str,
        *,
        limit: int | None = None,
        offset: int = 0,
        kinds: list[str] | None = None,
        where: str | None = None,
        find: str | None = None,
        since: str | None = None,
    ) -> dict[str, Any]:
        """A notebook's versions, newest first: ``{"versions", "total"}``, ``"offset"`` (where the first
        version sent is in the listing) when any is sent, and
        ``"saves"`` when the notebook has saves.

        :param kinds: ``full`` and ``safety`` by default; ``saves`` then counts the light
            versions after each version number (key ``"0"``: before the first).
        :param where: a filter (:mod:`jupyter_mv.store.query`): only the versions it matches
            are listed and counted.
        :param find: a ref (``v12``, a tag): the body's ``"index"`` is where that version is
            in the (filtered) listing, null when the listing leaves it out, and the versions
            are the page (of ``limit``) that holds it, from ``"offset"``.
        :param since: the id of the newest version a client lists: when it is still listed
            and at most ``limit`` versions came after it, the versions are only those
            (``"newer": true``); else the first page.

        Unfiltered, ``"graph"`` draws the lineage of the page's versions (by id: the lane of
        the dot, the lanes that come into it and pass it by, whether it has a parent; with
        ``since``, of the versions after it and the page below them too) and ``"lanes"`` is
        how many lanes the graph spans down to the page.

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
        filtered = query.parse(check_text(where, "where") if where else None)
        size = limit if limit is not None else MAX_PAGE
        empty: dict[str, Any] = {"versions": [], "total": 0}
        if find is not None:
            empty["index"] = None
        try:
            with self.open_store(notebook, api_path) as store:
                key = self._key(store, notebook)
                if key is None:
                    return empty
                key = records.notebook_key(store, notebook)
                # The core takes absolute paths as they are; relative ones are read from its cwd.
                total = query.count(store.db, key, filtered, kinds=kinds)
                body: dict[str, Any] = {"versions": [], "total": total}
                if find is not None:
                    target = self.version_of(store, notebook, api_path, find)
                    index = body["index"] = query.position(store.db, key, filtered, target.id, kinds=kinds)
                    offset = 0 if index is None else index // size * size
                added = None if since is None else query.newer(store.db, key, filtered, since, kinds=kinds, limit=size)
                if added is not None:
                    body["newer"] = True
                    page, offset, drawn = added, 0, len(added) + size
                else:
                    page = query.page(store.db, key, filtered, kinds=kinds, limit=size, offset=offset)
                    drawn = offset + len(page)
                if page:
                    body["offset"] = offset
                body["versions"] = with_remotes(store, page)
                body.update(self._lineage(store, notebook, key))
                if not filtered and page:
                    rows, ids, lanes = query.lineage(store.db, key, kinds=kinds, rows=drawn)
                    shown = ids[:drawn] if added is not None else [v.id for v in page]
                    body["graph"] = {vid: rows[vid].to_dict() for vid in shown if vid in rows}
                    body["lanes"] = lanes
                counts = {} if "light" in kinds else history.save_counts(store, notebook)
                if counts:
                    body["saves"] = {str(k): n for k, n in sorted(counts.items())}
                return body
        except StoreNotFound:
            return empty

    def _lineage(self, store: Store, notebook: Path, key: str) -> dict[str, Any]:
        """``current``: the id of the version the notebook on disk is (by hash), when one is;
        ``origin``, for a notebook with no versions of its own, the version of another
        notebook it is a copy of (a restore to a new file): ``{id, notebook, name, path}``
        (``path``, relative to the server root, when that notebook lies inside it)."""
        try:
            digest = records.hash_file(notebook)
        except OSError:
            return {}
        current = query.current(store.db, digest, key)
        body: dict[str, Any] = {"current": current.id} if current else {}
        if current is None and query.count(store.db, key, query.Query()) == 0:
            origin = query.holding(store.db, digest, exclude=key)
            if origin is not None:
                found: dict[str, Any] = {"id": origin.id, "notebook": origin.notebook, "name": origin.name}
                where = store.root / origin.notebook
                if self.inside_root(where):
                    found["path"] = Path(os.path.relpath(where, self.root)).as_posix()
                body["origin"] = found
        return body

    def version_notebook(self, api_path: str, ref: str) -> dict[str, Any]:
        """The notebook a version holds, as nbformat JSON (to read it without restoring it)."""
        notebook = self.notebook_path(api_path)
        with self.open_store(notebook, api_path) as store:
            version = self.version_of(store, notebook, api_path, ref)
            raw = store.read_file(version, version.notebook)
        try:
            content = json.loads(raw)
        except ValueError:
            raise InvalidInput(f"{version.notebook} in {version.name} is not notebook JSON") from None
        if not isinstance(content, dict):
            raise InvalidInput(f"{version.notebook} in {version.name} is not notebook JSON")
        return {"version": version.to_dict(), "content": content}

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

    def diff(
        self, api_path: str, a: str, b: str | None = None, *, only: str | None = None, include_metadata: bool = False
    ) -> dict[str, Any]:
        """Two versions of a notebook compared, or version ``a`` with the files on disk."""
        notebook = self.notebook_path(api_path)
        with self.open_store(notebook, api_path) as store:
            va = self.version_of(store, notebook, api_path, a)
            vb = self.version_of(store, notebook, api_path, b) if b else None
            if vb is None:
                self.confine(store, va, "a comparison with the files on disk")
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
                return {"remotes": store.remotes.list()}
        except StoreNotFound:
            return {"remotes": []}

    def remote_add(self, api_path: str, name: str, url: str) -> dict[str, Any]:
        """Add a remote to the store of ``api_path`` (made at the server root when there is
        none, as the first snapshot does)."""
        notebook = self.notebook_path(api_path)
        check_text(name, "name")
        check_text(url, "url")
        self.check_remote_url(url)
        with self.open_store(notebook, api_path, create=True) as store:
            return add_remote(store, name, url)

    def check_remote_url(self, url: str) -> None:
        """:raises Forbidden: the URL's scheme is not among ``remote_schemes`` or its host
        (or bucket) not among ``remote_hosts``. A folder path is a ``file`` URL."""
        from urllib.parse import urlsplit

        if "://" not in url:
            scheme, host = "file", ""
        else:
            try:
                parts = urlsplit(url.strip())
                scheme, host = parts.scheme.lower(), (parts.hostname or "")
            except ValueError:
                raise InvalidInput("the remote URL does not parse") from None
        if scheme == "local":
            scheme = "file"
        if scheme not in self.remote_schemes:
            allowed = ", ".join(f"{s}://" for s in self.remote_schemes) or "none"
            raise Forbidden(f"this server does not allow {scheme}:// remotes (allowed: {allowed})")
        if self.remote_hosts is not None and scheme != "file" and host.lower() not in self.remote_hosts:
            raise Forbidden(f"this server does not allow remotes on host {host[:100]}")

    def remote_remove(self, api_path: str, name: str) -> None:
        """Forget a remote of the store of ``api_path`` (what it holds stays there)."""
        notebook = self.notebook_path(api_path)
        with self.open_store(notebook, api_path) as store:
            self.check_remote(store, name)
            store.remotes.remove(name)

    def require_remote(self, api_path: str, name: str | None) -> None:
        """:raises NotFound: the store of ``api_path`` has no remote ``name`` (None: no
        remote at all to default to), or there is no store."""
        notebook = self.notebook_path(api_path)
        with self.open_store(notebook, api_path) as store:
            remote = self.check_remote(store, name)
        # A remote added from the command line is held to the server's rules too.
        self.check_remote_url(remote["url"])

    @staticmethod
    def check_remote(store: Store, name: str | None) -> dict[str, Any]:
        """The remote ``name`` (None: the default one).

        :raises NotFound: ``name`` is not one of the store's remotes (None: the store
            must have a remote to default to)."""
        known = store.remotes.list()
        if name is None:
            if not known:
                raise NotFound("this project has no remote yet; add one first")
            return next(r for r in known if r["default"])
        for remote in known:
            if remote["name"] == name:
                return remote
        raise NotFound(f"no remote named {name[:64]!r}")

    def version_ids(self, api_path: str, refs: Sequence[str]) -> list[str]:
        """The ids of the versions of ``api_path`` that ``refs`` name.

        :raises NotFound: a ref names no version of the notebook.
        """
        notebook = self.notebook_path(api_path)
        with self.open_store(notebook, api_path) as store:
            return [self.version_of(store, notebook, api_path, ref).id for ref in refs]
