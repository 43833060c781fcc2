"""The server keeps answering while a snapshot of a 1 GB file runs: the work happens in
a worker thread, and its progress can be read meanwhile."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import numpy as np
import pytest

from .api import NOTEBOOK, call, ok

GB = 1024**3


@pytest.fixture
def big_file(jp_root_dir: Path, two_versions):
    """1 GiB of incompressible bytes beside the notebook; removed with the store after."""
    path = jp_root_dir / "experiments" / "big.bin"
    rng = np.random.default_rng(6)
    with open(path, "wb") as out:
        for _ in range(16):
            out.write(rng.bytes(GB // 16))
    yield path
    path.unlink(missing_ok=True)
    shutil.rmtree(jp_root_dir / ".jupyter_mv", ignore_errors=True)


async def test_another_request_is_answered_before_the_snapshot_of_1_gb(jp_fetch, big_file):
    body = {"path": NOTEBOOK, "files": ["experiments/big.bin"], "message": "1 GB", "wait": True}
    snapshot = asyncio.ensure_future(call(jp_fetch, "POST", "snapshot", body=body, request_timeout=600))
    await asyncio.sleep(0.5)  # the snapshot is reading the file by now

    status, listing = await call(jp_fetch, "GET", "versions", params={"path": NOTEBOOK})

    assert status == 200 and listing["total"] == 2
    assert not snapshot.done(), "the listing waited for the snapshot"
    status, result = await snapshot
    assert status == 201, result
    held = {f["path"]: f["size"] for f in result["version"]["files"]}
    assert held["experiments/big.bin"] == GB

    # Without waiting: the task reports how far it got while it runs.
    with open(big_file, "ab") as out:
        out.write(b"one more byte")
    answer = await ok(jp_fetch, "POST", "snapshot", body={**body, "wait": False}, expect=202)
    task_id = answer["task"]["id"]
    seen = []
    while True:
        task = await ok(jp_fetch, "GET", "tasks", task_id)
        if task["state"] != "running":
            break
        seen.append(task["progress"])
        await asyncio.sleep(0.02)
    assert task["state"] == "done", task
    reading = [p for p in seen if p["step"] == "snapshot" and p["total"]]
    assert reading, f"no progress was reported while the file was read: {seen[:5]}"
    assert any(0 < p["done"] < p["total"] for p in reading)
    assert reading[-1]["total"] >= GB
