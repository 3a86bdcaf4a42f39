"""The history store on PostgreSQL against SQLite (a benchmark, not a unit test).

    python benchmarks/history_pg.py [--rows 1000000] [--lookups 20000] [--claims 5000]
        [--url postgresql://...] [--out benchmarks/history-pg-results.md]

1. **Import**: the same ``--rows`` synthetic prior procedures (benchmarks/history_lookup.py's
   generator: 100,000 members, random teeth, codes, dates 2020-2025) into an empty store, in
   50,000-row batches and one transaction, as ``history import`` does: SQLite by
   ``executemany`` of ``INSERT ... ON CONFLICT``, PostgreSQL by ``COPY`` into a staging table
   and one ``INSERT ... SELECT ... ON CONFLICT`` per batch (then ``ANALYZE``).
2. **Lookups**: ``--lookups`` member + tooth + date lookups as the frequency rules make them.
3. **Per claim**: ``claimlint check`` of ``--claims`` generated JSONL claims
   (benchmarks/generate.py, on the Gold profile so the frequency rules run) with no history,
   the SQLite store and the PostgreSQL store (each store holds the 1M rows plus one prior
   procedure per claimed line); the difference per claim is what the history costs.

The server is ``--url`` (a database the user may fill; its tables are dropped first), else
one started with initdb in a temporary folder by tests/pgserver.py, with PostgreSQL's default
settings (fsync on). The machine is shared: the load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))

import pgserver  # noqa: E402
from generate import generate as generate_claims  # noqa: E402
from history_lookup import generate as generate_rows  # noqa: E402

from claimlint.core.model import PriorProcedure  # noqa: E402
from claimlint.payer.history import SQLHistory, SQLiteHistory  # noqa: E402
from claimlint.payer.history_pg import PostgresHistory  # noqa: E402

PROFILE = ROOT / "fixtures" / "profiles" / "example-mutual-ppo-gold.toml"
BATCH = 50_000


def load() -> str:
    one, five, _fifteen = os.getloadavg()
    return f"{one:.1f} / {five:.1f}"


def fill(store: SQLHistory, rows: int, members: int, extra: list[PriorProcedure]) -> float:
    """Seconds to import ``rows`` generated rows plus ``extra`` in one transaction."""
    rng = random.Random(42)
    t0 = time.perf_counter()
    batch: list[PriorProcedure] = []
    for record in generate_rows(rows, members, rng):
        batch.append(record)
        if len(batch) == BATCH:
            store.add_many(batch, commit=False)
            batch.clear()
    store.add_many([*batch, *extra], commit=False)
    store.conn.commit()
    if isinstance(store, PostgresHistory):
        store.analyze()
    return time.perf_counter() - t0


def lookups(store: SQLHistory, count: int, members: int) -> tuple[float, int]:
    rng = random.Random(7)
    queries = [
        (
            f"SYN{rng.randrange(members):07d}",
            str(rng.randint(1, 32)),
            dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(365)),
        )
        for _ in range(count)
    ]
    found = 0
    t0 = time.perf_counter()
    for member, tooth, day in queries:
        found += len(store.lookup(member, tooth, before=day, since=day - dt.timedelta(days=1825)))
    return (time.perf_counter() - t0) / count, found


def claim_history(claims: Path) -> list[PriorProcedure]:
    """One prior procedure, two years back, per line of each claim (same member and tooth)."""
    out = []
    for text in claims.read_text().splitlines():
        claim = json.loads(text)
        member = claim["subscriber"]["member_id"]
        day = dt.date.fromisoformat(claim["date_of_service"])
        for line in claim["lines"]:
            out.append(
                PriorProcedure.model_construct(
                    member_id=member, code=line["code"], date=day - dt.timedelta(days=700),
                    tooth=line.get("tooth"), surfaces=tuple(line.get("surfaces") or ""),
                    status="paid", payer_id="SYNPAYER1", claim_id=None,
                )
            )  # fmt: skip
    return out


def check(claims: Path, history: str | None) -> float:
    args = [sys.executable, "-m", "claimlint", "check", str(claims), "--profile", str(PROFILE),
            "--format", "jsonl", "-o", f"jsonl={os.devnull}", "--today", "2026-01-15"]  # fmt: skip
    if history:
        args += ["--history", history]
    t0 = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - t0
    if done.returncode not in (0, 1):
        raise SystemExit(f"claimlint check failed: {done.stderr[-500:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--lookups", type=int, default=20_000)
    parser.add_argument("--claims", type=int, default=5_000)
    parser.add_argument("--reps", type=int, default=3, help="runs of each check (median)")
    parser.add_argument("--url", default=None, help="PostgreSQL database to use (emptied)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "history-pg-results.md")
    args = parser.parse_args()

    server = None
    if args.url:
        url = args.url
        pgserver.Server(admin_url=url).execute(
            url, "DROP TABLE IF EXISTS prior_procedure, member_benefits, schema_version"
        )
    else:
        server = pgserver.start(settings=("max_connections=30",))
        url = server.new_database()
    folder = tempfile.TemporaryDirectory()
    try:
        claims = Path(folder.name) / "claims.jsonl"
        generate_claims("jsonl", args.claims, claims, seed=3)
        extra = claim_history(claims)
        results: dict[str, dict[str, float]] = {}
        db = Path(folder.name) / "history.sqlite"
        stores: list[tuple[str, SQLHistory, str]] = [
            ("SQLite", SQLiteHistory(db, create=True), str(db)),
            ("PostgreSQL", PostgresHistory(url, create=True), url),
        ]
        for name, store, _target in stores:
            print(f"{name}: importing {args.rows:,} rows (load {load()}) ...", file=sys.stderr)
            results[name] = {"load_import": 0.0}
            results[name]["import"] = fill(store, args.rows, args.members, extra)
            results[name]["load_import"] = os.getloadavg()[0]
            results[name]["rows"] = store.count()
            per, found = lookups(store, args.lookups, args.members)
            results[name]["lookup_us"] = per * 1e6
            results[name]["found"] = found
            store.close()
        size_sqlite = db.stat().st_size / 1e6
        size_pg = (
            pgserver.Server(admin_url=url).execute(
                url, "SELECT pg_total_relation_size('prior_procedure')"
            )[0][0]
            / 1e6
        )
        timings: dict[str, list[float]] = {"none": [], "SQLite": [], "PostgreSQL": []}
        for rep in range(args.reps):
            for key, target in (("none", None), ("SQLite", str(db)), ("PostgreSQL", url)):
                print(f"[{rep + 1}/{args.reps}] check with history {key} ...", file=sys.stderr)
                timings[key].append(check(claims, target))
        median = {k: sorted(v)[len(v) // 2] for k, v in timings.items()}
        check_load = os.getloadavg()
    finally:
        folder.cleanup()
        if server is not None:
            server.stop()

    def per_claim(key: str) -> float:
        return (median[key] - median["none"]) / args.claims * 1e3

    where = (
        "A server started by the script with initdb (default settings, fsync on), on loopback"
        if server
        else "The server at --url"
    )
    lines = [
        "| Store | Import of "
        f"{args.rows:,} rows (s) | Rows/s | Table + indexes MB | Lookup (µs) | "
        f"`check` of {args.claims:,} claims (s, median of {args.reps}) | "
        "History cost per claim (ms) |",
        "|---|---:|---:|---:|---:|---:|---:|",
        f"| none | | | | | {median['none']:.2f} | |",
    ]
    for name, size in (("SQLite", size_sqlite), ("PostgreSQL", size_pg)):
        r = results[name]
        lines.append(
            f"| {name} | {r['import']:.1f} | {args.rows / r['import']:,.0f} | {size:.0f} | "
            f"{r['lookup_us']:.0f} | {median[name]:.2f} | {per_claim(name):.2f} |"
        )
    lines += [
        "",
        f"{dt.date.today()}, Python {platform.python_version()}, {platform.system()} "
        f"{platform.machine()}, {os.cpu_count()} CPUs, shared with other jobs: load average "
        f"(1 min) {results['SQLite']['load_import']:.1f} after the SQLite import, "
        f"{results['PostgreSQL']['load_import']:.1f} after the PostgreSQL import, "
        f"{check_load[0]:.1f} / {check_load[1]:.1f} (1 / 5 min) after the checks. "
        f"{where}; "
        f"{results['PostgreSQL']['rows']:,.0f} rows stored ({args.rows:,} generated plus "
        f"{len(extra):,} for the claims, less duplicates). Lookups: {args.lookups:,} member + "
        "tooth + 5-year-window lookups of random members (on PostgreSQL nearly all a member not "
        "read yet: one round trip and the member's rows read).",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.write_text(text)
    print(f"(written to {args.out})", file=sys.stderr)


if __name__ == "__main__":
    main()
