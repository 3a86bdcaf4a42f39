from __future__ import annotations

import orjson
from ci_sample import check_golden, render, sample_report


def test_gitlab_golden() -> None:
    check_golden("gl-code-quality.json", render("gitlab"))


def test_gitlab_code_quality_fields() -> None:
    issues = orjson.loads(render("gitlab"))
    report = sample_report()
    assert len(issues) == len(report.findings)
    first = issues[0]
    assert first["check_name"] == "CL301"
    assert first["severity"] == "major"
    assert first["location"] == {"path": "claims/batch.json", "lines": {"begin": 14}}
    assert first["fingerprint"] == report.findings[0].fingerprint
    assert "PCN1001" in first["description"]
    assert [i["severity"] for i in issues[3:5]] == ["minor", "info"]
    # GitLab keys issues by fingerprint: they must be unique
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    assert all(i["location"]["lines"]["begin"] >= 1 for i in issues)
