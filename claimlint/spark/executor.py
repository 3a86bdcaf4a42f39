"""What runs on a Spark executor: plain Python, no pyspark (tested without a cluster).

Every function here takes and returns plain rows (dicts), so ``claimlint.spark.job`` can wrap
them in ``mapInPandas``. The per-claim work is the engine's own: the readers, then
``claimlint.running.lint.lint_claim`` with the line and claim checks, and each batch rule's
``collect`` (its map side), exactly as a ``--jobs`` worker does (``running/parallel.py``).

Order. Every event of a part (a finding, a claim read) gets an order key ``(file, part, pos,
sub)``: files by name, parts in file order (an X12 file cut at transaction sets; a JSON claims
column: the claim's line), ``pos`` the event's ordinal in the part, ``sub`` the batch findings
of a claim after its other findings. Sorting by it gives the CLI's report order, which
fingerprints (their occurrence counter) and batch rules (the first of two duplicates) depend
on.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from claimlint.checks.base import Check, Context
from claimlint.core.catalogue import UNREADABLE_FILE
from claimlint.core.config import Config
from claimlint.core.findings import Finding, Location, Report, Severity, fingerprint, project_path
from claimlint.core.model import Claim
from claimlint.core.spill import FirstSeen
from claimlint.readers.base import BatchMeta, Source, Unparsable, get_reader
from claimlint.running.engine import Engine
from claimlint.running.lint import CheckSet, cap_findings, lint_claim
from claimlint.running.registry import Registry

#: an X12 file is cut at transaction sets into parts of about this many bytes
PART_SIZE = 4 << 20

#: the order key of the findings batch rules report at the end of the run (after every file)
LATE_FILE = "\U0010ffff"


@dataclass(frozen=True, slots=True)
class Setup:
    """What the driver broadcasts: the selected check classes, the configuration, the payer
    profiles and the history store (as ``--jobs`` hands its workers), and the project root
    fingerprints are relative to."""

    classes: tuple[type[Check], ...]
    config: Config
    profiles: Any
    history: Any
    root: str

    @classmethod
    def from_engine(cls, engine: Engine) -> Setup:
        config = engine.config
        root = str((config.source.parent if config.source else Path.cwd()).resolve())
        return cls(tuple(engine.classes), config, engine.profiles, engine.history, root)


@dataclass(slots=True)
class State:
    """One executor process's engine, built once per broadcast setup."""

    setup: Setup
    engine: Engine
    #: line and claim checks (no batch checks: their ``check`` runs in the reduce)
    checks: CheckSet
    batch: list[Check]

    @staticmethod
    def keyed(check: Check) -> bool:
        """Whether the batch rule has first-seen keys (``Check.first_keys``)."""
        return type(check).first_keys is not Check.first_keys


_STATES: dict[int, State] = {}


def state(setup: Setup) -> State:
    """The engine for ``setup``, built once per executor process (the broadcast is unpickled
    once per Python worker; building an engine selects checks and compiles dispatch tables)."""
    hit = _STATES.get(id(setup))
    if hit is not None and hit.setup is setup:
        return hit
    engine = Engine(
        setup.config,
        registry=Registry(setup.classes),
        profiles=setup.profiles,
        history=setup.history,
    )
    checks = CheckSet.build(engine.classes, engine.config.check_options)
    batch = checks.batch
    checks.batch = []
    _STATES.clear()
    made = _STATES[id(setup)] = State(setup, engine, checks, batch)
    return made


# -- rows -------------------------------------------------------------------------------------

#: the columns of the map side's rows (``claimlint.spark.job.EVENTS`` is their Spark schema)
EVENT_COLUMNS = (
    "kind",  # finding | claim | error
    "file",
    "part",
    "pos",
    "sub",
    "owner",  # findings: pos of the claim they were handed over with (None: the file's)
    "claim_id",
    "parsed",
    "finding",  # a pickled Finding
    "code",
    "severity",
    "loc_claim_id",
    "collected",  # claims: the pickled list of what each batch rule collected
    "keys",  # claims: [(rule, key text, index, pickled first value)] of keyed batch rules
    "message",  # errors
)


