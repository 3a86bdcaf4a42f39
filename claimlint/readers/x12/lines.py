"""Loop 2400, the service line and its teeth: LX, SV3 (procedure, charge, area, surfaces) and
TOO (tooth and surfaces).
"""

from __future__ import annotations

from claimlint.core.catalogue import (
    INVALID_ELEMENT_VALUE,
    LEGACY_AREA_CODE,
    REQUIRED_SEGMENT_MISSING,
)
from claimlint.dental.area import normalise_area
from claimlint.dental.teeth import iso_to_universal
from claimlint.readers._values import MAX_QUANTITY
from claimlint.readers.areas import legacy_area_message
from claimlint.readers.x12.claim import ClaimHandlers
from claimlint.readers.x12.state import LineBuilder, new_line, new_tooth, parse_amount
from claimlint.x12 import codes
from claimlint.x12.positions import LazyRefs, materialize


class LineHandlers(ClaimHandlers):
    # -- service lines -----------------------------------------------------------------------------

    def h_lx(self, e: list[str]) -> None:
        cb = self.claim
        if cb is None:
            return
        if cb.line is not None:
            self._close_line_if_any()
        text = e[1] if len(e) > 1 else ""
        ref = self.lazy_ref("LX01", 1)
        if text.isdigit() and text.isascii() and len(text) <= 6 and int(text) > 0:
            number = int(text)
        else:
            # at most 6 digits (X12 N0 1/6): a longer number is not a line number, and it
            # would not fit a 64-bit integer in the json/jsonl/sarif reports
            number = len(cb.lines) + 1
            shown = text if len(text) <= 12 else f"{text[:12]}…"
            self.finding(
                INVALID_ELEMENT_VALUE,
                f"LX01 '{shown}' is not a line number (1 to 999999); read as line {number}",
                field="LX01",
                element=1,
            )
        cb.line = LineBuilder(number, ref)

    def h_sv3(self, e: list[str]) -> None:
        cb = self.claim
        line = cb.line if cb is not None else None
        if line is None:
            return
        if line.rank > 1:
            self._line_rank(1)
        else:
            line.rank = 1
        line.sv3 = True
        n = len(e)
        refs = line.refs
        comp = self.comp
        c1 = e[1].split(comp) if n > 1 and e[1] else []
        line.qualifier = c1[0] if c1 and c1[0] else None
        line.code = c1[1].strip().upper() if len(c1) > 1 else ""
        seg = self.seg()
        refs["code"] = (seg, "SV301-2", 1, 2)
        refs["code_qualifier"] = (seg, "SV301-1", 1, 1)
        if len(c1) > 6 and c1[6]:
            line.note = c1[6]
            refs["note"] = (seg, "SV301-7", 1, 7)
        if not line.code:
            self.finding(
                REQUIRED_SEGMENT_MISSING,
                "SV301 has no procedure code (expected AD:D####)",
                field="SV301-2",
                element=1,
                component=2,
            )
        text = e[2] if n > 2 else ""
        refs["charge"] = (seg, "SV302", 2, 0)
        if text:
            line.charge = parse_amount(text)
            if line.charge is None:
                self.finding(
                    INVALID_ELEMENT_VALUE,
                    "SV302 (line charge) is not an X12 decimal number (digits, an optional leading "
                    "minus and decimal point, at most 99,999,999.99); it is read as missing",
                    field="SV302",
                    element=2,
                    evidence={"value": text},
                )
        else:
            self.finding(
                REQUIRED_SEGMENT_MISSING, "SV302 (line charge) is empty", field="SV302", element=2
            )
        if n > 4 and e[4]:
            oral = tuple(e[4].split(comp))
            refs["oral_cavity"] = (seg, "SV304", 4, 0)
            if not all(v in codes.ORAL_CAVITY for v in oral):
                oral = self._legacy_areas(oral)
            line.oral = oral
            for k, value in enumerate(oral, 1):
                if value not in codes.ORAL_CAVITY:
                    self.finding(
                        INVALID_ELEMENT_VALUE,
                        f"SV304 oral cavity code '{value}' is not valid; use 00 (whole mouth), "
                        "01/02 (arch), 10 UR, 20 UL, 30 LL, 40 LR quadrant",
                        field=f"SV304-{k}",
                        element=4,
                        component=k,
                        evidence={"value": value},
                    )
        if n > 5 and e[5]:
            refs["placement"] = (seg, "SV305", 5, 0)
            if e[5] in codes.PLACEMENT:
                line.placement = e[5]
            else:
                self.finding(
                    INVALID_ELEMENT_VALUE,
                    f"SV305 '{e[5]}' must be I (initial placement) or R (replacement)",
                    field="SV305",
                    element=5,
                    evidence={"value": e[5]},
                )
        if n > 6 and e[6]:
            refs["quantity"] = (seg, "SV306", 6, 0)
            q = e[6]
            if q.isdigit() and q.isascii() and len(q) <= 4:
                line.quantity = int(q)
            else:
                amount = parse_amount(q)
                if (
                    amount is not None
                    and 0 <= amount <= MAX_QUANTITY
                    and amount == amount.to_integral_value()
                ):
                    line.quantity = int(amount)
                else:
                    self.finding(
                        INVALID_ELEMENT_VALUE,
                        f"SV306 (procedure count) '{q[:12]}' is not a whole number from 0 to "
                        f"{MAX_QUANTITY}",
                        field="SV306",
                        element=6,
                    )
        if n > 7 and e[7] and line.note is None:
            line.note = e[7]
            refs["note"] = (seg, "SV307", 7, 0)

    def _legacy_areas(self, oral: tuple[str, ...]) -> tuple[str, ...]:
        """SV304 with legacy letter codes (UR, FM …) converted, one CL708 each."""
        out: list[str] = []
        for k, value in enumerate(oral, 1):
            code, legacy = normalise_area(value)
            if legacy:
                self.finding(
                    LEGACY_AREA_CODE,
                    f"SV304 {legacy_area_message(value, code)}",
                    field=f"SV304-{k}",
                    element=4,
                    component=k,
                )
                out.append(code)
            else:
                out.append(value)
        return tuple(out)

    def h_too(self, e: list[str]) -> None:
        cb = self.claim
        line = cb.line if cb is not None else None
        if line is None:
            return
        if line.rank > 2:
            self._line_rank(2)
        else:
            line.rank = 2
        n = len(e)
        qualifier = e[1] if n > 1 and e[1] else None
        tooth = e[2].strip().upper() if n > 2 and e[2] else None
        if n > 3 and e[3]:
            letters = e[3].replace(self.comp, "")
            if letters.isalnum():  # no blanks to trim around the components
                surfaces = tuple(letters.upper())
            else:
                surfaces = tuple(c for part in e[3].split(self.comp) for c in part.strip().upper())
        else:
            surfaces = ()
        seg = self.seg()
        tooth_ref = (materialize, seg, "TOO02", 2)
        surfaces_ref = (materialize, seg, "TOO03", 3) if surfaces else None
        if not line.teeth:
            refs = line.refs
            refs["tooth"] = (seg, "TOO02", 2, 0)
            if surfaces:
                refs["surfaces"] = (seg, "TOO03", 3, 0)
            refs["tooth_qualifier"] = (seg, "TOO01", 1, 0)
        system: str | None = None
        original: str | None = None
        if qualifier == codes.TOOTH_QUALIFIER:
            system = "universal"
        elif qualifier == codes.ISO_TOOTH_QUALIFIER and tooth:
            # ISO 3950 declared: convert to Universal, keep what was written (CL203, CL204)
            system = "iso"
            original = tooth
            tooth = iso_to_universal(tooth)
        line.teeth.append(
            new_tooth(
                tooth=tooth,
                surfaces=surfaces,
                system=system,
                original=original,
                qualifier=qualifier,
                ref=tooth_ref,
                surfaces_ref=surfaces_ref,
            )
        )

    def _close_line_if_any(self) -> None:
        cb = self.claim
        if cb is None or cb.line is None:
            return
        lb = cb.line
        if not lb.sv3:
            self.finding(
                REQUIRED_SEGMENT_MISSING,
                f"service line {lb.number} (LX) has no SV3 procedure segment",
                ref=lb.ref,
            )
            cb.broken = True
        cb.lines.append(
            new_line(
                line_number=lb.number,
                code=lb.code,
                code_qualifier=lb.qualifier,
                charge=lb.charge,
                quantity=lb.quantity,
                teeth=tuple(lb.teeth),
                oral_cavity=lb.oral,
                date_of_service=lb.date,
                prior_placement_date=lb.prior,
                placement=lb.placement,
                note=lb.note,
                control_number=lb.control,
                ref=lb.at,
                refs=LazyRefs(lb.refs),
            )
        )
        cb.line = None
