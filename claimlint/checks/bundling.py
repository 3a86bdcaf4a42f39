"""Same-day combinations and minimum intervals a plan applies (DOMAIN-BREADTH §7 CL941,
CL942; §3.3 CL905 as a bundle entry).

Both are payer rules, OFF unless the claim's payer profile lists them (``bundles`` and
``min_intervals`` in the profile; docs/payer-profiles.md): which pairs a plan bundles and how
many days it wants between services differ by plan, so nothing here names a code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from claimlint.checks._tooth_status import prior_text
from claimlint.checks.base import Context, ProfileCheck
from claimlint.core.findings import Finding, Scope, Severity
from claimlint.core.model import Claim, PriorProcedure, ServiceLine
from claimlint.payer import history as hist

if TYPE_CHECKING:  # a run without profiles does not import claimlint.payer.profiles
    from claimlint.payer.profiles import BundleRule, IntervalRule, Profile


@dataclass(frozen=True, slots=True)
class _Service:
    """A service of the member: a line of this claim, or a history record."""

    code: str
    date: dt.date
    line: ServiceLine | None = None
    prior: PriorProcedure | None = None

    def text(self) -> str:
        if self.line is not None:
            return f"{self.code} (line {self.line.line_number})"
        assert self.prior is not None
        return f"{self.code} (history: {prior_text(self.prior)})"


def _claim_services(claim: Claim) -> list[_Service]:
    out = []
    for line in claim.lines:
        day = claim.service_date(line)
        if day is not None:
            out.append(_Service(line.code, day, line=line))
    return out


def _history_services(ctx: Context, claim: Claim, since: dt.date, until: dt.date) -> list[_Service]:
    """The member's history records dated ``since`` … ``until`` (inclusive), this claim's own
    records left out (a claim already imported into history must not match itself)."""
    history = hist.for_context(ctx)
    member = claim.member_key
    if history is None or not member:
        return []
    return [
        _Service(p.code, p.date, prior=p)
        for p in history.lookup(member, None, before=until + dt.timedelta(days=1), since=since)
        if hist.counts(p) and p.claim_id != claim.claim_id
    ]


_SEVERITY = {"error": Severity.ERROR, "warning": Severity.WARNING, "info": Severity.INFO}


class SameDayBundle(ProfileCheck):
    doc = """
    What it checks:
        Code combinations the payer profile lists under ``bundles`` (off unless listed): a
        line whose code is one of a bundle's ``codes`` but not its ``kept`` codes, on the
        same date as a kept one (``same = "day"``: on this claim or in the member's history;
        ``"visit"``: on this claim only). The entry may set the severity and a note.

    Why it matters:
        Plans pay one service of such a pair and deny the other as inclusive: a limited exam
        with a periodic exam, a prophylaxis with scaling and root planing, an evaluation on
        the day of a full-mouth debridement (CL905). A denied line may end up billed to the
        patient; knowing first lets the office bill the right one.

    Bad example:
        ``D0140`` and ``D0120`` on 2025-06-02, with the profile entry
        ``{codes = ["D0140", "D0120", "D0150"], kept = ["D0120", "D0150"]}``.

    Good example:
        ``D0120`` alone, or ``D0140`` on another day.

    References:
        * Payer policy type: same-day procedure bundling (inclusive procedures)
        * ADA, CDT Code on Dental Procedures and Nomenclature: D4355 (evaluation on a
          subsequent visit)
        * claimlint documentation: Payer profiles (docs/payer-profiles.md)
    """

    code = "CL941"
    name = "same-day-bundle"
    summary = "Same-day combination the plan pays once"
    severity = Severity.WARNING
    scope = Scope.CLAIM
    tags = ("payer", "bundling")

    def _findings(self, claim: Claim, ctx: Context) -> Iterator[Finding]:
        profile: Profile | None = ctx.profile(claim)
        if profile is None or not profile.bundles or len(claim.lines) < 1:
            return
        services = _claim_services(claim)
        for rule in profile.bundles:
            denied = [s for s in services if rule.denied(s.code)]
            if not denied:
                continue
            kept = [s for s in services if s.code in rule.kept]
            if rule.same == "day":
                for day in sorted({s.date for s in denied}):
                    kept += [
                        s for s in _history_services(ctx, claim, day, day) if s.code in rule.kept
                    ]
            yield from self._pairs(claim, profile, rule, denied, kept)

    def _pairs(
        self,
        claim: Claim,
        profile: Profile,
        rule: BundleRule,
        denied: list[_Service],
        kept: list[_Service],
    ) -> Iterator[Finding]:
        for service in denied:
            match = next((k for k in kept if k.date == service.date), None)
            if match is None or service.line is None:
                continue
            note = f" {rule.note.strip()}" if rule.note.strip() else ""
            yield self.make(
                f"{service.text()} and {match.text()} on {service.date}: {profile.label} pays "
                f"{match.code} and denies {service.code} as inclusive (bundle '{rule.id}')."
                f"{note}",
                ref=service.line.where("code"),
                claim_id=claim.claim_id,
                line=service.line.line_number,
                field=service.line.where("code").field or "code",
                severity=_SEVERITY.get(rule.severity or ""),
                evidence={"rule": rule.id},
            )


class MinimumInterval(ProfileCheck):
    doc = """
    What it checks:
        Services the payer profile spaces apart under ``min_intervals`` (off unless listed):
        a ``then`` service fewer than ``days`` days after a ``first`` service (on this claim
        or in the member's history); with ``either_order`` also the reverse order. A
        same-day pair that a ``bundles`` entry covers is left to CL941.

    Why it matters:
        Some plans deny scaling and root planing within 30 to 45 days of a prophylaxis (and
        the reverse), because the cleaning is part of the periodontal treatment. Knowing it
        before submission lets the office reschedule or send a narrative.

    Bad example:
        ``D4341`` on 2025-06-20 with ``D1110`` on 2025-06-02 in the history, and the profile
        entry ``{first = ["D1110"], then = ["D4341", "D4342"], days = 30}``.

    Good example:
        The same ``D4341`` on 2025-07-15.

    References:
        * Payer policy type: minimum interval between prophylaxis and periodontal scaling
        * claimlint documentation: Payer profiles (docs/payer-profiles.md)
    """

    code = "CL942"
    name = "minimum-interval"
    summary = "Service too soon after a related service"
    severity = Severity.WARNING
    scope = Scope.CLAIM
    tags = ("payer", "history", "bundling")

    def _findings(self, claim: Claim, ctx: Context) -> Iterator[Finding]:
        profile: Profile | None = ctx.profile(claim)
        if profile is None or not profile.min_intervals:
            return
        services = _claim_services(claim)
        for rule in profile.min_intervals:
            later = [s for s in services if self._counterpart(rule, s.code) is not None]
            if not later:
                continue
            first_day = min(s.date for s in later) - dt.timedelta(days=rule.days - 1)
            last_day = max(s.date for s in later)
            known = services + _history_services(ctx, claim, first_day, last_day)
            for service in later:
                assert service.line is not None
                hit = self._earlier(profile, rule, service, known)
                if hit is None:
                    continue
                gap = (service.date - hit.date).days
                when = "on the same day as" if gap == 0 else f"{gap} days after"
                yield self.on_line_of(
                    claim,
                    service.line,
                    f"{service.code} on {service.date} is {when} {hit.text()}; "
                    f"{profile.label} requires at least {rule.days} days between them "
                    f"(rule '{rule.id}'): expect a denial, or reschedule.",
                    evidence={"rule": rule.id},
                )

    @staticmethod
    def _counterpart(rule: IntervalRule, code: str) -> str | None:
        """Which side a code must follow: ``first`` for a ``then`` code (and the reverse with
        ``either_order``)."""
        if code in rule.then:
            return "first"
        if rule.either_order and code in rule.first:
            return "then"
        return None

    def _earlier(
        self, profile: Profile, rule: IntervalRule, service: _Service, known: list[_Service]
    ) -> _Service | None:
        best: _Service | None = None
        for other in known:
            if other is service or (other.line is not None and other.line is service.line):
                continue
            gap = (service.date - other.date).days
            if not 0 <= gap < rule.days:
                continue
            matches = (service.code in rule.then and other.code in rule.first) or (
                rule.either_order and service.code in rule.first and other.code in rule.then
            )
            if not matches:
                continue
            if gap == 0 and _bundled(profile, service.code, other.code):
                continue
            if (
                rule.either_order
                and gap == 0
                and other.line is not None
                and other.line.line_number > (service.line.line_number if service.line else 0)
            ):
                continue  # same-day pair on one claim: reported once, on the later line
            if best is None or other.date > best.date:
                best = other
        return best

    def on_line_of(
        self, claim: Claim, line: ServiceLine, message: str, evidence: dict[str, str]
    ) -> Finding:
        where = line.where("code")
        return self.make(
            message,
            ref=where,
            claim_id=claim.claim_id,
            line=line.line_number,
            field=where.field or "code",
            evidence=evidence,
        )


def _bundled(profile: Profile, a: str, b: str) -> bool:
    """Whether a ``bundles`` entry covers both codes (CL941 reports that same-day pair)."""
    return any(a in rule.codes and b in rule.codes for rule in profile.bundles)
