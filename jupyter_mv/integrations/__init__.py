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

from ..progress import Progress, null_progress

__all__ = ["mlflow_exporter", "export_version"]


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


def export_version(
    store: Any,
    ref: str,
    *,
    dockerfile: Any = None,
    mlflow: str | None = None,
    notebook: str | None = None,
    progress: Progress = null_progress,
) -> dict[str, Any]:
    """Export the version ``ref`` names: a Docker build context into the folder
    ``dockerfile`` (:func:`jupyter_mv.integrations.docker.export_dockerfile`), or an MLflow
    run at the tracking URI ``mlflow`` (:func:`mlflow_exporter`); one of them.

    :raises InvalidInput: neither or both targets given
    """
    from ..errors import InvalidInput

    if (dockerfile is None) == (mlflow is None):
        raise InvalidInput("export needs one of dockerfile=DIR or mlflow=URI")
    if mlflow is not None:
        return mlflow_exporter()(store, ref, mlflow, notebook=notebook, progress=progress)
    from .docker import export_dockerfile

    return export_dockerfile(store, ref, dockerfile, notebook=notebook, progress=progress)
