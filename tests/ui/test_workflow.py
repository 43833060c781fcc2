"""What a user does with the sidebar, in a real JupyterLab and a real Chromium, on a
copy of the example project: run the notebook, snapshot it, edit a cell, snapshot
again, tag, compare the two versions in a diff tab, restore the first one in place,
keep saves, open the provenance report; in the light and the dark theme.

The screenshots `sidebar.png` and `diff.png` written here are the README's
(docs/images/).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from jupyter_mv.store import Store

from .conftest import (
    CONTRASTS,
    ITEMS,
    NOTEBOOK,
    PANEL,
    Lab,
    dismiss_notifications,
    open_notebook,
    open_sidebar,
    running_lab,
    screenshot,
    theme_colour,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
RUN_TIMEOUT_MS = 180_000
#: The edit: stronger regularization, so the accuracy, the plot and the model change.
TUNED = '"C": 0.02'


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example project (notebook and data), with a cell that logs the accuracy and
    the params through jupyter-mv's Python API. No store yet."""
    root = tmp_path_factory.mktemp("workflow") / "project"
    root.mkdir()
    shutil.copytree(EXAMPLES / "data", root / "data")
    nb = nbformat.read(EXAMPLES / "train.ipynb", as_version=4)
    accuracy = next(i for i, c in enumerate(nb.cells) if "accuracy_score(" in c.source)
    nb.cells.insert(
        accuracy + 1,
        nbformat.v4.new_code_cell(
            'import jupyter_mv as mv\n\nmv.log_metric("accuracy", accuracy)\nmv.log_params(params)'
        ),
    )
    nbformat.write(nb, root / "train.ipynb")
    scratch = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("note = 'first'")])
    scratch.metadata["kernelspec"] = nb.metadata["kernelspec"]
    nbformat.write(scratch, root / "scratch.ipynb")
    return root


