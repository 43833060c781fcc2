"""The metric chart and the Models section of the sidebar, in a real JupyterLab driven
by a real Chromium: one point per version, a click selects that version, and an alias
moved in the Models section is what the command line then sees."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from jupyter_mv.store import Store, registry

from ..helpers import run_cli, write_notebook
from .conftest import ITEMS, PANEL, Lab, open_notebook, open_sidebar, running_lab, screenshot

CHART = f"{PANEL} .jp-mv-MetricsChart-plot"


@pytest.fixture(scope="module")
def lab_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``train.ipynb`` in three versions with an ``acc`` metric (the last with its curve),
    and model ``churn`` saved from the first two."""
    root = tmp_path_factory.mktemp("models") / "project"
    notebook = write_notebook(root / "train.ipynb", ["x = 1"])
    env_before = os.environ.pop("JUPYTER_MV_STORE", None)
    try:
        with Store.init(root) as store:
            for i, acc in enumerate((0.71, 0.84, 0.79), start=1):
                write_notebook(notebook, [f"x = {i}"])
                steps = {"acc": [[0, 0.5], [1, acc]]} if i == 3 else {}
                v = store.snapshot(
                    notebook, message=f"run {i}", metrics={"acc": acc}, extra={"kernel": {"steps": steps}}
                )
                if i < 3:
                    registry.save_object(store, "churn", {"C": i}, version=v.id, metrics={"acc": acc}, params={"C": i})
    finally:
        if env_before is not None:
            os.environ["JUPYTER_MV_STORE"] = env_before
    return root


@pytest.fixture(scope="module")
def lab(lab_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with running_lab(lab_root, tmp_path_factory.mktemp("lab-state")) as running:
        yield running


def test_the_chart_has_one_point_per_version_and_a_click_selects_it(page, lab):
    from playwright.sync_api import expect

    open_notebook(page, lab, "train.ipynb")
    open_sidebar(page)
    expect(page.locator(ITEMS)).to_have_count(3)
    chart = page.locator(CHART)
    expect(chart).to_have_attribute("data-metric", "acc")
    points = json.loads(chart.get_attribute("data-points") or "[]")
    assert [(p["name"], p["value"]) for p in points] == [("v1", 0.71), ("v2", 0.84), ("v3", 0.79)]
    circles = chart.locator(".jp-mv-MetricsChart-point")
    expect(circles).to_have_count(3)
    assert circles.nth(1).locator("title").text_content() == "v2: acc=0.8400"

    circles.nth(1).hover()
    expect(page.locator(f"{PANEL} .jp-mv-MetricsChart-hover")).to_have_text("v2: acc=0.8400")
    circles.nth(1).click()
    expect(page.locator(f"{ITEMS}.jp-mod-selected .jp-mv-VersionItem-name")).to_have_text(["v2"])
    expect(circles.nth(1)).to_have_class("jp-mv-MetricsChart-point jp-mod-selected")
    circles.nth(2).click(modifiers=["Control"])
    expect(page.locator(f"{ITEMS}.jp-mod-selected .jp-mv-VersionItem-name")).to_have_count(2)
    # the selected version that logged a curve shows it
    steps = page.locator(f"{PANEL} .jp-mv-MetricsChart-steps")
    assert json.loads(steps.get_attribute("data-steps") or "[]") == [[0, 0.5], [1, 0.79]]
    screenshot(page, "models-metric-chart")


def test_the_models_section_moves_an_alias_and_the_cli_sees_it(page, lab, lab_root):
    from playwright.sync_api import expect

    open_notebook(page, lab, "train.ipynb")
    open_sidebar(page)
    rows = page.locator(f"{PANEL} .jp-mv-ModelVersion")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).locator(".jp-mv-ModelVersion-label")).to_have_text("churn:2")
    expect(rows.nth(0).locator(".jp-mv-ModelVersion-metrics")).to_have_text("acc=0.8400")
    expect(rows.nth(1).locator(".jp-mv-ModelVersion-made")).to_have_text("train.ipynb@v1")

    rows.nth(0).locator(".jp-mv-ModelVersion-setAlias").click()
    rows.nth(0).locator(".jp-mv-ModelVersion-aliasName").fill("production")
    rows.nth(0).locator(".jp-mv-ModelVersion-aliasSet").click()
    expect(rows.nth(0).locator(".jp-mv-ModelVersion-alias")).to_have_text(["@production"])

    listing = json.loads(run_cli("models", "churn", "--json", cwd=lab_root, check=True).stdout)
    assert listing["aliases"] == {"production": 2}
    screenshot(page, "models-section")

    rows.nth(0).locator(".jp-mv-ModelVersion-pick").check()
    rows.nth(1).locator(".jp-mv-ModelVersion-pick").check()
    compare = page.locator(f"{PANEL} .jp-mv-Models-compare")
    expect(compare).to_have_text("Compare churn:2 and churn:1")
    compare.click()
    expect(page.locator(f"{ITEMS}.jp-mod-selected .jp-mv-VersionItem-name")).to_have_text(["v2", "v1"])
