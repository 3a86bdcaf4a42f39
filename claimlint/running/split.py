"""``claimlint split``: lint a claim file and write its clean claims and its held claims to two
files in the input's format, with a report of why each held claim was held.

The lint is the engine's (``Engine.lint_sources``: the same selection, severity overrides,
ignores and baseline as ``check``); the engine's ``on_claim`` hook hands over each claim read
(a Claim or an Unparsable) with the findings located on it. The verdict of a claim is a
function of its findings only (:func:`verdict`): held when it could not be parsed or when a
finding at or above ``--fail-on`` is left after suppressions; findings of the batch as a whole
(an envelope or batch header defect, no claim id) at or above ``--fail-on`` hold every claim
of the file, since a receiver rejects such a batch whole. :func:`claim_verdicts` gives the
verdict of every claim by :data:`ClaimKey`; acknowledgments and services reuse it.

Each claim is then found again in the file's bytes and copied to its output:

* 837D: ``claimlint.x12.layout`` finds the CLM loops and their parent HL loops; the outputs
  are rebuilt around them by ``claimlint.x12.writer`` (new control numbers, counts, HL
  numbering). The reader yields one claim per CLM, in file order: the two must agree.
* JSON batch: each claim object's original text (sliced from the ``claims`` array), inside the
  batch's other keys as written.
* JSONL, CSV, XML: the physical lines of each claim (a claim runs from the line it starts on to
  the line the next one starts on), after the header lines (CSV header; XML declaration and
  ``<batch>``/``<claims>`` opening) and, for XML, before the closing tags.

Nothing is written when the file cannot be read (CL001 not located on a claim), when the
claims cannot be found again exactly, or on an internal error: :class:`SplitError`.
"""

from __future__ import annotations

import io
import itertools
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from claimlint.core.findings import Finding, Report, Severity, is_read_failure
from claimlint.core.model import Claim
from claimlint.readers.base import Source, Unparsable, sniff
from claimlint.report.output import atomic_write_many
from claimlint.running.engine import Engine
from claimlint.x12.layout import LayoutError, Piece, scan
from claimlint.x12.writer import ControlError, ControlNumbers, write_subset

__all__ = [
    "ClaimKey",
    "ClaimResult",
    "ControlNumbers",
    "SplitError",
    "Verdict",
    "claim_verdicts",
    "split_file",
    "split_source",
]

#: a claim: (file, 0-based ordinal of the claim among the claims read from that file)
ClaimKey = tuple[str, int]

REPORT_VERSION = "1"


class SplitError(Exception):
    """The file cannot be split (unreadable, claims not found again, bad control file).

    ``report``: the lint's report once the file was linted (when it could not be read, its
    CL001/CL1xx findings say where; ``claimlint serve`` answers it as a 422)."""

    def __init__(self, message: str, report: Report | None = None) -> None:
        super().__init__(message)
        self.report = report


@dataclass(slots=True)
class ClaimResult:
    """A claim read and the findings located on it (after suppressions)."""

    key: ClaimKey
    claim_id: str | None
    parsed: bool
    findings: list[Finding]
    #: where the claim starts: physical line (JSONL, CSV, XML)
    start_line: int | None = None
    #: CSV: the physical lines where the claim's rows start (an export need not be sorted
    #: by claim, so a claim's rows may lie anywhere in the file)
    rows: list[int] = field(default_factory=list)


@dataclass(slots=True)
class Verdict:
    key: ClaimKey
    claim_id: str | None
    held: bool
    parsed: bool
    #: the findings that hold the claim (at or above --fail-on), in order
    reasons: list[Finding] = field(default_factory=list)
    #: every finding located on the claim
    findings: list[Finding] = field(default_factory=list)

    @property
    def status(self) -> str:
        return "held" if self.held else "clean"


def verdict(result: ClaimResult, fail_on: Severity, batch: Iterable[Finding] = ()) -> Verdict:
    """Held or clean, from the claim's findings (and the batch's) only."""
    reasons = [f for f in result.findings if f.severity.rank >= fail_on.rank]
    reasons += [f for f in batch if f.severity.rank >= fail_on.rank]
    return Verdict(
        key=result.key,
        claim_id=result.claim_id,
        held=bool(reasons) or not result.parsed,
        parsed=result.parsed,
        reasons=reasons,
        findings=list(result.findings),
    )


def claim_verdicts(
    results: Iterable[ClaimResult],
    fail_on: Severity,
    batch: dict[str, list[Finding]] | None = None,
) -> dict[ClaimKey, Verdict]:
    """The verdict of every claim; ``batch`` holds the batch-level findings by file."""
    batch = batch or {}
    return {r.key: verdict(r, fail_on, batch.get(r.key[0], ())) for r in results}


