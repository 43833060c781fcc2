"""Snapshot, tag, alias, diff, restore and save history through the REST API of a real
server, on a real store; checked against the store itself."""

from __future__ import annotations

import json
import sys

import pytest

from jupyter_mv.diff import validate
from jupyter_mv.store import Store

from ..helpers import write_notebook
from .api import NOTEBOOK, call, finish, ok, snapshot

# -- snapshot ------------------------------------------------------------------------------


async def test_the_first_snapshot_creates_the_store_and_records_the_kernelspecs_environment(jp_fetch, jp_root_dir):
    write_notebook(jp_root_dir / "fresh.ipynb", ["x = 1"])

    answer = await ok(jp_fetch, "POST", "snapshot", body={"path": "fresh.ipynb", "message": "first"}, expect=202)
    assert answer["task"]["kind"] == "snapshot"
    task = await finish(jp_fetch, answer)

    assert task["state"] == "done", task
    version = task["result"]["version"]
    assert (version["name"], version["message"], version["author"]) == ("v1", "first", "tester")
    assert version["extra"]["capture"] == "no_kernel"
    with Store.open(jp_root_dir) as store:
        assert store.dir == jp_root_dir / ".jupyter_mv"
        env = store.environment(version["environment"])
    # No kernel runs: the environment is the python3 kernelspec's interpreter's (this one).
    assert env is not None and env["python"]["executable"] == sys.executable


async def test_a_snapshot_holds_the_files_named_and_the_content_sent(jp_fetch, jp_root_dir, two_versions):
    (jp_root_dir / "experiments" / "data.csv").write_text("a,b\n1,2\n")
    edited = json.loads((jp_root_dir / NOTEBOOK).read_text())
    edited["cells"][0]["source"] = "x = 'as the browser holds it'"

    result = await snapshot(jp_fetch, message="with data", files=["experiments/data.csv"], content=edited)

    version = result["version"]
    assert version["name"] == "v3"
    assert {(f["path"], f["role"]) for f in version["files"]} == {
        (NOTEBOOK, "notebook"),
        ("experiments/data.csv", "tracked"),
    }
    # The content was saved through the contents manager before the snapshot.
    on_disk = json.loads((jp_root_dir / NOTEBOOK).read_text())
    assert "".join(on_disk["cells"][0]["source"]) == "x = 'as the browser holds it'"
    with Store.open(jp_root_dir) as store:
        held = json.loads(store.read_file(version["id"], NOTEBOOK))
    assert "".join(held["cells"][0]["source"]) == "x = 'as the browser holds it'"


async def test_snapshot_with_wait_answers_with_the_version(jp_fetch, two_versions):
    body = await ok(
        jp_fetch, "POST", "snapshot", body={"path": NOTEBOOK, "message": "waited", "wait": True}, expect=201
    )

    assert body["version"]["name"] == "v3" and body["version"]["message"] == "waited"
    assert [w.split(":")[0] for w in body["warnings"]] == ["no kernel runs this notebook"]  # none asked


async def test_a_failed_snapshot_reports_its_error_in_the_task(jp_fetch, jp_root_dir, two_versions):
    (jp_root_dir / "experiments" / "broken.ipynb").write_text("{not a notebook")

    task = await finish(jp_fetch, await ok(jp_fetch, "POST", "snapshot", body={"path": "experiments/broken.ipynb"}))

    assert task["state"] == "error"
    assert task["error"]["error"] == "invalid_input"
    assert "not a notebook" in task["error"]["message"]
    assert str(jp_root_dir) not in json.dumps(task)


# -- tags and aliases ----------------------------------------------------------------------


async def test_a_tag_names_a_version_once(jp_fetch, two_versions):
    tagged = await ok(jp_fetch, "POST", "tags", body={"path": NOTEBOOK, "ref": "v1", "name": "baseline"}, expect=201)

    assert tagged["name"] == "v1" and tagged["tags"] == ["baseline"]
    status, body = await call(jp_fetch, "POST", "tags", body={"path": NOTEBOOK, "ref": "v2", "name": "baseline"})
    assert status == 409 and body["error"] == "conflict"
    listed = await ok(jp_fetch, "GET", "versions", params={"path": NOTEBOOK})
    assert [v["tags"] for v in listed["versions"]] == [["best"], ["baseline"]]


