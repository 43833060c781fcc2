"""Long work (snapshot, restore) as tasks: started by a request, run off the event loop,
polled for progress at ``GET /jupyter-mv/api/tasks/<id>``."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ..errors import MVError, NotFound

__all__ = ["Task", "Tasks"]

log = logging.getLogger(__name__)


class Task:
    """One piece of long work: its state, its progress, then its result or error.

    ``state`` is ``running``, ``done`` or ``error``. ``progress`` holds the step the
    work is in (``saving``, ``asking the kernel``, ``snapshot``, ``restore``...), with
    ``done`` and ``total`` units (bytes) when the step knows them.
    """

    def __init__(self, kind: str, path: str) -> None:
        self.id = uuid.uuid4().hex
        self.kind = kind
        self.path = path
        self.state = "running"
        self.step = "starting"
        self.done = 0
        self.total: int | None = None
        self.unit = ""
        self.result: dict[str, Any] | None = None
        self.error: dict[str, str] | None = None
        self.status = 200
        self.created = time.time()
        self.finished: float | None = None
        self._lock = threading.Lock()
        self._finished = asyncio.Event()

    def set_step(self, step: str, total: int | None = None, unit: str = "") -> None:
        with self._lock:
            self.step, self.done, self.total, self.unit = step, 0, total, unit

    def advance(self, n: int) -> None:
        with self._lock:
            self.done += n

    def progress(self, desc: str, total: int | None, unit: str = "B") -> Any:
        """A :data:`jupyter_mv.progress.Progress` for the core, feeding this task."""

        @contextmanager
        def reporting() -> Iterator[Callable[[int], None]]:
            self.set_step(desc, total, unit)
            yield self.advance

        return reporting()

    async def wait(self) -> None:
        await self._finished.wait()

    def to_dict(self) -> dict[str, Any]:
        with self._lock:
            progress = {"step": self.step, "done": self.done, "total": self.total, "unit": self.unit}
        return {
            "id": self.id,
            "kind": self.kind,
            "path": self.path,
            "state": self.state,
            "progress": progress,
            "result": self.result,
            "error": self.error,
            "created": self.created,
            "finished": self.finished,
        }


class Tasks:
    """The tasks of this server: started, kept a while after they end, then forgotten.

    :param public_message: makes an error message fit for clients (no server paths).
    :param keep_seconds: how long a finished task stays readable.
    """

    def __init__(
        self, public_message: Callable[[str], str], *, keep_seconds: float = 3600, max_finished: int = 200
    ) -> None:
        self._public = public_message
        self._keep = keep_seconds
        self._max_finished = max_finished
        self._tasks: dict[str, Task] = {}
        self._running: set[asyncio.Task[None]] = set()

    def start(self, kind: str, path: str, work: Callable[[Task], Awaitable[dict[str, Any]]]) -> Task:
        """Run ``work(task)`` on the event loop (it awaits its blocking parts in threads);
        return at once."""
        self._forget_old()
        task = Task(kind, path)
        self._tasks[task.id] = task
        runner = asyncio.get_running_loop().create_task(self._run(task, work))
        self._running.add(runner)
        runner.add_done_callback(self._running.discard)
        return task

    def get(self, task_id: str) -> Task:
        task = self._tasks.get(task_id)
        if task is None:
            raise NotFound(f"no task {task_id[:40]!r}: it never ran here, or ended long ago")
        return task

    async def _run(self, task: Task, work: Callable[[Task], Awaitable[dict[str, Any]]]) -> None:
        try:
            task.result = await work(task)
            task.state = "done"
        except MVError as exc:
            task.error = {"error": exc.code, "message": self._public(exc.message)}
            task.status = exc.status
            task.state = "error"
            if exc.status >= 500:
                log.error("jupyter-mv %s of %s failed", task.kind, task.path, exc_info=exc)
        except Exception as exc:  # noqa: BLE001 - reported to the client, logged in full
            log.error("jupyter-mv %s of %s failed unexpectedly", task.kind, task.path, exc_info=exc)
            task.error = {
                "error": "internal_error",
                "message": "jupyter-mv hit an unexpected error; see the server log",
            }
            task.status = 500
            task.state = "error"
        finally:
            task.finished = time.time()
            task._finished.set()

    def _forget_old(self) -> None:
        now = time.time()
        finished = sorted((t for t in self._tasks.values() if t.finished is not None), key=lambda t: t.finished or 0)
        for i, task in enumerate(finished):
            if now - (task.finished or now) > self._keep or i < len(finished) - self._max_finished:
                del self._tasks[task.id]
