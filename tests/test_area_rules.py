"""Area of the oral cavity (CL701–CL708) and tooth type and count (CL901–CL925) in every input
format: the same claim written as 837D, JSON, CSV and XML gives the same finding at the field
of its format."""

from __future__ import annotations

import json

import pytest
from area_cases import CASES, FORMATS, Case, Line, case, write
from conftest import FIXTURES, TODAY

from claimlint.core.config import Config
from claimlint.running.engine import Engine

#: the field each format names: (area rules, tooth rules)
AREA_FIELD = {"837": "SV304", "json": "oral_cavity", "csv": "oral_cavity", "xml": "oral_cavity"}
TOOTH_FIELD = {"837": "TOO02", "json": "tooth", "csv": "tooth", "xml": "tooth"}
AREA_RULES = {"CL701", "CL702", "CL706", "CL708"}


def lint(c: Case, fmt: str, tmp_path):
    path = write(c, fmt, tmp_path / f"{c.claim_id}.{fmt}")
    cfg = Config()
    cfg.today = TODAY
    return Engine(cfg).lint_paths([str(path)]).findings


def _params():
    for code, (fail, ok) in CASES.items():
        for fmt in FORMATS:
            if fmt in fail.skip:
                continue
            yield pytest.param(code, fail, ok, fmt, id=f"{code}-{fmt}")


@pytest.mark.parametrize(("code", "fail", "ok", "fmt"), list(_params()))
def test_rule_fires_at_its_field_in_every_format_and_not_on_the_fixed_claim(
    code, fail, ok, fmt, tmp_path
):
    hits = [f for f in lint(fail, fmt, tmp_path) if f.code == code]
    assert len(hits) == 1, [f.message for f in hits]
    where = hits[0].location
    assert where.claim_id == fail.claim_id
    assert where.line == len(fail.lines)  # CL706 is reported on the second line
    wanted = (AREA_FIELD if code in AREA_RULES else TOOTH_FIELD)[fmt]
    assert wanted in (where.field or ""), where
    assert not [f.message for f in lint(ok, fmt, tmp_path) if f.code == code]


def codes_of(c: Case, fmt: str, tmp_path) -> list[str]:
    return [f.code for f in lint(c, fmt, tmp_path)]


