"""A refused request changes nothing.

Every write route validates all of its input before it writes anything: a request
answered with a 4xx leaves every user file and every byte of the store as it was. The
case that broke this: ``POST snapshot`` with ``content`` for a path that is not a
notebook answered 400 after it had overwritten that file with notebook JSON.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from jupyter_mv.store import Store
from tests.helpers import write_notebook
from tests.reliability.invariants import store_state, user_files
from tests.server.api import call

NB = "train.ipynb"
CONTENT = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("overwritten = True")])


@pytest.fixture
def project(jp_root_dir: Path) -> Path:
    notebook = write_notebook(jp_root_dir / NB, ["x = 1"])
    (jp_root_dir / "data.csv").write_text("a,b\n1,2\n")
    (jp_root_dir / "script.py").write_text("print('mine')\n")
    (jp_root_dir / "folder.ipynb").mkdir()
    (jp_root_dir / "other.ipynb").write_text(notebook.read_text())
    with Store.init(jp_root_dir) as store:
        store.snapshot(notebook, [jp_root_dir / "data.csv"], message="v1")
        store.tag("v1", "best")
    (jp_root_dir / "storelink").symlink_to(".jupyter_mv", target_is_directory=True)
    return jp_root_dir


REFUSED = [
    # a snapshot with content, refused for its path or another field: the content is never saved
    ("snapshot", {"path": "script.py", "content": CONTENT}),
    ("snapshot", {"path": "data.csv", "content": CONTENT}),
    ("snapshot", {"path": "folder.ipynb", "content": CONTENT}),
    ("snapshot", {"path": "storelink/x.ipynb", "content": CONTENT}),
    ("snapshot", {"path": NB, "content": CONTENT, "files": ["../outside.csv"]}),
    ("snapshot", {"path": NB, "content": CONTENT, "files": ["storelink"]}),
    ("snapshot", {"path": NB, "content": CONTENT, "files": "data.csv"}),
    ("snapshot", {"path": NB, "content": CONTENT, "kernel": "yes"}),
    ("snapshot", {"path": NB, "content": CONTENT, "message": 7}),
    ("snapshot", {"path": NB, "content": {"cells": "no"}}),
    # a restore refused before anything is kept or written
    ("restore", {"path": NB, "ref": "v1", "to": ""}),
    ("restore", {"path": NB, "ref": "v1", "to": "   "}),
    ("restore", {"path": NB, "ref": "v1", "to": "other.ipynb"}),
    ("restore", {"path": NB, "ref": "v1", "to": "script.py"}),
    ("restore", {"path": NB, "ref": "v1", "to": "nofolder/new.ipynb"}),
    ("restore", {"path": NB, "ref": "v9"}),
    ("restore", {"path": NB, "ref": "v1", "files": "all"}),
    # names
    ("tags", {"path": NB, "ref": "v1", "name": "best"}),
    ("tags", {"path": NB, "ref": "v1", "name": ""}),
    ("tags", {"path": NB, "ref": "v9", "name": "new"}),
    ("aliases", {"path": NB, "ref": "v9", "name": "prod"}),
    ("aliases", {"path": NB, "ref": "v1", "name": "bad\nname"}),
    ("saves", {"path": "script.py"}),
    ("saves", {"path": NB, "retention_days": -1}),
    ("remotes", {"path": NB, "name": "", "url": "/tmp/x"}),
    ("remotes", {"path": NB, "name": "r", "url": "ftp://127.0.0.1:1/x"}),
    ("push", {"path": NB, "remote": "nowhere"}),
    ("pull", {"path": NB, "remote": "nowhere"}),
]


@pytest.mark.parametrize(("route", "body"), REFUSED, ids=[f"{r}-{i}" for i, (r, _) in enumerate(REFUSED)])
async def test_a_refused_write_changes_nothing(jp_fetch, project: Path, route: str, body: dict) -> None:
    files, store = user_files(project), store_state(project / ".jupyter_mv")
    status, answer = await call(jp_fetch, "POST", route, body={**body, "wait": True})
    assert 400 <= status < 500, (status, answer)
    assert set(answer) == {"error", "message"} and answer["message"], answer
    assert user_files(project) == files
    assert store_state(project / ".jupyter_mv") == store


async def test_restore_to_an_empty_string_is_not_a_restore_in_place(jp_fetch, project: Path) -> None:
    write_notebook(project / NB, ["x = 'edited'"])
    status, answer = await call(jp_fetch, "POST", "restore", body={"path": NB, "ref": "v1", "to": "", "wait": True})
    assert status == 400 and "to is empty" in answer["message"], answer
    assert "edited" in (project / NB).read_text()


async def test_the_control_a_valid_snapshot_with_content_saves_it(jp_fetch, project: Path) -> None:
    status, answer = await call(
        jp_fetch, "POST", "snapshot", body={"path": NB, "content": CONTENT, "wait": True, "kernel": False}
    )
    assert status == 201, answer
    assert "overwritten = True" in (project / NB).read_text()
