"""Documentation rules (DOMAIN §6, §8 CL5xx): narratives, radiographs and the chart-note audit.

Chart notes are the lines' ``note`` text; narratives are the claim's notes (X12 NTE) and
attachments (PWK). The note reader is claimlint/dental/notes.py.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator

from claimlint.checks._lines import code_where
from claimlint.checks.base import Check, Context
from claimlint.checks.frequency import hits_for
from claimlint.core.findings import Finding, Scope, Severity
from claimlint.core.model import Claim, ServiceLine
from claimlint.dental import benefits
from claimlint.dental.notes import REASON_WORDS, NoteFacts, normalise, read_note, states
from claimlint.payer.profile_basics import DEFAULT_MAX_RESTORATIONS_PER_VISIT, add_months

#: PWK report types that carry images or supporting documentation (DOMAIN §5.6)
RADIOGRAPH_TYPES = frozenset({"RB", "OZ"})
DEFAULT_MAX_RESTORATIONS = DEFAULT_MAX_RESTORATIONS_PER_VISIT
CLONE_MIN_TEETH = 3
#: codes the chart-note audit reads (restorations and pin retention)
AUDITABLE_CODES: frozenset[str] = benefits.FAMILIES["restoration"] | benefits.FAMILIES["pin"]
#: codes that need a pre-operative radiograph (``benefits.needs_radiograph``)
RADIOGRAPH_CODES: frozenset[str] = frozenset().union(
    *(benefits.FAMILIES[f] for f in benefits.RADIOGRAPH_FAMILIES)
)


def has_narrative(claim: Claim, tooth: str | None) -> bool:
    """A claim note naming the tooth or a reason, or any attachment, counts as a narrative."""
    if claim.attachments:
        return True
    for note in claim.notes:
        if tooth and re.search(rf"(?:#|tooth\s*#?)\s*{re.escape(tooth)}\b", note.text, re.I):
            return True
        if states(REASON_WORDS, note.text):  # "no decay" states no reason
            return True
    return False


class ReplacementWithoutNarrative(Check):
    doc = """
    What it checks:
        Restorations and crowns inside the plan's frequency window (CL403/CL404) on a claim
        with no narrative: no claim note naming the tooth or a clinical reason, and no
        attachment.

    Why it matters:
        A replacement inside the window is paid only when the narrative says why (recurrent
        decay, fracture, failed margins) and when the prior one was placed; without it the
        line is denied and must be appealed.

    Bad example:
        D2391 on 30-O inside a 24-month window after D2392 30-MO on 2025-06-02, no NTE.

    Good example:
        The same claim with a note "#30 O: recurrent decay at the margin of the 2025-06-02
        restoration".

    References:
        * Payer policy type: frequency limitation (replacement of restorations)
        * X12 837 Health Care Claim: Dental, implementation guide 005010X224A2: loop 2300 NTE claim
          note, PWK attachment
        * Payer guidance on narratives for replacement restorations (reason for replacement and
          prior placement date)
    """

    code = "CL501"
    name = "replacement-without-narrative"
    summary = "Replacement inside a frequency window has no narrative"
    severity = Severity.WARNING
    scope = Scope.LINE
    tags = ("documentation", "history")
    needs_profile = True

    def check(self, line: ServiceLine, ctx: Context) -> Iterable[Finding]:
        if ctx.profile() is None:
            return ()  # no frequency window without a profile
        return self._findings(line, ctx)

    def _findings(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
        claim = ctx.claim
        hits = hits_for(line, ctx)
        if not hits or claim is None or has_narrative(claim, line.tooth):
            return
        hit = hits[0]
        yield self.on_line(
            ctx,
            line,
            f"Add a narrative: prior restoration on {hit.where()} on {hit.prior.date}, inside "
            f"the {hit.window()}. Say why {line.code} replaces it (recurrent decay, fracture, "
            "failed margin) in a claim note or attachment.",
            field="note",
        )


class CrownRadiograph(Check):
    doc = """
    What it checks:
        Crowns, onlays and bridge retainers on a claim with no radiograph/support attachment
        (PWK report type RB or OZ), or with one dated more than 12 months before the date of
        service.

    Why it matters:
        Payers deny crowns without a diagnostic pre-operative periapical radiograph taken
        within 12 months of the preparation; the claim comes back asking for it.

    Bad example:
        D2740 on tooth 3 with no PWK segment.

    Good example:
        D2740 on tooth 3 with ``{"type": "RB", "transmission": "EL", "control_number": "X1"}``.

    References:
        * UnitedHealthcare Dental Coverage Guideline, Single Tooth Indirect Restorations
        * X12 837 Health Care Claim: Dental, implementation guide 005010X224A2: PWK01 RB (radiology
          films) and OZ (support data)
        * Payer guidance on crown claims: a current pre-operative radiograph
    """

    code = "CL502"
    name = "crown-radiograph-missing"
    summary = "Crown without a current radiograph attachment"
    severity = Severity.WARNING
    scope = Scope.LINE
    tags = ("documentation",)
    applies_to = RADIOGRAPH_CODES

    def check(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
        claim = ctx.claim
        if claim is None or not benefits.needs_radiograph(line.code):
            return
        images = [a for a in claim.attachments if (a.type or "").upper() in RADIOGRAPH_TYPES]
        day = claim.service_date(line)
        if not images:
            yield self.on_line(
                ctx,
                line,
                f"{code_where(line)} needs a pre-operative periapical radiograph "
                "taken within 12 months: attach it (PWK report type RB) with its control number.",
                field="code",
            )
            return
        dated = [a.date for a in images if isinstance(a.date, dt.date)]
        if day is not None and dated and max(dated) < add_months(day, -12):
            yield self.on_line(
                ctx,
                line,
                f"The newest radiograph attached for {code_where(line)} is from "
                f"{max(dated)}, more than 12 months before {day}; attach a current one.",
                field="code",
            )


def _auditable(code: str) -> bool:
    return code in AUDITABLE_CODES


class ChartNoteIncomplete(Check):
    doc = """
    What it checks:
        That a restorative line's chart note states the tooth, the surfaces (for surface
        codes), the material and the clinical reason. "filling on #19" states only the tooth.

    Why it matters:
        Auditors disallow restorations whose records do not support them; a note must show
        what was done where, with what, and why.

    Bad example:
        D2392 on tooth 19 (MO), note "filling on #19".

    Good example:
        Note "#19 MO composite, recurrent decay into dentin at the mesial margin".

    References:
        * ADA guidance on dental records (content of a treatment entry)
        * Payer and state audit findings on restorative chart notes (tooth, surfaces, material and
          reason)
    """

    code = "CL503"
    name = "chart-note-incomplete"
    summary = "Chart note lacks tooth, surfaces, material or reason"
    severity = Severity.WARNING
    scope = Scope.LINE
    tags = ("documentation",)
    applies_to = AUDITABLE_CODES

    def check(self, line: ServiceLine, ctx: Context) -> Iterable[Finding]:
        if not line.note:
            return ()
        return self._findings(line, ctx)

    def _findings(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
        if not line.note or not _auditable(line.code):
            return
        facts = read_note(line.note)
        missing = []
        if line.tooth and not facts.teeth:
            missing.append("the tooth")
        if line.code in benefits.SURFACE_CODES and not facts.surfaces:
            missing.append("the surfaces")
        if benefits.material(line.code) and not facts.materials:
            missing.append("the material")
        if not facts.has_reason:
            missing.append("the clinical reason (e.g. caries depth, fracture)")
        if missing:
            yield self.on_line(
                ctx,
                line,
                f"Chart note for line {line.line_number} ({line.code}) is missing "
                f"{_join(missing)}; add them to the clinical record before submitting.",
                field="note",
            )


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


class ChartNoteContradicts(Check):
    doc = """
    What it checks:
        Whether the chart note names a different tooth, different surfaces or a different
        material than the claim line (e.g. the note says amalgam, the code is a composite).

    Why it matters:
        A note that contradicts the claim is the first thing an audit disallows, and the
        code must follow the material actually placed.

    Bad example:
        D2392 on tooth 30 (MO), note "#31 DO amalgam, caries".

    Good example:
        D2392 on tooth 30 (MO), note "#30 MO composite, caries into dentin".

    References:
        * ADA guidance on dental records (content of a treatment entry)
        * Payer policy type: post-payment audit (records must support the code, tooth and surfaces
          billed)
    """

    code = "CL504"
    name = "chart-note-contradicts-claim"
    summary = "Chart note contradicts the claim line"
    severity = Severity.ERROR
    scope = Scope.LINE
    tags = ("documentation",)
    applies_to = AUDITABLE_CODES

    def check(self, line: ServiceLine, ctx: Context) -> Iterable[Finding]:
        if not line.note:
            return ()
        return self._findings(line, ctx)

    def _findings(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
        if not line.note or not _auditable(line.code):
            return
        facts = read_note(line.note)
        tooth = (line.tooth or "").upper().lstrip("0")
        if tooth and facts.teeth and tooth not in facts.teeth:
            noted = ", ".join(sorted(facts.teeth))
            yield self.on_line(
                ctx,
                line,
                f"Chart note says tooth {noted} but the claim says tooth {line.tooth}; correct "
                "whichever is wrong.",
                field="tooth",
            )
        claimed = set(line.surfaces)
        surface_code = line.code in benefits.SURFACE_CODES
        if surface_code and facts.surfaces and claimed and facts.surfaces != claimed:
            yield self.on_line(
                ctx,
                line,
                f"Chart note says surfaces {_surf(facts.surfaces)} but the claim says "
                f"{_surf(claimed)} on tooth {line.tooth}; correct the surfaces (and the "
                "code if the count changes).",
                field="surfaces",
            )
        material = benefits.material(line.code)
        if material and facts.materials and material not in facts.materials:
            yield self.on_line(
                ctx,
                line,
                f"Chart note says {_join(sorted(facts.materials))} but {line.code} is a "
                f"{material} code; bill the code for the material actually placed.",
                field="code",
            )


_ORDER = "MODBLIF"


def _surf(surfaces: set[str]) -> str:
    # letters that are not surfaces (CL205 reports them) go last instead of raising
    return "".join(
        sorted(surfaces, key=lambda s: (_ORDER.index(s) if s in _ORDER else len(_ORDER), s))
    )


#: code -> (test on the note facts that must hold, what is missing)
SUPPORT_RULES: dict[str, tuple[Callable[[NoteFacts], bool], str]] = {
    "D2391": (
        lambda f: not (f.sealant and not f.dentin),
        "the note describes a sealant or enamel-only lesion; D2391 needs caries into dentin",
    ),
    "D2335": (
        lambda f: f.incisal_angle,
        "the note does not show incisal-angle involvement (or 4+ surfaces)",
    ),
    "D2951": (
        lambda f: f.pin_rationale,
        "the note does not say why pin retention was needed (e.g. missing cusps)",
    ),
}


class ChartNoteDoesNotSupportCode(Check):
    doc = """
    What it checks:
        Code-specific evidence in the chart note: D2391 notes that suggest a sealant or an
        enamel-only lesion (no dentin involvement); D2335 notes without incisal-angle
        involvement; D2951 notes without a reason for pin retention.

    Why it matters:
        Restorations billed where the record shows a sealant are a known upcoding pattern; a
        D2335 or a pin without its justification is downcoded or denied on review.

    Bad example:
        D2391 on tooth 19, note "#19 O resin, pit and fissure sealant, enamel only".

    Good example:
        D2391 on tooth 19, note "#19 O composite, caries into dentin".

    References:
        * ADA, CDT Code on Dental Procedures and Nomenclature: D2391 (posterior composite), D2335
          (incisal angle), D2951 (pin retention)
        * ADA, CDT Coding Companion
        * ADA guidance on dental records (content of a treatment entry)
    """

    code = "CL505"
    name = "chart-note-does-not-support-code"
    summary = "Chart note does not support the code billed"
    severity = Severity.WARNING
    scope = Scope.LINE
    tags = ("documentation",)
    applies_to = frozenset(SUPPORT_RULES)

    def check(self, line: ServiceLine, ctx: Context) -> Iterable[Finding]:
        if not line.note:
            return ()
        return self._findings(line, ctx)

    def _findings(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
        rule = SUPPORT_RULES.get(line.code)
        if not line.note or rule is None:
            return
        test, reason = rule
        if not test(read_note(line.note)):
            yield self.on_line(
                ctx,
                line,
                f"Note does not support {code_where(line)}: {reason}. Correct the "
                "code or complete the note.",
                field="note",
            )


class ClonedNotesOrVolume(Check):
    doc = """
    What it checks:
        Identical chart notes (teeth and surfaces aside) on three or more teeth of one claim,
        and more restorations on one visit than the profile's ``max_restorations_per_visit``
        (default 20).

    Why it matters:
        Cloned boilerplate notes and implausible volumes are audit triggers; a state audit
        disallowed claims of 25+ fillings in one visit that the records did not support.

    Bad example:
        Notes "composite placed, caries" copied on teeth 3, 14, 19 and 30.

    Good example:
        A note per tooth describing that tooth's lesion and surfaces.

    References:
        * Payer and state Medicaid audit guidance on cloned documentation and unusual service volume
        * ADA guidance on dental records (content of a treatment entry)
    """

    code = "CL506"
    name = "cloned-notes-or-volume"
    summary = "Cloned chart notes or many restorations in one visit"
    severity = Severity.INFO
    scope = Scope.CLAIM
    tags = ("documentation",)

    def check(self, claim: Claim, ctx: Context) -> Iterable[Finding]:
        # clean: no chart note to compare, and fewer restorations in all than one visit allows
        count = 0
        for line in claim.lines:
            if line.code in AUDITABLE_CODES:
                if line.note:
                    return self._findings(claim, ctx)
                count += max(1, len(line.teeth))
        if count <= DEFAULT_MAX_RESTORATIONS and ctx.profiles is None:
            return ()
        profile = ctx.profile(claim)
        limit = profile.max_restorations_per_visit if profile else DEFAULT_MAX_RESTORATIONS
        if count <= limit:
            return ()
        return self._findings(claim, ctx)

    def _findings(self, claim: Claim, ctx: Context) -> Iterator[Finding]:
        by_text: dict[str, list[ServiceLine]] = defaultdict(list)
        per_day: dict[dt.date | None, int] = defaultdict(int)
        for line in claim.lines:
            if not _auditable(line.code):
                continue
            per_day[claim.service_date(line)] += max(1, len(line.teeth))
            if line.note and line.note.strip():
                by_text[normalise(line.note)].append(line)
        for lines in by_text.values():
            teeth = sorted({ln.tooth for ln in lines if ln.tooth}, key=str)
            if len(teeth) >= CLONE_MIN_TEETH:
                yield self.on_claim(
                    claim,
                    f"The same chart note is used on {len(teeth)} teeth ({', '.join(teeth)}); "
                    "write each tooth's findings (lesion, surfaces, reason) - cloned notes are "
                    "an audit trigger.",
                    field="lines",
                )
        profile = ctx.profile(claim)
        limit = profile.max_restorations_per_visit if profile else DEFAULT_MAX_RESTORATIONS
        for day, count in sorted(per_day.items(), key=lambda kv: str(kv[0])):
            if count > limit:
                yield self.on_claim(
                    claim,
                    f"{count} restorations on one visit ({day}) is above {limit}; make sure each "
                    "is documented with its own note and radiograph - high volumes get audited.",
                    field="date_of_service",
                )
