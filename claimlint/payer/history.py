"""Patient history: procedures a member already had, looked up by member + tooth + date.

Three stores share one small interface (:class:`History`):

* :class:`InMemoryHistory` — records held in a dict (a JSON batch's ``"history"`` section);
* :class:`SQLiteHistory` — the embedded default, a SQLite file (stdlib ``sqlite3``) filled by
  ``claimlint history import``; indexed on ``(member_id, tooth, date)``;
* :class:`CombinedHistory` — several stores seen as one (file + inline), duplicates removed.

A SQL store also holds each member's own benefit status (table ``member_benefits``: coverage
dates, deductible met or remaining, annual maximum used, waiting-period start, as of a day),
filled by ``claimlint history import`` of a member-benefits CSV and read by
:meth:`History.benefits`; ``claimlint.payer.member`` decides when those values win.

The SQL lives in :class:`SQLHistory` and is standard (``CREATE TABLE``/``CREATE INDEX``,
``INSERT ... ON CONFLICT DO NOTHING``, ``SELECT ... WHERE ... ORDER BY``) so the PostgreSQL
store (``claimlint.payer.history_pg``, chosen by a ``postgresql://`` history) is a subclass
that sets ``placeholder = "%s"``, opens a psycopg connection and imports with COPY.

The tables carry their version in a ``schema_version`` table (one row); :data:`MIGRATIONS`
lists the steps, applied in order by ``create()`` (``history import``); a store of a newer,
unknown version is refused.

Engine wiring::

    store = open_store(config.history) if config.history else None   # payer/stores.py
    ctx.history = combine(store, InMemoryHistory(meta.history))   # per batch file

Lookups never raise for an unknown member: they return an empty list.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Iterable, Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from claimlint.core.model import Claim, MemberBenefits, PriorProcedure, ToothEntry
from claimlint.dental import oral_area

#: statuses that do not count as a procedure having been done/paid (frequency, duplicates)
NOT_DONE = frozenset({"denied", "void", "voided", "rejected", "cancelled", "canceled"})
#: statuses a history row may carry; NOT_DONE ones are stored but do not count
DONE = frozenset({"paid", "billed", "completed", "complete", "done", "approved", "pending"})
KNOWN_STATUSES = DONE | NOT_DONE

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
CSV_COLUMNS = (
    "member_id",
    "code",
    "date",
    "tooth",
    "surfaces",
    "status",
    "payer_id",
    "claim_id",
    # optional, for ``claimlint impact`` (docs/impact.md): plan id, office fee billed, the code
    # the plan paid the line as (from the EOB)
    "plan_id",
    "charge",
    "paid_as",
    # optional, for quadrant- and arch-scoped frequency limits: the area of the oral cavity
    # (10/20/30/40 quadrant, 01/02 arch; UR/UL/LL/LR/UA/LA accepted) of a line with no tooth
    "area",
)
CSV_REQUIRED = ("member_id", "code", "date")

#: columns of a member-benefits CSV (``history import``): a file whose header has
#: ``as_of`` and no ``code`` is one
BENEFITS_COLUMNS = (
    "member_id",
    "payer_id",
    "plan_id",
    "as_of",
    "coverage_start",
    "coverage_end",
    "deductible_met",
    "deductible_remaining",
    "maximum_used",
    "waiting_period_start",
)
BENEFITS_REQUIRED = ("member_id", "as_of")
#: the version of the store's tables (table ``schema_version``; a SQLite store also keeps it in
#: ``PRAGMA user_version``, as stores before the table did): one migration per version, see
#: :data:`MIGRATIONS`
SCHEMA_VERSION = 4
#: what each version added; ``SQLHistory.migrate_to_N`` applies it (a new version is one more
#: entry, one more method and SCHEMA_VERSION + 1; every step is idempotent, so a store made
#: before versions were recorded is migrated safely)
MIGRATIONS: tuple[tuple[int, str], ...] = (
    (1, "prior_procedure and its (member_id, tooth, date) lookup index"),
    (2, "member_benefits"),
    (3, "prior_procedure.plan_id, charge, paid_as (impact report); the schema_version table"),
    (4, "prior_procedure.area (part of a procedure's identity); the (member_id, code, date) index"),
)


def norm_tooth(tooth: str | None) -> str:
    """Storage key of a tooth: upper case, no ``#``; ``""`` for no tooth."""
    return (tooth or "").strip().upper().lstrip("#").strip()


#: How statuses of one procedure combine. A procedure is identified by member, tooth, date,
#: code and surfaces. When it is imported (or known from two stores) more than once, a status
#: that counts as done (paid, billed, completed, ...) beats one that does not (denied, void,
#: ...), whatever the order: a denied claim that was corrected and paid is a done procedure.
#: Between two statuses of the same kind the first one stays.
STATUS_RULE = "paid beats denied"


