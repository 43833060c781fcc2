"""A kernel whose environment lacks jupyter-mv (a second venv with ipykernel and pandas,
made by the test and kept per machine), started by a real Jupyter server with jupyter-mv:
the server injects the kernel agent, which captures what the cells read and wrote and
relays ``%mv`` to the server."""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from traitlets.config import Config

from jupyter_mv.server.agent import AGENT_MODULES, agent_sources, injection_code
from jupyter_mv.store import Store

from ..helpers import write_notebook
from ..server.api import snapshot
from ..venvs import cached_venv, clean_env, installed, kernelspec
from .conftest import venv_kernel

NOTEBOOK = "work/train.ipynb"
CELLS = [
    "import pandas as pd\ndf = pd.read_csv('data.csv')",
    "import pickle\nwith open('model.pkl', 'wb') as f:\n    pickle.dump({'rows': len(df)}, f)",
]


@pytest.fixture(scope="module")
def env_python() -> Path:
    python = cached_venv("agent-kernel", ["ipykernel", "pandas"])
    assert "jupyter-mv" not in installed(python)
    return python


@pytest.fixture
def jp_server_config() -> Config:
    return Config({"ServerApp": {"jpserver_extensions": {"jupyter_mv": True}, "allow_unauthenticated_access": True}})


@pytest.fixture
def project(jp_root_dir: Path, jp_data_dir: Path, env_python: Path) -> Path:
    """The server root with ``work/train.ipynb`` and ``work/data.csv``, and a kernelspec
    ``project-env`` that starts the second venv's kernel (without this tree on its path)."""
    kernelspec(jp_data_dir, "project-env", env_python)
    spec = jp_data_dir / "kernels" / "project-env" / "kernel.json"
    spec.write_text(json.dumps({**json.loads(spec.read_text()), "env": {"PYTHONPATH": ""}}))
    work = jp_root_dir / "work"
    write_notebook(work / "train.ipynb", CELLS)
    (work / "data.csv").write_text("a,b\n1,2\n3,4\n")
    return jp_root_dir


async def open_session(jp_fetch: Any, jp_serverapp: Any) -> str:
    body = {"path": NOTEBOOK, "name": "train.ipynb", "type": "notebook", "kernel": {"name": "project-env"}}
    response = await jp_fetch("api", "sessions", method="POST", body=json.dumps(body))
    kernel_id = json.loads(response.body)["kernel"]["id"]
    agents = jp_serverapp.web_app.settings["jupyter_mv_agents"]
    for _ in range(600):  # the injection runs as the kernel starts
        if kernel_id in agents.status or not agents.enabled:
            break
        await asyncio.sleep(0.1)
    return kernel_id


async def run(jp_serverapp: Any, kernel_id: str, code: str, *, fails: bool = False) -> dict[str, str]:
    """Run ``code`` as a cell; its stdout and stderr. The cell must succeed, or with
    ``fails``, fail (as a failing ``%mv`` fails its cell)."""
    out = {"stdout": "", "stderr": ""}

    def hook(msg: dict[str, Any]) -> None:
        if msg["msg_type"] == "stream":
            out[msg["content"]["name"]] += msg["content"]["text"]
        elif msg["msg_type"] == "error":
            out["stderr"] += f"{msg['content']['ename']}: {msg['content']['evalue']}"

    client = jp_serverapp.kernel_manager.get_kernel(kernel_id).client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=120)
        reply = await client.execute_interactive(code, timeout=300, output_hook=hook)
        assert reply["content"]["status"] == ("error" if fails else "ok"), out
    finally:
        client.stop_channels()
    return out


def test_the_agent_is_made_of_the_packages_own_modules() -> None:
    sources = agent_sources()
    assert list(sources) == list(AGENT_MODULES)
    session = (Path(__file__).parents[2] / "jupyter_mv" / "kernel" / "session.py").read_text()
    assert sources["kernel.session"] == session  # the installed capture's code, not a copy
    code, expression = injection_code({"root": "/r"})
    assert expression == "__jupyter_mv_agent__()" and "jupyter_mv.kernel.agent" not in code