@dataclass(slots=True)
class LintedFile:
    report: Report
    results: list[ClaimResult]
    #: findings of the file located on no claim
    batch: list[Finding]


def lint_claims(engine: Engine, source: Source) -> LintedFile:
    """Lint ``source`` with ``engine`` and attribute every finding to its claim.

    Findings the engine hands over with a claim are that claim's when they name its claim id
    (or it has none); findings that come later (batch rules at the end of the run) go to every
    claim of the file with their claim id; the rest are the batch's."""
    results: list[ClaimResult] = []

    def on_claim(item: Claim | Unparsable, found: list[Finding]) -> None:
        rows: set[int] = set()
        if isinstance(item, Claim):
            start = item.ref.line if item.ref is not None else None
            parsed = True
            rows.update(ln.ref.line for ln in item.lines if ln.ref is not None and ln.ref.line)
        else:
            start = None
            parsed = False
        # the rows the reader reported on (a broken row of the claim, an unparsable claim)
        rows.update(
            f.location.physical_line
            for f in found
            if f.location.physical_line and item.claim_id and f.location.claim_id == item.claim_id
        )
        if isinstance(item, Unparsable):
            rows.update(f.location.physical_line for f in item.findings if f.location.physical_line)
            start = min(rows) if rows else None
        elif start:
            rows.add(start)
        results.append(
            ClaimResult(
                (source.name, len(results)),
                item.claim_id,
                parsed,
                list(found),
                start,
                sorted(rows),
            )
        )

    engine.on_claim = on_claim
    try:
        report = engine.lint_sources([source])
    finally:
        engine.on_claim = None
    alive = {id(f) for f in report.findings}
    taken: set[int] = set()
    by_id: dict[str | None, list[ClaimResult]] = {}
    for r in results:
        kept = []
        for f in r.findings:
            cid = f.location.claim_id
            if id(f) in alive and (cid is None or r.claim_id is None or cid == r.claim_id):
                kept.append(f)
                taken.add(id(f))
        r.findings = kept
        by_id.setdefault(r.claim_id, []).append(r)
    batch: list[Finding] = []
    for f in report.findings:
        if id(f) in taken:
            continue
        owners = by_id.get(f.location.claim_id) if f.location.claim_id is not None else None
        if owners:
            for r in owners:
                r.findings.append(f)
        else:
            batch.append(f)
    return LintedFile(report, results, batch)


# -- finding the claims again in the file's bytes ------------------------------------------------


def _line_offsets(data: bytes) -> list[int]:
    """Offset of the start of each physical line (index 0 is line 1)."""
    offsets = [0]
    find = data.find
    pos = find(b"\n")
    while pos >= 0:
        offsets.append(pos + 1)
        pos = find(b"\n", pos + 1)
    return offsets


_XML_CLAIM_START = re.compile(rb"<(?:[\w.-]+:)?claim[\s>/]")
_XML_CLAIM_END = re.compile(rb"</(?:[\w.-]+:)?claim\s*>|<(?:[\w.-]+:)?claim\b[^>]*/>")


@dataclass(slots=True)
class _Slices:
    """A text format cut into: what comes before the claims, each claim, what comes after."""

    head: bytes
    claims: list[bytes]
    tail: bytes

    def join(self, keep: Iterable[int], sep: bytes = b"") -> bytes:
        return self.head + sep.join(self.claims[i] for i in keep) + self.tail


def _by_lines(data: bytes, results: list[ClaimResult], fmt: str) -> _Slices:
    starts = [r.start_line for r in results]
    if not results:
        return _Slices(data, [], b"")
    if any(s is None for s in starts):
        raise SplitError("a claim's position in the file is not known; it cannot be split")
    lines: list[int] = [s for s in starts if s is not None]
    if any(b <= a for a, b in itertools.pairwise(lines)):
        raise SplitError(
            "several claims start on the same line (or out of order); split needs one claim "
            "per line or more"
        )
    offsets = _line_offsets(data)
    if lines[-1] > len(offsets):
        raise SplitError("a claim starts after the end of the file")
    cut = [offsets[n - 1] for n in lines] + [len(data)]
    tail = b""
    if fmt == "xml":
        # a claim starts at its <claim> tag, on the line the reader gave (the tag may follow
        # <batch><claims> on the same line); the last one ends at its closing tag
        for k in range(len(lines)):
            m = _XML_CLAIM_START.search(
                data, cut[k], cut[k + 1] if k + 1 < len(lines) else len(data)
            )
            if m is None:
                raise SplitError(f"the <claim> element of claim {k + 1} was not found")
            cut[k] = m.start()
        ends = list(_XML_CLAIM_END.finditer(data, cut[-2]))
        last = ends[-1] if ends else None
        if last is None:
            raise SplitError("the last <claim> element is not closed")
        end = last.end()
        while end < len(data) and data[end : end + 1] in (b"\r", b"\n"):
            end += 1
        cut[-1] = end
        tail = data[end:]
    claims = [data[a:b] for a, b in itertools.pairwise(cut)]
    return _Slices(data[: cut[0]], claims, tail)


