"""What the plan pays and what the patient owes, per line, claim and batch (DOMAIN §7).

Per line (DOMAIN §7.2)::

    office_fee     = line charge (else the profile's office fee for the code)
    allowed_billed = fee_schedule[billed code]           (capped at the office fee)
    basis          = fee_schedule[paid-as code] if an alternate benefit applies else allowed_billed
    deductible     = min(deductible remaining, basis)     (only for classes it applies to)
    plan_pays      = round_half_up_to_cent((basis - deductible) * coinsurance)
    plan_pays      = min(plan_pays, annual maximum remaining)
    in network, and no downgrade with balance billing allowed:
        patient = allowed_billed - plan_pays ; write_off = office_fee - allowed_billed
    out of network, or a downgraded line where the profile allows balance billing:
        patient = office_fee - plan_pays     ; write_off = 0

A line the plan will not pay (not covered: amalgam excluded, composite region excluded,
outside coverage, waiting period, age limit, frequency limit already used) has plan_pays 0.

**Rounding** (the one documented step): ``plan_pays`` is the only product; it is rounded
half-up to the cent right after the coinsurance multiplication. Everything else is a sum or a
difference of cent amounts, and claim/batch totals are sums of the rounded line figures.

The deductible and the annual maximum are consumed line by line in claim order; the
``estimate`` command carries them across the claims of one member in file order
(:class:`Ledger`), while the rules estimate each claim on its own (a check sees one claim).
They start from the member's own values when there are any (the claim's, else the history
store's; ``claimlint.payer.member``), else from the profile's ``deductible.remaining`` and
``annual_maximum.used``; coverage dates and waiting periods are the member's the same way.

Inside a ``check`` run there is one estimate per claim, :func:`claim_estimate`: computed once
from the claim's profile and history (inline history included) and cached on the context, so
CL405, CL601 and CL602 quote the same numbers for the same line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from claimlint.core.model import Claim, PriorProcedure, ServiceLine
from claimlint.dental import benefits
from claimlint.payer import plan_frequency
from claimlint.payer.member import Benefits, resolve
from claimlint.payer.money import MAX_AMOUNT, ZERO, cents, fmt, in_range
from claimlint.payer.profiles import Downgrade, Profile, ProfileSet, frequency_hits


@dataclass(slots=True)
class LineEstimate:
    line_number: int
    code: str
    tooth: str | None
    surfaces: str
    paid_as: str
    downgrade: Downgrade | None
    office_fee: Decimal | None
    allowed: Decimal | None
    basis: Decimal | None
    deductible: Decimal = ZERO
    coinsurance: Decimal | None = None
    plan_pays: Decimal | None = None
    patient_owes: Decimal | None = None
    write_off: Decimal | None = None
    not_covered: str | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return self.plan_pays is not None and self.patient_owes is not None

    def to_dict(self) -> dict[str, Any]:
        return {
            "line": self.line_number,
            "code": self.code,
            "tooth": self.tooth,
            "surfaces": self.surfaces,
            "paid_as": self.paid_as,
            "office_fee": _s(self.office_fee),
            "allowed": _s(self.allowed),
            "benefit_basis": _s(self.basis),
            "deductible": _s(self.deductible),
            "plan_pays": _s(self.plan_pays),
            "patient_owes": _s(self.patient_owes),
            "write_off": _s(self.write_off),
            "not_covered": self.not_covered,
            "problems": list(self.problems),
        }


@dataclass(slots=True)
class Totals:
    office_fee: Decimal = ZERO
    plan_pays: Decimal = ZERO
    patient_owes: Decimal = ZERO
    write_off: Decimal = ZERO
    complete: bool = True

    def add(self, part: LineEstimate | Totals) -> None:
        self.complete = self.complete and part.complete
        self.office_fee += part.office_fee or ZERO
        self.plan_pays += part.plan_pays or ZERO
        self.patient_owes += part.patient_owes or ZERO
        self.write_off += part.write_off or ZERO

    def to_dict(self) -> dict[str, Any]:
        return {
            "office_fee": _s(self.office_fee),
            "plan_pays": _s(self.plan_pays),
            "patient_owes": _s(self.patient_owes),
            "write_off": _s(self.write_off),
            "complete": self.complete,
        }


@dataclass(slots=True)
class ClaimEstimate:
    claim_id: str
    profile: str | None
    lines: list[LineEstimate] = field(default_factory=list)
    totals: Totals = field(default_factory=Totals)
    file: str | None = None
    #: where the deductible, the maximum and the coverage dates came from: "claim" (the
    #: member's values on the claim), "history" (the history store) or "profile" (the plan)
    basis: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "claim_id": self.claim_id,
            "file": self.file,
            "profile": self.profile,
            "basis": dict(self.basis),
            "lines": [line.to_dict() for line in self.lines],
            "totals": self.totals.to_dict(),
        }


@dataclass(slots=True)
class BatchEstimate:
    claims: list[ClaimEstimate] = field(default_factory=list)
    totals: Totals = field(default_factory=Totals)
    problems: list[str] = field(default_factory=list)
    #: reader findings (CL001 unreadable file, CL002 unparsable claim, ...): errors that make
    #: the ``estimate`` command exit 1
    findings: list[Any] = field(default_factory=list)
    #: claims read but not built (their findings are in ``findings``)
    unparsable: int = 0
    #: claims read and built but not estimated (no profile for their payer)
    not_estimated: int = 0
    #: claims whose estimate failed (a claimlint bug, reported in ``problems``)
    failed: int = 0
    #: whether any profile was available (configuration, --profile or a batch's "payers")
    had_profiles: bool = True
    #: notes for stderr, as ``check`` gives them (a FIFO a folder walk skipped)
    notes: list[str] = field(default_factory=list)

    @property
    def claims_read(self) -> int:
        return len(self.claims) + self.not_estimated + self.failed + self.unparsable

    def to_dict(self) -> dict[str, Any]:
        """The numbers; the reader findings are rendered by the ``estimate`` command
        (``claimlint.running.estimating.report_dict``)."""
        return {
            "version": "1",
            "claims": [c.to_dict() for c in self.claims],
            "totals": self.totals.to_dict(),
            "claims_read": self.claims_read,
            "claims_estimated": len(self.claims),
            "claims_unparsable": self.unparsable,
            "problems": list(self.problems),
        }

    def summary(self) -> str:
        """``3 claims, 1 could not be read`` (singular and plural as they should be)."""
        text = _plural(self.claims_read, "claim")
        if self.unparsable:
            text += f", {self.unparsable} could not be read"
        if self.not_estimated:
            text += f", {self.not_estimated} not estimated (no profile)"
        if self.failed:
            text += f", {self.failed} failed (internal error)"
        return text


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _s(value: Decimal | None) -> str | None:
    """Amounts in JSON are strings with two decimals ("56.00"): exact, no float rounding."""
    return None if value is None else f"{cents(value):.2f}"


@dataclass
class Ledger:
    """Deductible and annual maximum still available, per (profile, member).

    A member's slot starts from the benefits of the member's first claim seen (the member's own
    values, else the profile's) and is consumed by that claim and every later one of the same
    member under the same profile; a later claim's own values do not reset it (they would count
    what the earlier claims consumed twice). ``sources`` keeps where the start came from.
    """

    _state: dict[tuple[str, str], list[Decimal | None]] = field(default_factory=dict)
    sources: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)

    def slot(
        self, profile: Profile, member: str | None, benefits: Benefits | None = None
    ) -> list[Decimal | None]:
        key = (profile.name, member or "")
        if key not in self._state:
            if benefits is None:
                maximum = (
                    None
                    if profile.annual_maximum is None
                    else max(ZERO, profile.annual_maximum - profile.annual_maximum_used)
                )
                self._state[key] = [profile.deductible_remaining or ZERO, maximum]
                self.sources[key] = ("profile", "profile")
            else:
                self._state[key] = [benefits.deductible_remaining, benefits.maximum_remaining]
                self.sources[key] = (benefits.deductible_source, benefits.maximum_source)
        return self._state[key]

    def source(self, profile: Profile, member: str | None) -> tuple[str, str]:
        return self.sources.get((profile.name, member or ""), ("profile", "profile"))


# -- coverage reasons (shared with the CL4xx checks) -----------------------------------------


def age_on(birth: Any, day: dt.date) -> int | None:
    if not isinstance(birth, dt.date):
        return None
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def patient_age(claim: Claim, day: dt.date) -> int | None:
    person = claim.patient or claim.subscriber
    return age_on(person.birth_date, day) if person is not None else None


def waiting_period_end(
    profile: Profile, code: str, member: Benefits | None = None
) -> tuple[str, int, dt.date] | None:
    """(service class, months, first covered day) when the code's class has a waiting period;
    counted from the member's waiting-period start when ``member`` benefits are given."""
    from claimlint.payer.profiles import add_months

    if member is not None:
        return member.waiting_period_end(code)
    cls = profile.service_class(code)
    months = profile.waiting_periods.get(cls) if cls else None
    if not months or profile.coverage_start is None or cls is None:
        return None
    return cls, months, add_months(profile.coverage_start, months)


