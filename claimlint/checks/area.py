"""Area of the oral cavity: codes reported per quadrant or arch carry one,
codes reported per tooth carry a tooth, and neither carries the other (CL701–CL708; CL707
only when the payer profile asks for one area per line).

What a code is reported against comes from the CDT table (``CdtCode.area`` and ``arch``); the
area codes and the teeth in each area from :mod:`claimlint.dental.area`. A line whose area the
reader could not read (CL117 / CL002 at the value) is not judged again here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from claimlint.checks._lines import entry_ref
from claimlint.checks.base import Check, Context, ProfileCheck, line_list
from claimlint.core import catalogue
from claimlint.core.findings import Finding, Scope, Severity
from claimlint.core.model import Claim, ServiceLine
from claimlint.dental.area import (
    AREAS,
    QUADRANT_SERIES,
    AreaKind,
    OralArea,
    area_of_tooth,
)
from claimlint.dental.cdt import ARCH_AREA_CODE, AREA_CODES, lookup
from claimlint.dental.teeth import TEETH

QUADRANT_HINT = "10 (upper right), 20 (upper left), 30 (lower left) or 40 (lower right)"


def line_areas(line: ServiceLine) -> list[OralArea] | None:
    """The line's area codes as facts; None when one of them is not an area code (the reader
    reported it, and the line's area is not judged)."""
    out: list[OralArea] = []
    for value in line.oral_cavity:
        area = AREAS.get(value)
        if area is None:
            return None
        out.append(area)
    return out


def _shown(areas: Iterable[OralArea]) -> str:
    return ", ".join(f"{a.code} ({a.name})" for a in areas)


def _teeth_quadrant(line: ServiceLine) -> OralArea | None:
    """The quadrant all of a line's teeth lie in, when there is exactly one."""
    found = {area_of_tooth(t.tooth, "quadrant") for t in line.teeth if t.tooth in TEETH}
    return found.pop() if len(found) == 1 else None


