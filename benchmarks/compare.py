"""jupyter-mv against DVC and plain git on the same work, in one run.

Builds one workload (``workload.py``: a notebook with image outputs, a CSV of mixed
columns, a binary "model") and gives each tool its own byte-identical copy. Then:

* a first version;
* three versions with nothing changed;
* ``--rounds`` rounds of small, seeded edits (one cell edited, 1% of the CSV
  appended, 1% of the model's bytes overwritten in place in four runs at random
  offsets), the same for every tool, with a version after each round;
* the store's size (git's after ``git gc``), then a restore of the first version in
  place, checked byte for byte against the original files.

Each step runs the tools one after another in an order that rotates from step to
step, so no tool always follows another's writes. Every timed command is a child
process: its wall time and peak RSS (``wait4``, which includes its own children)
are its own. ``os.sync()`` runs, untimed, before every timed step.

How each tool makes a version:

* jupyter-mv: ``jupyter mv snapshot analysis.ipynb data.csv model.bin -m ...``
  (the CLI of this checkout; it also records the interpreter's environment);
* DVC: ``dvc add data.csv model.bin`` (later ``dvc commit -f``), then ``git add``
  of the ``.dvc`` files and the notebook and ``git commit``: DVC's data lives in
  its cache, the notebook in git, as DVC's guide does it. DVC is installed from
  PyPI into its own virtual environment, kept under ``--cache``;
* git: ``git add`` of the three files and ``git commit``; ``git gc`` once at the end.

Writes ``BENCHMARKS.md`` and ``benchmarks/compare.png`` (full scale), or, with
``--quick`` (about 100 MB, 5 rounds), prints the table and writes under the work
folder unless ``--md``/``--png`` say where. Run: ``python benchmarks/compare.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from workload import DATA, FILES, MB, MODEL, NOTEBOOK, build, make_edit, raw_read_seconds  # noqa: E402

TOOLS = ("jupyter-mv", "DVC", "git")
DEFAULT_CACHE = Path(os.environ.get("JUPYTER_MV_BENCH_CACHE") or Path.home() / ".cache" / "jupyter-mv-bench")
#: The steps of a restore its ``JUPYTER_MV_TIMINGS`` line times (wall seconds).
RESTORE_STEPS = ("hash", "safety", "write", "decode", "copy", "fsync", "rename")
#: Targets from the issue: (figure, what jupyter-mv must reach, as text).
GB = 1024 * MB


class BenchError(RuntimeError):
    pass


@dataclass
class Step:
    seconds: float
    rss_mb: float


def run_timed(cmds: list[list[str]], cwd: Path, env: dict[str, str], log: Path) -> Step:
    """Run ``cmds`` one after another; their summed wall time and their largest peak RSS."""
    seconds, rss = 0.0, 0.0
    with open(log, "a") as out:
        for cmd in cmds:
            out.write(f"$ {' '.join(cmd)}\n")
            out.flush()
            t = time.perf_counter()
            proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out)
            _, status, usage = os.wait4(proc.pid, 0)
            seconds += time.perf_counter() - t
            proc.returncode = os.waitstatus_to_exitcode(status)
            rss = max(rss, usage.ru_maxrss / 1024)
            if proc.returncode != 0:
                out.flush()
                tail = log.read_text(errors="replace")[-2000:]
                raise BenchError(f"{' '.join(cmd)} exited {proc.returncode} in {cwd}:\n{tail}")
    return Step(seconds, rss)


def quiet(cmd: list[str], cwd: Path, env: dict[str, str]) -> str:
    """An untimed helper command; its stdout."""
    out = subprocess.run(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if out.returncode != 0:
        raise BenchError(f"{' '.join(cmd)} exited {out.returncode}: {out.stderr.strip()[-2000:]}")
    return out.stdout.strip()


def tree_size(*paths: Path) -> int:
    total = 0
    for root in paths:
        if root.is_file():
            total += root.stat().st_size
            continue
        for dirpath, _, names in os.walk(root):
            for n in names:
                p = Path(dirpath, n)
                if not p.is_symlink():
                    total += p.stat().st_size
    return total


def file_hashes(work: Path) -> dict[str, str]:
    import blake3

    hashes = {}
    for name in FILES:
        h = blake3.blake3(max_threads=blake3.blake3.AUTO)
        with open(work / name, "rb") as f:
            while data := f.read(16 * MB):
                h.update(data)
        hashes[name] = h.hexdigest()
    return hashes


def base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER_MV_", "GIT_", "DVC_"))}
    env.update(
        {
            # the same git for every tool: no user or system config (no LFS filters, no hooks)
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_AUTHOR_NAME": "bench",
            "GIT_AUTHOR_EMAIL": "bench@example.invalid",
            "GIT_COMMITTER_NAME": "bench",
            "GIT_COMMITTER_EMAIL": "bench@example.invalid",
            "DVC_NO_ANALYTICS": "1",
            "NO_COLOR": "1",
            "TQDM_DISABLE": "1",
        }
    )
    return env


# -- the tools ------------------------------------------------------------------------------------


@dataclass
class Tool:
    name: str
    work: Path
    log: Path
    env: dict[str, str]
    steps: dict[str, list[Step]] = field(default_factory=dict)
    extra: dict[str, float] = field(default_factory=dict)
    #: jupyter-mv only: each version's component times (``JUPYTER_MV_TIMINGS``), in order.
    components: list[dict] = field(default_factory=list)

    def record(self, kind: str, step: Step) -> Step:
        self.steps.setdefault(kind, []).append(step)
        return step

    def timed(self, cmds: list[list[str]]) -> Step:
        return run_timed(cmds, self.work, self.env, self.log)

    def setup(self) -> None: ...
    def version(self, message: str, first: bool) -> Step: ...
    def restore_first(self) -> Step: ...
    def finish(self) -> None: ...
    def store_bytes(self) -> int: ...
    def tool_version(self) -> str: ...


def freeze_source(dest: Path) -> tuple[Path, str]:
    """The committed ``jupyter_mv`` package (``git archive HEAD``), byte-compiled, for the whole run,
    and the commit it is; the working tree's copy outside a git checkout.

    A run lasts an hour: measured from the live tree, an edit made meanwhile (the tree is
    shared) could change or break the code under test halfway.
    """
    import compileall

    dest.mkdir(parents=True, exist_ok=True)
    try:
        commit = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", "HEAD", "jupyter_mv"], capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    except (OSError, subprocess.CalledProcessError):
        commit = "working tree"
        shutil.copytree(
            REPO / "jupyter_mv",
            dest / "jupyter_mv",
            ignore=shutil.ignore_patterns("__pycache__", "labextension", "*.pyc"),
        )
    compileall.compile_dir(dest / "jupyter_mv", quiet=1)
    return dest, commit


class JupyterMV(Tool):
    #: Where the package under test is imported from (see :func:`freeze_source`).
    source: Path = REPO

    def __init__(self, work: Path, log: Path) -> None:
        env = base_env()
        env["PYTHONPATH"] = str(self.source) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        bindir = str(Path(sys.executable).parent)
        env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
        #: Each snapshot appends where its time went (read, hash, chunk, ...) to this file.
        self.timings = log.with_suffix(".times.jsonl")
        #: The restore's steps and its safety snapshot's stages.
        self.restore_components: dict[str, dict] = {}
        env["JUPYTER_MV_TIMINGS"] = str(self.timings)
        super().__init__("jupyter-mv", work, log, env)
        # `jupyter mv` when the package's script is installed beside this Python, else the same entry point
        # through -m; PYTHONPATH makes either run this checkout's code.
        launcher = Path(bindir, "jupyter")
        self.cmd = (
            [str(launcher), "mv"]
            if launcher.exists() and Path(bindir, "jupyter-mv").exists()
            else [sys.executable, "-m", "jupyter_mv.cli"]
        )

    def setup(self) -> None:
        quiet([*self.cmd, "init", "."], self.work, self.env)

    def version(self, message: str, first: bool) -> Step:
        step = self.timed([[*self.cmd, "snapshot", NOTEBOOK, DATA, MODEL, "-m", message]])
        lines = self.timings.read_text().splitlines() if self.timings.exists() else []
        if lines:  # the snapshot's own line (the restore's safety snapshot adds one too)
            self.components.append(json.loads(lines[-1]))
        return step

    def restore_first(self) -> Step:
        seen = len(self.timings.read_text().splitlines()) if self.timings.exists() else 0
        step = self.timed([[*self.cmd, "restore", "v1"]])
        lines = self.timings.read_text().splitlines()[seen:] if self.timings.exists() else []
        for line in map(json.loads, lines):  # the safety snapshot's line, then the restore's own
            self.restore_components["restore" if line.get("verb") == "restore" else "safety"] = line
        return step

    def example_nochange(self, base: Path) -> float:
        """Median wall time of 3 no-change snapshots of the project in ``examples/``."""
        work = base / "example"
        shutil.copytree(REPO / "examples", work, ignore=shutil.ignore_patterns(".jupyter_mv", ".ipynb_checkpoints"))
        quiet([*self.cmd, "init", "."], work, self.env)
        files = sorted(str(p.relative_to(work)) for p in (work / "data").rglob("*") if p.is_file())
        cmd = [*self.cmd, "snapshot", "train.ipynb", *files, "-m", "example"]
        quiet(cmd, work, self.env)
        time.sleep(2.1)
        quiet(cmd, work, self.env)  # the stat cache now vouches for every file
        return statistics.median(run_timed([cmd], work, self.env, self.log).seconds for _ in range(3))

    def store_bytes(self) -> int:
        return tree_size(self.work / ".jupyter_mv")

    def tool_version(self) -> str:
        return "jupyter-mv " + quiet([*self.cmd, "--version"], self.work, self.env)


class Git(Tool):
    def __init__(self, work: Path, log: Path, name: str = "git") -> None:
        super().__init__(name, work, log, base_env())
        self.first_commit = ""

    def setup(self) -> None:
        quiet(["git", "init", "-q", "-b", "main"], self.work, self.env)

    def version(self, message: str, first: bool) -> Step:
        step = self.timed([["git", "add", *FILES], ["git", "commit", "-q", "--allow-empty", "-m", message]])
        if first:
            self.first_commit = quiet(["git", "rev-parse", "HEAD"], self.work, self.env)
        return step

    def restore_first(self) -> Step:
        return self.timed([["git", "checkout", self.first_commit, "--", *FILES]])

    def finish(self) -> None:
        self.extra["gc_seconds"] = self.record("gc", self.timed([["git", "gc", "-q"]])).seconds

    def store_bytes(self) -> int:
        return tree_size(self.work / ".git")

    def tool_version(self) -> str:
        return quiet(["git", "--version"], self.work, self.env)


class DVC(Git):
    def __init__(self, work: Path, log: Path, venv: Path) -> None:
        super().__init__(work, log, "DVC")
        self.env["PATH"] = str(venv / "bin") + os.pathsep + self.env.get("PATH", "")
        self.dvc = str(venv / "bin" / "dvc")

    def setup(self) -> None:
        super().setup()
        quiet([self.dvc, "init", "-q"], self.work, self.env)
        quiet([self.dvc, "config", "core.analytics", "false"], self.work, self.env)
        quiet(["git", "add", ".dvc", ".dvcignore"], self.work, self.env)
        quiet(["git", "commit", "-q", "-m", "dvc init"], self.work, self.env)

    def version(self, message: str, first: bool) -> Step:
        track = [self.dvc, "add", "-q", DATA, MODEL] if first else [self.dvc, "commit", "-q", "-f"]
        step = self.timed(
            [
                track,
                ["git", "add", f"{DATA}.dvc", f"{MODEL}.dvc", ".gitignore", NOTEBOOK],
                ["git", "commit", "-q", "--allow-empty", "-m", message],
            ]
        )
        if first:
            self.first_commit = quiet(["git", "rev-parse", "HEAD"], self.work, self.env)
        return step

    def restore_first(self) -> Step:
        return self.timed(
            [
                ["git", "checkout", self.first_commit, "--", f"{DATA}.dvc", f"{MODEL}.dvc", NOTEBOOK],
                [self.dvc, "checkout", "-q", "--force"],
            ]
        )

    def finish(self) -> None:
        pass

    def store_bytes(self) -> int:
        return tree_size(self.work / ".dvc", self.work / ".git")

    def tool_version(self) -> str:
        return "DVC " + quiet([self.dvc, "--version"], self.work, self.env)


def dvc_venv(cache: Path) -> Path:
    """DVC in its own virtual environment under ``cache``, installed once from PyPI."""
    venv = cache / "dvc-venv"
    dvc = venv / "bin" / "dvc"
    if dvc.exists() and subprocess.run([str(dvc), "--version"], capture_output=True).returncode == 0:
        return venv
    print(f"installing DVC into {venv} (once)", flush=True)
    shutil.rmtree(venv, ignore_errors=True)
    cache.mkdir(parents=True, exist_ok=True)
    python = shutil.which("python3") or sys.executable
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    pip = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "dvc"], capture_output=True, text=True
    )
    if pip.returncode != 0:
        raise BenchError(f"pip install dvc failed:\n{pip.stderr[-2000:]}")
    return venv


def cached_workload(cache: Path, scale: float) -> tuple[Path, bool]:
    """Where the workload at ``scale`` is kept under ``cache``, and whether it is complete there.

    It is seeded, so the same ``workload.py`` at the same scale builds the same bytes: it is
    built once (minutes at full scale) and every later run copies it. Its folder is named
    by the scale and a hash of ``workload.py``, so a changed workload is built anew.
    """
    import hashlib

    key = hashlib.sha256((HERE / "workload.py").read_bytes()).hexdigest()[:12]
    folder = cache / f"workload-{scale:g}-{key}"
    return folder, (folder / ".complete").exists()


def build_into(folder: Path, scale: float) -> list[Path]:
    """Build the workload in ``folder`` and mark it complete (a build cut short is built again)."""
    shutil.rmtree(folder, ignore_errors=True)
    paths = build(folder, scale)
    (folder / ".complete").write_text("")
    return paths


# -- one run ----------------------------------------------------------------------------------------


def rotate(tools: list[Tool], k: int) -> list[Tool]:
    k %= len(tools)
    return tools[k:] + tools[:k]


def one_run(orig: Path, base: Path, rounds: int, venv: Path, hashes: dict[str, str], say) -> dict:
    """Every tool on its own copy of ``orig``; the figures of this run."""
    base.mkdir(parents=True)
    load_before, t_start = load(), time.perf_counter()
    tools: list[Tool] = []
    for cls, name in ((JupyterMV, "jupyter-mv"), (DVC, "dvc"), (Git, "git")):
        work = base / name
        work.mkdir()
        for f in FILES:
            shutil.copy2(orig / f, work / f)
        log = base / f"{name}.log"
        tools.append(cls(work, log, venv) if cls is DVC else cls(work, log))
    for t in tools:
        t.setup()
    os.sync()
    time.sleep(2.1)  # every copied file is older than jupyter-mv's racy-mtime window
    step_no = 0

    def each(kind: str, action) -> None:
        nonlocal step_no
        os.sync()
        for t in rotate(tools, step_no):
            t.record(kind, action(t))
        step_no += 1

    say("  first version")
    each("first", lambda t: t.version("first version", first=True))
    time.sleep(2.1)
    say("  3 versions with nothing changed")
    for i in range(3):
        each("nochange", lambda t: t.version(f"no change {i + 1}", first=False))
    for rnd in range(1, rounds + 1):
        edit = make_edit(orig_like(tools), rnd)
        for t in tools:
            edit.apply(t.work)
        each("edit", lambda t: t.version(f"round {rnd}", first=False))
        if rnd % 5 == 0 or rnd == rounds:
            say(f"  round {rnd}/{rounds}: " + ", ".join(f"{t.name} {t.steps['edit'][-1].seconds:.2f} s" for t in tools))
    os.sync()
    sizes = {}
    say("  git gc")
    for t in tools:
        t.finish()
        sizes[t.name] = t.store_bytes()
    say("  restore the first version")
    each("restore", lambda t: t.restore_first())
    verified = {t.name: file_hashes(t.work) == hashes for t in tools}
    mv = next(t for t in tools if isinstance(t, JupyterMV))
    say("  jupyter-mv: no-change snapshot of the example project")
    example = mv.example_nochange(base)  # type: ignore[attr-defined]
    result: dict = {
        "tools": {},
        "load_before": load_before,
        "load_after": load(),
        "minutes": (time.perf_counter() - t_start) / 60,
    }
    for t in tools:
        result["tools"][t.name] = {
            "first": t.steps["first"][0].seconds,
            "edit_median": statistics.median(s.seconds for s in t.steps["edit"]),
            "edit_all": [s.seconds for s in t.steps["edit"]],
            "nochange": statistics.median(s.seconds for s in t.steps["nochange"]),
            "size": sizes[t.name],
            "restore": t.steps["restore"][0].seconds,
            "rss": max(s.rss_mb for k in ("first", "nochange", "edit", "restore") for s in t.steps[k]),
            "restore_ok": verified[t.name],
            **t.extra,
        }
        if "gc" in t.steps:
            result["tools"][t.name]["gc_rss"] = t.steps["gc"][0].rss_mb
    # Component times of our snapshots: the first, the median small edit, a no-change one.
    comps = mv.components
    edits = comps[4 : 4 + rounds]
    result["components"] = {
        "first": comps[0] if comps else {},
        "edit": sorted(edits, key=lambda c: c.get("cpu", 0))[len(edits) // 2] if edits else {},
        "nochange": comps[1] if len(comps) > 1 else {},
        **mv.restore_components,  # type: ignore[attr-defined]
    }
    result["tools"]["jupyter-mv"]["example_nochange"] = example
    return result


def orig_like(tools: list[Tool]) -> Path:
    """The copy the next round's edit is computed from (all copies are identical)."""
    return tools[0].work


