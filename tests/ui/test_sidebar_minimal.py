"""The versions sidebar in a real JupyterLab, driven by a real Chromium.

The lab runs as a subprocess with this interpreter, so it serves the *installed*
jupyter-mv: its prebuilt sidebar and its server extension (`make test` installs
them). Screenshots go to tests/output/ui/.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from jupyter_mv.store import Store

from ..helpers import write_notebook

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
OUTPUT = Path(__file__).resolve().parents[1] / "output" / "ui"
SIDEBAR_TAB = '.jp-SideBar.jp-mod-left li[data-id="jupyter-mv-versions"]'
PANEL = "#jupyter-mv-versions"
ITEMS = f"{PANEL} .jp-mv-VersionItem"
TIMEOUT_MS = 60_000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def chromium() -> str:
    if not Path(CHROMIUM).is_file():
        pytest.fail(
            f"\n\n*** Chromium is not at {CHROMIUM}: the UI tests cannot run. ***\n"
            "`make test` installs Debian's chromium; or run `apt-get install chromium`, "
            "or point the CHROMIUM environment variable at a Chromium binary.\n",
            pytrace=False,
        )
    return CHROMIUM


@pytest.fixture(scope="module")
def lab_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project with a store and `train.ipynb` in two versions (the second tagged)."""
    root = tmp_path_factory.mktemp("lab") / "project"
    notebook = write_notebook(root / "train.ipynb", ["x = 1"])
    write_notebook(root / "scratch.ipynb", ["2 + 2"])
    env_before = os.environ.pop("JUPYTER_MV_STORE", None)
    try:
        with Store.init(root) as store:
            store.snapshot(notebook, message="first model")
            write_notebook(notebook, ["x = 1", "y = 2 * x"])
            store.tag(store.snapshot(notebook, message="tuned model").id, "best")
    finally:
        if env_before is not None:
            os.environ["JUPYTER_MV_STORE"] = env_before
    return root


@pytest.fixture(scope="module")
def lab(lab_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `jupyter lab` on a free loopback port; yields its base URL (with token)."""
    port, token = free_port(), secrets.token_hex(16)
    state = tmp_path_factory.mktemp("lab-state")
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(state / "config"),
        "JUPYTER_DATA_DIR": str(state / "data"),
        "JUPYTER_RUNTIME_DIR": str(state / "runtime"),
        "IPYTHONDIR": str(state / "ipython"),
        "JUPYTER_MV_AUTHOR": "tester",
    }
    env.pop("JUPYTER_MV_STORE", None)
    # No "would you like news?" prompt over the screenshots.
    notification = state / "settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    notification.parent.mkdir(parents=True)
    notification.write_text(json.dumps({"fetchNews": "false"}))
    log = (state / "lab.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "jupyterlab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={lab_root}",
            f"--IdentityProvider.token={token}",
            "--allow-root",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.extension_manager=readonly",
            f"--LabApp.user_settings_dir={state / 'settings'}",
            f"--LabApp.workspaces_dir={state / 'workspaces'}",
        ],
        cwd=lab_root, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"jupyter lab exited with {proc.returncode}:\n{(state / 'lab.log').read_text()}")
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"jupyter lab did not answer within 90 s:\n{(state / 'lab.log').read_text()}")
            time.sleep(0.25)
        with urllib.request.urlopen(f"{base}/lab/api/extensions?token={token}", timeout=10) as response:
            names = [ext["name"] for ext in json.load(response)]
        assert "jupyter-mv" in names, (
            f"the lab does not see the jupyter-mv labextension ({names}); install the package "
            "with its prebuilt extension (`make test`)"
        )
        yield f"{base}/lab/tree/{{path}}?reset&token={token}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        print(f"\njupyter lab log: {state / 'lab.log'}")


@pytest.fixture
def page(chromium: str, lab: str):
    """A fresh Chromium page."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 900})
            context.set_default_timeout(TIMEOUT_MS)
            yield context.new_page()
        finally:
            browser.close()


NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook"
DOCUMENT_TAB = '#jp-main-dock-panel li.lm-TabBar-tab[data-type="document-title"]'


def open_notebook(page, lab: str, path: str) -> None:
    """Open ``path`` (in a reset workspace) and wait until it is the current document."""
    page.goto(lab.format(path=path))
    page.locator(f'{DOCUMENT_TAB}.jp-mod-current[title*="{Path(path).name}"]').wait_for()
    page.locator(NOTEBOOK).wait_for(state="visible")


def open_sidebar(page) -> None:
    tab = page.locator(SIDEBAR_TAB)
    tab.wait_for(state="visible")
    if "lm-mod-current" not in (tab.get_attribute("class") or ""):
        tab.click()
    page.locator(PANEL).wait_for(state="visible")


def screenshot(page, name: str) -> Path:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    path = OUTPUT / f"{name}.png"
    page.screenshot(path=str(path))
    print(f"\nscreenshot: {path}")
    return path


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
    panel_background, theme_background = page.evaluate(
        """() => {
          const probe = document.createElement('div');
          probe.style.background = 'var(--jp-layout-color1)';
          document.body.appendChild(probe);
          const theme = getComputedStyle(probe).backgroundColor;
          probe.remove();
          return [getComputedStyle(document.querySelector('#jupyter-mv-versions')).backgroundColor, theme];
        }"""
    )
    assert panel_background == theme_background != "rgba(0, 0, 0, 0)"
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
    expect(page.locator(ITEMS).nth(0).locator(".jp-mv-VersionItem-message")).to_have_text(
        "made while the lab was open"
    )

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
