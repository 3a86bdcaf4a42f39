"""Same-tooth, same-date combinations across the lines of a claim (DOMAIN.md §5.7):
CL305 pin retention, CL306 protective restoration, CL401 surface billed twice, CL402 touching
restorations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from claimlint.checks._lines import ToothLine, by_tooth_and_date, entry_ref
from claimlint.checks.base import LISTED_LINES, Check, Context, line_list
from claimlint.core.findings import Finding, Scope, Severity
from claimlint.core.model import Claim
from claimlint.dental import surfaces as sf
from claimlint.dental.cdt import INCLUDED_IN, codes_in_family, suggest_code
from claimlint.dental.teeth import TEETH

PIN_CODES = codes_in_family("pin")
PROTECTIVE_CODES = codes_in_family("protective")


def _groups(claim: Claim, ctx: Context) -> dict[tuple[str, dt.date | None], list[ToothLine]]:
    """The claim's tooth entries by (tooth, date), computed once per claim for all checks."""
    return ctx.memo(claim, "by_tooth_and_date", by_tooth_and_date)


def _tooth_repeats(claim: Claim) -> bool:
    """Does a tooth appear on two tooth entries? (Else no (tooth, date) group has two.)"""
    seen: set[str] = set()
    for line in claim.lines:
        for entry in line.teeth:
            tooth = entry.tooth
            if tooth:
                if tooth in seen:
                    return True
                seen.add(tooth)
    return False


def _lines(tls: list[ToothLine], limit: int = LISTED_LINES) -> str:
    """``1, 2, 5``; past ``limit`` lines ``1, 2, … 10 and 4,990 more``."""
    numbers = sorted({tl.line.line_number for tl in tls})
    shown = ", ".join(str(n) for n in numbers[:limit])
    return shown if len(numbers) <= limit else f"{shown} and {len(numbers) - limit:,} more"


class PinRetention(Check):
    doc = """
    What it checks:
        Pin retention (D2951, an add-on billed per tooth) is billed only together with a
        restoration on the same tooth and date of service, once per tooth (quantity 1, one
        line), and never with a core buildup (D2950) on that tooth and date, which already
        includes any pins.

    Why it matters:
        An add-on code without its base procedure is denied; a second D2951 or a quantity of 2
        ("per pin") is denied as a duplicate; D2951 with D2950 is denied as included in the
        buildup, and repeated patterns invite an audit.

    Bad example:
        ``D2951`` on tooth 3 with no restoration on tooth 3 that day; ``D2951`` with quantity
        2; ``D2951`` and ``D2950`` on tooth 19 the same day.

    Good example:
        ``D2161`` ``MODB`` on tooth 3 and ``D2951`` quantity 1 on tooth 3, same date.

    References:
        * ADA, CDT Code on Dental Procedures and Nomenclature: D2951 (pin retention, per tooth, in
          addition to a restoration); D2950 (core buildup)
        * ADA, CDT Coding Companion
        * Payer policy type: same-day, same-tooth bundling (pins with a buildup)
    """

    code = "CL305"
    name = "pin-retention"
    summary = "D2951 without a restoration, billed twice, or with D2950"
    severity = Severity.ERROR
    scope = Scope.CLAIM
    tags = ("codes", "same-tooth")

    def check(self, claim: Claim, ctx: Context) -> Iterable[Finding]:
        for line in claim.lines:
            if line.code in PIN_CODES:
                return self._findings(claim, ctx)
        return ()

    def _findings(self, claim: Claim, ctx: Context) -> Iterator[Finding]:
        for (tooth, _date), group in _groups(claim, ctx).items():
            pins = [tl for tl in group if tl.line.code in PIN_CODES]
            if not pins:
                continue
            first = pins[0]
            included = [
                tl
                for tl in group
                if tl.code is not None
                and first.code is not None
                and tl.code.family in INCLUDED_IN.get(first.code.family, ())
            ]
            restorations = [tl for tl in group if tl.code is not None and tl.code.definitive]
            for tl in pins:
                line = tl.line
                if included:
                    yield self.on_line(
                        ctx,
                        line,
                        f"Pin retention ({line.code}) on tooth {tooth} is included in "
                        f"{included[0].line.code} (line {included[0].line.line_number}) on the "
                        f"same date; remove the {line.code} line.",
                        field="code",
                    )
                elif not restorations:
                    yield self.on_line(
                        ctx,
                        line,
                        f"Pin retention ({line.code}) on tooth {tooth} has no qualifying "
                        "restoration on the same tooth and date; it is an add-on — add the "
                        "restoration line or remove the pin line.",
                        field="code",
                    )
                if line.quantity > 1:
                    yield self.on_line(
                        ctx,
                        line,
                        f"Pin retention ({line.code}) on tooth {tooth} is billed per tooth, not "
                        f"per pin; quantity {line.quantity} will be denied — bill quantity 1.",
                        field="quantity",
                    )
            if len(pins) > 1:
                # one finding for the group, on the first repeat (not one per repeat, each
                # listing every line: quadratic on a claim with thousands of pins)
                tl = pins[1]
                yield self.on_line(
                    ctx,
                    tl.line,
                    f"Pin retention on tooth {tooth} is billed more than once on the same date "
                    f"(lines {_lines(pins)}); bill one {tl.line.code} per tooth.",
                    field="code",
                )