# -- report -------------------------------------------------------------------------------------------


def fmt_s(s: float) -> str:
    return f"{s * 1000:.0f} ms" if s < 1 else f"{s:.2f} s" if s < 100 else f"{s:.0f} s"


def fmt_size(n: int) -> str:
    return f"{n / GB:.2f} GB" if n >= GB else f"{n / MB:.1f} MB"


def x_vs(ours: float, theirs: float) -> str:
    """How many times ``theirs`` is ``ours`` (above 1: we are faster/smaller)."""
    return f"{theirs / ours:.1f}x" if ours > 0 else "n/a"


def targets(r: dict) -> list[tuple[str, str, bool, str]]:
    """(target, measured, met, how far off) for one run."""
    mv, dvc, git = (r["tools"][n] for n in TOOLS)
    rows = []

    def faster(label: str, key: str, need: float) -> None:
        ratio = dvc[key] / mv[key]
        met = ratio >= need
        miss = (
            ""
            if met
            else (
                f"missed: {ratio:.1f}x, not {need:g}x; jupyter-mv would need {fmt_s(dvc[key] / need)}"
                f" instead of {fmt_s(mv[key])} ({need / ratio:.1f}x less time)"
            )
        )
        rows.append((f"{label}: at least {need:g}x faster than DVC", f"{ratio:.1f}x", met, miss))

    ratio = mv["size"] / dvc["size"]
    rows.append(
        (
            "store after the rounds: at most 1/10 of DVC's",
            f"{ratio:.3f} of DVC's (1/{1 / ratio:.0f})",
            ratio <= 0.1,
            "" if ratio <= 0.1 else f"missed: {ratio / 0.1:.1f}x too large",
        )
    )
    ratio = mv["size"] / git["size"]
    rows.append(
        (
            "store after the rounds: at most git's after git gc",
            f"{ratio:.2f} of git's",
            ratio <= 1,
            "" if ratio <= 1 else f"missed: {ratio:.2f}x git's",
        )
    )
    faster("no-change version", "nochange", 10)
    faster("small-edit version (median)", "edit_median", 10)
    faster("first version", "first", 2)
    faster("restore of the first version in place", "restore", 1.5)
    if "example_nochange" in mv:
        wall = mv["example_nochange"]
        rows.append(
            (
                "no-change version of the example project: under 150 ms",
                fmt_s(wall),
                wall < 0.150,
                "" if wall < 0.150 else f"missed: {fmt_s(wall)} (the machine's load counts in it)",
            )
        )
    rows.append(
        (
            "peak RSS: under 300 MB",
            f"{mv['rss']:,.0f} MB",
            mv["rss"] < 300,
            "" if mv["rss"] < 300 else f"missed: {mv['rss']:,.0f} MB",
        )
    )
    return rows


