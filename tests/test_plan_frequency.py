"""Frequency limits of every shape (CL801, CL802, the estimate): per mouth, arch, quadrant,
tooth and surface; rolling months, calendar year, benefit year, lifetime; groups of codes
sharing one counter; age ranges; days between services. Each shape fails and passes in JSON
and XML (inline history) and in 837D and CSV (history imported from a CSV into the SQLite
store)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from conftest import FIXTURES, TODAY

from claimlint.core.config import Config
from claimlint.payer.history import InMemoryHistory, SQLiteHistory, procedures_of
from claimlint.payer.profiles import ProfileError, load_profiles, parse_profile
from claimlint.running.engine import Engine
from claimlint.running.history_import import import_files

PAYER = "SYNPAYER7"
MEMBER = "SYN7001"

# (name, rule, history rows (code, date, tooth, surfaces, area), failing lines, passing lines,
#  birth date, code expected, text expected in the failing finding)
# a line: (code, date, tooth, surfaces, area)
SHAPES = [
    (
        "mouth-benefit-year-shared-group",
        {"codes": ["D1110", "D1120", "D4910"], "per": "mouth", "count": 2,
         "period": "benefit-year"},
        [("D1110", "2025-08-01", "", "", ""), ("D4910", "2025-12-01", "", "", "")],
        [("D1110", "2026-03-02", "", "", "")],
        [("D1110", "2026-07-06", "", "", "")],
        "1980-01-01", "CL801", "payable again from 2026-07-01",
    ),
    (
        "calendar-year",
        {"codes": ["D0120", "D0150"], "per": "mouth", "count": 1, "period": "calendar-year"},
        [("D0120", "2025-02-03", "", "", "")],
        [("D0150", "2025-10-01", "", "", "")],
        [("D0150", "2026-01-02", "", "", "")],
        "1980-01-01", "CL801", "shares this limit with D0120",
    ),
    (
        "rolling-months",
        {"codes": ["D0272", "D0274"], "per": "mouth", "months": 12},
        [("D0274", "2025-03-15", "", "", "")],
        [("D0272", "2026-03-14", "", "", "")],
        [("D0272", "2026-03-15", "", "", "")],
        "1980-01-01", "CL801", "payable again from 2026-03-15",
    ),
    (
        "lifetime-per-tooth",
        {"codes": ["D1351"], "per": "tooth", "count": 1, "period": "lifetime"},
        [("D1351", "2019-05-01", "3", "O", "")],
        [("D1351", "2025-06-02", "3", "O", "")],
        [("D1351", "2025-06-02", "14", "O", "")],
        "2012-01-01", "CL801", "not payable again under this plan (lifetime limit)",
    ),
    (
        "tooth-months",
        {"codes": ["D1351"], "per": "tooth", "months": 36},
        [("D1351", "2024-05-01", "30", "O", "")],
        [("D1351", "2025-06-02", "30", "O", "")],
        [("D1351", "2025-06-02", "19", "O", "")],
        "2012-01-01", "CL801", "payable again from 2027-05-01",
    ),
    (
        "surface",
        {"codes": ["D1351"], "per": "surface", "months": 36},
        [("D1351", "2024-05-01", "30", "O", "")],
        [("D1351", "2025-06-02", "30", "O", "")],
        [("D1351", "2025-06-02", "30", "B", "")],
        "2012-01-01", "CL801", "tooth 30 surface O",
    ),
    (
        "quadrant",
        {"codes": ["D4341", "D4342"], "per": "quadrant", "months": 24},
        [("D4341", "2024-09-03", "", "", "10")],
        [("D4342", "2025-06-02", "", "", "10")],
        [("D4342", "2025-06-02", "", "", "20")],
        "1970-01-01", "CL801", "quadrant UR",
    ),
    (
        # the quadrant comes from the teeth (no area on the lines nor in history): tooth 19
        # and tooth 21 are both lower left (17-24); tooth 28 is lower right
        "quadrant-from-tooth",
        {"codes": ["D4341", "D4342"], "per": "quadrant", "months": 24},
        [("D4341", "2024-09-03", "19", "", "")],
        [("D4342", "2025-06-02", "21", "", "")],
        [("D4342", "2025-06-02", "28", "", "")],
        "1970-01-01", "CL801", "for quadrant LL (the-limit): counted D4341 on 2024-09-03",
    ),
    (
        "arch",
        {"codes": ["D4341", "D4342"], "per": "arch", "months": 24},
        [("D4341", "2024-09-03", "", "", "20")],  # a quadrant of the upper arch
        [("D4342", "2025-06-02", "", "", "01")],
        [("D4342", "2025-06-02", "", "", "02")],
        "1970-01-01", "CL801", "the maxillary arch",
    ),
    (
        "age",
        {"codes": ["D1206", "D1208"], "per": "mouth", "count": 2, "period": "benefit-year",
         "max_age": 18},
        [],
        [("D1206", "2025-06-02", "", "", "")],
        [("D1206", "2025-06-02", "", "", "")],
        "2005-01-01", "CL802", "age 18 and under",
    ),
    (
        "days-between",
        {"codes": ["D1206", "D1208"], "per": "mouth", "count": 3, "months": 12,
         "min_days_between": 110},
        [("D1206", "2025-03-01", "", "", "")],
        [("D1206", "2025-05-01", "", "", "")],
        [("D1206", "2025-06-19", "", "", "")],
        "2020-01-01", "CL801", "payable again from 2025-06-19",
    ),
]  # fmt: skip


def _profile(tmp_path, rule) -> str:
    data = {
        "name": "synthetic-freq",
        "payer_ids": [PAYER],
        "benefit_year_start_month": 7,
        "coinsurance": {"diagnostic": 100, "preventive": 100, "basic": 80, "major": 50},
        "frequency": [{"id": "the-limit", **rule}],
    }
    path = tmp_path / "synthetic-freq.json"
    path.write_text(json.dumps(data))
    return str(path)


def _history_db(tmp_path, rows) -> str:
    csv_path = tmp_path / "history.csv"
    text = "member_id,code,date,tooth,surfaces,status,area\n" + "".join(
        f"{MEMBER},{code},{day},{tooth},{surf},paid,{area}\n"
        for code, day, tooth, surf, area in rows
    )
    csv_path.write_text(text)
    db = tmp_path / "history.sqlite"
    store = SQLiteHistory(db, create=True)
    try:
        result = import_files([csv_path], store)
        assert not result.problems, result.problems
    finally:
        store.close()
    return str(db)


def _json_batch(tmp_path, lines, history, birth) -> str:
    claim = {
        "claim_id": "FREQ1",
        "payer_id": PAYER,
        "subscriber": {"member_id": MEMBER, "birth_date": birth},
        "date_of_service": lines[0][1],
        "lines": [
            {
                "line_number": i + 1,
                "code": code,
                "charge": 100,
                "date_of_service": day,
                **({"tooth": tooth} if tooth else {}),
                **({"surfaces": surf} if surf else {}),
                **({"oral_cavity": [area]} if area else {}),
            }
            for i, (code, day, tooth, surf, area) in enumerate(lines)
        ],
    }
    batch = {
        "version": "1",
        "claims": [claim],
        "history": [
            {"member_id": MEMBER, "code": code, "date": day, "status": "paid",
             **({"tooth": tooth} if tooth else {}), **({"surfaces": surf} if surf else {}),
             **({"area": area} if area else {})}
            for code, day, tooth, surf, area in history
        ],
    }  # fmt: skip
    path = tmp_path / "batch.json"
    path.write_text(json.dumps(batch))
    return str(path)


def x12(lines, birth, payer=PAYER, member=MEMBER, plan="GRP0001") -> str:
    """A one-claim 837D: each line its own date (DTP*472), tooth (TOO) and area (SV304)."""
    body = []
    for i, (code, day, tooth, surf, area) in enumerate(lines, 1):
        body.append(f"LX*{i}")
        body.append(f"SV3*AD:{code}*100**{area}" if area else f"SV3*AD:{code}*100")
        body.append(f"DTP*472*D8*{day.replace('-', '')}")
        if tooth:
            body.append(f"TOO*JP*{tooth}" + (f"*{':'.join(surf)}" if surf else ""))
    total = 100 * len(lines)
    head = [
        "ST*837*0001*005010X224A2",
        "BHT*0019*00*0001*20250115*1200*CH",
        "NM1*41*2*EXAMPLE DENTAL GROUP*****46*123456789",
        "PER*IC*BILLING OFFICE*TE*5555550100",
        "NM1*40*2*EXAMPLE CLEARINGHOUSE*****46*RECEIVER01",
        "HL*1**20*1",
        "PRV*BI*PXC*1223G0001X",
        "NM1*85*2*EXAMPLE DENTAL GROUP*****XX*1234567893",
        "N3*100 MAIN ST",
        "N4*SPRINGFIELD*IL*627010001",
        "REF*EI*123456789",
        "HL*2*1*22*0",
        f"SBR*P*18*{plan}******CI",
        f"NM1*IL*1*TESTPATIENT*ALPHA****MI*{member}",
        "N3*200 TEST AVE",
        "N4*SPRINGFIELD*IL*627020002",
        f"DMG*D8*{birth.replace('-', '')}*F",
        f"NM1*PR*2*SYNTHETIC DENTAL PLAN*****PI*{payer}",
        f"CLM*FREQ1*{total}***11:B:1*Y*A*Y*Y",
    ]
    segments = [*head, *body]
    segments.append(f"SE*{len(segments) + 1}*0001")
    envelope = [
        "ISA*00*          *00*          *ZZ*CLAIMLINTDEMO  *ZZ*RECEIVER01     *250115*1200*^*"
        "00501*000000001*0*T*:",
        "GS*HC*CLAIMLINTDEMO*RECEIVER01*20250115*1200*1*X*005010X224A2",
        *segments,
        "GE*1*1",
        "IEA*1*000000001",
    ]
    return "~\n".join(envelope) + "~\n"


CSV_HEADER = (
    "claim_id,payer_id,subscriber_id,subscriber_birth_date,date_of_service,line_number,code,"
    "charge,tooth,surfaces,oral_cavity,line_date_of_service\n"
)


def csv_claim(lines, birth) -> str:
    """The claim of :func:`x12` as a CSV file (one row per line)."""
    return CSV_HEADER + "".join(
        f"FREQ1,{PAYER},{MEMBER},{birth},{lines[0][1]},{i},{code},100,{tooth},{surf},{area},{day}\n"
        for i, (code, day, tooth, surf, area) in enumerate(lines, 1)
    )


def xml_batch(lines, history, birth) -> str:
    """The claim of :func:`x12` as an XML batch, the history inline (with its areas)."""

    def el(tag, value):
        return f"<{tag}>{value}</{tag}>" if value else ""

    procs = "".join(
        "<procedure>" + el("member_id", MEMBER) + el("code", code) + el("date", day)
        + el("tooth", tooth) + el("surfaces", surf) + el("status", "paid") + el("area", area)
        + "</procedure>"
        for code, day, tooth, surf, area in history
    )  # fmt: skip
    body = "".join(
        "<line>" + el("line_number", i) + el("code", code) + el("charge", 100)
        + el("tooth", tooth) + el("surfaces", surf)
        + (f"<oral_cavity><area>{area}</area></oral_cavity>" if area else "")
        + el("date_of_service", day) + "</line>"
        for i, (code, day, tooth, surf, area) in enumerate(lines, 1)
    )  # fmt: skip
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<batch version="1">'
        + (f"<history>{procs}</history>" if procs else "")
        + "<claims><claim>" + el("claim_id", "FREQ1") + el("payer_id", PAYER)
        + f"<subscriber>{el('member_id', MEMBER)}{el('birth_date', birth)}</subscriber>"
        + el("date_of_service", lines[0][1]) + f"<lines>{body}</lines></claim></claims></batch>\n"
    )  # fmt: skip


def _run(tmp_path, fmt, rule, history, lines, birth):
    profile = _profile(tmp_path, rule)
    if fmt == "json":
        path = _json_batch(tmp_path, lines, history, birth)
        config = Config(today=TODAY, profiles=[profile])
    elif fmt == "xml":  # inline history, as JSON
        path = str(tmp_path / "claim.xml")
        (tmp_path / "claim.xml").write_text(xml_batch(lines, history, birth))
        config = Config(today=TODAY, profiles=[profile])
    elif fmt == "csv":  # history imported from a CSV into the SQLite store, as 837D
        path = str(tmp_path / "claim.csv")
        (tmp_path / "claim.csv").write_text(csv_claim(lines, birth))
        config = Config(today=TODAY, profiles=[profile], history=_history_db(tmp_path, history))
    else:
        path = str(tmp_path / "claim.837")
        (tmp_path / "claim.837").write_text(x12(lines, birth))
        config = Config(today=TODAY, profiles=[profile], history=_history_db(tmp_path, history))
    report = Engine(config).lint_paths([path])
    assert report.summary.claims_linted == 1, [f.message for f in report.findings]
    return [f for f in report.findings if f.code in ("CL801", "CL802")]


@pytest.mark.parametrize("fmt", ["json", "837", "csv", "xml"])
@pytest.mark.parametrize("case", SHAPES, ids=[c[0] for c in SHAPES])
def test_shape_fails_and_passes(tmp_path, case, fmt):
    _name, rule, history, fail_lines, pass_lines, birth, code, text = case
    found = _run(tmp_path / "fail", fmt, rule, history, fail_lines, birth)
    assert [f.code for f in found] == [code], [f.message for f in found]
    assert text in found[0].message, found[0].message
    assert MEMBER not in found[0].message and birth not in found[0].message
    found = _run(tmp_path / "pass", fmt, rule, history, pass_lines, "2012-01-01")
    assert found == [], [f.message for f in found]


def _mk(tmp_path):
    for sub in ("fail", "pass"):
        (tmp_path / sub).mkdir(exist_ok=True)


@pytest.fixture(autouse=True)
def _dirs(tmp_path):
    _mk(tmp_path)


@pytest.mark.parametrize("fmt", ["json", "837", "csv", "xml"])
def test_lines_on_the_same_claim_count(tmp_path, fmt):
    rule = {"codes": ["D1110", "D4910"], "per": "mouth", "count": 2, "period": "calendar-year"}
    lines = [
        ("D1110", "2025-02-03", "", "", ""),
        ("D4910", "2025-06-02", "", "", ""),
        ("D1110", "2025-11-03", "", "", ""),
    ]
    found = _run(tmp_path / "fail", fmt, rule, [], lines, "1980-01-01")
    assert len(found) == 1 and found[0].location.line == 3
    assert "line 2 of this claim" in found[0].message
    assert "payable again from 2026-01-01" in found[0].message


def test_two_quadrants_of_scaling_on_one_day_are_two_history_rows(tmp_path):
    """The area is part of a procedure's identity in the store (UR and UL the same day)."""
    db = _history_db(
        tmp_path,
        [("D4341", "2025-01-06", "", "", "10"), ("D4341", "2025-01-06", "", "", "UL")],
    )
    store = SQLiteHistory(db)
    import datetime as dt

    try:
        rows = store.lookup_codes(MEMBER, {"D4341"}, dt.date(2025, 2, 1))
        assert sorted(r.area or "" for r in rows) == ["10", "20"]
        assert store.lookup_codes(MEMBER, {"D4341"}, dt.date(2025, 1, 6)) == []
        assert store.lookup_codes("SYNOTHER", {"D4341"}, dt.date(2025, 2, 1)) == []
    finally:
        store.close()