def composite_region_excluded(profile: Profile, code: str, tooth: str | None) -> str | None:
    """The region where the plan does not cover this composite, if it does not."""
    if not benefits.in_family(code, "composite"):
        return None
    region = benefits.region(tooth) or (
        "posterior" if benefits.in_family(code, "composite-posterior") else "anterior"
    )
    return None if region in profile.composite_regions else region


def not_covered_reason(
    profile: Profile,
    claim: Claim,
    line: ServiceLine,
    day: dt.date | None,
    downgrade: Downgrade | None,
    history: Any = None,
    member: Benefits | None = None,
) -> str | None:
    """Why the plan will pay nothing for this line (first reason), or None."""
    code = line.code
    covers = member.covers if member is not None else profile.covers
    if day is not None and not covers(day):
        return "date of service outside the coverage period"
    if benefits.in_family(code, "amalgam") and not profile.amalgam_covered:
        return "amalgam is not covered by the plan"
    region = composite_region_excluded(profile, code, line.tooth)
    if region and downgrade is None:
        return f"composites are not covered on {region} teeth"
    waiting = waiting_period_end(profile, code, member)
    if waiting and day is not None and day < waiting[2]:
        return f"inside the {waiting[1]}-month waiting period for {waiting[0]} services"
    limit = profile.age_limit(code)
    age = patient_age(claim, day) if day is not None else None
    if limit is not None and age is not None and not limit.allows(age):
        return f"not covered at age {age} ({limit.describe()})"
    if history is not None and day is not None:
        hits = frequency_hits(
            profile, history, claim.member_key, code, line.tooth, line.surfaces, day
        )
        if hits:
            hit = hits[0]
            return f"frequency limit: {hit.where()} done on {hit.prior.date} ({hit.window()})"
    if day is not None:
        refused = plan_frequency.age_refusals(profile, code, age)
        if refused:
            return f"not covered at age {age} ({refused[0].describe_ages()}, {refused[0].id})"
        plan = plan_frequency.plan_hits(profile, history, claim, line, day)
        if plan:
            return f"frequency limit: {plan[0].summary()}"
    return None


