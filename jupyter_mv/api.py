"""The Python API: the ``%mv`` verbs as functions.

::

    import jupyter_mv as mv

    mv.log_metric("auc", auc)
    mv.save_model(model, "churn", alias="staging")
    v = mv.snapshot("more trees")
    model = mv.load_model("churn@production")

In a kernel with the extension loaded (``%load_ext jupyter_mv``, or auto-loaded by
JupyterLab) these act on that kernel's session: its notebook, the files its cells
read and wrote, its metrics. In a plain Python process they act on a session of
that process (no per-cell record; name the notebook with :func:`set_notebook`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .kernel.session import KernelSession, current

if TYPE_CHECKING:  # the store is imported on first use (see jupyter_mv.kernel.session.core)
    from .store import RestoreResult, Store, Version
    from .store.registry import ModelVersion

__all__ = [
    "session",
    "store",
    "set_notebook",
    "snapshot",
    "log",
    "show",
    "tag",
    "alias",
    "diff",
    "restore",
    "log_metric",
    "log_metrics",
    "log_param",
    "log_params",
    "track",
    "untrack",
    "save_model",
    "load_model",
    "models",
    "model",
    "set_model_alias",
    "report",
    "panel",
    "env",
    "export",
]


def session() -> KernelSession:
    """This process's :class:`~jupyter_mv.kernel.session.KernelSession`."""
    return current()


def store() -> Store:
    """The project's version store."""
    return current().store


def set_notebook(path: str | os.PathLike[str]) -> None:
    """Tell jupyter-mv which notebook this kernel runs (when it cannot know)."""
    current().set_notebook(path)


def snapshot(
    message: str = "",
    files: Iterable[str | os.PathLike[str]] = (),
    *,
    metrics: dict[str, Any] | None = None,
    params: dict[str, Any] | None = None,
) -> Version:
    """Store a version of the notebook (as saved) with its data, environment and metrics.

    :param files: further files or folders to hold.
    """
    return current().snapshot(message, files, metrics=metrics, params=params)


def log(limit: int | None = None, *, all: bool = False, git: bool = False) -> list[Any]:
    """The notebook's versions, newest first (``all``: with safety versions).

    :param git: instead, one timeline of the versions and the git commits between them
        (dicts, see :func:`jupyter_mv.integrations.gitlog.git_timeline`)
    """
    s = current()
    versions = s.store.log(s.notebook_path(), limit=limit, kinds=None if all else ["full"])
    if not git:
        return versions
    from .integrations.gitlog import git_timeline

    return git_timeline(s.store, versions)


def show(ref: str = "latest") -> Version:
    """One version of the notebook (``v3``, ``latest~1``, a tag, an alias, an id prefix)."""
    s = current()
    return s.store.resolve(ref, s.scope())


def tag(ref: str, name: str) -> Version:
    """Give a version an immutable name."""
    s = current()
    return s.store.tag(ref, name, notebook=s.scope())


def alias(name: str, ref: str | None = None) -> Any:
    """Point a movable name (such as ``production``) at a version (``v3``) or a model
    version (``churn:2``); the version or model version it now names. Without ``ref``,
    where it pointed over time, newest first."""
    s = current()
    if ref is None:
        return s.registry.alias_history_all(s.store, name)
    return s.registry.point_alias(s.store, name, ref, notebook=s.scope())


def diff(a: str, b: str | None = None, *, only: Any = None) -> dict[str, Any]:
    """Compare two versions, or ``a`` with the files on disk, in the one diff format;
    two model versions (``churn:1``, ``churn:2``): their facts side by side, then the
    diff of the notebook versions that made them (``jupyter-mv-model-diff``)."""
    s = current()
    with s.access.paused():
        if b is not None and s.registry.find_model(s.store, a) and s.registry.find_model(s.store, b):
            return s.registry.compare_models(s.store, a, b)
        return s.store.diff(a, b, notebook=s.scope(), only=only)


def restore(ref: str, paths: list[str] | None = None, *, to: str | os.PathLike[str] | None = None) -> RestoreResult:
    """Write a version's files back byte for byte (in place after a safety version, or under ``to``)."""
    s = current()
    with s.access.paused():
        return s.store.restore(ref, paths, to=to, notebook=s.scope())


def log_metric(name: str, value: Any, *, step: int | None = None) -> None:
    """Log a metric (a number) for the next version; with ``step``, a point of its curve."""
    current().log_metrics({name: value}, step=step)


