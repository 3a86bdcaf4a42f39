"""A hang fails its test fast (pytest-timeout, [tool.pytest.ini_options] timeout) instead of
eating CI's time budget."""

from __future__ import annotations

import pytest


def test_every_test_has_a_timeout(pytestconfig: pytest.Config) -> None:
    assert pytestconfig.pluginmanager.hasplugin("timeout"), "pytest-timeout is not installed"
    assert 60 <= float(pytestconfig.getini("timeout")) <= 600
