"""The model registry and the metric series through the REST API of a real server, on a
real store: list, move an alias, compare two model versions, report, chart data."""

from __future__ import annotations

from pathlib import Path

from jupyter_mv.store import Store, registry

from ..helpers import write_notebook
from .api import NOTEBOOK, call, ok
from .test_openapi import check


def _models(root: Path) -> None:
    notebook = write_notebook(root / NOTEBOOK, ["x = 1"])
    with Store.init(root) as store:
        v1 = store.snapshot(notebook, message="first", metrics={"acc": 0.8}, params={"C": 1.0})
        write_notebook(notebook, ["x = 1", "y = 2"])
        v2 = store.snapshot(
            notebook,
            message="second",
            metrics={"acc": 0.9},
            extra={"kernel": {"steps": {"acc": [[0, 0.5], [1, 0.9]]}}},
        )
        for version, c in ((v1, 1.0), (v2, 0.1)):
            registry.save_object(store, "churn", {"C": c}, version=version.id, metrics=version.metrics, params={"C": c})


async def test_models_lists_versions_with_aliases_and_metrics(jp_fetch, jp_root_dir):
    _models(jp_root_dir)
    data = await ok(jp_fetch, "GET", "models", params={"path": NOTEBOOK})
    check("ModelList", data)
    (churn,) = data["models"]
    assert churn["name"] == "churn" and [v["number"] for v in churn["versions"]] == [2, 1]
    assert (
        churn["versions"][0]["metrics"] == {"acc": 0.9}
        and churn["versions"][1]["made_by"] == "experiments/train.ipynb@v1"
    )


async def test_an_alias_on_a_model_ref_moves_the_models_alias_and_the_store_sees_it(jp_fetch, jp_root_dir):
    _models(jp_root_dir)
    moved = await ok(jp_fetch, "POST", "aliases", body={"path": NOTEBOOK, "ref": "churn:2", "name": "production"})
    check("ModelVersion", moved)
    assert moved["label"] == "churn:2" and moved["aliases"] == ["production"]
    with Store.open(jp_root_dir) as store:
        assert registry.get_model(store, "churn@production").number == 2
        assert store.db.execute("SELECT count(*) FROM aliases").fetchone()[0] == 0  # no version alias
    status, error = await call(jp_fetch, "POST", "aliases", body={"path": NOTEBOOK, "ref": "churn:9", "name": "x"})
    assert status == 404 and error["message"] == "model churn has no version 9"


async def test_diff_of_two_model_refs_compares_the_models_then_their_versions(jp_fetch, jp_root_dir):
    _models(jp_root_dir)
    data = await ok(jp_fetch, "GET", "diff", params={"path": NOTEBOOK, "a": "churn:1", "b": "churn:2"})
    check("ModelDiff", data)
    assert data["changed"]["params"] == ["C"] and data["changed"]["metrics"] == ["acc"]
    assert data["versions"]["notebook"]["status"] == "modified"
    report = await ok(jp_fetch, "GET", "report", "churn:2", params={"path": NOTEBOOK, "format": "json"})
    assert report["subject"]["kind"] == "model" and report["subject"]["label"] == "churn:2"


async def test_metrics_give_one_point_per_version_with_its_steps(jp_fetch, jp_root_dir):
    _models(jp_root_dir)
    data = await ok(jp_fetch, "GET", "metrics", params={"path": NOTEBOOK})
    check("MetricSeries", data)
    points = data["metrics"]["acc"]
    assert [(p["name"], p["value"]) for p in points] == [("v1", 0.8), ("v2", 0.9)]
    assert points[0]["steps"] == [] and points[1]["steps"] == [[0, 0.5], [1, 0.9]]
    empty = await ok(jp_fetch, "GET", "metrics", params={"path": "elsewhere.ipynb"})
    assert empty == {"metrics": {}}


async def test_the_series_has_only_numbers_of_full_versions_of_the_notebook(jp_fetch, jp_root_dir):
    _models(jp_root_dir)
    notebook = jp_root_dir / NOTEBOOK
    other = write_notebook(jp_root_dir / "other.ipynb", ["z = 3"])
    with Store.open(jp_root_dir) as store:
        write_notebook(notebook, ["x = 1", "y = 2", "w = 4"])
        store.snapshot(notebook, metrics={"acc": 1, "done": True, "model": "rf", "loss": 0.25})
        store.snapshot(other, metrics={"acc": 0.1})
        write_notebook(notebook, ["x = 1"])
        store.snapshot(notebook, kind="safety", metrics={"acc": 0.5})
    data = await ok(jp_fetch, "GET", "metrics", params={"path": NOTEBOOK})
    # booleans and text are no points; another notebook's and a safety version's are not this chart's
    assert sorted(data["metrics"]) == ["acc", "loss"]
    assert [(p["name"], p["value"]) for p in data["metrics"]["acc"]] == [("v1", 0.8), ("v2", 0.9), ("v3", 1)]
    assert [(p["name"], p["value"], p["steps"]) for p in data["metrics"]["loss"]] == [("v3", 0.25, [])]


async def test_version_routes_take_model_refs_for_the_version_that_made_the_model(jp_fetch, jp_root_dir):
    _models(jp_root_dir)
    with Store.open(jp_root_dir) as store:
        registry.set_model_alias(store, "churn:2", "production")
    for ref, name in (("churn@production", "v2"), ("churn:1", "v1"), ("churn:v2", "v2"), ("churn", "v2")):
        version = await ok(jp_fetch, "GET", "versions", ref, params={"path": NOTEBOOK})
        assert version["name"] == name, ref
    notebook = await ok(jp_fetch, "GET", "versions", "churn@production", "notebook", params={"path": NOTEBOOK})
    assert "".join(notebook["content"]["cells"][1]["source"]) == "y = 2"
    # a notebook@version ref is still refused, an unknown alias is named, another notebook's model is not found
    status, error = await call(jp_fetch, "GET", "versions", "train.ipynb@v1", params={"path": NOTEBOOK})
    assert (status, error["message"]) == (400, "give the ref without a notebook: the notebook is the path parameter")
    status, error = await call(jp_fetch, "GET", "versions", "churn@staging", params={"path": NOTEBOOK})
    assert (status, error["message"]) == (404, "model churn has no alias staging")
    other = write_notebook(jp_root_dir / "other.ipynb", ["z = 0"])
    with Store.open(jp_root_dir) as store:
        registry.save_object(store, "elsewhere", {"z": 0}, version=store.snapshot(other).id)
    status, error = await call(jp_fetch, "GET", "versions", "elsewhere:1", params={"path": NOTEBOOK})
    assert (status, error["message"]) == (404, f"elsewhere:1 is not a version of {NOTEBOOK}")
