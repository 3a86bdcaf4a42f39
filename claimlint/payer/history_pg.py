"""The history store on PostgreSQL: ``--history postgresql://user@host:5432/dbname``.

For a group of practices or a billing service that shares one patient history. The tables,
the SQL of lookups and the migrations are :class:`~claimlint.payer.history.SQLHistory`'s
(standard SQL; ``%s`` placeholders here); this class adds the connection (psycopg 3, the
optional extra ``postgresql``) and an import through ``COPY``:

* the rows of one file are copied into a temporary staging table, then moved into
  ``prior_procedure`` by one ``INSERT ... SELECT ... ON CONFLICT`` that applies the same
  status rule as SQLite (STATUS_RULE: a procedure known twice keeps the first copy that
  counts as done, else the first);
* ``history import`` commits once at the end: all files' rows or none (a row the database
  refuses, an interrupted import: the tables are as before).

The password in the URL is never shown: messages name the URL with ``***`` in its place
(:func:`redact`), and a driver's message is scrubbed of it. A password is best kept out of
the URL altogether (``PGPASSWORD`` or ``~/.pgpass``, which libpq reads).
"""

from __future__ import annotations

import datetime as dt
import time
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from claimlint.core.model import PriorProcedure
from claimlint.payer.history import HistoryError, SQLHistory, norm_tooth
from claimlint.payer.history_url import redact, scrub, without_values

#: seconds to wait for the server before the connection is an error
CONNECT_TIMEOUT = 10
#: a member's history is read once and reused for this many seconds: the rules ask for the
#: same member several times per claim (by tooth, by window), and each ask would be a round
#: trip to the server; a procedure imported meanwhile is seen at most this much later
CACHE_SECONDS = 5.0
#: members whose history is kept (the least recently used is dropped first)
CACHE_MEMBERS = 1024


