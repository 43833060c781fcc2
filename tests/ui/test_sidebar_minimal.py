"""The versions sidebar in a real JupyterLab, driven by a real Chromium: it lists the
active notebook's versions, follows the active notebook, pages through many versions,
reads its settings from the settings registry, and shows errors."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from jupyter_mv.store import Store

from ..helpers import write_notebook
from .conftest import (  # CHROMIUM and its flags are imported from here by other tests
    CHROMIUM,
    CHROMIUM_FLAGS,
    DOCUMENT_TAB,
    ITEMS,
    NOTEBOOK,
    PANEL,
    SIDEBAR_TAB,
    Lab,
    open_notebook,
    open_sidebar,
    running_lab,
    screenshot,
    theme_colour,
)

__all__ = ["CHROMIUM", "CHROMIUM_FLAGS"]

MANY = 1200


@pytest.fixture(scope="module")
def lab_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with a store and `train.ipynb` in two versions (the second tagged), and
    `many.ipynb` with 1,200 versions."""
    root = tmp_path_factory.mktemp("lab") / "project"
    notebook = write_notebook(root / "train.ipynb", ["x = 1"])
    write_notebook(root / "scratch.ipynb", ["2 + 2"])
    many = write_notebook(root / "many.ipynb", ["n = 0"])
    env_before = os.environ.pop("JUPYTER_MV_STORE", None)
    try:
        with Store.init(root) as store:
            store.snapshot(notebook, message="first model")
            write_notebook(notebook, ["x = 1", "y = 2 * x"])
            store.tag(store.snapshot(notebook, message="tuned model").id, "best")
            for i in range(1, MANY + 1):
                store.snapshot(many, message=f"run {i}", metrics={"auc": round(0.5 + i / 4000, 4)})
    finally:
        if env_before is not None:
            os.environ["JUPYTER_MV_STORE"] = env_before
    return root


