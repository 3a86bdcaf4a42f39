"""Prosthodontic and extraction code groups, and which teeth stand next to which (DOMAIN §8
CL307–CL309; DOMAIN-BREADTH §5, §6). Tables only: the checks in
``claimlint/checks/prosthetics.py`` and ``claimlint/checks/missing_teeth.py`` ask these sets.

Groups are code-number *ranges* (``D6205``–``D6254``), so a code of the range that the CDT table
(``claimlint.dental.cdt``) does not list yet still belongs to its group. Keyed by code number;
the names are our own (CDT descriptors are ADA-copyrighted).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from claimlint.dental.teeth import PRIMARY_LETTERS


def _ranges(*items: str) -> tuple[tuple[int, int], ...]:
    out: list[tuple[int, int]] = []
    for item in items:
        lo, _, hi = item.partition("-")
        out.append((int(lo[1:]), int((hi or lo)[1:])))
    return tuple(out)


class CodeGroup:
    """A set of CDT code numbers given as inclusive ranges (``"D6205-D6254"``) and single codes,
    minus ``exclude``. ``code in group`` answers for any ``D####`` string."""

    __slots__ = ("_cache", "exclude", "name", "ranges")

    def __init__(self, name: str, *items: str, exclude: Iterable[str] = ()) -> None:
        self.name = name
        self.ranges = _ranges(*items)
        self.exclude = frozenset(exclude)
        self._cache: dict[str, bool] = {}

    def __reduce__(self) -> tuple[Any, ...]:
        # payer profiles carry code groups to --jobs workers; a mypyc-compiled class pickles
        # only through __reduce__ (setup.py, CLAIMLINT_MYPYC=1)
        return (_code_group, (self.name, self.ranges, self.exclude))

    def __contains__(self, code: object) -> bool:
        if not isinstance(code, str):
            return False
        try:
            return self._cache[code]
        except KeyError:
            pass
        hit = False
        if len(code) == 5 and code[0] == "D" and code[1:].isdigit() and code not in self.exclude:
            number = int(code[1:])
            hit = any(lo <= number <= hi for lo, hi in self.ranges)
        if len(self._cache) < 4096:
            self._cache[code] = hit
        return hit

    def codes(self) -> frozenset[str]:
        """Every ``D####`` number of the group (what a line check ``applies_to``)."""
        return frozenset(
            code
            for lo, hi in self.ranges
            for n in range(lo, hi + 1)
            if (code := f"D{n:04d}") not in self.exclude
        )

    def __repr__(self) -> str:
        return f"CodeGroup({self.name!r})"


def _code_group(
    name: str, ranges: tuple[tuple[int, int], ...], exclude: frozenset[str]
) -> CodeGroup:
    """A CodeGroup rebuilt from its parts (unpickling)."""
    group = CodeGroup(name, exclude=exclude)
    group.ranges = ranges
    return group


#: single-tooth crowns (CL308: a crown next to a pontic is likely a retainer)
SINGLE_CROWN = CodeGroup("single crown", "D2710-D2799")
#: inlays and onlays
INLAY_ONLAY = CodeGroup("inlay/onlay", "D2510-D2664")
#: bridge pontics (the replaced, missing tooth)
PONTIC = CodeGroup("pontic", "D6205-D6254")
#: bridge retainers on a natural abutment tooth: inlay/onlay retainers and crown retainers
RETAINER = CodeGroup("retainer", "D6545-D6634", "D6710-D6794")
#: implant services (implants, implant-supported crowns, abutments and retainers): they stand
#: where a tooth is missing
IMPLANT = CodeGroup("implant", "D6000-D6199")
#: removable prosthodontics (dentures, partials, relines, repairs)
REMOVABLE = CodeGroup("removable prosthesis", "D5000-D5899")
#: complete and immediate dentures (one per arch)
COMPLETE_DENTURE = CodeGroup("complete denture", "D5110-D5140")
#: complete, immediate and partial dentures (the replacement window, CL933)
DENTURE = CodeGroup("denture", "D5110-D5140", "D5211-D5286")
#: removal of a tooth (coronal remnants, erupted, surgical, impactions, residual root)
EXTRACTION = CodeGroup("extraction", "D7111", "D7140", "D7210-D7250")