def test_an_old_store_without_area_is_read_then_rebuilt_on_import(tmp_path):
    import datetime as dt
    import sqlite3

    db = tmp_path / "old.sqlite"
    conn = sqlite3.connect(db)
    conn.execute(
        "CREATE TABLE prior_procedure (member_id VARCHAR(80) NOT NULL, tooth VARCHAR(4) NOT "
        "NULL, date DATE NOT NULL, code VARCHAR(8) NOT NULL, surfaces VARCHAR(8) NOT NULL, "
        "status VARCHAR(20) NOT NULL, payer_id VARCHAR(80), claim_id VARCHAR(80), plan_id "
        "VARCHAR(80), charge VARCHAR(20), paid_as VARCHAR(8), "
        "UNIQUE (member_id, tooth, date, code, surfaces))"
    )
    conn.execute(
        "INSERT INTO prior_procedure VALUES (?, '', '2025-01-06', 'D4341', '', 'paid', NULL, "
        "NULL, 'GOLD', '210.00', NULL)",
        (MEMBER,),
    )
    conn.commit()
    conn.close()
    store = SQLiteHistory(db)
    try:  # read as it is: no area
        (row,) = store.lookup_codes(MEMBER, ["D4341"], dt.date(2025, 2, 1))
        assert row.area is None
    finally:
        store.close()
    store = SQLiteHistory(db, create=True)
    try:
        assert store.has_area_column() and store.count() == 1
        (kept,) = store.records()
        assert kept.plan_id == "GOLD" and kept.charge == Decimal("210.00")
    finally:
        store.close()


