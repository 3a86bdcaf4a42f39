"""The built-in Open Dental mappings: an Open Dental procedure-log or claim-procedure export is
checked, converted and imported into the history as it is (fixtures/csv/opendental-*.csv,
synthetic rows)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES

from claimlint.cli import main
from claimlint.readers.mappings import BUILTIN, load_mapping

PROCEDURELOG = FIXTURES / "csv" / "opendental-procedurelog.csv"
CLAIMPROC = FIXTURES / "csv" / "opendental-claimproc.csv"


def _rows(db) -> list[tuple[str, str, str, str, str, str]]:
    conn = sqlite3.connect(db)
    try:
        cols = [r[1] for r in conn.execute("PRAGMA table_info(prior_procedure)")]
        picked = [c for c in ("member_id", "code", "date", "tooth", "surfaces", "status")]
        assert set(picked) <= set(cols), cols
        return sorted(conn.execute(f"SELECT {', '.join(picked)} FROM prior_procedure"))
    finally:
        conn.close()


@pytest.mark.parametrize("name", ["opendental-procedurelog", "opendental-claimproc"])
def test_the_mapping_cites_its_public_source(name):
    """Each Open Dental mapping is documented from Open Dental's published schema."""
    import claimlint.readers.mappings as module

    source = Path(module.__file__).read_text(encoding="utf-8")
    block = source[source.index(f'"{name}": {{') - 1200 : source.index(f'"{name}": {{')]
    assert "OpenDentalDocumentation" in block and "opendental.com/site/api" in block
    assert load_mapping(name).status_values  # statuses are translated, not guessed


def test_history_import_of_an_open_dental_procedure_log(tmp_path):
    db = tmp_path / "h.sqlite"
    result = CliRunner().invoke(
        main,
        [
            "history",
            "import",
            str(PROCEDURELOG),
            "--history",
            str(db),
            "--csv-mapping",
            "opendental-procedurelog",
        ],
    )
    # 8 rows: TP (9006) and deleted (9007) skipped, surface Z (9008) a problem, 5 imported
    assert result.exit_code == 1
    assert "5 procedures imported" in result.stdout
    assert "2 skipped by the mapping" in result.stdout
    assert "row 9, column Surf:" in result.stderr  # the export's own column name
    assert _rows(db) == [
        ("7001", "D1110", "2025-05-20", "", "", "completed"),
        ("7001", "D2140", "2025-03-04", "3", "O", "completed"),
        ("7001", "D2392", "2025-03-04", "30", "MOD", "completed"),
        ("7002", "D2740", "2025-04-11", "8", "", "completed"),
        # Surf "UR" of a quadrant procedure is an area, not surfaces
        ("7002", "D4341", "2025-06-01", "", "", "completed"),
    ]


def test_history_import_without_the_mapping_refuses_the_export(tmp_path):
    result = CliRunner().invoke(
        main, ["history", "import", str(PROCEDURELOG), "--history", str(tmp_path / "h.sqlite")]
    )
    assert result.exit_code == 1
    assert "header lacks column(s) member_id, code, date" in result.stderr


def test_history_import_takes_the_mapping_from_the_configuration(tmp_path, monkeypatch):
    (tmp_path / "claimlint.toml").write_text(
        'csv-mapping = "opendental-claimproc"\nhistory = "h.sqlite"\n'
    )
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["history", "import", str(CLAIMPROC)])
    assert result.exit_code == 0, result.output
    # the Preauth row (4003) is not history; NotReceived is billed, InsHist completed
    assert _rows(tmp_path / "h.sqlite") == [
        ("7001", "D1110", "2025-05-20", "", "", "billed"),
        ("7001", "D2140", "2025-03-04", "", "", "paid"),
        ("7001", "D2392", "2025-03-04", "", "", "paid"),
        ("7002", "D2740", "2025-04-11", "", "", "completed"),
    ]


def test_a_status_the_mapping_does_not_name_is_a_problem_not_a_guess(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(
        "ProcNum,PatNum,ProcDate,ProcFee,ProcCode,ToothNum,Surf,ProcStatus\n"
        "1,7,2025-01-02,10.00,D1110,,,X\n"
    )
    result = CliRunner().invoke(
        main,
        [
            "history",
            "import",
            str(path),
            "--history",
            str(tmp_path / "h.sqlite"),
            "--csv-mapping",
            "opendental-procedurelog",
        ],
    )
    assert result.exit_code == 1
    assert "row 2, column ProcStatus: the status is not one the mapping" in result.stderr


def test_convert_an_open_dental_procedure_log():
    result = CliRunner().invoke(
        main, ["convert", str(PROCEDURELOG), "--csv-mapping", "opendental-procedurelog"]
    )
    assert result.exit_code == 0, result.stderr
    claims = json.loads(result.stdout)["claims"]
    assert [c["claim_id"] for c in claims] == [str(n) for n in range(9001, 9009)]
    first = claims[0]
    assert first["patient"]["member_id"] == "7001"
    line = first["lines"][0]
    assert (line["code"], line["charge"], line["tooth"], line["surfaces"]) == (
        "D2140",
        145,
        "3",
        "O",
    )
    assert line["date_of_service"] == "2025-03-04"


def test_convert_open_dental_claim_procedures_groups_by_claim():
    result = CliRunner().invoke(
        main, ["convert", str(CLAIMPROC), "--csv-mapping", "opendental-claimproc"]
    )
    assert result.exit_code == 0, result.stderr
    claims = json.loads(result.stdout)["claims"]
    assert [(c["claim_id"], [ln["code"] for ln in c["lines"]]) for c in claims] == [
        ("4001", ["D2140", "D2392"]),
        ("4002", ["D1110"]),
        ("4003", ["D2740"]),
        ("4004", ["D2740"]),
    ]
    assert [ln["charge"] for ln in claims[0]["lines"]] == [145, 250]


@pytest.mark.parametrize(
    ("path", "mapping", "expected"),
    [
        # the surface letter Z of procedure 9008 is found where the export has it
        (PROCEDURELOG, "opendental-procedurelog", ("9008", "CL205", "Surf")),
        # a crown sent without a tooth (claimproc has no tooth column)
        (CLAIMPROC, "opendental-claimproc", ("4003", "CL201", "CodeSent")),
    ],
)
def test_check_reads_open_dental_exports(path, mapping, expected):
    result = CliRunner().invoke(
        main,
        ["check", str(path), "--csv-mapping", mapping, "--format", "json", "--today", "2026-01-15"],
    )
    assert result.exit_code == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["summary"]["claims_read"] == len(
        {
            line.split(",")[2 if mapping.endswith("claimproc") else 0]
            for line in path.read_text().splitlines()[1:]
        }
    )
    claim_id, code, column = expected
    hits = [
        f for f in report["findings"] if f["location"]["claim_id"] == claim_id and f["code"] == code
    ]
    assert hits, report["findings"]
    assert column in json.dumps(hits[0]["location"])
    # nothing is an unknown column: the mapping names or ignores every header
    assert not any("unknown column" in f["message"].lower() for f in report["findings"])


def test_every_builtin_mapping_loads():
    for name in BUILTIN:
        assert load_mapping(name).name == name
