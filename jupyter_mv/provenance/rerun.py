"""``reproduce(store, ref)``: run a version's notebook again and say what came out the same.

The version's notebook and input files are restored into a temporary folder, which
gets a scratch store of its own (so ``%mv`` cells work and write nowhere else).
The notebook runs top to bottom with nbclient in a fresh kernel (the kernel its
metadata names, else ``python3``; or one of another interpreter, ``python``) with
the kernel side of jupyter-mv loaded. Then, cell by cell, the outputs are compared with
the recorded ones by the rules of :mod:`.normalize` (volatile text ignored, numbers
within a relative tolerance, images by pixels). Each cell gets a verdict:

- ``identical``, ``within_tolerance`` or ``different``;
- ``not_recorded``: the version saved no outputs for it, so there is nothing to compare;
- ``skipped``: jupyter-mv's own cell (``%mv snapshot``), except that a ``%mv metric``
  cell takes the verdict of the metrics it logs, which are compared;
- ``not_run``: the run stopped before it.

The files the version wrote are compared by hash, the models it saved with the scratch
store's, the metrics with the session's (within the tolerance too). Of the environment,
only what a version records as meaningful is compared: the packages and their versions,
Python's version and implementation, the platform's system and machine; not paths or
variables such as ``VIRTUAL_ENV``. The result is ``reproduced`` only when nothing is
``different``.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from ..errors import InvalidInput, MVError
from ..progress import Progress, null_progress
from ..store import registry
from ..store.records import current_hash
from ..store.versions import Version
from .normalize import Rules, close_values, compare_cell
from .subject import resolve_subject

if TYPE_CHECKING:
    from ..store import Store

__all__ = ["reproduce", "FORMAT", "environment_lines", "MEANINGFUL_ENVIRONMENT", "Rules"]

#: The environment facts a reproduce compares: these keys of ``python`` and ``platform``,
#: and the packages (names and versions).
MEANINGFUL_ENVIRONMENT = {"python": ("version", "implementation"), "platform": ("system", "machine")}

FORMAT = "jupyter-mv-reproduce"
_MARKER = "@@jupyter-mv-reproduce@@"
_BOOTSTRAP = """\
import json as _mv_json, sys as _mv_sys
_mv_info = {{"python": _mv_sys.executable, "loaded": False}}
try:
    from jupyter_mv.store import Store as _mv_Store
    _mv_Store.init({root!r}).close()
    get_ipython().extension_manager.load_extension("jupyter_mv")
    from jupyter_mv.kernel.session import current as _mv_current
    _mv_current().set_notebook({notebook!r})
    _mv_info["loaded"] = True
except Exception as _mv_error:
    _mv_info["error"] = f"{{type(_mv_error).__name__}}: {{_mv_error}}"
print({marker!r} + _mv_json.dumps(_mv_info))
del _mv_json, _mv_sys, _mv_info
"""
_PROBE = """\
import json as _mv_json
try:
    from jupyter_mv.capture import capture_environment as _mv_capture
    from jupyter_mv.kernel.session import current as _mv_current
    print({marker!r} + _mv_json.dumps({{"metrics": _mv_current().metrics, "environment": _mv_capture()}},
                                      default=str))
except Exception as _mv_error:
    print({marker!r} + _mv_json.dumps({{"error": str(_mv_error)}}))
