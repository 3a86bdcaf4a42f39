"""The history store on PostgreSQL, against a real server (never a mock).

The session fixture ``pg`` starts one with initdb in a temporary folder on 127.0.0.1
(tests/pgserver.py; as root the server runs as the unprivileged 'postgres' or 'nobody' user),
or uses the server CLAIMLINT_TEST_POSTGRES_URL names. Where no server can be started (no
PostgreSQL binaries and no apt: .ci/run installs the Debian package), the tests that need one
skip and say why; the others (URL handling) run everywhere.
"""

from __future__ import annotations

import copy as copying
import datetime as dt
import json
import pickle
import random
import re
import sqlite3
from pathlib import Path
from urllib.parse import quote

import pgserver
import pytest
from click.testing import CliRunner
from conftest import FIXTURES

from claimlint.cli import main
from claimlint.core.config import load_config
from claimlint.core.model import PriorProcedure
from claimlint.payer.history import SCHEMA_VERSION, HistoryError, SQLiteHistory
from claimlint.payer.history_pg import PostgresHistory
from claimlint.payer.history_url import redact, scrub
from claimlint.payer.stores import display_name, open_store
from claimlint.running.history_import import import_files

PASSWORD = pgserver.PASSWORD
SECRETS = (PASSWORD, quote(PASSWORD, safe=""))
PROFILE = FIXTURES / "profiles" / "example-mutual-ppo-gold.toml"
D = dt.date


@pytest.fixture(scope="session")
def pg():
    try:
        server = pgserver.start()
    except pgserver.Unavailable as exc:
        pytest.skip(f"PostgreSQL server could not start here, so this test cannot run: {exc}")
    yield server
    server.stop()


@pytest.fixture
def url(pg):
    """A fresh, empty database of the test server (URL with the password)."""
    return pg.new_database()


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def leaks(text):
    return [s for s in SECRETS if s in text]


def csv_file(folder: Path, name: str, rows: list[str]) -> Path:
    path = folder / name
    path.write_text("member_id,code,date,tooth,surfaces,status\n" + "".join(rows))
    return path


def count(pg, url, table="prior_procedure"):
    return pg.execute(url, f"SELECT COUNT(*) FROM {table}")[0][0]


# -- same findings as SQLite ------------------------------------------------------------------

TEMPLATE = json.loads((FIXTURES / "rules" / "CL404" / "fail.json").read_text())["claims"][0]
#: (code, tooth, surfaces, charge): crowns (CL404 replacement window), fillings (CL403 per
#: surface), exams and cleanings (frequency per year) on the Gold plan's profile
PROCEDURES = (
    ("D2740", "3", "", 1300),
    ("D2750", "14", "", 1200),
    ("D2392", "30", "MO", 180),
    ("D2391", "19", "O", 150),
    ("D2140", "3", "O", 120),
    ("D1110", None, "", 90),
    ("D0120", None, "", 60),
    ("D0274", None, "", 70),
)


def generated(folder: Path, members: int = 120, seed: int = 5) -> tuple[Path, Path]:
    """A JSON batch of claims and a history CSV for the same members: prior procedures in
    and outside the plan's windows, denied and paid, and the same procedure twice."""
    rng = random.Random(seed)
    claims, rows = [], []
    for m in range(members):
        member = f"SYNPG{m:04d}"
        code, tooth, surfaces, charge = rng.choice(PROCEDURES)
        day = D(2025, 1, 1) + dt.timedelta(days=rng.randrange(300))
        claim = copying.deepcopy(TEMPLATE)
        claim["claim_id"] = f"PG{m:05d}"
        claim["subscriber"]["member_id"] = member
        claim["date_of_service"] = day.isoformat()
        claim["total_charge"] = charge
        line = {"line_number": 1, "code": code, "charge": charge}
        if tooth:
            line["tooth"] = tooth
        if surfaces:
            line["surfaces"] = surfaces
        if code.startswith("D27"):
            line["placement"] = "R"
            line["prior_placement_date"] = (
                day - dt.timedelta(days=rng.randrange(200, 4000))
            ).isoformat()
        claim["lines"] = [line]
        claims.append(claim)
        for _ in range(rng.randrange(4)):
            prior_code, prior_tooth, prior_surfaces, _c = rng.choice(
                [p for p in PROCEDURES if p[0][:3] == code[:3]] or PROCEDURES
            )
            prior_day = day - dt.timedelta(days=rng.randrange(20, 3000))
            status = rng.choice(("paid", "paid", "denied", "completed"))
            row = (
                f"{member},{prior_code},{prior_day},{prior_tooth or ''},{prior_surfaces},{status}\n"
            )
            rows.append(row)
            if rng.random() < 0.2:  # the same procedure again, maybe paid after denied
                rows.append(row.replace(f",{status}\n", f",{rng.choice(('paid', 'denied'))}\n"))
    batch = folder / "claims.json"
    batch.write_text(json.dumps({"version": "1", "claims": claims}))
    return batch, csv_file(folder, "prior.csv", rows)


