"""The envelope facts the X12 acknowledgments echo (no PHI), and the verdict on each claim.

How a rule appears in a 999 or 277CA (``Ack999``, ``Status277``, the defaults, ``ack_999_for``,
``status_277_for``) is declared in ``claimlint.core.ackcodes`` and re-exported here; the rules
import it from there, so that ``claimlint check`` does not pay for the classes below.

This module holds data only; the X12 text is written by ``claimlint.report.formatters``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from claimlint.core.ackcodes import ACCEPTED_277 as ACCEPTED_277
from claimlint.core.ackcodes import DEFAULT_277 as DEFAULT_277
from claimlint.core.ackcodes import DEFAULT_999 as DEFAULT_999
from claimlint.core.ackcodes import Ack999 as Ack999
from claimlint.core.ackcodes import Status277 as Status277
from claimlint.core.ackcodes import ack_999_for as ack_999_for
from claimlint.core.ackcodes import status_277_for as status_277_for

# -- envelope facts (no PHI) ------------------------------------------------------------------


@dataclass(slots=True)
class AckClaim:
    """A claim as the 277CA needs it: CLM01 (the trace), CLM02 (the charge), the 837's REF*D9
    (clearinghouse trace) when present, the billing provider's NPI and organisation name, and
    the segment ordinals of its CLM and of the segment before the next claim's loop."""

    claim_id: str
    charge: str
    ordinal: int
    end: int = 0
    ref_d9: str | None = None
    provider_npi: str | None = None
    provider_name: str | None = None


@dataclass(slots=True)
class AckTransaction:
    """An ST/SE transaction set: ST01–ST03, the ST and SE segment ordinals, the BHT03 trace,
    submitter (NM1*41) and receiver (NM1*40) ids and names, the loop each segment range is in
    (``loops``: sorted (first ordinal, loop id)) and its claims."""

    st01: str
    st02: str
    st03: str
    ordinal: int
    end: int = 0
    bht03: str = ""
    submitter_id: str = ""
    submitter_name: str = ""
    receiver_id: str = ""
    receiver_name: str = ""
    loops: list[tuple[int, str]] = field(default_factory=list)
    claims: list[AckClaim] = field(default_factory=list)

    def loop_at(self, ordinal: int) -> str | None:
        from bisect import bisect_right

        i = bisect_right(self.loops, (ordinal, "\uffff")) - 1
        return self.loops[i][1] if i >= 0 else None


@dataclass(slots=True)
class AckGroup:
    """A GS/GE functional group: GS01–GS03, GS06, GS08, its ordinals, its transaction sets."""

    gs01: str
    gs02: str
    gs03: str
    gs06: str
    gs08: str
    ordinal: int
    end: int = 0
    transactions: list[AckTransaction] = field(default_factory=list)


@dataclass(slots=True)
class AckInterchange:
    """An ISA/IEA interchange of one file: the sender and receiver (ISA05–ISA08), ISA13, ISA15
    (test or production) and its groups."""

    file: str
    isa05: str
    isa06: str
    isa07: str
    isa08: str
    isa13: str
    isa15: str
    ordinal: int
    groups: list[AckGroup] = field(default_factory=list)


# -- verdicts: which claims and transaction sets a run rejects ---------------------------------

#: a claim rejected because its file (an envelope or transaction-set defect that is on no
#: claim) is rejected as a whole: A3 "returned as unprocessable claim, not entered into the
#: adjudication system", status 21 missing or invalid information
BATCH_REJECTED_277 = Status277("A3", "21")


@dataclass(frozen=True, slots=True)
class Placed:
    """Where a finding is, as the verdicts need it: its segment ordinal, its claim id, and
    whether it rejects (at or above ``--fail-on``)."""

    segment_index: int | None
    claim_id: str | None
    rejects: bool


@dataclass(slots=True)
class FileVerdict:
    """The verdict of one 837D file's acknowledgments (see :func:`file_verdict`).

    ``batch``: the rejecting findings (positions in the list given) located on no claim; they
    reject every claim of the file, as ``claimlint split`` holds every claim of the file for
    them. ``transactions``: of those, the ones inside each transaction set (``id(tx)``): that
    set is rejected (999 IK5 ``R``). ``claims``: the rejecting findings located on each claim
    (``id(claim)``)."""

    batch: list[int] = field(default_factory=list)
    transactions: dict[int, list[int]] = field(default_factory=dict)
    claims: dict[int, list[int]] = field(default_factory=dict)

    def transaction_rejected(self, tx: AckTransaction) -> bool:
        return bool(self.transactions.get(id(tx)))

    def claim_findings(self, claim: AckClaim) -> list[int]:
        return self.claims.get(id(claim), [])

    def claim_rejected(self, claim: AckClaim) -> bool:
        return bool(self.batch) or bool(self.claims.get(id(claim)))


def file_verdict(interchanges: list[AckInterchange], findings: list[Placed]) -> FileVerdict:
    """Which claims and transaction sets of one file the findings reject: the one rule the
    999 (IK5) and the 277CA (per claim) both follow, the same as ``claimlint split``'s.

    A rejecting finding is on the claim whose segments (CLM to the segment before the next
    claim's loop) hold it, whether or not it names a claim id (a CLM without CLM01 has none);
    else on every claim with its claim id; else on no claim: then it rejects the transaction
    set it is in and every claim of the file (a defect of the batch: the receiver cannot trust
    any of it)."""
    txs = [tx for i in interchanges for g in i.groups for tx in g.transactions]
    by_id: dict[str, list[AckClaim]] = {}
    for tx in txs:
        for claim in tx.claims:
            by_id.setdefault(claim.claim_id, []).append(claim)
    out = FileVerdict()
    for k, f in enumerate(findings):
        if not f.rejects:
            continue
        index = f.segment_index
        home: AckTransaction | None = None
        owners: list[AckClaim] = []
        if index is not None:
            home = next((t for t in txs if t.ordinal <= index <= (t.end or 10**12)), None)
        if home is not None and index is not None and index != home.end:  # not on SE
            span = next((c for c in home.claims if c.ordinal <= index <= (c.end or 10**12)), None)
            if span is not None and f.claim_id in (None, span.claim_id):
                owners = [span]
        if not owners and f.claim_id is not None:
            owners = by_id.get(f.claim_id, [])
        if owners:
            for claim in owners:
                out.claims.setdefault(id(claim), []).append(k)
            continue
        out.batch.append(k)
        if home is not None:
            out.transactions.setdefault(id(home), []).append(k)
    return out