def _by_rows(data: bytes, results: list[ClaimResult]) -> _Slices:
    """A CSV export cut into its header and each claim's rows, wherever they lie (the reader
    groups the rows of a claim by its id, sorted or not). A physical line that starts no row of
    a claim continues the row before it (a quoted cell over several lines)."""
    if not results:
        return _Slices(data, [], b"")
    owner: dict[int, int] = {}
    for k, result in enumerate(results):
        if not result.rows:
            raise SplitError(
                f"the rows of claim {k + 1} in the file are not known; it cannot be split"
            )
        for n in result.rows:
            if owner.setdefault(n, k) != k:
                raise SplitError(f"line {n} is read as part of two claims; it cannot be split")
    offsets = _line_offsets(data)
    if max(owner) > len(offsets):
        raise SplitError("a claim's row lies after the end of the file")
    first = min(owner)
    parts: list[list[bytes]] = [[] for _ in results]
    current: int | None = None
    for n in range(first, len(offsets) + 1):
        end = offsets[n] if n < len(offsets) else len(data)
        piece = data[offsets[n - 1] : end]
        current = owner.get(n, current)
        if current is None or (n not in owner and not piece.strip()):
            continue  # an empty line between rows belongs to no claim
        parts[current].append(piece)
    return _Slices(data[: offsets[first - 1]], [b"".join(p) for p in parts], b"")


_WS = b" \t\r\n"


def _skip_ws(data: bytes, i: int) -> int:
    while i < len(data) and data[i] in _WS:
        i += 1
    return i


_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_TOKEN = re.compile(rb'["\[\]{}]')


def _value_end(data: bytes, i: int) -> int:
    """The offset after the JSON value that starts at ``i``."""
    c = data[i : i + 1]
    if c == b'"':
        m = _STRING.match(data, i)
        if m is None:
            raise SplitError("a JSON string is not closed")
        return m.end()
    if c in (b"{", b"["):
        depth = 0
        pos = i
        while True:
            m = _TOKEN.search(data, pos)
            if m is None:
                raise SplitError("a JSON object or array is not closed")
            t = m.group()
            if t == b'"':
                pos = _value_end(data, m.start())
                continue
            pos = m.end()
            depth += 1 if t in (b"{", b"[") else -1
            if depth == 0:
                return pos
    m = re.compile(rb"[^,\]}\s]+").match(data, i)
    if m is None:
        raise SplitError("a JSON value was expected")
    return m.end()


def _json_array(data: bytes, i: int) -> tuple[int, int, list[tuple[int, int]]]:
    """(offset of ``[``, offset of ``]``, spans of the elements) of the array at ``i``."""
    open_at = i
    items: list[tuple[int, int]] = []
    i = _skip_ws(data, i + 1)
    if data[i : i + 1] == b"]":
        return open_at, i, items
    while True:
        end = _value_end(data, i)
        items.append((i, end))
        i = _skip_ws(data, end)
        c = data[i : i + 1]
        if c == b"]":
            return open_at, i, items
        if c != b",":
            raise SplitError("the claims list is not valid JSON")
        i = _skip_ws(data, i + 1)


def _by_json(data: bytes, count: int) -> _Slices:
    i = _skip_ws(data, 3 if data.startswith(b"\xef\xbb\xbf") else 0)
    c = data[i : i + 1]
    if c == b"{":
        i = _skip_ws(data, i + 1)
        while data[i : i + 1] == b'"':
            key_end = _value_end(data, i)
            key = json.loads(data[i:key_end])
            i = _skip_ws(data, key_end)
            if data[i : i + 1] != b":":
                raise SplitError("the batch is not valid JSON")
            i = _skip_ws(data, i + 1)
            if key == "claims" and data[i : i + 1] == b"[":
                break
            i = _skip_ws(data, _value_end(data, i))
            if data[i : i + 1] == b",":
                i = _skip_ws(data, i + 1)
        else:
            raise SplitError("the batch has no 'claims' list")
    elif c != b"[":
        raise SplitError("the file is neither a JSON batch object nor a list of claims")
    open_at, close_at, items = _json_array(data, i)
    if len(items) != count:
        raise SplitError(f"{len(items)} claims in the claims list but {count} were read")
    return _Slices(
        data[: open_at + 1] + b"\n", [data[a:b] for a, b in items], b"\n" + data[close_at:]
    )


