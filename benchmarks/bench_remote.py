"""Remote benchmark: what a push sends after a small edit, and how fast a push runs.

Workload: a notebook and a 1 GB file of random bytes (``--quick``: 100 MB). For each
back end (a folder, and the S3 protocol served by a local S3-compatible server on
loopback), measured in one run:

* bytes a push sends after a small edit of the file (4 KiB overwritten in the middle,
  4 KiB appended), following a first push, as a ratio of the file's size (target < 1%);
* push throughput (the first push: its bytes over its time) as a ratio of copying the
  same file to the same back end with the back end's own copy: ``cp`` for a folder,
  fsspec's ``put`` for S3. Both read from the page cache.

Run: ``python benchmarks/bench_remote.py [--quick] [--json FILE]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

MB = 1024 * 1024
EDIT = 4096


def make_project(work: Path, size: int) -> Path:
    from tests.helpers import write_notebook

    work.mkdir(parents=True, exist_ok=True)
    write_notebook(work / "train.ipynb", ["import numpy as np", "model = fit(np.load('data.bin'))"])
    data = work / "data.bin"
    with open(data, "wb") as f:
        left = size
        while left:
            block = os.urandom(min(16 * MB, left))
            f.write(block)
            left -= len(block)
    return data


def small_edit(data: Path) -> None:
    size = data.stat().st_size
    with open(data, "r+b") as f:
        f.seek(size // 2)
        f.write(os.urandom(EDIT))
        f.seek(0, os.SEEK_END)
        f.write(os.urandom(EDIT))


def baseline_copy(kind: str, url: str, data: Path) -> float:
    """Seconds for the back end's own copy of ``data`` to the remote's place."""
    if kind == "folder":
        target = Path(url) / "baseline"
        target.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        subprocess.run(["cp", str(data), str(target / data.name)], check=True)
        subprocess.run(["sync", str(target / data.name)], check=False)
        elapsed = time.perf_counter() - t
        shutil.rmtree(target)
        return elapsed
    import fsspec

    # A long read timeout: the local server takes a while to join a large upload's parts,
    # and a retry after a timeout fails (the upload is complete by then).
    fs, root = fsspec.core.url_to_fs(
        url, endpoint_url=os.environ["AWS_ENDPOINT_URL"], skip_instance_cache=True, config_kwargs={"read_timeout": 900}
    )
    fs.pipe_file(f"{root}/baseline/warm-up", b"x")  # connect first, as the push below has to as well
    t = time.perf_counter()
    fs.put_file(str(data), f"{root}/baseline/{data.name}")
    elapsed = time.perf_counter() - t
    fs.rm(f"{root}/baseline", recursive=True)
    return elapsed


def run_backend(kind: str, url: str, base: Path, size: int) -> dict:
    from jupyter_mv.remote import add_remote, push
    from jupyter_mv.store import Store

    work = base / f"project-{kind}"
    data = make_project(work, size)
    store = Store.init(work)
    store.snapshot(work / "train.ipynb", [data], environment=None)
    add_remote(store, "bench", url)
    copy_s = baseline_copy(kind, url, data)
    t = time.perf_counter()
    first = push(store)
    push_s = time.perf_counter() - t
    small_edit(data)
    store.snapshot(work / "train.ipynb", [data], environment=None)
    t = time.perf_counter()
    second = push(store)
    second_s = time.perf_counter() - t
    file_size = data.stat().st_size
    store.close()
    shutil.rmtree(work)
    push_rate = first["bytes"] / push_s
    copy_rate = file_size / copy_s
    return {
        "backend": kind,
        "file_bytes": file_size,
        "first_push": {"bytes": first["bytes"], "seconds": push_s, "MB_per_s": push_rate / MB},
        "baseline_copy": {"bytes": file_size, "seconds": copy_s, "MB_per_s": copy_rate / MB},
        "push_vs_copy": push_rate / copy_rate,
        "edit_push": {
            "bytes": second["bytes"],
            "seconds": second_s,
            "versions": second["versions"],
            "packs": second["packs"],
        },
        "edit_ratio": second["bytes"] / file_size,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 100 MB file instead of 1 GB")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("--dir", help="work folder (default: a temporary one)")
    args = parser.parse_args()
    size = 100 * MB if args.quick else 1024 * MB
    base = Path(args.dir or tempfile.mkdtemp(prefix="mv-bench-remote-"))
    base.mkdir(parents=True, exist_ok=True)
    from tests.remote.servers import start_s3

    server = start_s3(base / "s3.log")
    os.environ.update(server.env)
    results = []
    try:
        results.append(run_backend("folder", str(base / "remote-folder"), base, size))
        bucket = f"bench-{uuid.uuid4().hex[:8]}"
        server.make_bucket(bucket)
        results.append(run_backend("s3", f"s3://{bucket}/mv", base, size))
    finally:
        server.stop()
        if not args.dir:
            shutil.rmtree(base, ignore_errors=True)
    print(f"file: {size / MB:.0f} MB of random bytes; small edit: {EDIT} B overwritten + {EDIT} B appended")
    print(
        "| back end | first push | back end's own copy | push / copy | sent after the small edit | "
        "of the file (target < 1%) |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for r in results:
        print(
            f"| {r['backend']} | {r['first_push']['MB_per_s']:.0f} MB/s | {r['baseline_copy']['MB_per_s']:.0f} MB/s "
            f"| {r['push_vs_copy']:.2f} | {r['edit_push']['bytes'] / 1024:.0f} KiB | {r['edit_ratio']:.3%} |"
        )
    if args.json:
        Path(args.json).write_text(json.dumps({"file_bytes": size, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
