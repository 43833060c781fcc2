"""Properties: hypothesis drives random sequences of snapshot, tag, alias, restore (in
place and elsewhere), gc and reopening against a simple model of what the store must
hold. After every step the format's invariants hold (verify is clean), every version
restores byte-identical to what was on disk when it was taken, tags never move, an
alias's history only grows, and version numbers are gap-free per notebook.

Fast: 12 sequences of up to 20 steps. ``JUPYTER_MV_STRESS=1``: 300 sequences of up to
40 steps.
"""

from __future__ import annotations

import random
import shutil
import tempfile
from collections import Counter
from pathlib import Path

import nbformat
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from jupyter_mv.errors import Conflict
from jupyter_mv.store import Store

from .invariants import check_invariants, scale

NOTEBOOKS = ["a.ipynb", "sub/b.ipynb"]
DATA = ["d1.csv", "d2.bin", "sub/deep/d3.txt"]
NAMES = ["n1", "n2", "n3", "n4"]


def notebook_bytes(text: str) -> bytes:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(text)])
    for cell in nb.cells:
        cell.id = "c0"  # a stable id: equal text, equal bytes
    return nbformat.writes(nb).encode()


contents = st.one_of(
    st.binary(max_size=3000),
    st.builds(
        lambda seed, n: random.Random(seed).randbytes(n), st.integers(0, 2**16), st.sampled_from([40_000, 300_000])
    ),
)


#: What the runs did, for the summary line: sequences, steps, versions, restores.
RUN = Counter()


