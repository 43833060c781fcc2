"""`%mv snapshot` in a real JupyterLab, driven by a real Chromium: the front end saves the
notebook before the kernel stores the version, so the version holds the edits the user
sees but never saved, and the sidebar lists the version without a refresh."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..helpers import run_cli, write_notebook
from .conftest import DOCUMENT_TAB, ITEMS, NOTEBOOK, Lab, open_notebook, open_sidebar, running_lab, screenshot

#: Notebooks opened in the browser, then left: closed, or their browser tab gone.
LEFT = ("closed.ipynb", "tab.ipynb")


NO_STORE_ENV = {"JUPYTER_MV_STORE": ""}  # the project's own store, whatever the test run's environment says


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with a store and notebooks (no version yet)."""
    root = tmp_path_factory.mktemp("save-first") / "project"
    for name in ("work.ipynb", "hello.ipynb"):
        write_notebook(root / name, ["x = 1", "x + 1"], outputs=False)
    for name in LEFT:
        write_notebook(root / name, ["x = 1"], outputs=False)
    run_cli("init", str(root), env=NO_STORE_ENV, check=True)
    return root


@pytest.fixture(scope="module")
def state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("save-first-state")


@pytest.fixture(scope="module")
def lab(project: Path, state: Path) -> Iterator[Lab]:
    with running_lab(project, state) as running:
        yield running


def type_in_cell(page, index: int, text: str) -> None:
    """Replace a code cell's text as a user would: select all in its editor, then type."""
    page.locator(f"{NOTEBOOK} .jp-Cell").nth(index).locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(text)


def wait_for_kernel(page) -> None:
    """Wait until the notebook's kernel runs and is idle: a cell run before has no kernel
    to run in, and JupyterLab clears it instead."""
    from playwright.sync_api import expect

    status = page.locator('.jp-StatusBar-TextItem[title^="Change kernel for"]')
    expect(status).to_contain_text("| Idle", timeout=90_000)


def run_in_cell(page, index: int, code: str) -> None:
    """Type ``code`` (which prints a word) into a cell, run it and wait for its output."""
    from playwright.sync_api import expect

    type_in_cell(page, index, code)
    page.keyboard.press("Shift+Enter")
    output = page.locator(f"{NOTEBOOK} .jp-Cell").nth(index).locator(".jp-OutputArea-output")
    expect(output.first).to_contain_text(code.split("'")[1], timeout=90_000)


def snapshot_with_an_unsaved_edit(page, project: Path, tmp_path: Path, notebook: str, edit: str, message: str) -> None:
    """Edit cell 1 without saving, run `%mv snapshot -m MESSAGE` in cell 2; the version
    holds the edit and the sidebar lists it without a manual refresh."""
    from playwright.sync_api import expect

    items = page.locator(ITEMS)
    before = items.count()
    type_in_cell(page, 0, edit)
    type_in_cell(page, 1, f"%mv snapshot -m {message}")
    expect(page.locator(f'.jp-mod-current[title*="{notebook}"].jp-mod-dirty')).to_have_count(1)
    assert edit not in (project / notebook).read_text()  # the edit is only in the browser

    page.keyboard.press("Shift+Enter")

    # Listed without a manual refresh: the kernel told the sidebar once the version was stored.
    expect(items).to_have_count(before + 1, timeout=90_000)
    expect(items.first.locator(".jp-mv-VersionItem-message")).to_have_text(message)
    output = page.locator(f"{NOTEBOOK} .jp-Cell").nth(1).locator(".jp-OutputArea-output")
    expect(output.first).to_contain_text(f"v{before + 1}")
    assert "jupyter-mv:" not in output.all_inner_texts()[-1]  # no "older than the last cell run" warning
    assert edit in (project / notebook).read_text()  # the front end saved it (the output came after)

    # The stored version holds the edit, read back through the command line.
    restored = tmp_path / message
    run_cli("restore", f"{notebook}@latest", "--to", str(restored), cwd=project, env=NO_STORE_ENV, check=True)
    stored = json.loads((restored / notebook).read_text())
    assert "".join(stored["cells"][0]["source"]) == edit
    assert "".join(stored["cells"][1]["source"]) == f"%mv snapshot -m {message}"


def test_mv_snapshot_saves_the_notebook_first_and_the_sidebar_shows_it(page, lab, project, tmp_path):
    from playwright.sync_api import expect

    open_notebook(page, lab, "work.ipynb")
    open_sidebar(page)
    expect(page.locator(ITEMS)).to_have_count(0)
    wait_for_kernel(page)
    snapshot_with_an_unsaved_edit(page, project, tmp_path, "work.ipynb", "x = 2  # edited, never saved by hand", "x")
    screenshot(page, "save-first")