def _row(kind: str, file: str, part: int, pos: int, **values: Any) -> dict[str, Any]:
    row = dict.fromkeys(EVENT_COLUMNS)
    row.update(kind=kind, file=file, part=part, pos=pos, sub=0)
    row.update(values)
    return row


def finding_row(
    f: Finding, file: str, part: int, pos: int, owner: int | None, sub: int = 0
) -> dict[str, Any]:
    return _row(
        "finding",
        file,
        part,
        pos,
        sub=sub,
        owner=owner,
        finding=pickle.dumps(f, protocol=pickle.HIGHEST_PROTOCOL),
        code=f.code,
        severity=f.severity.value,
        loc_claim_id=f.location.claim_id,
    )


def key_text(key: Any) -> str:
    """A batch rule's key as text for Spark's ``groupBy`` (``repr`` of plain tuples of str,
    int, date and None: equal keys give equal text)."""
    return repr(key)


def lint_part(
    st: State, source: Source, fmt: str, file: str, part: int
) -> Iterator[dict[str, Any]]:
    """The rows of one part: mirrors ``Engine.lint_source`` with an ``on_claim`` sink and
    ``parallel.lint_part`` (line and claim checks here, batch rules' ``collect``)."""
    engine = st.engine
    keep, adjust = engine._keep, engine._adjust
    ctx: Context = engine.new_context(source.name)
    pos = 0
    located: list[tuple[int, Finding]] = []  # reader findings on the next claim, by pos

    def claim_owns(claim_id: str | None, f: Finding) -> bool:
        # running/split.py: a finding handed over with a claim is its when it names the
        # claim's id, or either has none
        cid = f.location.claim_id
        return cid is None or claim_id is None or cid == claim_id

    def hand_over(claim_id: str | None, claim_pos: int, found: list[Finding]) -> Iterator[Any]:
        # the reader's findings that came before the claim keep their place; the claim's
        # own come right after it (sub 1, 2, ...), its batch findings after those
        for at, f in located:
            yield finding_row(f, file, part, at, claim_pos if claim_owns(claim_id, f) else None)
        located.clear()
        for n, f in enumerate(found):
            owner = claim_pos if claim_owns(claim_id, f) else None
            yield finding_row(f, file, part, claim_pos, owner, sub=1 + n)

    try:
        for item in get_reader(fmt)(source, engine.read_options):
            if isinstance(item, Claim):
                pos += 1
                claim_pos = pos
                try:
                    found = lint_claim(item, ctx, st.checks)
                    collected = [c.collect(item, ctx) for c in st.batch]
                except Exception as exc:
                    yield _row(
                        "error",
                        file,
                        part,
                        claim_pos,
                        message=f"internal error while checking claim {item.claim_id} in "
                        f"{source.name}: {type(exc).__name__}: {exc}",
                    )
                    found, collected = [], [None] * len(st.batch)
                kept = [adjust(f) for f in found if keep(f)]
                keys: list[tuple[str, str, int, bytes]] = []
                for check, data in zip(st.batch, collected, strict=True):
                    if data is not None and st.keyed(check):
                        ctx.file = source.name
                        for index, (key, value) in enumerate(check.first_keys(data, ctx)):
                            keys.append((check.code, key_text(key), index, pickle.dumps(value)))
                rows = list(hand_over(item.claim_id, claim_pos, kept))
                yield _row(
                    "claim",
                    file,
                    part,
                    claim_pos,
                    claim_id=item.claim_id,
                    parsed=True,
                    collected=(
                        pickle.dumps(collected, protocol=pickle.HIGHEST_PROTOCOL)
                        if any(d is not None for d in collected)
                        else None
                    ),
                    keys=keys or None,
                )
                yield from rows
            elif isinstance(item, Unparsable):
                ctx.reported.clear()
                pos += 1
                claim_pos = pos
                findings = [adjust(f) for f in item.findings if keep(f)]
                rows = list(hand_over(item.claim_id, claim_pos, findings))
                yield _row("claim", file, part, claim_pos, claim_id=item.claim_id, parsed=False)
                yield from rows
            elif isinstance(item, Finding):
                ctx.reported.add((item.code, item.location.line))  # see Context.reported
                if keep(item):
                    pos += 1
                    f = adjust(item)
                    if f.location.claim_id is not None:
                        located.append((pos, f))  # handed over with the next claim
                    else:
                        yield finding_row(f, file, part, pos, None)
            elif isinstance(item, BatchMeta):
                scratch = Report()
                engine.on_batch_meta(item, ctx, scratch)
                for f in scratch.findings:
                    pos += 1
                    yield finding_row(f, file, part, pos, None)
    except OSError as exc:
        f = UNREADABLE_FILE.make(f"Cannot read {source.name}: {exc.strerror or exc}.", file=file)
        if keep(f):
            pos += 1
            yield finding_row(adjust(f), file, part, pos, None)
    except Exception as exc:
        yield _row(
            "error",
            file,
            part,
            pos + 1,
            message=f"internal error while reading {source.name}: {type(exc).__name__}: {exc}",
        )
    # reader findings naming a claim that never came: the file's
    for at, f in located:
        yield finding_row(f, file, part, at, None)


