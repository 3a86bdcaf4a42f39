"""The dental domain tables: teeth (Universal/ISO), surfaces, CDT codes."""

from __future__ import annotations

import pytest

from claimlint.dental import cdt, surfaces, teeth
from claimlint.dental.cdt import CODES, lookup, suggest_code
from claimlint.dental.teeth import TEETH, iso_to_universal, tooth_info, universal_to_iso

# -- teeth -----------------------------------------------------------------------------------


def test_tooth_table_size() -> None:
    # 32 permanent + 20 primary, each with a supernumerary twin
    assert len(TEETH) == (32 + 20) * 2


@pytest.mark.parametrize(
    ("tooth", "arch", "quadrant", "region", "cls", "dentition", "iso"),
    [
        ("1", "maxillary", "UR", "posterior", "molar", "permanent", "18"),
        ("3", "maxillary", "UR", "posterior", "molar", "permanent", "16"),
        ("6", "maxillary", "UR", "anterior", "canine", "permanent", "13"),
        ("8", "maxillary", "UR", "anterior", "incisor", "permanent", "11"),
        ("9", "maxillary", "UL", "anterior", "incisor", "permanent", "21"),
        ("12", "maxillary", "UL", "posterior", "premolar", "permanent", "24"),
        ("14", "maxillary", "UL", "posterior", "molar", "permanent", "26"),
        ("19", "mandibular", "LL", "posterior", "molar", "permanent", "36"),
        ("22", "mandibular", "LL", "anterior", "canine", "permanent", "33"),
        ("24", "mandibular", "LL", "anterior", "incisor", "permanent", "31"),
        ("25", "mandibular", "LR", "anterior", "incisor", "permanent", "41"),
        ("29", "mandibular", "LR", "posterior", "premolar", "permanent", "45"),
        ("30", "mandibular", "LR", "posterior", "molar", "permanent", "46"),
        ("32", "mandibular", "LR", "posterior", "molar", "permanent", "48"),
        ("A", "maxillary", "UR", "posterior", "molar", "primary", "55"),
        ("C", "maxillary", "UR", "anterior", "canine", "primary", "53"),
        ("E", "maxillary", "UR", "anterior", "incisor", "primary", "51"),
        ("F", "maxillary", "UL", "anterior", "incisor", "primary", "61"),
        ("J", "maxillary", "UL", "posterior", "molar", "primary", "65"),
        ("K", "mandibular", "LL", "posterior", "molar", "primary", "75"),
        ("M", "mandibular", "LL", "anterior", "canine", "primary", "73"),
        ("P", "mandibular", "LR", "anterior", "incisor", "primary", "81"),
        ("T", "mandibular", "LR", "posterior", "molar", "primary", "85"),
    ],
)
def test_tooth_facts(tooth, arch, quadrant, region, cls, dentition, iso) -> None:
    info = tooth_info(tooth)
    assert info is not None
    assert (info.arch, info.quadrant, info.region, info.tooth_class, info.dentition) == (
        arch,
        quadrant,
        region,
        cls,
        dentition,
    )
    assert info.iso == iso
    assert universal_to_iso(tooth) == iso
    assert iso_to_universal(iso) == tooth
    assert not info.supernumerary


def test_classification_sets_match_domain() -> None:
    anterior = {t for t, i in TEETH.items() if i.region == "anterior" and not i.supernumerary}
    expected = {str(n) for n in (*range(6, 12), *range(22, 28))} | set("CDEFGHMNOPQR")
    assert anterior == expected
    premolars = {t for t, i in TEETH.items() if i.tooth_class == "premolar" and not i.supernumerary}
    assert premolars == {"4", "5", "12", "13", "20", "21", "28", "29"}


def test_iso_round_trip_for_every_normal_tooth() -> None:
    for tooth, info in TEETH.items():
        if info.supernumerary:
            assert universal_to_iso(tooth) is None
        else:
            assert iso_to_universal(universal_to_iso(tooth)) == tooth


@pytest.mark.parametrize(
    "value",
    [
        "10",
        "19",
        "20",
        "29",
        "30",
        "39",
        "40",
        "49",
        "56",
        "57",
        "58",
        "66",
        "78",
        "88",
        "99",
        "09",
        "1",
        "91",
        "",
        "AB",
    ],
)
def test_impossible_iso_values_are_rejected(value: str) -> None:
    assert iso_to_universal(value) is None
    assert not teeth.is_valid_iso(value)