def test_after_a_kernel_restart_the_front_end_still_saves_first(page, lab, project, tmp_path):
    from playwright.sync_api import expect

    open_notebook(page, lab, "work.ipynb")
    open_sidebar(page)
    page.locator(".lm-MenuBar-item", has_text="Kernel").click()
    page.locator('.lm-Menu-item[data-command="kernelmenu:restart"]').click()
    page.locator(".jp-Dialog .jp-mod-accept").click()
    expect(page.locator(".jp-Dialog")).to_have_count(0)
    run_in_cell(page, 0, "print('restarted')")  # in the restarted kernel, which then knows this front end
    snapshot_with_an_unsaved_edit(page, project, tmp_path, "work.ipynb", "restarted = 2  # unsaved", "after-restart")


def test_loaded_by_hand_the_kernel_finds_the_front_end(page, lab, project, tmp_path):
    open_notebook(page, lab, "hello.ipynb")
    open_sidebar(page)
    wait_for_kernel(page)
    # Unloading forgets the front end; loading again says hello, and the front end answers.
    run_in_cell(page, 0, "%unload_ext jupyter_mv\n%load_ext jupyter_mv\nprint('reloaded')")
    snapshot_with_an_unsaved_edit(page, project, tmp_path, "hello.ipynb", "y = 1  # unsaved", "by-hand")


def kernel_of(lab: Lab, state: Path, notebook: str):
    """A client on the running kernel of ``notebook`` (as another front end connects)."""
    from jupyter_client import BlockingKernelClient

    with urllib.request.urlopen(f"{lab.base}/api/sessions?token={lab.token}", timeout=10) as response:
        sessions = [s for s in json.load(response) if s["path"] == notebook]
    assert len(sessions) == 1, sessions
    client = BlockingKernelClient(connection_file=str(state / "runtime" / f"kernel-{sessions[0]['kernel']['id']}.json"))
    client.load_connection_file()
    client.start_channels()
    client.wait_for_ready(timeout=60)
    return client


def snapshot_elsewhere(client, message: str) -> tuple[list[dict], float]:
    """`%mv snapshot` from a client that is not JupyterLab: the save requests the kernel made
    (they reach every front end) and the seconds it took."""
    started = time.monotonic()
    msg_id = client.execute(f"%mv snapshot -m {message}")
    requests = []
    while True:
        got = client.get_iopub_msg(timeout=60)
        if got["parent_header"].get("msg_id") != msg_id:
            continue
        if got["msg_type"] == "comm_open" and got["content"]["target_name"] == "jupyter-mv":
            requests.append(got["content"]["data"])
        elif got["msg_type"] == "error":
            raise AssertionError(got["content"]["evalue"])
        elif got["msg_type"] == "status" and got["content"]["execution_state"] == "idle":
            return requests, time.monotonic() - started


@pytest.mark.parametrize("notebook", LEFT)
def test_a_notebook_left_is_not_waited_for(page, lab, state, project, notebook):
    from playwright.sync_api import expect

    open_notebook(page, lab, notebook)
    wait_for_kernel(page)
    run_in_cell(page, 0, "print('opened')")
    client = kernel_of(lab, state, notebook)
    try:
        requests, _ = snapshot_elsewhere(client, "open")
        assert [r.get("action") for r in requests] == ["save", "refresh"]  # JupyterLab is attached

        if notebook == "closed.ipynb":  # close its tab; the kernel keeps running
            page.keyboard.press("Control+s")  # saved: closing asks nothing
            expect(page.locator(f"{DOCUMENT_TAB}.jp-mod-dirty")).to_have_count(0)
            page.locator(f'{DOCUMENT_TAB}.jp-mod-current[title*="{notebook}"] .lm-TabBar-tabCloseIcon').click()
            expect(page.locator(f'{DOCUMENT_TAB}[title*="{notebook}"]')).to_have_count(0)
            deadline = time.monotonic() + 30
            while True:  # the front end's goodbye reaches the kernel between cells
                requests, took = snapshot_elsewhere(client, "left")
                if not requests or time.monotonic() > deadline:
                    break
            assert requests == []  # nothing asked: no front end is attached any more
        else:  # leave the page: its goodbye may not make it out, the kernel then waits once at most
            page.goto("about:blank")
            snapshot_elsewhere(client, "left")
            requests, took = snapshot_elsewhere(client, "left-again")
        assert took < 5  # half the save timeout
    finally:
        client.stop_channels()