async def test_an_alias_moves(jp_fetch, jp_root_dir, two_versions):
    await ok(jp_fetch, "POST", "aliases", body={"path": NOTEBOOK, "ref": "v2", "name": "production"})
    moved = await ok(
        jp_fetch, "POST", "aliases", body={"path": NOTEBOOK, "ref": "v1", "name": "production"}, expect=200
    )

    assert moved["name"] == "v1" and moved["aliases"] == ["production"]
    with Store.open(jp_root_dir) as store:
        history = store.alias_history("production")
    assert [h["version"] for h in history] == [two_versions["v1"].id, two_versions["v2"].id]


@pytest.mark.parametrize("name", ["v3", "has space", "", "a" * 101])
async def test_names_that_are_not_names_are_400(jp_fetch, two_versions, name):
    status, body = await call(jp_fetch, "POST", "tags", body={"path": NOTEBOOK, "ref": "v1", "name": name})

    assert status == 400 and body["error"] == "invalid_input"


# -- diff ----------------------------------------------------------------------------------


async def test_diff_of_two_versions_is_the_one_diff_format(jp_fetch, two_versions):
    diff = await ok(jp_fetch, "GET", "diff", params={"path": NOTEBOOK, "a": "v1", "b": "best"})

    validate(diff)
    assert diff["notebook"]["summary"]["added"] == 1
    added = [c for c in diff["notebook"]["cells"] if c["status"] == "added"]
    assert added[0]["b"]["source"] == "y = x + 1"


async def test_diff_without_b_compares_with_the_notebook_on_disk(jp_fetch, jp_root_dir, two_versions):
    write_notebook(jp_root_dir / NOTEBOOK, ["x = 1", "y = x + 2"])

    diff = await ok(jp_fetch, "GET", "diff", params={"path": NOTEBOOK, "a": "v2"})

    validate(diff)
    assert diff["b"]["label"] == "disk"
    [cell] = diff["notebook"]["cells"]
    assert cell["status"] == "modified"
    assert {"op": "+", "text": "y = x + 2"} in cell["source"][0]["lines"]


# -- restore -------------------------------------------------------------------------------


async def test_restore_in_place_keeps_the_current_notebook_in_a_safety_version(jp_fetch, jp_root_dir, two_versions):
    notebook = jp_root_dir / NOTEBOOK
    write_notebook(notebook, ["x = 'unsaved work'"])
    edited = notebook.read_bytes()

    answer = await ok(jp_fetch, "POST", "restore", body={"path": NOTEBOOK, "ref": "v1"}, expect=202)
    task = await finish(jp_fetch, answer)

    assert task["state"] == "done", task
    result = task["result"]
    assert (result["mode"], result["written"], result["version"]["name"]) == ("in_place", [NOTEBOOK], "v1")
    with Store.open(jp_root_dir) as store:
        assert notebook.read_bytes() == store.read_file(two_versions["v1"], NOTEBOOK)
        safety = store.resolve(result["safety"]["id"])
        assert safety.kind == "safety" and store.read_file(safety, NOTEBOOK) == edited
    listed = await ok(jp_fetch, "GET", "versions", params={"path": NOTEBOOK})
    assert [(v["name"], v["kind"]) for v in listed["versions"]] == [("v3", "safety"), ("v2", "full"), ("v1", "full")]


async def test_restore_in_place_answers_the_version_the_notebook_now_is(jp_fetch, jp_root_dir, two_versions):
    """The notebook is written back as v1 again: the result and the listing name v1 as the
    notebook's version now, and the next snapshot follows v1 (a branch)."""
    notebook = jp_root_dir / NOTEBOOK
    with Store.open(jp_root_dir) as store:
        notebook.write_bytes(store.read_file(two_versions["v1"], NOTEBOOK))
    # The notebook already is v1's bytes: nothing is written, no safety copy is kept.
    result = await ok(jp_fetch, "POST", "restore", body={"path": NOTEBOOK, "ref": "v1", "wait": True}, expect=200)
    listed = await ok(jp_fetch, "GET", "versions", params={"path": NOTEBOOK})
    snap = await ok(jp_fetch, "POST", "snapshot", body={"path": NOTEBOOK, "kernel": False, "wait": True}, expect=201)
    copy = await ok(
        jp_fetch, "POST", "restore", body={"path": NOTEBOOK, "ref": "v2", "to": "v2.ipynb", "wait": True}, expect=200
    )

    assert (result["written"], result["safety"]) == ([], None)
    assert result["current"] == listed["current"] == two_versions["v1"].id
    assert snap["version"]["parent"] == two_versions["v1"].id
    assert copy["current"] is None


