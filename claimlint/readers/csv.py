"""CSV reader: one row per service line, rows grouped into claims by the claim id column.

Decisions (also in README.md, "CSV: one row per service line"):

* **Grouping.** Rows are grouped by claim id wherever they are, in two passes. The first
  pass (``_CsvReader.scan``) tokenises the file and notes, for each claim id, the record of its
  first row and the byte ranges of its later *runs* (rows of the claim that come after other
  claims' rows); the index spills to a temporary SQLite file past 50,000 claims
  (claimlint/core/spill.py). The second pass streams the file in order as before; when the first
  run of a claim ends, its later runs are read by seeking (``_later_rows``), so the claim is
  complete and claims come out in order of first appearance; the later runs are skipped when
  the main pass reaches them. A sorted export has no later runs and the second pass is a plain
  sequential read. A pipe is spooled to a temporary file. Claim-level columns may be blank on
  the later rows of a claim (they inherit the first row's value); a *different* non-blank
  value is a CL002 conflict. Notes, attachments and missing teeth may differ between rows:
  all distinct values are kept.
* **Rows.** A row that is not a service line at all (ragged, binary data, broken quoting, a
  bare CR in an unquoted cell, a cell over the csv module's 131,072-character limit) is
  *broken*: none of its cells is parsed or shown. When the problem's column is after the claim
  id column, the id is trusted: the row is that claim's, grouped by its id like any other row
  wherever it is (the first pass indexes it), so the claim is counted once and not linted,
  with one CL002 per broken row, whatever the row order. Otherwise its
  first cell is not trusted as a claim id: when it equals the claim id of the row before or
  after it, the row is one CL002 on that claim, which becomes unparsable; otherwise it is a
  file-level CL002 ("row N cannot be read") and is not counted as a claim. A record broken over
  several lines (a quote not closed where it should be) is cut back to its first line and the
  other lines are read again as rows, so nothing is lost. A well-formed row with a bad value is
  still read: the value is one finding at its cell (CL002, or CL204/CL205/CL112 through the
  model) and the claim is linted without it; the claim id and the procedure code are the only
  values whose absence makes a claim unparsable.
* **Encoding.** Each physical line is decoded as UTF-8 (a leading BOM is dropped); a line that
  is not valid UTF-8 is decoded as Windows-1252. A file that is UTF-8 in some lines and
  Windows-1252 in others gets one CL001 *warning* at the first line that switched. A mapping
  may fix the encoding instead. A UTF-16 or UTF-32 byte order mark is unambiguous: the file is
  decoded into a temporary UTF-8 copy (same lines) and read from it.
* **Line endings.** LF and CRLF; a file with CR-only line endings (old Mac: bare CRs and no LF
  in its first 64 KiB) is split at CRs. Among LF rows a bare CR in an unquoted cell is a
  broken row.
* **Dialect.** The delimiter comes from the mapping, else ``.tsv`` means tab, else
  ``csv.Sniffer`` on the first 64 KiB (comma, semicolon, tab or pipe), checked against the
  header line; comma when in doubt.
* **Columns.** Unknown columns are one CL003 warning per file, on the header row; header
  cells are echoed only when they look like column names and no header cell looks like data
  (a header that runs into a data row would otherwise print PHI). A missing
  ``claim_id`` or ``code`` column makes the file unreadable (CL001) with a hint when the header
  matches a built-in mapping.
* **Teeth.** ``#30`` and ``30`` are the same; with ``tooth_numbering = "iso"`` ISO 3950 numbers
  are converted to Universal and the original kept in ``ToothEntry.original``.

Models are built with the fast constructors (``claimlint.core.construct``) after the values
were checked here, and cell positions are built only when a finding needs one, which keeps the
reader fast (tens of thousands of rows per second).
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import datetime as dt
import io
import logging
import re
import shutil
import tempfile
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from claimlint.core.catalogue import (
    DATE_OF_SERVICE,
    SCHEMA_VIOLATION,
    UNKNOWN_COLUMN,
    UNREADABLE_FILE,
    Rule,
)
from claimlint.core.construct import Constructors
from claimlint.core.findings import Finding, Severity
from claimlint.core.model import (
    Attachment,
    Claim,
    LazyPositions,
    LazyRef,
    MemberBenefits,
    MissingTooth,
    Note,
    Person,
    Provider,
    ServiceLine,
    SourceRef,
    ToothEntry,
    position,
    split_surfaces,
)
from claimlint.core.spill import FirstSeen, SpilledLists
from claimlint.dental.teeth import iso_to_universal as _dental_iso_to_universal
from claimlint.readers._values import (
    clean_tooth,
    iso_to_universal,
    parse_amount,
    parse_bool,
    parse_date_text,
    parse_int,
    parse_placement,
    split_list,
)
from claimlint.readers.areas import fix_areas
from claimlint.readers.base import ReadItem, ReadOptions, Source, Unparsable
from claimlint.readers.json import bom_codec
from claimlint.readers.mappings import (
    CLAIM_FIELDS,
    MULTI_VALUED,
    REQUIRED,
    Mapping,
    MappingError,
    guess_builtin,
    load_mapping,
)

log = logging.getLogger(__name__)

HEAD_SIZE = 65536
_DELIMITERS = ",;\t|"
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")

# CSV column -> (claim attribute path, ref key). Paths with a dot go into a nested model.
_CLAIM_TARGETS: dict[str, str] = {
    "claim_id": "claim_id",
    "payer_id": "payer_id",
    "plan_id": "plan_id",
    "billing_npi": "billing_provider.npi",
    "billing_tax_id": "billing_provider.tax_id",
    "billing_postal_code": "billing_provider.postal_code",
    "billing_name": "billing_provider.name",
    "rendering_npi": "rendering_provider.npi",
    "subscriber_id": "subscriber.member_id",
    "subscriber_first_name": "subscriber.first_name",
    "subscriber_last_name": "subscriber.last_name",
    "subscriber_birth_date": "subscriber.birth_date",
    "patient_id": "patient.member_id",
    "patient_first_name": "patient.first_name",
    "patient_last_name": "patient.last_name",
    "patient_birth_date": "patient.birth_date",
    "patient_is_subscriber": "patient_is_subscriber",
    "date_of_service": "date_of_service",
    "total_charge": "total_charge",
    "place_of_service": "place_of_service",
    "frequency_code": "frequency_code",
    "original_claim_number": "original_claim_number",
    "predetermination": "predetermination",
    "coverage_start": "benefits.coverage_start",
    "coverage_end": "benefits.coverage_end",
    "deductible_met": "benefits.deductible_met",
    "deductible_remaining": "benefits.deductible_remaining",
    "maximum_used": "benefits.maximum_used",
    "waiting_period_start": "benefits.waiting_period_start",
    "benefits_as_of": "benefits.as_of",
}
#: the member's own benefit columns: dates must be real dates, amounts 0 or more (a bad value
#: is a CL002 at its cell and read as missing; there is no later rule to judge it)
_BENEFIT_DATES = {"coverage_start", "coverage_end", "waiting_period_start", "benefits_as_of"}
_BENEFIT_AMOUNTS = {"deductible_met", "deductible_remaining", "maximum_used"}
_LINE_TARGETS: dict[str, str] = {
    "line_number": "line_number",
    "code": "code",
    "charge": "charge",
    "tooth": "tooth",
    "surfaces": "surfaces",
    "quantity": "quantity",
    "line_date_of_service": "date_of_service",
    "placement": "placement",
    "prior_placement_date": "prior_placement_date",
    "oral_cavity": "oral_cavity",
    "note": "note",
}
_PHI = {
    "subscriber_id",
    "subscriber_first_name",
    "subscriber_last_name",
    "subscriber_birth_date",
    "patient_id",
    "patient_first_name",
    "patient_last_name",
    "patient_birth_date",
}
_DATES = {"subscriber_birth_date", "patient_birth_date", "date_of_service"}
# columns whose values may hold line breaks (free text)
_TEXT_COLUMNS = {"claim_note", "note", "billing_name", "attachment_control_number"}
_SERVICE_DATES = {"date_of_service", "line_date_of_service"}
#: the largest line number read (X12 LX01 has at most 6 digits) and the largest quantity;
#: bounds keep every value a 64-bit integer in every output format
MAX_NUMBER = 999_999
MAX_QUANTITY = 9_999


def _bounded(value: int, text: str, what: str, maximum: int = MAX_NUMBER) -> int:
    if value > maximum:
        shown = text.strip()
        shown = shown if len(shown) <= 12 else f"{shown[:12]}... ({len(shown)} characters)"
        raise ValueError(f"{shown!r} is too large for {what} (at most {maximum:,})")
    return value


_INTEGRAL_FLOAT = re.compile(r"([0-9]+)\.0+")


def _tooth_text(text: str) -> str | None:
    """``#30``, ``30`` and the spreadsheet forms ``30.0``/``30.00`` are tooth 30."""
    tooth = clean_tooth(text)
    if tooth is not None:
        match = _INTEGRAL_FLOAT.fullmatch(tooth)
        if match:
            return match.group(1)
    return tooth


