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
from typing import Any, NamedTuple, Protocol, Sequence

__all__ = ["Pair", "match_cells", "moved_pairs", "longest_increasing", "similarity"]

#: Least similarity for pairing two cells of the same gap.
THRESHOLD = 0.6
#: Similarity at which a cell at the same relative position in its gap pairs at once.
SURE = 0.8
#: Least similarity for pairing cells across gaps (moved and edited).
GLOBAL_THRESHOLD = 0.75
#: Least similarity for a lone cell between paired neighbours to pair (an edit in place).
ANCHORED_THRESHOLD = 0.3
#: Sources shorter than this (characters) on both sides pair when anchored, whatever
#: their similarity (nbdime's ``shortlen``).
SHORT_SOURCE = 10
#: How much a pair's similarity is lowered per gap length of distance between the two
#: cells' relative positions in their gap.
POSITION_COST = 0.2
#: Most pairs for which moves are chosen exactly (preferring cells kept at their index).
EXACT_MOVES = 1000
#: Sources up to this many tokens together compare by tokens; longer ones by lines.
TOKEN_LIMIT = 4000
#: Most pairs compared inside one gap before comparing only nearby positions.
GAP_PAIRS = 2500
#: Most comparison work (see :func:`similarity`) in all gaps together, then in
#: the cross-gap pass: about half a second of the worst inputs in all.
GAP_BUDGET = 4_000_000
GLOBAL_BUDGET = 1_000_000


class CellLike(Protocol):
    """What matching reads of a cell (read-only: a plain attribute or a property will do)."""

    @property
    def id(self) -> str | None: ...
    @property
    def cell_type(self) -> str: ...
    @property
    def source(self) -> str: ...
    @property
    def lines(self) -> Sequence[str]: ...
    @property
    def tokens(self) -> Sequence[str]: ...
    @property
    def skey(self) -> tuple[Any, ...]: ...


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
        by_key: dict[tuple[Any, ...], list[int]] = defaultdict(list)
        for j in jb:
            by_key[self.b[j].skey].append(j)
        taken: dict[tuple[Any, ...], int] = defaultdict(int)
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


def _ordered_similar(m: _Matcher, ia: list[int], jb: list[int], budget: list[int]) -> None:
    """Order-keeping pairing of a small gap by similarity, with a cost for position.

    Needleman-Wunsch over the gap: a pair is worth its similarity (at least
    ``THRESHOLD``, same cell type) less ``POSITION_COST`` times how far apart the
    two cells sit in the gap (as shares of its length); the pairs kept are the
    non-crossing set worth most. Ties go to the pair nearest the diagonal.
    """
    na, nb = len(ia), len(jb)
    weight: dict[tuple[int, int], tuple[float, float]] = {}
    for p, i in enumerate(ia):
        x = m.a[i]
        for q, j in enumerate(jb):
            y = m.b[j]
            if x.cell_type != y.cell_type:
                continue
            s = similarity(x, y, THRESHOLD, budget)
            if s >= THRESHOLD:
                dist = abs((p + 0.5) / na - (q + 0.5) / nb)
                weight[p, q] = (s - POSITION_COST * dist, s)
    if not weight:
        return
    score = [[0.0] * (nb + 1) for _ in range(na + 1)]
    for p in range(1, na + 1):
        row, prev = score[p], score[p - 1]
        for q in range(1, nb + 1):
            best = max(prev[q], row[q - 1])
            w = weight.get((p - 1, q - 1))
            if w is not None and prev[q - 1] + w[0] > best:
                best = prev[q - 1] + w[0]
            row[q] = best
    p, q = na, nb
    while p and q:
        w = weight.get((p - 1, q - 1))
        if w is not None and score[p][q] == score[p - 1][q - 1] + w[0]:
            m.add(ia[p - 1], jb[q - 1], "similar", round(w[1], 4))
            p, q = p - 1, q - 1
        elif score[p][q] == score[p - 1][q]:
            p -= 1
        else:
            q -= 1


def _between(m: _Matcher, ia: list[int], jb: list[int]) -> list[tuple[list[int], list[int]]]:
    """The unpaired cells of ``ia`` and ``jb`` in runs between consecutive pairs of the gap."""
    inside = set(ia)
    bounds = sorted((i, p.j) for i, p in m.a_to.items() if i in inside)
    runs = []
    lo_a = lo_b = -1
    for hi_a, hi_b in [*bounds, (1 << 62, 1 << 62)]:
        runs.append(
            (
                [i for i in ia if lo_a < i < hi_a and i not in m.a_to],
                [j for j in jb if lo_b < j < hi_b and j not in m.b_taken],
            )
        )
        lo_a, lo_b = hi_a, max(lo_b, hi_b)
    return runs


def _anchored(x: CellLike, y: CellLike) -> float | None:
    """The similarity of a lone cell pair between two paired neighbours, when they pair."""
    if x.cell_type != y.cell_type:
        return None
    s = similarity(x, y)
    if s >= ANCHORED_THRESHOLD or (len(x.source) < SHORT_SOURCE and len(y.source) < SHORT_SOURCE):
        return round(s, 4)
    return None


