"""A package installed twice on the path is recorded once, as the copy that imports (the
first on ``sys.path``), and the packages after it are all still recorded. Real
dist-info folders on a real ``sys.path``, captured in-process."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from jupyter_mv.capture import capture_environment


def dist_info(folder: Path, name: str, version: str) -> None:
    info = folder / f"{name}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")


def test_the_first_copy_on_the_path_wins_and_nothing_after_a_duplicate_is_lost(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second, third = tmp_path / "first", tmp_path / "second", tmp_path / "third"
    dist_info(first, "mv_twice", "1.0")
    dist_info(second, "mv_twice", "2.0")
    dist_info(third, "mv_after", "3.0")
    monkeypatch.setattr(sys, "path", [str(first), str(second), str(third), *sys.path])

    packages = [p for p in capture_environment()["packages"] if p["name"].startswith("mv_")]

    assert [(p["name"], p["version"]) for p in packages] == [("mv_after", "3.0"), ("mv_twice", "1.0")]
    assert any(p["name"] == "pytest" for p in capture_environment()["packages"])
