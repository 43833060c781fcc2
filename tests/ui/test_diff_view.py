"""The comparison tab in a real JupyterLab and a real Chromium: changed characters
marked within lines, unified and side-by-side layouts, the unchanged cells folded and
opened, next and previous change, metadata changes behind a toggle, and the image
modes (side by side, swipe, onion skin, the pixel difference over the new image, zoom)."""

from __future__ import annotations

import base64
import io
import os
import re
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from PIL import Image

from jupyter_mv.store import Store

from .conftest import CONTRASTS, ITEMS, PANEL, THEMES, Lab, open_notebook, open_sidebar, running_lab, screenshot

DIFF = ".jp-mv-DiffPanel:not(.lm-mod-hidden) .jp-mv-DiffView"
#: The square painted over the new image: this many pixels differ.
CHANGED = 12 * 10


def png(square: bool) -> str:
    image = Image.new("RGB", (60, 40), (30, 90, 200))
    if square:
        for x in range(20, 32):
            for y in range(10, 20):
                image.putpixel((x, y), (250, 200, 20))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def notebook(alpha: str, square: bool, tagged: bool) -> str:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    sources = ["a = 1", "b = 2", "c = 3", "d = 4", f"value = compute(alpha={alpha})", "e = 5", "plot()"]
    for i, source in enumerate(sources):
        cell = nbformat.v4.new_code_cell(source, execution_count=i + 1, id=f"cell-{i}")
        if i == 6:
            cell.outputs = [
                nbformat.v4.new_output("display_data", data={"image/png": png(square), "text/plain": "<Figure>"})
            ]
        if i == 0 and tagged:
            cell.metadata["tags"] = ["setup"]
        nb.cells.append(cell)
    return nbformat.writes(nb, version=4)


