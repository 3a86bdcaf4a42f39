"""History stores: SQLite lookups by member + tooth + date, import with broken rows, inline."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from conftest import FIXTURES

from claimlint.checks.base import Context
from claimlint.history import (
    CombinedHistory,
    HistoryError,
    InMemoryHistory,
    SQLiteHistory,
    combine,
    for_context,
    import_files,
)
from claimlint.model import PriorProcedure

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
    rows = sorted((p.row, p.message.split()[0]) for p in result.problems if p.row)
    assert rows == [(3, "code"), (4, "date"), (5, "'member_id'"), (6, "tooth"), (7, "more")]
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
    assert messages[0].startswith(f"{csv_file}: row 2, column surfaces: surface 'X'")
    assert messages[1].startswith(f"{csv_file}: row 3, column status: status 'paied' is unknown")
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
