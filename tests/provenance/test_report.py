"""The provenance report of the example's model: built from a real kernel run, checked
against the schema, and rendered as Markdown (with a Mermaid block) and PROV-JSON."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import blake3
import jsonschema
import prov.model
import pytest
import sklearn

from jupyter_mv.errors import NotFound
from jupyter_mv.provenance import build_report, render, validate
from jupyter_mv.store import Store
from tests.helpers import run_cli

from .conftest import SAVE_CELL, Trained
from .mermaid import parse_flowchart


@pytest.fixture(scope="module")
def model_report(trained: Trained) -> dict:
    with Store.open(trained.root) as store:
        return build_report(store, "cancer@production")


def test_the_example_models_report_lists_the_csv_hash_and_the_scikit_learn_version(
    trained: Trained, model_report: dict
) -> None:
    csv = trained.root / "data" / "breast_cancer.csv"
    [data] = model_report["inputs"]
    assert data["path"] == "data/breast_cancer.csv" and data["stored"]
    assert data["hash"] == blake3.blake3(csv.read_bytes()).hexdigest() and data["size"] == csv.stat().st_size
    packages = {p["name"].lower(): p["version"] for p in model_report["environment"]["packages"]}
    assert packages["scikit-learn"] == sklearn.__version__
    imported = {i["module"]: i for i in model_report["environment"]["imported"]}
    assert imported["sklearn"] == {"module": "sklearn", "distribution": "scikit-learn", "version": sklearn.__version__}
    for text in (render(model_report, "markdown"), render(model_report, "html")):
        assert data["hash"] in text and "scikit-learn" in text and sklearn.__version__ in text


def test_the_report_follows_the_model_to_the_version_and_the_cells_that_made_it(model_report: dict) -> None:
    subject, version = model_report["subject"], model_report["notebook_version"]
    assert subject["kind"] == "model" and subject["label"] == "cancer:1"
    assert subject["model"]["aliases"] == ["production"] and subject["model"]["version"] == version["id"]
    assert version["label"] == "train.ipynb@v1" and version["author"] == "tester"
    assert model_report["metrics"]["accuracy"] > 0.9 and model_report["params"]["C"] == 1.0
    ran = [c for c in model_report["cells"] if c["run_rank"]]
    assert [c["run_rank"] for c in ran] == [1, 2, 3, 4, 5, 6]
    assert [c["position"] for c in ran] == sorted(c["position"] for c in ran)
    by_marks = {c["position"]: c["marks"] for c in model_report["cells"] if c["marks"]}
    writer = next(c for c in model_report["cells"] if "joblib.dump" in c["source"])
    saver = next(c for c in model_report["cells"] if c["source"] == SAVE_CELL)
    assert by_marks == {writer["position"]: ["wrote_subject"], saver["position"]: ["saved_subject"]}
    assert writer["writes"] == ["models/model.joblib"]
    reader = next(c for c in model_report["cells"] if "read_csv" in c["source"])
    assert reader["reads"] == ["data/breast_cancer.csv"]
    assert model_report["execution"]["source"] == "kernel" and not model_report["execution"]["out_of_order"]
    assert [w["code"] for w in model_report["warnings"] if w["level"] == "warning"] == []


def test_a_file_the_notebook_wrote_and_a_plain_version_have_reports_too(trained: Trained) -> None:
    with Store.open(trained.root) as store:
        by_file = build_report(store, "models/model.joblib")
        by_version = build_report(store, "v1")
        by_notebook = build_report(store, "train.ipynb")
        with pytest.raises(NotFound, match="is an input of train.ipynb@v1"):
            build_report(store, "data/breast_cancer.csv")
        with pytest.raises(NotFound, match="model cancer has no version 9"):
            build_report(store, "cancer:9")
    assert by_file["subject"]["kind"] == "file" and by_file["subject"]["file"]["on_disk"] == "same"
    marked = [c["position"] for c in by_file["cells"] if "wrote_subject" in c["marks"]]
    assert marked == [c["position"] for c in by_file["cells"] if "joblib.dump" in c["source"]]
    assert by_version["subject"]["kind"] == by_notebook["subject"]["kind"] == "version"
    assert by_version["notebook_version"]["id"] == by_file["notebook_version"]["id"]
    assert [m["label"] for m in by_version["models"]] == ["cancer:1"]
    for report in (by_file, by_version):
        validate(report)


def test_the_json_report_follows_its_schema_and_the_schema_has_teeth(model_report: dict) -> None:
    text = render(model_report, "json")
    validate(json.loads(text))
    broken = copy.deepcopy(model_report)
    broken["inputs"][0]["hash"] = "not-a-hash"
    with pytest.raises(jsonschema.ValidationError):
        validate(broken)
    broken = copy.deepcopy(model_report)
    del broken["cells"][0]["marks"]
    with pytest.raises(jsonschema.ValidationError):
        validate(broken)


def test_the_prov_json_reads_back_with_the_prov_package(model_report: dict) -> None:
    text = render(model_report, "prov-json")
    document = prov.model.ProvDocument.deserialize(content=text, format="json")
    records = list(document.get_records())
    by_type: dict[str, list] = {}
    for r in records:
        by_type.setdefault(type(r).__name__, []).append(r)
    assert {
        "ProvEntity",
        "ProvActivity",
        "ProvAgent",
        "ProvUsage",
        "ProvGeneration",
        "ProvDerivation",
        "ProvAssociation",
        "ProvAttribution",
    } <= set(by_type)
    csv_hash = model_report["inputs"][0]["hash"]
    model_hash = model_report["subject"]["model"]["hash"]
    provn = document.get_provn()
    assert f"used(mvrun:{model_report['notebook_version']['id']}, mvfile:{csv_hash}" in provn
    assert f"wasGeneratedBy(mvmodel:cancer.1, mvrun:{model_report['notebook_version']['id']}" in provn
    assert f"wasDerivedFrom(mvmodel:cancer.1, mvfile:{csv_hash}" in provn
    assert "prov:plan" not in provn or "wasAssociatedWith(" in provn
    plan = [r for r in by_type["ProvAssociation"] if r.get_attribute("prov:plan")]
    assert plan, "the notebook is the plan of the run"
    entity = document.get_record("mvmodel:cancer.1")[0]
    assert model_hash in {str(v) for v in entity.get_attribute("mv:hash")}
    again = prov.model.ProvDocument.deserialize(content=document.serialize(format="json"), format="json")
    assert again == document  # round-trips: nothing we wrote was dropped as unreadable
    people = [a for a in by_type["ProvAgent"] if "prov:Person" in str(a.get_asserted_types())]
    assert [str(p.label) for p in people] == ["tester"]


def test_the_markdown_lineage_is_a_mermaid_flowchart_that_parses(model_report: dict) -> None:
    markdown = render(model_report, "markdown")
    blocks = re.findall(r"^```mermaid\n(.*?)\n```$", markdown, re.M | re.S)
    assert len(blocks) == 1
    chart = parse_flowchart(blocks[0])
    assert chart.direction == "LR"
    labels = {node: label for node, (shape, label) in chart.nodes.items()}
    assert labels["version"].startswith("notebook version: train.ipynb@v1")
    assert labels["input1"].startswith("input: data/breast_cancer.csv · " + model_report["inputs"][0]["hash"][:12])
    assert ("input1", "version", "used") in chart.edges and ("version", "model1", "generated") in chart.edges
    assert ("env", "version", "used") in chart.edges and chart.classes == {"model1": "subject"}
    for broken in (
        blocks[0] + "\n    version -->|used| nowhere",
        blocks[0].replace("#quot;", '"', 1) + ' x["a"b"]',
        blocks[0].replace("flowchart LR", "graph"),
        blocks[0] + "\n    class version unknown",
    ):
        with pytest.raises(ValueError):
            parse_flowchart(broken)


def test_report_and_a_file_from_the_command_line(trained: Trained, tmp_path: Path) -> None:
    out = tmp_path / "cancer.md"
    done = run_cli("report", "cancer@production", "-o", str(out), cwd=trained.root)
    assert done.returncode == 0 and done.stdout.startswith(f"wrote {out} (markdown, ")
    assert out.read_text().startswith("# Provenance of model cancer:1\n")
    as_json = run_cli("report", "models/model.joblib", "--format", "json", cwd=trained.root)
    assert json.loads(as_json.stdout)["subject"]["kind"] == "file"
    wrong = run_cli("report", "nothing-here", cwd=trained.root)
    assert wrong.returncode == 1 and wrong.stdout == ""
    assert wrong.stderr == (
        "jupyter mv report: error: unknown ref 'nothing-here': not a model, a file a notebook wrote, or a version\n"
    )