# -- inputs -----------------------------------------------------------------------------------


def json_claim_rows(
    st: State, file: str, line: int, text: str | bytes | None
) -> Iterator[dict[str, Any]]:
    """One canonical JSON claim (a line of a JSONL file, or a string column's value): read by
    the JSONL reader as line ``line`` of ``file``, so its findings are those of
    ``claimlint check`` on that JSONL file."""
    raw = (text or "").encode() if not isinstance(text, bytes) else text
    source = Source(name=file, data=raw.replace(b"\n", b" ") + b"\n", first_line=line)
    yield from lint_part(st, source, "jsonl", file, line)


def x12_parts(file: str, content: bytes, part_size: int = PART_SIZE) -> list[dict[str, Any]]:
    """An 837D file cut at transaction sets (an ST right after an SE) into parts of about
    ``part_size`` bytes, each with what a reader needs to start there (``--jobs``' cuts:
    claimlint/readers/x12/cuts.py); one part when the file cannot be cut safely."""
    from claimlint.readers.x12.cuts import find_cuts

    cuts = []
    if len(content) > part_size:
        # find_cuts reads a file; an executor has the bytes (from binaryFile)
        fd, tmp = tempfile.mkstemp(prefix="claimlint-spark-", suffix=".837")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(content)
            cuts = find_cuts(Path(tmp), part_size)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    bounds = [0, *(c.offset for c in cuts), len(content)]
    starts = [(1, 1, None), *((c.line, c.segment, c.resume) for c in cuts)]
    out = []
    for n, (first_line, first_segment, resume) in enumerate(starts):
        out.append(
            {
                "file": file,
                "part": n,
                "last": n == len(starts) - 1,
                "first_line": first_line,
                "first_segment": first_segment,
                "resume": None if resume is None else pickle.dumps(resume),
                "content": content[bounds[n] : bounds[n + 1]],
            }
        )
    return out


def x12_part_rows(st: State, part: dict[str, Any]) -> Iterator[dict[str, Any]]:
    data: bytes = part["content"]
    source = Source(
        name=part["file"],
        data=data,
        end=None if part["last"] else len(data),
        first_line=int(part["first_line"]),
        first_segment=int(part["first_segment"]),
        resume=None if part["resume"] is None else pickle.loads(part["resume"]),
    )
    yield from lint_part(st, source, "x12", part["file"], int(part["part"]))


# -- the reduce side of batch rules -----------------------------------------------------------


