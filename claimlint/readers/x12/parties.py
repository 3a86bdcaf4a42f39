"""The hierarchy and its parties: HL loops 2000A (billing provider), 2000B (subscriber) and
2000C (patient), and their NM1/N3/N4/DMG/PRV/REF/SBR/PAT segments.
"""

from __future__ import annotations

from typing import Any

from claimlint.core.catalogue import (
    HIERARCHY_ERROR,
    INVALID_ELEMENT_VALUE,
    REQUIRED_SEGMENT_MISSING,
    SEGMENT_OUT_OF_ORDER,
)
from claimlint.readers.x12.envelope import EnvelopeHandlers
from claimlint.readers.x12.state import parse_dtp_date
from claimlint.x12 import codes
from claimlint.x12.positions import materialize


class PartyHandlers(EnvelopeHandlers):
    def _hl_problem(self, hid: str, detail: str, element: int) -> None:
        self._defer(
            hid,
            HIERARCHY_ERROR,
            f"hierarchy error at HL {hid or '?'}: {detail}",
            field=f"HL{element:02d}",
            element=element,
        )

    def h_hl(self, e: list[str]) -> None:
        if self.claim is not None:
            self._flush_claim()
        hid = e[1] if len(e) > 1 else ""
        parent = e[2] if len(e) > 2 else ""
        level = e[3] if len(e) > 3 else ""
        child = e[4] if len(e) > 4 else ""
        if not self.header_done:
            self.header_done = True
            if not self.submitter:
                self.finding(
                    REQUIRED_SEGMENT_MISSING,
                    "the submitter loop 1000A (NM1*41) is missing before the first HL",
                    on_claim=False,
                )
            if not self.receiver:
                self.finding(
                    REQUIRED_SEGMENT_MISSING,
                    "the receiver loop 1000B (NM1*40) is missing before the first HL",
                    on_claim=False,
                )
        self.repeated_header = False
        self._check_pending_child(parent)
        path = self.hl_path
        if parent and parent in path:
            del path[path.index(parent) + 1 :]
        else:
            path.clear()
        path.append(hid)
        if self.pending:
            self._release_pending(path)

        broken = False
        hl_ids = self.hl_ids
        if not hid:
            self._hl_problem(hid, "HL01 (the HL id) is empty", 1)
            broken = True
        elif hl_ids.get(hid) is not None:
            self._hl_problem(
                hid, f"HL id {hid} is already used in this transaction set; ids must be unique", 1
            )
        if level == "20":
            if parent:
                self._hl_problem(hid, "a billing provider HL (level 20) must not have a parent", 2)
        elif level in ("22", "23"):
            expected = "20" if level == "22" else "22"
            up = hl_ids.get(parent) if parent else None
            if up is None:
                self._hl_problem(hid, f"parent HL {parent or '(empty)'} does not exist", 2)
                broken = True
            elif up[0] != expected:
                self._hl_problem(
                    hid,
                    f"a level {level} HL must be the child of a level {expected} HL, "
                    f"not of level {up[0]}",
                    2,
                )
                broken = True
            else:
                broken = up[1]
            if level == "23" and self.sbr02 == "18":
                self._hl_problem(
                    hid,
                    "a patient loop 2000C is present although SBR02 is 18 (the patient is "
                    "the subscriber)",
                    3,
                )
        else:
            self._hl_problem(hid, f"level code {level or '(empty)'} is not 20, 22 or 23", 3)
            broken = True
        if hid:
            hl_ids.add(hid, level, broken)
        self.last_hl = (hid, child, self.lazy("HL04", 4))
        self.cur_hl_broken = broken
        self.cur_hl_id = hid
        self.level = level
        if level == "20":
            self.entity = "billing"
            self.billing = {}
            self.billing_refs = {}
            self.billing_obj = None
        elif level == "22":
            self.entity = "subscriber"
            self.sub = {}
            self.sub_obj = None
            self.pat = None
            self.pat_obj = None
            self.payer_id = None
            self.sbr01 = self.sbr02 = self.sbr03 = None
            self.sbr_ref = None
        elif level == "23":
            self.entity = "patient"
            self.pat = {}
            self.pat_obj = None

    def _check_pending_child(self, next_parent: str | None) -> None:
        last = self.last_hl
        if last is None:
            return
        hid, child, token = last
        if child == "1" and next_parent != hid:
            ref = materialize(*token)
            self.finding(
                HIERARCHY_ERROR,
                f"hierarchy error at HL {hid}: HL04 is 1 (a child follows) but no child HL "
                "follows it",
                ref=ref,
                on_claim=False,
            )
        elif child == "0" and next_parent is not None and next_parent == hid:
            ref = materialize(*token)
            self.finding(
                HIERARCHY_ERROR,
                f"hierarchy error at HL {hid}: HL04 is 0 (no child) but the next HL is its child",
                ref=ref,
                on_claim=False,
            )
        self.last_hl = None

    # -- names, addresses, references -------------------------------------------------------------

    def h_nm1(self, e: list[str]) -> None:
        ent = e[1] if len(e) > 1 else ""
        cb = self.claim
        n = len(e)
        if ent == "41" or ent == "40":
            if self.header_done and not self.repeated_header:
                self.finding(
                    SEGMENT_OUT_OF_ORDER,
                    f"NM1*{ent} ({'submitter' if ent == '41' else 'receiver'}) belongs in the "
                    "header, before the first HL",
                    on_claim=False,
                )
            if ent == "41":
                self.submitter = True
            else:
                self.receiver = True
            self.entity = "header"
            return
        if cb is not None:
            if cb.line is not None:
                self._line_rank(10)
                self.entity = "line-provider"
                return
            self._claim_rank(11 if ent not in ("IL", "PR") or not cb.other_payer else 12)
            if ent == "82":
                npi, field, element, problem = self._npi(e)
                cb.rendering = {"npi": npi, "name": e[3] if n > 3 and e[3] else None}
                cb.refs["rendering_provider.npi"] = self.lazy(field, element)
                self.entity = "rendering"
                if problem:
                    self.finding(
                        REQUIRED_SEGMENT_MISSING,
                        f"the rendering provider (2310B NM1*82) {problem}",
                        field=field,
                        element=element,
                    )
            elif ent in ("IL", "PR") and cb.other_payer:
                self.entity = "other"
            else:
                self.entity = "other"
            return
        if ent == "85":
            self.entity = "billing"
            b = self.billing
            b["name"] = e[3] if n > 3 else None
            self.billing_obj = None
            npi, field, element, problem = self._npi(e)
            b["npi"] = npi
            self.billing_refs["billing_provider.npi"] = self.ref(field, element)
            if problem:
                self.finding(
                    REQUIRED_SEGMENT_MISSING,
                    f"the billing provider (2010AA NM1*85) {problem}",
                    field=field,
                    element=element,
                )
        elif ent == "87":
            self.entity = "payto"
        elif ent == "IL":
            self.entity = "subscriber"
            s = self.sub
            s["last_name"] = e[3] if n > 3 and e[3] else None
            s["first_name"] = e[4] if n > 4 and e[4] else None
            s["member_id"] = e[9] if n > 9 and e[9] else None
            self.sub_obj = None
        elif ent == "PR":
            self.entity = "payer"
            self.payer_id = e[9] if n > 9 and e[9] else None
        elif ent == "QC":
            self.entity = "patient"
            if self.pat is None:
                self.pat = {}
            p = self.pat
            p["last_name"] = e[3] if n > 3 and e[3] else None
            p["first_name"] = e[4] if n > 4 and e[4] else None
            p["member_id"] = e[9] if n > 9 and e[9] else None
            self.pat_obj = None
        else:
            self.entity = "other"

    def _npi(self, e: list[str]) -> tuple[str | None, str, int, str | None]:
        """(npi, field, element, problem) of an NM1: NM108 XX with the NPI in NM109.

        When the elements are shifted left by one (XX in NM107, the number in NM108, as some
        generators write), the number is still taken so the NPI check can judge it.
        """
        n = len(e)
        if n > 9 and e[9] and e[8] == "XX":
            return e[9], "NM109", 9, None
        if n > 8 and e[7] == "XX" and e[8]:
            return (
                e[8],
                "NM108",
                8,
                "has its elements shifted left: XX is in NM107 and the NPI in NM108, so NM109 "
                "(the NPI) is empty",
            )
        return (
            None,
            "NM109",
            min(9, n - 1),
            "has no NPI: NM108 must be XX and NM109 the 10-digit NPI",
        )

    def _person(self) -> dict[str, Any] | None:
        if self.claim is not None:
            return None
        if self.entity == "subscriber":
            self.sub_obj = None
            return self.sub
        if self.entity == "patient" and self.pat is not None:
            self.pat_obj = None
            return self.pat
        return None

    def h_n3(self, e: list[str]) -> None:
        if self.claim is not None:
            self._claim_rank(11)
            return
        street = " ".join(x for x in e[1:3] if x)
        if self.entity == "billing":
            self.billing["address"] = street or None
            self.billing_refs["billing_provider.address"] = self.ref("N301", 1)
            self.billing_obj = None
            return
        person = self._person()
        if person is not None:
            person["address"] = street or None

    def h_n4(self, e: list[str]) -> None:
        if self.claim is not None:
            self._claim_rank(11)
            return
        n = len(e)
        postal = e[3] if n > 3 and e[3] else None
        if self.entity == "billing":
            self.billing["postal_code"] = postal
            self.billing_refs["billing_provider.postal_code"] = self.ref("N403", 3)
            self.billing_obj = None
            return
        person = self._person()
        if person is not None:
            parts = [person.get("address") or "", " ".join(x for x in e[1:4] if x)]
            person["address"] = ", ".join(p for p in parts if p) or None

    def h_dmg(self, e: list[str]) -> None:
        person = self._person()
        if person is None:
            return
        n = len(e)
        if n > 2 and e[2]:
            person["birth_date"] = parse_dtp_date(e[1], e[2])
        if n > 3 and e[3]:
            person["gender"] = e[3]

    def h_prv(self, e: list[str]) -> None:
        cb = self.claim
        taxonomy = e[3] if len(e) > 3 and e[3] else None
        if cb is not None:
            if cb.line is not None:
                self._line_rank(10)
            else:
                self._claim_rank(11)
                if self.entity == "rendering" and cb.rendering is not None:
                    cb.rendering["taxonomy"] = taxonomy
            return
        if self.level == "20":
            self.billing["taxonomy"] = taxonomy
            self.billing_obj = None

    def h_ref(self, e: list[str]) -> None:
        q = e[1] if len(e) > 1 else ""
        value = e[2] if len(e) > 2 and e[2] else None
        cb = self.claim
        if cb is None:
            if self.level == "20" and self.entity == "billing" and q == "EI":
                self.billing["tax_id"] = value
                self.billing_obj = None
            return
        line = cb.line
        if line is not None:
            self._line_rank(6)
            if q == "6R":
                line.control = value
                line.refs["control_number"] = self.lazy("REF02", 2)
            return
        self._claim_rank(7 if self.entity == "claim" else 11)
        if self.entity != "claim":
            return
        if q == "F8":
            cb.original = value
            cb.refs["original_claim_number"] = self.lazy("REF02", 2)

    def h_sbr(self, e: list[str]) -> None:
        cb = self.claim
        if cb is not None:
            # 2320 other subscriber information: the claim has its other-payer loop
            self._close_line_if_any()
            cb.rank = 12
            cb.other_payer = True
            self.entity = "other"
            return
        n = len(e)
        self.sbr01 = e[1] if n > 1 and e[1] else None
        self.sbr02 = e[2] if n > 2 and e[2] else None
        self.sbr03 = e[3] if n > 3 and e[3] else None
        self.sbr_ref = self.lazy("SBR01", 1)
        self.entity = "subscriber"
        if self.sbr01 not in codes.PAYER_SEQUENCE:
            self.finding(
                INVALID_ELEMENT_VALUE,
                f"SBR01 '{self.sbr01 or ''}' is not a payer responsibility code "
                "(P primary, S secondary, T tertiary, A–H, U)",
                field="SBR01",
                element=1,
                evidence={"value": self.sbr01},
            )
        if self.level == "22" and self.pat is not None:
            pass

    def h_pat(self, e: list[str]) -> None:
        if self.claim is not None:
            return
        self.entity = "patient"
        if self.pat is None:
            self.pat = {}

    def h_other(self, e: list[str]) -> None:
        cb = self.claim
        if cb is None:
            return
        if cb.line is not None:
            rank = codes.LINE_ORDER.get(self.sid)
            if rank is not None:
                self._line_rank(rank)
        elif self.sid in ("AMT",) and not cb.other_payer:
            self._claim_rank(6)
