"""pytest plugin for `make mutation` (``-p tests.mutation.plugin``, set in pyproject.toml).

While mutmut traces which tests reach which function (``MUTANT_UNDER_TEST=stats``), the
child processes a test starts (the CLI, writers racing each other) would inherit that
mode and look for mutmut's configuration in their own working folder. mutmut keeps the
mode in this process too, so the variable is hidden from the children for the traced
run only: they run the code unchanged, as they do for the clean run. While a mutant is
tested, they inherit its name and run it, so a test that runs the CLI can kill it.

The environment capture of another interpreter sends environment.py's own source to a
fresh venv or an older Python; the mutated copy imports mutmut, which they lack, so
those tests (the ``venv`` fixture's, and the old Pythons') are left out of mutation runs.
"""

from __future__ import annotations

import os
from typing import Any

_hidden: str | None = None
_OTHER_INTERPRETERS = {"test_the_capture_source_runs_on_old_pythons_or_says_why_not"}


def pytest_configure(config: Any) -> None:
    global _hidden
    if os.environ.get("MUTANT_UNDER_TEST") == "stats":
        _hidden = os.environ.pop("MUTANT_UNDER_TEST")


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    foreign = [
        item for item in items if "venv" in getattr(item, "fixturenames", ()) or item.name in _OTHER_INTERPRETERS
    ]
    if foreign:
        config.hook.pytest_deselected(items=foreign)
        items[:] = [item for item in items if item not in foreign]


def pytest_unconfigure(config: Any) -> None:
    global _hidden
    if _hidden is not None:
        os.environ["MUTANT_UNDER_TEST"] = _hidden
        _hidden = None
