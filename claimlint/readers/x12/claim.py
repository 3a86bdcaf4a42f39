"""Loop 2300, the claim: CLM and the claim-level DTP, DN1/DN2, PWK, CN1, NTE and HI segments, and
building the canonical Claim when the claim ends.
"""

from __future__ import annotations

from claimlint.core.catalogue import (
    ENVELOPE_NOT_CLOSED,
    HIERARCHY_ERROR,
    INVALID_ELEMENT_VALUE,
    REQUIRED_SEGMENT_MISSING,
    SECONDARY_WITHOUT_OTHER_PAYER,
    UNREADABLE_FILE,
)
from claimlint.readers.base import Unparsable
from claimlint.readers.x12.parties import PartyHandlers
from claimlint.readers.x12.state import (
    ClaimBuilder,
    new_attachment,
    new_claim,
    new_missing,
    new_note,
    new_person,
    new_provider,
    parse_amount,
    parse_dtp_date,
)
from claimlint.x12 import codes
from claimlint.x12.positions import LazyRefs, materialize


class ClaimHandlers(PartyHandlers):
    def h_clm(self, e: list[str]) -> None:
        self._flush_claim()
        seg = self.seg()
        cb = ClaimBuilder((materialize, seg, "CLM01", 1))
        self.claim = cb
        self.entity = "claim"
        n = len(e)
        cb.claim_id = e[1] if n > 1 and e[1] else None
        if self.pending:
            self._attach_pending(cb)
        refs = cb.refs
        refs.update(self.billing_refs)
        refs["claim_id"] = (seg, "CLM01", 1, 0)
        if cb.claim_id is None:
            self.finding(
                REQUIRED_SEGMENT_MISSING,
                "CLM01 (patient control number) is empty; the claim cannot be identified",
                field="CLM01",
                element=1,
            )
            cb.broken = True
        # hierarchy the claim hangs on
        if self.level not in ("22", "23"):
            self.finding(
                HIERARCHY_ERROR,
                "this claim is not inside a subscriber (level 22) or patient (level 23) HL loop",
            )
            cb.broken = True
        elif self.cur_hl_broken:
            self.finding(
                HIERARCHY_ERROR,
                f"this claim hangs under HL {self.cur_hl_id or '?'}, whose hierarchy is "
                "broken; it cannot be tied to a provider and subscriber",
            )
            cb.broken = True
        # total
        refs["total_charge"] = (seg, "CLM02", 2, 0)
        text = e[2] if n > 2 else ""
        if text:
            cb.total = parse_amount(text)
            if cb.total is None:
                self.finding(
                    INVALID_ELEMENT_VALUE,
                    "CLM02 (total claim charge) is not an X12 decimal number (digits, an "
                    "optional leading minus and decimal point, at most 99,999,999.99); it is "
                    "read as missing",
                    field="CLM02",
                    element=2,
                    evidence={"value": text},
                )
        # CLM05 place : qualifier : frequency
        c5 = e[5].split(self.comp) if n > 5 and e[5] else []
        cb.pos = c5[0] if c5 and c5[0] else None
        refs["place_of_service"] = (seg, "CLM05-1", 5, 1)
        refs["frequency_code"] = (seg, "CLM05-3", 5, 3)
        if not c5:
            self.finding(
                REQUIRED_SEGMENT_MISSING,
                "CLM05 (place of service : B : frequency) is empty",
                field="CLM05",
                element=5,
            )
        else:
            qual = c5[1] if len(c5) > 1 else ""
            if qual not in codes.FACILITY_QUALIFIERS:
                self.finding(
                    INVALID_ELEMENT_VALUE,
                    f"CLM05-2 is '{qual}' but must be B (place of service code qualifier)",
                    field="CLM05-2",
                    element=5,
                    component=2,
                    evidence={"value": qual},
                )
            cb.frequency = c5[2] if len(c5) > 2 and c5[2] else None
            if cb.frequency is None:
                self.finding(
                    REQUIRED_SEGMENT_MISSING,
                    "CLM05-3 (claim frequency code: 1 original, 7 replacement, 8 void) is empty",
                    field="CLM05-3",
                    element=5,
                    component=3,
                )
        # CLM07 assignment / plan participation
        c7 = e[7] if n > 7 else ""
        if not c7:
            self.finding(
                REQUIRED_SEGMENT_MISSING,
                "CLM07 (assignment or plan participation code, A/B/C) is empty",
                field="CLM07",
                element=min(7, n - 1),
            )
        elif c7 not in codes.ASSIGNMENT:
            self.finding(
                INVALID_ELEMENT_VALUE,
                f"CLM07 is '{c7}' but must be A, B or C (assignment or plan participation)",
                field="CLM07",
                element=7,
                evidence={"value": c7},
            )
        if n > 19 and e[19] == "PB":
            cb.predetermination = True
            refs["predetermination"] = (seg, "CLM19", 19, 0)
        # context from the hierarchy
        if self.billing_obj is None and self.billing:
            b = self.billing
            self.billing_obj = new_provider(
                npi=b.get("npi"),
                tax_id=b.get("tax_id"),
                name=b.get("name"),
                taxonomy=b.get("taxonomy"),
                address=b.get("address"),
                postal_code=b.get("postal_code"),
                ref=self.billing_refs.get("billing_provider.npi"),
            )
        cb.billing = self.billing_obj
        if self.sub_obj is None and self.sub:
            self.sub_obj = new_person(**self.sub)
        cb.subscriber = self.sub_obj
        if self.pat is not None and self.level == "23":
            if self.pat_obj is None:
                self.pat_obj = new_person(**self.pat)
            cb.patient = self.pat_obj
            cb.patient_is_subscriber = False
        else:
            cb.patient = self.sub_obj
            cb.patient_is_subscriber = True
        cb.payer_id = self.payer_id
        cb.payer_sequence = self.sbr01
        cb.plan_id = self.sbr03
        cb.sbr_ref = self.sbr_ref
        if self.sbr_ref is not None:
            refs["payer_sequence"] = self.sbr_ref

    def h_claim_seg(self, e: list[str]) -> None:
        cb = self.claim
        if cb is None or cb.line is not None:
            return
        self._claim_rank(codes.CLAIM_ORDER.get(self.sid, 0))

    def h_dtp(self, e: list[str]) -> None:
        cb = self.claim
        if cb is None:
            return
        n = len(e)
        q = e[1] if n > 1 else ""
        fmt = e[2] if n > 2 else ""
        value = e[3] if n > 3 else ""
        line = cb.line
        if line is not None:
            if line.rank > 3:
                self._line_rank(3)
            else:
                line.rank = 3
            if q == "472":
                line.date = parse_dtp_date(fmt, value)
                line.refs["date_of_service"] = self.lazy("DTP03", 3)
            elif q in ("441", "139"):
                line.prior = parse_dtp_date(fmt, value)
                line.refs["prior_placement_date"] = self.lazy("DTP03", 3)
            return
        if self.entity != "claim":
            return
        if cb.rank > 1:
            self._claim_rank(1)
        else:
            cb.rank = 1
        if q == "472":
            cb.date = parse_dtp_date(fmt, value)
            cb.refs["date_of_service"] = self.lazy("DTP03", 3)

    def h_dn2(self, e: list[str]) -> None:
        cb = self.claim
        if cb is None or cb.line is not None:
            return
        self._claim_rank(3)
        if len(e) > 1 and e[1]:
            cb.missing.append(
                new_missing(
                    tooth=e[1].strip().upper(),
                    status=e[2] if len(e) > 2 and e[2] else "M",
                    ref=self.ref("DN201", 1),
                )
            )

    def h_pwk(self, e: list[str]) -> None:
        cb = self.claim
        if cb is None:
            return
        if cb.line is not None:
            self._line_rank(6)
            return
        self._claim_rank(4)
        n = len(e)
        cb.attachments.append(
            new_attachment(
                type=e[1] if n > 1 and e[1] else None,
                transmission=e[2] if n > 2 and e[2] else None,
                control_number=e[6] if n > 6 and e[6] else None,
                ref=self.ref("PWK06" if n > 6 and e[6] else "PWK02", 6 if n > 6 else 2),
            )
        )

    def h_nte(self, e: list[str]) -> None:
        cb = self.claim
        if cb is None:
            return
        text = e[2] if len(e) > 2 else ""
        code = e[1] if len(e) > 1 and e[1] else None
        if cb.line is not None:
            self._line_rank(7)
            cb.line.note = text
            cb.line.refs["note"] = self.lazy("NTE02", 2)
            return
        self._claim_rank(8)
        cb.notes.append(new_note(text=text, code=code, ref=self.ref("NTE02", 2)))

    def _flush_claim(self, incomplete: bool = False) -> None:
        cb = self.claim
        if cb is None:
            return
        try:
            self._close_line_if_any()
        except Exception as exc:  # pragma: no cover - defensive
            self._internal_error(exc)
        self.claim = None
        if cb.payer_sequence in codes.SECONDARY_SEQUENCES and not cb.other_payer:
            cb.findings.append(
                SECONDARY_WITHOUT_OTHER_PAYER.make(
                    f"SBR01 is {cb.payer_sequence} (another payer pays first) but the claim has "
                    "no other-payer loop 2320/2330 (other subscriber SBR, NM1*IL, NM1*PR); add "
                    "the primary payer's information or send it as primary (SBR01 P)",
                    ref=materialize(*cb.sbr_ref) if cb.sbr_ref is not None else None,
                    claim_id=cb.claim_id,
                    field="SBR01",
                )
            )
        if incomplete:
            cb.broken = True
            cb.findings.append(
                ENVELOPE_NOT_CLOSED.make(
                    "this claim is cut off: its transaction set ends (or the file stops) before "
                    "the claim is complete, so it is not linted",
                    ref=cb.ref,
                    claim_id=cb.claim_id,
                    field="CLM01",
                )
            )
        if cb.broken:
            self.out.append(Unparsable(cb.claim_id, cb.findings))
            return
        try:
            claim = new_claim(
                claim_id=cb.claim_id,
                payer_id=cb.payer_id,
                plan_id=cb.plan_id,
                billing_provider=cb.billing,
                rendering_provider=(
                    new_provider(
                        npi=cb.rendering.get("npi"),
                        name=cb.rendering.get("name"),
                        taxonomy=cb.rendering.get("taxonomy"),
                        ref=self._materialized(cb.refs, "rendering_provider.npi"),
                    )
                    if cb.rendering is not None
                    else None
                ),
                subscriber=cb.subscriber,
                patient=cb.patient,
                patient_is_subscriber=cb.patient_is_subscriber,
                payer_sequence=cb.payer_sequence,
                date_of_service=cb.date,
                total_charge=cb.total,
                place_of_service=cb.pos,
                frequency_code=cb.frequency,
                original_claim_number=cb.original,
                predetermination=cb.predetermination,
                notes=tuple(cb.notes),
                attachments=tuple(cb.attachments),
                missing_teeth=tuple(cb.missing),
                lines=tuple(cb.lines),
                # the 837D has no element for the member's coverage dates, deductible met,
                # maximum used or waiting-period start (docs/inputs/x12.md)
                benefits=None,
                ref=cb.at,
                refs=LazyRefs(cb.refs),
            )
        except Exception as exc:  # pragma: no cover - defensive
            cb.findings.append(
                UNREADABLE_FILE.make(
                    f"the claim could not be built ({type(exc).__name__})",
                    ref=cb.ref,
                    claim_id=cb.claim_id,
                )
            )
            self.out.append(Unparsable(cb.claim_id, cb.findings))
            return
        self.out.extend(cb.findings)
        self.out.append(claim)
