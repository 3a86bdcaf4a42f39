"""Which history store a ``history`` value names: a SQLite file, or a PostgreSQL database
(``postgresql://``). The CLI, the engine and the impact report open stores through
:func:`open_store`."""

from __future__ import annotations

from pathlib import Path

from claimlint.payer.history import HistoryError, SQLHistory, SQLiteHistory
from claimlint.payer.history_url import display_name, is_url, url_scheme

#: URL schemes of the PostgreSQL store (libpq's two spellings)
POSTGRES_SCHEMES = ("postgresql", "postgres")


def open_store(target: str | Path, *, create: bool = False) -> SQLHistory:
    """The history store a ``history`` value names: a SQLite file, or a PostgreSQL database
    given as ``postgresql://user@host:port/dbname`` (psycopg, extra ``postgresql``).
    ``create=True`` (``history import``) creates or migrates the tables."""
    text = str(target)
    scheme = url_scheme(text)
    if scheme is None:
        return SQLiteHistory(text, create=create)
    if scheme in POSTGRES_SCHEMES:
        from claimlint.payer.history_pg import PostgresHistory

        return PostgresHistory(text, create=create)
    raise HistoryError(
        f"{display_name(text)}: a history URL must start with postgresql:// (or give a SQLite "
        "file path)"
    )


__all__ = ["display_name", "is_url", "open_store"]
