"""The CL412 duplicate index: in memory or spilled, measured (issue 15, docs/memory.md).

    python benchmarks/spill.py --keys 1000000

Each variant records ``--keys`` CL412-shaped keys (member, code, tooth, surfaces, date) with
their first place (file, claim, line), 2 % of them repeated, in a child process, and reports
seconds and the child's peak RSS:

* ``dict``: an in-memory dict, never spilled (what the first 10,000 keys use);
* ``compact``: tried for issue 15, not kept: the first 10,000 keys in a dict, then a
  DigestIndex: 8-byte entries (40 bits of a blake2b digest, 36 bits of place) in sorted
  ``array('Q')`` buckets, the key texts and values in a temporary file, read back and compared
  only when the bits match, so that a collision is never taken for a repeat;
* ``sqlite-text``: the spill claimlint used until issue 15 (the first 50,000 keys in a dict,
  then a temporary SQLite table keyed by the key's text);
* ``sqlite-text-10k``: the same with a 10,000-key dict before the spill: what
  claimlint.core.spill.FirstSeen does since issue 15 (flat past the dict, as small as the
  compact index at 1M keys);
* ``sqlite-digest``: a spill keyed by a 64-bit blake2b digest (``INTEGER PRIMARY KEY``, the
  text kept beside it to detect a collision): tried for issue 15, slower and larger, not kept;
* ``digest-set``: compact keys in memory: a Python set of 64-bit digests, with the first
  places appended to a temporary file (read back only for a duplicate).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import subprocess
import sys
import tempfile
import time
from array import array
from bisect import bisect_left, insort
from pathlib import Path
from typing import IO, Any

ROOT = Path(__file__).resolve().parent.parent
VARIANTS = ("dict", "compact", "sqlite-text", "sqlite-text-10k", "sqlite-digest", "digest-set")


def keys(n: int) -> Any:
    base = dt.date(2025, 1, 1)
    for i in range(n):
        j = i if i % 50 else i // 2  # 2 % repeat an earlier key
        yield (
            (
                f"MEMBER{j // 3:07d}",
                f"D2{j % 400:03d}",
                str(j % 32 + 1),
                "MO",
                base + dt.timedelta(days=j % 300),
            ),
            ("batch.837", f"PCN{i // 3}", i % 3 + 1),
        )


def digest(text: str) -> int:
    import hashlib

    return int.from_bytes(
        hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest(),
        "little",
        signed=True,
    )


def _text(key: tuple[Any, ...]) -> str:
    return "\x1f".join("" if part is None else str(part) for part in key)


def _value(text: str) -> Any:
    import ast

    return tuple(ast.literal_eval(text))


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


class CompactFirstSeen:
    """FirstSeen with the compact index past ``limit`` keys (tried for issue 15, not kept)."""

    def __init__(self, limit: int = 10_000) -> None:
        self.limit = limit
        self._mem: dict[Any, Any] = {}
        self._index: DigestIndex | None = None

    def first(self, key: Any, value: Any) -> Any:
        index = self._index
        if index is None:
            earlier = self._mem.get(key)
            if earlier is not None:
                return earlier
            self._mem[key] = value
            if len(self._mem) > self.limit:
                index = self._index = DigestIndex()
                for k, v in self._mem.items():
                    index.add(repr(k), repr(v))
                self._mem = {}
            return None
        text = repr(key)
        found = index.find(text)
        if found is not None:
            return _value(found[1])
        index.add(text, repr(value))
        return None


class SqliteTextSpill:
    """The spill claimlint used before issue 15's compact index (claimlint.core.spill.FirstSeen
    until 2026-12-03): the first 50,000 keys in a dict, then a text-keyed SQLite table."""

    def __init__(self, limit: int = 50_000) -> None:
        self.limit = limit
        self._mem: dict[Any, Any] = {}
        self._db: Any = None

    def first(self, key: Any, value: Any) -> Any:
        if self._db is None:
            earlier = self._mem.get(key)
            if earlier is not None:
                return earlier
            self._mem[key] = value
            if len(self._mem) > self.limit:
                from claimlint.core.spill import _temporary_db

                db = _temporary_db()
                db.execute("CREATE TABLE seen (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID")
                db.executemany(
                    "INSERT INTO seen VALUES (?, ?)",
                    ((_text(k), repr(v)) for k, v in self._mem.items()),
                )
                self._mem = {}
                self._db = db
            return None
        text = _text(key)
        cur = self._db.execute("INSERT OR IGNORE INTO seen VALUES (?, ?)", (text, repr(value)))
        if cur.rowcount:
            return None
        row = self._db.execute("SELECT value FROM seen WHERE key = ?", (text,)).fetchone()
        return _value(row[0])


class DigestSpill:
    """The spill keyed by a digest (tried, not kept); a collision goes to an exact table."""

    def __init__(self) -> None:
        from claimlint.core.spill import _temporary_db

        self.db = _temporary_db()
        self.db.execute("CREATE TABLE seen (h INTEGER PRIMARY KEY, key TEXT, value TEXT)")
        self.db.execute("CREATE TABLE clash (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID")

    def first(self, key: Any, value: Any) -> Any:
        text = _text(key)
        h = digest(text)
        db = self.db
        cur = db.execute("INSERT OR IGNORE INTO seen VALUES (?, ?, ?)", (h, text, repr(value)))
        if cur.rowcount:
            return None
        row = db.execute("SELECT key, value FROM seen WHERE h = ?", (h,)).fetchone()
        if row[0] == text:
            return _value(row[1])
        cur = db.execute("INSERT OR IGNORE INTO clash VALUES (?, ?)", (text, repr(value)))
        if cur.rowcount:
            return None
        row = db.execute("SELECT value FROM clash WHERE key = ?", (text,)).fetchone()
        return _value(row[0])


class DigestSet:
    """Compact keys in memory; first places in an append-only temporary file."""

    def __init__(self) -> None:
        import tempfile

        self.seen: dict[int, int] = {}
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the index

    def first(self, key: Any, value: Any) -> Any:
        h = digest(_text(key))
        at = self.seen.get(h)
        if at is None:
            self.seen[h] = self.file.seek(0, 2)
            self.file.write(repr(value).encode() + b"\n")
            return None
        self.file.seek(at)
        return _value(self.file.readline().decode())


def child(variant: str, n: int) -> None:
    from claimlint.core.spill import FirstSeen

    index: Any
    if variant == "dict":
        index = FirstSeen(limit=10**12)
    elif variant == "compact":
        index = CompactFirstSeen()
    elif variant == "sqlite-text":
        index = SqliteTextSpill()
    elif variant == "sqlite-text-10k":
        index = FirstSeen()
    elif variant == "sqlite-digest":
        index = DigestSpill()
    else:
        index = DigestSet()
    start = time.perf_counter()
    dupes = 0
    for key, value in keys(n):
        if index.first(key, value) is not None:
            dupes += 1
    print(f"{time.perf_counter() - start:.2f} {dupes}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keys", type=int, default=1_000_000)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.keys)
        return 0
    print("| Variant | Keys | Seconds | µs per key | Peak RSS MB | Duplicates |")
    print("|---|---:|---:|---:|---:|---:|")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for variant in args.variants.split(","):
        cmd = [sys.executable, __file__, "--keys", str(args.keys), "--child", variant]
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)
        assert proc.stdout is not None
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)  # the child's own peak, not the largest
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds, dupes = out.split()
        peak = f"{usage.ru_maxrss / 1024:.1f}"
        per = float(seconds) / args.keys * 1e6
        print(
            f"| {variant} | {args.keys:,} | {float(seconds):.2f} | {per:.1f} | {peak} | "
            f"{int(dupes):,} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
