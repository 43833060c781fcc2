"""Cost that grows with the work, not with the history.

Builds one store through the core's own writers (packs, the index, version records) with
``--versions`` versions (default 10,000) of 20 notebooks and about ``--chunks`` chunks
(default a million: each version's data file shares most of its chunks with the one
before and adds new ones), and times the verbs at ``--at`` versions (default 1,000) and
again at the full count:

* ``log``: the first page (50 versions); ``show``: one version by ``notebook@vN``;
* a snapshot with nothing changed, and one after a small edit (a real notebook file);
* a restore (of a version's files into a new folder);
* ``verify`` and ``gc``, which read every chunk and are linear in the data.

Each verb's time at the full count must be at most 1.5 times its time at the smaller
count (verify and gc excepted): the script prints both, their ratio, and exits 1 when a
verb misses. Synthetic chunks are small (32 bytes), so a million of them is 32 MB of packs.

Run: ``python benchmarks/bench_scale.py`` (about a minute to build, a few to time), or
``--versions 2000 --at 200 --chunks 100000`` for a quick look.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import blake3  # noqa: E402

from jupyter_mv.store import Store, records, schema  # noqa: E402
from jupyter_mv.store.packs import CODEC_NONE, PackWriter  # noqa: E402
from jupyter_mv.store.versions import FileEntry, Version  # noqa: E402

NOTEBOOKS = 20
#: How many chunks a version's data file holds (most shared with the version before).
DATA_CHUNKS = 200
CHUNK = 32
#: The verbs whose time must not grow with the history (verify and gc are linear in the data).
FLAT = ("log", "show", "snapshot (no change)", "snapshot (small edit)", "restore")
#: Allowed growth from the smaller count to the full one.
MAX_RATIO = 1.5


def _notebook_json(text: str) -> str:
    cell = {"cell_type": "code", "execution_count": None, "id": "c1", "metadata": {}, "outputs": [], "source": text}
    return json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


class Builder:
    """Writes synthetic versions straight through the store's writers."""

    def __init__(self, store: Store, new_per_version: int, seed: int = 0) -> None:
        self.store = store
        self.rng = random.Random(seed)
        self.new = new_per_version
        self.data: dict[str, list[bytes]] = {}  # notebook -> its data file's chunk payloads
        self.count = 0
        self.created = time.time() - 10 * 365 * 86400

    def _payload(self) -> bytes:
        return self.rng.randbytes(CHUNK)

    def add(self, n: int) -> None:
        """Add ``n`` versions, round-robin over the notebooks, in batches of 500."""
        while n > 0:
            batch = min(n, 500)
            self._batch(batch)
            n -= batch

    def _batch(self, n: int) -> None:
        store, db = self.store, self.store.db
        writer = PackWriter(store.dir)
        chunks: dict[bytes, tuple[int, int]] = {}
        objects: dict[bytes, tuple[int, bytes]] = {}
        versions = []

        def put(payloads: list[bytes]) -> tuple[str, int]:
            digests = []
            for p in payloads:
                d = blake3.blake3(p).digest()
                if d not in chunks:
                    chunks[d] = (writer.append(d, len(p), CODEC_NONE, p).offset, len(p))
                digests.append(d)
            content = b"".join(payloads)
            h = blake3.blake3(content).digest()
            objects[h] = (len(content), b"".join(digests))
            return h.hex(), len(content)

        for _ in range(n):
            self.count += 1
            nb = f"nb{self.count % NOTEBOOKS:02d}.ipynb"
            data = self.data.get(nb) or [self._payload() for _ in range(DATA_CHUNKS)]
            keep = DATA_CHUNKS - min(self.new, DATA_CHUNKS)
            at = self.rng.randrange(keep + 1)
            data = data[:at] + [self._payload() for _ in range(DATA_CHUNKS - keep)] + data[at + DATA_CHUNKS - keep :]
            data = data[:DATA_CHUNKS]
            self.data[nb] = data
            nb_hash, nb_size = put([_notebook_json(f"x = {self.count}").encode()])
            data_hash, data_size = put(data)
            self.created += 60
            versions.append(
                (nb, self.created, [(nb, "notebook", nb_hash, nb_size), ("data.bin", "input", data_hash, data_size)])
            )
        writer.seal()
        with schema.transaction(db):
            schema.insert_rows(db, "packs", [{"name": writer.name, "size": writer.size, "created": self.created}])
            pack_id = db.execute("SELECT id FROM packs WHERE name = ?", [writer.name]).fetchone()[0]
            db.conn.executemany(
                "INSERT OR IGNORE INTO chunks (hash, pack, offset, length, size, codec) VALUES (?, ?, ?, ?, ?, 0)",
                [(d, pack_id, off, size, size) for d, (off, size) in chunks.items()],
            )
            db.conn.executemany(
                "INSERT OR IGNORE INTO objects (hash, size, chunks, created) VALUES (?, ?, ?, ?)",
                [(h, size, blob, self.created) for h, (size, blob) in objects.items()],
            )
            for nb, created, files in versions:
                numbering = records.next_number(db, nb, "full")
                entries = tuple(FileEntry(p, role, h, size, 0o644, True, None) for p, role, h, size in files)
                vid = records.version_id(
                    notebook=nb,
                    parent=numbering.parent,
                    kind="full",
                    message=f"version {numbering.number}",
                    author="bench",
                    created=created,
                    environment=None,
                    git=None,
                    metrics={"loss": 1 / numbering.number},
                    params={},
                    files=[(e.path, e.role, e.hash, e.size) for e in entries],
                )
                version = Version(
                    vid, nb, numbering.number, numbering.parent, "full", f"version {numbering.number}", "bench",
                    created, None, None, {"loss": 1 / numbering.number}, {}, {}, entries,
                )  # fmt: skip
                records.insert_version(db, version, numbering.placeholder)


