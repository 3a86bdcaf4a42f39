"""Shared test fixtures: the repository root, the shared/ folder (optional), a fixed today."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
TODAY = dt.date(2026, 1, 15)


def _find_shared() -> Path | None:
    candidates = []
    if os.environ.get("CLAIMLINT_SHARED"):
        candidates.append(Path(os.environ["CLAIMLINT_SHARED"]))
    candidates += [ROOT.parent / "shared", Path("/work/shared")]
    for path in candidates:
        if (path / "x12-samples").is_dir():
            return path
    return None


SHARED = _find_shared()


@pytest.fixture
def shared() -> Path:
    if SHARED is None:
        pytest.skip("shared/ folder (public samples, SARIF schema) is not present")
    return SHARED


@pytest.fixture
def today() -> dt.date:
    return TODAY
