"""Pair the cells of two notebooks, then tell which pairs moved.

Matching runs in passes, each over the cells the earlier passes left:

1. **id**: cells with the same cell id (nbformat 4.5+; ids that occur more than
   once in a notebook are ignored).
2. **content**: cells whose type and source are identical and unique on both
   sides (patience diff's unique lines).
3. Those pairs' longest increasing run (by index in b, ordered by index in a)
   is the *backbone*. It cuts both notebooks into gaps; within each gap,
   identical duplicates pair in order, then the rest pair by **similarity** of
   their sources (difflib ratios over tokens): first each cell against the one
   at the same relative position (an edit in place), then greedy best-first
   among the cells of the same gap and type, with cheap upper bounds checked
   first and only nearby positions in a large gap.
4. Cells still unpaired anywhere pair across gaps (moved and edited), first
   identical duplicates in order, then by similarity with a higher threshold.

Similarity work has a fixed budget; past it, cells stay unpaired (shown as
removed and added) rather than the diff taking seconds. Two 2,000-cell notebooks
with a few hundred edits pair in milliseconds; there is no all-against-all
comparison.

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
#: Similarity at which a cell at the same relative position in its gap pairs at once.
SURE = 0.8
#: Least similarity for pairing cells across gaps (moved and edited).
GLOBAL_THRESHOLD = 0.75
#: Sources up to this many tokens together compare by tokens; longer ones by lines.
TOKEN_LIMIT = 4000
#: Most pairs compared inside one gap before comparing only nearby positions.
GAP_PAIRS = 2500
#: Most comparison work (see :func:`similarity`) in all gaps together, then in
#: the cross-gap pass: about half a second of the worst inputs in all.
GAP_BUDGET = 4_000_000
GLOBAL_BUDGET = 1_000_000


class CellLike(Protocol):
    id: str | None
    cell_type: str
    source: str
    lines: Sequence[str]
    tokens: Sequence[str]
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


def _common_ends(a: Sequence[str], b: Sequence[str]) -> tuple[int, int]:
    """Lengths of the common prefix and (not overlapping it) common suffix."""
    n = min(len(a), len(b))
    pre = 0
    while pre < n and a[pre] == b[pre]:
        pre += 1
    suf = 0
    while suf < n - pre and a[-1 - suf] == b[-1 - suf]:
        suf += 1
    return pre, suf


def similarity(x: CellLike, y: CellLike, threshold: float = 0.0, budget: list[int] | None = None) -> float:
    """difflib's ratio of two sources; 0.0 as soon as a bound shows it is below ``threshold``.

    Sources compare as sequences of tokens (words and punctuation), or of lines when
    they hold more than ``TOKEN_LIMIT`` tokens together. The common prefix and
    suffix count as matched and only the differing middles go through
    ``SequenceMatcher``, so an edit in place costs about a linear scan. ``budget``
    (a one-item list) is charged the product of the middles' lengths
    (SequenceMatcher's worst case); when it is spent, the answer is 0.0.
    """
    la, lb = len(x.source), len(y.source)
    if la + lb == 0:
        return 1.0
    if 2.0 * min(la, lb) / (la + lb) < threshold:
        return 0.0
    a, b = x.tokens, y.tokens
    if len(a) + len(b) > TOKEN_LIMIT:
        a, b = x.lines, y.lines
    total = len(a) + len(b)
    if not total or 2.0 * min(len(a), len(b)) / total < threshold:
        return 0.0
    pre, suf = _common_ends(a, b)
    common = pre + suf
    mid_a, mid_b = a[pre : len(a) - suf], b[pre : len(b) - suf]
    if not mid_a or not mid_b:
        return 2.0 * common / total
    if 2.0 * (common + min(len(mid_a), len(mid_b))) / total < threshold:
        return 0.0
    if budget is not None:
        if budget[0] <= 0:
            return 0.0
        budget[0] -= len(mid_a) * len(mid_b)
    sm = SequenceMatcher(None, mid_a, mid_b, autojunk=False)
    if 2.0 * (common + sm.quick_ratio() * (len(mid_a) + len(mid_b)) / 2) / total < threshold:
        return 0.0
    matched = sum(block.size for block in sm.get_matching_blocks())
    return 2.0 * (common + matched) / total


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
        """Greedy best-first pairing of the most similar cells of the same type.

        ``budget`` is a one-item list of comparison work still allowed (see
        :func:`similarity`), shared between calls.
        """
        ia = [i for i in ia if i not in self.a_to]
        jb = [j for j in jb if j not in self.b_taken]
        if not ia or not jb:
            return
        if len(ia) > 1 or len(jb) > 1:
            # an edit in place costs one comparison: the cell at the same relative
            # position, taken at once when clearly the same cell
            for p, i in enumerate(ia):
                j = jb[p * len(jb) // len(ia)]
                if j not in self.b_taken and self.a[i].cell_type == self.b[j].cell_type:
                    s = similarity(self.a[i], self.b[j], SURE, budget)
                    if s >= SURE:
                        self.add(i, j, "similar", round(s, 4))
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
                s = similarity(x, y, threshold, budget)
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
