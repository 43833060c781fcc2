"""Progress reporting that the core can call without knowing who listens.

A :data:`Progress` is a callable ``progress(desc, total, unit)`` returning a
context manager that yields ``update(n)``. The CLI and the magic pass
:func:`tqdm_progress`; the server passes one that records a progress state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

__all__ = ["Progress", "null_progress", "tqdm_progress"]

Progress = Callable[[str, "int | None", str], AbstractContextManager[Callable[[int], None]]]


@contextmanager
def null_progress(desc: str, total: int | None, unit: str = "B") -> Iterator[Callable[[int], None]]:
    yield lambda n: None


def tqdm_progress(*, min_total: int = 64 * 1024 * 1024, **options: object) -> Progress:
    """A progress factory drawing tqdm bars for work of at least ``min_total`` units."""

    @contextmanager
    def progress(desc: str, total: int | None, unit: str = "B") -> Iterator[Callable[[int], None]]:
        if total is not None and total < min_total:
            yield lambda n: None
            return
        from tqdm.auto import tqdm

        scale = unit == "B"
        with tqdm(
            total=total,
            desc=desc,
            unit=unit,
            unit_scale=scale,
            unit_divisor=1024 if scale else 1000,
            leave=False,
            **options,
        ) as bar:
            yield bar.update

    return progress
