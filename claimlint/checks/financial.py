"""Financial estimate rules (DOMAIN §7, §8 CL6xx). The arithmetic is claimlint/payer/estimate.py;
each claim is estimated once (``claim_estimate``) against the profile's remaining deductible
and maximum, and CL405, CL601 and CL602 read that one estimate."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal

from claimlint.checks._lines import code_where
from claimlint.checks.base import Check, Context, ProfileCheck
from claimlint.core.findings import Finding, Scope, Severity
from claimlint.core.model import Claim, ServiceLine
from claimlint.payer.money import fmt


def _amount(value: Decimal | None) -> str | None:
    """An amount for a finding's ``data``: a decimal string with cents (exact, unlike a float)."""
    return None if value is None else f"{value:.2f}"


class EstimatePerLine(ProfileCheck):
    doc = """
    What it checks:
        Nothing is wrong: it reports the estimate for each line from the
        profile's fee schedule, alternate benefits, deductible, coinsurance, annual maximum
        and network status: plan pays, patient owes, write-off. The deductible still to meet
        and the maximum left are the member's own when the claim or the history store gives
        them (else the profile's); the finding's data says which (``deductible_basis``,
        ``maximum_basis``: claim, history or profile).

    Why it matters:
        Collecting the right patient share at the visit avoids statements, refunds and
        disputes; a downgrade or a not-covered service becomes a conversation before
        treatment instead of a surprise bill.

    Bad example:
        (informational) D2392 on tooth 30 under a plan paying it as D2150: plan $56.00,
        patient $124.00, write-off $70.00.

    Good example:
        (informational) Lines on a claim whose payer has no profile are not estimated.

    References:
        * Payer policy type: alternate benefit provision (least expensive alternative treatment,
          LEAT)
        * Payer plan design: fee schedule (maximum allowable charge), deductible, coinsurance,
          annual maximum
        * The claimlint documentation: payer profiles and estimates
    """

    code = "CL601"
    name = "estimate"
    summary = "Estimated plan payment, patient share and write-off"
    severity = Severity.INFO
    scope = Scope.CLAIM
    tags = ("money",)

    def _findings(self, claim: Claim, ctx: Context) -> Iterator[Finding]:
        profile = ctx.profile(claim)
        if profile is None:
            return
        ctx.claim = claim
        from claimlint.payer.estimate import claim_estimate  # with a profile only

        est = claim_estimate(ctx, claim)  # the claim's one estimate (CL405, CL602 share it)
        if est is None:
            return
        for line, item in zip(claim.lines, est.lines, strict=True):
            if not item.complete:
                continue
            paid_as = f" (paid as {item.paid_as})" if item.paid_as != item.code else ""
            data = {
                "payer": profile.label,
                "code": item.code,
                "paid_as": item.paid_as,
                "office_fee": _amount(item.office_fee),
                "allowed": _amount(item.allowed),
                "plan_pays": _amount(item.plan_pays),
                "patient_owes": _amount(item.patient_owes),
                "write_off": _amount(item.write_off),
                "not_covered": item.not_covered,
                # where the deductible and maximum left came from: "claim", "history" (the
                # member's own values) or "profile" (the plan's)
                "deductible_basis": est.basis.get("deductible", "profile"),
                "maximum_basis": est.basis.get("maximum", "profile"),
            }
            why = f"; not covered: {item.not_covered}" if item.not_covered else ""
            yield self.on_line(
                ctx,
                line,
                f"Estimate for {item.code}{paid_as}: allowed {fmt(item.allowed)}, plan "
                f"{fmt(item.plan_pays)}, patient {fmt(item.patient_owes)}, write-off "
                f"{fmt(item.write_off)}{why}. Collect the patient share at the visit.",
                field="charge",
                data=data,
            )