def best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def time_verbs(store: Store, project: Path, out: Path) -> dict[str, float]:
    nb = project / "nb00.ipynb"
    data = project / "data.bin"
    figures: dict[str, float] = {}
    figures["log"] = best_of(lambda: store.log(limit=50))
    n = store.count("nb00.ipynb")
    figures["show"] = best_of(lambda: store.resolve(f"v{n // 2}", "nb00.ipynb"))
    figures["snapshot (no change)"] = best_of(lambda: store.snapshot(nb, [data], environment=None))
    edits = iter(range(10**6))
    figures["snapshot (small edit)"] = best_of(
        lambda: (nb.write_text(_notebook_json(f"edit {next(edits)}")), store.snapshot(nb, [data], environment=None))
    )
    target = store.resolve(f"v{n // 2}", "nb00.ipynb")
    folders = iter(range(10**6))
    label = store.count()
    figures["restore"] = best_of(lambda: store.restore(target, to=out / f"restore-{label}-{next(folders)}"))
    figures["verify"] = best_of(store.verify, repeat=1)
    figures["gc"] = best_of(lambda: store.gc(grace_seconds=0), repeat=1)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--versions", type=int, default=10_000, help="versions at the full count")
    parser.add_argument("--at", type=int, default=1_000, help="the smaller count the full one is compared with")
    parser.add_argument("--chunks", type=int, default=1_000_000, help="about how many chunks at the full count")
    parser.add_argument("--dir", help="work folder (default: a temporary one, removed at the end)")
    args = parser.parse_args(argv)
    base = Path(args.dir or tempfile.mkdtemp(prefix="mv-scale-"))
    project = base / "project"
    project.mkdir(parents=True, exist_ok=True)
    try:
        store = Store.init(project)
        (project / "nb00.ipynb").write_text(_notebook_json("start"))
        (project / "data.bin").write_bytes(os.urandom(4 << 20))
        past = time.time() - 60
        for p in ("nb00.ipynb", "data.bin"):
            os.utime(project / p, (past, past))
        builder = Builder(store, new_per_version=max(1, args.chunks // args.versions))
        results: dict[int, dict[str, float]] = {}
        for count in (args.at, args.versions):
            t = time.perf_counter()
            builder.add(count - builder.count)
            chunks = store.db.execute("SELECT count(*) FROM chunks").fetchone()[0]
            print(f"built {builder.count:,} versions, {chunks:,} chunks in {time.perf_counter() - t:.1f} s", flush=True)
            results[count] = time_verbs(store, project, base)
            for verb, seconds in results[count].items():
                print(f"  {verb:<24} {seconds * 1000:9.1f} ms", flush=True)
        small, full = results[args.at], results[args.versions]
        print(f"\n| verb | {args.at:,} versions | {args.versions:,} versions | ratio | flat |")
        print("| --- | ---: | ---: | ---: | --- |")
        missed = []
        for verb in small:
            ratio = full[verb] / small[verb] if small[verb] else float("inf")
            flat = verb in FLAT
            ok = ratio <= MAX_RATIO or not flat
            if not ok:
                missed.append(verb)
            note = ("yes" if ok else "**no**") if flat else "linear in the data"
            print(f"| {verb} | {small[verb] * 1000:,.1f} ms | {full[verb] * 1000:,.1f} ms | {ratio:.2f}x | {note} |")
        print(f"\nmedian ratio of the flat verbs: {statistics.median(full[v] / small[v] for v in FLAT):.2f}x")
        store.close()
        if missed:
            print(f"grows with the history: {', '.join(missed)}")
            return 1
        return 0
    finally:
        if not args.dir:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
