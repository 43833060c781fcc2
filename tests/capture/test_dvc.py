"""DVC-tracked files, in a folder made by the real DVC (`dvc init`, `dvc add`, `dvc repro`):
a version records DVC's md5 beside its own hash, and `show` and the report name them.

DVC runs in its own virtual environment, made once per machine by the benchmark's
helper (benchmarks/compare.py) and reused; jupyter-mv itself never runs DVC.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from jupyter_mv.capture.dvc import dvc_md5, dvc_records
from jupyter_mv.provenance import build_report, render, validate
from jupyter_mv.store import Store

from ..helpers import run_cli, write_notebook

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def dvc_exe() -> str:
    spec = importlib.util.spec_from_file_location("mv_bench_compare", REPO / "benchmarks" / "compare.py")
    assert spec and spec.loader
    compare = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = compare  # its dataclasses look their module up
    spec.loader.exec_module(compare)
    venv = compare.dvc_venv(compare.DEFAULT_CACHE)
    return str(venv / "bin" / "dvc")


def run(cmd: list[str], cwd: Path) -> str:
    env = {
        **os.environ,
        "DVC_NO_ANALYTICS": "1",
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


@pytest.fixture
def dvc_project(project: Path, dvc_exe: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git + DVC project: data.csv and images/ added with `dvc add`, clean.csv made by a
    `dvc repro` stage (so it is in dvc.lock), notes.txt not tracked by DVC."""
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(project.parent))
    run(["git", "init", "-q"], project)
    run([dvc_exe, "init", "-q"], project)
    (project / "data.csv").write_text("a,b\n1,2\n3,4\n")
    (project / "images").mkdir()
    (project / "images" / "cat.txt").write_bytes(b"\x00cat pixels")
    (project / "images" / "dog.txt").write_bytes(b"dog pixels")
    run([dvc_exe, "add", "-q", "data.csv", "images"], project)
    (project / "dvc.yaml").write_text(
        "stages:\n  clean:\n    cmd: cp data.csv clean.csv\n    deps:\n    - data.csv\n    outs:\n    - clean.csv\n"
    )
    run([dvc_exe, "repro", "-q"], project)
    (project / "notes.txt").write_text("not tracked by DVC\n")
    write_notebook(project / "train.ipynb", ["import pandas as pd", "df = pd.read_csv('data.csv')"])
    run_cli("init", cwd=project, check=True)
    return project


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def test_a_version_records_dvc_md5_beside_its_own_hash(dvc_project: Path) -> None:
    import yaml

    proc = run_cli(
        "snapshot",
        "train.ipynb",
        "--no-env",
        "--input",
        "data.csv",
        "--input",
        "images/dog.txt",
        "--input",
        "notes.txt",
        "--output",
        "clean.csv",
        "--json",
        cwd=dvc_project,
        check=True,
    )
    files = {f["path"]: f for f in json.loads(proc.stdout)["files"]}

    recorded = yaml.safe_load((dvc_project / "data.csv.dvc").read_text())["outs"][0]
    assert files["data.csv"]["dvc"] == {
        "md5": recorded["md5"],
        "hash": "md5",
        "size": recorded["size"],
        "source": "data.csv.dvc",
    }
    assert recorded["md5"] == md5(dvc_project / "data.csv")
    assert len(files["data.csv"]["hash"]) == 64  # our BLAKE3 stays beside it

    # the dvc.lock out of a stage is named with its stage
    assert files["clean.csv"]["dvc"] == {
        "md5": md5(dvc_project / "clean.csv"),
        "hash": "md5",
        "size": 12,
        "source": "dvc.lock",
        "stage": "clean",
        "kind": "out",
    }
    # a file in a folder added with `dvc add`: its md5 from the folder's listing in the DVC cache
    dog = files["images/dog.txt"]["dvc"]
    images_md5 = yaml.safe_load((dvc_project / "images.dvc").read_text())["outs"][0]["md5"]
    assert dog == {
        "md5": md5(dvc_project / "images" / "dog.txt"),
        "hash": "md5",
        "folder": "images",
        "folder_md5": images_md5,
        "source": "images.dvc",
    }
    assert files["notes.txt"]["dvc"] is None
    assert files["train.ipynb"]["dvc"] is None

    # read back from the store, not only from the snapshot's answer
    with Store.open(dvc_project) as store:
        version = store.resolve("v1")
        assert version.file("data.csv").dvc["md5"] == recorded["md5"]