@pytest.fixture(scope="module")
def lab(project: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    env_before = os.environ.pop("JUPYTER_MV_STORE", None)
    try:
        with running_lab(project, tmp_path_factory.mktemp("workflow-state")) as running:
            yield running
    finally:
        if env_before is not None:
            os.environ["JUPYTER_MV_STORE"] = env_before


def run_all(page) -> None:
    """Run > Run All Cells, and wait until no cell runs."""
    page.locator(".lm-MenuBar-item", has_text="Run").click()
    page.locator('.lm-Menu-item[data-command="runmenu:run-all"]').click()
    page.wait_for_function(
        """() => {
          const notebook = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook');
          const prompts = [...notebook.querySelectorAll('.jp-InputPrompt')];
          const cells = notebook.querySelectorAll('.jp-Cell');
          return prompts.length > 0 && prompts.every(p => !p.textContent.includes('*'))
            && cells[cells.length - 1].querySelector('.jp-OutputArea-output') !== null;
        }""",
        timeout=RUN_TIMEOUT_MS,
    )


def cell_editor(page, index: int):
    return page.locator(f"{NOTEBOOK} .jp-Cell").nth(index).locator(".cm-content")


def replace_cell_text(page, index: int, text: str) -> None:
    """Replace a code cell's text as a user would: select all in its editor, then paste."""
    cell_editor(page, index).click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(text)


def version_menu(page, item, label: str) -> None:
    """Open a version's menu (its ⋯ button) and choose ``label``."""
    item.hover()
    item.locator(".jp-mv-VersionItem-menu").click()
    page.locator(".lm-Menu .lm-Menu-item", has_text=label).first.click()


def test_snapshot_edit_tag_compare_restore_and_save_history(page, lab, project):
    from playwright.sync_api import expect

    open_notebook(page, lab, "train.ipynb")
    open_sidebar(page)
    panel = page.locator(PANEL)
    items = page.locator(ITEMS)
    expect(panel.locator(".jp-mv-State-empty")).to_contain_text("No versions yet")

    # 1. Run the notebook, then a snapshot from the sidebar's message box.
    run_all(page)
    panel.locator(".jp-mv-SnapshotBox-message").fill("baseline model")
    panel.locator(".jp-mv-SnapshotBox-button").click()
    expect(items).to_have_count(1, timeout=RUN_TIMEOUT_MS)
    expect(items.first.locator(".jp-mv-VersionItem-name")).to_have_text("v1")
    expect(items.first.locator(".jp-mv-VersionItem-message")).to_have_text("baseline model")
    expect(items.first.locator(".jp-mv-Metric")).to_contain_text(["accuracy 0.965"])
    with Store.open(project) as store:
        v1 = store.resolve("train.ipynb@v1")
    roles = {(f.path, f.role) for f in v1.files}
    # The running kernel told the server what the cells read and wrote.
    assert {("data/breast_cancer.csv", "input"), ("models/model.joblib", "output")} <= roles
    assert v1.extra["capture"] == "kernel" and v1.environment is not None

    # 2. Edit a cell, run again, snapshot with the notebook toolbar's button.
    source = "".join(json.loads((project / "train.ipynb").read_text())["cells"][2]["source"])
    assert '"C": 1.0' in source
    replace_cell_text(page, 2, source.replace('"C": 1.0', TUNED).rstrip("\n"))
    run_all(page)
    page.locator('.jp-NotebookPanel-toolbar [data-jp-item-name="jupyter-mv-snapshot"] button').click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog.locator(".jp-Dialog-header")).to_have_text("Snapshot train.ipynb")
    dialog.locator("textarea").fill("stronger regularization")
    dialog.locator(".jp-mod-accept").click()
    expect(items).to_have_count(2, timeout=RUN_TIMEOUT_MS)
    expect(items.first.locator(".jp-mv-VersionItem-message")).to_have_text("stronger regularization")
    # The snapshot saved the notebook first: the version holds the edit.
    with Store.open(project) as store:
        held = json.loads(store.read_file("train.ipynb@v2", "train.ipynb"))
    assert TUNED in "".join(held["cells"][2]["source"])

    # 3. Tag v2.
    version_menu(page, items.first, "Tag v2")
    page.locator(".jp-Dialog input").fill("tuned")
    page.locator(".jp-Dialog .jp-mod-accept").click()
    expect(items.first.locator(".jp-mv-Tag")).to_have_text(["tuned"])
    version_menu(page, items.nth(1), "Set an Alias on v1")
    page.locator(".jp-Dialog input").fill("production")
    page.locator(".jp-Dialog .jp-mod-accept").click()
    expect(items.nth(1).locator(".jp-mv-Alias")).to_have_text(["@production"])

    # 4. Select both versions and compare them in a diff tab.
    items.nth(1).click()
    items.nth(0).click(modifiers=["Control"])
    expect(panel.locator(".jp-mv-SelectionBar")).to_contain_text("v1 and v2 selected")
    panel.locator(".jp-mv-SelectionBar-compare").click()
    diff = page.locator(".jp-mv-DiffView")
    edited = diff.locator('.jp-mv-DiffCell.jp-mv-mod-modified[data-status="modified"]').first
    expect(edited.locator(".jp-mv-DiffCell-where")).to_have_text("Cell 3")
    expect(edited.locator(".jp-mv-Line.jp-mv-mod-added")).to_contain_text([TUNED])
    expect(edited.locator(".jp-mv-Line.jp-mv-mod-removed")).to_contain_text(['"C": 1.0'])
    # Outputs are rendered by JupyterLab; the plot side by side, with the difference.
    image_row = diff.locator(".jp-mv-OutputRow", has=page.locator(".jp-mv-Difference"))
    expect(image_row.locator(".jp-mv-OutputColumn[data-side='a'] .jp-RenderedImage img")).to_have_count(1)
    expect(image_row.locator(".jp-mv-OutputColumn[data-side='b'] .jp-RenderedImage img")).to_have_count(1)
    expect(image_row.locator(".jp-mv-Difference-caption")).to_contain_text("of pixels changed")
    expect(diff.locator('[data-section="metrics"] tbody tr')).to_contain_text(["accuracy"])
    expect(diff.locator('[data-section="params"]')).to_contain_text("0.02")
    expect(diff.locator('[data-section="data"]')).to_contain_text("models/model.joblib")
    dismiss_notifications(page)
    screenshot(page, "diff")

    # 5. Back to the notebook: restore v1 in place, after the confirmation.
    page.locator('#jp-main-dock-panel li.lm-TabBar-tab[data-type="document-title"][title*="train.ipynb"]').click()
    version_menu(page, items.nth(1), "Restore v1…")
    dialog = page.locator(".jp-Dialog")
    expect(dialog.locator(".jp-Dialog-header")).to_have_text("Restore v1 in place?")
    expect(dialog).to_contain_text("kept as a safety version")
    dialog.locator(".jp-mod-accept").click()
    expect(items).to_have_count(3, timeout=RUN_TIMEOUT_MS)
    expect(cell_editor(page, 2)).to_contain_text('"C": 1.0')
    expect(cell_editor(page, 2)).not_to_contain_text(TUNED)
    expect(items.first.locator(".jp-mv-VersionItem-name")).to_have_text("v3")
    expect(items.first.locator(".jp-mv-VersionItem-kind")).to_have_text("safety")
    with Store.open(project) as store:
        assert (project / "train.ipynb").read_bytes() == store.read_file("train.ipynb@v1", "train.ipynb")
        safety = store.resolve("train.ipynb@v3")
        kept = json.loads(store.read_file(safety, "train.ipynb"))
    assert safety.kind == "safety" and TUNED in "".join(kept["cells"][2]["source"])

    # 6. Save history: an edit saved with Ctrl+S is a light version, folded after v3.
    cell_editor(page, 2).click()
    page.keyboard.press("Control+End")
    page.keyboard.insert_text("\n# next: try C = 0.5")
    page.keyboard.press("Control+s")
    fold = panel.locator(".jp-mv-SavesFold")
    expect(fold).to_have_text("1 save since v3", timeout=30_000)
    fold.locator("button").click()
    expect(panel.locator(".jp-mv-SaveItem .jp-mv-VersionItem-name")).to_have_text(["v3.1"])
    items.nth(1).click()
    dismiss_notifications(page)
    screenshot(page, "sidebar")

    # 7. The provenance report of v2, in a tab of its own.
    version_menu(page, items.nth(1), "Provenance Report of v2")
    report = page.frame_locator(".jp-mv-ReportPanel iframe")
    expect(report.locator("h1")).to_contain_text("train.ipynb@v2")
    expect(report.locator("body")).to_contain_text("data/breast_cancer.csv")

    # 8. Restore v2 to a new notebook: it opens beside the first, which stays as it is.
    page.locator('#jp-main-dock-panel li.lm-TabBar-tab[data-type="document-title"][title*="train.ipynb"]').click()
    version_menu(page, items.nth(1), "Restore v2 to a New Notebook")
    expect(page.locator(".jp-Dialog input")).to_have_value("train-v2.ipynb")
    page.locator(".jp-Dialog .jp-mod-accept").click()
    page.locator('#jp-main-dock-panel li.lm-TabBar-tab.jp-mod-current[title*="train-v2.ipynb"]').wait_for()
    expect(cell_editor(page, 2)).to_contain_text(TUNED)
    with Store.open(project) as store:
        assert (project / "train-v2.ipynb").read_bytes() == store.read_file("train.ipynb@v2", "train.ipynb")
    assert "# next: try C = 0.5" in (project / "train.ipynb").read_text()


