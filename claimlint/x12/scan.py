"""The envelope and claim facts an acknowledgment echoes, read from an 837D with the tokenizer.

``scan(fh, file)`` walks the segments once (streaming, no claim model) and returns the
interchanges of the file as :mod:`claimlint.core.ack` records: ISA sender/receiver and
control number, GS01–GS08, ST01–ST03 with the ST/SE segment ordinals, BHT03, the submitter
and receiver, the loop each stretch of segments is in (for IK303), and per claim CLM01, CLM02,
REF*D9 and the billing provider's NPI. Segment ordinals are numbered exactly as the 837D
reader numbers them (the tokenizer's), so a finding's ``segment_index`` falls in its
transaction set and claim.

Nothing here is PHI: no patient or subscriber names, member ids, dates or addresses are kept.
The acknowledgment formats ask for this (``--format 999``, ``--format 277ca``); a plain lint
never reads a file twice.
"""

from __future__ import annotations

from typing import BinaryIO

from claimlint.core.ack import AckClaim, AckGroup, AckInterchange, AckTransaction
from claimlint.x12.tokenizer import Batch, Delimiters, tokenize

#: (section, NM101) -> loop id of the 837D (005010X224A2); the section is the last loop opened
#: by HL, CLM, SBR (in a claim) or LX
NM1_LOOPS: dict[tuple[str, str], str] = {
    ("", "41"): "1000A",
    ("", "40"): "1000B",
    ("2000A", "85"): "2010AA",
    ("2000A", "87"): "2010AB",
    ("2000A", "PE"): "2010AC",
    ("2000B", "IL"): "2010BA",
    ("2000B", "PR"): "2010BB",
    ("2000C", "QC"): "2010CA",
    ("2300", "DN"): "2310A",
    ("2300", "P3"): "2310A",
    ("2300", "82"): "2310B",
    ("2300", "77"): "2310C",
    ("2300", "DD"): "2310D",
    ("2320", "IL"): "2330A",
    ("2320", "PR"): "2330B",
    ("2320", "DN"): "2330C",
    ("2320", "82"): "2330D",
    ("2320", "77"): "2330E",
    ("2320", "DD"): "2330F",
    ("2320", "85"): "2330G",
    ("2400", "82"): "2420A",
    ("2400", "DD"): "2420B",
    ("2400", "DQ"): "2420C",
    ("2400", "77"): "2420D",
}
#: HL03 -> loop id
HL_LOOPS = {"20": "2000A", "22": "2000B", "23": "2000C"}


def _el(e: list[str], i: int) -> str:
    return e[i].strip() if len(e) > i else ""


