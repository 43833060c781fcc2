"""The metric chart and the Models section of the sidebar, in a real JupyterLab driven
by a real Chromium: one point per version, a click selects that version, and an alias
moved in the Models section is what the command line then sees."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from jupyter_mv.store import Store, registry

from ..helpers import run_cli, write_notebook
from .conftest import ITEMS, NOTEBOOK, OUTPUT, PANEL, Lab, open_notebook, open_sidebar, running_lab, screenshot

CHART = f"{PANEL} .jp-mv-MetricsChart-plot"


def screenshot_path(name: str) -> Path:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    return OUTPUT / f"{name}.png"


@pytest.fixture(scope="module")
def lab_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``train.ipynb`` in three versions with an ``acc`` metric (the last with its curve),
    and model ``churn`` saved from the first two."""
    root = tmp_path_factory.mktemp("models") / "project"
    notebook = write_notebook(root / "train.ipynb", ["x = 1"])
    write_notebook(root / "scored.ipynb", ["score = 0.91"])
    env_before = os.environ.pop("JUPYTER_MV_STORE", None)
    try:
        with Store.init(root) as store:
            for i, acc in enumerate((0.71, 0.84, 0.79), start=1):
                write_notebook(notebook, [f"x = {i}"])
                steps = {"acc": [[0, 0.5], [1, acc]]} if i == 3 else {}
                metrics = {"acc": acc, "loss": 0.4} if i == 3 else {"acc": acc}
                v = store.snapshot(notebook, message=f"run {i}", metrics=metrics, extra={"kernel": {"steps": steps}})
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


def chart_points(page) -> list[dict]:
    """What uPlot holds and where it drew each version (written by the chart from its data)."""
    return json.loads(page.locator(CHART).get_attribute("data-points") or "[]")


