"""The benchmarks' shared workload: a notebook with image outputs, a CSV of mixed
columns, a binary "model", and seeded rounds of small edits to them.

Used by ``bench_store.py`` and ``compare.py``. Everything is seeded, so two copies
of the workload that receive the same rounds stay byte-identical.
"""

from __future__ import annotations

import base64
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "MB",
    "NOTEBOOK",
    "DATA",
    "MODEL",
    "FILES",
    "write_csv",
    "csv_rows",
    "write_notebook",
    "write_model",
    "build",
    "Edit",
    "make_edit",
    "edit_round",
    "raw_read_seconds",
]

MB = 1024 * 1024
NOTEBOOK, DATA, MODEL = "analysis.ipynb", "data.csv", "model.bin"
#: The workload's files, notebook first.
FILES = (NOTEBOOK, DATA, MODEL)

_CITIES = ["Lisbon", "Oslo", "Lyon", "Kyoto", "Austin", "Pune", "Leeds", "Turin", "Quito", "Perth"]
_HEADER = "id,timestamp,city,segment,visits,amount,score,label\n"


def csv_rows(size: int, seed: int = 0, first_id: int = 1) -> str:
    """About ``size`` bytes of CSV rows (no header): ids, timestamps, categories, measurements."""
    rng = random.Random(seed)
    blocks, written, i, t0 = [], 0, first_id - 1, 1_700_000_000
    while written < size:
        lines = []
        for _ in range(10_000):
            i += 1
            lines.append(
                f"{i},{t0 + i * 7},{rng.choice(_CITIES)},{rng.choice('ABCD')}{rng.randint(1, 40)},"
                f"{rng.randint(0, 500)},{rng.uniform(0, 2000):.2f},{rng.random():.4f},{rng.randint(0, 1)}\n"
            )
        block = "".join(lines)
        blocks.append(block)
        written += len(block)
    return "".join(blocks)


def write_csv(path: Path, size: int, seed: int = 0) -> None:
    """A CSV of mixed columns (ids, timestamps, categories, measurements) of about ``size`` bytes."""
    with open(path, "w") as f:
        f.write(_HEADER)
        written, piece, next_id = len(_HEADER), 0, 1
        while written < size:  # in pieces of about 64 MB so memory stays flat
            part = csv_rows(min(64 * MB, size - written), seed=seed * 1_000_003 + piece, first_id=next_id)
            f.write(part)
            written += len(part)
            next_id += part.count("\n")
            piece += 1


def write_notebook(path: Path, image_bytes: int, seed: int = 0) -> None:
    """A notebook of ``plot(i)`` cells, each with a 200 KB PNG-sized output of random bytes."""
    import nbformat

    rng = random.Random(seed)
    nb = nbformat.v4.new_notebook()
    per_image = 200 * 1024
    for i in range(max(1, image_bytes // per_image)):
        png = rng.randbytes(per_image)
        cell = nbformat.v4.new_code_cell(f"plot({i})", execution_count=i + 1)
        cell.id = f"cell-{i:04d}"  # fixed ids: two workloads built with one seed are identical
        cell.outputs = [
            nbformat.v4.new_output(
                "display_data", data={"image/png": base64.b64encode(png).decode(), "text/plain": "<Figure>"}
            )
        ]
        nb.cells.append(cell)
    nbformat.write(nb, path)


def write_model(path: Path, size: int, seed: int = 0) -> None:
    """``size`` random bytes: weights do not compress, like a real model's."""
    rng = random.Random(seed)
    with open(path, "wb") as f:
        left = size
        while left > 0:
            n = min(16 * MB, left)
            f.write(rng.randbytes(n))
            left -= n


def build(work: Path, scale: float = 1.0, seed: int = 0) -> list[Path]:
    """The workload at ``scale`` (1.0: a 10 MB notebook, a 1 GB CSV, a 200 MB model) in ``work``."""
    work.mkdir(parents=True, exist_ok=True)
    write_notebook(work / NOTEBOOK, int(10 * MB * scale), seed=seed)
    write_csv(work / DATA, int(1000 * MB * scale), seed=seed)
    write_model(work / MODEL, int(200 * MB * scale), seed=seed)
    return [work / f for f in FILES]


@dataclass
class Edit:
    """One round of small edits, computed once and applied to any number of copies."""

    round: int
    cell: int
    source: str
    append: bytes
    patches: list[tuple[int, bytes]] = field(default_factory=list)

    def apply(self, work: Path) -> None:
        import nbformat

        nb = nbformat.read(work / NOTEBOOK, as_version=4)
        nb.cells[self.cell].source = self.source
        nbformat.write(nb, work / NOTEBOOK)
        with open(work / DATA, "ab") as f:
            f.write(self.append)
        with open(work / MODEL, "r+b") as f:
            for offset, data in self.patches:
                f.seek(offset)
                f.write(data)


def make_edit(work: Path, rnd: int, *, model_bytes: int | None = None, regions: int = 4, seed: int = 0) -> Edit:
    """Round ``rnd``'s edits for the workload in ``work``, seeded by ``(seed, rnd)``.

    One cell's source changes; rows worth 1% of the CSV are appended (whole blocks of
    10,000 rows, so a little more); ``model_bytes``
    (default 1% of the model) are overwritten in place in ``regions`` runs at random
    offsets, as when some layers of a network are retrained and the rest are frozen.
    """
    import nbformat

    rng = random.Random(f"{seed}:{rnd}")
    nb = nbformat.read(work / NOTEBOOK, as_version=4)
    cell = rng.randrange(len(nb.cells))
    source = f"plot({cell})  # edited in round {rnd}"
    data_size = (work / DATA).stat().st_size
    with open(work / DATA, "rb") as f:  # continue the ids after the last row
        f.seek(max(0, data_size - 4096))
        last_id = int(f.read().rstrip(b"\n").rsplit(b"\n", 1)[-1].split(b",", 1)[0])
    append = csv_rows(data_size // 100, seed=rng.randrange(2**32), first_id=last_id + 1).encode()
    model_size = (work / MODEL).stat().st_size
    total = model_bytes if model_bytes is not None else model_size // 100
    run = max(1, total // regions)
    patches = [(rng.randrange(0, max(1, model_size - run)), rng.randbytes(run)) for _ in range(regions)]
    return Edit(rnd, cell, source, append, patches)


def edit_round(work: Path, rnd: int, **options) -> Edit:
    """Make round ``rnd``'s edits (see :func:`make_edit`) and apply them to ``work``."""
    edit = make_edit(work, rnd, **options)
    edit.apply(work)
    return edit


def raw_read_seconds(paths: list[Path]) -> float:
    """Seconds to read ``paths`` from the page cache (warmed first: drop_caches is not writable here)."""
    for p in paths:
        with open(p, "rb") as f:
            while f.read(16 * MB):
                pass
    t = time.perf_counter()
    for p in paths:
        with open(p, "rb") as f:
            while f.read(16 * MB):
                pass
    return time.perf_counter() - t
