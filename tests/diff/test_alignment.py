"""Cell pairing on repeated, swapped and short edited cells, against nbdime on the same pairs.

nbdime (in the test extra) is run live on the same notebooks; where our choice differs
(an edit instead of removed + added, a move instead of removed + added), the expected
values below say so and docs/diff-format.md says why.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import nbformat
import pytest

from tests.corpus import MIN_NBDIME_PAIRS, changed_cells, nbdime_changed_cells, nbdime_pairs

DOC = Path(__file__).resolve().parents[2] / "docs" / "diff-format.md"

#: nbdime's pairs where the same cells are shown changed but shown differently, by
#: choice (docs/diff-format.md, "Where we choose differently from nbdime"): pair ->
#: (how we show its changed cells, how nbdime does).
CHOSEN_DIFFERENTLY = {
    # a lone edited cell stays an edit where nbdime has removed + added (similarity < 0.7)
    "cellids--base->cellids--local": (
        ["modified"] * 5,
        ["added", "modified", "modified", "modified", "modified", "removed"],
    ),
    "output-conflict--1->output-conflict--2": (["modified", "modified"], ["added", "modified", "removed"]),
    "output-conflict--1->output-conflict--3": (["modified", "modified"], ["added", "modified", "removed"]),
    "test-data-singlecell--1->test-data-singlecell--2": (["modified"], ["added", "removed"]),
    # a cell that changed place is moved, where nbdime (no moves) has removed + added
    "src-and-output--1->src-and-output--2": (["moved", "moved"], ["added", "added", "removed", "removed"]),
}


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _changed(d: dict) -> tuple[set[int], set[int], list[str]]:
    return changed_cells(d)


def _nbdime_changed(a: dict, b: dict) -> tuple[set[int], set[int], list[str]]:
    from nbdime import diff_notebooks

    na, nb = (nbformat.reads(json.dumps(x), as_version=4) for x in (a, b))
    return nbdime_changed_cells(len(a["cells"]), diff_notebooks(na, nb))


def test_nbdimes_multilevel_pair_is_one_edit_and_one_output_change_as_nbdime_says(
    run_diff, nbdime_notebooks: Path
) -> None:
    """Repeated sources (`x = 3`, `f(x)` twice) pair by position: no phantom moves."""
    a, b = (_load(nbdime_notebooks / f"multilevel-test-{side}.ipynb") for side in ("base", "local"))
    d = run_diff(a, b, include_metadata=True)
    assert _changed(d) == _nbdime_changed(a, b) == ({1, 2}, {1, 2}, ["modified", "modified"])
    assert d["notebook"]["summary"]["moved"] == 0
    first, second = d["notebook"]["cells"]
    assert first["changes"] == ["source"] and second["changes"] == ["outputs"]
    # nbdime's own recorded diff of the pair patches cells 1 (source) and 2 (outputs)
    recorded = _load(nbdime_notebooks / "multilevel-test-base-local-diff.json")
    assert [(op["key"], [p["key"] for p in op["diff"]]) for op in recorded[0]["diff"]] == [
        (1, ["source"]),
        (2, ["outputs"]),
    ]


def _cells_without_ids(notebook, *cells) -> dict:
    return notebook(*cells, ids=False, minor=4)


def test_identical_cells_swapped_are_one_move_not_four_output_edits(notebook, code, stream, run_diff) -> None:
    a = _cells_without_ids(
        notebook,
        code("import random"),
        code("sample()", [stream("first\n")]),
        code("sample()", [stream("second\n")]),
        code("report()"),
    )
    b = copy.deepcopy(a)
    b["cells"][1], b["cells"][2] = b["cells"][2], b["cells"][1]
    d = run_diff(a, b)
    nb = d["notebook"]
    assert nb["summary"]["moved"] == 1 and nb["summary"]["modified"] == 0
    (cell,) = nb["cells"]
    assert cell["status"] == "moved" and "outputs" not in cell
    assert {cell["a"]["index"], cell["b"]["index"]} == {1, 2}


def test_a_short_edited_cell_between_unchanged_neighbours_stays_paired(notebook, code, display, png, run_diff) -> None:
    """`f(x)` → `g(y)` is under every similarity threshold, but it is the same cell."""
    before, after = png(box=(2, 2, 10, 10)), png(box=(2, 2, 20, 20))
    a = _cells_without_ids(
        notebook,
        code("import numpy as np\nx = np.arange(10)"),
        code("f(x)", [display({"image/png": before, "text/plain": "<Figure>"})]),
        code("print('done')"),
    )
    b = copy.deepcopy(a)
    b["cells"][1]["source"] = "g(y)"
    b["cells"][1]["outputs"][0]["data"]["image/png"] = after
    (cell,) = run_diff(a, b)["notebook"]["cells"]
    assert cell["status"] == "modified" and cell["changes"] == ["source", "outputs"]
    assert [line["op"] + line["text"] for h in cell["source"] for line in h["lines"]] == ["-f(x)", "+g(y)"]
    (out,) = cell["outputs"]
    (part,) = out["parts"]
    assert part["kind"] == "image" and part["image"]["changed_pixels"] > 0


@pytest.mark.parametrize("order", [(3, 4, 2, 0, 1), (2, 1, 0), (4, 3, 2, 1, 0)])
def test_no_cell_is_ever_moved_to_its_own_index(notebook, code, run_diff, order) -> None:
    cells = [code(f"step_{k}(data, retries={k})") for k in range(len(order))]
    a = _cells_without_ids(notebook, *cells)
    b = copy.deepcopy(a)
    b["cells"] = [copy.deepcopy(a["cells"][order.index(j)]) for j in range(len(order))]
    nb = run_diff(a, b)["notebook"]
    assert all(c["a"]["index"] != c["b"]["index"] for c in nb["cells"]), nb["cells"]
    fixed = [k for k in range(len(order)) if order[k] == k]
    assert nb["summary"]["unchanged"] >= len(fixed)
    assert nb["summary"]["moved"] == len(order) - nb["summary"]["unchanged"]


def test_all_of_nbdimes_pairs_are_found(nbdime_notebooks: Path) -> None:
    pairs = {f"{a.stem}->{b.stem}" for a, b in nbdime_pairs(nbdime_notebooks)}
    assert len(pairs) >= MIN_NBDIME_PAIRS, sorted(pairs)
    assert set(CHOSEN_DIFFERENTLY) <= pairs
    assert {
        "multilevel-test-base->multilevel-test-local",
        "single_cell_nb->single_cell_nb--changed_source",
        "cellids--base->cellids--remote",
        "apap--1->apap--3",
    } <= pairs


def test_the_exceptions_are_the_ones_the_diff_format_lists() -> None:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("#### Where we choose differently from nbdime") : text.index("## Environment")]
    listed = {f"{a}->{b}" for a, b in re.findall(r"`([\w-]+)`→`([\w-]+)`", section)}
    assert listed == set(CHOSEN_DIFFERENTLY)
    assert f"differs in {_NUMBERS[len(CHOSEN_DIFFERENTLY)]}," in " ".join(section.split())


_NUMBERS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight"}


def test_nbdimes_pairs_have_the_changed_cells_nbdime_finds(
    nbdime_pair_name: str, nbdime_pair: tuple[Path, Path], run_diff
) -> None:
    """Which cells of a and of b are changed, as nbdime.diff_notebooks says; how they are
    shown too, except where CHOSEN_DIFFERENTLY says (and docs/diff-format.md says why)."""
    a, b = (_load(p) for p in nbdime_pair)
    ours_a, ours_b, ours_kinds = _changed(run_diff(a, b, include_metadata=True))
    theirs_a, theirs_b, theirs_kinds = _nbdime_changed(a, b)
    assert (ours_a, ours_b) == (theirs_a, theirs_b)
    assert ours_a or ours_b, "every pair changes something"
    expected = CHOSEN_DIFFERENTLY.get(nbdime_pair_name)
    if expected is None:
        assert ours_kinds == theirs_kinds
    else:
        assert (ours_kinds, theirs_kinds) == (sorted(expected[0]), sorted(expected[1]))
