"""Fixtures for the kernel side: real IPython kernels (jupyter_client) that import the
same jupyter_mv as the tests, in a project with a store and a notebook."""

from __future__ import annotations

import os
import queue
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from jupyter_client.manager import start_new_kernel

from jupyter_mv.store import Store

from ..helpers import package_env, write_notebook


@dataclass
class Run:
    """What one execute request produced."""

    stdout: str = ""
    stderr: str = ""
    error: dict[str, Any] | None = None
    results: list[dict[str, Any]] = field(default_factory=list)
    payload: list[dict[str, Any]] = field(default_factory=list)
    #: The execute reply's status: ``ok``, or ``error`` when the cell failed.
    status: str = ""
    comms: list[dict[str, Any]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(r["data"].get("text/plain", "") for r in self.results)


class Kernel:
    """A running kernel and a client; :meth:`run` executes code like a front end does."""

    def __init__(self, km: Any, kc: Any) -> None:
        self.km, self.kc = km, kc

    def _collect(self, msg_id: str, timeout: float) -> Run:
        run = Run()
        deadline = time.monotonic() + timeout
        while True:
            try:
                msg = self.kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no answer from the kernel within {timeout} s") from None
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                if content["name"] == "stdout":
                    run.stdout += content["text"]
                else:
                    run.stderr += content["text"]
            elif kind == "error":
                run.error = content
            elif kind in ("execute_result", "display_data"):
                run.results.append(content)
            elif kind in ("comm_open", "comm_msg"):
                run.comms.append({"type": kind, **content})
            elif kind == "status" and content["execution_state"] == "idle":
                break
        while True:
            reply = self.kc.get_shell_msg(timeout=max(0.1, deadline - time.monotonic()))
            if reply["parent_header"].get("msg_id") == msg_id:
                run.payload = reply["content"].get("payload", [])
                run.status = reply["content"].get("status", "")
                return run

    def run(self, code: str, *, cell_id: str | None = None, timeout: float = 120, check: bool = True) -> Run:
        """Execute ``code`` as a notebook cell (with JupyterLab's ``cellId`` when given)."""
        content = {
            "code": code,
            "silent": False,
            "store_history": True,
            "user_expressions": {},
            "allow_stdin": False,
            "stop_on_error": True,
        }
        msg = self.kc.session.msg("execute_request", content, metadata={"cellId": cell_id} if cell_id else {})
        self.kc.shell_channel.send(msg)
        run = self._collect(msg["header"]["msg_id"], timeout)
        if check and run.error is not None:
            raise AssertionError(f"the cell failed: {run.error['ename']}: {run.error['evalue']}\n{run.stderr}")
        return run

    def comm_msg(self, comm_id: str, data: dict[str, Any], timeout: float = 120) -> Run:
        """Send a widget message as a front end does (a click, a changed value)."""
        msg = self.kc.session.msg("comm_msg", {"comm_id": comm_id, "data": data})
        self.kc.shell_channel.send(msg)
        run = Run()
        deadline = time.monotonic() + timeout
        while True:
            got = self.kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
            if got["parent_header"].get("msg_id") != msg["header"]["msg_id"]:
                continue
            kind, content = got["msg_type"], got["content"]
            if kind in ("comm_open", "comm_msg"):
                run.comms.append({"type": kind, **content})
            elif kind == "stream":
                run.stderr += content["text"]
            elif kind == "error":
                run.error = content
            elif kind == "status" and content["execution_state"] == "idle":
                return run


def kernel_env(extra: dict[str, str] | None = None, *, ipython_dir: Path, autoload: bool = False) -> dict[str, str]:
    """The environment of a test's kernel. The environment's IPython config loads jupyter-mv
    in every kernel; unless ``autoload``, it is switched off (``JUPYTER_MV_AUTOLOAD=0``) so
    that the test loads it with ``%load_ext`` (``extra`` may say otherwise)."""
    env = {**package_env(), "JUPYTER_MV_AUTHOR": "tester", "IPYTHONDIR": str(ipython_dir), **(extra or {})}
    for name in ("JUPYTER_MV_STORE", "JUPYTER_MV_AUTOLOAD", "JPY_SESSION_NAME"):
        if name not in (extra or {}):
            env.pop(name, None)
    if not autoload and "JUPYTER_MV_AUTOLOAD" not in (extra or {}):
        env["JUPYTER_MV_AUTOLOAD"] = "0"
    return env


@contextmanager
def started_kernel(cwd: Path, env: dict[str, str]) -> Iterator[Kernel]:
    """A real python3 kernel in ``cwd``, shut down however the test ends."""
    km, kc = start_new_kernel(kernel_name="python3", cwd=str(cwd), env=env)
    try:
        yield Kernel(km, kc)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


@pytest.fixture
def mv_project(project: Path) -> Path:
    """A project with a store and an empty ``train.ipynb`` (tests write its cells)."""
    Store.init(project).close()
    write_notebook(project / "train.ipynb", [])
    return project


@pytest.fixture
def kernel(mv_project: Path, tmp_path: Path) -> Iterator[Kernel]:
    """A kernel of ``train.ipynb`` (Jupyter Server's ``JPY_SESSION_NAME``) with
    ``%load_ext jupyter_mv`` done."""
    env = kernel_env({"JPY_SESSION_NAME": str(mv_project / "train.ipynb")}, ipython_dir=tmp_path / "ipython")
    with started_kernel(mv_project, env) as k:
        k.run("%load_ext jupyter_mv")
        yield k


def save_notebook(path: Path, cells: list[str] | list[tuple[str, str]]) -> Path:
    """Write ``path`` as a front end saves it: code cells (``(id, source)`` pairs to fix
    their ids), stamped one second in the future so it is newer than every cell run."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    for i, cell in enumerate(cells, start=1):
        cell_id, source = cell if isinstance(cell, tuple) else (None, cell)
        code = nbformat.v4.new_code_cell(source, execution_count=i)
        if cell_id:
            code["id"] = cell_id
        nb.cells.append(code)
    path.write_text(nbformat.writes(nb))
    later = time.time() + 1
    os.utime(path, (later, later))
    return path


def latest(project: Path) -> Any:
    """The newest version in the project's store, read by the test process."""
    with Store.open(project) as store:
        return store.log(limit=1)[0]