# -- the estimate ----------------------------------------------------------------------------


def estimate_claim(
    claim: Claim,
    profile: Profile,
    *,
    ledger: Ledger | None = None,
    history: Any = None,
    member: Benefits | None = None,
) -> ClaimEstimate:
    """The estimate of one claim. ``member`` (default: resolved from the claim, the history
    store and the profile) give the coverage dates, the waiting-period start, and, for the
    member's first claim in ``ledger``, the deductible and maximum left."""
    ledger = ledger or Ledger()
    if member is None:
        member = resolve(profile, claim, history)
    slot = ledger.slot(profile, claim.member_key, member)
    deductible_source, maximum_source = ledger.source(profile, claim.member_key)
    result = ClaimEstimate(
        claim_id=claim.claim_id,
        profile=profile.name,
        basis={
            "deductible": deductible_source,
            "maximum": maximum_source,
            "coverage": member.coverage_source,
        },
    )
    for line in claim.lines:
        est = estimate_line(claim, line, profile, slot, history, member)
        result.lines.append(est)
        result.totals.add(est)
    return result


def estimate_line(
    claim: Claim,
    line: ServiceLine,
    profile: Profile,
    slot: list[Decimal | None],
    history: Any = None,
    member: Benefits | None = None,
) -> LineEstimate:
    code = line.code
    day = claim.service_date(line)
    downgrade = profile.downgrade(code, line.tooth, line.surfaces)
    office_fee = line.charge if line.charge is not None else profile.office_fee(code)
    out_of_range = office_fee is not None and not in_range(office_fee)
    if out_of_range:
        office_fee = None  # refused: not an amount the estimate computes with
    allowed = profile.allowed(code)
    if allowed is not None and office_fee is not None:
        allowed = min(allowed, office_fee)
    est = LineEstimate(
        line_number=line.line_number,
        code=code,
        tooth=line.tooth,
        surfaces="".join(line.surfaces),
        paid_as=downgrade.target if downgrade else code,
        downgrade=downgrade,
        office_fee=office_fee,
        allowed=allowed,
        basis=None,
    )
    if out_of_range:
        est.problems.append(
            f"the line charge is beyond {fmt(MAX_AMOUNT)}, the largest amount claimlint "
            "estimates; check the charge"
        )
    elif office_fee is None:
        est.problems.append(f"no charge on the line and no office fee for {code} in the profile")
    if allowed is None:
        est.problems.append(f"{code} is not in the plan's fee schedule")
    basis = allowed
    if downgrade is not None:
        target_fee = profile.allowed(downgrade.target)
        if target_fee is None:
            est.problems.append(
                f"{downgrade.target} (the paid-as code) is not in the plan's fee schedule"
            )
            basis = None
        elif allowed is not None:
            basis = min(target_fee, allowed)
    est.basis = basis
    est.not_covered = not_covered_reason(profile, claim, line, day, downgrade, history, member)
    full_fee = not profile.in_network or (downgrade is not None and profile.balance_billing_allowed)
    if est.not_covered is not None:
        est.plan_pays = ZERO
        if full_fee or profile.balance_billing_allowed or allowed is None:
            est.patient_owes = office_fee
            est.write_off = ZERO if office_fee is not None else None
        else:
            est.patient_owes = allowed
            est.write_off = office_fee - allowed if office_fee is not None else None
        return est
    if basis is None or office_fee is None:
        return est
    cls = profile.service_class(code)
    coinsurance = profile.coinsurance_for(code)
    if coinsurance is None:
        est.problems.append(f"the profile has no coinsurance for {cls or 'this'} services")
        coinsurance = ZERO
    est.coinsurance = coinsurance
    deductible_left, maximum_left = slot
    ded = ZERO
    if cls in profile.deductible_classes and deductible_left:
        ded = min(deductible_left, basis)
        slot[0] = deductible_left - ded
    plan = cents((basis - ded) * coinsurance)  # the one rounding step
    if maximum_left is not None:
        plan = min(plan, maximum_left)
        slot[1] = maximum_left - plan
    est.deductible = ded
    est.plan_pays = plan
    if full_fee:
        est.patient_owes = office_fee - plan
        est.write_off = ZERO
    else:
        assert allowed is not None
        est.patient_owes = allowed - plan
        est.write_off = office_fee - allowed
    return est


