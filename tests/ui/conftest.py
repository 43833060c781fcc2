"""A real `jupyter lab` driven by a real Chromium (Debian's, through Python Playwright).

The lab runs as a subprocess with this interpreter, so it serves the *installed*
jupyter-mv: its prebuilt sidebar and its server extension (`make test` installs
them). Each test module starts its own lab on a free loopback port over its own
project folder. Screenshots go to tests/output/ui/.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

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
NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook"
DOCUMENT_TAB = '#jp-main-dock-panel li.lm-TabBar-tab[data-type="document-title"]'
TIMEOUT_MS = 60_000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def chromium() -> str:
    if not Path(CHROMIUM).is_file():
        pytest.fail(
            f"\n\n*** Chromium is not at {CHROMIUM}: the UI tests cannot run. ***\n"
            "`make test` installs Debian's chromium; or run `apt-get install chromium`, "
            "or point the CHROMIUM environment variable at a Chromium binary.\n",
            pytrace=False,
        )
    return CHROMIUM


class Lab:
    """A running lab: its URL for a path, its root folder, its user-settings folder."""

    def __init__(self, base: str, token: str, root: Path, settings: Path) -> None:
        self.base, self.token, self.root, self.settings = base, token, root, settings

    def url(self, path: str) -> str:
        return f"{self.base}/lab/tree/{path}?reset&token={self.token}"

    def set_user_settings(self, plugin: str, values: dict[str, Any] | None) -> None:
        """Write (or, with None, remove) the user's settings of a plugin (``package:id``);
        pages loaded after this see them."""
        package, name = plugin.split(":")
        path = self.settings / package / f"{name}.jupyterlab-settings"
        if values is None:
            path.unlink(missing_ok=True)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


@contextmanager
def running_lab(root: Path, state: Path) -> Iterator[Lab]:
    """A real `jupyter lab` over ``root`` on a free loopback port, stopped on exit."""
    port, token = free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(state / "config"),
        "JUPYTER_DATA_DIR": str(state / "data"),
        "JUPYTER_RUNTIME_DIR": str(state / "runtime"),
        "IPYTHONDIR": str(state / "ipython"),
        "JUPYTER_MV_AUTHOR": "tester",
    }
    env.pop("JUPYTER_MV_STORE", None)
    lab = Lab(f"http://127.0.0.1:{port}", token, root, state / "settings")
    # No "would you like news?" prompt over the screenshots.
    lab.set_user_settings("@jupyterlab/apputils-extension:notification", {"fetchNews": "false"})
    log = (state / "lab.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={root}",
            f"--IdentityProvider.token={token}",
            "--allow-root",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.extension_manager=readonly",
            f"--LabApp.user_settings_dir={state / 'settings'}",
            f"--LabApp.workspaces_dir={state / 'workspaces'}",
        ],
        cwd=root,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(f"jupyter lab exited with {proc.returncode}:\n{(state / 'lab.log').read_text()}")
            try:
                with urllib.request.urlopen(f"{lab.base}/api/status?token={token}", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"jupyter lab did not answer within 90 s:\n{(state / 'lab.log').read_text()}")
            time.sleep(0.25)
        with urllib.request.urlopen(f"{lab.base}/lab/api/extensions?token={token}", timeout=60) as response:
            names = [ext["name"] for ext in json.load(response)]
        assert "jupyter-mv" in names, (
            f"the lab does not see the jupyter-mv labextension ({names}); install the package "
            "with its prebuilt extension (`make test`)"
        )
        yield lab
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
def page(chromium: str):
    """A fresh Chromium page (console errors are printed when a test fails)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
            context.set_default_timeout(TIMEOUT_MS)
            page = context.new_page()
            page.on("console", lambda m: print(f"browser {m.type}: {m.text}") if m.type == "error" else None)
            yield page
        finally:
            browser.close()


def open_notebook(page, lab: Lab, path: str) -> None:
    """Open ``path`` (in a reset workspace) and wait until it is the current document."""
    page.goto(lab.url(path))
    page.locator(f'{DOCUMENT_TAB}.jp-mod-current[title*="{Path(path).name}"]').wait_for()
    page.locator(NOTEBOOK).wait_for(state="visible")


def open_sidebar(page) -> None:
    tab = page.locator(SIDEBAR_TAB)
    tab.wait_for(state="visible")
    if "lm-mod-current" not in (tab.get_attribute("class") or ""):
        tab.click()
    page.locator(PANEL).wait_for(state="visible")


def dismiss_notifications(page) -> None:
    """Close the toasts, so that screenshots show what is under them."""
    for button in page.locator(".Toastify__close-button").all():
        try:
            button.click(timeout=1000)
        except Exception:  # noqa: BLE001 - a toast that closed by itself meanwhile
            pass
    page.wait_for_function("() => document.querySelectorAll('.Toastify__toast').length === 0", timeout=10_000)


def screenshot(page, name: str) -> Path:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    path = OUTPUT / f"{name}.png"
    page.screenshot(path=str(path))
    print(f"\nscreenshot: {path}")
    return path


def theme_colour(page, variable: str) -> str:
    """The computed colour of a theme variable, as the page paints it."""
    return page.evaluate(
        """(variable) => {
          const probe = document.createElement('div');
          probe.style.background = `var(${variable})`;
          document.body.appendChild(probe);
          const colour = getComputedStyle(probe).backgroundColor;
          probe.remove();
          return colour;
        }""",
        variable,
    )


THEMES = "@jupyterlab/apputils-extension:themes"

#: The WCAG contrast of each visible element's text on what is painted under it
#: (its background composited over the nearest opaque ancestor's).
CONTRASTS = """(selector) => {
  const parse = text => {
    const numbers = (text.match(/[\\d.]+/g) || []).map(Number);
    if (text.startsWith('color(')) {
      const [r, g, b, a] = numbers;
      return [r * 255, g * 255, b * 255, a === undefined ? 1 : a];
    }
    const [r, g, b, a] = numbers;
    return [r, g, b, a === undefined ? 1 : a];
  };
  const over = (top, below) => [0, 1, 2].map(i => top[i] * top[3] + below[i] * (1 - top[3])).concat([1]);
  const under = node => {
    const layers = [];
    for (let n = node; n; n = n.parentElement) {
      const colour = parse(getComputedStyle(n).backgroundColor);
      if (colour[3] > 0) layers.push(colour);
      if (colour[3] >= 1) break;
    }
    let paint = [255, 255, 255, 1];
    for (const layer of layers.reverse()) paint = over(layer, paint);
    return paint;
  };
  const luminance = c => {
    const [r, g, b] = c.slice(0, 3).map(v => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  return [...document.querySelectorAll(selector)]
    .filter(n => n.offsetParent !== null)
    .map(n => {
      const bg = under(n);
      const fg = over(parse(getComputedStyle(n).color), bg);
      const [hi, lo] = [luminance(fg), luminance(bg)].sort((x, y) => y - x);
      return { text: n.textContent, ratio: (hi + 0.05) / (lo + 0.05) };
    });
}"""