@pytest.mark.parametrize("fmt", FORMATS)
def test_legacy_letter_codes_are_converted_and_the_rules_judge_the_converted_code(fmt, tmp_path):
    ok = case("LEG-1", Line("D4341", areas=("LL",)), Line("D5110", areas=("UA",), charge=900))
    findings = lint(ok, fmt, tmp_path)
    assert sorted(f.code for f in findings) == ["CL708", "CL708"]
    assert {f.location.line for f in findings} == {1, 2}
    messages = " ".join(f.message for f in findings)
    assert "'LL'" in messages and "read as 30" in messages and "read as 01" in messages
    # a legacy code of the wrong kind is judged after conversion
    bad = case("LEG-2", Line("D5110", areas=("LA",), charge=900))
    assert sorted(codes_of(bad, fmt, tmp_path)) == ["CL702", "CL708"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_unknown_area_is_reported_at_the_value_and_not_judged_again(fmt, tmp_path):
    c = case("UNK-1", Line("D4341", areas=("Q7",)))
    findings = lint(c, fmt, tmp_path)
    assert [f.code for f in findings] == ["CL117" if fmt == "837" else "CL002"]
    assert findings[0].location.line == 1
    assert "Q7" in findings[0].message
    assert AREA_FIELD[fmt] in (findings[0].location.field or "")


@pytest.mark.parametrize("fmt", FORMATS)
def test_quadrant_code_without_any_area_names_the_quadrant_of_its_teeth(fmt, tmp_path):
    c = case("Q-1", Line("D4342", teeth=("19",)))
    (hit,) = [f for f in lint(c, fmt, tmp_path) if f.code == "CL701"]
    assert "no area of the oral cavity" in hit.message
    assert "teeth listed are in 30" in hit.message


@pytest.mark.parametrize("fmt", FORMATS)
def test_tooth_code_with_a_quadrant_area_is_a_unit_mismatch(fmt, tmp_path):
    c = case("U-1", Line("D7140", teeth=("30",), areas=("40",)))
    (hit,) = [f for f in lint(c, fmt, tmp_path) if f.code == "CL703"]
    assert "reported per tooth" in hit.message and "40" in hit.message
    assert AREA_FIELD[fmt] in (hit.location.field or "")
    # a whole-mouth code with area 00 is fine
    assert "CL703" not in codes_of(case("U-2", Line("D1110", areas=("00",))), fmt, tmp_path)


@pytest.mark.parametrize("fmt", FORMATS)
def test_upper_denture_with_a_quadrant_or_no_area(fmt, tmp_path):
    quadrant = case("A-1", Line("D5110", areas=("10",), charge=900))
    (hit,) = [f for f in lint(quadrant, fmt, tmp_path) if f.code == "CL702"]
    assert "report area 01" in hit.message
    missing = case("A-2", Line("D5120", charge=900))
    (hit,) = [f for f in lint(missing, fmt, tmp_path) if f.code == "CL702"]
    assert "no area" in hit.message and "02" in hit.message


@pytest.mark.parametrize("fmt", FORMATS)
def test_same_code_twice_on_one_quadrant_and_other_dates_are_not_mixed(fmt, tmp_path):
    twice = case("T-1", Line("D4342", areas=("20",)), Line("D4342", areas=("20",)))
    assert codes_of(twice, fmt, tmp_path).count("CL706") == 1
    other_series = case("T-2", Line("D4341", areas=("20",)), Line("D4260", areas=("20",)))
    assert "CL706" not in codes_of(other_series, fmt, tmp_path)


@pytest.mark.parametrize("fmt", ["json", "837", "xml"])  # CSV: one tooth per line
def test_srp_tooth_count_with_several_teeth(fmt, tmp_path):
    four = ("18", "19", "20", "21")
    c = case("S-1", Line("D4342", teeth=four, areas=("30",)))
    (hit,) = [f for f in lint(c, fmt, tmp_path) if f.code == "CL901"]
    assert "4 teeth are listed; use D4341" in hit.message
    assert "CL901" not in codes_of(
        case("S-2", Line("D4341", teeth=four, areas=("30",))), fmt, tmp_path
    )
    # teeth outside the quadrant: one CL705 per tooth, at that tooth
    out = case("S-3", Line("D4341", teeth=("18", "19", "3", "14"), areas=("30",)))
    hits = [f for f in lint(out, fmt, tmp_path) if f.code == "CL705"]
    assert len(hits) == 2 and "Tooth 3" in hits[0].message and "Tooth 14" in hits[1].message


@pytest.mark.parametrize(
    ("code", "tooth", "rule", "text"),
    [
        ("D3310", "3", "CL911", "use D3330"),
        ("D3320", "8", "CL911", "use D3310"),
        ("D3348", "20", "CL911", "use D3347"),
        ("D3425", "6", "CL911", "use D3410"),
        ("D3310", "E", "CL912", "consider D3230"),
        ("D3240", "E", "CL913", "use D3220 or D3230"),
        ("D3222", "K", "CL913", "use D3220"),
        ("D3230", "8", "CL913", "is a permanent incisor"),
        # D1352 was retired in CDT 2026 (not in the table: CL115, not CL917); D1351 on a
        # primary molar is the case
        ("D1351", "A", "CL917", "is usually paid only on a permanent"),
        ("D1351", "8", "CL917", "tooth 8 is a permanent incisor"),
    ],
)
def test_tooth_type_messages_name_the_code_that_fits(code, tooth, rule, text, tmp_path):
    c = case("TT-1", Line(code, teeth=(tooth,), charge=300))
    hits = [f for f in lint(c, "json", tmp_path) if f.code == rule]
    assert len(hits) == 1 and text in hits[0].message, [f.message for f in hits]


@pytest.mark.parametrize(
    ("code", "tooth"),
    [
        ("D3310", "8"),
        ("D3320", "20"),
        ("D3330", "30"),
        ("D3240", "T"),
        ("D1351", "30"),
        ("D1351", "4"),
        ("D3222", "30"),
        ("D3220", "A"),
    ],
)
def test_tooth_type_rules_are_quiet_on_the_right_tooth(code, tooth, tmp_path):
    c = case("TT-2", Line(code, teeth=(tooth,), charge=300))
    found = {f.code for f in lint(c, "json", tmp_path)}
    assert not found & {"CL911", "CL912", "CL913", "CL914", "CL917"}, found


def test_supernumerary_extraction_with_a_claim_note_is_quiet(tmp_path):
    import json

    c = case("SN-1", Line("D7140", teeth=("51",)))
    path = write(c, "json", tmp_path / "sn.json")
    data = json.loads(path.read_text())
    data["claims"][0]["notes"] = ["extra tooth distal to 1, erupted"]
    path.write_text(json.dumps(data))
    cfg = Config()
    cfg.today = TODAY
    codes = [f.code for f in Engine(cfg).lint_paths([str(path)]).findings]
    assert "CL925" not in codes and "CL211" in codes


@pytest.mark.parametrize("fmt", ["json", "837", "csv", "xml"])
def test_a_supernumerary_extraction_without_narrative_is_one_finding(tmp_path, fmt):
    """CL925 (it also asks to confirm the payer accepts the number), not CL211 as well."""
    c = case("SN-2", Line("D7140", teeth=("51",)), Line("D2940", teeth=("52",)))
    found = [(f.code, f.location.line) for f in lint(c, fmt, tmp_path)]
    # the extraction: CL925 only; a protective restoration on a supernumerary tooth: CL211
    assert sorted(x for x in found if x[0] in ("CL211", "CL925")) == [("CL211", 2), ("CL925", 1)]


# -- CL707: one area per line, a payer option --------------------------------------------------

CL707_DIR = FIXTURES / "rules" / "CL707"


def _cl707(path, profile: str | None = "one-area-plan.toml"):
    cfg = Config(today=TODAY, profiles=[str(CL707_DIR / profile)] if profile else [])
    return [f for f in Engine(cfg).lint_paths([str(path)]).findings if f.code == "CL707"]


@pytest.mark.parametrize("ext", ["json", "837", "csv", "xml"])
def test_cl707_two_areas_on_a_line_when_the_profile_asks(ext):
    (hit,) = _cl707(CL707_DIR / f"fail.{ext}")
    assert hit.location.line == 1 and hit.severity.value == "warning"
    assert hit.message == (
        "D4341 on line 1 has 2 areas (10 (upper right quadrant), 20 (upper left quadrant)); "
        "Example One-Area Plan wants one quadrant per line: report each quadrant on its own "
        "line with quantity 1."
    )
    assert _cl707(CL707_DIR / f"pass.{ext}") == []


def test_cl707_is_off_unless_the_profile_sets_it():
    gold = "../../profiles/example-mutual-ppo-gold.toml"
    assert _cl707(CL707_DIR / "fail.json", gold) == []
    assert _cl707(CL707_DIR / "fail.json", None) == []


def test_cl707_quantity_other_than_the_number_of_quadrants(tmp_path):
    data = json.loads((CL707_DIR / "pass.json").read_text())
    data["claims"][0]["lines"][0]["quantity"] = 2
    path = tmp_path / "qty.json"
    path.write_text(json.dumps(data))
    (hit,) = _cl707(path)
    assert "is for one quadrant (10 (upper right quadrant)) but its quantity is 2" in hit.message
    assert hit.location.field.endswith("quantity")


def test_one_area_per_line_must_be_a_boolean():
    from claimlint.payer.profiles import ProfileError, parse_profile

    assert parse_profile(
        {"name": "p", "one_area_per_line": True}, source="p.json"
    ).one_area_per_line
    assert not parse_profile({"name": "p"}, source="p.json").one_area_per_line
    with pytest.raises(ProfileError) as err:
        parse_profile({"name": "p", "one_area_per_line": "yes"}, source="p.json")
    assert "one_area_per_line" in str(err.value)