class _AmbiguousDate(ValueError):
    """A date that is not unambiguous without the mapping's ``date_format``."""


_SLASH_DATE = re.compile(r"([0-9]{1,2})([/.-])([0-9]{1,2})\2([0-9]{2}|[0-9]{4})")
_ISO_DATE_TIME = re.compile(r"([0-9]{4})([-/])([0-9]{1,2})\2([0-9]{1,2})(?:[ T][0-9:.]+)?")
_TIME = re.compile(r"\s+[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?(?:\s*[AaPp][Mm])?")


def _parse_date(text: str, fmt: str | None) -> dt.date | str | None:
    """A date in ``fmt`` or ISO/CCYYMMDD, else an unambiguous spreadsheet form, else the text.

    Without ``fmt``: ``2025-06-02 00:00:00`` and ``2025/06/02`` are read; ``06/22/2025`` is
    month first and ``22/06/2025`` day first because only one reading is a date; ``06/02/2025``
    could be either and raises ``_AmbiguousDate`` (the mapping should say).
    """
    raw = text.strip()
    if not raw:
        return None
    value = parse_date_text(raw, fmt)
    if not isinstance(value, str) or fmt:
        return value
    match = _ISO_DATE_TIME.fullmatch(raw)
    if match:
        try:
            return dt.date(int(match.group(1)), int(match.group(3)), int(match.group(4)))
        except ValueError:
            return raw
    match = _SLASH_DATE.fullmatch(_TIME.sub("", raw))
    if not match:
        return raw
    first, second, year_text = int(match.group(1)), int(match.group(3)), match.group(4)
    if len(year_text) == 2:
        raise _AmbiguousDate("has a two-digit year")
    year = int(year_text)
    readings = set()
    for month, day in ((first, second), (second, first)):
        try:
            readings.add(dt.date(year, month, day))
        except ValueError:
            continue
    if len(readings) == 1:
        return readings.pop()
    if not readings:
        return raw
    raise _AmbiguousDate("could be month/day or day/month")


def read_csv(source: Source, options: ReadOptions) -> Iterator[ReadItem]:
    """Stream claims from a CSV/TSV export (see the module docstring for the rules)."""
    spec = options.csv_mapping or options.extra.get("csv_mapping")
    try:
        mapping = load_mapping(spec)
    except MappingError as exc:
        yield UNREADABLE_FILE.make(str(exc), file=source.name)
        return
    system = options.tooth_system or mapping.tooth_numbering
    try:
        fh = source.open()
    except OSError as exc:
        yield UNREADABLE_FILE.make(
            f"Cannot open the file: {exc.strerror or exc}.", file=source.name
        )
        return
    with fh:
        if not fh.seekable():  # a pipe: spool to a temporary file, read twice
            spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed below
            shutil.copyfileobj(fh, spool)
            spool.seek(0)
            fh = spool
        found = bom_codec(fh.read(4))
        fh.seek(0)
        if found is not None:  # UTF-16/32 (its byte order mark): read a UTF-8 copy
            codec, label, skip = found
            copy = tempfile.TemporaryFile()  # noqa: SIM115 - closed below
            fh.seek(skip)
            ok = _transcode(fh, copy, codec)
            fh.close()
            fh = copy
            if not ok:
                fh.close()
                yield UNREADABLE_FILE.make(
                    f"The file starts with a {label} byte order mark but is not valid {label} "
                    "text; no claim in it was linted. Save or export it as 'CSV UTF-8'.",
                    ref=SourceRef(file=source.name, field=None, line=1),
                )
                return
            fh.seek(0)
            if mapping.encoding is not None:  # the byte order mark says the encoding
                mapping = dataclasses.replace(mapping, encoding=None)
        with fh:
            index = _CsvReader(source, mapping, system).scan(fh)
            try:
                fh.seek(0)
                yield from _CsvReader(source, mapping, system).run(fh, index)
            finally:
                if index is not None:
                    index.close()


def _transcode(src: BinaryIO, dst: BinaryIO, codec: str) -> bool:
    """Copy ``src`` decoded from ``codec`` to ``dst`` as UTF-8; False if it does not decode."""
    decoder = codecs.getincrementaldecoder(codec)("strict")
    try:
        while True:
            chunk = src.read(1 << 16)
            dst.write(decoder.decode(chunk, final=not chunk).encode("utf-8"))
            if not chunk:
                return True
    except (UnicodeDecodeError, UnicodeEncodeError):
        return False


