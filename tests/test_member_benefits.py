"""The member's own benefits (issue 12, item 3): coverage dates, deductible met, maximum used
and waiting-period start per member, carried by the claim or held in the history store; they
win over the payer profile's, and the findings say which they used.

Hand-computed numbers use Example Mutual PPO Gold (fixtures/profiles): deductible $50 (basic
and major), basic 80 %, major 50 %, annual maximum $1,500, D2392 on a posterior tooth paid as
D2150 ($120), D2140 allowed $100, coverage 2024-01-01..2026-12-31, major waiting 12 months.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from conftest import FIXTURES, TODAY

from claimlint.cli import main
from claimlint.core.config import Config
from claimlint.core.model import Claim, MemberBenefits
from claimlint.payer.estimate import estimate_claim, estimate_claims
from claimlint.payer.history import SCHEMA_VERSION, SQLiteHistory, pick_benefits
from claimlint.payer.member import resolve
from claimlint.payer.profiles import load_profile, load_profiles
from claimlint.running.engine import Engine
from claimlint.running.history_import import import_files

GOLD = FIXTURES / "profiles" / "example-mutual-ppo-gold.toml"
PROFILES = str(FIXTURES / "profiles")
MEMBER = "SYNMB0001"


def D(text: str) -> Decimal:
    return Decimal(text)


def _claim_json(
    cid: str = "C1",
    lines: tuple[tuple[str, int, str, str], ...] = (
        ("D2392", 250, "30", "MO"),
        ("D2140", 145, "3", "O"),
    ),
    dos: str = "2025-01-10",
    member: str = MEMBER,
    benefits: dict[str, Any] | None = None,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "claim_id": cid,
        "payer_id": "SYNPAYER1",
        "plan_id": "GOLD",
        "subscriber": {"member_id": member, "birth_date": "1980-01-01"},
        "date_of_service": dos,
        "lines": [
            {"line_number": i + 1, "code": c, "charge": ch, "tooth": t, "surfaces": s}
            for i, (c, ch, t, s) in enumerate(lines)
        ],
    }
    if benefits is not None:
        data["benefits"] = benefits
    return data


def _claim(**kw: Any) -> Claim:
    data = _claim_json(**kw)
    data["ref"] = {"file": "t"}
    for line in data["lines"]:
        line["ref"] = {"file": "t"}
        line["teeth"] = [{"tooth": line.pop("tooth"), "surfaces": line.pop("surfaces")}]
    return Claim.model_validate(data)


# -- the estimate -----------------------------------------------------------------------------


def test_estimate_for_a_member_whose_deductible_is_met_differs_from_one_whose_is_not():
    gold = load_profile(GOLD)
    # the plan's default: $50 still to meet. Line 1: basis 120, deductible 50,
    # plan (120 - 50) * 0.8 = 56.00, patient 180 - 56 = 124; line 2: plan 100 * 0.8 = 80.00
    plan_default = estimate_claim(_claim(), gold)
    assert [li.deductible for li in plan_default.lines] == [D("50"), D("0")]
    assert [li.plan_pays for li in plan_default.lines] == [D("56.00"), D("80.00")]
    assert [li.patient_owes for li in plan_default.lines] == [D("124"), D("20")]
    assert plan_default.totals.plan_pays == D("136.00")
    assert plan_default.basis["deductible"] == "profile"
    # this member met the deductible: line 1 plan 120 * 0.8 = 96.00, patient 180 - 96 = 84
    met = estimate_claim(_claim(benefits={"deductible_met": 50}), gold)
    assert [li.deductible for li in met.lines] == [D("0"), D("0")]
    assert [li.plan_pays for li in met.lines] == [D("96.00"), D("80.00")]
    assert [li.patient_owes for li in met.lines] == [D("84.00"), D("20")]
    assert met.totals.plan_pays == D("176.00")
    assert met.basis["deductible"] == "claim"
    # partly met ($30 met of $50: $20 remaining) and 'remaining' said directly agree:
    # line 1 plan (120 - 20) * 0.8 = 80.00
    for benefits in ({"deductible_met": 30}, {"deductible_remaining": "20.00"}):
        part = estimate_claim(_claim(benefits=benefits), gold)
        assert [li.plan_pays for li in part.lines] == [D("80.00"), D("80.00")]


def test_estimate_uses_the_members_maximum_used():
    gold = load_profile(GOLD)
    # $1,450 of $1,500 used: $50 left. Deductible met: line 1 would be 96.00, capped at 50;
    # line 2 gets nothing (the maximum is spent) and the patient owes the allowance
    est = estimate_claim(_claim(benefits={"deductible_met": 50, "maximum_used": 1450}), gold)
    assert [li.plan_pays for li in est.lines] == [D("50"), D("0")]
    assert [li.patient_owes for li in est.lines] == [D("130"), D("100")]
    assert est.basis == {"deductible": "claim", "maximum": "claim", "coverage": "profile"}


def test_estimate_carries_the_members_own_deductible_across_claims_in_file_order():
    profiles = load_profiles([GOLD])
    one = (("D2140", 145, "3", "O"),)
    two = (("D2140", 145, "14", "O"),)
    # the member's first claim says $30 remain: plan (100 - 30) * 0.8 = 56.00; the second
    # claim continues from $0 left (plan 80.00): its own stale "remaining 50" does not reset
    # the ledger, which would count the $30 twice
    items = [
        ("a.json", _claim(cid="C1", lines=one, benefits={"deductible_remaining": 30})),
        ("a.json", _claim(cid="C2", lines=two, benefits={"deductible_remaining": 50})),
        ("a.json", _claim(cid="C3", lines=two, member="SYNMB0002")),
    ]
    batch = estimate_claims(items, profiles)
    first, second, other = batch.claims
    assert (first.lines[0].deductible, first.lines[0].plan_pays) == (D("30"), D("56.00"))
    assert (second.lines[0].deductible, second.lines[0].plan_pays) == (D("0"), D("80.00"))
    assert second.basis["deductible"] == "claim"
    # another member starts from the plan's $50: plan (100 - 50) * 0.8 = 40.00
    assert (other.lines[0].deductible, other.lines[0].plan_pays) == (D("50"), D("40.00"))
    assert other.basis["deductible"] == "profile"


def test_estimate_command_reads_the_member_benefits_of_a_json_claim(tmp_path):
    path = tmp_path / "b.json"
    path.write_text(json.dumps({"claims": [_claim_json(benefits={"deductible_met": "50"})]}))
    result = CliRunner().invoke(
        main, ["estimate", str(path), "--profile", str(GOLD), "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    (claim,) = json.loads(result.output)["claims"]
    assert claim["totals"]["plan_pays"] == "176.00"
    assert claim["basis"]["deductible"] == "claim"
    assert MEMBER not in result.output


# -- CL411 and CL407 judge by the member's dates ----------------------------------------------


def _lint(tmp_path: Path, claims: list[dict[str, Any]], **cfg: Any) -> list[Any]:
    path = tmp_path / "batch.json"
    path.write_text(json.dumps({"version": "1", "claims": claims}))
    config = Config(today=TODAY, profiles=[PROFILES], **cfg)
    return Engine(config).lint_paths([str(path)]).findings


def _codes(findings: list[Any], code: str) -> list[Any]:
    return [f for f in findings if f.code == code]


def test_cl411_judges_by_the_members_coverage_and_says_so(tmp_path):
    # the plan covers 2024-01-01..2026-12-31; this member's coverage ended 2024-12-31
    ended = {"coverage_start": "2024-01-01", "coverage_end": "2024-12-31"}
    found = _codes(_lint(tmp_path, [_claim_json(benefits=ended)]), "CL411")
    assert len(found) == 1
    assert "member coverage from the claim" in found[0].message
    assert "2024-01-01 to 2024-12-31" in found[0].message
    assert found[0].data == {"basis": "claim"}
    assert MEMBER not in found[0].message
    # the plan alone covers the date: no finding
    assert not _codes(_lint(tmp_path, [_claim_json()]), "CL411")
    # plan coverage outside: the message names the profile
    late = _codes(_lint(tmp_path, [_claim_json(dos="2027-01-05")]), "CL411")
    assert "plan coverage from profile Example Mutual PPO Gold" in late[0].message
    # ... unless the member's own coverage runs on
    longer = {"coverage_start": "2024-01-01", "coverage_end": "2027-06-30"}
    assert not _codes(_lint(tmp_path, [_claim_json(dos="2027-01-05", benefits=longer)]), "CL411")


def test_cl407_counts_the_wait_from_the_members_own_start(tmp_path):
    crown = (("D2740", 1300, "8", ""),)  # major: 12 months
    # by the plan (coverage from 2024-01-01) the wait ended 2025-01-01: no finding
    assert not _codes(_lint(tmp_path, [_claim_json(lines=crown)]), "CL407")
    # this member joined 2024-10-01: covered for major services from 2025-10-01
    joined = {"coverage_start": "2024-10-01"}
    found = _codes(_lint(tmp_path, [_claim_json(lines=crown, benefits=joined)]), "CL407")
    assert len(found) == 1
    assert "covered from 2025-10-01" in found[0].message
    assert "counted from the member coverage start from the claim" in found[0].message
    # a waiting-period start of its own wins over the coverage start
    own = {"coverage_start": "2024-01-01", "waiting_period_start": "2024-06-01"}
    found = _codes(_lint(tmp_path, [_claim_json(lines=crown, benefits=own)]), "CL407")
    assert "covered from 2025-06-01" in found[0].message
    assert "member waiting-period start from the claim" in found[0].message
    assert found[0].data["basis"] == "claim"


# -- the history store -----------------------------------------------------------------------

BENEFITS_CSV = (
    "member_id,payer_id,plan_id,as_of,coverage_start,coverage_end,deductible_met,"
    "maximum_used,waiting_period_start\n"
    f"{MEMBER},SYNPAYER1,GOLD,2025-01-02,2024-01-01,2024-12-31,50,,\n"
)


def _store(tmp_path: Path, text: str = BENEFITS_CSV) -> tuple[Path, Any]:
    csv_path = tmp_path / "member-benefits.csv"
    csv_path.write_text(text)
    db = tmp_path / "history.sqlite"
    store = SQLiteHistory(db, create=True)
    try:
        result = import_files([csv_path], store)
    finally:
        store.close()
    return db, result


def test_history_store_member_benefits_drive_cl411_and_cl601(tmp_path):
    db, result = _store(tmp_path)
    assert (result.benefits_read, result.benefits_inserted, result.problems) == (1, 1, [])
    found = _lint(tmp_path, [_claim_json()], history=str(db))
    (cl411,) = _codes(found, "CL411")
    assert "member coverage from the history store" in cl411.message
    assert cl411.data == {"basis": "history"}
    estimates = _codes(found, "CL601")
    assert {f.data["deductible_basis"] for f in estimates} == {"history"}
    assert {f.data["maximum_basis"] for f in estimates} == {"profile"}
    # the deductible met in the store: plan 120 * 0.8 = 96.00 (line 1; not covered here,
    # so check the estimate for a member inside coverage by a claim's own coverage dates)
    inside = {"coverage_start": "2024-01-01", "coverage_end": "2026-12-31"}
    found = _lint(tmp_path, [_claim_json(benefits=inside)], history=str(db))
    assert not _codes(found, "CL411")
    first = next(f for f in _codes(found, "CL601") if f.data["code"] == "D2392")
    assert first.data["plan_pays"] == "96.00"
    assert first.data["deductible_basis"] == "history"  # the claim gave coverage only
    assert all(MEMBER not in f.message for f in found)


def test_claim_values_win_over_the_history_store(tmp_path):
    db, _ = _store(tmp_path)
    store = SQLiteHistory(db)
    try:
        claim = _claim(benefits={"deductible_remaining": 50, "coverage_end": "2026-12-31"})
        benefits = resolve(load_profile(GOLD), claim, store)
    finally:
        store.close()
    assert (benefits.deductible_remaining, benefits.deductible_source) == (D("50"), "claim")
    assert (benefits.coverage_end, benefits.coverage_source) == (dt.date(2026, 12, 31), "claim")


def test_the_row_as_of_the_service_date_applies():
    def row(day: str, met: int, payer: str = "P", plan: str = "") -> tuple[str, str, Any]:
        values = MemberBenefits(as_of=dt.date.fromisoformat(day), deductible_met=D(str(met)))
        return (payer, plan, values)

    rows = [row("2025-01-01", 0), row("2025-06-01", 50), row("2025-03-01", 20, payer="")]
    picked = pick_benefits(rows, "P", "GOLD", dt.date(2025, 4, 1))
    assert picked is not None and picked.deductible_met == D("0")  # payer row, as of <= day
    picked = pick_benefits(rows, "P", "GOLD", dt.date(2025, 7, 1))
    assert picked is not None and picked.deductible_met == D("50")
    picked = pick_benefits(rows, "P", "GOLD", dt.date(2024, 7, 1))  # every row later
    assert picked is not None and picked.deductible_met == D("50")
    picked = pick_benefits(rows, "OTHER", None, dt.date(2025, 4, 1))  # the any-payer row
    assert picked is not None and picked.deductible_met == D("20")
    assert pick_benefits([row("2025-01-01", 0, plan="SILVER")], "P", "GOLD", None) is None


def test_member_benefits_csv_bad_rows_name_file_row_and_column(tmp_path):
    text = (
        "member_id,payer_id,plan_id,as_of,coverage_start,deductible_met,deductible_remaining,"
        "maximum_used\n"
        f"{MEMBER},SYNPAYER1,GOLD,2025-01-02,2024-01-01,50,,\n"  # row 2: good
        f"{MEMBER},SYNPAYER1,GOLD,2025-02-30,,50,,\n"  # row 3: as_of not a day
        f"{MEMBER},SYNPAYER1,GOLD,2025-03-01,,-5,,\n"  # row 4: negative
        f"{MEMBER},SYNPAYER1,GOLD,2025-03-02,,10,20,\n"  # row 5: both met and remaining
        f",SYNPAYER1,GOLD,2025-03-03,,10,,\n"  # row 6: no member
        f"{MEMBER},SYNPAYER1,GOLD,2025-03-04,,,,\n"  # row 7: nothing to say
        f"{MEMBER},SYNPAYER1,GOLD,2025-03-05,,,,1,2\n"  # row 8: ragged
    )
    _, result = _store(tmp_path, text)
    assert result.benefits_inserted == 1
    where = [(p.row, p.column) for p in result.problems]
    assert where == [
        (3, "as_of"),
        (4, "deductible_met"),
        (5, "deductible_remaining"),
        (6, "member_id"),
        (7, "as_of"),
        (8, None),
    ]
    text_out = "\n".join(str(p) for p in result.problems)
    assert "member-benefits.csv: row 3, column as_of: not a date" in text_out
    assert MEMBER not in text_out


def test_history_import_cli_reports_member_benefit_rows(tmp_path):
    csv_path = tmp_path / "member-benefits.csv"
    csv_path.write_text(BENEFITS_CSV)
    db = tmp_path / "h.sqlite"
    result = CliRunner().invoke(main, ["history", "import", str(csv_path), "--history", str(db)])
    assert result.exit_code == 0, result.output
    assert "1 member-benefits row imported" in result.output
    again = CliRunner().invoke(main, ["history", "import", str(csv_path), "--history", str(db)])
    assert "0 member-benefits rows imported, 1 replaced" in again.output
    assert MEMBER not in result.output + again.output


def _old_store(path: Path) -> None:
    """A store made before member_benefits existed (prior_procedure only, user_version 0)."""
    conn = sqlite3.connect(path)
    conn.execute(  # the table as it was before member_benefits (and area) existed
        "CREATE TABLE prior_procedure (member_id VARCHAR(80) NOT NULL, tooth VARCHAR(4) NOT "
        "NULL, date DATE NOT NULL, code VARCHAR(8) NOT NULL, surfaces VARCHAR(8) NOT NULL, "
        "status VARCHAR(20) NOT NULL, payer_id VARCHAR(80), claim_id VARCHAR(80), "
        "UNIQUE (member_id, tooth, date, code, surfaces))"
    )
    conn.execute(
        "INSERT INTO prior_procedure VALUES (?, '3', '2024-05-01', 'D2140', 'O', 'paid', "
        "'SYNPAYER1', NULL)",
        (MEMBER,),
    )
    conn.commit()
    conn.close()


def test_an_older_store_without_the_table_is_read_and_migrated_on_import(tmp_path):
    db = tmp_path / "old.sqlite"
    _old_store(db)
    # linting with it works: no member values, the plan's are used
    found = _lint(tmp_path, [_claim_json()], history=str(db))
    assert {f.data["deductible_basis"] for f in _codes(found, "CL601")} == {"profile"}
    # the next import adds the table (and keeps the procedures)
    csv_path = tmp_path / "member-benefits.csv"
    csv_path.write_text(BENEFITS_CSV)
    store = SQLiteHistory(db, create=True)
    try:
        result = import_files([csv_path], store)
        assert result.benefits_inserted == 1 and store.count() == 1
    finally:
        store.close()
    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()
    found = _lint(tmp_path, [_claim_json()], history=str(db))
    assert {f.data["deductible_basis"] for f in _codes(found, "CL601")} == {"history"}


# -- every input path: a passing and a failing fixture ----------------------------------------

BENEFIT_FIXTURES = FIXTURES / "member-benefits"


def _lint_file(path: Path, **cfg: Any) -> list[Any]:
    config = Config(today=TODAY, profiles=[PROFILES], **cfg)
    report = Engine(config).lint_paths([str(path)])
    return report.findings


def test_each_claim_format_carries_the_members_benefits_into_the_estimate():
    for suffix in ("json", "xml", "csv"):
        found = _lint_file(BENEFIT_FIXTURES / f"pass.{suffix}")
        assert not _codes(found, "CL002"), suffix
        first = next(f for f in _codes(found, "CL601") if f.data["code"] == "D2392")
        # deductible met by the member: plan 120 * 0.8 = 96.00 (the plan's default: 56.00)
        assert first.data["plan_pays"] == "96.00", suffix
        assert first.data["deductible_basis"] == "claim", suffix


def test_each_claim_format_reports_bad_benefit_values_at_their_field():
    expected = {
        "json": {"/claims/0/benefits/coverage_start", "/claims/0/benefits/deductible_met"},
        "xml": {
            "/batch/claims/claim[1]/benefits/coverage_start",
            "/batch/claims/claim[1]/benefits/deductible_met",
        },
        "csv": {"coverage_start", "deductible_met"},
    }
    for suffix, fields in expected.items():
        found = _lint_file(BENEFIT_FIXTURES / f"fail.{suffix}")
        bad = _codes(found, "CL002")
        assert {f.location.field for f in bad} == fields, (suffix, [f.location for f in bad])
        assert all("SYNMB0001" not in f.message for f in found)
        # the claim is still linted: the bad values are missing, the plan's deductible applies
        first = next(f for f in _codes(found, "CL601") if f.data["code"] == "D2392")
        assert (first.data["plan_pays"], first.data["deductible_basis"]) == ("56.00", "profile")


def test_member_benefits_csv_fixtures_import(tmp_path):
    store = SQLiteHistory(tmp_path / "h.sqlite", create=True)
    try:
        good = import_files([BENEFIT_FIXTURES / "member-benefits-pass.csv"], store)
        bad = import_files([BENEFIT_FIXTURES / "member-benefits-fail.csv"], store)
    finally:
        store.close()
    assert (good.benefits_inserted, good.problems) == (1, [])
    assert bad.benefits_inserted == 0
    assert [(p.row, p.column) for p in bad.problems] == [
        (2, "deductible_met"),
        (3, "coverage_end"),
    ]


def test_convert_keeps_the_members_benefits(tmp_path):
    for to in ("json", "jsonl"):
        out = tmp_path / f"out.{to}"
        result = CliRunner().invoke(
            main, ["convert", str(BENEFIT_FIXTURES / "pass.csv"), "--to", to, "-o", str(out)]
        )
        assert result.exit_code == 0, result.output
        found = _lint_file(out)
        first = next(f for f in _codes(found, "CL601") if f.data["code"] == "D2392")
        assert (first.data["plan_pays"], first.data["deductible_basis"]) == ("96.00", "claim")
