"""Keep the version store out of the server's file and contents handlers.

Every route that reads or changes files (``/files``, ``/api/contents``, ``/nbconvert``,
``/view``) goes through the contents manager, so the guard sits there: a path inside a
store (a ``.jupyter_mv`` folder anywhere, or the configured store folder), reached
directly or through a symlink, is "not found" to every method, whatever
``allow_hidden`` says; and listings leave the store out.
"""

from __future__ import annotations

import errno
import functools
import inspect
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from jupyter_server.utils import url_path_join
from tornado import httputil, web
from tornado.routing import Matcher, Rule

from ..store import STORE_DIRNAME

__all__ = ["guard_contents_manager", "guard_routes", "store_path_check"]

#: Contents manager methods and which of their arguments are API paths.
_PATH_ARGS: dict[str, tuple[str, ...]] = {
    "get": ("path",),
    "save": ("path",),
    "delete": ("path",),
    "delete_file": ("path",),
    "rename": ("old_path", "new_path"),
    "rename_file": ("old_path", "new_path"),
    "new": ("path",),
    "new_untitled": ("path",),
    "copy": ("from_path", "to_path"),
    "create_checkpoint": ("path",),
    "restore_checkpoint": ("path",),
    "list_checkpoints": ("path",),
    "delete_checkpoint": ("path",),
    "trust_notebook": ("path",),
}


#: Contents manager questions about a path (its first argument): a store path does not exist.
_EXISTS = ("file_exists", "dir_exists", "exists")


def store_path_check(root_dir: str, store_dir: Callable[[], list[str]]) -> Callable[[Any], bool]:
    """A test of an API path (relative to the root): does it lead into a version store?

    :param store_dir: the configured store folders now (read at each call: the
        ``JUPYTER_MV_STORE`` variable may change while the server runs).
    """
    root = os.path.realpath(root_dir)

    def inside_store(api_path: Any) -> bool:
        if not isinstance(api_path, str):
            return False
        parts = [p for p in api_path.replace("\\", "/").split("/") if p]
        if STORE_DIRNAME in parts:
            return True
        real = os.path.realpath(os.path.join(root, *parts))
        if STORE_DIRNAME in Path(real).parts:
            return True
        stores = [os.path.realpath(d) for d in store_dir() if d]
        return any(real == s or real.startswith(s + os.sep) for s in stores)

    return inside_store


def guard_contents_manager(
    contents_manager: Any, inside_store: Callable[[Any], bool], store_dir: Callable[[], list[str]]
) -> None:
    """Refuse, with a 404, any contents operation on a path inside a version store, and
    leave stores out of listings."""
    for name, arg_names in _PATH_ARGS.items():
        original = getattr(contents_manager, name, None)
        if original is None or getattr(original, "_jupyter_mv_guard", False):
            continue
        setattr(contents_manager, name, _guarded(original, arg_names, inside_store))
    for name in _EXISTS:
        original = getattr(contents_manager, name, None)
        if original is None or getattr(original, "_jupyter_mv_guard", False):
            continue
        setattr(contents_manager, name, _absent(original, inside_store))
    globs = list(getattr(contents_manager, "hide_globs", []))
    if STORE_DIRNAME not in globs:
        contents_manager.hide_globs = [*globs, STORE_DIRNAME]
    should_list = contents_manager.should_list

    def should_list_guarded(name: str) -> bool:
        hidden = {Path(d).name for d in store_dir() if d}
        return name not in hidden and should_list(name)

    contents_manager.should_list = should_list_guarded


class _StorePaths(Matcher):
    """Matches requests whose (decoded) path under one of the file-serving prefixes
    leads into a store, so the server's own handlers never see them."""

    def __init__(self, base_url: str, inside_store: Callable[[Any], bool]) -> None:
        prefixes = ("files/", "api/contents/", "view/", "edit/", "nbconvert/")
        self._prefixes = tuple(unquote(url_path_join(base_url, p)) for p in prefixes)
        self._inside_store = inside_store

    def match(self, request: httputil.HTTPServerRequest) -> dict[str, Any] | None:
        path = unquote(request.path)
        for prefix in self._prefixes:
            if path.startswith(prefix):
                rest = path[len(prefix) :]
                if prefix.endswith("nbconvert/"):
                    rest = rest.partition("/")[2]
                if self._inside_store(rest):
                    return {}
        return None


def guard_routes(web_app: Any, base_url: str, inside_store: Callable[[Any], bool]) -> None:
    """Answer 404 to any file, contents, view or nbconvert request for a store path,
    before the server's own handlers (some of which read the disk directly)."""
    router = web_app.default_router  # consulted before every host's and the server's own rules
    rule = router.process_rule(Rule(_StorePaths(base_url, inside_store), web.ErrorHandler, {"status_code": 404}))
    router.rules.insert(0, rule)


class StorePathError(web.HTTPError, OSError):
    """A 404 for a store path. Also an :class:`OSError` (``EACCES``) so that a folder
    listing, which skips entries it cannot read, leaves a symlink to a store out
    instead of failing as a whole."""

    def __init__(self) -> None:
        web.HTTPError.__init__(self, 404, "No such file or directory")
        self.errno = errno.EACCES


def _guarded(
    original: Callable[..., Any], arg_names: tuple[str, ...], inside_store: Callable[[Any], bool]
) -> Callable[..., Any]:
    signature = inspect.signature(original)

    def check(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        try:
            bound = signature.bind_partial(*args, **kwargs)
        except TypeError:
            return  # the original raises its own error
        for arg in arg_names:
            if inside_store(bound.arguments.get(arg)):
                raise StorePathError()

    if inspect.iscoroutinefunction(original):

        @functools.wraps(original)
        async def guarded_async(*args: Any, **kwargs: Any) -> Any:
            check(args, kwargs)
            return await original(*args, **kwargs)

        guarded_async._jupyter_mv_guard = True  # type: ignore[attr-defined]
        return guarded_async

    @functools.wraps(original)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        check(args, kwargs)
        return original(*args, **kwargs)

    guarded._jupyter_mv_guard = True  # type: ignore[attr-defined]
    return guarded


def _absent(original: Callable[..., Any], inside_store: Callable[[Any], bool]) -> Callable[..., Any]:
    """``original`` (``file_exists`` and its kin), answering False for a store path, so that
    no caller learns whether a file in the store exists."""
    signature = inspect.signature(original)

    def asked(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
        try:
            bound = signature.bind_partial(*args, **kwargs)
        except TypeError:
            return False
        return bool(inside_store(bound.arguments.get("path")))

    if inspect.iscoroutinefunction(original):

        @functools.wraps(original)
        async def absent_async(*args: Any, **kwargs: Any) -> Any:
            return False if asked(args, kwargs) else await original(*args, **kwargs)

        absent_async._jupyter_mv_guard = True  # type: ignore[attr-defined]
        return absent_async

    @functools.wraps(original)
    def absent(*args: Any, **kwargs: Any) -> Any:
        return False if asked(args, kwargs) else original(*args, **kwargs)

    absent._jupyter_mv_guard = True  # type: ignore[attr-defined]
    return absent
