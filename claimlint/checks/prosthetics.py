"""Prosthodontic rules (DOMAIN §8 CL307–CL309; DOMAIN-BREADTH §6 CL931–CL933): initial or
replacement and the prior placement date, crowns next to pontics, pontics on present teeth,
bridges without retainers, retainers on missing teeth, and the plan's replacement window.

The code groups are tables in ``claimlint/dental/prosthetics.py``; the tooth status views
(DN2, extractions on the claim and in history) are in ``_tooth_status.py``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from claimlint.checks._lines import code_where
from claimlint.checks._tooth_status import (
    extracted_before,
    line_teeth,
    prior_text,
    teeth_on_claim,
)
from claimlint.checks.base import Check, Context, ProfileCheck
from claimlint.checks.frequency import INDIRECT_CODES, hits_for
from claimlint.core.catalogue import INVALID_ELEMENT_VALUE, SCHEMA_VIOLATION
from claimlint.core.findings import Finding, Scope, Severity
from claimlint.core.model import Claim, PriorProcedure, ServiceLine
from claimlint.dental import prosthetics as pros
from claimlint.payer import history as hist
from claimlint.payer.profile_basics import add_months

if TYPE_CHECKING:  # a run without profiles does not import claimlint.payer.profiles
    from claimlint.payer.profiles import ReplacementRule

PLACEMENT_CODES: frozenset[str] = frozenset().union(*(g.codes() for g in pros.PLACEMENT_GROUPS))
PONTIC_CODES: frozenset[str] = pros.PONTIC.codes()
#: claim-level scans ask these sets (a C lookup) rather than the groups' __contains__
RETAINER_CODES: frozenset[str] = pros.RETAINER.codes()


def _has_pontic(claim: Claim) -> bool:
    return any(line.code in PONTIC_CODES and line.teeth for line in claim.lines)


def _pontics_by_date(claim: Claim) -> dict[dt.date | None, dict[str, ServiceLine]]:
    """Pontic teeth of the claim per date of service: date → {tooth: line}."""
    out: dict[dt.date | None, dict[str, ServiceLine]] = {}
    for line in claim.lines:
        if line.code in pros.PONTIC:
            day = claim.service_date(line)
            for tooth in line_teeth(line):
                out.setdefault(day, {}).setdefault(tooth, line)
    return out


class ProsthesisPlacement(Check):
    doc = """
    What it checks:
        Crowns, inlays, onlays and bridge units (pontics and retainers) say whether they are
        an initial placement or a replacement (837D SV305 ``I``/``R``; ``placement`` in
        JSON, CSV and XML), and a replacement carries the prior placement date (837D
        DTP*441 or DTP*139; ``prior_placement_date``).

    Why it matters:
        Payers judge a crown or bridge by whether it replaces an earlier one: the replacement
        window (often five or seven years) counts from the prior placement date. A line
        without the indicator, or a replacement without the date, is returned for
        information or denied.

    Bad example:
        ``D2740`` on tooth 3 with ``placement`` ``R`` and no prior placement date; or
        ``D6750`` with no ``placement`` at all.

    Good example:
        ``D2740`` on tooth 3, ``placement`` ``R``, ``prior_placement_date`` 2017-04-01 (837D
        ``SV3*AD:D2740*1300****R~`` then ``DTP*441*D8*20170401~``).

    References:
        * X12 837 Health Care Claim: Dental, implementation guide 005010X224A2: SV305
          prosthesis, crown or inlay code (I initial placement, R replacement), loop 2400
          DTP*441 prior placement date
        * ADA Dental Claim Form, items 25-26 (prosthesis replacement and prior placement
          date)
    """

    code = "CL307"
    name = "prosthesis-placement"
    summary = "Crown, inlay/onlay or bridge unit without initial/replacement or prior date"
    severity = Severity.ERROR
    scope = Scope.LINE
    tags = ("codes", "prosthetics")
    applies_to = PLACEMENT_CODES

    def check(self, line: ServiceLine, ctx: Context) -> Iterable[Finding]:
        if line.placement == "I" or line.code not in PLACEMENT_CODES:
            return ()
        if line.placement == "R" and isinstance(line.prior_placement_date, dt.date):
            return ()
        return self._findings(line, ctx)

    def _findings(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
        if line.placement == "I" or line.code not in PLACEMENT_CODES:
            return
        where = code_where(line)
        if line.placement is None:
            n = line.line_number
            if ctx.reader_reported(INVALID_ELEMENT_VALUE.code, n) or ctx.reader_reported(
                SCHEMA_VIOLATION.code, n
            ):
                return  # the reader reported the bad value already
            yield self.on_line(
                ctx,
                line,
                f"{where} is a crown, inlay/onlay or bridge unit but does not say whether it "
                "is an initial placement or a replacement: set I or R (837D SV305; "
                "'placement' in JSON, CSV and XML).",
                field="placement",
            )
            return
        prior = line.prior_placement_date
        if prior is None:
            yield self.on_line(
                ctx,
                line,
                f"Replacement {where} needs the prior placement date (837D DTP*441; "
                "'prior_placement_date' in JSON, CSV and XML); payers count the replacement "
                "window from it.",
                field="placement",
            )
        elif not isinstance(prior, dt.date):
            yield self.on_line(
                ctx,
                line,
                f"Replacement {where}: the prior placement date is not a date; write it as "
                "YYYY-MM-DD (837D DTP*441*D8*CCYYMMDD).",
                field="prior_placement_date",
                evidence={"value": prior},
            )


class CrownNextToPontic(Check):
    doc = """
    What it checks:
        A single-tooth crown (D2710–D2799) on a tooth next to a pontic billed on the same
        claim and date.

    Why it matters:
        A tooth that holds a bridge is a retainer and is billed with a retainer code
        (D6710–D6794, or D6545–D6634 for inlay/onlay retainers). Billing the abutment as a
        single crown breaks the bridge into unrelated units: the pontic looks unsupported and
        the crown is judged by the single-crown rules, so the claim is denied or pended.

    Bad example:
        ``D2750`` on tooth 3, ``D6240`` pontic on tooth 4, ``D6750`` on tooth 5, same date.

    Good example:
        ``D6750`` on teeth 3 and 5 with the ``D6240`` pontic on tooth 4.

    References:
        * ADA, CDT Code on Dental Procedures and Nomenclature: fixed prosthodontics (pontics
          D6205-D6254, retainers D6545-D6794)
    """

    code = "CL308"
    name = "crown-next-to-pontic"
    summary = "Single crown next to a pontic: likely a bridge retainer"
    severity = Severity.WARNING
    scope = Scope.CLAIM
    tags = ("codes", "prosthetics")

    def check(self, claim: Claim, ctx: Context) -> Iterable[Finding]:
        if len(claim.lines) < 2 or not _has_pontic(claim):
            return ()
        return self._findings(claim, ctx)

    def _findings(self, claim: Claim, ctx: Context) -> Iterator[Finding]:
        pontics = _pontics_by_date(claim)
        for line in claim.lines:
            if line.code not in pros.SINGLE_CROWN:
                continue
            by_tooth = pontics.get(claim.service_date(line), {})
            for tooth in line_teeth(line):
                near = [t for t in pros.NEIGHBOURS.get(tooth, ()) if t in by_tooth]
                if near:
                    pontic = by_tooth[near[0]]
                    yield self.on_line(
                        ctx,
                        line,
                        f"Tooth {tooth} ({line.code}) is next to the pontic on tooth {near[0]} "
                        f"(line {pontic.line_number}): it looks like a bridge abutment; bill a "
                        f"retainer crown (D67xx) instead of the single crown {line.code}.",
                        field="code",
                    )


class PonticNotMissing(Check):
    doc = """
    What it checks:
        Every pontic (D6205–D6254) stands on a tooth the claim reports missing (837D DN2
        status ``M``, or ``E`` to be extracted; ``missing_teeth`` in JSON, CSV and XML), that
        this claim extracts, or that the patient's history shows extracted.

    Why it matters:
        A pontic replaces a missing tooth. Payers check the missing-tooth chart: a pontic on
        a tooth that is not reported missing is denied or pended for information, and the
        missing-tooth clause needs the tooth's status.

    Bad example:
        ``D6240`` on tooth 4, no missing teeth on the claim and no extraction of tooth 4.

    Good example:
        The same claim with DN2 ``DN2*4*M~`` (JSON ``"missing_teeth": ["4"]``).

    References:
        * X12 837 Health Care Claim: Dental, implementation guide 005010X224A2: DN2 tooth
          status (M missing, E to be extracted)
        * ADA Dental Claim Form, item 33 (missing teeth information)
    """

    code = "CL309"
    name = "pontic-not-missing"
    summary = "Pontic on a tooth not reported missing"
    severity = Severity.WARNING
    scope = Scope.CLAIM
    tags = ("codes", "prosthetics")

    def check(self, claim: Claim, ctx: Context) -> Iterable[Finding]:
        if not _has_pontic(claim):
            return ()
        return self._findings(claim, ctx)

    def _findings(self, claim: Claim, ctx: Context) -> Iterator[Finding]:
        teeth = teeth_on_claim(claim, ctx)
        for line in claim.lines:
            if line.code not in pros.PONTIC:
                continue
            day = claim.service_date(line)
            for tooth in line_teeth(line):
                if teeth.reported(tooth, "M", "E") or teeth.extraction(tooth, day):
                    continue
                if extracted_before(ctx, claim, tooth, day) is not None:
                    continue
                yield self.on_line(
                    ctx,
                    line,
                    f"Pontic {line.code} on tooth {tooth}, but the claim does not report tooth "
                    f"{tooth} missing: add it to the missing teeth (837D DN2*{tooth}*M; "
                    "'missing_teeth' in JSON, CSV and XML), or check the tooth number.",
                    field="tooth",
                )


class PonticWithoutRetainer(Check):
    doc = """
    What it checks:
        Each run of adjacent pontics has a retainer or abutment (a D65xx–D67xx retainer, a
        crown, or an implant unit) on this claim on at least one of the teeth just outside
        the run.

    Why it matters:
        A fixed bridge is retainers holding pontics. A pontic with nothing next to it is a
        wrong tooth number, or its retainers are missing from the claim; either way the
        payer cannot match the bridge and denies or pends the pontic.

    Bad example:
        ``D6240`` on tooth 4 and ``D6750`` on tooth 12, same date (nothing next to tooth 4).

    Good example:
        ``D6750`` on 3, ``D6240`` on 4, ``D6750`` on 5.

    References:
        * ADA, CDT Code on Dental Procedures and Nomenclature: fixed prosthodontics
        * UnitedHealthcare Dental Coverage Guideline, Fixed Partial Dentures (bridges)
    """

    code = "CL931"
    name = "pontic-without-retainer"
    summary = "Pontic with no retainer on an adjacent tooth on the claim"
    severity = Severity.WARNING
    scope = Scope.CLAIM
    tags = ("codes", "prosthetics")

    def check(self, claim: Claim, ctx: Context) -> Iterable[Finding]:
        if not _has_pontic(claim):
            return ()
        return self._findings(claim, ctx)

    def _findings(self, claim: Claim, ctx: Context) -> Iterator[Finding]:
        teeth = teeth_on_claim(claim, ctx)
        for by_tooth in _pontics_by_date(claim).values():
            for run in pros.runs(by_tooth):
                ends = pros.run_ends(run)
                if any(
                    teeth.on_tooth(t, pros.RETAINER)
                    or teeth.on_tooth(t, pros.SINGLE_CROWN)
                    or teeth.on_tooth(t, pros.IMPLANT)
                    for t in ends
                ):
                    continue
                line = by_tooth[run[0]]
                span = f"tooth {run[0]}" if len(run) == 1 else f"teeth {run[0]}-{run[-1]}"
                beside = " or ".join(ends) or "none"
                yield self.on_line(
                    ctx,
                    line,
                    f"Pontic on {span} has no retainer on an adjacent tooth ({beside}) on this "
                    "claim: bill the bridge's retainers with it, or check the tooth numbers.",
                    field="tooth",
                )


class RetainerOnMissingTooth(Check):
    doc = """
    What it checks:
        A bridge retainer (D6545–D6634, D6710–D6794) on a tooth that the claim reports missing
        (DN2 ``M``), that this claim extracts on or before that date, or that the patient's
        history shows extracted.

    Why it matters:
        A retainer is a crown on a present abutment tooth. On a missing tooth it is a wrong
        tooth number or a pontic billed as a retainer, and the payer denies it.

    Bad example:
        ``D6750`` on tooth 5, with ``missing_teeth`` listing tooth 5.

    Good example:
        ``D6240`` (pontic) on tooth 5 and ``D6750`` on the present teeth 4 and 6.

    References:
        * X12 837 Health Care Claim: Dental, implementation guide 005010X224A2: DN2 tooth
          status
        * ADA, CDT Code on Dental Procedures and Nomenclature: fixed partial denture retainers
    """

    code = "CL932"
    name = "retainer-on-missing-tooth"
    summary = "Bridge retainer on a missing or extracted tooth"
    severity = Severity.WARNING
    scope = Scope.CLAIM
    tags = ("codes", "prosthetics", "history")

    def check(self, claim: Claim, ctx: Context) -> Iterable[Finding]:
        if not any(line.code in RETAINER_CODES and line.teeth for line in claim.lines):
            return ()
        return self._findings(claim, ctx)

    def _findings(self, claim: Claim, ctx: Context) -> Iterator[Finding]:
        teeth = teeth_on_claim(claim, ctx)
        for line in claim.lines:
            if line.code not in pros.RETAINER:
                continue
            day = claim.service_date(line)
            for tooth in line_teeth(line):
                why: str | None = None
                if teeth.reported(tooth, "M"):
                    why = "the claim reports it missing"
                elif (ext := teeth.extraction(tooth, day)) is not None:
                    why = f"line {ext.line_number} extracts it ({ext.code})"
                elif (prior := extracted_before(ctx, claim, tooth, day)) is not None:
                    why = f"it was extracted ({prior_text(prior)})"
                if why:
                    yield self.on_line(
                        ctx,
                        line,
                        f"Bridge retainer {line.code} on tooth {tooth}, but {why}: a retainer "
                        "goes on a present abutment tooth; the missing tooth takes a pontic.",
                        field="tooth",
                    )


def _replacement_rules(line: ServiceLine, ctx: Context) -> list[ReplacementRule]:
    profile = ctx.profile()
    if profile is None:
        return []
    return [rule for rule in profile.replacement if line.code in rule.codes]


class ReplacementWindow(ProfileCheck):
    doc = """
    What it checks:
        A crown, bridge unit or denture that the plan's profile gives a replacement window
        (``replacement`` in the payer profile: codes or families and months) replaces one
        placed inside that window: the prior placement date on the line, else the same
        tooth's prosthesis in the history (a denture without a tooth: the same code).

    Why it matters:
        Plans pay to replace a crown, bridge or denture only after a number of years
        (commonly five, seven on some plans), and often only with evidence that the old
        one failed. A replacement inside the window is denied; knowing first lets the office
        send the narrative or tell the patient.

    Bad example:
        ``D5110`` with ``placement`` ``R`` and prior placement 2022-05-01 on 2025-06-02; the
        profile has ``replacement = [{families = ["denture"], months = 60}]``.

    Good example:
        The same denture with prior placement 2019-05-01.

    References:
        * Payer policy type: replacement limitation for prosthetics (crowns, fixed bridges,
          removable dentures)
        * X12 837 Health Care Claim: Dental, implementation guide 005010X224A2: SV305, DTP*441
        * claimlint documentation: Payer profiles (docs/payer-profiles.md)
    """

    code = "CL933"
    name = "replacement-window"
    summary = "Prosthesis replaced inside the plan's replacement window"
    severity = Severity.WARNING
    scope = Scope.LINE
    tags = ("payer", "history", "prosthetics")

    def _findings(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
        claim = ctx.claim
        profile = ctx.profile()
        rules = _replacement_rules(line, ctx)
        if not rules or claim is None or profile is None:
            return
        day = claim.service_date(line)
        if day is None:
            return
        if line.code in INDIRECT_CODES and hits_for(line, ctx):
            return  # CL404 reports this crown against the frequency rule already
        for rule in rules:
            found = self._prior(line, ctx, claim, rule, day)
            if found is None:
                continue
            prior_day, source = found
            until = add_months(prior_day, rule.months)
            if day < until:
                yield self.on_line(
                    ctx,
                    line,
                    f"Replacement {line.code}"
                    + (f" on tooth {line.tooth}" if line.tooth else "")
                    + f": the prior one was placed {prior_day} ({source}), inside the "
                    f"{rule.months}-month replacement window of {profile.label}; paid again "
                    f"from {until}. Send a narrative showing why it failed, or wait.",
                    field="prior_placement_date" if line.prior_placement_date else "code",
                    evidence={"rule": rule.id},
                )
                return

    @staticmethod
    def _prior(
        line: ServiceLine, ctx: Context, claim: Claim, rule: ReplacementRule, day: dt.date
    ) -> tuple[dt.date, str] | None:
        prior = line.prior_placement_date
        if isinstance(prior, dt.date) and prior < day:
            return prior, "prior placement date on the line"
        history = hist.for_context(ctx)
        member = claim.member_key
        if history is None or not member:
            return None
        since = add_months(day, -rule.months)
        found: PriorProcedure | None = None
        teeth: list[str | None] = [*line_teeth(line)] or [None]
        for tooth in teeth:
            for record in history.lookup(member, tooth, before=day, since=since):
                if not hist.counts(record) or record.claim_id == claim.claim_id:
                    continue
                same = record.code in rule.codes if tooth else record.code == line.code
                if same and (found is None or record.date > found.date):
                    found = record
        if found is None:
            return None
        return found.date, f"history: {prior_text(found)}"
