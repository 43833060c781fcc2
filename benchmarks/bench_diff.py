"""Benchmark: jupyter-mv's notebook diff against nbdime's diff_notebooks.

Builds two versions of a 2,000-cell notebook with outputs (stream text, HTML
tables, PNG figures, errors) and realistic edits between them: cells inserted,
deleted, moved and edited, outputs changed (text and PNG), cells re-run (new
execution counts only). Times both engines on the same pair in the same run
(median of a few repetitions), prints both times and their ratio, and checks that
both find the same set of changed cells, and that this is the set of cells the
edits touched. Exits non-zero when the sets differ or a target is missed.

Then the same on nbdime's own test pairs (``nbdime/tests/files``, found as
tests/corpus.py finds them: each family's base against every other member): for
each pair, the median of a few repetitions of each engine, and the distribution
(min / median / max) of nbdime's time over ours. These notebooks are tiny (a
fraction of a millisecond each), so one repetition runs a diff enough times to
take about a millisecond. The first pass over the pairs, cold, is timed apart: it
includes what a first diff in a process loads (numpy and Pillow on the first image
comparison). Each pair's changed cells (which cells of a and of b) must be nbdime's.

    python benchmarks/bench_diff.py [--quick] [--cells N] [--no-ids] [--pairs-only | --no-pairs] [--json FILE]

Targets: jupyter-mv at least 10x faster than nbdime, and under 1 s, on the large
pair; the tiny pairs have no target (the distribution is reported).
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import random
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import nbformat  # noqa: E402
from nbformat import v4  # noqa: E402

from jupyter_mv.diff import DiffSide, diff  # noqa: E402

WORDS = (
    "df model loss train test data value result score fit predict x y z total mean std "
    "features labels epoch batch lr params config path rows cols plot ax fig"
).split()


def _png(rng: random.Random, size=(96, 64)) -> str:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(img)
    pts = [(x, rng.randint(4, size[1] - 4)) for x in range(0, size[0], 8)]
    draw.line(pts, fill=(31, 119, 180), width=2)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _edit_png(b64: str) -> str:
    from PIL import Image, ImageDraw

    img = Image.open(io.BytesIO(base64.b64decode(b64))).convert("RGB")
    ImageDraw.Draw(img).rectangle((10, 10, 30, 25), fill=(214, 39, 40))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _source(rng: random.Random, n: int) -> str:
    lines = []
    for k in range(rng.randint(2, 12)):
        a, b, c = rng.sample(WORDS, 3)
        lines.append(f"{a}_{n}_{k} = {b}.{c}({rng.randint(0, 999)}, {a!r})")
    return "\n".join(lines)


def _outputs(rng: random.Random, n: int) -> list:
    r = rng.random()
    if r < 0.45:
        text = "".join(f"{rng.choice(WORDS)} {n} {rng.random():.6f}\n" for _ in range(rng.randint(1, 6)))
        return [v4.new_output("stream", name="stdout", text=text)]
    if r < 0.6:
        rows = "".join(f"<tr><td>{k}</td><td>{rng.random():.4f}</td></tr>" for k in range(5))
        return [
            v4.new_output(
                "execute_result",
                execution_count=None,
                data={"text/plain": f"<table {n}>", "text/html": f"<table>{rows}</table>"},
            )
        ]
    if r < 0.72:
        return [v4.new_output("display_data", data={"image/png": _png(rng), "text/plain": "<Figure size 96x64>"})]
    if r < 0.74:
        return [
            v4.new_output(
                "error",
                ename="ValueError",
                evalue=f"bad value {n}",
                traceback=["Traceback (most recent call last)", f"ValueError: bad value {n}"],
            )
        ]
    return []


def build_pair(cells: int, seed: int = 7, ids: bool = True):
    """(a_json, b_json, truth) where truth maps each kind of edit to the ids it touched."""
    rng = random.Random(seed)
    nb = v4.new_notebook()
    count = 0
    for n in range(cells):
        cid = f"{rng.getrandbits(64):016x}"
        if rng.random() < 0.2:
            cell = v4.new_markdown_cell(f"## Section {n}\n\nSome notes about {rng.choice(WORDS)} {n}.", id=cid)
        else:
            count += 1
            cell = v4.new_code_cell(_source(rng, n), id=cid, execution_count=count, outputs=_outputs(rng, n))
            for o in cell.outputs:
                if o.output_type == "execute_result":
                    o.execution_count = count
        nb.cells.append(cell)
    a = nbformat.from_dict(json.loads(json.dumps(nb)))
    b = nbformat.from_dict(json.loads(json.dumps(nb)))

    # Choose disjoint cells for each kind of edit, away from each other.
    pool = list(range(2, cells - 2))
    rng.shuffle(pool)
    used: set[int] = set()

    def take(k, pred=lambda c: True):
        out = []
        for i in pool:
            if len(out) == k:
                break
            if i in used or i - 1 in used or i + 1 in used or not pred(a.cells[i]):
                continue
            used.add(i)
            out.append(i)
        return out

    scale = max(1, cells // 2000)
    code = lambda c: c.cell_type == "code"  # noqa: E731
    stream = lambda c: code(c) and c.outputs and c.outputs[0].output_type == "stream"  # noqa: E731
    image = lambda c: code(c) and c.outputs and "image/png" in c.outputs[0].get("data", {})  # noqa: E731
    edited = take(40 * scale)
    text_out = take(20 * scale, stream)
    png_out = take(10 * scale, image)
    rerun = take(30 * scale, code)
    deleted = take(30 * scale)
    moved = take(10 * scale)
    inserted_after = take(30 * scale)

    truth = {"edited": set(), "outputs": set(), "rerun": set(), "deleted": set(), "inserted": set(), "moved": set()}
    by_id = {c.id: c for c in b.cells}
    for i in edited:
        c = by_id[a.cells[i].id]
        lines = c.source.split("\n")
        lines[len(lines) // 2] = lines[len(lines) // 2] + "  # tuned"
        c.source = "\n".join(lines)
        if c.cell_type == "code":
            c.execution_count = (c.execution_count or 0) + 5000
        truth["edited"].add(c.id)
    for i in text_out:
        c = by_id[a.cells[i].id]
        c.outputs[0].text = c.outputs[0].text.replace("0", "1", 1) + "done\n"
        truth["outputs"].add(c.id)
    for i in png_out:
        c = by_id[a.cells[i].id]
        c.outputs[0].data["image/png"] = _edit_png(c.outputs[0].data["image/png"])
        truth["outputs"].add(c.id)
    for i in rerun:
        c = by_id[a.cells[i].id]
        c.execution_count = (c.execution_count or 0) + 9000
        for o in c.outputs:
            if o.output_type == "execute_result":
                o.execution_count = c.execution_count
        truth["rerun"].add(c.id)

    for i in deleted:
        truth["deleted"].add(a.cells[i].id)
    b.cells = [c for c in b.cells if c.id not in truth["deleted"]]
    for i in moved:
        cid = a.cells[i].id
        pos = next(k for k, c in enumerate(b.cells) if c.id == cid)
        cell = b.cells.pop(pos)
        dest = min(len(b.cells), pos + rng.randint(15, 120))
        b.cells.insert(dest, cell)
        truth["moved"].add(cid)
    for n, i in enumerate(inserted_after):
        cid = a.cells[i].id
        pos = next(k for k, c in enumerate(b.cells) if c.id == cid)
        new = v4.new_code_cell(
            f"inserted_{n} = check({n})\nprint(inserted_{n})",
            id=f"new{n:013d}",
            execution_count=20000 + n,
            outputs=[v4.new_output("stream", name="stdout", text=f"inserted {n}\n")],
        )
        b.cells.insert(pos + 1, new)
        truth["inserted"].add(new.id)

    a_json, b_json = json.dumps(a), json.dumps(b)
    if not ids:

        def strip(s):
            d = json.loads(s)
            d["nbformat_minor"] = 4
            for c in d["cells"]:
                c.pop("id", None)
            return json.dumps(d)

        a_json, b_json = strip(a_json), strip(b_json)
    return a_json, b_json, truth, a, b


def ours_changed(d: dict, a, b) -> set[str]:
    """Ids of the cells our diff lists (ids from a or b, by index, for id-less files)."""
    out = set()
    for c in d["notebook"]["cells"]:
        side = c["a"] or c["b"]
        nb = a if c["a"] else b
        out.add(nb.cells[side["index"]].id)
    return out


def _fingerprint(cell) -> str:
    return json.dumps({k: v for k, v in cell.items() if k != "id"}, sort_keys=True)


def nbdime_changed(dd: list, a, b) -> set[str]:
    """Ids of the cells nbdime's diff touches; added cells are found in b by content
    (nbdime's addrange gives a position in a, and id-less files have no id)."""
    out = set()
    in_b: dict[str, list[str]] = {}
    for c in b.cells:
        in_b.setdefault(_fingerprint(c), []).append(c.id)
    for e in dd:
        if e["key"] != "cells":
            continue
        for ce in e["diff"]:
            if ce["op"] == "addrange":
                for v in ce["valuelist"]:
                    ids = in_b.get(_fingerprint(v))
                    out.add(v.get("id") or (ids.pop(0) if ids else "?"))
            elif ce["op"] == "removerange":
                out.update(a.cells[k].id for k in range(ce["key"], ce["key"] + ce["length"]))
            elif ce["op"] == "patch":
                out.add(a.cells[ce["key"]].id)
    return out


def timed(fn, reps: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(reps):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def timed_batch(fn, reps: int, batch: int) -> float:
    """Median over ``reps`` of the time of one call, each repetition ``batch`` calls."""
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(batch):
            fn()
        times.append((time.perf_counter() - t0) / batch)
    return statistics.median(times)


def bench_pairs(reps: int) -> tuple[bool, dict]:
    """nbdime's test pairs: per-pair median times of both engines and their ratios."""
    from nbdime.diffing.notebooks import diff_notebooks

    from tests.corpus import changed_cells, nbdime_changed_cells, nbdime_pairs

    loaded = []
    for pa, pb in nbdime_pairs():
        ta, tb = pa.read_text(encoding="utf-8"), pb.read_text(encoding="utf-8")
        loaded.append(
            (
                f"{pa.stem}->{pb.stem}",
                DiffSide("a", notebook=json.loads(ta)),
                DiffSide("b", notebook=json.loads(tb)),
                nbformat.reads(ta, as_version=4),
                nbformat.reads(tb, as_version=4),
            )
        )

    def ours(p):
        return diff(p[1], p[2], only={"notebook"}, include_metadata=True)

    def theirs(p):
        return diff_notebooks(p[3], p[4])

    preloaded = "numpy" in sys.modules
    cold = {}
    for name, fn in (("jupyter-mv", ours), ("nbdime", theirs)):
        t0 = time.perf_counter()
        for p in loaded:
            fn(p)
        cold[name] = time.perf_counter() - t0

    ok, rows = True, []
    for p in loaded:
        name = p[0]
        got, want = changed_cells(ours(p))[:2], nbdime_changed_cells(len(p[3].cells), theirs(p))[:2]
        if got != want:
            ok = False
            print(f"MISMATCH {name}: jupyter-mv changes cells {got}, nbdime {want}")
        t0 = time.perf_counter()
        ours(p)
        batch = max(1, min(1000, int(1e-3 / max(time.perf_counter() - t0, 1e-7))))
        t_ours = timed_batch(lambda p=p: ours(p), reps, batch)
        t_nbd = timed_batch(lambda p=p: theirs(p), reps, batch)
        rows.append(
            {
                "pair": name,
                "ours_ms": t_ours * 1000,
                "nbdime_ms": t_nbd * 1000,
                "ratio": t_nbd / t_ours if t_ours else float("inf"),
            }
        )

    ratios = [r["ratio"] for r in rows]
    dist = {"min": min(ratios), "median": statistics.median(ratios), "max": max(ratios)}
    total_ours, total_nbd = sum(r["ours_ms"] for r in rows), sum(r["nbdime_ms"] for r in rows)
    print(f"\nnbdime's test pairs: {len(rows)} (median of {reps} repetitions each; jupyter-mv with metadata)")
    print(
        f"ratio nbdime / jupyter-mv per pair: min {dist['min']:.1f}x, median {dist['median']:.1f}x, "
        f"max {dist['max']:.1f}x; faster on {sum(x > 1 for x in ratios)} of {len(ratios)}"
    )
    print(f"all pairs, sum of medians:    jupyter-mv {total_ours:7.1f} ms, nbdime {total_nbd:7.1f} ms")
    print(
        f"first pass over the pairs:    jupyter-mv {cold['jupyter-mv'] * 1000:7.1f} ms, nbdime "
        f"{cold['nbdime'] * 1000:7.1f} ms ("
        + (
            "numpy and Pillow already loaded by the large notebook's diff)"
            if preloaded
            else "cold: ours loads numpy and Pillow on its first image comparison)"
        )
    )
    print("slowest ratios:")
    for r in sorted(rows, key=lambda r: r["ratio"])[:5]:
        print(f"  {r['pair']:<52} {r['ours_ms']:7.3f} ms vs {r['nbdime_ms']:7.3f} ms  {r['ratio']:5.1f}x")
    if ok:
        print(f"same changed cells as nbdime on all {len(rows)} pairs")
    return ok, {
        "pairs": rows,
        "ratio": dist,
        "total_ms": {"jupyter-mv": total_ours, "nbdime": total_nbd},
        "cold_ms": {k: v * 1000 for k, v in cold.items()},
        "reps": reps,
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repetitions (1 of nbdime, 3 of ours)")
    ap.add_argument("--cells", type=int, default=2000)
    ap.add_argument("--no-ids", action="store_true", help="strip cell ids (nbformat 4.4): match by content")
    group = ap.add_mutually_exclusive_group()
    group.add_argument("--pairs-only", action="store_true", help="only nbdime's test pairs, not the large notebook")
    group.add_argument("--no-pairs", action="store_true", help="only the large notebook, not nbdime's test pairs")
    ap.add_argument("--json", metavar="FILE", help="write the figures of nbdime's test pairs to FILE")
    args = ap.parse_args(argv)
    # nbformat.reads warns about the cells of nbdime's 4.0-4.4 files having no ids
    warnings.filterwarnings("ignore", module="nbformat")

    ok, figures = True, {}
    if not args.pairs_only:
        ok = bench_large(args)
    if not args.no_pairs:
        pairs_ok, figures = bench_pairs(3 if args.quick else 7)
        ok = ok and pairs_ok
        if args.json:
            Path(args.json).write_text(json.dumps(figures, indent=1), encoding="utf-8")
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


def bench_large(args) -> bool:
    from nbdime.diffing.notebooks import diff_notebooks

    a_json, b_json, truth, a_nb, b_nb = build_pair(args.cells, ids=not args.no_ids)
    ours_a, ours_b = json.loads(a_json), json.loads(b_json)
    nbd_a, nbd_b = nbformat.reads(a_json, as_version=4), nbformat.reads(b_json, as_version=4)
    n_outputs = sum(len(c.get("outputs", [])) for c in ours_a["cells"])
    print(
        f"notebook: {len(ours_a['cells'])} cells ({n_outputs} outputs, {len(a_json) / 1e6:.1f} MB) -> "
        f"{len(ours_b['cells'])} cells; ids: {'no' if args.no_ids else 'yes'}"
    )
    print("edits: " + ", ".join(f"{len(v)} {k}" for k, v in truth.items()))

    reps_ours, reps_nbd = (3, 1) if args.quick else (7, 3)
    sa, sb = DiffSide("a", notebook=ours_a), DiffSide("b", notebook=ours_b)
    diff(sa, sb)  # warm-up: first use imports Pillow and numpy for the pixel diffs
    t_ours, d_default = timed(lambda: diff(sa, sb, only={"notebook"}), reps_ours)
    t_full, d_full = timed(lambda: diff(sa, sb, only={"notebook"}, include_metadata=True), reps_ours)
    t_nbd, dd = timed(lambda: diff_notebooks(nbd_a, nbd_b), reps_nbd)

    ok = True
    every = set().union(*truth.values())
    visible = every - truth["rerun"]
    got_full = ours_changed(d_full, a_nb, b_nb)
    got_default = ours_changed(d_default, a_nb, b_nb)
    got_nbd = nbdime_changed(dd, a_nb, b_nb)
    for name, got, want in (
        ("nbdime", got_nbd, every),
        ("jupyter-mv (with metadata)", got_full, every),
        ("jupyter-mv (default)", got_default, visible),
    ):
        if got != want:
            ok = False
            print(
                f"MISMATCH {name}: {len(got)} changed cells, expected {len(want)}; "
                f"missing {sorted(map(str, want - got))[:5]} extra {sorted(map(str, got - want))[:5]}"
            )
    if got_full != got_nbd:
        ok = False
        print(f"MISMATCH: jupyter-mv and nbdime disagree on {len(got_full ^ got_nbd)} cells")
    else:
        print(
            f"same changed cells: {len(got_full)} (jupyter-mv with metadata) == {len(got_nbd)} (nbdime); "
            f"{len(got_default)} by default (re-runs hidden)"
        )

    slowest = max(t_ours, t_full)
    ratio = t_nbd / slowest if slowest else float("inf")
    print(f"jupyter-mv diff:              {t_ours * 1000:8.1f} ms (median of {reps_ours}, default)")
    print(f"jupyter-mv diff, metadata:    {t_full * 1000:8.1f} ms (median of {reps_ours}, include_metadata)")
    print(f"nbdime diff_notebooks:        {t_nbd * 1000:8.1f} ms (median of {reps_nbd})")
    print(f"ratio nbdime / jupyter-mv:    {ratio:8.1f}x (slower of ours; target >= 10x, jupyter-mv < 1000 ms)")
    if ratio < 10:
        ok = False
        print("FAIL: less than 10x faster than nbdime")
    if max(t_ours, t_full) >= 1.0:
        ok = False
        print("FAIL: jupyter-mv took 1 s or more")
    return ok


if __name__ == "__main__":
    sys.exit(main())
