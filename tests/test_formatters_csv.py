from __future__ import annotations

import csv
import io

from ci_sample import check_golden, render


def test_csv_golden() -> None:
    check_golden("findings.csv", render("csv"))


def test_csv_rows() -> None:
    rows = list(csv.DictReader(io.StringIO(render("csv"))))
    assert len(rows) == 6
    assert rows[0] == {
        "file": "claims/batch.json",
        "claim_id": "PCN1001",
        "line": "2",
        "field": "surfaces",
        "code": "CL301",
        "name": "surface-count-mismatch",
        "severity": "error",
        "message": "D2150 is a 2-surface code but 3 surfaces (MOD) are listed; bill D2160.",
        "position": "line 14, col 22; /claims/0/lines/1/surfaces",
    }
    assert rows[3]["position"] == "segment 23 (TOO); line 1, col 512"
    # a multi-line message stays one record
    assert rows[4]["message"] == "50% of lines: check, then\nretry"
    # a claim id a spreadsheet would evaluate is neutralised
    assert rows[5]["claim_id"] == "'=SUM(A1)"
    assert "values" not in rows[0]


def test_csv_values_column_on_request() -> None:
    rows = list(csv.DictReader(io.StringIO(render("csv", show_values=True))))
    assert rows[0]["values"] == "surfaces=MOD"
