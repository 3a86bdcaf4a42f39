"""Which teeth a claim or the patient's history reports missing or extracted (shared by the
prosthetics and missing-teeth rules: CL309, CL921–CL924, CL931, CL932).

Three sources, each a small view of the claim computed once per claim (``Context.memo``):

* the claim's own tooth status (837D DN2; ``missing_teeth`` in JSON/CSV/XML): ``M`` missing,
  ``E`` to be extracted;
* extraction lines on the same claim;
* extractions in the member's history (``claimlint.payer.history``), looked up per tooth.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from claimlint.checks.base import Context
from claimlint.core.model import Claim, MissingTooth, PriorProcedure, ServiceLine
from claimlint.dental.prosthetics import EXTRACTION, CodeGroup
from claimlint.payer import history as hist


@dataclass(frozen=True, slots=True)
class TeethOnClaim:
    """The claim's tooth status and its lines by tooth."""

    #: tooth → DN2 entry (the first one when a tooth is listed twice)
    status: dict[str, MissingTooth]
    #: tooth → [(line, date)] of every line with that tooth
    lines: dict[str, list[tuple[ServiceLine, dt.date | None]]]

    def reported(self, tooth: str, *statuses: str) -> MissingTooth | None:
        entry = self.status.get(tooth)
        return entry if entry is not None and entry.status.upper() in statuses else None

    def on_tooth(self, tooth: str, group: CodeGroup) -> list[tuple[ServiceLine, dt.date | None]]:
        return [(line, day) for line, day in self.lines.get(tooth, ()) if line.code in group]

    def extraction(self, tooth: str, by: dt.date | None = None) -> ServiceLine | None:
        """An extraction of ``tooth`` on this claim (dated on or before ``by`` when given)."""
        for line, day in self.on_tooth(tooth, EXTRACTION):
            if by is None or day is None or day <= by:
                return line
        return None


def _teeth_on_claim(claim: Claim) -> TeethOnClaim:
    status: dict[str, MissingTooth] = {}
    for missing in claim.missing_teeth:
        status.setdefault(hist.norm_tooth(missing.tooth), missing)
    lines: dict[str, list[tuple[ServiceLine, dt.date | None]]] = {}
    for line in claim.lines:
        day = claim.service_date(line)
        for entry in line.teeth:
            if entry.tooth:
                lines.setdefault(hist.norm_tooth(entry.tooth), []).append((line, day))
    return TeethOnClaim(status, lines)


def teeth_on_claim(claim: Claim, ctx: Context) -> TeethOnClaim:
    return ctx.memo(claim, "tooth-status", _teeth_on_claim)


def line_teeth(line: ServiceLine) -> list[str]:
    """The distinct teeth of a line, in storage form."""
    return list(dict.fromkeys(hist.norm_tooth(e.tooth) for e in line.teeth if e.tooth))


def extracted_before(
    ctx: Context, claim: Claim, tooth: str, before: dt.date | None
) -> PriorProcedure | None:
    """The earliest extraction of ``tooth`` in the member's history dated before ``before``
    (None without history, member id or date)."""
    history = hist.for_context(ctx)
    member = claim.member_key
    if history is None or not member or before is None:
        return None
    for prior in history.lookup(member, tooth, before=before):
        if prior.code in EXTRACTION and hist.counts(prior) and prior.claim_id != claim.claim_id:
            return prior
    return None


def prior_text(prior: PriorProcedure) -> str:
    """``D7140 on 2024-03-02 (claim PCN9)`` — what a message says about a history record."""
    claim = f", claim {prior.claim_id}" if prior.claim_id else ""
    return f"{prior.code} on {prior.date}{claim}"


def extracted_teeth(ctx: Context, line: ServiceLine) -> Iterator[tuple[str, PriorProcedure]]:
    """Each tooth of ``line`` that history shows extracted before the line's date of service,
    with that extraction (CL921, CL923)."""
    claim = ctx.claim
    assert claim is not None
    day = claim.service_date(line)
    for tooth in line_teeth(line):
        prior = extracted_before(ctx, claim, tooth, day)
        if prior is not None:
            yield tooth, prior