# -- physical lines -------------------------------------------------------------------------


def _line_end(head: bytes) -> bytes:
    """``b"\\r"`` for a file with CR-only line endings (old Mac): bare CRs and no LF at all in
    its first 64 KB; else ``b"\\n"`` (then a bare CR in an unquoted cell is a broken row)."""
    return b"\r" if b"\r" in head and b"\n" not in head else b"\n"


def _raw_lines(head: bytes, fh: BinaryIO, end: bytes = b"\n") -> Iterator[bytes]:
    if end != b"\n":
        yield from _split_lines(head, fh, end)
        return
    pending = b""
    for line in io.BytesIO(head):
        if line.endswith(b"\n"):
            yield line
        else:
            pending = line
    for line in fh:
        if pending:
            line, pending = pending + line, b""
        yield line
    if pending:
        yield pending


def _split_lines(head: bytes, fh: BinaryIO, end: bytes) -> Iterator[bytes]:
    """The lines of ``head`` and then ``fh``, each with its ``end`` (CR-only files)."""
    parts: list[bytes] = []
    chunk = head
    while chunk:
        if end in chunk:
            pieces = chunk.split(end)
            yield b"".join(parts) + pieces[0] + end
            for piece in pieces[1:-1]:
                yield piece + end
            parts = [pieces[-1]]
        else:
            parts.append(chunk)
        chunk = fh.read(1 << 16)
    tail = b"".join(parts)
    if tail:
        yield tail


class _Lines:
    """Decoded physical lines for ``csv.reader``; remembers the lines of the current record.

    Each line is kept as ``(line number, text, byte offset, byte size)``. Lines pushed to
    ``pending`` are read again first (recovery after an unterminated quote).
    """

    def __init__(
        self, reader: _CsvReader, raw: Iterator[bytes], lineno: int = 0, offset: int = 0
    ) -> None:
        self.reader = reader
        self.raw = raw
        self.lineno = lineno
        self.offset = offset
        self.pending: deque[_Phys] = deque()
        self.current: list[_Phys] = []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self.pending:
            item = self.pending.popleft()
        else:
            raw = next(self.raw)
            self.lineno += 1
            item = (self.lineno, self.reader.decode(raw, self.lineno), self.offset, len(raw))
            self.offset += len(raw)
        self.current.append(item)
        return item[1]

    def take(self) -> list[_Phys]:
        lines, self.current = self.current, []
        return lines


_Phys = tuple[int, str, int, int]
_Problem = tuple[int | None, str, dict[str, str]]


# -- rows and claims ------------------------------------------------------------------------


@dataclass(slots=True)
class _Row:
    number: int
    line: int
    claim_id: str | None
    values: dict[str, Any] = field(default_factory=dict)  # canonical column -> parsed value
    # canonical column -> its position (lazy: built when a finding needs it)
    refs: dict[str, SourceRef | LazyRef] = field(default_factory=dict)
    ref: SourceRef | LazyRef | None = None
    broken: bool = False  # not readable as a service line (ragged, binary, bad quoting)
    # cells whose value is bad: (column index, message, evidence, rule); the row is still read
    bad: list[tuple[int, str, dict[str, str], Rule]] = field(default_factory=list)
    error_column: int | None = None  # column where a broken row's problem is, when known


@dataclass(slots=True)
class _Group:
    claim_id: str
    first: _Row
    rows: list[_Row] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # the claim cannot be built
    notes: list[Finding] = field(default_factory=list)  # bad values; the claim is still built
    claim_values: dict[str, tuple[Any, _Row]] = field(default_factory=dict)
    # these rows were already read with the claim's first rows further up (unsorted export)
    skip: bool = False


@dataclass(slots=True)
class _Run:
    """Consecutive rows of one claim (broken and blank rows in between do not end a run)."""

    key: str
    start: int  # byte offset of its first row
    end: int  # byte offset after its last row
    record: int  # record number of its first row
    line: int  # physical line of its first row


class _Index:
    """Where the rows of each claim are, from a first pass over the file.

    ``first`` maps a claim id to the record number of its first row; ``later`` lists the
    byte ranges of the claim's rows that come after other claims' rows (an export not sorted
    by claim). Both spill to a temporary SQLite file on very large files (claimlint/core/spill.py).
    """

    def __init__(self) -> None:
        self.first = FirstSeen()
        self.later = SpilledLists()
        self.unsorted = False

    def add(self, run: _Run) -> None:
        earlier = self.first.first((run.key,), (run.record,))
        if earlier is not None:
            self.unsorted = True
            self.later.add(run.key, (run.start, run.end, run.record, run.line))

    def first_record(self, key: str) -> int | None:
        value = self.first.get((key,))
        return None if value is None else int(value[0])

    def close(self) -> None:
        self.first.close()
        self.later.close()


