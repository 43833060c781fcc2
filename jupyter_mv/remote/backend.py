"""Where a remote lives: a URL checked and opened through fsspec.

A remote is a plain layout of files on an object store or file system (see
``docs/remotes.md``); no server of ours runs there. This module knows URLs and
file systems only: which URLs are accepted, how to open one with the credentials
its back end finds in the usual places (``AWS_*`` variables and ``~/.aws`` files
for ``s3://``, ``~/.ssh/config``, keys and agent for ``sftp://``), and how to write
a file so that a reader never sees half of it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, unquote, urlsplit

from ..errors import InvalidInput, NotFound
from ..store.remotes import NAME, check_remote_name

__all__ = ["NAME", "check_remote_name", "normalize_url", "Backend", "open_backend"]

#: fsspec protocols that cannot hold a remote: read-only, or views over another file system.
_UNUSABLE = {
    "http",
    "https",
    "github",
    "git",
    "zip",
    "tar",
    "libarchive",
    "reference",
    "cached",
    "blockcache",
    "filecache",
    "simplecache",
    "dir",
    "data",
    "jupyter",
    "memory",
    "hf",
}
#: Back ends where a file is written under a temporary name and renamed into place.
_RENAMES = {"file", "local", "sftp", "ssh"}
#: Object stores: no user name is ever part of their URLs, only a key could stand there.
_OBJECT_STORES = {"s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "adl", "oss"}
#: The package that brings a protocol, for the message when it is missing.
_EXTRAS = {"s3": "s3", "s3a": "s3", "sftp": "sftp", "ssh": "sftp"}


def normalize_url(url: Any) -> str:
    """The URL as kept in the store: a plain path becomes an absolute ``file://`` URL.

    :raises InvalidInput: empty, holds a credential (a password, a key before the ``@``
        of an object store's URL, a ``token``, ``sig`` or ``X-Amz-...`` parameter), an
        unknown or unusable protocol, or no bucket or host where one is needed.
    """
    if not isinstance(url, str) or not url.strip() or any(ord(c) < 32 for c in url) or len(url) > 4096:
        raise InvalidInput("a remote URL is required, such as s3://bucket/prefix, sftp://host/path or a folder")
    url = url.strip()
    if "://" not in url:
        return "file://" + os.path.abspath(os.path.expanduser(url))
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises on a port that is not a number)
    except ValueError:
        raise InvalidInput("the remote URL does not parse: check its host and port") from None
    _refuse_credentials(url, parts)
    protocol = parts.scheme.lower()
    if protocol in ("file", "local"):
        if parts.netloc not in ("", "localhost"):
            raise InvalidInput(f"a file:// URL names a folder on this machine, not host {parts.netloc}")
        path = unquote(parts.path)
        if not path.startswith("/"):
            raise InvalidInput("a file:// URL needs an absolute path, such as file:///shared/models")
        return "file://" + os.path.normpath(path)
    import fsspec
    from fsspec.registry import known_implementations, registry

    known = set(known_implementations) | set(registry)
    if protocol not in known or protocol in _UNUSABLE:
        raise InvalidInput(f"unsupported remote URL scheme {protocol}://: use s3://, sftp://, file:// or a folder")
    if not parts.hostname:
        what = "bucket" if protocol in ("s3", "s3a", "gs", "gcs", "az", "abfs") else "host"
        raise InvalidInput(f"the remote URL {url} names no {what}")
    try:
        fsspec.get_filesystem_class(protocol)
    except ImportError:
        extra = _EXTRAS.get(protocol)
        hint = f"pip install 'jupyter-mv[{extra}]'" if extra else "install the fsspec back end for it"
        raise InvalidInput(f"{protocol}:// remotes need a package that is not installed: {hint}") from None
    return url.rstrip("/")


_CREDENTIALS_HINT = (
    "credentials come from the back end's own configuration (AWS_* variables and ~/.aws "
    "for s3://, ssh keys and ~/.ssh/config for sftp://)"
)


def _refuse_credentials(url: str, parts: SplitResult) -> None:
    """Refuse a URL that holds a credential, naming what (never its value): a password,
    a user name on an object store (only a key can stand there), or a credential query
    or fragment parameter (``token``, ``X-Amz-Signature``, ``sig``...). The same rules
    as the capture's cleaning (:func:`jupyter_mv.capture.environment.find_credentials`)."""
    from ..capture.environment import find_credentials

    found = find_credentials(url)
    if parts.password is not None or any(kind == "userinfo" and value != user for kind, user, value in found):
        raise InvalidInput(f"a remote URL must not hold a password: {_CREDENTIALS_HINT}")
    if parts.username is not None and parts.scheme.lower() in _OBJECT_STORES:
        raise InvalidInput(
            f"a remote URL must not hold a user name or key before the @ in "
            f"{parts.scheme.lower()}://: {_CREDENTIALS_HINT}"
        )
    params = sorted({name[:40] for kind, name, _ in found if kind == "param"})
    if params:
        named = ", ".join(params)
        raise InvalidInput(
            f"a remote URL must not hold credentials: remove the {named} parameter"
            f"{'s' if len(params) > 1 else ''}; {_CREDENTIALS_HINT}"
        )


@dataclass
class Backend:
    """An opened remote: an fsspec file system and the root path of the layout on it."""

    fs: Any
    root: str
    url: str
    renames: bool

    def path(self, rel: str) -> str:
        return f"{self.root}/{rel}" if self.root else rel

    def put_file(self, local: Path, rel: str) -> None:
        """Upload ``local`` to ``rel`` (see :meth:`_put`)."""
        self._put(lambda path: self.fs.put_file(str(local), path), rel)

    def put_bytes(self, data: bytes, rel: str) -> None:
        """Write ``data`` to ``rel`` (see :meth:`_put`)."""
        self._put(lambda path: self.fs.pipe_file(path, data), rel)

    def _put(self, write: Callable[[str], None], rel: str) -> None:
        """Write ``rel`` with ``write``: under a temporary name then renamed where the back
        end can rename (a folder, SFTP); S3's PUT is atomic by itself."""
        target = self.path(rel)
        if not self.renames:
            write(target)
            return
        parent, name = target.rsplit("/", 1)
        self._makedirs(parent)
        tmp = f"{parent}/.{name}.{uuid.uuid4().hex[:12]}.tmp"
        try:
            write(tmp)
            self._sync(tmp)
            self._rename(tmp, target)
            self._sync(parent)
        except BaseException:
            try:
                self.fs.rm_file(tmp)
            except Exception:
                pass
            raise

    def _makedirs(self, folder: str) -> None:
        """Make ``folder``; another writer making it at the same moment is no error (SFTP's
        mkdir of a folder that appeared since the check fails with a bare "Failure")."""
        try:
            self.fs.makedirs(folder, exist_ok=True)
        except OSError:
            self.invalidate()
            self.fs.makedirs(folder, exist_ok=True)  # the parts made meanwhile are now seen

    def _rename(self, tmp: str, target: str) -> None:
        """Move an upload into place. Every file a push writes is immutable and named by
        what it holds (or uniquely), so when another writer put ``target`` there first
        (SFTP's rename refuses to replace a file), the upload is simply not needed."""
        try:
            self.fs.mv(tmp, target)
        except OSError:
            self.invalidate()
            if not self.fs.exists(target):
                raise
            self.fs.rm_file(tmp)

    def _sync(self, path: str) -> None:
        """On a folder remote, flush a file (or a folder's entries) to disk, as a store
        does with its own packs: a file under its final name is never empty after a crash."""
        if self.url.startswith("file://"):
            from ..store.failures import fsync_path

            fsync_path(Path(path))

    def get_bytes(self, rel: str, start: int | None = None, end: int | None = None) -> bytes:
        return self.fs.cat_file(self.path(rel), start=start, end=end)

    def get_file(self, rel: str, local: Path) -> None:
        self.fs.get_file(self.path(rel), str(local))

    def exists(self, rel: str) -> bool:
        return self.fs.exists(self.path(rel))

    def list(self, rel: str) -> dict[str, int]:
        """Every file under ``rel`` (its path relative to ``rel``) with its size; temporary
        files of unfinished uploads are left out."""
        base = self.path(rel)
        try:
            found = self.fs.find(base, detail=True)
        except FileNotFoundError:
            return {}
        out = {}
        strip = self.fs._strip_protocol(base).rstrip("/") + "/"
        for name, info in found.items():
            name = self.fs._strip_protocol(name)
            if not name.startswith(strip):
                continue
            key = name[len(strip) :]
            if key.rsplit("/", 1)[-1].startswith("."):
                continue
            out[key] = int(info.get("size") or 0)
        return out

    def invalidate(self) -> None:
        try:
            self.fs.invalidate_cache()
        except Exception:
            pass


def open_backend(url: str) -> Backend:
    """Open the file system ``url`` names, credentials from the back end's usual places."""
    import fsspec

    if "://" not in url:  # a folder path, as remote add stores it: file://
        url = "file://" + os.path.abspath(url)
    if url.startswith("file://"):
        fs = fsspec.filesystem("file")
        return Backend(fs, url[len("file://") :].rstrip("/") or "/", url, True)
    parts = urlsplit(url)
    protocol = parts.scheme.lower()
    if protocol in ("sftp", "ssh"):
        fs = fsspec.filesystem("sftp", **_ssh_options(parts))
        root = unquote(parts.path).rstrip("/") or "/"
        return Backend(fs, root, url, True)
    options: dict[str, Any] = {}
    if protocol in ("s3", "s3a"):
        endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
        if endpoint:
            options["endpoint_url"] = endpoint
        # Never reuse a file system built for another test or endpoint in this process.
        options["skip_instance_cache"] = True
        options["use_listings_cache"] = False
    try:
        fs, root = fsspec.core.url_to_fs(url, **options)
    except ImportError:
        extra = _EXTRAS.get(protocol)
        raise InvalidInput(
            f"{protocol}:// remotes need a package that is not installed"
            + (f": pip install 'jupyter-mv[{extra}]'" if extra else "")
        ) from None
    return Backend(fs, root.rstrip("/"), url, protocol in _RENAMES)


def _ssh_options(parts: Any) -> dict[str, Any]:
    """paramiko's connection options for ``sftp://[user@]host[:port]/path``, completed from
    ``~/.ssh/config`` (HostName, Port, User, IdentityFile, UserKnownHostsFile) as ssh does."""
    import paramiko

    host = parts.hostname or ""
    options: dict[str, Any] = {"host": host}
    config_path = Path.home() / ".ssh" / "config"
    entry: dict[str, Any] = {}
    if config_path.is_file():
        config = paramiko.SSHConfig.from_path(str(config_path))
        entry = config.lookup(host)
        options["host"] = entry.get("hostname", host)
    port = parts.port or entry.get("port")
    if port:
        options["port"] = int(port)
    user = unquote(parts.username) if parts.username else entry.get("user")
    if user:
        options["username"] = user
    if entry.get("identityfile"):
        options["key_filename"] = [os.path.expanduser(p) for p in entry["identityfile"]]
    files = [os.path.expanduser(p) for p in (entry.get("userknownhostsfile") or "").split()]
    files.append(str(Path.home() / ".ssh" / "known_hosts"))
    options["host_key_policy"] = _known_hosts_policy(files)
    options["timeout"] = 30
    return options


def _known_hosts_policy(files: list[str]) -> Any:
    """A paramiko policy accepting a server only when its key is in the user's known hosts
    (as ssh does with StrictHostKeyChecking): an unknown or changed key refuses to connect."""
    import paramiko

    class KnownHosts(paramiko.MissingHostKeyPolicy):
        def missing_host_key(self, client: Any, hostname: str, key: Any) -> None:
            keys = paramiko.HostKeys()
            for name in files:
                if os.path.isfile(name):
                    try:
                        keys.load(name)
                    except (OSError, paramiko.SSHException):
                        continue
            known = keys.lookup(hostname)
            if known is None or key.get_name() not in known:
                raise NotFound(
                    f"host {hostname} is not in your known hosts; connect once with ssh to check and add its key"
                )
            if known[key.get_name()] != key:
                raise InvalidInput(f"the host key of {hostname} differs from the one in your known hosts")

    return KnownHosts()