def estimate_claims(
    items: Iterable[tuple[str, Claim]],
    profiles: ProfileSet,
    *,
    default: Profile | None = None,
    history: Any = None,
) -> BatchEstimate:
    """Estimate (file, claim) pairs; claims with no profile are listed in ``problems``."""
    ledger = Ledger()
    batch = BatchEstimate()
    missing: dict[str, int] = {}
    for file, claim in items:
        profile = profiles.for_claim(claim) or default
        if profile is None:
            key = claim.payer_id or "(no payer id)"
            missing[key] = missing.get(key, 0) + 1
            continue
        try:
            est = estimate_claim(claim, profile, ledger=ledger, history=history)
        except Exception as exc:  # a claimlint bug must not stop the other claims
            batch.failed += 1
            batch.problems.append(
                f"{file}: claim {claim.claim_id} could not be estimated (internal error: "
                f"{type(exc).__name__}); please report it"
            )
            continue
        est.file = file
        batch.claims.append(est)
        batch.totals.add(est.totals)
    for payer, n in sorted(missing.items()):
        batch.not_estimated += n
        batch.problems.append(
            f"payer {payer}: no profile, {_plural(n, 'claim')} not estimated; add a profile and "
            "map it under [payers] in the configuration"
        )
    return batch


# -- the one estimate per claim inside a check run ------------------------------------------

