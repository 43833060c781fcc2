"""What the API says when it refuses, word for word: a user reads these messages in the
sidebar, so each must name what was wrong, and each refusal must come from its own check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tornado.httpclient import HTTPClientError

from jupyter_mv.server.access import PATH_MAX
from jupyter_mv.store import Store

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
