"""The model registry and the metric series over REST: what the sidebar's Models section
and metric chart read and write. Each function takes the server's
:class:`~jupyter_mv.server.access.StoreAccess` and a notebook's path under the root,
and calls the core (the registry, ``verbs.models_listing``) with the store that holds it."""

from __future__ import annotations

from typing import Any

from ..errors import InvalidInput, NotFound, StoreNotFound
from .access import StoreAccess

__all__ = ["models", "model_alias", "model_diff", "model_report", "metric_series", "is_model_ref"]


def is_model_ref(access: StoreAccess, api_path: str, ref: str) -> bool:
    """Whether ``ref`` names a model version of the store holding ``api_path``."""
    from ..store import registry

    notebook = access.notebook_path(api_path)
    try:
        with access.open_store(notebook, api_path) as store:
            return registry.find_model(store, ref) is not None
    except (StoreNotFound, NotFound, InvalidInput):
        return False


def models(access: StoreAccess, api_path: str) -> dict[str, Any]:
    """``{"models": [...]}``: every model of the store, its versions newest first with
    aliases, metrics, params and the notebook version that made each (``made_by``)."""
    from ..verbs import models_listing

    notebook = access.notebook_path(api_path)
    try:
        with access.open_store(notebook, api_path) as store:
            return {"models": models_listing(store)}
    except StoreNotFound:
        return {"models": []}


def model_alias(access: StoreAccess, api_path: str, ref: str, name: str) -> dict[str, Any]:
    """Point the model alias ``name`` at the model version ``ref`` (``churn:2``)."""
    from ..store import registry

    notebook = access.notebook_path(api_path)
    with access.open_store(notebook, api_path) as store:
        model = registry.find_model(store, ref)
        if model is None:
            raise NotFound(f"no model version {ref}")
        return registry.set_model_alias(store, model.label, name).to_dict()


def model_diff(access: StoreAccess, api_path: str, a: str, b: str) -> dict[str, Any]:
    """Two model versions side by side, then their notebook versions (``jupyter-mv-model-diff``)."""
    from ..store import registry

    notebook = access.notebook_path(api_path)
    with access.open_store(notebook, api_path) as store:
        return registry.compare_models(store, a, b)


def metric_series(access: StoreAccess, api_path: str) -> dict[str, Any]:
    """The notebook's metrics across its versions, oldest first:
    ``{"metrics": {name: [{"id", "name", "number", "value", "steps"}]}}``, one point per
    version that logged the metric as a number; ``steps`` the curve within it."""
    from ..store import query, records

    notebook = access.notebook_path(api_path)
    try:
        with access.open_store(notebook, api_path) as store:
            return {"metrics": query.metric_series(store.db, records.notebook_key(store, notebook))}
    except (StoreNotFound, NotFound):
        return {"metrics": {}}


def model_report(access: StoreAccess, api_path: str, ref: str, fmt: str, theme: str) -> tuple[str, str]:
    """The provenance report of a model version: ``(text, media type)``."""
    from ..provenance import MEDIA_TYPES, build_report, format_name, render

    key = format_name(fmt)
    if theme not in ("auto", "light", "dark"):
        raise InvalidInput("theme must be auto, light or dark")
    notebook = access.notebook_path(api_path)
    with access.open_store(notebook, api_path) as store:
        return render(build_report(store, ref), key, theme=theme), MEDIA_TYPES[key]
