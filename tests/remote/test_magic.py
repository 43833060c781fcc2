"""`%mv remote`, `%mv push` and `%mv pull` in a real kernel: the CLI's verbs, one core."""

from __future__ import annotations

from pathlib import Path

from jupyter_mv.remote import add_remote, pull, push
from jupyter_mv.store import Store
from tests.kernel.conftest import Kernel, kernel, mv_project, save_notebook  # noqa: F401  (fixtures)


def test_remote_push_and_pull_from_the_notebook(kernel: Kernel, mv_project: Path, tmp_path: Path) -> None:  # noqa: F811
    save_notebook(mv_project / "train.ipynb", ["x = 1"])
    kernel.run("%mv snapshot -m one")
    added = kernel.run(f"%mv remote add team {tmp_path / 'shared'}")
    assert added.stdout == f"added remote team file://{tmp_path / 'shared'}\n"
    assert kernel.run("%mv remote list").stdout == f"team  file://{tmp_path / 'shared'}  (default)\n"
    pushed = kernel.run("%mv push")
    assert pushed.stdout.startswith("pushed 1 version and 1 pack") and pushed.error is None
    bad = kernel.run("%mv push nosuch")
    assert bad.stderr == "%mv push: error: no remote nosuch; `jupyter mv remote list` shows them\n"

    other = tmp_path / "other"
    other.mkdir()
    with Store.init(other) as store:
        add_remote(store, "team", str(tmp_path / "shared"))
        assert pull(store)["versions"] == 1
        store.tag(store.log()[0], "from-other")
        push(store)
    pulled = kernel.run("%mv pull team")
    assert pulled.stdout.startswith("pulled 0 versions from team")
    assert "(from-other)" in kernel.run("%mv log").stdout