def counts(record: PriorProcedure) -> bool:
    """Whether a history record counts as done (not denied or voided)."""
    return record.status.strip().lower() not in NOT_DONE


class HistoryError(Exception):
    """A history store cannot be opened or written; the message names the file (or the
    database URL without its password)."""


class History(ABC):
    """Read side of a prior-procedure store."""

    @abstractmethod
    def lookup(
        self,
        member_id: str,
        tooth: str | None,
        before: dt.date,
        since: dt.date | None = None,
    ) -> list[PriorProcedure]:
        """Procedures of ``member_id`` on ``tooth`` (any tooth when None) dated
        ``since <= date < before``, oldest first."""

    def lookup_codes(
        self,
        member_id: str,
        codes: Iterable[str],
        before: dt.date,
        since: dt.date | None = None,
    ) -> list[PriorProcedure]:
        """Procedures of ``member_id`` with one of ``codes`` (any tooth or area) dated
        ``since <= date < before``, oldest first: what a frequency limit shared by a group of
        codes counts. A store answers it from an index on (member, code, date); this default
        filters :meth:`lookup`."""
        wanted = set(codes)
        return [r for r in self.lookup(member_id, None, before, since) if r.code in wanted]

    def benefits(
        self,
        member_id: str,
        payer_id: str | None,
        plan_id: str | None,
        day: dt.date | None,
    ) -> MemberBenefits | None:
        """The member's own benefit status for this payer and plan, or None (a store that
        holds none, or none for this member)."""
        return None

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources (connections)."""


def pick_benefits(
    rows: Iterable[tuple[str, str, MemberBenefits]],
    payer_id: str | None,
    plan_id: str | None,
    day: dt.date | None,
) -> MemberBenefits | None:
    """The row that applies: (row payer id, row plan id, values) with ``""`` for "any".

    A row for the claim's payer beats one for any payer, and one for its plan beats one for
    any plan; among the most specific rows, the latest ``as_of`` on or before ``day`` (the
    latest at all when every row is later or there is no day).
    """
    best: list[tuple[tuple[int, int], MemberBenefits]] = []
    for payer, plan, values in rows:
        if payer not in ("", payer_id or "") or plan not in ("", plan_id or ""):
            continue
        best.append(((bool(payer), bool(plan)), values))
    if not best:
        return None
    top = max(rank for rank, _ in best)
    chosen = [v for rank, v in best if rank == top]
    chosen.sort(key=lambda v: v.as_of or dt.date.min)
    if day is not None:
        before = [v for v in chosen if v.as_of is None or v.as_of <= day]
        if before:
            return before[-1]
    return chosen[-1]


class InMemoryHistory(History):
    def __init__(self, records: Iterable[PriorProcedure] = ()) -> None:
        self._by_key: dict[tuple[str, str], list[PriorProcedure]] = defaultdict(list)
        self._by_member: dict[str, list[PriorProcedure]] = defaultdict(list)
        self._by_code: dict[tuple[str, str], list[PriorProcedure]] = defaultdict(list)
        for record in records:
            self.add(record)

    def add(self, record: PriorProcedure) -> None:
        self._by_key[(record.member_id, norm_tooth(record.tooth))].append(record)
        self._by_member[record.member_id].append(record)
        self._by_code[(record.member_id, record.code)].append(record)

    def lookup_codes(
        self,
        member_id: str,
        codes: Iterable[str],
        before: dt.date,
        since: dt.date | None = None,
    ) -> list[PriorProcedure]:
        found = [
            r
            for code in set(codes)
            for r in self._by_code.get((member_id, code), ())
            if r.date < before and (since is None or r.date >= since)
        ]
        return sorted(found, key=lambda r: (r.date, r.code))

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_member.values())

    def lookup(
        self,
        member_id: str,
        tooth: str | None,
        before: dt.date,
        since: dt.date | None = None,
    ) -> list[PriorProcedure]:
        pool = (
            self._by_member.get(member_id, [])
            if tooth is None
            else self._by_key.get((member_id, norm_tooth(tooth)), [])
        )
        found = [r for r in pool if r.date < before and (since is None or r.date >= since)]
        return sorted(found, key=lambda r: (r.date, r.code))


def _identity(record: PriorProcedure) -> tuple[Any, ...]:
    return (
        record.member_id,
        norm_tooth(record.tooth),
        record.date,
        record.code,
        "".join(sorted(record.surfaces)),
        norm_area(record.area),
    )


def norm_area(area: str | None) -> str:
    """Storage key of an area of the oral cavity: ``"10"``, ``"01"`` (legacy ``UR`` → ``"10"``);
    ``""`` for none."""
    return oral_area.normalise_area(area) or ""


class CombinedHistory(History):
    """Several stores as one; a procedure present in two of them is returned once."""

    def __init__(self, sources: Iterable[History]) -> None:
        self.sources = [s for s in sources if s is not None]

    def lookup(
        self,
        member_id: str,
        tooth: str | None,
        before: dt.date,
        since: dt.date | None = None,
    ) -> list[PriorProcedure]:
        return self._merge(
            source.lookup(member_id, tooth, before, since) for source in self.sources
        )

    def lookup_codes(
        self,
        member_id: str,
        codes: Iterable[str],
        before: dt.date,
        since: dt.date | None = None,
    ) -> list[PriorProcedure]:
        codes = frozenset(codes)
        return self._merge(
            source.lookup_codes(member_id, codes, before, since) for source in self.sources
        )

    @staticmethod
    def _merge(groups: Iterable[Iterable[PriorProcedure]]) -> list[PriorProcedure]:
        found: dict[tuple[Any, ...], PriorProcedure] = {}
        for group in groups:
            for record in group:
                key = _identity(record)
                kept = found.get(key)
                if kept is None or (counts(record) and not counts(kept)):
                    found[key] = record  # paid beats denied (see STATUS_RULE)
        return sorted(found.values(), key=lambda r: (r.date, r.code))

    def benefits(
        self,
        member_id: str,
        payer_id: str | None,
        plan_id: str | None,
        day: dt.date | None,
    ) -> MemberBenefits | None:
        for source in self.sources:  # the first store that knows the member
            found = source.benefits(member_id, payer_id, plan_id, day)
            if found is not None:
                return found
        return None

    def close(self) -> None:
        for source in self.sources:
            source.close()


def combine(*sources: History | None) -> History | None:
    """One History over the given stores (None and empty in-memory stores skipped)."""
    useful = [
        s for s in sources if s is not None and not (isinstance(s, InMemoryHistory) and not len(s))
    ]
    if not useful:
        return None
    return useful[0] if len(useful) == 1 else CombinedHistory(useful)


# -- SQL stores ------------------------------------------------------------------------------


class SQLHistory(History):
    """DB-API store with standard SQL. Subclasses provide ``connect()`` and ``placeholder``."""

    placeholder = "?"
    table = "prior_procedure"

    DDL = (
        "CREATE TABLE IF NOT EXISTS prior_procedure ("
        " member_id VARCHAR(80) NOT NULL,"
        " tooth VARCHAR(4) NOT NULL,"
        " date DATE NOT NULL,"
        " code VARCHAR(8) NOT NULL,"
        " surfaces VARCHAR(8) NOT NULL,"
        " status VARCHAR(20) NOT NULL,"
        " payer_id VARCHAR(80),"
        " claim_id VARCHAR(80),"
        " area VARCHAR(4) NOT NULL DEFAULT '',"
        " UNIQUE (member_id, tooth, date, code, surfaces, area))",
        "CREATE INDEX IF NOT EXISTS prior_procedure_lookup"
        " ON prior_procedure (member_id, tooth, date)",
        "CREATE INDEX IF NOT EXISTS prior_procedure_codes"
        " ON prior_procedure (member_id, code, date)",
    )
    #: the columns that identify a procedure (the UNIQUE constraint; ON CONFLICT target). A
    #: store made before ``area`` existed is rebuilt with it by ``create()``.
    IDENTITY = ("member_id", "tooth", "date", "code", "surfaces", "area")
    COLUMNS = ("member_id", "tooth", "date", "code", "surfaces", "status", "payer_id", "claim_id")
    #: columns added for the impact report (docs/impact.md). A store created before them
    #: lacks them: ``create()`` (run by ``history import``) adds them with ALTER TABLE, and a
    #: store opened read-only without them still works (they read as empty).
    IMPACT_COLUMNS = (
        ("plan_id", "VARCHAR(80)"),
        ("charge", "VARCHAR(20)"),
        ("paid_as", "VARCHAR(8)"),
    )

    benefits_table = "member_benefits"
    #: the member's own benefit status; payer_id and plan_id are "" for "any"; amounts are
    #: decimal text (exact); one row per member, payer, plan and as_of day
    BENEFITS_DDL = (
        "CREATE TABLE IF NOT EXISTS member_benefits ("
        " member_id VARCHAR(80) NOT NULL,"
        " payer_id VARCHAR(80) NOT NULL,"
        " plan_id VARCHAR(80) NOT NULL,"
        " as_of DATE NOT NULL,"
        " coverage_start DATE,"
        " coverage_end DATE,"
        " deductible_met VARCHAR(24),"
        " deductible_remaining VARCHAR(24),"
        " maximum_used VARCHAR(24),"
        " waiting_period_start DATE,"
        " UNIQUE (member_id, payer_id, plan_id, as_of))",
        "CREATE INDEX IF NOT EXISTS member_benefits_lookup ON member_benefits (member_id)",
    )
    BENEFITS_FIELDS = (
        "coverage_start",
        "coverage_end",
        "deductible_met",
        "deductible_remaining",
        "maximum_used",
        "waiting_period_start",
    )

    def __init__(self, connection: Any) -> None:
        self.conn = connection
        if not hasattr(self, "warnings"):
            self.warnings = []

    #: problems with the store's content, one line each, without values (for stderr)
    warnings: list[str]
    #: how the store is named in messages (a SQLite path, a URL without its password)
    name: str = "history store"

    def create(self) -> None:
        """Create the tables, or migrate an older store to :data:`SCHEMA_VERSION`: the steps
        of :data:`MIGRATIONS` past the store's version, in order, then the version is recorded;
        one transaction where the database has transactional DDL (PostgreSQL). A store of a
        newer version is refused (HistoryError)."""
        found = self.check_version()
        cur = self.conn.cursor()
        for version, _what in MIGRATIONS:
            if version > found:
                getattr(self, f"migrate_to_{version}")(cur)
        if found != SCHEMA_VERSION:
            self._record_version(cur, SCHEMA_VERSION)
        self.conn.commit()
        self._has_benefits = True

    def migrate_to_1(self, cur: Any) -> None:
        for statement in self.DDL:
            cur.execute(statement)

    def migrate_to_2(self, cur: Any) -> None:
        for statement in self.BENEFITS_DDL:
            cur.execute(statement)

    def migrate_to_3(self, cur: Any) -> None:
        present = self._columns()
        for name, kind in self.IMPACT_COLUMNS:
            if name not in present:
                cur.execute(f"ALTER TABLE {self.table} ADD COLUMN {name} {kind}")
        cur.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")

    def migrate_to_4(self, cur: Any) -> None:
        present = self._columns()
        if "area" not in present:
            self._rebuild_with_area(cur, present)
        for statement in self.DDL[1:]:
            cur.execute(statement)
        self._has_area = True

    def _rebuild_with_area(self, cur: Any, present: set[str]) -> None:
        """Migrate a store made before the ``area`` column: the column is part of a
        procedure's identity (two quadrants of scaling on one day are two procedures), which
        ALTER TABLE cannot add to a UNIQUE constraint, so the table is copied into a new one
        (standard SQL: rename, create, insert ... select, drop; the indexes are made again
        by the caller)."""
        old = f"{self.table}_before_area"
        cur.execute("DROP INDEX IF EXISTS prior_procedure_lookup")
        cur.execute("DROP INDEX IF EXISTS prior_procedure_codes")
        cur.execute(f"ALTER TABLE {self.table} RENAME TO {old}")
        cur.execute(self.DDL[0])
        for name, kind in self.IMPACT_COLUMNS:
            if name in present:
                cur.execute(f"ALTER TABLE {self.table} ADD COLUMN {name} {kind}")
        cols = ", ".join(
            c for c in (*self.COLUMNS, *(n for n, _ in self.IMPACT_COLUMNS)) if c in present
        )
        cur.execute(f"INSERT INTO {self.table} ({cols}) SELECT {cols} FROM {old}")
        cur.execute(f"DROP TABLE {old}")

    _has_area: bool | None = None

    def has_area_column(self) -> bool:
        """Whether the store has the ``area`` column (a store made before it has not, until
        the next ``history import``; it is read as if every area were empty). Asked once."""
        if self._has_area is None:
            self._has_area = "area" in self._columns()
        return self._has_area

    def _record_version(self, cur: Any, version: int) -> None:
        cur.execute("DELETE FROM schema_version")
        cur.execute(self._sql("INSERT INTO schema_version (version) VALUES (?)"), [version])

    def schema_version(self) -> int:
        """The version the store records; 0 for an empty database or a store made before
        versions were recorded."""
        conn = self.conn  # (a connection error is not a missing table)
        try:
            cur = conn.cursor()
            cur.execute("SELECT MAX(version) FROM schema_version")
            row = cur.fetchone()
        except Exception:  # no schema_version table (any DB-API driver's error)
            rollback = getattr(conn, "rollback", None)
            if rollback is not None:
                rollback()
            return 0
        return int(row[0]) if row and row[0] is not None else 0

    def check_version(self) -> int:
        """The store's version; HistoryError when it is newer than this claimlint knows."""
        found = self.schema_version()
        if found > SCHEMA_VERSION:
            raise HistoryError(
                f"{self.name}: the history tables are at schema version {found}, made by a newer "
                f"claimlint (this one knows versions up to {SCHEMA_VERSION}); upgrade claimlint "
                "to use this store"
            )
        return found

    def driver_error(self, exc: BaseException) -> HistoryError | None:
        """A database driver's error during an import as a HistoryError (no value, no
        password), or None when ``exc`` is not one this store translates."""
        return None

    _has_benefits: bool | None = None

    def has_benefits_table(self) -> bool:
        """Whether the store has the member_benefits table (an older store has not; it is
        added by the next ``history import``). Asked once per store."""
        if self._has_benefits is None:
            try:
                cur = self.conn.cursor()
                cur.execute(f"SELECT COUNT(*) FROM {self.benefits_table} WHERE 1 = 0")
                cur.fetchall()
                self._has_benefits = True
            except Exception:  # the table does not exist (any DB-API driver's error)
                self._has_benefits = False
                rollback = getattr(self.conn, "rollback", None)
                if rollback is not None:
                    rollback()
        return self._has_benefits

    #: member-benefit rows the last :meth:`add_benefits` replaced (same member, payer, plan
    #: and as_of day imported again: the newer import wins)
    last_replaced: int = 0

    def add_benefits(
        self, rows: Iterable[tuple[str, str, str, MemberBenefits]], *, commit: bool = True
    ) -> int:
        """Store (member id, payer id, plan id, values) rows; returns how many are new. A row
        for the same member, payer, plan and as_of day replaces the stored one."""
        cols = ("member_id", "payer_id", "plan_id", "as_of", *self.BENEFITS_FIELDS)
        updates = ", ".join(f"{c} = excluded.{c}" for c in self.BENEFITS_FIELDS)
        sql = self._sql(
            f"INSERT INTO {self.benefits_table} ({', '.join(cols)}) "
            f"VALUES ({', '.join('?' for _ in cols)}) "
            f"ON CONFLICT (member_id, payer_id, plan_id, as_of) DO UPDATE SET {updates}"
        )
        data = [
            (
                member,
                payer,
                plan,
                values.as_of.isoformat() if values.as_of else "",
                *(_stored(getattr(values, name)) for name in self.BENEFITS_FIELDS),
            )
            for member, payer, plan, values in rows
        ]
        self.last_replaced = 0
        if not data:
            return 0
        cur = self.conn.cursor()
        before = self.count_benefits()
        cur.executemany(sql, data)
        if commit:
            self.conn.commit()
        inserted = self.count_benefits() - before
        self.last_replaced = len(data) - inserted
        return inserted

    def count_benefits(self) -> int:
        if not self.has_benefits_table():
            return 0
        cur = self.conn.cursor()
        cur.execute(f"SELECT COUNT(*) FROM {self.benefits_table}")
        return int(cur.fetchone()[0])

    def benefits(
        self,
        member_id: str,
        payer_id: str | None,
        plan_id: str | None,
        day: dt.date | None,
    ) -> MemberBenefits | None:
        if not self.has_benefits_table():
            return None
        cols = ("payer_id", "plan_id", "as_of", *self.BENEFITS_FIELDS)
        cur = self.conn.cursor()
        cur.execute(
            self._sql(f"SELECT {', '.join(cols)} FROM {self.benefits_table} WHERE member_id = ?"),
            [member_id],
        )
        rows = []
        for row in cur.fetchall():
            values = _benefits_row(row)
            if values is not None:
                rows.append((str(row[0] or ""), str(row[1] or ""), values))
        return pick_benefits(rows, payer_id, plan_id, day)

    def _columns(self) -> set[str]:
        """The table's column names (standard DB-API: the description of an empty SELECT)."""
        cur = self.conn.cursor()
        cur.execute(f"SELECT * FROM {self.table} WHERE 1 = 0")
        return {str(d[0]).lower() for d in cur.description or ()}

    def _impact_columns(self) -> tuple[str, ...]:
        present = self._columns()
        return tuple(name for name, _ in self.IMPACT_COLUMNS if name in present)

    def _sql(self, text: str) -> str:
        return text.replace("?", self.placeholder)

    #: rows the last :meth:`add_many` changed from a status that does not count to one that
    #: does (STATUS_RULE)
    last_updated: int = 0

    def add_many(
        self, records: Iterable[PriorProcedure], *, commit: bool = True
    ) -> tuple[int, int]:
        """Insert records; returns (inserted, already present). A record already present with
        a status that does not count (denied, void) takes the new one's status when that one
        counts (paid): see STATUS_RULE. ``commit=False`` leaves the transaction open (one
        transaction for a whole import)."""
        names, rows = self._procedure_rows(records)
        cols = ", ".join(names)
        marks = ", ".join("?" for _ in names)
        sql = self._sql(f"INSERT INTO {self.table} ({cols}) VALUES ({marks}) ")
        sql += self._upsert_clause(names)
        self.last_updated = 0
        if not rows:
            return 0, 0
        cur = self.conn.cursor()
        before = self.count()
        cur.executemany(sql, rows)
        changed = cur.rowcount
        if commit:
            self.conn.commit()
        inserted = self.count() - before
        self.last_updated = max(changed - inserted, 0) if changed is not None else 0
        return inserted, len(rows) - inserted

    #: the statuses that do not count, as an SQL list
    _NOT_DONE_SQL = ", ".join(f"'{s}'" for s in sorted(NOT_DONE))

    def _upsert_clause(self, names: tuple[str, ...]) -> str:
        """The ``ON CONFLICT`` end of the insert (STATUS_RULE: a stored row that does not
        count takes the values of one that does)."""
        extra = names[len(self.COLUMNS) :]
        not_done = self._NOT_DONE_SQL
        updates = "".join(f", {name} = excluded.{name}" for name in extra)
        return (
            f"ON CONFLICT ({', '.join(self.IDENTITY if 'area' in names else self.IDENTITY[:-1])}) "
            "DO UPDATE SET "
            "status = excluded.status, payer_id = excluded.payer_id, "
            f"claim_id = excluded.claim_id{updates} "
            f"WHERE LOWER({self.table}.status) IN ({not_done}) "
            f"AND LOWER(excluded.status) NOT IN ({not_done})"
        )

    def _procedure_rows(
        self, records: Iterable[PriorProcedure]
    ) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
        """(column names, one tuple of values per record) as stored."""
        records = list(records)
        extra = self._impact_columns() if records else ()
        area = ("area",) if records and self.has_area_column() else ()
        names = (*self.COLUMNS, *area, *extra)
        rows = [
            (
                r.member_id,
                norm_tooth(r.tooth),
                r.date.isoformat(),
                r.code,
                "".join(r.surfaces),
                r.status,
                r.payer_id,
                r.claim_id,
                *((norm_area(r.area),) if area else ()),
                *(_impact_value(r, name) for name in extra),
            )
            for r in records
        ]
        return names, rows

    def count(self) -> int:
        cur = self.conn.cursor()
        cur.execute(f"SELECT COUNT(*) FROM {self.table}")
        return int(cur.fetchone()[0])

    def lookup(
        self,
        member_id: str,
        tooth: str | None,
        before: dt.date,
        since: dt.date | None = None,
    ) -> list[PriorProcedure]:
        where = ["member_id = ?", "date < ?"]
        params: list[Any] = [member_id, before.isoformat()]
        if tooth is not None:
            where.insert(1, "tooth = ?")
            params.insert(1, norm_tooth(tooth))
        if since is not None:
            where.append("date >= ?")
            params.append(since.isoformat())
        return self._select(where, params)

    def lookup_codes(
        self,
        member_id: str,
        codes: Iterable[str],
        before: dt.date,
        since: dt.date | None = None,
    ) -> list[PriorProcedure]:
        """Answered from the (member_id, code, date) index."""
        wanted = sorted(set(codes))
        if not wanted:
            return []
        where = [f"code IN ({', '.join('?' for _ in wanted)})", "member_id = ?", "date < ?"]
        params: list[Any] = [*wanted, member_id, before.isoformat()]
        if since is not None:
            where.append("date >= ?")
            params.append(since.isoformat())
        return self._select(where, params)

    def _select(self, where: list[str], params: list[Any]) -> list[PriorProcedure]:
        area = ("area",) if self.has_area_column() else ()
        cols = ", ".join((*self.COLUMNS, *area))
        sql = self._sql(
            f"SELECT {cols} FROM {self.table} WHERE {' AND '.join(where)} ORDER BY date, code"
        )
        cur = self.conn.cursor()
        cur.execute(sql, params)
        out: list[PriorProcedure] = []
        width = len(self.COLUMNS)
        for row in cur.fetchall():
            record = self._record(tuple(row[:width]))
            if record is None:
                self.skipped += 1  # a row written by another tool: skipped (see bad_rows)
                continue
            if area and row[width]:
                record = record.replace(area=str(row[width]))
            out.append(record)
        return out

    #: rows a lookup skipped because they cannot be read (bad date, wrong types)
    skipped: int = 0

    def records(self, status: str | None = None) -> list[PriorProcedure]:
        """Every readable row (only those with ``status`` when given), in date order, with
        the impact columns when the store has them. Unreadable rows are skipped."""
        extra = (*self._impact_columns(), *(("area",) if self.has_area_column() else ()))
        cols = ", ".join((*self.COLUMNS, *extra))
        sql = f"SELECT {cols} FROM {self.table}"
        params: list[Any] = []
        if status is not None:
            sql += " WHERE LOWER(status) = ?"
            params.append(status.lower())
        cur = self.conn.cursor()
        cur.execute(self._sql(sql + " ORDER BY date, member_id, code"), params)
        out: list[PriorProcedure] = []
        for row in cur.fetchall():
            record = self._record(tuple(row[: len(self.COLUMNS)]))
            if record is None:
                self.skipped += 1
                continue
            values = dict(zip(extra, row[len(self.COLUMNS) :], strict=True))
            out.append(_with_impact(record, values))
        return out

    @staticmethod
    def _record(row: tuple[Any, ...]) -> PriorProcedure | None:
        """A stored row as a PriorProcedure, or None when it cannot be one (a date that is
        not YYYY-MM-DD, a missing code): such rows are skipped, never an error per claim."""
        member, tooth, date, code, surfaces, status, payer, claim = row
        if isinstance(date, dt.datetime):
            date = date.date()
        elif not isinstance(date, dt.date):
            if not isinstance(date, str) or not _ISO_DATE.fullmatch(date):
                return None
            try:
                date = dt.date.fromisoformat(date)
            except ValueError:
                return None
        if member is None or not code:
            return None
        return PriorProcedure.construct(
            member_id=str(member),
            tooth=str(tooth) if tooth not in (None, "") else None,
            date=date,
            code=str(code),
            surfaces=tuple(str(surfaces or "")),
            status=str(status or "paid"),
            payer_id=None if payer is None else str(payer),
            claim_id=None if claim is None else str(claim),
        )

    def close(self) -> None:
        self.conn.close()