#: The stages of a snapshot jupyter-mv reports (``JUPYTER_MV_TIMINGS``): CPU seconds summed
#: over threads, except ``commit`` (sealing packs, their fsync, and the transaction: wall time).
STAGES = ("read", "hash", "chunk", "lookup", "compress", "write", "commit")


def component_lines(r: dict) -> list[str]:
    """Where jupyter-mv's snapshots spent their time, one line per kind of version."""
    out = []
    for kind, label in (("first", "first version"), ("edit", "small edit (median)"), ("nochange", "no change")):
        c = r.get("components", {}).get(kind) or {}
        if not c:
            continue
        parts = ", ".join(f"{stage} {c.get(stage, 0):.2f}" for stage in STAGES)
        out.append(
            f"jupyter-mv {label}: {parts} s; process CPU {c.get('cpu', 0):.2f} s; "
            f"{c.get('bytes', 0) / MB:,.0f} MB read, {c.get('segments_reused', 0)} segments reused, "
            f"{c.get('segments_cut', 0)} cut, {c.get('chunks_written', 0)} chunks written"
        )
    c = r.get("components", {}).get("restore") or {}
    if c:
        parts = ", ".join(f"{step} {c.get(step, 0):.2f}" for step in RESTORE_STEPS)
        out.append(
            f"jupyter-mv restore (wall s): {parts}; process CPU {c.get('cpu', 0):.2f} s; "
            f"{c.get('bytes', 0) / MB:,.0f} MB written"
        )
    c = r.get("components", {}).get("safety") or {}
    if c:
        parts = ", ".join(f"{stage} {c.get(stage, 0):.2f}" for stage in STAGES)
        out.append(f"jupyter-mv restore's safety version: {parts} s; {c.get('bytes', 0) / MB:,.0f} MB read")
    return out


