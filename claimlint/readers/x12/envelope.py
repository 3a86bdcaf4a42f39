"""Interchange, functional group and transaction set envelopes (ISA/IEA, GS/GE, ST/SE) and the
beginning of hierarchical transaction (BHT): control numbers, counts and the 837D version.
"""

from __future__ import annotations

from claimlint.core.catalogue import (
    CONTROL_NUMBER_MISMATCH,
    ENVELOPE_NOT_CLOSED,
    NOT_DENTAL_CLAIM,
    SEGMENT_COUNT_MISMATCH,
    SEGMENT_OUT_OF_ORDER,
)
from claimlint.core.findings import Severity
from claimlint.readers.base import Unparsable
from claimlint.readers.x12.state import ReaderBase
from claimlint.x12 import codes


class EnvelopeHandlers(ReaderBase):
    # -- envelope ------------------------------------------------------------------------------

    def h_isa(self, e: list[str]) -> None:
        if self.in_st:
            self._unclosed_st("ISA")
        if self.in_gs:
            self.finding(
                ENVELOPE_NOT_CLOSED,
                f"functional group {self.gs06 or '?'} is not closed by GE before the next ISA",
                on_claim=False,
            )
            self.in_gs = False
        if self.in_isa:
            self.finding(
                ENVELOPE_NOT_CLOSED,
                f"interchange {self.isa13 or '?'} is not closed by IEA before the next ISA",
                on_claim=False,
            )
        self.in_isa = True
        self.isa13 = e[13].strip() if len(e) > 13 else ""
        self.isa_ref = self.ref("ISA13", 13)
        self.gs_count = 0

    def h_gs(self, e: list[str]) -> None:
        if self.in_st:
            self._unclosed_st("GS")
        if self.in_gs:
            self.finding(
                ENVELOPE_NOT_CLOSED,
                f"functional group {self.gs06 or '?'} is not closed by GE before the next GS",
                on_claim=False,
            )
        self.in_gs = True
        self.gs_count += 1
        self.gs06 = e[6] if len(e) > 6 else ""
        self.gs08 = e[8] if len(e) > 8 else ""
        self.gs_ref = self.ref("GS06", 6)
        self.st_count = 0
        self.gs08_ref = self.ref("GS08", 8)

    def _unclosed_st(self, by: str) -> None:
        if self.pending:
            self._release_pending(None)
        self.finding(
            ENVELOPE_NOT_CLOSED,
            f"transaction set {self.st02 or '?'} is not closed by SE before this {by}",
            on_claim=False,
        )
        self._flush_claim(incomplete=True)
        self.in_st = False

    def h_st(self, e: list[str]) -> None:
        if self.in_st:
            self._unclosed_st("ST")
        self.in_st = True
        self.st_ordinal = self.ordinal
        self.st_skipped = 0
        self.st_count += 1
        self.st02 = e[2] if len(e) > 2 else ""
        self.st_ref = self.ref("ST02", 2)
        self._reset_transaction()
        st01 = e[1] if len(e) > 1 else ""
        version = e[3] if len(e) > 3 and e[3] else self.gs08
        self.dental = True
        self.active = self.handlers
        if st01 != "837" or (
            version != codes.DENTAL_VERSION and version not in codes.TOLERATED_VERSIONS
        ):
            self.dental = False
            self.active = self.foreign_handlers
            self.finding(
                NOT_DENTAL_CLAIM,
                f"not an 837D 5010 dental claim (found {st01 or '?'} {version or 'no version'}); "
                f"expected 837 {codes.DENTAL_VERSION}. The claims in this transaction set are "
                "counted but not linted",
                field="ST03" if len(e) > 3 and e[3] else "ST01",
                element=3 if len(e) > 3 and e[3] else 1,
                evidence={"transaction": st01, "version": version},
                on_claim=False,
            )
        elif version != codes.DENTAL_VERSION:
            self.finding(
                NOT_DENTAL_CLAIM,
                f"version {version} is not the adopted {codes.DENTAL_VERSION}; many payers "
                "reject it. The claims were read as 837D",
                field="ST03",
                element=3,
                severity=Severity.WARNING,
                evidence={"version": version},
                on_claim=False,
            )
        if self.gs08 and len(e) > 3 and e[3] and e[3] != self.gs08:
            self.finding(
                NOT_DENTAL_CLAIM,
                f"GS08 says {self.gs08} but ST03 says {e[3]}; both must be {codes.DENTAL_VERSION}",
                ref=self.gs08_ref,
                on_claim=False,
            )

    def h_se(self, e: list[str]) -> None:
        if not self.in_st:
            self.finding(ENVELOPE_NOT_CLOSED, "SE without a matching ST", on_claim=False)
            return
        self._check_pending_child(None)
        self._flush_claim()
        if self.pending:
            self._release_pending(None)
        count = e[1] if len(e) > 1 else ""
        seg_count = self.ordinal - self.st_ordinal + 1 - self.st_skipped
        if count != str(seg_count):
            self.finding(
                SEGMENT_COUNT_MISMATCH,
                f"SE01 says {count or 'nothing'} segments but transaction set {self.st02} has "
                f"{seg_count} (ST through SE)",
                field="SE01",
                element=1,
                evidence={"declared": count, "actual": seg_count},
                on_claim=False,
            )
        se02 = e[2] if len(e) > 2 else ""
        if se02 != self.st02:
            self.finding(
                CONTROL_NUMBER_MISMATCH,
                f"control number mismatch: ST02 {self.st02} ≠ SE02 {se02}",
                field="SE02",
                element=2,
                on_claim=False,
            )
        self.in_st = False
        self.dental = True
        self.active = self.handlers

    def h_ge(self, e: list[str]) -> None:
        if self.in_st:
            self._unclosed_st("GE")
        if not self.in_gs:
            self.finding(ENVELOPE_NOT_CLOSED, "GE without a matching GS", on_claim=False)
            return
        count = e[1] if len(e) > 1 else ""
        if count != str(self.st_count):
            self.finding(
                SEGMENT_COUNT_MISMATCH,
                f"GE01 says {count or 'nothing'} transaction sets but the group has "
                f"{self.st_count}",
                field="GE01",
                element=1,
                on_claim=False,
            )
        ge02 = e[2] if len(e) > 2 else ""
        if ge02 != self.gs06:
            self.finding(
                CONTROL_NUMBER_MISMATCH,
                f"control number mismatch: GS06 {self.gs06} ≠ GE02 {ge02}",
                field="GE02",
                element=2,
                on_claim=False,
            )
        self.in_gs = False

    def h_iea(self, e: list[str]) -> None:
        if self.in_st:
            self._unclosed_st("IEA")
        if self.in_gs:
            self.finding(
                ENVELOPE_NOT_CLOSED,
                f"functional group {self.gs06 or '?'} is not closed by GE before IEA",
                on_claim=False,
            )
            self.in_gs = False
        if not self.in_isa:
            self.finding(ENVELOPE_NOT_CLOSED, "IEA without a matching ISA", on_claim=False)
            return
        count = e[1] if len(e) > 1 else ""
        if count != str(self.gs_count):
            self.finding(
                SEGMENT_COUNT_MISMATCH,
                f"IEA01 says {count or 'nothing'} functional groups but the interchange has "
                f"{self.gs_count}",
                field="IEA01",
                element=1,
                on_claim=False,
            )
        iea02 = e[2].strip() if len(e) > 2 else ""
        if iea02 != self.isa13:
            self.finding(
                CONTROL_NUMBER_MISMATCH,
                f"control number mismatch: ISA13 {self.isa13} ≠ IEA02 {iea02}",
                field="IEA02",
                element=2,
                on_claim=False,
            )
        self.in_isa = False

    def h_foreign_clm(self, e: list[str]) -> None:
        # claims of a transaction set that is not 837D: counted, not linted
        self.out.append(Unparsable(e[1] if len(e) > 1 and e[1] else None, []))

    # -- header and hierarchy --------------------------------------------------------------------

    def h_bht(self, e: list[str]) -> None:
        if self.header_done:
            self._flush_claim()
            self._defer(
                None,
                SEGMENT_OUT_OF_ORDER,
                "BHT appears again inside the transaction set: the header (BHT, submitter, "
                "receiver) belongs once at the top; start a new ST/SE for another batch",
            )
            self.repeated_header = True
            self.entity = "header"
