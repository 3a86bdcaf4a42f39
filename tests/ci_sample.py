"""A fixed synthetic Report for the formatter golden tests (no rules, no readers involved)."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import ClassVar

from claimlint.checks.base import Check
from claimlint.checks.source import SchemaViolation
from claimlint.core.findings import Finding, Location, Report, Scope, Severity, Summary
from claimlint.report.formatters import FormatOptions, get_formatter

GOLDEN = Path(__file__).parent / "golden"


class SampleSurfaceCount(Check):
    """
    What it checks:
        That the number of surfaces matches the restoration code.

    Why it matters:
        Payers deny or downgrade a restoration whose code and surfaces disagree.

    Bad example:
        D2150 (two surfaces) billed with MOD.

    Good example:
        D2160 billed with MOD.

    References:
        DOMAIN.md §3.4.
    """

    code = "CL301"
    name = "surface-count-mismatch"
    summary = "Surface count does not match the code"
    severity = Severity.ERROR
    scope = Scope.LINE
    tags: ClassVar[tuple[str, ...]] = ("surfaces",)


RULES = {"CL301": SampleSurfaceCount, "CL002": SchemaViolation}


def _f(
    code: str, name: str, sev: Severity, msg: str, loc: Location, fp: str, **kw: object
) -> Finding:
    return Finding(code, name, sev, msg, loc, fingerprint=fp, **kw)  # type: ignore[arg-type]


def sample_report() -> Report:
    findings = [
        _f(
            "CL301", "surface-count-mismatch", Severity.ERROR,
            "D2150 is a 2-surface code but 3 surfaces (MOD) are listed; bill D2160.",
            Location("claims/batch.json", "PCN1001", 2, "surfaces", 14, 22,
                     "/claims/0/lines/1/surfaces"),
            "0f3a9c1e5b7d2468ace013579bdf0246", evidence={"surfaces": "MOD"},
        ),
        _f(
            "CL301", "surface-count-mismatch", Severity.ERROR,
            "D2150 is a 2-surface code but 3 surfaces (MOD) are listed; bill D2160.",
            Location("claims/batch.json", "PCN1001", 2, "surfaces", 14, 22,
                     "/claims/0/lines/1/surfaces"),
            "1f3a9c1e5b7d2468ace013579bdf0246",
        ),
        _f(
            "CL002", "schema-violation", Severity.ERROR,
            "Claim PCN1002 does not match the claim schema: charge must be a number.",
            Location("claims/batch.json", "PCN1002", None, "/claims/1/lines/0/charge",
                     pointer="/claims/1/lines/0/charge"),
            "2e4b6d8f0a1c3e5a7c9e1b3d5f7a9c1d",
        ),
        _f(
            "CL301", "surface-count-mismatch", Severity.WARNING,
            "D2391 is a 1-surface code but 2 surfaces (MO) are listed; bill D2392.",
            Location("x12/claims.837", "PCN2001", 1, "TOO03", 1, 512,
                     segment_index=23, segment_id="TOO"),
            "3c5e7a9b1d3f5a7c9e1b3d5f7a9c1e3b",
        ),
        _f(
            "CL999", "sample-plugin-rule", Severity.INFO,
            "50% of lines: check, then\nretry",
            Location("broken.json"),
            "4d6f8b0c2e4a6c8e0a2c4e6a8c0e2a4c",
        ),
        _f(
            "CL002", "schema-violation", Severity.ERROR,
            "Claim =SUM(A1) has no lines.",
            Location("claims/batch.json", "=SUM(A1)", None, "/claims/2/lines",
                     pointer="/claims/2/lines"),
            "5e7a9c1e3b5d7f9a1c3e5b7d9f1a3c5e",
        ),
    ]  # fmt: skip
    summary = Summary(
        files=4,
        claims_read=6,
        claims_linted=4,
        claims_unparsable=2,
        by_severity={"error": 4, "warning": 1, "info": 1},
    )
    return Report(
        findings=findings,
        summary=summary,
        files=["claims/batch.json", "claims/clean.json", "x12/claims.837", "broken.json"],
    )


def render(fmt: str, report: Report | None = None, **opts: object) -> str:
    options = FormatOptions(rules=dict(RULES), tool_version="0.1.0", **opts)  # type: ignore[arg-type]
    out = io.StringIO()
    get_formatter(fmt)(report or sample_report(), out, options)
    return out.getvalue()


def check_golden(name: str, text: str) -> None:
    """Compare with tests/golden/<name>; UPDATE_GOLDEN=1 rewrites the file instead."""
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8", newline="")
    assert path.exists(), f"{path} is missing; run with UPDATE_GOLDEN=1 to create it"
    assert text == path.read_bytes().decode("utf-8")
