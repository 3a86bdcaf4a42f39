"""Frequency limits of every shape for non-restorative codes (CL801, CL802, the estimate).

A profile's ``frequency`` rule names a group of codes that share ONE counter, a scope
(``per``: mouth, arch, quadrant, tooth, surface), a window (``months`` rolling, or ``count``
per calendar year, benefit year or lifetime), and optionally the covered ages and the least
days between two services (DOMAIN-BREADTH §2). Restorative codes (fillings, crowns, bridge
units: every code of a ``claimlint.dental.benefits`` family) stay with
:func:`claimlint.payer.profiles.frequency_hits` (CL403/CL404); every other code is judged
here.

What counts against a line: the member's prior procedures with a code of the group, from
history (:meth:`History.lookup_codes`), that count as done, plus the lines of the same claim
that come before it (by date of service, then line number), in the same scope and window.
Not counted: a service with the same code on the same day (a duplicate, CL412), and history
rows of the claim itself (same claim id: its lines are counted from the claim).

The scope of a line or a prior: its teeth (quadrant and arch from the tooth), else its areas
of the oral cavity (``10``/``20``/``30``/``40`` quadrants, ``01``/``02`` arches). A line with
no scope for a quadrant or arch rule is not judged (the area rules say it lacks one).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from claimlint.core.model import Claim, ServiceLine
from claimlint.dental import oral_area
from claimlint.payer.history import counts, norm_tooth
from claimlint.payer.profiles import (
    PERIOD_NAMES,
    RESTORATIVE_CODES,
    FrequencyRule,
    Profile,
    payable_again,
    window_start,
)


def is_plan_frequency_code(code: str) -> bool:
    """Whether a code's frequency limits are judged here (not by CL403/CL404)."""
    return code not in RESTORATIVE_CODES


@dataclass(frozen=True, slots=True)
class Counted:
    """A service that counts against a limit: from history, or a line of the claim."""

    code: str
    date: dt.date
    keys: frozenset[str]
    line_number: int | None = None  # a line of the same claim
    claim_id: str | None = None

    def describe(self) -> str:
        where = f"line {self.line_number} of this claim" if self.line_number else "history"
        return f"{self.code} on {self.date} ({where})"


@dataclass(frozen=True, slots=True)
class PlanHit:
    """A limit a line breaks: the services counted, and when the plan pays again."""

    rule: FrequencyRule
    code: str
    scope: str  # "the mouth", "quadrant UR", "tooth 3" ...
    counted: tuple[Counted, ...]
    payable_from: dt.date | None  # None: never again (lifetime)
    spacing: bool = False  # broken by min_days_between, not by the count

    @property
    def last(self) -> Counted:
        return self.counted[-1]

    @property
    def shared_with(self) -> list[str]:
        """Other codes of the group among the services counted (CL803 folded into CL801)."""
        return sorted({c.code for c in self.counted if c.code != self.code})

    def limit_text(self) -> str:
        rule = self.rule
        if self.spacing:
            return f"at least {rule.min_days_between} days between services"
        if rule.months is not None:
            return f"{rule.limit} per {rule.months} months"
        if rule.period == "lifetime":
            return f"{rule.limit} per lifetime"
        return f"{rule.limit} per {PERIOD_NAMES.get(rule.period or '', 'benefit year')}"

    def payable_text(self) -> str:
        if self.payable_from is None:
            return "it is not payable again under this plan (lifetime limit)"
        return f"payable again from {self.payable_from}"

    def summary(self) -> str:
        """One line for the estimate: limit, scope, last service, payable date."""
        return (
            f"{self.limit_text()} for {self.scope} ({self.rule.id}); last {self.last.describe()}"
            f"; {self.payable_text()}"
        )


def _scope_name(per: str, key: str) -> str:
    if per == "mouth":
        return "the mouth"
    if per == "arch":
        return f"the {key} arch"
    if per == "quadrant":
        return f"quadrant {key}"
    if per == "surface":
        tooth, _, surface = key.partition("-")
        return f"tooth {tooth} surface {surface}" if surface else f"tooth {tooth}"
    return f"tooth {key}"


