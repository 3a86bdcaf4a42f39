"""``claimlint check`` prints exactly what it printed before (issue 16).

The lean model, the lazy positions and the compiled build change how claimlint runs, never
what it says: the default text report on the demo batch and on each public 837D sample
(shared/x12-samples, read in place, not copied here) is compared byte for byte with the
report printed before those changes (tests/golden/printed/, made with main at 85e76c1, the last
commit before the lean model). In the compiled build (.ci/run) the same files are compared,
so the two builds print the same.

A rule change that legitimately alters a report regenerates its file:
``python tests/test_printed_output.py --regenerate``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SHARED

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden" / "printed"
TODAY = "2026-01-15"
SAMPLES = (
    "mjkubba-edi837D-demo.edi",
    "moov-io-837d-sample.txt",
    "new-wave-837D-batch.txt",
    "new-wave-837D-single.txt",
)


def _printed(args: list[str], cwd: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "claimlint", "check", *args, "--today", TODAY],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "100"},
        timeout=120,
    )
    return f"{done.stdout}{done.stderr}exit {done.returncode}\n"


def _demo() -> str:
    return _printed(["fixtures/demo/", "--config", "fixtures/demo/claimlint.toml"], ROOT)


def _sample(name: str) -> str:
    assert SHARED is not None
    return _printed([name], SHARED / "x12-samples")


def test_demo_prints_what_it_printed_before() -> None:
    assert _demo() == (GOLDEN / "demo.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", SAMPLES)
def test_public_sample_prints_what_it_printed_before(name: str) -> None:
    if SHARED is None or not (SHARED / "x12-samples" / name).exists():
        pytest.skip(f"{name}: shared/x12-samples is not beside the project")
    assert _sample(name) == (GOLDEN / f"{name}.txt").read_text(encoding="utf-8")


if __name__ == "__main__" and sys.argv[1:] == ["--regenerate"]:
    GOLDEN.mkdir(parents=True, exist_ok=True)
    (GOLDEN / "demo.txt").write_text(_demo(), encoding="utf-8")
    for sample in SAMPLES:
        (GOLDEN / f"{sample}.txt").write_text(_sample(sample), encoding="utf-8")
