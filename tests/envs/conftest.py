"""Kernels that run in environments of their own (tests/venvs.py), as a data scientist's
per-project venv registered as a kernelspec."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager

from ..kernel.conftest import Kernel
from ..venvs import kernelspec


@contextmanager
def venv_kernel(python: Path, cwd: Path, env: dict[str, str], specs: Path) -> Iterator[Kernel]:
    """A kernel of ``python``'s environment (a kernelspec of its own in ``specs``), in
    ``cwd``, shut down however the test ends."""
    kernelspec(specs, "venv", python)
    km = KernelManager(kernel_name="venv", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(specs / "kernels")]))
    km.start_kernel(cwd=str(cwd), env=env)
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=120)
        yield Kernel(km, kc)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