def test_in_memory_and_claim_history_carry_the_area():
    from claimlint.core.model import PriorProcedure

    records = [
        PriorProcedure(member_id=MEMBER, code="D4341", date="2025-01-06", area="10"),
        PriorProcedure(member_id=MEMBER, code="D1110", date="2025-01-06"),
    ]
    store = InMemoryHistory(records)
    import datetime as dt

    found = store.lookup_codes(MEMBER, ["D4341", "D4910"], dt.date(2025, 1, 7))
    assert [(r.code, r.area) for r in found] == [("D4341", "10")]


def test_procedures_of_a_claim_keep_each_quadrant(tmp_path):
    path = tmp_path / "c.837"
    path.write_text(
        x12(
            [("D4341", "2025-01-06", "", "", "10"), ("D4341", "2025-01-06", "", "", "20")],
            "1970-01-01",
        )
    )
    from claimlint.core.model import Claim
    from claimlint.readers.base import ReadOptions, Source, get_reader

    items = list(get_reader("x12")(Source(name=str(path), path=path), ReadOptions()))
    (claim,) = [i for i in items if isinstance(i, Claim)]
    assert sorted(p.area for p in procedures_of(claim)) == ["10", "20"]


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"codes": ["D1110"], "per": "mouth", "months": 6, "period": "benefit-year"},
         "not both"),
        ({"codes": ["D1110"], "per": "mouth", "count": 2}, "needs 'months'"),
        ({"codes": ["D1206"], "per": "mouth", "months": 6, "min_age": 19, "max_age": 6},
         "min_age 19 is greater than max_age 6"),
        ({"codes": ["D1110"], "per": "patient", "months": 6}, "is not one of"),
    ],
)  # fmt: skip
def test_bad_frequency_rules_are_refused_with_the_key(rule, message):
    with pytest.raises(ProfileError) as err:
        parse_profile({"name": "x", "frequency": [rule]}, source="x.json")
    assert "frequency[0]" in str(err.value) and message in str(err.value)


