"""Procedures on teeth that are missing or extracted (DOMAIN-BREADTH §5.2 CL921–CL924).

The claim's own tooth status (837D DN2; ``missing_teeth`` in JSON/CSV/XML), its extraction
lines and the member's history say which teeth are gone (``_tooth_status.py``); the code groups
are tables in ``claimlint/dental/prosthetics.py``. Implants, pontics and dentures replace a
missing tooth and are never flagged here; bridge retainers are CL932's.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from claimlint.checks._lines import by_tooth_and_date
from claimlint.checks._tooth_status import (
    extracted_teeth,
    line_teeth,
    prior_text,
    teeth_on_claim,
)
from claimlint.checks.base import Check, Context
from claimlint.core.findings import Finding, Scope, Severity
from claimlint.core.model import Claim, ServiceLine
from claimlint.dental import prosthetics as pros

EXTRACTION_CODES: frozenset[str] = pros.EXTRACTION.codes()
#: services after an extraction that need the tooth back (CL923)
AFTER_EXTRACTION_CODES: frozenset[str] = pros.NATURAL_TOOTH.codes()


def _history_claim(ctx: Context) -> bool:
    """A claim whose member the history can answer for (the history rules' fast path)."""
    claim = ctx.claim
    if claim is None or not claim.member_key:
        return False
    return ctx.history is not None or bool(ctx.options.get("inline_history"))


class ToothAlreadyExtracted(Check):
    doc = """
    What it checks:
        An extraction (D7111, D7140, D7210–D7250) of a tooth the patient's history already
        shows extracted on an earlier date.

    Why it matters:
        A tooth is extracted once. A second extraction is a wrong tooth number (often the
        neighbour, or Universal versus ISO numbering) and is denied; the correct tooth then
        goes unbilled.

    Bad example:
        ``D7140`` on tooth 30 on 2025-06-02; history: ``D7140`` on tooth 30 on 2023-02-10.

    Good example:
        ``D7140`` on tooth 31, which the history does not show extracted.

    References:
        * ADA, CDT Code on Dental Procedures and Nomenclature: extractions (D7111-D7250)
        * X12 837 Health Care Claim: Dental, implementation guide 005010X224A2: TOO tooth
          number
    """

    code = "CL921"
    name = "tooth-already-extracted"
    summary = "Extraction of a tooth already extracted in history"
    severity = Severity.ERROR
    scope = Scope.LINE
    tags = ("codes", "history", "missing-teeth")
    applies_to = EXTRACTION_CODES
    needs_teeth = True

    def check(self, line: ServiceLine, ctx: Context) -> Iterable[Finding]:
        if line.code not in pros.EXTRACTION or not _history_claim(ctx):
            return ()
        return self._findings(line, ctx)

    def _findings(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
        for tooth, prior in extracted_teeth(ctx, line):
            yield self.on_line(
                ctx,
                line,
                f"Tooth {tooth} was already extracted ({prior_text(prior)}); {line.code} "
                "on it will be denied. Check the tooth number.",
                field="tooth",
            )


class ServiceOnMissingTooth(Check):
    doc = """
    What it checks:
        A tooth-specific service that needs the natural tooth (sealant, restoration, crown,
        endodontics, extraction) on a tooth that the same claim reports missing (837D DN2
        status ``M``; ``missing_teeth`` in JSON, CSV and XML).

    Why it matters:
        The claim contradicts itself: payers deny the service, or question the missing-tooth
        chart that a bridge or denture on the same claim depends on.

    Bad example:
        ``D2392`` on tooth 30 and ``DN2*30*M~`` on the same claim.

    Good example:
        ``D2392`` on tooth 30 with only tooth 19 reported missing.

    References:
        * X12 837 Health Care Claim: Dental, implementation guide 005010X224A2: DN2 tooth
          status (M missing)
        * ADA Dental Claim Form, item 33 (missing teeth information)
    """

    code = "CL922"
    name = "service-on-missing-tooth"
    summary = "Procedure on a tooth the claim reports missing"
    severity = Severity.WARNING
    scope = Scope.CLAIM
    tags = ("codes", "missing-teeth")

    def check(self, claim: Claim, ctx: Context) -> Iterable[Finding]:
        if not claim.missing_teeth:
            return ()
        return self._findings(claim, ctx)

    def _findings(self, claim: Claim, ctx: Context) -> Iterator[Finding]:
        teeth = teeth_on_claim(claim, ctx)
        for line in claim.lines:
            if line.code not in pros.NATURAL_TOOTH and line.code not in pros.EXTRACTION:
                continue
            for tooth in line_teeth(line):
                if teeth.reported(tooth, "M"):
                    yield self.on_line(
                        ctx,
                        line,
                        f"Tooth {tooth} is reported missing on this claim but has {line.code}: "
                        "correct the tooth number or the missing-teeth list.",
                        field="tooth",
                    )


class ServiceAfterExtraction(Check):
    doc = """
    What it checks:
        A service that needs the natural tooth (sealant, restoration, crown, endodontics) on
        a tooth that the patient's history shows extracted before the date of service.
        Implants (D6000–D6199), pontics, dentures and bridge retainers are not judged here.

    Why it matters:
        A tooth that is gone cannot be restored: the line is a wrong tooth number and is
        denied, while the tooth really treated goes unbilled.

    Bad example:
        ``D3330`` on tooth 19 on 2025-06-02; history: ``D7210`` on tooth 19 on 2024-11-20.

    Good example:
        ``D6010`` (implant) on tooth 19, or ``D3330`` on tooth 18.

    References:
        * ADA, CDT Code on Dental Procedures and Nomenclature: extractions, endodontics,
          restorations
    """

    code = "CL923"
    name = "service-after-extraction"
    summary = "Procedure on a tooth extracted earlier in history"
    severity = Severity.WARNING
    scope = Scope.LINE
    tags = ("codes", "history", "missing-teeth")
    applies_to = AFTER_EXTRACTION_CODES
    needs_teeth = True

    def check(self, line: ServiceLine, ctx: Context) -> Iterable[Finding]:
        if line.code not in pros.NATURAL_TOOTH or not _history_claim(ctx):
            return ()
        return self._findings(line, ctx)

    def _findings(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
        for tooth, prior in extracted_teeth(ctx, line):
            yield self.on_line(
                ctx,
                line,
                f"{line.code} on tooth {tooth} after its extraction ({prior_text(prior)}): "
                "check the tooth number.",
                field="tooth",
            )


class ExtractedAndRestored(Check):
    doc = """
    What it checks:
        An extraction and a restoration, crown or endodontic procedure on the same tooth and
        date of service on one claim (D3470, intentional reimplantation, includes the
        removal and is not judged).

    Why it matters:
        A tooth extracted that day is not also restored: the restoration is denied, or the
        extraction's tooth number is wrong.

    Bad example:
        ``D7140`` on tooth 3 and ``D2391`` ``O`` on tooth 3, both on 2025-06-02.

    Good example:
        ``D7140`` on tooth 3 and ``D2391`` ``O`` on tooth 14.

    References:
        * ADA, CDT Code on Dental Procedures and Nomenclature: extractions, restorations,
          endodontics
    """

    code = "CL924"
    name = "extracted-and-restored"
    summary = "Extraction and restoration on the same tooth and date"
    severity = Severity.WARNING
    scope = Scope.CLAIM
    tags = ("codes", "same-tooth", "missing-teeth")

    def check(self, claim: Claim, ctx: Context) -> Iterable[Finding]:
        if len(claim.lines) < 2 or EXTRACTION_CODES.isdisjoint([ln.code for ln in claim.lines]):
            return ()
        return self._findings(claim, ctx)

    def _findings(self, claim: Claim, ctx: Context) -> Iterator[Finding]:
        groups = ctx.memo(claim, "by_tooth_and_date", by_tooth_and_date)
        for (tooth, _day), group in groups.items():
            removed = [tl.line for tl in group if tl.line.code in pros.EXTRACTION]
            if not removed:
                continue
            for tl in group:
                if tl.line.code in pros.RESTORE_OR_ENDO:
                    yield self.on_line(
                        ctx,
                        tl.line,
                        f"Tooth {tooth} is extracted ({removed[0].code}, line "
                        f"{removed[0].line_number}) and gets {tl.line.code} on the same date: "
                        "the restoration will be denied; check the tooth numbers.",
                        field="tooth",
                    )
