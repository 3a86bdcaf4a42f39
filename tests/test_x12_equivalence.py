"""The same claims written as JSON and as 837D give the same coding findings.

Codes, claim ids and line numbers must match; only the locations differ (JSON Pointer versus
segment and element). Rules emitted by a reader about its own syntax (scope ``source``) are
format-specific and left out.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from conftest import TODAY

from claimlint.core.config import Config
from claimlint.running.engine import Engine
from claimlint.running.registry import load_registry

SOURCE_CODES = {c.code for c in load_registry().checks if c.scope.value == "source"}

# (claim id, total, frequency, original claim number, date, billing NPI, billing ZIP,
#  lines: (code, charge, quantity, [(tooth, surfaces)]))
CLAIMS = {
    "clean": [
        (
            "SYN1",
            "395",
            "1",
            None,
            "20250610",
            "1234567893",
            "627010001",
            [("D2392", "250", 1, [("30", "MO")]), ("D2140", "145", 1, [("3", "O")])],
        )
    ],
    "coding": [
        (
            "SYN2",
            "480",
            "1",
            None,
            "20250610",
            "1234567893",
            "627010001",
            [
                ("D2150", "200", 1, [("30", "MOD")]),  # 2-surface code, 3 surfaces
                ("D2391", "150", 1, [("8", "M")]),  # posterior composite on anterior tooth
                ("D2140", "130", 1, [("9", "B")]),
            ],
        )
    ],  # buccal on an anterior tooth
    "billing": [
        (
            "SYN3",
            "999",
            "7",
            None,
            "20250610",
            "1234567890",
            "62701",
            [("D2140", "-10", 1, [("3", "O")]), ("2140", "10", 1, [("14", "O")])],
        )
    ],
    "teeth": [
        (
            "SYN4",
            "300",
            "1",
            None,
            "20250610",
            "1234567893",
            "627010001",
            [("D2140", "300", 2, [("3", "O"), ("14", "O")]), ("D2140", "0", 1, [])],
        ),
        (
            "SYN5",
            "145",
            "1",
            None,
            "20250610",
            "1234567893",
            "627010001",
            [("D2140", "145", 1, [("33", "O")])],
        ),
    ],
}


def as_json(claims: list) -> bytes:
    out = []
    for cid, total, freq, orig, date, npi, zip_, lines in claims:
        out.append(
            {
                "claim_id": cid,
                "payer_id": "SYNPAYER1",
                "billing_provider": {"npi": npi, "tax_id": "123456789", "postal_code": zip_},
                "subscriber": {
                    "member_id": "SYN000123",
                    "first_name": "ALPHA",
                    "last_name": "TESTPATIENT",
                    "birth_date": "1980-01-01",
                },
                "patient_is_subscriber": True,
                "payer_sequence": "P",
                "date_of_service": f"{date[:4]}-{date[4:6]}-{date[6:]}",
                "total_charge": total,
                "place_of_service": "11",
                "frequency_code": freq,
                "original_claim_number": orig,
                "lines": [
                    {
                        "line_number": i,
                        "code": code,
                        "charge": charge,
                        "quantity": qty,
                        **(
                            {"teeth": [{"tooth": t, "surfaces": s} for t, s in teeth]}
                            if teeth
                            else {}
                        ),
                    }
                    for i, (code, charge, qty, teeth) in enumerate(lines, 1)
                ],
            }
        )
    return orjson.dumps({"version": "1", "tooth_numbering": "universal", "claims": out})


def as_837(claims: list) -> str:
    isa = (
        "ISA*00*          *00*          *ZZ*CLAIMLINTDEMO  *ZZ*RECEIVER01     *250115*1200*"
        "^*00501*000000001*0*T*:"
    )
    body = [
        "BHT*0019*00*0001*20250115*1200*CH",
        "NM1*41*2*EXAMPLE DENTAL GROUP*****46*1",
        "NM1*40*2*EXAMPLE CLEARINGHOUSE*****46*RECEIVER01",
    ]
    hl = 0
    for cid, total, freq, orig, date, npi, zip_, lines in claims:
        hl += 2
        body += [
            f"HL*{hl - 1}**20*1",
            f"NM1*85*2*EXAMPLE DENTAL GROUP*****XX*{npi}",
            "N3*100 MAIN ST",
            f"N4*SPRINGFIELD*IL*{zip_}",
            "REF*EI*123456789",
            f"HL*{hl}*{hl - 1}*22*0",
            "SBR*P*18*GRP0001******CI",
            "NM1*IL*1*TESTPATIENT*ALPHA****MI*SYN000123",
            "N3*200 TEST AVE",
            "N4*SPRINGFIELD*IL*627020002",
            "DMG*D8*19800101*F",
            "NM1*PR*2*SYNTHETIC DENTAL PLAN*****PI*SYNPAYER1",
            f"CLM*{cid}*{total}***11:B:{freq}*Y*A*Y*Y",
            f"DTP*472*D8*{date}",
        ]
        if orig:
            body.append(f"REF*F8*{orig}")
        for i, (code, charge, qty, teeth) in enumerate(lines, 1):
            sv3 = f"SV3*AD:{code}*{charge}" + (f"****{qty}" if qty != 1 else "")
            body += [f"LX*{i}", sv3]
            body += [f"TOO*JP*{t}*{':'.join(s)}" for t, s in teeth]
    segs = [
        isa,
        "GS*HC*CLAIMLINTDEMO*RECEIVER01*20250115*1200*1*X*005010X224A2",
        "ST*837*0001*005010X224A2",
        *body,
        f"SE*{len(body) + 2}*0001",
        "GE*1*1",
        "IEA*1*000000001",
    ]
    return "~\n".join(segs) + "~\n"


def coding_findings(path: Path) -> list[tuple[str, str | None, int | None]]:
    engine = Engine(Config(today=TODAY))
    report = engine.lint_paths([str(path)])
    assert engine.errors == []
    assert report.summary.claims_unparsable == 0
    return sorted(
        (f.code, f.location.claim_id, f.location.line)
        for f in report.findings
        if f.code not in SOURCE_CODES
    )


@pytest.mark.parametrize("case", sorted(CLAIMS))
def test_json_and_837d_give_the_same_coding_findings(case, tmp_path: Path):
    claims = CLAIMS[case]
    json_path = tmp_path / f"{case}.json"
    json_path.write_bytes(as_json(claims))
    x12_path = tmp_path / f"{case}.837"
    x12_path.write_text(as_837(claims), "latin-1")
    from_json = coding_findings(json_path)
    from_x12 = coding_findings(x12_path)
    assert from_json == from_x12
    if case == "clean":
        assert from_json == []
    else:
        assert from_json, "the case is meant to produce findings"
