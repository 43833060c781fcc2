"""``%mv snapshot`` asks an attached front end to save first, in a real kernel.

A small front end written here with jupyter_client plays the JupyterLab extension's part
on the real channels: it opens a comm on ``jupyter-mv`` when the kernel is idle, and
answers ``{"action": "save"}`` by writing the notebook, as a save does, while the
kernel's cell still runs. The Chromium test (tests/ui/test_save_first.py) proves the
real sidebar does the same.
"""

from __future__ import annotations

import json
import queue
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from jupyter_mv.store import Store

from .conftest import Kernel, kernel_env, latest, save_notebook, started_kernel
from .test_autoload import ipython_dir_with_shipped_config

TIMEOUT = 20  # the save timeout in these kernels: long, so that waiting for it shows


@pytest.fixture
def slow_kernel(mv_project: Path, tmp_path: Path) -> Iterator[Kernel]:
    """A kernel of ``train.ipynb`` with jupyter-mv loaded at start (as a Jupyter server
    loads it) and a 20 s save timeout."""
    env = kernel_env(
        {
            "JPY_SESSION_NAME": str(mv_project / "train.ipynb"),
            "JUPYTER_MV_AUTOLOAD": "1",
            "JUPYTER_MV_SAVE_TIMEOUT": str(TIMEOUT),
        },
        ipython_dir=ipython_dir_with_shipped_config(tmp_path),
    )
    with started_kernel(mv_project, env) as k:
        k.run("x = 1")  # autoloaded: %mv exists without %load_ext
        yield k


def attach(kernel: Kernel, path: str = "train.ipynb") -> str:
    """Open a comm on ``jupyter-mv`` as the extension does when it sees the kernel idle;
    the kernel handles it before the next cell."""
    comm_id = uuid.uuid4().hex
    kernel.kc.shell_channel.send(
        kernel.kc.session.msg("comm_open", {"comm_id": comm_id, "target_name": "jupyter-mv", "data": {"path": path}})
    )
    return comm_id


def detach(kernel: Kernel, comm_id: str) -> None:
    kernel.kc.shell_channel.send(kernel.kc.session.msg("comm_close", {"comm_id": comm_id, "data": {}}))


def run_answering(
    kernel: Kernel, code: str, on_save: Callable[[], None] | None, timeout: float = 120
) -> tuple[list[dict[str, Any]], str, float]:
    """Run ``code`` while a front end answers the kernel's requests: ``on_save`` when
    asked to save (None: a front end that is gone, which never answers). The requests
    the kernel made, its stderr, and the seconds the cell took."""
    msg = kernel.kc.session.msg(
        "execute_request",
        {"code": code, "silent": False, "store_history": True, "user_expressions": {}, "allow_stdin": False},
    )
    started = time.monotonic()
    kernel.kc.shell_channel.send(msg)
    requests: list[dict[str, Any]] = []
    stderr = ""
    while True:
        try:
            got = kernel.kc.get_iopub_msg(timeout=max(0.1, started + timeout - time.monotonic()))
        except queue.Empty:
            raise AssertionError(f"no answer within {timeout} s") from None
        if got["parent_header"].get("msg_id") != msg["header"]["msg_id"]:
            continue
        kind, content = got["msg_type"], got["content"]
        if kind == "comm_open" and content["target_name"] == "jupyter-mv":
            requests.append(content["data"])
            if on_save is None:
                continue
            if content["data"].get("action") == "save":
                on_save()
            reply = kernel.kc.session.msg("comm_msg", {"comm_id": content["comm_id"], "data": {"saved": True}})
            kernel.kc.shell_channel.send(reply)  # handled after the cell, as in JupyterLab
            kernel.kc.shell_channel.send(kernel.kc.session.msg("comm_close", {"comm_id": content["comm_id"]}))
        elif kind == "stream" and content["name"] == "stderr":
            stderr += content["text"]
        elif kind == "error":
            raise AssertionError(f"the cell failed: {content['ename']}: {content['evalue']}")
        elif kind == "status" and content["execution_state"] == "idle":
            return requests, stderr, time.monotonic() - started


def notebook_in(project: Path, version: Any) -> str:
    with Store.open(project) as store:
        data = json.loads(store.read_file(version, "train.ipynb"))
    return "\n".join("".join(c["source"]) for c in data["cells"])


