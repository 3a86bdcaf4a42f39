"""Per-line records for the impact-code report, priced by the estimate engine.

Two sources of lines:

* **claims** (a batch to be paid): estimated exactly as ``claimlint estimate`` estimates them
  (:func:`claimlint.payer.estimate.estimate_claim`, deductible and maximum carried per member
  in file order);
* **paid history** (history rows with status ``paid``): each row is estimated as a one-line
  claim of its date, tooth and surfaces; its office fee is the row's ``charge`` (else the
  profile's office fee for the code). The deductible is taken as met and the annual maximum
  as not reached (a history row does not say; the gap and the patient share do not depend on
  them). A row's ``paid_as`` (the code the EOB says the plan paid) wins over the profile's
  alternate-benefit table: ``paid_as`` equal to the code means "not downgraded". A paid row
  that is also a line of the claims read (same member, date, code, tooth, surfaces) counts
  once, as the claim line.

Every money figure comes from the estimate engine; the gap and patient share are split by
:func:`claimlint.core.impact.split_gap`. Raises re-run the same estimates with the raised
allowance in the fee schedule and take the differences.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from claimlint.core.impact import ImpactLine, Raise, RaiseOutcome, split_gap
from claimlint.core.model import Claim, PriorProcedure, ServiceLine, SourceRef, ToothEntry
from claimlint.payer.estimate import Ledger, LineEstimate, estimate_claim, estimate_line
from claimlint.payer.history import norm_tooth
from claimlint.payer.money import ZERO
from claimlint.payer.profiles import AlternateBenefit, Profile, ProfileSet


@dataclass(slots=True)
class Priced:
    """One estimated line (any line, downgraded or not), in a stable order."""

    profile: Profile
    line: LineEstimate
    date: Any
    source: str


@dataclass(slots=True)
class Collected:
    priced: list[Priced] = field(default_factory=list)
    impact: list[ImpactLine] = field(default_factory=list)
    #: downgraded lines the plan pays nothing for (not covered): not in the dollars
    not_paid: int = 0
    #: claims (or history rows) without a profile, per payer id
    no_profile: dict[str, int] = field(default_factory=dict)
    #: paid history rows that repeat a line of the claims read
    duplicates: int = 0
    #: predetermination and void claims left out
    skipped_claims: int = 0
    history_rows: int = 0


_Key = tuple[str, Any, str, str, str]


def _identity(member: str | None, date: Any, code: str, tooth: str | None, surf: Any) -> _Key:
    return (member or "", date, code, norm_tooth(tooth), "".join(sorted(surf or ())))


def _history_claim(row: PriorProcedure) -> Claim:
    ref = SourceRef(file="(history)")
    teeth = (
        (ToothEntry.construct(tooth=row.tooth, surfaces=tuple(row.surfaces)),)
        if row.tooth or row.surfaces
        else ()
    )
    line = ServiceLine.construct(
        line_number=1,
        code=row.code,
        charge=row.charge,
        teeth=teeth,
        date_of_service=row.date,
        ref=ref,
        refs={},
        quantity=1,
    )
    return Claim.construct(
        claim_id="(history)",
        payer_id=row.payer_id,
        plan_id=row.plan_id,
        date_of_service=row.date,
        lines=(line,),
        ref=ref,
        refs={},
        patient=None,
        subscriber=None,
        predetermination=False,
        frequency_code=None,
    )


def _as_paid(profile: Profile, code: str, paid_as: str | None) -> Profile:
    """The profile with the EOB's paid-as code for this line instead of its own table."""
    if paid_as is None:
        return profile
    benefits = () if paid_as == code else (AlternateBenefit("paid-as", {code: paid_as}, "always"),)
    return dataclasses.replace(profile, alternate_benefits=benefits)