def findings(batch: Path, history: str, profile: Path = PROFILE) -> list[dict]:
    result = run(
        "check", batch, "--history", history, "--profile", profile, "--format", "json",
        "--today", "2025-12-01",
    )  # fmt: skip
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)["findings"]


def test_lint_with_postgres_history_gives_the_sqlite_findings(pg, url, tmp_path):
    batch, prior = generated(tmp_path)
    sqlite_db = tmp_path / "h.sqlite"
    imported = run("history", "import", prior, "--history", sqlite_db)
    assert imported.exit_code == 0, imported.output
    imported = run("history", "import", prior, "--history", url)
    assert imported.exit_code == 0, imported.output
    expected = findings(batch, str(sqlite_db))
    got = findings(batch, url)
    assert got == expected
    codes = {f["code"] for f in got}
    assert {"CL403", "CL404"} <= codes, codes  # the frequency rules did look at the history
    # and the plan demo, its inline history moved into the store
    plan = json.loads((FIXTURES / "demo" / "plan-batch.json").read_text())
    history_only = tmp_path / "history.json"
    history_only.write_text(
        json.dumps({"version": "1", "claims": [], "history": plan.pop("history")})
    )
    claims_only = tmp_path / "plan.json"
    claims_only.write_text(json.dumps(plan))
    demo_db = tmp_path / "demo.sqlite"
    demo_url = pg.new_database()
    assert run("history", "import", history_only, "--history", demo_db).exit_code == 0
    assert run("history", "import", history_only, "--history", demo_url).exit_code == 0
    profiles = FIXTURES / "profiles"
    expected = findings(claims_only, str(demo_db), profiles)
    got = findings(claims_only, demo_url, profiles)
    assert got == expected and any(f["code"] == "CL403" for f in got)


def test_import_counts_and_duplicates_match_sqlite(pg, url, tmp_path):
    first = csv_file(tmp_path, "a.csv", [
        "SYN1,D2392,2024-06-02,30,MO,denied\n",
        "SYN1,D2392,2024-06-02,30,MO,paid\n",  # same procedure, paid after denied: updated
        "SYN1,D2392,2024-06-02,30,MO,denied\n",  # and denied again: stays paid
        "SYN2,D1110,2025-01-05,,,paid\n",
        "SYN2,D1110,2025-01-05,,,paid\n",  # an exact duplicate
        "SYN3,D2140,2023-03-03,3,O,void\n",
    ])  # fmt: skip
    second = csv_file(tmp_path, "b.csv", [
        "SYN3,D2140,2023-03-03,3,O,completed\n",  # void -> completed across files
        "SYN4,D2740,2022-02-02,14,,paid\n",
    ])  # fmt: skip
    db = tmp_path / "h.sqlite"
    outputs = {}
    for name, target in (("sqlite", db), ("pg", url)):
        lines = []
        for paths in ((first,), (first, second), (second,)):
            result = run("history", "import", *paths, "--history", target)
            assert result.exit_code == 0, result.output
            lines.append(result.output.replace(display_name(str(target)), "STORE"))
        outputs[name] = lines
    assert outputs["pg"] == outputs["sqlite"]
    assert outputs["pg"][0].startswith(
        "3 procedures imported into STORE from 1 path; 3 already present (1 of them now counted "
        "as done)"
    )
    assert "(1 of them now counted as done)" in outputs["pg"][1]  # void, then completed
    rows_sql = "SELECT member_id, tooth, date, code, surfaces, status FROM prior_procedure"
    sqlite_rows = sqlite3.connect(db).execute(rows_sql + " ORDER BY 1, 3").fetchall()
    pg_rows = pg.execute(
        url,
        "SELECT member_id, tooth, date::text, code, surfaces, status FROM prior_procedure "
        "ORDER BY 1, 3",
    )
    assert pg_rows == sqlite_rows
    assert ("SYN1", "30", "2024-06-02", "D2392", "MO", "paid") in pg_rows


