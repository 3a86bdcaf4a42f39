"""Payer-profile rules (DOMAIN §5, §8 CL4xx): what this plan pays for, when, and as what.

Every rule here reads the claim's payer profile (claimlint/payer/profiles.py) and does nothing when
the claim has none; CL413 reports such payers once per run.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from claimlint.checks.base import Check, Context, ProfileCheck
from claimlint.core.findings import Finding, Scope, Severity
from claimlint.core.model import Claim, ServiceLine, SourceRef
from claimlint.dental import benefits
from claimlint.payer.money import fmt


def _tooth(line: ServiceLine) -> str:
    return f"tooth {line.tooth}" if line.tooth else "the line"


class AlternateBenefitDowngrade(ProfileCheck):
    doc = """
    What it checks:
        Whether the plan's alternate-benefit (least costly alternative) table maps the billed
        code to a cheaper one for this tooth: posterior composites paid at the amalgam
        allowance of the same surface count, ceramic crowns on molars paid as D2791, and so on,
        as the profile's ``alternate_benefits`` say (conditions: always, molars, second molars,
        posterior, primary posterior, multi-surface posterior, never).

    Why it matters:
        The plan pays the cheaper code's allowance and the patient owes the difference. Telling
        the patient before treatment (and collecting the right amount) avoids surprise bills;
        a documented amalgam contraindication is the basis to contest the downgrade.

    Bad example:
        D2392 on tooth 30 (MO) under a plan that pays posterior composites as D2150: the plan
        bases its benefit on $120 instead of $180.

    Good example:
        D2392 on tooth 30 under a plan with no composite downgrade (or D2140 billed).

    References:
        * Payer policy type: alternate benefit provision (least expensive alternative treatment,
          LEAT)
        * Regence dental policy, Direct Resin Restorations
        * UnitedHealthcare Dental Coverage Guideline, Single Tooth Direct Restorations
        * ADA, CDT Code on Dental Procedures and Nomenclature: D2391-D2394 (posterior composite) and
          D2140-D2161 (amalgam)
    """

    code = "CL405"
    name = "alternate-benefit-downgrade"
    summary = "Billed code will be paid as a cheaper alternate benefit"
    severity = Severity.INFO
    scope = Scope.LINE
    tags = ("payer", "money")

    def _findings(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
        profile = ctx.profile()
        claim = ctx.claim
        if profile is None or claim is None:
            return
        down = profile.downgrade(line.code, line.tooth, line.surfaces)
        if down is None:
            return
        allowed, target = profile.allowed(line.code), profile.allowed(down.target)
        head = (
            f"{line.code} on {_tooth(line)} will likely be paid as {down.target} "
            f"({profile.label} alternate benefit, condition '{down.condition}')"
        )
        if allowed is None or target is None:
            yield self.on_line(
                ctx,
                line,
                f"{head}; the fee schedule lacks the amounts to price it (see CL603).",
                field="code",
            )
            return
        from claimlint.payer.estimate import line_estimate  # with a profile only

        est = line_estimate(ctx, line)  # the claim's one estimate, shared with CL601/CL602
        if est is None or est.allowed is None or est.basis is None:
            yield self.on_line(
                ctx,
                line,
                f"{head}; the estimate could not be priced (no charge or office fee).",
                field="code",
            )
            return
        patient = f"; estimated patient share {fmt(est.patient_owes)}" if est.complete else ""
        evidence = {"allowed": str(est.allowed), "paid_as_allowed": str(est.basis)}
        data = {
            "payer": profile.label,
            "code": line.code,
            "paid_as": down.target,
            "allowed": f"{est.allowed:.2f}",
            "paid_as_allowed": f"{est.basis:.2f}",
            # the benefit basis lost to the downgrade; 0 when moot (the line is not paid)
            "downgrade": f"{max(est.allowed - est.basis, 0) if not est.not_covered else 0:.2f}",
            "moot": bool(est.not_covered),
        }
        if est.not_covered:
            yield self.on_line(
                ctx,
                line,
                f"{head}, basing its benefit on {fmt(est.basis)} instead of "
                f"{fmt(est.allowed)}; but the downgrade is moot: the plan will not pay this "
                f"line ({est.not_covered}){patient}. Resolve that first (see CL601).",
                field="code",
                evidence=evidence,
                data=data,
            )
            return
        difference = est.allowed - est.basis
        if difference <= 0:
            benefit = (
                f"the office fee {fmt(est.office_fee)} is at or below the {down.target} "
                "allowance, so the downgrade does not change the benefit"
            )
        else:
            benefit = (
                f"the plan bases its benefit on {fmt(est.basis)} instead of "
                f"{fmt(est.allowed)}, an estimated patient difference of {fmt(difference)}"
            )
        yield self.on_line(
            ctx,
            line,
            f"{head}: {benefit}{patient}. Tell the "
            "patient before treatment, or document a contraindication to contest it.",
            field="code",
            evidence=evidence,
            data=data,
        )


class WaitingPeriod(ProfileCheck):
    doc = """
    What it checks:
        Whether the date of service falls inside the profile's waiting period for the code's
        service class (months counted from the coverage start; e.g. 6 months for basic, 12 for
        major services on a new plan). A date outside the coverage period (before it starts,
        or after it ends) is not in a waiting period: CL411 reports it, and this rule is silent.
        The months are the plan's; the day they count from is the member's own
        waiting-period start (or coverage start) when the claim or the history store gives
        one, else the profile's coverage start. The message says which it used.

    Why it matters:
        Services inside a waiting period are denied; the patient owes the full fee unless prior
        continuous coverage waives the wait (then say so on the claim).

    Bad example:
        Coverage starts 2025-03-01 with a 12-month major waiting period; D2740 on 2025-09-10.

    Good example:
        The same crown on 2026-03-02, or a plan without a major waiting period.

    References:
        * Payer policy type: waiting period (months from the coverage start, per service class:
          basic, major)
        * Payer policy type: missing tooth clause
    """

    code = "CL407"
    name = "waiting-period"
    summary = "Service inside the plan's waiting period"
    severity = Severity.WARNING
    scope = Scope.LINE
    tags = ("payer",)

    def _findings(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
        profile = ctx.profile()
        claim = ctx.claim
        if profile is None or claim is None:
            return
        from claimlint.payer.member import for_context as benefits_for  # with a profile only

        benefits = benefits_for(ctx, claim)
        if benefits is None:
            return
        day = claim.service_date(line)
        waiting = benefits.waiting_period_end(line.code)
        if day is None or waiting is None or day >= waiting[2] or not benefits.covers(day):
            return  # a date outside the coverage period is CL411's finding, not a wait
        cls, months, first = waiting
        if benefits.waiting_source == "profile":
            basis = f"counted from the plan's {benefits.waiting_basis}"
        else:
            what = benefits.describe(benefits.waiting_source, benefits.waiting_basis)
            basis = f"counted from the {what}"
        yield self.on_line(
            ctx,
            line,
            f"{line.code} on {day} falls inside the {months}-month waiting period for {cls} "
            f"services ({profile.label}; covered from {first}, {basis}). Postpone it, "
            "or attach proof of prior continuous coverage if the plan waives the wait.",
            field="date_of_service",
            data={"basis": benefits.waiting_source, "covered_from": first.isoformat()},
        )


class AgeLimit(ProfileCheck):
    doc = """
    What it checks:
        Whether the patient's age on the date of service is inside the profile's age limits
        for the code (e.g. a children's Medicaid plan covering restorations up to age 20).

    Why it matters:
        Outside the covered ages the service is denied (adult dental is optional under
        Medicaid); the patient or another plan must pay.

    Bad example:
        D2392 for a 34-year-old under a profile limiting restorations to ages 0-20.

    Good example:
        The same line for a 9-year-old.

    References:
        * Payer policy type: age limitation (e.g. sealants and primary-tooth services for children;
          Medicaid EPSDT under 21)
    """

    code = "CL408"
    name = "age-limit"
    summary = "Patient's age outside the plan's limit for the code"
    severity = Severity.WARNING
    scope = Scope.LINE
    tags = ("payer",)

    def _findings(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
        profile = ctx.profile()
        claim = ctx.claim
        if profile is None or claim is None:
            return
        limit = profile.age_limit(line.code)
        day = claim.service_date(line)
        from claimlint.payer.estimate import patient_age  # with a profile only

        age = patient_age(claim, day) if limit is not None and day is not None else None
        if limit is None or age is None or limit.allows(age):
            return
        yield self.on_line(
            ctx,
            line,
            f"{line.code} is not covered for a {age}-year-old under {profile.label} "
            f"({limit.describe()}). Bill the patient or the secondary plan, after telling them.",
            field="code",
        )


class CompositeRegionLimit(ProfileCheck):
    doc = """
    What it checks:
        Whether the plan covers tooth-coloured (composite) fillings in the tooth's region at
        all: a profile with ``composite_regions = ["anterior"]`` covers composites only on
        front teeth. Lines the plan downgrades instead (CL405) are left to CL405.

    Why it matters:
        A posterior composite under such a plan is denied or paid at the amalgam allowance;
        the patient owes the rest. Quote it before treatment.

    Bad example:
        D2393 on tooth 19 under a plan covering composites on anterior teeth only.

    Good example:
        D2330 on tooth 8 under the same plan, or D2160 on tooth 19.

    References:
        * Regence dental policy, Direct Resin Restorations
        * Payer policy type: alternate benefit provision (least expensive alternative treatment,
          LEAT) (composite benefits limited to anterior teeth)
    """

    code = "CL409"
    name = "composite-region-not-covered"
    summary = "Plan limits composite benefits to other teeth"
    severity = Severity.WARNING
    scope = Scope.LINE
    tags = ("payer",)

    applies_to = benefits.FAMILIES["composite"]

    def _findings(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
        profile = ctx.profile()
        if profile is None:
            return
        from claimlint.payer.estimate import composite_region_excluded  # with a profile only

        region = composite_region_excluded(profile, line.code, line.tooth)
        if region is None or profile.downgrade(line.code, line.tooth, line.surfaces):
            return
        covered = " and ".join(sorted(profile.composite_regions)) or "no"
        yield self.on_line(
            ctx,
            line,
            f"{profile.label} covers composite fillings only on {covered} teeth; {line.code} on "
            f"{_tooth(line)} ({region}) will be denied or paid at the amalgam allowance. Quote "
            "the patient the difference, or document why amalgam is contraindicated.",
            field="code",
        )


class AmalgamNotCovered(ProfileCheck):
    doc = """
    What it checks:
        Amalgam codes (D2140-D2161) under a profile with ``amalgam_covered = false``.

    Why it matters:
        Some plans pay nothing for amalgam; the line is denied and the patient owes the fee.
        Tell the patient before treatment or use the material the plan covers.

    Bad example:
        D2150 on tooth 3 under a plan that does not cover amalgam.

    Good example:
        D2392 on tooth 3 (a covered composite), or the same amalgam under a plan covering it.

    References:
        * Payer policy type: material exclusion (plans that do not cover amalgam)
        * ADA, CDT Code on Dental Procedures and Nomenclature: D2140-D2161 (amalgam)
    """

    code = "CL410"
    name = "amalgam-not-covered"
    summary = "Plan does not cover amalgam"
    severity = Severity.WARNING
    scope = Scope.LINE
    tags = ("payer",)

    applies_to = benefits.FAMILIES["amalgam"]

    def _findings(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
        profile = ctx.profile()
        if profile is None or profile.amalgam_covered:
            return
        if not benefits.in_family(line.code, "amalgam"):
            return
        yield self.on_line(
            ctx,
            line,
            f"{profile.label} does not cover amalgam: {line.code} on {_tooth(line)} will be "
            "denied and the patient owes the fee. Tell the patient first, or place and bill the "
            "material the plan covers.",
            field="code",
        )


class OutsideCoverage(ProfileCheck):
    doc = """
    What it checks:
        That every date of service on the claim is inside the coverage period, inclusive:
        the member's own (``benefits.coverage_start``/``coverage_end`` on the claim, else the
        member's row in the history store) when there is one, else the profile's
        (``coverage.start`` .. ``coverage.end``). The message says which period it used.

    Why it matters:
        A service before coverage starts or after it ends is denied outright; the wrong payer
        or a lapsed plan is a common, preventable rejection. Check eligibility and bill the
        right plan.

    Bad example:
        Date of service 2026-01-05 under a profile whose coverage ended 2025-12-31.

    Good example:
        Date of service 2025-06-02 inside 2025-01-01..2025-12-31.

    References:
        * Payer policy type: eligibility and coverage period (effective and termination dates)
        * X12 837 Health Care Claim: Dental, implementation guide 005010X224A2: DTP*472 service date
    """

    code = "CL411"
    name = "outside-coverage-period"
    summary = "Date of service outside the coverage period"
    severity = Severity.ERROR
    scope = Scope.CLAIM
    tags = ("payer",)

    def _findings(self, claim: Claim, ctx: Context) -> Iterator[Finding]:
        profile = ctx.profile(claim)
        if profile is None:
            return
        from claimlint.payer.member import for_context as benefits_for  # with a profile only

        benefits = benefits_for(ctx, claim)
        if benefits is None or not benefits.has_coverage:
            return
        source = benefits.coverage_source
        under = "" if source == "profile" else f" under {profile.label}"
        period = f"{benefits.describe(source)} ({benefits.period()}){under}"
        data = {"basis": source}
        outside = [
            (line, day)
            for line in claim.lines
            if (day := claim.service_date(line)) is not None and not benefits.covers(day)
        ]
        claim_day = claim.date_of_service
        if outside and all(day == claim_day for _, day in outside):
            yield self.on_claim(
                claim,
                f"Date of service {claim_day} is outside the {period}; verify eligibility and "
                "bill the plan that covered that date.",
                field="date_of_service",
                data=data,
            )
            return
        for line, day in outside:
            ctx.claim = claim
            yield self.on_line(
                ctx,
                line,
                f"{line.code} on {day} is outside the {period}; verify eligibility and bill the "
                "plan that covered that date.",
                field="date_of_service",
                data=data,
            )


class PayerWithoutProfile(Check):
    doc = """
    What it checks:
        Claims whose payer (and plan) no configured profile covers, when profiles are in use.
        Reported once per payer per run, not per claim.

    Why it matters:
        Without a profile, the payer rules (frequency, downgrades, coverage, estimates) cannot
        run for those claims; the run looks clean while it checked less.

    Bad example:
        Profiles for SYNPAYER1 configured; a batch with claims for SYNPAYER9.

    Good example:
        A profile for SYNPAYER9 added and mapped under ``[payers]`` in claimlint.toml.

    References:
        * The claimlint documentation: payer profiles (writing a profile, mapping payer ids to
          profiles)
    """

    code = "CL413"
    name = "payer-without-profile"
    summary = "Payer has no profile; payer rules skipped"
    severity = Severity.INFO
    scope = Scope.BATCH
    tags = ("payer",)

    def collect(self, claim: Claim, ctx: Context) -> Any:
        if not ctx.profiles or ctx.profile(claim) is not None:
            return None
        other_plans = getattr(ctx.profiles, "other_plans", None)
        others = other_plans(claim.payer_id) if other_plans else {}
        return (claim.payer_id, claim.plan_id, claim.claim_id, claim.where("payer_id"), others)

    def check(
        self,
        collected: tuple[str | None, str | None, str, SourceRef, dict[str, list[str]]],
        ctx: Context,
    ) -> Iterable[Finding]:
        payer_id, plan_id, claim_id, where, others = collected
        seen = ctx.state(self)
        # one finding per payer; per payer and plan when a profile covers other plans of it
        key = (payer_id or "", (plan_id or "") if others else None)
        if key in seen:
            seen[key][1] += 1
        else:
            seen[key] = [(ctx.file, claim_id, where, others), 1]
        return ()

    def finish(self, ctx: Context) -> Iterator[Finding]:
        for (payer, plan), ((file, claim_id, ref, others), count) in sorted(
            ctx.state(self).items(), key=lambda item: (item[0][0], item[0][1] or "")
        ):
            claims = f"{count} claim{'' if count == 1 else 's'}, first {claim_id}"
            if plan is not None:
                covers = "; ".join(
                    f"{name} covers plan{'' if len(plans) == 1 else 's'} {', '.join(plans)}"
                    for name, plans in sorted(others.items())
                )
                plan_text = f"plan {plan}" if plan else "no plan id"
                yield self.make(
                    f"No profile for payer {payer}, {plan_text} ({claims}); {covers}. Payer "
                    "rules and estimates were skipped for them. Add a profile for that plan, or "
                    f"map '{payer}/{plan or 'PLAN'}' under [payers] in claimlint.toml.",
                    ref=ref,
                    file=file,
                    claim_id=claim_id,
                    field="payer_id",
                )
                continue
            who = f"Payer {payer}" if payer else "Claims without a payer id"
            yield self.make(
                f"{who} has no payer profile ({claims}); payer rules "
                "and estimates were skipped for them. Add a profile and map the payer id under "
                "[payers] in claimlint.toml.",
                ref=ref,
                file=file,
                claim_id=claim_id,
                field="payer_id",
            )
