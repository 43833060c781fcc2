"""A snapshot from the server asks the notebook's running kernel (a real IPython kernel
that the server started for a session) what its cells read, and its environment."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from traitlets.config import Config

from jupyter_mv.store import Store

from .api import NOTEBOOK, snapshot


async def start_session(jp_fetch: Any, path: str) -> str:
    """Open ``path`` as JupyterLab does (a session with a python3 kernel); the kernel id."""
    body = {"path": path, "name": Path(path).name, "type": "notebook", "kernel": {"name": "python3"}}
    response = await jp_fetch("api", "sessions", method="POST", body=json.dumps(body))
    return json.loads(response.body)["kernel"]["id"]


async def run_cell(jp_serverapp: Any, kernel_id: str, code: str, *, wait: bool = True) -> None:
    """Run ``code`` in the kernel as a cell would run (with history, not silent)."""
    client = jp_serverapp.kernel_manager.get_kernel(kernel_id).client()
    client.start_channels()
    try:
        await client.wait_for_ready(timeout=60)
        if not wait:
            client.execute(code)
            return
        reply = await client.execute_interactive(code, timeout=60)
        assert reply["content"]["status"] == "ok", reply["content"]
    finally:
        client.stop_channels()


@pytest.fixture
def data_file(jp_root_dir: Path, two_versions) -> Path:
    data = jp_root_dir / "experiments" / "data.csv"
    data.write_text("a,b\n1,2\n")
    return data


async def test_the_kernel_tells_what_its_cells_read_and_its_metrics(jp_fetch, jp_serverapp, jp_root_dir, data_file):
    kernel_id = await start_session(jp_fetch, NOTEBOOK)
    await run_cell(
        jp_serverapp,
        kernel_id,
        "import jupyter_mv as mv\nrows = open('data.csv').read().splitlines()\nmv.log_metric('auc', 0.91)",
    )

    result = await snapshot(jp_fetch, message="from the sidebar")

    version = result["version"]
    assert version["extra"]["capture"] == "kernel"
    assert ("experiments/data.csv", "input") in {(f["path"], f["role"]) for f in version["files"]}
    assert version["metrics"] == {"auc": 0.91}
    kernel = version["extra"]["kernel"]
    assert kernel["python"] == sys.executable
    assert kernel["files"]["experiments/data.csv"]["read"]
    assert kernel["execution"]["runs_total"] >= 1, "the kernel's record of the cells it ran"
    with Store.open(jp_root_dir) as store:
        env = store.environment(version["environment"])
    assert env["python"]["executable"] == sys.executable
    assert result["warnings"] == []


class TestABusyKernel:
    @pytest.fixture
    def jp_server_config(self) -> Config:
        return Config(
            {"ServerApp": {"jpserver_extensions": {"jupyter_mv": True}}, "JupyterMV": {"kernel_timeout": 1.0}}
        )

    async def test_a_kernel_busy_running_a_cell_is_not_waited_for(self, jp_fetch, jp_serverapp, data_file):
        kernel_id = await start_session(jp_fetch, NOTEBOOK)
        await run_cell(jp_serverapp, kernel_id, "open('data.csv').read()")
        await run_cell(jp_serverapp, kernel_id, "import time; time.sleep(8)", wait=False)

        result = await snapshot(jp_fetch, message="while training")

        version = result["version"]
        assert version["extra"]["capture"] == "kernel_busy"
        assert "kernel" not in version["extra"]
        assert [f["path"] for f in version["files"]] == [NOTEBOOK]
        assert version["environment"] is not None, "the kernelspec's interpreter stands in"
        assert any("busy" in w for w in result["warnings"])


class TestAKernelWithoutJupyterMV:
    @pytest.fixture
    def jp_server_config(self) -> Config:
        return Config({"ServerApp": {"jpserver_extensions": {"jupyter_mv": True}}, "JupyterMV": {"autoload": False}})

    async def test_its_interpreter_is_still_recorded(self, jp_fetch, jp_serverapp, data_file):
        kernel_id = await start_session(jp_fetch, NOTEBOOK)
        await run_cell(jp_serverapp, kernel_id, "open('data.csv').read()")

        result = await snapshot(jp_fetch)

        assert result["version"]["extra"]["capture"] == "not_loaded"
        assert [f["path"] for f in result["version"]["files"]] == [NOTEBOOK]
        assert any("%load_ext jupyter_mv" in w for w in result["warnings"])


async def test_the_first_snapshot_makes_the_store_before_asking_the_kernel(jp_fetch, jp_serverapp, jp_root_dir):
    from ..helpers import write_notebook

    write_notebook(jp_root_dir / "fresh.ipynb", ["x = 1"])
    (jp_root_dir / "data.csv").write_text("a\n1\n")
    kernel_id = await start_session(jp_fetch, "fresh.ipynb")
    await run_cell(jp_serverapp, kernel_id, "open('data.csv').read()")
    assert not (jp_root_dir / ".jupyter_mv").exists()

    result = await snapshot(jp_fetch, "fresh.ipynb")

    assert result["version"]["extra"]["capture"] == "kernel"
    assert ("data.csv", "input") in {(f["path"], f["role"]) for f in result["version"]["files"]}
    assert result["warnings"] == []


async def test_a_snapshot_without_a_running_kernel_says_what_it_does_not_know(jp_fetch, two_versions):
    result = await snapshot(jp_fetch, message="no kernel")

    assert result["version"]["extra"]["capture"] == "no_kernel"
    assert result["warnings"] == [
        "no kernel runs this notebook: the files its cells read and wrote are not known; run the notebook and "
        "snapshot again, or name the files to hold"
    ]
    unasked = await snapshot(jp_fetch, message="not asked", kernel=False)
    assert unasked["warnings"] == [], "the sidebar set not to ask the kernel: nothing to say"
