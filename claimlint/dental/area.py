"""Areas of the oral cavity (DOMAIN-BREADTH.md §1.1): the ADA / X12 SV304 area codes, the teeth
each one covers, the legacy letter codes readers convert, and the per-quadrant code series whose
codes differ by the number of teeth involved (4 or more versus 1 to 3).

Tooth ranges follow from Universal numbering (:mod:`claimlint.dental.teeth`): the upper right
quadrant ``10`` holds 1–8 and A–E (and their supernumerary 51–58, AS–ES), and so on.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Literal

from claimlint.dental.teeth import TEETH, Arch, Quadrant

AreaKind = Literal["mouth", "arch", "quadrant", "sextant", "other"]


@dataclass(frozen=True, slots=True)
class OralArea:
    """One area code: what it is and the teeth in it (empty when claimlint does not judge the
    teeth of that kind of area, e.g. sextants and "other area")."""

    code: str
    kind: AreaKind
    name: str
    arch: Arch | None = None
    quadrant: Quadrant | None = None
    teeth: frozenset[str] = frozenset()

    def __reduce__(self) -> tuple[type[OralArea], tuple[Any, ...]]:
        # through the constructor: a mypyc-compiled frozen dataclass cannot be unpickled field
        # by field (dental/teeth.py ToothInfo does the same)
        return (type(self), tuple(getattr(self, f.name) for f in fields(self)))


def _teeth(arch: Arch | None = None, quadrant: Quadrant | None = None) -> frozenset[str]:
    return frozenset(
        t
        for t, info in TEETH.items()
        if (arch is None or info.arch == arch) and (quadrant is None or info.quadrant == quadrant)
    )


AREAS: dict[str, OralArea] = {
    a.code: a
    for a in (
        OralArea("00", "mouth", "whole mouth", teeth=_teeth()),
        OralArea("01", "arch", "upper arch", arch="maxillary", teeth=_teeth("maxillary")),
        OralArea("02", "arch", "lower arch", arch="mandibular", teeth=_teeth("mandibular")),
        OralArea("03", "sextant", "upper right sextant"),
        OralArea("04", "sextant", "upper anterior sextant"),
        OralArea("05", "sextant", "upper left sextant"),
        OralArea("06", "sextant", "lower left sextant"),
        OralArea("07", "sextant", "lower anterior sextant"),
        OralArea("08", "sextant", "lower right sextant"),
        OralArea("09", "other", "other area"),
        OralArea(
            "10", "quadrant", "upper right quadrant", "maxillary", "UR", _teeth(quadrant="UR")
        ),
        OralArea("20", "quadrant", "upper left quadrant", "maxillary", "UL", _teeth(quadrant="UL")),
        OralArea(
            "30", "quadrant", "lower left quadrant", "mandibular", "LL", _teeth(quadrant="LL")
        ),
        OralArea(
            "40", "quadrant", "lower right quadrant", "mandibular", "LR", _teeth(quadrant="LR")
        ),
        # X12 element 1361 also lists L (left) and R (right) in older releases
        OralArea("L", "other", "left side"),
        OralArea("R", "other", "right side"),
    )
}
"""Every area code X12 element 1361 defines → its facts."""

LEGACY_AREAS: dict[str, str] = {
    "UR": "10",
    "UL": "20",
    "LL": "30",
    "LR": "40",
    "UA": "01",
    "LA": "02",
    "FM": "00",
}
"""Historical letter codes → the two-digit code that replaced them (ADA claim form item 25)."""

QUADRANT_CODES: tuple[str, ...] = ("10", "20", "30", "40")
ARCH_CODES: tuple[str, ...] = ("01", "02")
AREA_CODE_HINT = "00 whole mouth, 01 upper / 02 lower arch, 10 UR, 20 UL, 30 LL, 40 LR quadrant"


def normalise_area(value: str) -> tuple[str, bool]:
    """(the area code, whether it was a legacy letter code): ``"ur"`` → (``"10"``, True);
    ``" 10"`` → (``"10"``, False); an unknown value comes back as written (not in
    :data:`AREAS`)."""
    text = value.strip().upper()
    if text in AREAS:
        return text, False
    legacy = LEGACY_AREAS.get(text)
    if legacy is not None:
        return legacy, True
    return value, False


def area_of_tooth(tooth: str, kind: AreaKind) -> OralArea | None:
    """The quadrant (``kind="quadrant"``) or arch area a Universal tooth lies in."""
    info = TEETH.get(tooth)
    if info is None:
        return None
    for area in AREAS.values():
        if area.kind == kind and tooth in area.teeth:
            return area
    return None


# -- per-quadrant codes that differ by the number of teeth involved ---------------------------


@dataclass(frozen=True, slots=True)
class QuadrantSeries:
    """A code of a per-quadrant series split by teeth involved (D4341 4+ / D4342 1–3).

    ``count_listed`` marks series where the teeth listed on the line are the teeth counted
    (scaling and root planing); surgical series also count tooth-bounded spaces, so a short
    list of teeth does not prove the wrong code there.
    """

    code: str
    series: str
    min_teeth: int
    max_teeth: int | None
    count_listed: bool

    def __reduce__(self) -> tuple[type[QuadrantSeries], tuple[Any, ...]]:
        return (type(self), tuple(getattr(self, f.name) for f in fields(self)))


QUADRANT_SERIES: dict[str, QuadrantSeries] = {
    r.code: r
    for r in (
        QuadrantSeries("D4341", "scaling and root planing", 4, None, True),
        QuadrantSeries("D4342", "scaling and root planing", 1, 3, True),
        QuadrantSeries("D4210", "gingivectomy", 4, None, False),
        QuadrantSeries("D4211", "gingivectomy", 1, 3, False),
        QuadrantSeries("D4230", "crown exposure", 4, None, False),
        QuadrantSeries("D4231", "crown exposure", 1, 3, False),
        QuadrantSeries("D4240", "gingival flap", 4, None, False),
        QuadrantSeries("D4241", "gingival flap", 1, 3, False),
        QuadrantSeries("D4260", "osseous surgery", 4, None, False),
        QuadrantSeries("D4261", "osseous surgery", 1, 3, False),
        QuadrantSeries("D7310", "alveoloplasty with extractions", 4, None, False),
        QuadrantSeries("D7311", "alveoloplasty with extractions", 1, 3, False),
        QuadrantSeries("D7320", "alveoloplasty without extractions", 4, None, False),
        QuadrantSeries("D7321", "alveoloplasty without extractions", 1, 3, False),
    )
}
"""Per-quadrant codes split by teeth involved: one line of a series per quadrant and date
(CL706); for scaling and root planing, the listed teeth must fit the code (CL901)."""


def series_code_for(series: str, count: int) -> str | None:
    """The code of ``series`` for ``count`` teeth (``scaling and root planing``, 2 → D4342)."""
    for row in QUADRANT_SERIES.values():
        if row.series == series and row.min_teeth <= count <= (row.max_teeth or count):
            return row.code
    return None
