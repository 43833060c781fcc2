"""``%mv report`` and ``%mv reproduce`` in a real kernel: the same verbs as the CLI."""

from __future__ import annotations

from pathlib import Path

from tests.kernel.conftest import Kernel, save_notebook

CELLS = ["rows = open('data.csv').read()", "n = open('out.txt', 'w').write(rows.upper())"]


def test_report_shows_in_the_notebook_and_reproduce_compares(kernel: Kernel, mv_project: Path) -> None:
    (mv_project / "data.csv").write_text("a\n1\n")
    for code in CELLS:
        kernel.run(code)
    save_notebook(mv_project / "train.ipynb", CELLS)
    kernel.run("%mv snapshot -m first")

    [shown] = kernel.run("%mv report out.txt").results
    assert shown["data"]["text/plain"].startswith("# Provenance of file out.txt\n")
    assert "```mermaid\nflowchart LR\n" in shown["data"]["text/plain"]
    assert '<div class="mv-report">' in shown["data"]["text/html"]
    wrong = kernel.run("%mv report nothing")
    assert (
        wrong.stderr
        == ("%mv report: error: unknown ref 'nothing': not a model, a file a notebook wrote, or a version\n")
        and not wrong.results
    )

    again = kernel.run("%mv reproduce", timeout=300)
    assert again.stdout.startswith("Reproducing train.ipynb@v1 ("), again.stdout + again.stderr
    assert "  ✓ cell 2   [2]    identical" in again.stdout
    assert "reproduced: 2 cells identical, 1 file" in again.stdout
