"""The execution record: which cells ran, in which order, and whether that order
(or an edit since) makes the notebook's outputs hard to reproduce.

The kernel notes every cell it runs: execution count, cell id (JupyterLab and
Notebook 7 send it with each execute request), a hash of the code, start and end.
At snapshot time the record is matched against the saved notebook, by cell id and
otherwise by code, giving each run the position of its cell. The notebook *ran out
of order* when, taking each cell's last run, the cells did not run top to bottom; a
cell was *edited after it ran* when its saved source differs from the code that last
ran under its id. With no record (the kernel restarted since), the saved execution
counts tell the order instead.
"""

from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass
from typing import Any

__all__ = ["CellRun", "ExecutionRecord", "code_hash", "is_mv_only"]

_MAX_RUNS = 5000
_KEPT_RUNS = 500
_MV_LINE = re.compile(r"\s*(%mv\b.*|#.*)?")


def code_hash(code: str) -> str:
    """A short hash of a cell's code, ignoring leading and trailing white space."""
    return hashlib.blake2b(code.strip().encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()


def is_mv_only(code: str) -> bool:
    """A cell holding only ``%mv`` lines (and comments): jupyter-mv's own, not the work."""
    lines = [line for line in code.strip().splitlines() if line.strip()]
    return bool(lines) and all(_MV_LINE.fullmatch(line) for line in lines) and any("%mv" in ln for ln in lines)


@dataclass
class CellRun:
    count: int | None
    cell_id: str | None
    code: str
    started: float
    ended: float | None = None
    ok: bool | None = None
    mv_only: bool = False

    @property
    def hash(self) -> str:
        return code_hash(self.code)


class ExecutionRecord:
    """The cells a kernel ran, oldest first."""

    def __init__(self) -> None:
        self.runs: list[CellRun] = []
        self._current: CellRun | None = None

    def start(self, code: str, count: int | None, cell_id: str | None) -> CellRun:
        run = CellRun(count, cell_id or None, code, time.time(), mv_only=is_mv_only(code))
        self._current = run
        self.runs.append(run)
        if len(self.runs) > _MAX_RUNS:
            del self.runs[: len(self.runs) - _MAX_RUNS]
        return run

    def finish(self, ok: bool) -> None:
        if self._current is not None:
            self._current.ended = time.time()
            self._current.ok = ok
            self._current = None

    @property
    def current(self) -> CellRun | None:
        return self._current

    def last_work_ended(self) -> float | None:
        """When the last finished cell that was not jupyter-mv's own ended."""
        for run in reversed(self.runs):
            if run.ended is not None and not run.mv_only:
                return run.ended
        return None

    def work_since(self, when: float) -> bool:
        """Whether a cell other than ``%mv`` ones ran after ``when``."""
        return any(r.started >= when and not r.mv_only for r in self.runs if r is not self._current)

    def analyze(self, notebook: dict[str, Any] | None) -> dict[str, Any]:
        """The record as stored in a version's ``extra``, matched against ``notebook``
        (the saved ``.ipynb`` as parsed JSON), with its flags."""
        cells = _code_cells(notebook)
        by_id = {c["id"]: c for c in cells if c["id"]}
        by_hash: dict[str, list[dict[str, Any]]] = {}
        for c in cells:
            by_hash.setdefault(c["hash"], []).append(c)
        runs = [r for r in self.runs if r is not self._current]
        out_runs: list[dict[str, Any]] = []
        last_run_of: dict[int, int] = {}
        edited: dict[str, int] = {}
        unmatched = 0
        for index, run in enumerate(runs):
            cell = by_id.get(run.cell_id) if run.cell_id else None
            if cell is not None and cell["hash"] != run.hash:
                edited[cell["id"]] = cell["position"]
            elif cell is not None:
                edited.pop(cell["id"], None)
            if cell is None and not run.cell_id:
                candidates = by_hash.get(run.hash, [])
                cell = candidates[0] if candidates else None
            if cell is None and not run.mv_only:
                unmatched += 1
            position = cell["position"] if cell is not None else None
            if position is not None and not run.mv_only:
                last_run_of[position] = index
            out_runs.append(
                {
                    "count": run.count,
                    "cell": position,
                    "cell_id": run.cell_id,
                    "code": run.hash,
                    "started": round(run.started, 3),
                    "duration": round(run.ended - run.started, 3) if run.ended is not None else None,
                    "ok": run.ok,
                    "mv": run.mv_only,
                }
            )
        order = [position for position, _ in sorted(last_run_of.items(), key=lambda item: item[1])]
        if order:
            source = "kernel"
            out_of_order = order != sorted(order)
        else:
            source = "notebook"
            counts = [c["count"] for c in cells if isinstance(c["count"], int)]
            out_of_order = counts != sorted(counts) or len(set(counts)) != len(counts)
        never_ran = [c["position"] for c in cells if c["position"] not in last_run_of] if order else []
        return {
            "source": source,
            "out_of_order": out_of_order,
            "order": order,
            "edited_after_run": sorted(edited.values()),
            "edited_after_run_ids": sorted(edited),
            "unmatched_runs": unmatched,
            "not_run": never_ran,
            "runs": out_runs[-_KEPT_RUNS:],
            "runs_total": len(out_runs),
        }


def _code_cells(notebook: dict[str, Any] | None) -> list[dict[str, Any]]:
    """Code cells of a notebook: 1-based position among all cells, id, code hash, count."""
    if not isinstance(notebook, dict):
        return []
    cells = notebook.get("cells")
    if not isinstance(cells, list):
        return []
    out = []
    for position, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(source)
        if not isinstance(source, str) or is_mv_only(source) or not source.strip():
            continue
        out.append(
            {
                "position": position,
                "id": cell.get("id"),
                "hash": code_hash(source),
                "count": cell.get("execution_count"),
            }
        )
    return out
