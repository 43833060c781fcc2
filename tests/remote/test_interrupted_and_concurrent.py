"""A push killed half-way resumes and leaves the remote consistent; two pushes at once both
land. Real `jupyter mv push` processes on a folder, the S3 protocol and SFTP."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from jupyter_mv.remote import add_remote, pull
from jupyter_mv.remote.backend import open_backend
from jupyter_mv.store import Store
from tests.helpers import package_env, run_cli

from .conftest import Remote
from .test_push_pull import make_store, snap

PACKS = 5
PACK_SIZE = 12 * 1024 * 1024


def push_process(root: Path, remote: Remote, *args: str) -> subprocess.Popen:
    env = {**package_env(), "NO_COLOR": "1", **remote.env}
    return subprocess.Popen(
        [sys.executable, "-m", "jupyter_mv.cli", "push", *args],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def assert_consistent(url: str) -> dict[str, dict]:
    """Every version record on the remote names only packs and chunk lists that are there, whole."""
    backend = open_backend(url)
    packs = {k.rsplit("/", 1)[-1][:-5]: size for k, size in backend.list("packs").items()}
    objects = {k.rsplit("/", 1)[-1]: size for k, size in backend.list("objects").items()}
    records = {}
    for key in backend.list("versions"):
        record = json.loads(backend.get_bytes(f"versions/{key}"))
        missing = [p for p in record["packs"] if p not in packs]
        assert not missing, f"version {key} names packs not on the remote: {missing}"
        for o in record["objects"]:
            assert o["hash"] in objects and objects[o["hash"]] % 32 == 0, f"version {key} lacks an object"
        records[key[:-5]] = record
    for pack, size in packs.items():
        assert backend.get_bytes(f"packs/{pack[:2]}/{pack}.pack", size - 8, size) == b"MVPKIDX1"
    return records


def test_a_push_killed_after_its_first_pack_resumes_and_the_remote_stays_consistent(
    shared_remote: Remote, tmp_path: Path
) -> None:
    a = make_store(tmp_path / "a")
    files = {}
    for i in range(PACKS):  # one pack per version: random bytes of its own
        files[i] = os.urandom(PACK_SIZE)
        (a.root / "data.bin").write_bytes(files[i])
        snap(a, "train.ipynb", ["data.bin"], f"v{i + 1}")
    add_remote(a, "team", shared_remote.url)
    ids = [v.id for v in a.log()]
    a.close()

    watcher = open_backend(shared_remote.url)
    proc = push_process(a.root, shared_remote)
    landed: dict[str, int] = {}
    deadline = time.monotonic() + 300
    while not landed and proc.poll() is None and time.monotonic() < deadline:
        landed = watcher.list("packs")
        time.sleep(0.002)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the push ended before it could be killed"
    landed = watcher.list("packs")
    assert 1 <= len(landed) < PACKS, "the kill came after the first pack and before the last"
    assert assert_consistent(shared_remote.url) == {}  # packs first: no version is visible yet

    resumed = json.loads(run_cli("push", "--json", cwd=a.root, env=shared_remote.env, check=True).stdout)
    assert resumed["packs"] == PACKS - len(landed)  # what was there is not sent again
    assert resumed["versions"] == PACKS
    records = assert_consistent(shared_remote.url)
    assert sorted(records) == sorted(ids)

    b = make_store(tmp_path / "b", notebook="eval.ipynb")
    add_remote(b, "team", shared_remote.url)
    assert pull(b, all=True)["packs"] == PACKS
    assert b.verify().ok
    assert b.read_file(ids[-1], "data.bin") == files[0]  # log() is newest first: ids[-1] is v1


def test_two_pushes_at_once_both_land(shared_remote: Remote, tmp_path: Path) -> None:
    stores, firsts = [], {}
    for name, notebook in (("a", "train.ipynb"), ("b", "eval.ipynb")):
        firsts[name] = os.urandom(3_000_000)
        s = make_store(tmp_path / name, notebook=notebook, data=firsts[name])
        first = snap(s, notebook, ["data.bin"], "one")
        (s.root / "data.bin").write_bytes(os.urandom(2_000_000))
        snap(s, notebook, ["data.bin"], "two")
        s.tag(first, f"{name}-first")
        add_remote(s, "team", shared_remote.url)
        stores.append(s)
        s.close()
    procs = [push_process(s.root, shared_remote, "--json") for s in stores]
    results = [p.communicate(timeout=300) for p in procs]
    for proc, (out, err) in zip(procs, results):
        assert proc.returncode == 0, err
        assert json.loads(out)["versions"] == 2
    assert len(assert_consistent(shared_remote.url)) == 4

    (tmp_path / "c").mkdir()
    with Store.init(tmp_path / "c") as c:
        add_remote(c, "team", shared_remote.url)
        assert pull(c)["versions"] == 4
        assert c.resolve("a-first").notebook == "train.ipynb" and c.resolve("b-first").notebook == "eval.ipynb"
        assert c.read_file("a-first", "data.bin") == firsts["a"]
        assert c.read_file("b-first", "data.bin") == firsts["b"]
        assert sorted(c.notebooks()) == ["eval.ipynb", "train.ipynb"]