def test_the_kernel_side_can_ask_the_front_end_to_save(page, lab, project):
    """What `%mv snapshot` needs: a comm on `jupyter-mv` with {"action": "save"} makes the
    front end save the notebook, so the version holds what the user sees."""
    from playwright.sync_api import expect

    open_notebook(page, lab, "scratch.ipynb")
    replace_cell_text(
        page,
        0,
        "from comm import create_comm\n"
        "create_comm(target_name='jupyter-mv', data={'action': 'save'})\n"
        "note = 'unsaved edit'",
    )
    expect(page.locator('.jp-mod-current[title*="scratch.ipynb"].jp-mod-dirty')).to_have_count(1)
    assert "unsaved edit" not in (project / "scratch.ipynb").read_text()
    # A cell run while the kernel is still starting can be dropped: wait until it is idle.
    page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for()

    page.keyboard.press("Shift+Enter")

    expect(page.locator('.jp-mod-current[title*="scratch.ipynb"].jp-mod-dirty')).to_have_count(0, timeout=60_000)
    assert "unsaved edit" in (project / "scratch.ipynb").read_text()


def test_snapshot_from_the_keyboard_and_the_command_palette(page, lab, project):
    from playwright.sync_api import expect

    open_notebook(page, lab, "scratch.ipynb")
    page.locator(NOTEBOOK).click()
    page.keyboard.press("Escape")
    page.keyboard.press("Control+Alt+s")
    dialog = page.locator(".jp-Dialog")
    expect(dialog.locator(".jp-Dialog-header")).to_have_text("Snapshot scratch.ipynb")
    dialog.locator("textarea").fill("from the keyboard")
    dialog.locator(".jp-mod-accept").click()
    open_sidebar(page)
    expect(page.locator(ITEMS).first.locator(".jp-mv-VersionItem-message")).to_have_text("from the keyboard")

    page.keyboard.press("Control+Shift+c")
    page.locator(".jp-ModalCommandPalette .lm-CommandPalette-input").fill("snapshot notebook")
    expect(page.locator('.lm-CommandPalette-item[data-command="jupyter-mv:snapshot"]')).to_have_count(1)
    page.keyboard.press("Enter")
    expect(page.locator(".jp-Dialog .jp-Dialog-header")).to_have_text("Snapshot scratch.ipynb")
    page.locator(".jp-Dialog .jp-mod-reject").click()
    expect(page.locator(ITEMS)).to_have_count(1)