def log_metrics(values: dict[str, Any], *, step: int | None = None) -> None:
    """Log several metrics (numbers) for the next version, at ``step`` when given."""
    current().log_metrics(values, step=step)


def log_param(name: str, value: Any) -> None:
    """Log a param for the next snapshot and the models saved from now on."""
    current().log_params({name: value})


def log_params(values: dict[str, Any]) -> None:
    current().log_params(values)


def track(*paths: str | os.PathLike[str]) -> list[str]:
    """Always hold these files or folders in snapshots."""
    return current().track(paths)


def untrack(*paths: str | os.PathLike[str]) -> list[str]:
    """Never hold these files, even when the code read or wrote them."""
    return current().untrack(paths)


def save_model(
    obj: Any,
    name: str,
    *,
    alias: str | None = None,
    flavor: str | None = None,
    metrics: dict[str, Any] | None = None,
    params: dict[str, Any] | None = None,
    snapshot: bool = False,
    link: bool = True,
) -> ModelVersion:
    """Save ``obj`` as the next version of model ``name`` (pickle; joblib for scikit-learn;
    torch.save for torch modules; the framework's own format for XGBoost, LightGBM, Keras),
    linked to the notebook version that made it: the next one stored, or with
    ``snapshot=True`` one stored now (``link=False``: none)."""
    return current().save_model(
        obj, name, alias=alias, flavor=flavor, metrics=metrics, params=params, snapshot=snapshot, link=link
    )


def load_model(ref: str) -> Any:
    """The object a model version holds: ``churn``, ``churn:3`` or ``churn@production``."""
    return current().load_model(ref)[0]


def models(name: str | None = None) -> list[dict[str, Any]]:
    """Every model (or ``name``) with its versions, aliases and metrics, as ``jupyter mv
    models --json`` prints them."""
    from .verbs import models_listing

    return models_listing(current().store, name)


def model(ref: str) -> ModelVersion:
    """The model version ``ref`` names, without loading it."""
    s = current()
    return s.registry.get_model(s.store, ref)


def set_model_alias(ref: str, alias: str) -> ModelVersion:
    """Point ``alias`` (e.g. ``production``) at the model version ``ref`` (as ``alias(alias, ref)``)."""
    s = current()
    return s.registry.set_model_alias(s.store, ref, alias)


def report(ref: str | None = None, format: str | None = None) -> Any:
    """The provenance report of a model (``churn@production``), a file the notebook
    wrote, or a version (default: the latest): a dict, or text in ``format`` (``html``,
    ``markdown``, ``json``, ``prov-json``)."""
    data = current().report(ref)
    if format is None:
        return data
    from .provenance import render

    return render(data, format)


def env(ref: str | None = None, *, format: str | None = None, check: bool = False) -> Any:
    """The environment a version recorded (default: this kernel's, as a dict).

    :param format: instead, the text of a file that rebuilds it: ``requirements``,
        ``environment-yml`` or ``pylock`` (see :mod:`jupyter_mv.integrations.envfiles`)
    :param check: instead, what differs between the version's environment and this
        kernel's (a dict whose ``same`` is false when anything does; see
        :func:`jupyter_mv.integrations.envfiles.check_against`)
    """
    from .capture.environment import capture_environment
    from .errors import InvalidInput
    from .integrations.envfiles import check_against, environment_file, version_environment

    s = current()
    version, recorded = version_environment(s.store, ref, notebook=s.scope()) if ref else (None, None)
    if check:
        if version is None or recorded is None:  # no ref (a version's recorded environment is never None)
            raise InvalidInput("check needs the version to compare with")
        return check_against(recorded)
    if recorded is None:
        recorded = capture_environment()
    if format:
        return environment_file(recorded, format, version=version)
    return recorded


def export(
    ref: str = "latest", *, dockerfile: str | os.PathLike[str] | None = None, mlflow: str | None = None
) -> dict[str, Any]:
    """Export a version: a Docker build context into the folder ``dockerfile``, or an
    MLflow run at the tracking URI ``mlflow`` (one of them)."""
    from .integrations import export_version

    s = current()
    with s.access.paused():
        return export_version(s.store, ref, dockerfile=dockerfile, mlflow=mlflow, notebook=s.scope())


def panel() -> Any:
    """The ipywidgets panel (display it, or leave it as a cell's last expression)."""
    from .kernel.panel import Panel

    return Panel(current()).widget
