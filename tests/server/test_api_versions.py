"""GET /jupyter-mv/api/versions: a notebook's versions, through a real server."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from tornado.httpclient import HTTPClientError
from traitlets.config import Config

from jupyter_mv.store import Store

from ..helpers import write_notebook

NOTEBOOK = "experiments/train.ipynb"


async def get_json(jp_fetch, *parts: str, **params: str):
    response = await jp_fetch("jupyter-mv", "api", *parts, params=params)
    assert response.code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    return json.loads(response.body)


async def get_error(jp_fetch, *parts: str, **params: str) -> tuple[int, dict]:
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch("jupyter-mv", "api", *parts, params=params)
    return caught.value.code, json.loads(caught.value.response.body)


# -- listing -------------------------------------------------------------------------------


async def test_versions_lists_the_notebooks_versions_newest_first(jp_fetch, two_versions):
    body = await get_json(jp_fetch, "versions", path=NOTEBOOK)

    assert body["total"] == 2
    assert [v["name"] for v in body["versions"]] == ["v2", "v1"]
    assert [v["message"] for v in body["versions"]] == ["more trees", "baseline"]
    assert [v["id"] for v in body["versions"]] == [two_versions["v2"].id, two_versions["v1"].id]
    newest = body["versions"][0]
    assert newest["tags"] == ["best"]
    assert newest["notebook"] == NOTEBOOK
    assert newest["created"].endswith("Z")
    assert newest["parent"] == two_versions["v1"].id
    assert [f["role"] for f in newest["files"]] == ["notebook"]


async def test_versions_pages_with_limit_and_offset(jp_fetch, two_versions):
    first = await get_json(jp_fetch, "versions", path=NOTEBOOK, limit="1")
    second = await get_json(jp_fetch, "versions", path=NOTEBOOK, limit="1", offset="1")

    assert [v["name"] for v in first["versions"]] == ["v2"]
    assert [v["name"] for v in second["versions"]] == ["v1"]
    assert first["total"] == second["total"] == 2


async def test_versions_is_empty_when_no_store_exists_yet(jp_fetch, jp_root_dir):
    write_notebook(jp_root_dir / "fresh.ipynb", ["1 + 1"])

    body = await get_json(jp_fetch, "versions", path="fresh.ipynb")

    assert body == {"versions": [], "total": 0}
    assert not (jp_root_dir / ".jupyter_mv").exists(), "listing must not create a store"


async def test_versions_is_empty_for_a_notebook_without_versions(jp_fetch, jp_root_dir, two_versions):
    write_notebook(jp_root_dir / "experiments" / "other.ipynb", ["2 + 2"])

    body = await get_json(jp_fetch, "versions", path="experiments/other.ipynb")

    assert body == {"versions": [], "total": 0}


async def test_versions_reads_the_nearest_store_above_the_notebook(jp_fetch, jp_root_dir, two_versions):
    """A sub-project with its own store: its notebook's versions come from that store."""
    inner = write_notebook(jp_root_dir / "experiments" / "sub" / "nb.ipynb", ["z = 3"])
    with Store.init(inner.parent) as store:
        store.snapshot(inner, message="inner store")

    body = await get_json(jp_fetch, "versions", path="experiments/sub/nb.ipynb")

    assert [(v["name"], v["message"], v["notebook"]) for v in body["versions"]] == [("v1", "inner store", "nb.ipynb")]


# -- one version ---------------------------------------------------------------------------


@pytest.mark.parametrize(("ref", "expected"), [("v1", "v1"), ("best", "v2"), ("latest", "v2"), ("latest~1", "v1")])
async def test_one_version_by_ref(jp_fetch, two_versions, ref, expected):
    body = await get_json(jp_fetch, "versions", ref, path=NOTEBOOK)

    assert body["name"] == expected
    assert body["id"] == two_versions[expected].id


async def test_one_version_by_id_prefix(jp_fetch, two_versions):
    body = await get_json(jp_fetch, "versions", two_versions["v1"].short_id, path=NOTEBOOK)

    assert body["id"] == two_versions["v1"].id