class ProtectiveRestorationBundled(Check):
    doc = """
    What it checks:
        A protective (interim) restoration, D2940, is not billed on the same tooth and date
        as a definitive restoration (filling, inlay, onlay, crown or bridge retainer).

    Why it matters:
        D2940 is for a tooth that is being protected until later treatment; on the same day as
        the final restoration payers bundle it into that restoration and deny it, and the
        patient may be billed for a denied line.

    Bad example:
        ``D2940`` on tooth 14 and ``D2393`` ``MOD`` on tooth 14, same date.

    Good example:
        ``D2940`` on tooth 14 at an emergency visit; the definitive restoration on a later
        date, on its own claim or line.

    References:
        * ADA, CDT Code on Dental Procedures and Nomenclature: D2940 (protective restoration)
        * ADA, CDT Coding Companion
        * Payer policy type: same-day, same-tooth bundling (a protective restoration is not paid
          with a definitive restoration on the same tooth and date)
    """

    code = "CL306"
    name = "protective-restoration-bundled"
    summary = "D2940 with a definitive restoration on the same tooth and date"
    severity = Severity.WARNING
    scope = Scope.CLAIM
    tags = ("codes", "same-tooth")

    def check(self, claim: Claim, ctx: Context) -> Iterable[Finding]:
        if len(claim.lines) < 2:
            return ()
        for line in claim.lines:
            if line.code in PROTECTIVE_CODES:
                return self._findings(claim, ctx)
        return ()

    def _findings(self, claim: Claim, ctx: Context) -> Iterator[Finding]:
        for (tooth, _date), group in _groups(claim, ctx).items():
            final = [tl for tl in group if tl.code is not None and tl.code.definitive]
            if not final:
                continue
            for tl in group:
                if tl.line.code not in PROTECTIVE_CODES:
                    continue
                other = final[0].line
                yield self.on_line(
                    ctx,
                    tl.line,
                    f"Protective restoration ({tl.line.code}) on tooth {tooth} will be bundled "
                    f"with {other.code} (line {other.line_number}) on the same date; remove "
                    f"{tl.line.code}, or bill it only when no definitive restoration is placed "
                    "that day.",
                    field="code",
                )


def _surface_lines(group: list[ToothLine]) -> list[ToothLine]:
    return [
        tl
        for tl in group
        if tl.code is not None and tl.code.surfaces_reported and tl.entry.surfaces
    ]


