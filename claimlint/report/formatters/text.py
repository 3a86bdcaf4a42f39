"""The default format, for a billing person: grouped by file and claim, each finding with its
fix, and one summary line at the end.

In each file the claims with errors come first, then those with warnings, then the rest; in
each claim its errors, then warnings, then information. The per-line estimates (CL601) are
not listed one by one: each claim gets one money line, rendered from their ``data`` (plan
payment, patient share, write-off) and from CL405's (downgrade dollars), with the dollars at
risk; the per-line detail stays in the JSON, JSONL and HTML outputs. ``options.severity``
(``--severity``) hides findings below it; a claim with none left is not listed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, TextIO

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


#: the estimate of one service line: summed into the claim's money line, never listed
ESTIMATE = "CL601"
#: the alternate-benefit downgrade: its ``data["downgrade"]`` is dollars at risk
DOWNGRADE = "CL405"
_ZERO = Decimal("0.00")


def _amount(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return _ZERO
    return amount if amount.is_finite() else _ZERO


def _dollars(value: Decimal) -> str:
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value).quantize(Decimal('0.01')):,.2f}"


@dataclass(slots=True)
class Money:
    """Totals of a claim's (or the batch's) CL601 and CL405 findings."""

    lines: int = 0
    plan_pays: Decimal = _ZERO
    patient_owes: Decimal = _ZERO
    write_off: Decimal = _ZERO
    downgrade: Decimal = _ZERO
    downgraded_lines: int = 0
    denied_lines: int = 0
    denied_fees: Decimal = _ZERO

    def add_finding(self, f: Finding) -> None:
        data = f.data or {}
        if f.code == ESTIMATE:
            self.lines += 1
            self.plan_pays += _amount(data.get("plan_pays"))
            self.patient_owes += _amount(data.get("patient_owes"))
            self.write_off += _amount(data.get("write_off"))
            if data.get("not_covered"):
                self.denied_lines += 1
                self.denied_fees += _amount(data.get("office_fee"))
        elif f.code == DOWNGRADE and data and not data.get("moot"):
            amount = _amount(data.get("downgrade"))
            if amount > 0:
                self.downgrade += amount
                self.downgraded_lines += 1

    def add(self, other: Money) -> None:
        for name in self.__slots__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def at_risk(self) -> str:
        parts = []
        if self.downgrade > 0:
            parts.append(
                f"{_dollars(self.downgrade)} lost to downgrades "
                f"({_plural(self.downgraded_lines, 'line')})"
            )
        if self.denied_lines:
            parts.append(
                f"{_plural(self.denied_lines, 'line')} the plan will not pay "
                f"({_dollars(self.denied_fees)} in fees)"
            )
        return "; at risk: " + ", ".join(parts) if parts else ""

    def text(self) -> str:
        return (
            f"plan pays {_dollars(self.plan_pays)}, patient {_dollars(self.patient_owes)}, "
            f"write-off {_dollars(self.write_off)} ({_plural(self.lines, 'line')} estimated)"
            f"{self.at_risk()}"
        )


def _worst(findings: list[Finding]) -> int:
    """Sort key of a claim: errors first, then warnings, then the rest."""
    ranks = [f.severity.rank for f in findings if f.code != ESTIMATE]
    return -max(ranks, default=-1)


def _counts(findings: list[Finding]) -> str:
    counts = {sev: 0 for sev in Severity}
    for f in findings:
        counts[f.severity] += 1
    parts = [_plural(counts[Severity.ERROR], "error"), _plural(counts[Severity.WARNING], "warning")]
    parts.append(f"{counts[Severity.INFO]} info")
    return ", ".join(p for p in parts if not p.startswith("0 "))


def _line_key(f: Finding) -> tuple[int, int]:
    # errors, then warnings, then information; claim-level findings first, then by line
    return (-f.severity.rank, -1 if f.location.line is None else f.location.line)


def render(report: Report, out: TextIO, options: FormatOptions) -> None:
    claims_with_findings, batch = listing(report.findings, out, options)
    if options.statistics and report.findings:
        counts: dict[tuple[str, str], int] = defaultdict(int)
        for f in report.findings:
            counts[(f.code, f.name)] += 1
        statistics(counts, out)
    summary(report, claims_with_findings, batch, out)


def listing(findings: list[Finding], out: TextIO, options: FormatOptions) -> tuple[int, Money]:
    """The findings grouped by file and claim; (claims with errors or warnings, the batch's
    money) of those findings."""
    by_file: dict[str, dict[str | None, list[Finding]]] = defaultdict(lambda: defaultdict(list))
    for f in findings:
        by_file[f.location.file][f.location.claim_id].append(f)
    threshold = options.severity.rank
    batch = Money()
    claims_with_findings = 0
    for file, claims in by_file.items():
        file_level = [f for f in claims.pop(None, []) if f.severity.rank >= threshold]
        shown: list[tuple[str | None, list[Finding], Money]] = []
        for claim_id, claim_findings in claims.items():
            if any(f.severity is not Severity.INFO for f in claim_findings):
                claims_with_findings += 1
            money = Money()
            for f in claim_findings:
                money.add_finding(f)
            batch.add(money)
            listed = [
                f for f in claim_findings if f.code != ESTIMATE and f.severity.rank >= threshold
            ]
            if listed or (money.lines and threshold <= Severity.INFO.rank):
                shown.append((claim_id, claim_findings, money))
        if not file_level and not shown:
            continue
        out.write(f"{file}\n")
        if file_level:
            out.write("  file\n")
            for f in sorted(file_level, key=_line_key):
                out.write(_finding_line(f, options) + "\n")
        # claims with errors first, then with warnings, then the rest (file order within)
        for claim_id, claim_findings, money in sorted(shown, key=lambda item: _worst(item[1])):
            out.write(f"  claim {claim_id}  ({_counts(claim_findings)})\n")
            for f in sorted(claim_findings, key=_line_key):
                if f.code != ESTIMATE and f.severity.rank >= threshold:
                    out.write(_finding_line(f, options) + "\n")
            if money.lines:
                out.write(f"    {'money':<8} {money.text()}\n")
        out.write("\n")
    return claims_with_findings, batch


def statistics(counts: dict[tuple[str, str], int], out: TextIO) -> None:
    """``--statistics``: findings per rule, most frequent first."""
    out.write("Findings per rule:\n")
    for (code, name), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        out.write(f"  {n:>6}  {code}  {name}\n")
    out.write("\n")


def summary(report: Report, claims_with_findings: int, batch: Money, out: TextIO) -> None:
    """The summary line (and the batch's estimate)."""
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
    if batch.lines:
        out.write(f"Estimated: {batch.text()}.\n")
