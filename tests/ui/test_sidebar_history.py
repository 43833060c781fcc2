"""A long history in the sidebar, in a real JupyterLab and a real Chromium: a windowed
list, the filter box, the jump box, the keys, a refresh that loads only the newest rows,
the lineage graph with the current marker, and the link of a restored copy."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from jupyter_mv.store import Store

from ..helpers import write_notebook
from .conftest import (
    CONTRASTS,
    DOCUMENT_TAB,
    ITEMS,
    PANEL,
    THEMES,
    Lab,
    open_notebook,
    open_sidebar,
    running_lab,
    screenshot,
)

MANY = 1200
TIMELINE = f"{PANEL} .jp-mv-Timeline"
MAIN_TAB = "#jp-main-dock-panel li.lm-TabBar-tab"


def auc(i: int) -> float:
    return round(0.5 + i / 4000, 4)


@pytest.fixture(scope="module")
def lab_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`many.ipynb` with 1,200 versions (auc rising, every 100th tagged `m<i>`);
    `branch.ipynb`: v1, v2, v3, v2 restored (safety copy v4), then v5 from v2; and
    `branch-copy.ipynb`, a copy of branch.ipynb@v1."""
    root = tmp_path_factory.mktemp("history") / "project"
    many = write_notebook(root / "many.ipynb", ["n = 0"])
    branch = write_notebook(root / "branch.ipynb", ["a = 1"])
    env_before = os.environ.pop("JUPYTER_MV_STORE", None)
    try:
        with Store.init(root) as store:
            for i in range(1, MANY + 1):
                version = store.snapshot(many, message=f"run {i}", metrics={"auc": auc(i)})
                if i % 100 == 0:
                    store.tag(version.id, f"m{i}")
            v1 = store.snapshot(branch, message="one")
            write_notebook(branch, ["a = 2"])
            v2 = store.snapshot(branch, message="two")
            write_notebook(branch, ["a = 3"])
            store.snapshot(branch, message="three")
            store.restore(v2)
            write_notebook(branch, ["a = 2", "b = 5"])
            store.snapshot(branch, message="five, from two")
            (root / "branch-copy.ipynb").write_bytes(store.read_file(v1, "branch.ipynb"))
    finally:
        if env_before is not None:
            os.environ["JUPYTER_MV_STORE"] = env_before
    return root