def collect(
    claims: Iterable[tuple[str, Claim]],
    profiles: ProfileSet,
    *,
    default: Profile | None = None,
    history: Any = None,
    paid: Iterable[PriorProcedure] = (),
    transform: Callable[[Profile], Profile] | None = None,
) -> Collected:
    """Estimate the claims and the paid history rows; keep the downgraded lines as
    :class:`ImpactLine` records. ``transform`` changes each profile first (a raise)."""
    out = Collected()
    cache: dict[int, Profile] = {}

    def shaped(profile: Profile) -> Profile:
        if transform is None:
            return profile
        hit = cache.get(id(profile))
        if hit is None:
            hit = cache[id(profile)] = transform(profile)
        return hit

    ledger = Ledger()
    seen: set[_Key] = set()
    for _file, claim in claims:
        if claim.predetermination or claim.frequency_code == "8":
            out.skipped_claims += 1
            continue
        found = profiles.for_claim(claim) or default
        if found is None:
            key = claim.payer_id or "(no payer id)"
            out.no_profile[key] = out.no_profile.get(key, 0) + 1
            continue
        profile = shaped(found)
        est = estimate_claim(claim, profile, ledger=ledger, history=history)
        for line, item in zip(claim.lines, est.lines, strict=True):
            day = claim.service_date(line)
            seen.add(_identity(claim.member_key, day, line.code, line.tooth, line.surfaces))
            _keep(out, profile, item, day, "claims")
    for row in paid:
        if row.status.strip().lower() != "paid":
            continue
        out.history_rows += 1
        if _identity(row.member_id, row.date, row.code, row.tooth, row.surfaces) in seen:
            out.duplicates += 1
            continue
        found = profiles.for_payer(row.payer_id, row.plan_id) or default
        if found is None:
            key = row.payer_id or "(no payer id)"
            out.no_profile[key] = out.no_profile.get(key, 0) + 1
            continue
        profile = _as_paid(shaped(found), row.code, row.paid_as)
        claim = _history_claim(row)
        # deductible met, maximum not reached: a history row does not say (module doc)
        item = estimate_line(claim, claim.lines[0], profile, [ZERO, None])
        _keep(out, profile, item, row.date, "history")
    return out


def _keep(out: Collected, profile: Profile, item: LineEstimate, day: Any, source: str) -> None:
    out.priced.append(Priced(profile, item, day, source))
    if item.downgrade is None:
        return
    plan = profile.label
    if profile.allowed(item.paid_as) is None:
        out.impact.append(
            ImpactLine(plan, item.code, item.paid_as, item.office_fee, None, date=day,
                       source=source, missing_fee=True)
        )  # fmt: skip
        return
    if item.not_covered is not None:
        out.not_paid += 1
        return
    figures = (item.office_fee, item.basis, item.plan_pays, item.patient_owes)
    if any(v is None for v in figures):
        out.not_paid += 1  # not priced (no office fee): see the estimate's problems
        return
    office_fee, basis, plan_pays, patient_owes = figures
    assert office_fee is not None and basis is not None
    assert plan_pays is not None and patient_owes is not None
    gap, patient = split_gap(office_fee, basis, plan_pays, patient_owes)
    out.impact.append(
        ImpactLine(
            plan,
            item.code,
            item.paid_as,
            office_fee,
            basis,
            gap=gap,
            patient_share=patient,
            date=day,
            source=source,
        )
    )


def raised(profile: Profile, change: Raise) -> Profile:
    """The profile with ``change`` applied to its fee schedule (unchanged when the code is
    not in it)."""
    current = profile.allowed(change.code)
    if current is None:
        return profile
    fees = dict(profile.fee_schedule)
    fees[change.code] = change.new_allowance(current)
    return dataclasses.replace(profile, fee_schedule=fees)


def raise_outcomes(base: Collected, again: Collected, change: Raise) -> list[RaiseOutcome]:
    """Per plan: the differences between the estimates without and with the raise, over the
    lines paid as the raised code (billed as it, or downgraded to it)."""
    outcomes: dict[str, RaiseOutcome] = {}
    for before, after in zip(base.priced, again.priced, strict=True):
        plan = before.profile.label
        if before.line.paid_as != change.code:
            continue
        outcome = outcomes.get(plan)
        if outcome is None:
            outcome = outcomes[plan] = RaiseOutcome(change, plan)
        if before.profile.allowed(change.code) is None:
            outcome.missing_fee = True
            continue
        if before.line.not_covered is not None or not before.line.complete:
            continue
        outcome.lines += 1
        outcome.plan_pays += _diff(after.line.plan_pays, before.line.plan_pays)
        outcome.patient_owes += _diff(after.line.patient_owes, before.line.patient_owes)
        outcome.write_off += _diff(after.line.write_off, before.line.write_off)
    return sorted(outcomes.values(), key=lambda o: (-o.plan_pays, o.plan))


def _diff(after: Decimal | None, before: Decimal | None) -> Decimal:
    return (after or ZERO) - (before or ZERO)