async def test_restore_to_a_new_notebook_leaves_the_open_one_alone(jp_fetch, jp_root_dir, two_versions):
    notebook = jp_root_dir / NOTEBOOK
    before = notebook.read_bytes()
    body = {"path": NOTEBOOK, "ref": "v1", "to": "experiments/train-v1.ipynb", "wait": True}

    result = await ok(jp_fetch, "POST", "restore", body=body, expect=200)

    assert result["mode"] == "copy" and result["safety"] is None
    with Store.open(jp_root_dir) as store:
        v1_bytes = store.read_file(two_versions["v1"], NOTEBOOK)
    assert (jp_root_dir / "experiments/train-v1.ipynb").read_bytes() == v1_bytes
    assert notebook.read_bytes() == before
    status, error = await call(jp_fetch, "POST", "restore", body=body)
    assert status == 409 and error["error"] == "conflict"


async def test_restore_with_files_writes_the_data_back_too(jp_fetch, jp_root_dir):
    data = jp_root_dir / "data.csv"
    data.write_text("a\n1\n")
    write_notebook(jp_root_dir / "nb.ipynb", ["open('data.csv')"])
    await snapshot(jp_fetch, "nb.ipynb", files=["data.csv"])
    data.write_text("a\n2\n")

    notebook_only = await ok(jp_fetch, "POST", "restore", body={"path": "nb.ipynb", "ref": "v1", "wait": True})
    assert notebook_only["written"] == [] and data.read_text() == "a\n2\n"
    both = await ok(jp_fetch, "POST", "restore", body={"path": "nb.ipynb", "ref": "v1", "files": True, "wait": True})

    assert both["written"] == ["data.csv"] and data.read_text() == "a\n1\n"
    assert both["safety"]["name"] == "v2"


# -- save history --------------------------------------------------------------------------


async def test_a_save_without_a_store_keeps_nothing_and_makes_no_store(jp_fetch, jp_root_dir):
    write_notebook(jp_root_dir / "fresh.ipynb", ["1"])

    body = await ok(jp_fetch, "POST", "saves", body={"path": "fresh.ipynb"}, expect=200)

    assert body == {"version": None, "reason": "no_store"}
    assert not (jp_root_dir / ".jupyter_mv").exists()


async def test_saves_are_light_versions_folded_after_their_version(jp_fetch, jp_root_dir, two_versions):
    notebook = jp_root_dir / NOTEBOOK
    unchanged = await ok(jp_fetch, "POST", "saves", body={"path": NOTEBOOK}, expect=200)
    assert unchanged == {"version": None, "reason": "unchanged"}
    write_notebook(notebook, ["x = 1", "y = x + 1", "z = 'a save'"])
    first = await ok(jp_fetch, "POST", "saves", body={"path": NOTEBOOK, "retention_days": 7}, expect=201)
    write_notebook(notebook, ["x = 1", "y = x + 1", "z = 'another save'"])
    second = await ok(jp_fetch, "POST", "saves", body={"path": NOTEBOOK, "retention_days": None}, expect=201)

    assert (first["version"]["name"], first["version"]["kind"], [f["role"] for f in first["version"]["files"]]) == (
        "v2.1",
        "light",
        ["notebook"],
    )
    assert second["version"]["name"] == "v2.2"
    listed = await ok(jp_fetch, "GET", "versions", params={"path": NOTEBOOK})
    assert [v["name"] for v in listed["versions"]] == ["v2", "v1"]
    assert listed["total"] == 2 and listed["saves"] == {"2": 2}
    saves = await ok(jp_fetch, "GET", "saves", params={"path": NOTEBOOK, "base": "2"})
    assert [v["name"] for v in saves["versions"]] == ["v2.2", "v2.1"]
    one = await ok(jp_fetch, "GET", "versions", "v2.1", params={"path": NOTEBOOK})
    assert one["id"] == first["version"]["id"]

    # A save restores like any version.
    restored = await ok(jp_fetch, "POST", "restore", body={"path": NOTEBOOK, "ref": "v2.1", "wait": True})
    assert restored["written"] == [NOTEBOOK]
    assert "z = 'a save'" in notebook.read_text()
    # The next snapshot is v3, right after v2 and the safety version: saves take no number.
    assert restored["safety"]["name"] == "v3"


async def test_listing_light_versions_flat(jp_fetch, jp_root_dir, two_versions):
    write_notebook(jp_root_dir / NOTEBOOK, ["changed"])
    await ok(jp_fetch, "POST", "saves", body={"path": NOTEBOOK})

    body = await ok(jp_fetch, "GET", "versions", params={"path": NOTEBOOK, "kinds": "full,light"})

    assert [v["name"] for v in body["versions"]] == ["v2.1", "v2", "v1"]
    assert body["total"] == 3 and "saves" not in body


