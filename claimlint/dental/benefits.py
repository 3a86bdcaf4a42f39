"""Benefit vocabulary: code families, coarse materials and service classes, and the tooth
classes that alternate-benefit conditions name. Tables, not if-chains.

Profiles (claimlint/payer/profiles.py) name code *families* ("direct", "crown",
"composite-posterior" ...) and *service classes* ("basic", "major" ...); this module is the one
place that says which CDT codes those words cover. Codes are keyed by number; labels are our
own (DESIGN §1).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from claimlint.dental import cdt, teeth
from claimlint.dental.teeth import ToothInfo

# -- codes -----------------------------------------------------------------------------------


def _codes(*items: str) -> frozenset[str]:
    """``"D2140"`` or an inclusive range ``"D2391-D2394"`` (only codes listed in ``KNOWN``)."""
    out: set[str] = set()
    for item in items:
        lo, _, hi = item.partition("-")
        if not hi:
            out.add(lo)
            continue
        start, end = int(lo[1:]), int(hi[1:])
        out.update(c for c in _LISTED if start <= int(c[1:]) <= end)
    return frozenset(out)


#: restorative and related codes claimlint knows (DOMAIN §1); used to validate profile mappings
#: codes named by the families below; the CDT table (claimlint.dental.cdt) is the main list
_KNOWN_TEXT = """
    D2140 D2150 D2160 D2161 D2330 D2331 D2332 D2335 D2390 D2391 D2392 D2393 D2394
    D2510 D2520 D2530 D2542 D2543 D2544 D2610 D2620 D2630 D2642 D2643 D2644
    D2650 D2651 D2652 D2662 D2663 D2664
    D2710 D2712 D2720 D2721 D2722 D2740 D2750 D2751 D2752 D2753 D2780 D2781 D2782 D2783
    D2790 D2791 D2792 D2794 D2940 D2949 D2950 D2951 D2952 D2954
    D6205 D6210 D6211 D6212 D6214 D6240 D6241 D6242 D6243 D6245 D6250 D6251 D6252
    D6740 D6750 D6751 D6752 D6753 D6790 D6791 D6792 D6794
    """
_LISTED: frozenset[str] = frozenset(_KNOWN_TEXT.split())
#: every code a profile may name in a mapping or rule: the CDT table (every current code; the
#: families' codes above are all in it, which tests/test_cdt_table.py checks)
KNOWN: frozenset[str] = frozenset(cdt.CODES) | _LISTED

FAMILIES: dict[str, frozenset[str]] = {}
FAMILIES["amalgam"] = _codes("D2140-D2161")
FAMILIES["composite-anterior"] = _codes("D2330-D2335")
FAMILIES["composite-posterior"] = _codes("D2391-D2394")
FAMILIES["composite"] = FAMILIES["composite-anterior"] | FAMILIES["composite-posterior"]
FAMILIES["resin-crown"] = frozenset({"D2390"})
FAMILIES["direct"] = FAMILIES["amalgam"] | FAMILIES["composite"] | FAMILIES["resin-crown"]
FAMILIES["inlay"] = _codes("D2510", "D2520", "D2530", "D2610", "D2620", "D2630", "D2650-D2652")
FAMILIES["onlay"] = _codes("D2542-D2544", "D2642-D2644", "D2662-D2664")
FAMILIES["crown"] = _codes("D2710-D2794")
FAMILIES["indirect"] = FAMILIES["inlay"] | FAMILIES["onlay"] | FAMILIES["crown"]
FAMILIES["protective"] = frozenset({"D2940"})
FAMILIES["pin"] = frozenset({"D2951"})
FAMILIES["buildup"] = frozenset({"D2949", "D2950", "D2952", "D2954"})
FAMILIES["pontic"] = _codes("D6205-D6252")
FAMILIES["retainer"] = _codes("D6740-D6794")
FAMILIES["bridge"] = FAMILIES["pontic"] | FAMILIES["retainer"]
FAMILIES["restoration"] = FAMILIES["direct"] | FAMILIES["indirect"]

#: codes for which a pre-operative radiograph is expected (DOMAIN §5.6, CL502)
RADIOGRAPH_FAMILIES = ("crown", "onlay", "retainer")

#: direct-restoration codes whose descriptor counts surfaces (DOMAIN §3.4)
SURFACE_CODES: frozenset[str] = (
    FAMILIES["amalgam"] | FAMILIES["composite"] | FAMILIES["inlay"] | FAMILIES["onlay"]
)

#: coarse material of the restoration a code describes (what a chart note must agree with)
_MATERIAL_RANGES: tuple[tuple[str, str], ...] = (
    ("D2140-D2161", "amalgam"),
    ("D2330-D2394", "composite"),
    ("D2650-D2664", "composite"),
    ("D2510-D2544", "metal"),
    ("D2610-D2644", "ceramic"),
    ("D2740", "ceramic"),
    ("D2750-D2753", "porcelain-fused-to-metal"),
    ("D2780-D2794", "metal"),
    ("D2710-D2722", "composite"),  # resin-based indirect crowns
)
MATERIAL: dict[str, str] = {
    code: material for spec, material in _MATERIAL_RANGES for code in _codes(spec)
}

#: service class by code range (first match wins) for a code the CDT table does not know; the
#: table's own class wins for every current code, and a profile may override per code.
#: Orthodontics has no class of its own: it is filed under major (commonly paid at 50%).
_CLASS_RANGES: tuple[tuple[str, str, str], ...] = (
    ("D0000", "D0999", "diagnostic"),
    ("D1000", "D1999", "preventive"),
    ("D2000", "D2399", "basic"),
    ("D2940", "D2941", "basic"),
    ("D2951", "D2951", "basic"),
    ("D2400", "D2999", "major"),
    ("D3000", "D4999", "basic"),
    ("D5000", "D6999", "major"),
    ("D7000", "D7999", "basic"),
    ("D8000", "D8999", "major"),
    ("D9000", "D9999", "basic"),
)
SERVICE_CLASSES = ("diagnostic", "preventive", "basic", "major")

_CODE_RE = re.compile(r"^D\d{4}$")


def is_code(code: str) -> bool:
    """Shaped like a CDT code (D + four digits)."""
    return bool(_CODE_RE.match(code))


def is_known(code: str) -> bool:
    return code in KNOWN


def families_of(code: str) -> frozenset[str]:
    return frozenset(name for name, codes in FAMILIES.items() if code in codes)


def in_family(code: str, family: str) -> bool:
    return code in FAMILIES.get(family, frozenset())


def expand(codes: Iterable[str] = (), families: Iterable[str] = ()) -> frozenset[str]:
    """The codes named by explicit codes/ranges plus families."""
    out: set[str] = set()
    for item in codes:
        out |= _codes(item) if "-" in item else {item}
    for name in families:
        out |= FAMILIES[name]
    return frozenset(out)


def material(code: str) -> str | None:
    return MATERIAL.get(code)


def service_class(code: str) -> str | None:
    """The CDT table's class for the code, else by code range (``_CLASS_RANGES``)."""
    info = cdt.lookup(code)
    if info is not None:
        return info.service_class
    if not is_code(code):
        return None
    number = int(code[1:])
    for lo, hi, name in _CLASS_RANGES:
        if int(lo[1:]) <= number <= int(hi[1:]):
            return name
    return None


