"""Remotes through the REST API: add, list and remove a project's remotes; push and pull
as tasks between two stores over a folder remote; each version's remote state in the
listings; and what the API refuses (403, XSRF, 404 and 400 are in test_api_security)."""

from __future__ import annotations

from typing import Any

from jupyter_mv.store import Store

from ..helpers import write_notebook
from .api import NOTEBOOK, call, finish, ok
from .test_openapi import check

#: The second project, under the server root: a laptop's clone of the same work.
LAPTOP = "laptop"
LAPTOP_NOTEBOOK = f"{LAPTOP}/{NOTEBOOK}"


async def push(jp_fetch: Any, path: str = NOTEBOOK, **body: Any) -> dict[str, Any]:
    """A push through the API, waited for as the sidebar does: its finished task."""
    task = await finish(jp_fetch, await ok(jp_fetch, "POST", "push", body={"path": path, **body}, expect=202))
    assert task["state"] == "done", task
    return task


async def pull(jp_fetch: Any, path: str, **body: Any) -> dict[str, Any]:
    task = await finish(jp_fetch, await ok(jp_fetch, "POST", "pull", body={"path": path, **body}, expect=202))
    assert task["state"] == "done", task
    return task


async def listing(jp_fetch: Any, path: str = NOTEBOOK) -> dict[str, list[str]]:
    """``{version name: its remotes}`` of a notebook's versions, as the sidebar lists them."""
    body = await ok(jp_fetch, "GET", "versions", params={"path": path})
    check("VersionList", body)
    return {v["name"]: v["remotes"] for v in body["versions"]}


# -- remotes -------------------------------------------------------------------------------


async def test_a_remote_added_is_listed_as_the_default_then_removed(jp_fetch, jp_root_dir, two_versions, tmp_path):
    folder = tmp_path / "shared"
    folder.mkdir()

    added = await ok(
        jp_fetch, "POST", "remotes", body={"path": NOTEBOOK, "name": "team", "url": folder.as_uri()}, expect=201
    )
    listed = await ok(jp_fetch, "GET", "remotes", params={"path": NOTEBOOK})

    check("Remote", added)
    check("RemoteList", listed)
    assert added["name"] == "team"
    assert listed["remotes"] == [{"name": "team", "url": folder.as_uri(), "default": True}]
    with Store.open(jp_root_dir) as store:
        assert [r["name"] for r in store.remotes.list()] == ["team"]

    status, body = await call(jp_fetch, "DELETE", "remotes", "team", params={"path": NOTEBOOK})

    assert status == 204 and body is None
    assert (await ok(jp_fetch, "GET", "remotes", params={"path": NOTEBOOK}))["remotes"] == []


async def test_a_notebook_without_a_store_has_no_remotes(jp_fetch, jp_root_dir):
    write_notebook(jp_root_dir / "fresh.ipynb", ["1 + 1"])

    assert await ok(jp_fetch, "GET", "remotes", params={"path": "fresh.ipynb"}) == {"remotes": []}


async def test_a_url_with_a_password_is_400_and_nothing_is_stored(jp_fetch, jp_root_dir, two_versions):
    status, body = await call(
        jp_fetch, "POST", "remotes", body={"path": NOTEBOOK, "name": "cloud", "url": "sftp://me:hunter2@host/versions"}
    )

    assert status == 400 and body["error"] == "invalid_input"
    assert "hunter2" not in body["message"]
    with Store.open(jp_root_dir) as store:
        assert store.remotes.list() == []


async def test_a_bad_remote_name_is_400(jp_fetch, two_versions, tmp_path):
    status, body = await call(
        jp_fetch, "POST", "remotes", body={"path": NOTEBOOK, "name": "no spaces/or slashes", "url": tmp_path.as_uri()}
    )

    assert status == 400 and body["error"] == "invalid_input"
    assert (await ok(jp_fetch, "GET", "remotes", params={"path": NOTEBOOK}))["remotes"] == []


async def test_a_push_or_pull_without_any_remote_is_404_naming_the_cure(jp_fetch, two_versions):
    for verb in ("push", "pull"):
        status, body = await call(jp_fetch, "POST", verb, body={"path": NOTEBOOK})

        assert status == 404, body
        assert "remote" in body["message"]


# -- push and pull -------------------------------------------------------------------------


async def test_versions_are_local_only_until_pushed(jp_fetch, two_versions, origin):
    assert await listing(jp_fetch) == {"v2": [], "v1": []}

    task = await push(jp_fetch)

    assert task["kind"] == "push" and task["path"] == NOTEBOOK
    check("Task", task)
    check("PushResult", task["result"])
    assert task["result"]["remote"] == "origin"
    assert task["result"]["versions"] == 2 and task["result"]["bytes"] > 0
    assert task["progress"]["unit"] == "B", "the push reports its progress in bytes"
    assert await listing(jp_fetch) == {"v2": ["origin"], "v1": ["origin"]}
    one = await ok(jp_fetch, "GET", "versions", "v1", params={"path": NOTEBOOK})
    assert one["remotes"] == ["origin"]


