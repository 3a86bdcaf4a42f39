"""JUnit XML, for CI test-report views (GitLab ``artifacts:reports:junit``, Jenkins, Azure).

One ``<testsuite>`` per input file (``report.files``, plus any file that only appears in
findings). Each error or warning finding is a failing ``<testcase>`` whose name carries the
claim id, service line, rule and source position, so names are unique within the suite: GitLab
silently drops test cases with duplicate names. Failures carry the message and ``type`` = the
rule code.

Info findings (estimates, downgrade notices) never fail a test. They are listed in the
``<system-out>`` of one passing test case per file:

* a file without findings gets the passing case ``no findings``;
* a file whose only findings are info gets the passing case ``no errors or warnings``;
* a file with failures and info findings also gets a passing case ``info findings``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from typing import TextIO

from claimlint.core.findings import Finding, Report, Severity
from claimlint.report.formatters import FormatOptions
from claimlint.report.formatters._common import files_in_order, position

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
    root = ET.Element("testsuites", name="claimlint", tests="0", failures="0", errors="0")
    total = failed = 0
    for file in files:
        findings = by_file.get(file, [])
        failing = [f for f in findings if f.severity is not Severity.INFO]
        info = [f for f in findings if f.severity is Severity.INFO]
        passing = 1 if info or not failing else 0
        suite = ET.SubElement(
            root,
            "testsuite",
            name=_clean(file),
            tests=str(len(failing) + passing),
            failures=str(len(failing)),
            errors="0",
            skipped="0",
        )
        total += len(failing) + passing
        failed += len(failing)
        used: Counter[str] = Counter()
        for f in failing:
            name = case_name(f)
            used[name] += 1
            if used[name] > 1:  # same rule, same place, twice: keep names unique
                name += f" #{used[name]}"
            case = ET.SubElement(suite, "testcase", classname=_clean(file), name=_clean(name))
            failure = ET.SubElement(case, "failure", message=_clean(f.message), type=f.code)
            failure.text = _clean(_details(f, options))
        if passing:
            if not info:
                name = "no findings"
            elif not failing:
                name = "no errors or warnings"
            else:
                name = "info findings"
            case = ET.SubElement(suite, "testcase", classname=_clean(file), name=name)
            if info:
                blocks = [f"{case_name(f)}\n{_details(f, options)}" for f in info]
                ET.SubElement(case, "system-out").text = _clean("\n\n".join(blocks))
    root.set("tests", str(total))
    root.set("failures", str(failed))
    ET.indent(root)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(root, encoding="unicode"))
    out.write("\n")
