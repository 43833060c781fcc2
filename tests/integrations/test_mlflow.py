"""`jupyter mv export REF --mlflow URI` against a real MLflow tracking store and model
registry (SQLite in tmp_path, artifacts in tmp_path), read back with MLflow's own client."""

from __future__ import annotations

import json
import os
import pickle
import sys
from pathlib import Path

import pytest
from mlflow import MlflowClient  # the test extra installs mlflow-skinny

from jupyter_mv.store import Store

from ..helpers import package_env, run_cli, tree_bytes, write_notebook


@pytest.fixture
def tracking(tmp_path: Path) -> tuple[str, Path]:
    """A SQLite tracking and registry URI, and the folder MLflow keeps artifacts in
    (MLflow puts them in ./mlruns of the working folder: the CLI runs in tmp_path/work)."""
    work = tmp_path / "work"
    work.mkdir()
    return f"sqlite:///{tmp_path / 'mlflow.db'}", work


@pytest.fixture
def exported_project(store: Store, project: Path) -> Store:
    """A version with params, metrics, an input, an output file, a registered model with
    an alias, an environment and git state; and a later version, to export the first."""
    (project / "data.csv").write_text("x,y\n1,2\n3,4\n")
    (project / "report.txt").write_text("accuracy 0.93\n")
    write_notebook(project / "train.ipynb", ["import pandas as pd", "df = pd.read_csv('data.csv')"])
    git = {"commit": "a" * 40, "branch": "main", "dirty": True, "dirty_files": ["train.ipynb"]}
    v1 = store.snapshot(
        "train.ipynb",
        message="first model",
        metrics={"accuracy": 0.93, "loss": 0.2, "status": "good"},
        params={"C": 1.0, "solver": "lbfgs"},
        inputs=["data.csv"],
        outputs=["report.txt"],
        environment="auto",
        git=git,
    )
    store.tag(v1, "baseline")
    model_file = project / "model.pkl"
    model_file.write_bytes(pickle.dumps({"weights": [1, 2, 3]}))
    store.models.save("churn", model_file, flavor="pickle", version=v1.id, metrics={"auc": 0.88}, alias="production")
    store.models.save("churn", model_file, flavor="pickle", version=v1.id)  # churn:2, no alias
    store.snapshot("train.ipynb", message="later", environment=None)
    return store


def export(project: Path, uri: str, work: Path, ref: str = "v1") -> dict:
    proc = run_cli("-C", str(project), "export", ref, "--mlflow", uri, "--json", cwd=work)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_export_logs_the_version_as_a_run_and_registers_its_models(
    exported_project: Store, project: Path, tracking: tuple[str, Path], tmp_path: Path
) -> None:
    uri, work = tracking
    v1 = exported_project.resolve("v1")
    result = export(project, uri, work)
    assert result["created"] is True

    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    run = client.get_run(result["run_id"])
    assert run.info.status == "FINISHED"
    assert run.info.run_name == "train.ipynb@v1"
    assert client.get_experiment(run.info.experiment_id).name == "train.ipynb"
    assert run.data.params == {"C": "1.0", "solver": "lbfgs"}
    assert run.data.metrics == {"accuracy": 0.93, "loss": 0.2}
    (point,) = client.get_metric_history(run.info.run_id, "accuracy")
    assert (point.value, point.step, point.timestamp) == (0.93, 0, int(v1.created * 1000))
    tags = run.data.tags
    assert tags["jupyter_mv.version_id"] == v1.id
    assert tags["jupyter_mv.version"] == "train.ipynb@v1"
    assert tags["jupyter_mv.message"] == tags["mlflow.note.content"] == "first model"
    assert tags["jupyter_mv.author"] == tags["mlflow.user"] == "tester"
    assert tags["jupyter_mv.git_commit"] == tags["mlflow.source.git.commit"] == "a" * 40
    assert tags["mlflow.source.git.branch"] == "main"
    assert tags["mlflow.source.name"] == "train.ipynb" and tags["mlflow.source.type"] == "NOTEBOOK"
    assert tags["jupyter_mv.metric.status"] == "good"  # a text metric is a tag
    assert tags["jupyter_mv.tags"] == "baseline"
    assert tags["jupyter_mv.python"] == "{}.{}.{}".format(*sys.version_info[:3])

    # the input as an MLflow dataset: its path, our BLAKE3 hash as digest (MLflow keeps 36 digits)
    (dataset_input,) = run.inputs.dataset_inputs
    data = v1.file("data.csv")
    ds = dataset_input.dataset
    assert (ds.name, ds.digest, ds.source_type) == ("data.csv", data.hash[:36], "local")
    assert json.loads(ds.source) == {"uri": str(project / "data.csv")}
    assert json.loads(ds.profile)["blake3"] == data.hash
    assert {t.key: t.value for t in dataset_input.tags} == {
        "mlflow.data.context": "input",
        "jupyter_mv.blake3": data.hash,
    }

    # artifacts: the notebook as the version holds it, the output, the models, the environment
    got = Path(client.download_artifacts(run.info.run_id, "", str(tmp_path / "download")))
    assert (got / "notebook" / "train.ipynb").read_bytes() == exported_project.read_file(v1, "train.ipynb")
    assert (got / "outputs" / "report.txt").read_text() == "accuracy 0.93\n"
    assert pickle.loads((got / "models" / "churn" / "v1" / "model.pkl").read_bytes()) == {"weights": [1, 2, 3]}
    requirements = (got / "environment" / "requirements.txt").read_text()
    assert "\nblake3==" in requirements and "\nnbformat==" in requirements
    assert (
        (got / "environment" / "python_env.yaml")
        .read_text()
        .startswith("python: {}.{}.{}\n".format(*sys.version_info[:3]))
    )
    assert json.loads((got / "environment" / "environment.json").read_text()) == exported_project.environment(v1)

    # both model versions registered under the same name, the alias where ours points
    assert sorted((m["name"], m["jupyter_mv"], tuple(m["aliases"]), m["registered"]) for m in result["models"]) == [
        ("churn", "churn:1", ("production",), True),
        ("churn", "churn:2", (), True),
    ]
    production = client.get_model_version_by_alias("churn", "production")
    assert production.tags["jupyter_mv.model"] == "churn:1"
    assert production.tags["jupyter_mv.blake3"] == exported_project.models.get("churn:1").hash
    assert production.tags["jupyter_mv.metric.auc"] == "0.88"
    assert production.run_id == run.info.run_id
    assert production.source == f"runs:/{run.info.run_id}/models/churn/v1"
    versions = client.search_model_versions("name = 'churn'")
    assert sorted(mv.tags["jupyter_mv.model"] for mv in versions) == ["churn:1", "churn:2"]


