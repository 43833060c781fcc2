"""Store benchmark: snapshot throughput, incremental cost, size and memory, against baselines.

Workload (about 1.2 GB at full scale): a notebook with image outputs, a CSV of
mixed columns, a random binary "model". Measured in one run:

* the first snapshot in MB/s and as a ratio of a cached raw read of the same bytes;
* a snapshot after a small edit (1% appended to the CSV, 2 MB of the binary
  overwritten) and one with nothing changed, as ratios of the first;
* the store's size after 10 such rounds as a ratio of one copy of the workload;
* peak RSS of the process doing the snapshots.

Each snapshot runs in a fresh child process (as `jupyter mv snapshot` does) so
its peak RSS is its own. Run: ``python benchmarks/bench_store.py [--quick]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from workload import MB, build, edit_round, raw_read_seconds  # noqa: E402

CHILD = r"""
import json, resource, sys, time
from jupyter_mv.store import Store
store = Store.open(sys.argv[1])
t = time.perf_counter()
v = store.snapshot(sys.argv[2], sys.argv[3:], environment=None)
elapsed = time.perf_counter() - t
print(json.dumps({"seconds": elapsed, "version": v.name,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def snapshot(work: Path, files: list[str]) -> dict:
    env = {**os.environ, "PYTHONPATH": str(HERE.parent) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(work), "analysis.ipynb", *files],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def store_size(work: Path) -> int:
    return sum(p.stat().st_size for p in (work / ".jupyter_mv").rglob("*") if p.is_file())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="about 100 MB instead of 1.2 GB")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--dir", help="work folder (default: a temporary one)")
    args = parser.parse_args()
    scale = 1 / 12 if args.quick else 1.0
    base = Path(args.dir or tempfile.mkdtemp(prefix="mv-bench-"))
    work = base / "work"
    work.mkdir(parents=True, exist_ok=True)
    print(f"workload in {work} (scale {scale:g})", flush=True)
    paths = build(work, scale)
    files = ["data.csv", "model.bin"]
    total = sum(p.stat().st_size for p in paths)

    sys.path.insert(0, str(HERE.parent))
    from jupyter_mv.store import Store

    Store.init(work).close()
    read_s = raw_read_seconds(paths)
    first = snapshot(work, files)
    nochange = [snapshot(work, files) for _ in range(3)]
    # the stat cache trusts files whose mtime is 2 s old: wait so that holds for the no-change runs
    time.sleep(2.1)
    nochange += [snapshot(work, files) for _ in range(3)]
    edits = []
    for rnd in range(1, args.rounds + 1):
        edit_round(work, rnd, model_bytes=2 * MB, regions=1)
        edits.append(snapshot(work, files))
    size = store_size(work)
    peak = max(r["rss_mb"] for r in [first, *nochange, *edits])
    mbps = total / MB / first["seconds"]
    raw_mbps = total / MB / read_s
    small = statistics.median(r["seconds"] for r in edits)
    none = statistics.median(r["seconds"] for r in nochange[3:])
    rows = [
        ("workload", f"{total / MB:,.0f} MB", ""),
        ("cached raw read", f"{raw_mbps:,.0f} MB/s", "baseline"),
        (
            "first snapshot",
            f"{first['seconds']:.2f} s = {mbps:,.0f} MB/s",
            f"{mbps / raw_mbps:.2f}x raw read; target >= 450 MB/s",
        ),
        ("small-edit snapshot (median)", f"{small:.3f} s", f"{small / first['seconds']:.1%} of first; target < 25%"),
        (
            "no-change snapshot (median)",
            f"{none * 1000:.1f} ms",
            f"{none / first['seconds']:.2%} of first; target < 5%",
        ),
        (f"store after {args.rounds} rounds", f"{size / MB:,.1f} MB", f"{size / total:.3f} copies; target < 1.1"),
        ("peak RSS", f"{peak:,.0f} MB", "target < 300 MB"),
    ]
    width = max(len(r[0]) for r in rows)
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:>26}  {note}")
    checks = [
        mbps >= 450 or args.quick,
        small / first["seconds"] < 0.25,
        none / first["seconds"] < 0.05,
        size / total < 1.1,
        peak < 300,
    ]
    if not args.dir:
        shutil.rmtree(base, ignore_errors=True)
    print("targets: " + ("all met" if all(checks) else "MISSED (see above)"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
