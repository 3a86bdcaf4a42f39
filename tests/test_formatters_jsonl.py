from __future__ import annotations

import orjson
from ci_sample import check_golden, render, sample_report

from claimlint.core.findings import Report


def test_jsonl_golden() -> None:
    check_golden("findings.jsonl", render("jsonl"))


def test_jsonl_is_one_finding_per_line_and_nothing_else() -> None:
    lines = render("jsonl").splitlines()
    report = sample_report()
    assert len(lines) == len(report.findings)
    parsed = [orjson.loads(line) for line in lines]
    assert [p["code"] for p in parsed] == [f.code for f in report.findings]
    assert parsed[0]["location"]["claim_id"] == "PCN1001"
    assert "evidence" not in parsed[0]
    assert render("jsonl", Report()) == ""


def test_jsonl_values_only_on_request() -> None:
    first = orjson.loads(render("jsonl", show_values=True).splitlines()[0])
    assert first["evidence"] == {"surfaces": "MOD"}