class StoreMachine(RuleBasedStateMachine):
    versions = Bundle("versions")

    def __init__(self) -> None:
        super().__init__()
        RUN["sequences"] += 1
        self.tmp = Path(tempfile.mkdtemp(prefix="mv-props-"))
        self.root = self.tmp / "project"
        self.root.mkdir()
        self.store = Store.init(self.root)
        self.disk: dict[str, bytes] = {}
        self.expected: dict[str, dict[str, bytes]] = {}  # version id -> its files
        self.numbers: dict[str, int] = {}  # notebook -> how many versions
        self.tags: dict[str, str] = {}
        self.alias_moves: dict[str, list[str]] = {}
        self.restores = 0

    def teardown(self) -> None:
        self.store.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write(self, rel: str, data: bytes) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        self.disk[rel] = data

    @initialize()
    def notebooks_exist(self) -> None:
        for nb in NOTEBOOKS:
            self.write(nb, notebook_bytes(f"# {nb}"))

    # -- the user's side -------------------------------------------------------------------

    @rule(nb=st.sampled_from(NOTEBOOKS), text=st.text(max_size=200))
    def edit_notebook(self, nb: str, text: str) -> None:
        self.write(nb, notebook_bytes(text))

    @rule(rel=st.sampled_from(DATA), data=contents)
    def write_data(self, rel: str, data: bytes) -> None:
        self.write(rel, data)

    @rule(rel=st.sampled_from(DATA), at=st.integers(0, 400_000), patch=st.binary(min_size=1, max_size=64))
    def patch_data(self, rel: str, at: int, patch: bytes) -> None:
        old = self.disk.get(rel, b"")
        at = min(at, len(old))
        self.write(rel, old[:at] + patch + old[at + len(patch) :])

    @rule(rel=st.sampled_from(DATA))
    def delete_data(self, rel: str) -> None:
        if rel in self.disk:
            (self.root / rel).unlink()
            del self.disk[rel]

    # -- the store's side ------------------------------------------------------------------

    @rule(target=versions, nb=st.sampled_from(NOTEBOOKS), picks=st.sets(st.sampled_from(DATA)))
    def snapshot(self, nb: str, picks: set[str]) -> str:
        files = sorted(p for p in picks if p in self.disk)
        version = self.store.snapshot(self.root / nb, [self.root / p for p in files], message=f"{nb} {files}")
        self.numbers[nb] = self.numbers.get(nb, 0) + 1
        assert (version.notebook, version.number) == (nb, self.numbers[nb])
        self.expected[version.id] = {p: self.disk[p] for p in (nb, *files)}
        RUN["snapshots"] += 1
        return version.id

    @rule(target=versions, rel=st.sampled_from(DATA), data=contents, nb=st.sampled_from(NOTEBOOKS))
    def change_then_snapshot(self, rel: str, data: bytes, nb: str) -> str:
        self.write(rel, data)
        return self.snapshot(nb, {rel})

    @rule(vid=versions, name=st.sampled_from(NAMES))
    def tag(self, vid: str, name: str) -> None:
        if name in self.tags or name in self.alias_moves:
            with pytest.raises(Conflict):
                self.store.tag(vid, name)
        else:
            self.store.tag(vid, name)
            self.tags[name] = vid

    @rule(vid=versions, name=st.sampled_from(NAMES))
    def alias(self, vid: str, name: str) -> None:
        if name in self.tags:
            with pytest.raises(Conflict):
                self.store.alias(name, vid)
        else:
            self.store.alias(name, vid)
            self.alias_moves.setdefault(name, []).append(vid)

    @rule(vid=versions)
    def restore_elsewhere(self, vid: str) -> None:
        into = self.tmp / f"restore-{self.restores}"
        self.restores += 1
        self.store.restore(vid, to=into)
        RUN["restores"] += 1
        for rel, data in self.expected[vid].items():
            assert (into / rel).read_bytes() == data
        shutil.rmtree(into)

    @rule(target=versions, vid=versions)
    def restore_in_place(self, vid: str) -> str:
        version = self.store.get(vid)
        wanted = self.expected[vid]
        overwritten = {rel for rel, data in wanted.items() if rel in self.disk and self.disk[rel] != data}
        result = self.store.restore(vid)
        RUN["restores"] += 1
        safety_id = ""
        if overwritten:
            assert result.safety is not None and result.safety.kind == "safety"
            nb = version.notebook
            kept = {nb: self.disk[nb], **{rel: self.disk[rel] for rel in overwritten}}
            self.numbers[nb] = self.numbers.get(nb, 0) + 1
            assert result.safety.number == self.numbers[nb]
            self.expected[result.safety.id] = kept
            safety_id = result.safety.id
        else:
            assert result.safety is None
        for rel, data in wanted.items():
            self.disk[rel] = data
        return safety_id or vid

    @rule()
    def gc(self) -> None:
        self.store.gc(grace_seconds=0)

    @rule()
    def reopen(self) -> None:
        self.store.close()
        self.store = Store.open(self.root)

    # -- after every step --------------------------------------------------------------------

    @invariant()
    def the_store_holds_everything_it_was_given(self) -> None:
        RUN["steps"] += 1
        check_invariants(self.store)
        assert {v.id for v in self.store.log()} == set(self.expected)
        for vid, files in self.expected.items():
            version = self.store.get(vid)
            assert {f.path for f in version.files} == set(files)
            for rel, data in files.items():
                assert self.store.read_file(version, rel) == data
        for nb, n in self.numbers.items():
            assert sorted(v.number for v in self.store.log(self.root / nb)) == list(range(1, n + 1))

    @invariant()
    def tags_never_move_and_alias_history_grows(self) -> None:
        for name, vid in self.tags.items():
            assert self.store.resolve(name).id == vid
        for name, moves in self.alias_moves.items():
            assert [h["version"] for h in self.store.alias_history(name)] == moves[::-1]
            assert self.store.resolve(name).id == moves[-1]

    @invariant()
    def the_users_files_are_as_the_model_says(self) -> None:
        for rel, data in self.disk.items():
            assert (self.root / rel).read_bytes() == data


@pytest.mark.stress
def test_random_sequences_of_operations_keep_every_invariant(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JUPYTER_MV_STORE", raising=False)
    monkeypatch.setenv("JUPYTER_MV_AUTHOR", "tester")
    run_state_machine_as_test(
        StoreMachine,
        settings=settings(
            max_examples=scale(12, 300),
            stateful_step_count=scale(20, 40),
            deadline=None,
            derandomize=False,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
            database=None,
        ),
    )
    print(f"\nproperties: {dict(RUN)}, 0 lost")
