"""The whole CDT table (claimlint/dental/cdt_codes.txt): size, edition, invariants, and CL115
judging every code.

A yearly CDT update is one change to the data file plus the pinned numbers below
(docs/cdt-table.md)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from claimlint.checks import codes as code_checks
from claimlint.checks.base import Context
from claimlint.core.model import Claim, ServiceLine, SourceRef, ToothEntry
from claimlint.dental import benefits, cdt
from claimlint.dental.cdt import AREAS, CODES, RETIRED, VERSION, CdtTableError, lookup, parse_table
from claimlint.dental.teeth import tooth_info

# -- pinned: change these together with the data file (docs/cdt-table.md) ----------------------
EDITION = 2026
SIZE = 849
PER_CATEGORY = {
    "D0": 108,
    "D1": 45,
    "D2": 85,
    "D3": 46,
    "D4": 38,
    "D5": 125,
    "D6": 145,
    "D7": 148,
    "D8": 25,
    "D9": 84,
}

KNOWN_FAMILIES = frozenset(
    [
        "exam",
        "imaging",
        "test",
        "pathology",
        "risk",
        "imaging-capture",
        "unspecified",
        "preventive",
        "counseling",
        "sealant",
        "preventive-resin",
        "space-maintainer",
        "vaccine",
        "amalgam",
        "composite-anterior",
        "composite-crown",
        "composite-posterior",
        "inlay-metal",
        "onlay-metal",
        "inlay-ceramic",
        "onlay-ceramic",
        "inlay-composite",
        "onlay-composite",
        "crown",
        "crown-interim",
        "recement",
        "crown-prefab",
        "protective",
        "interim-therapeutic",
        "buildup",
        "foundation",
        "pin",
        "post-core",
        "post-additional",
        "post-removal",
        "veneer",
        "restorative-other",
        "pulp-cap",
        "pulpotomy",
        "pulpal-therapy-primary",
        "root-canal",
        "retreatment",
        "apexification",
        "apicoectomy",
        "endodontic-other",
        "perio-surgery",
        "perio-graft",
        "perio-splint",
        "periodontal",
        "denture-complete",
        "denture-partial",
        "denture-service",
        "denture-interim",
        "denture-other",
        "maxillofacial",
        "implant-surgery",
        "implant-abutment",
        "implant-crown",
        "implant-retainer",
        "implant-denture",
        "implant-service",
        "pontic",
        "retainer-inlay",
        "retainer",
        "bridge-other",
        "extraction",
        "oral-surgery",
        "alveoloplasty",
        "fracture",
        "tmj",
        "orthodontic",
        "adjunctive",
        "anesthesia",
        "consultation",
        "drugs",
    ]
)
TOOTH_CLASSES = {"incisor", "canine", "premolar", "molar"}


def test_edition_and_size_are_pinned() -> None:
    assert VERSION == EDITION
    assert len(CODES) == SIZE
    counts: dict[str, int] = {}
    for code in CODES:
        counts[code[:2]] = counts.get(code[:2], 0) + 1
    assert counts == PER_CATEGORY


def test_every_code_is_d_and_four_digits_unique_and_sorted() -> None:
    assert all(re.fullmatch(r"D\d{4}", code) for code in CODES)
    assert list(CODES) == sorted(CODES)
    assert all(record.code == code for code, record in CODES.items())
    assert not set(CODES) & set(RETIRED)
    assert all(
        re.fullmatch(r"D\d{4}", code) and 2000 < year <= EDITION for code, year in RETIRED.items()
    )


@pytest.mark.parametrize("record", list(CODES.values()), ids=list(CODES))
def test_record_invariants(record: cdt.CdtCode) -> None:
    assert record.family in KNOWN_FAMILIES
    assert record.area in AREAS
    assert record.service_class in benefits.SERVICE_CLASSES
    assert record.label and len(record.label) <= 70 and record.label == record.label.strip()
    # tooth-type constraints only on codes reported per tooth
    if record.tooth_classes is not None or record.dentition != "any":
        assert record.area == "tooth"
    if record.usual_tooth_classes is not None or record.usual_dentition != "any":
        assert record.area == "tooth"
    for classes in (record.tooth_classes, record.usual_tooth_classes):
        assert classes is None or (classes and classes <= TOOTH_CLASSES)
    # an arch only on arch codes, and every per-arch code named upper or lower says which
    if record.arch is not None:
        assert record.area == "arch"
    if record.area == "arch" and re.search(r"\b(upper|lower)$", record.label):
        assert record.label.endswith(record.arch or "?")
    assert record.tooth_required == (record.area == "tooth")
    if record.surfaces_reported or record.add_on or record.surfaces_optional:
        assert record.area == "tooth"
    # the category digit decides the default class the way benefits' ranges did
    if record.code.startswith("D0"):
        assert record.service_class == "diagnostic"
    if record.code.startswith("D1"):
        assert record.service_class == "preventive"


# -- the facts the area and tooth-type rules rely on (DOMAIN-BREADTH §1.2, §4.1, §5, §6) -----


@pytest.mark.parametrize(
    ("codes", "area"),
    [
        ("D0120 D0140 D0150 D0180 D0210 D0330 D1110 D1120 D1206 D1208", "mouth"),
        ("D4346 D4355 D4910", "mouth"),
        ("D0272 D0274", "mouth"),
        ("D0220 D0230", "site"),
        ("D4341 D4342 D4210 D4211 D4240 D4241 D4260 D4261", "quadrant"),
        ("D7310 D7311 D7320 D7321", "quadrant"),
        ("D5110 D5120 D5130 D5140 D5211 D5212 D5213 D5214", "arch"),
        ("D1351 D1353 D2956 D4381 D7111 D7140 D7210 D7220 D7230 D7240 D7241 D7250", "tooth"),
        ("D3110 D3220 D3222 D3230 D3240 D3310 D3320 D3330 D3346 D3347 D3348", "tooth"),
        ("D3410 D3421 D3425 D6210 D6245 D6740 D6794", "tooth"),
        ("D9110 D9222 D9230", "none"),
    ],
)
def test_reporting_area_by_family(codes: str, area: str) -> None:
    for code in codes.split():
        assert lookup(code).area == area, code


def test_arch_of_denture_codes() -> None:
    for code in ("D5110", "D5130", "D5211", "D5213"):
        assert lookup(code).arch == "upper" and cdt.ARCH_CODES[code] == "upper"
    for code in ("D5120", "D5140", "D5212", "D5214"):
        assert lookup(code).arch == "lower"
    assert cdt.ARCH_AREA_CODE[lookup("D5120").arch] == "02"
    assert lookup("D4341").arch is None
    assert {"D4341", "D7321"} <= cdt.AREA_CODES["quadrant"]
    # CDT 2026 duplicate dentures: one code per arch
    assert lookup("D5877").arch == "upper" and lookup("D5878").arch == "lower"


@pytest.mark.parametrize(
    ("code", "tooth", "allowed"),
    [
        ("D3310", "8", True),
        ("D3310", "6", True),
        ("D3310", "5", False),
        ("D3320", "5", True),
        ("D3320", "3", False),
        ("D3330", "3", True),
        ("D3330", "30", True),
        ("D3330", "28", False),
        ("D3346", "27", True),
        ("D3347", "20", True),
        ("D3348", "19", True),
        ("D3348", "20", False),
        ("D3410", "22", True),
        ("D3421", "12", True),
        ("D3425", "14", True),
        ("D3425", "13", False),
        ("D3230", "E", True),  # primary canine
        ("D3230", "A", False),  # primary molar
        ("D3230", "8", False),  # permanent
        ("D3240", "A", True),
        ("D3240", "E", False),
        ("D3222", "8", True),
        ("D3222", "E", False),
        ("D7111", "K", True),
        ("D7111", "30", False),
        ("D3220", "30", True),  # allowed, only unusual
        ("D1351", "A", True),  # allowed, only unusual
        ("D7140", "A", True),
    ],
)
def test_tooth_type_allowed(code: str, tooth: str, allowed: bool) -> None:
    info = tooth_info(tooth)
    assert info is not None
    assert lookup(code).tooth_type_allowed(info.tooth_class, info.dentition) is allowed


@pytest.mark.parametrize(
    ("code", "tooth", "usual"),
    [
        ("D3220", "A", True),
        ("D3220", "30", False),
        ("D1351", "30", True),
        ("D1351", "5", True),
        ("D1351", "8", False),
        ("D1351", "A", False),
        ("D3330", "A", False),  # a root canal on a primary molar: allowed, not usual
        ("D3330", "30", True),
        ("D3330", "29", False),  # not even allowed
    ],
)
def test_tooth_type_usual(code: str, tooth: str, usual: bool) -> None:
    info = tooth_info(tooth)
    assert info is not None
    assert lookup(code).tooth_type_usual(info.tooth_class, info.dentition) is usual


def test_tooth_type_code_sets() -> None:
    assert {"D3310", "D3320", "D3330", "D3230", "D3240", "D3222", "D7111"} <= cdt.TOOTH_TYPE_CODES
    assert {"D1351", "D3220"} <= cdt.USUAL_TOOTH_TYPE_CODES
    assert "D3220" not in cdt.TOOTH_TYPE_CODES and "D7140" not in cdt.TOOTH_TYPE_CODES


def test_retired_codes_are_known_as_retired() -> None:
    assert cdt.retired_in("D9940") == 2019 and lookup("D9940") is None
    assert cdt.retired_in(" d1550") == 2020
    assert cdt.retired_in("D9944") is None and cdt.retired_in(None) is None
    # checked against the ADA's published change lists (docs/cdt-table.md, "Sources checked")
    assert cdt.retired_in("D2941") == 2025 and lookup("D2941") is None
    assert cdt.retired_in("D1352") == 2026 and lookup("D1352") is None
    assert {cdt.retired_in(code) for code in ("D8050", "D8060", "D8690")} == {2022}


@pytest.mark.parametrize(
    "code",
    # CDT 2025 additions, then the 31 CDT 2026 additions (docs/cdt-table.md, "Sources checked")
    [
        "D2956",
        "D6180",
        "D9913",
        "D0426",
        "D0461",
        "D1720",
        "D5877",
        "D5878",
        "D5909",
        "D5930",
        "D5938",
        "D5939",
        "D5940",
        "D5941",
        "D5942",
        "D5943",
        "D5944",
        "D5945",
        "D5946",
        "D5947",
        "D5948",
        "D5949",
        "D6049",
        "D6196",
        "D6280",
        "D9128",
        "D9129",
        "D9224",
        "D9225",
        "D9244",
        "D9245",
        "D9246",
        "D9247",
        "D9936",
    ],
)
def test_recent_additions_are_current(code: str) -> None:
    assert lookup(code) is not None


# -- the parser refuses a malformed table --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("@ family=x class=basic\nD0120 one\nD0120 two", "duplicate"),
        ("@ family=x class=basic\nD012 short code", "not a code"),
        ("@ family=x class=basic area=room\nD0120 label", "area"),
        ("@ family=x class=luxury\nD0120 label", "class"),
        ("@ family=x class=basic teeth=adult\nD0120 label", "dentition"),
        ("@ family=x class=basic teeth=any:fang\nD0120 label", "tooth class"),
        ("@ family=x class=basic flags=shiny\nD0120 label", "flags"),
        ("@ family=x class=basic\nD0120 surfaces=6 label", "surface count"),
        ("@ class=basic\nD0120 label", "no family"),
        ("@ family=x class=basic\nD0120", "no label"),
        ("@ family=x class=basic\nD0120 label\nretired D0120 2020", "both current and retired"),
        ("@ family=x nonsense\nD0120 label", "section default"),
    ],
)
def test_parser_refuses_malformed_rows(text: str, error: str) -> None:
    with pytest.raises(CdtTableError, match=error):
        parse_table(text)


def test_parser_reads_defaults_overrides_and_version() -> None:
    version, table, retired = parse_table(
        "version 2031\nretired D0001 2030\n"
        "@ family=f kind=k class=basic area=arch\n"
        "D0002 arch=upper teeth=primary:anterior upper thing\n"
        "D0003 area=tooth usual=permanent:posterior a tooth thing\n"
    )
    assert version == 2031 and retired == {"D0001": 2030}
    assert table["D0002"].arch == "upper" and table["D0002"].label == "upper thing"
    assert table["D0002"].tooth_classes == {"incisor", "canine"}
    assert table["D0003"].area == "tooth" and table["D0003"].tooth_required
    assert table["D0003"].usual_tooth_classes == {"premolar", "molar"}


# -- CL115 judges every code ---------------------------------------------------------------------

REF = SourceRef(file="test.json", pointer="/claims/0", field="/claims/0")


def _cl115(code: str, day: dt.date | None = dt.date(2025, 6, 2)) -> list[str]:
    teeth = (ToothEntry(tooth="30", surfaces=""),)
    line = ServiceLine(line_number=1, code=code, teeth=teeth, ref=REF)
    claim = Claim(claim_id="T1", lines=(line,), ref=REF, date_of_service=day)
    ctx = Context(file="test.json", claim=claim, today=dt.date(2026, 1, 15))
    return [f.message for f in code_checks.UnknownProcedureCode().check(line, ctx)]


@pytest.mark.parametrize("code", ["D0125", "D1112", "D3335", "D4344", "D5115", "D7145", "D8001"])
def test_cl115_reports_unknown_codes_in_every_category(code: str) -> None:
    (message,) = _cl115(code)
    assert code in message and f"not a CDT {EDITION} code" in message


@pytest.mark.parametrize("code", ["D0120", "D3330", "D4341", "D5110", "D7140", "D8080", "D9999"])
def test_cl115_accepts_current_codes_outside_the_old_restorative_ranges(code: str) -> None:
    assert _cl115(code) == []


def test_cl115_names_the_edition_that_retired_a_code() -> None:
    (message,) = _cl115("D9940")
    assert "retired in CDT 2019" in message


@pytest.mark.parametrize(
    ("code", "day", "fires"),
    [
        ("D2941", dt.date(2024, 12, 31), False),  # retired in CDT 2025: valid on 2024-12-31
        ("D2941", dt.date(2025, 1, 1), True),  # the first day of CDT 2025
        ("D9940", dt.date(2018, 6, 1), False),
        ("D9940", dt.date(2019, 1, 1), True),
        ("D1352", dt.date(2025, 12, 31), False),
        ("D1352", dt.date(2026, 1, 2), True),
        ("D9940", None, True),  # no date of service: judged by the current edition
    ],
)
def test_cl115_judges_a_retired_code_by_the_date_of_service(
    code: str, day: dt.date | None, fires: bool
) -> None:
    found = _cl115(code, day)
    assert len(found) == int(fires), found
    if fires:
        assert f"retired in CDT {cdt.retired_in(code)}" in found[0]


def test_every_current_code_passes_cl115() -> None:
    assert [code for code in CODES if _cl115(code)] == []


# -- benefits: classes and profile vocabulary ------------------------------------------------------


def test_benefit_families_name_only_table_codes_and_classes_are_sensible() -> None:
    for family, members in benefits.FAMILIES.items():
        assert members <= set(CODES), family
    assert frozenset(CODES) == benefits.KNOWN
    expected = {
        "D0150": "diagnostic",
        "D1110": "preventive",
        "D1351": "preventive",
        "D2392": "basic",
        "D2930": "basic",
        "D2740": "major",
        "D3330": "basic",
        "D4341": "basic",
        "D5110": "major",
        "D6010": "major",
        "D6245": "major",
        "D7140": "basic",
        "D8080": "major",
        "D9110": "basic",
    }
    assert {code: benefits.service_class(code) for code in expected} == expected
    # an unknown code still gets the class of its range
    assert benefits.service_class("D8001") == "major" and benefits.service_class("D7145") == "basic"
