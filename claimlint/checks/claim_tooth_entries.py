"""Rules on the tooth entries of a service line that come from the X12 TOO segment
(CL203 numbering qualifier, CL210 several teeth need a count of 1)."""

from __future__ import annotations

from collections.abc import Iterator

from claimlint.checks.base import Check, Context
from claimlint.findings import Finding, Scope, Severity
from claimlint.model import ServiceLine

UNIVERSAL_QUALIFIER = "JP"


class ToothQualifier(Check):
    """
    What it checks:
        The tooth numbering qualifier (X12 TOO01) is JP, the ADA Universal/National system.
        Input without a qualifier (JSON, CSV) is not judged here.

    Why it matters:
        US 837D receivers accept Universal numbering only; any other qualifier makes every
        tooth number on the line unreadable and the line is rejected.

    Bad example:
        ``TOO*JO*46*M:O~``

    Good example:
        ``TOO*JP*30*M:O~``

    References:
        DOMAIN.md §2.4, §4.4, §8 (CL203).
    """

    code = "CL203"
    name = "tooth-qualifier-not-jp"
    summary = "Tooth numbering qualifier must be JP"
    severity = Severity.ERROR
    scope = Scope.LINE

    def check(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
        for entry in line.teeth:
            if entry.qualifier is None or entry.qualifier == UNIVERSAL_QUALIFIER:
                continue
            ref = entry.ref
            if ref is not None and ref.column is not None:
                # TOO01 sits just before TOO02 (qualifier plus one separator)
                ref = ref.at("TOO01", column=ref.column - len(entry.qualifier) - 1)
            yield self.on_line(
                ctx,
                line,
                f"Tooth numbering qualifier is {entry.qualifier}; it must be JP (Universal). "
                "Convert the tooth numbers to Universal and send JP.",
                field="tooth",
                ref=ref,
            )


class SeveralTeethNeedCountOne(Check):
    """
    What it checks:
        A service line that lists several teeth (repeated TOO) has a procedure count (SV306)
        of 1.

    Why it matters:
        With several teeth the count is implied by the teeth; a count above one together with
        several TOO segments is contradictory and rejected (or paid several times over).

    Bad example:
        ``SV3*AD:D1351*120****2~TOO*JP*3~TOO*JP*14~``

    Good example:
        ``SV3*AD:D1351*120****1~TOO*JP*3~TOO*JP*14~`` or one line per tooth.

    References:
        DOMAIN.md §4.4, §8 (CL210).
    """

    code = "CL210"
    name = "several-teeth-count"
    summary = "Several teeth on one line require a procedure count of 1"
    severity = Severity.ERROR
    scope = Scope.LINE

    def check(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
        if len(line.teeth) > 1 and line.quantity != 1:
            teeth = ", ".join(t.tooth or "?" for t in line.teeth)
            yield self.on_line(
                ctx,
                line,
                f"Line {line.line_number} lists {len(line.teeth)} teeth ({teeth}) with a "
                f"procedure count of {line.quantity}; several teeth on one line require a "
                "count of 1 (or bill one line per tooth).",
                field="quantity",
            )
