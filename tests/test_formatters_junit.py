from __future__ import annotations

import xml.etree.ElementTree as ET

from ci_sample import check_golden, render


def test_junit_golden() -> None:
    check_golden("junit.xml", render("junit"))


def test_junit_suites_cases_and_failures() -> None:
    root = ET.fromstring(render("junit"))
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    # one suite per input file, including the clean one and a file only seen in findings
    assert list(suites) == [
        "claims/batch.json",
        "claims/clean.json",
        "x12/claims.837",
        "broken.json",
    ]
    clean = suites["claims/clean.json"]
    assert clean.get("failures") == "0"
    [case] = clean.findall("testcase")
    assert case.find("failure") is None
    batch = suites["claims/batch.json"]
    names = [c.get("name") for c in batch.findall("testcase")]
    assert len(names) == len(set(names)) == 4  # unique even for a repeated finding
    assert names[0] == (
        "claim PCN1001, line 2: CL301 surface-count-mismatch [surfaces] "
        "(line 14, col 22; /claims/0/lines/1/surfaces)"
    )
    assert names[1].endswith(" #2")
    failure = batch.find("testcase/failure")
    assert failure is not None
    assert failure.get("type") == "CL301"
    assert failure.get("message", "").startswith("D2150 is a 2-surface code")
    x12_case = suites["x12/claims.837"].find("testcase")
    assert x12_case is not None and "PCN2001" in (x12_case.get("name") or "")
    assert "segment 23 (TOO)" in (x12_case.get("name") or "")
    assert root.get("tests") == "7" and root.get("failures") == "5"
    # a file whose only finding is info passes; the info finding is in the case's system-out
    broken = suites["broken.json"]
    assert broken.get("failures") == "0"
    [case] = broken.findall("testcase")
    assert case.get("name") == "no errors or warnings" and case.find("failure") is None
    assert "CL999 sample-plugin-rule (info)" in (case.findtext("system-out") or "")


def test_junit_info_next_to_failures_is_a_passing_case() -> None:
    import io

    from ci_sample import sample_report

    from claimlint.core.findings import Finding, Location, Severity
    from claimlint.report.formatters import FormatOptions, get_formatter

    report = sample_report()
    report.findings.append(
        Finding("CL601", "estimate", Severity.INFO, "Estimate for D2392: plan $56.00.",
                Location("x12/claims.837", "PCN2001", 1, "SV301"), fingerprint="f" * 32)
    )  # fmt: skip
    out = io.StringIO()
    get_formatter("junit")(report, out, FormatOptions())
    root = ET.fromstring(out.getvalue())
    suite = next(s for s in root.iter("testsuite") if s.get("name") == "x12/claims.837")
    assert (suite.get("tests"), suite.get("failures")) == ("2", "1")
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases][1] == "info findings"
    assert cases[1].find("failure") is None
    assert "Estimate for D2392" in (cases[1].findtext("system-out") or "")


def test_junit_values_only_on_request() -> None:
    assert "values: surfaces=MOD" in render("junit", show_values=True)
    assert "values:" not in render("junit")