@pytest.fixture(scope="module")
def lab(lab_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with running_lab(lab_root, tmp_path_factory.mktemp("lab-state")) as running:
        yield running


def test_the_sidebar_lists_the_active_notebooks_two_versions(page, lab):
    from playwright.sync_api import expect

    open_notebook(page, lab, "train.ipynb")
    tab = page.locator(SIDEBAR_TAB)
    expect(tab.locator('svg[data-icon="jupyter-mv:versions"]')).to_have_count(1)

    open_sidebar(page)

    items = page.locator(ITEMS)
    expect(items).to_have_count(2)
    expect(items.nth(0).locator(".jp-mv-VersionItem-name")).to_have_text("v2")
    expect(items.nth(0).locator(".jp-mv-VersionItem-message")).to_have_text("tuned model")
    expect(items.nth(0).locator(".jp-mv-Tag")).to_have_text(["best"])
    expect(items.nth(1).locator(".jp-mv-VersionItem-name")).to_have_text("v1")
    expect(items.nth(1).locator(".jp-mv-VersionItem-message")).to_have_text("first model")
    expect(page.locator(f"{PANEL} .jp-mv-VersionsView-notebook")).to_have_text("train.ipynb")
    # The sidebar's stylesheet is shipped and paints with the theme's variables.
    panel_background = page.evaluate("getComputedStyle(document.querySelector('#jupyter-mv-versions')).backgroundColor")
    assert panel_background == theme_colour(page, "--jp-layout-color1") != "rgba(0, 0, 0, 0)"
    screenshot(page, "sidebar-two-versions")


def test_the_sidebar_follows_the_active_notebook(page, lab):
    from playwright.sync_api import expect

    open_notebook(page, lab, "train.ipynb")
    open_sidebar(page)
    expect(page.locator(ITEMS)).to_have_count(2)

    # Open a notebook with no versions from the file browser, in the same page.
    page.locator('.jp-SideBar.jp-mod-left li[data-id="filebrowser"]').click()
    page.locator(".jp-DirListing-itemText", has_text="scratch.ipynb").dblclick()
    page.locator(f'{DOCUMENT_TAB}.jp-mod-current[title*="scratch.ipynb"]').wait_for()
    open_sidebar(page)

    expect(page.locator(f"{PANEL} .jp-mv-VersionsView-notebook")).to_have_text("scratch.ipynb")
    expect(page.locator(ITEMS)).to_have_count(0)
    expect(page.locator(f"{PANEL} .jp-mv-State-empty")).to_contain_text("No versions yet")
    screenshot(page, "sidebar-empty-state")

    # Back to the first notebook's tab: its versions again.
    page.locator(f'{DOCUMENT_TAB}[title*="train.ipynb"]').click()
    expect(page.locator(f"{PANEL} .jp-mv-VersionsView-notebook")).to_have_text("train.ipynb")
    expect(page.locator(ITEMS)).to_have_count(2)


def test_saving_and_the_refresh_button_fetch_new_versions(page, lab, lab_root):
    from playwright.sync_api import expect

    notebook = write_notebook(lab_root / "saved.ipynb", ["z = 3"])
    with Store.open(lab_root) as store:
        store.snapshot(notebook, message="before the save")
    open_notebook(page, lab, "saved.ipynb")
    open_sidebar(page)
    expect(page.locator(ITEMS)).to_have_count(1)

    with Store.open(lab_root) as store:
        store.snapshot(notebook, message="made while the lab was open")
    page.locator(NOTEBOOK).click()
    page.keyboard.press("Control+s")
    expect(page.locator(ITEMS)).to_have_count(2)
    expect(page.locator(ITEMS).nth(0).locator(".jp-mv-VersionItem-message")).to_have_text("made while the lab was open")

    with Store.open(lab_root) as store:
        store.snapshot(notebook, message="picked up by refresh")
    page.locator(f"{PANEL} .jp-mv-RefreshButton").click()
    expect(page.locator(ITEMS)).to_have_count(3)
    expect(page.locator(ITEMS).nth(0).locator(".jp-mv-VersionItem-name")).to_have_text("v3")


def test_a_failing_api_shows_the_error_state(page, lab, lab_root):
    """A damaged store: the sidebar says so instead of showing nothing."""
    from playwright.sync_api import expect

    broken = lab_root / "broken"
    notebook = write_notebook(broken / "nb.ipynb", ["1"])
    with Store.init(broken) as store:
        store.snapshot(notebook, message="soon unreadable")
    db = broken / ".jupyter_mv" / "mv.db"
    for extra in db.parent.glob("mv.db-*"):
        extra.unlink()
    db.write_bytes(b"not a database" * 100)

    open_notebook(page, lab, "broken/nb.ipynb")
    open_sidebar(page)

    error = page.locator(f"{PANEL} .jp-mv-State-error")
    expect(error).to_contain_text("Could not load versions")
    expect(error.locator("button")).to_have_text("Try again")
    screenshot(page, "sidebar-error-state")
    shutil.rmtree(broken)


def listing_pages(page) -> list[dict[str, str]]:
    """The query of each `GET versions` the page makes from now on."""
    from urllib.parse import parse_qsl, urlparse

    seen: list[dict[str, str]] = []
    page.on(
        "request",
        lambda r: seen.append(dict(parse_qsl(urlparse(r.url).query))) if "/jupyter-mv/api/versions?" in r.url else None,
    )
    return seen


def test_many_versions_load_a_page_at_a_time(page, lab):
    from playwright.sync_api import expect

    seen = listing_pages(page)
    open_notebook(page, lab, "many.ipynb")
    open_sidebar(page)

    items = page.locator(ITEMS)
    expect(items.first.locator(".jp-mv-VersionItem-name")).to_have_text(f"v{MANY}")
    expect(items.first.locator(".jp-mv-Metric")).to_have_text("auc 0.8")
    assert items.count() < 50, "only the rows in view are in the page"
    # Scrolling to the end loads the last page only, not the pages in between.
    page.locator(f"{PANEL} .jp-mv-Timeline").evaluate("node => node.scrollTo(0, node.scrollHeight)")
    expect(page.locator(f'{ITEMS}[data-version-name="v1"]')).to_be_visible()
    offsets = {int(q.get("offset", "0")) for q in seen if q.get("path") == "many.ipynb"}
    assert {q.get("limit") for q in seen if q.get("path") == "many.ipynb"} == {"50"}
    assert MANY - 50 in offsets and 600 not in offsets, sorted(offsets)


def test_the_page_size_comes_from_the_settings_registry(page, lab):
    from playwright.sync_api import expect

    lab.set_user_settings("jupyter-mv:plugin", {"pageSize": 20, "metricsShown": 0})
    try:
        seen = listing_pages(page)
        open_notebook(page, lab, "many.ipynb")
        open_sidebar(page)

        items = page.locator(ITEMS)
        expect(items.first.locator(".jp-mv-VersionItem-name")).to_have_text(f"v{MANY}")
        expect(items.first.locator(".jp-mv-Metric")).to_have_count(0)
        page.locator(f"{PANEL} .jp-mv-Timeline").evaluate("node => node.scrollTo(0, 3000)")
        expect(page.locator(f"{PANEL} .jp-mv-VersionItem-name").first).not_to_have_text(f"v{MANY}")
        assert "20" in {q.get("limit") for q in seen if q.get("path") == "many.ipynb"}
    finally:
        lab.set_user_settings("jupyter-mv:plugin", None)
