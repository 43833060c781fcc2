"""Metrics and params a kernel logs for its next version.

``%mv metric acc=acc f1=scores["f1"] --step 12`` evaluates each value as a Python
expression in the notebook's namespace. A metric must come out a number (numpy and
torch scalars included); a param may be any JSON value. Each bad value is refused
with one line naming its key, and nothing of that line is kept.

What is logged waits in :class:`Pending` for the next version of the notebook and is
dropped once a version is stored after it (whoever stored it: ``%mv snapshot``, the
sidebar, the command line), so a value never reaches a later version by accident.
A metric logged with a step also keeps its curve: ``{"loss": [[0, 0.9], [1, 0.4]]}``,
stored in the version's kernel record (``extra["kernel"]["steps"]``).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import InvalidInput
from ..metrics import metric_number, param_value, parse_assignments, split_words

__all__ = ["Pending", "split_words", "parse_assignments", "evaluate", "metric_number", "param_value"]


def evaluate(pairs: list[tuple[str, str]], namespace: Mapping[str, Any], what: str) -> tuple[dict[str, Any], list[str]]:
    """Each expression evaluated in ``namespace``: ``(values, errors)``, one error line per bad key."""
    values: dict[str, Any] = {}
    errors: list[str] = []
    for key, expr in pairs:
        try:
            raw = eval(compile(expr, f"<%mv {what} {key}>", "eval"), dict(namespace))  # noqa: S307 - the user's own code
        except Exception as exc:  # noqa: BLE001 - named in one line
            hint = f'; quote text: {key}="{expr}"' if what == "param" and isinstance(exc, NameError) else ""
            errors.append(f"{what} {key}: cannot evaluate {expr} ({type(exc).__name__}: {exc}){hint}")
            continue
        try:
            values[key] = metric_number(key, raw) if what == "metric" else param_value(key, raw)
        except InvalidInput as exc:
            errors.append(exc.message)
    return values, errors


@dataclass
class Pending:
    """Metrics, params and steps logged for the next version, with when and in which cell."""

    metrics: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    steps: dict[str, list[list[Any]]] = field(default_factory=dict)
    logged_in: dict[str, int | None] = field(default_factory=dict)
    logged_at: dict[str, float] = field(default_factory=dict)

    def log_metrics(self, values: Mapping[str, Any], *, step: int | None = None, count: int | None = None) -> None:
        """Keep metrics (each checked to be a number); with ``step``, also a point of each curve.

        :raises InvalidInput: a value that is not a number (nothing is kept)."""
        clean = {key: metric_number(key, value) for key, value in values.items()}
        for key, value in clean.items():
            self.metrics[key] = value
            if step is not None:
                curve = [p for p in self.steps.setdefault(key, []) if p[0] != step]
                self.steps[key] = sorted([*curve, [step, value]], key=lambda p: p[0])
            self._note(f"metric:{key}", count)

    def log_params(self, values: Mapping[str, Any], *, count: int | None = None) -> None:
        """Keep params (each a JSON value). :raises InvalidInput: one is not (nothing is kept)."""
        clean = {key: param_value(key, value) for key, value in values.items()}
        for key, value in clean.items():
            self.params[key] = value
            self._note(f"param:{key}", count)

    def _note(self, key: str, count: int | None) -> None:
        self.logged_in[key] = count
        self.logged_at[key] = time.time()

    def settle(self, stored_at: float) -> None:
        """A version was stored at ``stored_at``: what was logged before it belonged to it."""
        for mark, at in list(self.logged_at.items()):
            if at > stored_at:
                continue
            kind, key = mark.split(":", 1)
            del self.logged_at[mark]
            self.logged_in.pop(mark, None)
            if kind == "metric":
                self.metrics.pop(key, None)
                self.steps.pop(key, None)
            else:
                self.params.pop(key, None)

    def clear(self) -> None:
        self.settle(math.inf)

    def record(self) -> dict[str, Any]:
        """The part of a version's kernel record this holds: ``logged_in`` and ``steps``."""
        return {"logged_in": dict(self.logged_in), "steps": {k: [list(p) for p in v] for k, v in self.steps.items()}}