def machine() -> dict:
    mem = 0
    try:
        with open("/proc/meminfo") as f:
            mem = int(f.readline().split()[1]) * 1024
    except OSError:
        pass
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), cpu)
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "memory": mem,
        "cpu": cpu,
        "python": platform.python_version(),
        "kernel": platform.release(),
    }


def markdown(info: dict, runs: list[dict]) -> str:
    m = info["machine"]
    lines = [
        "# Benchmarks: jupyter-mv, DVC and git on the same work",
        "",
        f"<!-- Written by `{info['command']}` (`make bench`); run it again to regenerate. -->",
        "",
        f"- Date: {info['date']}",
        f"- Machine: {m['cores']} cores ({m['cpu']}), {m['memory'] / GB:.0f} GiB memory, Linux {m['kernel']}, "
        f"Python {m['python']}; load average {info['load_before']} before, {info['load_after']} after "
        "(other work on the machine would show there)",
        f"- Tools: {', '.join(info['versions'])} (commit {info.get('commit', 'unknown')})",
        f"- Workload: {info['workload']}; {info['rounds']} rounds of edits",
        f"- Limit: reading the same {fmt_size(info['workload_bytes'])} from the page cache took "
        f"{fmt_s(info['raw_read'])} ({info['workload_bytes'] / MB / info['raw_read']:,.0f} MB/s). Cold reads "
        "cannot be asked for here (`drop_caches` is not writable) and the files start cached, but the "
        "kernel's proactive reclaim (DAMON's `kdamond`, paging out what was not touched for about a minute) "
        "may have dropped a tool's files by its turn: a read back from disk shows in its read stage.",
        f"- Wall time of the whole run: {info['wall'] / 60:.0f} min",
        "",
    ]
    for i, r in enumerate(runs, 1):
        t = r["tools"]
        mv, dvc = t["jupyter-mv"], t["DVC"]
        title = f"## Run {i} of {len(runs)}" if len(runs) > 1 else "## Results"
        lines += [title, ""] + ([r["note"], ""] if r.get("note") else [])
        lines += [
            f"{r['minutes']:.0f} min; load average {r['load_before']} at its start, "
            f"{r['load_after']} at its end. The last column is DVC's figure divided by jupyter-mv's: "
            "above 1x, jupyter-mv is faster, smaller or leaner.",
            "",
            "| figure | " + " | ".join(TOOLS) + " | jupyter-mv vs DVC |",
            "| --- | " + " | ".join("---:" for _ in TOOLS) + " | ---: |",
        ]

        def row(label: str, key: str, f) -> None:
            cells = [f(t[n][key]) for n in TOOLS]
            lines.append(f"| {label} | " + " | ".join(cells) + f" | {x_vs(mv[key], dvc[key])} |")

        row("first version", "first", fmt_s)
        lines.append(
            "| first version's throughput (cached read: "
            f"{info['workload_bytes'] / MB / info['raw_read']:,.0f} MB/s) | "
            + " | ".join(f"{info['workload_bytes'] / MB / t[n]['first']:,.0f} MB/s" for n in TOOLS)
            + " | |"
        )
        row(f"version after a small edit (median of {len(mv['edit_all'])})", "edit_median", fmt_s)
        row("version with nothing changed (median of 3)", "nochange", fmt_s)
        lines.append(
            "| store after the rounds | "
            + " | ".join(
                f"{fmt_size(t[n]['size'])} = {t[n]['size'] / info['workload_bytes']:.2f} copies" for n in TOOLS
            )
            + f" | {x_vs(mv['size'], dvc['size'])} smaller |"
        )
        row("restore the first version (in place)", "restore", fmt_s)
        row("peak RSS of a version or restore", "rss", lambda v: f"{v:,.0f} MB")
        lines.append(
            "| restored bytes identical | "
            + " | ".join("yes" if t[n]["restore_ok"] else "**NO**" for n in TOOLS)
            + " | |"
        )
        lines += [
            "",
            f"git's store is measured after `git gc` ({fmt_s(t['git']['gc_seconds'])}, "
            f"peak RSS {t['git'].get('gc_rss', 0):,.0f} MB). Slowest small-edit version: "
            + ", ".join(f"{n} {fmt_s(max(t[n]['edit_all']))}" for n in TOOLS)
            + ".",
            "",
        ]
        if r.get("components"):
            lines += [
                "Where jupyter-mv's snapshot spent its time (CPU seconds, summed over its threads; "
                "commit: sealing the packs and the transaction, wall time):",
                "",
                "| version | " + " | ".join(STAGES) + " | process CPU | segments reused / cut |",
                "| --- | " + " | ".join("---:" for _ in STAGES) + " | ---: | ---: |",
            ]
            for kind, label in (("first", "first"), ("edit", "small edit (median)"), ("nochange", "no change")):
                c = r["components"].get(kind) or {}
                if c:
                    lines.append(
                        f"| {label} | "
                        + " | ".join(f"{c.get(st, 0):.2f}" for st in STAGES)
                        + f" | {c.get('cpu', 0):.2f} | {c.get('segments_reused', 0)} / {c.get('segments_cut', 0)} |"
                    )
            safety = r["components"].get("safety") or {}
            if safety:
                lines.append(
                    "| restore's safety version | "
                    + " | ".join(f"{safety.get(st, 0):.2f}" for st in STAGES)
                    + f" | | {safety.get('segments_reused', 0)} / {safety.get('segments_cut', 0)} |"
                )
            c = r["components"].get("restore") or {}
            if c:
                lines += [
                    "",
                    "Where jupyter-mv's restore of the first version spent its time (wall seconds; hash: reading "
                    "the files in place that the stat cache does not vouch for; safety: the safety version, made "
                    "durable; write: writing the temporary files, of which decode is the wait for chunks decoded "
                    "from the packs, copy the ranges copied from the files in place, fsync their fsync):",
                    "",
                    "| " + " | ".join(RESTORE_STEPS) + " | process CPU | written |",
                    "| " + " | ".join("---:" for _ in RESTORE_STEPS) + " | ---: | ---: |",
                    "| "
                    + " | ".join(f"{c.get(step, 0):.2f}" for step in RESTORE_STEPS)
                    + f" | {c.get('cpu', 0):.2f} | {fmt_size(c.get('bytes', 0))} |",
                ]
            if "example_nochange" in mv:
                lines.append("")
                lines.append(
                    f"A no-change `jupyter mv snapshot` of the example project (`examples/`): "
                    f"{fmt_s(mv['example_nochange'])} wall (median of 3), process start included."
                )
            lines.append("")
        lines += ["| target | measured | met |", "| --- | --- | --- |"]
        for label, measured, met, miss in targets(r):
            lines.append(f"| {label} | {measured} | {'yes' if met else '**no** — ' + miss} |")
        lines.append("")
    lines += [
        "![bar chart of the figures above](benchmarks/compare.png)",
        "",
        "## How it was measured",
        "",
        "- `benchmarks/compare.py` builds the workload once (`benchmarks/workload.py`: a notebook of cells "
        "with 200 KB image outputs, a CSV of ids, timestamps, cities, segments, counts, amounts and scores, and "
        "a random binary model), and copies it for every tool. Every tool starts from the same bytes. The "
        "workload is seeded: it is built once per `workload.py` and scale and kept under `--cache` (building "
        "it takes minutes at full scale), and later runs copy it.",
        "- A round of edits: one cell's source changes; rows worth 1% of the CSV are appended (in whole "
        "blocks of 10,000 rows, about 0.55 MB, so up to 0.05% more at full scale); 1% of the "
        "model's bytes are overwritten in place, in four runs at seeded random offsets (as when some layers "
        "are retrained and the rest are frozen). The edits are computed once per round and applied to every "
        "copy. (Changing single bytes scattered across the whole model would defeat any chunk-level "
        "deduplication: every tool would then store a full copy per version.)",
        "- A version: jupyter-mv `jupyter mv snapshot analysis.ipynb data.csv model.bin -m ...` (this "
        "checkout's CLI in a subprocess, from its last commit, copied when the run starts; it also "
        "records the Python environment, once per change of it); "
        "DVC `dvc add data.csv model.bin` for the first version and `dvc commit -f` after, then `git add` of "
        "the `.dvc` files and the notebook and `git commit` (DVC keeps code and notebooks in git); git `git add` "
        "of the three files and `git commit`. `git gc` once after the last round. The versions with nothing "
        "changed are `--allow-empty` commits for git and DVC.",
        "- Restore: in place, jupyter-mv `jupyter mv restore v1` (which first keeps the current files as a "
        "safety version), DVC `git checkout FIRST -- *.dvc analysis.ipynb` + `dvc checkout --force`, git "
        "`git checkout FIRST -- <files>`; the restored files are then hashed and compared with the originals.",
        "- Store size: jupyter-mv `.jupyter_mv/`; DVC `.dvc/` (its cache) plus `.git/`; git `.git/` after "
        '`git gc`. "Copies" are multiples of the workload\'s first version '
        f"({fmt_size(info['workload_bytes'])}).",
        "- Each step runs the three tools one after another, in an order that rotates from step to step; "
        "`sync` runs untimed before each step. Times are wall-clock times of the tools' commands, process "
        "start included; peak RSS is `wait4`'s maximum resident set of the command and its children. "
        "jupyter-mv fsyncs its packs before a version commits; DVC and git's loose objects are not fsynced, "
        "so their data may still be in the page cache when their command returns. A jupyter-mv "
        "restore fsyncs its safety version and the restored files before it moves them into place.",
        "- On these virtual machines, writing to page-cache pages never touched before is several times "
        "slower than reusing freed ones; runs differ by tens of percent for that reason. Compare tools "
        "within one run.",
        "",
    ]
    return "\n".join(lines)