# -- atomic import ----------------------------------------------------------------------------


def test_a_row_the_database_refuses_leaves_the_tables_as_before(pg, url, tmp_path):
    good = csv_file(tmp_path, "a.csv", ["SYN1,D2392,2024-06-02,30,MO,paid\n"])
    assert run("history", "import", good, "--history", url).exit_code == 0
    long_member = "SYNLONG" + "7" * 90  # longer than the column's 80 characters
    more = csv_file(
        tmp_path, "b.csv", [f"SYN{i},D1110,2025-01-{1 + i % 28:02d},,,paid\n" for i in range(500)]
    )
    bad = csv_file(
        tmp_path,
        "c.csv",
        ["SYN9,D1110,2025-02-02,,,paid\n", f"{long_member},D1110,2025-02-02,,,paid\n"],
    )
    result = run("history", "import", more, bad, "--history", url)
    assert result.exit_code == 2, result.output
    assert "nothing imported" in result.output and "Traceback" not in result.output
    assert long_member not in result.output  # the value is not echoed (PHI)
    assert not leaks(result.output)
    assert count(pg, url) == 1  # neither b.csv's 500 rows nor c.csv's good row


def test_an_import_interrupted_during_copy_leaves_the_tables_as_before(
    pg, url, tmp_path, monkeypatch
):
    import psycopg

    store = PostgresHistory(url, create=True)
    store.add_many([PriorProcedure(member_id="SYN0", code="D1110", date=D(2024, 1, 1))])
    rows = [f"SYN{i},D1110,2025-01-{1 + i % 28:02d},,,paid\n" for i in range(2000)]
    big = csv_file(tmp_path, "big.csv", rows)
    first = csv_file(tmp_path, "first.csv", ["SYN1,D2392,2024-06-02,30,MO,paid\n"])
    real = psycopg.Copy.write_row
    written = []

    def interrupted(self, row):
        written.append(row)
        if len(written) == 1500:  # in the middle of big.csv's COPY
            raise KeyboardInterrupt
        return real(self, row)

    monkeypatch.setattr(psycopg.Copy, "write_row", interrupted)
    with pytest.raises(KeyboardInterrupt):
        import_files([first, big], store)
    store.close()
    assert count(pg, url) == 1  # first.csv's row rolled back with the rest
    monkeypatch.undo()
    again = PostgresHistory(url, create=True)
    result = import_files([first, big], again)
    again.close()
    assert (result.inserted, result.duplicates) == (2001, 0)
    assert count(pg, url) == 2002


# -- schema and migrations --------------------------------------------------------------------

VERSION_1 = (
    "CREATE TABLE prior_procedure (member_id VARCHAR(80) NOT NULL, tooth VARCHAR(4) NOT NULL,"
    " date DATE NOT NULL, code VARCHAR(8) NOT NULL, surfaces VARCHAR(8) NOT NULL,"
    " status VARCHAR(20) NOT NULL, payer_id VARCHAR(80), claim_id VARCHAR(80),"
    " UNIQUE (member_id, tooth, date, code, surfaces))"
)


