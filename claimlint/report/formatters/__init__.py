"""Output formats. Each is a module with ``render(report, out, options)``; outputs are rendered
only from the Report (findings + summary), never by recomputing anything.

A format lands by adding one row to FORMATTERS.
"""

from __future__ import annotations

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
}


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


Renderer = Callable[[Report, TextIO, FormatOptions], None]


def available() -> list[str]:
    return sorted(FORMATTERS)


def get_formatter(name: str) -> Renderer:
    module, _, func = FORMATTERS[name].partition(":")
    renderer: Renderer = getattr(importlib.import_module(module), func)
    return renderer
