"""A first-seen index that keeps memory flat on very large runs.

Rules across claims (CL412 duplicates) must remember every procedure of the run. Held in a
dict that costs about 400 bytes per service line, so a million-claim file would need a
gigabyte. ``FirstSeen`` keeps the first ``limit`` keys in a dict (fast; ordinary batches never
leave it) and then moves them to a temporary SQLite file (stdlib; deleted when closed), whose
page cache is bounded: memory stays flat whatever the run's size, at a few microseconds per
lookup beyond the limit.

Measured against the alternatives (benchmarks/spill.py, figures in benchmarks/results.md):

* a compact in-memory index (8-byte entries: 40 bits of a blake2b digest and where the key's
  text and value are in a temporary file, in sorted ``array('Q')`` buckets; the text compared
  on a match, so a collision is never a false CL412) holds about 9 bytes per key and grows
  with the run: at 1,000,000 keys it peaked at 45 MB and took 56 s, this spill with a
  10,000-key dict 44 MB and 48 s (2026-12-03, loaded machine), and the spill stays flat
  beyond. The spill is kept, with its dict lowered from 50,000 keys (about 20 MB) to 10,000;
* a spill keyed by a 64-bit digest was slower and larger than this text-keyed table, and a
  Python set of digests costs about 80 bytes per key.

``SpilledCounter`` is the same for the fingerprints' occurrence counter of a streamed run
(claimlint.running.streaming): one counter per finding key, in a dict up to ``limit`` keys.
"""

from __future__ import annotations

import datetime as dt
import marshal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite3

#: keys held in memory before spilling (~4 MB)
DEFAULT_LIMIT = 10_000
#: values SpilledLists holds in a dict before it moves them to a temporary SQLite file
LISTS_LIMIT = 50_000


def _text(key: tuple[Any, ...]) -> str:
    """The key as the table's text: short (the b-tree's size is what a spilled insert costs)
    and one text per key. Parts joined by US (0x1f); None as a lone RS (0x1e); a date as GS
    (0x1d) and its ISO form. A key with another type, or a part holding one of the FS–US
    control characters (0x1c–0x1f), is FS followed by its ``repr`` instead: the counts of the
    three marks tell the two apart, so no two keys share a text (None is not "None", a part
    holding a separator is not two parts)."""
    parts: list[str] = []
    nones = dates = 0
    for part in key:
        cls = part.__class__
        if cls is str:
            parts.append(part)
        elif part is None:
            parts.append("\x1e")
            nones += 1
        elif cls is dt.date:
            parts.append("\x1d" + part.isoformat())
            dates += 1
        else:
            return "\x1c" + repr(key)
    text = "\x1f".join(parts)
    if (
        text.count("\x1f") == len(parts) - 1
        and text.count("\x1e") == nones
        and text.count("\x1d") == dates
        and "\x1c" not in text
    ):
        return text
    return "\x1c" + repr(key)


class FirstSeen:
    """``first(key, value)``: None when ``key`` is new (and records ``value``), else the value
    recorded the first time. Values are tuples of str/int/None."""

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self.limit = limit
        self._mem: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        self._db: sqlite3.Connection | None = None

    def first(self, key: tuple[Any, ...], value: tuple[Any, ...]) -> tuple[Any, ...] | None:
        if self._db is None:
            earlier = self._mem.get(key)
            if earlier is not None:
                return earlier
            self._mem[key] = value
            if len(self._mem) > self.limit:
                self._spill()
            return None
        text = _text(key)
        cur = self._db.execute("INSERT OR IGNORE INTO seen VALUES (?, ?)", (text, _blob(value)))
        if cur.rowcount:
            return None
        row = self._db.execute("SELECT value FROM seen WHERE key = ?", (text,)).fetchone()
        return _value(row[0])

    def get(self, key: tuple[Any, ...]) -> tuple[Any, ...] | None:
        """The value recorded for ``key``, or None; records nothing."""
        if self._db is None:
            return self._mem.get(key)
        row = self._db.execute("SELECT value FROM seen WHERE key = ?", (_text(key),)).fetchone()
        return None if row is None else _value(row[0])

    def __len__(self) -> int:
        if self._db is None:
            return len(self._mem)
        count: int = self._db.execute("SELECT count(*) FROM seen").fetchone()[0]
        return count

    def _spill(self) -> None:
        db = _temporary_db()
        db.execute("CREATE TABLE seen (key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID")
        db.executemany(
            "INSERT INTO seen VALUES (?, ?)",
            ((_text(k), _blob(v)) for k, v in self._mem.items()),
        )
        self._mem = {}
        self._db = db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