def test_a_snapshot_waits_for_the_front_ends_save_and_holds_it(slow_kernel: Kernel, mv_project: Path) -> None:
    notebook = mv_project / "train.ipynb"
    save_notebook(notebook, ["x = 1"])
    attach(slow_kernel)
    slow_kernel.run("y = 2")  # the kernel handled the comm_open before this cell

    def save() -> None:  # what the user sees, written only once the kernel asks
        time.sleep(0.5)
        save_notebook(notebook, ["x = 1", "y = 2  # edited, not saved before the snapshot"])

    requests, stderr, _ = run_answering(slow_kernel, "%mv snapshot -m x", save)
    assert [r.get("action") for r in requests] == ["save", "refresh"]  # refresh once it is stored
    assert "jupyter-mv:" not in stderr, stderr
    version = latest(mv_project)
    assert version.message == "x"
    assert "# edited, not saved before the snapshot" in notebook_in(mv_project, version)


def test_the_python_api_saves_first_too(slow_kernel: Kernel, mv_project: Path) -> None:
    notebook = mv_project / "train.ipynb"
    save_notebook(notebook, ["x = 1"])
    attach(slow_kernel)
    slow_kernel.run("import jupyter_mv as mv")
    requests, _, _ = run_answering(
        slow_kernel, "mv.snapshot('from python')", lambda: save_notebook(notebook, ["import jupyter_mv as mv  # seen"])
    )
    assert [r.get("action") for r in requests] == ["save", "refresh"]
    assert "# seen" in notebook_in(mv_project, latest(mv_project))


def test_a_front_end_that_never_answers_is_waited_for_once(slow_kernel: Kernel, mv_project: Path) -> None:
    notebook = mv_project / "train.ipynb"
    save_notebook(notebook, ["x = 1"])
    attach(slow_kernel)  # then its browser tab crashes: it never closes its comm
    slow_kernel.run("%mv config save_timeout=4")

    requests, stderr, took = run_answering(slow_kernel, "%mv snapshot -m late", None)
    assert [r.get("action") for r in requests] == ["save", "refresh"]
    assert "the front end did not save train.ipynb within 4 s: the version holds the notebook as last saved" in stderr
    assert 4 <= took < TIMEOUT
    assert latest(mv_project).message == "late"

    requests, stderr, took = run_answering(slow_kernel, "%mv snapshot -m again", None)
    assert [r.get("action") for r in requests] == ["save", "refresh"]  # asked, but not waited for
    assert "did not answer the last request to save, so train.ipynb was not waited for" in stderr
    assert took < 4

    attach(slow_kernel)  # a front end speaks again: it is waited for again
    requests, stderr, _ = run_answering(
        slow_kernel, "%mv snapshot -m back", lambda: save_notebook(notebook, ["x = 1", "# back"])
    )
    assert "jupyter-mv:" not in stderr, stderr
    assert "# back" in notebook_in(mv_project, latest(mv_project))


def test_without_a_front_end_a_snapshot_does_not_wait_and_warns(slow_kernel: Kernel, mv_project: Path) -> None:
    save_notebook(mv_project / "train.ipynb", ["x = 1"])
    time.sleep(1.1)  # the file's stamp (one second ahead) is now older than the next cell run
    gone = attach(slow_kernel)  # a front end that came and went (its notebook closed)
    slow_kernel.run("z = 3")
    detach(slow_kernel, gone)
    slow_kernel.run("z = 4")
    requests, stderr, took = run_answering(slow_kernel, "%mv snapshot -m alone", lambda: None)
    assert requests == []  # nothing asked: no save, no refresh
    assert took < TIMEOUT / 2
    assert "train.ipynb on disk is older than the last cell run" in stderr
    assert latest(mv_project).message == "alone"


def test_loaded_by_hand_the_kernel_says_hello_and_learns_its_notebook(mv_project: Path, tmp_path: Path) -> None:
    save_notebook(mv_project / "train.ipynb", ["x = 1"])
    env = kernel_env({}, ipython_dir=tmp_path / "ipython")  # no JPY_SESSION_NAME: the notebook is unknown
    with started_kernel(mv_project, env) as k:
        hello = [c for c in k.run("%load_ext jupyter_mv").comms if c.get("target_name") == "jupyter-mv"]
        assert [c["data"] for c in hello] == [{"action": "hello"}]
        assert "unknown" in k.run("%mv notebook").stdout
        attach(k, "train.ipynb")
        assert k.run("%mv notebook").stdout.strip() == f"notebook: {mv_project / 'train.ipynb'}"


def test_a_bad_save_timeout_is_one_line(kernel: Kernel) -> None:
    run = kernel.run("%mv config save_timeout=soon")
    assert run.stderr == "%mv config: error: save_timeout=soon: give seconds, from 0 to 3600\n"
    assert "save_timeout=10" in kernel.run("%mv config").stdout