async def test_a_sidebar_snapshot_holds_what_the_cells_read_and_wrote(jp_fetch, jp_serverapp, project, env_python):
    kernel_id = await open_session(jp_fetch, jp_serverapp)
    agents = jp_serverapp.web_app.settings["jupyter_mv_agents"]
    assert agents.status[kernel_id]["agent"] and agents.status[kernel_id]["python"] == str(env_python)
    for cell in CELLS:
        await run(jp_serverapp, kernel_id, cell)

    result = await snapshot(jp_fetch, NOTEBOOK, message="from the sidebar")

    version = result["version"]
    roles = {(f["path"], f["role"]) for f in version["files"]}
    assert {("work/data.csv", "input"), ("work/model.pkl", "output")} <= roles
    assert version["extra"]["capture"] == "kernel"
    kernel = version["extra"]["kernel"]
    assert kernel["python"] == str(env_python)
    assert kernel["imports"]["pandas"]["distribution"] == "pandas"
    assert kernel["files"]["work/data.csv"]["read"] and kernel["files"]["work/model.pkl"]["written"]
    assert kernel["execution"]["runs_total"] == 2
    with Store.open(project) as store:
        env = store.environment(version["environment"])
    assert env["python"]["executable"] == str(env_python)
    assert result["warnings"] == []


async def test_the_ignore_file_holds_in_a_kernel_without_pathspec(jp_fetch, jp_serverapp, project, env_python):
    """The agent's kernel has no pathspec to read ``.mvignore``: it reports what the cells
    used, and the server leaves out what the rules ignore."""
    lacks = subprocess.run([str(env_python), "-c", "import pathspec"], env=clean_env(), capture_output=True)
    assert lacks.returncode != 0, "the kernel's environment must lack pathspec"
    (project / ".mvignore").write_text("scratch/\n*.tmp\n")
    (project / "work" / "scratch").mkdir()
    (project / "work" / "scratch" / "cache.csv").write_text("x\n1\n")
    (project / "work" / "notes.tmp").write_text("draft")
    kernel_id = await open_session(jp_fetch, jp_serverapp)
    for cell in [*CELLS, "open('scratch/cache.csv').read(); open('notes.tmp').read()"]:
        await run(jp_serverapp, kernel_id, cell)

    result = await snapshot(jp_fetch, NOTEBOOK, message="ignored files")

    paths = {f["path"] for f in result["version"]["files"]}
    assert {"work/data.csv", "work/model.pkl"} <= paths
    assert not paths & {"work/scratch/cache.csv", "work/notes.tmp"}, paths
    assert result["warnings"] == []


async def test_mv_relays_the_verbs_that_read_the_history(jp_fetch, jp_serverapp, project, tmp_path):
    kernel_id = await open_session(jp_fetch, jp_serverapp)
    for cell in CELLS:
        await run(jp_serverapp, kernel_id, cell)
    await run(jp_serverapp, kernel_id, "%mv metric rows=len(df)\n%mv snapshot -m first")
    await run(jp_serverapp, kernel_id, "%mv snapshot -m second")

    log = await run(jp_serverapp, kernel_id, "%mv log")
    tagged = await run(jp_serverapp, kernel_id, "%mv tag v1 baseline")
    show = await run(jp_serverapp, kernel_id, "%mv show baseline")
    unknown = await run(jp_serverapp, kernel_id, "%mv diff v1 v9\nprint('went on')", fails=True)
    outside = await run(jp_serverapp, kernel_id, f"%mv report v1 --format md -o {tmp_path / 'r.md'}", fails=True)
    attached = await run(jp_serverapp, kernel_id, f"%mv report v1 --format md -o{tmp_path / 'r.md'}", fails=True)
    joined = await run(jp_serverapp, kernel_id, f"%mv report v1 --format md --output={tmp_path / 'r.md'}", fails=True)

    lines = [line.strip() for line in log["stdout"].splitlines()]
    assert lines[0].startswith("v2 ") and "second" in lines[0] and any(line.startswith("v1 ") for line in lines), log
    assert "first" in show["stdout"] and "rows" in show["stdout"] and "data.csv" in show["stdout"], show
    with Store.open(project) as store:
        assert store.resolve("baseline").name == "v1", tagged
    assert unknown["stdout"] == "" and unknown["stderr"].startswith("%mv diff: error: "), unknown
    assert unknown["stderr"].count("\n") == 1 and "v9" in unknown["stderr"], unknown
    assert outside["stderr"].startswith("%mv report: error: ") and outside["stderr"].count("\n") == 1, outside
    assert outside["stderr"].rstrip().endswith("lies outside the server root"), outside
    for refused in (attached, joined):
        assert refused["stderr"].rstrip().endswith("lies outside the server root"), refused
    assert not (tmp_path / "r.md").exists()


