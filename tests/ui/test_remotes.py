"""Team remotes from the sidebar, in a real JupyterLab and a real Chromium: add a folder
remote, push, see each version's badge turn from local only to pushed; pick among
several remotes; pull a colleague's version; a refused remote is a notification.

The screenshot `sidebar-remote-picker.png` written here is the README's `docs/images/remotes.png`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from jupyter_mv import remote as mv_remote
from jupyter_mv.store import Store

from ..helpers import write_notebook
from .conftest import ITEMS, PANEL, Lab, dismiss_notifications, open_notebook, open_sidebar, running_lab, screenshot

DIALOG = ".jp-Dialog"
TOAST = ".Toastify__toast"
BADGES = f"{ITEMS} .jp-mv-RemoteState"


@pytest.fixture(scope="module")
def places(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A project with `train.ipynb` in two versions; two empty remote folders and a
    colleague's project folder, all outside the lab's root."""
    base = tmp_path_factory.mktemp("remotes")
    root = base / "project"
    notebook = write_notebook(root / "train.ipynb", ["x = 1"])
    env_before = os.environ.pop("JUPYTER_MV_STORE", None)
    try:
        with Store.init(root) as store:
            store.snapshot(notebook, message="first model")
            write_notebook(notebook, ["x = 1", "y = 2 * x"])
            store.snapshot(notebook, message="tuned model")
    finally:
        if env_before is not None:
            os.environ["JUPYTER_MV_STORE"] = env_before
    for name in ("team", "backup", "colleague"):
        (base / name).mkdir()
    return {"root": root, "team": base / "team", "backup": base / "backup", "colleague": base / "colleague"}