@pytest.mark.parametrize("retention", [0, -1, "7", True, float("inf")])
async def test_a_retention_that_is_not_a_positive_number_is_400(jp_fetch, two_versions, retention):
    raw = json.dumps({"path": NOTEBOOK, "retention_days": retention}, allow_nan=True).encode()
    status, body = await call(jp_fetch, "POST", "saves", raw=raw)

    assert status == 400 and body["error"] == "invalid_input"


async def test_tasks_are_readable_by_id_only(jp_fetch, two_versions):
    answer = await ok(jp_fetch, "POST", "snapshot", body={"path": NOTEBOOK})
    task = await finish(jp_fetch, answer)

    again = await ok(jp_fetch, "GET", "tasks", task["id"])
    assert again["state"] == "done" and again["result"]["version"]["id"] == task["result"]["version"]["id"]
    assert again["progress"]["step"] == "snapshot"
    status, body = await call(jp_fetch, "GET", "tasks", "0" * 32)
    assert status == 404 and body["error"] == "not_found"
    scoped = await ok(jp_fetch, "GET", "tasks", task["id"], params={"path": NOTEBOOK})
    assert scoped["id"] == task["id"]
    assert (await call(jp_fetch, "GET", "tasks", task["id"], params={"path": "other.ipynb"}))[0] == 404
    assert (await call(jp_fetch, "GET", "tasks", task["id"], params={"path": "../x.ipynb"}))[0] == 400


# -- provenance report ---------------------------------------------------------------------


async def test_the_report_of_a_version_in_each_format(jp_fetch, two_versions):
    from jupyter_mv.provenance import validate as validate_report

    response = await jp_fetch("jupyter-mv", "api", "report", "best", params={"path": NOTEBOOK, "format": "json"})
    report = json.loads(response.body)
    validate_report(report)
    assert report["notebook_version"]["id"] == two_versions["v2"].id

    html = await jp_fetch("jupyter-mv", "api", "report", "v1", params={"path": NOTEBOOK})
    assert html.headers["Content-Type"].startswith("text/html")
    assert "sandbox" in html.headers["Content-Security-Policy"]
    assert b"<html" in html.body.lower() and b"train.ipynb" in html.body
    markdown = await jp_fetch("jupyter-mv", "api", "report", "v1", params={"path": NOTEBOOK, "format": "md"})
    assert markdown.headers["Content-Type"].startswith("text/markdown")
    status, body = await call(jp_fetch, "GET", "report", "v1", params={"path": NOTEBOOK, "format": "pdf"})
    assert status == 400 and body["error"] == "invalid_input"


async def test_a_snapshot_stores_the_metrics_given_as_numbers(jp_fetch, jp_root_dir, two_versions):
    body = {"path": NOTEBOOK, "message": "scored", "metrics": "acc=0.91 loss=3e-1 n=12", "wait": True}
    answer = await ok(jp_fetch, "POST", "snapshot", body=body, expect=201)
    assert answer["version"]["metrics"] == {"acc": 0.91, "loss": 0.3, "n": 12}
    with Store.open(jp_root_dir) as store:
        assert store.resolve("v3", jp_root_dir / NOTEBOOK).metrics == {"acc": 0.91, "loss": 0.3, "n": 12}


@pytest.mark.parametrize(
    ("metrics", "message"),
    [
        ("acc=0.91 model=rf", "metric model must be a number, not str 'rf'"),
        ("acc=high f1=0.8 loss=", "expected METRIC=EXPRESSION (e.g. acc=acc), got 'loss='"),
        ("acc=true", "metric acc must be a number, not str 'true'"),
        ("acc=0.9 --step 3", "metrics here are KEY=NUMBER words; log a curve with %mv metric K=V --step N"),
    ],
)
async def test_a_snapshot_with_a_bad_metric_is_a_400_naming_it_and_stores_nothing(
    jp_fetch, jp_root_dir, two_versions, metrics, message
):
    status, error = await call(jp_fetch, "POST", "snapshot", body={"path": NOTEBOOK, "metrics": metrics, "wait": True})
    assert (status, error["message"]) == (400, message)
    with Store.open(jp_root_dir) as store:
        assert [v.name for v in store.log(jp_root_dir / NOTEBOOK)] == ["v2", "v1"]