async def test_mv_relays_metric_snapshot_save_and_load(jp_fetch, jp_serverapp, project):
    kernel_id = await open_session(jp_fetch, jp_serverapp)
    await run(jp_serverapp, kernel_id, CELLS[0])
    shown = await run(jp_serverapp, kernel_id, "%mv metric rows=len(df)\n%mv param engine='c'")
    assert shown["stdout"] == "metrics for the next version: rows=2\nparams for the next version: engine=c\n"

    big = await run(
        jp_serverapp, kernel_id, "weights = list(range(400_000))\n%mv save weights --name churn --alias production"
    )
    assert big["stdout"].startswith("saved churn:1 (pickle, ") and "@production" in big["stdout"], big
    assert "sending churn: 100%" in big["stderr"], "a payload over a chunk shows its progress"
    took = await run(jp_serverapp, kernel_id, "%mv snapshot -m trained")
    assert (
        took["stdout"].startswith("v1 ") and "1 input" in took["stdout"] and took["stdout"].rstrip().endswith("trained")
    ), took
    back = await run(jp_serverapp, kernel_id, "again = %mv load churn@production\nprint(again == weights)")
    assert back["stdout"] == "True\n" and "loaded churn:1 (pickle)" in back["stderr"]

    with Store.open(project) as store:
        (version,) = store.log()
        assert version.metrics == {"rows": 2} and version.params == {"engine": "c"}
        assert version.file("work/data.csv").role == "input"
        from jupyter_mv.store import registry

        model = registry.get_model(store, "churn:1")
        assert model.version == version.id, "the model is linked to the snapshot that followed it"
        assert model.metrics == {"rows": 2}


async def test_a_bad_line_fails_its_cell_in_one_line_and_moves_no_file(jp_fetch, jp_serverapp, project):
    kernel_id = await open_session(jp_fetch, jp_serverapp)
    (project / "work" / "restore").write_text("kept")
    lines = []
    for line in ("%mv restore v1", "%mv metric acc=undefined_name", "%mv save nothing --name m"):
        out = await run(jp_serverapp, kernel_id, f"{line}\nprint('went on')", fails=True)
        assert out["stdout"] == "", "the cell stops at the failing line"
        lines += out["stderr"].strip().splitlines()
    assert len(lines) == 3 and all(line.startswith("%mv ") and ": error: " in line for line in lines), lines
    assert "pip install jupyter-mv" in lines[0]
    assert (project / "work" / "restore").read_text() == "kept"


async def test_a_verb_that_reads_the_history_before_any_snapshot_says_how_to_make_one(jp_fetch, jp_serverapp, project):
    kernel_id = await open_session(jp_fetch, jp_serverapp)
    out = await run(jp_serverapp, kernel_id, "%mv log\nprint('went on')", fails=True)
    assert out["stdout"] == ""
    assert out["stderr"] == (
        "%mv log: error: no jupyter-mv store at or above work; `%mv snapshot` creates one (`%mv init DIR` elsewhere)\n"
    )
    assert not (project / ".jupyter_mv").exists()


class TestInjectionOff:
    @pytest.fixture
    def jp_server_config(self) -> Config:
        return Config(
            {
                "ServerApp": {"jpserver_extensions": {"jupyter_mv": True}, "allow_unauthenticated_access": True},
                "JupyterMV": {"inject_agent": False},
            }
        )

    async def test_the_snapshot_names_the_kernels_interpreter(self, jp_fetch, jp_serverapp, project, env_python):
        kernel_id = await open_session(jp_fetch, jp_serverapp)
        await run(jp_serverapp, kernel_id, CELLS[0])

        result = await snapshot(jp_fetch, NOTEBOOK)

        assert result["version"]["extra"]["capture"] == "not_loaded"
        assert [f["path"] for f in result["version"]["files"]] == [NOTEBOOK]
        shown = "/".join(env_python.parts[-3:])
        (warning,) = result["warnings"]
        assert warning.startswith(f"this notebook's kernel ({shown}) lacks jupyter-mv")
        assert f"{shown} -m pip install jupyter-mv" in warning