def test_show_and_report_name_dvc_tracked_inputs_and_whether_they_still_match(dvc_project: Path) -> None:
    run_cli(
        "snapshot",
        "train.ipynb",
        "--no-env",
        "--input",
        "data.csv",
        "--input",
        "notes.txt",
        cwd=dvc_project,
        check=True,
    )
    shown = run_cli("show", "v1", cwd=dvc_project, check=True).stdout
    expected = md5(dvc_project / "data.csv")
    assert f"DVC-tracked (data.csv.dvc), md5 {expected[:12]}, matches the file" in shown
    assert shown.count("DVC-tracked") == 1  # notes.txt is not

    with Store.open(dvc_project) as store:
        report = build_report(store, "v1")
        validate(report)
        (data,) = [f for f in report["inputs"] if f["path"] == "data.csv"]
        assert data["dvc"]["matches"] is True and data["dvc"]["current_md5"] == expected
        assert [f["dvc"] for f in report["inputs"] if f["path"] == "notes.txt"] == [None]
        assert not [w for w in report["warnings"] if w["code"] == "dvc_changed"]

        # the file changes after the version: the report says it no longer matches DVC's md5
        (dvc_project / "data.csv").write_text("a,b\n9,9\n3,4\n")
        report = build_report(store, "v1")
        validate(report)
        (data,) = [f for f in report["inputs"] if f["path"] == "data.csv"]
        assert data["dvc"]["matches"] is False and data["dvc"]["md5"] == expected
        assert data["dvc"]["current_md5"] == md5(dvc_project / "data.csv")
        (warning,) = [w for w in report["warnings"] if w["code"] == "dvc_changed"]
        assert warning["detail"]["source"] == "data.csv.dvc"
        markdown = render(report, "markdown")
        assert "DVC-tracked (data.csv.dvc)" in markdown and "the file has changed since" in markdown
        assert "DVC-tracked (data.csv.dvc)" in render(report, "html")
    assert "the file has changed since" in run_cli("show", "v1", cwd=dvc_project, check=True).stdout


def test_dvc_2_files_are_checked_with_dvc_2_md5_of_text(tmp_path: Path) -> None:
    """DVC 2 wrote no ``hash: md5`` and hashed text with CRLF read as LF; a CRLF that
    falls across a read block boundary still counts as one line end."""
    (tmp_path / ".dvc").mkdir()
    body = b"x" * (8 * 1024 * 1024 + 511) + b"\r\n" + b"row\r\n" * 1000
    (tmp_path / "big.csv").write_bytes(body)
    legacy = hashlib.md5(body.replace(b"\r\n", b"\n")).hexdigest()
    (tmp_path / "big.csv.dvc").write_text(f"outs:\n- md5: {legacy}\n  path: big.csv\n")
    record = dvc_records(tmp_path, ["big.csv"])["big.csv"]
    assert record == {"md5": legacy, "hash": "md5-dos2unix", "source": "big.csv.dvc"}
    assert dvc_md5(tmp_path / "big.csv", "md5-dos2unix") == legacy
    assert dvc_md5(tmp_path / "big.csv", "md5") == hashlib.md5(body).hexdigest()


def test_without_a_dvc_repository_nothing_is_recorded(tmp_path: Path) -> None:
    (tmp_path / "data.csv").write_text("a\n")
    (tmp_path / "data.csv.dvc").write_text("outs:\n- md5: 0123abcd\n  path: data.csv\n  hash: md5\n")
    assert dvc_records(tmp_path, ["data.csv"]) == {}  # no .dvc/ folder: not a DVC repository
    (tmp_path / ".dvc").mkdir()
    assert dvc_records(tmp_path, ["data.csv"])["data.csv"]["md5"] == "0123abcd"
    (tmp_path / "data.csv.dvc").write_text("outs: [unclosed\n")  # a broken .dvc file is ignored
    assert dvc_records(tmp_path, ["data.csv"]) == {}


def test_a_store_made_before_dvc_records_gains_them_on_open(project: Path) -> None:
    from jupyter_mv.store import schema

    (project / ".dvc").mkdir()
    (project / "data.csv").write_text("a\n1\n")
    (project / "data.csv.dvc").write_text(f"outs:\n- md5: {md5(project / 'data.csv')}\n  hash: md5\n  path: data.csv\n")
    write_notebook(project / "train.ipynb", ["1"])
    with Store.init(project) as store:
        store.snapshot("train.ipynb", inputs=["data.csv"], environment=None)
        store.db.executescript(
            "ALTER TABLE version_files DROP COLUMN dvc; DELETE FROM migrations WHERE id = 5;"
            "UPDATE meta SET value = '3' WHERE key = 'format_version'"
        )

    with Store.open(project) as reopened:
        assert [r[0] for r in reopened.db.execute("SELECT id FROM migrations ORDER BY id")] == [
            number for number, _, _ in schema.MIGRATIONS
        ]
        assert reopened.db.execute("SELECT value FROM meta WHERE key = 'format_version'").fetchone()[0] == str(
            schema.FORMAT_VERSION
        )
        assert reopened.resolve("v1").file("data.csv").dvc is None  # made before: nothing recorded
        v2 = reopened.snapshot("train.ipynb", inputs=["data.csv"], environment=None)
        assert reopened.get(v2.id).file("data.csv").dvc["source"] == "data.csv.dvc"