def test_the_chart_has_one_point_per_version_and_a_click_selects_it(page, lab):
    from playwright.sync_api import expect

    open_notebook(page, lab, "train.ipynb")
    open_sidebar(page)
    expect(page.locator(ITEMS)).to_have_count(3)
    chart = page.locator(CHART)
    expect(chart).to_have_attribute("data-metric", "acc")
    expect(chart.locator("canvas")).to_have_count(1)  # drawn by uPlot
    page.wait_for_function(f"() => document.querySelector('{CHART}').dataset.points")
    points = chart_points(page)
    assert [(p["name"], p["value"]) for p in points] == [("v1", 0.71), ("v2", 0.84), ("v3", 0.79)]
    xs = [p["x"] for p in points]
    assert xs == sorted(xs) and len(set(xs)) == 3, "one point per version, in order"
    assert points[1]["y"] < points[2]["y"] < points[0]["y"], "the higher value is drawn higher"

    over = chart.locator(".u-over")
    v2 = points[1]
    over.hover(position={"x": v2["x"], "y": v2["y"]})
    expect(page.locator(f"{PANEL} .jp-mv-MetricsChart-hover")).to_have_text("v2: acc=0.8400")
    # the plot is drawn once: a selection marks its points without drawing it again
    chart.locator("canvas").evaluate("canvas => { canvas.dataset.drawnBefore = 'yes'; }")
    over.click(position={"x": v2["x"], "y": v2["y"]})
    expect(page.locator(f"{ITEMS}.jp-mod-selected .jp-mv-VersionItem-name")).to_have_text(["v2"])
    expect(chart).to_have_attribute("data-selected", '["v2"]')
    mark = chart.locator('.jp-mv-MetricsChart-mark[data-name="v2"]')
    expect(mark).to_have_count(1)
    box, frame = mark.bounding_box(), over.bounding_box()
    assert box and frame
    centre = (box["x"] + box["width"] / 2 - frame["x"], box["y"] + box["height"] / 2 - frame["y"])
    assert abs(centre[0] - v2["x"]) <= 2 and abs(centre[1] - v2["y"]) <= 2, (centre, v2)
    expect(chart.locator("canvas")).to_have_attribute("data-drawn-before", "yes")
    v3 = chart_points(page)[2]
    chart.locator(".u-over").click(position={"x": v3["x"], "y": v3["y"]}, modifiers=["Control"])
    expect(page.locator(f"{ITEMS}.jp-mod-selected .jp-mv-VersionItem-name")).to_have_count(2)
    expect(chart).to_have_attribute("data-selected", '["v2","v3"]')
    expect(chart.locator(".jp-mv-MetricsChart-mark")).to_have_count(2)
    # the selected version that logged a curve shows it, drawn from its steps
    steps = page.locator(f"{PANEL} .jp-mv-MetricsChart-steps")
    expect(steps.locator("canvas")).to_have_count(1)
    page.wait_for_function(f"() => document.querySelector('{PANEL} .jp-mv-MetricsChart-steps').dataset.steps")
    assert json.loads(steps.get_attribute("data-steps") or "[]") == [[0, 0.5], [1, 0.79]]
    page.locator(f"{PANEL} .jp-mv-MetricsAndModels").screenshot(path=str(screenshot_path("models-metric-chart")))

    # a switch of theme draws the plot again in the new theme's colours
    page.locator(".lm-MenuBar-itemLabel", has_text="Settings").click()
    page.locator(".lm-Menu-itemLabel", has_text="Theme").first.hover()
    page.locator(".lm-Menu-itemLabel").get_by_text("JupyterLab Dark", exact=True).click()
    expect(page.locator("body")).to_have_attribute("data-jp-theme-name", "JupyterLab Dark")
    expect(chart).to_have_attribute("data-theme", "JupyterLab Dark")
    expect(chart.locator("canvas")).not_to_have_attribute("data-drawn-before", "yes")
    expect(chart).to_have_attribute("data-selected", '["v2","v3"]')
    page.locator(".lm-MenuBar-itemLabel", has_text="Settings").click()
    page.locator(".lm-Menu-itemLabel", has_text="Theme").first.hover()
    page.locator(".lm-Menu-itemLabel").get_by_text("JupyterLab Light", exact=True).click()
    expect(chart).to_have_attribute("data-theme", "JupyterLab Light")

    # another metric is chosen in the menu: its own points
    page.locator(f"{PANEL} .jp-mv-MetricsChart-choose").select_option("loss")
    expect(chart).to_have_attribute("data-metric", "loss")
    page.wait_for_function(f"() => JSON.parse(document.querySelector('{CHART}').dataset.points).length === 1")
    assert [(p["name"], p["value"]) for p in chart_points(page)] == [("v3", 0.4)]


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
    page.screenshot(path=str(screenshot_path("models")), clip={"x": 0, "y": 0, "width": 700, "height": 900})

    rows.nth(0).locator(".jp-mv-ModelVersion-pick").check()
    rows.nth(1).locator(".jp-mv-ModelVersion-pick").check()
    compare = page.locator(f"{PANEL} .jp-mv-Models-compare")
    expect(compare).to_have_text("Compare churn:2 and churn:1")
    compare.click()
    # the models' own facts side by side, then the notebook versions that made them
    view = page.locator(".jp-mv-DiffView:visible")
    facts = view.locator('.jp-mv-DiffSection[data-section="model"]')
    expect(facts.locator(".jp-mv-DiffSection-title")).to_contain_text("Models churn:1 → churn:2")
    expect(facts.locator(".jp-mv-ModelFacts thead th")).to_have_text(["", "churn:1", "churn:2", ""])
    expect(facts.locator('tr[data-fact="flavor"] td')).to_have_text(["flavor", "pickle", "pickle", ""])
    expect(facts.locator('tr[data-fact="hash"]')).to_have_class("jp-mod-changed")
    expect(facts.locator('tr[data-fact="version"] td')).to_have_text(
        ["made by", re.compile(r"^v1 · [0-9a-f]{7}"), re.compile(r"^v2 · [0-9a-f]{7}"), "changed"]
    )
    params = facts.locator('[data-part="params"] tbody tr td')
    expect(params).to_have_text(["C", "1", "2", "+1 (100.0%)"])
    metrics = facts.locator('[data-part="metrics"] tbody tr td')
    expect(metrics).to_have_text(["acc", "0.71", "0.84", re.compile(r"^\+0\.13")])
    notebook = view.locator('.jp-mv-DiffSection[data-section="notebook"]')
    expect(notebook).to_be_visible()
    expect(notebook.locator(".jp-mv-DiffSection-status")).to_have_text("modified")
    screenshot(page, "models-compare")


