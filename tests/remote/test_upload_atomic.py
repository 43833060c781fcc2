"""On a back end that can rename (a folder, file://, SFTP), every file a push writes is
uploaded under a temporary name and renamed into place, so an interrupted push never
leaves a partial file under a final name. Observed at the OS's door: the renames of this
process, with the real push to a real folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from jupyter_mv import remote as mv_remote
from jupyter_mv.store import Store
from tests.helpers import write_notebook


@pytest.mark.parametrize("url_of", [str, lambda p: f"file://{p}"], ids=["folder", "file-url"])
def test_every_file_of_a_push_is_renamed_into_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url_of) -> None:
    write_notebook(tmp_path / "a" / "train.ipynb", ["x = 1"])
    (tmp_path / "a" / "data.bin").write_bytes(os.urandom(100_000))
    remote = tmp_path / "remote"
    with Store.init(tmp_path / "a") as store:
        vid = store.snapshot(store.root / "train.ipynb", [store.root / "data.bin"]).id
        store.tag(vid, "baseline")
        mv_remote.add_remote(store, "team", url_of(remote))
        moved: list[Path] = []
        for name in ("rename", "replace"):
            real = getattr(os, name)

            def move(src, dst, *args, _real=real, **kwargs):
                _real(src, dst, *args, **kwargs)
                moved.append(Path(os.fspath(dst)).resolve())

            monkeypatch.setattr(os, name, move)
        mv_remote.push(store)
        monkeypatch.undo()

    written = {p.resolve() for p in remote.rglob("*") if p.is_file()}
    final = {p for p in written if p.parent.name != "tmp" and not p.name.startswith(".")}
    assert any(p.suffix == ".pack" for p in final) and (remote / "versions" / f"{vid}.json").resolve() in final
    in_place = sorted(map(str, final - set(moved)))
    assert not in_place, f"written in place, not renamed: {in_place}"
