"""A version is named by the shortest unambiguous prefix of its id, down to four hex
digits, as `log` shows them."""

from __future__ import annotations

from pathlib import Path

import pytest

from jupyter_mv.errors import NotFound
from jupyter_mv.store import Store
from tests.helpers import write_notebook


def test_an_id_prefix_of_four_hex_digits_resolves(store: Store, project: Path) -> None:
    notebook = write_notebook(project / "train.ipynb", ["x = 1"])
    version = store.snapshot(notebook)
    for length in (4, 5, 12, 64):
        assert store.resolve(version.id[:length]).id == version.id
        assert store.resolve(version.id[:length].upper()).id == version.id
    with pytest.raises(NotFound):
        store.resolve(version.id[:3])