def keyed_batch_rows(
    st: State,
    file: str,
    part: int,
    pos: int,
    collected: bytes,
    seeds: Iterable[tuple[str, int, bytes]],
) -> Iterator[dict[str, Any]]:
    """The batch findings of one claim from its keyed batch rules (``Check.first_keys``).

    ``seeds`` are (rule, key index, first value) for the claim's keys whose first occurrence
    is on an earlier claim, found by a Spark aggregation over every claim's keys; the rule's
    own ``check`` then runs on the claim with its first-seen state holding just those, which
    gives what it gives in a run that saw every earlier claim."""
    ctx = st.engine.new_context(file)
    values: list[Any] = pickle.loads(collected)
    by_rule: dict[str, dict[int, Any]] = {}
    for rule, index, value in seeds:
        by_rule.setdefault(rule, {})[int(index)] = pickle.loads(value)
    found: list[Finding] = []
    for check, data in zip(st.batch, values, strict=True):
        if data is None or not st.keyed(check):
            continue
        seen = FirstSeen()
        firsts = by_rule.get(check.code, {})
        if firsts:
            for index, (key, _) in enumerate(check.first_keys(data, ctx)):
                if index in firsts:
                    seen.first(key, firsts[index])
        ctx._state[check.code] = seen
        ctx.claim = data if isinstance(data, Claim) else None
        found.extend(check.check(data, ctx))
    keep, adjust = st.engine._keep, st.engine._adjust
    for n, f in enumerate(cap_findings(found)):
        if keep(f):
            yield finding_row(adjust(f), file, part, pos, pos, sub=10**5 + n)


def folded_batch_rows(
    st: State, code: str, claims: Iterable[tuple[str, int, int, bytes]]
) -> Iterator[dict[str, Any]]:
    """A batch rule without keys, run in one place over every claim's collected value in
    report order (``claims``: (file, part, pos, what it collected, pickled), sorted), then its
    ``finish``: the ``--jobs`` parent's loop, for one rule."""
    check = next(c for c in st.batch if c.code == code)
    ctx = st.engine.new_context("<batch>")
    keep, adjust = st.engine._keep, st.engine._adjust
    for file, part, pos, blob in claims:
        data = pickle.loads(blob)
        if data is None:
            continue
        ctx.file = file
        ctx.claim = data if isinstance(data, Claim) else None
        for n, f in enumerate(cap_findings(list(check.check(data, ctx)))):
            if keep(f):
                yield finding_row(adjust(f), file, part, pos, pos, sub=10**6 + n)
    for n, f in enumerate(check.finish(ctx)):
        if keep(f):
            yield finding_row(adjust(f), LATE_FILE, st.batch.index(check), n, None)


# -- output -----------------------------------------------------------------------------------


def with_fingerprint(f: Finding, occurrence: int, root: str) -> Finding:
    """``Engine.finalize``'s fingerprint, with the occurrence Spark counted."""
    loc = f.location
    f.fingerprint = fingerprint(
        f.code,
        project_path(loc.file, root),
        loc.claim_id,
        loc.line,
        loc.field,
        occurrence=occurrence,
    )
    return f


#: the columns of the findings DataFrame: those of a ``--format jsonl`` line (``data`` as JSON
#: text, or null when the finding has none)
FINDING_COLUMNS = ("code", "name", "severity", "message", "location", "fingerprint", "data")


def finding_record(f: Finding) -> dict[str, Any]:
    """A finding as a row of the findings DataFrame (``Finding.to_dict`` without values)."""
    d = f.to_dict()
    data = d.pop("data", None)
    d["data"] = None if data is None else orjson.dumps(data, default=str).decode()
    return d


def jsonl_line(f: Finding) -> str:
    """The finding as ``claimlint check --format jsonl`` writes it."""
    return orjson.dumps(f.to_dict(), default=str).decode()


def location_key(loc: Location) -> tuple[str, str | None, int | None, str | None]:
    return (loc.file, loc.claim_id, loc.line, loc.field)


def rejects(severity: str, fail_on: Severity) -> bool:
    return Severity(severity).rank >= fail_on.rank
