"""Frequency limits of every shape for non-restorative codes (CL801, CL802).

Exams, cleanings, x-rays, fluoride, sealants, scaling and root planing ...: the payer
profile's ``frequency`` rules (per mouth, arch, quadrant, tooth or surface; rolling months,
calendar or benefit year, lifetime; a group of codes sharing one counter; an age range; days
between services) judged against history and the claim's own earlier lines
(claimlint/payer/plan_frequency.py). Restorations and crowns stay with CL403/CL404.

CL803 of the catalogue proposal ("a shared group's counter used by another code") is folded
into CL801: its message names the other codes of the group that used the limit.
"""

from __future__ import annotations

from collections.abc import Iterator

from claimlint.checks.base import Context, ProfileCheck
from claimlint.core.findings import Finding, Scope, Severity
from claimlint.core.model import ServiceLine
from claimlint.payer import history as hist


class PlanFrequency(ProfileCheck):
    doc = """
    What it checks:
        Exams, cleanings, radiographs, fluoride, sealants, scaling and root planing and every
        other non-restorative code against the payer profile's frequency limits: a group of
        codes sharing one counter (exams D0120/D0150/D0140; prophylaxis with periodontal
        maintenance; a full-mouth series with a panoramic image), per mouth, arch, quadrant,
        tooth or surface, in a rolling window of months, a calendar or benefit year, or a
        lifetime, and the least days between two services. History and the claim's own
        earlier lines count. When the limit was used by another code of the group, the
        message names it (the catalogue's proposed CL803 is part of this rule).

    Why it matters:
        A service over the plan's limit is denied and the patient pays; knowing the date
        the plan pays again lets the office reschedule or tell the patient before the visit.

    Bad example:
        D1110 on 2025-11-03; history: D1110 on 2025-02-10 and D4910 on 2025-07-15; plan limit
        two cleanings (D1110, D1120, D4910 together) per benefit year.

    Good example:
        The same cleaning on 2026-01-05, in the next benefit year.

    References:
        * Payer policy type: frequency limitation (evaluations, prophylaxis, radiographs,
          fluoride, sealants, periodontal therapy)
        * ADA CDT: area of the oral cavity (claim form item 25; X12 837D SV304)
        * WAC 182-535-1080 and 182-535-1082 (Washington Apple Health: evaluation and
          prophylaxis limits by age; fluoride three per 12 months at least 110 days apart)
        * WAC 182-535-1088 (Washington Apple Health: scaling and root planing once per
          quadrant in two years)
    """

    code = "CL801"
    name = "plan-frequency"
    summary = "Service over the plan's frequency limit (exams, cleanings, x-rays, perio ...)"
    severity = Severity.WARNING
    scope = Scope.LINE
    tags = ("payer", "history")

    def _findings(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
        profile = ctx.profile()
        claim = ctx.claim
        if profile is None or claim is None or not profile.frequency_rules(line.code):
            return
        from claimlint.payer import plan_frequency  # with a profile only

        for hit in plan_frequency.plan_hits(profile, hist.for_context(ctx), claim, line):
            shared = hit.shared_with
            group = ", ".join(sorted(hit.rule.codes))
            share = (
                f" {line.code} shares this limit with {', '.join(shared)} ({group} count together)."
                if shared
                else ""
            )
            counted = "; ".join(c.describe() for c in hit.counted[-3:])
            yield self.on_line(
                ctx,
                line,
                f"{line.code} on {claim.service_date(line)} is over {profile.label}'s limit of "
                f"{hit.limit_text()} for {hit.scope} ({hit.rule.id}): counted {counted}."
                f"{share} The plan will likely deny it; {hit.payable_text()}.",
                field="date_of_service",
                evidence={"rule": hit.rule.id, "prior_claim": hit.last.claim_id},
                data={
                    "rule": hit.rule.id,
                    "scope": hit.scope,
                    "payable_from": hit.payable_from.isoformat() if hit.payable_from else None,
                    "shared_with": shared,
                },
            )


class PlanAgeLimit(ProfileCheck):
    doc = """
    What it checks:
        The patient's age on the date of service against the age range of the profile's
        frequency rule for the code (``min_age``/``max_age``: fluoride to age 18, sealants
        to age 15 ...). The plan-wide ``age_limits`` are CL408.

    Why it matters:
        Outside the covered ages the plan pays nothing for the service; the patient or
        another plan pays.

    Bad example:
        D1206 (fluoride varnish) for a 20-year-old under a rule with ``max_age = 18``.

    Good example:
        The same line for a 12-year-old.

    References:
        * Payer policy type: age limitation (fluoride, sealants)
        * WAC 182-535-1082 (Washington Apple Health: fluoride and sealant age limits)
    """

    code = "CL802"
    name = "plan-frequency-age"
    summary = "Patient's age outside the plan's range for the code (frequency rule)"
    severity = Severity.WARNING
    scope = Scope.LINE
    tags = ("payer",)

    def _findings(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
        profile = ctx.profile()
        claim = ctx.claim
        if profile is None or claim is None or not profile.frequency_rules(line.code):
            return
        day = claim.service_date(line)
        from claimlint.payer import plan_frequency  # with a profile only
        from claimlint.payer.estimate import patient_age

        age = patient_age(claim, day) if day is not None else None
        for rule in plan_frequency.age_refusals(profile, line.code, age):
            yield self.on_line(
                ctx,
                line,
                f"{line.code} is covered for {rule.describe_ages()} under {profile.label} "
                f"({rule.id}); the patient is {age} on {day}. Bill the patient or another "
                "plan, after telling them.",
                field="code",
                data={"rule": rule.id},
            )
