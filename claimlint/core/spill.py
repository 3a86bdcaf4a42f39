"""First-seen indexes and counters that keep memory flat on very large runs.

Rules across claims (CL412 duplicates) must remember every procedure of the run, and a
streamed report counts every finding key (fingerprints' occurrence numbers). Held in a dict
that costs about 400 bytes per key, a million-claim file would need a gigabyte. ``FirstSeen``
and ``SpilledCounter`` keep their first ``limit`` keys in a dict (fast; ordinary batches never
leave it) and then move them to a :class:`DigestIndex`: about 9 bytes of memory per key.

A :class:`DigestIndex` keeps one 8-byte entry per key in sorted ``array('Q')`` runs, one per
4,096 buckets chosen by the first 12 bits of the key's 64-bit blake2b digest; an entry is the
next 28 bits of the digest and where the key's record is (36 bits, in units of 8 bytes) in a
temporary file (deleted when closed). The record holds the key's exact text and its value
(CL412: the file, claim and line of the first occurrence), read back only when the entry's
40 digest bits match, that is for a repeated key or, rarely, another key with the same 40 bits.
A lookup is a ``bisect`` in a bucket of a few hundred entries, an insertion one ``array.insert``
(a short memmove in C).

A digest collision costs nothing wrong: the record's text is compared with the key (every
record whose entry has the same 40 bits is read), so a key whose bits match another key's is
recorded as new beside it and never reported as a duplicate of the other. It costs one extra
read of the temporary file, with a probability of about n/2^40 per lookup (one read in
300,000 lookups at 3 million keys).
Without that comparison a false CL412 (a claim line reported as a duplicate of an unrelated
one) would happen with probability about n²/2^65 per run for full 64-bit digests (10^-7 at 3
million keys); the comparison makes it zero for the price of keeping the texts on disk.

Measured against the earlier spill to a temporary SQLite table keyed by the key's text, and a
dict (benchmarks/spill.py, figures in benchmarks/results.md).
"""

from __future__ import annotations

import hashlib
import sqlite3
import tempfile
from array import array
from bisect import bisect_left, insort
from typing import IO, Any

#: keys held in a dict before they move to the compact index (~4 MB)
DEFAULT_LIMIT = 10_000
#: values SpilledLists holds in a dict before it moves them to a temporary SQLite file
LISTS_LIMIT = 50_000

_BUCKET_BITS = 12
_FRAGMENT_BITS = 28
_PLACE_BITS = 36  # where a record is, in units of 8 bytes: up to 512 GB of records
_PLACE_MASK = (1 << _PLACE_BITS) - 1
_FRAGMENT_MASK = (1 << _FRAGMENT_BITS) - 1


class DigestIndex:
    """Exact set of key texts (each with a value text) in about 9 bytes of memory per key;
    see the module docstring. ``find(text)``: ``(place, value text)`` or None; ``add(text,
    value)``: the new key's place (the caller makes sure it is new)."""

    def __init__(self) -> None:
        self._buckets: list[array[int] | None] = [None] * (1 << _BUCKET_BITS)
        self._file: IO[bytes] | None = None
        self._end = 0
        self.count = 0

    @staticmethod
    def _digest(text: str) -> tuple[int, int]:
        digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest()
        h = int.from_bytes(digest, "big")
        return h >> (64 - _BUCKET_BITS), (h >> (64 - _BUCKET_BITS - _FRAGMENT_BITS)) & (
            _FRAGMENT_MASK
        )

    def _record(self, place: int) -> tuple[str, str]:
        fh = self._file
        assert fh is not None
        fh.seek(place << 3)
        line = fh.readline()
        fh.seek(self._end)
        key, _, value = (
            line.rstrip(b"\n").rstrip(b" ").decode("utf-8", "surrogatepass").partition("\t")
        )
        return key, value

    def find(self, text: str) -> tuple[int, str] | None:
        bucket_no, fragment = self._digest(text)
        bucket = self._buckets[bucket_no]
        if bucket is None:
            return None
        # every key with these 40 bits (nearly always none, or the key itself) is read back
        # and compared: a collision is never taken for a repeat
        i = bisect_left(bucket, fragment << _PLACE_BITS)
        while i < len(bucket) and bucket[i] >> _PLACE_BITS == fragment:
            place = bucket[i] & _PLACE_MASK
            key, value = self._record(place)
            if key == text:
                return place, value
            i += 1
        return None

    def add(self, text: str, value: str = "") -> int:
        """Record ``text`` (new: the caller looked it up first) with ``value``."""
        fh = self._file
        if fh is None:
            fh = self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        data = f"{text}\t{value}".encode("utf-8", "surrogatepass")
        data += b" " * (-(len(data) + 1) % 8) + b"\n"
        place = self._end >> 3
        fh.write(data)
        self._end += len(data)
        self.count += 1
        bucket_no, fragment = self._digest(text)
        bucket = self._buckets[bucket_no]
        if bucket is None:
            bucket = self._buckets[bucket_no] = array("Q")
        insort(bucket, (fragment << _PLACE_BITS) | place)
        return place

    def nbytes(self) -> int:
        """Memory held by the entries (for benchmarks)."""
        return sum(b.buffer_info()[1] * b.itemsize for b in self._buckets if b is not None)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


