"""A package installed again at another version while the kernel runs (``%pip install
x==other`` without a restart): the version records both, and every face that reads it
warns: ``%mv snapshot``, ``show``, ``env --check`` and the provenance report."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from jupyter_mv.provenance import build_report
from jupyter_mv.store import Store

from ..helpers import run_cli, write_notebook
from .conftest import latest

WARNING = "pkgx 2.0 loaded, 1.0 installed: restart the kernel"


def _package(site: Path, version: str) -> None:
    """``pkgx`` at ``version``, as pip leaves it: the module and its ``.dist-info``."""
    for old in site.glob("pkgx-*.dist-info"):
        shutil.rmtree(old)
    (site / "pkgx").mkdir(parents=True, exist_ok=True)
    (site / "pkgx" / "__init__.py").write_text(f"__version__ = {version!r}\n")
    info = site / f"pkgx-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: pkgx\nVersion: {version}\n")
    (info / "top_level.txt").write_text("pkgx\n")


def test_a_module_loaded_at_another_version_than_installed_is_flagged(kernel, mv_project, tmp_path):
    site = tmp_path / "site"
    _package(site, "2.0")
    write_notebook(mv_project / "train.ipynb", ["import pkgx"])
    kernel.run(f"import sys\nsys.path.insert(0, {str(site)!r})\nimport pkgx")
    _package(site, "1.0")  # installed again; the kernel still runs 2.0

    ran = kernel.run("%mv snapshot -m trained")

    assert f"jupyter-mv: {WARNING}" in ran.stderr
    version = latest(mv_project)
    assert version.extra["kernel"]["imports"]["pkgx"] == {"distribution": "pkgx", "version": "1.0", "loaded": "2.0"}

    shown = run_cli("show", "train.ipynb@v1", cwd=mv_project, check=True)
    assert f"warning:     {WARNING}" in shown.stdout
    checked = run_cli("env", "train.ipynb@v1", "--check", "--json", cwd=mv_project)
    result = json.loads(checked.stdout)
    assert checked.returncode != 0 and result["same"] is False
    assert result["loaded"] == [{"distribution": "pkgx", "loaded": "2.0", "installed": "1.0"}]
    with Store.open(mv_project) as store:
        report = build_report(store, version.id)
    (flag,) = [w for w in report["warnings"] if w["code"] == "loaded_version"]
    assert flag["message"] == WARNING and flag["detail"]["loaded"] == "2.0"


def test_a_module_at_its_installed_version_is_not_flagged(kernel, mv_project, tmp_path):
    site = tmp_path / "site"
    _package(site, "2.0")
    write_notebook(mv_project / "train.ipynb", ["import pkgx"])
    kernel.run(f"import sys\nsys.path.insert(0, {str(site)!r})\nimport pkgx")

    ran = kernel.run("%mv snapshot -m trained")

    assert "restart the kernel" not in ran.stderr
    assert latest(mv_project).extra["kernel"]["imports"]["pkgx"] == {"distribution": "pkgx", "version": "2.0"}
