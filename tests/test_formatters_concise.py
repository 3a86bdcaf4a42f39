from __future__ import annotations

from ci_sample import check_golden, render

from claimlint.core.findings import Report


def test_concise_golden() -> None:
    check_golden("concise.txt", render("concise"))


def test_concise_one_line_per_finding_with_physical_position() -> None:
    lines = render("concise").splitlines()
    assert lines[0] == (
        "claims/batch.json:14:22: CL301 [error] claim PCN1001, line 2: D2150 is a 2-surface "
        "code but 3 surfaces (MOD) are listed; bill D2160."
    )
    # X12: the physical column inside a one-line file; unknown positions are 1:1
    assert lines[3].startswith("x12/claims.837:1:512: CL301 [warning] claim PCN2001, line 1: ")
    assert lines[4] == "broken.json:1:1: CL999 [info] 50% of lines: check, then retry"
    assert lines[-1] == "Found 6 findings."


def test_concise_statistics_and_values() -> None:
    text = render("concise", statistics=True, show_values=True)
    assert "     3  CL301   error    surface-count-mismatch" in text
    assert "(values: surfaces=MOD)" in text
    assert "(values:" not in render("concise")


def test_concise_clean() -> None:
    assert render("concise", Report()) == "All checks passed.\n"
