"""No init step: the first snapshot from the command line or ``%mv`` creates the store at
the git work tree's root, else in the notebook's folder, and says where, once."""

from __future__ import annotations

import subprocess
from pathlib import Path

from jupyter_mv.store import Store
from jupyter_mv.verbs.versions import NO_KERNEL_NOTE

from ..helpers import run_cli, write_notebook
from .conftest import kernel_env, save_notebook, started_kernel


def test_the_first_cli_snapshot_in_a_git_repository_creates_the_store_at_its_root(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    write_notebook(repo / "work" / "train.ipynb", ["x = 1"])
    first = run_cli("snapshot", "train.ipynb", cwd=repo / "work")
    assert first.returncode == 0, first.stderr
    assert first.stderr == (
        f"created the version store {repo / '.jupyter_mv'} (`init DIR` chooses another place)\n{NO_KERNEL_NOTE}\n"
    )
    assert first.stdout.startswith("v1 ")
    assert not (repo / "work" / ".jupyter_mv").exists()
    second = run_cli("snapshot", "work/train.ipynb", "-m", "again", cwd=repo)
    assert second.returncode == 0 and second.stderr == f"{NO_KERNEL_NOTE}\n"  # the store's line said once
    with Store.open(repo) as store:
        assert [v.notebook for v in store.log()] == ["work/train.ipynb", "work/train.ipynb"]


def test_outside_git_the_store_goes_beside_the_notebook(tmp_path: Path) -> None:
    write_notebook(tmp_path / "nb" / "train.ipynb", ["x = 1"])
    done = run_cli("snapshot", "nb/train.ipynb", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "nb" / ".jupyter_mv" / "mv.db").is_file()
    assert "created the version store" in done.stderr


def test_other_verbs_do_not_create_a_store(tmp_path: Path) -> None:
    done = run_cli("log", cwd=tmp_path)
    assert done.returncode != 0 and not (tmp_path / ".jupyter_mv").exists()


def test_the_first_mv_snapshot_in_a_fresh_folder_creates_the_store(tmp_path: Path) -> None:
    project = tmp_path / "fresh"
    project.mkdir()
    (project / "data.csv").write_text("a\n1\n")
    env = kernel_env({"JPY_SESSION_NAME": str(project / "train.ipynb")}, ipython_dir=tmp_path / "ipython")
    with started_kernel(project, env) as k:
        k.run("%load_ext jupyter_mv")
        before = k.run("%mv log")
        assert "`%mv snapshot` creates one" in before.stderr and not (project / ".jupyter_mv").exists()
        k.run("data = open('data.csv').read()")  # read before there was a store
        save_notebook(project / "train.ipynb", ["x = 1"])
        first = k.run("%mv snapshot -m first")
        assert first.stdout.startswith("v1 ")
        assert (
            first.stderr == f"created the version store {project / '.jupyter_mv'} (`init DIR` chooses another place)\n"
        )
        second = k.run("%mv snapshot -m second")
        assert second.stdout.startswith("v2 ") and second.stderr == ""
    with Store.open(project) as store:
        assert store.log()[-1].file("data.csv").role == "input"


def test_the_first_mv_save_in_a_fresh_folder_creates_the_store_and_the_next_snapshot_takes_the_model(
    tmp_path: Path,
) -> None:
    project = tmp_path / "fresh"
    project.mkdir()
    env = kernel_env({"JPY_SESSION_NAME": str(project / "train.ipynb")}, ipython_dir=tmp_path / "ipython")
    with started_kernel(project, env) as k:
        k.run("%load_ext jupyter_mv")
        save_notebook(project / "train.ipynb", ["clf = {'C': 0.5}"])
        k.run("clf = {'C': 0.5}")
        saved = k.run("%mv save clf --name churn")
        assert "error" not in saved.stdout + saved.stderr, saved
        assert (
            saved.stderr == f"created the version store {project / '.jupyter_mv'} (`init DIR` chooses another place)\n"
        )
        first = k.run("%mv snapshot -m first")
        assert first.stdout.startswith("v1 ") and first.stderr == ""
    with Store.open(project) as store:
        (model,) = store.models.list()
        assert model.name == "churn"
        assert model.version is not None and store.resolve("churn:1").id == store.log()[0].id
