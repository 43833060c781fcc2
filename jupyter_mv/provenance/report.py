"""``build_report(store, ref)``: everything a reviewer asks of a model, as one JSON-able dict.

The format (``jupyter-mv-report``, version 1) is specified by
``jupyter_mv/schemas/report.schema.json`` and described in ``docs/provenance.md``.
Every renderer (HTML, Markdown, PROV-JSON) reads only this dict.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..capture.dvc import dvc_check
from ..errors import MVError
from ..store import registry
from ..store.versions import Version, iso_time
from .cells import cell_table, saving_cells
from .lineage import lineage
from .subject import Subject, resolve_subject

if TYPE_CHECKING:
    from ..store import Store

__all__ = ["build_report", "FORMAT", "VERSION", "load_schema", "validate", "MAX_ANCESTORS"]

FORMAT = "jupyter-mv-report"
VERSION = 1
#: Parent versions listed (the lineage graph shows fewer).
MAX_ANCESTORS = 20
_COMMIT = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")


def build_report(store: Store, ref: str, *, notebook: str | None = None) -> dict[str, Any]:
    """The provenance report of a model version, a file a notebook wrote, or a version.

    :param ref: ``churn``, ``churn:3``, ``churn@production``, ``models/model.joblib``,
        ``v3``, ``latest``, a tag, an alias or a version id.
    :param notebook: scopes ``vN`` and ``latest``.
    :raises NotFound: nothing by that name. :raises InvalidInput: a malformed ref.
    """
    subject = resolve_subject(store, ref, notebook=notebook)
    return report_for(store, subject)


def report_for(store: Store, subject: Subject) -> dict[str, Any]:
    from .._version import __version__

    version = subject.version
    report: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "generated": iso_time(time.time()),
        "generator": f"jupyter-mv {__version__}",
        "subject": subject.to_dict(),
        "notebook_version": None,
        "models": [],
        "cells": [],
        "execution": None,
        "inputs": [],
        "outputs": [],
        "tracked": [],
        "environment": None,
        "metrics": {},
        "params": {},
        "parents": [],
        "lineage": None,
        "warnings": [],
    }
    if version is not None:
        kernel_record = version.extra.get("kernel")
        kernel: dict[str, Any] = kernel_record if isinstance(kernel_record, dict) else {}
        files_record = kernel.get("files")
        files: dict[str, dict[str, list[int | None]]] = files_record if isinstance(files_record, dict) else {}
        notebook_json = _notebook(store, version)
        cells, execution = cell_table(notebook_json, kernel.get("execution"), files)
        report["notebook_version"] = _version_dict(version, notebook_json)
        report["models"] = [_model_brief(m) for m in registry.list_models(store, version=version.id)]
        report["cells"] = cells
        report["execution"] = execution
        for role, key in (("input", "inputs"), ("output", "outputs"), ("tracked", "tracked")):
            report[key] = [_file(store, f, files.get(f.path) or {}, cells) for f in version.files if f.role == role]
        report["environment"] = _environment(store.environment(version), kernel.get("imports"))
        report["metrics"] = dict(version.metrics)
        report["params"] = dict(version.params)
        report["parents"] = _parents(store, version)
        _mark_subject(report, subject)
    if subject.model is not None:
        report["metrics"] = {**report["metrics"], **subject.model.metrics}
        report["params"] = {**report["params"], **subject.model.params}
    report["warnings"] = _warnings(report, subject, version)
    report["lineage"] = lineage(report)
    return report


def _notebook(store: Store, version: Version) -> dict[str, Any] | None:
    """The version's notebook as nbformat 4 (older formats upgraded), or None."""
    from ..diff.reader import read_notebook

    try:
        return read_notebook(store.read_file(version, version.notebook), version.notebook)
    except MVError:
        return None


def _title(notebook: dict[str, Any] | None) -> str | None:
    for cell in (notebook or {}).get("cells", []):
        if isinstance(cell, dict) and cell.get("cell_type") == "markdown":
            source = cell.get("source")
            text = "".join(source) if isinstance(source, list) else str(source or "")
            for line in text.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip() or None
    return None


def _version_dict(version: Version, notebook: dict[str, Any] | None) -> dict[str, Any]:
    from ..diff.reader import kernelspec as notebook_kernelspec

    kernelspec = notebook_kernelspec(notebook) or {}
    return {
        "id": version.id,
        "short_id": version.short_id,
        "label": version.label,
        "notebook": version.notebook,
        "number": version.number,
        "name": version.name,
        "kind": version.kind,
        "message": version.message,
        "author": version.author,
        "created": iso_time(version.created),
        "parent": version.parent,
        "tags": list(version.tags),
        "aliases": list(version.aliases),
        "git": version.git,
        "title": _title(notebook),
        "kernel": kernelspec.get("name") if kernelspec else None,
        "kernel_display_name": kernelspec.get("display_name") if kernelspec else None,
        "environment": version.environment,
        "file": next(
            ({"path": f.path, "hash": f.hash, "size": f.size} for f in version.files if f.role == "notebook"), None
        ),
    }


