"""Small views of claim lines that several dental checks share (they read the claim model, so they
live with the checks, not in the stand-alone dental tables).

``by_tooth_and_date`` groups the tooth entries of a claim by (tooth, date of service) — the unit
the same-day, same-tooth payer rules (DOMAIN §5.7) compare.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from claimlint.core.model import Claim, ServiceLine, SourceRef, ToothEntry, derive_ref
from claimlint.dental.cdt import CdtCode, lookup


@dataclass(frozen=True, slots=True)
class ToothLine:
    """One tooth of one service line, with the line's code record (None when unknown)."""

    line: ServiceLine
    entry: ToothEntry
    code: CdtCode | None

    @property
    def tooth(self) -> str:
        return self.entry.tooth or ""


def code_where(line: ServiceLine) -> str:
    """``D2740 on tooth 3``, or the code alone for a line without a tooth (never "tooth None")."""
    return f"{line.code} on tooth {line.tooth}" if line.tooth else line.code


def entry_ref(entry: ToothEntry, field: str) -> SourceRef | None:
    """The source position of one tooth entry's tooth or surfaces, when the reader gave one."""
    if field == "surfaces" and entry.surfaces_ref is not None:
        return entry.surfaces_ref
    return derive_ref(entry.ref, field) if entry.ref is not None else None


def by_tooth_and_date(claim: Claim) -> dict[tuple[str, dt.date | None], list[ToothLine]]:
    """Tooth entries grouped by (tooth, service date); lines without a tooth are left out.

    Lines whose date is missing or invalid share the ``None`` date of their claim.
    """
    groups: dict[tuple[str, dt.date | None], list[ToothLine]] = {}
    for line in claim.lines:
        if not line.teeth:
            continue
        code = lookup(line.code)
        date = claim.service_date(line)
        for entry in line.teeth:
            if entry.tooth:
                groups.setdefault((entry.tooth, date), []).append(ToothLine(line, entry, code))
    return groups