class FirstSeen:
    """``first(key, value)``: None when ``key`` is new (and records ``value``), else the value
    recorded the first time. Values are tuples of str/int/None. The first ``limit`` keys are
    held in a dict, then they move to a :class:`DigestIndex` (exact: keyed by the key's
    ``repr``)."""

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self.limit = limit
        self._mem: dict[tuple[Any, ...], tuple[Any, ...]] = {}
        self._index: DigestIndex | None = None

    def first(self, key: tuple[Any, ...], value: tuple[Any, ...]) -> tuple[Any, ...] | None:
        index = self._index
        if index is None:
            earlier = self._mem.get(key)
            if earlier is not None:
                return earlier
            self._mem[key] = value
            if len(self._mem) > self.limit:
                self._move()
            return None
        text = repr(key)
        found = index.find(text)
        if found is not None:
            return _value(found[1])
        index.add(text, repr(value))
        return None

    def get(self, key: tuple[Any, ...]) -> tuple[Any, ...] | None:
        """The value recorded for ``key``, or None; records nothing."""
        if self._index is None:
            return self._mem.get(key)
        found = self._index.find(repr(key))
        return None if found is None else _value(found[1])

    def __len__(self) -> int:
        return len(self._mem) if self._index is None else self._index.count

    def _move(self) -> None:
        index = DigestIndex()
        for k, v in self._mem.items():
            index.add(repr(k), repr(v))
        self._mem = {}
        self._index = index

    def close(self) -> None:
        if self._index is not None:
            self._index.close()
            self._index = None
            self._mem = {}


class SpilledCounter:
    """``next(key)``: how many times ``key`` was counted before (0 the first time), and count
    it once more. The first ``limit`` keys are held in a dict, then they move to a
    :class:`DigestIndex` (exact: keyed by the key's ``repr``); the few keys counted more than
    once keep their count in a dict beside it."""

    def __init__(self, limit: int = DEFAULT_LIMIT) -> None:
        self.limit = limit
        self._mem: dict[tuple[Any, ...], int] = {}
        self._index: DigestIndex | None = None
        self._repeats: dict[int, int] = {}  # place -> count, for keys counted twice or more

    def next(self, key: tuple[Any, ...]) -> int:
        index = self._index
        if index is None:
            n = self._mem.get(key, 0)
            self._mem[key] = n + 1
            if n == 0 and len(self._mem) > self.limit:
                self._move()
            return n
        text = repr(key)
        found = index.find(text)
        if found is None:
            index.add(text)
            return 0
        place = found[0]
        n = self._repeats.get(place, 1)
        self._repeats[place] = n + 1
        return n

    def _move(self) -> None:
        index = DigestIndex()
        for k, n in self._mem.items():
            place = index.add(repr(k))
            if n > 1:
                self._repeats[place] = n
        self._mem = {}
        self._index = index

    def close(self) -> None:
        if self._index is not None:
            self._index.close()
            self._index = None


class SpilledLists:
    """``add(key, value)`` appends to the list of ``key``; ``get(key)`` is that list in the
    order added. The first ``limit`` values are held in a dict, the rest move to a temporary
    SQLite file. Values are tuples of str/int/None."""

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
        self._db.execute("INSERT INTO items VALUES (?, ?, ?)", (key, self.count, repr(value)))

    def get(self, key: str) -> list[tuple[Any, ...]]:
        if self._db is None:
            return self._mem.get(key, [])
        rows = self._db.execute(
            "SELECT value FROM items WHERE key = ? ORDER BY seq", (key,)
        ).fetchall()
        return [_value(r[0]) for r in rows]

    def _spill(self) -> None:
        db = _temporary_db()
        db.execute("CREATE TABLE items (key TEXT, seq INTEGER, value TEXT)")
        db.execute("CREATE INDEX items_key ON items (key, seq)")
        seq = 0
        for key, values in self._mem.items():
            for value in values:
                seq += 1
                db.execute("INSERT INTO items VALUES (?, ?, ?)", (key, seq, repr(value)))
        self._mem = {}
        self._db = db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


def _temporary_db() -> sqlite3.Connection:
    """A private temporary SQLite database on disk, tuned for a scratch index."""
    db = sqlite3.connect("")
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    db.execute("PRAGMA cache_size = -8000")  # 8 MB
    return db


def _value(text: str) -> tuple[Any, ...]:
    import ast

    return tuple(ast.literal_eval(text))