class _CsvReader:
    def __init__(self, source: Source, mapping: Mapping, system: str) -> None:
        self.source = source
        self.name = source.name
        self.mapping = mapping
        self.system = system
        self.notices: list[Finding] = []
        self.junk_lines: set[int] = set()
        self.first_utf8: int | None = None
        self.first_cp1252: int | None = None
        self.bad_encoding_line: int | None = None
        self.mixed_reported = False
        self.encoding = mapping.encoding or "utf-8"
        self.columns: list[str | None] = []  # column index -> canonical field (None: unused)
        self.headers: list[str] = []
        self.width = 0
        self.claim_column: int | None = None
        # broken rows waiting for the next readable row (they may belong to its claim)
        self.pending: list[tuple[_Row, list[_Problem]]] = []
        self.delimiter = ","
        self.index: _Index | None = None  # set when the export is not sorted by claim id
        self.fh: BinaryIO | None = None
        self.line_end = b"\n"  # b"\r" for a file with CR-only line endings

    # -- decoding ---------------------------------------------------------------------------

    def decode(self, raw: bytes, lineno: int) -> str:
        if lineno == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
            if self.mapping.encoding is None:
                self.encoding = "utf-8-sig"
        if self.mapping.encoding is not None:
            try:
                text = raw.decode(self.mapping.encoding)
            except UnicodeDecodeError:
                text = raw.decode(self.mapping.encoding, errors="replace")
                if self.bad_encoding_line is None:
                    self.bad_encoding_line = lineno
                    self.notices.append(
                        UNREADABLE_FILE.make(
                            f"Line {lineno} is not valid {self.mapping.encoding} (the encoding "
                            "the mapping declares); unreadable characters were replaced. "
                            "Re-export the file in that encoding or change the mapping.",
                            ref=self._line_ref(lineno),
                            severity=Severity.WARNING,
                        )
                    )
        else:
            try:
                text = raw.decode("utf-8")
                if self.first_utf8 is None and not raw.isascii():
                    self.first_utf8 = lineno
            except UnicodeDecodeError:
                text = raw.decode("cp1252", errors="replace")
                if self.first_cp1252 is None:
                    self.first_cp1252 = lineno
            if (
                not self.mixed_reported
                and self.first_utf8 is not None
                and self.first_cp1252 is not None
            ):
                self.mixed_reported = True
                self.encoding = "mixed"
                self.notices.append(self._mixed_notice(lineno))
            elif self.first_cp1252 is not None and self.encoding != "mixed":
                self.encoding = "cp1252"
        if _CONTROL_RE.search(text):
            self.junk_lines.add(lineno)
            text = _CONTROL_RE.sub("", text)
        return text

    def _mixed_notice(self, lineno: int) -> Finding:
        assert self.first_utf8 is not None and self.first_cp1252 is not None
        if self.first_cp1252 > self.first_utf8:
            detail = (
                f"line {self.first_cp1252} is not valid UTF-8 and was read as Windows-1252, "
                f"but line {self.first_utf8} is UTF-8"
            )
        else:
            detail = (
                f"line {self.first_cp1252} was read as Windows-1252 (not valid UTF-8), "
                f"but line {self.first_utf8} is UTF-8"
            )
        return UNREADABLE_FILE.make(
            f"The file mixes text encodings: {detail}. Accented names and notes may be "
            "garbled; re-export the whole file as UTF-8.",
            ref=self._line_ref(lineno),
            severity=Severity.WARNING,
        )

    def _line_ref(self, lineno: int, field: str | None = None) -> SourceRef:
        return SourceRef(file=self.name, field=field, pointer=None, line=lineno)

    # -- the run ----------------------------------------------------------------------------

    def _start(self, fh: BinaryIO) -> tuple[bytes | None, Finding | None]:
        try:
            head = fh.read(HEAD_SIZE)
        except OSError as exc:
            return None, UNREADABLE_FILE.make(f"Cannot read the file: {exc}.", file=self.name)
        problem = _binary_problem(head)
        if problem:
            return None, UNREADABLE_FILE.make(problem, ref=self._line_ref(1))
        if not head.strip():
            return None, UNREADABLE_FILE.make(
                "The file is empty: a CSV export needs a header row and one row per service line.",
                ref=self._line_ref(1),
            )
        self.line_end = _line_end(head)
        return head, None

    def _tokens(self, lines: _Lines) -> Iterator[tuple[list[_Phys], list[str], _Problem | None]]:
        """The records of ``lines``: (physical lines, cells, structural problem or None).

        A record that is broken over several lines (a quote opened and not closed where it
        should be) is cut back to its first line and the other lines are read again as rows,
        so that one stray quote never swallows the rest of the file.
        """
        reader = csv.reader(lines, delimiter=self.delimiter, quotechar='"', strict=True)
        while True:
            error: str | None = None
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                error = str(exc)
                row = []
            span = lines.take()
            if not span:  # pragma: no cover - defensive
                continue
            if len(span) > 1 and (
                error is not None or (self.width and (self._ragged(row) or self._swallowed(row)))
            ):
                lines.pending.extend(span[1:])
                span = span[:1]
                column = self._open_quote_column(span[0][1])
                where = f" (in column {column + 1})" if column is not None else ""
                yield (
                    span,
                    row,
                    (
                        column,
                        f"a quote opened in this row{where} is not closed where it should be "
                        f"(unterminated quote); the lines after it were read again as rows",
                        {},
                    ),
                )
                continue
            if error is None:
                yield span, row, None
                continue
            yield span, row, self._csv_problem(error, span)

    def _lenient(self, text: str) -> list[str]:
        """The cells of one physical line, read without failing (for broken rows)."""
        text = text.rstrip("\r\n").replace("\r", " ")
        limit = csv.field_size_limit()
        csv.field_size_limit(max(limit, len(text) + 1))
        try:
            return next(csv.reader([text], delimiter=self.delimiter, strict=False), [])
        except csv.Error:  # pragma: no cover - a single line without line breaks always reads
            return []
        finally:
            csv.field_size_limit(limit)

    def _open_quote_column(self, text: str) -> int | None:
        cells = self._lenient(text)
        return len(cells) - 1 if cells and '"' in text else None

    def _csv_problem(self, error: str, span: list[_Phys]) -> _Problem:
        text = span[0][1]
        if "field larger than field limit" in error:
            cells = self._lenient(text)
            limit = csv.field_size_limit()
            column = next((i for i, c in enumerate(cells) if len(c) > limit), None)
            if column is None:
                column = self._open_quote_column(text)
            return (
                column,
                f"a value is longer than {limit:,} characters, the most a CSV cell may hold "
                "here (or a quote is never closed)",
                {},
            )
        if "new-line character seen in unquoted field" in error:
            stripped = text.rstrip("\r\n")
            cells = self._lenient(stripped.replace("\r", "\x00"))
            column = next((i for i, c in enumerate(cells) if "\x00" in c), None)
            return (
                column,
                "a value that is not in quotes contains a carriage return (CR) character; "
                "remove it or quote the value",
                {},
            )
        if "unexpected end of data" in error:
            return (
                self._open_quote_column(text),
                "a quote opened in this row is never closed (unterminated quote)",
                {},
            )
        return (None, f"the row is not valid CSV ({error}); check the quotes in it", {})

    def _swallowed(self, row: list[str]) -> bool:
        """A record over several lines whose line breaks are not those of a text value: a
        quote that closes far below and swallowed whole rows (a break in a code or amount
        column, or a swallowed line with a delimiter per column)."""
        for index, cell in enumerate(row):
            if "\n" not in cell and "\r" not in cell:
                continue
            name = self.columns[index] if index < len(self.columns) else None
            if name is not None and name not in _TEXT_COLUMNS:
                return True
            if any(ln.count(self.delimiter) >= self.width - 1 for ln in cell.splitlines()):
                return True
        return False

    def _ragged(self, row: list[str]) -> bool:
        if len(row) == self.width:
            return False
        return len(row) < self.width or any(cell.strip() for cell in row[self.width :])

    def _structural(
        self, row: list[str], span: list[_Phys], error: _Problem | None
    ) -> list[_Problem]:
        """Why a record is not a service line at all (broken), or []."""
        problems: list[_Problem] = []
        if error is not None:
            problems.append(error)
        junk = [n for n, _, _, _ in span if n in self.junk_lines]
        if junk:
            problems.append(
                (
                    None,
                    f"line {junk[0]} contains binary data (NUL or control characters), so the "
                    "row cannot be trusted",
                    {},
                )
            )
        if error is None and self._ragged(row):
            problems.append(
                (
                    None,
                    f"the row has {len(row)} values but the header has {self.width} columns "
                    "(ragged row: a missing or extra delimiter, or an unquoted delimiter "
                    "inside a value)",
                    {},
                )
            )
        return problems

    def _records(
        self, fh: BinaryIO, head: bytes
    ) -> Iterator[Finding | tuple[int, list[_Phys], list[str], _Problem | None]]:
        """Header findings, then (record number, lines, cells, problem) of each data row."""
        lines = _Lines(self, _raw_lines(head, fh, self.line_end))
        record = 0
        header_done = False
        for span, row, error in self._tokens(lines):
            yield from self._drain()
            record += 1
            start = span[0][0]
            if not header_done:
                if error is not None:
                    yield UNREADABLE_FILE.make(
                        f"The header row cannot be read: {error[1]}.", ref=self._line_ref(start)
                    )
                    return
                if not row or not any(cell.strip() for cell in row):
                    continue
                header_done = True
                items = list(self._header(row, start))
                yield from items
                if any(isinstance(i, Finding) and i.code == UNREADABLE_FILE.code for i in items):
                    return
                continue
            if error is None and (not row or not any(cell.strip() for cell in row)):
                continue  # blank row
            yield record, span, row, error
        yield from self._drain()

    def _key(
        self, row: list[str], span: list[_Phys], error: _Problem | None, last: str | None
    ) -> str | None:
        """The claim id a row belongs to: a readable row's, or a broken row's when the id
        comes before the broken cell (trusted, see ``_trusted_id``); else None (a broken row
        whose id is not trusted, or a blank id)."""
        if self._structural(row, span, error):
            return self._trusted_key(error, span)
        column = self.claim_column
        key = row[column].strip() if column is not None and column < len(row) else ""
        if not key and self.mapping.fill_down:
            return last
        return key or None

    def _trusted_key(self, error: _Problem | None, span: list[_Phys]) -> str | None:
        """The claim id of a broken row when it comes before the broken cell (as in
        ``_parse_row`` and ``_trusted_id``), else None."""
        column = self.claim_column
        if error is None or error[0] is None or column is None or error[0] <= column:
            return None
        cells = self._lenient(span[0][1])
        key = cells[column].strip() if column < len(cells) else ""
        return key or None

    def scan(self, fh: BinaryIO) -> _Index | None:
        """First pass: where each claim's rows are (see ``_Index``); None when unreadable."""
        head, _ = self._start(fh)
        if head is None:
            return None
        self.delimiter = self._delimiter(head)
        index = _Index()
        run: _Run | None = None
        last: str | None = None
        for item in self._records(fh, head):
            if isinstance(item, Finding):
                if item.code == UNREADABLE_FILE.code and item.severity == Severity.ERROR:
                    index.close()
                    return None
                continue
            record, span, row, error = item
            key = self._key(row, span, error, last)
            if key is None:
                continue  # broken rows and blank ids do not end a run (as when grouping)
            last = key
            end = span[-1][2] + span[-1][3]
            if run is not None and run.key == key:
                run.end = end
                continue
            if run is not None:
                index.add(run)
            run = _Run(key=key, start=span[0][2], end=end, record=record, line=span[0][0])
        if run is not None:
            index.add(run)
        self.notices = []
        return index

    def run(self, fh: BinaryIO, index: _Index | None = None) -> Iterator[ReadItem]:
        self.index = index if index is not None and index.unsorted else None
        self.fh = fh
        head, problem = self._start(fh)
        if head is None:
            assert problem is not None
            yield problem
            return
        self.delimiter = self._delimiter(head)
        group: _Group | None = None
        for item in self._records(fh, head):
            if isinstance(item, Finding):
                yield item
                continue
            record, span, row, error = item
            parsed, problems = self._parse_row(row, record, span, error)
            for out in self._group(parsed, problems, group):
                if isinstance(out, _Group):
                    group = out
                else:
                    yield out
        if group is not None:
            yield from self._finish(group)
        yield from self._flush_pending(None)
        yield from self._drain()
        log.debug("%s: read as %s with delimiter %r", self.name, self.encoding, self.delimiter)

    def _drain(self) -> Iterator[Finding]:
        if self.notices:
            items, self.notices = self.notices, []
            yield from items

    def _delimiter(self, head: bytes) -> str:
        if self.mapping.delimiter:
            return self.mapping.delimiter
        if self.source.path is not None and self.source.path.suffix.lower() == ".tsv":
            return "\t"
        text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
        if len(head) == HEAD_SIZE and "\n" in text:
            text = text[: text.rfind("\n")]
        first = next((ln for ln in text.splitlines() if ln.strip()), "")
        try:
            found = csv.Sniffer().sniff(text, delimiters=_DELIMITERS).delimiter
        except csv.Error:
            found = None
        if found and found in first:
            return found
        counts = {d: first.count(d) for d in _DELIMITERS}
        best = max(counts, key=lambda d: (counts[d], d == ","))
        return best if counts[best] else ","

    # -- header -----------------------------------------------------------------------------

    def _header(self, row: list[str], lineno: int) -> Iterator[Finding]:
        lookup = self.mapping.lookup()
        ignore = self.mapping.ignored_headers()
        self.headers = [cell.strip() for cell in row]
        self.width = len(row)
        seen: dict[str, int] = {}
        unknown: list[tuple[int, str]] = []
        for index, header in enumerate(self.headers):
            key = " ".join(header.lower().split())
            canonical = lookup.get(key)
            if canonical is None:
                self.columns.append(None)
                if key not in ignore:
                    unknown.append((index, header or f"(column {index + 1} has no header)"))
                continue
            if canonical in seen:
                yield UNREADABLE_FILE.make(
                    f"Column {header!r} appears twice (columns {seen[canonical] + 1} and "
                    f"{index + 1}); claimlint cannot tell which one to use. Remove or rename "
                    "one of them.",
                    ref=self._line_ref(lineno, header).at(column=index + 1),
                )
                return
            seen[canonical] = index
            self.columns.append(canonical)
        missing = [f for f in REQUIRED if f not in seen]
        if missing:
            names = ", ".join(repr(self.mapping.header_for(f)) for f in missing)
            hint = ""
            guess = guess_builtin(self.headers)
            if guess and guess != self.mapping.name:
                hint = (
                    f" This header looks like the built-in mapping {guess!r}: "
                    f"use --csv-mapping {guess}."
                )
            else:
                hint = (
                    " Rename the columns or describe the export in a mapping file (--csv-mapping)."
                )
            yield UNREADABLE_FILE.make(
                f"No {names} column in the header (mapping {self.mapping.name!r}); rows cannot be "
                f"grouped into claims.{hint}",
                ref=self._line_ref(lineno),
            )
            return
        self.claim_column = seen["claim_id"]
        if unknown:
            yield self._unknown_columns(unknown, lineno)

    def _unknown_columns(self, unknown: list[tuple[int, str]], lineno: int) -> Finding:
        """CL003 for columns the mapping does not know.

        A header row that runs into data (a lost line break) would list names, member ids and
        birth dates as "columns": header cells are echoed only when they look like column
        names and the header holds nothing that looks like data; otherwise only the column
        numbers are given (the texts are evidence, shown with --show-values).
        """
        dirty = any(_looks_like_data(h) for h in self.headers)
        named = [
            f"{h!r} (column {i + 1})" if not dirty and _looks_like_header(h) else f"column {i + 1}"
            for i, h in unknown[:10]
        ]
        more = f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
        hint = (
            " The header row holds values that look like data (dates or numbers): is a line "
            "break missing after the header, or is the header row missing?"
            if dirty
            else ""
        )
        index, header = unknown[0]
        shown = header if not dirty and _looks_like_header(header) else None
        return UNKNOWN_COLUMN.make(
            f"{len(unknown)} column(s) are not known to the mapping {self.mapping.name!r} "
            f"and are ignored: {', '.join(named)}{more}. Map them in a mapping file "
            f"([columns]) or list them under 'ignore'.{hint}",
            ref=self._line_ref(lineno, shown).at(column=index + 1),
            evidence={f"column {i + 1}": h for i, h in unknown[:50]},
        )

    # -- rows -------------------------------------------------------------------------------

    def _ref(self, number: int, line: int, index: int) -> SourceRef:
        return position(self._cell(number, line, index))  # type: ignore[no-any-return]

    def _cell(self, number: int, line: int, index: int) -> LazyRef:
        """The lazy position of a cell (built when a finding needs it)."""
        return (_cell_ref, self.name, self.headers, number, line, index)

    def _parse_row(
        self,
        row: list[str],
        number: int,
        span: list[_Phys],
        error: _Problem | None,
    ) -> tuple[_Row, list[_Problem]]:
        """Parse one record; problems (column index, message, evidence) make it broken.

        A cell whose value is bad is not a problem of the row: it is listed in ``_Row.bad``
        (a finding at that cell) and the row is read without it.
        """
        line = span[0][0]
        problems = self._structural(row, span, error)
        parsed = _Row(number=number, line=line, claim_id=None, broken=bool(problems))
        if error is not None:
            # read the first physical line leniently to learn the claim id
            row = self._lenient(span[0][1])
            parsed.error_column = error[0]
        columns = self.columns
        claim_id: str | None = None
        values = parsed.values
        refs = parsed.refs
        mapping = self.mapping
        for index, cell in enumerate(row[: len(columns)]):
            name = columns[index]
            if name is None:
                continue
            text = cell.strip()
            if name == "claim_id":
                claim_id = text or None
                parsed.ref = self._cell(number, line, index)
                continue
            if not text or parsed.broken:
                continue  # the cells of a broken row are neither parsed nor shown
            try:
                value = self._value(name, text, mapping)
            except _AmbiguousDate as exc:
                rule = DATE_OF_SERVICE if name in _SERVICE_DATES else SCHEMA_VIOLATION
                shown = "the date" if name in _PHI else repr(text)
                parsed.bad.append(
                    (
                        index,
                        f"{self.headers[index]}: {shown} {exc}; set date_format in the CSV "
                        'mapping (date_format = "%m/%d/%Y" for month first, "%d/%m/%Y" for '
                        "day first) or write dates as YYYY-MM-DD",
                        {name: text},
                        rule,
                    )
                )
                continue
            except ValueError as exc:
                message = "not valid" if name in _PHI else str(exc)
                parsed.bad.append(
                    (index, f"{self.headers[index]}: {message}", {name: text}, SCHEMA_VIOLATION)
                )
                continue
            values[name] = value
            refs[name] = self._cell(number, line, index)
        parsed.claim_id = claim_id
        if parsed.ref is None:
            parsed.ref = (_row_ref, self.name, number, line)
        if "code" not in values and not problems:
            index = columns.index("code")
            problems.append((index, f"{self.headers[index]}: a procedure code is required", {}))
        return parsed, problems

    def _value(self, name: str, text: str, mapping: Mapping) -> Any:
        if name in ("charge", "total_charge"):
            return parse_amount(text, decimal_comma=mapping.decimal_comma)
        if name in _BENEFIT_AMOUNTS:
            amount = parse_amount(text, decimal_comma=mapping.decimal_comma)
            if amount is not None and amount < 0:
                raise ValueError("is negative; a deductible or maximum amount is 0 or more")
            return amount
        if name in _BENEFIT_DATES:
            day = _parse_date(text, mapping.date_format)
            if isinstance(day, str):
                raise ValueError("is not a date (YYYY-MM-DD, or the mapping's date_format)")
            return day
        if name == "quantity":
            return _bounded(parse_int(text, minimum=0), text, "a quantity", MAX_QUANTITY)
        if name == "line_number":
            return _bounded(parse_int(text, minimum=1, what="a line number"), text, "a line number")
        if name in ("line_date_of_service", "prior_placement_date") or name in _DATES:
            return _parse_date(text, mapping.date_format)
        if name in ("predetermination", "patient_is_subscriber"):
            return parse_bool(text)
        if name == "placement":
            return parse_placement(text)
        if name == "tooth":
            tooth = _tooth_text(text)
            if tooth is not None and self.system == "iso":
                # an impossible ISO number is kept as written, without a Universal tooth:
                # CL204 reports it and the rest of the line is still checked
                return (_dental_iso_to_universal(tooth), tooth)
            return (tooth, None)
        if name == "surfaces":
            sep = mapping.surface_separator
            if sep and not sep.isspace() and sep not in ",;:/|-":
                text = text.replace(sep, "")
            return split_surfaces(text)
        if name in ("oral_cavity", "missing_teeth"):
            items = split_list(text)
            if name == "missing_teeth":
                teeth = [_tooth_text(t) or t for t in items]
                if self.system == "iso":
                    return [(iso_to_universal(t), t) for t in teeth]
                return [(t, None) for t in teeth]
            return tuple(items)
        if name == "code":
            return text.upper()
        return text

    # -- grouping ---------------------------------------------------------------------------

    def _row_finding(self, parsed: _Row, problems: list[_Problem], claim_id: str | None) -> Finding:
        index = next((i for i, _, _ in problems if i is not None), None)
        ref = (
            self._ref(parsed.number, parsed.line, index)
            if index is not None
            else _row_ref(self.name, parsed.number, parsed.line)
        )
        text = "; ".join(msg for _, msg, _ in problems)
        evidence: dict[str, str] = {}
        for _, _, ev in problems:
            evidence.update(ev)
        who = f"claim {claim_id}" if claim_id else "the claim of this row"
        return SCHEMA_VIOLATION.make(
            f"Row {parsed.number} cannot be read: {text}. {who[0].upper()}{who[1:]} is not "
            "linted until the row is fixed.",
            ref=ref,
            claim_id=claim_id,
            evidence=evidence or None,
        )

    def _broken_ref(self, parsed: _Row) -> SourceRef:
        if parsed.error_column is not None:
            return self._ref(parsed.number, parsed.line, parsed.error_column)
        return _row_ref(self.name, parsed.number, parsed.line)

    def _broken_finding(self, parsed: _Row, problems: list[_Problem]) -> Finding:
        text = "; ".join(msg for _, msg, _ in problems)
        return SCHEMA_VIOLATION.make(
            f"Row {parsed.number} cannot be read: {text}. It does not belong to the claim of "
            "the row before or after it, so it is not counted as a claim; none of its values "
            "were read. Fix or remove the row.",
            ref=self._broken_ref(parsed),
        )

    def _bad_value_findings(
        self, parsed: _Row, claim_id: str | None, position: int | None = None
    ) -> list[Finding]:
        """Findings for the bad cells of a row; ``position`` is the row's service line."""
        line = parsed.values.get("line_number", position)
        return [
            rule.make(
                f"Row {parsed.number}, column {index + 1} ({message}). The claim is linted "
                "without this value.",
                ref=self._ref(parsed.number, parsed.line, index),
                claim_id=claim_id,
                line=line if self.columns[index] in _LINE_TARGETS else None,
                evidence=evidence or None,
            )
            for index, message, evidence, rule in parsed.bad
        ]

    def _flush_pending(self, group: _Group | None) -> Iterator[Finding]:
        """Broken rows before ``group``: those with its claim id join it, the rest are
        file-level findings (not claims)."""
        pending, self.pending = self.pending, []
        for parsed, problems in pending:
            if group is not None and parsed.claim_id == group.claim_id:
                finding = self._row_finding(parsed, problems, group.claim_id)
                if group.skip:
                    # the claim was read further up, from its first rows: this row is reported
                    # on it, but cannot change a claim that was already linted
                    yield finding
                else:
                    group.findings.append(finding)
            else:
                yield self._broken_finding(parsed, problems)

    def _trusted_id(self, parsed: _Row) -> bool:
        column = self.claim_column
        return (
            parsed.claim_id is not None
            and parsed.error_column is not None
            and column is not None
            and parsed.error_column > column
        )

    def _group(
        self,
        parsed: _Row,
        problems: list[_Problem],
        group: _Group | None,
    ) -> Iterator[ReadItem | _Group]:
        claim_id = parsed.claim_id
        if parsed.broken and not self._trusted_id(parsed):
            # a broken row's first cell is not trusted as a claim id: it joins the claim of the
            # row before or after it when its id matches, else it is a file-level finding
            self.pending.append((parsed, problems))
            if group is not None and claim_id is not None and claim_id == group.claim_id:
                yield from self._flush_pending(group)
            return
        if claim_id is None and self.mapping.fill_down and group is not None:
            claim_id = parsed.claim_id = group.claim_id
        if claim_id is None:
            yield from self._flush_pending(None)
            if not problems:
                problems.append(
                    (
                        self.columns.index("claim_id"),
                        f"{self.mapping.header_for('claim_id')}: the claim id is blank",
                        {},
                    )
                )
            problems.extend((i, m, e) for i, m, e, _ in parsed.bad)
            yield Unparsable(None, [self._row_finding(parsed, problems, None)])
            return
        if group is None or group.claim_id != claim_id:
            if group is not None:
                yield from self._finish(group)
            group = _Group(claim_id=claim_id, first=parsed)
            if self.index is not None:
                first = self.index.first_record(claim_id)
                group.skip = first is not None and first != parsed.number
            yield from self._flush_pending(group)
            yield group
        else:
            yield from self._flush_pending(None)
        self._add_row(group, parsed, problems)

    def _add_row(self, group: _Group, parsed: _Row, problems: list[_Problem]) -> None:
        if group.skip:
            return  # read with the claim's first rows (see _later_rows)
        group.notes.extend(self._bad_value_findings(parsed, group.claim_id, len(group.rows) + 1))
        if problems:
            group.findings.append(self._row_finding(parsed, problems, group.claim_id))
            return
        conflicts = self._claim_values(group, parsed)
        if conflicts:
            group.findings.append(self._row_finding(parsed, conflicts, group.claim_id))
            return
        group.rows.append(parsed)

    def _later_rows(self, group: _Group) -> None:
        """Add the claim's rows that come further down (an export not sorted by claim id).

        Each later run of rows is read again from its byte range; broken rows and rows of
        other claims in it are left to the main pass, which reports them in place.
        """
        if self.index is None or self.fh is None:
            return
        runs = self.index.later.get(group.claim_id)
        if not runs:
            return
        fh = self.fh
        here = fh.tell()
        pending, self.pending = self.pending, []
        try:
            for start, end, record, line in runs:
                fh.seek(start)
                data = fh.read(end - start)
                raw = _raw_lines(data, io.BytesIO(), self.line_end)
                lines = _Lines(self, raw, lineno=line - 1, offset=start)
                number = record - 1
                last: str | None = group.claim_id
                for span, row, error in self._tokens(lines):
                    number += 1
                    if error is None and (not row or not any(cell.strip() for cell in row)):
                        continue
                    key = self._key(row, span, error, last)
                    if key != group.claim_id:
                        continue
                    parsed, problems = self._parse_row(row, number, span, error)
                    parsed.claim_id = key
                    self._add_row(group, parsed, problems)
        finally:
            self.pending = pending
            fh.seek(here)

    def _claim_values(self, group: _Group, parsed: _Row) -> list[_Problem]:
        problems: list[_Problem] = []
        known = group.claim_values
        for name, value in parsed.values.items():
            if name not in CLAIM_FIELDS or name in MULTI_VALUED:
                continue
            if name not in known:
                known[name] = (value, parsed)
                continue
            first, row = known[name]
            if first != value:
                ref = position(parsed.refs[name])
                col = ref.column - 1 if ref.column else None
                what = "a different value" if name in _PHI else f"{value!s}"
                was = "" if name in _PHI else f" (was {first!s})"
                problems.append(
                    (
                        col,
                        f"{ref.field}: {what} than row {row.number} of the same claim{was}; "
                        "claim-level columns must agree on every row of a claim (or be blank)",
                        {},
                    )
                )
        return problems

    def _finish(self, group: _Group) -> Iterator[ReadItem]:
        if group.skip:
            return
        self._later_rows(group)
        if group.findings:
            yield Unparsable(group.claim_id, group.notes + group.findings)
            return
        yield from group.notes
        claim, notes = fix_areas(self._build(group), _area_ref)
        yield from notes
        yield claim

    def _build(self, group: _Group) -> Claim:
        first = group.first
        claim_refs: dict[str, SourceRef | LazyRef] = {}
        assert first.ref is not None
        claim_refs["claim_id"] = first.ref
        data: dict[str, Any] = {"claim_id": group.claim_id}
        nested: dict[str, dict[str, Any]] = {}
        for name, (value, row) in group.claim_values.items():
            target = _CLAIM_TARGETS[name]
            claim_refs[target] = row.refs[name]
            if "." in target:
                owner, attr = target.split(".", 1)
                nested.setdefault(owner, {})[attr] = value
            else:
                data[target] = value
        for owner, values in nested.items():
            if owner == "benefits":
                data[owner] = _make[MemberBenefits](**values, ref=position(first.ref))
                continue
            model = Provider if owner.endswith("provider") else Person
            data[owner] = _make[model](**values)
        notes: list[Note] = []
        attachments: list[Attachment] = []
        missing: list[MissingTooth] = []
        seen_notes: set[str] = set()
        seen_att: set[tuple[Any, ...]] = set()
        seen_missing: set[str] = set()
        lines: list[ServiceLine] = []
        for line_number, row in enumerate(group.rows, start=1):
            values = row.values
            refs = row.refs
            note = values.get("claim_note")
            if note is not None and note not in seen_notes:
                seen_notes.add(note)
                notes.append(_make[Note](text=note, code=None, ref=position(refs["claim_note"])))
                claim_refs.setdefault("notes", refs["claim_note"])
            att = (
                values.get("attachment_type"),
                values.get("attachment_transmission"),
                values.get("attachment_control_number"),
            )
            if any(att) and att not in seen_att:
                seen_att.add(att)
                ref = next(
                    refs[k]
                    for k in (
                        "attachment_type",
                        "attachment_transmission",
                        "attachment_control_number",
                    )
                    if k in refs
                )
                attachments.append(
                    _make[Attachment](
                        type=att[0], transmission=att[1], control_number=att[2], ref=position(ref)
                    )
                )
                claim_refs.setdefault("attachments", ref)
            for tooth, _original in values.get("missing_teeth", ()):
                if tooth not in seen_missing:
                    seen_missing.add(tooth)
                    missing.append(
                        _make[MissingTooth](
                            tooth=tooth, status="M", ref=position(refs["missing_teeth"])
                        )
                    )
                    claim_refs.setdefault("missing_teeth", refs["missing_teeth"])
            lines.append(self._line(row, line_number))
        data["notes"] = tuple(notes)
        data["attachments"] = tuple(attachments)
        data["missing_teeth"] = tuple(missing)
        data["lines"] = tuple(lines)
        data["ref"] = first.ref
        data["refs"] = LazyPositions(claim_refs)
        return _make[Claim](**data)

    def _line(self, row: _Row, position: int) -> ServiceLine:
        values = row.values
        refs = row.refs
        line_refs: dict[str, SourceRef | LazyRef] = {}
        data: dict[str, Any] = {"line_number": position}
        for name, target in _LINE_TARGETS.items():
            if name in values:
                line_refs[target] = refs[name]
                if name not in ("tooth", "surfaces"):
                    data[target] = values[name]
        teeth: tuple[ToothEntry, ...] = ()
        tooth_value = values.get("tooth")
        surfaces = values.get("surfaces", ())
        if tooth_value is not None or surfaces:
            tooth, original = tooth_value or (None, None)
            teeth = (
                _make[ToothEntry](
                    tooth=tooth,
                    surfaces=surfaces,
                    system="iso" if original is not None else None,
                    original=original,
                    qualifier=None,
                    ref=refs.get("tooth"),
                    surfaces_ref=refs.get("surfaces"),
                ),
            )
        data["teeth"] = teeth
        data["ref"] = row.refs.get("code") or row.ref
        data["refs"] = LazyPositions(line_refs)
        return _make[ServiceLine](**data)


