"""Procedure code checks: known codes and code ↔ tooth/surface consistency
(CL115, CL301, CL302, CL303, CL304)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from claimlint.checks._lines import entry_ref
from claimlint.checks.base import Check, Context
from claimlint.core.ackcodes import Status277
from claimlint.core.findings import Finding, Scope, Severity
from claimlint.core.model import ServiceLine
from claimlint.dental import surfaces as sf
from claimlint.dental.cdt import (
    CODES,
    INCISAL_ANGLE_CANDIDATES,
    INCISAL_ANGLE_CODES,
    ONLAY_CODES,
    REGION_CODES,
    SURFACE_COUNT_RANGE,
    VERSION,
    is_cdt_shaped,
    lookup,
    one_surface_alternative,
    retired_in,
    sibling_for_region,
    suggest_code,
)
from claimlint.dental.teeth import TEETH


class UnknownProcedureCode(Check):
    doc = """
    What it checks:
        A procedure code shaped like a CDT code (``D`` and four digits) that is not a current
        CDT code number. claimlint's code table lists every code of the CDT edition it follows
        (docs/cdt-table.md); a code the CDT deleted is named as retired with the edition that
        deleted it. Malformed codes are reported by CL111 instead.

    Why it matters:
        A mistyped or retired code (``D2155`` for ``D2150``/``D2160``, ``D9940`` after the
        occlusal guard codes were split) is denied as an invalid procedure, and none of the
        tooth, surface and area rules can check the line. A code retired in CDT YEAR stays
        valid for services dated before January 1 of YEAR (a late claim for an older visit):
        no finding then.

    Bad example:
        ``{"code": "D2155", "tooth": "30", "surfaces": "MO"}``

    Good example:
        ``{"code": "D2150", "tooth": "30", "surfaces": "MO"}``

    References:
        * ADA, CDT Code on Dental Procedures and Nomenclature (codes are referred to by number only)
    """

    code = "CL115"
    status_277 = Status277("A7", "454")
    name = "unknown-procedure-code"
    summary = "CDT-shaped code that is not a current CDT code"
    severity = Severity.WARNING
    scope = Scope.LINE
    tags = ("codes",)

    def check(self, line: ServiceLine, ctx: Context) -> Iterable[Finding]:
        if line.code in CODES:
            return ()
        return self._findings(line, ctx)

    def _findings(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
        code = line.code
        if lookup(code) is not None or not is_cdt_shaped(code):
            return
        year = retired_in(code)
        if year is not None:
            day = ctx.claim.service_date(line) if ctx.claim is not None else None
            if day is not None and day < dt.date(year, 1, 1):
                return  # valid on its date of service: the CDT edition in force then had it
            message = (
                f"Procedure code {code} on line {line.line_number} was retired in CDT {year}; "
                "report the code that replaced it before submitting."
            )
        else:
            message = (
                f"Procedure code {code} on line {line.line_number} is not a CDT {VERSION} code; "
                "check it for a typo or a retired code before submitting."
            )
        yield self.on_line(ctx, line, message, field="code")


class SurfaceCountMismatch(Check):
    doc = """
    What it checks:
        For surface-counted codes (amalgam D2140–D2161, composites D2330–D2335 and
        D2391–D2394, inlays and onlays D2510–D2664), the number of distinct surfaces listed
        matches the code: 1, 2, 3, or 4-or-more (inlays: 1, 2, 3-or-more; onlays: 2, 3,
        4-or-more). D2335 also fits fewer surfaces when the incisal angle is involved (see
        CL303). The message names the code that matches the surfaces.

    Why it matters:
        The surface count is what the payer pays for. A mismatch is either an under-billed
        restoration or one the payer will recode (and often flag for audit); a missing surface
        list on a surface code is rejected.

    Bad example:
        ``{"code": "D2150", "tooth": "30", "surfaces": "MOD"}`` — D2150 is a 2-surface code.

    Good example:
        ``{"code": "D2160", "tooth": "30", "surfaces": "MOD"}``

    References:
        * ADA, CDT Code on Dental Procedures and Nomenclature: D2140-D2161 (amalgam) and D2330-D2394
          (resin composite) are numbered by surface count; D2542-D2544, D2642-D2644, D2662-D2664
          (onlays)
        * ADA, CDT Coding Companion
    """

    code = "CL301"
    status_277 = Status277("A7", "454")
    name = "surface-count-mismatch"
    summary = "Number of surfaces does not match the code"
    severity = Severity.ERROR
    scope = Scope.LINE
    needs_teeth = True
    tags = ("codes", "surfaces")
    applies_to = frozenset(SURFACE_COUNT_RANGE)

    def check(self, line: ServiceLine, ctx: Context) -> Iterable[Finding]:
        fits = SURFACE_COUNT_RANGE.get(line.code)
        if fits is not None:
            low, high = fits
            for entry in line.teeth:
                surfaces = entry.surfaces
                if surfaces not in sf.CLEAN or not low <= len(surfaces) <= high:
                    return self._findings(line, ctx)
            return ()
        return self._findings(line, ctx)

    def _findings(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
        info = lookup(line.code)
        if info is None or not info.surface_counted or not line.teeth:
            return
        for entry in line.teeth:
            count = sf.distinct_count(entry.surfaces)
            if info.surface_count_fits(count):
                continue
            if info.kind == "onlay" and count == 1:
                continue  # CL304 reports one-surface onlays
            where = TEETH.get(entry.tooth) if entry.tooth else None
            region = where.region if where else (None if info.region == "any" else info.region)
            suggested = suggest_code(info.family, count, region) if count else None
            if count == 0:
                listed = "no surfaces are listed"
                fix = "add the restored surfaces"
            else:
                noun, verb = ("surface", "is") if count == 1 else ("surfaces", "are")
                listed = f"{count} {noun} ({sf.normalise(entry.surfaces)}) {verb} listed"
                fix = (
                    f"bill {suggested}"
                    if suggested
                    else "correct the surfaces or choose the code that matches them"
                )
            yield self.on_line(
                ctx,
                line,
                f"{info.code} is a {info.count_text()} code but {listed}; {fix}.",
                field="surfaces",
                ref=entry_ref(entry, "surfaces"),
                evidence={"suggested": suggested} if suggested else None,
            )


class CompositeRegionMismatch(Check):
    doc = """
    What it checks:
        Composite codes are used on the right kind of tooth: D2330–D2335 and D2390 on
        anterior teeth (incisors, canines; primary C–H and M–R), D2391–D2394 on posterior
        teeth (premolars, molars). The message names the same-count code for the tooth's
        region (D2392 on tooth 8 → D2331).

    Why it matters:
        Anterior and posterior composites are separate codes with different fees and benefit
        rules (posterior composites are often paid at the amalgam rate); a code for the wrong
        region is denied as inconsistent with the tooth.

    Bad example:
        ``{"code": "D2392", "tooth": "8", "surfaces": "MI"}``

    Good example:
        ``{"code": "D2331", "tooth": "8", "surfaces": "MI"}``

    References:
        * ADA, CDT Code on Dental Procedures and Nomenclature: D2330-D2335 (anterior) versus
          D2391-D2394 (posterior) resin composite
        * ADA Universal/National tooth designation system (HL7 code system
          ADAUniversalToothDesignationSystem) (anterior teeth 6-11, 22-27, C-H, M-R)
    """

    code = "CL302"
    status_277 = Status277("A7", "454")
    name = "composite-region-mismatch"
    summary = "Anterior/posterior composite code on the other kind of tooth"
    severity = Severity.ERROR
    scope = Scope.LINE
    needs_teeth = True
    tags = ("codes", "teeth")
    applies_to = frozenset(REGION_CODES)

    def check(self, line: ServiceLine, ctx: Context) -> Iterable[Finding]:
        region = REGION_CODES.get(line.code)
        if region is not None:
            for entry in line.teeth:
                tooth = TEETH.get(entry.tooth) if entry.tooth else None
                if tooth is not None and tooth.region != region:
                    return self._findings(line, ctx)
            return ()
        return self._findings(line, ctx)

    def _findings(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
        info = lookup(line.code)
        if info is None or info.region == "any":
            return
        for entry in line.teeth:
            tooth = TEETH.get(entry.tooth) if entry.tooth else None
            if tooth is None or tooth.region == info.region:
                continue
            sibling = sibling_for_region(info, tooth.region)
            fix = f"use {sibling}" if sibling else f"use a {tooth.region} restoration code"
            yield self.on_line(
                ctx,
                line,
                f"{info.code} is {_article(info.region)} {info.region} {info.material} code "
                f"but tooth "
                f"{tooth.tooth} is {tooth.region}; {fix}.",
                field="code",
                evidence={"suggested": sibling} if sibling else None,
            )


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


class IncisalAngleCheck(Check):
    doc = """
    What it checks:
        Heuristics for the incisal-angle rule of anterior composites: D2335 billed with fewer
        than four surfaces and no incisal surface (I) is probably miscoded; D2331 or D2332
        with the incisal surface plus a mesial or distal surface may involve the incisal angle
        and then qualifies as D2335. Surface letters cannot prove angle involvement, so this
        asks for a check of the chart, not a change.

    Why it matters:
        D2335 pays more than D2331/D2332; payers audit it against the chart note and recode
        it when the incisal angle is not documented. The reverse (a Class IV restoration
        billed as D2331) under-bills the work.

    Bad example:
        ``{"code": "D2335", "tooth": "8", "surfaces": "MF"}`` (no incisal surface).

    Good example:
        ``{"code": "D2335", "tooth": "8", "surfaces": "MIF"}`` with a note describing the
        fractured mesio-incisal angle; or ``D2331`` ``MF``.

    References:
        * ADA, CDT Code on Dental Procedures and Nomenclature: D2335 (anterior resin composite
          involving the incisal angle)
        * ADA, CDT Coding Companion
    """

    code = "CL303"
    name = "incisal-angle-check"
    summary = "Check incisal-angle involvement for anterior composites"
    severity = Severity.WARNING
    scope = Scope.LINE
    needs_teeth = True
    tags = ("codes", "surfaces")
    applies_to = INCISAL_ANGLE_CODES | INCISAL_ANGLE_CANDIDATES

    def check(self, line: ServiceLine, ctx: Context) -> Iterable[Finding]:
        code = line.code
        if code in INCISAL_ANGLE_CANDIDATES:
            # a finding needs the incisal surface plus M or D
            for entry in line.teeth:
                if "I" in entry.surfaces:
                    return self._findings(line, ctx)
            return ()
        if code not in INCISAL_ANGLE_CODES:
            return ()
        # D2335: a finding needs one to three surfaces and no incisal surface
        for entry in line.teeth:
            surfaces = entry.surfaces
            if surfaces and "I" not in surfaces and len(set(surfaces)) < 4:
                return self._findings(line, ctx)
        return ()

    def _findings(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
        code = line.code
        if code not in INCISAL_ANGLE_CODES and code not in INCISAL_ANGLE_CANDIDATES:
            return
        for entry in line.teeth:
            tooth = TEETH.get(entry.tooth) if entry.tooth else None
            if tooth is not None and tooth.region != "anterior":
                continue  # CL302 reports the region
            letters = set(entry.surfaces)
            surfs = sf.normalise(entry.surfaces)
            count = len(letters)
            if code in INCISAL_ANGLE_CODES:
                if count == 0 or count >= 4 or "I" in letters:
                    continue
                alt = suggest_code("composite-anterior", count)
                message = (
                    f"Check incisal-angle involvement: {code} with surfaces {surfs} and no "
                    "incisal surface; D2335 needs four or more surfaces or an involved incisal "
                    f"angle — otherwise bill {alt}."
                )
            else:
                if "I" not in letters or not letters & {"M", "D"}:
                    continue
                message = (
                    f"Check incisal-angle involvement: surfaces {surfs} with code {code}; if "
                    "the incisal angle is restored, D2335 applies — document it in the note."
                )
            yield self.on_line(
                ctx, line, message, field="surfaces", ref=entry_ref(entry, "surfaces")
            )


class OneSurfaceOnlay(Check):
    doc = """
    What it checks:
        Onlay codes (D2542–D2544, D2642–D2644, D2662–D2664) are not billed with a single
        surface: onlays cover a cusp, so every onlay series starts at two surfaces.

    Why it matters:
        There is no one-surface onlay code; such a line is denied. It is usually an inlay
        (D2510, D2610, D2650) or a surface list that lost letters.

    Bad example:
        ``{"code": "D2542", "tooth": "30", "surfaces": "O", "placement": "I"}``

    Good example:
        ``{"code": "D2542", "tooth": "30", "surfaces": "MO", "placement": "I"}``, or
        ``D2510`` with ``O`` for a one-surface metal inlay.

    References:
        * ADA, CDT Code on Dental Procedures and Nomenclature: onlays D2542, D2642, D2662 (and up)
          start at two surfaces
        * ADA, CDT Coding Companion
    """

    code = "CL304"
    name = "one-surface-onlay"
    summary = "Onlay billed with one surface"
    severity = Severity.ERROR
    scope = Scope.LINE
    needs_teeth = True
    tags = ("codes", "surfaces")
    applies_to = ONLAY_CODES

    def check(self, line: ServiceLine, ctx: Context) -> Iterable[Finding]:
        if line.code in ONLAY_CODES:
            for entry in line.teeth:
                if len(entry.surfaces) < 2 or entry.surfaces not in sf.CLEAN:
                    return self._findings(line, ctx)
            return ()
        return self._findings(line, ctx)

    def _findings(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
        info = lookup(line.code)
        if info is None or info.kind != "onlay":
            return
        for entry in line.teeth:
            if sf.distinct_count(entry.surfaces) != 1:
                continue
            alt = one_surface_alternative(info)
            yield self.on_line(
                ctx,
                line,
                f"Onlays start at two surfaces; {info.code} with one surface "
                f"({sf.normalise(entry.surfaces)}) is invalid — list all surfaces covered, or "
                f"bill a one-surface inlay ({alt}) if that is what was placed.",
                field="surfaces",
                ref=entry_ref(entry, "surfaces"),
            )
