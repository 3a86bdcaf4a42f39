"""The versioned JSON report (schemas/report.schema.json)."""

from __future__ import annotations

from typing import TextIO

import orjson

from claimlint.core.findings import Report
from claimlint.report.formatters import FormatOptions


def render(report: Report, out: TextIO, options: FormatOptions) -> None:
    data = report.to_dict(show_values=options.show_values)
    data["tool"]["version"] = options.tool_version
    out.write(orjson.dumps(data, option=orjson.OPT_INDENT_2, default=str).decode())
    out.write("\n")
