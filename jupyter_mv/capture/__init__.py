"""Capture what a version holds besides files: the environment and the git state.

Pure functions over the standard library (``jupyter_client`` is imported lazily by
:func:`kernelspec_python` only); no Jupyter server, IPython or widget imports.
"""

from __future__ import annotations

from jupyter_mv.capture.environment import (
    capture_environment,
    environment_fingerprint,
    environment_summary,
    kernelspec_python,
    sanitize_url,
    strip_credentials,
)
from jupyter_mv.capture.git import capture_git

__all__ = [
    "capture_environment",
    "capture_git",
    "environment_fingerprint",
    "environment_summary",
    "kernelspec_python",
    "sanitize_url",
    "strip_credentials",
]
