"""The front ends attached to this kernel that can save its notebook: JupyterLab with
jupyter-mv's extension, reached through comms on the ``jupyter-mv`` target.

- A front end opens a comm to the kernel when it connects to it (again after a restart,
  and when the kernel says ``{"action": "hello"}``), with ``{"path": ...}``, the notebook
  it shows. The kernel handles it between cells and keeps it until the front end closes it.
- Before a snapshot, the kernel opens a comm to the front ends with ``{"action": "save"}``.
  That travels on IOPub, which front ends read while the kernel runs the cell; their reply
  would come back on the shell channel, which the running cell blocks. So the kernel waits
  for the notebook file itself to change (a save writes it even when nothing changed), up
  to :attr:`FrontEnds.save_timeout` seconds. A front end answers between cells; until one
  answers a save that timed out (a browser tab closed without a word), the next
  snapshots ask but do not wait.
- After a snapshot: ``{"action": "refresh"}``, so the sidebar lists the new version.

Without such a front end (plain ``jupyter_client``, VS Code, classic Notebook, a terminal
IPython) nothing is sent and nothing waits.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from .notebook_file import read_notebook_json

__all__ = ["TARGET", "DEFAULT_SAVE_TIMEOUT", "FrontEnds"]

#: The comm target, on both sides.
TARGET = "jupyter-mv"
#: Seconds a snapshot waits for a front end to save the notebook (``JUPYTER_MV_SAVE_TIMEOUT``).
DEFAULT_SAVE_TIMEOUT = 10.0
_POLL = 0.05


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size, st.st_ino


class FrontEnds:
    """The front ends attached to one IPython kernel, by the id of the comm each opened.

    :param shell: the IPython shell; outside an IPython kernel (no ``shell.kernel``)
        :meth:`install` does nothing and no front end is ever attached.
    """

    def __init__(self, shell: Any = None) -> None:
        self.shell = shell
        self.attached: dict[str, Any] = {}  # comm id -> the comm
        self.paths: dict[str, str] = {}  # comm id -> the notebook that front end shows
        try:
            self.save_timeout = float(os.environ.get("JUPYTER_MV_SAVE_TIMEOUT") or DEFAULT_SAVE_TIMEOUT)
        except ValueError:
            self.save_timeout = DEFAULT_SAVE_TIMEOUT
        #: False once a save went unanswered, until a front end speaks again.
        self.answering = True
        self.waited = 0.0
        self._manager: Any = None

    # -- the kernel's comm target -----------------------------------------------------------------

    def install(self) -> bool:
        """Register the comm target; say hello when loaded by a cell (front ends already
        attached to this kernel then open their comm). True when in an IPython kernel."""
        if getattr(self.shell, "kernel", None) is None:
            return False
        try:
            import comm
        except ImportError:  # an ipykernel older than the comm package
            return False
        self._manager = comm.get_comm_manager()
        self._manager.register_target(TARGET, self._opened)
        # A kernel that starts with jupyter-mv loaded has no front end listening yet: they
        # open their comm when they see it idle. Loaded by `%load_ext` in a cell, say so.
        if (getattr(self.shell, "parent_header", None) or {}).get("msg_type") == "execute_request":
            self._send({"action": "hello"})
        return True

    def uninstall(self) -> None:
        """Forget the front ends (closing their comms) and the target."""
        if self._manager is None:
            return
        for c in list(self.attached.values()):
            try:
                c.close()
            except Exception:  # noqa: BLE001 - a comm whose front end is gone
                pass
        self.attached.clear()
        self.paths.clear()
        self._manager.targets.pop(TARGET, None)
        self._manager = None

    def _opened(self, comm: Any, msg: dict[str, Any]) -> None:
        comm_id = comm.comm_id
        self.attached[comm_id] = comm
        self.answering = True
        self._note_path(comm_id, msg)

        def closed(_: Any) -> None:
            self.attached.pop(comm_id, None)
            self.paths.pop(comm_id, None)

        comm.on_close(closed)
        comm.on_msg(lambda m: self._note_path(comm_id, m))  # the notebook was renamed

    def _note_path(self, comm_id: str, msg: dict[str, Any]) -> None:
        self.answering = True
        data = (msg.get("content") or {}).get("data") or {}
        if isinstance(data.get("path"), str) and data["path"].endswith(".ipynb"):
            self.paths[comm_id] = data["path"]

    def _send(self, data: dict[str, Any]) -> bool:
        """Open a comm to the front ends with ``data`` (they answer and close it)."""
        if self._manager is None:
            return False
        import comm

        try:
            request = comm.create_comm(target_name=TARGET, data=data)
        except Exception:  # noqa: BLE001 - no IOPub to send on: no front end to ask
            return False
        request.on_msg(self._answered)
        return True

    def _answered(self, msg: dict[str, Any]) -> None:
        self.answering = True

    # -- what a snapshot asks ---------------------------------------------------------------------

    @property
    def present(self) -> bool:
        return bool(self.attached)

    def notebook(self) -> str | None:
        """The notebook the attached front ends show, when they agree on one."""
        paths = set(self.paths.values())
        return paths.pop() if len(paths) == 1 else None

    def save(self, notebook: Path) -> bool | None:
        """Ask the attached front ends to save, and wait until ``notebook`` was written.

        :returns: None when no front end is attached (nothing asked, nothing waited),
            True once the file changed (and reads as complete JSON), False after
            :attr:`save_timeout` seconds without a save, or at once when the front ends
            did not answer the last save (:attr:`waited` says how long it waited).
        """
        self.waited = 0.0
        if not self.present:
            return None
        before = _stamp(notebook)
        if not self._send({"action": "save"}):
            return None
        if not self.answering:
            return False
        started = time.monotonic()
        seen = None
        while time.monotonic() < started + self.save_timeout:
            time.sleep(_POLL)
            now = _stamp(notebook)
            if now is None or now == before:
                continue
            if now == seen and read_notebook_json(notebook) is not None:  # written, no longer being written
                self.waited = time.monotonic() - started
                return True
            seen = now
        self.waited = time.monotonic() - started
        self.answering = False
        return False

    def refresh(self) -> None:
        """Tell the attached front ends that a version was stored."""
        if self.present:
            self._send({"action": "refresh"})
