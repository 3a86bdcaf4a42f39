"""Rules on the tooth entries of a service line that come from the X12 TOO segment
(CL203 numbering qualifier, CL204 numbering system, CL210 several teeth need a count of 1)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from claimlint.checks.base import Check, Context
from claimlint.core.findings import Finding, Scope, Severity
from claimlint.core.model import ServiceLine
from claimlint.dental.teeth import is_valid_iso, is_valid_universal

UNIVERSAL_QUALIFIER = "JP"


class ToothQualifier(Check):
    doc = """
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
        * X12 837 Health Care Claim: Dental, implementation guide 005010X224A2: TOO01 code list
          qualifier JP (ADA Universal/National tooth designation)
        * ADA Dental Claim Form and its completion instructions
    """

    code = "CL203"
    name = "tooth-qualifier-not-jp"
    summary = "Tooth numbering qualifier must be JP"
    severity = Severity.ERROR
    scope = Scope.LINE
    needs_teeth = True

    def check(self, line: ServiceLine, ctx: Context) -> Iterable[Finding]:
        for entry in line.teeth:
            qualifier = entry.qualifier
            if qualifier is not None and qualifier != UNIVERSAL_QUALIFIER:
                return self._findings(line, ctx)
        return ()

    def _findings(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
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
    doc = """
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
        * X12 837 Health Care Claim: Dental, implementation guide 005010X224A2: TOO repeats on a
          service line only when SV306 procedure count is 1
    """

    code = "CL210"
    name = "several-teeth-count"
    summary = "Several teeth on one line require a procedure count of 1"
    severity = Severity.ERROR
    scope = Scope.LINE
    needs_teeth = True

    def check(self, line: ServiceLine, ctx: Context) -> Iterable[Finding]:
        if len(line.teeth) > 1 and line.quantity != 1:
            return self._findings(line, ctx)
        return ()

    def _findings(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
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


class ToothNumberingSystem(Check):
    doc = """
    What it checks:
        Tooth numbers are read in a declared numbering system. A value given in ISO 3950
        (declared by the batch, the ``--tooth-numbering iso`` option or X12 TOO01 ``JO``) must
        exist in ISO (no positions ending in 0 or 9, primary positions 1–5) and is converted
        to Universal; a value under an unknown X12 qualifier that is valid in both systems
        (``21``, ``51``) is ambiguous. Readers without a declaration read Universal (their
        documented default), so a missing declaration alone is not reported.

    Why it matters:
        The two systems reuse the same strings: ``21`` is a lower-left premolar in Universal
        but an upper-left central incisor in ISO. Guessing sends the wrong tooth to the payer
        and every tooth-based edit (surfaces, frequency, alternate benefit) goes wrong.

    Bad example:
        ``"tooth_numbering": "iso"`` with tooth ``19``, or ``TOO*JO*30*O~``.

    Good example:
        ``"tooth_numbering": "iso"`` with tooth ``46`` (read as Universal 30), or
        ``TOO*JP*30*O~``.

    References:
        * ADA Universal/National tooth designation system (HL7 code system
          ADAUniversalToothDesignationSystem)
        * ANSI/ADA Specification No. 3950 (ISO 3950 two-digit tooth designation)
        * ADA Dental Claim Form and its completion instructions (tooth numbering system JP or JO)
    """

    code = "CL204"
    name = "tooth-numbering-system"
    summary = "Tooth number ambiguous or impossible in its numbering system"
    severity = Severity.ERROR
    scope = Scope.LINE
    needs_teeth = True

    def check(self, line: ServiceLine, ctx: Context) -> Iterable[Finding]:
        for entry in line.teeth:
            # a finding needs ISO numbering, or no system with a qualifier
            system = entry.system
            if system == "iso" or (system is None and entry.qualifier is not None):
                return self._findings(line, ctx)
        return ()

    def _findings(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
        for entry in line.teeth:
            if entry.system == "iso":
                written = entry.original or entry.tooth
                if written and not is_valid_iso(written):
                    yield self.on_line(
                        ctx,
                        line,
                        f"Tooth '{written}' is not a valid ISO 3950 tooth number (quadrant 1–8, "
                        "position 1–8, primary 1–5); correct it or declare Universal numbering.",
                        field="tooth",
                        ref=entry.ref,
                    )
            elif (
                entry.system is None
                and entry.qualifier is not None  # a qualifier that names no known system
                and entry.tooth
                and is_valid_iso(entry.tooth)
                and is_valid_universal(entry.tooth)
            ):
                yield self.on_line(
                    ctx,
                    line,
                    f"Tooth '{entry.tooth}' is ambiguous between Universal and ISO 3950; "
                    "declare the numbering system (X12 TOO01 JP, or tooth_numbering).",
                    field="tooth",
                    ref=entry.ref,
                )