NOTES_MARK = "<!-- Notes below this line are written by people; compare.py keeps them when it rewrites the file. -->"


def write_markdown(path: Path, text: str) -> None:
    """Write the report, keeping the hand-written notes of the file it replaces."""
    notes = ""
    if path.exists():
        old = path.read_text()
        if NOTES_MARK in old:
            notes = old[old.index(NOTES_MARK) + len(NOTES_MARK) :]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.rstrip("\n") + "\n\n" + NOTES_MARK + (notes or "\n"))


def chart(runs: list[dict], path: Path, info: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [
        ("first version", "first", "s"),
        ("small-edit version (median)", "edit_median", "s"),
        ("no-change version", "nochange", "s"),
        ("store after the rounds", "size", "copies"),
        ("restore first version", "restore", "s"),
        ("peak RSS", "rss", "MB"),
    ]
    colors = {"jupyter-mv": "#1f77b4", "DVC": "#9467bd", "git": "#7f7f7f"}
    fig, axes = plt.subplots(2, 3, figsize=(13, 7.5))
    width = 0.8 / len(runs)
    for ax, (title, key, unit) in zip(axes.flat, panels):
        for ri, r in enumerate(runs):
            vals = [r["tools"][n][key] / (info["workload_bytes"] if key == "size" else 1) for n in TOOLS]
            xs = [i + (ri - (len(runs) - 1) / 2) * width for i in range(len(TOOLS))]
            bars = ax.bar(
                xs,
                vals,
                width * 0.95,
                color=[colors[n] for n in TOOLS],
                alpha=1.0 if ri == 0 else 0.6,
                hatch=None if ri == 0 else "//",
            )
            dvc = r["tools"]["DVC"][key]
            for b, n, shown in zip(bars, TOOLS, vals):
                v = r["tools"][n][key]
                value = fmt_s(v) if unit == "s" else f"{shown:.2f}" if unit == "copies" else f"{v:,.0f}"
                ratio = "" if n == "DVC" else f"\n{dvc / v:.1f}x" if v else ""
                ax.annotate(
                    value + ratio,
                    (b.get_x() + b.get_width() / 2, b.get_height()),
                    ha="center",
                    va="bottom",
                    fontsize=8,
                    xytext=(0, 2),
                    textcoords="offset points",
                )
        ax.set_xticks(range(len(TOOLS)), TOOLS)
        ax.set_title(f"{title} ({unit})", fontsize=10)
        ax.set_ylim(0, ax.get_ylim()[1] * 1.25)
        ax.grid(axis="y", alpha=0.3)
    runs_note = f"; {len(runs)} runs (the later ones hatched)" if len(runs) > 1 else ""
    fig.suptitle(
        f"jupyter-mv, DVC and git on {info['workload']} and {info['rounds']} rounds of edits{runs_note}\n"
        "lower is better; under each value: DVC's figure divided by the tool's (above 1x: better than DVC)",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="about 100 MB and 5 rounds")
    parser.add_argument(
        "--rounds", type=int, help="rounds of edits (default 4: a full-scale run in about 15 minutes; 5 with --quick)"
    )
    parser.add_argument("--runs", type=int, default=1, help="run the whole comparison this many times")
    parser.add_argument("--scale", type=float, help="workload scale (default 1, or 1/12 with --quick)")
    parser.add_argument("--dir", help="work folder (default: a temporary one, removed at the end)")
    parser.add_argument(
        "--cache", default=str(DEFAULT_CACHE), help="where DVC's virtual environment and the built workload are kept"
    )
    parser.add_argument("--md", help="where the Markdown goes (default BENCHMARKS.md; with --quick, the work folder)")
    parser.add_argument("--png", help="where the chart goes (default benchmarks/compare.png; --quick: work folder)")
    parser.add_argument("--json", help="where the raw figures go (default: under --cache)")
    parser.add_argument("--render", metavar="JSON", help="only write the Markdown and chart from saved figures")
    args = parser.parse_args(argv)
    if args.render:
        saved = json.loads(Path(args.render).read_text())
        md_path = Path(args.md or REPO / "BENCHMARKS.md")
        write_markdown(md_path, markdown(saved["info"], saved["runs"]))
        chart(saved["runs"], Path(args.png or HERE / "compare.png"), saved["info"])
        print(f"wrote {md_path}")
        return 0
    scale = args.scale or (1 / 12 if args.quick else 1.0)
    rounds = args.rounds or (5 if args.quick else 4)
    keep = bool(args.dir)
    base = Path(args.dir).resolve() if args.dir else Path(tempfile.mkdtemp(prefix="mv-compare-"))
    base.mkdir(parents=True, exist_ok=True)
    out_dir = base if args.quick else REPO
    md_path = Path(args.md) if args.md else out_dir / "BENCHMARKS.md"
    png_path = Path(args.png) if args.png else (base / "compare.png" if args.quick else HERE / "compare.png")
    started = time.perf_counter()

    def say(text: str) -> None:
        print(f"[{time.perf_counter() - started:7.1f} s] {text}", flush=True)

    info = {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "machine": machine(),
        "load_before": load(),
        "rounds": rounds,
        "command": "python benchmarks/compare.py"
        + (" --quick" if args.quick else "")
        + (f" --rounds {args.rounds}" if args.rounds else "")
        + (f" --runs {args.runs}" if args.runs > 1 else ""),
    }
    try:
        venv = dvc_venv(Path(args.cache))
        orig, built = cached_workload(Path(args.cache), scale)
        say(f"{'the workload built before' if built else 'building the workload'} in {orig} (scale {scale:g})")
        paths = [orig / f for f in FILES] if built else build_into(orig, scale)
        info["workload_bytes"] = sum(p.stat().st_size for p in paths)
        sizes = {p.name: p.stat().st_size for p in paths}
        info["workload"] = (
            f"a {fmt_size(sizes[NOTEBOOK])} notebook, a {fmt_size(sizes[DATA])} CSV and a "
            f"{fmt_size(sizes[MODEL])} model ({fmt_size(info['workload_bytes'])})"
        )
        hashes = file_hashes(orig)
        JupyterMV.source, info["commit"] = freeze_source(base / "src")
        info["versions"] = [
            t.tool_version()
            for t in (
                JupyterMV(base, base / "versions.log"),
                DVC(base, base / "versions.log", venv),
                Git(base, base / "versions.log"),
            )
        ]
        info["raw_read"] = raw_read_seconds(paths)
        say(f"workload {fmt_size(info['workload_bytes'])}; cached read {fmt_s(info['raw_read'])}")
        free = shutil.disk_usage(base).free
        if free < 45 * info["workload_bytes"]:
            say(
                f"warning: {fmt_size(free)} free under {base}; a run needs about "
                f"{fmt_size(45 * info['workload_bytes'])} (DVC's cache alone keeps a full copy per version)"
            )
        runs: list[dict] = []
        raw = Path(args.json) if args.json else Path(args.cache) / time.strftime("compare-%Y%m%d-%H%M%S.json")
        raw.parent.mkdir(parents=True, exist_ok=True)
        for i in range(1, args.runs + 1):
            run_dir = base / f"run{i}"
            say(f"run {i} of {args.runs} in {run_dir}")
            r = one_run(orig, run_dir, rounds, venv, hashes, say)
            runs.append(r)
            info["load_after"] = load()
            info["wall"] = time.perf_counter() - started
            raw.write_text(json.dumps({"info": info, "runs": runs}, indent=2, default=str))
            for name in TOOLS:
                m = r["tools"][name]
                say(
                    f"  {name:<10} first {fmt_s(m['first'])}, edit {fmt_s(m['edit_median'])}, "
                    f"no change {fmt_s(m['nochange'])}, store {fmt_size(m['size'])}, "
                    f"restore {fmt_s(m['restore'])}, rss {m['rss']:.0f} MB, restore ok {m['restore_ok']}"
                )
            for line in component_lines(r):
                say("  " + line)
            if not keep:
                shutil.rmtree(run_dir, ignore_errors=True)  # the next run copies first: no timed step follows
        info["load_after"] = load()
        info["wall"] = time.perf_counter() - started
        say(f"raw figures in {raw} (`--render {raw}` writes the report again)")
        text = markdown(info, runs)
        write_markdown(md_path, text)
        chart(runs, png_path, info)
        print(text)
        say(f"wrote {md_path} and {png_path}")
        ok = all(r["tools"][n]["restore_ok"] for r in runs for n in TOOLS)
        return 0 if ok else 1
    finally:
        if not keep:  # a temporary work folder keeps only the report, when it was written there
            for p in base.iterdir():
                if p not in (md_path, png_path):
                    shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink()
            if not any(base.iterdir()):
                base.rmdir()


if __name__ == "__main__":
    raise SystemExit(main())