_CACHE_KEY = "_claim_estimate"
_INDEX_KEY = "_line_estimate_index"


def claim_estimate(ctx: Any, claim: Claim | None = None) -> ClaimEstimate | None:
    """The estimate of ``claim`` (default ``ctx.claim``) under its profile, or None.

    Computed once per claim and cached on ``ctx.options`` (keyed by the claim object, its
    profile and history), so every rule that quotes money reads the same figures: deductible
    consumed by earlier lines, frequency denials and the not-covered reasons included.
    """
    from claimlint.payer.history import for_context as history_for
    from claimlint.payer.member import for_context as benefits_for
    from claimlint.payer.profiles import for_context as profile_for

    claim = claim if claim is not None else ctx.claim
    if claim is None:
        return None
    profile = profile_for(ctx, claim)
    if profile is None:
        return None
    history = history_for(ctx)
    cached = ctx.options.get(_CACHE_KEY)
    if cached is not None and cached[0] is claim and cached[1] is profile and cached[2] is history:
        hit: ClaimEstimate | None = cached[3]
        return hit
    est = estimate_claim(claim, profile, history=history, member=benefits_for(ctx, claim))
    ctx.options[_CACHE_KEY] = (claim, profile, history, est)
    return est


def line_estimate(ctx: Any, line: ServiceLine) -> LineEstimate | None:
    """The estimate of one line of ``ctx.claim`` (see :func:`claim_estimate`)."""
    claim = ctx.claim
    est = claim_estimate(ctx, claim)
    if est is None or claim is None:
        return None
    # by identity through an index built once per estimate: a scan of the claim's lines per
    # line was quadratic on a claim of thousands of lines (issue 10)
    index = ctx.options.get(_INDEX_KEY)
    if index is None or index[0] is not est:
        items = {id(c): item for c, item in zip(claim.lines, est.lines, strict=True)}
        index = ctx.options[_INDEX_KEY] = (est, items)
    items_by_id: dict[int, LineEstimate] = index[1]
    return items_by_id.get(id(line))


# -- output ----------------------------------------------------------------------------------


def prior_from_line(claim: Claim, line: ServiceLine) -> PriorProcedure | None:
    """The prior restoration a replacement line itself declares (prior placement date)."""
    prior = line.prior_placement_date
    if not isinstance(prior, dt.date) or not claim.member_key:
        return None
    return PriorProcedure.construct(
        member_id=claim.member_key,
        code=line.code,
        date=prior,
        tooth=line.tooth,
        surfaces=line.surfaces,
        status="paid",
        payer_id=claim.payer_id,
        claim_id=None,
    )