#: units that SV305 (initial/replacement) and a prior placement date describe: crowns,
#: inlays/onlays and bridge units (CL307)
PLACEMENT_GROUPS: tuple[CodeGroup, ...] = (SINGLE_CROWN, INLAY_ONLAY, PONTIC, RETAINER)

#: services that need the natural tooth to be there: sealants and other per-tooth preventive
#: care, restorations, crowns and endodontics (CL922, CL923). Extractions are judged by CL921
#: and CL922 apart; retainers by CL932; pontics, implants and dentures replace the tooth.
NATURAL_TOOTH = CodeGroup(
    "natural-tooth service", "D1351-D1354", "D2000-D2999", "D3000-D3999", exclude=("D3470",)
)
#: what an extraction on the same tooth and date makes pointless: restorations, crowns and
#: endodontics (CL924); D3470 (intentional reimplantation) includes the removal
RESTORE_OR_ENDO = CodeGroup(
    "restoration or endodontics", "D2000-D2999", "D3000-D3999", exclude=("D3470",)
)

#: group names a payer profile's ``replacement`` entry may use as ``families`` (CL933)
REPLACEMENT_FAMILIES: dict[str, CodeGroup] = {
    "single-crown": SINGLE_CROWN,
    "inlay-onlay": INLAY_ONLAY,
    "pontic": PONTIC,
    "retainer": RETAINER,
    "implant": IMPLANT,
    "denture": DENTURE,
    "complete-denture": COMPLETE_DENTURE,
}


def needs_placement(code: str) -> bool:
    """Crowns, inlays/onlays and bridge units: SV305 says initial or replacement (CL307)."""
    return any(code in group for group in PLACEMENT_GROUPS)


def is_bridge_unit(code: str) -> bool:
    return code in PONTIC or code in RETAINER


# -- which teeth stand next to which ---------------------------------------------------------


def _arch_rows() -> tuple[tuple[str, ...], ...]:
    """Each arch in mouth order: upper 1–16, lower 17–32, primary upper A–J, lower K–T."""
    letters = PRIMARY_LETTERS
    return (
        tuple(str(n) for n in range(1, 17)),
        tuple(str(n) for n in range(17, 33)),
        tuple(letters[:10]),
        tuple(letters[10:]),
    )


def _neighbours() -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for row in _arch_rows():
        for i, tooth in enumerate(row):
            out[tooth] = tuple(row[j] for j in (i - 1, i + 1) if 0 <= j < len(row))
    return out


ARCH_ROWS: tuple[tuple[str, ...], ...] = _arch_rows()
#: tooth → the teeth touching it in the same arch (8 and 9 touch; 16 and 17 do not)
NEIGHBOURS: dict[str, tuple[str, ...]] = _neighbours()
#: tooth → (arch row index, position in the row)
ARCH_POSITION: dict[str, tuple[int, int]] = {
    tooth: (r, i) for r, row in enumerate(ARCH_ROWS) for i, tooth in enumerate(row)
}


def runs(teeth: Iterable[str]) -> list[list[str]]:
    """Contiguous runs of the given teeth in mouth order (``["3", "4", "14"]`` →
    ``[["3", "4"], ["14"]]``); teeth not in a normal arch (supernumerary) are left out."""
    placed = sorted({ARCH_POSITION[t] for t in teeth if t in ARCH_POSITION})
    out: list[list[str]] = []
    last: tuple[int, int] | None = None
    for row, pos in placed:
        tooth = ARCH_ROWS[row][pos]
        if last is not None and last[0] == row and last[1] == pos - 1:
            out[-1].append(tooth)
        else:
            out.append([tooth])
        last = (row, pos)
    return out


def run_ends(run: list[str]) -> tuple[str, ...]:
    """The teeth just outside a run (its possible abutments), one or two."""
    row, first = ARCH_POSITION[run[0]]
    _, last = ARCH_POSITION[run[-1]]
    teeth = ARCH_ROWS[row]
    return tuple(teeth[i] for i in (first - 1, last + 1) if 0 <= i < len(teeth))
