"""One JSON object per finding per line (the ``findings[]`` items of the JSON report), and
nothing else: no summary line, so ``jq``/``grep`` pipelines see only findings."""

from __future__ import annotations

from typing import TextIO

import orjson

from claimlint.core.findings import Report
from claimlint.report.formatters import FormatOptions


def render(report: Report, out: TextIO, options: FormatOptions) -> None:
    for f in report.findings:
        out.write(orjson.dumps(f.to_dict(show_values=options.show_values), default=str).decode())
        out.write("\n")
