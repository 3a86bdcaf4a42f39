"""The CDT code table (DOMAIN.md §1, DOMAIN-BREADTH.md §1.2): every current CDT code number.

Keyed by code number. Labels are OUR OWN short paraphrases: CDT descriptors are copyrighted by
the ADA and are never shipped here. Checks ask this table what a code needs (a tooth? surfaces?
how many? which region? which area of the mouth? which tooth types? initial/replacement?)
instead of carrying code lists of their own.

The data lives in ``cdt_codes.txt`` next to this module (one line per code, section defaults,
the CDT edition and the retired codes; docs/cdt-table.md says how to read and update it) and is
parsed once at import.

Area of the oral cavity (:data:`Area`, what a line for the code is reported against):

* ``tooth`` – one tooth per line; the tooth number is required (surface-counted restorations
  also carry surfaces: ``min_surfaces``/``max_surfaces``);
* ``site`` – a tooth, a site or an area, and none of them is required (periapical images,
  biopsies, grafts per site, "by report" codes);
* ``quadrant`` – one quadrant (area 10/20/30/40), no tooth instead of it;
* ``arch`` – one arch (area 01/02); ``arch`` says which when the code fixes it;
* ``mouth`` – the whole mouth (no tooth; area 00 at most);
* ``none`` – not reported against the oral cavity at all (per visit, per unit of time, lab
  and extra-oral services).

Tooth types: ``dentition``/``tooth_classes`` are what the nomenclature requires (D3330 is a
molar code; D3230 is for a primary front tooth); ``usual_dentition``/``usual_tooth_classes`` are
what is usual or commonly paid but not required (pulpotomy D3220 mostly on primary teeth,
sealants on permanent premolars and molars). ``tooth_classes`` None means any class.

Surface-count codes belong to a *series* (one material, e.g. ``amalgam``, ``composite``,
``onlay-metal``): :func:`suggest_code` picks the code of a series that fits a surface count and a
tooth region (amalgam 3 → D2160; composite 2 on an anterior tooth → D2331).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Literal

from claimlint.dental.teeth import ToothClass

CodeRegion = Literal["any", "anterior", "posterior"]
ServiceClass = Literal["diagnostic", "preventive", "basic", "major"]
Area = Literal["tooth", "site", "quadrant", "arch", "mouth", "none"]
ArchSide = Literal["upper", "lower"]
DentitionRule = Literal["permanent", "primary", "any"]

#: X12 SV304 / ADA area code of each arch, and the claimlint.dental.teeth arch name
ARCH_AREA_CODE: dict[ArchSide, str] = {"upper": "01", "lower": "02"}
ARCH_OF_TEETH: dict[ArchSide, str] = {"upper": "maxillary", "lower": "mandibular"}


def is_cdt_shaped(code: str | None) -> bool:
    """``D`` followed by four ASCII digits (the shape X12 SV301 requires)."""
    return (
        code is not None
        and len(code) == 5
        and code[0] == "D"
        and code[1:].isascii()
        and code[1:].isdigit()
    )


@dataclass(frozen=True, slots=True)
class CdtCode:
    """What one CDT code is and what a claim line for it must carry.

    ``min_surfaces``/``max_surfaces`` are the distinct-surface range of the code's count rule
    (None when the code is not surface-counted). ``incisal_angle_code`` marks D2335, which also
    fits fewer than four surfaces when the incisal angle is involved. ``surfaces_optional``
    marks tooth codes where reporting surfaces is tolerated (no CL208 warning). ``area``,
    ``arch``, ``dentition``, ``tooth_classes`` and the ``usual_`` pair: see the module text.
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
    arch: ArchSide | None = None
    dentition: DentitionRule = "any"
    tooth_classes: frozenset[ToothClass] | None = None
    usual_dentition: DentitionRule = "any"
    usual_tooth_classes: frozenset[ToothClass] | None = None

    @property
    def surface_counted(self) -> bool:
        return self.min_surfaces is not None

    @property
    def definitive(self) -> bool:
        """A definitive restoration of a natural tooth (what D2951 needs, what D2940 bundles
        into)."""
        return self.kind in DEFINITIVE_KINDS

    @property
    def per_tooth(self) -> bool:
        """Reported per tooth (area ``tooth``)."""
        return self.area == "tooth"

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

    def tooth_type_allowed(self, tooth_class: str, dentition: str) -> bool:
        """Whether the nomenclature allows a tooth of this class (``molar``…) and dentition
        (``permanent``/``primary``): D3330 on a premolar → False."""
        if self.dentition != "any" and dentition != self.dentition:
            return False
        return self.tooth_classes is None or tooth_class in self.tooth_classes

    def tooth_type_usual(self, tooth_class: str, dentition: str) -> bool:
        """Whether the tooth is of the usual type for this code (the soft facts; D3220 on a
        permanent tooth → False). Implies :meth:`tooth_type_allowed`."""
        if not self.tooth_type_allowed(tooth_class, dentition):
            return False
        if self.usual_dentition != "any" and dentition != self.usual_dentition:
            return False
        return self.usual_tooth_classes is None or tooth_class in self.usual_tooth_classes

    def __reduce__(self) -> tuple[type[CdtCode], tuple[Any, ...]]:
        # pickled through the constructor (--jobs sends it to workers): a mypyc-compiled frozen
        # dataclass cannot be unpickled field by field (setup.py, CLAIMLINT_MYPYC=1)
        return (type(self), tuple(getattr(self, f.name) for f in fields(self)))


