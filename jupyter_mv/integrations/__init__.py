"""jupyter-mv beside the tools users already have.

- :mod:`.envfiles`: a version's environment as ``requirements.txt``, ``environment.yml``
  or PEP 751 ``pylock.toml``, and a check of it against a running interpreter;
- :mod:`.docker`: a Dockerfile and build context that rebuild and run a version;
- :mod:`.gitlog`: versions beside the git commits between them.

Each is core code (no server, kernel or widget imports); the CLI, the ``%mv`` magic
and the API are thin faces over it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["mlflow_exporter"]


def mlflow_exporter() -> Callable[..., dict[str, Any]]:
    """:func:`jupyter_mv.integrations.mlflow.export_mlflow`, imported on demand.

    :raises InvalidInput: MLflow (an optional extra) is not installed, or this version of
        jupyter-mv has no MLflow export
    """
    from ..errors import InvalidInput

    try:
        from .mlflow import export_mlflow
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] == "mlflow":
            raise InvalidInput("MLflow is not installed: pip install 'jupyter-mv[mlflow]'") from None
        if exc.name != f"{__name__}.mlflow":
            raise
        raise InvalidInput("export to MLflow is not available in this version of jupyter-mv") from None
    return export_mlflow