def _model_brief(model: registry.ModelVersion) -> dict[str, Any]:
    return {
        "name": model.name,
        "number": model.number,
        "label": model.label,
        "hash": model.hash,
        "flavor": model.flavor,
        "size": model.size,
        "created": iso_time(model.created),
        "aliases": list(model.aliases),
        "metrics": model.metrics,
    }


def _file(store: Store, entry: Any, kinds: dict[str, Any], cells: list[dict[str, Any]]) -> dict[str, Any]:
    def where(key: str) -> list[int]:
        return [c["position"] for c in cells if entry.path in c[key]]

    return {
        "path": entry.path,
        "hash": entry.hash,
        "size": entry.size,
        "stored": entry.stored,
        "read_in": [c for c in kinds.get("read") or [] if isinstance(c, int)],
        "written_in": [c for c in kinds.get("written") or [] if isinstance(c, int)],
        "cells": sorted(set(where("reads") + where("writes"))),
        "dvc": dvc_check(store.path_of(entry.path), entry.dvc) if entry.dvc else None,
    }


def _environment(env: dict[str, Any] | None, imports: Any) -> dict[str, Any] | None:
    if env is None:
        return None
    from ..capture.environment import environment_summary

    packages = [
        {
            "name": str(p.get("name")),
            "version": str(p.get("version")),
            "origin": p.get("origin") if isinstance(p.get("origin"), dict) else {"kind": "index"},
        }
        for p in env.get("packages") or []
        if isinstance(p, dict) and p.get("name")
    ]
    conda = [
        {
            "name": str(p.get("name")),
            "version": str(p.get("version")),
            "channel": p.get("channel"),
            "build": p.get("build"),
        }
        for p in env.get("conda_packages") or []
        if isinstance(p, dict)
    ]
    imported = [
        {"module": str(m), "distribution": (i or {}).get("distribution"), "version": (i or {}).get("version")}
        for m, i in sorted((imports or {}).items())
        if isinstance(i, dict) or i is None
    ]
    py = env.get("python") or {}
    plat = env.get("platform") or {}
    return {
        "summary": environment_summary(env),
        "python": {k: py.get(k) for k in ("implementation", "version", "executable") if py.get(k) is not None},
        "platform": {k: plat.get(k) for k in ("system", "release", "machine", "os", "libc") if plat.get(k) is not None},
        "gpu": [g for g in env.get("gpu") or [] if isinstance(g, dict)],
        "imported": imported,
        "packages": packages,
        "conda_packages": conda,
    }


def _parents(store: Store, version: Version) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    current = version.parent
    while current and len(out) < MAX_ANCESTORS:
        try:
            parent = store.get(current)
        except MVError:
            out.append(
                {
                    "id": current,
                    "short_id": current[:12],
                    "label": None,
                    "created": None,
                    "message": "",
                    "author": None,
                    "tags": [],
                    "missing": True,
                }
            )
            break
        out.append(
            {
                "id": parent.id,
                "short_id": parent.short_id,
                "label": parent.label,
                "created": iso_time(parent.created),
                "message": parent.message,
                "author": parent.author,
                "tags": list(parent.tags),
                "missing": False,
            }
        )
        current = parent.parent
    return out


def _mark_subject(report: dict[str, Any], subject: Subject) -> None:
    """Mark the cells that made the subject: those that wrote the file, or (a registry
    model) wrote a file with the model's bytes or saved it by name."""
    cells = report["cells"]
    if subject.file is not None:
        for cell in cells:
            if subject.file.path in cell["writes"]:
                cell["marks"].append("wrote_subject")
    elif subject.model is not None:
        same_bytes = {f["path"] for f in report["outputs"] if f["hash"] == subject.model.hash}
        for cell in cells:
            if same_bytes.intersection(cell["writes"]):
                cell["marks"].append("wrote_subject")
        for position in saving_cells(cells, subject.model.name):
            cell = next(c for c in cells if c["position"] == position)
            cell["marks"].append("saved_subject")