def test_ambiguous_strings_map_differently_in_each_system() -> None:
    # "21": Universal lower-left first premolar; ISO upper-left central incisor (Universal 9)
    assert tooth_info("21").tooth_class == "premolar"
    assert iso_to_universal("21") == "9"
    # "51": Universal supernumerary; ISO primary upper-right central incisor (E)
    assert tooth_info("51").supernumerary
    assert iso_to_universal("51") == "E"


def test_supernumerary_teeth_take_their_neighbours_class() -> None:
    info = tooth_info("51")
    assert info.supernumerary and info.base == "1" and info.tooth_class == "molar"
    info = tooth_info("ES")
    assert info.supernumerary and info.base == "E" and info.region == "anterior"
    assert tooth_info("82").base == "32"
    assert tooth_info("83") is None and tooth_info("US") is None


@pytest.mark.parametrize("value", ["0", "33", "03", "50", "U", "AA", "#", None, "S5"])
def test_invalid_universal(value) -> None:
    assert not teeth.is_valid_universal(value)


@pytest.mark.parametrize("value", ["1", "32", "A", "t", "#30", 30, "51", "82", "AS", "ts"])
def test_valid_universal(value) -> None:
    assert teeth.is_valid_universal(value)


# -- surfaces --------------------------------------------------------------------------------


def test_surface_letters_and_regions() -> None:
    assert frozenset("MODIBFL") == surfaces.VALID
    assert surfaces.fits_region("O", "posterior") and not surfaces.fits_region("O", "anterior")
    assert surfaces.fits_region("I", "anterior") and not surfaces.fits_region("I", "posterior")
    assert surfaces.fits_region("F", "anterior") and not surfaces.fits_region("B", "anterior")
    for letter in "MDL":
        assert surfaces.fits_region(letter, "anterior") and surfaces.fits_region(
            letter, "posterior"
        )


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("DOM", "MOD"),
        ("lbodm", "MODBL"),
        ("M,O,D", "MOD"),
        (["D", "I", "M"], "MID"),
        ("MOO", "MO"),
        ("FLI", "IFL"),
        ("VO", "OV"),
        ("", ""),
    ],
)
def test_normalise(raw, canonical) -> None:
    assert surfaces.normalise(raw) == canonical


def test_union_duplicates_invalid() -> None:
    assert surfaces.union("MO", "DO") == "MOD"
    assert surfaces.duplicates("MOOD") == ["O"]
    assert surfaces.invalid("MOV5P") == ["V", "5", "P"]
    assert surfaces.distinct_count("MOO") == 2
    assert surfaces.remap_hint("V", "anterior") == "F"
    assert surfaces.remap_hint("V", "posterior") == "B"
    assert surfaces.remap_hint("P", None) == "L"


@pytest.mark.parametrize(
    ("a", "b", "touching"),
    [
        ("MO", "DO", True),
        ("MO", "OB", True),
        ("DO", "B", True),
        ("MO", "DL", True),
        ("M", "D", False),
        ("B", "L", False),
        ("MB", "D", True),
        ("M", "L", True),
        ("", "MO", False),
        ("V", "MO", False),
    ],
)
def test_contiguity(a, b, touching) -> None:
    assert surfaces.contiguous(a, b) is touching
    assert surfaces.contiguous(b, a) is touching


def test_opposite_surfaces_never_touch() -> None:
    for pair in ("MD", "BL", "FL", "OI"):
        assert not surfaces.touch(pair[0], pair[1])


# -- CDT -------------------------------------------------------------------------------------

REQUIRED = [
    "D2140",
    "D2150",
    "D2160",
    "D2161",
    "D2330",
    "D2331",
    "D2332",
    "D2335",
    "D2390",
    "D2391",
    "D2392",
    "D2393",
    "D2394",
    "D2510",
    "D2520",
    "D2530",
    "D2542",
    "D2543",
    "D2544",
    "D2610",
    "D2620",
    "D2630",
    "D2642",
    "D2643",
    "D2644",
    "D2650",
    "D2651",
    "D2652",
    "D2662",
    "D2663",
    "D2664",
    "D2740",
    "D2750",
    "D2751",
    "D2752",
    "D2753",
    "D2790",
    "D2791",
    "D2792",
    "D2794",
    "D2940",
    "D2950",
    "D2951",
    "D6210",
    "D6211",
    "D6212",
    "D6214",
    "D6240",
    "D6241",
    "D6242",
    "D6243",
    "D6245",
    "D6740",
    "D6750",
    "D6751",
    "D6752",
    "D6753",
    "D6790",
    "D6791",
    "D6792",
    "D6794",
    "D0120",
    "D0150",
    "D0210",
    "D0220",
    "D0274",
    "D1110",
    "D1120",
    "D1206",
    "D1208",
    "D1351",
    "D4341",
    "D4342",
    "D4910",
    "D7140",
    "D7210",
]