class SurfaceBilledTwice(Check):
    doc = """
    What it checks:
        On one claim, no surface of a tooth is billed on two lines for the same date of
        service (e.g. D2392 MO and D2391 O on tooth 30: the occlusal surface appears twice).
        One finding per repeated surface (surfaces repeated on the same lines together), on
        the first line that repeats it, naming every line that bills it.

    Why it matters:
        Carriers pay a surface once per tooth per date; the second line is denied as a
        duplicate or the two are recoded as one restoration. If the work really was one
        continuous restoration, one line with all its surfaces is correct.

    Bad example:
        Line 1 ``D2392`` ``MO`` on 30 and line 2 ``D2391`` ``O`` on 30, same date.

    Good example:
        One line ``D2392`` ``MO`` on 30; or ``D2391`` ``O`` and ``D2391`` ``B`` for two
        separate restorations.

    References:
        * Regence dental policy, Multiple Surface Restorations on the Same Tooth
        * UnitedHealthcare Dental Coverage Guideline, Single Tooth Direct Restorations
        * Payer policy type: one benefit per surface per tooth per date
    """

    code = "CL401"
    name = "surface-billed-twice"
    summary = "Same surface on two lines, same tooth and date"
    severity = Severity.ERROR
    scope = Scope.CLAIM
    tags = ("surfaces", "same-tooth", "payer")

    def check(self, claim: Claim, ctx: Context) -> Iterable[Finding]:
        if len(claim.lines) < 2 or not _tooth_repeats(claim):
            return ()
        return self._findings(claim, ctx)

    def _findings(self, claim: Claim, ctx: Context) -> Iterator[Finding]:
        # per (tooth, date): each valid surface -> the lines that bill it (first entry of each
        # line), then surfaces billed on the same set of lines are one finding. Linear in the
        # lines: no pair is ever enumerated (issue 10).
        for (tooth, _date), group in _groups(claim, ctx).items():
            if len(group) < 2:
                continue
            by_surface: dict[str, dict[int, ToothLine]] = {}
            for tl in _surface_lines(group):
                for s in tl.entry.surfaces:
                    if s in sf.VALID:
                        by_surface.setdefault(s, {}).setdefault(id(tl.line), tl)
            by_lines: dict[tuple[int, ...], tuple[list[ToothLine], list[str]]] = {}
            for s, where in by_surface.items():
                if len(where) < 2:
                    continue
                tls = list(where.values())
                key = tuple(id(tl.line) for tl in tls)
                by_lines.setdefault(key, (tls, []))[1].append(s)
            for tls, letters in by_lines.values():
                yield self._finding(ctx, tooth, tls, sf.normalise(letters))

    def _finding(self, ctx: Context, tooth: str, tls: list[ToothLine], common: str) -> Finding:
        label = f"Surface {common}" if len(common) == 1 else f"Surfaces {common}"
        verb = "is" if len(common) == 1 else "are"
        a, b = tls[0], tls[1]
        if len(tls) == 2:
            where = (
                f"on line {a.line.line_number} ({a.line.code}) and again on line "
                f"{b.line.line_number} ({b.line.code})"
            )
        else:
            codes = list(dict.fromkeys(tl.line.code for tl in tls))
            listed = ", ".join(codes[:5]) + (", …" if len(codes) > 5 else "")
            where = f"on {line_list(tl.line.line_number for tl in tls)} ({listed})"
        return self.on_line(
            ctx,
            b.line,  # the first line that repeats the surface
            f"{label} on tooth {tooth} {verb} billed {where} for the same date; the payer "
            "pays a surface once per tooth — combine them into one restoration line or "
            "correct the surfaces.",
            field="surfaces",
            ref=entry_ref(b.entry, "surfaces"),
        )


