"""The ``estimate`` command's run: read claim files with any reader, estimate them with the
payer engine (``claimlint.payer.estimate``), and render the result as text or JSON.

The money engine knows no readers and no formatting; this module is where they meet.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claimlint.core.catalogue import UNREADABLE_FILE
from claimlint.core.findings import Finding, is_read_failure
from claimlint.core.model import Claim, PriorProcedure
from claimlint.payer.estimate import BatchEstimate, Totals, estimate_claims
from claimlint.payer.history import InMemoryHistory, combine
from claimlint.payer.money import fmt
from claimlint.payer.profiles import Profile, ProfileError, ProfileSet
from claimlint.readers.base import BatchMeta, ReadOptions, Unparsable, get_reader, sniff
from claimlint.readers.json import json_text
from claimlint.readers.jsonpos import pointer_positions
from claimlint.report.formatters._common import position, prefixed_message
from claimlint.running.engine import iter_sources


def report_dict(batch: BatchEstimate) -> dict[str, Any]:
    """The JSON report of ``estimate``: the numbers, and the reader findings located."""
    out = batch.to_dict()
    out["errors"] = [
        {
            "code": f.code,
            "file": f.location.file,
            "line": position(f.location)[0],
            "column": position(f.location)[1],
            "claim_id": f.location.claim_id,
            "message": f.message,
        }
        for f in batch.findings
    ]
    return out


#: the text table's columns; total rows put their label where line..paid-as are, so their
#: amounts sit under the fee, allowed, plan pays, patient and write-off headers
_LABEL_WIDTH = 4 + 2 + 5 + 1 + 5 + 1 + 5 + 1 + 7


def render_text(batch: BatchEstimate) -> Iterator[str]:
    head = (
        f"{'line':>4}  {'code':<5} {'tooth':<5} {'surf':<5} {'paid as':<7} {'fee':>10} "
        f"{'allowed':>10} {'plan pays':>10} {'patient':>10} {'write-off':>10}"
    )
    for claim in batch.claims:
        yield f"Claim {claim.claim_id}  ({claim.file}; profile {claim.profile})"
        yield head
        for ln in claim.lines:
            yield (
                f"{ln.line_number:>4}  {ln.code:<5} {ln.tooth or '':<5} {ln.surfaces:<5} "
                f"{ln.paid_as:<7} {fmt(ln.office_fee):>10} {fmt(ln.allowed):>10} "
                f"{fmt(ln.plan_pays):>10} {fmt(ln.patient_owes):>10} {fmt(ln.write_off):>10}"
            )
            if ln.not_covered:
                yield f"{'':6}not covered: {ln.not_covered}"
            for problem in ln.problems:
                yield f"{'':6}note: {problem}"
        yield _total_line("claim total", claim.totals)
        yield ""
    yield _total_line("batch total", batch.totals, f"({batch.summary()})")
    for problem in batch.problems:
        yield f"note: {problem}"


def _total_line(label: str, totals: Totals, extra: str = "") -> str:
    notes = [extra] if extra else []
    if not totals.complete:
        notes.append("(incomplete: see notes)")
    tail = "".join(f"  {note}" for note in notes)
    return (
        f"{label:<{_LABEL_WIDTH}} {fmt(totals.office_fee):>10} {'':>10} "
        f"{fmt(totals.plan_pays):>10} {fmt(totals.patient_owes):>10} "
        f"{fmt(totals.write_off):>10}{tail}"
    )


def describe_finding(finding: Any) -> str:
    """``file:line:col: CODE message`` for a reader finding (stderr of ``estimate``)."""
    loc = finding.location
    line, col = position(loc)
    where = f" [{loc.pointer}]" if loc.pointer and not loc.physical_line else ""
    return f"{loc.file}:{line}:{col}: {finding.code} {prefixed_message(finding)}{where}"


@dataclass(slots=True)
class ClaimFiles:
    """Claim files read for ``estimate`` and ``impact``: the claims, what the batches carry
    besides them, and what could not be read."""

    pairs: list[tuple[str, Claim]] = field(default_factory=list)
    #: the configured profiles with the batches' own ``payers`` added
    profiles: Any = None
    #: the batches' inline history
    inline: list[PriorProcedure] = field(default_factory=list)
    #: unreadable files (CL001) and the findings of the claims that could not be read
    findings: list[Finding] = field(default_factory=list)
    #: the other reader errors (an X12 segment out of order): their claims were read
    other_errors: list[Finding] = field(default_factory=list)
    unparsable: int = 0
    #: profile problems of a batch's ``payers`` section
    problems: list[str] = field(default_factory=list)
    #: FIFOs and files that are not claim files a folder walk skipped
    notes: list[str] = field(default_factory=list)


def read_claim_files(
    paths: Iterable[str],
    profiles: ProfileSet,
    *,
    options: Any = None,
    discovery: Any = None,
) -> ClaimFiles:
    """Read claim files (any reader; folders walked as ``discovery`` says). Unreadable files
    and claims become reader findings and unparsable claims are counted; they never stop the
    others."""
    out = ClaimFiles(profiles=profiles)
    for source in iter_sources(paths, out.notes, discovery):
        if isinstance(source, Finding):
            out.findings.append(source)
            continue
        fmt_name = sniff(source)
        if fmt_name is None:
            out.findings.append(
                UNREADABLE_FILE.make(
                    f"Cannot tell what kind of file {source.name} is; expected an 837D, "
                    "JSON, JSONL, CSV or XML claim file.",
                    file=source.name,
                )
            )
            continue
        try:
            for item in get_reader(fmt_name)(source, options or ReadOptions()):
                if isinstance(item, Claim):
                    out.pairs.append((source.name, item))
                elif isinstance(item, BatchMeta):
                    out.inline.extend(item.history)
                    if item.payers:
                        out.profiles = out.profiles.with_batch_payers(
                            item.payers, source=source.name
                        )
                elif isinstance(item, Unparsable):
                    out.unparsable += 1
                    out.findings.extend(item.findings)
                elif isinstance(item, Finding) and is_read_failure(item):
                    out.findings.append(item)
                elif isinstance(item, Finding) and item.severity.value == "error":
                    out.other_errors.append(item)
        except OSError as exc:
            out.findings.append(
                UNREADABLE_FILE.make(
                    f"Cannot read {source.name}: {exc.strerror or exc}.", file=source.name
                )
            )
        except ProfileError as exc:
            out.problems.append(f"{source.name}: {exc}")
    return out


def estimate_paths(
    paths: Iterable[str],
    profiles: ProfileSet,
    *,
    default: Profile | None = None,
    history: Any = None,
    options: Any = None,
    discovery: Any = None,
) -> BatchEstimate:
    """Read claim files (any reader; inline history and payers included) and estimate them.
    Folders are walked as ``discovery`` says (claimlint.readers.discovery).

    Unreadable files and claims become reader findings in ``findings`` (CL001, CL002, ...,
    located like ``check`` locates them) and unparsable claims are counted; they never stop
    the others.
    """
    read = read_claim_files(paths, profiles, options=options, discovery=discovery)
    pairs, profiles, inline = read.pairs, read.profiles, read.inline
    findings = read.findings + read.other_errors  # every reader error makes estimate exit 1
    problems, unparsable, notes = read.problems, read.unparsable, read.notes
    store = combine(history, InMemoryHistory(inline)) if inline else history
    batch = estimate_claims(pairs, profiles, default=default, history=store)
    batch.problems = problems + batch.problems
    batch.findings = _located(findings)
    batch.unparsable = unparsable
    batch.had_profiles = bool(profiles) or default is not None
    batch.notes = notes
    return batch


def _located(findings: list[Any]) -> list[Any]:
    """Give findings in JSON files the physical line and column of their pointer."""
    pending: dict[str, list[Any]] = {}
    for f in findings:
        loc = f.location
        if loc.physical_line is None and loc.pointer and loc.file.lower().endswith(".json"):
            pending.setdefault(loc.file, []).append(f)
    for name, items in pending.items():
        try:
            path = Path(name)
            if path.stat().st_size > 16 * 1024 * 1024:
                continue  # too big to rescan; the pointer still locates the finding
            text = json_text(path.read_bytes())
        except OSError:
            continue
        positions = pointer_positions(text, {f.location.pointer for f in items})
        for f in items:
            pos = positions.get(f.location.pointer)
            if pos:
                f.location.physical_line, f.location.column = pos
    return findings
