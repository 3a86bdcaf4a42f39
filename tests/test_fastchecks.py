"""Per-code dispatch and clean fast paths must not change what claimlint finds."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GOLDEN = REPO / "tests" / "golden" / "demo_findings.jsonl"


def test_demo_findings_unchanged() -> None:
    """The demo files give exactly the findings (and order) recorded before the fast paths."""
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "claimlint",
            "check",
            "fixtures/demo/",
            "--config",
            "fixtures/demo/claimlint.toml",
            "--format",
            "jsonl",
            "--today",
            "2026-01-15",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 1, out.stderr
    assert out.stdout.splitlines() == GOLDEN.read_text().splitlines()
