"""Models a kernel saves, and the notebook version each one is linked to.

``%mv save clf --name churn`` stores the model at once and links it to the notebook
version that holds the cells that made it: the last version when no cell ran since,
else the *next* version stored (``%mv snapshot``, the sidebar's button; JupyterLab
saves the notebook first, so that version holds the cells that ran). ``--snapshot``
stores that version now. Until then the model waits in :class:`ModelLinks`; a link
takes the version's metrics and params under the model's own.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..store import Store, Version
    from ..store.registry import ModelVersion

__all__ = ["ModelLinks", "Waiting"]


@dataclass(frozen=True)
class Waiting:
    """A model version waiting for the next notebook version."""

    label: str
    saved_at: float
    metrics: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)


class ModelLinks:
    """The models saved in this kernel that no notebook version holds yet."""

    def __init__(self) -> None:
        self.waiting: list[Waiting] = []

    def wait(self, model: ModelVersion, metrics: dict[str, Any], params: dict[str, Any]) -> None:
        self.waiting.append(Waiting(model.label, time.time(), dict(metrics), dict(params)))

    def link_all(self, store: Store, version: Version) -> list[ModelVersion]:
        """Link every waiting model to ``version`` (just stored)."""
        from ..store import registry

        linked = [
            registry.link_model(store, w.label, version, metrics=w.metrics, params=w.params) for w in self.waiting
        ]
        self.waiting = []
        return linked

    def settle(self, store: Store, versions: list[Version]) -> None:
        """Link waiting models to the first of ``versions`` (newest first, stored elsewhere,
        such as from the sidebar) stored after they were saved."""
        from ..store import registry

        still = []
        for w in self.waiting:
            after = [v for v in versions if v.created >= w.saved_at]
            if after:
                registry.link_model(store, w.label, after[-1], metrics=w.metrics, params=w.params)
            else:
                still.append(w)
        self.waiting = still