def _pair_gap(m: _Matcher, ia: list[int], jb: list[int], budget: list[int]) -> None:
    """Pair the cells of one gap between backbone anchors, keeping their order.

    Identical cells first, by position (difflib's matching blocks over the cells'
    type and source: repeated sources pair with the copy at the same place); then,
    between those, similar cells (order-keeping, with a position cost); then a lone
    cell left between two paired neighbours on each side is the same cell edited
    when it is at least a little similar (``ANCHORED_THRESHOLD``) or short.
    """
    if len(ia) * len(jb) <= GAP_PAIRS * 4:
        sm = SequenceMatcher(None, [m.a[i].skey for i in ia], [m.b[j].skey for j in jb], autojunk=False)
        for block in sm.get_matching_blocks():
            for k in range(block.size):
                m.add(ia[block.a + k], jb[block.b + k], "content", 1.0)
    else:
        m.pair_duplicates(ia, jb)

    for sub_a, sub_b in _between(m, ia, jb):
        if not sub_a or not sub_b:
            continue
        if len(sub_a) * len(sub_b) <= GAP_PAIRS:
            _ordered_similar(m, sub_a, sub_b, budget)
        else:
            m.pair_similar(sub_a, sub_b, THRESHOLD, budget)
    for sub_a, sub_b in _between(m, ia, jb):
        if len(sub_a) == 1 and len(sub_b) == 1:
            s = _anchored(m.a[sub_a[0]], m.b[sub_b[0]])
            if s is not None:
                m.add(sub_a[0], sub_b[0], "similar", s)


def _unswap(m: _Matcher) -> None:
    """Cells of one source whose outputs were only permuted pair with their own outputs.

    Identical sources pair by position; when the cells of one source, taken
    together, hold exactly the same outputs on both sides but in another order (two
    identical cells swapped), each pairs with the cell holding its outputs: moves,
    not output edits on every one.
    """
    groups: dict[tuple[Any, ...], list[Pair]] = defaultdict(list)
    for p in m.a_to.values():
        if p.how == "content":
            groups[m.a[p.i].skey].append(p)
    for group in groups.values():
        if len(group) < 2:
            continue
        keys_a = [_outputs_key(m.a[p.i]) for p in group]
        keys_b = [_outputs_key(m.b[p.j]) for p in group]
        if keys_a == keys_b or sorted(keys_a, key=repr) != sorted(keys_b, key=repr):
            continue
        free: dict[object, list[int]] = defaultdict(list)
        for p, k in zip(group, keys_b):
            free[k].append(p.j)
        for p, k in zip(group, keys_a):
            m.a_to[p.i] = Pair(p.i, free[k].pop(0), "content", 1.0)


def _outputs_key(cell: CellLike) -> object:
    key = getattr(cell, "outputs_key", None)
    return key() if callable(key) else None


def match_cells(a: Sequence[CellLike], b: Sequence[CellLike]) -> list[Pair]:
    """Pairs of cells (index in a, index in b), sorted by index in a."""
    m = _Matcher(a, b)

    ids_b = _unique_ids(b)
    for cid, i in _unique_ids(a).items():
        j = ids_b.get(cid)
        if j is not None:
            m.add(i, j, "id", 1.0)

    groups_a: dict[tuple[Any, ...], list[int]] = defaultdict(list)
    groups_b: dict[tuple[Any, ...], list[int]] = defaultdict(list)
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
            _pair_gap(m, ia, jb, budget)

    rest_a, rest_b = m.free_a(), m.free_b()
    if rest_a and rest_b:
        m.pair_duplicates(rest_a, rest_b)
        m.pair_similar(rest_a, rest_b, GLOBAL_THRESHOLD, [GLOBAL_BUDGET])
    _unswap(m)
    return sorted(m.a_to.values())


def _in_order(pairs: Sequence[Pair]) -> set[int]:
    """Indices in a of one longest in-order run of ``pairs`` (sorted by a), preferring
    the run that keeps the most cells at their own index, then the nearest ones."""
    js = [p.j for p in pairs]
    n = len(js)
    run = longest_increasing(js)
    if len(run) == n or n > EXACT_MOVES:
        return {pairs[k].i for k in run}
    best: list[tuple[int, int, int]] = []
    back = [-1] * n
    for k in range(n):
        same = int(pairs[k].i == pairs[k].j)
        near = -abs(pairs[k].i - pairs[k].j)
        score = (1, same, near)
        for h in range(k):
            if js[h] < js[k]:
                cand = (best[h][0] + 1, best[h][1] + same, best[h][2] + near)
                if cand > score:
                    score, back[k] = cand, h
        best.append(score)
    k = max(range(n), key=lambda x: best[x])
    keep = set()
    while k != -1:
        keep.add(pairs[k].i)
        k = back[k]
    return keep


def moved_pairs(pairs: Sequence[Pair]) -> set[int]:
    """Indices in a of the pairs that moved: off the longest in-order run, and never a
    cell that is at its own index on both sides."""
    keep = _in_order(pairs)
    return {p.i for p in pairs if p.i not in keep and p.i != p.j}
