"""The ``impact`` command's run: read claim files (any reader, folders walked like ``check``)
and paid-claims history (a SQLite store or a history CSV), price every line with the estimate
engine (claimlint/payer/impact.py), aggregate (claimlint/core/impact.py) and apply raises.
Rendering is claimlint/report/impact.py.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claimlint.core.findings import Finding
from claimlint.core.impact import ImpactSummary, Raise, RaiseOutcome, aggregate
from claimlint.core.model import PriorProcedure
from claimlint.payer.history import InMemoryHistory, combine
from claimlint.payer.impact import collect, raise_outcomes, raised
from claimlint.payer.profiles import Profile, ProfileSet
from claimlint.payer.stores import is_url, open_store
from claimlint.readers.base import ReadOptions
from claimlint.running.estimating import read_claim_files
from claimlint.running.history_import import ImportProblem, read_history_csv


@dataclass(slots=True)
class ImpactRun:
    summary: ImpactSummary
    raises: list[RaiseOutcome] = field(default_factory=list)
    claims_read: int = 0
    unparsable: int = 0
    history_rows: int = 0
    duplicates: int = 0
    not_paid: int = 0
    skipped_claims: int = 0
    no_profile: dict[str, int] = field(default_factory=dict)
    #: reader findings (CL001, CL002, ...): they make the exit code 1
    findings: list[Finding] = field(default_factory=list)
    #: notes for stderr (history rows not read, folders skipped, ...)
    notes: list[str] = field(default_factory=list)
    had_profiles: bool = True


def read_history(path: str, notes: list[str]) -> list[PriorProcedure]:
    """Paid history rows from a history CSV/TSV (as ``history import`` reads it) or a SQLite
    store; problems go to ``notes`` (file, row, column; never a value)."""
    if not is_url(path) and Path(path).suffix.lower() in (".csv", ".tsv"):
        problems: list[ImportProblem] = []
        if not Path(path).is_file():
            from claimlint.payer.history import HistoryError

            raise HistoryError(f"{path}: history file does not exist")
        rows = list(read_history_csv(Path(path), problems))
        if not rows and problems:
            # nothing of the file could be used (a wrong header, not a CSV): the history may be
            # the report's only input, so this is an error, not a note
            from claimlint.payer.history import HistoryError

            raise HistoryError(f"{problems[0]}; no history row could be read")
        notes.extend(str(p) for p in problems)
        return rows
    store = open_store(path)
    try:
        notes.extend(store.warnings)
        return store.records("paid")
    finally:
        store.close()


def _raise_profile(change: Raise, profile: Profile) -> Profile:
    return raised(profile, change)


def run_impact(
    paths: Iterable[str],
    profiles: ProfileSet,
    *,
    default: Profile | None = None,
    history_path: str | None = None,
    raises: Iterable[Raise] = (),
    options: ReadOptions | None = None,
    discovery: Any = None,
) -> ImpactRun:
    notes: list[str] = []
    paid: list[PriorProcedure] = read_history(history_path, notes) if history_path else []
    read = read_claim_files(paths, profiles, options=options, discovery=discovery)
    pairs, profiles, inline, unparsable = read.pairs, read.profiles, read.inline, read.unparsable
    notes.extend(read.notes)
    notes.extend(read.problems)
    # unreadable files and claims not read fail the run; the other reader errors (an X12
    # segment out of order, ...) are for 'check': the claim was read and is counted
    findings = read.findings
    # the batches' inline history: frequency limits for the claims, and paid rows for impact
    store = InMemoryHistory(inline) if inline else None
    history = combine(store)
    paid_rows = [*paid, *inline]
    base = collect(pairs, profiles, default=default, history=history, paid=paid_rows)
    outcomes: list[RaiseOutcome] = []
    for change in raises:
        again = collect(
            pairs,
            profiles,
            default=default,
            history=history,
            paid=paid_rows,
            transform=functools.partial(_raise_profile, change),
        )
        outcomes.extend(raise_outcomes(base, again, change))
    return ImpactRun(
        summary=aggregate(base.impact),
        raises=outcomes,
        claims_read=len(pairs) + unparsable,
        unparsable=unparsable,
        history_rows=base.history_rows,
        duplicates=base.duplicates,
        not_paid=base.not_paid,
        skipped_claims=base.skipped_claims,
        no_profile=dict(sorted(base.no_profile.items())),
        findings=findings,
        notes=notes,
        had_profiles=bool(profiles) or default is not None,
    )
