"""The terminal diff: wrapped to the terminal's width (COLUMNS honoured), never cut;
the changed words of a changed line highlighted (colour) or marked (no colour)."""

from __future__ import annotations

import copy

from jupyter_mv.diff import render_text

LONG = "result = compute(" + ", ".join(f"argument_{k}={k}" for k in range(20)) + ")"


def _pair(notebook, code, old: str, new: str):
    a = notebook(code("import numpy as np"), code(old), code("print('done')"))
    b = copy.deepcopy(a)
    b["cells"][1]["source"] = new
    return a, b


def _unwrapped(text: str) -> str:
    """The text with continuation rows joined back onto their line."""
    out: list[str] = []
    for line in text.splitlines():
        stripped = line.lstrip()
        if stripped.startswith("↪") and out:
            out[-1] += stripped[1:]
        else:
            out.append(line)
    return "\n".join(out)


def test_long_lines_wrap_to_the_width_and_lose_nothing(notebook, code, run_diff):
    new = LONG.replace("argument_19=19", "argument_19=190")
    d = run_diff(*_pair(notebook, code, LONG, new))
    text = render_text(d, color=False, width=60, marks=False)
    assert all(len(line) <= 60 for line in text.splitlines())
    assert "…" not in text
    joined = _unwrapped(text)
    assert "+" + new in joined and "-" + LONG in joined


def test_the_width_is_the_terminals_with_columns_honoured(notebook, code, run_diff, monkeypatch):
    line = LONG[:170] + ")"
    d = run_diff(*_pair(notebook, code, line, line + "  # tuned"))
    monkeypatch.setenv("COLUMNS", "250")
    wide = render_text(d, color=False, marks=False)
    assert "-" + line in [row.strip() for row in wide.splitlines()]
    monkeypatch.setenv("COLUMNS", "70")
    narrow = render_text(d, color=False)
    assert max(len(line) for line in narrow.splitlines()) <= 70


def test_changed_words_are_highlighted_in_colour_and_marked_without(notebook, code, run_diff):
    d = run_diff(*_pair(notebook, code, "model = fit(df, lr=0.1, epochs=10)", "model = fit(df, lr=0.01, epochs=10)"))
    coloured = render_text(d, color=True, width=0)
    assert "\x1b[7m0.1\x1b[0m" in coloured and "\x1b[7m0.01\x1b[0m" in coloured
    plain = render_text(d, color=False, width=0)
    assert "-model = fit(df, lr=[-0.1-], epochs=10)" in plain
    assert "+model = fit(df, lr={+0.01+}, epochs=10)" in plain
    assert "\x1b[" not in plain


def test_lines_that_share_little_are_not_marked(notebook, code, run_diff):
    d = run_diff(*_pair(notebook, code, "x = load('a.csv')\ny = 2", "plot(histogram, bins=50)\ny = 2"))
    plain = render_text(d, color=False, width=0)
    assert "-x = load('a.csv')" in plain and "+plot(histogram, bins=50)" in plain
    assert "[-" not in plain and "{+" not in plain