@pytest.mark.parametrize("code", REQUIRED)
def test_domain_codes_are_known(code: str) -> None:
    assert lookup(code) is not None


@pytest.mark.parametrize("record", list(CODES.values()), ids=list(CODES))
def test_every_record_is_consistent(record: cdt.CdtCode) -> None:
    assert record.code == lookup(record.code).code and cdt.is_cdt_shaped(record.code)
    assert record.label and record.label.lower() != record.code.lower()
    assert record.service_class in ("diagnostic", "preventive", "basic", "major")
    assert record.region in ("any", "anterior", "posterior")
    if record.surface_counted:
        assert record.surfaces_reported and record.tooth_required
        assert 1 <= record.min_surfaces <= record.max_surfaces <= 5
        assert record.series is not None
        # the count table maps the code's own minimum back to the code
        region = None if record.region == "any" else record.region
        assert suggest_code(record.family, record.min_surfaces, region) == record.code
    else:
        assert record.max_surfaces is None
    if record.surfaces_reported:
        assert record.tooth_required
    if not record.tooth_required:
        assert record.area != "tooth" and not record.surfaces_reported
    if record.needs_placement:
        assert record.kind in ("inlay", "onlay", "crown", "pontic", "retainer", "denture") or (
            record.kind.startswith("implant-")
        )
    if record.add_on:
        assert record.tooth_required
    assert record.incisal_angle_code == (record.code == "D2335")


def test_code_specific_facts() -> None:
    assert lookup("D2951").add_on and not lookup("D2951").surfaces_reported
    assert lookup("D2390").region == "anterior" and not lookup("D2390").surfaces_reported
    assert lookup("D2740").needs_placement and lookup("D2740").service_class == "major"
    assert lookup("D6245").kind == "pontic" and lookup("D6740").kind == "retainer"
    assert not lookup("D1110").tooth_required and lookup("D1351").tooth_required
    assert lookup("D7140").tooth_required and not lookup("D7140").surfaces_reported
    assert lookup("D4341").area == "quadrant"
    assert lookup("d2150 ").code == "D2150"
    assert lookup("D2155") is None and lookup("") is None


@pytest.mark.parametrize(
    ("family", "count", "region", "expected"),
    [
        ("amalgam", 1, None, "D2140"),
        ("amalgam", 3, None, "D2160"),
        ("amalgam", 5, "anterior", "D2161"),
        ("composite", 2, "anterior", "D2331"),
        ("composite", 2, "posterior", "D2392"),
        ("composite-posterior", 2, "anterior", "D2331"),
        ("composite-anterior", 4, None, "D2335"),
        ("composite", 2, None, None),
        ("inlay-ceramic", 4, None, "D2630"),
        ("onlay-metal", 1, None, None),
        ("onlay-composite", 3, None, "D2663"),
        ("amalgam", 6, None, None),
        ("crown", 1, None, None),
    ],
)
def test_suggest_code(family, count, region, expected) -> None:
    assert suggest_code(family, count, region) == expected


def test_regional_siblings_and_alternatives() -> None:
    assert cdt.sibling_for_region(lookup("D2392"), "anterior") == "D2331"
    assert cdt.sibling_for_region(lookup("D2335"), "posterior") == "D2394"
    assert cdt.sibling_for_region(lookup("D2390"), "posterior") is None
    assert cdt.one_surface_alternative(lookup("D2642")) == "D2610"
    assert {"D2331", "D2332"} == cdt.INCISAL_ANGLE_CANDIDATES
    assert cdt.codes_in_family("pin") == {"D2951"}


def test_labels_are_short_paraphrases() -> None:
    # our own labels, never descriptor text: short, lower case, no ADA boilerplate
    for record in CODES.values():
        assert len(record.label) <= 70
        assert "ada" not in record.label.lower().split()