@pytest.fixture(scope="module")
def lab(places: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with running_lab(places["root"], tmp_path_factory.mktemp("remotes-state")) as running:
        yield running


def add_remote(page, name: str, url: str) -> None:
    """The sidebar's "+ Add remote", filled in as a user does."""
    page.locator(f"{PANEL} .jp-mv-RemoteBar-add").click()
    dialog = page.locator(DIALOG)
    dialog.locator(".jp-mv-RemoteName").fill(name)
    dialog.locator(".jp-mv-RemoteURL").fill(url)
    dialog.locator(".jp-Dialog-button.jp-mod-accept").click()
    dialog.wait_for(state="detached")


def badge_states(page) -> list[tuple[str, str]]:
    """(kind, tooltip) of each version's remote badge, newest first."""
    return [
        ("pushed" if "jp-mod-pushed" in (b.get_attribute("class") or "") else "local", b.get_attribute("title"))
        for b in page.locator(BADGES).all()
    ]


def test_add_a_folder_remote_push_and_see_the_badges_turn_pushed(page, lab, places):
    from playwright.sync_api import expect

    open_notebook(page, lab, "train.ipynb")
    open_sidebar(page)
    items = page.locator(ITEMS)
    expect(items).to_have_count(2)
    bar = page.locator(f"{PANEL} .jp-mv-RemoteBar")
    expect(bar).to_contain_text("No remote")
    expect(page.locator(BADGES)).to_have_count(0)

    add_remote(page, "team", places["team"].as_uri())

    expect(bar.locator(".jp-mv-Remote")).to_have_text(["team"])
    expect(page.locator(f"{BADGES}.jp-mod-local")).to_have_count(2)
    assert badge_states(page) == [("local", "Local only: not pushed to a remote yet")] * 2
    dismiss_notifications(page)

    page.locator(f"{PANEL} .jp-mv-PushButton").click()

    expect(page.locator(TOAST, has_text="2 versions pushed to team")).to_be_visible()
    expect(page.locator(f"{BADGES}.jp-mod-pushed")).to_have_count(2)
    assert badge_states(page) == [("pushed", "Pushed to team")] * 2
    assert any(places["team"].rglob("*")), "the remote folder holds what was pushed"
    dismiss_notifications(page)
    page.locator(f"{BADGES}.jp-mod-pushed").first.hover()
    screenshot(page, "sidebar-remotes")


def test_with_several_remotes_push_asks_which(page, lab, places):
    from playwright.sync_api import expect

    with Store.open(places["root"]) as store:
        write_notebook(places["root"] / "train.ipynb", ["x = 1", "y = 3 * x"])
        store.snapshot(places["root"] / "train.ipynb", message="after the push")
    open_notebook(page, lab, "train.ipynb")
    open_sidebar(page)
    expect(page.locator(ITEMS)).to_have_count(3)
    assert [kind for kind, _ in badge_states(page)] == ["local", "pushed", "pushed"]
    add_remote(page, "backup", places["backup"].as_uri())
    expect(page.locator(f"{PANEL} .jp-mv-Remote")).to_have_text(["team", "backup"])
    dismiss_notifications(page)

    page.locator(f"{PANEL} .jp-mv-PushButton").click()
    picker = page.locator(f"{DIALOG} select.jp-mv-RemotePicker")
    expect(picker.locator("option")).to_have_count(2)
    assert picker.input_value() == "team", "the default remote comes first chosen"
    picker.select_option("backup")
    screenshot(page, "sidebar-remote-picker")
    page.locator(f"{DIALOG} .jp-Dialog-button.jp-mod-accept").click()

    expect(page.locator(TOAST, has_text="3 versions pushed to backup")).to_be_visible()
    expect(page.locator(f"{ITEMS} .jp-mv-RemoteState[data-remotes='backup team']")).to_have_count(2)
    assert badge_states(page)[0] == ("pushed", "Pushed to backup")


def test_pull_brings_a_colleagues_version_with_its_badge(page, lab, places):
    from playwright.sync_api import expect

    colleague = places["colleague"]
    with Store.init(colleague) as store:
        mv_remote.add_remote(store, "team", places["team"].as_uri())
        mv_remote.pull(store, "team", all=True)
        write_notebook(colleague / "train.ipynb", ["x = 1", "y = 2 * x", "z = y + 1"])
        theirs = store.snapshot(colleague / "train.ipynb", message="the colleague's idea")
        mv_remote.push(store, "team")
    open_notebook(page, lab, "train.ipynb")
    open_sidebar(page)
    expect(page.locator(ITEMS)).to_have_count(3)

    page.locator(f"{PANEL} .jp-mv-PullButton").click()
    picker = page.locator(f"{DIALOG} select.jp-mv-RemotePicker")
    picker.select_option("team")
    page.locator(f"{DIALOG} .jp-Dialog-button.jp-mod-accept").click()

    expect(page.locator(TOAST, has_text="1 new version from team")).to_be_visible()
    pulled = page.locator(f"{ITEMS}[data-version-id='{theirs.id}']")
    expect(pulled.locator(".jp-mv-VersionItem-message")).to_have_text("the colleague's idea")
    expect(pulled.locator(".jp-mv-RemoteState")).to_have_attribute("title", "Pushed to team")


def test_a_url_with_a_password_is_refused_in_the_dialog_that_keeps_what_was_typed(page, lab, places):
    from playwright.sync_api import expect

    from jupyter_mv.remote.backend import _CREDENTIALS_HINT

    open_notebook(page, lab, "train.ipynb")
    open_sidebar(page)
    expect(page.locator(f"{PANEL} .jp-mv-Remote")).to_have_count(2)

    page.locator(f"{PANEL} .jp-mv-RemoteBar-add").click()
    dialog = page.locator(DIALOG)
    dialog.locator(".jp-mv-RemoteName").fill("leaky")
    dialog.locator(".jp-mv-RemoteURL").fill("sftp://me:hunter2@example.invalid/versions")
    dialog.locator(".jp-Dialog-button.jp-mod-accept").click()

    error = page.locator(f"{DIALOG} .jp-mv-DialogError")
    expect(error).to_have_text(f"Could not add the remote: a remote URL must not hold a password: {_CREDENTIALS_HINT}")
    box = error.evaluate("n => [n.scrollWidth <= n.clientWidth + 1, n.scrollHeight <= n.clientHeight + 1]")
    assert box == [True, True], "the whole message shows"
    expect(page.locator(f"{DIALOG} .jp-mv-RemoteName")).to_have_value("leaky")
    expect(page.locator(f"{DIALOG} .jp-mv-RemoteURL")).to_have_value("sftp://me:hunter2@example.invalid/versions")
    screenshot(page, "add-remote-refused")
    page.locator(f"{DIALOG} .jp-Dialog-button.jp-mod-reject").click()
    page.locator(DIALOG).wait_for(state="detached")
    expect(page.locator(f"{PANEL} .jp-mv-Remote")).to_have_count(2)
    with Store.open(places["root"]) as store:
        assert "leaky" not in [r["name"] for r in store.remotes.list()]
