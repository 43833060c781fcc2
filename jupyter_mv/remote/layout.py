"""The layout of a remote, and the metadata record of one version.

```
ROOT/
  jupyter-mv-remote.json            {"format": 1}: written by the first push
  packs/3f/3f9c...e1.pack           sealed packs, byte for byte as in a store
  objects/ab/<file hash>            a file's chunk list: its chunk addresses, 32 bytes each
  versions/<version id>.json        one immutable record per version (below)
  tags/<name>/<version id>.json     one object per (tag, version): two targets are a conflict
  aliases/<name>/<time>-<rand>.json append-only moves of an alias; the newest is its head
```

Every file is written once and never changed; listing a prefix is the index, so
writers never read-modify-write a shared file. Names are percent-encoded in paths.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from typing import Any
from urllib.parse import quote, unquote

from ..errors import IntegrityError
from ..store.records import version_id

__all__ = [
    "FORMAT",
    "MARKER",
    "pack_rel",
    "object_rel",
    "version_rel",
    "tag_rel",
    "alias_entry_rel",
    "version_record",
    "check_record",
    "quote_name",
    "unquote_name",
    "new_alias_entry",
]

FORMAT = 1
MARKER = "jupyter-mv-remote.json"
_HASH = re.compile(r"[0-9a-f]{64}")


def quote_name(name: str) -> str:
    return quote(name, safe="")


def unquote_name(part: str) -> str:
    return unquote(part)


def pack_rel(name: str) -> str:
    return f"packs/{name[:2]}/{name}.pack"


def object_rel(digest: str) -> str:
    return f"objects/{digest[:2]}/{digest}"


def version_rel(vid: str) -> str:
    return f"versions/{vid}.json"


def tag_rel(name: str, vid: str) -> str:
    return f"tags/{quote_name(name)}/{vid}.json"


def alias_entry_rel(name: str, entry: str) -> str:
    return f"aliases/{quote_name(name)}/{entry}"


def new_alias_entry() -> str:
    """A name that sorts after every earlier move (nanoseconds, then a random tail)."""
    return f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.json"


def _batched(db: Any, sql: str, keys: list, size: int = 900) -> list[tuple]:
    out: list[tuple] = []
    for i in range(0, len(keys), size):
        batch = keys[i : i + size]
        out += db.execute(sql.format(marks=",".join("?" * len(batch))), batch).fetchall()
    return out


def version_record(db: Any, vid: str) -> dict[str, Any]:
    """Everything another store needs to hold version ``vid``, except the packs' bytes and
    the objects' chunk lists (files of their own, shared by every version holding them):
    its row, files, the objects (hash and size) of its stored files and of the models it
    made, its environment, and the names of the packs holding those objects' chunks."""
    row = db.execute(
        "SELECT id, notebook, parent, kind, message, author, created, environment, git, metrics, params, extra "
        "FROM versions WHERE id = ?",
        [vid],
    ).fetchone()
    vid, notebook, parent, kind, message, author, created, env, git, metrics, params, extra = row
    files = [
        {
            "path": p,
            "role": r,
            "hash": h.hex(),
            "size": s,
            "mode": m,
            "stored": bool(st),
            **({"dvc": json.loads(d)} if d else {}),
        }
        for p, r, h, s, m, st, d in db.execute(
            "SELECT path, role, hash, size, mode, stored, dvc FROM version_files WHERE version = ? ORDER BY path", [vid]
        ).fetchall()
    ]
    models = [
        {
            "name": n,
            "object": o.hex(),
            "flavor": f,
            "size": s,
            "created": c,
            "author": a,
            "metrics": json.loads(mt),
            "params": json.loads(pr),
            "extra": json.loads(ex),
        }
        for n, o, f, s, c, a, mt, pr, ex in db.execute(
            "SELECT name, object, flavor, size, created, author, metrics, params, extra FROM model_versions "
            "WHERE version = ? ORDER BY name, number",
            [vid],
        ).fetchall()
    ]
    hashes = sorted(
        {bytes.fromhex(f["hash"]) for f in files if f["stored"]} | {bytes.fromhex(m["object"]) for m in models}
    )
    objects = []
    chunk_set: set[bytes] = set()
    for h, size, chunks in _batched(db, "SELECT hash, size, chunks FROM objects WHERE hash IN ({marks})", hashes):
        objects.append({"hash": h.hex(), "size": size})
        chunk_set.update(chunks[i : i + 32] for i in range(0, len(chunks), 32))
    packs = sorted(
        {
            r[0]
            for r in _batched(
                db,
                "SELECT DISTINCT p.name FROM chunks c JOIN packs p ON p.id = c.pack WHERE c.hash IN ({marks})",
                sorted(chunk_set),
            )
        }
    )
    environment = None
    if env:
        found = db.execute("SELECT data FROM environments WHERE hash = ?", [env]).fetchone()
        environment = json.loads(found[0]) if found else None
    return {
        "format": FORMAT,
        "version": {
            "id": vid,
            "notebook": notebook,
            "parent": parent,
            "kind": kind,
            "message": message,
            "author": author,
            "created": created,
            "environment": env,
            "git": json.loads(git) if git else None,
            "metrics": json.loads(metrics),
            "params": json.loads(params),
            "extra": json.loads(extra),
        },
        "files": files,
        "objects": objects,
        "packs": packs,
        "environment_data": environment,
        "models": models,
    }


def check_record(record: Any, vid: str) -> dict[str, Any]:
    """``record`` if it is a well-formed record of version ``vid`` whose id matches its
    content (the same hash a store computes when it makes the version).

    :raises IntegrityError: malformed, or its content does not hash to ``vid``.
    """
    try:
        if not isinstance(record, dict) or record.get("format") != FORMAT:
            raise ValueError("unknown format")
        v = record["version"]
        digest = version_id(
            notebook=v["notebook"],
            parent=v["parent"],
            kind=v["kind"],
            message=v["message"],
            author=v["author"],
            created=v["created"],
            environment=v["environment"],
            git=v["git"],
            metrics=v["metrics"],
            params=v["params"],
            files=[(f["path"], f["role"], f["hash"], f["size"]) for f in record["files"]],
        )
        for o in record["objects"]:
            if not _HASH.fullmatch(o["hash"]) or not isinstance(o["size"], int):
                raise ValueError("an object is malformed")
        if v["id"] != vid or digest != vid or v["kind"] not in ("full", "light", "safety"):
            raise ValueError("its content does not match its id")
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise IntegrityError(f"the remote's record of version {vid[:12]} is damaged ({exc})") from None
    return record
