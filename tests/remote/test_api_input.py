"""push and pull called from Python with arguments of the wrong shape: refused with a
message that says what was expected, before anything is sent or received."""

from __future__ import annotations

from pathlib import Path

import pytest

from jupyter_mv import remote as mv_remote
from jupyter_mv.errors import InvalidInput
from jupyter_mv.store import Store
from tests.helpers import write_notebook


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: mv_remote.pull(s, notebooks="train.ipynb"), "notebooks must be a list of notebook paths"),
        (lambda s: mv_remote.pull(s, notebooks=["train.ipynb", 3]), "notebooks must be a list of notebook paths"),
        (lambda s: mv_remote.push(s, refs="v1"), "refs must be a list of version refs, tags or aliases"),
        (lambda s: mv_remote.push(s, refs=["v1", None]), "refs must be a list of version refs, tags or aliases"),
    ],
)
def test_arguments_of_the_wrong_shape_are_refused_before_any_transfer(tmp_path: Path, call, message: str) -> None:
    write_notebook(tmp_path / "a" / "train.ipynb", ["x = 1"])
    with Store.init(tmp_path / "a") as store:
        store.snapshot(store.root / "train.ipynb")
        mv_remote.add_remote(store, "team", f"file://{tmp_path / 'remote'}")
        with pytest.raises(InvalidInput) as raised:
            call(store)
    assert raised.value.message == message
    assert not (tmp_path / "remote").exists()
