"""Pair the cells of two notebooks, then tell which pairs moved.

Matching runs in passes, each over the cells the earlier passes left:

1. **id**: cells with the same cell id (nbformat 4.5+; ids that occur more than
   once in a notebook are ignored).
2. **content**: cells whose type and source are identical and unique on both
   sides (patience diff's unique lines).
3. Those pairs' longest increasing run (by index in b, ordered by index in a)
   is the *backbone*. It cuts both notebooks into gaps; within each gap,
   identical duplicates pair in order, then the rest pair by **similarity** of
   their sources (difflib ratios, greedy best-first), only against cells of the
   same gap and same type, with cheap upper bounds checked first.
4. Cells still unpaired anywhere pair across gaps (moved and edited), first
   identical duplicates in order, then by similarity under a fixed budget of
   comparisons and a higher threshold.

Each pass is linear or bounded, so two 2,000-cell notebooks with a few hundred
edits pair in milliseconds; there is no all-against-all comparison.

Moves: the pairs' longest increasing run (again by index in b) stays in place;
every other pair is a moved cell, the fewest moves that explain the new order.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from difflib import SequenceMatcher
from typing import NamedTuple, Protocol, Sequence

__all__ = ["Pair", "match_cells", "moved_pairs", "longest_increasing", "similarity"]

#: Least similarity for pairing two cells of the same gap.
THRESHOLD = 0.6
#: Least similarity for pairing cells across gaps (moved and edited).
GLOBAL_THRESHOLD = 0.75
#: Sources up to this many characters together compare by characters; longer
#: ones by lines.
CHAR_LIMIT = 2000
#: Most pairs compared inside one gap before comparing only nearby positions.
GAP_PAIRS = 2500
#: Most similarity computations in all gaps together, then in the cross-gap pass.
GAP_BUDGET = 20000
GLOBAL_BUDGET = 4000


class CellLike(Protocol):
    id: str | None
    cell_type: str
    source: str
    lines: Sequence[str]
    skey: tuple


class Pair(NamedTuple):
    i: int
    j: int
    how: str  # "id" | "content" | "similar"
    score: float


def longest_increasing(values: Sequence[int]) -> list[int]:
    """Positions in ``values`` of one longest strictly increasing subsequence."""
    tails: list[int] = []
    tail_values: list[int] = []
    prev = [-1] * len(values)
    for pos, v in enumerate(values):
        k = bisect_left(tail_values, v)
        if k:
            prev[pos] = tails[k - 1]
        if k == len(tails):
            tails.append(pos)
            tail_values.append(v)
        else:
            tails[k] = pos
            tail_values[k] = v
    out = []
    pos = tails[-1] if tails else -1
    while pos != -1:
        out.append(pos)
        pos = prev[pos]
    out.reverse()
    return out


def similarity(x: CellLike, y: CellLike, threshold: float = 0.0) -> float:
    """difflib ratio of two sources; 0.0 as soon as a bound shows it is below ``threshold``."""
    sa, sb = x.source, y.source
    la, lb = len(sa), len(sb)
    if la + lb == 0:
        return 1.0
    if 2.0 * min(la, lb) / (la + lb) < threshold:
        return 0.0
    if la + lb <= CHAR_LIMIT:
        sm = SequenceMatcher(None, sa, sb, autojunk=False)
    else:
        sm = SequenceMatcher(None, x.lines, y.lines, autojunk=False)
    if sm.real_quick_ratio() < threshold or sm.quick_ratio() < threshold:
        return 0.0
    return sm.ratio()


def _unique_ids(cells: Sequence[CellLike]) -> dict[str, int]:
    seen: dict[str, int] = {}
    dup: set[str] = set()
    for i, c in enumerate(cells):
        if not c.id:
            continue
        if c.id in seen:
            dup.add(c.id)
        else:
            seen[c.id] = i
    for d in dup:
        del seen[d]
    return seen


class _Matcher:
    def __init__(self, a: Sequence[CellLike], b: Sequence[CellLike]):
        self.a, self.b = a, b
        self.a_to: dict[int, Pair] = {}
        self.b_taken: set[int] = set()

    def add(self, i: int, j: int, how: str, score: float) -> None:
        self.a_to[i] = Pair(i, j, how, score)
        self.b_taken.add(j)

    def free_a(self) -> list[int]:
        return [i for i in range(len(self.a)) if i not in self.a_to]

    def free_b(self) -> list[int]:
        return [j for j in range(len(self.b)) if j not in self.b_taken]

    def pair_duplicates(self, ia: list[int], jb: list[int]) -> None:
        """Pair identical cells in order of appearance."""
        by_key: dict[tuple, list[int]] = defaultdict(list)
        for j in jb:
            by_key[self.b[j].skey].append(j)
        taken: dict[tuple, int] = defaultdict(int)
        for i in ia:
            key = self.a[i].skey
            js = by_key.get(key)
            if js and taken[key] < len(js):
                self.add(i, js[taken[key]], "content", 1.0)
                taken[key] += 1

    def pair_similar(self, ia: list[int], jb: list[int], threshold: float, budget: list[int]) -> None:
        """Greedy best-first pairing of the most similar cells of the same type."""
        ia = [i for i in ia if i not in self.a_to]
        jb = [j for j in jb if j not in self.b_taken]
        na, nb = len(ia), len(jb)
        if not na or not nb:
            return
        window = None if na * nb <= GAP_PAIRS else max(1, GAP_PAIRS // (2 * na))
        candidates = []
        for p, i in enumerate(ia):
            x = self.a[i]
            if window is None:
                qs = range(nb)
            else:
                centre = p * nb // na
                qs = range(max(0, centre - window), min(nb, centre + window + 1))
            for q in qs:
                y = self.b[jb[q]]
                if x.cell_type != y.cell_type:
                    continue
                if budget[0] <= 0:
                    break
                budget[0] -= 1
                s = similarity(x, y, threshold)
                if s >= threshold:
                    candidates.append((-s, abs(p / na - q / nb), i, jb[q]))
        candidates.sort()
        for neg, _dist, i, j in candidates:
            if i not in self.a_to and j not in self.b_taken:
                self.add(i, j, "similar", round(-neg, 4))


def match_cells(a: Sequence[CellLike], b: Sequence[CellLike]) -> list[Pair]:
    """Pairs of cells (index in a, index in b), sorted by index in a."""
    m = _Matcher(a, b)

    ids_b = _unique_ids(b)
    for cid, i in _unique_ids(a).items():
        j = ids_b.get(cid)
        if j is not None:
            m.add(i, j, "id", 1.0)

    groups_a: dict[tuple, list[int]] = defaultdict(list)
    groups_b: dict[tuple, list[int]] = defaultdict(list)
    for i in m.free_a():
        groups_a[a[i].skey].append(i)
    for j in m.free_b():
        groups_b[b[j].skey].append(j)
    for key, ia in groups_a.items():
        jb = groups_b.get(key)
        if jb and len(ia) == 1 and len(jb) == 1:
            m.add(ia[0], jb[0], "content", 1.0)

    pairs = sorted(m.a_to.values())
    backbone = [pairs[k] for k in longest_increasing([p.j for p in pairs])]
    anchor_a = [p.i for p in backbone]
    anchor_b = [p.j for p in backbone]
    gaps_a: dict[int, list[int]] = defaultdict(list)
    gaps_b: dict[int, list[int]] = defaultdict(list)
    for i in m.free_a():
        gaps_a[bisect_left(anchor_a, i)].append(i)
    for j in m.free_b():
        gaps_b[bisect_left(anchor_b, j)].append(j)
    budget = [GAP_BUDGET]
    for gap, ia in gaps_a.items():
        jb = gaps_b.get(gap)
        if jb:
            m.pair_duplicates(ia, jb)
            m.pair_similar(ia, jb, THRESHOLD, budget)

    rest_a, rest_b = m.free_a(), m.free_b()
    if rest_a and rest_b:
        m.pair_duplicates(rest_a, rest_b)
        m.pair_similar(rest_a, rest_b, GLOBAL_THRESHOLD, [GLOBAL_BUDGET])

    return sorted(m.a_to.values())


def moved_pairs(pairs: Sequence[Pair]) -> set[int]:
    """Indices in a of the pairs that moved (not on the longest in-order run)."""
    keep = {pairs[k].i for k in longest_increasing([p.j for p in pairs])}
    return {p.i for p in pairs if p.i not in keep}