def test_the_sidebar_and_the_diff_in_the_dark_theme(page, lab, project):
    from playwright.sync_api import expect

    lab.set_user_settings("@jupyterlab/apputils-extension:themes", {"theme": "JupyterLab Dark"})
    try:
        open_notebook(page, lab, "train.ipynb")
        open_sidebar(page)
        items = page.locator(ITEMS)
        expect(items).to_have_count(3)
        expect(page.locator("body")).to_have_attribute("data-jp-theme-light", "false")

        dark = theme_colour(page, "--jp-layout-color1")
        panel_background = page.evaluate(f"getComputedStyle(document.querySelector('{PANEL}')).backgroundColor")
        assert panel_background == dark
        red, green, blue = (int(x) for x in dark[dark.index("(") + 1 : dark.index(")")].split(",")[:3])
        assert red + green + blue < 3 * 100, f"the dark theme's background is dark: {dark}"
        tag = items.nth(1).locator(".jp-mv-Tag")
        expect(tag).to_be_visible()
        # The tag's colour is the theme's brand colour lifted towards its text colour: it reads.
        assert tag.evaluate("n => getComputedStyle(n).color") != theme_colour(page, "--jp-ui-font-color0")
        assert all(c["ratio"] >= 4.5 for c in page.evaluate(CONTRASTS, f"{PANEL} .jp-mv-Tag"))

        items.nth(2).click()
        items.nth(1).click(modifiers=["Control"])
        page.locator(f"{PANEL} .jp-mv-SelectionBar-compare").click()
        expect(page.locator(".jp-mv-DiffCell").first).to_be_visible()
        background = page.evaluate("getComputedStyle(document.querySelector('.jp-mv-DiffView')).backgroundColor")
        assert background == theme_colour(page, "--jp-layout-color0")
        dismiss_notifications(page)
        screenshot(page, "diff-dark")
    finally:
        lab.set_user_settings("@jupyterlab/apputils-extension:themes", None)