class SpilledCounter:
    """``next(key)``: how many times ``key`` was counted before (0 the first time), and count
    it once more. The first ``limit`` keys are held in a dict, then they move to a temporary
    SQLite file (exact: keyed by the key's ``repr``)."""

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self.limit = limit
        self._mem: dict[tuple[Any, ...], int] = {}
        self._db: sqlite3.Connection | None = None

    def next(self, key: tuple[Any, ...]) -> int:
        if self._db is None:
            n = self._mem.get(key, 0)
            self._mem[key] = n + 1
            if n == 0 and len(self._mem) > self.limit:
                self._spill()
            return n
        row = self._db.execute(
            "INSERT INTO counts VALUES (?, 1) ON CONFLICT (key) DO UPDATE SET n = n + 1 "
            "RETURNING n",
            (repr(key),),
        ).fetchone()
        count: int = row[0] - 1
        return count

    def _spill(self) -> None:
        db = _temporary_db()
        db.execute("CREATE TABLE counts (key TEXT PRIMARY KEY, n INTEGER) WITHOUT ROWID")
        db.executemany(
            "INSERT INTO counts VALUES (?, ?)", ((repr(k), n) for k, n in self._mem.items())
        )
        self._mem = {}
        self._db = db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


class SpilledLists:
    """``add(key, value)`` appends to the list of ``key``; ``get(key)`` is that list in the
    order added. The first ``limit`` values are held in a dict, the rest move to a temporary
    SQLite file like ``FirstSeen``. Values are tuples of str/int/None."""

    def __init__(self, limit: int = LISTS_LIMIT) -> None:
        self.limit = limit
        self.count = 0
        self._mem: dict[str, list[tuple[Any, ...]]] = {}
        self._db: sqlite3.Connection | None = None

    def add(self, key: str, value: tuple[Any, ...]) -> None:
        self.count += 1
        if self._db is None:
            self._mem.setdefault(key, []).append(value)
            if self.count > self.limit:
                self._spill()
            return
        self._db.execute("INSERT INTO items VALUES (?, ?, ?)", (key, self.count, _blob(value)))

    def get(self, key: str) -> list[tuple[Any, ...]]:
        if self._db is None:
            return self._mem.get(key, [])
        rows = self._db.execute(
            "SELECT value FROM items WHERE key = ? ORDER BY seq", (key,)
        ).fetchall()
        return [_value(r[0]) for r in rows]

    def _spill(self) -> None:
        db = _temporary_db()
        db.execute("CREATE TABLE items (key TEXT, seq INTEGER, value BLOB)")
        db.execute("CREATE INDEX items_key ON items (key, seq)")
        seq = 0
        for key, values in self._mem.items():
            for value in values:
                seq += 1
                db.execute("INSERT INTO items VALUES (?, ?, ?)", (key, seq, _blob(value)))
        self._mem = {}
        self._db = db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def _temporary_db() -> sqlite3.Connection:
    """A private temporary SQLite database on disk, tuned for a scratch index."""
    import sqlite3  # here: most runs never spill (start-up)

    db = sqlite3.connect("")
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA cache_size = -8000")  # 8 MB
    return db


def _blob(value: tuple[Any, ...]) -> bytes:
    # marshal (about as short as the repr, read back in C; a value is read on every spilled
    # duplicate and ast.literal_eval cost ~70 µs), pickle for what marshal cannot hold. The
    # file is private to this process and deleted on close.
    try:
        return b"m" + marshal.dumps(value)
    except ValueError:
        import pickle  # here: start-up (a small run never spills)

        return b"p" + pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def _value(blob: bytes) -> tuple[Any, ...]:
    data = blob[1:]
    if blob[:1] == b"m":
        return tuple(marshal.loads(data))
    import pickle

    return tuple(pickle.loads(data))
