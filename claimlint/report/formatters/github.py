"""GitHub Actions workflow commands: ``::error file=…,line=…,col=…,title=CODE::message``.

Escaping follows the runner's rules (actions/toolkit ``command.ts``): in the message ``%``,
``\\r`` and ``\\n`` are percent-encoded; in property values ``:`` and ``,`` are as well.
Severities map error → error, warning → warning, info → notice.
"""

from __future__ import annotations

from typing import TextIO

from claimlint.core.findings import Report, Severity
from claimlint.report.formatters import FormatOptions
from claimlint.report.formatters._common import position, prefixed_message, relative_path

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render(report: Report, out: TextIO, options: FormatOptions) -> None:
    for f in report.findings:
        line, col = position(f.location)
        props = ",".join(
            f"{k}={escape_property(v)}"
            for k, v in (
                ("file", relative_path(f.location.file)),
                ("line", str(line)),
                ("col", str(col)),
                ("title", f.code),
            )
        )
        message = prefixed_message(f)
        if options.show_values and f.evidence:
            message += "\nvalues: " + ", ".join(f"{k}={v}" for k, v in f.evidence.items())
        out.write(f"::{_COMMAND[f.severity]} {props}::{escape_data(message)}\n")