def test_without_a_server_mv_says_how_to_install_and_never_runs_the_shells_mv(env_python, tmp_path):
    """The agent of a kernel whose server went away: one line, and no file moved."""
    (tmp_path / "snapshot").write_text("kept")
    nb = write_notebook(tmp_path / "train.ipynb", ["x = 1"])
    env = clean_env(IPYTHONDIR=str(tmp_path / "ipy"), JPY_SESSION_NAME=str(nb))
    with venv_kernel(env_python, tmp_path, env, tmp_path / "specs") as k:
        code, expression = injection_code({"root": str(tmp_path), "ack_timeout": 1})
        reply = k.kc.execute_interactive(code, silent=True, user_expressions={"mv": expression}, timeout=120)
        assert '"agent"' in reply["content"]["user_expressions"]["mv"]["data"]["text/plain"]
        ran = k.run("%mv snapshot -m x")
    assert ran.stdout == ""
    assert ran.stderr.strip().splitlines() == [
        "%mv snapshot: error: no Jupyter server with jupyter-mv answers this kernel: install jupyter-mv in its "
        f"environment (`{env_python} -m pip install jupyter-mv`) to use %mv snapshot here"
    ]
    assert (tmp_path / "snapshot").read_text() == "kept"


class TestASizeLimit:
    @pytest.fixture
    def jp_server_config(self) -> Config:
        return Config(
            {
                "ServerApp": {"jpserver_extensions": {"jupyter_mv": True}, "allow_unauthenticated_access": True},
                "JupyterMV": {"agent_max_object_size": 1000},
            }
        )

    async def test_a_model_over_the_limit_is_refused_in_one_line(self, jp_fetch, jp_serverapp, project):
        kernel_id = await open_session(jp_fetch, jp_serverapp)
        out = await run(jp_serverapp, kernel_id, "big = list(range(10_000))\n%mv save big --name churn", fails=True)
        assert out["stdout"] == ""
        assert out["stderr"].strip().splitlines() == [
            "%mv save: error: churn pickles to 29.1 KB, over the 1000 B a kernel without jupyter-mv may send "
            "(c.JupyterMV.agent_max_object_size)"
        ]
        assert not (project / ".jupyter_mv").exists() or not list((project / ".jupyter_mv").rglob("model*"))


class TestAConfiguredStore:
    """``c.JupyterMV.store_dir``: the server keeps every notebook's versions there."""

    @pytest.fixture
    def jp_server_config(self, jp_root_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Config:
        self.store_dir = jp_root_dir / "team-store"
        monkeypatch.setenv("JUPYTER_MV_STORE", str(self.store_dir))
        Store.init(jp_root_dir).close()
        monkeypatch.delenv("JUPYTER_MV_STORE")
        return Config(
            {
                "ServerApp": {"jpserver_extensions": {"jupyter_mv": True}, "allow_unauthenticated_access": True},
                "JupyterMV": {"store_dir": str(self.store_dir)},
            }
        )

    async def test_the_relayed_verbs_read_the_servers_store(self, jp_fetch, jp_serverapp, project):
        kernel_id = await open_session(jp_fetch, jp_serverapp)
        await run(jp_serverapp, kernel_id, CELLS[0])
        await run(jp_serverapp, kernel_id, "%mv snapshot -m kept-elsewhere")
        log = await run(jp_serverapp, kernel_id, "%mv log")
        assert log["stdout"].strip().startswith("v1 ") and "kept-elsewhere" in log["stdout"], log
        with Store(self.store_dir) as store:
            assert [v.message for v in store.log()] == ["kept-elsewhere"]
        assert not (project / ".jupyter_mv").exists(), "no store was made where a walk up would look"