def test_per_mouth_is_accepted_and_demo_profiles_load():
    profile = parse_profile(
        {"name": "x", "frequency": [{"codes": ["D0120"], "per": "mouth", "months": 6}]},
        source="x.json",
    )
    assert profile.frequency[0].per == "mouth"
    loaded = load_profiles([FIXTURES / "profiles"])
    gold = loaded.get("example-mutual-ppo-gold")
    assert gold is not None
    assert {r.id for r in gold.frequency} >= {"exams", "cleanings", "scaling-root-planing"}


def test_estimate_treats_a_line_over_the_limit_as_not_covered(tmp_path):
    """Gold: cleanings D1110/D1120/D4910 two per benefit year (fee D1110 $90, preventive
    100%); the third cleaning of 2025 is the patient's, to the cent."""
    from claimlint.payer.estimate import estimate_claim
    from claimlint.readers.base import ReadOptions, Source
    from claimlint.readers.json import read_json

    gold = load_profiles([FIXTURES / "profiles"]).get("example-mutual-ppo-gold")
    assert gold is not None
    batch = {
        "version": "1",
        "claims": [
            {
                "claim_id": "EST1",
                "payer_id": "SYNPAYER1",
                "plan_id": "GOLD",
                "subscriber": {"member_id": MEMBER, "birth_date": "1980-01-01"},
                "date_of_service": "2025-11-03",
                "lines": [
                    {"line_number": 1, "code": "D1110", "charge": 125.50},
                    {"line_number": 2, "code": "D0120", "charge": 60.25},
                ],
            }
        ],
    }
    path = tmp_path / "est.json"
    path.write_text(json.dumps(batch))
    from claimlint.core.model import Claim

    (claim,) = [
        i for i in read_json(Source(name=str(path), path=path), ReadOptions())
        if isinstance(i, Claim)
    ]  # fmt: skip
    from claimlint.core.model import PriorProcedure

    history = InMemoryHistory(
        [
            PriorProcedure(member_id=MEMBER, code="D1110", date="2025-03-03"),
            PriorProcedure(member_id=MEMBER, code="D4910", date="2025-07-07"),
        ]
    )
    est = estimate_claim(claim, gold, history=history)
    cleaning, exam = est.lines
    assert cleaning.not_covered and "2 per benefit year" in cleaning.not_covered
    assert "payable again from 2026-01-01" in cleaning.not_covered
    assert cleaning.plan_pays == Decimal("0.00")
    # in network: the patient owes the plan's allowed fee, the rest of the office fee is
    # written off (as for every not-covered line)
    assert cleaning.patient_owes == Decimal("90.00")
    assert cleaning.write_off == Decimal("35.50")
    assert exam.not_covered is None
    assert exam.plan_pays == Decimal("50.00") and exam.patient_owes == Decimal("0.00")
    # without the history the cleaning is covered: allowed $90, plan pays 100 %
    est = estimate_claim(claim, gold, history=InMemoryHistory())
    assert est.lines[0].not_covered is None and est.lines[0].plan_pays == Decimal("90.00")