del _mv_json
"""


def reproduce(
    store: Store,
    ref: str,
    *,
    notebook: str | None = None,
    kernel_name: str | None = None,
    timeout: float = 600,
    keep: bool = False,
    rules: Rules = Rules(),
    python: str | None = None,
    progress: Progress = null_progress,
) -> dict[str, Any]:
    """Run the notebook version behind ``ref`` (a model, a file it wrote, or a version)
    again in a fresh kernel and compare.

    :param kernel_name: the kernel to use (default: the notebook's, else ``python3``).
    :param timeout: seconds one cell may run.
    :param keep: leave the temporary folder (its path is in the result's ``folder``).
    :param rules: how outputs and metrics compare (tolerance, ignored text, images).
    :param python: run the kernel with this interpreter (an environment rebuilt from the
        version's requirements) instead of the kernelspec's.
    :param progress: called as ``progress("reproduce", cells, "cell")``.
    :returns: a ``jupyter-mv-reproduce`` dict; ``status`` is ``reproduced``,
        ``different`` or ``failed``.
    :raises NotFound, InvalidInput: a bad ref, or one with no notebook version.
    """
    subject = resolve_subject(store, ref, notebook=notebook)
    version = subject.version
    if version is None:
        raise InvalidInput(f"{subject.label} was saved without a notebook version: there is nothing to re-run")
    started = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="jupyter-mv-reproduce-"))
    result: dict[str, Any] = {
        "format": FORMAT,
        "version": 2,
        "rules": {"rtol": rules.rtol, "ignore": list(rules.ignore), "image_threshold": rules.image_threshold},
        "subject": {"kind": subject.kind, "ref": ref, "label": subject.label},
        "notebook_version": {
            "id": version.id,
            "short_id": version.short_id,
            "label": version.label,
            "notebook": version.notebook,
        },
        "status": "failed",
        "summary": "",
        "kernel": None,
        "environment": None,
        "warnings": [],
        "cells": [],
        "files": [],
        "models": [],
        "metrics": [],
        "error": None,
        "duration": 0.0,
        "folder": str(folder) if keep else None,
    }
    try:
        _run(
            store,
            version,
            subject,
            folder,
            result,
            kernel_name=kernel_name,
            python=python,
            timeout=timeout,
            rules=rules,
            progress=progress,
        )
    finally:
        if not keep:
            shutil.rmtree(folder, ignore_errors=True)
        result["duration"] = round(time.monotonic() - started, 2)
    result["status"], result["summary"] = _verdict(result)
    return result


def _warn(result: dict[str, Any], code: str, message: str) -> None:
    result["warnings"].append({"code": code, "message": message})


def _run(
    store: Store,
    version: Version,
    subject: Any,
    folder: Path,
    result: dict[str, Any],
    *,
    kernel_name: str | None,
    python: str | None,
    timeout: float,
    rules: Rules,
    progress: Progress,
) -> None:
    import nbformat

    execution = (version.extra.get("kernel") or {}).get("execution") or {}
    if execution.get("out_of_order"):
        _warn(result, "out_of_order", "the recorded version's cells ran out of order; this run goes top to bottom")
    if execution.get("edited_after_run"):
        _warn(
            result,
            "edited_after_run",
            "cells "
            + ", ".join(map(str, execution["edited_after_run"]))
            + " were edited after they ran: the recorded outputs came from other code",
        )
    wanted = [f.path for f in version.files if f.role != "output" and f.stored]
    for f in version.files:
        if f.role != "output" and not f.stored:
            _warn(result, "input_not_stored", f"{f.path} was recorded by hash only and cannot be restored")
    store.restore(version, wanted, to=folder, progress=progress)
    nb_path = folder / version.notebook
    read: Callable[[str, int], Any] = nbformat.read  # unannotated in nbformat
    nb = read(str(nb_path), 4)  # as_version=4
    recorded = [copy.deepcopy(c.get("outputs", [])) if c.cell_type == "code" else None for c in nb.cells]

    kernel, fallback = _kernel_name(nb, kernel_name) if python is None else ("python3", None)
    if fallback:
        _warn(result, "kernel_fallback", fallback)
    from ..diff.reader import kernelspec

    language = (
        (kernelspec(nb) or {}).get("language") or (nb.metadata.get("language_info") or {}).get("name") or "python"
    )
    result["kernel"] = {"name": kernel, "python": None, "jupyter_mv": False}

    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    client = NotebookClient(
        nb,
        **_kernel_of(python, folder),
        timeout=timeout,
        kernel_name=kernel,
        allow_errors=True,
        record_timing=False,
        resources={"metadata": {"path": str(nb_path.parent)}},
    )
    env = {k: v for k, v in os.environ.items() if k not in ("JUPYTER_MV_STORE", "JPY_SESSION_NAME")}
    env["JUPYTER_MV_AUTOLOAD"] = "1"
    env["JUPYTER_MV_AUTHOR"] = version.author
    code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.strip()]
    executed: set[int] = set()
    probe: dict[str, Any] = {}
    log = open(folder / "kernel.log", "wb")  # the kernel's own chatter, kept out of the user's terminal
    try:
        with client.setup_kernel(env=env, stderr=log, stdout=log):
            if language == "python":
                info = _side_cell(client, _BOOTSTRAP.format(root=str(folder), notebook=str(nb_path), marker=_MARKER))
                result["kernel"]["python"] = info.get("python")
                result["kernel"]["jupyter_mv"] = bool(info.get("loaded"))
                if not info.get("loaded"):
                    _warn(
                        result,
                        "no_kernel_side",
                        "jupyter-mv could not load in the kernel "
                        f"({info.get('error', 'no answer')}): %mv cells fail and metrics are not compared",
                    )
            with progress("reproduce", len(code_cells), "cell") as update:
                for index in code_cells:
                    client.execute_cell(nb.cells[index], index)
                    executed.add(index)
                    update(1)
            if result["kernel"]["jupyter_mv"]:
                probe = _side_cell(client, _PROBE.format(marker=_MARKER))
    except (DeadKernelError, CellTimeoutError) as exc:
        where = next((i for i in code_cells if i not in executed), None)
        cell = f" in cell {where + 1}" if where is not None else ""
        kind = "timed out" if isinstance(exc, CellTimeoutError) else "died"
        result["error"] = f"the kernel {kind}{cell}" + (f" (after {timeout:g} s)" if kind == "timed out" else "")
    except MVError:
        raise
    except Exception as exc:  # a kernel that cannot start: no such kernel, a broken interpreter
        result["error"] = f"could not run the notebook: {type(exc).__name__}: {exc}"
    finally:
        log.close()
    if result["error"]:
        tail = (folder / "kernel.log").read_text(errors="replace").strip().splitlines()[-5:]
        if tail:
            result["error"] += " — the kernel said: " + " / ".join(tail)

    captured = probe.get("environment") if isinstance(probe.get("environment"), dict) else None
    result["environment"] = _environment(store, version, captured, result["kernel"]["python"], env)
    replace = {str(folder): str(store.root)}
    for index in code_cells:
        cell = nb.cells[index]
        entry: dict[str, Any] = {
            "position": index + 1,
            "id": cell.get("id"),
            "execution_count": cell.get("execution_count"),
            "status": "",
            "diff": [],
            "first": None,
            "reason": "",
        }
        if _is_mv_only(cell.source):
            entry.update(status="skipped", reason="jupyter-mv's own cell")
        elif index not in executed:
            entry.update(status="not_run", reason=result["error"] or "not run")
        elif not recorded[index] and cell.get("outputs"):
            entry.update(status="not_recorded", reason="the version saved no outputs for it")
        else:
            compared = compare_cell(recorded[index] or [], cell.get("outputs", []), replace, rules=rules)
            entry["status"] = compared["status"]
            entry["diff"] = compared["diff"]
            entry["first"] = compared["first"]
            errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
            if errors and compared["status"] == "different":
                entry["reason"] = f"raised {errors[0].get('ename')}: {errors[0].get('evalue')}"
        result["cells"].append(entry)

    for f in version.files:
        if f.role == "output":
            result["files"].append(_file_check(folder / f.path, f.path, f.hash))
    result["models"] = _model_checks(store, version, folder)
    result["metrics"] = _metric_checks(store, version, subject, folder, probe, rules)
    _metric_cells(result, nb)


def _kernel_of(python: str | None, folder: Path) -> dict[str, Any]:
    """nbclient's arguments for a kernel of ``python`` (none: the kernelspec's)."""
    if python is None:
        return {}
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    spec = folder / ".kernels" / "python3"
    spec.mkdir(parents=True)
    argv = [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "Python 3", "language": "python"}))
    specs = KernelSpecManager(kernel_dirs=[str(spec.parent)], ensure_native_kernel=False)
    return {"km": KernelManager(kernel_name="python3", kernel_spec_manager=specs)}


_METRIC_LINE = re.compile(r"^\s*%mv\s+metric\s+(.+)$", re.M)


def _metric_cells(result: dict[str, Any], nb: Any) -> None:
    """A ``%mv metric`` cell takes the verdict of the metrics it logs (they are compared)."""
    by_name = {m["name"]: m for m in result["metrics"]}
    rank = {"identical": 0, "within_tolerance": 1, "not_compared": 2, "missing": 3, "different": 3}
    for entry in result["cells"]:
        if entry["status"] != "skipped":
            continue
        names = [
            word.split("=", 1)[0]
            for line in _METRIC_LINE.findall(nb.cells[entry["position"] - 1].source)
            for word in line.split()
            if "=" in word
        ]
        checks = [by_name[n] for n in names if n in by_name]
        if not checks:
            continue
        worst = max(checks, key=lambda m: rank.get(m["status"], 3))
        status = {"missing": "different", "not_compared": "skipped"}.get(worst["status"], worst["status"])
        entry["status"] = status
        entry["reason"] = "logs " + ", ".join(
            f"{m['name']} (recorded {m['recorded']}, reproduced {m['reproduced']})" for m in checks
        )
        if status == "different":
            entry["first"] = {
                "line": None,
                "recorded": f"{worst['name']}={worst['recorded']}",
                "reproduced": f"{worst['name']}={worst['reproduced']}",
                "value": [worst["recorded"], worst["reproduced"]],
            }


def _side_cell(client: Any, code: str) -> dict[str, Any]:
    """Run jupyter-mv's own code in the kernel (not stored in its history); its answer."""
    from nbformat.v4 import new_code_cell

    new_cell: Callable[[str], Any] = new_code_cell  # unannotated in nbformat
    cell = new_cell(code)
    client.nb.cells.append(cell)  # nbclient writes an executed cell back at its index
    try:
        client.execute_cell(cell, len(client.nb.cells) - 1, store_history=False)
    finally:
        client.nb.cells.pop()
    for output in cell.get("outputs", []):
        text = output.get("text", "") if output.get("output_type") == "stream" else ""
        for line in str(text).splitlines():
            if line.startswith(_MARKER):
                try:
                    answer: dict[str, Any] = json.loads(line[len(_MARKER) :])
                    return answer
                except ValueError:
                    break
    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    return {"error": f"{errors[0].get('ename')}: {errors[0].get('evalue')}" if errors else "no answer"}


def _kernel_name(nb: Any, requested: str | None) -> tuple[str, str | None]:
    from jupyter_client.kernelspec import KernelSpecManager

    available = set(KernelSpecManager().find_kernel_specs())
    if requested:
        if requested not in available:
            raise InvalidInput(f"no kernel named {requested!r}; installed: {', '.join(sorted(available))}")
        return requested, None
    from ..diff.reader import kernel_name

    name = kernel_name(nb)
    if name and name in available:
        return name, None
    if name:
        return "python3", f"the notebook's kernel {name!r} is not installed here; ran it with python3"
    return "python3", None


def _environment(
    store: Store, version: Version, captured: dict[str, Any] | None, python: str | None, env: dict[str, str]
) -> dict[str, Any]:
    """The kernel's environment (as the kernel side captured it after the run, like a
    snapshot does; else captured from outside) against the recorded one."""
    from ..capture.environment import capture_environment
    from ..diff.environment import diff_environment

    recorded = store.environment(version)
    current = captured
    note = ""
    if current is not None:
        pass
    elif python:
        try:
            current = capture_environment(python, env=env)
        except MVError as exc:
            note = f"the kernel's environment could not be captured: {exc.message}"
    else:
        note = "the kernel's interpreter is unknown"
    if recorded is None:
        note = note or "the version recorded no environment"
    diff = diff_environment(_meaningful(recorded), _meaningful(current), None, None)
    lines = [line for line in environment_lines(diff) if " installed from " not in line]
    status = "not_compared" if diff["status"] == "not_compared" else "changed" if lines else "unchanged"
    return {"status": status, "differences": lines, "note": note, "diff": diff}


def _meaningful(env: dict[str, Any] | None) -> dict[str, Any] | None:
    """The facts of an environment that a reproduce compares (:data:`MEANINGFUL_ENVIRONMENT`)."""
    if not isinstance(env, dict):
        return None
    out: dict[str, Any] = {
        part: {k: (env.get(part) or {}).get(k) for k in keys} for part, keys in MEANINGFUL_ENVIRONMENT.items()
    }
    for key in ("packages", "conda_packages"):
        if env.get(key):
            out[key] = env[key]
    return out


def environment_lines(diff: dict[str, Any]) -> list[str]:
    """The differences of an environment diff, one line each, most telling first."""
    lines: list[str] = []
    for f in diff.get("fields") or []:
        if f["field"] in ("git.dirty_files",):
            continue
        lines.append(f"{f['field']}: {f['a']} → {f['b']}")
    packages = diff.get("packages") or {}
    for kind in ("upgraded", "downgraded", "changed"):
        for p in packages.get(kind) or []:
            lines.append(f"{p['name']} {kind}: {p['a']} → {p['b']}")
    for p in packages.get("added") or []:
        lines.append(f"{p['name']} {p['version']} installed now, not recorded")
    for p in packages.get("removed") or []:
        lines.append(f"{p['name']} {p['version']} recorded, not installed now")
    for p in packages.get("origin_changed") or []:
        a, b = p["a"] or {}, p["b"] or {}
        lines.append(f"{p['name']} installed from {a.get('kind')} → {b.get('kind')}")
    gpu = diff.get("gpu") or {}
    for g in gpu.get("added") or []:
        lines.append(f"GPU {g.get('name')} present now, not recorded")
    for g in gpu.get("removed") or []:
        lines.append(f"GPU {g.get('name')} recorded, not present now")
    return lines


def _file_check(path: Path, rel: str, recorded: str) -> dict[str, Any]:
    produced = current_hash(path)
    status = "missing" if produced is None else "identical" if produced == recorded else "different"
    return {"path": rel, "status": status, "recorded": recorded, "reproduced": produced}


def _scratch(folder: Path) -> Any:
    from ..locate import STORE_DIRNAME, is_store
    from ..store import Store

    if not is_store(folder / STORE_DIRNAME):
        return None
    try:
        return Store(folder / STORE_DIRNAME)
    except MVError:
        return None


def _model_checks(store: Store, version: Version, folder: Path) -> list[dict[str, Any]]:
    models = registry.list_models(store, version=version.id)
    if not models:
        return []
    scratch = _scratch(folder)
    out = []
    try:
        for m in models:
            again = None
            if scratch is not None:
                try:
                    again = registry.get_model(scratch, m.name)
                except MVError:
                    again = None
            status = "not_saved" if again is None else "identical" if again.hash == m.hash else "different"
            out.append(
                {"label": m.label, "status": status, "recorded": m.hash, "reproduced": again.hash if again else None}
            )
    finally:
        if scratch is not None:
            scratch.close()
    return out


def _metric_status(a: Any, b: Any, rtol: float) -> str:
    if a == b and type(a) is type(b):
        return "identical"
    return "within_tolerance" if close_values(a, b, rtol) else "different"


def _metric_checks(
    store: Store, version: Version, subject: Any, folder: Path, probe: dict[str, Any], rules: Rules
) -> list[dict[str, Any]]:
    recorded = dict(version.metrics)
    if subject.model is not None:
        recorded.update(subject.model.metrics)
    if not recorded:
        return []
    reproduced = probe.get("metrics") if isinstance(probe.get("metrics"), dict) else None
    scratch = _scratch(folder) if reproduced is not None else None
    if scratch is not None and reproduced is not None:
        try:
            # the notebook's own `%mv snapshot` cells stored what its `%mv metric` cells logged
            # before them (the kernel then forgets them): those versions' metrics count too
            for stored in scratch.log(kinds=["full"]):  # newest first: a newer value wins
                reproduced = {**stored.metrics, **reproduced}
            if subject.model is not None:
                reproduced = {**reproduced, **registry.get_model(scratch, subject.model.name).metrics}
        except MVError:
            pass
        finally:
            scratch.close()
    out = []
    for name, value in recorded.items():
        if reproduced is None:
            out.append({"name": name, "status": "not_compared", "recorded": value, "reproduced": None})
        elif name not in reproduced:
            out.append({"name": name, "status": "missing", "recorded": value, "reproduced": None})
        else:
            again = reproduced[name]
            out.append(
                {
                    "name": name,
                    "status": _metric_status(value, again, rules.rtol),
                    "recorded": value,
                    "reproduced": again,
                }
            )
    return out


def _is_mv_only(code: str) -> bool:
    from .cells import _is_mv_only as check

    return check(code)


def _verdict(result: dict[str, Any]) -> tuple[str, str]:
    cells = [c for c in result["cells"] if c["status"] in ("different", "not_run")]
    files = [f for f in result["files"] if f["status"] != "identical"]
    models = [m for m in result["models"] if m["status"] != "identical"]
    metrics = [m for m in result["metrics"] if m["status"] in ("different", "missing")]
    if result["error"]:
        return "failed", f"failed: {result['error']}"
    parts = []
    if cells:
        parts.append(
            "cell"
            + ("s " if len(cells) > 1 else " ")
            + ", ".join(str(c["position"]) for c in cells)
            + " differ"
            + ("" if len(cells) > 1 else "s")
        )
    parts += [f"{f['path']} {f['status']}" for f in files]
    parts += [f"model {m['label']} {m['status'].replace('_', ' ')}" for m in models]
    parts += [f"metric {m['name']} {m['status']}" for m in metrics]
    if parts:
        return "different", "different: " + "; ".join(parts)

    def count(items: list[Any], what: str) -> str:
        return f"{len(items)} {what}{'s' if len(items) != 1 else ''}"

    by = {
        s: [c for c in result["cells"] if c["status"] == s] for s in ("identical", "within_tolerance", "not_recorded")
    }
    counts = [count(by["identical"], "cell") + " identical"]
    if by["within_tolerance"]:
        counts.append(f"{len(by['within_tolerance'])} within tolerance")
    if by["not_recorded"]:
        counts.append(f"{len(by['not_recorded'])} not recorded")
    if result["files"]:
        counts.append(count(result["files"], "file"))
    if result["models"]:
        counts.append(count(result["models"], "model"))
    same_metrics = [m for m in result["metrics"] if m["status"] in ("identical", "within_tolerance")]
    if same_metrics:
        counts.append(count(same_metrics, "metric"))
    return "reproduced", "reproduced: " + ", ".join(counts)
