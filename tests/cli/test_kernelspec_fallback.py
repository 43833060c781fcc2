"""``jupyter mv snapshot`` from a shell that cannot find the notebook's kernelspec says
which interpreter it recorded instead, and how to name the right one."""

from __future__ import annotations

import sys

import nbformat

from jupyter_mv.verbs.versions import NO_KERNEL_NOTE

from ..helpers import run_cli


def _notebook(path, kernel: str) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": kernel, "display_name": kernel, "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("x = 1")]
    nbformat.write(nb, path)


def test_a_kernelspec_not_found_here_is_said_with_the_interpreter_recorded_instead(project):
    _notebook(project / "train.ipynb", "project-env-elsewhere")

    done = run_cli("snapshot", "train.ipynb", "-m", "first", cwd=project, check=True)

    assert (
        "warning: the notebook's kernel 'project-env-elsewhere' is not a Python kernelspec found here: recorded the "
        f"environment of {sys.executable} instead; name the kernel's interpreter with --python PATH"
    ) in done.stderr.splitlines()


def test_no_word_when_the_kernelspec_is_found_or_python_is_named(project):
    _notebook(project / "train.ipynb", "python3")
    assert "--python PATH" not in run_cli("snapshot", "train.ipynb", cwd=project, check=True).stderr
    _notebook(project / "other.ipynb", "project-env-elsewhere")
    named = run_cli("snapshot", "other.ipynb", "--python", sys.executable, cwd=project, check=True)
    assert "--python PATH" not in named.stderr


def test_a_snapshot_that_names_no_file_says_the_files_used_are_not_known(project):
    _notebook(project / "train.ipynb", "python3")
    (project / "data.csv").write_text("a\n1\n")

    bare = run_cli("snapshot", "train.ipynb", cwd=project, check=True)
    named = run_cli("snapshot", "train.ipynb", "data.csv", cwd=project, check=True)
    as_input = run_cli("snapshot", "train.ipynb", "--input", "data.csv", "--json", cwd=project, check=True)

    assert NO_KERNEL_NOTE in bare.stderr.splitlines()
    assert NO_KERNEL_NOTE.startswith("note: no kernel ran this snapshot, so the files the notebook reads and writes")
    assert "--input, --output" in NO_KERNEL_NOTE and "%mv snapshot" in NO_KERNEL_NOTE
    assert "note:" not in named.stderr and "note:" not in as_input.stderr