class PostgresHistory(SQLHistory):
    """``PostgresHistory("postgresql://claimlint@db.example:5432/history")``: the tables must
    exist (``create=True``, which ``history import`` uses, creates or migrates them)."""

    placeholder = "%s"
    _conn: Any = None
    #: the staging table of an import (temporary: one per connection, dropped at commit)
    stage = "claimlint_stage"

    def __init__(self, url: str, *, create: bool = False) -> None:
        self.url = url
        self.name = redact(url)
        self.writable = create
        self._conn = None
        #: problems with the store's content (none are known on PostgreSQL: its columns are
        #: typed), kept for the interface SQLiteHistory has
        self.warnings: list[str] = []
        self._check_url()
        try:
            if create:
                self.create()
            else:
                self.check_version()
                self.count()  # the tables exist
        except HistoryError:
            self.close()
            raise
        except Exception as exc:
            self.close()
            if _is_missing_table(exc):
                raise HistoryError(
                    f"{self.name}: the database has no claimlint history tables; fill it "
                    f"first: claimlint history import FILES --history {self.name}"
                ) from None
            raise HistoryError(f"{self.name}: {self._message(exc)}") from None

    def _check_url(self) -> None:
        try:
            parts = urlsplit(self.url)
            parts.port  # noqa: B018 - raises ValueError for a port that is not a number
        except ValueError:
            raise HistoryError(
                f"{self.name}: not a PostgreSQL URL (postgresql://user@host:port/dbname)"
            ) from None
        if not parts.path.strip("/") and "dbname=" not in parts.query:
            raise HistoryError(
                f"{self.name}: the URL names no database (postgresql://user@host:port/dbname)"
            )

    # Connected on first use, in the process that uses it: a connection cannot be pickled
    # (--jobs, the service's workers) nor shared across fork; the store pickles as its URL.

    @property
    def conn(self) -> Any:
        if self._conn is None:
            self._conn = self._connect()
        return self._conn

    @conn.setter
    def conn(self, value: Any) -> None:
        self._conn = value

    def _connect(self) -> Any:
        try:
            import psycopg
        except ImportError:
            raise HistoryError(
                f"{self.name}: a PostgreSQL history needs psycopg; install it with "
                "pip install 'dental-claimlint[postgresql]'"
            ) from None
        where = self._where()
        try:
            # linting reads with autocommit (no transaction left open between lookups); an
            # import writes in one transaction, committed at its end
            return psycopg.connect(
                self.url,
                autocommit=not self.writable,
                connect_timeout=CONNECT_TIMEOUT,
                application_name="claimlint",
            )
        except psycopg.Error as exc:
            raise HistoryError(
                f"{self.name}: cannot connect to the history database {where} "
                f"({scrub(str(exc), self.url)})"
            ) from None

    def _where(self) -> str:
        """``'dbname' on host:port`` for messages (never the user's password)."""
        try:
            parts = urlsplit(self.url)
            host = parts.hostname or dict(parse_qsl(parts.query)).get("host") or "localhost"
            port = parts.port or 5432
        except ValueError:
            return "(unreadable URL)"
        database = unquote(parts.path.strip("/")) or dict(parse_qsl(parts.query)).get("dbname", "")
        return f"{database!r} on {unquote(host)}:{port}"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_reopen, (self.url, self.writable))

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None

    def _message(self, exc: BaseException) -> str:
        """A driver's error in words without values or password."""
        diag = getattr(exc, "diag", None)
        primary = getattr(diag, "message_primary", None) if diag is not None else None
        if primary:
            return without_values(scrub(str(primary), self.url))
        return scrub(str(exc), self.url) or type(exc).__name__

    def driver_error(self, exc: BaseException) -> HistoryError | None:
        try:
            import psycopg
        except ImportError:  # pragma: no cover - a store exists only with psycopg
            return None
        if not isinstance(exc, psycopg.Error):
            return None
        return HistoryError(
            f"{self.name}: the database refused the import ({self._message(exc)}); nothing imported"
        )

    # -- lookups: one query per member ---------------------------------------------------

    _cache: OrderedDict[str, tuple[float, list[PriorProcedure]]] | None = None

    def lookup(
        self,
        member_id: str,
        tooth: str | None,
        before: dt.date,
        since: dt.date | None = None,
    ) -> list[PriorProcedure]:
        """As :meth:`SQLHistory.lookup` (same rows, same order), from the member's whole
        history, read with one indexed query and kept :data:`CACHE_SECONDS`."""
        wanted = None if tooth is None else norm_tooth(tooth)
        return [
            r
            for r in self._member(member_id)
            if r.date < before
            and (since is None or r.date >= since)
            and (wanted is None or norm_tooth(r.tooth) == wanted)
        ]

    def lookup_codes(
        self,
        member_id: str,
        codes: Iterable[str],
        before: dt.date,
        since: dt.date | None = None,
    ) -> list[PriorProcedure]:
        """As :meth:`SQLHistory.lookup_codes`, from the member's cached history."""
        wanted = frozenset(codes)
        return [
            r
            for r in self._member(member_id)
            if r.code in wanted and r.date < before and (since is None or r.date >= since)
        ]

    def _member(self, member_id: str) -> list[PriorProcedure]:
        if self._cache is None:
            self._cache = OrderedDict()
        now = time.monotonic()
        hit = self._cache.get(member_id)
        if hit is not None and hit[0] > now:
            self._cache.move_to_end(member_id)
            return hit[1]
        rows = self._select(["member_id = ?"], [member_id])
        self._cache[member_id] = (now + CACHE_SECONDS, rows)
        self._cache.move_to_end(member_id)
        while len(self._cache) > CACHE_MEMBERS:
            self._cache.popitem(last=False)
        return rows

    # -- import through COPY --------------------------------------------------------------

    def add_many(
        self, records: Iterable[PriorProcedure], *, commit: bool = True
    ) -> tuple[int, int]:
        """As :meth:`SQLHistory.add_many`, through COPY into a staging table and one
        ``INSERT ... SELECT ... ON CONFLICT`` (rows of the same procedure in one file:
        the first that counts as done wins, else the first, as SQLite's row-by-row insert
        gives)."""
        names, rows = self._procedure_rows(records)
        self.last_updated = 0
        self._cache = None  # what was read may have changed
        if not rows:
            return 0, 0
        cur = self.conn.cursor()
        key = ", ".join(self.IDENTITY if "area" in names else self.IDENTITY[:-1])
        cols = ", ".join(names)
        not_done = self._NOT_DONE_SQL
        cur.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {self.stage} "
            f"(ord BIGINT NOT NULL, LIKE {self.table}) ON COMMIT DROP"
        )
        cur.execute(f"TRUNCATE {self.stage}")
        with cur.copy(f"COPY {self.stage} (ord, {cols}) FROM STDIN") as copy:
            for number, row in enumerate(rows):
                copy.write_row((number, *row))
        # procedures new to the table whose first row does not count and a later one does:
        # SQLite inserts the first and updates it with the later one (one "updated")
        cur.execute(
            f"SELECT COUNT(*) FROM (SELECT {key} FROM {self.stage} GROUP BY {key} "
            f"HAVING BOOL_OR(LOWER(status) NOT IN ({not_done})) "
            f"AND (ARRAY_AGG(LOWER(status) ORDER BY ord))[1] IN ({not_done})) AS g "
            f"WHERE NOT EXISTS (SELECT 1 FROM {self.table} AS p WHERE "
            "p.member_id = g.member_id AND p.tooth = g.tooth AND p.date = g.date "
            "AND p.code = g.code AND p.surfaces = g.surfaces"
            f"{' AND p.area = g.area' if 'area' in names else ''})"
        )
        upgraded_new = int(cur.fetchone()[0])
        cur.execute(
            f"WITH up AS (INSERT INTO {self.table} ({cols}) "
            f"SELECT {cols} FROM (SELECT DISTINCT ON ({key}) {cols} FROM {self.stage} "
            f"ORDER BY {key}, LOWER(status) IN ({not_done}), ord) AS pick "
            f"{self._upsert_clause(names)} RETURNING (xmax = 0) AS new) "
            "SELECT COUNT(*) FILTER (WHERE new), COUNT(*) FILTER (WHERE NOT new) FROM up"
        )
        inserted, updated = (int(v) for v in cur.fetchone())
        if commit:
            self.conn.commit()
        self.last_updated = updated + upgraded_new
        return inserted, len(rows) - inserted

    def analyze(self) -> None:
        """Refresh the planner's statistics after a large import (lookups use the index)."""
        cur = self.conn.cursor()
        cur.execute(f"ANALYZE {self.table}")
        self.conn.commit()


def _is_missing_table(exc: BaseException) -> bool:
    return getattr(exc, "sqlstate", None) == "42P01"  # undefined_table


def _reopen(url: str, writable: bool) -> PostgresHistory:
    """Unpickle a :class:`PostgresHistory`: its URL only; connected lazily."""
    store = PostgresHistory.__new__(PostgresHistory)
    store.url = url
    store.name = redact(url)
    store.writable = writable
    store._conn = None
    store.warnings = []
    return store


__all__ = ["PostgresHistory"]