class ContiguousRestorations(Check):
    doc = """
    What it checks:
        On a posterior tooth (premolar or molar), two direct restorations billed for the same
        date whose surfaces touch — they share a surface, or a surface of one meets a surface
        of the other (MO + DO, MO + OL, DO + B) — are reported with the single restoration
        and code the payer will pay instead. Surfaces that do not touch (M + D, B + L) are
        separate restorations and pass. Anterior teeth are not combined. Restorations that
        touch one another, directly or through a third, are one finding naming all of them
        and the one restoration they make together.

    Why it matters:
        Payers such as Regence process touching restorations on one back tooth as one
        restoration covering the union of the surfaces (MO + DO → one MOD, D2160), paying
        less than two lines and flagging the claim. Billing what was done as one line, or
        documenting why the restorations are separate, avoids the recode.

    Bad example:
        ``D2150`` ``MO`` and ``D2150`` ``DO`` on tooth 19, same date.

    Good example:
        ``D2160`` ``MOD`` on tooth 19; or ``D2140`` ``M`` and ``D2140`` ``D`` (not touching).

    References:
        * Regence dental policy, Multiple Surface Restorations on the Same Tooth
        * New Jersey Dental Association guidance on billing multiple restorations on one tooth
          (2018)
        * Payer policy type: connected (contiguous) surfaces on one tooth are benefited as one
          multi-surface restoration
    """

    code = "CL402"
    name = "contiguous-restorations"
    summary = "Touching restorations on one posterior tooth will be combined"
    severity = Severity.WARNING
    scope = Scope.CLAIM
    tags = ("surfaces", "same-tooth", "payer")

    def check(self, claim: Claim, ctx: Context) -> Iterable[Finding]:
        if len(claim.lines) < 2 or not _tooth_repeats(claim):
            return ()
        return self._findings(claim, ctx)

    def _findings(self, claim: Claim, ctx: Context) -> Iterator[Finding]:
        # Touching restorations are what the payer merges, so lines are grouped into the
        # connected parts of the "touches" relation, one finding each. Linear in the lines:
        # touching is decided between distinct surface sets (at most 2^7 of them), never
        # between pairs of lines (issue 10).
        for (tooth, _date), group in _groups(claim, ctx).items():
            if len(group) < 2:
                continue
            info = TEETH.get(tooth)
            if info is None or info.region != "posterior":
                continue
            by_set: dict[str, list[ToothLine]] = {}
            for tl in _surface_lines(group):
                if tl.code is not None and tl.code.kind == "direct":
                    valid = sf.normalise(s for s in tl.entry.surfaces if s in sf.VALID)
                    if valid:
                        by_set.setdefault(valid, []).append(tl)
            for part in _touching_parts(list(by_set)):
                tls = sorted(
                    (tl for key in part for tl in by_set[key]), key=lambda t: t.line.line_number
                )
                tls = list({id(tl.line): tl for tl in tls}.values())  # one entry per line
                if len(tls) < 2:
                    continue
                merged = sf.union(*part)
                if merged in part:
                    continue  # every line repeats surfaces of one of them: CL401's duplicate
                yield self._finding(ctx, tooth, info.region, tls, merged)

    def _finding(
        self, ctx: Context, tooth: str, region: str, tls: list[ToothLine], merged: str
    ) -> Finding:
        code = None
        series = {tl.code.series for tl in tls if tl.code is not None}
        if len(series) == 1 and tls[0].code is not None:
            code = suggest_code(tls[0].code.family, len(merged), region)
        as_code = f", {code}" if code else ""
        a, b = tls[0], tls[1]
        if len(tls) == 2:
            which = (
                f"{''.join(a.entry.surfaces)} (line {a.line.line_number}) and "
                f"{''.join(b.entry.surfaces)} (line {b.line.line_number})"
            )
        else:
            shown = [
                f"{''.join(tl.entry.surfaces)} (line {tl.line.line_number})"
                for tl in tls[:LISTED_LINES]
            ]
            more = len(tls) - len(shown)
            which = (
                ", ".join(shown[:-1]) + " and " + shown[-1]
                if not more
                else ", ".join(shown) + f" and {more:,} more"
            )
        return self.on_line(
            ctx,
            b.line,
            f"Restorations {which} on tooth {tooth} touch; the payer will likely process them "
            f"as one {len(merged)}-surface restoration ({merged}{as_code}). Bill one line if it "
            "was one restoration, or document why they are separate.",
            field="surfaces",
            ref=entry_ref(b.entry, "surfaces"),
            evidence={"union": merged, "code": code} if code else {"union": merged},
        )


def _touching_parts(sets: list[str]) -> list[list[str]]:
    """The surface sets grouped into connected parts of "touches" (``surfaces.contiguous``);
    at most 2^7 distinct sets, so the pairwise test is bounded."""
    parent = list(range(len(sets)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(sets)):
        for j in range(i + 1, len(sets)):
            if sf.contiguous(sets[i], sets[j]):
                parent[root(i)] = root(j)
    parts: dict[int, list[str]] = {}
    for i, key in enumerate(sets):
        parts.setdefault(root(i), []).append(key)
    return list(parts.values())
