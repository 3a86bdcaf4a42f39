"""GitLab Code Quality report (the Code Climate subset GitLab reads): a JSON array of issues
with description, check_name, fingerprint, severity and location.path/lines.begin.

Severities: error → major, warning → minor, info → info. Paths are repository-relative.
The fingerprint is claimlint's (a keyed hash, stable across runs, no line numbers), so GitLab's
merge-request widget shows new and fixed findings correctly.
"""

from __future__ import annotations

from typing import Any, TextIO

import orjson

from claimlint.core.findings import Report, Severity
from claimlint.report.formatters import FormatOptions
from claimlint.report.formatters._common import position, prefixed_message, relative_path

SEVERITY = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}


def render(report: Report, out: TextIO, options: FormatOptions) -> None:
    issues: list[dict[str, Any]] = []
    for f in report.findings:
        line, _ = position(f.location)
        issues.append(
            {
                "type": "issue",
                "description": f"{f.code} {prefixed_message(f)}",
                "check_name": f.code,
                "fingerprint": f.fingerprint,
                "severity": SEVERITY[f.severity],
                "categories": ["Bug Risk"],
                "location": {"path": relative_path(f.location.file), "lines": {"begin": line}},
            }
        )
    out.write(orjson.dumps(issues, option=orjson.OPT_INDENT_2).decode())
    out.write("\n")
