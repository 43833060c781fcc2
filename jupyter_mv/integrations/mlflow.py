"""Log a version as an MLflow run, and register its models in MLflow's model registry.

``export_mlflow(store, "v3", "sqlite:///mlflow.db")`` makes one run holding:

- params and metrics (the version's; the store keeps one value per metric, logged at
  step 0 at the version's time; text metrics become ``jupyter_mv.metric.NAME`` tags);
- tags: MLflow's own (``mlflow.source.name`` the notebook, ``mlflow.source.type``
  ``NOTEBOOK``, ``mlflow.user``, ``mlflow.note.content`` the message,
  ``mlflow.source.git.commit``/``branch``) and ours (``jupyter_mv.version_id``, ...);
- artifacts: ``notebook/`` the notebook as the version holds it, ``outputs/`` the files
  it wrote, ``models/NAME/vN/`` each registered model file, ``environment/``
  (``requirements.txt`` with exact pins, ``python_env.yaml`` as MLflow models write it,
  and ``environment.json``, the whole captured environment);
- its inputs as MLflow datasets: name the path, digest the first 36 hex digits of our
  BLAKE3 hash (MLflow's limit), source the file, and the whole hash (and DVC's md5 when
  DVC tracks the file) in the dataset's profile and input tags.

Every model version the notebook version made is registered under its own name, with the
same aliases (``churn@production``), its source the run's ``models/NAME/vN`` folder.

The run is found again by its ``jupyter_mv.version_id`` tag: exporting a version twice
makes no second run (a run left unfinished by an interrupted export is replaced), and only
registers what is missing. The experiment is ``$MLFLOW_EXPERIMENT_NAME`` or the notebook's
path. MLflow is an optional extra (``pip install 'jupyter-mv[mlflow]'``).
"""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InvalidInput
from ..progress import Progress, null_progress
from ..store.registry import FLAVORS

if TYPE_CHECKING:
    from ..store import Store
    from ..store.registry import ModelVersion
    from ..store.versions import Version

__all__ = ["export_mlflow", "VERSION_TAG", "EXTRA"]

#: The run tag that holds the id of the version a run was made from.
VERSION_TAG = "jupyter_mv.version_id"
#: The model version tag that holds the jupyter-mv model version (``churn:3``).
MODEL_TAG = "jupyter_mv.model"
EXTRA = "mlflow"
#: MLflow's limits (mlflow.utils.validation): dataset digests, param values, tag values.
MAX_DIGEST, MAX_PARAM, MAX_TAG = 36, 6000, 8000
_KEY = re.compile(r"[^\w\-. /]")


def export_mlflow(
    store: Store, ref: str, uri: str, *, notebook: str | None = None, progress: Progress = null_progress
) -> dict[str, Any]:
    """Log the version ``ref`` names as an MLflow run at tracking URI ``uri`` (also the
    registry URI) and register its model versions.

    :returns: ``run_id``, ``experiment_id``, ``experiment``, ``created`` (False when the
        version had been exported before and that run was kept), ``label``, ``version_id``,
        ``models`` (name, MLflow version, aliases, the jupyter-mv model version, whether it
        was ``registered`` now), ``datasets`` and ``artifacts``.
    :raises InvalidInput: no MLflow installed, an empty URI, or MLflow refused something.
    """
    try:
        from mlflow import MlflowClient
        from mlflow.exceptions import MlflowException
    except ImportError:
        raise InvalidInput(f"MLflow is not installed: pip install 'jupyter-mv[{EXTRA}]'") from None
    if not isinstance(uri, str) or not uri.strip():
        raise InvalidInput("an MLflow tracking URI is required, such as sqlite:///mlflow.db or http://host:5000")
    version = store.resolve(ref, notebook)
    models = store.models.list(version=version.id)
    with _quiet_logs():
        try:
            client = MlflowClient(tracking_uri=uri, registry_uri=uri)
            return _Export(store, version, models, client, uri, progress).run()
        except MlflowException as exc:
            raise InvalidInput(f"MLflow at {uri}: {_first_line(exc.message)}") from None


