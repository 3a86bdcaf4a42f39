"""A full visit linted end to end (issue 14's done-criterion): exam, bitewings, cleaning, two
fillings, a molar root canal and a quadrant of scaling (fixtures/visit/), the member's history
imported from a CSV with ``claimlint history import`` into a SQLite store, and the Gold plan's
common frequency limits (fixtures/profiles/example-mutual-ppo-gold.toml) through the CLI.

The clean visit has no error and no warning in 837D and JSON; each variant changes one thing and
fires exactly the rule it should, with the message and the data a biller acts on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES

from claimlint.cli import main

VISIT = FIXTURES / "visit"
CONFIG = str(VISIT / "claimlint.toml")
MEMBER = "SYNVISIT1"


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def _store(tmp_path: Path, extra_rows: str = "") -> str:
    """fixtures/visit/history.csv (plus ``extra_rows``) imported into a new SQLite store."""
    csv_path = tmp_path / "history.csv"
    csv_path.write_text((VISIT / "history.csv").read_text() + extra_rows)
    db = str(tmp_path / "history.sqlite")
    result = run("history", "import", "--history", db, str(csv_path))
    assert result.exit_code == 0, result.output
    assert "0 problems" in result.output
    return db


def _check(path: str, db: str) -> tuple[int, list[dict]]:
    result = run(
        "check", path, "--config", CONFIG, "--history", db, "--today", "2026-01-15",
        "--format", "jsonl", "--fail-on", "warning",
    )  # fmt: skip
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, [json.loads(row) for row in result.output.splitlines() if row]


def _serious(found: list[dict]) -> list[dict]:
    return [f for f in found if f["severity"] != "info"]


def _variant(tmp_path: Path, change) -> str:
    batch = json.loads((VISIT / "visit.json").read_text())
    change(batch["claims"][0]["lines"])
    path = tmp_path / "variant.json"
    path.write_text(json.dumps(batch))
    return str(path)


@pytest.mark.parametrize("name", ["visit.json", "visit.837"])
def test_the_clean_visit_passes_with_no_warnings(tmp_path, name):
    db = _store(tmp_path)
    code, found = _check(str(VISIT / name), db)
    assert code == 0
    assert _serious(found) == [], [f["message"] for f in _serious(found)]
    # the plan's limits were consulted: the cleaning is the second of 2025 (one in history),
    # the bitewings are 13+ months after the last ones, and each line got an estimate
    estimated = {f["location"]["line"] for f in found if f["code"] == "CL601"}
    assert {1, 3, 7} <= estimated  # exam, cleaning, scaling
    assert all(MEMBER not in f["message"] for f in found)


def test_the_837d_and_json_visits_give_the_same_findings(tmp_path):
    db = _store(tmp_path)
    as_json = _check(str(VISIT / "visit.json"), db)[1]
    as_x12 = _check(str(VISIT / "visit.837"), db)[1]
    assert [(f["code"], f["location"]["line"], f["message"]) for f in as_json] == [
        (f["code"], f["location"]["line"], f["message"]) for f in as_x12
    ]


def test_a_third_cleaning_in_the_benefit_year_is_cl801_and_not_covered(tmp_path):
    # history: D1110 on 2025-05-05 (the visit's file) + periodontal maintenance in August:
    # the plan's "cleanings" counter (D1110/D1120/D4910, 2 per benefit year) is full
    db = _store(tmp_path, f"{MEMBER},D4910,2025-08-11,,,paid,SYNPAYER1,PRIOR-D,\n")
    code, found = _check(str(VISIT / "visit.json"), db)
    (hit,) = _serious(found)
    assert code == 1
    assert hit["code"] == "CL801" and hit["severity"] == "warning"
    assert hit["location"]["line"] == 3
    assert hit["data"] == {
        "rule": "cleanings",
        "scope": "the mouth",
        "payable_from": "2026-01-01",
        "shared_with": ["D4910"],
    }
    assert hit["message"] == (
        "D1110 on 2025-11-03 is over Example Mutual PPO Gold's limit of 2 per benefit year for "
        "the mouth (cleanings): counted D1110 on 2025-05-05 (history); D4910 on 2025-08-11 "
        "(history). D1110 shares this limit with D4910 (D1110, D1120, D4910 count together). "
        "The plan will likely deny it; payable again from 2026-01-01."
    )
    # the estimate treats the line as not covered: the plan pays nothing for it
    result = run(
        "estimate", str(VISIT / "visit.json"), "--config", CONFIG, "--history", db,
        "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    (claim,) = json.loads(result.output)["claims"]
    cleaning = next(line for line in claim["lines"] if line["line"] == 3)
    assert cleaning["plan_pays"] == "0.00" and cleaning["patient_owes"] == "90.00"
    assert "2 per benefit year for the mouth (cleanings)" in cleaning["not_covered"]
    assert "payable again from 2026-01-01" in cleaning["not_covered"]
    exam = next(line for line in claim["lines"] if line["line"] == 1)
    assert exam["not_covered"] is None and exam["plan_pays"] == "50.00"


def test_bitewings_inside_12_months_are_cl801_with_the_payable_date(tmp_path):
    db = _store(tmp_path, f"{MEMBER},D0274,2025-05-05,,,paid,SYNPAYER1,PRIOR-C,\n")
    code, found = _check(str(VISIT / "visit.json"), db)
    (hit,) = _serious(found)
    assert code == 1 and hit["code"] == "CL801" and hit["location"]["line"] == 2
    assert hit["data"]["rule"] == "bitewings" and hit["data"]["payable_from"] == "2026-05-05"
    assert "limit of 1 per 12 months for the mouth (bitewings)" in hit["message"]
    assert "counted D0274 on 2025-05-05 (history)" in hit["message"]


def test_a_root_canal_code_for_the_wrong_tooth_type_is_cl911(tmp_path):
    def anterior_code_on_a_molar(lines):
        lines[5]["code"] = "D3310"  # tooth 14 stays: an upper first molar

    db = _store(tmp_path)
    code, found = _check(_variant(tmp_path, anterior_code_on_a_molar), db)
    (hit,) = _serious(found)
    assert code == 1 and hit["code"] == "CL911" and hit["location"]["line"] == 6
    assert hit["message"] == (
        "D3310 on line 6 is the front-tooth (incisor or canine) code but tooth 14 is a "
        "permanent molar; use D3330."
    )


def test_scaling_without_a_quadrant_is_cl701(tmp_path):
    def no_area(lines):
        del lines[6]["oral_cavity"]

    db = _store(tmp_path)
    code, found = _check(_variant(tmp_path, no_area), db)
    (hit,) = _serious(found)
    assert code == 1 and hit["code"] == "CL701" and hit["severity"] == "error"
    assert hit["location"]["line"] == 7
    assert hit["message"].startswith("D4341 on line 7 is reported per quadrant but it has no area")


def test_teeth_outside_the_scaling_quadrant_are_cl705(tmp_path):
    def one_tooth_elsewhere(lines):
        # quadrant 30 is lower left (17-24); tooth 29 is lower right
        lines[6]["teeth"] = [{"tooth": t} for t in ("18", "19", "20", "29")]

    db = _store(tmp_path)
    code, found = _check(_variant(tmp_path, one_tooth_elsewhere), db)
    (hit,) = _serious(found)
    assert code == 1 and hit["code"] == "CL705" and hit["location"]["line"] == 7
    assert hit["message"].startswith(
        "Tooth 29 on line 7 (D4341) is not in the line's quadrant 30 (lower left quadrant)"
    )


def test_scaling_again_in_a_quadrant_scaled_last_year_is_cl801(tmp_path):
    def upper_right(lines):
        lines[6]["oral_cavity"] = ["10"]  # history: D4341 in 10 on 2024-09-16

    db = _store(tmp_path)
    code, found = _check(_variant(tmp_path, upper_right), db)
    (hit,) = _serious(found)
    assert code == 1 and hit["code"] == "CL801" and hit["location"]["line"] == 7
    assert hit["data"]["scope"] == "quadrant UR"
    assert hit["data"]["payable_from"] == "2026-09-16"