def test_a_model_opens_its_report_and_loads_into_a_new_cell(page, lab):
    from playwright.sync_api import expect

    open_notebook(page, lab, "train.ipynb")
    open_sidebar(page)
    row = page.locator(f'{PANEL} .jp-mv-ModelVersion[data-label="churn:1"]')
    row.locator(".jp-mv-ModelVersion-loadCell").click()
    cells = page.locator(f"{NOTEBOOK} .jp-Cell")
    expect(cells).to_have_count(2)
    expect(cells.nth(1).locator(".jp-InputArea-editor")).to_have_text("model = %mv load churn:1")
    row.locator(".jp-mv-ModelVersion-report").click()
    report = page.frame_locator(".jp-mv-ReportPanel:visible iframe")
    expect(report.locator("h1")).to_have_text("Provenance of model churn:1")  # the model's own report
    expect(report.locator("header .sub")).to_contain_text("made by train.ipynb@v1")
    expect(
        page.locator(".lm-TabBar-tab.lm-mod-current .lm-TabBar-tabLabel", has_text="churn:1: provenance")
    ).to_have_count(1)


def test_the_snapshot_box_stores_the_metrics_typed_and_refuses_a_bad_one(page, lab, lab_root):
    from playwright.sync_api import expect

    open_notebook(page, lab, "scored.ipynb")
    open_sidebar(page)
    box = page.locator(f"{PANEL} .jp-mv-SnapshotBox")
    metrics = box.locator(".jp-mv-SnapshotBox-metrics")

    # a bad value: the server's message under the box, what was typed kept, nothing stored
    box.locator(".jp-mv-SnapshotBox-message").fill("scored")
    metrics.fill("acc=0.91 model=rf")
    box.locator(".jp-mv-SnapshotBox-button").click()
    expect(box.locator(".jp-mv-SnapshotBox-error")).to_have_text("metric model must be a number, not str 'rf'")
    expect(metrics).to_have_value("acc=0.91 model=rf")
    expect(metrics).to_have_attribute("aria-invalid", "true")
    expect(box.locator(".jp-mv-SnapshotBox-message")).to_have_value("scored")
    with Store.open(lab_root) as store:
        assert store.log(lab_root / "scored.ipynb") == []
    screenshot(page, "snapshot-metrics-refused")

    metrics.fill("acc=0.91 loss=0.3")
    expect(box.locator(".jp-mv-SnapshotBox-error")).to_have_count(0)
    box.locator(".jp-mv-SnapshotBox-button").click()
    expect(page.locator(f"{ITEMS} .jp-mv-VersionItem-name")).to_have_text(["v1"])
    expect(metrics).to_have_value("")
    with Store.open(lab_root) as store:
        (version,) = store.log(lab_root / "scored.ipynb")
    assert (version.message, version.metrics) == ("scored", {"acc": 0.91, "loss": 0.3})
    shown = json.loads(run_cli("show", "scored.ipynb@v1", "--json", cwd=lab_root, check=True).stdout)
    assert shown["metrics"] == {"acc": 0.91, "loss": 0.3}
    # the chart of that notebook has its one point
    expect(page.locator(CHART)).to_have_attribute("data-metric", "acc")