def keys_of(
    per: str, teeth: Sequence[str | None], areas: Iterable[str], surfaces: Iterable[str] = ()
) -> frozenset[str]:
    """The scope keys of a service: one per quadrant/arch/tooth (surface: ``tooth-S``; a
    service with no surfaces on a tooth is ``tooth-``, which matches every surface)."""
    if per == "mouth":
        return frozenset({"mouth"})
    present = [t for t in (norm_tooth(t) for t in teeth) if t]
    if per in ("quadrant", "arch"):
        pick = oral_area.quadrant_of if per == "quadrant" else oral_area.arch_of
        found = {pick(tooth=t) for t in present} if present else {pick(area=a) for a in areas}
        return frozenset(k for k in found if k)
    if per == "tooth":
        return frozenset(present)
    letters = sorted(set(surfaces))
    return frozenset(f"{t}-{s}" for t in present for s in (letters or [""]))


def _matches(key: str, keys: frozenset[str], per: str) -> bool:
    if key in keys:
        return True
    if per != "surface":
        return False
    tooth, _, surface = key.partition("-")
    return any(k.partition("-")[0] == tooth and (not surface or k.endswith("-")) for k in keys)


def line_keys(per: str, line: ServiceLine) -> frozenset[str]:
    teeth = [e.tooth for e in line.teeth]
    surfaces = [s for e in line.teeth for s in e.surfaces]
    return keys_of(per, teeth, line.oral_cavity, surfaces)


def plan_hits(
    profile: Profile,
    history: Any,
    claim: Claim,
    line: ServiceLine,
    day: dt.date | None = None,
) -> list[PlanHit]:
    """The limits of ``profile`` that ``line`` breaks (non-restorative codes only)."""
    day = day or claim.service_date(line)
    if day is None or not is_plan_frequency_code(line.code):
        return []
    hits: list[PlanHit] = []
    for rule in profile.frequency_rules(line.code):
        hit = _judge(profile, rule, history, claim, line, day)
        if hit is not None:
            hits.append(hit)
    return hits


def _judge(
    profile: Profile,
    rule: FrequencyRule,
    history: Any,
    claim: Claim,
    line: ServiceLine,
    day: dt.date,
) -> PlanHit | None:
    mine = line_keys(rule.per, line)
    if not mine:
        return None
    since = window_start(profile, rule, day)
    if rule.min_days_between:
        since = min(since, day - dt.timedelta(days=rule.min_days_between - 1))
    pool = _counted(rule, history, claim, line, day, since)
    for key in sorted(mine):
        here = [c for c in pool if _matches(key, c.keys, rule.per)]
        start = window_start(profile, rule, day)
        inside = [c for c in here if c.date >= start]
        if len(inside) >= rule.limit:
            return PlanHit(
                rule,
                line.code,
                _scope_name(rule.per, key),
                tuple(inside),
                payable_again(profile, rule, [c.date for c in inside], day),
            )
        if rule.min_days_between:
            near = [c for c in here if (day - c.date).days < rule.min_days_between]
            if near:
                return PlanHit(
                    rule,
                    line.code,
                    _scope_name(rule.per, key),
                    tuple(near),
                    near[-1].date + dt.timedelta(days=rule.min_days_between),
                    spacing=True,
                )
    return None


def _counted(
    rule: FrequencyRule,
    history: Any,
    claim: Claim,
    line: ServiceLine,
    day: dt.date,
    since: dt.date,
) -> list[Counted]:
    out: list[Counted] = []
    member = claim.member_key
    if history is not None and member:
        for prior in history.lookup_codes(member, rule.codes, day + dt.timedelta(days=1), since):
            if not counts(prior) or (prior.date == day and prior.code == line.code):
                continue
            if claim.claim_id and prior.claim_id == claim.claim_id:
                continue  # this claim imported into history: its lines are counted below
            keys = keys_of(rule.per, [prior.tooth], [prior.area or ""], prior.surfaces)
            out.append(Counted(prior.code, prior.date, keys, claim_id=prior.claim_id))
    for other in claim.lines:
        if other is line or other.code not in rule.codes:
            continue
        when = claim.service_date(other)
        if when is None or when < since or (when, other.line_number) >= (day, line.line_number):
            continue
        if when == day and other.code == line.code:
            continue  # a duplicate line (CL412)
        out.append(
            Counted(other.code, when, line_keys(rule.per, other), line_number=other.line_number)
        )
    out.sort(key=lambda c: (c.date, c.line_number or 0))
    return out


def age_refusals(profile: Profile, code: str, age: int | None) -> list[FrequencyRule]:
    """Frequency rules for ``code`` whose age range excludes ``age`` (CL802)."""
    if age is None:
        return []
    return [
        rule
        for rule in profile.frequency_rules(code)
        if (rule.min_age is not None or rule.max_age is not None) and not rule.allows_age(age)
    ]