async def test_unknown_ref_is_404_with_the_error_body(jp_fetch, two_versions):
    status, body = await get_error(jp_fetch, "versions", "v9", path=NOTEBOOK)

    assert status == 404
    assert body["error"] == "not_found"
    assert "v9" in body["message"]
    assert set(body) == {"error", "message"}


async def test_a_ref_of_another_notebook_is_404(jp_fetch, jp_root_dir, two_versions):
    other = write_notebook(jp_root_dir / "other.ipynb", ["1"])
    with Store.open(jp_root_dir) as store:
        store.tag(store.snapshot(other).id, "elsewhere")

    status, body = await get_error(jp_fetch, "versions", "elsewhere", path=NOTEBOOK)

    assert status == 404
    assert body["error"] == "not_found"


async def test_one_version_without_a_store_is_404_store_not_found(jp_fetch, jp_root_dir):
    write_notebook(jp_root_dir / "fresh.ipynb", ["1 + 1"])

    status, body = await get_error(jp_fetch, "versions", "v1", path="fresh.ipynb")

    assert status == 404
    assert body["error"] == "store_not_found"
    assert str(jp_root_dir) not in body["message"], "messages must not reveal server folders"


# -- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "",
        "../outside.ipynb",
        "experiments/../../outside.ipynb",
        "/etc/passwd",
        "C:\\Windows\\win.ini",
        ".jupyter_mv/mv.db",
    ],
)
async def test_paths_outside_the_root_or_into_the_store_are_400(jp_fetch, two_versions, path):
    status, body = await get_error(jp_fetch, "versions", path=path)

    assert status == 400
    assert body["error"] == "invalid_input"


async def test_a_symlink_leading_outside_the_root_is_400(jp_fetch, jp_root_dir, tmp_path):
    """The folder outside has a store and a versioned notebook: only the confinement
    stops the server from listing them."""
    outside = tmp_path / "outside"
    notebook = write_notebook(outside / "secret.ipynb", ["secret = 42"])
    with Store.init(outside) as store:
        store.snapshot(notebook, message="outside the root")
    os.symlink(outside, jp_root_dir / "link")

    status, body = await get_error(jp_fetch, "versions", path="link/secret.ipynb")

    assert status == 400
    assert body["error"] == "invalid_input"
    assert "secret" not in json.dumps(body.get("versions", []))


@pytest.mark.parametrize(
    ("params", "word"), [({"limit": "ten"}, "limit"), ({"limit": "0"}, "limit"), ({"offset": "-1"}, "offset")]
)
async def test_bad_paging_is_400(jp_fetch, two_versions, params, word):
    status, body = await get_error(jp_fetch, "versions", path=NOTEBOOK, **params)

    assert status == 400
    assert body["error"] == "invalid_input"
    assert word in body["message"]


async def test_a_negative_offset_is_refused_with_what_an_offset_may_be(jp_fetch, two_versions):
    status, body = await get_error(jp_fetch, "versions", path=NOTEBOOK, offset="-1")

    assert status == 400
    assert body["message"] == "offset must be 0 or more"


async def test_a_damaged_store_is_a_500_without_internals(jp_fetch, jp_root_dir, two_versions):
    db = jp_root_dir / ".jupyter_mv" / "mv.db"
    for extra in db.parent.glob("mv.db-*"):
        extra.unlink()
    db.write_bytes(b"this is not a database" * 100)

    status, body = await get_error(jp_fetch, "versions", path=NOTEBOOK)

    assert status == 500
    assert set(body) == {"error", "message"}
    assert "Traceback" not in body["message"]
    assert str(jp_root_dir) not in body["message"]


# -- settings ------------------------------------------------------------------------------


