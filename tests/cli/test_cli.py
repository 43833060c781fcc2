"""The `jupyter mv` command line, run as a real subprocess on real files."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import blake3
import pytest

from tests.helpers import run_cli, write_notebook


def b3(path: Path) -> str:
    return blake3.blake3(path.read_bytes()).hexdigest()


def store_dump(project: Path) -> tuple[str, list[str]]:
    conn = sqlite3.connect(project / ".jupyter_mv" / "mv.db")
    dump = "\n".join(conn.iterdump())
    conn.close()
    packs = sorted(str(p.relative_to(project)) for p in project.glob(".jupyter_mv/packs/*/*.pack"))
    return dump, packs


def pack_bytes(project: Path) -> int:
    return sum(p.stat().st_size for p in project.glob(".jupyter_mv/packs/*/*.pack"))


def test_the_cli_scenario_of_a_large_data_file(project: Path) -> None:
    """init; snapshot a notebook and a 200 MB file; change 1 MB in the middle; snapshot;
    the store grows by at most 5 MB; restore v1 byte-identical with a safety version;
    verify clean; a flipped byte is named with its versions and exits non-zero."""
    write_notebook(project / "train.ipynb", ["x = 1"])
    data = project / "data.bin"
    with open(data, "wb") as f:
        for _ in range(25):
            f.write(os.urandom(8 * 1024 * 1024))
    original = b3(data)
    assert run_cli("init", cwd=project, check=True).stdout.startswith("Initialized empty jupyter-mv store")
    out = run_cli(
        "snapshot", "train.ipynb", "data.bin", "-m", "first", "--metric", "acc=0.9", cwd=project, check=True
    ).stdout
    assert out.startswith("v1 ")
    after_first = pack_bytes(project)
    with open(data, "r+b") as f:
        f.seek(100 * 1024 * 1024)
        f.write(os.urandom(1024 * 1024))
    run_cli("snapshot", "train.ipynb", "data.bin", "-m", "second", cwd=project, check=True)
    assert pack_bytes(project) - after_first <= 5 * 1024 * 1024

    restored = run_cli("restore", "v1", cwd=project, check=True).stdout
    assert "kept the current files as train.ipynb@v3" in restored
    assert b3(data) == original
    log = run_cli("log", "--all", "--json", cwd=project, check=True).stdout
    kinds = {v["name"]: v["kind"] for v in json.loads(log)}
    assert kinds == {"v1": "full", "v2": "full", "v3": "safety"}
    assert "ok:" in run_cli("verify", cwd=project, check=True).stdout

    pack = max(project.glob(".jupyter_mv/packs/*/*.pack"), key=lambda p: p.stat().st_size)
    raw = bytearray(pack.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    pack.write_bytes(bytes(raw))
    bad = run_cli("verify", cwd=project)
    assert bad.returncode == 1
    assert f"in pack {pack.stem}" in bad.stderr
    assert "affected version train.ipynb@v1" in bad.stderr and "data.bin" in bad.stderr


@pytest.fixture
def cli_project(project: Path) -> Path:
    write_notebook(project / "train.ipynb", ["x = 1"])
    (project / "data.csv").write_text("a,b\n1,2\n")
    run_cli("init", cwd=project, check=True)
    run_cli(
        "snapshot", "train.ipynb", "data.csv", "-m", "first", "--param", "C=0.5", "--no-env", cwd=project, check=True
    )
    return project


def test_log_show_tag_and_alias(cli_project: Path) -> None:
    run_cli("snapshot", "train.ipynb", "-m", "second", "--metric", "acc=0.93", "--no-env", cwd=cli_project, check=True)
    assert "tagged train.ipynb@v1" in run_cli("tag", "v1", "baseline", cwd=cli_project, check=True).stdout
    assert "production -> train.ipynb@v2" in run_cli("alias", "production", "v2", cwd=cli_project, check=True).stdout
    log = run_cli("log", cwd=cli_project, check=True).stdout.splitlines()
    assert log[0].split()[0] == "v2" and "acc=0.93" in log[0] and "@production" in log[0]
    assert log[1].split()[0] == "v1" and "baseline" in log[1]
    show = run_cli("show", "baseline", cwd=cli_project, check=True).stdout
    assert "train.ipynb@v1" in show and "C=0.5" in show and "data.csv" in show
    data = json.loads(run_cli("show", "production", "--json", cwd=cli_project, check=True).stdout)
    assert data["name"] == "v2" and data["metrics"] == {"acc": 0.93}
    history = json.loads(run_cli("alias", "production", "--json", cwd=cli_project, check=True).stdout)
    assert history[0]["version"] == data["id"]


def test_restore_to_a_folder(cli_project: Path, tmp_path: Path) -> None:
    out = tmp_path / "copy"
    run_cli("restore", "v1", "data.csv", "--to", str(out), cwd=cli_project, check=True)
    assert (out / "data.csv").read_text() == "a,b\n1,2\n"
    assert not (out / "train.ipynb").exists()


def test_env_shows_the_recorded_environment(cli_project: Path) -> None:
    assert "recorded no environment" in run_cli("env", "v1", cwd=cli_project).stderr
    run_cli("snapshot", "train.ipynb", cwd=cli_project, check=True)
    env = json.loads(run_cli("env", "v2", "--json", cwd=cli_project, check=True).stdout)
    assert any(p["name"] in ("nbformat",) for p in env["packages"])
    text = run_cli("env", "v2", cwd=cli_project, check=True).stdout
    assert "nbformat==" in text


def test_gc_on_a_healthy_store_keeps_every_version(cli_project: Path) -> None:
    out = run_cli("gc", "--grace", "0", cwd=cli_project, check=True).stdout
    assert out.startswith("freed")
    assert "ok:" in run_cli("verify", cwd=cli_project, check=True).stdout
    run_cli("restore", "v1", "data.csv", "--to", "x", cwd=cli_project, check=True)


@pytest.mark.parametrize(
    "args, message",
    [
        (["snapshot", "missing.ipynb"], "no such file: missing.ipynb"),
        (["snapshot", "broken.ipynb"], "broken.ipynb is not a notebook: invalid JSON"),
        (["show", "nope"], "unknown ref 'nope'"),
        (["restore", "v7"], "no version v7"),
        (["tag", "v1", "first"], "tag first already exists"),
        (["snapshot", "train.ipynb", "fifo"], "fifo is not a regular file"),
        (["snapshot", "train.ipynb", "../outside.csv"], "outside the project root"),
        (["tag", "v1", "x" * 10_000], "at most 100 characters"),
        (["gc", "--grace", "soon"], "expected a duration"),
        (["snapshot", "train.ipynb", "--metric", "acc"], "expected KEY=VALUE"),
    ],
)
def test_bad_input_gives_one_line_and_changes_nothing(cli_project: Path, args: list[str], message: str) -> None:
    (cli_project / "broken.ipynb").write_text("{not json")
    os.mkfifo(cli_project / "fifo")
    (cli_project.parent / "outside.csv").write_text("x")
    run_cli("tag", "v1", "first", cwd=cli_project, check=True)
    before = store_dump(cli_project)
    proc = run_cli(*args, cwd=cli_project)
    assert proc.returncode != 0
    assert message in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert store_dump(cli_project) == before


def test_no_store_is_one_line_with_a_hint(project: Path) -> None:
    write_notebook(project / "n.ipynb", ["1"])
    proc = run_cli("log", "n.ipynb", cwd=project)  # (a snapshot creates the store)
    assert proc.returncode == 1 and "run `jupyter mv init`" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_every_command_is_documented_in_the_readme() -> None:
    from jupyter_mv.cli import COMMANDS

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    missing = [c for c in COMMANDS if f"jupyter mv {c}" not in readme]
    assert not missing, f"README.md does not document: {missing}"


def test_diff_shows_the_edited_cell_and_metrics(cli_project: Path) -> None:
    write_notebook(cli_project / "train.ipynb", ["x = 2"])
    run_cli("snapshot", "train.ipynb", "data.csv", "--metric", "acc=0.8", "--no-env", cwd=cli_project, check=True)
    text = run_cli("diff", "v1", "v2", cwd=cli_project, check=True).stdout
    assert "-x = [-1-]" in text and "+x = {+2+}" in text  # NO_COLOR: the changed words marked
    data = json.loads(run_cli("diff", "v1", "v2", "--json", cwd=cli_project, check=True).stdout)
    from jupyter_mv.diff import validate

    validate(data)
    assert data["notebook"]["summary"]["modified"] == 1 and not data["empty"]
    only = json.loads(run_cli("diff", "v1", "v2", "--json", "--only", "metrics", cwd=cli_project, check=True).stdout)
    assert only["notebook"] is None and only["metrics"] is not None


def test_diff_against_disk_and_of_identical_versions(cli_project: Path) -> None:
    assert json.loads(run_cli("diff", "v1", "--json", cwd=cli_project, check=True).stdout)["empty"]
    (cli_project / "data.csv").write_text("a,b\n1,2\n3,4\n")
    data = json.loads(run_cli("diff", "v1", "--json", "--only", "data", cwd=cli_project, check=True).stdout)
    assert not data["empty"] and data["b"]["label"] == "disk"
    proc = run_cli("diff", "v1", "v9", cwd=cli_project)
    assert proc.returncode == 1 and len(proc.stderr.strip().splitlines()) == 1 and "no version v9" in proc.stderr


def test_log_where_lists_the_versions_a_filter_matches(cli_project: Path) -> None:
    run_cli("snapshot", "train.ipynb", "-m", "tuned", "--metric", "acc=0.93", "--no-env", cwd=cli_project, check=True)
    run_cli("snapshot", "train.ipynb", "-m", "worse", "--metric", "acc=0.71", "--no-env", cwd=cli_project, check=True)

    good = run_cli("log", "--where", "acc>0.9", cwd=cli_project, check=True).stdout.splitlines()
    words = run_cli("log", "--where", "first", cwd=cli_project, check=True).stdout.splitlines()
    none = run_cli("log", "--where", "acc>0.99", cwd=cli_project, check=True).stdout
    bad = run_cli("log", "--where", "acc>high", cwd=cli_project)

    assert [line.split()[0] for line in good] == ["v2"]
    assert [line.split()[0] for line in words] == ["v1"]
    assert none.strip() == "no version matches acc>0.99"
    assert bad.returncode != 0 and "Traceback" not in bad.stderr
    assert "acc>high" in bad.stderr and "not a number" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1


def test_log_graph_draws_the_branch_a_restore_makes(cli_project: Path) -> None:
    write_notebook(cli_project / "train.ipynb", ["x = 2"])
    run_cli("snapshot", "train.ipynb", "-m", "second", "--no-env", cwd=cli_project, check=True)
    run_cli("restore", "v1", "train.ipynb", cwd=cli_project, check=True)
    write_notebook(cli_project / "train.ipynb", ["x = 1", "y = 3"])
    run_cli("snapshot", "train.ipynb", "-m", "branch", "--no-env", cwd=cli_project, check=True)

    lines = run_cli("log", "train.ipynb", "--graph", cwd=cli_project, check=True).stdout.splitlines()
    data = json.loads(run_cli("log", "train.ipynb", "--graph", "--json", cwd=cli_project, check=True).stdout)

    assert [line.split()[:2] for line in lines] == [["*", "v4"], ["|", "*"], ["|/"], ["*", "v1"]]
    assert "v2" in lines[1]
    assert [(v["name"], v["graph"]["col"]) for v in data] == [("v4", 0), ("v2", 1), ("v1", 0)]
