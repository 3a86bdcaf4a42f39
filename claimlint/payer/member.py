"""The benefits that apply to one claim: the member's own values over the plan's defaults.

Coverage dates, the deductible already met, the annual maximum already used and the day
waiting periods count from differ per member. Three sources can say them, and the first that
does wins, one group of values at a time:

1. the claim itself (``Claim.benefits``: JSON/XML ``benefits``, CSV ``benefits_*`` columns);
2. the history store (``claimlint history import`` of a member-benefits CSV), the member's row
   for the claim's payer (and plan) whose ``as_of`` is the latest on or before the claim's
   date of service (the latest row at all when every row is later);
3. the payer profile (``coverage``, ``deductible.remaining``, ``annual_maximum.used``).

The groups are resolved separately: **coverage** (start and end together: a source that gives
either gives the period, an end it does not give is open), **deductible** (``remaining``, else
the profile's deductible minus ``met``), **maximum** (the profile's annual maximum minus
``used``) and **waiting-period start** (the member's own, else the start of the coverage
chosen above). So a claim that carries only coverage dates still takes the deductible from the
history store. Amounts need the plan's design (the deductible amount, the annual maximum, the
classes the deductible applies to) from the profile; only the status is the member's.

Every finding and estimate that uses these values says which source it used
(:meth:`Benefits.describe`). No value here is printed with a member id.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from claimlint.core.model import Claim, MemberBenefits
from claimlint.payer.money import ZERO
from claimlint.payer.profiles import Profile, add_months

#: where a group of values came from (in CL601's data and the estimate's JSON)
CLAIM = "claim"
HISTORY = "history"
PROFILE = "profile"


@dataclass(frozen=True, slots=True)
class Benefits:
    """The effective benefit status of one member under one profile, with its sources."""

    profile: Profile
    coverage_start: dt.date | None
    coverage_end: dt.date | None
    coverage_source: str
    waiting_start: dt.date | None
    waiting_source: str
    #: "coverage start" (the wait counts from the coverage start) or "waiting-period start"
    waiting_basis: str
    #: deductible still to be met at the start of the claim (0 when the plan has none)
    deductible_remaining: Decimal
    deductible_source: str
    #: annual maximum still available (None: the plan has no maximum)
    maximum_remaining: Decimal | None
    maximum_source: str

    def covers(self, day: dt.date) -> bool:
        if self.coverage_start is not None and day < self.coverage_start:
            return False
        return not (self.coverage_end is not None and day > self.coverage_end)

    @property
    def has_coverage(self) -> bool:
        return self.coverage_start is not None or self.coverage_end is not None

    def period(self) -> str:
        start = self.coverage_start or "the start"
        end = self.coverage_end or "open-ended"
        return f"{start} to {end}"

    def describe(self, source: str, what: str = "coverage") -> str:
        """``member coverage from the claim``, ``member coverage from the history store``,
        ``plan coverage from profile Gold PPO``."""
        if source == CLAIM:
            return f"member {what} from the claim"
        if source == HISTORY:
            return f"member {what} from the history store"
        return f"plan {what} from profile {self.profile.label}"

    def waiting_period_end(self, code: str) -> tuple[str, int, dt.date] | None:
        """(service class, months, first covered day) when the code's class has a waiting
        period, counted from this member's waiting-period start."""
        cls = self.profile.service_class(code)
        months = self.profile.waiting_periods.get(cls) if cls else None
        if not months or self.waiting_start is None or cls is None:
            return None
        return cls, months, add_months(self.waiting_start, months)


def claim_day(claim: Claim) -> dt.date | None:
    """The claim's date of service, else its earliest line date (real dates only)."""
    if isinstance(claim.date_of_service, dt.date):
        return claim.date_of_service
    days = [d for line in claim.lines if (d := claim.service_date(line)) is not None]
    return min(days) if days else None


def stored_benefits(claim: Claim, history: Any) -> MemberBenefits | None:
    """The history store's row for the claim's member, payer and plan (see the module doc)."""
    member = claim.member_key
    lookup = getattr(history, "benefits", None)
    if not member or lookup is None:
        return None
    found: MemberBenefits | None = lookup(member, claim.payer_id, claim.plan_id, claim_day(claim))
    return found


def resolve(profile: Profile, claim: Claim, history: Any = None) -> Benefits:
    """The benefits that apply to ``claim`` under ``profile`` (claim, history, profile)."""
    own = claim.benefits if claim.benefits is not None and not claim.benefits.empty else None
    stored = stored_benefits(claim, history)
    sources = [(CLAIM, own), (HISTORY, stored)]

    start, end, coverage_source = profile.coverage_start, profile.coverage_end, PROFILE
    for name, values in sources:
        if values is not None and values.has_coverage:
            start, end, coverage_source = values.coverage_start, values.coverage_end, name
            break

    waiting, waiting_source, waiting_basis = start, coverage_source, "coverage start"
    for name, values in sources:
        if values is not None and values.waiting_period_start is not None:
            waiting, waiting_source = values.waiting_period_start, name
            waiting_basis = "waiting-period start"
            break

    deductible = profile.deductible_remaining or ZERO
    deductible_source = PROFILE
    for name, values in sources:
        if values is not None and values.has_deductible:
            deductible_source = name
            if values.deductible_remaining is not None:
                deductible = max(ZERO, values.deductible_remaining)
            else:
                met = values.deductible_met or ZERO
                deductible = max(ZERO, (profile.deductible or ZERO) - met)
            break

    maximum: Decimal | None = (
        None
        if profile.annual_maximum is None
        else max(ZERO, profile.annual_maximum - profile.annual_maximum_used)
    )
    maximum_source = PROFILE
    for name, values in sources:
        if values is not None and values.maximum_used is not None:
            maximum_source = name
            if profile.annual_maximum is not None:
                maximum = max(ZERO, profile.annual_maximum - values.maximum_used)
            break

    return Benefits(
        profile=profile,
        coverage_start=start,
        coverage_end=end,
        coverage_source=coverage_source,
        waiting_start=waiting,
        waiting_source=waiting_source,
        waiting_basis=waiting_basis,
        deductible_remaining=deductible,
        deductible_source=deductible_source,
        maximum_remaining=maximum,
        maximum_source=maximum_source,
    )


_CACHE_KEY = "_member_benefits"


def for_context(ctx: Any, claim: Claim | None = None) -> Benefits | None:
    """The benefits of ``claim`` (default ``ctx.claim``) under its profile, or None without a
    profile. Resolved once per claim and cached on ``ctx.options``."""
    from claimlint.payer.history import for_context as history_for
    from claimlint.payer.profiles import for_context as profile_for

    claim = claim if claim is not None else getattr(ctx, "claim", None)
    if claim is None:
        return None
    profile = profile_for(ctx, claim)
    if profile is None:
        return None
    history = history_for(ctx)
    cached = ctx.options.get(_CACHE_KEY)
    if cached is not None and cached[0] is claim and cached[1] is profile and cached[2] is history:
        hit: Benefits = cached[3]
        return hit
    found = resolve(profile, claim, history)
    ctx.options[_CACHE_KEY] = (claim, profile, history, found)
    return found
