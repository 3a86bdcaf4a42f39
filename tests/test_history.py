"""History stores: SQLite lookups by member + tooth + date, import with broken rows, inline."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from conftest import FIXTURES

from claimlint.checks.base import Context
from claimlint.core.model import PriorProcedure
from claimlint.payer.history import (
    CombinedHistory,
    HistoryError,
    InMemoryHistory,
    SQLiteHistory,
    combine,
    for_context,
)
from claimlint.running.history_import import import_files

D = dt.date


JUNE_2 = D(2025, 6, 2)


def rec(code="D2392", date=JUNE_2, tooth="30", surfaces="MO", member="SYN1", **kw):
    return PriorProcedure(
        member_id=member, code=code, date=date, tooth=tooth, surfaces=surfaces, **kw
    )


@pytest.fixture
def store(tmp_path):
    s = SQLiteHistory(tmp_path / "h.sqlite", create=True)
    yield s
    s.close()


def test_sqlite_lookup_filters_member_tooth_and_date_window(store):
    store.add_many(
        [
            rec(),
            rec(date=D(2024, 1, 5)),
            rec(tooth="#3", code="D2140", surfaces="O"),
            rec(member="SYN2"),
        ]
    )
    got = store.lookup("SYN1", "30", before=D(2025, 7, 1))
    assert [(r.date, r.code, r.surfaces) for r in got] == [
        (D(2024, 1, 5), "D2392", ("M", "O")),
        (D(2025, 6, 2), "D2392", ("M", "O")),
    ]
    assert store.lookup("SYN1", "30", before=D(2025, 6, 2)) == got[:1]  # before is exclusive
    assert store.lookup("SYN1", "30", before=D(2026, 1, 1), since=D(2025, 1, 1)) == got[1:]
    assert [r.tooth for r in store.lookup("SYN1", "3", before=D(2026, 1, 1))] == ["3"]
    assert len(store.lookup("SYN1", None, before=D(2026, 1, 1))) == 3
    assert store.lookup("NOBODY", "30", before=D(2026, 1, 1)) == []


def test_sqlite_has_the_lookup_index_and_ignores_duplicates(store):
    assert store.add_many([rec(), rec()]) == (1, 1)
    plan = store.conn.execute(
        "EXPLAIN QUERY PLAN SELECT * FROM prior_procedure "
        "WHERE member_id = ? AND tooth = ? AND date < ?",
        ("SYN1", "30", "2026-01-01"),
    ).fetchall()
    assert "prior_procedure_lookup" in str(plan)


def test_opening_a_missing_or_foreign_database_is_a_clear_error(tmp_path):
    with pytest.raises(HistoryError, match="does not exist"):
        SQLiteHistory(tmp_path / "missing.sqlite")
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE x (y)").connection.commit()
    with pytest.raises(HistoryError, match="not a usable history database"):
        SQLiteHistory(other)


def test_combined_history_removes_duplicates_across_stores():
    a = InMemoryHistory([rec(), rec(date=D(2024, 1, 5))])
    b = InMemoryHistory([rec()])
    combined = CombinedHistory([a, b])
    assert len(combined.lookup("SYN1", "30", before=D(2026, 1, 1))) == 2
    assert combine(None, InMemoryHistory()) is None
    assert combine(a, None) is a


def test_csv_import_reports_broken_rows_and_imports_the_rest(tmp_path, store):
    csv_file = tmp_path / "prior.csv"
    csv_file.write_text(
        "member_id,code,date,tooth,surfaces,status\n"
        "SYN1,D2392,2025-06-02,30,MO,paid\n"
        "SYN1,X99,2025-06-02,30,MO,paid\n"
        "SYN1,D2140,2025-13-01,3,O,paid\n"
        ",D2140,2025-01-01,3,O,paid\n"
        "SYN1,D2140,2025-01-01,99,O,paid\n"
        "SYN1,D2140,2025-01-01,3,O,denied,extra\n"
        "SYN1,D2140,2025-02-01,#3,O,\n"
    )
    result = import_files([csv_file, tmp_path / "missing.csv"], store)
    assert result.inserted == 2
    rows = sorted((p.row, p.column or p.message.split()[0]) for p in result.problems if p.row)
    assert rows == [(3, "code"), (4, "date"), (5, "member_id"), (6, "tooth"), (7, "more")]
    assert any("missing.csv" in str(p) and "does not exist" in str(p) for p in result.problems)
    third = store.lookup("SYN1", "3", before=D(2026, 1, 1))
    assert [(r.code, r.status) for r in third] == [("D2140", "paid")]


def test_csv_without_required_columns_is_reported(tmp_path, store):
    csv_file = tmp_path / "bad.csv"
    csv_file.write_text("member,code\nSYN1,D2140\n")
    result = import_files([csv_file], store)
    assert result.inserted == 0 and "lacks column(s) member_id, date" in str(result.problems[0])


def test_claim_files_become_history_rows(store):
    result = import_files([FIXTURES / "history" / "domain-7-3.json"], store)
    assert result.problems == [] and result.inserted == 2
    got = store.lookup("SYN0001", "30", before=D(2026, 1, 1))
    assert [(r.code, r.surfaces, r.claim_id) for r in got] == [("D2392", ("M", "O"), "PCN0001")]


def test_inline_history_is_seen_through_the_context(store):
    store.add_many([rec(date=D(2024, 1, 5))])
    ctx = Context(history=store)
    ctx.options["inline_history"] = [rec()]
    view = for_context(ctx)
    assert len(view.lookup("SYN1", "30", before=D(2026, 1, 1))) == 2
    assert for_context(ctx) is view  # cached
    ctx.options["inline_history"].append(rec(date=D(2023, 1, 1)))
    assert len(for_context(ctx).lookup("SYN1", "30", before=D(2026, 1, 1))) == 3


def test_csv_rows_with_bad_surfaces_or_unknown_status_are_reported_not_imported(tmp_path, store):
    csv_file = tmp_path / "prior.csv"
    csv_file.write_text(
        "member_id,code,date,tooth,surfaces,status\n"
        "SYN1,D2392,2025-06-02,30,MX,paid\n"
        "SYN1,D2140,2025-06-02,3,O,paied\n"
        "SYN1,D2140,2025-05-02,3,O,Denied\n"
    )
    result = import_files([csv_file], store)
    assert result.inserted == 1  # only the denied row (stored; it does not count)
    messages = [str(p) for p in result.problems]
    assert messages[0].startswith(f"{csv_file}: row 2, column surfaces: a letter is not a surf")
    assert messages[1].startswith(f"{csv_file}: row 3, column status: not a known status")
    assert store.lookup("SYN1", "30", before=D(2026, 1, 1)) == []


def test_history_import_walks_a_folder(tmp_path, store):
    folder = tmp_path / "exports"
    (folder / "2024").mkdir(parents=True)
    (folder / "2024" / "prior.csv").write_text(
        "member_id,code,date,tooth,surfaces\nSYN1,D2392,2024-06-02,30,MO\n"
    )
    (folder / "claims.json").write_bytes((FIXTURES / "history" / "domain-7-3.json").read_bytes())
    (folder / "notes.txt").write_text("not history")
    result = import_files([folder], store)
    assert result.problems == [] and result.inserted == 3
    empty = tmp_path / "empty"
    empty.mkdir()
    result = import_files([empty], store)
    assert [str(p) for p in result.problems] == [f"{empty}: folder holds no history or claim files"]


def test_x12_history_import_problems_name_the_segment(store):
    result = import_files([FIXTURES / "rules" / "CL102" / "fail.837"], store)
    assert result.problems
    text = str(result.problems[0])
    assert ": segment 29: CL102" in text and "row" not in text


# -- issue 10: broken stores, bad rows, status rule, atomic imports, no values echoed --------


def _csv(tmp_path, name, rows):
    path = tmp_path / name
    path.write_text("member_id,code,date,tooth,surfaces,status\n" + "".join(rows))
    return path


def _run_import(*args):
    from click.testing import CliRunner

    from claimlint.cli import main

    return CliRunner().invoke(main, ["history", "import", *map(str, args)])


def test_import_into_a_corrupt_database_exits_2_naming_it(tmp_path):
    good = _csv(tmp_path, "prior.csv", ["SYN1,D2392,2025-06-02,30,MO,paid\n"])
    db = tmp_path / "h.sqlite"
    filled = SQLiteHistory(db, create=True)
    filled.add_many([rec(member=f"SYN{i}", date=D(2024, 1, 1 + i % 28)) for i in range(3000)])
    filled.close()
    data = bytearray(db.read_bytes())
    half = len(data) // 2
    data[half:] = b"\xa5" * (len(data) - half)  # schema page intact, table pages garbage
    db.write_bytes(bytes(data))
    result = _run_import(good, "--history", db)
    assert result.exit_code == 2, result.output
    assert f"{db}:" in result.output and "Traceback" not in result.output
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"this is not a database" * 100)
    result = _run_import(good, "--history", garbage)
    assert result.exit_code == 2 and str(garbage) in result.output


def test_import_into_a_read_only_database_exits_2_and_commits_nothing(tmp_path, monkeypatch):
    import claimlint.payer.history as history_module

    db = tmp_path / "h.sqlite"
    SQLiteHistory(db, create=True).close()
    real = sqlite3.connect
    monkeypatch.setattr(
        history_module.sqlite3, "connect", lambda p: real(f"file:{p}?mode=ro", uri=True)
    )
    good = _csv(tmp_path, "prior.csv", ["SYN1,D2392,2025-06-02,30,MO,paid\n"])
    result = _run_import(good, "--history", db)
    assert result.exit_code == 2, result.output
    assert f"{db}: the history database is read-only; nothing imported" in result.output
    assert "Traceback" not in result.output


def test_a_multi_file_import_is_one_transaction(tmp_path, store, monkeypatch):
    first = _csv(tmp_path, "a.csv", ["SYN1,D2392,2025-06-02,30,MO,paid\n"])
    second = _csv(tmp_path, "b.csv", ["SYN1,D2140,2025-06-02,3,O,paid\n"])
    calls = []
    real = store.add_many

    def failing(records, **kw):
        calls.append(kw)
        if len(calls) == 2:
            raise sqlite3.OperationalError("disk I/O error")
        return real(records, **kw)

    monkeypatch.setattr(store, "add_many", failing)
    with pytest.raises(HistoryError, match="nothing imported"):
        import_files([first, second], store)
    assert store.count() == 0  # the first file was rolled back too
    monkeypatch.undo()
    result = import_files([first, second], store)
    assert result.inserted == 2 and store.count() == 2


def test_paid_beats_denied_whatever_the_import_order(tmp_path, store):
    denied = _csv(tmp_path, "denied.csv", ["SYN1,D2392,2025-06-02,30,MO,denied\n"])
    paid = _csv(tmp_path, "paid.csv", ["SYN1,D2392,2025-06-02,30,MO,paid\n"])
    import_files([denied], store)
    result = import_files([paid], store)
    assert (result.inserted, result.duplicates, result.updated) == (0, 1, 1)
    (row,) = store.lookup("SYN1", "30", before=D(2026, 1, 1))
    assert row.status == "paid"
    again = import_files([denied], store)  # a later denied row does not undo the payment
    assert again.updated == 0
    assert store.lookup("SYN1", "30", before=D(2026, 1, 1))[0].status == "paid"


def test_combined_history_keeps_the_paid_copy_of_a_procedure(store):
    store.add_many([rec(status="denied")])
    inline = InMemoryHistory([rec(status="paid")])
    (row,) = CombinedHistory([store, inline]).lookup("SYN1", "30", before=D(2026, 1, 1))
    assert row.status == "paid"


def test_cl403_fires_after_the_paid_row_of_a_denied_procedure_is_imported(tmp_path):
    from click.testing import CliRunner

    from claimlint.cli import main

    db = tmp_path / "h.sqlite"
    # DOMAIN 7.3 claim: D2392 on 30-MO, 2025-01-10; a prior MO filling 2024-06-02 (24 months)
    assert _run_import(_csv(tmp_path, "d.csv", ["SYN0001,D2392,2024-06-02,30,MO,denied\n"]),
                       "--history", db).exit_code == 0  # fmt: skip
    assert _run_import(_csv(tmp_path, "p.csv", ["SYN0001,D2392,2024-06-02,30,MO,paid\n"]),
                       "--history", db).exit_code == 0  # fmt: skip
    result = CliRunner().invoke(
        main,
        ["check", str(FIXTURES / "history" / "domain-7-3.json"), "--history", str(db),
         "--profile", str(FIXTURES / "profiles" / "example-mutual-ppo-gold.toml"),
         "--today", "2025-06-01", "--select", "CL403"],
    )  # fmt: skip
    assert "CL403" in result.output, result.output


def test_a_bad_row_in_the_store_is_skipped_with_one_warning(tmp_path):
    from click.testing import CliRunner

    from claimlint.cli import main

    db = tmp_path / "h.sqlite"
    SQLiteHistory(db, create=True).close()
    conn = sqlite3.connect(db)
    conn.executemany(
        "INSERT INTO prior_procedure (member_id, tooth, date, code, surfaces, status, payer_id,"
        " claim_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            ("SYN0001", "30", "2024-13-45", "D2392", "MO", "paid", None, None),
            ("SYN0001", "3", 20240101, "D2140", "O", "paid", None, None),
            ("SYN0001", "30", "2024-06-02", "D2392", "MO", "paid", None, None),
        ],
    )
    conn.commit()
    conn.close()
    opened = SQLiteHistory(db)
    assert opened.bad_rows() == 2 and len(opened.warnings) == 1
    rows = opened.lookup("SYN0001", None, before=D(2026, 1, 1))
    assert [(r.code, r.date) for r in rows] == [("D2392", D(2024, 6, 2))]
    result = CliRunner().invoke(
        main,
        ["check", str(FIXTURES / "history" / "domain-7-3.json"), "--history", str(db),
         "--profile", str(FIXTURES / "profiles" / "example-mutual-ppo-gold.toml"),
         "--today", "2025-06-01"],
    )  # fmt: skip
    assert result.exit_code in (0, 1), result.output
    assert "internal error" not in result.output
    assert "CL403" in result.output  # the good row still counts
    assert result.output.count("2 history rows with a date") == 1
    assert "2024-13-45" not in result.output and "SYN0001" not in result.output


def test_history_import_never_echoes_cell_values(tmp_path):
    shifted = tmp_path / "shifted.csv"
    shifted.write_text(
        "member_id,code,date,tooth,surfaces,status\n"
        "SYN0001,ZELDA QUARTZ,1970-02-03,30,MO,paid\n"
        "SYN0001,D2392,QUARTZ ZELDA,30,MO,paid\n"
        "SYN0001,D2392,2024-06-02,ZQX,MO,paid\n"
        "SYN0001,D2392,2024-06-02,30,QZ,paid\n"
        "SYN0001,D2392,2024-06-02,30,MO,ZELDA\n"
    )
    result = _run_import(shifted, "--history", tmp_path / "h.sqlite")
    assert result.exit_code == 1
    for value in ("ZELDA", "QUARTZ", "ZQX", "QZ"):
        assert value not in result.output, result.output
    for row, column in [(2, "code"), (3, "date"), (4, "tooth"), (5, "surfaces"), (6, "status")]:
        assert f"row {row}, column {column}:" in result.output


def test_a_history_cell_over_the_csv_field_limit_is_a_row_problem(tmp_path):
    """A 200,000-character cell was a csv.Error traceback (the csv module's 128 KB limit)."""
    path = tmp_path / "prior.csv"
    path.write_text(
        "member_id,code,date,tooth,surfaces,status,payer_id,claim_id\n"
        "SYN1,D2392,2025-06-02,30,MO,paid,P1,H1\n"
        'SYN1,D2740,2024-06-01,8,,paid,P1,"' + "ZQ" * 100_000 + '"\n'
        "SYN1,D2392,2025-07-02,31,MO,paid,P1,H3\n"
        "SYN1,D2392,2025-07-03,31,MO,paid,P1," + "Q" * 5000 + "\n"
    )
    result = _run_import(path, "--history", tmp_path / "h.sqlite")
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert "Traceback" not in result.output and "ZQZQ" not in result.output
    for row in (3, 5):
        assert f"prior.csv: row {row}, column claim_id: the value is longer than" in result.output
    assert "2 procedures imported" in result.output, result.output
