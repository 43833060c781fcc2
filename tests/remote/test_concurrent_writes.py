"""Writers racing on one remote: folders that another writer makes at the same moment, and
files another writer has just put in place, are no error (every file a push writes is
immutable and named by its content, or uniquely)."""

from __future__ import annotations

import threading

import pytest

from jupyter_mv.remote.backend import open_backend

from .conftest import Remote


@pytest.mark.parametrize("round_", range(3))
def test_many_writers_making_the_same_folders_at_once(shared_remote: Remote, round_: int) -> None:
    writers, folders = 8, 6
    start = threading.Barrier(writers)
    errors: list[BaseException] = []

    def write(n: int) -> None:
        backend = open_backend(shared_remote.url)
        start.wait()
        for f in range(folders):
            try:
                # the same deep, new folders for every writer; a file of its own in each, and a shared one
                backend.put_bytes(f"writer {n}".encode(), f"objects/r{round_}/{f:02x}/deep/own-{n}")
                backend.put_bytes(b"same content", f"objects/r{round_}/{f:02x}/deep/shared")
            except BaseException as exc:  # noqa: BLE001 - reported below, with the writer
                errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    backend = open_backend(shared_remote.url)
    backend.invalidate()
    listed = backend.list(f"objects/r{round_}")
    assert len(listed) == folders * (writers + 1)
    for f in range(folders):
        assert backend.get_bytes(f"objects/r{round_}/{f:02x}/deep/shared") == b"same content"
        for n in range(writers):
            assert backend.get_bytes(f"objects/r{round_}/{f:02x}/deep/own-{n}") == f"writer {n}".encode()
