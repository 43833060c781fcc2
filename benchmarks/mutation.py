"""`make mutation`: mutation testing of the store, the environment capture, the remotes
and the server's access and guard, with mutmut (configured under [tool.mutmut] in
pyproject.toml).

mutmut runs each mutant against only the tests that reach the mutated function (it
records which tests call which function in one traced run first). All the mutants
(about 11,800) take many hours, so by default a seeded sample of each target is run
(about an hour on two shared cores, the traced run included);
``--all`` runs every one. It prints the score per target and per file, and every
survivor with its diff; tests/MUTATION.md explains the survivors.

    python benchmarks/mutation.py [--per-target 20] [--seed 23] [--jobs 2] [--all]
    python benchmarks/mutation.py --rerun     # the last run's survivors again, after new tests
    python benchmarks/mutation.py --report    # the last run's report again
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: The targets a score is given for: a file, or every file of a folder.
TARGETS = {
    "store": "jupyter_mv/store/",
    # the environment capture: its public calls, what it reads, and the credential cleaning
    "capture/environment.py": "jupyter_mv/capture/environment.py",
    "capture/probe.py": "jupyter_mv/capture/probe.py",
    "capture/credentials.py": "jupyter_mv/capture/credentials.py",
    "remote": "jupyter_mv/remote/",
    "server/access.py": "jupyter_mv/server/access.py",
    "server/guard.py": "jupyter_mv/server/guard.py",
}
LAST = ROOT / "mutants" / "last-sample.json"
#: Detected: a test failed (or the mutant hung a test past its time limit).
DETECTED = {"killed", "timeout", "caught by type check"}


def target_of(source: str) -> str:
    return next(t for t, prefix in TARGETS.items() if source.startswith(prefix))


def generate() -> dict[str, str]:
    """Make the mutants (mutmut's own first step, without running anything): ``{mutant: source file}``."""
    from mutmut.__main__ import (
        copy_also_copy_files,
        copy_src_dir,
        create_mutants,
        setup_source_paths,
        store_lines_covered_by_tests,
    )
    from mutmut.mutation.trampoline import set_mutant_under_test

    set_mutant_under_test("mutant_generation")
    (ROOT / "mutants").mkdir(exist_ok=True)
    copy_src_dir()
    copy_also_copy_files()
    setup_source_paths()
    store_lines_covered_by_tests()
    create_mutants(2)
    return {name: source for source, codes in results().items() for name in codes}


def results() -> dict[str, dict[str, int | None]]:
    """``{source file: {mutant: exit code or None}}`` as mutmut recorded them."""
    out = {}
    for meta in sorted((ROOT / "mutants").rglob("*.py.meta")):
        source = str(meta.relative_to(ROOT / "mutants"))[: -len(".meta")]
        if any(source.startswith(p) for p in TARGETS.values()):
            out[source] = json.loads(meta.read_text())["exit_code_by_key"]
    return out


def sample(mutants: dict[str, str], per_target: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    chosen: list[str] = []
    for target in TARGETS:
        names = sorted(n for n, src in mutants.items() if target_of(src) == target)
        chosen += rng.sample(names, min(per_target, len(names)))
    return sorted(chosen)


#: Wall seconds a mutant's test process may go without using the CPU before it is stopped as
#: hung (mutmut's own limit is on CPU time, which a deadlocked process never reaches).
HUNG_AFTER = float(os.environ.get("MUTATION_HUNG_AFTER", 900))


def _cpu_ticks(pid: int) -> int | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return None
    return int(fields[11]) + int(fields[12])  # utime + stime


def _stop_hung(runner: subprocess.Popen, stop: threading.Event) -> None:
    """Stop a mutant's test process that used no CPU for :data:`HUNG_AFTER` seconds with
    SIGXCPU, which mutmut records as a timeout (a hang is the mutant detected)."""
    seen: dict[int, tuple[int, float]] = {}
    while not stop.wait(15):
        for proc in Path("/proc").glob("[0-9]*"):
            try:
                pid = int(proc.name)
                if not (proc / "cmdline").read_bytes().startswith(b"mutmut: "):
                    continue
                if int((proc / "stat").read_text().rpartition(")")[2].split()[1]) != runner.pid:
                    continue  # not a child of this run's mutmut
            except (OSError, ValueError):
                continue
            ticks = _cpu_ticks(pid)
            if ticks is None:
                continue
            last = seen.get(pid)
            if last is None or last[0] != ticks:
                seen[pid] = (ticks, time.monotonic())
            elif time.monotonic() - last[1] > HUNG_AFTER:
                name = (proc / "cmdline").read_bytes()[len(b"mutmut: ") :].rstrip(b"\0").decode(errors="replace")
                print(f"\nstopping {name}: no CPU used for {HUNG_AFTER:.0f} s (hung: a timeout)", flush=True)
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGXCPU)
                seen.pop(pid, None)


def run(names: list[str], jobs: int) -> int:
    cmd = ["nice", "-n", "19", sys.executable, "-m", "mutmut", "run", "--max-children", str(jobs), *names]
    runner = subprocess.Popen(cmd, cwd=ROOT)
    stop = threading.Event()
    watch = threading.Thread(target=_stop_hung, args=(runner, stop), daemon=True)
    watch.start()
    try:
        return runner.wait()
    finally:
        stop.set()


def report(names: list[str], earlier: dict[str, str] | None = None) -> dict[str, str]:
    """Print the scores and survivors of ``names``; a mutant mutmut holds no result for now
    (a change of the tests resets its results) keeps its status from ``earlier``."""
    from mutmut.stats import status_by_exit_code

    status, source_of = {}, {}
    for source, codes in results().items():
        for name, code in codes.items():
            status[name], source_of[name] = status_by_exit_code[code], source
            if status[name] == "not checked" and earlier and name in earlier:
                status[name] = earlier[name]
    by_target: dict[str, Counter] = {t: Counter() for t in TARGETS}
    by_file: dict[str, Counter] = {}
    for name in names:
        by_target[target_of(source_of[name])][status[name]] += 1
        by_file.setdefault(source_of[name], Counter())[status[name]] += 1

    def line(label: str, counts: Counter) -> str:
        total = sum(counts.values())
        detected = sum(counts[s] for s in DETECTED)
        rest = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()) if s not in DETECTED)
        score = f"{100 * detected / total:5.1f}%" if total else "    -"
        return f"  {label:<40} {score}  {detected:>4}/{total:<4} detected  {rest}"

    print("\nMutation score (detected / run) per target:")
    for target, counts in by_target.items():
        print(line(target, counts))
    print("\nper file:")
    for source, counts in sorted(by_file.items()):
        print(line(source, counts))
    survivors = [(n, status[n]) for n in names if status[n] not in DETECTED]
    print(f"\nSurvivors ({len(survivors)} of {len(names)}):")
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    for name, what in survivors:
        diff = get_diff_for_mutant(name, path=source_of[name])
        changed = [d for d in diff.splitlines() if d[:1] in "-+" and not d.startswith(("---", "+++"))]
        print(f"- {name} ({what})")
        for d in changed:
            print(f"      {d.strip()[:150]}")
    return {n: status[n] for n in names}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--per-target",
        type=int,
        default=int(os.environ.get("MUTATION_PER_TARGET", 20)),
        help="mutants sampled from each target (default 20, or $MUTATION_PER_TARGET)",
    )
    parser.add_argument("--seed", type=int, default=int(os.environ.get("MUTATION_SEED", 23)))
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("MUTATION_JOBS", 2)))
    parser.add_argument("--all", action="store_true", help="every mutant, not a sample (many hours)")
    parser.add_argument("--rerun", action="store_true", help="the survivors of the last run again")
    parser.add_argument("--report", action="store_true", help="print the last run's report, run nothing")
    args = parser.parse_args()
    os.chdir(ROOT)
    start = time.monotonic()
    earlier = None
    if args.rerun or args.report:
        last = json.loads(LAST.read_text())
        names, earlier = last["names"], last["status"]
        todo = [] if args.report else [n for n, s in earlier.items() if s not in DETECTED]
        mutants = {}
    else:
        mutants = generate()
        names = sorted(mutants) if args.all else sample(mutants, args.per_target, args.seed)
        todo = names
    print(
        f"running {len(todo)} of {len(mutants) or 'the'} mutants" + ("" if args.all else f" (seed {args.seed})"),
        flush=True,
    )
    if todo:
        run(todo, args.jobs)
    status = report(names, earlier)
    LAST.write_text(json.dumps({"names": names, "status": status}, indent=1))
    print(
        f"\n{len(names)} mutants in {time.monotonic() - start:.0f} s; the run is kept in mutants/ "
        "(`mutmut show NAME` shows a mutant, `mutmut browse` all)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
