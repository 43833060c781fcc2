"""Line hunks: applying them to a gives b, with unified-diff numbering."""

from __future__ import annotations

import random

from jupyter_mv.diff.text import hunks


def _apply(a: str, hs: list[dict]) -> list[str]:
    src = a.splitlines()
    out: list[str] = []
    pos = 0  # next line of a to copy, 0-based
    for h in hs:
        start = h["a_start"] - 1 if h["a_lines"] else h["a_start"]
        assert start >= pos
        out.extend(src[pos:start])
        pos = start
        for line in h["lines"]:
            if line["op"] in " -":
                assert src[pos] == line["text"]
                pos += 1
            if line["op"] in " +":
                out.append(line["text"])
        assert sum(1 for x in h["lines"] if x["op"] in " -") == h["a_lines"]
        assert sum(1 for x in h["lines"] if x["op"] in " +") == h["b_lines"]
    out.extend(src[pos:])
    return out


def test_random_edits_round_trip():
    rng = random.Random(4)
    vocab = [f"line {k}" for k in range(12)]
    for _ in range(300):
        a_lines = [rng.choice(vocab) for _ in range(rng.randint(0, 30))]
        b_lines = list(a_lines)
        for _ in range(rng.randint(1, 5)):
            op = rng.random()
            k = rng.randint(0, len(b_lines))
            if op < 0.4:
                b_lines.insert(k, rng.choice(vocab))
            elif op < 0.7 and b_lines:
                del b_lines[min(k, len(b_lines) - 1)]
            elif b_lines:
                b_lines[min(k, len(b_lines) - 1)] = "changed"
        a, b = "\n".join(a_lines), "\n".join(b_lines)
        hs = hunks(a, b)
        assert (hs == []) == (a == b)
        assert _apply(a, hs) == b.splitlines()


def test_context_is_three_lines_and_distant_changes_split():
    a = "\n".join(f"l{k}" for k in range(20)) + "\n"
    b = a.replace("l2\n", "L2\n").replace("l17\n", "L17\n")
    first, second = hunks(a, b)
    assert (first["a_start"], first["a_lines"]) == (1, 6)  # l0..l5: the change at l2, 3 lines after
    assert (second["a_start"], second["a_lines"]) == (15, 6)  # l14..l19


def test_insert_into_empty_text_starts_at_zero():
    (h,) = hunks("", "x\ny\n")
    assert (h["a_start"], h["a_lines"], h["b_start"], h["b_lines"]) == (0, 0, 1, 2)