class InNetworkBalanceBilling(ProfileCheck):
    doc = """
    What it checks:
        Downgraded lines (alternate benefit) for an in-network practice whose profile does
        not allow balance billing: the patient may be asked for at most the allowed amount
        of the billed code minus the plan's payment; the rest of the fee is a write-off.

        It is information (an estimate), not a warning: a claim carries the office's fee but
        no amount charged to or collected from the patient (the canonical model has none; the
        837D's patient amount paid, AMT*F5, is not read), so the rule cannot know that the
        office bills the patient its full fee - it tells what the contract allows. Raise it
        with ``severity = { CL602 = "warning" }`` where the office bills the full fee.

    Why it matters:
        Billing the patient the office fee minus the plan payment on a downgraded service
        breaks the network contract (and in some states the law); refunds and complaints
        follow.

    Bad example:
        In-network, D2392 fee $250, allowed $180, paid as D2150: billing the patient
        $250 - $56 = $194 (the finding says $124 at most).

    Good example:
        Billing the patient $180 - $56 = $124 and writing off $70.

    References:
        * Payer policy type: alternate benefit provision (least expensive alternative treatment,
          LEAT)
        * State non-covered services and balance billing laws; the participating provider agreement
          (in-network balance limited to the allowance)
    """

    code = "CL602"
    name = "in-network-balance-limit"
    summary = "Downgraded in-network line: patient balance limited to the allowance"
    severity = Severity.INFO
    scope = Scope.CLAIM
    tags = ("money",)

    def _findings(self, claim: Claim, ctx: Context) -> Iterator[Finding]:
        profile = ctx.profile(claim)
        if profile is None or not profile.in_network or profile.balance_billing_allowed:
            return
        ctx.claim = claim
        from claimlint.payer.estimate import claim_estimate  # with a profile only

        est = claim_estimate(ctx, claim)
        if est is None:
            return
        for line, item in zip(claim.lines, est.lines, strict=True):
            if item.downgrade is None or not item.complete or item.not_covered:
                continue
            if item.office_fee is None or item.allowed is None or item.plan_pays is None:
                continue
            if item.office_fee - item.plan_pays <= item.allowed - item.plan_pays:
                continue
            yield self.on_line(
                ctx,
                line,
                f"Estimate: {item.code} on tooth {item.tooth} is paid as {item.paid_as}, but "
                f"{profile.label} is in network: bill the patient at most "
                f"{fmt(item.patient_owes)} (allowed {fmt(item.allowed)} - plan "
                f"{fmt(item.plan_pays)}), not the {fmt(item.office_fee - item.plan_pays)} the "
                f"office fee leaves; write off {fmt(item.write_off)}.",
                field="charge",
            )


class AlternateBenefitFeeMissing(Check):
    doc = """
    What it checks:
        Alternate benefits that apply to a line whose paid-as code (e.g. D2150, D2791) has no
        amount in the profile's fee schedule.

    Why it matters:
        The plan will pay this service at a fee the practice has not negotiated or recorded:
        an "impact code". Add it to the fee schedule (and negotiate it), otherwise estimates
        and write-offs for every downgraded line are guesses.

    Bad example:
        D2740 on tooth 2 paid as D2791 when the fee schedule lists D2740 but not D2791.

    Good example:
        The fee schedule lists D2791 as well.

    References:
        * Payer policy type: alternate benefit provision (least expensive alternative treatment,
          LEAT)
        * Payer plan design: fee schedule (maximum allowable charge) of the alternate code
    """

    code = "CL603"
    name = "alternate-benefit-fee-missing"
    summary = "Paid-as code is missing from the plan's fee schedule"
    severity = Severity.WARNING
    scope = Scope.LINE
    tags = ("money",)

    needs_profile = True

    def check(self, line: ServiceLine, ctx: Context) -> Iterable[Finding]:
        if ctx.profile() is None:
            return ()
        return self._findings(line, ctx)

    def _findings(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
        profile = ctx.profile()
        if profile is None:
            return
        down = profile.downgrade(line.code, line.tooth, line.surfaces)
        if down is None or profile.allowed(down.target) is not None:
            return
        yield self.on_line(
            ctx,
            line,
            f"{code_where(line)} will be paid as {down.target}, but "
            f"{down.target} is not in the fee schedule of {profile.label}: it is an impact "
            f"code - add its allowed amount (and negotiate it) so the estimate is reliable.",
            field="code",
        )