# -- the run ---------------------------------------------------------------------------------


@dataclass(slots=True)
class SplitResult:
    path: str
    format: str
    fail_on: Severity
    linted: LintedFile
    verdicts: dict[ClaimKey, Verdict]
    clean: bytes
    held: bytes
    #: the next control number (837D), to keep in the control file
    next_control: int | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def clean_keys(self) -> list[ClaimKey]:
        return [k for k, v in self.verdicts.items() if not v.held]

    @property
    def held_verdicts(self) -> list[Verdict]:
        return [v for v in self.verdicts.values() if v.held]


def split_file(
    engine: Engine, path: str, fail_on: Severity, numbers: ControlNumbers | None = None
) -> SplitResult:
    """Lint ``path`` and build the clean and held outputs (in memory; see :func:`write`)."""
    return split_source(engine, Source(name=path, path=Path(path)), fail_on, numbers)


def split_source(
    engine: Engine, source: Source, fail_on: Severity, numbers: ControlNumbers | None = None
) -> SplitResult:
    """:func:`split_file` for a :class:`Source`: a file, or bytes held in memory (a request's
    body in ``claimlint serve``; ``source.format`` names its format, else it is sniffed)."""
    path = source.name
    try:
        fmt = sniff(source)
    except OSError as exc:
        raise SplitError(f"cannot read {path}: {exc.strerror or exc}") from None
    if fmt is None:
        raise SplitError(
            f"cannot tell what kind of file {path} is; expected an 837D, JSON, JSONL, CSV or "
            "XML claim file"
        )
    linted = lint_claims(engine, source)
    if engine.errors:
        raise SplitError("; ".join(engine.errors))
    try:
        return _split_linted(source, fmt, linted, fail_on, numbers)
    except SplitError as exc:
        exc.report = exc.report or linted.report
        raise


def _split_linted(
    source: Source,
    fmt: str,
    linted: LintedFile,
    fail_on: Severity,
    numbers: ControlNumbers | None,
) -> SplitResult:
    path = source.name
    unread = [f for f in linted.batch if is_read_failure(f)]
    if unread:
        where = f" ({unread[0].location.describe()})" if unread[0].location.describe() else ""
        raise SplitError(f"{path}: {unread[0].message}{where}", linted.report)
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise SplitError(f"cannot read {path}: {exc.strerror or exc}") from None
    results = linted.results
    verdicts = claim_verdicts(results, fail_on, {path: linted.batch})
    clean = [r.key[1] for r in results if not verdicts[r.key].held]
    held = [r.key[1] for r in results if verdicts[r.key].held]
    notes: list[str] = []
    next_control = None
    if fmt == "x12":
        numbers = numbers or ControlNumbers()
        try:
            layout = scan(io.BytesIO(data))
        except LayoutError as exc:
            raise SplitError(f"{path}: {exc}") from None
        if len(layout.claims) != len(results):
            raise SplitError(
                f"{path}: {len(layout.claims)} CLM segments but {len(results)} claims read; "
                "the claims cannot be matched to their segments"
            )
        for loop, r in zip(layout.claims, results, strict=True):
            if r.claim_id is not None and loop.claim_id.strip() != r.claim_id.strip():
                raise SplitError(
                    f"{path}: claim {r.key[1] + 1} is {r.claim_id!r} but its CLM01 says "
                    f"{loop.claim_id!r}; the claims cannot be matched to their segments"
                )

        def read(piece: Piece) -> bytes:
            return data[piece.start : piece.end]

        try:
            clean_out = write_subset(layout, set(clean), read, numbers)
            held_out = write_subset(layout, set(held), read, numbers)
        except ControlError as exc:
            raise SplitError(str(exc)) from None
        next_control = numbers.next
    elif fmt == "json":
        slices = _by_json(data, len(results))
        sep = b",\n"
        clean_out = slices.join(clean, sep)
        held_out = slices.join(held, sep)
    elif fmt == "csv":
        slices = _by_rows(data, results)
        if slices.claims and not slices.claims[-1].endswith(b"\n"):
            slices.claims[-1] += b"\r\n" if slices.claims[0].endswith(b"\r\n") else b"\n"
        clean_out = slices.join(clean)
        held_out = slices.join(held)
    else:
        slices = _by_lines(data, results, fmt)
        if fmt in ("jsonl", "csv") and slices.claims and not slices.claims[-1].endswith(b"\n"):
            slices.claims[-1] += b"\r\n" if slices.claims[0].endswith(b"\r\n") else b"\n"
        clean_out = slices.join(clean)
        held_out = slices.join(held)
    return SplitResult(
        path, fmt, fail_on, linted, verdicts, clean_out, held_out, next_control, notes
    )


