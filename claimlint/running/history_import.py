"""``claimlint history import``: fill a history store from files.

History CSV files of prior procedures, member-benefits CSV files (each member's own coverage
dates, deductible, maximum used and waiting-period start; a CSV whose header has ``as_of`` and
no ``code`` is one), and claim files of any format a claimlint reader handles (each service
line of each claim becomes a history row; a JSON batch's ``"history"`` section is imported
too). The store itself (``claimlint.payer.history``) knows no files and no readers.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import os
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from claimlint.core.findings import Finding
from claimlint.core.model import Claim, MemberBenefits, PriorProcedure, split_surfaces
from claimlint.dental import benefits, oral_area
from claimlint.dental import surfaces as surface_letters
from claimlint.dental.teeth import iso_to_universal
from claimlint.payer.history import (
    BENEFITS_COLUMNS,
    BENEFITS_REQUIRED,
    CSV_COLUMNS,
    CSV_REQUIRED,
    KNOWN_STATUSES,
    HistoryError,
    SQLHistory,
    norm_tooth,
    procedures_of,
)
from claimlint.payer.money import in_range, to_money
from claimlint.readers.base import (
    READERS,
    SUFFIXES,
    BatchMeta,
    ReadOptions,
    Source,
    Unparsable,
    get_reader,
    sniff,
)
from claimlint.readers.mappings import Mapping, load_mapping, norm_header

# -- import -----------------------------------------------------------------------------------


@dataclass(slots=True)
class ImportProblem:
    file: str
    row: int | None
    message: str
    #: the CSV column the problem is in, when known
    column: str | None = None
    #: what ``row`` counts: "row" (CSV), "line" (JSON, XML) or "segment" (X12)
    unit: str = "row"

    def __str__(self) -> str:
        where = f"{self.unit} {self.row}" if self.row else ""
        if self.column:
            where = f"{where}, column {self.column}" if where else f"column {self.column}"
        return f"{self.file}: {where}: {self.message}" if where else f"{self.file}: {self.message}"


@dataclass(slots=True)
class ImportResult:
    read: int = 0
    inserted: int = 0
    duplicates: int = 0
    #: procedures already present whose status now counts (a paid row after a denied one)
    updated: int = 0
    #: rows the mapping's status_values say are not history (planned, deleted, estimates)
    skipped: int = 0
    problems: list[ImportProblem] = field(default_factory=list)
    #: member-benefit rows read, new, and replacing a stored row of the same member, payer,
    #: plan and as_of day
    benefits_read: int = 0
    benefits_inserted: int = 0
    benefits_replaced: int = 0


def import_files(
    paths: Iterable[str | Path], store: SQLHistory, *, options: Any = None, discovery: Any = None
) -> ImportResult:
    """Fill ``store`` from CSV files of prior procedures and from claim files (any format a
    claimlint reader handles: each service line of each claim becomes a history row, and a
    JSON batch's ``"history"`` section is imported too). Broken rows are reported in
    ``result.problems`` with file and row; every other row is imported.

    ``options`` (reader options) carry the CSV column mapping: a history CSV's header is
    matched through it (an Open Dental procedure-log export imports as it is), and claim files
    are read with it."""
    result = ImportResult()
    spec = getattr(options, "csv_mapping", None)
    mapping = load_mapping(spec) if spec else None
    try:
        for path in _import_paths(paths, result.problems, discovery):
            if path.suffix.lower() in (".csv", ".tsv") and is_benefits_csv(path):
                rows = list(read_benefits_csv(path, result.problems))
                result.benefits_read += len(rows)
                result.benefits_inserted += store.add_benefits(rows, commit=False)
                result.benefits_replaced += store.last_replaced
                continue
            if path.suffix.lower() in (".csv", ".tsv"):
                records = list(read_history_csv(path, result.problems, mapping, result))
            else:
                records = list(read_claim_history(path, result.problems, options))
            result.read += len(records)
            inserted, dupes = store.add_many(records, commit=False)
            result.inserted += inserted
            result.duplicates += dupes
            result.updated += store.last_updated
        store.conn.commit()  # one transaction for the whole import: all files or none
    except sqlite3.Error as exc:
        _rollback(store)
        writable = getattr(store, "writable_error", None)
        if writable is not None:
            raise writable(exc) from None
        raise HistoryError(f"cannot write the history store ({exc}); nothing imported") from None
    except BaseException as exc:
        _rollback(store)
        translated = store.driver_error(exc)  # another database's error (PostgreSQL)
        if translated is not None:
            raise translated from None
        raise
    analyze = getattr(store, "analyze", None)  # fresh planner statistics (PostgreSQL)
    if analyze is not None and result.inserted:
        try:
            analyze()
        except Exception as exc:
            translated = store.driver_error(exc)
            if translated is None:
                raise
            raise translated from None
    return result


def _rollback(store: SQLHistory) -> None:
    with contextlib.suppress(Exception):  # the original error is the one to report
        store.conn.rollback()


def _import_paths(
    paths: Iterable[str | Path], problems: list[ImportProblem], discovery: Any = None
) -> Iterator[Path]:
    """Files as given; folders walked (history CSV and claim files, hidden ones and those the
    ``discovery`` exclusions name skipped; a file named explicitly is read unless
    force-exclude)."""
    wanted = {*SUFFIXES, ".csv", ".tsv"}
    for raw in paths:
        path = Path(raw)
        if discovery is not None and discovery.force_exclude and discovery.excluded_explicit(path):
            continue
        if path.is_dir():
            found = False
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(
                    d
                    for d in dirs
                    if not d.startswith(".")
                    and not (
                        discovery is not None
                        and discovery.excluded_entry(Path(root) / d, is_dir=True)
                    )
                )
                for name in sorted(files):
                    child = Path(root) / name
                    if discovery is not None and discovery.excluded_entry(child, is_dir=False):
                        continue
                    if child.suffix.lower() in wanted and not name.startswith("."):
                        found = True
                        yield child
            if not found:
                problems.append(
                    ImportProblem(str(path), None, "folder holds no history or claim files")
                )
        elif path.is_file():
            yield path
        else:
            problems.append(ImportProblem(str(path), None, "file or folder does not exist"))


def read_history_csv(
    path: Path,
    problems: list[ImportProblem],
    mapping: Mapping | None = None,
    tally: ImportResult | None = None,
) -> Iterator[PriorProcedure]:
    """CSV with a header: member_id, code, date (required), tooth, surfaces, status,
    payer_id, claim_id. A broken row is reported with its line number and skipped.

    With a column ``mapping`` the header is matched through it (``Mapping.history_header_for``),
    dates may be written in its ``date_format``, teeth in its numbering, and its
    ``status_values`` translate the export's statuses (rows mapped to "skip" are counted in
    ``tally.skipped``, not imported)."""
    name = str(path)
    encoding = (mapping.encoding if mapping else None) or "utf-8-sig"
    try:
        text = path.read_bytes().decode(encoding)
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(ImportProblem(name, None, f"cannot read: {exc}"))
        return
    text = text.removeprefix("\ufeff")
    dialect = "excel-tab" if path.suffix.lower() == ".tsv" else "excel"
    stream = io.StringIO(text, newline="")
    if mapping is not None and mapping.delimiter:
        reader = csv.DictReader(stream, dialect=dialect, delimiter=mapping.delimiter)
    else:
        reader = csv.DictReader(stream, dialect=dialect)
    limit = csv.field_size_limit()
    # the whole file is in memory already: the csv module's cell limit (128 KB) would be a
    # csv.Error with no row or column; a long cell is reported below, by row and column
    csv.field_size_limit(max(limit, len(text) + 1))
    try:
        raw_header = [h.strip() for h in (reader.fieldnames or [])]
        rows = list(_csv_rows(reader, name, problems))
    finally:
        csv.field_size_limit(limit)
    if mapping is None:
        wanted = {c: c for c in CSV_COLUMNS}
        known_elsewhere: set[str] = set()
    else:
        wanted = {norm_header(mapping.history_header_for(c)): c for c in CSV_COLUMNS}
        known_elsewhere = {norm_header(h) for h in mapping.columns.values()}
        known_elsewhere |= mapping.ignored_headers()
    # a column the history does not use keeps a key no history column can have
    header = [wanted.get(norm_header(h), f"\0{h}") for h in raw_header]
    missing = [c for c in CSV_REQUIRED if c not in header]
    if missing:
        if mapping is None:
            problems.append(ImportProblem(name, 1, f"header lacks column(s) {', '.join(missing)}"))
        else:
            names = ", ".join(repr(mapping.history_header_for(c)) for c in missing)
            problems.append(
                ImportProblem(name, 1, f"header lacks column(s) {names} (mapping {mapping.name!r})")
            )
        return
    unknown = [
        raw
        for raw, key in zip(raw_header, header, strict=True)
        if key.startswith("\0") and norm_header(raw) not in known_elsewhere
    ]
    if unknown:
        problems.append(ImportProblem(name, 1, f"ignoring unknown column(s) {', '.join(unknown)}"))
    for line, cells in rows:
        if len(cells) > len(header):
            problems.append(ImportProblem(name, line, "more values than header columns"))
            continue
        long = next(
            (h for h, v in zip(header, cells, strict=False) if len(v) > MAX_HISTORY_CELL), None
        )
        if long is not None:
            problems.append(
                ImportProblem(
                    name,
                    line,
                    f"the value is longer than {MAX_HISTORY_CELL:,} characters; row not imported",
                    long.removeprefix("\0"),
                )
            )
            continue
        values = {k: v.strip() for k, v in zip(header, cells, strict=False) if k in CSV_COLUMNS}
        if mapping is None:
            record = _record_from(values, name, line, problems)
        else:
            before = len(problems)
            record = None
            if _apply_mapping(values, mapping, name, line, problems):
                record = _record_from(values, name, line, problems)
            elif tally is not None and values.get("status") == SKIPPED:
                tally.skipped += 1
            for problem in problems[before:]:  # name the column as the export does
                if problem.column in CSV_COLUMNS:
                    problem.column = mapping.history_header_for(problem.column)
        if record is not None:
            yield record


#: the status a row the mapping skips is given by _apply_mapping
SKIPPED = "\0skip"
#: what Open Dental writes in Surf for procedures on an area, not a tooth (quadrants, arches,
#: sextants): not surfaces, so a history row without a tooth leaves them out
_AREA_SURFACES = frozenset({"UR", "UL", "LR", "LL", "U", "L", "1", "2", "3", "4", "5", "6"})


def _apply_mapping(
    values: dict[str, Any], mapping: Mapping, file: str, row: int, problems: list[ImportProblem]
) -> bool:
    """Bring a mapped row's values to the history CSV's form (status, date, tooth); False
    when the row is not imported (skipped by status_values, or a problem reported)."""
    status = values.get("status")
    if status and mapping.status_values:
        mapped = mapping.status_values.get(norm_header(status))
        if mapped == "skip":
            values["status"] = SKIPPED
            return False
        if mapped is None:
            problems.append(
                ImportProblem(
                    file,
                    row,
                    f"the status is not one the mapping {mapping.name!r} names in "
                    "status_values; row not imported",
                    "status",
                )
            )
            return False
        values["status"] = mapped
    date = values.get("date")
    if date and mapping.date_format:
        try:
            dt.date.fromisoformat(date)
        except ValueError:
            try:
                values["date"] = dt.datetime.strptime(date, mapping.date_format).date().isoformat()
            except ValueError:
                problems.append(
                    ImportProblem(
                        file, row, f"not a date ({mapping.date_format} or YYYY-MM-DD)", "date"
                    )
                )
                return False
    tooth = values.get("tooth")
    if tooth and mapping.tooth_numbering == "iso":
        universal = iso_to_universal(tooth)
        if universal is None:
            problems.append(ImportProblem(file, row, "not an ISO 3950 tooth number", "tooth"))
            return False
        values["tooth"] = universal
    if not tooth and str(values.get("surfaces") or "").upper() in _AREA_SURFACES:
        values["surfaces"] = ""
    return True


#: the longest history CSV cell imported (a member id, code, date or claim id is far shorter)
MAX_HISTORY_CELL = 4096


def is_benefits_csv(path: Path) -> bool:
    """A member-benefits CSV: its header has ``as_of`` and no ``code`` column."""
    try:
        with path.open("rb") as fh:
            head = fh.readline(65536).decode("utf-8-sig", errors="replace")
    except OSError:
        return False
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    cells = {c.strip().strip('"').lower() for c in head.split(delimiter)}
    return "as_of" in cells and "code" not in cells


_BENEFIT_DATES = ("as_of", "coverage_start", "coverage_end", "waiting_period_start")
_BENEFIT_AMOUNTS = ("deductible_met", "deductible_remaining", "maximum_used")
#: the largest amount a member-benefit row may hold (as the claim readers' bound)
_MAX_BENEFIT_AMOUNT = Decimal("99999999.99")


def read_benefits_csv(
    path: Path, problems: list[ImportProblem]
) -> Iterator[tuple[str, str, str, MemberBenefits]]:
    """Member-benefits CSV with a header: member_id and as_of (required), payer_id, plan_id,
    coverage_start, coverage_end, deductible_met, deductible_remaining, maximum_used,
    waiting_period_start. Dates YYYY-MM-DD, amounts in dollars (125.00). A row with a bad
    value is reported with its row and column (never the value) and not imported."""
    name = str(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(ImportProblem(name, None, f"cannot read: {exc}"))
        return
    dialect = "excel-tab" if path.suffix.lower() == ".tsv" else "excel"
    reader = csv.DictReader(io.StringIO(text, newline=""), dialect=dialect)
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, len(text) + 1))
    try:
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
        rows = list(_csv_rows(reader, name, problems))
    finally:
        csv.field_size_limit(limit)
    missing = [c for c in BENEFITS_REQUIRED if c not in header]
    if missing:
        problems.append(ImportProblem(name, 1, f"header lacks column(s) {', '.join(missing)}"))
        return
    unknown = [h for h in header if h not in BENEFITS_COLUMNS]
    if unknown:
        problems.append(ImportProblem(name, 1, f"ignoring unknown column(s) {', '.join(unknown)}"))
    for line, cells in rows:
        if len(cells) > len(header):
            problems.append(ImportProblem(name, line, "more values than header columns"))
            continue
        values = {
            k: v.strip() for k, v in zip(header, cells, strict=False) if k in BENEFITS_COLUMNS
        }
        row = _benefits_from(values, name, line, problems)
        if row is not None:
            yield row


def _benefits_from(
    values: dict[str, str], file: str, row: int, problems: list[ImportProblem]
) -> tuple[str, str, str, MemberBenefits] | None:
    def bad(column: str, message: str) -> None:
        problems.append(ImportProblem(file, row, f"{message}; row not imported", column))

    for column in BENEFITS_REQUIRED:
        if not values.get(column):
            problems.append(ImportProblem(file, row, f"'{column}' is empty", column))
            return None
    for column, text in values.items():
        if len(text) > MAX_HISTORY_CELL:
            bad(column, f"the value is longer than {MAX_HISTORY_CELL:,} characters")
            return None
    parsed: dict[str, Any] = {}
    for column in _BENEFIT_DATES:
        text = values.get(column) or ""
        if not text:
            parsed[column] = None
            continue
        try:
            if len(text) != 10:
                raise ValueError
            parsed[column] = dt.date.fromisoformat(text)
        except ValueError:
            bad(column, "not a date (YYYY-MM-DD)")
            return None
    for column in _BENEFIT_AMOUNTS:
        text = (values.get(column) or "").removeprefix("$").replace(",", "")
        if not text:
            parsed[column] = None
            continue
        try:
            amount = Decimal(text)
        except InvalidOperation:
            amount = Decimal("NaN")
        if not amount.is_finite() or amount < 0 or amount > _MAX_BENEFIT_AMOUNT:
            bad(column, "not an amount of dollars from 0 to 99,999,999.99 (e.g. 125.00)")
            return None
        parsed[column] = amount
    start, end = parsed["coverage_start"], parsed["coverage_end"]
    if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
        bad("coverage_end", "coverage ends before it starts")
        return None
    if parsed["deductible_met"] is not None and parsed["deductible_remaining"] is not None:
        bad("deductible_remaining", "give deductible_met or deductible_remaining, not both")
        return None
    benefits = MemberBenefits.construct(**parsed, ref=None)
    if benefits.empty:
        bad("as_of", "the row gives no coverage date, deductible, maximum or waiting period")
        return None
    return (values["member_id"], values.get("payer_id", ""), values.get("plan_id", ""), benefits)


def _csv_rows(
    reader: csv.DictReader[str], name: str, problems: list[ImportProblem]
) -> Iterator[tuple[int, list[str]]]:
    """(line, cells) of each data row; a row the csv module cannot read is a problem (its
    message says what, never the row's text) and the rest of the file is read."""
    rows = reader.reader
    while True:
        try:
            cells = next(rows)
        except StopIteration:
            return
        except csv.Error as exc:
            problems.append(
                ImportProblem(name, rows.line_num, f"the row cannot be read as CSV ({exc})")
            )
            continue
        if cells:
            yield rows.line_num, cells


def _record_from(
    values: dict[str, Any], file: str, row: int | None, problems: list[ImportProblem]
) -> PriorProcedure | None:
    for column in CSV_REQUIRED:
        if not values.get(column):
            problems.append(ImportProblem(file, row, f"'{column}' is empty", column))
            return None
    code = str(values["code"]).upper()
    if not benefits.is_code(code):
        problems.append(ImportProblem(file, row, "not a CDT code (D####)", "code"))
        return None
    tooth = values.get("tooth") or None
    if tooth and benefits.tooth_class(str(tooth)) is None:
        problems.append(
            ImportProblem(file, row, "not a Universal tooth number (1-32, A-T)", "tooth")
        )
        return None
    try:
        date = dt.date.fromisoformat(str(values["date"]))
    except ValueError:
        problems.append(ImportProblem(file, row, "not a date (YYYY-MM-DD)", "date"))
        return None
    bad = surface_letters.invalid(split_surfaces(values.get("surfaces") or ""))
    if bad:
        problems.append(
            ImportProblem(
                file,
                row,
                "a letter is not a surface letter (M, O, D, B, L, I, F, ...); row not imported",
                "surfaces",
            )
        )
        return None
    status = str(values.get("status") or "paid").strip().lower()
    if status not in KNOWN_STATUSES:
        problems.append(
            ImportProblem(
                file,
                row,
                f"not a known status; use one of {', '.join(sorted(KNOWN_STATUSES))}; "
                "row not imported",
                "status",
            )
        )
        return None
    charge = None
    if values.get("charge"):
        try:
            charge = to_money(str(values["charge"]).lstrip("$").replace(",", ""))
        except ValueError:
            charge = None
        if charge is None or charge < 0 or not in_range(charge):
            problems.append(
                ImportProblem(
                    file, row, "not an amount (a number of dollars); row not imported", "charge"
                )
            )
            return None
    area = None
    if values.get("area"):
        area = oral_area.normalise_area(str(values["area"]))
        if area is None:
            problems.append(
                ImportProblem(
                    file,
                    row,
                    "not an area of the oral cavity (00, 01, 02, 10, 20, 30, 40, or UR, UL, "
                    "LL, LR, UA, LA); row not imported",
                    "area",
                )
            )
            return None
    paid_as = str(values.get("paid_as") or "").strip().upper() or None
    if paid_as is not None and not benefits.is_code(paid_as):
        problems.append(
            ImportProblem(file, row, "not a CDT code (D####); row not imported", "paid_as")
        )
        return None
    try:
        return PriorProcedure(
            member_id=str(values["member_id"]),
            code=code,
            date=date,
            tooth=norm_tooth(str(tooth)) if tooth else None,
            surfaces=values.get("surfaces") or (),
            status=status,
            payer_id=values.get("payer_id") or None,
            claim_id=values.get("claim_id") or None,
            plan_id=values.get("plan_id") or None,
            charge=charge,
            paid_as=paid_as,
            area=area,
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        problems.append(ImportProblem(file, row, f"{first['msg']}", where))
        return None


def read_claim_history(
    path: Path, problems: list[ImportProblem], options: Any = None
) -> Iterator[PriorProcedure]:
    """Claims of any readable format (through the reader registry) as history rows."""
    source = Source(name=str(path), path=path)
    fmt = sniff(source)
    if fmt is None or fmt not in READERS:
        problems.append(
            ImportProblem(str(path), None, "unknown file format (use .csv, .json, .jsonl, .837)")
        )
        return
    try:
        items = get_reader(fmt)(source, options or ReadOptions())
        for item in items:
            if isinstance(item, Claim):
                yield from procedures_of(item)
            elif isinstance(item, BatchMeta):
                yield from item.history
            elif isinstance(item, Unparsable):
                for finding in item.findings:
                    problems.append(_problem_from_finding(str(path), finding))
            elif isinstance(item, Finding):
                problems.append(_problem_from_finding(str(path), item))
    except Exception as exc:  # a reader bug must not stop the import of other files
        problems.append(
            ImportProblem(
                str(path), None, f"could not be read (internal error: {type(exc).__name__})"
            )
        )


def _problem_from_finding(file: str, finding: Any) -> ImportProblem:
    """A reader finding as an import problem, positioned in the file's own terms: segment N
    for X12 (often one physical line), the physical line for JSON, XML and CSV claims."""
    loc = finding.location
    where = loc.describe()
    message = f"{finding.code} {finding.message}"
    if loc.segment_index is not None:
        return ImportProblem(file, loc.segment_index, message, unit="segment")
    row = loc.physical_line
    if where and row is None:
        message = f"{where}: {message}"
    return ImportProblem(file, row, message, unit="line")
