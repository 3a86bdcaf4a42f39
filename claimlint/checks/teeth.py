"""Tooth number checks (CL201, CL202, CL211)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from claimlint.checks._lines import entry_ref
from claimlint.checks.base import Check, Context
from claimlint.checks.tooth_type import extraction_without_narrative
from claimlint.core.findings import Finding, Scope, Severity
from claimlint.core.model import ServiceLine
from claimlint.dental.cdt import TOOTH_REQUIRED_CODES, lookup
from claimlint.dental.teeth import SUPERNUMERARY, TEETH


class ToothNumberRequired(Check):
    doc = """
    What it checks:
        A line whose CDT code is performed on a single tooth (fillings, inlays, onlays, crowns,
        bridge units, pins, buildups, sealants, extractions) names the tooth.

    Why it matters:
        Without a tooth number the payer cannot apply frequency, missing-tooth or alternate
        benefit rules and rejects the line; Medicaid programs state that every tooth-specific
        procedure requires the tooth number.

    Bad example:
        ``{"code": "D2391", "surfaces": "O"}`` (no tooth).

    Good example:
        ``{"code": "D2391", "tooth": "30", "surfaces": "O"}``

    References:
        * ADA, CDT Code on Dental Procedures and Nomenclature: restorative codes D2140-D2799 are
          reported per tooth
        * ADA, Guide to Dental Procedures Reported with Area of the Oral Cavity or Tooth Anatomy
        * ADA Dental Claim Form and its completion instructions (tooth number or letter)
        * X12 837 Health Care Claim: Dental, implementation guide 005010X224A2: TOO02 tooth code
    """

    code = "CL201"
    name = "tooth-number-required"
    summary = "Tooth-specific procedure without a tooth number"
    severity = Severity.ERROR
    scope = Scope.LINE
    tags = ("teeth",)
    applies_to = TOOTH_REQUIRED_CODES

    def check(self, line: ServiceLine, ctx: Context) -> Iterable[Finding]:
        for entry in line.teeth:
            if entry.tooth:
                return ()
        return self._findings(line, ctx)

    def _findings(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
        info = lookup(line.code)
        if info is None or not info.tooth_required:
            return
        # a tooth the reader could not convert (original kept) is CL204's finding, not ours
        if any(t.tooth or t.original for t in line.teeth):
            return
        yield self.on_line(
            ctx,
            line,
            f"{line.code} on line {line.line_number} requires a tooth number; add the tooth "
            "(Universal 1–32 or A–T).",
            field="tooth",
        )


class InvalidToothNumber(Check):
    doc = """
    What it checks:
        Each tooth on a line is a valid ADA Universal designation: permanent 1–32, primary
        A–T, supernumerary 51–82 or AS–TS, written without leading zeros.

    Why it matters:
        An unknown tooth number fails the payer's front-end edits (X12 TOO02) and the line is
        rejected; values such as ``0``, ``33`` or ``03`` usually come from a typo or from ISO
        numbering sent as Universal.

    Bad example:
        ``{"code": "D2140", "tooth": "33", "surfaces": "O"}``

    Good example:
        ``{"code": "D2140", "tooth": "3", "surfaces": "O"}``

    References:
        * ADA Universal/National tooth designation system (HL7 code system
          ADAUniversalToothDesignationSystem): permanent teeth 1-32, primary teeth A-T,
          supernumerary 51-82 and AS-TS
        * X12 837 Health Care Claim: Dental, implementation guide 005010X224A2: TOO02
    """

    code = "CL202"
    name = "invalid-tooth-number"
    summary = "Tooth is not a valid Universal tooth number or letter"
    severity = Severity.ERROR
    scope = Scope.LINE
    needs_teeth = True
    tags = ("teeth",)

    def check(self, line: ServiceLine, ctx: Context) -> Iterable[Finding]:
        for entry in line.teeth:
            tooth = entry.tooth
            if tooth is not None and tooth not in TEETH:
                return self._findings(line, ctx)
        return ()

    def _findings(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
        for entry in line.teeth:
            tooth = entry.tooth
            if tooth is None or tooth in TEETH:
                continue
            yield self.on_line(
                ctx,
                line,
                f"Tooth '{tooth}' on line {line.line_number} is not a valid Universal tooth "
                "number or letter; use 1–32 or A–T (supernumerary 51–82 or AS–TS), without "
                "leading zeros.",
                field="tooth",
                ref=entry_ref(entry, "tooth"),
            )


class SupernumeraryTooth(Check):
    doc = """
    What it checks:
        Flags lines on a supernumerary (extra) tooth: Universal 51–82 or AS–TS. An
        extraction of a supernumerary tooth without a narrative is CL925's finding instead
        (one finding per line, not both).

    Why it matters:
        Supernumerary numbering is valid on the ADA form and in X12, but some payers and
        Medicaid programs do not accept it or need a narrative; checking before submission
        avoids a rejected line.

    Bad example:
        ``{"code": "D2140", "tooth": "51", "surfaces": "O"}`` sent to a payer that does not accept
        supernumerary numbers, with no narrative.

    Good example:
        The same line after confirming the payer accepts tooth 51, or with a narrative that
        describes the extra tooth.

    References:
        * ADA Universal/National tooth designation system (HL7 code system
          ADAUniversalToothDesignationSystem): supernumerary teeth 51-82 and AS-TS
        * Payer claim processing manuals on supernumerary teeth (e.g. state Medicaid dental manuals)
    """

    code = "CL211"
    name = "supernumerary-tooth"
    summary = "Line on a supernumerary tooth"
    severity = Severity.INFO
    scope = Scope.LINE
    needs_teeth = True
    tags = ("teeth",)

    def check(self, line: ServiceLine, ctx: Context) -> Iterable[Finding]:
        for entry in line.teeth:
            if entry.tooth in SUPERNUMERARY:
                return self._findings(line, ctx)
        return ()

    def _findings(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
        if extraction_without_narrative(line, ctx.claim):
            return  # CL925 reports it (it also asks to confirm the payer accepts the number)
        for entry in line.teeth:
            info = TEETH.get(entry.tooth) if entry.tooth else None
            if info is None or not info.supernumerary:
                continue
            yield self.on_line(
                ctx,
                line,
                f"Supernumerary tooth {info.tooth} (next to tooth {info.base}) on line "
                f"{line.line_number}: confirm the payer accepts supernumerary numbering, or "
                "add a narrative.",
                field="tooth",
                ref=entry_ref(entry, "tooth"),
            )
