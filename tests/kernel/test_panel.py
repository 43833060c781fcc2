"""``%mv panel`` in a real kernel, driven over the widget protocol as a front end does:
its state as the front end receives it, and buttons that reach the store."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from jupyter_mv.store import Store

from .conftest import Kernel, save_notebook


class Widgets:
    """The widget models a front end holds, kept up to date from the kernel's messages."""

    def __init__(self) -> None:
        self.state: dict[str, dict[str, Any]] = {}

    def feed(self, comms: list[dict[str, Any]]) -> None:
        for msg in comms:
            data = msg.get("data", {})
            if msg["type"] == "comm_open" and msg.get("target_name") == "jupyter.widget":
                self.state[msg["comm_id"]] = dict(data.get("state", {}))
            elif msg["type"] == "comm_msg" and data.get("method") == "update" and msg["comm_id"] in self.state:
                self.state[msg["comm_id"]].update(data.get("state", {}))

    def find(self, model: str, **match: Any) -> str:
        hits = [
            cid
            for cid, s in self.state.items()
            if s.get("_model_name") == model and all(s.get(k) == v for k, v in match.items())
        ]
        assert len(hits) == 1, f"{model} {match}: {len(hits)} found"
        return hits[0]

    def __getitem__(self, comm_id: str) -> dict[str, Any]:
        return self.state[comm_id]


def press(kernel: Kernel, widgets: Widgets, description: str) -> None:
    run = kernel.comm_msg(
        widgets.find("ButtonModel", description=description), {"method": "custom", "content": {"event": "click"}}
    )
    assert run.error is None and "Traceback" not in run.stderr, run.stderr
    widgets.feed(run.comms)


def set_state(kernel: Kernel, widgets: Widgets, comm_id: str, **state: Any) -> None:
    widgets.feed(kernel.comm_msg(comm_id, {"method": "update", "state": state, "buffer_paths": []}).comms)
    widgets.state[comm_id].update(state)


def test_the_panel_renders_the_timeline_and_its_buttons_reach_the_store(kernel: Kernel, mv_project: Path) -> None:
    save_notebook(mv_project / "train.ipynb", ["x = 1"])
    kernel.run("%mv snapshot -m baseline")
    shown = kernel.run("%mv panel")
    widgets = Widgets()
    widgets.feed(shown.comms)
    view = shown.results[0]["data"]["application/vnd.jupyter.widget-view+json"]
    assert widgets[view["model_id"]]["_model_name"] == "VBoxModel"
    timeline = widgets.find("SelectModel")
    labels = widgets[timeline]["_options_labels"]
    assert len(labels) == 1 and labels[0].startswith("v1 · ") and labels[0].endswith(" · baseline")
    assert widgets[timeline]["index"] == 0
    for button in ("Snapshot", "Tag", "Diff", "Restore", "Refresh", "Report"):
        widgets.find("ButtonModel", description=button)

    # Snapshot: the message box and the button make v2, which the timeline shows, selected.
    save_notebook(mv_project / "train.ipynb", ["x = 2"])
    set_state(
        kernel, widgets, widgets.find("TextModel", placeholder="message for a new version"), value="from the panel"
    )
    press(kernel, widgets, "Snapshot")
    with Store.open(mv_project) as store:
        v2 = store.resolve("v2")
    assert v2.message == "from the panel"
    assert widgets[timeline]["_options_labels"][0].startswith("v2 · ") and widgets[timeline]["index"] == 0
    assert "stored v2 " in _status(widgets)

    # Tag the selected version.
    set_state(kernel, widgets, widgets.find("TextModel", placeholder="tag name"), value="best")
    press(kernel, widgets, "Tag")
    with Store.open(mv_project) as store:
        assert store.resolve("best").id == v2.id

    # Diff v1 (compare with) against the selected v2: rendered HTML with both cells.
    compare = widgets.find("DropdownModel", description="compare with")
    assert widgets[compare]["_options_labels"][0] == "the files on disk"
    set_state(kernel, widgets, compare, index=2)
    press(kernel, widgets, "Diff")
    html = max((s.get("value", "") for s in widgets.state.values() if s.get("_model_name") == "HTMLModel"), key=len)
    assert "x = 1" in html and "x = 2" in html

    # Restore the selected version into a folder.
    set_state(kernel, widgets, widgets.find("TextModel", placeholder=_RESTORE_PLACEHOLDER), value="restored")
    press(kernel, widgets, "Restore")
    assert '"x = 2"' in (mv_project / "restored" / "train.ipynb").read_text()

    # The selected version's provenance report, rendered where the diff was.
    press(kernel, widgets, "Report")
    assert _status(widgets) == '<span style="color:inherit"></span>', "the report's own heading names it"
    report = max((s.get("value", "") for s in widgets.state.values() if s.get("_model_name") == "HTMLModel"), key=len)
    assert "Provenance of notebook version train.ipynb@v2" in report

    # A refused action is one line in the panel, not a traceback.
    set_state(kernel, widgets, widgets.find("TextModel", placeholder="tag name"), value="best")
    press(kernel, widgets, "Tag")
    assert "tag best already exists" in _status(widgets)


