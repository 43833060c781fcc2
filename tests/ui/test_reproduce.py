"""Reproduce from the sidebar: the version row's menu and the command palette run a
version's notebook again on the server, show its progress, then the per-cell verdict
table (a real lab, a real Chromium, real kernels)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from jupyter_mv.store import Store

from ..provenance.conftest import run_notebook
from .conftest import ITEMS, Lab, open_notebook, open_sidebar, running_lab, screenshot

STEADY = [
    "import numpy as np\nrng = np.random.default_rng(7)\nprint(rng.integers(0, 100, 5))",
    "total = sum(range(10))\ntotal",
]
DICE = [
    "import random\nprint('no randomness here')",
    "print(random.random())",
    "print(sum(range(10)))",
]
DIALOG = ".jp-Dialog .jp-mv-ReproduceBody"
RUN_TIMEOUT_MS = 240_000


def _recorded(root: Path, name: str, cells: list[str], tmp: Path) -> None:
    """``name`` run in a real kernel, saved with its outputs and snapshotted by its last cell."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(c) for c in [*cells, "%mv snapshot -m run"]]
    nbformat.write(nb, str(root / name))
    run_notebook(root, root / name, tmp, last_unsaved=1)


@pytest.fixture(scope="module")
def lab_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("reproduce") / "project"
    root.mkdir(parents=True)
    with pytest.MonkeyPatch.context() as patch:  # stores are found by walking up
        patch.delenv("JUPYTER_MV_STORE", raising=False)
        Store.init(root).close()
        _recorded(root, "steady.ipynb", STEADY, tmp_path_factory.mktemp("steady-kernel"))
        _recorded(root, "dice.ipynb", DICE, tmp_path_factory.mktemp("dice-kernel"))
    return root


@pytest.fixture(scope="module")
def lab(lab_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with running_lab(lab_root, tmp_path_factory.mktemp("reproduce-state")) as running:
        yield running


def verdicts(page) -> list[tuple[str, str]]:
    rows = page.locator(f"{DIALOG} .jp-mv-Reproduce-cell")
    return [
        (
            rows.nth(i).locator(".jp-mv-Reproduce-position").inner_text(),
            rows.nth(i).locator(".jp-mv-Reproduce-status").inner_text(),
        )
        for i in range(rows.count())
    ]


def test_a_reproducible_notebook_says_reproduced_from_the_palette(page, lab):
    from playwright.sync_api import expect

    open_notebook(page, lab, "steady.ipynb")
    open_sidebar(page)
    page.locator(f'{ITEMS}[data-version-name="v1"] .jp-mv-VersionItem-message').click()
    page.locator(".lm-MenuBar-itemLabel", has_text="View").click()  # the version stays selected
    page.locator(".lm-Menu-itemLabel", has_text="Activate Command Palette").click()
    page.locator(".lm-CommandPalette-input:visible").fill("Reproduce v1")
    page.locator(".lm-CommandPalette-item", has_text="Reproduce v1…").first.click()

    expect(page.locator(".jp-Dialog-header")).to_have_text("Reproduce v1")
    verdict = page.locator(f"{DIALOG} .jp-mv-Reproduce-verdict")
    expect(verdict).to_be_visible(timeout=RUN_TIMEOUT_MS)
    expect(verdict).to_contain_text("reproduced: 2 cells identical")
    assert verdicts(page) == [("1 [1]", "identical"), ("2 [2]", "identical"), ("3 [3]", "skipped")]
    assert page.locator(f"{DIALOG} .jp-mv-Reproduce-first").count() == 0
    screenshot(page, "reproduce-reproduced")
    page.locator(".jp-Dialog-button", has_text="Close").click()
    expect(page.locator(".jp-Dialog")).to_have_count(0)


def test_an_unseeded_random_number_names_its_cell_from_the_version_menu(page, lab):
    from playwright.sync_api import expect

    open_notebook(page, lab, "dice.ipynb")
    open_sidebar(page)
    page.locator(f'{ITEMS}[data-version-name="v1"] .jp-mv-VersionItem-message').click(button="right")
    page.locator(".jp-mv-VersionMenu .lm-Menu-item", has_text="Reproduce v1…").click()

    # the run's progress shows first, then the table
    expect(page.locator(f"{DIALOG} .jp-mv-Progress, {DIALOG} .jp-mv-Reproduce-verdict").first).to_be_visible()
    verdict = page.locator(f"{DIALOG} .jp-mv-Reproduce-verdict")
    expect(verdict).to_be_visible(timeout=RUN_TIMEOUT_MS)
    expect(verdict).to_contain_text("different: cell 2 differs")
    assert [status for _, status in verdicts(page)] == ["identical", "different", "identical", "skipped"]
    first = page.locator(f"{DIALOG} .jp-mv-Reproduce-cell[data-position='2'] .jp-mv-Reproduce-first")
    expect(first).to_have_text(re.compile(r"^first difference in line 1: recorded 0\.\d+, reproduced 0\.\d+$"))
    screenshot(page, "reproduce-different")
