"""One line per finding, grep-able: ``path:line:col: CODE [severity] claim X, line N: message``.

The position is physical (1-based; 1 when unknown). For X12 files, which are often a single
physical line, the column is the offset of the segment in that line.
"""

from __future__ import annotations

from typing import TextIO

from claimlint.core.findings import Report
from claimlint.report.formatters import FormatOptions
from claimlint.report.formatters._common import position, prefixed_message, statistics_text


def render(report: Report, out: TextIO, options: FormatOptions) -> None:
    for f in report.findings:
        line, col = position(f.location)
        where = f"{f.location.file}:{line}:{col}:"
        text = f"{where} {f.code} [{f.severity.value}] {prefixed_message(f)}"
        if options.show_values and f.evidence:
            text += " (values: " + ", ".join(f"{k}={v}" for k, v in f.evidence.items()) + ")"
        out.write(text.replace("\r", " ").replace("\n", " ") + "\n")
    if options.statistics:
        out.write(statistics_text(report))
    n = len(report.findings)
    out.write(f"Found {n} finding{'' if n == 1 else 's'}.\n" if n else "All checks passed.\n")