def test_a_store_at_an_older_version_is_migrated_in_order(pg, url, tmp_path):
    # a store as the first claimlint made it: prior_procedure only, no version recorded
    pg.execute(url, VERSION_1)
    pg.execute(
        url,
        "INSERT INTO prior_procedure VALUES ('SYN0001', '30', '2024-06-02', 'D2392', 'MO', "
        "'paid', NULL, NULL)",
    )
    batch = FIXTURES / "history" / "domain-7-3.json"
    # read as it is (an older store needs no migration to be linted)
    result = run(
        "check",
        batch,
        "--history",
        url,
        "--profile",
        PROFILE,
        "--today",
        "2025-06-01",
        "--select",
        "CL403",
    )
    assert "CL403" in result.output, result.output
    benefits = tmp_path / "benefits.csv"
    benefits.write_text(
        "member_id,payer_id,plan_id,as_of,maximum_used\nSYN0001,SYNPAYER1,GOLD,2025-01-01,100.00\n"
    )
    prior = csv_file(tmp_path, "p.csv", ["SYN0002,D1110,2025-01-05,,,paid\n"])
    result = run("history", "import", prior, benefits, "--history", url)
    assert result.exit_code == 0, result.output
    assert pg.execute(url, "SELECT version FROM schema_version") == [(SCHEMA_VERSION,)]
    columns = {
        r[0]
        for r in pg.execute(
            url,
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'prior_procedure'",
        )
    }
    assert {"plan_id", "charge", "paid_as", "area"} <= columns
    assert count(pg, url, "member_benefits") == 1
    assert count(pg, url) == 2  # the old row kept
    indexes = {
        r[0]
        for r in pg.execute(
            url, "SELECT indexname FROM pg_indexes WHERE tablename = 'prior_procedure'"
        )
    }
    assert "prior_procedure_lookup" in indexes


def test_a_sqlite_store_records_its_version_and_is_migrated(tmp_path):
    db = tmp_path / "h.sqlite"
    conn = sqlite3.connect(db)
    conn.execute(VERSION_1)
    conn.execute("PRAGMA user_version = 2")  # version 2 as recorded before the table existed
    conn.commit()
    conn.close()
    store = SQLiteHistory(db, create=True)
    assert store.schema_version() == SCHEMA_VERSION
    assert "plan_id" in store._columns()
    store.close()
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_store_of_a_newer_version_is_refused(pg, url, tmp_path):
    prior = csv_file(tmp_path, "p.csv", ["SYN1,D1110,2025-01-05,,,paid\n"])
    db = tmp_path / "h.sqlite"
    for target in (db, url):
        assert run("history", "import", prior, "--history", target).exit_code == 0
    pg.execute(url, "UPDATE schema_version SET version = 99")
    conn = sqlite3.connect(db)
    conn.execute("UPDATE schema_version SET version = 99")
    conn.commit()
    conn.close()
    batch = FIXTURES / "history" / "domain-7-3.json"
    for target in (db, url):
        for args in (("history", "import", prior), ("check", batch)):
            result = run(*args, "--history", target)
            assert result.exit_code == 2, result.output
            assert "schema version 99, made by a newer claimlint" in result.output
            assert f"up to {SCHEMA_VERSION}" in result.output and "Traceback" not in result.output
            assert not leaks(result.output)
    assert pg.execute(url, "SELECT version FROM schema_version") == [(99,)]
    assert count(pg, url) == 1


# -- lookups ----------------------------------------------------------------------------------