_RESTORE_PLACEHOLDER = "restore into folder (empty: in place, after a safety version)"


def _status(widgets: Widgets) -> str:
    """The status line: the HTML widget holding a single span."""
    spans = [
        s["value"]
        for s in widgets.state.values()
        if s.get("_model_name") == "HTMLModel" and str(s.get("value", "")).startswith("<span")
    ]
    assert len(spans) == 1
    return spans[0]


def _html_with(widgets: Widgets, marker: str) -> str:
    found = [
        str(s.get("value", ""))
        for s in widgets.state.values()
        if s.get("_model_name") == "HTMLModel" and marker in str(s.get("value", ""))
    ]
    assert len(found) == 1, f"{len(found)} HTML widgets hold {marker}"
    return found[0]


def test_the_panel_charts_a_metric_lists_models_and_moves_an_alias(kernel: Kernel, mv_project: Path) -> None:
    save_notebook(mv_project / "train.ipynb", ["x = 1"])
    kernel.run("acc = 0.71\n%mv metric acc=acc")
    kernel.run("%mv snapshot -m first")
    kernel.run("clf = {'C': 1}")
    kernel.run("%mv save clf --name churn")
    shown = kernel.run("%mv panel")
    widgets = Widgets()
    widgets.feed(shown.comms)

    # The snapshot box takes metrics as K=EXPR, evaluated in the notebook.
    kernel.run("acc = 0.84")
    save_notebook(mv_project / "train.ipynb", ["x = 2"])
    set_state(kernel, widgets, widgets.find("TextModel", placeholder="metrics: acc=0.91 f1=f1"), value="acc=acc")
    press(kernel, widgets, "Snapshot")
    with Store.open(mv_project) as store:
        assert store.resolve("v2").metrics == {"acc": 0.84}

    chart = _html_with(widgets, 'class="mv-chart"')
    assert 'data-metric="acc"' in chart and chart.count("<circle") == 2
    assert "<title>v1: acc=0.71</title>" in chart and "<title>v2: acc=0.84</title>" in chart
    models = _html_with(widgets, "<b>Models</b>")
    assert "churn:1" in models and "train.ipynb@v2" in models and "acc=0.84" in models  # saved before v2: linked to it

    press(kernel, widgets, "Set alias")
    assert "churn@production -&gt; churn:1" in _status(widgets)
    assert "@production" in _html_with(widgets, "<b>Models</b>")
    with Store.open(mv_project) as store:
        assert store.models.get("churn@production").number == 1


def _dataframe_notebook(path: Path, values: list[int]) -> Path:
    """A notebook whose one cell shows a DataFrame as pandas renders it (its scoped style
    too), with a script after it."""
    import nbformat
    import pandas as pd

    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("df", execution_count=1)
    cell["id"] = "frame"
    table = pd.DataFrame({"a": values})._repr_html_()
    cell.outputs = [
        nbformat.v4.new_output(
            "execute_result",
            {"text/html": table + "<script>alert(1)</script>", "text/plain": repr(values)},
            execution_count=1,
        )
    ]
    nb.cells.append(cell)
    path.write_text(nbformat.writes(nb))
    return path


def test_the_panels_diff_renders_dataframes_under_one_heading(kernel: Kernel, mv_project: Path) -> None:
    """Two versions whose DataFrame output changed: the diff shows both tables rendered
    (cells, no pandas style, no script), and its heading once (the status line is empty)."""
    notebook = mv_project / "train.ipynb"
    save_notebook(notebook, ["x = 1"])
    kernel.run("%mv snapshot -m first")
    _dataframe_notebook(notebook, [1, 2])
    kernel.run("%mv snapshot -m 'frame one'")
    _dataframe_notebook(notebook, [1, 3])
    kernel.run("%mv snapshot -m 'frame two'")
    shown = kernel.run("%mv panel")
    widgets = Widgets()
    widgets.feed(shown.comms)
    compare = widgets.find("DropdownModel", description="compare with")
    assert widgets[compare]["_options_labels"][2].startswith("v2 · ")
    set_state(kernel, widgets, compare, index=2)

    press(kernel, widgets, "Diff")

    diff = _html_with(widgets, "class='mvd'")
    assert diff.count("class='title'") == 1 and "v2" in diff and "v3" in diff
    tables = re.findall(r"<figure><div class=\"html-out\">(.*?)</div><figcaption>", diff, re.DOTALL)
    assert len(tables) == 2 and all(
        re.sub(r"\s+", "", t).startswith("<div><table><thead><tr><th></th>") for t in tables
    )
    assert "<td>2</td>" in tables[0] and "<td>3</td>" in tables[1]
    assert "<figcaption>before</figcaption>" in diff and "<figcaption>after</figcaption>" in diff
    assert "only-of-type" not in diff, "the DataFrame's own style is left out"
    assert "<script" not in diff and "alert(1)" not in diff
    assert _status(widgets) == '<span style="color:inherit"></span>'