def _warning(code: str, message: str, level: str = "warning", **detail: Any) -> dict[str, Any]:
    return {"code": code, "level": level, "message": message, "detail": detail}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _warnings(report: dict[str, Any], subject: Subject, version: Version | None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if version is None:
        out.append(
            _warning(
                "no_notebook_version",
                "this model was saved without a link to the notebook version "
                "that made it: where it came from is unknown",
            )
        )
        return out
    from ..capture.environment import loaded_differences, loaded_warnings

    for difference, line in zip(loaded_differences(version.extra), loaded_warnings(version.extra)):
        out.append(_warning("loaded_version", line, **difference))
    execution = report["execution"] or {}
    if execution.get("out_of_order"):
        out.append(
            _warning(
                "out_of_order",
                "the cells ran out of order (cells "
                + " → ".join(map(str, execution.get("order") or []))
                + "): running the notebook top to bottom may not give the same model",
                order=execution.get("order") or [],
            )
        )
    if execution.get("edited_after_run"):
        cells = execution["edited_after_run"]
        out.append(
            _warning(
                "edited_after_run",
                f"{_plural(len(cells), 'cell')} ({', '.join(map(str, cells))}) "
                "changed after they last ran: the saved code is not the code that ran",
                cells=cells,
            )
        )
    if execution.get("not_run"):
        cells = execution["not_run"]
        out.append(
            _warning(
                "not_run",
                f"{_plural(len(cells), 'cell')} ({', '.join(map(str, cells))}) did not run "
                "in the kernel that made this version",
                level="info",
                cells=cells,
            )
        )
    if execution.get("unmatched_runs"):
        n = execution["unmatched_runs"]
        out.append(
            _warning(
                "unsaved_code",
                f"{_plural(n, 'run')} of code that is not in the saved notebook (deleted or since edited cells)",
                runs=n,
            )
        )
    for f in report["inputs"]:
        if not f["stored"]:
            out.append(
                _warning(
                    "input_not_stored",
                    f"input {f['path']} was recorded by hash only: it is not in the store and cannot be restored",
                    path=f["path"],
                    hash=f["hash"],
                )
            )
    for key in ("inputs", "outputs", "tracked"):
        for f in report[key]:
            dvc = f["dvc"]
            if dvc and dvc["matches"] is False:
                out.append(
                    _warning(
                        "dvc_changed",
                        f"{f['path']} on disk no longer has the md5 {dvc['source']} "
                        f"recorded ({dvc['md5']}) when {version.label} was made",
                        level="info",
                        path=f["path"],
                        source=dvc["source"],
                        md5=dvc["md5"],
                        current=dvc["current_md5"],
                    )
                )
    env = report["environment"]
    if env is None:
        out.append(_warning("no_environment", "no environment was recorded: the package versions are unknown"))
    else:
        for p in env["packages"]:
            origin = p["origin"]
            kind = origin.get("kind")
            if kind == "editable":
                out.append(
                    _warning(
                        "editable_package",
                        f"{p['name']} {p['version']} is an editable install from "
                        f"{origin.get('url')}: its code may have changed since",
                        package=p["name"],
                    )
                )
            elif kind == "vcs":
                revision, commit = origin.get("revision"), origin.get("commit")
                if not commit or not (isinstance(revision, str) and _COMMIT.fullmatch(revision)):
                    at = f" (at commit {commit})" if commit else ""
                    out.append(
                        _warning(
                            "unpinned_vcs",
                            f"{p['name']} was installed from {origin.get('url')} "
                            + (f"at the moving reference {revision!r}" if revision else "without a pinned revision")
                            + at,
                            package=p["name"],
                            commit=commit,
                        )
                    )
            elif kind == "local":
                out.append(
                    _warning(
                        "local_package",
                        f"{p['name']} {p['version']} was installed from the local path {origin.get('url')}",
                        level="info",
                        package=p["name"],
                    )
                )
    git = version.git
    if isinstance(git, dict) and git.get("dirty"):
        files = git.get("dirty_files") or []
        n = git.get("dirty_count") or len(files)
        shown = ", ".join(files[:8]) + (" …" if len(files) > 8 else "")
        out.append(
            _warning(
                "git_dirty",
                f"the git work tree had uncommitted changes in {_plural(n, 'file')}" + (f": {shown}" if shown else ""),
                files=files[:200],
                commit=git.get("commit"),
            )
        )
    if subject.file is not None:
        if subject.disk_hash is None:
            out.append(_warning("file_missing", f"{subject.file.path} is no longer on disk", level="info"))
        elif subject.disk_hash != subject.file.hash:
            out.append(
                _warning(
                    "file_changed",
                    f"{subject.file.path} on disk differs from what {version.label} "
                    "wrote: no version records its current content",
                    current=subject.disk_hash,
                )
            )
    if subject.model is not None:
        marked = [c for c in report["cells"] if c["marks"]]
        if not marked:
            out.append(
                _warning(
                    "model_cell_unknown",
                    f"no cell of {Path(version.notebook).name} visibly saves {subject.model.name}",
                    level="info",
                )
            )
    return out


def load_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the report format."""
    path = Path(__file__).resolve().parent.parent / "schemas" / "report.schema.json"
    schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return schema


def validate(report: dict[str, Any], *, definition: str | None = None) -> None:
    """Raise ``jsonschema.ValidationError`` unless ``report`` follows the schema (needs
    jsonschema). ``definition="reproduce"`` checks a reproduce result instead."""
    import jsonschema

    schema = load_schema()
    if definition is not None:
        schema = {**schema, "$ref": f"#/$defs/{definition}"}
        for key in ("required", "properties", "type", "additionalProperties"):
            schema.pop(key, None)
    jsonschema.Draft202012Validator(schema).validate(report)
