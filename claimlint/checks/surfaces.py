"""Surface letter checks (CL205, CL206, CL207, CL208, CL209)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from claimlint.checks._lines import entry_ref
from claimlint.checks.base import Check, Context
from claimlint.core.findings import Finding, Scope, Severity
from claimlint.core.model import ServiceLine
from claimlint.dental import surfaces as sf
from claimlint.dental.cdt import TOOTH_ONLY_CODES, lookup
from claimlint.dental.teeth import REGION_SURFACES, TEETH

_VALID_TEXT = "M, O, I, D, B, F or L"


def _on_tooth(tooth: str | None) -> str:
    return f" on tooth {tooth}" if tooth else ""


class InvalidSurfaceCode(Check):
    doc = """
    What it checks:
        Every surface letter is one of the seven claim surfaces: M (mesial), O (occlusal),
        I (incisal), D (distal), B (buccal), F (facial), L (lingual). Practice-system letters
        such as V (Class V / cervical), 5 (Canadian Class V) or P (palatal), and combined
        values such as ``MO`` sent as one surface, are reported with the letter to use.

    Why it matters:
        The X12 837D (TOO03) and the ADA claim form accept only those seven codes; any other
        value is rejected at the clearinghouse. Some practice systems silently convert V into
        B or F when printing a claim, others send it as is.

    Bad example:
        ``{"code": "D2391", "tooth": "30", "surfaces": "V"}``

    Good example:
        ``{"code": "D2391", "tooth": "30", "surfaces": "B"}``

    References:
        * ADA tooth surface codes (HL7 code system ADAToothSurfaceCodes); X12 element 1369: B, D, F,
          I, L, M, O
        * ADA Dental Claim Form and its completion instructions
        * X12 837 Health Care Claim: Dental, implementation guide 005010X224A2: TOO03 tooth surface
    """

    code = "CL205"
    name = "invalid-surface-code"
    summary = "Surface letter is not a valid claim surface"
    severity = Severity.ERROR
    scope = Scope.LINE
    needs_teeth = True
    tags = ("surfaces",)

    def check(self, line: ServiceLine, ctx: Context) -> Iterable[Finding]:
        for entry in line.teeth:
            if entry.surfaces not in sf.CLEAN:
                return self._findings(line, ctx)
        return ()

    def _findings(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
        for entry in line.teeth:
            if not entry.surfaces:
                continue
            bad = sf.invalid(entry.surfaces)
            if not bad:
                continue
            info = TEETH.get(entry.tooth) if entry.tooth else None
            region = info.region if info else None
            for letter in bad:
                hint = sf.remap_hint(letter, region)
                fix = (
                    f"report it as {hint}"
                    if hint
                    else f"use only {_VALID_TEXT}, one letter per surface"
                )
                yield self.on_line(
                    ctx,
                    line,
                    f"Surface '{letter}'{_on_tooth(entry.tooth)} (line {line.line_number}) is "
                    f"not a valid claim surface; {fix}.",
                    field="surfaces",
                    ref=entry_ref(entry, "surfaces"),
                )


class DuplicateSurface(Check):
    doc = """
    What it checks:
        No surface letter is listed twice for one tooth on one line.

    Why it matters:
        ``MOO`` is a data error, not a three-surface restoration: the count that picks the
        code (D2150 vs D2160) becomes ambiguous and payers reject or recode the line.

    Bad example:
        ``{"code": "D2160", "tooth": "30", "surfaces": "MOO"}``

    Good example:
        ``{"code": "D2150", "tooth": "30", "surfaces": "MO"}``

    References:
        * ADA tooth surface codes (HL7 code system ADAToothSurfaceCodes); X12 element 1369
        * X12 837 Health Care Claim: Dental, implementation guide 005010X224A2: TOO03 (one to five
          surface components)
    """

    code = "CL206"
    name = "duplicate-surface"
    summary = "Surface listed more than once for a tooth"
    severity = Severity.ERROR
    scope = Scope.LINE
    needs_teeth = True
    tags = ("surfaces",)

    def check(self, line: ServiceLine, ctx: Context) -> Iterable[Finding]:
        for entry in line.teeth:
            if len(entry.surfaces) > 1 and entry.surfaces not in sf.CLEAN:
                return self._findings(line, ctx)
        return ()

    def _findings(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
        for entry in line.teeth:
            if len(entry.surfaces) < 2:
                continue
            for letter in sf.duplicates(entry.surfaces):
                yield self.on_line(
                    ctx,
                    line,
                    f"Surface '{letter}' is listed more than once{_on_tooth(entry.tooth)} on "
                    f"line {line.line_number}; list each surface once "
                    f"({sf.normalise(entry.surfaces)}).",
                    field="surfaces",
                    ref=entry_ref(entry, "surfaces"),
                )


class SurfaceRegionMismatch(Check):
    doc = """
    What it checks:
        Each surface exists on the tooth it is reported for: O (occlusal) and B (buccal) only
        on posterior teeth (premolars and molars), I (incisal) and F (facial) only on anterior
        teeth (incisors and canines). M, D and L exist on every tooth. Primary and
        supernumerary teeth follow their class.

    Why it matters:
        Payers deny lines whose procedure is incompatible with the tooth and surface (Texas
        Medicaid states this rule explicitly). Some practice systems silently drop O on an
        anterior tooth, which changes the surface count and therefore the code.

    Bad example:
        ``{"code": "D2331", "tooth": "8", "surfaces": "MO"}`` (tooth 8 is an incisor).

    Good example:
        ``{"code": "D2331", "tooth": "8", "surfaces": "MI"}``; ``"surfaces": "MO"`` on
        tooth 30.

    References:
        * ADA tooth surface codes (HL7 code system ADAToothSurfaceCodes); X12 element 1369 (F and I
          on anterior teeth, B and O on posterior teeth)
        * ADA Universal/National tooth designation system (HL7 code system
          ADAUniversalToothDesignationSystem)
    """

    code = "CL207"
    name = "surface-region-mismatch"
    summary = "Surface not possible on an anterior/posterior tooth"
    severity = Severity.ERROR
    scope = Scope.LINE
    needs_teeth = True
    tags = ("surfaces", "teeth")

    def check(self, line: ServiceLine, ctx: Context) -> Iterable[Finding]:
        for entry in line.teeth:
            if entry.surfaces:
                allowed = REGION_SURFACES.get(entry.tooth) if entry.tooth else None
                if allowed is not None and not allowed.issuperset(entry.surfaces):
                    return self._findings(line, ctx)
        return ()

    def _findings(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
        for entry in line.teeth:
            if not entry.surfaces or not entry.tooth:
                continue
            info = TEETH.get(entry.tooth)
            if info is None:
                continue
            for letter in dict.fromkeys(entry.surfaces):
                if letter not in sf.VALID or sf.fits_region(letter, info.region):
                    continue
                yield self.on_line(
                    ctx,
                    line,
                    f"Surface {letter} ({sf.NAMES[letter]}) is not possible on {info.region} "
                    f"tooth {info.tooth} (line {line.line_number}); "
                    f"{_region_fix(info.region)}",
                    field="surfaces",
                    ref=entry_ref(entry, "surfaces"),
                )


def _region_fix(region: str) -> str:
    if region == "anterior":
        return "front teeth use I (incisal) and F (facial) instead of O and B."
    return "back teeth use O (occlusal) and B (buccal) instead of I and F."


class SurfacesOnToothOnlyCode(Check):
    doc = """
    What it checks:
        Lines whose code is reported by tooth only — crowns, bridge pontics and retainers, the
        direct composite crown D2390, pin retention D2951, core buildups, extractions — carry
        no surfaces. Codes reported by area (exams, cleanings, quadrant scaling) carry none
        either. D2940 and sealants are exempt (reporting surfaces there is tolerated).

    Why it matters:
        The payer ignores the surfaces at best; at worst a surface list on a crown line is
        read as a filling and the line is recoded or denied, and surfaces on a crown line
        usually mean the wrong code was chosen.

    Bad example:
        ``{"code": "D2740", "tooth": "8", "surfaces": "MIDFL"}``

    Good example:
        ``{"code": "D2740", "tooth": "8"}``

    References:
        * ADA, CDT Code on Dental Procedures and Nomenclature: codes reported by tooth alone (crowns
          D2710-D2799, D2940, D2951)
        * ADA, Guide to Dental Procedures Reported with Area of the Oral Cavity or Tooth Anatomy
    """

    code = "CL208"
    name = "surfaces-on-tooth-only-code"
    summary = "Surfaces reported on a code that takes none"
    severity = Severity.WARNING
    scope = Scope.LINE
    needs_teeth = True
    tags = ("surfaces", "codes")
    applies_to = TOOTH_ONLY_CODES

    def check(self, line: ServiceLine, ctx: Context) -> Iterable[Finding]:
        for entry in line.teeth:
            if entry.surfaces:
                return self._findings(line, ctx)
        return ()

    def _findings(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
        if not line.teeth:
            return
        info = lookup(line.code)
        if info is None or info.surfaces_reported or info.surfaces_optional:
            return
        for entry in line.teeth:
            if entry.surfaces:
                yield self.on_line(
                    ctx,
                    line,
                    f"{line.code} ({info.label}) is reported by tooth only; the surfaces "
                    f"{''.join(entry.surfaces)}{_on_tooth(entry.tooth)} will be ignored — "
                    "remove them, or check that the code is right.",
                    field="surfaces",
                    ref=entry_ref(entry, "surfaces"),
                )
                return


class TooManySurfaces(Check):
    doc = """
    What it checks:
        At most five surface letters are listed for one tooth on one line.

    Why it matters:
        A tooth has five surfaces and X12 TOO03 carries at most five components; a sixth is a
        syntax error that rejects the claim, and usually means a duplicate or two restorations
        merged into one line.

    Bad example:
        ``{"code": "D2161", "tooth": "3", "surfaces": "MODBLO"}``

    Good example:
        ``{"code": "D2161", "tooth": "3", "surfaces": "MODBL"}``

    References:
        * X12 837 Health Care Claim: Dental, implementation guide 005010X224A2: TOO03 carries at
          most five surfaces
        * ADA tooth surface codes (HL7 code system ADAToothSurfaceCodes); X12 element 1369
    """

    code = "CL209"
    name = "too-many-surfaces"
    summary = "More than five surfaces listed for a tooth"
    severity = Severity.ERROR
    scope = Scope.LINE
    needs_teeth = True
    tags = ("surfaces",)

    def check(self, line: ServiceLine, ctx: Context) -> Iterable[Finding]:
        for entry in line.teeth:
            if len(entry.surfaces) > sf.MAX_SURFACES:
                return self._findings(line, ctx)
        return ()

    def _findings(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
        for entry in line.teeth:
            if len(entry.surfaces) > sf.MAX_SURFACES:
                yield self.on_line(
                    ctx,
                    line,
                    f"{len(entry.surfaces)} surfaces are listed{_on_tooth(entry.tooth)} on line "
                    f"{line.line_number}; a tooth has at most five (M, O/I, D, B/F, L). Remove "
                    "duplicates or split separate restorations into separate lines.",
                    field="surfaces",
                    ref=entry_ref(entry, "surfaces"),
                )
