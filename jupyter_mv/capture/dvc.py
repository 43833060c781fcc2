"""What DVC records of a version's files: read from ``.dvc`` files and ``dvc.lock``.

A file is *DVC-tracked* when a ``.dvc`` file beside it (``data.csv.dvc``) or beside a
folder that holds it (``images.dvc``) lists it in ``outs``, or when a stage of a
``dvc.lock`` (in its folder or a folder above, up to the DVC repository's root: the
folder holding ``.dvc/``) lists it in ``outs`` or ``deps``. DVC's hash is recorded
beside ours as DVC wrote it: an md5 of the bytes (``hash: md5``, DVC 3), or for files
DVC 2 wrote, an md5 of text with CRLF line ends read as LF (``md5-dos2unix``). For a
file inside a tracked folder, the md5 comes from the folder's ``.dir`` listing in the
local DVC cache, when it is there.

Only YAML and JSON are read (PyYAML): DVC itself never runs, so a snapshot costs a few
``stat`` calls per file when no DVC repository is around.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["dvc_records", "dvc_md5", "dvc_check", "dvc_text"]

#: Lower wins when several DVC files speak of the same file.
_DIRECT_DVC, _LOCK_OUT, _FOLDER_DVC, _LOCK_DEP = range(4)


def dvc_records(root: str | os.PathLike[str], paths: Iterable[str]) -> dict[str, dict[str, Any]]:
    """What DVC records of each of ``paths`` (relative to ``root``) that DVC tracks.

    :returns: ``{path: record}``, only for tracked files. A record holds ``md5`` (None
        when a tracked folder's listing is not in the local cache), ``hash`` (``md5`` or
        ``md5-dos2unix``), ``size`` when DVC wrote one, ``source`` (the ``.dvc`` or
        ``dvc.lock`` file, relative to ``root``), and for ``dvc.lock`` the ``stage`` and
        ``kind`` (``out`` or ``dep``); for a file in a tracked folder, ``folder`` and its
        ``folder_md5``.
    """
    reader = _Reader(Path(root))
    out: dict[str, dict[str, Any]] = {}
    for rel in paths:
        record = reader.record(rel)
        if record is not None:
            out[rel] = record
    return out


class _Reader:
    def __init__(self, root: Path) -> None:
        self.root = Path(os.path.abspath(root))
        self._roots: dict[Path, Path | None] = {}
        self._yaml: dict[Path, Any] = {}
        self._listings: dict[tuple[Path, str], dict[str, str] | None] = {}

    def record(self, rel: str) -> dict[str, Any] | None:
        path = self.root / rel
        repo = self._repo_root(path.parent)
        if repo is None:
            return None
        chain = [path, *[p for p in path.parents if p.is_relative_to(repo) and p != repo]]
        best: tuple[int, dict[str, Any]] | None = None

        def offer(rank: int, record: dict[str, Any] | None) -> None:
            nonlocal best
            if record is not None and (best is None or rank < best[0]):
                best = (rank, record)

        for target in chain:  # data.csv.dvc, then images.dvc for images/a.png, ...
            dvcfile = target.with_name(target.name + ".dvc")
            for entry in self._entries(dvcfile, "outs"):
                if self._resolve(dvcfile.parent, entry.get("path")) == target:
                    rank = _DIRECT_DVC if target == path else _FOLDER_DVC
                    offer(rank, self._make(repo, dvcfile, entry, path, target, {}))
        for folder in chain[1:] + [repo]:
            lock = folder / "dvc.lock"
            stages = self._load(lock)
            stages = stages.get("stages") if isinstance(stages, dict) else None
            if not isinstance(stages, dict):
                continue
            for stage, body in stages.items():
                if not isinstance(body, dict):
                    continue
                for key, kind, rank in (("outs", "out", _LOCK_OUT), ("deps", "dep", _LOCK_DEP)):
                    for entry in body.get(key) or []:
                        if not isinstance(entry, dict):
                            continue
                        covered = self._resolve(folder, entry.get("path"))
                        if covered is None or not (path == covered or path.is_relative_to(covered)):
                            continue
                        extra = {"stage": str(stage), "kind": kind}
                        offer(
                            rank if covered == path else max(rank, _FOLDER_DVC),
                            self._make(repo, lock, entry, path, covered, extra),
                        )
        return best[1] if best else None

    def _make(
        self, repo: Path, source: Path, entry: dict[str, Any], path: Path, target: Path, extra: dict[str, Any]
    ) -> dict[str, Any] | None:
        md5 = entry.get("md5")
        if not isinstance(md5, str):
            return None
        record: dict[str, Any] = {"md5": md5, "hash": "md5" if entry.get("hash") == "md5" else "md5-dos2unix"}
        if target != path:  # a file inside a tracked folder
            if not md5.endswith(".dir"):
                return None
            record = {
                "md5": self._listing(repo, md5).get(path.relative_to(target).as_posix()),
                "hash": record["hash"],
                "folder": _rel(target, self.root),
                "folder_md5": md5,
            }
        elif isinstance(entry.get("size"), int):
            record["size"] = entry["size"]
        record["source"] = _rel(source, self.root)
        record.update(extra)
        return record

    def _repo_root(self, folder: Path) -> Path | None:
        """The nearest folder at or above ``folder`` holding ``.dvc/`` (cached per folder)."""
        seen = []
        found: Path | None = None
        for candidate in (folder, *folder.parents):
            if candidate in self._roots:
                found = self._roots[candidate]
                break
            seen.append(candidate)
            if (candidate / ".dvc").is_dir():
                found = candidate
                break
        for candidate in seen:
            self._roots[candidate] = found if found is not None and candidate.is_relative_to(found) else None
        return found

    def _entries(self, dvcfile: Path, key: str) -> list[dict[str, Any]]:
        data = self._load(dvcfile)
        items = data.get(key) if isinstance(data, dict) else None
        return [e for e in items if isinstance(e, dict)] if isinstance(items, list) else []

    def _load(self, path: Path) -> Any:
        if path not in self._yaml:
            self._yaml[path] = _read_yaml(path)
        return self._yaml[path]

    @staticmethod
    def _resolve(folder: Path, raw: Any) -> Path | None:
        if not isinstance(raw, str) or not raw or "://" in raw:
            return None
        return Path(os.path.normpath(folder / raw))

    def _listing(self, repo: Path, dir_md5: str) -> dict[str, str]:
        key = (repo, dir_md5)
        if key not in self._listings:
            self._listings[key] = _read_listing(repo, dir_md5)
        return self._listings[key] or {}


def _rel(path: Path, root: Path) -> str:
    return Path(os.path.relpath(path, root)).as_posix()


def _read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    import yaml

    try:
        return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return None


def _read_listing(repo: Path, dir_md5: str) -> dict[str, str] | None:
    """A tracked folder's ``.dir`` listing from the local DVC cache (DVC 3, then DVC 2 layout)."""
    for cache in (repo / ".dvc" / "cache" / "files" / "md5", repo / ".dvc" / "cache"):
        try:
            items = json.loads((cache / dir_md5[:2] / dir_md5[2:]).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(items, list):
            return {
                str(i["relpath"]): str(i["md5"]) for i in items if isinstance(i, dict) and "relpath" in i and "md5" in i
            }
    return None


def dvc_md5(path: str | os.PathLike[str], hash_name: str = "md5") -> str:
    """DVC's md5 of a file's bytes: ``md5``, or ``md5-dos2unix`` (DVC 2: text files with
    CRLF read as LF; a file is text when its first 512 bytes hold no NUL and few control
    characters, as DVC decides)."""
    import hashlib  # here, not at start-up: only a DVC-tracked file needs md5

    hasher = hashlib.md5()
    with open(path, "rb") as f:
        first = f.read(512)
        text = hash_name == "md5-dos2unix" and _is_text(first)
        pending = first
        while True:
            block = f.read(8 * 1024 * 1024)
            data = pending + block
            if text:
                # keep a trailing CR for the next block, so a CRLF split between blocks is seen
                keep = data.endswith(b"\r") and bool(block)
                chunk, pending = (data[:-1], b"\r") if keep else (data, b"")
                hasher.update(chunk.replace(b"\r\n", b"\n"))
            else:
                hasher.update(data)
                pending = b""
            if not block:
                break
    return hasher.hexdigest()


_TEXT_CHARS = bytes(range(32, 127)) + b"\n\r\t\f\b"


def _is_text(block: bytes) -> bool:
    if not block:
        return True
    if b"\x00" in block:
        return False
    binary = block.translate(None, _TEXT_CHARS)
    return len(binary) / len(block) <= 0.30


def dvc_check(path: str | os.PathLike[str], record: dict[str, Any]) -> dict[str, Any]:
    """``record`` with ``matches``: whether DVC's md5 of the file's bytes now is the md5
    DVC recorded (None: the file is gone or DVC's md5 is unknown), and ``current_md5``."""
    out = {**record, "current_md5": None, "matches": None}
    md5 = record.get("md5")
    try:
        size = os.stat(path).st_size
    except OSError:
        return out
    if not isinstance(md5, str):
        return out
    if isinstance(record.get("size"), int) and record["size"] != size and record.get("hash") == "md5":
        out["matches"] = False  # a different size is a different md5; no need to read it
        return out
    try:
        out["current_md5"] = dvc_md5(path, str(record.get("hash") or "md5"))
    except OSError:
        return out
    out["matches"] = out["current_md5"] == md5
    return out


def dvc_text(check: dict[str, Any] | None) -> str:
    """One line for people: ``DVC-tracked (data.csv.dvc), md5 e5ebd4c02cef, matches``."""
    if not check:
        return ""
    where = check["source"] + (f" stage {check['stage']} {check['kind']}" if check.get("stage") else "")
    if check.get("folder"):
        where += f", in folder {check['folder']}"
    md5 = f"md5 {check['md5'][:12]}" if check.get("md5") else "md5 unknown (folder listing not in the DVC cache)"
    state = {True: "matches the file", False: "the file has changed since", None: ""}[check.get("matches")]
    if check.get("matches") is None and "matches" in check and check.get("md5"):
        state = "file missing"
    return f"DVC-tracked ({where}), {md5}" + (f", {state}" if state else "")