DEFINITIVE_KINDS = frozenset({"direct", "inlay", "onlay", "crown", "retainer"})
MAX = 5  # a tooth has five surfaces

TABLE_FILE = Path(__file__).with_name("cdt_codes.txt")
"""The data table (docs/cdt-table.md): one line per code, section defaults, the CDT version."""

AREAS: tuple[Area, ...] = ("tooth", "site", "quadrant", "arch", "mouth", "none")
SERVICE_CLASSES: tuple[ServiceClass, ...] = ("diagnostic", "preventive", "basic", "major")
_CLASS_ALIASES: dict[str, tuple[ToothClass, ...]] = {
    "incisor": ("incisor",),
    "canine": ("canine",),
    "premolar": ("premolar",),
    "molar": ("molar",),
    "anterior": ("incisor", "canine"),
    "posterior": ("premolar", "molar"),
}
_KEYS = frozenset(
    {"family", "kind", "class", "area", "arch", "teeth", "usual", "material", "surfaces"}
    | {"region", "flags"}
)
_FLAGS = frozenset({"placement", "add-on", "incisal-angle", "surfaces-optional"})


class CdtTableError(ValueError):
    """The data table is malformed (a packaging or editing mistake, caught by the tests)."""


def _teeth_spec(value: str, where: str) -> tuple[DentitionRule, frozenset[ToothClass] | None]:
    """``permanent:premolar,molar`` → ("permanent", {premolar, molar}); ``any`` → ("any", None)."""
    dentition, _, classes = value.partition(":")
    if dentition not in ("permanent", "primary", "any"):
        raise CdtTableError(f"{where}: unknown dentition {dentition!r}")
    if not classes:
        return dentition, None  # type: ignore[return-value]
    out: set[ToothClass] = set()
    for name in classes.split(","):
        if name not in _CLASS_ALIASES:
            raise CdtTableError(f"{where}: unknown tooth class {name!r}")
        out.update(_CLASS_ALIASES[name])
    return dentition, frozenset(out)  # type: ignore[return-value]


def _surfaces_spec(value: str, where: str) -> tuple[int | None, int | None]:
    if value == "-":
        return None, None
    low, plus, rest = value.partition("+")
    if not low.isdigit() or rest or not 1 <= int(low) <= MAX:
        raise CdtTableError(f"{where}: bad surface count {value!r}")
    return int(low), MAX if plus else int(low)


def _record(code: str, fields: dict[str, str], label: str, where: str) -> CdtCode:
    for key in ("family", "class"):
        if key not in fields:
            raise CdtTableError(f"{where}: {code} has no {key}")
    area = fields.get("area", "tooth")
    service_class = fields["class"]
    region = fields.get("region", "any")
    arch = fields.get("arch")
    if area not in AREAS or service_class not in SERVICE_CLASSES:
        raise CdtTableError(f"{where}: {code} has area {area!r} / class {service_class!r}")
    if region not in ("any", "anterior", "posterior") or arch not in (None, "upper", "lower"):
        raise CdtTableError(f"{where}: {code} has region {region!r} / arch {arch!r}")
    flags = frozenset(f for f in fields.get("flags", "-").split(",") if f != "-")
    if flags - _FLAGS:
        raise CdtTableError(f"{where}: {code} has unknown flags {sorted(flags - _FLAGS)}")
    low, high = _surfaces_spec(fields.get("surfaces", "-"), where)
    dentition, classes = _teeth_spec(fields.get("teeth", "any"), where)
    usual_dentition, usual_classes = _teeth_spec(fields.get("usual", "any"), where)
    family = fields["family"]
    kind = fields.get("kind", family)
    material = fields.get("material")
    series = None
    if low is not None:
        series = material if kind == "direct" else family
    return CdtCode(
        code=code,
        label=label,
        family=family,
        kind=kind,
        material=material,
        region=region,  # type: ignore[arg-type]
        min_surfaces=low,
        max_surfaces=high,
        tooth_required=area == "tooth",
        surfaces_reported=low is not None,
        add_on="add-on" in flags,
        needs_placement="placement" in flags,
        service_class=service_class,
        incisal_angle_code="incisal-angle" in flags,
        series=series,
        area=area,
        surfaces_optional="surfaces-optional" in flags,
        arch=arch,  # type: ignore[arg-type]
        dentition=dentition,
        tooth_classes=classes,
        usual_dentition=usual_dentition,
        usual_tooth_classes=usual_classes,
    )


