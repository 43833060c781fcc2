"""A version's code cells in the order they ran, with the files each read and wrote.

The kernel's execution record (``extra.kernel.execution``, see
:mod:`jupyter_mv.kernel.execution`) gives the order: each cell by its last run,
cells never run last. Without a record (a version taken outside a kernel) the
saved execution counts give it. The files map (``extra.kernel.files``) lists,
per path, the execution counts of the cells that read, wrote or named it; the
runs turn counts into cell positions.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["cell_table", "saving_cells", "MAX_OUTPUT_TEXT"]

#: Text of a cell's outputs kept in a report (characters per cell).
MAX_OUTPUT_TEXT = 2000
_MV_LINE = re.compile(r"\s*(%mv\b.*|#.*)?")


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "".join(str(v) for v in value)
    return value if isinstance(value, str) else ""


def _is_mv_only(code: str) -> bool:
    lines = [line for line in code.strip().splitlines() if line.strip()]
    return bool(lines) and all(_MV_LINE.fullmatch(line) for line in lines) and any("%mv" in ln for ln in lines)


def _outputs(cell: dict[str, Any]) -> list[dict[str, Any]]:
    from ..diff.text import strip_ansi

    out = []
    for raw in cell.get("outputs") or []:
        if not isinstance(raw, dict):
            continue
        kind = str(raw.get("output_type", "unknown"))
        item: dict[str, Any] = {"type": kind}
        if kind == "stream":
            item["name"] = str(raw.get("name", "stdout"))
            item["text"] = strip_ansi(_text(raw.get("text")))
        elif kind == "error":
            item["text"] = f"{raw.get('ename', '')}: {raw.get('evalue', '')}"
        else:
            data = raw.get("data") or {}
            item["mime"] = sorted(str(m) for m in data)
            if "text/plain" in data:
                item["text"] = strip_ansi(_text(data["text/plain"]))
        if len(item.get("text", "")) > MAX_OUTPUT_TEXT:
            item["text"] = item["text"][:MAX_OUTPUT_TEXT] + "…"
        out.append(item)
    return out


def cell_table(
    notebook: dict[str, Any] | None, execution: dict[str, Any] | None, files: dict[str, dict[str, list[int | None]]]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The code cells (run order first) and the execution summary.

    :param notebook: the version's ``.ipynb`` as parsed JSON.
    :param execution: the kernel's record, or None.
    :param files: path → ``{"read"|"written"|"named": [execution counts]}``.
    """
    raw_cells = notebook.get("cells") if isinstance(notebook, dict) else None
    raw_cells = raw_cells if isinstance(raw_cells, list) else []
    record = execution if isinstance(execution, dict) and execution.get("source") == "kernel" else None
    runs = [r for r in (record or {}).get("runs", []) if isinstance(r, dict)]

    cells: dict[int, dict[str, Any]] = {}
    for position, cell in enumerate(raw_cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = _text(cell.get("source"))
        count = cell.get("execution_count")
        cells[position] = {
            "position": position,
            "id": cell.get("id") if isinstance(cell.get("id"), str) else None,
            "source": source,
            "execution_count": count if isinstance(count, int) else None,
            "run_rank": None,
            "runs": [],
            "reads": [],
            "writes": [],
            "marks": [],
            "edited_after_run": False,
            "not_run": False,
            "jupyter_mv": _is_mv_only(source),
            "outputs": _outputs(cell),
        }

    count_to_cell: dict[int, int] = {}
    for run in runs:
        if isinstance(run.get("count"), int) and isinstance(run.get("cell"), int) and run["cell"] in cells:
            count_to_cell[run["count"]] = run["cell"]
            cells[run["cell"]]["runs"].append(run["count"])
    if record is None:
        for position, cell in cells.items():
            if cell["execution_count"] is not None:
                count_to_cell.setdefault(cell["execution_count"], position)
                cell["runs"] = [cell["execution_count"]]

    for path, kinds in sorted(files.items()):
        for kind, key in (("read", "reads"), ("named", "reads"), ("written", "writes")):
            for count in kinds.get(kind) or []:
                ran_in = count_to_cell.get(count) if isinstance(count, int) else None
                if ran_in is not None and path not in cells[ran_in][key]:
                    cells[ran_in][key].append(path)

    if record is not None:
        order = [p for p in record.get("order", []) if p in cells]
        for position in record.get("edited_after_run", []):
            if position in cells:
                cells[position]["edited_after_run"] = True
    else:
        ran = sorted(
            (c for c in cells.values() if c["execution_count"] is not None and not c["jupyter_mv"]),
            key=lambda c: c["execution_count"],
        )
        order = [c["position"] for c in ran]
    for rank, position in enumerate(order, start=1):
        cells[position]["run_rank"] = rank
    rest = [p for p in cells if p not in order]
    for position in rest:
        cell = cells[position]
        cell["not_run"] = (
            not cell["jupyter_mv"]
            and bool(cell["source"].strip())
            and (record is not None or cell["execution_count"] is None)
        )

    summary = {
        "source": "kernel" if record is not None else "notebook",
        "out_of_order": bool((execution or {}).get("out_of_order")) if execution else _out_of_order(cells),
        "order": order,
        "edited_after_run": sorted(p for p, c in cells.items() if c["edited_after_run"]),
        "not_run": sorted(p for p, c in cells.items() if c["not_run"]),
        "unmatched_runs": int((record or {}).get("unmatched_runs") or 0),
        "runs_total": int((record or {}).get("runs_total") or len(runs)),
        "runs": [
            {
                "count": r.get("count"),
                "cell": r.get("cell"),
                "started": _iso(r.get("started")),
                "duration": r.get("duration"),
                "ok": r.get("ok"),
                "jupyter_mv": bool(r.get("mv")),
            }
            for r in runs[-200:]
        ],
    }
    ordered = [cells[p] for p in order] + [cells[p] for p in rest]
    return ordered, summary


def _iso(epoch: Any) -> str | None:
    from ..store.versions import iso_time

    return iso_time(float(epoch)) if isinstance(epoch, (int, float)) else None


def _out_of_order(cells: dict[int, dict[str, Any]]) -> bool:
    counts = [c["execution_count"] for c in cells.values() if c["execution_count"] is not None and not c["jupyter_mv"]]
    return counts != sorted(counts) or len(set(counts)) != len(counts)


def saving_cells(cells: list[dict[str, Any]], name: str) -> list[int]:
    """Positions of cells that save model ``name``: ``%mv save OBJ --name NAME`` or
    ``save_model(OBJ, "NAME")`` (the Python API)."""
    quoted = re.escape(name)
    patterns = [
        re.compile(rf"%mv\s+save\b[^\n]*--name[= ]+['\"]?{quoted}['\"]?(\s|$)", re.M),
        re.compile(rf"save_model\(\s*[^,\n]+,\s*(name\s*=\s*)?['\"]{quoted}['\"]"),
    ]
    return [c["position"] for c in cells if any(p.search(c["source"]) for p in patterns)]