@pytest.fixture(scope="module")
def lab_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`cmp.ipynb`: v1, then v2 where one character of cell 5 changed, the plot gained a
    yellow square, and cell 1 gained a tag (metadata only)."""
    root = tmp_path_factory.mktemp("diff") / "project"
    root.mkdir(parents=True)
    path = root / "cmp.ipynb"
    env_before = os.environ.pop("JUPYTER_MV_STORE", None)
    try:
        with Store.init(root) as store:
            path.write_text(notebook("0.1", False, False))
            store.snapshot(path, message="first")
            path.write_text(notebook("0.2", True, True))
            store.snapshot(path, message="second")
    finally:
        if env_before is not None:
            os.environ["JUPYTER_MV_STORE"] = env_before
    return root


@pytest.fixture(scope="module")
def lab(lab_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with running_lab(lab_root, tmp_path_factory.mktemp("diff-state")) as running:
        yield running


@pytest.fixture
def diff(page, lab):
    """The comparison of v1 and v2, open."""
    open_notebook(page, lab, "cmp.ipynb")
    open_sidebar(page)
    page.locator(f'{ITEMS}[data-version-name="v1"] .jp-mv-VersionItem-message').click()
    page.locator(f'{ITEMS}[data-version-name="v2"] .jp-mv-VersionItem-message').click(modifiers=["Control"])
    page.locator(f"{PANEL} .jp-mv-SelectionBar-compare").click()
    view = page.locator(DIFF)
    view.locator(".jp-mv-DiffCell").first.wait_for()
    return view


def has_class(name: str):
    return re.compile(rf"(^|\s){re.escape(name)}(\s|$)")


def test_the_characters_that_changed_are_marked_within_the_lines(page, diff):
    from playwright.sync_api import expect

    cell = diff.locator('.jp-mv-DiffCell[data-status="modified"]', has_text="compute")
    expect(cell.locator(".jp-mv-Line.jp-mv-mod-removed .jp-mv-Char.jp-mv-mod-removed")).to_have_text(["1"])
    expect(cell.locator(".jp-mv-Line.jp-mv-mod-added .jp-mv-Char.jp-mv-mod-added")).to_have_text(["2"])
    expect(cell.locator(".jp-mv-Line.jp-mv-mod-added .jp-mv-Line-text")).to_have_text(["value = compute(alpha=0.2)"])


def test_the_layout_toggles_between_unified_and_side_by_side(page, diff):
    from playwright.sync_api import expect

    cell = diff.locator('.jp-mv-DiffCell[data-status="modified"]', has_text="compute")
    expect(cell.locator(".jp-mv-Source")).to_have_attribute("data-layout", "unified")
    diff.locator('.jp-mv-LayoutButton[data-layout="split"]').click()

    cell = diff.locator('.jp-mv-DiffCell[data-status="modified"]', has_text="compute")
    expect(cell.locator(".jp-mv-Source")).to_have_attribute("data-layout", "split")
    pair = cell.locator(".jp-mv-SplitRow", has=page.locator(".jp-mv-mod-removed"))
    expect(pair.locator(".jp-mv-Line").nth(0)).to_have_class(has_class("jp-mv-mod-removed"))
    expect(pair.locator(".jp-mv-Line").nth(0).locator(".jp-mv-Line-text")).to_have_text("value = compute(alpha=0.1)")
    expect(pair.locator(".jp-mv-Line").nth(1)).to_have_class(has_class("jp-mv-mod-added"))
    expect(pair.locator(".jp-mv-Line").nth(1).locator(".jp-mv-Line-text")).to_have_text("value = compute(alpha=0.2)")
    expect(diff.locator('.jp-mv-LayoutButton[data-layout="split"]')).to_have_attribute("aria-pressed", "true")
    screenshot(page, "diff-side-by-side")

    diff.locator('.jp-mv-LayoutButton[data-layout="unified"]').click()
    expect(diff.locator(".jp-mv-Source.jp-mod-split")).to_have_count(0)


def test_the_unchanged_cells_open_from_their_fold(page, diff):
    from playwright.sync_api import expect

    folds = diff.locator(".jp-mv-UnchangedFold-button")
    expect(folds).to_have_text(["Show 4 unchanged cells", "Show 1 unchanged cell"])
    first = diff.locator(".jp-mv-UnchangedFold").first
    expect(first.locator(".jp-mv-DiffCell")).to_have_count(0)

    folds.first.click()

    expect(folds.first).to_have_text("Hide 4 unchanged cells")
    expect(folds.first).to_have_attribute("aria-expanded", "true")
    expect(first.locator(".jp-mv-DiffCell-where")).to_have_text(["Cell 1", "Cell 2", "Cell 3", "Cell 4"])
    expect(first.locator(".jp-mv-Line-text")).to_have_text(["a = 1", "b = 2", "c = 3", "d = 4"])
    folds.first.click()
    expect(first.locator(".jp-mv-UnchangedFold-cells")).to_be_hidden()


def test_next_and_previous_move_through_the_changes(page, diff):
    from playwright.sync_api import expect

    current = diff.locator(".jp-mod-currentChange")
    diff.locator('.jp-mv-ChangeButton[data-step="1"]').click()
    expect(current).to_have_count(1)
    expect(current.locator(".jp-mv-DiffCell-where")).to_have_text("Cell 5")
    expect(diff.locator(".jp-mv-ChangePosition")).to_contain_text("Change 1 of")

    diff.press("n")
    expect(current.locator(".jp-mv-DiffCell-where")).to_have_text("Cell 7")
    expect(diff.locator(".jp-mv-ChangePosition")).to_contain_text("Change 2 of")
    diff.press("p")
    expect(current.locator(".jp-mv-DiffCell-where")).to_have_text("Cell 5")


def test_metadata_changes_show_behind_their_toggle(page, diff):
    from playwright.sync_api import expect

    expect(diff.locator(".jp-mv-DiffMetadata")).to_have_count(0)
    expect(diff.locator(".jp-mv-DiffCell-where")).not_to_contain_text(["Cell 1"])

    diff.locator(".jp-mv-MetadataToggle").check()

    entry = diff.locator(".jp-mv-DiffMetadata-entry", has_text="tags")
    expect(entry).to_have_count(1)
    expect(entry.locator(".jp-mv-DiffMetadata-values")).to_contain_text('["setup"]')
    expect(diff.locator(".jp-mv-MetadataToggle")).to_be_checked()


def test_each_image_mode_shows_the_two_images_its_way(page, diff):
    from playwright.sync_api import expect

    compare = diff.locator(".jp-mv-ImageCompare")
    row = diff.locator(".jp-mv-OutputRow", has=page.locator(".jp-mv-ImageCompare"))
    expect(compare).to_have_attribute("data-mode", "side")
    expect(row.locator(".jp-mv-OutputColumn[data-side='a'] .jp-RenderedImage img")).to_be_visible()
    expect(row.locator(".jp-mv-OutputColumn[data-side='b'] .jp-RenderedImage img")).to_be_visible()
    expect(compare.locator(".jp-mv-Difference-caption")).to_contain_text("of pixels changed")

    compare.locator('.jp-mv-ImageMode[data-mode="swipe"]').click()
    expect(compare).to_have_attribute("data-mode", "swipe")
    expect(row.locator(".jp-mv-OutputColumns")).to_be_hidden()
    swipe = compare.locator(".jp-mv-ImageStack.jp-mod-swipe")
    swipe.locator("xpath=..").locator(".jp-mv-ImageSlider").fill("30")
    expect(swipe).to_have_attribute("data-share", "30")
    assert swipe.locator(".jp-mv-ImageStack-b").evaluate("n => n.style.clipPath") == "inset(0px 70% 0px 0px)"

    compare.locator('.jp-mv-ImageMode[data-mode="onion"]').click()
    onion = compare.locator(".jp-mv-ImageStack.jp-mod-onion")
    onion.locator("xpath=..").locator(".jp-mv-ImageSlider").fill("25")
    expect(onion).to_have_attribute("data-opacity", "25")
    assert onion.locator(".jp-mv-ImageStack-b").evaluate("n => getComputedStyle(n).opacity") == "0.25"

    compare.locator('.jp-mv-ImageMode[data-mode="difference"]').click()
    difference = compare.locator(".jp-mv-ImageStack.jp-mod-difference")
    expect(difference).to_have_attribute("data-changed", str(CHANGED))
    expect(compare.locator(".jp-mv-ImageDiff-note")).to_have_text(
        f"{CHANGED} of 2400 pixels changed, highlighted over the new image"
    )
    # The highlight is see-through over the new image, not a solid block.
    alpha = difference.locator("canvas").evaluate(
        "c => [25, 2].map(x => c.getContext('2d').getImageData(x, x === 25 ? 15 : 2, 1, 1).data[3])"
    )
    assert 0 < alpha[0] < 255 and alpha[1] == 0, alpha
    screenshot(page, "diff-image-difference")

    difference.click()
    expect(difference).to_have_class(has_class("jp-mod-zoomed"))
    difference.click()
    expect(difference).not_to_have_class(has_class("jp-mod-zoomed"))
    compare.locator('.jp-mv-ImageMode[data-mode="side"]').click()
    expect(row.locator(".jp-mv-OutputColumns")).to_be_visible()


def test_a_version_opens_read_only_with_its_outputs_rendered(page, lab, lab_root):
    from playwright.sync_api import expect

    on_disk = (lab_root / "cmp.ipynb").read_bytes()
    open_notebook(page, lab, "cmp.ipynb")
    open_sidebar(page)
    page.locator(f'{ITEMS}[data-version-name="v1"] .jp-mv-VersionItem-message').click(button="right")
    page.locator(".jp-mv-VersionMenu .lm-Menu-item", has_text="Open v1 Read-Only").click()

    view = page.locator('.jp-mv-ReadOnlyPanel:not(.lm-mod-hidden) .jp-mv-ReadOnlyNotebook[data-version="v1"]')
    expect(view.locator(".jp-mv-ReadOnlyCell")).to_have_count(7)
    expect(view.locator(".jp-mv-ReadOnlyCell-source").nth(4)).to_have_text("value = compute(alpha=0.1)")
    expect(view.locator(".jp-mv-ReadOnlyCell").nth(6).locator(".jp-RenderedImage img")).to_have_count(1)
    expect(view.locator(".jp-mv-ReadOnlyBanner")).to_contain_text("cmp.ipynb as it was at v1")
    expect(page.locator("#jp-main-dock-panel li.lm-TabBar-tab.jp-mod-current")).to_contain_text(
        "cmp.ipynb @ v1 (read only)"
    )
    assert view.locator("textarea, [contenteditable='true']").count() == 0
    assert (lab_root / "cmp.ipynb").read_bytes() == on_disk, "reading a version writes nothing"
    screenshot(page, "read-only-version")


def test_the_palette_holds_every_version_action(page, lab):
    from playwright.sync_api import expect

    open_notebook(page, lab, "cmp.ipynb")
    open_sidebar(page)
    page.locator(f'{ITEMS}[data-version-name="v1"] .jp-mv-VersionItem-message').click()
    page.keyboard.press("Control+Shift+C")
    palette = page.locator(".jp-mod-commandPalette, #command-palette")
    palette.locator("input").first.fill("v1")
    labels = page.locator(".lm-CommandPalette-itemLabel")
    for label in (
        "Open v1 Read-Only",
        "Tag v1…",
        "Set an Alias on v1…",
        "Restore v1…",
        "Provenance Report of v1",
        "Reproduce v1…",
    ):
        expect(labels.filter(has_text=label)).to_have_count(1)


@pytest.mark.parametrize("theme", ["JupyterLab Light", "JupyterLab Dark"])
def test_every_badge_reads_on_the_light_and_the_dark_theme(page, lab, theme):
    from playwright.sync_api import expect

    lab.set_user_settings(THEMES, {"theme": theme})
    try:
        open_notebook(page, lab, "cmp.ipynb")
        expect(page.locator("body")).to_have_attribute("data-jp-theme-name", theme)
        open_sidebar(page)
        page.locator(f'{ITEMS}[data-version-name="v1"] .jp-mv-VersionItem-message').click()
        page.locator(f'{ITEMS}[data-version-name="v2"] .jp-mv-VersionItem-message').click(modifiers=["Control"])
        page.locator(f"{PANEL} .jp-mv-SelectionBar-compare").click()
        view = page.locator(DIFF)
        view.locator(".jp-mv-DiffCell").first.wait_for()
        view.locator('.jp-mv-LayoutButton[data-layout="split"]').click()
        view.locator(".jp-mv-Source.jp-mod-split").first.wait_for()
        view.locator(".jp-mv-UnchangedFold-button").first.click()
        view.locator(".jp-mv-DiffCell.jp-mv-mod-unchanged").first.wait_for()

        badges = page.evaluate(CONTRASTS, ".jp-mv-DiffView .jp-mv-Badge, .jp-mv-DiffSection-status")
        assert {b["text"] for b in badges} >= {"Modified", "Unchanged"}, badges
        low = [b for b in badges if b["ratio"] < 4.5]
        assert not low, low
        chars = page.evaluate(CONTRASTS, ".jp-mv-DiffView .jp-mv-Char")
        assert chars and all(c["ratio"] >= 4.5 for c in chars), chars
        suffix = "" if theme.endswith("Light") else "-dark"
        screenshot(page, f"diff{suffix}")
        view.locator('.jp-mv-ImageMode[data-mode="difference"]').click()
        view.locator(".jp-mv-ImageStack.jp-mod-difference canvas").wait_for()
        # the chosen mode and layout read as chosen, the pointer still over the button
        chosen = page.evaluate(CONTRASTS, ".jp-mv-ImageMode.jp-mod-active, .jp-mv-LayoutButton.jp-mod-active")
        assert {c["text"] for c in chosen} == {"Difference", "Side by side"}, chosen
        assert all(c["ratio"] >= 4.5 for c in chosen), chosen
        view.locator(".jp-mv-ImageCompare").scroll_into_view_if_needed()
        screenshot(page, f"diff-images{suffix}")
        view.locator('.jp-mv-ImageMode[data-mode="side"]').click()
        view.locator('.jp-mv-LayoutButton[data-layout="unified"]').click()
    finally:
        lab.set_user_settings(THEMES, None)
