"""One of the processes test_concurrency runs at once against one store.

``python -m tests.reliability.writer_child ROOT WRITER NOTEBOOK COUNT`` opens the store
the way a kernel does (``Store.open(..., create=True)``, so the first writers may race
to create it) and takes COUNT snapshots of NOTEBOOK, each with this writer's own data
file (:func:`data`, which the test calls too). After each it prints
``committed <id> <writer> <j>``; every 5th it tags the version, every 7th it moves the
shared alias ``shared``. Any error goes to stderr with its traceback and exit status 1.
"""

from __future__ import annotations

import sys
import traceback


def data(writer: int, j: int) -> bytes:
    return "".join(f"{writer},{j},{k},{(writer * 31 + j * 17 + k) % 101}\n" for k in range(2000)).encode()


def main(argv: list[str]) -> int:
    from jupyter_mv.store import Store

    root, writer, notebook, count = argv[0], int(argv[1]), argv[2], int(argv[3])
    try:
        store = Store.open(root, create=True)
        mine = f"{root}/data_{writer}.csv"
        for j in range(count):
            with open(mine, "wb") as f:
                f.write(data(writer, j))
            version = store.snapshot(
                f"{root}/{notebook}",
                [mine],
                message=f"writer {writer} snapshot {j}",
                environment="auto" if writer == 0 else None,
                metrics={"j": j},
            )
            print(f"committed {version.id} {writer} {j}", flush=True)
            if j % 5 == 4:
                store.tag(version, f"w{writer}-{j}")
            if j % 7 == 6:
                store.alias("shared", version)
                print(f"aliased {version.id}", flush=True)
        store.close()
    except BaseException:
        traceback.print_exc()
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
