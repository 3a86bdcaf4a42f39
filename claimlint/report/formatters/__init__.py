"""Output formats. Each is a module with ``render(report, out, options)``; outputs are rendered
only from the Report (findings + summary), never by recomputing anything.

A format lands by adding one row to FORMATTERS.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

from claimlint.core.findings import Report, Severity

# name -> "module:function"
FORMATTERS: dict[str, str] = {
    "text": "claimlint.report.formatters.text:render",
    "json": "claimlint.report.formatters.json:render",
    "concise": "claimlint.report.formatters.concise:render",
    "jsonl": "claimlint.report.formatters.jsonl:render",
    "sarif": "claimlint.report.formatters.sarif:render",
    "junit": "claimlint.report.formatters.junit:render",
    "github": "claimlint.report.formatters.github:render",
    "gitlab": "claimlint.report.formatters.gitlab:render",
    "csv": "claimlint.report.formatters.csv:render",
    "html": "claimlint.report.formatters.html:render",
    "999": "claimlint.report.formatters.ack999:render",
    "277ca": "claimlint.report.formatters.ack277ca:render",
}

#: the X12 acknowledgments: they answer 837D interchanges, so a run that writes one also
#: records the envelopes it answers (``Report.interchanges``, claimlint.running.acks)
ACK_FORMATS = frozenset({"999", "277ca"})


@dataclass(slots=True)
class FormatOptions:
    show_values: bool = False
    #: code -> Check class, for formats that describe rules (SARIF driver rules, ...)
    rules: dict[str, Any] = field(default_factory=dict)
    tool_version: str = ""
    color: bool = False
    statistics: bool = False
    #: the lowest severity the text output lists (``--severity``); other formats list all
    severity: Severity = Severity.INFO
    #: the lowest severity that fails a run: the acknowledgments reject at or above it
    fail_on: Severity = Severity.ERROR
    #: the time the acknowledgments are dated (ISA09/10, GS04/05, BHT04/05); None: now
    now: dt.datetime | None = None


Renderer = Callable[[Report, TextIO, FormatOptions], None]


def available() -> list[str]:
    return sorted(FORMATTERS)


def get_formatter(name: str) -> Renderer:
    module, _, func = FORMATTERS[name].partition(":")
    renderer: Renderer = getattr(importlib.import_module(module), func)
    return renderer
