"""Areas of the oral cavity (ADA claim form item 25, X12 837D SV304 / element 1361) as scope
keys for frequency limits: which quadrant and which arch an area code or a tooth lies in.

Standard nomenclature (DOMAIN-BREADTH §1.1): ``00`` whole mouth, ``01``/``02`` upper/lower
arch, ``10``/``20``/``30``/``40`` the upper right, upper left, lower left and lower right
quadrants. The legacy letter codes (``UR``, ``UL``, ``LL``, ``LR``, ``UA``, ``LA``, ``FM``)
mean the same areas.
"""

from __future__ import annotations

from claimlint.dental import teeth

#: legacy letter codes and their two-digit equivalents
LEGACY: dict[str, str] = {
    "UR": "10",
    "UL": "20",
    "LL": "30",
    "LR": "40",
    "UA": "01",
    "LA": "02",
    "FM": "00",
}
#: quadrant area codes -> the quadrant (teeth.ToothInfo.quadrant)
QUADRANT_OF_AREA: dict[str, str] = {"10": "UR", "20": "UL", "30": "LL", "40": "LR"}
#: arch area codes (and quadrants) -> the arch (teeth.ToothInfo.arch)
ARCH_OF_AREA: dict[str, str] = {
    "01": "maxillary",
    "02": "mandibular",
    "10": "maxillary",
    "20": "maxillary",
    "30": "mandibular",
    "40": "mandibular",
}


def normalise_area(value: object) -> str | None:
    """``"10"``, ``" ur "`` → ``"10"``; ``"1"`` → ``"01"``; None for a value that is no area."""
    if not isinstance(value, str):
        return None
    text = value.strip().upper()
    text = LEGACY.get(text, text)
    if text.isdigit() and len(text) == 1:
        text = "0" + text
    return text if text.isdigit() and len(text) == 2 else None


def quadrant_of(tooth: object = None, area: object = None) -> str | None:
    """The quadrant (``UR``/``UL``/``LL``/``LR``) of a tooth, else of a quadrant area code."""
    info = teeth.tooth_info(tooth) if tooth else None
    if info is not None:
        return info.quadrant
    code = normalise_area(area)
    return QUADRANT_OF_AREA.get(code) if code else None


def arch_of(tooth: object = None, area: object = None) -> str | None:
    """The arch (``maxillary``/``mandibular``) of a tooth, else of an arch or quadrant code."""
    info = teeth.tooth_info(tooth) if tooth else None
    if info is not None:
        return info.arch
    code = normalise_area(area)
    return ARCH_OF_AREA.get(code) if code else None