class SQLiteHistory(SQLHistory):
    """The embedded store: ``SQLiteHistory("history.sqlite")`` (created when missing if
    ``create=True``, which ``history import`` uses; linting opens an existing file)."""

    _conn: Any = None

    def __init__(self, path: str | Path, *, create: bool = False) -> None:
        self.path = Path(path)
        self.name = str(self.path)
        self._conn = None
        #: problems with the store's content, one line each, without values (for stderr)
        self.warnings: list[str] = []
        if not create and not self.path.is_file():
            raise HistoryError(f"{self.path}: history database does not exist")
        if create and self.path.exists() and not self.path.is_file():
            raise HistoryError(f"{self.path}: not a file")
        try:
            conn = sqlite3.connect(str(self.path))
            super().__init__(conn)
            if create:
                self.create()
            else:
                self.count()  # fails early on a file that is not a history database
                self.check_version()
                bad = self.bad_rows()
                if bad:
                    self.warnings.append(
                        f"{self.path}: {bad} history row{'s' if bad != 1 else ''} with a date "
                        "that is not YYYY-MM-DD (or another unreadable value) are skipped; "
                        "delete them and import the source again"
                    )
        except sqlite3.Error as exc:
            raise HistoryError(f"{self.path}: not a usable history database: {exc}") from None

    # A sqlite3 connection cannot be pickled (``--jobs`` under the spawn start method, the
    # macOS and Windows default) and must not be shared across fork: the store pickles as its
    # path and opens its own connection on first use in the process that unpickled it.

    @property
    def conn(self) -> Any:
        if self._conn is None:
            try:
                self._conn = sqlite3.connect(str(self.path))
            except sqlite3.Error as exc:
                raise HistoryError(f"{self.path}: not a usable history database: {exc}") from None
        return self._conn

    @conn.setter
    def conn(self, value: Any) -> None:
        self._conn = value

    def __reduce__(self) -> tuple[Any, ...]:
        return (_reopen_sqlite, (str(self.path),))

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def bad_rows(self) -> int:
        """Rows a lookup would skip (a date SQLite does not read back as the same
        YYYY-MM-DD, a NULL or empty code or member)."""
        cur = self.conn.cursor()
        cur.execute(
            f"SELECT COUNT(*) FROM {self.table} WHERE typeof(date) != 'text' "
            "OR date(date) IS NULL OR date(date) != date OR substr(date, 1, 4) = '0000' "
            "OR member_id IS NULL OR code IS NULL OR code = ''"
        )
        return int(cur.fetchone()[0])

    def schema_version(self) -> int:
        """The ``schema_version`` table's version, or ``PRAGMA user_version`` (the stores of
        versions 1 and 2 recorded it only there), whichever is higher."""
        cur = self.conn.cursor()
        cur.execute("PRAGMA user_version")
        pragma = int(cur.fetchone()[0])
        return max(pragma, super().schema_version())

    def _record_version(self, cur: Any, version: int) -> None:
        super()._record_version(cur, version)
        cur.execute(f"PRAGMA user_version = {int(version)}")

    def writable_error(self, exc: sqlite3.Error) -> HistoryError:
        if isinstance(exc, sqlite3.OperationalError) and "readonly" in str(exc).replace(" ", ""):
            return HistoryError(f"{self.path}: the history database is read-only; nothing imported")
        return HistoryError(
            f"{self.path}: cannot write the history database ({exc}); nothing imported"
        )