class _Export:
    def __init__(
        self, store: Store, version: Version, models: list[ModelVersion], client: Any, uri: str, progress: Progress
    ) -> None:
        self.store, self.version, self.models, self.client, self.uri = store, version, models, client, uri
        self.progress = progress

    def run(self) -> dict[str, Any]:
        v = self.version
        name = os.environ.get("MLFLOW_EXPERIMENT_NAME") or v.notebook
        experiment_id = self._experiment(name)
        run = self._existing_run()
        created = run is None
        artifacts: list[str] = []
        datasets: list[str] = []
        if run is None:
            run = self.client.create_run(experiment_id, start_time=_ms(v.created), tags=self._tags(), run_name=v.label)
            run_id = run.info.run_id
            self._log_values(run_id)
            datasets = self._log_inputs(run_id)
            artifacts = self._log_artifacts(run_id)
            self.client.set_terminated(run_id, "FINISHED", end_time=max(_ms(v.created), run.info.start_time))
        else:
            run_id = run.info.run_id
            experiment_id = run.info.experiment_id
            name = self.client.get_experiment(experiment_id).name
            artifacts = [f.path for f in self.client.list_artifacts(run_id)]
            datasets = [d.dataset.name for d in self.client.get_run(run_id).inputs.dataset_inputs]
        registered = [self._register(run_id, m) for m in self.models]
        return {
            "run_id": run_id,
            "experiment_id": experiment_id,
            "experiment": name,
            "created": created,
            "tracking_uri": self.uri,
            "label": v.label,
            "version_id": v.id,
            "models": registered,
            "datasets": datasets,
            "artifacts": artifacts,
        }

    # -- the run ---------------------------------------------------------------------------------

    def _experiment(self, name: str) -> str:
        found = self.client.get_experiment_by_name(name)
        if found is None:
            return self.client.create_experiment(name, tags={"jupyter_mv.notebook": self.version.notebook})
        if found.lifecycle_stage == "deleted":
            self.client.restore_experiment(found.experiment_id)
        return found.experiment_id

    def _existing_run(self) -> Any:
        """The finished run made from this version, if any; an unfinished one (an export
        interrupted half-way) is deleted so that a whole run replaces it."""
        from mlflow.entities import ViewType

        ids = [e.experiment_id for e in _all(self.client.search_experiments, view_type=ViewType.ACTIVE_ONLY)]
        found = None
        for start in range(0, len(ids), 100):
            runs = self.client.search_runs(
                ids[start : start + 100],
                f"tags.`{VERSION_TAG}` = '{self.version.id}'",
                run_view_type=ViewType.ACTIVE_ONLY,
                max_results=100,
            )
            for run in runs:
                if run.info.status == "FINISHED" and found is None:
                    found = run
                elif run.info.status != "FINISHED":
                    self.client.delete_run(run.info.run_id)
        return found

    def _tags(self) -> dict[str, str]:
        v = self.version
        env = self.store.environment(v) or {}
        python = (env.get("python") or {}).get("version")
        tags = {
            VERSION_TAG: v.id,
            "jupyter_mv.version": v.label,
            "jupyter_mv.notebook": v.notebook,
            "jupyter_mv.author": v.author,
            "jupyter_mv.kind": v.kind,
            "mlflow.source.name": v.notebook,
            "mlflow.source.type": "NOTEBOOK",
            "mlflow.user": v.author,
        }
        if v.message:
            tags["jupyter_mv.message"] = v.message
            tags["mlflow.note.content"] = v.message
        if v.tags:
            tags["jupyter_mv.tags"] = ", ".join(v.tags)
        if python:
            tags["jupyter_mv.python"] = str(python)
        git = v.git or {}
        if git.get("commit"):
            tags["jupyter_mv.git_commit"] = tags["mlflow.source.git.commit"] = str(git["commit"])
            tags["jupyter_mv.git_dirty"] = str(bool(git.get("dirty"))).lower()
        if git.get("branch"):
            tags["mlflow.source.git.branch"] = str(git["branch"])
        for key, value in v.metrics.items():
            if _number(value) is None:
                tags[f"jupyter_mv.metric.{_key(key)}"] = str(value)
        return {k: _clip(val, MAX_TAG) for k, val in tags.items()}

    def _log_values(self, run_id: str) -> None:
        from mlflow.entities import Metric, Param

        v = self.version
        when = _ms(v.created)
        metrics = [
            Metric(_key(k), number, when, 0) for k, value in v.metrics.items() if (number := _number(value)) is not None
        ]
        params = [
            Param(_key(k), _clip("" if value is None else str(value), MAX_PARAM)) for k, value in v.params.items()
        ]
        for start in range(0, max(len(metrics), len(params)), 100):  # MLflow takes 100 params a batch
            self.client.log_batch(run_id, metrics=metrics[start : start + 100], params=params[start : start + 100])

    def _log_inputs(self, run_id: str) -> list[str]:
        from mlflow.entities import Dataset, DatasetInput, InputTag

        inputs = []
        for f in self.version.files:
            if f.role != "input":
                continue
            profile = {"path": f.path, "size": f.size, "blake3": f.hash, "stored": f.stored}
            tags = [InputTag("mlflow.data.context", "input"), InputTag("jupyter_mv.blake3", f.hash)]
            if f.dvc:
                profile["dvc"] = f.dvc
                if f.dvc.get("md5"):
                    tags.append(InputTag("jupyter_mv.dvc_md5", str(f.dvc["md5"])))
            dataset = Dataset(
                name=f.path,
                digest=f.hash[:MAX_DIGEST],
                source_type="local",
                source=json.dumps({"uri": str(self.store.path_of(f.path))}),
                profile=json.dumps(profile),
            )
            inputs.append(DatasetInput(dataset, tags))
        for start in range(0, len(inputs), 1000):
            self.client.log_inputs(run_id, datasets=inputs[start : start + 1000])
        return [i.dataset.name for i in inputs]

    def _log_artifacts(self, run_id: str) -> list[str]:
        v = self.version
        model_hashes = {m.hash for m in self.models}
        outputs = [f.path for f in v.files if f.role == "output" and f.stored and f.hash not in model_hashes]
        with tempfile.TemporaryDirectory(prefix="jupyter-mv-mlflow-") as scratch:
            base = Path(scratch)
            self.store.restore(v, [v.notebook, *outputs], to=base / "files", progress=self.progress)
            self.client.log_artifact(run_id, str(base / "files" / v.notebook), "notebook")
            logged = [f"notebook/{Path(v.notebook).name}"]
            for rel in outputs:
                folder = "/".join(["outputs", *Path(rel).parts[:-1]])
                self.client.log_artifact(run_id, str(base / "files" / rel), folder)
                logged.append(f"{folder}/{Path(rel).name}")
            for m in self.models:
                path = base / "models" / m.name / f"v{m.number}"
                path.mkdir(parents=True)
                target = path / f"model{FLAVORS[m.flavor].suffix if m.flavor in FLAVORS else ''}"
                self.store.models.export(m, target)
                self.client.log_artifact(run_id, str(target), _model_path(m))
                logged.append(f"{_model_path(m)}/{target.name}")
            env = self.store.environment(v)
            if env is not None:
                env_folder = base / "environment"
                env_folder.mkdir()
                self._environment_files(env, env_folder)
                self.client.log_artifacts(run_id, str(env_folder), "environment")
                logged += [f"environment/{p.name}" for p in sorted(env_folder.iterdir())]
        return logged

    def _environment_files(self, env: dict[str, Any], folder: Path) -> None:
        from .envfiles import environment_file

        python = str((env.get("python") or {}).get("version") or "")
        (folder / "requirements.txt").write_text(environment_file(env, "requirements", version=self.version))
        (folder / "python_env.yaml").write_text(
            (f"python: {python}\n" if python else "") + "build_dependencies:\n- pip\n"
            "dependencies:\n- -r requirements.txt\n"
        )
        (folder / "environment.json").write_text(json.dumps(env, indent=1, sort_keys=True, default=str))

    # -- the registry ----------------------------------------------------------------------------

    def _register(self, run_id: str, m: ModelVersion) -> dict[str, Any]:
        from mlflow.exceptions import MlflowException

        try:
            self.client.get_registered_model(m.name)
        except MlflowException as exc:
            if exc.error_code != "RESOURCE_DOES_NOT_EXIST":
                raise
            self.client.create_registered_model(m.name, tags={"jupyter_mv.model_name": m.name})
        existing = [
            mv
            for mv in _all(self.client.search_model_versions, f"name = '{m.name}' and run_id = '{run_id}'")
            if mv.tags.get(MODEL_TAG) == m.label
        ]
        if existing:
            registered, new = existing[0], False
        else:
            tags = {
                MODEL_TAG: m.label,
                "jupyter_mv.flavor": m.flavor,
                "jupyter_mv.blake3": m.hash,
                VERSION_TAG: self.version.id,
            }
            tags.update({f"jupyter_mv.metric.{_key(k)}": _clip(str(val), MAX_TAG) for k, val in m.metrics.items()})
            tags.update({f"jupyter_mv.param.{_key(k)}": _clip(str(val), MAX_TAG) for k, val in m.params.items()})
            registered = self.client.create_model_version(
                m.name,
                f"runs:/{run_id}/{_model_path(m)}",
                run_id=run_id,
                tags=tags,
                description=f"{m.label} ({m.flavor}) made by {self.version.label}",
            )
            new = True
        for alias in m.aliases:
            self.client.set_registered_model_alias(m.name, alias, registered.version)
        return {
            "name": m.name,
            "version": str(registered.version),
            "aliases": list(m.aliases),
            "jupyter_mv": m.label,
            "registered": new,
        }


