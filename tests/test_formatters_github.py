from __future__ import annotations

from ci_sample import check_golden, render

from claimlint.report.formatters.github import escape_data, escape_property


def test_github_golden() -> None:
    check_golden("github.txt", render("github"))


def test_github_annotation_shape() -> None:
    lines = render("github").splitlines()
    assert lines[0] == (
        "::error file=claims/batch.json,line=14,col=22,title=CL301::claim PCN1001, line 2: "
        "D2150 is a 2-surface code but 3 surfaces (MOD) are listed; bill D2160."
    )
    assert lines[3].startswith("::warning file=x12/claims.837,line=1,col=512,title=CL301::")
    # info -> notice; the message is escaped per the workflow-command rules
    assert lines[4] == (
        "::notice file=broken.json,line=1,col=1,title=CL999::50%25 of lines: check, then%0Aretry"
    )
    assert len(lines) == 6


def test_github_escaping() -> None:
    assert escape_data("a%b\r\nc:d,e") == "a%25b%0D%0Ac:d,e"
    assert escape_property("a%b\r\nc:d,e") == "a%25b%0D%0Ac%3Ad%2Ce"
