"""One finding per row, for billing teams' spreadsheets.

Columns: file, claim_id, line, field, code, name, severity, message, position. Rows end with
``\\n`` (spreadsheet programs accept it). Cells that a spreadsheet would run as a formula
(starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return) are prefixed with ``'``: claim
ids come from the input, and an export should never become a spreadsheet macro (CSV injection).
"""

from __future__ import annotations

import csv
from typing import Any, TextIO

from claimlint.core.findings import Report
from claimlint.report.formatters import FormatOptions

COLUMNS = ("file", "claim_id", "line", "field", "code", "name", "severity", "message", "position")
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return value


def render(report: Report, out: TextIO, options: FormatOptions) -> None:
    columns = (*COLUMNS, "values") if options.show_values else COLUMNS
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for f in report.findings:
        loc = f.location
        row = [
            loc.file,
            loc.claim_id,
            loc.line,
            loc.field,
            f.code,
            f.name,
            f.severity.value,
            f.message,
            loc.describe(),
        ]
        if options.show_values:
            row.append("; ".join(f"{k}={v}" for k, v in (f.evidence or {}).items()))
        writer.writerow([_cell(v) for v in row])