def _model_path(m: ModelVersion) -> str:
    return f"models/{m.name}/v{m.number}"


def _all(search: Any, *args: Any, **kwargs: Any) -> Iterator[Any]:
    """Every page of an MLflow search."""
    token = None
    while True:
        page = search(*args, page_token=token, **kwargs) if token else search(*args, **kwargs)
        yield from page
        token = getattr(page, "token", None)
        if not token:
            return


def _number(value: Any) -> float | None:
    """A metric value MLflow can hold: numbers, booleans, and the text our store keeps
    for non-finite floats (``nan``, ``inf``)."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and value.strip().lower() in ("nan", "inf", "-inf", "+inf"):
        return float(value)
    return None


def _key(name: str) -> str:
    """A metric or param name as MLflow accepts it (letters, digits, ``_ - . /`` and spaces)."""
    return _KEY.sub("_", name)[:250]


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _ms(epoch: float) -> int:
    return int(epoch * 1000)


def _first_line(text: Any) -> str:
    lines = str(text).strip().splitlines()
    return lines[0] if lines else "unknown error"


@contextmanager
def _quiet_logs() -> Iterator[None]:
    """MLflow and alembic log INFO lines (creating tables, ...) to stderr: keep them quiet."""
    loggers = [logging.getLogger(name) for name in ("mlflow", "alembic")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for lg, level in zip(loggers, levels):
            lg.setLevel(level)
