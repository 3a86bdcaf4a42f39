"""What a rule means in the X12 acknowledgments, and the envelope facts the acknowledgments echo.

A rule DECLARES how its findings appear in a 999 implementation acknowledgment (005010X231A1)
and in a 277CA claim acknowledgment (005010X214): a check class sets ``ack_999`` and
``status_277``, a reader-emitted rule sets them on its ``claimlint.core.catalogue`` entry.
A rule without a declaration gets the default for its scope (:func:`ack_999_for`,
:func:`status_277_for`); no code anywhere branches on rule codes. ``docs/acknowledgments.md``
shows the resulting table, generated from this metadata by ``docs/hooks/ack_table.py``.

Code values (public sources; the X12 TR3s themselves are licensed):

* IK304 segment, IK403 element, IK501/IK502 transaction set and AK901/AK905 group codes: the
  999 error code tables, e.g. https://support.edifabric.com/hc/en-us/articles/360000367172
  and https://eclaims.com/articles/997-acknowledgment-error-codes (the 997 codes the 999
  keeps), and IBM Sterling's IK304/IK403 pages (the implementation "I" codes).
* 277CA: X12 RFI 1942 (STC01-1 limited to the "A" acknowledgment categories in a batch 277CA)
  and RFI 2203 (STC03 WQ accept / U reject; A3, A6, A7, A8 mean rejected; no "accepted with
  warnings"), https://x12.org/resources/requests-for-interpretation/ ; status codes from the
  Claim Status Code list (external code source 508): 19 entity acknowledges receipt, 20
  accepted for processing, 21 missing or invalid information, 78 duplicate of an existing
  claim/line awaiting processing, 178 submitted charges, 187 date(s) of service, 400 claim is
  out of balance, 454 procedure code for services rendered, 562 entity's NPI; entity
  identifier codes (98): 85 billing provider, QC patient.

This module holds data only; the X12 text is written by ``claimlint.report.formatters``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# -- declarations -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ack999:
    """How a finding shows in a 999.

    ``segment``: the IK304 code of a finding on a segment of a transaction set (used when the
    finding names no element, or ``element`` is None); ``element``: the IK403 code when the
    finding names an element (the IK3 then says ``8``, segment has data element errors);
    ``transaction``: the IK502 code it contributes when its transaction set is not accepted
    as is; ``group``: the AK905 code when the finding is on the GS/GE envelope.
    A finding on ISA/IEA belongs in a TA1 interchange acknowledgment, not in a 999.
    """

    segment: str | None = "8"
    element: str | None = None
    transaction: str = "I5"
    group: str | None = None


@dataclass(frozen=True, slots=True)
class Status277:
    """How a finding shows in a 277CA claim-level STC: category (STC01-1, an "A" code),
    status (STC01-2) and entity (STC01-3, only when the status is about an entity)."""

    category: str = "A7"
    status: str = "21"
    entity: str | None = None

    def composite(self, sep: str = ":") -> str:
        parts = [self.category, self.status] + ([self.entity] if self.entity else [])
        return sep.join(parts)


#: a finding about the file's syntax or the implementation guide, when its rule says nothing
DEFAULT_999 = Ack999(segment="8", element="7", transaction="I5")
#: a claim that is rejected for a rule that says nothing: invalid information (A7), status 21
DEFAULT_277 = Status277("A7", "21")
#: an accepted claim: acknowledgment / acceptance into adjudication, accepted for processing
ACCEPTED_277 = Status277("A2", "20")


def ack_999_for(rule: Any) -> Ack999 | None:
    """The 999 meaning of a rule (a check class or a catalogue entry): its declaration, else
    the default of reader-emitted rules (scope ``source``); business rules (line, claim, batch
    scope) are not 999 errors: they are the 277CA's."""
    declared = getattr(rule, "ack_999", None)
    if declared is not None:
        return declared  # type: ignore[no-any-return]
    scope = getattr(rule, "scope", None)
    return DEFAULT_999 if str(getattr(scope, "value", scope) or "source") == "source" else None


def status_277_for(rule: Any) -> Status277:
    """The 277CA status of a claim rejected for a finding of ``rule``: its declaration, else
    A7:21 (rejected for invalid information; missing information is declared where a rule
    is about it)."""
    declared = getattr(rule, "status_277", None)
    return declared if declared is not None else DEFAULT_277


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
