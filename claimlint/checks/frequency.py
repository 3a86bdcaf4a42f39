"""Frequency and duplicate rules over patient history (DOMAIN §5.1, §8 CL403/CL404; CL412).

History is the configured store (``--history``/``history = ...``) plus the batch's inline
``"history"`` section (claimlint/payer/history.py ``for_context``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, cast

from claimlint.checks.base import Check, Context, ProfileCheck, line_list
from claimlint.core.ackcodes import Status277
from claimlint.core.findings import Finding, Scope, Severity
from claimlint.core.model import Claim, ServiceLine, SourceRef, ToothEntry
from claimlint.core.spill import FirstSeen
from claimlint.dental import benefits
from claimlint.dental.teeth import TEETH
from claimlint.payer import history as hist

if TYPE_CHECKING:  # a run without profiles does not import claimlint.payer.profiles
    from claimlint.payer.profiles import FrequencyHit


def hits_for(line: ServiceLine, ctx: Context) -> list[FrequencyHit]:
    """Frequency rules this line breaks, given history (empty without a profile)."""
    claim = ctx.claim
    profile = ctx.profile()
    if profile is None or claim is None:
        return []
    from claimlint.payer import profiles as prof
    from claimlint.payer.estimate import prior_from_line

    extra = [p for p in (prior_from_line(claim, line),) if p is not None]
    return prof.frequency_hits(
        profile,
        hist.for_context(ctx),
        claim.member_key,
        line.code,
        line.tooth,
        line.surfaces,
        claim.service_date(line),
        extra=extra,
    )


#: crowns, inlays, onlays and bridge units (``benefits.is_indirect``)
INDIRECT_CODES: frozenset[str] = benefits.FAMILIES["indirect"] | benefits.FAMILIES["bridge"]


def eligible_from(hit: FrequencyHit) -> dt.date | None:
    """The first date the plan pays again (None: never, a lifetime limit); computed once, by
    :func:`claimlint.payer.profiles.payable_again` (as for CL801 and the estimate)."""
    return hit.payable_from


def _or_wait(hit: FrequencyHit) -> str:
    day = eligible_from(hit)
    if day is None:
        return "; the plan does not pay it again (lifetime limit)"
    return f" or wait until {day}"


def _eligible_again(hit: FrequencyHit) -> str:
    day = eligible_from(hit)
    if day is None:
        return "Not payable again under this plan (lifetime limit)"
    return f"Eligible again from {day}"


class RestorationFrequency(Check):
    doc = """
    What it checks:
        Direct restorations (fillings, protective restorations, pins, build-ups) on a tooth
        or surface the patient's history shows restored inside the profile's frequency
        window (one per N months, or N per calendar/benefit year; per tooth or per surface).

    Why it matters:
        Replacements inside the window are denied unless a narrative explains them (recurrent
        decay, fracture, failed margins). Knowing before submission lets the office add the
        narrative or reschedule.

    Bad example:
        D2391 on tooth 30 (O) on 2025-11-03; history: D2392 on 30-MO on 2025-06-02; plan
        limit one per surface per 24 months.

    Good example:
        The same line when the prior restoration was on 2023-01-10 (outside the window).

    References:
        * Payer policy type: frequency limitation (replacement of restorations)
        * UnitedHealthcare Dental Coverage Guideline, Single Tooth Direct Restorations
        * X12 837 Health Care Claim: Dental, implementation guide 005010X224A2: DTP*441 prior
          placement date
    """

    code = "CL403"
    name = "restoration-frequency"
    summary = "Restoration inside the plan's frequency window"
    severity = Severity.WARNING
    scope = Scope.LINE
    tags = ("payer", "history")
    needs_profile = True

    def check(self, line: ServiceLine, ctx: Context) -> Iterable[Finding]:
        if line.code in INDIRECT_CODES or ctx.profile() is None:
            return ()
        return self._findings(line, ctx)

    def _findings(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
        if benefits.is_indirect(line.code):
            return
        profile = ctx.profile()
        for hit in hits_for(line, ctx):
            assert profile is not None and ctx.claim is not None
            surf = f" surface(s) {''.join(hit.surfaces)}" if hit.surfaces else ""
            yield self.on_line(
                ctx,
                line,
                f"Tooth {line.tooth}{surf} was restored on {hit.prior.date} ({hit.prior.code}); "
                f"{line.code} on {ctx.claim.service_date(line)} is inside the {hit.window()} of "
                f"{profile.label} and will likely be denied. Add a replacement narrative (reason "
                f"and prior date){_or_wait(hit)}.",
                field="tooth",
                evidence={"rule": hit.rule.id, "prior_claim": hit.prior.claim_id},
            )


class CrownFrequency(ProfileCheck):
    doc = """
    What it checks:
        Crowns, inlays, onlays and bridge units on a tooth with a prior crown/indirect
        restoration inside the profile's window (e.g. one per 60 or 84 months per tooth),
        from history or from the line's own prior placement date.

    Why it matters:
        A replacement crown inside the window is denied unless a narrative, the prior
        placement date and a radiograph show why it failed.

    Bad example:
        D2740 on tooth 3 on 2025-09-10, prior placement 2022-04-01, plan limit 60 months.

    Good example:
        The same crown with prior placement 2018-04-01.

    References:
        * Payer policy type: frequency limitation (replacement of restorations) (crowns, inlays,
          onlays and bridge units: typically once per 5-7 years)
        * UnitedHealthcare Dental Coverage Guideline, Single Tooth Indirect Restorations
        * X12 837 Health Care Claim: Dental, implementation guide 005010X224A2: SV305
          initial/replacement, DTP*441/DTP*139 prior placement date
    """

    code = "CL404"
    name = "crown-frequency"
    summary = "Crown or indirect restoration inside the frequency window"
    severity = Severity.WARNING
    scope = Scope.LINE
    tags = ("payer", "history")
    applies_to = INDIRECT_CODES

    def _findings(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
        if not benefits.is_indirect(line.code):
            return
        profile = ctx.profile()
        for hit in hits_for(line, ctx):
            assert profile is not None
            yield self.on_line(
                ctx,
                line,
                f"Crown replacement on tooth {line.tooth}: prior {hit.prior.code} placed "
                f"{hit.prior.date}, inside the {hit.window()} of {profile.label}. "
                f"{_eligible_again(hit)}; otherwise send a narrative (why it "
                "failed) with a current radiograph.",
                field="prior_placement_date" if line.prior_placement_date else "tooth",
                evidence={"rule": hit.rule.id},
            )


_SURFACE_KEYS: dict[tuple[str, ...], str] = {}


def _surface_key(surfaces: tuple[str, ...]) -> str:
    """Distinct letters sorted (``("O","M","O")`` → ``"MO"``), memoised per tuple."""
    try:
        return _SURFACE_KEYS[surfaces]
    except (KeyError, TypeError):
        key = "".join(sorted(set(surfaces)))
        if len(_SURFACE_KEYS) < 8192 and isinstance(surfaces, tuple):
            _SURFACE_KEYS[surfaces] = key
        return key


class CodePosition:
    """Where a line's procedure code is, built only when CL412 reports the line.

    Every tooth entry of every claim is recorded, and under 3 % of them are ever reported:
    keeping the line and asking it for ``where("code")`` on demand saves building a SourceRef
    per line (the 837D reader's positions are lazy). Pickled (``--jobs``, Spark) it becomes the
    SourceRef itself, so that no reader state crosses a process boundary.
    """

    line: ServiceLine

    def __init__(self, line: ServiceLine) -> None:
        self.line = line

    def ref(self) -> SourceRef:
        return self.line.where("code")

    def __reduce__(self) -> tuple[Any, ...]:
        return (SourceRef, self.ref().values())


# CL412's duplicate key: (member, code, tooth key, surface key, date of service), and what
# it collects per tooth entry: (key, line number, where the code is, tooth, surfaces, the
# finding against history or None). "Where" is a CodePosition in the process that read the
# claim and a SourceRef once pickled.
_DuplicateKey = tuple[str, str, str | None, str, dt.date]
_DuplicateEntry = tuple[
    _DuplicateKey, int, CodePosition | SourceRef, str | None, tuple[str, ...], Finding | None
]

_NO_TOOTH = (ToothEntry(),)  # a line without teeth is recorded once, with no tooth


def _tooth_key(tooth: str | None) -> str:
    """``hist.norm_tooth`` without the string work for teeth already in canonical form."""
    if tooth is None:
        return ""
    return tooth if tooth in TEETH else hist.norm_tooth(tooth)


def _where(code: str, tooth: str | None, surfaces: tuple[str, ...]) -> str:
    where = f"{code} on tooth {tooth}" if tooth else code
    if surfaces:
        where += f" ({''.join(surfaces)})"
    return where


class DuplicateProcedure(Check):
    doc = """
    What it checks:
        The same procedure (member, code, tooth, surfaces, date of service) already in the
        patient's history, or billed twice in the batch (on one claim or on two claims).
        Replacement and void claims (frequency code 7 or 8) are not counted.

    Why it matters:
        Duplicates are denied and flag the office for review; a resubmission must be a
        corrected claim (frequency code 7) that references the original claim number.

    Bad example:
        D2392 on 30-MO on 2025-06-02 in history, billed again on a new original claim.

    Good example:
        The resubmission sent as frequency code 7 with the original claim number.

    References:
        * Payer policy type: duplicate service edits (the same procedure, tooth, surfaces and date
          already paid or billed)
        * Payer policy type: frequency limitation (replacement of restorations)
    """

    code = "CL412"
    status_277 = Status277("A7", "78")
    name = "duplicate-procedure"
    summary = "Same procedure already in history or twice in the batch"
    severity = Severity.WARNING
    scope = Scope.BATCH
    tags = ("history",)

    def collect(self, claim: Claim, ctx: Context) -> Any:
        """Per tooth entry: the duplicate key, where the line is, and the history finding (the
        history lookup is per claim, so it runs where the claim is read)."""
        if claim.frequency_code in ("7", "8"):
            return None
        member = claim.member_key
        if not member:
            return None
        history = hist.for_context(ctx)
        ctx.claim = claim
        entries: list[_DuplicateEntry] = []
        claim_date = claim.date_of_service
        surface_keys = _SURFACE_KEYS
        for line in claim.lines:
            day = line.date_of_service if line.date_of_service is not None else claim_date
            if not isinstance(day, dt.date):
                continue  # ``claim.service_date(line)`` is None
            for entry in line.teeth or _NO_TOOTH:
                tooth = entry.tooth
                surfaces = entry.surfaces
                tooth_key = tooth if tooth in TEETH else _tooth_key(tooth)
                surface_key = surface_keys.get(surfaces) if type(surfaces) is tuple else None
                if surface_key is None:
                    surface_key = _surface_key(surfaces)
                key = (member, line.code, tooth_key, surface_key, day)
                entries.append(
                    (
                        key,
                        line.line_number,
                        CodePosition(line),
                        tooth,
                        surfaces,
                        self._in_history(ctx, line, history, key, tooth, surfaces),
                    )
                )
        return (claim.claim_id, entries) if entries else None

    def _in_history(
        self,
        ctx: Context,
        line: ServiceLine,
        history: Any,
        key: _DuplicateKey,
        tooth: str | None,
        surfaces: tuple[str, ...],
    ) -> Finding | None:
        if history is None:
            return None
        member, code, _, surface_key, day = key
        for prior in history.lookup(member, tooth, before=day + dt.timedelta(days=1), since=day):
            if (
                hist.counts(prior)
                and prior.code == code
                and "".join(sorted(set(prior.surfaces))) == surface_key
            ):
                ref = f" (claim {prior.claim_id})" if prior.claim_id else ""
                return self.on_line(
                    ctx,
                    line,
                    f"{_where(line.code, tooth, surfaces)} on {day} is already in the patient's "
                    f"history{ref}; do not bill it again - send a corrected claim (frequency "
                    "code 7) if the original needs changes.",
                    field="code",
                )
        return None

    def first_keys(
        self, collected: tuple[str, list[_DuplicateEntry]], ctx: Context
    ) -> list[tuple[Any, Any]]:
        claim_id, entries = collected
        return [(entry[0], (ctx.file, claim_id, entry[1])) for entry in entries]

    def check(
        self, collected: tuple[str, list[_DuplicateEntry]], ctx: Context
    ) -> Iterable[Finding]:
        # a plain function, not a generator: every claim is recorded, few have a duplicate.
        # Repeats of one key on this claim are one finding naming their lines (a claim of
        # 5,000 identical lines gives one finding, not 4,999; issue 10).
        claim_id, entries = collected
        seen = ctx.state(self, FirstSeen)
        found: list[Finding | _DuplicateKey] = []
        repeats: dict[_DuplicateKey, tuple[tuple[Any, ...], list[_DuplicateEntry]]] = {}
        for entry in entries:
            key, line_number = entry[0], entry[1]
            first = seen.first(key, (ctx.file, claim_id, line_number))
            if first is not None:
                if key in repeats:
                    repeats[key][1].append(entry)
                    continue
                repeats[key] = (first, [entry])
                found.append(key)  # placeholder: the group's finding goes here
                continue
            if entry[5] is not None:
                found.append(entry[5])
        if not repeats:
            return cast(list[Finding], found)  # a placeholder is only added with a repeat
        return [
            self._billed_twice(ctx, claim_id, *repeats[item]) if isinstance(item, tuple) else item
            for item in found
        ]

    def _billed_twice(
        self,
        ctx: Context,
        claim_id: str,
        first: tuple[Any, ...],
        group: list[_DuplicateEntry],
    ) -> Finding:
        first_file, first_claim, first_line = first
        if first_file != ctx.file:
            also = f"claim {first_claim} line {first_line} in {first_file}"
        elif first_claim != claim_id:
            also = f"claim {first_claim} line {first_line}"
        else:
            also = f"this claim line {first_line}"
        key, line_number, position, tooth, surfaces, _ = group[0]
        where = position.ref() if isinstance(position, CodePosition) else position
        if len(group) == 1:
            text = f"is billed twice in this batch (also {also})"
        else:
            text = (
                f"is billed {len(group) + 1:,} times in this batch (first on {also}, again on "
                f"{line_list(entry[1] for entry in group)})"
            )
        return self.make(
            f"{_where(key[1], tooth, surfaces)} on {key[4]} {text}; remove the duplicate line "
            "or claim.",
            ref=where,
            claim_id=claim_id,
            line=line_number,
            field=where.field or "code",
        )