# -- the held-claims report ---------------------------------------------------------------------


def _finding(f: Finding) -> dict[str, Any]:
    return {
        "code": f.code,
        "name": f.name,
        "severity": f.severity.value,
        "message": f.message,
        "location": f.location.to_dict(),
        "fingerprint": f.fingerprint,
    }


def report_dict(result: SplitResult, clean_path: str, held_path: str) -> dict[str, Any]:
    """The held-claims report: counts, and for each held claim the findings that hold it.
    Claim ids, rule codes and messages only (no values: no PHI)."""
    held = result.held_verdicts
    return {
        "version": REPORT_VERSION,
        "input": result.path,
        "format": result.format,
        "fail_on": result.fail_on.value,
        "claims": {
            "read": len(result.verdicts),
            "clean": len(result.verdicts) - len(held),
            "held": len(held),
        },
        "outputs": {"clean": clean_path, "held": held_path},
        "batch_findings": [
            _finding(f) for f in result.linted.batch if f.severity.rank >= result.fail_on.rank
        ],
        "held": [
            {
                "claim": v.key[1] + 1,
                "claim_id": v.claim_id,
                "parsed": v.parsed,
                "reasons": [_finding(f) for f in v.reasons],
            }
            for v in held
        ],
    }


def report_text(result: SplitResult, clean_path: str, held_path: str) -> str:
    held = result.held_verdicts
    total = len(result.verdicts)
    lines = [
        f"{result.path}: {total:,} claims: {total - len(held):,} clean → {clean_path}, "
        f"{len(held):,} held → {held_path} (held at --fail-on {result.fail_on.value})"
    ]
    batch = [f for f in result.linted.batch if f.severity.rank >= result.fail_on.rank]
    if batch:
        lines.append("batch findings (they hold every claim of the file):")
        for f in batch:
            where = f.location.describe()
            lines.append(
                f"  {f.code} {f.severity.value}: {f.message}" + (f" [{where}]" if where else "")
            )
    for v in held:
        name = v.claim_id if v.claim_id is not None else "(no claim id)"
        lines.append(f"held claim {v.key[1] + 1} {name}:")
        if not v.parsed:
            lines.append("  could not be parsed")
        for f in v.reasons:
            if f in batch:
                continue
            lines.append(f"  {f.code} {f.severity.value}: {f.message}")
    return "\n".join(lines) + "\n"


# -- writing -------------------------------------------------------------------------------------


def read_control_file(path: str) -> int:
    """The next control number kept in ``path`` (1 when the file does not exist yet)."""
    p = Path(path)
    if not p.exists():
        return 1
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
        n = data["next"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SplitError(
            f'{path}: not a control-number file ({type(exc).__name__}); expected {{"next": N}}'
        ) from None
    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise SplitError(f"{path}: 'next' must be a positive whole number, not {n!r}")
    return n


def _bytes_writer(data: bytes) -> Callable[[TextIO], None]:
    def write(fh: TextIO) -> None:
        fh.flush()
        fh.buffer.write(data)

    return write


def _text_writer(text: str) -> Callable[[TextIO], None]:
    def write(fh: TextIO) -> None:
        fh.write(text)

    return write


def write(
    result: SplitResult,
    clean_path: str,
    held_path: str,
    *,
    report_path: str | None = None,
    control_file: str | None = None,
) -> None:
    """Write the outputs (and the report, and the next control number) all or nothing."""
    jobs: list[tuple[Path, Callable[[TextIO], object]]] = [
        (Path(clean_path), _bytes_writer(result.clean)),
        (Path(held_path), _bytes_writer(result.held)),
    ]
    if report_path:
        text = json.dumps(report_dict(result, clean_path, held_path), indent=2) + "\n"
        jobs.append((Path(report_path), _text_writer(text)))
    if control_file and result.next_control is not None:
        state = json.dumps({"next": result.next_control}) + "\n"
        jobs.append((Path(control_file), _text_writer(state)))
    atomic_write_many(jobs)
