"""What the API says when it refuses, word for word: a user reads these messages in the
sidebar, so each must name what was wrong, and each refusal must come from its own check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tornado.httpclient import HTTPClientError
from traitlets.config import Config

from jupyter_mv.errors import InvalidInput
from jupyter_mv.server.access import MAX_PAGE, PATH_MAX, StoreAccess
from jupyter_mv.store import Store, history, registry

from ..helpers import write_notebook

NOTEBOOK = "experiments/train.ipynb"


async def refused(jp_fetch, *parts: str, **params: str) -> tuple[int, str]:
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch("jupyter-mv", "api", *parts, params=params)
    return caught.value.code, json.loads(caught.value.response.body)["message"]


async def test_a_ref_naming_its_notebook_is_refused_with_where_the_notebook_goes(jp_fetch, two_versions):
    code, message = await refused(jp_fetch, "versions", "train.ipynb@v1", path=NOTEBOOK)
    assert code == 400
    assert message == "give the ref without a notebook: the notebook is the path parameter"


async def test_an_unknown_report_theme_is_refused_with_the_themes_there_are(jp_fetch, two_versions):
    code, message = await refused(jp_fetch, "report", "v1", path=NOTEBOOK, theme="sepia")
    assert (code, message) == (400, "theme must be auto, light or dark")


async def test_a_path_into_the_store_is_refused_as_inside_or_leading_into_it(jp_fetch, two_versions, jp_root_dir):
    code, message = await refused(jp_fetch, "versions", path=".jupyter_mv/train.ipynb")
    assert (code, message) == (400, ".jupyter_mv/train.ipynb is inside a version store")
    # through a symlink with an innocent name: judged where it resolves
    (jp_root_dir / "shortcut").symlink_to(jp_root_dir / ".jupyter_mv")
    code, message = await refused(jp_fetch, "versions", path="shortcut/train.ipynb")
    assert (code, message) == (400, "shortcut/train.ipynb leads into a version store")


async def test_a_path_of_exactly_the_longest_length_is_judged_by_its_names_not_its_length(jp_fetch, two_versions):
    # PATH_MAX bytes in names of 200: allowed as a length; the path is simply not there
    names = ["d" * 200] * (PATH_MAX // 201)
    path = "/".join(names)
    path += "/" + "n" * (PATH_MAX - len(path) - 1 - len(".ipynb")) + ".ipynb"
    assert len(path.encode()) == PATH_MAX
    code, message = await refused(jp_fetch, "versions", "v1", path=path)
    assert code == 404, message
    code, message = await refused(jp_fetch, "versions", "v1", path=path + "x")
    assert (code, message) == (400, f"the path parameter is longer than {PATH_MAX} bytes")


async def test_a_snapshot_of_a_notebook_outside_the_stores_project_says_so(
    jp_fetch, jp_root_dir: Path, monkeypatch: pytest.MonkeyPatch
):
    # a store set for one project folder; a notebook beside that folder is not in its project
    project = jp_root_dir / "project"
    project.mkdir()
    Store.init(project).close()
    monkeypatch.setenv("JUPYTER_MV_STORE", str(project / ".jupyter_mv"))
    write_notebook(jp_root_dir / "elsewhere.ipynb", ["x = 1"])
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch("jupyter-mv", "api", "snapshot", method="POST", body=json.dumps({"path": "elsewhere.ipynb"}))
    assert caught.value.code == 400
    assert json.loads(caught.value.response.body)["message"] == (
        "elsewhere.ipynb lies outside the project of its version store"
    )


async def refused_body(jp_fetch, route: str, body: dict[str, str]) -> tuple[int, str]:
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch("jupyter-mv", "api", route, method="POST", body=json.dumps(body))
    return caught.value.code, json.loads(caught.value.response.body)["message"]


async def test_a_remote_url_that_does_not_parse_is_refused_as_such(jp_fetch, two_versions):
    code, message = await refused_body(jp_fetch, "remotes", {"path": NOTEBOOK, "name": "x", "url": "s3://[bucket/m"})
    assert (code, message) == (400, "the remote URL does not parse")


class TestWithRemoteHostsLimited:
    @pytest.fixture
    def jp_server_config(self) -> Config:
        return Config(
            {
                "ServerApp": {"jpserver_extensions": {"jupyter_mv": True}},
                "JupyterMV": {"remote_hosts": ["team-bucket"]},
            }
        )

    async def test_a_remote_on_another_host_is_refused_naming_that_host(self, jp_fetch, two_versions):
        url = "s3://other-bucket/models"
        code, message = await refused_body(jp_fetch, "remotes", {"path": NOTEBOOK, "name": "x", "url": url})
        assert (code, message) == (403, "this server does not allow remotes on host other-bucket")


async def test_a_diff_from_another_notebooks_model_names_the_notebook_asked_about(
    jp_fetch, two_versions, jp_root_dir: Path, tmp_path: Path
):
    other = write_notebook(jp_root_dir / "other.ipynb", ["z = 0"])
    artifact = tmp_path / "model.joblib"
    artifact.write_bytes(b"not really a model")
    with Store.open(jp_root_dir) as store:
        registry.save_model(store, "rival", artifact, flavor="joblib", version=store.snapshot(other).id)
    code, message = await refused(jp_fetch, "diff", path=NOTEBOOK, a="rival:1", b="v1")
    assert (code, message) == (404, f"rival:1 is not a version of {NOTEBOOK}")
    code, message = await refused(jp_fetch, "diff", path=NOTEBOOK, a="rival:1")
    assert (code, message) == (404, f"rival:1 is not a version of {NOTEBOOK}")


async def test_saves_after_a_negative_version_are_refused_with_what_base_may_be(jp_fetch, two_versions):
    code, message = await refused(jp_fetch, "saves", path=NOTEBOOK, base="-1")
    assert (code, message) == (400, "base must be a version number (0: the saves before the first version)")


async def test_the_saves_listing_sends_at_most_one_page_of_the_newest(jp_fetch, two_versions, jp_root_dir: Path):
    notebook = jp_root_dir / NOTEBOOK
    with Store.open(jp_root_dir) as store:
        for i in range(MAX_PAGE + 1):
            write_notebook(notebook, [f"e = {i}"])
            history.record_save(store, notebook)
        newest = history.saves(store, notebook, limit=1)[0]
    answer = json.loads((await jp_fetch("jupyter-mv", "api", "saves", params={"path": NOTEBOOK})).body)
    assert len(answer["versions"]) == MAX_PAGE
    assert answer["versions"][0]["id"] == newest.id


async def test_a_model_saved_without_a_notebook_version_is_refused_by_its_label(
    jp_fetch, two_versions, jp_root_dir: Path, tmp_path: Path
):
    artifact = tmp_path / "model.joblib"
    artifact.write_bytes(b"not really a model")
    with Store.open(jp_root_dir) as store:
        registry.save_model(store, "churn", artifact, flavor="joblib")
    code, message = await refused(jp_fetch, "versions", "churn:1", path=NOTEBOOK)
    assert (code, message) == (404, "churn:1 was saved without a notebook version")


def test_a_filter_holding_nul_is_refused_naming_the_filter(two_versions, jp_root_dir: Path):
    """The filter's own check, for a caller of the access layer that passes text the
    query string could not carry (the server's query arguments lose NUL on the way)."""
    with pytest.raises(InvalidInput) as refused_filter:
        StoreAccess(jp_root_dir).versions(NOTEBOOK, where="acc\x00>0.9")
    assert str(refused_filter.value) == "where holds a NUL character"