def _stored(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _read_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _read_amount(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() and amount >= 0 else None


def _benefits_row(row: tuple[Any, ...]) -> MemberBenefits | None:
    """A stored member_benefits row (payer, plan, as_of, fields...) as MemberBenefits; None
    when its as_of cannot be read. A value that cannot be read is taken as missing."""
    _payer, _plan, as_of, start, end, met, remaining, used, waiting = row
    day = _read_date(as_of)
    if day is None:
        return None
    return MemberBenefits.construct(
        coverage_start=_read_date(start),
        coverage_end=_read_date(end),
        deductible_met=_read_amount(met),
        deductible_remaining=_read_amount(remaining),
        maximum_used=_read_amount(used),
        waiting_period_start=_read_date(waiting),
        as_of=day,
        ref=None,
    )


def _impact_value(record: PriorProcedure, name: str) -> str | None:
    value = getattr(record, name, None)
    if value is None:
        return None
    return f"{value}" if not isinstance(value, str) else value


def _with_impact(record: PriorProcedure, values: dict[str, Any]) -> PriorProcedure:
    """``record`` with the impact columns read back (a value that is not an amount or a code
    is left out, as if the column were empty)."""
    from decimal import Decimal, InvalidOperation

    charge: Decimal | None = None
    raw = values.get("charge")
    if raw not in (None, ""):
        try:
            charge = Decimal(str(raw))
        except InvalidOperation:
            charge = None
        if charge is not None and (not charge.is_finite() or charge < 0):
            charge = None
    paid_as = str(values.get("paid_as") or "").strip().upper() or None
    plan = values.get("plan_id")
    return record.replace(
        plan_id=None if plan in (None, "") else str(plan),
        charge=charge,
        paid_as=paid_as,
        area=str(values.get("area") or "") or None,
    )


def _reopen_sqlite(path: str) -> SQLiteHistory:
    """Unpickle a :class:`SQLiteHistory`: its path only; connected lazily."""
    store = SQLiteHistory.__new__(SQLiteHistory)
    store.path = Path(path)
    store.name = path
    store._conn = None
    store.warnings = []
    return store


def procedures_of(claim: Claim, status: str = "billed") -> Iterator[PriorProcedure]:
    """History rows for a claim: one per service line and tooth (voided claims give none)."""
    member = claim.member_key
    if not member or claim.frequency_code == "8":
        return
    for line in claim.lines:
        date = claim.service_date(line)
        if date is None:
            continue
        # a line with teeth: one row per tooth; else one row per area of the oral cavity
        # (two quadrants on one line are two procedures), or one row with neither
        areas: list[str | None] = [
            a for a in map(oral_area.normalise_area, line.oral_cavity) if a
        ] or [None]
        pairs: list[tuple[ToothEntry | None, str | None]] = (
            [(e, None) for e in line.teeth] if line.teeth else [(None, a) for a in areas]
        )
        for entry, area in pairs:
            yield PriorProcedure.construct(
                member_id=member,
                code=line.code,
                date=date,
                tooth=norm_tooth(entry.tooth) or None if entry is not None else None,
                surfaces=tuple(entry.surfaces) if entry is not None else (),
                status=status,
                payer_id=claim.payer_id,
                claim_id=claim.claim_id,
                area=area,
            )


def for_context(ctx: Any) -> History | None:
    """The history a check should use: ``ctx.history`` plus the batch's inline history.

    The engine keeps a batch's ``"history"`` records in ``ctx.options["inline_history"]``
    (a list); they are indexed once here and cached on the context.
    """
    inline = ctx.options.get("inline_history") or []
    cached = ctx.options.get("_inline_history_index")
    if cached is None or cached[0] != len(inline) or cached[1] is not ctx.history:
        store = InMemoryHistory(inline) if inline else None
        cached = (len(inline), ctx.history, combine(ctx.history, store))
        ctx.options["_inline_history_index"] = cached
    history: History | None = cached[2]
    return history