def _area_ref(line: ServiceLine, k: int) -> SourceRef:
    """Area values share one cell: its reference."""
    del k
    return line.refs.get("oral_cavity") or line.ref


_make = Constructors(Claim, ServiceLine, ToothEntry, Person, Provider, MemberBenefits, Note)
_make.update(Constructors(Attachment, MissingTooth))


def _cell_ref(name: str, headers: list[str], number: int, line: int, index: int) -> SourceRef:
    """The SourceRef of a cell (see ``_CsvReader._cell``)."""
    field = headers[index] if index < len(headers) else None
    return SourceRef(name, field, f"row {number}", line, index + 1)


def _row_ref(name: str, number: int, line: int) -> SourceRef:
    """The SourceRef of a row."""
    return SourceRef(name, None, f"row {number}", line)


_HEADER_NAME = re.compile(r"[A-Za-z_ ][A-Za-z0-9_ .#/()-]{0,39}")
_DATA_LIKE = re.compile(
    r"[0-9]{3,}|[0-9]{1,4}[/.-][0-9]{1,2}[/.-][0-9]{1,4}|[0-9]+[.,][0-9]+|^[0-9]+$"
)


def _looks_like_header(text: str) -> bool:
    return bool(_HEADER_NAME.fullmatch(text)) and not _DATA_LIKE.search(text)


def _looks_like_data(text: str) -> bool:
    return bool(_DATA_LIKE.search(text)) or "@" in text


def _binary_problem(head: bytes) -> str | None:
    """Why the start of the file is not text CSV, or None."""
    if head.startswith(b"PK\x03\x04"):
        return (
            "The file is a ZIP archive (an .xlsx workbook?), not CSV text. Export the sheet as CSV."
        )
    sample = head[:4096]
    if not sample:
        return None
    if sample.count(b"\x00") > max(4, len(sample) // 100):
        return "The file contains binary data (NUL bytes) at its start; it is not CSV text."
    control = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    if control > max(8, len(sample) // 20):
        return "The file is mostly binary data (control characters), not CSV text."
    return None
