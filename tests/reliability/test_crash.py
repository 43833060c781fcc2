"""Crash safety: a process that snapshots in a loop is killed with SIGKILL at random
moments, again and again. Afterwards the store verifies clean, every version the
process reported as committed is there and restores byte for byte, nothing
half-written is referenced, and what the kills left behind is cleaned up by the next
open (``tmp/``) and by ``gc`` (sealed packs that no row names).

Fast: 6 kills. ``JUPYTER_MV_STRESS=1``: 50 kills.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import blake3
import pytest

from jupyter_mv.store import Store
from tests.helpers import package_env

from .crash_child import MODEL, NOTEBOOK, TRACKED, contents
from .invariants import assert_restores, check_invariants, scale, unindexed_packs

KILLS = scale(6, 50)
RESTORE_KILLS = scale(3, 20)
RESTORE_BIG = scale(4, 24) * 1024 * 1024
#: The model file spans more than one 16 MiB segment of the chunker.
BIG = scale(17, 40) * 1024 * 1024


def run_until_killed(
    project: Path, args: list[str], delay: float, in_pack_write: bool = False
) -> tuple[list[str], int]:
    """Start the child with ``args``, let it run ``delay`` seconds after it opened the store,
    SIGKILL it. With ``in_pack_write``, the delay starts when a pack appears in ``tmp/``
    instead, so the kill lands while chunks are written, a pack is sealed or rows are
    committed. Returns its output lines and whether ``tmp/`` held a pack being written
    when it died."""
    tmp = project / ".jupyter_mv" / "tmp"
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.crash_child", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=package_env(),
    )
    try:
        first = child.stdout.readline()
        if first != b"open\n":
            child.kill()
            raise AssertionError(f"the child did not start: {first!r} {child.communicate()[1].decode()}")
        deadline = time.monotonic() + 5
        while in_pack_write and not any(tmp.iterdir()) and time.monotonic() < deadline:
            time.sleep(0.0005)
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        out, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL, f"the child failed before the kill:\n{err.decode()}"
    mid_write = int(any(tmp.iterdir()))
    return out.decode().splitlines(), mid_write


@pytest.mark.stress
def test_sigkill_at_random_moments_never_loses_a_committed_version(project: Path, tmp_path: Path) -> None:
    seed = int(os.environ.get("JUPYTER_MV_SEED") or random.randrange(2**32))
    rng = random.Random(seed)
    why = f"(JUPYTER_MV_SEED={seed} reproduces the content; the kills' timing differs)"
    Store.init(project).close()
    reported: dict[str, int] = {}
    tags: dict[str, str] = {}
    alias_moves: list[str] = []
    killed_mid_write = 0
    for k in range(KILLS):
        in_pack_write = k % 2 == 1
        delay = rng.uniform(0.0, 0.05) if in_pack_write else rng.uniform(0.0, 2.0)
        if k == KILLS - 1:  # the last kill leaves a pack being written for the next open to clean
            in_pack_write, delay = True, 0.0
        args = [str(project), str(seed), str(k * 10_000), str(BIG)]
        lines, mid_write = run_until_killed(project, args, delay, in_pack_write)
        killed_mid_write += mid_write
        for line in lines:
            word, *rest = line.split()
            if word == "committed":
                reported[rest[0]] = int(rest[1])
            elif word == "tagged":
                tags[rest[0]] = rest[1]
            elif word == "aliased":
                alias_moves.append(rest[1])

    # The next open empties tmp/ (no writer runs).
    left_in_tmp = len(list((project / ".jupyter_mv" / "tmp").iterdir()))
    store = Store.open(project)
    assert not any((store.dir / "tmp").iterdir()), why
    check_invariants(store)

    versions = {v.id: v for v in store.log()}
    missing = set(reported) - set(versions)
    assert not missing, f"{len(missing)} reported versions are gone {why}"
    assert len(reported) >= max(3, KILLS // 4), f"the children committed too little to prove anything {why}"
    # Every version, reported or committed just before a kill, restores byte for byte.
    for vid, version in versions.items():
        iteration = int(version.message.removeprefix("iteration "))
        assert reported.get(vid, iteration) == iteration, why
        expected = contents(iteration, seed, BIG)
        into = tmp_path / "restored" / vid[:12]
        assert_restores(store, version, {p: expected[p] for p in (NOTEBOOK, *TRACKED, MODEL)}, into)
        shutil.rmtree(into)
    for name, vid in tags.items():
        assert store.resolve(name).id == vid, why
    if alias_moves:  # every reported move is in the history, in order (a kill may hide a later one)
        history = iter(h["version"] for h in reversed(store.alias_history("best")))
        assert all(move in history for move in alias_moves), why

    # gc removes the sealed packs that a kill left unindexed, and nothing else.
    before = {v.id for v in store.log()}
    orphans = len(unindexed_packs(store))
    store.gc(grace_seconds=0)
    assert unindexed_packs(store) == [], why
    assert {v.id for v in store.log()} == before
    check_invariants(store)
    latest = store.resolve("latest")
    expected = contents(int(latest.message.removeprefix("iteration ")), seed, BIG)
    assert store.read_file(latest, MODEL) == expected[MODEL]
    store.close()
    print(
        f"\ncrash safety: {KILLS} kills ({killed_mid_write} while a pack was being written), "
        f"{len(versions)} versions committed, {len(reported)} reported, 0 lost; the last kill left "
        f"{left_in_tmp} files in tmp/ (cleaned at open), {orphans} unindexed packs (removed by gc) {why}"
    )


@pytest.mark.stress
def test_sigkill_during_restore_in_place_never_leaves_a_torn_file(project: Path) -> None:
    """A process restores v1 and v2 in place, in turn, and is killed at random moments.
    Every file of the project is always, byte for byte, one that some version holds (the
    old one, kept in a safety version, or the new one): never half of each."""
    seed = int(os.environ.get("JUPYTER_MV_SEED") or random.randrange(2**32))
    rng = random.Random(seed)
    store = Store.init(project)
    for i in (1, 2):
        for name, data in contents(i, seed, RESTORE_BIG).items():
            (project / name).write_bytes(data)
        store.snapshot(NOTEBOOK, TRACKED, outputs=[MODEL], message=f"iteration {i}")
    store.close()
    restores = leftovers = 0
    for _ in range(RESTORE_KILLS):
        lines, _ = run_until_killed(project, ["restore", str(project)], rng.uniform(0.0, 1.0))
        restores += sum(line.startswith("restored") for line in lines)
        with Store.open(project) as store:
            check_invariants(store)
            held: dict[str, set[str]] = {}
            for version in store.log(kinds=["full", "safety"]):
                for f in version.files:
                    held.setdefault(f.path, set()).add(f.hash)
            for path in (NOTEBOOK, *TRACKED, MODEL):
                now = blake3.blake3((project / path).read_bytes()).hexdigest()
                assert now in held[path], f"{path} is torn: no version holds its bytes (seed {seed})"
        leftovers = len(list(project.glob(".*.mv-*.tmp")))
    print(
        f"\nrestore crash safety: {RESTORE_KILLS} kills, {restores} restores completed, no torn file; "
        f"{leftovers} temporary files left in the project"
    )