class TestStoreDirSetting:
    """``c.JupyterMV.store_dir`` names a store kept away from the project folder."""

    @pytest.fixture
    def store_dir(self, tmp_path: Path, jp_root_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
        store_dir = tmp_path / "stores" / "project"
        notebook = write_notebook(jp_root_dir / "away.ipynb", ["a = 1"])
        monkeypatch.setenv("JUPYTER_MV_STORE", str(store_dir))
        with Store.init(jp_root_dir) as store:
            store.snapshot(notebook, message="kept elsewhere")
        monkeypatch.delenv("JUPYTER_MV_STORE")
        return store_dir

    @pytest.fixture
    def jp_server_config(self, store_dir: Path) -> Config:
        return Config(
            {
                "ServerApp": {"jpserver_extensions": {"jupyter_mv": True}},
                "JupyterMV": {"store_dir": str(store_dir)},
            }
        )

    async def test_versions_come_from_the_configured_store(self, jp_fetch, jp_root_dir):
        assert not (jp_root_dir / ".jupyter_mv").exists(), "walking up would find no store"

        body = await get_json(jp_fetch, "versions", path="away.ipynb")

        assert [v["message"] for v in body["versions"]] == ["kept elsewhere"]


# -- filter, find, lineage -----------------------------------------------------------------


async def test_where_filters_and_counts_the_listing(jp_fetch, jp_root_dir, two_versions):
    body = await get_json(jp_fetch, "versions", path=NOTEBOOK, where="tag:best")
    none = await get_json(jp_fetch, "versions", path=NOTEBOOK, where="trees baseline")

    assert [v["name"] for v in body["versions"]] == ["v2"]
    assert body["total"] == 1
    assert none["versions"] == [] and none["total"] == 0


async def test_a_where_that_cannot_be_read_is_400_naming_the_word(jp_fetch, two_versions):
    status, body = await get_error(jp_fetch, "versions", path=NOTEBOOK, where="acc>high")

    assert status == 400
    assert body["error"] == "invalid_input"
    assert "acc>high" in body["message"] and "not a number" in body["message"]


async def test_find_gives_the_place_of_a_version_in_the_listing(jp_fetch, two_versions):
    v1 = await get_json(jp_fetch, "versions", path=NOTEBOOK, find="v1", limit="1")
    best = await get_json(jp_fetch, "versions", path=NOTEBOOK, find="best")
    left_out = await get_json(jp_fetch, "versions", path=NOTEBOOK, find="v1", where="tag:best")

    assert v1["index"] == 1
    assert best["index"] == 0
    assert left_out["index"] is None
    status, body = await get_error(jp_fetch, "versions", path=NOTEBOOK, find="v9")
    assert status == 404 and "v9" in body["message"]


async def test_find_sends_the_page_that_holds_the_version(jp_fetch, jp_root_dir, two_versions):
    notebook = jp_root_dir / NOTEBOOK
    with Store.open(jp_root_dir) as store:
        for i in (3, 4, 5):
            write_notebook(notebook, [f"x = {i}"])
            store.snapshot(notebook, message=f"run {i}")

    v1 = await get_json(jp_fetch, "versions", path=NOTEBOOK, find="v1", limit="2")
    v3 = await get_json(jp_fetch, "versions", path=NOTEBOOK, find="v3", limit="2", offset="0")

    assert (v1["index"], v1["offset"], [v["name"] for v in v1["versions"]]) == (4, 4, ["v1"])
    assert (v3["index"], v3["offset"], [v["name"] for v in v3["versions"]]) == (2, 2, ["v3", "v2"])
    assert set(v3["graph"]) == {v["id"] for v in v3["versions"]} and v1["total"] == 5


async def test_since_sends_only_the_versions_after_the_newest_one_a_client_lists(jp_fetch, jp_root_dir, two_versions):
    notebook = jp_root_dir / NOTEBOOK
    with Store.open(jp_root_dir) as store:
        write_notebook(notebook, ["x = 3"])
        v3 = store.snapshot(notebook, message="three")
        write_notebook(notebook, ["x = 4"])
        v4 = store.snapshot(notebook, message="four")
    since = two_versions["v2"].id

    after = await get_json(jp_fetch, "versions", path=NOTEBOOK, since=since, limit="50")
    too_many = await get_json(jp_fetch, "versions", path=NOTEBOOK, since=since, limit="1")
    unknown = await get_json(jp_fetch, "versions", path=NOTEBOOK, since="0" * 64, limit="50")
    nothing_new = await get_json(jp_fetch, "versions", path=NOTEBOOK, since=v4.id, limit="50")

    assert after["newer"] is True and [v["id"] for v in after["versions"]] == [v4.id, v3.id]
    assert after["total"] == 4 and after["current"] == v4.id
    assert set(after["graph"]) == {v4.id, v3.id, since, two_versions["v1"].id}, "the page below them too"
    assert after["graph"][since] == {"col": 0, "up": [0], "through": [], "down": True}
    assert "newer" not in too_many and [v["name"] for v in too_many["versions"]] == ["v4"]
    assert "newer" not in unknown and [v["name"] for v in unknown["versions"]] == ["v4", "v3", "v2", "v1"]
    assert nothing_new["newer"] is True and nothing_new["versions"] == [] and nothing_new["total"] == 4


async def test_current_names_the_version_the_notebook_on_disk_is(jp_fetch, jp_root_dir, two_versions):
    notebook = jp_root_dir / NOTEBOOK
    now = await get_json(jp_fetch, "versions", path=NOTEBOOK)
    with Store.open(jp_root_dir) as store:
        notebook.write_bytes(store.read_file(two_versions["v1"], NOTEBOOK))
    back_to_v1 = await get_json(jp_fetch, "versions", path=NOTEBOOK)
    write_notebook(notebook, ["edited"])
    edited = await get_json(jp_fetch, "versions", path=NOTEBOOK)

    assert now["current"] == two_versions["v2"].id
    assert back_to_v1["current"] == two_versions["v1"].id
    assert "current" not in edited


async def test_a_copy_of_a_version_in_a_new_notebook_names_its_origin(jp_fetch, jp_root_dir, two_versions):
    copy = jp_root_dir / "experiments" / "train-v1.ipynb"
    with Store.open(jp_root_dir) as store:
        copy.write_bytes(store.read_file(two_versions["v1"], NOTEBOOK))

    body = await get_json(jp_fetch, "versions", path="experiments/train-v1.ipynb")

    assert body["versions"] == [] and body["total"] == 0
    assert body["origin"] == {
        "id": two_versions["v1"].id,
        "notebook": NOTEBOOK,
        "name": "v1",
        "path": NOTEBOOK,
    }


async def test_a_versions_notebook_reads_without_restoring(jp_fetch, jp_root_dir, two_versions):
    before = (jp_root_dir / NOTEBOOK).read_bytes()

    body = await get_json(jp_fetch, "versions", "v1", "notebook", path=NOTEBOOK)

    assert body["version"]["name"] == "v1"
    assert ["".join(c["source"]) for c in body["content"]["cells"]] == ["x = 1"]
    assert (jp_root_dir / NOTEBOOK).read_bytes() == before
    status, error = await get_error(jp_fetch, "versions", "v7", "notebook", path=NOTEBOOK)
    assert status == 404 and "v7" in error["message"]


async def test_the_listing_draws_the_branch_a_restore_makes(jp_fetch, jp_root_dir, two_versions):
    notebook = jp_root_dir / NOTEBOOK
    with Store.open(jp_root_dir) as store:
        store.restore(two_versions["v1"])
        write_notebook(notebook, ["x = 1", "z = 9"])
        branch = store.snapshot(notebook, message="branch")

    body = await get_json(jp_fetch, "versions", path=NOTEBOOK)
    filtered = await get_json(jp_fetch, "versions", path=NOTEBOOK, where="branch")

    assert [v["name"] for v in body["versions"]] == ["v4", "v3", "v2", "v1"]
    assert body["versions"][0]["parent"] == two_versions["v1"].id
    graph = body["graph"]
    assert graph[branch.id] == {"col": 0, "up": [], "through": [], "down": True}
    assert graph[two_versions["v1"].id]["up"] == [0, 1]
    assert body["lanes"] == 2
    assert body["current"] == branch.id
    assert "graph" not in filtered
