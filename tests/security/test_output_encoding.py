"""What jupyter-mv writes for others to read is only what it means to say: the Markdown
provenance report shows a user's text (messages, names, metric keys, file paths) and never
runs it as HTML or links, and ``jupyter mv log --json`` is valid UTF-8 JSON whatever the
locale, even when a name holds bytes that are not UTF-8. Real stores and files, the CLI as
a real subprocess whose output is decoded strictly."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import mistune
import pytest

from jupyter_mv.provenance import build_report, render
from jupyter_mv.store import Store
from tests.helpers import package_env, run_cli, write_notebook

XSS = "<img src=x onerror=alert(1)>"
SCRIPT = "<script>alert(2)</script>"
LINK = "[click me](javascript:alert(3))"
#: The only HTML the Markdown report writes of its own.
OWN_TAGS = {"details", "summary"}


@pytest.fixture
def hostile(project: Path) -> Store:
    """A version whose every user-made text is markup: message, author, metric and param
    keys and values, the notebook's and the data file's names (made by the CLI)."""
    write_notebook(project / "x<svg onload=alert(5)>.ipynb", ["import pandas as pd"])
    (project / f"{XSS}.csv").write_text("a\n1\n")
    run_cli("init", cwd=project, check=True)
    run_cli(
        "snapshot",
        "x<svg onload=alert(5)>.ipynb",
        "--no-env",
        "--input",
        f"{XSS}.csv",
        "-m",
        f"{XSS} {SCRIPT} {LINK} a|b `tick & more",
        "--metric",
        f"{SCRIPT}=0.5",
        "--metric",
        "loss=0.1",
        "--param",
        f"<i>lr</i>={XSS}",
        cwd=project,
        check=True,
        env={"JUPYTER_MV_AUTHOR": "<b onmouseover=alert(4)>me"},
    )
    store = Store.open(project)
    yield store
    store.close()


def _raw_tags(text: str) -> set[str]:
    return {m.lower() for m in re.findall(r"</?\s*([A-Za-z][A-Za-z0-9]*)", text)}


def test_the_markdown_report_shows_user_text_and_runs_none_of_it(hostile: Store) -> None:
    markdown = render(build_report(hostile, "latest"), "markdown")

    assert _raw_tags(markdown) <= OWN_TAGS, _raw_tags(markdown) - OWN_TAGS
    assert "&lt;img src=x onerror=alert(1)&gt;" in markdown
    # Rendered by a real Markdown renderer that lets HTML through: no element of the user's.
    html = mistune.html(markdown)
    assert not _raw_tags(html) & {"img", "script", "svg", "b", "i", "a", "iframe"}, _raw_tags(html)
    assert "href=" not in html
    # ...and it still says what the user wrote.
    text = re.sub(r"<[^>]+>", "", html)
    for shown in (
        XSS,
        SCRIPT,
        LINK,
        "a|b `tick & more",
        "<b onmouseover=alert(4)>me",
        "x<svg onload=alert(5)>.ipynb",
        f"{XSS}.csv",
        "<i>lr</i>",
    ):
        assert shown in text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").replace("&quot;", '"'), (
            shown
        )


def test_the_cli_markdown_report_is_escaped_too(hostile: Store, project: Path) -> None:
    proc = run_cli("report", "latest", "-f", "markdown", cwd=project, check=True)
    assert _raw_tags(proc.stdout) <= OWN_TAGS
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in proc.stdout


# -- log --json: valid UTF-8 JSON, always -----------------------------------------------------

LOCALES = [
    {"LC_ALL": "C.UTF-8"},
    {"LC_ALL": "C"},
    {"LC_ALL": "C", "PYTHONIOENCODING": "ascii"},
    {"LC_ALL": "C.UTF-8", "PYTHONIOENCODING": "latin-1"},
]


def _cli_bytes(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    full = {**package_env(), "NO_COLOR": "1", **env}
    full.pop("LANG", None)
    return subprocess.run(
        [sys.executable, "-m", "jupyter_mv.cli", *args], cwd=cwd, env=full, capture_output=True, timeout=300
    )


@pytest.fixture
def repo_with_a_bad_name(project: Path) -> Path:
    """A git work tree with untracked files whose names are not UTF-8 (the bytes a Latin-1
    system wrote): git lists them, so the version's git state holds them."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    write_notebook(project / "train.ipynb", ["x = 1"])
    for raw in (b"caf\xe9.ipynb", b"\xff\xfe data.csv"):
        with open(os.path.join(os.fsencode(project), raw), "w") as f:
            f.write("{}")
    run_cli("init", cwd=project, check=True)
    run_cli("snapshot", "train.ipynb", "--no-env", "-m", "café ✓ 🙂", cwd=project, check=True)
    return project


@pytest.mark.parametrize("env", LOCALES, ids=lambda e: " ".join(f"{k}={v}" for k, v in e.items()))
def test_log_json_is_valid_utf8_for_names_that_are_not(repo_with_a_bad_name: Path, env: dict[str, str]) -> None:
    proc = _cli_bytes("log", "--json", cwd=repo_with_a_bad_name, env=env)

    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    (version,) = json.loads(proc.stdout.decode("utf-8"))  # strict: an invalid byte fails here
    assert version["message"] == "café ✓ 🙂"
    dirty = version["git"]["dirty_files"]
    assert "caf\\xe9.ipynb" in dirty and "\\xff\\xfe data.csv" in dirty
    shown = _cli_bytes("show", "v1", "--json", cwd=repo_with_a_bad_name, env=env)
    assert json.loads(shown.stdout.decode("utf-8"))["git"]["dirty_files"] == dirty


def test_text_that_is_not_utf8_is_refused_in_one_line_or_kept_readable(repo_with_a_bad_name: Path) -> None:
    project = repo_with_a_bad_name
    bad = os.fsdecode(b"caf\xe9")
    for args, said in (
        (
            ["snapshot", "train.ipynb", "--no-env", "-m", f"{bad} message"],
            "the message is not UTF-8 text (caf\\xe9 message)",
        ),
        (
            ["snapshot", "train.ipynb", "--no-env", "--metric", f"{bad}=1"],
            "the metric name is not UTF-8 text (caf\\xe9)",
        ),
        (["snapshot", f"{bad}.ipynb", "--no-env"], "caf\\xe9.ipynb is not a UTF-8 file name"),
        (["log", f"{bad}.ipynb", "--json"], "caf\\xe9.ipynb is not a UTF-8 file name"),
        (["show", bad], "caf\\xe9 is not UTF-8 text"),
    ):
        proc = _cli_bytes(*args, cwd=project, env={"LC_ALL": "C.UTF-8"})
        assert proc.returncode == 1 and proc.stdout == b""
        (line,) = proc.stderr.decode("utf-8").strip().splitlines()
        assert line.startswith(f"jupyter mv {args[0]}: error: ") and said in line, line
    # An author name from a non-UTF-8 environment is kept, readable.
    proc = _cli_bytes(
        "snapshot",
        "train.ipynb",
        "--no-env",
        "-m",
        "by env",
        cwd=project,
        env={"LC_ALL": "C.UTF-8", "JUPYTER_MV_AUTHOR": f"{bad} author"},
    )
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    log = json.loads(_cli_bytes("log", "--json", cwd=project, env={"LC_ALL": "C"}).stdout.decode("utf-8"))
    assert log[0]["author"] == "caf\\xe9 author"