def test_lookups_use_the_index_and_the_store_pickles_as_its_url(pg, url):
    store = PostgresHistory(url, create=True)
    rng = random.Random(3)
    store.add_many(
        PriorProcedure.model_construct(
            member_id=f"SYN{rng.randrange(3000):05d}", code="D2391",
            date=D(2020, 1, 1) + dt.timedelta(days=rng.randrange(2000)),
            tooth=str(rng.randint(1, 32)), surfaces=("O",), status="paid",
            payer_id=None, claim_id=None,
        )
        for _ in range(30000)
    )  # fmt: skip
    store.analyze()
    store.add_many(
        [
            PriorProcedure(
                member_id="SYNX", code="D2392", date=D(2024, 6, 2), tooth="30", surfaces="MO"
            )
        ]
    )
    # the SQL a frequency lookup runs, as the store runs it, explained by the server
    seen = []
    real_cursor = store.conn.cursor

    class Spy:
        def __init__(self):
            self.cur = real_cursor()

        def execute(self, sql, params=None):
            seen.append((sql, params))
            return self.cur.execute(sql, params)

        def __getattr__(self, name):
            return getattr(self.cur, name)

    store.conn.cursor = Spy
    try:
        store.lookup("SYN00042", "30", before=D(2025, 1, 1), since=D(2020, 1, 1))
    finally:
        del store.conn.cursor
    ((sql, params),) = seen
    plan = "\n".join(r[0] for r in pg.execute(url, "EXPLAIN " + sql, params))
    assert "Index Scan using prior_procedure_" in plan and "Seq Scan" not in plan, plan
    # the member's rows are found through an index on member_id (the unique key's index and
    # prior_procedure_lookup both start with member_id, tooth, date; the planner takes either)
    assert re.search(r"Index Cond: \(+\(?member_id\)?(::text)? = ", plan), plan
    copy = pickle.loads(pickle.dumps(store))
    found = copy.lookup("SYNX", "#30", before=D(2025, 1, 1), since=D(2023, 1, 1))
    assert [(r.code, r.date, r.surfaces) for r in found] == [("D2392", D(2024, 6, 2), ("M", "O"))]
    assert copy.lookup("SYNX", "30", before=D(2024, 6, 2)) == []  # before is exclusive
    assert copy.lookup("NOBODY", None, before=D(2025, 1, 1)) == []
    copy.close()
    store.close()


def _row(r):
    return (r.date, r.code, r.tooth or "", r.surfaces, r.status)


def test_lookups_give_what_sqlite_gives_and_see_new_rows(pg, url, tmp_path, monkeypatch):
    import claimlint.payer.history_pg as history_pg

    rng = random.Random(11)
    rows = [
        PriorProcedure.model_construct(
            member_id=f"SYN{rng.randrange(40)}", code=rng.choice(("D2391", "D2392", "D1110")),
            date=D(2022, 1, 1) + dt.timedelta(days=rng.randrange(1000)),
            tooth=rng.choice(("3", "30", "19", None)), surfaces=tuple(rng.choice(("O", "MO", ""))),
            status=rng.choice(("paid", "denied")), payer_id=None, claim_id=None,
        )
        for _ in range(800)
    ]  # fmt: skip
    lite = SQLiteHistory(tmp_path / "h.sqlite", create=True)
    lite.add_many(rows)
    store = PostgresHistory(url, create=True)
    store.add_many(rows)
    for _ in range(400):
        member = f"SYN{rng.randrange(45)}"
        tooth = rng.choice(("3", "#30", "19", None, "5"))
        before = D(2022, 1, 1) + dt.timedelta(days=rng.randrange(1100))
        since = rng.choice((None, before - dt.timedelta(days=rng.randrange(900))))
        expected = lite.lookup(member, tooth, before, since)
        got = store.lookup(member, tooth, before, since)
        assert [(r.date, r.code) for r in got] == [(r.date, r.code) for r in expected]
        # (rows of the same day and code come in no fixed order, on either store)
        assert sorted(map(_row, got)) == sorted(map(_row, expected))
    lite.close()
    # a member's history is reused for a few seconds, then read again
    assert store.lookup("SYNNEW", None, D(2030, 1, 1)) == []
    pg.execute(
        url,
        "INSERT INTO prior_procedure (member_id, tooth, date, code, surfaces, status) "
        "VALUES ('SYNNEW', '', '2025-01-01', 'D1110', '', 'paid')",
    )
    assert store.lookup("SYNNEW", None, D(2030, 1, 1)) == []  # within CACHE_SECONDS
    monkeypatch.setattr(history_pg, "CACHE_SECONDS", 0.0)
    store.lookup("SYNNEW", None, D(2030, 1, 1))  # (the cached entry had the old lifetime)
    monkeypatch.setattr(store, "_cache", None)
    assert [r.code for r in store.lookup("SYNNEW", None, D(2030, 1, 1))] == ["D1110"]
    store.close()


