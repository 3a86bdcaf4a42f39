"""The default format, for a billing person: grouped by file and claim, each finding with its
fix, and one summary line at the end."""

from __future__ import annotations

from collections import defaultdict
from typing import TextIO

from claimlint.core.findings import Finding, Report, Severity
from claimlint.report.formatters import FormatOptions

_LABEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "info"}
_COLOR = {Severity.ERROR: "\x1b[31m", Severity.WARNING: "\x1b[33m", Severity.INFO: "\x1b[36m"}
_RESET = "\x1b[0m"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _finding_line(f: Finding, options: FormatOptions) -> str:
    loc = f.location
    where = f"line {loc.line}" if loc.line is not None else ("claim" if loc.claim_id else "file")
    label = _LABEL[f.severity]
    if options.color:
        label = f"{_COLOR[f.severity]}{label}{_RESET}"
    pos = f.location.describe()
    field = f.location.field
    tail = ", ".join(dict.fromkeys(p for p in (field, pos) if p))
    text = f"    {where:<8} {label:<7} {f.code}  {f.message}"
    if tail:
        text += f"  [{tail}]"
    if options.show_values and f.evidence:
        values = ", ".join(f"{k}={v}" for k, v in f.evidence.items())
        text += f"\n             values: {values}"
    return text


def render(report: Report, out: TextIO, options: FormatOptions) -> None:
    by_file: dict[str, dict[str | None, list[Finding]]] = defaultdict(lambda: defaultdict(list))
    for f in report.findings:
        by_file[f.location.file][f.location.claim_id].append(f)
    claims_with_findings = 0
    for file, claims in by_file.items():
        out.write(f"{file}\n")
        file_level = claims.pop(None, [])
        if file_level:
            out.write("  file\n")
            for f in file_level:
                out.write(_finding_line(f, options) + "\n")
        for claim_id, findings in claims.items():
            if any(f.severity is not Severity.INFO for f in findings):
                claims_with_findings += 1
            out.write(f"  claim {claim_id}  ({_plural(len(findings), 'finding')})\n")
            # claim-level findings first, then by service line; the rest keeps engine order
            for f in sorted(
                findings, key=lambda f: -1 if f.location.line is None else f.location.line
            ):
                out.write(_finding_line(f, options) + "\n")
        out.write("\n")
    if options.statistics and report.findings:
        counts: dict[tuple[str, str], int] = defaultdict(int)
        for f in report.findings:
            counts[(f.code, f.name)] += 1
        out.write("Findings per rule:\n")
        for (code, name), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            out.write(f"  {n:>6}  {code}  {name}\n")
        out.write("\n")
    s = report.summary
    sev = s.by_severity
    clean = max(s.claims_linted - claims_with_findings, 0)
    parts = [
        f"{_plural(s.claims_read, 'claim')} read in {_plural(s.files, 'file')}",
        f"{s.claims_linted} linted",
    ]
    if s.claims_unparsable:
        parts.append(f"{s.claims_unparsable} could not be read")
    line = ", ".join(parts)
    if s.findings:
        line += (
            f"; {_plural(s.findings, 'finding')} ({_plural(sev['error'], 'error')}, "
            f"{_plural(sev['warning'], 'warning')}, {sev['info']} info)"
        )
    else:
        line += "; no findings"
    line += f"; {_plural(clean, 'claim')} without errors or warnings."
    out.write(line + "\n")