class QuadrantAreaRequired(Check):
    doc = """
    What it checks:
        A line whose CDT code is reported per quadrant (scaling and root planing D4341/D4342,
        gingivectomy, flap and osseous surgery, alveoloplasty …) carries a quadrant as its area
        of the oral cavity: 10 (upper right), 20 (upper left), 30 (lower left) or 40 (lower
        right). In the 837D that is SV304; in JSON, CSV and XML the ``oral_cavity`` field.

    Why it matters:
        The nomenclature says "per quadrant": without the quadrant the payer cannot tell which
        part of the mouth was treated, cannot apply "once per quadrant" frequency limits and
        rejects or pends the line. Listing teeth does not replace the quadrant.

    Bad example:
        ``{"code": "D4341", "oral_cavity": ["01"]}`` (an arch) or no area at all.

    Good example:
        ``{"code": "D4341", "oral_cavity": ["30"]}``

    References:
        * ADA, Guide to Dental Procedures Reported with Area of the Oral Cavity or Tooth Anatomy
        * ADA Dental Claim Form item 25 (area of the oral cavity); X12 837D SV304 (element 1361)
        * X12 element 1361 Oral Cavity Designation Code (code list of SV304)
    """

    code = "CL701"
    name = "quadrant-area-required"
    summary = "Procedure reported per quadrant without a quadrant area"
    severity = Severity.ERROR
    scope = Scope.LINE
    tags = ("area",)
    applies_to = AREA_CODES["quadrant"]

    def check(self, line: ServiceLine, ctx: Context) -> Iterable[Finding]:
        areas = line_areas(line)
        if areas is None or any(a.kind == "quadrant" for a in areas):
            return ()
        return self._findings(line, ctx)

    def _findings(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
        areas = line_areas(line)
        info = lookup(line.code)
        if (
            areas is None
            or any(a.kind == "quadrant" for a in areas)
            or info is None
            or info.area != "quadrant"
        ):
            return
        hint = ""
        quadrant = _teeth_quadrant(line)
        if quadrant is not None:
            hint = f" (the teeth listed are in {quadrant.code}, the {quadrant.name})"
        what = (
            f"its area {_shown(areas)} is not a quadrant"
            if areas
            else "it has no area of the oral cavity"
        )
        yield self.on_line(
            ctx,
            line,
            f"{line.code} on line {line.line_number} is reported per quadrant but {what}; "
            f"report the quadrant {QUADRANT_HINT}{hint}.",
            field="oral_cavity",
        )


class ArchAreaMismatch(Check):
    doc = """
    What it checks:
        A line whose CDT code is reported per arch (complete and partial dentures, denture
        relines and repairs …) carries an arch as its area of the oral cavity, and for codes
        made for one arch the matching one: 01 for the upper (maxillary) arch, 02 for the lower
        (mandibular) arch. A quadrant or the other arch is reported.

    Why it matters:
        An upper denture code (D5110) with area 02 or a quadrant contradicts itself; payers
        reject the line or pay the wrong arch, and arch-based replacement limits cannot be
        applied.

    Bad example:
        ``{"code": "D5110", "oral_cavity": ["02"]}`` (upper denture, lower arch).

    Good example:
        ``{"code": "D5110", "oral_cavity": ["01"]}``

    References:
        * ADA, Guide to Dental Procedures Reported with Area of the Oral Cavity or Tooth Anatomy
        * ADA Dental Claim Form item 25; X12 837D SV304 (element 1361: 01 maxillary, 02
          mandibular area)
    """

    code = "CL702"
    name = "arch-area-mismatch"
    summary = "Procedure reported per arch without its arch, or with a quadrant or the other arch"
    severity = Severity.ERROR
    scope = Scope.LINE
    tags = ("area",)
    applies_to = AREA_CODES["arch"]

    def check(self, line: ServiceLine, ctx: Context) -> Iterable[Finding]:
        if line_areas(line) is None:
            return ()
        return self._findings(line, ctx)

    def _findings(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
        areas = line_areas(line)
        info = lookup(line.code)
        if areas is None or info is None or info.area != "arch":
            return
        expected = ARCH_AREA_CODE.get(info.arch) if info.arch else None
        if areas and all(
            a.kind == "arch" and (expected is None or a.code == expected) for a in areas
        ):
            return
        want = (
            f"{expected} ({AREAS[expected].name})"
            if expected is not None
            else "01 (upper arch) or 02 (lower arch)"
        )
        what = f"its area is {_shown(areas)}" if areas else "it has no area of the oral cavity"
        code_is = f"an {AREAS[expected].name} code" if expected else "reported per arch"
        yield self.on_line(
            ctx,
            line,
            f"{line.code} on line {line.line_number} is {code_is} but {what}; report area {want}.",
            field="oral_cavity",
        )


class AreaUnitMismatch(Check):
    doc = """
    What it checks:
        Codes reported per tooth and codes reported for the whole mouth do not carry the other
        unit: a whole-mouth code (exams, full-mouth images, cleanings, fluoride, full-mouth
        debridement, periodontal maintenance) lists no tooth, and a tooth code (fillings,
        crowns, sealants, root canals, extractions …) carries no arch or quadrant area.

    Why it matters:
        A tooth on a cleaning or an arch on a filling makes the payer's edits disagree with
        the code: the line is rejected or sent for review, and a tooth on a whole-mouth
        service can even count against that tooth's frequency limits. In the 837D SV304 is
        for arch and quadrant procedures and is not used for tooth codes.

    Bad example:
        ``{"code": "D1110", "tooth": "3"}``; ``{"code": "D2391", "tooth": "30", "surfaces": "O",
        "oral_cavity": ["40"]}``

    Good example:
        ``{"code": "D1110"}``; ``{"code": "D2391", "tooth": "30", "surfaces": "O"}``

    References:
        * ADA, Guide to Dental Procedures Reported with Area of the Oral Cavity or Tooth Anatomy
        * X12 837D 005010X224A2: SV304 for arch/quadrant procedures, TOO for tooth procedures
        * NextGen Enterprise PM, Claim Edits Library for Dental Billing (quadrant and
          tooth/surface are mutually exclusive on a charge)
    """

    code = "CL703"
    name = "area-unit-mismatch"
    summary = "Whole-mouth code with a tooth, or tooth code with an arch or quadrant area"
    severity = Severity.WARNING
    scope = Scope.LINE
    tags = ("area",)
    applies_to = AREA_CODES["mouth"] | AREA_CODES["tooth"]

    def check(self, line: ServiceLine, ctx: Context) -> Iterable[Finding]:
        if not line.teeth and not line.oral_cavity:
            return ()
        return self._findings(line, ctx)

    def _findings(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
        info = lookup(line.code)
        if info is None:
            return
        if info.area == "mouth":
            for entry in line.teeth:
                if not entry.tooth:
                    continue
                yield self.on_line(
                    ctx,
                    line,
                    f"{line.code} on line {line.line_number} is a whole-mouth service but lists "
                    f"tooth {entry.tooth}; remove the tooth number.",
                    field="tooth",
                    ref=entry_ref(entry, "tooth"),
                )
                return
        elif info.area == "tooth":
            areas = line_areas(line)
            if not areas:
                return
            shown = [a for a in areas if a.kind in ("arch", "quadrant", "mouth", "sextant")]
            if shown:
                yield self.on_line(
                    ctx,
                    line,
                    f"{line.code} on line {line.line_number} is reported per tooth but carries "
                    f"the area {_shown(shown)}; report the tooth (TOO) and leave the area "
                    "empty.",
                    field="oral_cavity",
                )


class ToothOutsideArea(Check):
    doc = """
    What it checks:
        On a line reported per quadrant or per arch that also lists teeth, every tooth lies in
        the line's quadrant or arch (Universal numbering: 10 holds 1–8 and A–E, 20 holds 9–16
        and F–J, 30 holds 17–24 and K–O, 40 holds 25–32 and P–T; 01 the upper teeth, 02 the
        lower teeth; supernumerary teeth with their neighbour).

    Why it matters:
        Some payers want the treated teeth listed with scaling and root planing or a partial
        denture. A tooth outside the quadrant means the quadrant or the tooth is wrong, and
        the payer's review of the line (charting, frequency per quadrant) fails.

    Bad example:
        ``{"code": "D4342", "oral_cavity": ["30"], "teeth": [{"tooth": "3"}]}``

    Good example:
        ``{"code": "D4342", "oral_cavity": ["30"], "teeth": [{"tooth": "19"}]}``

    References:
        * ADA Dental Claim Form item 25 (area) and item 27 (tooth); X12 837D SV304 and TOO
        * ADA Universal/National tooth designation system
    """

    code = "CL705"
    name = "tooth-outside-area"
    summary = "Tooth listed on a quadrant or arch line lies outside that area"
    severity = Severity.WARNING
    scope = Scope.LINE
    tags = ("area", "teeth")
    needs_teeth = True
    applies_to = AREA_CODES["quadrant"] | AREA_CODES["arch"]

    def check(self, line: ServiceLine, ctx: Context) -> Iterable[Finding]:
        if not line.teeth or not line.oral_cavity:
            return ()
        return self._findings(line, ctx)

    def _findings(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
        info = lookup(line.code)
        areas = line_areas(line)
        if not areas or info is None or info.area not in ("quadrant", "arch"):
            return
        inside = [a for a in areas if a.kind in ("quadrant", "arch")]
        if not inside:
            return
        teeth: frozenset[str] = frozenset().union(*(a.teeth for a in inside))
        for entry in line.teeth:
            tooth = entry.tooth
            if tooth is None or tooth not in TEETH or tooth in teeth:
                continue
            kind: AreaKind = "quadrant" if inside[0].kind == "quadrant" else "arch"
            actual = area_of_tooth(tooth, kind)
            where = f" (it is in {actual.code}, the {actual.name})" if actual else ""
            yield self.on_line(
                ctx,
                line,
                f"Tooth {tooth} on line {line.line_number} ({line.code}) is not in the line's "
                f"{kind} {_shown(inside)}{where}; correct the tooth or the area.",
                field="tooth",
                ref=entry_ref(entry, "tooth"),
            )


class QuadrantBilledTwice(Check):
    doc = """
    What it checks:
        One quadrant is billed at most once per date for a per-quadrant series whose codes
        differ by the number of teeth involved: scaling and root planing (D4341 four or more
        teeth, D4342 one to three), gingivectomy, gingival flap, osseous surgery, crown
        exposure, alveoloplasty. Two lines of one series for the same quadrant and date (the
        same code twice, or D4341 and D4342) are reported on the later line.

    Why it matters:
        The codes already cover every involved tooth of the quadrant: a second line for the
        same quadrant is a duplicate or a split that the payer denies ("one per quadrant per
        day"), and D4341 with D4342 on one quadrant contradicts itself.

    Bad example:
        Line 1 ``D4341`` area 30 and line 2 ``D4342`` area 30, both on 2025-06-02.

    Good example:
        Line 1 ``D4341`` area 30 and line 2 ``D4342`` area 40.

    References:
        * ADA, CDT nomenclature: D4341/D4342 "per quadrant" (four or more / one to three teeth)
        * Texas Medicaid (TMHP) 2018: D4260/D4261 limited to one per quadrant per day
        * WAC 182-535-1088 (Washington Apple Health): scaling and root planing once per
          quadrant
    """

    code = "CL706"
    name = "quadrant-billed-twice"
    summary = "Same quadrant billed twice on one date for SRP or another per-quadrant series"
    severity = Severity.WARNING
    scope = Scope.CLAIM
    tags = ("area", "periodontal")

    def check(self, claim: Claim, ctx: Context) -> Iterable[Finding]:
        count = 0
        for line in claim.lines:
            if line.code in QUADRANT_SERIES:
                count += 1
        if count < 2:
            return ()
        return self._findings(claim, ctx)

    def _findings(self, claim: Claim, ctx: Context) -> Iterator[Finding]:
        seen: dict[tuple[str, str, dt.date | None], list[ServiceLine]] = {}
        for line in claim.lines:
            row = QUADRANT_SERIES.get(line.code)
            areas = line_areas(line) if row is not None else None
            if row is None or not areas:
                continue
            for area in areas:
                if area.kind != "quadrant":
                    continue
                key = (row.series, area.code, claim.service_date(line))
                before = seen.setdefault(key, [])
                if before and before[-1] is not line:
                    first = before[0]
                    where = line.where("oral_cavity")
                    yield self.make(
                        f"Quadrant {area.code} ({area.name}) has more than one {row.series} "
                        f"line on {key[2] or 'the same date'}: {first.code} on "
                        f"{line_list([b.line_number for b in before])} and {line.code} on "
                        f"line {line.line_number}; bill one code for the quadrant (D4341/D4342 "
                        "by the number of teeth involved).",
                        ref=where,
                        claim_id=claim.claim_id,
                        line=line.line_number,
                        field=where.field or "oral_cavity",
                    )
                before.append(line)


class OneAreaPerLine(ProfileCheck):
    doc = """
    What it checks:
        When the payer profile sets ``one_area_per_line = true``: a line reported per
        quadrant or per arch carries one area of the oral cavity (837D SV304 can hold up to
        five), and its quantity (SV306) equals the number of areas, 1. Off unless the profile
        sets it: X12 allows several areas on a line.

    Why it matters:
        Most payers price and limit scaling, periodontal surgery and alveoloplasty per
        quadrant, one quadrant per line. Two quadrants on one line, or a quantity of 2 on one
        quadrant, is denied or paid as one quadrant.

    Bad example:
        ``{"code": "D4341", "oral_cavity": ["10", "20"]}`` or
        ``{"code": "D4341", "oral_cavity": ["10"], "quantity": 2}``

    Good example:
        Two lines: ``D4341`` area 10 and ``D4341`` area 20, each quantity 1.

    References:
        * X12 837 Health Care Claim: Dental, implementation guide 005010X224A2: SV304 (oral
          cavity designation, up to five codes) and SV306 (procedure count)
        * ADA Dental Claim Form item 25 (area of the oral cavity): one area per line
    """

    code = "CL707"
    name = "one-area-per-line"
    summary = "More than one area on a line, or a quantity other than its areas (payer option)"
    severity = Severity.WARNING
    scope = Scope.LINE
    tags = ("area", "payer")
    applies_to = AREA_CODES["quadrant"] | AREA_CODES["arch"]

    def _findings(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
        profile = ctx.profile()
        if profile is None or not profile.one_area_per_line or not line.oral_cavity:
            return
        info = lookup(line.code)
        areas = line_areas(line)
        if info is None or info.area not in ("quadrant", "arch") or not areas:
            return
        unit = "quadrant" if info.area == "quadrant" else "arch"
        if len(areas) > 1:
            yield self.on_line(
                ctx,
                line,
                f"{line.code} on line {line.line_number} has {len(areas)} areas "
                f"({_shown(areas)}); {profile.label} wants one {unit} per line: report each "
                f"{unit} on its own line with quantity 1.",
                field="oral_cavity",
            )
        elif line.quantity != 1:
            yield self.on_line(
                ctx,
                line,
                f"{line.code} on line {line.line_number} is for one {unit} ({_shown(areas)}) "
                f"but its quantity is {line.quantity}; {profile.label} wants the quantity equal "
                f"to the number of {unit}s on the line: 1.",
                field="quantity",
            )


class LegacyAreaCode(Check):
    doc = """
    What it checks:
        Reported by the readers: an area of the oral cavity written as a historical letter
        code (UR, UL, LL, LR, UA, LA, FM) is converted to its two-digit code (10, 20, 30, 40,
        01, 02, 00) and the rules judge the converted code. A value that is no area code at all
        is reported as an invalid value (CL117 in the 837D, CL002 in JSON, CSV and XML).

    Why it matters:
        The ADA claim form and the 837D 5010 code list use the two-digit codes; payers may
        reject the letter codes of older releases. Fixing the export avoids the rejection.

    Bad example:
        ``SV3*AD:D4341*200****1~`` with SV304 ``UR``, or ``"oral_cavity": ["UR"]``

    Good example:
        SV304 ``10``, or ``"oral_cavity": ["10"]``

    References:
        * ADA Dental Claim Form completion instructions, item 25: the two-digit area codes
          replace UR/UL/LR/LL
        * X12 element 1361 Oral Cavity Designation Code (older releases list the letter codes)
        * HL7 Terminology, ADAAreaOralCavitySystem (the two-digit area codes)
    """

    catalogued = catalogue.LEGACY_AREA_CODE
    scope = Scope.SOURCE
    tags = ("area",)
