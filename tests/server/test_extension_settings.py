"""The server extension's settings: JupyterMV.autoload for the kernels it starts."""

from __future__ import annotations

import os

import pytest
from traitlets.config import Config

from jupyter_mv.kernel.autoload import AUTOLOAD_ENV


def test_kernels_are_asked_to_load_the_kernel_side_by_default(jp_serverapp):
    assert "jupyter_mv" in jp_serverapp.extension_manager.extensions
    assert os.environ[AUTOLOAD_ENV] == "1"


class TestAutoloadOff:
    @pytest.fixture
    def jp_server_config(self) -> Config:
        return Config({"ServerApp": {"jpserver_extensions": {"jupyter_mv": True}}, "JupyterMV": {"autoload": False}})

    def test_kernels_are_told_not_to_load_it(self, jp_serverapp):
        assert os.environ[AUTOLOAD_ENV] == "0"


class TestAutoloadFromTheEnvironment:
    @pytest.fixture(autouse=True)
    def _user_said_no(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv(AUTOLOAD_ENV, "0")

    def test_a_value_already_in_the_environment_is_kept(self, jp_serverapp):
        assert os.environ[AUTOLOAD_ENV] == "0"