def parse_table(
    text: str, source: str = "cdt_codes.txt"
) -> tuple[int, dict[str, CdtCode], dict[str, int]]:
    """(CDT version, code → record, retired code → CDT year) from the table's text."""
    version = 0
    table: dict[str, CdtCode] = {}
    retired: dict[str, int] = {}
    defaults: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        where = f"{source} line {number}"
        head, _, rest = line.partition(" ")
        if head == "version":
            version = int(rest)
            continue
        if head == "retired":
            code, _, year = rest.partition(" ")
            if not is_cdt_shaped(code) or not year.strip().isdigit():
                raise CdtTableError(f"{where}: bad retired line")
            retired[code] = int(year)
            continue
        tokens = line.split()
        if head == "@":
            defaults = {}
            for token in tokens[1:]:
                key, eq, value = token.partition("=")
                if not eq or key not in _KEYS:
                    raise CdtTableError(f"{where}: bad section default {token!r}")
                defaults[key] = value
            continue
        if not is_cdt_shaped(head):
            raise CdtTableError(f"{where}: {head!r} is not a code (D and four digits)")
        fields = dict(defaults)
        at = 1
        while at < len(tokens):
            key, eq, value = tokens[at].partition("=")
            if not eq or key not in _KEYS:
                break
            fields[key] = value
            at += 1
        label = " ".join(tokens[at:])
        if not label:
            raise CdtTableError(f"{where}: {head} has no label")
        if head in table:
            raise CdtTableError(f"{where}: duplicate CDT code {head}")
        table[head] = _record(head, fields, label, where)
    overlap = sorted(set(table) & set(retired))
    if overlap:
        raise CdtTableError(f"{source}: codes both current and retired: {overlap}")
    return version, dict(sorted(table.items())), retired


def _build() -> tuple[int, dict[str, CdtCode], dict[str, int]]:
    return parse_table(TABLE_FILE.read_text(encoding="utf-8"))


VERSION: int
RETIRED: dict[str, int]
"""Codes deleted from the CDT → the CDT edition that deleted them (only where known)."""
VERSION, CODES, RETIRED = _build()
"""``VERSION``: the CDT edition the table follows; ``CODES``: every current code by number."""

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


def retired_in(code: str | None) -> int | None:
    """The CDT edition that deleted ``code`` (``"D9940"`` → 2019), or None."""
    if not code:
        return None
    return RETIRED.get(code.strip().upper())


def lookup(code: str | None) -> CdtCode | None:
    """The table record for a code (case and surrounding spaces ignored), or None."""
    if not code:
        return None
    hit = CODES.get(code)
    if hit is None:
        hit = CODES.get(code.strip().upper())
    return hit


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

AREA_CODES: dict[str, frozenset[str]] = {
    area: frozenset(c.code for c in CODES.values() if c.area == area) for area in AREAS
}
"""Area (``quadrant``, ``arch``…) → the codes reported per that area."""

ARCH_CODES: dict[str, str] = {c.code: c.arch for c in CODES.values() if c.arch is not None}
"""Arch-fixed codes → ``upper``/``lower`` (D5110 → upper, D5120 → lower)."""

TOOTH_TYPE_CODES: frozenset[str] = codes_where(
    lambda c: c.dentition != "any" or c.tooth_classes is not None
)
"""Codes whose nomenclature restricts the tooth type (D3310–D3330, D3230/D3240, D2930…)."""

USUAL_TOOTH_TYPE_CODES: frozenset[str] = codes_where(
    lambda c: c.usual_dentition != "any" or c.usual_tooth_classes is not None
)
"""Codes with a soft (usual, not required) tooth type (D1351, D3220, root canals…)."""