# -- the password and connection errors -------------------------------------------------------


def test_the_password_never_appears_in_output_or_errors(pg, url, tmp_path):
    prior = csv_file(
        tmp_path, "p.csv", ["SYN0001,D2392,2024-06-02,30,MO,paid\n", "SYN2,D9999x,2024,,,\n"]
    )
    batch = FIXTURES / "history" / "domain-7-3.json"
    outputs = [
        run("history", "import", prior, "--history", url),
        run("check", batch, "--history", url, "--profile", PROFILE, "--today", "2025-06-01"),
        run("estimate", batch, "--history", url, "--profile", PROFILE),
        run("check", batch, "--history", pg.url("postgres")),  # no tables there
        run(
            "check", batch, "--history", pg.url(url.rsplit("/", 1)[1], password="wrong" + PASSWORD)
        ),
    ]
    # from the configuration file too, where the error names the file
    config = tmp_path / "claimlint.toml"
    config.write_text(f'history = "{url}"\nprofiles = ["{PROFILE}"]\n')
    assert load_config(config).history == url  # a URL is not a path relative to the file
    assert PASSWORD not in repr(load_config(config))
    outputs.append(run("check", batch, "--config", config, "--today", "2025-06-01"))
    config.write_text(f'history = "{pg.url("postgres")}"\n')
    outputs.append(run("check", batch, "--config", config))
    texts = [r.output for r in outputs]
    assert "1 procedure imported into postgresql://claimlint:***@127.0.0.1:" in texts[0]
    assert "CL403" in texts[1] and "CL403" in texts[5]
    assert "has no claimlint history tables" in texts[3]
    assert "password authentication failed" in texts[4] and outputs[4].exit_code == 2
    assert "(set by 'history' in" in texts[6]
    for result in outputs:
        assert not leaks(result.output), result.output
        assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (
            "postgresql://u:TopSecret1@127.0.0.1:1/claims",
            "cannot connect to the history database 'claims' on 127.0.0.1:1",
        ),
        ("postgresql://u:TopSecret1@127.0.0.1:notaport/claims", "not a PostgreSQL URL"),
        ("postgresql://u:TopSecret1@127.0.0.1:5432/", "the URL names no database"),
        ("mysql://u:TopSecret1@127.0.0.1/claims", "a history URL must start with postgresql://"),
    ],
)
def test_a_bad_url_or_unreachable_server_exits_2_naming_host_and_database(
    target, message, tmp_path
):
    batch = FIXTURES / "history" / "domain-7-3.json"
    prior = csv_file(tmp_path, "p.csv", ["SYN1,D1110,2025-01-05,,,paid\n"])
    for args in (("check", batch), ("history", "import", prior)):
        result = run(*args, "--history", target)
        assert result.exit_code == 2, result.output
        assert message in result.output, result.output
        assert "TopSecret1" not in result.output and "Traceback" not in result.output
        assert "claimlint: error: " in result.output


def test_redact_hides_every_form_of_the_password():
    assert (
        redact("postgresql://ann:p%40ss@db.example:5432/h")
        == "postgresql://ann:***@db.example:5432/h"
    )
    assert redact("postgres://ann@db/h?password=xyz&sslmode=require") == (
        "postgres://ann@db/h?password=***&sslmode=require"
    )
    assert redact("postgresql:///h?host=/run/postgresql") == "postgresql:///h?host=/run/postgresql"
    assert "xyz" not in scrub("failed: password=xyz near p@ss", "postgresql://a:p%40ss@h/d")
    assert "p@ss" not in scrub("failed near p@ss", "postgresql://a:p%40ss@h/d")
    assert display_name("history.sqlite") == "history.sqlite"
    with pytest.raises(HistoryError, match=r"postgresql://a:\*\*\*@127.0.0.1:1/d"):
        open_store("postgresql://a:p%40ss@127.0.0.1:1/d")
