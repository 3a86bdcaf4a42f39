"""History lookups stay fast with a million rows (a benchmark, not a unit test).

    python benchmarks/history_lookup.py [--rows 1000000] [--lookups 20000] [--db PATH]

Generates synthetic prior procedures (members SYN0000000..., random teeth, codes and dates in
2020-2025) into a SQLite history file, then times member + tooth + date lookups as the
frequency checks do, and prints the build time, the database size and the time per lookup.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from claimlint.core.model import PriorProcedure
from claimlint.payer.history import SQLiteHistory

CODES = ("D2140", "D2150", "D2160", "D2330", "D2391", "D2392", "D2393", "D2740", "D2750")
SURFACES = ("O", "MO", "DO", "MOD", "B", "L", "MODB")


def generate(rows: int, members: int, rng: random.Random):
    start = dt.date(2020, 1, 1).toordinal()
    for _ in range(rows):
        yield PriorProcedure.construct(
            member_id=f"SYN{rng.randrange(members):07d}",
            code=rng.choice(CODES),
            date=dt.date.fromordinal(start + rng.randrange(6 * 365)),
            tooth=str(rng.randint(1, 32)),
            surfaces=tuple(rng.choice(SURFACES)),
            status="paid",
            payer_id="SYNPAYER1",
            claim_id=None,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=20_000)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--db", type=Path, default=None, help="keep the database here")
    args = parser.parse_args()
    rng = random.Random(42)

    folder = tempfile.TemporaryDirectory()
    db = args.db or Path(folder.name) / "history.sqlite"
    store = SQLiteHistory(db, create=True)
    t0 = time.perf_counter()
    batch: list[PriorProcedure] = []
    inserted = 0
    for record in generate(args.rows, args.members, rng):
        batch.append(record)
        if len(batch) == 50_000:
            inserted += store.add_many(batch)[0]
            batch.clear()
    inserted += store.add_many(batch)[0]
    build = time.perf_counter() - t0
    size_mb = db.stat().st_size / 1e6
    print(f"rows inserted     {inserted:>12,} (of {args.rows:,} generated; rest were duplicates)")
    print(f"build time        {build:>12.1f} s   database {size_mb:.0f} MB")

    queries = [
        (
            f"SYN{rng.randrange(args.members):07d}",
            str(rng.randint(1, 32)),
            dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(365)),
        )
        for _ in range(args.lookups)
    ]
    found = 0
    t0 = time.perf_counter()
    for member, tooth, day in queries:
        found += len(store.lookup(member, tooth, before=day))
    elapsed = time.perf_counter() - t0
    print(f"lookups           {args.lookups:>12,}   rows returned {found:,}")
    print(f"per lookup        {elapsed / args.lookups * 1e6:>12.1f} µs")
    plan = store.conn.execute(
        "EXPLAIN QUERY PLAN SELECT * FROM prior_procedure "
        "WHERE member_id = ? AND tooth = ? AND date < ?",
        queries[0],
    ).fetchall()
    print("query plan        " + "; ".join(str(row[-1]) for row in plan))
    store.close()
    folder.cleanup()


if __name__ == "__main__":
    main()