class _Scan:
    def __init__(self, file: str) -> None:
        self.file = file
        self.out: list[AckInterchange] = []
        self.isa: AckInterchange | None = None
        self.gs: AckGroup | None = None
        self.st: AckTransaction | None = None
        self.claim: AckClaim | None = None
        self.section = ""
        self.npi: str | None = None
        self.provider: str | None = None

    # -- envelopes -----------------------------------------------------------------------

    def interchange(self, ordinal: int) -> AckInterchange:
        if self.isa is None:  # segments before any ISA: an interchange without a header
            self.isa = AckInterchange(self.file, "", "", "", "", "", "P", ordinal)
            self.out.append(self.isa)
        return self.isa

    def group(self, ordinal: int) -> AckGroup:
        if self.gs is None:
            self.gs = AckGroup("", "", "", "", "", ordinal)
            self.interchange(ordinal).groups.append(self.gs)
        return self.gs

    def close_claim(self, ordinal: int) -> None:
        if self.claim is not None:
            self.claim.end = ordinal - 1
            self.claim = None

    def close_st(self, end: int) -> None:
        if self.st is not None:
            self.close_claim(end + 1)
            self.st.end = end
            self.st = None

    def close_gs(self, end: int) -> None:
        self.close_st(end)
        if self.gs is not None:
            self.gs.end = end
            self.gs = None

    def segment(self, ordinal: int, e: list[str]) -> None:
        sid = e[0]
        if sid == "ISA":
            self.close_gs(ordinal)
            self.isa = AckInterchange(
                self.file,
                _el(e, 5),
                _el(e, 6),
                _el(e, 7),
                _el(e, 8),
                _el(e, 13),
                _el(e, 15) or "P",
                ordinal,
            )
            self.out.append(self.isa)
        elif sid == "GS":
            self.close_gs(ordinal)
            self.gs = AckGroup(_el(e, 1), _el(e, 2), _el(e, 3), _el(e, 6), _el(e, 8), ordinal)
            self.interchange(ordinal).groups.append(self.gs)
        elif sid == "ST":
            self.close_st(ordinal)
            group = self.group(ordinal)
            self.st = AckTransaction(
                _el(e, 1), _el(e, 2), _el(e, 3) or group.gs08, ordinal, loops=[(ordinal, "")]
            )
            group.transactions.append(self.st)
            self.section = ""
            self.npi = self.provider = None
        elif sid == "SE":
            self.close_st(ordinal)
        elif sid == "GE":
            self.close_gs(ordinal)
        elif sid == "IEA":
            self.close_gs(ordinal)
            self.isa = None
        elif self.st is not None:
            self.body(ordinal, sid, e)

    # -- inside a transaction set ---------------------------------------------------------

    def body(self, ordinal: int, sid: str, e: list[str]) -> None:
        st = self.st
        assert st is not None
        loops = st.loops
        if sid == "BHT":
            st.bht03 = _el(e, 3)
        elif sid == "HL":
            self.close_claim(ordinal)
            self.section = HL_LOOPS.get(_el(e, 3), "2000")
            if self.section == "2000A":
                self.npi = self.provider = None
            loops.append((ordinal, self.section))
        elif sid == "NM1":
            qualifier = _el(e, 1)
            loop = NM1_LOOPS.get((self.section, qualifier))
            if loop is not None:
                loops.append((ordinal, loop))
            if self.section == "" and qualifier == "41":
                st.submitter_name, st.submitter_id = _el(e, 3), _el(e, 9)
            elif self.section == "" and qualifier == "40":
                st.receiver_name, st.receiver_id = _el(e, 3), _el(e, 9)
            elif self.section == "2000A" and qualifier == "85":
                # the billing provider is a practice or a dentist, not a patient
                self.provider, self.npi = _el(e, 3), _el(e, 9)
        elif sid == "CLM":
            self.close_claim(ordinal)
            self.section = "2300"
            loops.append((ordinal, "2300"))
            self.claim = AckClaim(
                _el(e, 1), _el(e, 2), ordinal, provider_npi=self.npi, provider_name=self.provider
            )
            st.claims.append(self.claim)
        elif sid == "SBR" and self.section in ("2300", "2320", "2400"):
            self.section = "2320"
            loops.append((ordinal, "2320"))
        elif sid == "LX" and self.claim is not None:
            self.section = "2400"
            loops.append((ordinal, "2400"))
        elif sid == "SVD" and self.section == "2400":
            loops.append((ordinal, "2430"))
        elif (
            sid == "REF" and _el(e, 1) == "D9" and self.claim is not None and loops[-1][1] == "2300"
        ):
            self.claim.ref_d9 = _el(e, 2)


def scan(fh: BinaryIO, file: str) -> list[AckInterchange]:
    """The interchanges of an 837D file (see the module docstring)."""
    state = _Scan(file)
    element = "*"
    last = 0
    for tok in tokenize(fh):
        if tok.__class__ is Batch:
            batch: Batch = tok
            for k, body in enumerate(batch.bodies):
                last = batch.first + k
                state.segment(last, body.split(element))
        elif isinstance(tok, Delimiters):
            element = tok.element
    state.close_gs(last + 1)
    return state.out
