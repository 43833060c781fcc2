"""The HTML report in a real Chromium, light and dark (screenshots in
tests/output/provenance/), and the Markdown's Mermaid block in Mermaid itself."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

from jupyter_mv.provenance import build_report, render
from jupyter_mv.store import Store
from tests.ui.test_sidebar_minimal import CHROMIUM, CHROMIUM_FLAGS

from .conftest import Trained

MERMAID = Path(__file__).resolve().parents[2] / "node_modules" / "mermaid" / "dist" / "mermaid.min.js"

_CONTRAST = """
(pair) => {
  const rgb = (css) => css.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = (c) => { const [r, g, b] = c.map((v) => { v /= 255;
    return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const [fgEl, fgProp, bgEl, bgProp] = pair;
  const fg = rgb(getComputedStyle(document.querySelector(fgEl))[fgProp]);
  const bg = rgb(getComputedStyle(document.querySelector(bgEl))[bgProp]);
  const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}
"""


@pytest.fixture
def browser():
    """Chromium for one test (sync playwright runs a loop of its own, which must be gone
    before pytest-jupyter closes the test's loop)."""
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", *CHROMIUM_FLAGS])
        yield b
        b.close()


def _contrast(page: Page, fg: str, fg_prop: str, bg: str, bg_prop: str) -> float:
    return page.evaluate(_CONTRAST, [fg, fg_prop, bg, bg_prop])


def test_the_html_report_is_self_contained_and_readable_in_light_and_dark(
    trained: Trained, browser, output_dir: Path
) -> None:
    with Store.open(trained.root) as store:
        report = build_report(store, "cancer@production")
    html = render(report, "html")
    assert not re.search(r"<(script|link|img|iframe)\b|\bsrc=|@import|url\((?!#)", html)
    assert re.findall(r"https?://[^\s\"'<]+", html.split('<h2 id="environment">')[0]) == ["http://www.w3.org/2000/svg"]
    path = output_dir / "report.html"
    path.write_text(html)
    for scheme in ("light", "dark"):
        page = browser.new_page(viewport={"width": 1200, "height": 900}, color_scheme=scheme)
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(path.as_uri())
        assert requests == [path.as_uri()]  # nothing fetched but the page itself
        assert page.title() == "Provenance of model cancer:1"
        headings = [h for h in page.locator("h2").all_inner_texts() if h not in ("Warnings", "Notes")]
        assert headings[:3] == ["Summary", "Lineage", "Input files"]
        assert page.locator(f"text={report['inputs'][0]['hash']}").is_visible()
        nodes = page.locator("svg.mv-lineage g.mv-node")
        assert nodes.count() == len(report["lineage"]["nodes"]) == 5
        assert page.locator("svg.mv-lineage g.mv-subject .mv-kind").text_content() == "model · subject"
        box, frame = page.locator("svg.mv-lineage").bounding_box(), page.locator(".lineage").bounding_box()
        assert box and frame and box["width"] <= frame["width"]  # the graph fits without scrolling
        assert page.locator(".cell.marked").count() == 2
        assert _contrast(page, ".mv-report", "color", ".mv-report", "backgroundColor") >= 7
        assert _contrast(page, "pre", "color", ".cell pre", "backgroundColor") >= 7
        assert _contrast(page, ".mv-node-version .mv-label", "fill", ".mv-node-version rect", "fill") >= 7
        assert _contrast(page, ".mv-node-input .mv-detail", "fill", ".mv-node-input rect", "fill") >= 4.5
        assert _contrast(page, ".badge.mark", "color", ".badge.mark", "backgroundColor") >= 4.5
        dark = page.evaluate("getComputedStyle(document.querySelector('.mv-report')).backgroundColor")
        assert (dark == "rgb(13, 17, 23)") == (scheme == "dark")
        page.screenshot(path=str(output_dir / f"report-{scheme}.png"), full_page=True)
        page.close()


def test_the_html_report_shown_inside_another_page_leaves_that_page_alone(trained: Trained, browser) -> None:
    """As the ``%mv`` magic, the panel or the sidebar show it: its styles stay inside the
    report, and JupyterLab's dark theme (``data-jp-theme-light``) darkens it."""
    with Store.open(trained.root) as store:
        html = render(build_report(store, "v1"), "html")
    host = (
        "<style>body{font:13px serif;background:rgb(1, 2, 3)}</style>"
        '<h2 id="host">notebook</h2><table id="cells"><tr><td>cell</td></tr></table>'
    )
    page = browser.new_page(color_scheme="light")
    page.set_content(f"<body data-jp-theme-light='false'>{host}</body>")
    before = page.evaluate(_HOST_STYLE)
    page.evaluate("(html) => document.body.insertAdjacentHTML('beforeend', html)", html)
    assert page.evaluate(_HOST_STYLE) == before
    assert page.evaluate("getComputedStyle(document.querySelector('.mv-report')).backgroundColor") == "rgb(13, 17, 23)"
    page.close()


_HOST_STYLE = """() => [document.body, document.querySelector('#host'), document.querySelector('#cells td')]
  .map((e) => { const s = getComputedStyle(e);
    return [s.fontFamily, s.fontSize, s.color, s.backgroundColor, s.margin, s.padding, s.borderBottom]; })"""


def test_the_mermaid_block_parses_and_renders_in_mermaid(trained: Trained, browser, output_dir: Path) -> None:
    if not MERMAID.is_file():
        pytest.skip("mermaid is not in node_modules (it comes with the sidebar's build, `jlpm install`)")
    with Store.open(trained.root) as store:
        markdown = render(build_report(store, "models/model.joblib"), "markdown")
    [chart] = re.findall(r"^```mermaid\n(.*?)\n```$", markdown, re.M | re.S)
    page = browser.new_page(viewport={"width": 1200, "height": 500})
    page.set_content('<div id="chart"></div>')
    page.add_script_tag(path=str(MERMAID))
    page.evaluate("mermaid.initialize({startOnLoad: false, securityLevel: 'strict'})")
    assert page.evaluate("async (text) => (await mermaid.parse(text)) !== false", chart)
    with pytest.raises(Exception, match="Parse error"):
        page.evaluate("async (text) => await mermaid.parse(text)", chart.replace("-->|used|", "-->|used"))
    svg = page.evaluate("async (text) => (await mermaid.render('lineage', text)).svg", chart)
    page.set_content(f'<div id="chart">{svg}</div>')
    labels = page.locator("#chart .nodeLabel").all_inner_texts()
    assert any(label.startswith("input: data/breast_cancer.csv") for label in labels)
    assert any(label.startswith("output: models/model.joblib") for label in labels)
    page.locator("#chart svg").screenshot(path=str(output_dir / "lineage-mermaid.png"))
    page.close()
