"""Areas of the oral cavity as the JSON, XML and CSV readers read them (the 837D reader does the
same per SV304 component in ``readers/x12/lines.py``).

Each value is trimmed and upper-cased; a legacy letter code (``UR``, ``FM`` …) is converted to
its two-digit code with a CL708 note at the value; a value that is no area code at all is one
CL002 at the value and kept as written, so the area rules (CL701–CL706) see that the line has
an unreadable area and do not judge it again (the 837D reader keeps such a value the same way
after its CL117).
"""

from __future__ import annotations

from collections.abc import Callable

from claimlint.core.catalogue import LEGACY_AREA_CODE, SCHEMA_VIOLATION
from claimlint.core.findings import Finding
from claimlint.core.model import Claim, ServiceLine, SourceRef
from claimlint.dental.area import AREA_CODE_HINT, AREAS, normalise_area

#: the source position of area value ``k`` (0-based) of a line
Where = Callable[[ServiceLine, int], SourceRef]


def legacy_area_message(value: str, code: str, where: str = "") -> str:
    return (
        f"area of the oral cavity '{value}'{where} is a legacy letter code; it was read as {code} "
        f"({AREAS[code].name}). Send {code}: payers may reject the letter codes."
    )


def unknown_area_message(value: str, where: str = "") -> str:
    return (
        f"area of the oral cavity '{value[:12]}'{where} is not an area code ({AREA_CODE_HINT}); "
        "the line's area was not judged"
    )


def fix_areas(claim: Claim, where: Where) -> tuple[Claim, list[Finding]]:
    """The claim with its lines' area codes normalised, and the findings about them."""
    findings: list[Finding] = []
    lines: list[ServiceLine] | None = None
    for i, line in enumerate(claim.lines):
        values = line.oral_cavity
        if all(v in AREAS for v in values):
            continue
        fixed: list[str] = []
        for k, value in enumerate(values):
            code, legacy = normalise_area(value)
            fixed.append(code)
            if legacy:
                findings.append(
                    LEGACY_AREA_CODE.make(
                        "The " + legacy_area_message(value, code, f" on line {line.line_number}"),
                        ref=where(line, k),
                        claim_id=claim.claim_id,
                        line=line.line_number,
                    )
                )
            elif code not in AREAS:
                findings.append(
                    SCHEMA_VIOLATION.make(
                        "The " + unknown_area_message(value, f" on line {line.line_number}") + ".",
                        ref=where(line, k),
                        claim_id=claim.claim_id,
                        line=line.line_number,
                    )
                )
        if lines is None:
            lines = list(claim.lines)
        lines[i] = line.replace(oral_cavity=tuple(fixed))
    if lines is None:
        return claim, findings
    return claim.replace(lines=tuple(lines)), findings