# -- CL403/CL404: the payable-again date is the one CL801 uses (payable_again) ---------------


def _restorative(tmp_path, rule, history, lines):
    profile = _profile(tmp_path, rule)
    path = _json_batch(tmp_path, lines, history, "1980-01-01")
    report = Engine(Config(today=TODAY, profiles=[profile])).lint_paths([path])
    return [f for f in report.findings if f.code in ("CL403", "CL404")]


@pytest.mark.parametrize(
    ("rule", "history", "line", "code", "text"),
    [
        (  # two per 12 months: payable when the OLDER of the two leaves the window
            {"families": ["direct"], "per": "tooth", "count": 2, "months": 12},
            [("D2391", "2025-01-10", "30", "O", ""), ("D2392", "2025-04-01", "30", "MO", "")],
            ("D2391", "2025-06-02", "30", "O", ""),
            "CL403",
            "or wait until 2026-01-10.",
        ),
        (  # lifetime: never again (was "wait until 0002-07-01")
            {"families": ["direct"], "per": "tooth", "count": 1, "period": "lifetime"},
            [("D2391", "2019-05-01", "30", "O", "")],
            ("D2391", "2025-06-02", "30", "O", ""),
            "CL403",
            "the plan does not pay it again (lifetime limit).",
        ),
        (
            {"families": ["indirect"], "per": "tooth", "count": 1, "period": "lifetime"},
            [("D2740", "2012-03-01", "3", "", "")],
            ("D2740", "2025-06-02", "3", "", ""),
            "CL404",
            "Not payable again under this plan (lifetime limit); otherwise send a narrative",
        ),
        (  # a benefit year (July here): the first day of the next one
            {"families": ["direct"], "per": "tooth", "count": 1, "period": "benefit-year"},
            [("D2391", "2025-08-01", "30", "O", "")],
            ("D2391", "2026-02-02", "30", "O", ""),
            "CL403",
            "or wait until 2026-07-01.",
        ),
    ],
    ids=["count-per-rolling-window", "lifetime-filling", "lifetime-crown", "benefit-year"],
)  # fmt: skip
def test_restorative_payable_again_date(tmp_path, rule, history, line, code, text):
    (found,) = _restorative(tmp_path / "fail", rule, history, [line])
    assert found.code == code and text in found.message, found.message
    assert "0002-" not in found.message and "0001-" not in found.message
