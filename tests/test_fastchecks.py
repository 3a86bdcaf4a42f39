"""Per-code dispatch and clean fast paths must not change what claimlint finds."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path
from typing import ClassVar

from claimlint.checks import builtin_checks
from claimlint.checks.base import Check, Context
from claimlint.core.findings import Scope
from claimlint.core.model import Claim, ServiceLine, SourceRef, ToothEntry
from claimlint.running.lint import CheckSet, lint_claim

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


# -- per-code dispatch ---------------------------------------------------------------------


TODAY = dt.date(2026, 1, 15)


def _claim(*lines: tuple[str, str | None], claim_id: str = "PCN1") -> Claim:
    ref = SourceRef(file="t.json", pointer="/claims/0")
    return Claim(
        claim_id=claim_id,
        payer_id="SYNPAYER1",
        date_of_service=dt.date(2025, 6, 2),
        total_charge=100 * len(lines),
        ref=ref,
        lines=tuple(
            ServiceLine(
                line_number=n,
                code=code,
                charge=100,
                teeth=(ToothEntry(tooth=tooth, surfaces="MO"),) if tooth else (),
                ref=ref.at(pointer=f"/claims/0/lines/{n - 1}"),
            )
            for n, (code, tooth) in enumerate(lines, 1)
        ),
    )


class _Recorder(Check):
    """
    What it checks:
        Nothing; records the lines it is called for.
    Why it matters:
        Test double.
    Bad example:
        -
    Good example:
        -
    References:
        tests/test_fastchecks.py
    """

    code = "CLT01"
    name = "test-recorder"
    summary = "records calls"
    scope = Scope.LINE
    applies_to = frozenset({"D2391"})
    calls: ClassVar[list[str]] = []

    def check(self, line: ServiceLine, ctx: Context) -> tuple:
        self.calls.append(line.code)
        return ()


class _ProfileRecorder(_Recorder):
    code = "CLT02"
    name = "test-profile-recorder"
    applies_to = None
    needs_profile = True
    calls: ClassVar[list[str]] = []


class _TeethRecorder(_Recorder):
    code = "CLT03"
    name = "test-teeth-recorder"
    applies_to = None
    needs_teeth = True
    calls: ClassVar[list[str]] = []


def test_check_is_never_called_for_codes_outside_applies_to() -> None:
    checks = CheckSet.build([_Recorder])
    _Recorder.calls.clear()
    ctx = Context(today=TODAY)
    lint_claim(
        _claim(("D0120", None), ("D2140", "30"), ("D2392", "3"), ("D9999", "4")), ctx, checks
    )
    assert _Recorder.calls == []
    lint_claim(_claim(("D0120", None), ("D2391", "30")), ctx, checks)
    assert _Recorder.calls == ["D2391"]


def test_needs_profile_and_needs_teeth_checks_are_skipped() -> None:
    checks = CheckSet.build([_ProfileRecorder, _TeethRecorder])
    _ProfileRecorder.calls.clear()
    _TeethRecorder.calls.clear()
    lint_claim(_claim(("D0120", None), ("D2391", "30")), Context(today=TODAY), checks)
    assert _ProfileRecorder.calls == []  # no payer profile
    assert _TeethRecorder.calls == ["D2391"]  # not the line without teeth


def test_dispatch_keeps_code_order_and_lets_unknown_codes_through() -> None:
    checks = CheckSet.build(builtin_checks())
    for code in ("D2391", "D0120", "D9999", "X12", "d2391"):
        for profiled in (False, True):
            without, with_teeth = checks.line_for(code, profiled)
            order = [c for c in checks.line if c in with_teeth]
            assert list(with_teeth) == order
            assert set(without) <= set(with_teeth)
    unknown = {c.code for c in checks.line_for("D9999", False)[1]}
    assert {"CL111", "CL115", "CL202"} <= unknown
    assert "CL301" not in unknown
    found = lint_claim(_claim(("D2155", "30"), ("X12", None)), Context(today=TODAY), checks)
    codes = [(f.code, f.location.line) for f in found]
    assert ("CL115", 1) in codes and ("CL111", 2) in codes


# -- fast paths are only shortcuts -----------------------------------------------------------


def _odd_lines() -> list[tuple[Claim, ServiceLine]]:
    """Lines of every known code (and unknown or malformed ones) on teeth and surfaces that are
    valid, invalid, duplicated, too many, supernumerary, lower case or missing."""
    import random

    from claimlint.dental.cdt import CODES

    rng = random.Random(7)
    codes = [*CODES, "D9999", "d2391", " D2392", "X12", ""]
    teeth = ["3", "8", "30", "A", "E", "55", "AS", "33", "03", "#8", None, ""]
    surfaces = ["", "MO", "MOD", "I", "MID", "MIFL", "O", "DO", "MOOD", "MODBLI", "V", "mo", "BF"]
    ref = SourceRef(file="t.json", pointer="/claims/0")
    out = []
    for n in range(4000):
        count = rng.choice([0, 1, 1, 1, 2])
        entries = tuple(
            ToothEntry.construct(
                tooth=rng.choice(teeth),
                surfaces=tuple(rng.choice(surfaces)),
                qualifier=rng.choice([None, None, "JP", "JO"]),
                system=rng.choice([None, "universal", "iso"]),
                original=None,
                ref=None,
                surfaces_ref=None,
            )
            for _ in range(count)
        )
        line = ServiceLine.construct(
            line_number=1,
            code=rng.choice(codes),
            code_qualifier=rng.choice([None, "AD", "ZZ"]),
            charge=rng.choice([None, 100, -5]),
            quantity=rng.choice([1, 2]),
            teeth=entries,
            oral_cavity=(),
            date_of_service=None,
            prior_placement_date=None,
            placement=None,
            note=rng.choice([None, None, "MO caries into dentin, composite #30"]),
            control_number=None,
            ref=ref,
            refs={},
        )
        claim = Claim.construct(
            claim_id=f"PCN{n}", ref=ref, refs={}, lines=(line,), date_of_service=None
        )
        out.append((claim, line))
    return out


def test_line_fast_paths_and_dispatch_find_what_the_full_rule_finds() -> None:
    """For every line check: ``check`` (fast path) gives exactly the findings of the rule's
    full body, and a check the dispatch leaves out of a line finds nothing on it."""
    checks = CheckSet.build(builtin_checks())
    samples = _odd_lines()
    for check in checks.line:
        full = getattr(check, "_findings", None)
        for claim, line in samples:
            ctx = Context(today=TODAY, claim=claim)
            fast = list(check.check(line, ctx))
            if full is not None:
                assert fast == list(full(line, ctx)), (check.code, line)
            without, with_teeth = checks.line_for(line.code, profiled=False)
            run = with_teeth if line.teeth else without
            if check not in run:
                assert fast == [], (check.code, line)
