"""``claimlint impact``: the impact-code report (docs/impact.md). Expected numbers are worked
out by hand in the comments, from fixtures/profiles/example-mutual-ppo-gold.toml:
fee schedule D2140 $100, D2150 $120, D2160 $140, D2391 $150, D2392 $180, D2393 $210,
D2740 $900, D2791 $700; basic 80 %, major 50 %; in network, no balance billing."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner

from claimlint.cli import main
from claimlint.core.impact import ImpactLine, Raise, aggregate, parse_raise, split_gap
from claimlint.payer.history import SQLiteHistory

ROOT = Path(__file__).resolve().parents[1]
GOLD = str(ROOT / "fixtures/profiles/example-mutual-ppo-gold.toml")
PROFILES = str(ROOT / "fixtures/profiles")
DEMO_HISTORY = str(ROOT / "fixtures/demo/history/paid-claims.csv")
DEMO_CONFIG = str(ROOT / "fixtures/demo/claimlint.toml")


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(main, ["impact", *args], input=input)


def demo_json(*extra: str) -> dict:
    result = run("--history", DEMO_HISTORY, "--config", DEMO_CONFIG, "--format", "json", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# -- the demo history, by hand ----------------------------------------------------------------


def test_demo_history_ranking_by_hand():
    data = demo_json()
    # D2740 -> D2791 (molars), fee $1,300: gap 1300 - 700 = 600 a line; in network the patient
    #   owes the D2740 allowance minus the basis: 900 - 700 = 200 a line. 2 lines: 1200 / 400.
    # D2392 -> D2150 (posterior), fee $250: gap 250 - 120 = 130; patient 180 - 120 = 60.
    #   6 lines (the D2392 paid as D2392 and the denied one do not count): 780 / 360.
    # D2393 -> D2160, fee $290: gap 290 - 140 = 150; patient 210 - 140 = 70. 4 lines: 600 / 280.
    # D2391 -> D2140, fee $195: gap 195 - 100 = 95; patient 150 - 100 = 50. 3 lines: 285 / 150.
    gold = data["plans"][0]
    assert gold["plan"] == "Example Mutual PPO Gold"
    got = [
        (r["rank"], r["paid_as"], r["lines"], r["office_fee"], r["allowance_used"],
         r["difference"], r["patient_share"], r["office_share"])
        for r in gold["codes"]
    ]  # fmt: skip
    assert got == [
        (1, "D2791", 2, "2600.00", "1400.00", "1200.00", "400.00", "800.00"),
        (2, "D2150", 6, "1500.00", "720.00", "780.00", "360.00", "420.00"),
        (3, "D2160", 4, "1160.00", "560.00", "600.00", "280.00", "320.00"),
        (4, "D2140", 3, "585.00", "300.00", "285.00", "150.00", "135.00"),
    ]
    # 1200 + 780 + 600 + 285 = 2865; 400 + 360 + 280 + 150 = 1190
    assert data["totals"] == {
        "difference": "2865.00",
        "patient_share": "1190.00",
        "office_share": "1675.00",
    }
    assert data["period"] == {"first": "2025-01-14", "last": "2025-12-15"}
    assert data["lines"] == 15 and data["lines_from_history"] == 15
    # Sample Union Dental Basic pays D2750 on tooth 2 as D2791, which its schedule lacks
    union = data["plans"][1]
    assert union["codes"] == []
    assert union["missing_from_fee_schedule"] == [
        {"paid_as": "D2791", "lines": 1, "billed": {"D2750": 1}}
    ]


def test_raises_by_hand_absolute_and_percent():
    data = demo_json("--raise", "D2150=+20", "--raise", "D2150=+10%")
    first, second = data["raises"]
    # +$20: D2150 120 -> 140. Six D2392 lines paid as D2150 (deductible met, history rows):
    #   plan 140 x 0.8 = 112 instead of 96: +16 each, +96; the patient owes 180 - plan: -96.
    # Two D2150 lines billed as such, fee $175: allowed 120 -> 140, plan +16 each (+32),
    #   patient 140 - 112 = 28 instead of 120 - 96 = 24: +4 each (+8); write-off
    #   175 - 140 = 35 instead of 55: -20 each (-40).
    # In all: 8 lines, plan +128, patient -96 + 8 = -88, collected 128 - 88 = +40.
    assert (first["lines"], first["plan_pays"], first["patient_owes"]) == (8, "128.00", "-88.00")
    assert (first["write_off"], first["collected"]) == ("-40.00", "40.00")
    # +10%: 120 -> 132: plan +9.60 a line (12 x 0.8): 8 x 9.60 = 76.80; patient -9.60 on the
    #   six downgraded lines (-57.60) and +2.40 on the two others (132 - 105.60 = 26.40 vs 24)
    #   (+4.80): -52.80; collected 76.80 - 52.80 = 24.00.
    assert (second["lines"], second["plan_pays"], second["patient_owes"]) == (
        8,
        "76.80",
        "-52.80",
    )
    assert second["collected"] == "24.00" and second["percent"] is True


def test_text_output_has_dollars_ranking_period_and_letter():
    result = run("--history", DEMO_HISTORY, "--config", DEMO_CONFIG, "--raise", "D2791=+50")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "Period: 2025-01-14 to 2025-12-15" in out
    lines = [ln.split() for ln in out.splitlines() if ln.strip()[:1].isdigit()]
    assert [ln[1] for ln in lines[:4]] == ["D2791", "D2150", "D2160", "D2140"]
    assert "$1,200.00" in out and "$2,865.00" in out
    assert "missing: D2791 is not in the fee schedule" in out
    # +$50 on D2791: plan pays (750 x 0.5) - (700 x 0.5) = +25 on each of the 2 crowns
    assert "the plan would have paid $50.00 more" in out
    note = out.split("Note for the negotiation letter:")[1]
    assert "as D2791" in note and "$1,200.00" in note and "$50.00" in note


def test_csv_output():
    result = run("--history", DEMO_HISTORY, "--config", DEMO_CONFIG, "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["plan"], r["rank"], r["paid_as"], r["difference"]) for r in rows] == [
        ("Example Mutual PPO Gold", "1", "D2791", "1200.00"),
        ("Example Mutual PPO Gold", "2", "D2150", "780.00"),
        ("Example Mutual PPO Gold", "3", "D2160", "600.00"),
        ("Example Mutual PPO Gold", "4", "D2140", "285.00"),
        ("Sample Union Dental Basic", "", "D2791", ""),
    ]
    assert rows[-1]["in_fee_schedule"] == "false" and rows[0]["period_first"] == "2025-01-14"


def test_demo_folder_and_history_together():
    result = run(
        str(ROOT / "fixtures/demo"), "--history", DEMO_HISTORY, "--config", DEMO_CONFIG,
        "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["lines_from_claims"] > 0 and data["lines_from_history"] == 15
    assert data["ranking"][0]["paid_as"] == "D2791"


# -- input: claim files, stdin, CSV mapping ----------------------------------------------------

CLAIM = {
    "claim_id": "IMP-1",
    "payer_id": "SYNPAYER1",
    "plan_id": "GOLD",
    "subscriber": {"member_id": "SYNI0001", "first_name": "SYNTHETIC", "last_name": "PERSONA"},
    "date_of_service": "2025-06-02",
    "lines": [
        {"line_number": 1, "code": "D2392", "charge": 250, "tooth": "30", "surfaces": "MO"},
        {"line_number": 2, "code": "D2393", "charge": 300, "tooth": "14", "surfaces": "MOD"},
        {"line_number": 3, "code": "D2140", "charge": 145, "tooth": "3", "surfaces": "O"},
    ],
}


def test_claims_from_stdin_priced_like_estimate():
    batch = json.dumps({"version": "1", "claims": [CLAIM]})
    result = run("-", "--profile", GOLD, "--format", "json", input=batch)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    rows = {r["paid_as"]: r for r in data["ranking"]}
    # D2393 -> D2160: fee 300, allowance 140: gap 160; patient 210 - 140 = 70.
    # D2392 -> D2150: fee 250, allowance 120: gap 130; patient 180 - 120 = 60 (the deductible
    #   only moves money between plan and patient inside the basis: not part of the gap).
    # D2140 is billed as itself: not an alternate benefit.
    assert set(rows) == {"D2160", "D2150"}
    assert (rows["D2160"]["difference"], rows["D2160"]["patient_share"]) == ("160.00", "70.00")
    assert (rows["D2150"]["difference"], rows["D2150"]["patient_share"]) == ("130.00", "60.00")
    assert data["ranking"][0]["paid_as"] == "D2160"
    assert data["period"] == {"first": "2025-06-02", "last": "2025-06-02"}


def test_csv_claims_through_a_mapping(tmp_path):
    mapping = tmp_path / "m.toml"
    mapping.write_text(
        '[columns]\nclaim_id = "Visit"\npayer_id = "Carrier"\nplan_id = "Plan"\n'
        'subscriber_id = "Member"\ndate_of_service = "DOS"\ncode = "Proc"\ntooth = "Tooth"\n'
        'surfaces = "Surf"\ncharge = "Fee"\n'
    )
    data = tmp_path / "export.csv"
    data.write_text(
        "Visit,Carrier,Plan,Member,DOS,Proc,Tooth,Surf,Fee\n"
        "V1,SYNPAYER1,GOLD,SYNC0001,2025-03-03,D2392,19,DO,250\n"
    )
    result = run(str(data), "--profile", GOLD, "--csv-mapping", str(mapping), "--format", "json")
    assert result.exit_code == 0, result.output + result.stderr
    rows = json.loads(result.stdout)["ranking"]
    # 250 - 120 = 130
    assert [(r["paid_as"], r["lines"], r["difference"]) for r in rows] == [("D2150", 1, "130.00")]


def test_no_phi_in_any_output():
    batch = json.dumps({"version": "1", "claims": [CLAIM]})
    for fmt in ("text", "json", "csv"):
        result = run("-", "--profile", GOLD, "--format", fmt, input=batch)
        assert result.exit_code == 0
        for secret in ("SYNI0001", "SYNTHETIC", "PERSONA", "IMP-1"):
            assert secret not in result.output
    result = run("--history", DEMO_HISTORY, "--config", DEMO_CONFIG, "--format", "json")
    assert "SYNH00" not in result.output and "HX-30" not in result.output


# -- --raise parsing ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("D2150=+20", Raise("D2150", Decimal("20"))),
        ("D2150=20", Raise("D2150", Decimal("20"))),
        ("d2150=+$12.50", Raise("D2150", Decimal("12.50"))),
        ("D2150=+10%", Raise("D2150", Decimal("10"), True)),
        ("D2791=2.5%", Raise("D2791", Decimal("2.5"), True)),
    ],
)
def test_parse_raise(text, expected):
    assert parse_raise(text) == expected


def test_percent_raise_rounds_half_up_to_the_cent():
    # 115 x 1.033 = 118.795 -> 118.80
    assert Raise("D2150", Decimal("3.3"), True).new_allowance(Decimal("115")) == Decimal("118.80")


@pytest.mark.parametrize(
    "bad", ["D2150", "D2150=-20", "D2150=0", "D2150=+", "D2150=abc", "2150=+20", "D2150=+20%%",
            "D2150=+5000%", "D2150=+20000", "=+20"],
)  # fmt: skip
def test_bad_raise_exits_2_naming_the_option(bad):
    result = run("--history", DEMO_HISTORY, "--config", DEMO_CONFIG, "--raise", bad)
    assert result.exit_code == 2
    assert "--raise" in result.output
    with pytest.raises(ValueError):
        parse_raise(bad)


def test_raise_on_a_code_missing_from_the_schedule_is_named():
    data = demo_json("--raise", "D2791=+10%")
    union = [r for r in data["raises"] if r["plan"] == "Sample Union Dental Basic"]
    assert union and union[0]["missing_from_fee_schedule"] is True


# -- the aggregation and the history store ---------------------------------------------------


def test_split_gap_out_of_network_patient_takes_the_whole_gap():
    # out of network: patient owes fee - plan = 250 - 96 = 154; basis 120:
    # gap 130, patient share 154 - (120 - 96) = 130
    assert split_gap(Decimal(250), Decimal(120), Decimal(96), Decimal(154)) == (130, 130)


def test_aggregate_ranks_by_dollars_then_lines():
    lines = [
        ImpactLine("P", "D2392", "D2150", Decimal(250), Decimal(120), Decimal(130), Decimal(60)),
        ImpactLine("P", "D2393", "D2160", Decimal(290), Decimal(140), Decimal(150), Decimal(70)),
        ImpactLine("P", "D2750", "D2791", None, None, missing_fee=True),
    ]
    summary = aggregate(lines)
    assert [r.paid_as for r in summary.ranking] == ["D2160", "D2150"]
    assert summary.plans[0].missing == {"D2791": {"D2750": 1}}
    assert summary.lines == 2 and summary.missing_lines == 1


def test_history_store_keeps_charge_and_paid_as_and_old_stores_still_open(tmp_path):
    old = tmp_path / "old.sqlite"
    conn = sqlite3.connect(old)  # a store made before the impact columns
    conn.execute(
        "CREATE TABLE prior_procedure (member_id VARCHAR(80) NOT NULL, tooth VARCHAR(4) NOT "
        "NULL, date DATE NOT NULL, code VARCHAR(8) NOT NULL, surfaces VARCHAR(8) NOT NULL, "
        "status VARCHAR(20) NOT NULL, payer_id VARCHAR(80), claim_id VARCHAR(80), "
        "UNIQUE (member_id, tooth, date, code, surfaces))"
    )
    conn.execute(
        "INSERT INTO prior_procedure VALUES "
        "('SYNO1', '30', '2025-02-02', 'D2392', 'MO', 'paid', 'SYNPAYER1', NULL)"
    )
    conn.commit()
    conn.close()
    store = SQLiteHistory(old)  # read-only use: works without the new columns
    [row] = store.records("paid")
    assert row.charge is None and row.paid_as is None
    store.close()
    result = CliRunner().invoke(main, ["history", "import", DEMO_HISTORY, "--history", str(old)])
    assert result.exit_code == 0, result.output
    store = SQLiteHistory(old)
    rows = store.records("paid")
    store.close()
    assert len(rows) == 1 + 19  # the old row and the demo's paid rows (one is denied)
    crown = next(r for r in rows if r.code == "D2740" and r.tooth == "3")
    assert (crown.charge, crown.paid_as, crown.plan_id) == (Decimal("1300"), "D2791", "GOLD")
    # the store gives the same report as the CSV
    from_store = run("--history", str(old), "--config", DEMO_CONFIG, "--format", "json")
    plans = json.loads(from_store.stdout)["plans"]
    assert plans[0]["codes"][0]["difference"] == "1200.00"


def test_history_import_refuses_a_bad_charge_and_paid_as(tmp_path):
    source = tmp_path / "h.csv"
    source.write_text(
        "member_id,code,date,charge,paid_as\n"
        "SYNB1,D2392,2025-01-01,abc,\n"
        "SYNB2,D2392,2025-01-01,250,X99\n"
    )
    result = CliRunner().invoke(
        main, ["history", "import", str(source), "--history", str(tmp_path / "s.sqlite")]
    )
    assert result.exit_code == 1
    assert "row 2, column charge" in result.output and "row 3, column paid_as" in result.output
    assert "abc" not in result.output and "SYNB" not in result.output


def test_nothing_to_read_is_a_usage_error():
    result = run("--profile", GOLD)
    assert result.exit_code == 2 and "PATHS" in result.output


def test_command_line_entry_point_runs_the_demo():
    proc = subprocess.run(
        [sys.executable, "-m", "claimlint", "impact", "fixtures/demo/", "--config",
         "fixtures/demo/claimlint.toml", "--history", "fixtures/demo/history/paid-claims.csv"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "D2791" in proc.stdout and "Note for the negotiation letter" in proc.stdout


def test_json_matches_its_schema():
    import jsonschema

    schema = json.loads((ROOT / "claimlint/schemas/impact.schema.json").read_text())
    jsonschema.validate(demo_json("--raise", "D2150=+20", "--raise", "D2791=+5%"), schema)
    jsonschema.validate(demo_json(), schema)


def test_unreadable_claim_files_fail_the_run_and_are_named(tmp_path):
    """A file that is not X12 and a cut-off JSON batch: each is a CL001 on stderr and the run
    exits 1, never an empty report with exit 0 (found in review)."""
    junk = tmp_path / "junk.837"
    junk.write_bytes(bytes(range(256)) + b"ISX*00*")
    cut = tmp_path / "cut.json"
    cut.write_text('{"claims": [{"claim_id": "A1", "lines": [')
    result = CliRunner().invoke(
        main,
        ["impact", str(junk), str(cut), "--config", str(ROOT / "fixtures/demo/claimlint.toml")],
    )
    assert result.exit_code == 1, result.output
    assert "junk.837" in result.stderr and "cut.json" in result.stderr
    assert result.stderr.count("CL001") == 2


def test_a_history_file_with_no_usable_row_is_an_error(tmp_path):
    bad = tmp_path / "paid.csv"
    bad.write_text("foo,bar\n1,2\n")
    result = CliRunner().invoke(
        main,
        ["impact", "--history", str(bad), "--config", DEMO_CONFIG],
    )
    assert result.exit_code == 2, result.output
    assert "paid.csv" in result.stderr and "no history row could be read" in result.stderr
