"""`%mv snapshot` in a real JupyterLab, driven by a real Chromium: the front end saves the
notebook before the kernel stores the version, so the version holds the edits the user
sees but never saved, and the sidebar lists the version without a refresh."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..helpers import run_cli, write_notebook
from .conftest import ITEMS, NOTEBOOK, Lab, open_notebook, open_sidebar, running_lab, screenshot

EDIT = "# edited in the browser, never saved by hand"
DIRTY_TAB = '.jp-mod-current[title*="work.ipynb"].jp-mod-dirty'


NO_STORE_ENV = {"JUPYTER_MV_STORE": ""}  # the project's own store, whatever the test run's environment says


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with a store and `work.ipynb` (two cells, no version yet)."""
    root = tmp_path_factory.mktemp("save-first") / "project"
    write_notebook(root / "work.ipynb", ["x = 1", "x + 1"], outputs=False)
    run_cli("init", str(root), env=NO_STORE_ENV, check=True)
    return root


@pytest.fixture(scope="module")
def lab(project: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with running_lab(project, tmp_path_factory.mktemp("save-first-state")) as running:
        yield running


def type_in_cell(page, index: int, text: str) -> None:
    """Replace a code cell's text as a user would: select all in its editor, then type."""
    page.locator(f"{NOTEBOOK} .jp-Cell").nth(index).locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(text)


def test_mv_snapshot_saves_the_notebook_first_and_the_sidebar_shows_it(page, lab, project, tmp_path):
    from playwright.sync_api import expect

    open_notebook(page, lab, "work.ipynb")
    open_sidebar(page)
    expect(page.locator(ITEMS)).to_have_count(0)
    page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]').first.wait_for(timeout=90_000)

    type_in_cell(page, 0, f"x = 2  {EDIT}")
    type_in_cell(page, 1, "%mv snapshot -m x")
    expect(page.locator(DIRTY_TAB)).to_have_count(1)
    assert EDIT not in (project / "work.ipynb").read_text()  # the edit is only in the browser

    page.keyboard.press("Shift+Enter")

    # Listed without a manual refresh: the kernel told the sidebar once the version was stored.
    items = page.locator(ITEMS)
    expect(items).to_have_count(1, timeout=90_000)
    expect(items.first.locator(".jp-mv-VersionItem-message")).to_have_text("x")
    output = page.locator(f"{NOTEBOOK} .jp-Cell").nth(1).locator(".jp-OutputArea-output")
    expect(output.first).to_contain_text("v1")
    assert "jupyter-mv:" not in output.all_inner_texts()[-1]  # no "older than the last cell run" warning
    assert EDIT in (project / "work.ipynb").read_text()  # the front end saved it (the output came after)
    screenshot(page, "save-first")

    # The stored version holds the edit, read back through the command line.
    run_cli("restore", "work.ipynb@v1", "--to", str(tmp_path / "v1"), cwd=project, env=NO_STORE_ENV, check=True)
    stored = json.loads((tmp_path / "v1" / "work.ipynb").read_text())
    assert "".join(stored["cells"][0]["source"]) == f"x = 2  {EDIT}"
    assert "".join(stored["cells"][1]["source"]) == "%mv snapshot -m x"


def test_after_a_kernel_restart_the_front_end_still_saves_first(page, lab, project, tmp_path):
    from playwright.sync_api import expect

    open_notebook(page, lab, "work.ipynb")
    open_sidebar(page)
    before = page.locator(ITEMS).count()
    page.locator(".lm-MenuBar-item", has_text="Kernel").click()
    page.locator('.lm-Menu-item[data-command="kernelmenu:restart"]').click()
    page.locator(".jp-Dialog .jp-mod-accept").click()
    expect(page.locator(".jp-Dialog")).to_have_count(0)
    type_in_cell(page, 0, "restarted = 1")
    page.keyboard.press("Shift+Enter")  # runs in the restarted kernel, which then knows this front end
    expect(page.locator(f"{NOTEBOOK} .jp-Cell").nth(0).locator(".jp-InputPrompt")).to_contain_text("[1]",
                                                                                                   timeout=90_000)

    type_in_cell(page, 0, "restarted = 2  # after the restart, unsaved")
    type_in_cell(page, 1, "%mv snapshot -m after-restart")
    page.keyboard.press("Shift+Enter")

    expect(page.locator(ITEMS)).to_have_count(before + 1, timeout=90_000)
    expect(page.locator(ITEMS).first.locator(".jp-mv-VersionItem-message")).to_have_text("after-restart")
    run_cli("restore", "work.ipynb@latest", "--to", str(tmp_path / "latest"), cwd=project, env=NO_STORE_ENV,
            check=True)
    stored = json.loads((tmp_path / "latest" / "work.ipynb").read_text())
    assert "".join(stored["cells"][0]["source"]) == "restarted = 2  # after the restart, unsaved"
