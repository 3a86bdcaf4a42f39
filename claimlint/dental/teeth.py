"""Tooth designations: ADA Universal (US default) and ISO 3950 (FDI), DOMAIN.md §2.

Universal permanent teeth are ``1``–``32``, primary teeth ``A``–``T``; supernumerary teeth are
``51``–``82`` (50 + the neighbouring tooth) and ``AS``–``TS``. Each valid designation maps to a
:class:`ToothInfo` in :data:`TEETH` (a dict, so lookups are O(1)). Supernumerary teeth take the
class and region of their neighbour and have no ISO value (ISO has no standard notation).

The two systems reuse the same strings (``21`` is a lower premolar in Universal and an upper
central incisor in ISO), so nothing here guesses a system: callers say which one a value is in,
and :func:`iso_to_universal` rejects values that cannot exist in ISO 3950 (§2.4).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Literal

Arch = Literal["maxillary", "mandibular"]
Quadrant = Literal["UR", "UL", "LL", "LR"]
Region = Literal["anterior", "posterior"]
ToothClass = Literal["molar", "premolar", "canine", "incisor"]
Dentition = Literal["permanent", "primary"]


@dataclass(frozen=True, slots=True)
class ToothInfo:
    """What a tooth designation means. ``position`` counts from the midline (1 = central)."""

    tooth: str
    arch: Arch
    quadrant: Quadrant
    region: Region
    tooth_class: ToothClass
    dentition: Dentition
    position: int
    supernumerary: bool = False
    #: the normal tooth a supernumerary one is named after (itself for normal teeth)
    base: str = ""
    #: ISO 3950 two-digit value; None for supernumerary teeth
    iso: str | None = None

    @property
    def is_anterior(self) -> bool:
        return self.region == "anterior"

    @property
    def is_posterior(self) -> bool:
        return self.region == "posterior"

    def __reduce__(self) -> tuple[type[ToothInfo], tuple[Any, ...]]:
        # pickled through the constructor (--jobs sends it to workers): a mypyc-compiled frozen
        # dataclass cannot be unpickled field by field (setup.py, CLAIMLINT_MYPYC=1)
        return (type(self), tuple(getattr(self, f.name) for f in fields(self)))


# Quadrant order in Universal numbering and the ISO quadrant digits (permanent, primary).
_QUADRANTS: tuple[tuple[Quadrant, Arch, int, int], ...] = (
    ("UR", "maxillary", 1, 5),
    ("UL", "maxillary", 2, 6),
    ("LL", "mandibular", 3, 7),
    ("LR", "mandibular", 4, 8),
)
# Class by position from the midline.
_PERMANENT_CLASS: dict[int, ToothClass] = {
    1: "incisor",
    2: "incisor",
    3: "canine",
    4: "premolar",
    5: "premolar",
    6: "molar",
    7: "molar",
    8: "molar",
}
_PRIMARY_CLASS: dict[int, ToothClass] = {
    1: "incisor",
    2: "incisor",
    3: "canine",
    4: "molar",
    5: "molar",
}
PRIMARY_LETTERS = "ABCDEFGHIJKLMNOPQRST"


def _position(index: int, per_quadrant: int) -> tuple[int, int]:
    """(quadrant index 0–3, position from midline) for the index-th tooth in Universal order.

    Universal numbering runs UR distal→mesial, UL mesial→distal, LL distal→mesial, LR
    mesial→distal, so positions count down in quadrants 0 and 2 and up in 1 and 3.
    """
    q, k = divmod(index, per_quadrant)
    return q, (per_quadrant - k if q in (0, 2) else k + 1)


def _build() -> dict[str, ToothInfo]:
    teeth: dict[str, ToothInfo] = {}
    for n in range(1, 33):
        q, pos = _position(n - 1, 8)
        quad, arch, iso_q, _ = _QUADRANTS[q]
        cls = _PERMANENT_CLASS[pos]
        teeth[str(n)] = ToothInfo(
            tooth=str(n),
            arch=arch,
            quadrant=quad,
            region="anterior" if pos <= 3 else "posterior",
            tooth_class=cls,
            dentition="permanent",
            position=pos,
            base=str(n),
            iso=f"{iso_q}{pos}",
        )
    for i, letter in enumerate(PRIMARY_LETTERS):
        q, pos = _position(i, 5)
        quad, arch, _, iso_q = _QUADRANTS[q]
        teeth[letter] = ToothInfo(
            tooth=letter,
            arch=arch,
            quadrant=quad,
            region="anterior" if pos <= 3 else "posterior",
            tooth_class=_PRIMARY_CLASS[pos],
            dentition="primary",
            position=pos,
            base=letter,
            iso=f"{iso_q}{pos}",
        )
    extra: dict[str, ToothInfo] = {}
    for base, info in teeth.items():
        name = f"{int(base) + 50}" if base.isdigit() else f"{base}S"
        extra[name] = ToothInfo(
            tooth=name,
            arch=info.arch,
            quadrant=info.quadrant,
            region=info.region,
            tooth_class=info.tooth_class,
            dentition=info.dentition,
            position=info.position,
            supernumerary=True,
            base=base,
            iso=None,
        )
    teeth.update(extra)
    return teeth


TEETH: dict[str, ToothInfo] = _build()
"""Every valid Universal designation → its facts."""

_ISO_TO_UNIVERSAL: dict[str, str] = {
    info.iso: tooth for tooth, info in TEETH.items() if info.iso is not None
}

SECOND_MOLARS = frozenset({"2", "15", "18", "31", "A", "J", "K", "T"})
THIRD_MOLARS = frozenset({"1", "16", "17", "32"})


def normalise_tooth(value: object) -> str | None:
    """``30``, ``"#30"``, ``" a "`` → ``"30"``, ``"A"``; None for empty input."""
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip().upper().removeprefix("#").strip()
    return text or None


def is_valid_universal(tooth: object) -> bool:
    """True for 1–32, A–T, 51–82 and AS–TS exactly as written (no leading zeros)."""
    t = normalise_tooth(tooth)
    return t is not None and t in TEETH


def tooth_info(tooth: object) -> ToothInfo | None:
    """Facts about a Universal designation, or None when it is not one."""
    t = normalise_tooth(tooth)
    return TEETH.get(t) if t is not None else None


def is_supernumerary(tooth: object) -> bool:
    info = tooth_info(tooth)
    return info is not None and info.supernumerary


def region_of(tooth: object) -> Region | None:
    info = tooth_info(tooth)
    return info.region if info is not None else None


def is_valid_iso(value: object) -> bool:
    """True for two-digit ISO 3950 values that exist: quadrants 1–4 with positions 1–8,
    quadrants 5–8 with positions 1–5. Values ending in 0 or 9 (``19``, ``30``), primary
    positions 6–8 (``56``) and the Canadian supernumerary ``99`` are rejected."""
    t = normalise_tooth(value)
    return t is not None and t in _ISO_TO_UNIVERSAL


def iso_to_universal(value: object) -> str | None:
    """ISO 3950 → Universal (``46`` → ``30``, ``55`` → ``A``); None when impossible in ISO."""
    t = normalise_tooth(value)
    return _ISO_TO_UNIVERSAL.get(t) if t is not None else None


def universal_to_iso(tooth: object) -> str | None:
    """Universal → ISO 3950 (``3`` → ``16``, ``K`` → ``75``); None for supernumerary/invalid."""
    info = tooth_info(tooth)
    return info.iso if info is not None else None


# -- per-tooth tables for the checks' fast paths ------------------------------------------------

REGION_SURFACES: dict[str, frozenset[str]] = {
    tooth: frozenset("MDLOB" if info.region == "posterior" else "MDLIF")
    for tooth, info in TEETH.items()
}
"""Tooth → the surface letters that exist on it (M, D, L plus O, B back or I, F front)."""

SUPERNUMERARY: frozenset[str] = frozenset(t for t, info in TEETH.items() if info.supernumerary)
"""Supernumerary designations (51–82, AS–TS)."""
