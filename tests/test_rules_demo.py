"""The demo batch: which of the rules branch's findings each claim produces."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from claimlint.core.config import Config
from claimlint.running.engine import Engine

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TODAY = dt.date(2026, 1, 15)  # the suite's fixed today (conftest.TODAY)

OURS = {
    "CL112", "CL115", "CL201", "CL202", "CL205", "CL206", "CL207", "CL208", "CL209", "CL925",
    "CL301", "CL302", "CL303", "CL304", "CL305", "CL306", "CL401", "CL402",
}  # fmt: skip
EXPECTED = {
    "MG-1001": [],
    "MG-1002": [],
    "MG-1003": [],
    "MG-1004": [],
    "MG-1005": [],
    "MG-1006": ["CL301"],
    "MG-1007": ["CL401", "CL402"],
    "MG-1008": ["CL306"],
    "MG-1009": ["CL305", "CL305"],
    "MG-1010": ["CL115", "CL925"],  # the supernumerary extraction: CL925, not CL211 too
    "MG-1011": ["CL112"],
    "MG-1012": ["CL207", "CL302", "CL303"],
    "MG-1013": ["CL205", "CL206", "CL208"],
    "MG-1014": ["CL201", "CL202", "CL304"],
    "MG-1015": ["CL112", "CL206", "CL209"],
    "MG-1016": [],
}
BATCH = FIXTURES / "demo" / "batch.json"


def test_demo_findings_per_claim() -> None:
    report = Engine(Config(today=TODAY)).lint_paths([str(BATCH)])
    assert report.summary.claims_read == len(EXPECTED) == report.summary.claims_linted
    got: dict[str, list[str]] = defaultdict(list)
    for f in report.findings:
        if f.code in OURS:
            got[f.location.claim_id].append(f.code)
    assert {k: sorted(got.get(k, [])) for k in EXPECTED} == EXPECTED
    assert set().union(*map(set, EXPECTED.values())) == OURS


def test_demo_totals_balance_and_npis_are_valid() -> None:
    data = json.loads(BATCH.read_text())
    assert len(data["claims"]) >= 14
    for claim in data["claims"]:
        total = sum(Decimal(str(ln["charge"])) for ln in claim["lines"])
        assert Decimal(str(claim["total_charge"])) == total, claim["claim_id"]
        for who in ("billing_provider", "rendering_provider"):
            assert _npi_ok(claim[who]["npi"]), claim["claim_id"]


def _npi_ok(npi: str) -> bool:
    digits = "80840" + npi
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return len(npi) == 10 and total % 10 == 0
