"""JUnit XML, for CI test-report views (GitLab ``artifacts:reports:junit``, Jenkins, Azure).

One ``<testsuite>`` per input file (``report.files``, plus any file that only appears in
findings). Each finding is a failing ``<testcase>`` whose name carries the claim id, service
line, rule and source position, so names are unique within the suite: GitLab silently drops
test cases with duplicate names. A clean file gets one passing test case. Failures carry the
message and ``type`` = the rule code.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from typing import TextIO

from claimlint.findings import Finding, Report
from claimlint.formatters import FormatOptions
from claimlint.formatters._common import files_in_order, position

# Characters XML 1.0 cannot carry at all.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _INVALID_XML.sub("\ufffd", text)


def case_name(f: Finding) -> str:
    loc = f.location
    parts = [f"claim {loc.claim_id}" if loc.claim_id else "file"]
    if loc.line is not None:
        parts.append(f"line {loc.line}")
    head = ", ".join(parts)
    line, col = position(loc)
    where = loc.describe() or f"line {line}, col {col}"
    name = f"{head}: {f.code} {f.name}"
    if loc.field:
        name += f" [{loc.field}]"
    return f"{name} ({where})"


def _details(f: Finding, options: FormatOptions) -> str:
    loc = f.location
    rows = [
        f"{f.code} {f.name} ({f.severity.value})",
        f.message,
        f"file: {loc.file}",
    ]
    if loc.claim_id:
        rows.append(f"claim: {loc.claim_id}")
    if loc.line is not None:
        rows.append(f"service line: {loc.line}")
    if loc.field:
        rows.append(f"field: {loc.field}")
    if loc.describe():
        rows.append(f"position: {loc.describe()}")
    if options.show_values and f.evidence:
        rows.append("values: " + ", ".join(f"{k}={v}" for k, v in f.evidence.items()))
    return "\n".join(rows)


def render(report: Report, out: TextIO, options: FormatOptions) -> None:
    by_file: dict[str, list[Finding]] = defaultdict(list)
    for f in report.findings:
        by_file[f.location.file].append(f)
    files = files_in_order(report)
    root = ET.Element(
        "testsuites",
        name="claimlint",
        tests="0",
        failures=str(len(report.findings)),
        errors="0",
    )
    total = 0
    for file in files:
        findings = by_file.get(file, [])
        suite = ET.SubElement(
            root,
            "testsuite",
            name=_clean(file),
            tests=str(max(len(findings), 1)),
            failures=str(len(findings)),
            errors="0",
            skipped="0",
        )
        total += max(len(findings), 1)
        if not findings:
            ET.SubElement(suite, "testcase", classname=_clean(file), name="no findings")
            continue
        used: Counter[str] = Counter()
        for f in findings:
            name = case_name(f)
            used[name] += 1
            if used[name] > 1:  # same rule, same place, twice: keep names unique
                name += f" #{used[name]}"
            case = ET.SubElement(suite, "testcase", classname=_clean(file), name=_clean(name))
            failure = ET.SubElement(case, "failure", message=_clean(f.message), type=f.code)
            failure.text = _clean(_details(f, options))
    root.set("tests", str(total))
    ET.indent(root)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(root, encoding="unicode"))
    out.write("\n")