def is_indirect(code: str) -> bool:
    """Crowns, inlays, onlays and bridge units (the 'crown-like' frequency rules, CL404)."""
    return code in FAMILIES["indirect"] or code in FAMILIES["bridge"]


def needs_radiograph(code: str) -> bool:
    return any(code in FAMILIES[f] for f in RADIOGRAPH_FAMILIES)


# -- teeth (delegates to claimlint.dental.teeth; supernumerary teeth count as their base) ---


def _info(tooth: str | None) -> ToothInfo | None:
    return teeth.tooth_info(tooth) if tooth else None


def tooth_class(tooth: str | None) -> str | None:
    """``molar``, ``premolar`` or ``anterior`` (primary molars are ``molar``); None if unknown."""
    info = _info(tooth)
    if info is None:
        return None
    return info.tooth_class if info.tooth_class in ("molar", "premolar") else "anterior"


def is_posterior(tooth: str | None) -> bool:
    info = _info(tooth)
    return info is not None and info.is_posterior


def is_molar(tooth: str | None) -> bool:
    info = _info(tooth)
    return info is not None and info.tooth_class == "molar"


def is_second_molar(tooth: str | None) -> bool:
    """Permanent second molars (2, 15, 18, 31): position 7 from the midline."""
    info = _info(tooth)
    return info is not None and info.dentition == "permanent" and info.position == 7


def is_primary(tooth: str | None) -> bool:
    info = _info(tooth)
    return info is not None and info.dentition == "primary"


def region(tooth: str | None) -> str | None:
    info = _info(tooth)
    return info.region if info is not None else None


def same_tooth(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and a.strip().upper() == b.strip().upper()


#: alternate-benefit conditions a profile may use: condition -> test(tooth, surfaces)
CONDITION_TESTS: dict[str, Callable[[str | None, frozenset[str]], bool]] = {
    "always": lambda tooth, surfaces: True,
    "molars": lambda tooth, surfaces: is_molar(tooth),
    "second-molars": lambda tooth, surfaces: is_second_molar(tooth),
    "posterior": lambda tooth, surfaces: is_posterior(tooth),
    "primary-posterior": lambda tooth, surfaces: is_primary(tooth) and is_posterior(tooth),
    "multi-surface-posterior": lambda tooth, surfaces: is_posterior(tooth) and len(surfaces) > 1,
    "never": lambda tooth, surfaces: False,
}
CONDITIONS = tuple(CONDITION_TESTS)


def condition_holds(condition: str, tooth: str | None, surfaces: Iterable[str]) -> bool:
    """Whether an alternate-benefit condition applies to a tooth and its surfaces."""
    return CONDITION_TESTS[condition](tooth, frozenset(surfaces))
