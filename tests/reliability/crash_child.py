"""The process that test_crash kills: it snapshots in a loop until SIGKILL stops it.

``python -m tests.reliability.crash_child ROOT SEED START BIG`` opens the store at ROOT
and, for iteration START, START+1, ...: writes the project's files for that iteration
(:func:`contents`, a pure function the test calls too), snapshots them, and prints
``committed <version id> <iteration>`` flushed, only after ``snapshot`` returned. Every
few iterations it also tags, moves an alias, or runs ``gc`` with no grace period, so a
kill can land in those as well.

``python -m tests.reliability.crash_child restore ROOT`` restores v1 and v2 of the
notebook in place, in turn, until it is killed.
"""

from __future__ import annotations

import functools
import json
import random
import sys

NOTEBOOK = "train.ipynb"
TRACKED = ["params.json", "data.csv"]
MODEL = "model.bin"
PATCH = 64 * 1024


@functools.lru_cache(maxsize=2)
def _base(seed: int, size: int) -> bytes:
    return random.Random(seed).randbytes(size)


def contents(i: int, seed: int, big: int) -> dict[str, bytes]:
    """The bytes of every file at iteration ``i``: a notebook, two small files, and a
    ``big``-byte model in which only a 64 KiB window differs between iterations."""
    rng = random.Random(f"{seed}:{i}")
    notebook = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            {
                "cell_type": "code",
                "id": f"c{i}",
                "metadata": {},
                "execution_count": 1,
                "source": f"iteration = {i}\n",
                "outputs": [{"output_type": "stream", "name": "stdout", "text": rng.randbytes(3000).hex()}],
            }
        ],
    }
    model = bytearray(_base(seed, big))
    at = (i * 7919 * 4096) % (big - PATCH)
    model[at : at + PATCH] = rng.randbytes(PATCH)
    return {
        NOTEBOOK: json.dumps(notebook, indent=1).encode(),
        "params.json": json.dumps({"iteration": i, "lr": rng.random()}).encode(),
        "data.csv": "".join(f"{i},{j},{rng.random():.6f}\n" for j in range(3000)).encode(),
        MODEL: bytes(model),
    }


def restore_loop(root: str) -> None:
    """Restore v1 and v2 in place, in turn, for ever (each keeps a safety version first)."""
    from jupyter_mv.store import Store

    store = Store.open(root)
    print("open", flush=True)
    while True:
        for ref in (f"{NOTEBOOK}@v1", f"{NOTEBOOK}@v2"):
            store.restore(ref)
            print(f"restored {ref}", flush=True)


def main(argv: list[str]) -> None:
    from jupyter_mv.store import Store

    if argv[0] == "restore":
        return restore_loop(argv[1])
    root, seed, start, big = argv[0], int(argv[1]), int(argv[2]), int(argv[3])
    store = Store.open(root)
    print("open", flush=True)
    i = start
    while True:
        for name, data in contents(i, seed, big).items():
            with open(f"{root}/{name}", "wb") as f:
                f.write(data)
        version = store.snapshot(
            f"{root}/{NOTEBOOK}",
            [f"{root}/{p}" for p in TRACKED],
            outputs=[f"{root}/{MODEL}"],
            message=f"iteration {i}",
            metrics={"iteration": i},
        )
        print(f"committed {version.id} {i}", flush=True)
        if i % 4 == 1:
            store.tag(version, f"it-{i}")
            print(f"tagged it-{i} {version.id}", flush=True)
        if i % 4 == 2:
            store.alias("best", version)
            print(f"aliased best {version.id}", flush=True)
        if i % 6 == 5:
            store.gc(grace_seconds=0)
            print("gc", flush=True)
        i += 1


if __name__ == "__main__":
    main(sys.argv[1:])
