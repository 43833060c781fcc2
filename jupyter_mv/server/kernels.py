"""What the notebook's running kernel knows: its interpreter, the files its cells read
and wrote, its metrics and params, how its cells ran.

The server asks with one silent execution (no history, no output, invisible to the
kernel side's per-cell record) whose answer comes back as a user expression. The
code it runs calls the kernel side's own report
(:meth:`jupyter_mv.kernel.session.KernelSession.capture_report`), built as
``%mv snapshot`` builds its record; a kernel without jupyter-mv loaded still tells
its interpreter.
"""

from __future__ import annotations

import ast
import json
import time
from typing import Any

__all__ = ["KernelReport", "ask_kernel", "kernel_for"]

#: Defines the probe in the kernel; ``__jupyter_mv_probe__(path)`` then answers in JSON:
#: the kernel side's own :func:`jupyter_mv.kernel.capture_report`, else the kernel
#: agent's (:mod:`jupyter_mv.kernel.agent`, where the server injected it), else the
#: interpreter alone and whether jupyter-mv is installed there.
PROBE = r"""
def __jupyter_mv_probe__(notebook):
    import sys
    agent = sys.modules.get("_jupyter_mv_agent.kernel.agent")
    try:
        from jupyter_mv.kernel import capture_report
    except Exception:
        if agent is not None:
            return agent.capture_report(notebook)
        import json, importlib.util
        installed = importlib.util.find_spec("jupyter_mv") is not None
        return json.dumps({"python": sys.executable, "loaded": False, "installed": installed})
    return capture_report(notebook)
"""


class KernelReport:
    """The kernel's answer. ``python`` is its interpreter; the rest is None when the
    kernel side is not loaded (or ``error`` says why it could not answer)."""

    def __init__(self, answer: dict[str, Any]) -> None:
        self.python: str | None = answer.get("python") if isinstance(answer.get("python"), str) else None
        self.loaded = bool(answer.get("loaded"))
        #: jupyter-mv can be imported in the kernel (when not ``loaded``: switched off).
        self.installed = bool(answer.get("installed", True))
        #: the kernel agent's version, when the capture is the agent's.
        self.agent: str | None = answer.get("agent")
        self.error: str | None = answer.get("error")
        self.root: str | None = answer.get("root")
        plan = answer.get("plan") or {}
        self.inputs: list[str] = list(plan.get("inputs", []))
        self.outputs: list[str] = list(plan.get("outputs", []))
        self.tracked: list[str] = list(plan.get("tracked", []))
        self.hash_only: list[str] = list(plan.get("hash_only", []))
        self.too_large: dict[str, int] = dict(answer.get("too_large") or {})
        self.metrics: dict[str, Any] = dict(answer.get("metrics") or {})
        self.params: dict[str, Any] = dict(answer.get("params") or {})
        self.kernel: dict[str, Any] | None = answer.get("kernel")


def kernel_for(sessions: list[dict[str, Any]], api_path: str) -> str | None:
    """The id of the kernel of the session open on ``api_path``, if any."""
    for session in sessions:
        kernel = session.get("kernel") or {}
        if session.get("path") == api_path and kernel.get("id"):
            return str(kernel["id"])
    return None


async def ask_kernel(kernel_manager: Any, kernel_id: str, notebook: str, *, timeout: float) -> KernelReport | None:
    """Ask a running kernel what it knows about ``notebook`` (its absolute path).

    :returns: None when the kernel does not answer within ``timeout`` seconds (busy
        running a cell, or gone), or answers with something unreadable.
    """
    try:
        manager = kernel_manager.get_kernel(kernel_id)
    except KeyError:
        return None
    client = manager.client()
    client.start_channels(shell=True, iopub=False, stdin=False, hb=False, control=False)
    try:
        msg_id = client.execute(
            PROBE,
            silent=True,
            store_history=False,
            allow_stdin=False,
            user_expressions={"mv": f"__jupyter_mv_probe__({json.dumps(notebook)})"},
        )
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                reply = await client.get_shell_msg(timeout=left)
            except Exception:  # queue.Empty when the time is up
                return None
            if reply.get("parent_header", {}).get("msg_id") == msg_id:
                break
        return _read_reply(reply)
    finally:
        client.stop_channels()


def _read_reply(reply: dict[str, Any]) -> KernelReport | None:
    content = reply.get("content") or {}
    if content.get("status") != "ok":
        return None
    expression = (content.get("user_expressions") or {}).get("mv") or {}
    if expression.get("status") != "ok":
        return None
    text = (expression.get("data") or {}).get("text/plain")
    if not isinstance(text, str):  # what literal_eval would refuse with a ValueError
        return None
    try:
        answer = json.loads(ast.literal_eval(text))
    except (ValueError, SyntaxError, TypeError):
        return None
    return KernelReport(answer) if isinstance(answer, dict) else None