async def test_a_second_push_sends_nothing(jp_fetch, two_versions, origin):
    await push(jp_fetch)

    again = (await push(jp_fetch))["result"]

    assert again["versions"] == 0 and again["bytes"] == 0
    assert again["skipped"] == 2


async def test_a_push_of_one_ref_sends_that_version_only(jp_fetch, two_versions, origin):
    result = await ok(jp_fetch, "POST", "push", body={"path": NOTEBOOK, "refs": ["v1"], "wait": True}, expect=200)

    check("PushResult", result)
    assert result["versions"] == 1
    assert await listing(jp_fetch) == {"v2": [], "v1": ["origin"]}


async def test_two_stores_push_and_pull_each_others_versions(jp_fetch, jp_root_dir, two_versions, origin):
    """The root project pushes; a second project (``laptop/``) adds the same folder as a
    remote from the API, pulls, restores byte-identical notebooks, then pushes a version
    of its own that the first project pulls."""
    await push(jp_fetch)
    (jp_root_dir / LAPTOP / "experiments").mkdir(parents=True)
    Store.init(jp_root_dir / LAPTOP).close()
    await ok(
        jp_fetch,
        "POST",
        "remotes",
        body={"path": LAPTOP_NOTEBOOK, "name": "origin", "url": origin.as_uri()},
        expect=201,
    )

    pulled = await pull(jp_fetch, LAPTOP_NOTEBOOK)

    check("PullResult", pulled["result"])
    assert pulled["kind"] == "pull"
    assert pulled["result"]["versions"] == 2
    assert await listing(jp_fetch, LAPTOP_NOTEBOOK) == {"v2": ["origin"], "v1": ["origin"]}
    laptop = await ok(jp_fetch, "GET", "versions", params={"path": LAPTOP_NOTEBOOK})
    assert [v["id"] for v in laptop["versions"]] == [two_versions["v2"].id, two_versions["v1"].id]
    # The pulled versions' bytes come from the remote when a restore needs them.
    restored = await finish(
        jp_fetch,
        await ok(
            jp_fetch,
            "POST",
            "restore",
            body={"path": LAPTOP_NOTEBOOK, "ref": "v1", "to": f"{LAPTOP}/experiments/v1.ipynb"},
        ),
    )
    assert restored["state"] == "done", restored
    with Store.open(jp_root_dir) as store:
        original = store.read_file(two_versions["v1"], two_versions["v1"].notebook)
    assert (jp_root_dir / LAPTOP / "experiments" / "v1.ipynb").read_bytes() == original

    # Back the other way: a version made on the laptop reaches the first project.
    write_notebook(jp_root_dir / LAPTOP_NOTEBOOK, ["x = 1", "y = x + 1", "z = y * 2"])
    with Store.open(jp_root_dir / LAPTOP) as laptop:
        mine = laptop.snapshot(jp_root_dir / LAPTOP_NOTEBOOK, message="from the laptop")
    assert (await push(jp_fetch, LAPTOP_NOTEBOOK))["result"]["versions"] == 1

    back = await pull(jp_fetch, NOTEBOOK)

    assert back["result"]["versions"] == 1
    body = await ok(jp_fetch, "GET", "versions", params={"path": NOTEBOOK})
    assert body["versions"][0]["id"] == mine.id and body["versions"][0]["remotes"] == ["origin"]


async def test_a_tag_that_names_another_version_on_the_remote_is_409(jp_fetch, jp_root_dir, two_versions, origin):
    """Both projects tag a different version ``release``: the second push is refused,
    naming the tag, and the remote keeps the first."""
    await push(jp_fetch)
    (jp_root_dir / LAPTOP).mkdir()
    Store.init(jp_root_dir / LAPTOP).close()
    await ok(
        jp_fetch,
        "POST",
        "remotes",
        body={"path": LAPTOP_NOTEBOOK, "name": "origin", "url": origin.as_uri()},
        expect=201,
    )
    await pull(jp_fetch, LAPTOP_NOTEBOOK)
    await ok(jp_fetch, "POST", "tags", body={"path": LAPTOP_NOTEBOOK, "ref": "v1", "name": "release"}, expect=201)
    await ok(jp_fetch, "POST", "tags", body={"path": NOTEBOOK, "ref": "v2", "name": "release"}, expect=201)
    await push(jp_fetch)

    status, error = await call(jp_fetch, "POST", "push", body={"path": LAPTOP_NOTEBOOK, "wait": True})

    assert status == 409, error
    check("Error", error)
    assert error["error"] == "conflict" and "release" in error["message"]
    # As a task, the same refusal is the task's error.
    task = await finish(jp_fetch, await ok(jp_fetch, "POST", "push", body={"path": LAPTOP_NOTEBOOK}, expect=202))
    assert task["state"] == "error" and task["error"]["error"] == "conflict"
