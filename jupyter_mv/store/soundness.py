"""Whether the store can still give back the chunks a new version leans on.

A snapshot deduplicates against chunks the index lists, takes unchanged segments from the
object its file last stored, and takes a file the stat cache vouches for as stored. Each
of these trusts chunks written before; if their pack file was lost, cut short or cannot be
read, the version would name bytes that are gone. :class:`PackCheck` answers, for one
snapshot, where such chunks lie and whether those packs are sound, looking at each pack
file once (one open and fstat). A chunk in a damaged pack is stored again from the file
(self-healing).

An object's *pack set* (table ``pack_sets``, migration 8) lists the packs its chunks lie
in and how far into each: checking those few files answers for the whole object, instead
of looking its thousands of chunks up. A set is written once every chunk was found in the
packs it names, and SQLite empties the table whenever a chunk row is removed or pointed at
another pack, or a pack row removed (gc, a repair, any other writer): a set that is there
still holds every chunk of its object.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .packs import PackEntry, pack_path
from .schema import Database

if TYPE_CHECKING:
    from .ingest import StoredFile

__all__ = ["PackCheck"]

#: A pack set: pack name -> how far into it the object's chunks reach.
PackSet = dict[str, int]


@dataclass
class PackCheck:
    """One snapshot's knowledge of where chunks lie and which packs can give them back."""

    db: Database
    store_dir: Path
    #: pack name -> why it cannot give back its chunks (None: sound); "" for chunks whose
    #: pack is not in the index.
    damage: dict[str, str | None] = field(default_factory=dict)
    #: digest -> (pack name, end of the chunk in it) for chunks found in sound packs.
    located: dict[bytes, tuple[str, int]] = field(default_factory=dict)
    #: object -> its pack set, learnt by this snapshot (written by :meth:`write_sets`).
    sets: dict[bytes, PackSet] = field(default_factory=dict)

    def lookup(self, digests: list[bytes]) -> tuple[set[bytes], dict[bytes, str]]:
        """Of ``digests``: those in a sound pack (or in a pack a lazy pull left on a remote,
        which a read fetches), and those whose indexed copy lies in a damaged one (digest ->
        that pack; "" when the pack is not in the index)."""
        found: set[bytes] = set()
        damaged: dict[bytes, str] = {}
        for i in range(0, len(digests), 900):
            batch = digests[i : i + 900]
            marks = ",".join("?" * len(batch))
            rows = self.db.execute(
                "SELECT c.hash, p.name, p.remote, p.size, c.offset + c.length FROM chunks c "
                f"LEFT JOIN packs p ON p.id = c.pack WHERE c.hash IN ({marks})",
                batch,
            ).fetchall()
            for digest, pack, remote, pack_size, end in rows:
                if pack is None:
                    damaged[digest] = ""
                    self.damage.setdefault("", "is not in the index")
                elif remote is None and self.pack_damage(pack, pack_size, end) is not None:
                    damaged[digest] = pack
                else:
                    found.add(digest)
                    self.located[digest] = (pack, end)
        return found, damaged

    def unsound(self, objects: set[bytes]) -> set[bytes]:
        """Those of ``objects`` (stored files the stat cache vouches for) with a chunk that is
        missing or lies in a damaged pack: their files must be read again. An object with a
        pack set is answered by its packs; for the others, the chunk list is read once and
        its distinct chunks looked up in batches, grouped by pack in SQLite (cutting the
        list up in SQL, with ``substr`` per chunk, reads the whole list again per chunk),
        and the set learnt."""
        bad = set()
        for digest in objects:
            if self.sound_by_packs(digest) is not None:
                continue
            row = self.db.execute("SELECT chunks FROM objects WHERE hash = ?", [digest]).fetchone()
            if row is None:
                bad.add(digest)
                continue
            blob = row[0]
            distinct = list(dict.fromkeys(blob[i : i + 32] for i in range(0, len(blob), 32)))
            found = 0
            packs: PackSet = {}
            for i in range(0, len(distinct), 900):
                batch = distinct[i : i + 900]
                for pack, remote, pack_size, end, count in self.db.execute(
                    "SELECT p.name, p.remote, p.size, max(c.offset + c.length), count(*) FROM chunks c "
                    f"LEFT JOIN packs p ON p.id = c.pack WHERE c.hash IN ({','.join('?' * len(batch))}) "
                    "GROUP BY c.pack",
                    batch,
                ).fetchall():
                    found += count
                    if pack is None or (remote is None and self.pack_damage(pack, pack_size, end) is not None):
                        bad.add(digest)
                    else:
                        packs[pack] = max(end, packs.get(pack, 0))
            if found < len(distinct):
                bad.add(digest)
            if digest not in bad:
                self.sets[digest] = packs
        return bad

    def sound_by_packs(self, obj: bytes) -> PackSet | None:
        """``obj``'s pack set when it vouches that every chunk of the object can be read
        back (each pack it names is indexed, and under ``packs/`` at its full size or on a
        remote); None when there is no set, it names a pack no longer indexed, or a pack is
        damaged: the caller then looks every chunk up."""
        row = self.db.execute(
            "SELECT p.packs FROM pack_sets p JOIN objects o ON o.hash = p.object WHERE p.object = ?", [obj]
        ).fetchone()
        if row is None:
            return None
        import json

        try:
            packs = {str(name): int(end) for name, end in json.loads(row[0])}
        except (ValueError, TypeError):
            return None
        names = list(packs)
        indexed = {}
        for i in range(0, len(names), 900):
            batch = names[i : i + 900]
            for name, remote, size in self.db.execute(
                f"SELECT name, remote, size FROM packs WHERE name IN ({','.join('?' * len(batch))})", batch
            ).fetchall():
                indexed[name] = (remote, size)
        if len(indexed) < len(packs):
            return None
        for name, end in packs.items():
            remote, size = indexed[name]
            if remote is None and self.pack_damage(name, size, end) is not None:
                return None
        return packs

    def pack_damage(self, pack: str, recorded_size: int, end: int) -> str | None:
        """Why ``pack`` cannot give back a chunk ending at ``end``, or None."""
        if pack not in self.damage:
            self.damage[pack] = _pack_file_damage(pack_path(self.store_dir, pack), recorded_size)
        damage = self.damage[pack]
        if damage is None and end > recorded_size:
            return "is shorter than its index says"
        return damage

    def write_sets(
        self,
        objects: Iterable[StoredFile],
        written: dict[bytes, tuple[str, PackEntry]],
        inherited: dict[bytes, PackSet],
    ) -> None:
        """Write the pack sets learnt (inside the caller's write transaction): those found by
        :meth:`unsound`, and those of the new ``objects``, from where each chunk was
        ``written`` or found; ``inherited``: new object -> the set of the object its
        unchanged segments were taken from (whose chunks were not looked up one by one)."""
        import json

        from . import schema

        for obj in objects:
            if obj.hash not in self.sets:
                found = self._set_of(obj, written, inherited.get(obj.hash))
                if found is not None:
                    self.sets[obj.hash] = found
        schema.insert_rows(
            self.db,
            "pack_sets",
            [{"object": h, "packs": json.dumps(sorted(packs.items()))} for h, packs in self.sets.items()],
            upsert="object",
        )

    def _set_of(
        self, obj: StoredFile, written: dict[bytes, tuple[str, PackEntry]], inherited: PackSet | None
    ) -> PackSet | None:
        """The packs the new object ``obj``'s chunks lie in, or None when a chunk's place is
        not known here."""
        packs = dict(inherited or {})
        for digest in dict.fromkeys(obj.chunks[i : i + 32] for i in range(0, len(obj.chunks), 32)):
            place = written.get(digest)
            if place is not None and place[1] is not None:
                name, end = place[0], place[1].offset + place[1].length
            elif digest in self.located:
                name, end = self.located[digest]
            elif inherited is not None:  # a chunk of a segment taken from the object the set came from
                continue
            else:
                return None
            if packs.get(name, -1) < end:
                packs[name] = end
        return packs


def _pack_file_damage(path: Path, recorded_size: int) -> str | None:
    """Why the pack file ``path`` cannot be read back whole, or None: missing, not a file,
    unreadable (permissions, a disk error), or shorter than when it was written."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return "is missing"
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    try:
        st = os.fstat(fd)
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    finally:
        os.close(fd)
    if not stat.S_ISREG(st.st_mode):
        return "is not a file"
    if st.st_size < recorded_size:
        return f"is truncated ({st.st_size} of {recorded_size} bytes)"
    return None
