"""Tooth surface letters (DOMAIN.md §3, §5.7).

The ADA claim form and the X12 837D accept exactly seven letters: M, O, I, D, B, F, L. O and B
exist only on posterior teeth, I and F only on anterior teeth; M, D and L on every tooth. The
canonical writing order (Open Dental's) is M, O/I, D, B/F, L; order carries no meaning, so
comparisons use :func:`normalise`.

Contiguity (which surfaces touch) drives CL402: payers such as Regence combine two restorations
on one posterior tooth when their surfaces touch (MO + DO is processed as one MOD).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

SurfaceRegion = Literal["any", "anterior", "posterior"]

VALID: frozenset[str] = frozenset("MDOIBFL")
"""Surface letters valid on US claims."""

NAMES: dict[str, str] = {
    "M": "mesial",
    "O": "occlusal",
    "I": "incisal",
    "D": "distal",
    "B": "buccal",
    "F": "facial",
    "L": "lingual",
}

REGION: dict[str, SurfaceRegion] = {
    "M": "any",
    "D": "any",
    "L": "any",
    "O": "posterior",
    "B": "posterior",
    "I": "anterior",
    "F": "anterior",
}
"""Where each letter can exist."""

ORDER: dict[str, int] = {"M": 0, "O": 1, "I": 1, "D": 2, "B": 3, "F": 3, "L": 4}
"""Canonical position of each letter (M, O/I, D, B/F, L)."""

# Letters seen in practice-management exports that are not claim surfaces, and what they
# should become: per region where the answer depends on it (DOMAIN §3.1).
REMAP: dict[str, dict[str, str]] = {
    "V": {"posterior": "B", "anterior": "F"},  # Class V / cervical, stored by Open Dental
    "5": {"posterior": "B", "anterior": "F"},  # Canadian Class V
    "P": {"posterior": "L", "anterior": "L"},  # palatal is lingual on upper teeth
}

MAX_SURFACES = 5
"""A tooth has five surfaces; X12 TOO03 carries at most five components."""

# Surface pairs that meet on the tooth (share an edge or line angle). The occlusal/incisal
# surface touches every axial surface; neighbouring axial surfaces touch at a line angle.
# Opposite surfaces (M–D, B–L, F–L) do not touch.
_TOUCHING: tuple[tuple[str, str], ...] = (
    ("M", "O"),
    ("D", "O"),
    ("B", "O"),
    ("L", "O"),
    ("M", "B"),
    ("M", "L"),
    ("D", "B"),
    ("D", "L"),
    ("M", "I"),
    ("D", "I"),
    ("F", "I"),
    ("L", "I"),
    ("M", "F"),
    ("D", "F"),
)
ADJACENT: frozenset[frozenset[str]] = frozenset(frozenset(p) for p in _TOUCHING)
"""Unordered surface pairs that touch."""


def _clean_tuples() -> frozenset[tuple[str, ...]]:
    from itertools import permutations

    return frozenset(
        combo for n in range(MAX_SURFACES + 1) for combo in permutations(sorted(VALID), n)
    )


CLEAN: frozenset[tuple[str, ...]] = _clean_tuples()
"""Every surfaces tuple of distinct valid letters, at most five, in any order (3,620 tuples):
``entry.surfaces in CLEAN`` is the one-lookup test that the letters need no surface finding
(no invalid letter, no duplicate, not too many)."""


def letters(surfaces: Iterable[str] | str) -> tuple[str, ...]:
    """Upper-cased single letters, separators dropped (``"m,o d"`` → ``("M","O","D")``)."""
    if isinstance(surfaces, str):
        return tuple(c for c in surfaces.upper() if c.isalnum())
    return tuple(s.strip().upper() for s in surfaces if s and s.strip())


def normalise(surfaces: Iterable[str] | str) -> str:
    """Distinct letters in canonical order (``"DOM"`` → ``"MOD"``, ``"MOO"`` → ``"MO"``).

    Letters that are not claim surfaces are kept after the valid ones, in input order, so a
    message can still show what was written.
    """
    distinct = dict.fromkeys(letters(surfaces))
    valid = sorted((s for s in distinct if s in ORDER), key=ORDER.__getitem__)
    return "".join(valid) + "".join(s for s in distinct if s not in ORDER)


def union(*sets: Iterable[str] | str) -> str:
    """The canonical string of all surfaces of several restorations (MO ∪ DO → MOD)."""
    out: list[str] = []
    for s in sets:
        out.extend(letters(s))
    return normalise(out)


def distinct_count(surfaces: Iterable[str] | str) -> int:
    """Number of distinct letters as written (``MOD`` → 3, ``MOO`` → 2)."""
    return len(set(letters(surfaces)))


def duplicates(surfaces: Iterable[str] | str) -> list[str]:
    """Letters written more than once, in first-seen order (``MOOD`` → ``["O"]``)."""
    seen: set[str] = set()
    dup: dict[str, None] = {}
    for s in letters(surfaces):
        if s in seen:
            dup[s] = None
        seen.add(s)
    return list(dup)


def invalid(surfaces: Iterable[str] | str) -> list[str]:
    """Distinct letters that are not claim surfaces (``MOV`` → ``["V"]``)."""
    return [s for s in dict.fromkeys(letters(surfaces)) if s not in VALID]


def fits_region(surface: str, region: str) -> bool:
    """Can this (valid) surface exist on a tooth of that region?"""
    where = REGION.get(surface)
    return where is not None and where in ("any", region)


def remap_hint(surface: str, region: str | None) -> str | None:
    """The letter an invalid surface usually stands for on a tooth of ``region``."""
    table = REMAP.get(surface)
    if table is None:
        return None
    if region is None:
        return "/".join(dict.fromkeys(table.values()))
    return table.get(region)


def touch(a: str, b: str) -> bool:
    """Do two surfaces meet (M–O yes, M–D no)? A surface touches itself."""
    return a == b or frozenset((a, b)) in ADJACENT


def contiguous(first: Iterable[str] | str, second: Iterable[str] | str) -> bool:
    """Two restorations on one tooth are contiguous when they share a surface or a surface of
    one touches a surface of the other (MO + DO, MO + OB; not M + D, not B + L)."""
    a = {s for s in letters(first) if s in VALID}
    b = {s for s in letters(second) if s in VALID}
    if not a or not b:
        return False
    return any(touch(x, y) for x in a for y in b)


def shared(first: Iterable[str] | str, second: Iterable[str] | str) -> str:
    """Surfaces present in both, canonical order."""
    return normalise(set(letters(first)) & set(letters(second)))


__all__ = [
    "ADJACENT",
    "CLEAN",
    "MAX_SURFACES",
    "NAMES",
    "ORDER",
    "REGION",
    "REMAP",
    "VALID",
    "contiguous",
    "distinct_count",
    "duplicates",
    "fits_region",
    "invalid",
    "letters",
    "normalise",
    "remap_hint",
    "shared",
    "touch",
    "union",
]