@pytest.fixture(scope="module")
def lab(lab_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with running_lab(lab_root, tmp_path_factory.mktemp("history-state")) as running:
        yield running


def row(page, name: str):
    return page.locator(f'{ITEMS}[data-version-name="{name}"]')


def shown_names(page) -> list[str]:
    return page.locator(f"{ITEMS} .jp-mv-VersionItem-name").all_inner_texts()


def in_view(page, name: str) -> bool:
    return page.evaluate(
        """([timeline, name]) => {
          const list = document.querySelector(timeline).getBoundingClientRect();
          const node = document.querySelector(`${timeline} .jp-mv-VersionItem[data-version-name="${name}"]`);
          if (!node) return false;
          const box = node.getBoundingClientRect();
          return box.top >= list.top - 1 && box.bottom <= list.bottom + 1;
        }""",
        [TIMELINE, name],
    )


def test_a_long_history_keeps_only_the_rows_in_view_in_the_page(page, lab):
    from playwright.sync_api import expect

    open_notebook(page, lab, "many.ipynb")
    open_sidebar(page)

    expect(page.locator(f"{PANEL} .jp-mv-FindBar-count")).to_have_text(f"{MANY} versions")
    expect(page.locator(ITEMS).first.locator(".jp-mv-VersionItem-name")).to_have_text(f"v{MANY}")
    rendered = page.locator(ITEMS).count()
    assert 5 <= rendered <= 40, rendered
    page.locator(TIMELINE).evaluate("node => node.scrollTo(0, node.scrollHeight)")
    expect(row(page, "v1")).to_be_visible()
    expect(row(page, "v1").locator(".jp-mv-Metric")).to_have_text(f"auc {auc(1)}")
    assert page.locator(ITEMS).count() <= 40
    assert row(page, f"v{MANY}").count() == 0, "rows out of view leave the page"


def test_the_filter_box_lists_the_versions_a_filter_matches(page, lab):
    from playwright.sync_api import expect

    open_notebook(page, lab, "many.ipynb")
    open_sidebar(page)
    box = page.locator(f"{PANEL} .jp-mv-Filter")
    count = page.locator(f"{PANEL} .jp-mv-FindBar-count")

    box.fill("auc>0.79")
    matching = [i for i in range(1, MANY + 1) if auc(i) > 0.79]
    expect(count).to_have_text(f"{len(matching)} matches")
    expect(page.locator(ITEMS).first.locator(".jp-mv-VersionItem-name")).to_have_text(f"v{MANY}")
    for text in page.locator(f"{ITEMS} .jp-mv-Metric").all_inner_texts():
        assert float(text.split()[1]) > 0.79, text
    screenshot(page, "sidebar-filter")

    box.fill("tag:m11")
    expect(count).to_have_text("1 match")
    expect(page.locator(ITEMS)).to_have_count(1)
    expect(page.locator(f"{ITEMS} .jp-mv-Tag")).to_have_text(["m1100"])

    box.fill("auc>high")
    expect(page.locator(f"{PANEL} .jp-mv-FindBar-error")).to_contain_text("not a number")
    expect(box).to_have_value("auc>high")

    box.fill("")
    expect(count).to_have_text(f"{MANY} versions")


def test_the_jump_box_brings_a_version_into_view_and_selects_it(page, lab):
    from playwright.sync_api import expect

    open_notebook(page, lab, "many.ipynb")
    open_sidebar(page)
    jump = page.locator(f"{PANEL} .jp-mv-Jump")
    expect(row(page, f"v{MANY}")).to_be_visible()
    listings: list[str] = []
    page.on("request", lambda r: listings.append(r.url) if "/jupyter-mv/api/versions?" in r.url else None)

    jump.fill("v1")
    jump.press("Enter")
    expect(row(page, "v1")).to_have_attribute("aria-selected", "true")
    assert len(listings) == 1 and "find=v1" in listings[0], "one request: the place of v1 and its page"
    expect(row(page, "v1")).to_have_class(lambda_contains("jp-mod-focused"))
    page.wait_for_function(
        """([timeline]) => {
          const list = document.querySelector(timeline).getBoundingClientRect();
          const node = document.querySelector(`${timeline} .jp-mv-VersionItem[data-version-name="v1"]`);
          const box = node && node.getBoundingClientRect();
          return box && box.top >= list.top - 1 && box.bottom <= list.bottom + 1;
        }""",
        arg=[TIMELINE],
    )

    jump.fill("m500")
    jump.press("Enter")
    expect(row(page, "v500")).to_have_attribute("aria-selected", "true")
    expect(row(page, "v1")).to_have_count(0)

    jump.fill("v99999")
    jump.press("Enter")
    expect(page.locator(f"{PANEL} .jp-mv-JumpError")).to_contain_text("v99999")


def lambda_contains(cls: str):
    import re

    return re.compile(rf"(^|\s){re.escape(cls)}(\s|$)")


def test_keys_move_select_and_open(page, lab):
    from playwright.sync_api import expect

    open_notebook(page, lab, "many.ipynb")
    open_sidebar(page)
    row(page, f"v{MANY}").locator(".jp-mv-VersionItem-message").click()
    timeline = page.locator(TIMELINE)

    timeline.press("ArrowDown")
    timeline.press("ArrowDown")
    expect(row(page, f"v{MANY - 2}")).to_have_class(lambda_contains("jp-mod-focused"))
    timeline.press("Space")
    timeline.press("ArrowUp")
    timeline.press("Space")
    expect(page.locator(f"{PANEL} .jp-mv-SelectionBar")).to_contain_text(f"v{MANY - 2} and v{MANY - 1} selected")
    expect(page.locator(f'{ITEMS}[aria-selected="true"]')).to_have_count(2)
    timeline.press("End")
    expect(row(page, "v1")).to_have_class(lambda_contains("jp-mod-focused"))
    timeline.press("Home")
    timeline.press("ArrowDown")
    timeline.press("Enter")
    expect(page.locator(f'{MAIN_TAB}.jp-mod-current[title*="v{MANY - 2} and v{MANY - 1}"]')).to_have_count(1)


def test_a_new_version_loads_only_the_newest_page(page, lab):
    from playwright.sync_api import expect

    open_notebook(page, lab, "many.ipynb")
    open_sidebar(page)
    expect(row(page, f"v{MANY}")).to_be_visible()
    page.locator(TIMELINE).evaluate("node => node.scrollTo(0, 2000)")
    page.locator(TIMELINE).evaluate("node => node.scrollTo(0, 0)")
    expect(row(page, f"v{MANY - 1}")).to_be_visible()
    row(page, f"v{MANY - 1}").evaluate("node => { node.dataset.mark = 'kept'; }")
    listings: list[str] = []
    page.on("request", lambda r: listings.append(r.url) if "/jupyter-mv/api/versions?" in r.url else None)

    page.locator(f"{PANEL} .jp-mv-SnapshotBox-message").fill("one more run")
    page.locator(f"{PANEL} .jp-mv-SnapshotBox-button").click()

    expect(page.locator(ITEMS).first.locator(".jp-mv-VersionItem-name")).to_have_text(f"v{MANY + 1}")
    expect(page.locator(f"{PANEL} .jp-mv-FindBar-count")).to_have_text(f"{MANY + 1} versions")
    assert row(page, f"v{MANY - 1}").get_attribute("data-mark") == "kept", "an unchanged row is not made again"
    assert listings and all("offset" not in url for url in listings), listings


def test_the_graph_draws_the_branch_and_marks_the_current_version(page, lab):
    from playwright.sync_api import expect

    open_notebook(page, lab, "branch.ipynb")
    open_sidebar(page)

    expect(page.locator(ITEMS)).to_have_count(5)
    assert shown_names(page) == ["v5", "v4", "v3", "v2", "v1"]
    graph = {name: row(page, name).locator("svg.jp-mv-Graph") for name in ("v5", "v4", "v3", "v2", "v1")}
    assert [graph[n].get_attribute("data-col") for n in ("v5", "v4", "v3", "v2", "v1")] == ["0", "1", "1", "0", "0"]
    assert graph["v2"].get_attribute("data-up") == "0 1", "both lanes meet at v2"
    assert graph["v4"].get_attribute("data-through") == "0", "v5's lane passes the safety copy by"
    expect(page.locator(f"{PANEL} .jp-mv-Current")).to_have_count(1)
    expect(row(page, "v5").locator(".jp-mv-Current")).to_have_text("current")
    expect(row(page, "v5")).to_have_class(lambda_contains("jp-mod-current"))
    expect(row(page, "v5").locator("circle.jp-mv-Graph-dot.jp-mod-current")).to_have_count(1)
    screenshot(page, "sidebar-graph")


def test_a_restored_copy_links_to_the_version_it_came_from(page, lab):
    from playwright.sync_api import expect

    open_notebook(page, lab, "branch-copy.ipynb")
    open_sidebar(page)

    link = page.locator(f"{PANEL} .jp-mv-Origin-link")
    expect(page.locator(f"{PANEL} .jp-mv-Origin")).to_have_text("from branch.ipynb@v1")
    link.click()
    expect(page.locator(f'{DOCUMENT_TAB}.jp-mod-current[title*="branch.ipynb"]')).to_have_count(1)
    expect(page.locator(f"{PANEL} .jp-mv-VersionsView-notebook")).to_have_text("branch.ipynb")


@contextlib.contextmanager
def branch_history_on(page, lab, theme: str) -> Iterator[None]:
    """``branch.ipynb``'s five versions in the sidebar, on ``theme`` (reset after)."""
    from playwright.sync_api import expect

    lab.set_user_settings(THEMES, {"theme": theme})
    try:
        open_notebook(page, lab, "branch.ipynb")
        expect(page.locator("body")).to_have_attribute("data-jp-theme-name", theme)
        open_sidebar(page)
        expect(page.locator(ITEMS)).to_have_count(5)
        yield
    finally:
        lab.set_user_settings(THEMES, None)


@pytest.mark.parametrize("theme", ["JupyterLab Light", "JupyterLab Dark"])
def test_the_sidebars_chips_and_marks_read_on_both_themes(page, lab, theme):

    with branch_history_on(page, lab, theme):
        marks = page.evaluate(
            CONTRASTS, f"{PANEL} .jp-mv-Current, {PANEL} .jp-mv-VersionItem-kind, {PANEL} .jp-mv-VersionItem-name"
        )
        assert len(marks) == 7 and all(m["ratio"] >= 4.5 for m in marks), marks
        suffix = "" if theme.endswith("Light") else "-dark"
        screenshot(page, f"sidebar{suffix}")


def test_a_row_with_many_names_stays_on_one_line(page, lab, lab_root):
    from playwright.sync_api import expect

    with Store.open(lab_root) as store:
        for name in ("alpha", "beta", "gamma", "delta"):
            store.tag(store.resolve("v3", "branch.ipynb").id, name)
        store.alias("production", store.resolve("v3", "branch.ipynb").id)
    open_notebook(page, lab, "branch.ipynb")
    open_sidebar(page)

    header = row(page, "v3").locator(".jp-mv-VersionItem-header")
    expect(header.locator(".jp-mv-Tag")).to_have_text(["alpha", "beta"])
    chips = page.evaluate(CONTRASTS, f"{PANEL} .jp-mv-Tag, {PANEL} .jp-mv-Chips-more")
    assert len(chips) == 3 and all(c["ratio"] >= 4.5 for c in chips), chips
    more = header.locator(".jp-mv-Chips-more")
    expect(more).to_have_text("+3")
    assert more.get_attribute("title") == "tag gamma\ntag delta\nalias @production"
    middles = header.evaluate(
        "n => [...n.children].map(c => { const b = c.getBoundingClientRect(); return (b.top + b.bottom) / 2; })"
    )
    assert max(middles) - min(middles) <= 4, f"the header wrapped: {middles}"
    assert header.evaluate("n => n.getBoundingClientRect().height") < 36, "one line (two would be 40 px or more)"


@pytest.mark.parametrize("theme", ["JupyterLab Light", "JupyterLab Dark"])
def test_every_row_is_one_height_selected_or_not_and_never_wraps(page, lab, theme):
    """The safety copy's long message stays on one line (ellipsis), and a selected row is
    exactly as tall as the others, which is the height the windowed list places rows by."""
    from playwright.sync_api import expect

    with branch_history_on(page, lab, theme):
        row(page, "v4").locator(".jp-mv-VersionItem-message").click()
        expect(row(page, "v4")).to_have_attribute("aria-selected", "true")

        heights = page.evaluate(
            """(items) => [...document.querySelectorAll(items)].map(n => ({
              name: n.dataset.versionName, selected: n.getAttribute('aria-selected'),
              row: n.getBoundingClientRect().height,
              slot: n.parentElement.getBoundingClientRect().height,
              message: n.querySelector('.jp-mv-VersionItem-message').getBoundingClientRect().height,
              content: n.querySelector('.jp-mv-VersionItem-body').scrollHeight,
              body: n.querySelector('.jp-mv-VersionItem-body').clientHeight,
            }))""",
            ITEMS,
        )
        selected = next(h for h in heights if h["name"] == "v4")
        assert selected["selected"] == "true"
        assert {h["row"] for h in heights} == {selected["row"]}, heights
        assert {h["slot"] for h in heights} == {selected["row"]}, "the list places each row at the row's height"
        assert all(h["message"] <= 20 for h in heights), "one line of message"
        assert all(h["content"] <= h["body"] for h in heights), "nothing is cut off at the bottom"
        starts = page.evaluate(
            "(items) => [...document.querySelectorAll(items)].map(n => n.getBoundingClientRect().top)", ITEMS
        )
        gaps = {round(b - a, 1) for a, b in zip(sorted(starts), sorted(starts)[1:])}
        assert gaps == {round(selected["row"], 1)}, gaps
