"""The CDT code table (DOMAIN.md §1): one frozen record per code claimlint knows.

Keyed by code number. Labels are OUR OWN short paraphrases: CDT descriptors are copyrighted by
the ADA and are never shipped here. Checks ask this table what a code needs (a tooth? surfaces?
how many? which region? initial/replacement?) instead of carrying code lists of their own.

Surface-count codes belong to a *series* (one material, e.g. ``amalgam``, ``composite``,
``onlay-metal``): :func:`suggest_code` picks the code of a series that fits a surface count and a
tooth region (amalgam 3 → D2160; composite 2 on an anterior tooth → D2331).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

CodeRegion = Literal["any", "anterior", "posterior"]
ServiceClass = Literal["diagnostic", "preventive", "basic", "major"]
Area = Literal["tooth", "quadrant", "mouth"]


@dataclass(frozen=True, slots=True)
class CdtCode:
    """What one CDT code is and what a claim line for it must carry.

    ``min_surfaces``/``max_surfaces`` are the distinct-surface range of the code's count rule
    (None when the code is not surface-counted). ``incisal_angle_code`` marks D2335, which also
    fits fewer than four surfaces when the incisal angle is involved. ``surfaces_optional``
    marks tooth codes where reporting surfaces is tolerated (no CL208 warning).
    """

    code: str
    label: str
    family: str
    kind: str
    material: str | None
    region: CodeRegion
    min_surfaces: int | None
    max_surfaces: int | None
    tooth_required: bool
    surfaces_reported: bool
    add_on: bool
    needs_placement: bool
    service_class: ServiceClass
    incisal_angle_code: bool = False
    series: str | None = None
    area: Area = "tooth"
    surfaces_optional: bool = False

    @property
    def surface_counted(self) -> bool:
        return self.min_surfaces is not None

    @property
    def definitive(self) -> bool:
        """A definitive restoration of a natural tooth (what D2951 needs, what D2940 bundles
        into)."""
        return self.kind in DEFINITIVE_KINDS

    def surface_count_fits(self, count: int) -> bool:
        """Does ``count`` distinct surfaces fit this code (D2335: 1–5 via the incisal angle)?"""
        if self.min_surfaces is None or self.max_surfaces is None:
            return True
        low = 1 if self.incisal_angle_code else self.min_surfaces
        return low <= count <= self.max_surfaces

    def count_text(self) -> str:
        """``2-surface``, ``4-or-more-surface`` …"""
        if self.min_surfaces is None:
            return "tooth-only"
        if self.max_surfaces == self.min_surfaces:
            return f"{self.min_surfaces}-surface"
        return f"{self.min_surfaces}-or-more-surface"


DEFINITIVE_KINDS = frozenset({"direct", "inlay", "onlay", "crown", "retainer"})
MAX = 5  # a tooth has five surfaces


def _surface(
    code: str,
    label: str,
    family: str,
    kind: str,
    material: str,
    region: CodeRegion,
    low: int,
    high: int,
    series: str,
    *,
    service_class: ServiceClass,
    needs_placement: bool,
    incisal_angle: bool = False,
) -> CdtCode:
    return CdtCode(
        code=code,
        label=label,
        family=family,
        kind=kind,
        material=material,
        region=region,
        min_surfaces=low,
        max_surfaces=high,
        tooth_required=True,
        surfaces_reported=True,
        add_on=False,
        needs_placement=needs_placement,
        service_class=service_class,
        incisal_angle_code=incisal_angle,
        series=series,
    )


def _tooth(
    code: str,
    label: str,
    family: str,
    kind: str,
    material: str | None,
    *,
    service_class: ServiceClass,
    needs_placement: bool = False,
    region: CodeRegion = "any",
    add_on: bool = False,
    surfaces_optional: bool = False,
) -> CdtCode:
    return CdtCode(
        code=code,
        label=label,
        family=family,
        kind=kind,
        material=material,
        region=region,
        min_surfaces=None,
        max_surfaces=None,
        tooth_required=True,
        surfaces_reported=False,
        add_on=add_on,
        needs_placement=needs_placement,
        service_class=service_class,
        surfaces_optional=surfaces_optional,
    )


def _area(
    code: str, label: str, family: str, kind: str, service_class: ServiceClass, area: Area
) -> CdtCode:
    return CdtCode(
        code=code,
        label=label,
        family=family,
        kind=kind,
        material=None,
        region="any",
        min_surfaces=None,
        max_surfaces=None,
        tooth_required=False,
        surfaces_reported=False,
        add_on=False,
        needs_placement=False,
        service_class=service_class,
        area=area,
    )


# (code, label, low, high) rows per direct series.
_DIRECT = {
    ("amalgam", "amalgam", "any"): (
        ("D2140", "amalgam filling, one surface", 1, 1),
        ("D2150", "amalgam filling, two surfaces", 2, 2),
        ("D2160", "amalgam filling, three surfaces", 3, 3),
        ("D2161", "amalgam filling, four or more surfaces", 4, MAX),
    ),
    ("composite-anterior", "composite", "anterior"): (
        ("D2330", "front-tooth composite filling, one surface", 1, 1),
        ("D2331", "front-tooth composite filling, two surfaces", 2, 2),
        ("D2332", "front-tooth composite filling, three surfaces", 3, 3),
        ("D2335", "front-tooth composite, four or more surfaces or incisal angle", 4, MAX),
    ),
    ("composite-posterior", "composite", "posterior"): (
        ("D2391", "back-tooth composite filling, one surface", 1, 1),
        ("D2392", "back-tooth composite filling, two surfaces", 2, 2),
        ("D2393", "back-tooth composite filling, three surfaces", 3, 3),
        ("D2394", "back-tooth composite filling, four or more surfaces", 4, MAX),
    ),
}

# Indirect (lab-made) series: family → (material, rows). Inlays 1 / 2 / 3+; onlays 2 / 3 / 4+.
_INDIRECT = {
    "inlay-metal": (
        "metal",
        (("D2510", 1, 1), ("D2520", 2, 2), ("D2530", 3, MAX)),
    ),
    "onlay-metal": (
        "metal",
        (("D2542", 2, 2), ("D2543", 3, 3), ("D2544", 4, MAX)),
    ),
    "inlay-ceramic": (
        "ceramic",
        (("D2610", 1, 1), ("D2620", 2, 2), ("D2630", 3, MAX)),
    ),
    "onlay-ceramic": (
        "ceramic",
        (("D2642", 2, 2), ("D2643", 3, 3), ("D2644", 4, MAX)),
    ),
    "inlay-composite": (
        "composite",
        (("D2650", 1, 1), ("D2651", 2, 2), ("D2652", 3, MAX)),
    ),
    "onlay-composite": (
        "composite",
        (("D2662", 2, 2), ("D2663", 3, 3), ("D2664", 4, MAX)),
    ),
}

# Single crowns, bridge pontics and bridge retainers: (code, material, label).
_CROWNS = (
    ("D2710", "composite", "indirect composite crown"),
    ("D2712", "composite", "three-quarter indirect composite crown"),
    ("D2720", "resin-high-noble", "resin on high noble metal crown"),
    ("D2721", "resin-base-metal", "resin on base metal crown"),
    ("D2722", "resin-noble", "resin on noble metal crown"),
    ("D2740", "ceramic", "all-ceramic crown (incl. zirconia)"),
    ("D2750", "pfm-high-noble", "porcelain on high noble metal crown"),
    ("D2751", "pfm-base-metal", "porcelain on base metal crown"),
    ("D2752", "pfm-noble", "porcelain on noble metal crown"),
    ("D2753", "pfm-titanium", "porcelain on titanium crown"),
    ("D2780", "cast-high-noble", "three-quarter cast high noble crown"),
    ("D2781", "cast-base-metal", "three-quarter cast base metal crown"),
    ("D2782", "cast-noble", "three-quarter cast noble crown"),
    ("D2783", "ceramic", "three-quarter all-ceramic crown"),
    ("D2790", "cast-high-noble", "full cast high noble crown"),
    ("D2791", "cast-base-metal", "full cast base metal crown"),
    ("D2792", "cast-noble", "full cast noble crown"),
    ("D2794", "titanium", "titanium crown"),
)
_PONTICS = (
    ("D6210", "cast-high-noble", "bridge pontic, cast high noble"),
    ("D6211", "cast-base-metal", "bridge pontic, cast base metal"),
    ("D6212", "cast-noble", "bridge pontic, cast noble"),
    ("D6214", "titanium", "bridge pontic, titanium"),
    ("D6240", "pfm-high-noble", "bridge pontic, porcelain on high noble"),
    ("D6241", "pfm-base-metal", "bridge pontic, porcelain on base metal"),
    ("D6242", "pfm-noble", "bridge pontic, porcelain on noble"),
    ("D6243", "pfm-titanium", "bridge pontic, porcelain on titanium"),
    ("D6245", "ceramic", "bridge pontic, all-ceramic"),
)
_RETAINERS = (
    ("D6740", "ceramic", "bridge abutment crown, all-ceramic"),
    ("D6750", "pfm-high-noble", "bridge abutment crown, porcelain on high noble"),
    ("D6751", "pfm-base-metal", "bridge abutment crown, porcelain on base metal"),
    ("D6752", "pfm-noble", "bridge abutment crown, porcelain on noble"),
    ("D6753", "pfm-titanium", "bridge abutment crown, porcelain on titanium"),
    ("D6790", "cast-high-noble", "bridge abutment crown, cast high noble"),
    ("D6791", "cast-base-metal", "bridge abutment crown, cast base metal"),
    ("D6792", "cast-noble", "bridge abutment crown, cast noble"),
    ("D6794", "titanium", "bridge abutment crown, titanium"),
)


def _build() -> dict[str, CdtCode]:
    rows: list[CdtCode] = []
    for (family, material, region), codes in _DIRECT.items():
        for code, label, low, high in codes:
            rows.append(
                _surface(
                    code,
                    label,
                    family,
                    "direct",
                    material,
                    region,  # type: ignore[arg-type]
                    low,
                    high,
                    material,
                    service_class="basic",
                    needs_placement=False,
                    incisal_angle=code == "D2335",
                )
            )
    for family, (material, series) in _INDIRECT.items():
        kind = family.split("-")[0]
        for code, low, high in series:
            count = f"{low} surface" + ("s" if low > 1 else "") + (" or more" if high > low else "")
            rows.append(
                _surface(
                    code,
                    f"{material} {kind}, {count}",
                    family,
                    kind,
                    material,
                    "any",
                    low,
                    high,
                    family,
                    service_class="major",
                    needs_placement=True,
                )
            )
    for family, kind, prosthetics in (
        ("crown", "crown", _CROWNS),
        ("pontic", "pontic", _PONTICS),
        ("retainer", "retainer", _RETAINERS),
    ):
        for code, material, label in prosthetics:
            rows.append(
                _tooth(
                    code,
                    label,
                    family,
                    kind,
                    material,
                    service_class="major",
                    needs_placement=True,
                )
            )
    rows += [
        _tooth(
            "D2390",
            "front-tooth composite crown placed directly",
            "composite-crown",
            "direct",
            "composite",
            service_class="basic",
            region="anterior",
        ),
        _tooth(
            "D2940",
            "protective (interim) direct restoration",
            "protective",
            "interim",
            None,
            service_class="basic",
            surfaces_optional=True,
        ),
        _tooth(
            "D2950",
            "core buildup, pins included",
            "buildup",
            "buildup",
            None,
            service_class="major",
        ),
        _tooth(
            "D2951",
            "pin retention, per tooth, with a restoration",
            "pin",
            "pin",
            None,
            service_class="basic",
            add_on=True,
        ),
        _tooth(
            "D2954",
            "prefabricated post and core",
            "post-core",
            "buildup",
            None,
            service_class="major",
        ),
        _tooth(
            "D1351",
            "sealant on one tooth",
            "sealant",
            "preventive",
            "resin",
            service_class="preventive",
            surfaces_optional=True,
        ),
        _tooth("D7140", "simple extraction", "extraction", "surgical", None, service_class="basic"),
        _tooth(
            "D7210", "surgical extraction", "extraction", "surgical", None, service_class="basic"
        ),
        _area("D0120", "periodic exam", "exam", "diagnostic", "diagnostic", "mouth"),
        _area("D0140", "limited problem-focused exam", "exam", "diagnostic", "diagnostic", "mouth"),
        _area("D0150", "comprehensive exam", "exam", "diagnostic", "diagnostic", "mouth"),
        _area("D0210", "full-mouth x-ray series", "imaging", "diagnostic", "diagnostic", "mouth"),
        _area(
            "D0220", "periapical x-ray, first image", "imaging", "diagnostic", "diagnostic", "mouth"
        ),
        _area(
            "D0272", "bitewing x-rays, two images", "imaging", "diagnostic", "diagnostic", "mouth"
        ),
        _area(
            "D0274", "bitewing x-rays, four images", "imaging", "diagnostic", "diagnostic", "mouth"
        ),
        _area("D0330", "panoramic x-ray", "imaging", "diagnostic", "diagnostic", "mouth"),
        _area("D1110", "adult cleaning", "preventive", "preventive", "preventive", "mouth"),
        _area("D1120", "child cleaning", "preventive", "preventive", "preventive", "mouth"),
        _area("D1206", "fluoride varnish", "preventive", "preventive", "preventive", "mouth"),
        _area("D1208", "topical fluoride", "preventive", "preventive", "preventive", "mouth"),
        _area(
            "D4341",
            "deep cleaning, four or more teeth in a quadrant",
            "periodontal",
            "periodontal",
            "basic",
            "quadrant",
        ),
        _area(
            "D4342",
            "deep cleaning, one to three teeth in a quadrant",
            "periodontal",
            "periodontal",
            "basic",
            "quadrant",
        ),
        _area("D4910", "periodontal maintenance", "periodontal", "periodontal", "basic", "mouth"),
    ]
    table: dict[str, CdtCode] = {}
    for row in rows:
        if row.code in table:  # pragma: no cover - guarded by a test
            raise ValueError(f"duplicate CDT code {row.code}")
        table[row.code] = row
    return dict(sorted(table.items()))


CODES: dict[str, CdtCode] = _build()
"""Every code claimlint knows, by code number."""

# series → region → [(low, high, code)], for count → code suggestions.
_BY_SERIES: dict[str, dict[str, list[tuple[int, int, str]]]] = {}
for _c in CODES.values():
    if _c.series is not None and _c.min_surfaces is not None and _c.max_surfaces is not None:
        _BY_SERIES.setdefault(_c.series, {}).setdefault(_c.region, []).append(
            (_c.min_surfaces, _c.max_surfaces, _c.code)
        )
_FAMILY_SERIES: dict[str, str] = {
    c.family: c.series for c in CODES.values() if c.series is not None
}

INCISAL_ANGLE_CANDIDATES: frozenset[str] = frozenset(
    c.code
    for c in CODES.values()
    if c.series == "composite"
    and c.region == "anterior"
    and not c.incisal_angle_code
    and c.max_surfaces is not None
    and c.max_surfaces >= 2
)
"""Anterior composite codes that may really be D2335 when the incisal angle is involved."""

INCISAL_ANGLE_CODES: frozenset[str] = frozenset(
    c.code for c in CODES.values() if c.incisal_angle_code
)


#: Code-number ranges where the table above lists every code in use (direct restorations,
#: inlays/onlays, single crowns). A code inside one of them that the table lacks is a typo or
#: a retired code; outside them claimlint cannot tell, so it says nothing (CL115).
TABULATED_RANGES: tuple[tuple[int, int], ...] = ((2140, 2394), (2510, 2664), (2710, 2794))


def in_tabulated_range(code: str) -> bool:
    """Whether ``code`` (``D####``) falls in a range the table covers completely."""
    number = int(code[1:])
    return any(low <= number <= high for low, high in TABULATED_RANGES)


def lookup(code: str | None) -> CdtCode | None:
    """The table record for a code (case and surrounding spaces ignored), or None."""
    if not code:
        return None
    hit = CODES.get(code)
    if hit is None:
        hit = CODES.get(code.strip().upper())
    return hit


def is_cdt_shaped(code: str | None) -> bool:
    """``D`` followed by four ASCII digits (the shape X12 SV301 requires)."""
    return (
        code is not None
        and len(code) == 5
        and code[0] == "D"
        and code[1:].isascii()
        and code[1:].isdigit()
    )


def suggest_code(family: str, surface_count: int, region: str | None = None) -> str | None:
    """The code of the same material series for ``surface_count`` distinct surfaces.

    ``family`` is a family (``"composite-posterior"``) or a series (``"composite"``);
    ``region`` (``"anterior"``/``"posterior"``) picks between regional siblings and may be
    omitted for series without them (amalgam, inlays, onlays). None when no code fits, e.g. a
    one-surface onlay or six surfaces.
    """
    series = _FAMILY_SERIES.get(family, family)
    by_region = _BY_SERIES.get(series)
    if by_region is None:
        return None
    if "any" in by_region:
        rows = by_region["any"]
    elif region in by_region:
        rows = by_region[region]
    elif region is None:
        # a family name fixes the region (composite-anterior); a bare series does not
        own = {c.region for c in CODES.values() if c.family == family}
        if len(own) != 1:
            return None
        rows = by_region.get(next(iter(own)), [])
    else:
        return None
    for low, high, code in rows:
        if low <= surface_count <= high:
            return code
    return None


def sibling_for_region(code: CdtCode, region: str) -> str | None:
    """The same-count code of the same series for another tooth region (D2392 → D2331)."""
    if code.series is None or code.min_surfaces is None:
        return None
    if code.region in ("any", region):
        return code.code
    return suggest_code(code.series, code.min_surfaces, region)


_INLAY_FAMILY_BY_MATERIAL: dict[str, str] = {
    c.material: c.family for c in CODES.values() if c.kind == "inlay" and c.material
}


def one_surface_alternative(code: CdtCode) -> str | None:
    """For a one-surface onlay (which does not exist): the one-surface inlay of its material."""
    if code.material is None:
        return None
    family = _INLAY_FAMILY_BY_MATERIAL.get(code.material)
    return suggest_code(family, 1) if family else None


def codes_in_family(*families: str) -> frozenset[str]:
    """Every code of the given families (``codes_in_family("pin")`` → {"D2951"})."""
    return frozenset(c.code for c in CODES.values() if c.family in families)


INCLUDED_IN: dict[str, frozenset[str]] = {
    "pin": frozenset({"buildup"}),  # D2950 includes any pins (DOMAIN §1.2, §5.7)
}
"""Add-on family → families whose codes already include it on the same tooth and date."""


# -- per-code tables for the checks' fast paths (one dict or set lookup per line) -------------


def codes_where(test: Callable[[CdtCode], bool]) -> frozenset[str]:
    """Every code whose record passes ``test`` (what a line check ``applies_to``)."""
    return frozenset(c.code for c in CODES.values() if test(c))


SURFACE_COUNT_RANGE: dict[str, tuple[int, int]] = {
    c.code: (1 if c.incisal_angle_code else c.min_surfaces, c.max_surfaces)
    for c in CODES.values()
    if c.min_surfaces is not None and c.max_surfaces is not None
}
"""Surface-counted code → (fewest, most) distinct surfaces that fit it
(:meth:`CdtCode.surface_count_fits` as a table)."""

TOOTH_REQUIRED_CODES: frozenset[str] = codes_where(lambda c: c.tooth_required)
"""Codes reported per tooth (CL201)."""

TOOTH_ONLY_CODES: frozenset[str] = codes_where(
    lambda c: not c.surfaces_reported and not c.surfaces_optional
)
"""Codes that take no surfaces (CL208)."""

REGION_CODES: dict[str, str] = {c.code: c.region for c in CODES.values() if c.region != "any"}
"""Codes for one tooth region only → that region (CL302)."""

ONLAY_CODES: frozenset[str] = codes_where(lambda c: c.kind == "onlay")
"""Onlay codes (CL304)."""