def test_exporting_the_same_version_again_reuses_its_run(
    exported_project: Store, project: Path, tracking: tuple[str, Path]
) -> None:
    uri, work = tracking
    first = export(project, uri, work)
    again = run_cli("-C", str(project), "export", "v1", "--mlflow", uri, cwd=work)
    assert again.returncode == 0, again.stderr
    assert "already" in again.stdout and first["run_id"] in again.stdout
    second = export(project, uri, work)
    assert second["created"] is False and second["run_id"] == first["run_id"]
    assert all(not m["registered"] for m in second["models"])

    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    runs = client.search_runs([first["experiment_id"]])
    assert [r.info.run_id for r in runs] == [first["run_id"]]
    assert len(client.search_model_versions("name = 'churn'")) == 2

    # a model alias moved since: the export moves MLflow's alias too
    exported_project.models.alias("churn:2", "production")
    export(project, uri, work)
    assert client.get_model_version_by_alias("churn", "production").tags["jupyter_mv.model"] == "churn:2"

    # another version is another run
    other = export(project, uri, work, "v2")
    assert other["created"] is True and other["run_id"] != first["run_id"]


def test_an_interrupted_export_is_replaced_by_a_whole_run(
    exported_project: Store, project: Path, tracking: tuple[str, Path]
) -> None:
    uri, work = tracking
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    experiment = client.create_experiment("train.ipynb", artifact_location=str(work / "artifacts"))
    half = client.create_run(experiment, tags={"jupyter_mv.version_id": exported_project.resolve("v1").id})
    result = export(project, uri, work)
    assert result["created"] is True and result["run_id"] != half.info.run_id
    assert client.get_run(half.info.run_id).info.lifecycle_stage == "deleted"
    assert (work / "artifacts" / result["run_id"] / "artifacts" / "notebook" / "train.ipynb").is_file()


def test_bad_export_input_is_one_line_and_changes_nothing(
    exported_project: Store, project: Path, tracking: tuple[str, Path], tmp_path: Path
) -> None:
    uri, work = tracking

    def files() -> dict[str, bytes]:  # mv.db may be checkpointed by any reader: compare its content instead
        return {k: v for k, v in tree_bytes(project).items() if not k.startswith(".jupyter_mv/")}

    before, versions = files(), exported_project.count()
    proc = run_cli("-C", str(project), "export", "v9", "--mlflow", uri, cwd=work)
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1 and "no version v9" in proc.stderr
    proc = run_cli("-C", str(project), "export", "v1", "--mlflow", "nosuchscheme://x", cwd=work)
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1, proc.stderr
    assert "MLflow" in proc.stderr and "Traceback" not in proc.stderr
    assert files() == before and exported_project.count() == versions


def test_without_mlflow_the_option_names_the_extra_to_install(
    exported_project: Store, project: Path, tracking: tuple[str, Path], tmp_path: Path
) -> None:
    uri, work = tracking
    # an interpreter where `import mlflow` fails: a stub package that raises ImportError first on the path
    blocker = tmp_path / "no-mlflow"
    (blocker / "mlflow").mkdir(parents=True)
    (blocker / "mlflow" / "__init__.py").write_text("raise ImportError('No module named mlflow', name='mlflow')\n")
    env = {"PYTHONPATH": str(blocker) + os.pathsep + package_env()["PYTHONPATH"]}
    proc = run_cli("-C", str(project), "export", "v1", "--mlflow", uri, cwd=work, env=env)
    assert proc.returncode == 1
    assert proc.stderr.strip() == "jupyter mv export: error: MLflow is not installed: pip install 'jupyter-mv[mlflow]'"
    assert not Path(uri.removeprefix("sqlite:///")).exists()  # the tracking database was never made
