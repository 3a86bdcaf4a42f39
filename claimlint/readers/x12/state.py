"""The 837D reader's state: builders for the claim and line being read, the value parsers, and
``ReaderBase``, the reader's state and location helpers that every loop's handlers share.

The handlers themselves live one module per loop (``envelope``, ``parties``, ``claim``,
``lines``), each class extending the one before (``ReaderBase`` ← ``EnvelopeHandlers`` ←
``PartyHandlers`` ← ``ClaimHandlers`` ← ``LineHandlers``) — one chain, not mixins, because
mypyc compiles single inheritance only; ``reader._X12Reader`` builds its handler table on top.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from claimlint.core.catalogue import (
    SEGMENT_OUT_OF_ORDER,
    UNREADABLE_FILE,
    Rule,
)
from claimlint.core.findings import Finding, Severity
from claimlint.core.model import (
    Attachment,
    Claim,
    LazyRef,
    MissingTooth,
    Note,
    Person,
    Provider,
    ServiceLine,
    SourceRef,
    ToothEntry,
    parse_date,
    position,
)
from claimlint.readers._values import MAX_AMOUNT, MAX_AMOUNT_DIGITS
from claimlint.readers.base import ReadItem
from claimlint.x12.construct import constructor, positional
from claimlint.x12.hl import HlIndex
from claimlint.x12.positions import RefToken, SegRecord, Site, materialize
from claimlint.x12.tokenizer import CHUNK_SIZE, Chunk, Delimiters

new_ref = constructor(SourceRef)
new_claim = positional(Claim)
new_line = positional(ServiceLine)
new_tooth = positional(ToothEntry)
new_person = constructor(Person)
new_provider = constructor(Provider)
new_note = constructor(Note)
new_attachment = constructor(Attachment)
new_missing = constructor(MissingTooth)


def valid_segment_id(sid: str) -> bool:
    """A segment id: 2–3 upper-case letters or digits."""
    return (2 <= len(sid) <= 3 and sid.isascii() and sid.isalnum() and sid.isupper()) or (
        len(sid) in (2, 3) and sid.isascii() and sid.isdigit()
    )


def parse_amount(text: str) -> Decimal | None:
    """An X12 R (decimal) value: digits, one optional leading minus, one optional decimal
    point; nothing else (no exponent, ``_``, ``+``, blanks, NaN/Infinity, negative zero), and
    at most 99,999,999.99 (see ``claimlint.readers._values.MAX_AMOUNT``)."""
    if text.isdigit() and text.isascii() and len(text) <= 8:  # the common case: whole amount
        return Decimal(text)
    body = text[1:] if text[:1] == "-" else text
    digits = body.replace(".", "", 1)
    if not (digits.isdigit() and digits.isascii()) or len(digits) > MAX_AMOUNT_DIGITS:
        return None
    value = Decimal(text)
    if not value and body is not text:
        return None  # "-0": a minus on zero is not a value
    if abs(value) > MAX_AMOUNT:
        return None  # 28 digits is not money: read as missing, like any unreadable amount
    return value


def parse_dtp_date(fmt: str, text: str) -> Any:
    """DTP03 as a date (D8, or the start of an RD8 range); the raw text when it is invalid
    (kept so that CL112 reports an invalid date, not a missing one)."""
    if fmt == "RD8" and "-" in text:
        text = text.split("-", 1)[0]
    if not text:
        return None
    return (parse_date(text) if len(text) == 8 else None) or text


class LineBuilder:
    """A service line being read. Scalars default on the class; only containers are set."""

    code = ""
    qualifier: str | None = None
    charge: Decimal | None = None
    quantity = 1
    oral: tuple[str, ...] = ()
    date: Any = None
    prior: Any = None
    placement: str | None = None
    note: str | None = None
    control: str | None = None
    rank = 0
    sv3 = False

    def __init__(self, number: int, pos: SourceRef | LazyRef) -> None:
        self.number = number
        self.at = pos  # the line's position, built when somebody asks (``ref``)
        self.refs: dict[str, SourceRef | RefToken] = {}
        self.teeth: list[ToothEntry] = []

    @property
    def ref(self) -> SourceRef:
        at = self.at
        if at.__class__ is tuple:
            at = self.at = position(at)
        return at  # type: ignore[return-value]


class ClaimBuilder:
    """A claim being read. Scalars default on the class; only containers are set."""

    claim_id: str | None = None
    broken = False
    total: Decimal | None = None
    pos: str | None = None
    frequency: str | None = None
    original: str | None = None
    predetermination = False
    date: Any = None
    line: LineBuilder | None = None
    rendering: dict[str, Any] | None = None
    other_payer = False
    rank = 0
    billing: Provider | None = None
    subscriber: Person | None = None
    patient: Person | None = None
    patient_is_subscriber: bool | None = None
    payer_id: str | None = None
    payer_sequence: str | None = None
    plan_id: str | None = None
    sbr_ref: RefToken | None = None

    def __init__(self, pos: SourceRef | LazyRef) -> None:
        self.at = pos  # the claim's position, built when somebody asks (``ref``)
        self.refs: dict[str, SourceRef | RefToken] = {}
        self.findings: list[Finding] = []
        self.notes: list[Note] = []
        self.attachments: list[Attachment] = []
        self.missing: list[MissingTooth] = []
        self.lines: list[ServiceLine] = []

    @property
    def ref(self) -> SourceRef:
        at = self.at
        if at.__class__ is tuple:
            at = self.at = position(at)
        return at  # type: ignore[return-value]


class ReaderBase:
    """The reader's state and the helpers every loop's handlers use (positions, findings)."""

    #: the segment handlers by segment id (built by ``reader._X12Reader``); ``active`` is the
    #: table in use (``foreign_handlers`` inside a transaction set that is not 837D)
    handlers: dict[str, Callable[[list[str]], None]]
    foreign_handlers: dict[str, Callable[[list[str]], None]]
    active: dict[str, Callable[[list[str]], None]]

    def __init__(self, file: str, chunk_size: int = CHUNK_SIZE) -> None:
        self.file = file
        self.chunk_size = chunk_size
        self.out: list[ReadItem] = []
        self.delims: Delimiters | None = None
        self.comp = ":"
        self.element = "*"
        self.site = Site(file, self.comp)
        # current segment: elements, and where it is (batch chunk, piece indices, ordinals)
        self.e: list[str] = []
        self.k = 0
        self.chunk: Chunk | None = None
        self.pidx: list[int] | None = None
        self.first = 0
        # envelopes
        self.in_isa = False
        self.in_gs = False
        self.in_st = False
        self.isa13 = ""
        self.isa_ref: SourceRef | None = None
        self.gs_count = 0
        self.gs06 = ""
        self.gs08 = ""
        self.gs_ref: SourceRef | None = None
        self.st_count = 0
        self.st02 = ""
        self.st_ref: SourceRef | None = None
        self.st_ordinal = 0  # ordinal of the open ST: SE01 counts from there
        self.st_skipped = 0  # segments since ST that were not X12 segments (not counted)
        self.dental = True
        self.limits: dict[str, int] = {}  # valid segment id -> most elements allowed + 1
        self.claim: ClaimBuilder | None = None
        self._reset_transaction()

    # -- state -------------------------------------------------------------------------------

    def _reset_transaction(self) -> None:
        if getattr(self, "pending", None):
            self._release_pending(None)
        self.header_done = False
        self.repeated_header = False
        self.submitter = False
        self.receiver = False
        self.hl_ids = HlIndex()
        self.last_hl: tuple[str, str, RefToken] | None = None  # (id, HL04, ref)
        # findings inside a claim's hierarchy (an HL, a repeated BHT) wait for the next CLM
        # under that HL to get its claim id: (HL id or None for "the next claim", check,
        # message, ref, evidence); the HL path is the current chain of HL ids (20, 22, 23)
        self.pending: list[tuple[str | None, Rule, str, SourceRef, Any]] = []
        self.hl_path: list[str] = []
        self.cur_hl_broken = False
        self.cur_hl_id: str | None = None
        self.level = ""  # "", "20", "22", "23"
        self.entity = ""
        self.billing: dict[str, Any] = {}
        self.billing_refs: dict[str, SourceRef] = {}
        self.billing_obj: Provider | None = None
        self.sub: dict[str, Any] = {}
        self.sub_obj: Person | None = None
        self.pat: dict[str, Any] | None = None
        self.pat_obj: Person | None = None
        self.payer_id: str | None = None
        self.sbr01: str | None = None
        self.sbr02: str | None = None
        self.sbr03: str | None = None
        self.sbr_ref: RefToken | None = None

    # -- locations and findings ----------------------------------------------------------------

    @property
    def sid(self) -> str:
        return self.e[0]

    @property
    def ordinal(self) -> int:
        return self.first + self.k

    def seg(self) -> SegRecord:
        """The position record of the current segment (for lazy refs)."""
        k = self.k
        pidx = self.pidx
        return (self.site, self.chunk, pidx[k] if pidx is not None else k, self.first + k, self.e)  # type: ignore[return-value]

    def ref(self, field: str | None = None, element: int = 0, component: int = 0) -> SourceRef:
        """A SourceRef for the current segment, at element (and component) when given."""
        return materialize(self.seg(), field, element, component)

    def lazy_ref(self, field: str, element: int = 0) -> LazyRef:
        """The lazy position (see ``claimlint.core.model``) of an element of this segment."""
        return (materialize, self.seg(), field, element)

    def lazy(self, field: str, element: int = 0, component: int = 0) -> RefToken:
        """A ref token for the current segment: a SourceRef when somebody asks for it."""
        return (self.seg(), field, element, component)

    @staticmethod
    def _materialized(refs: dict[str, SourceRef | RefToken], key: str) -> SourceRef | None:
        value = refs.get(key)
        if value is not None and value.__class__ is tuple:
            value = refs[key] = materialize(*value)
        # a RefToken (a tuple) was materialized just above: what is left is a SourceRef or None
        return value  # type: ignore[return-value]

    def finding(
        self,
        check: Rule,
        message: str,
        *,
        ref: SourceRef | None = None,
        field: str | None = None,
        element: int = 0,
        component: int = 0,
        evidence: dict[str, Any] | None = None,
        severity: Severity | None = None,
        on_claim: bool = True,
    ) -> Finding:
        """Build a located finding; attach it to the open claim (or emit it directly)."""
        if ref is None:
            ref = self.ref(field, element, component)
        cb = self.claim if on_claim else None
        line_no = cb.line.number if cb is not None and cb.line is not None else None
        f = check.make(
            message,
            ref=ref,
            claim_id=cb.claim_id if cb is not None else None,
            line=line_no,
            field=ref.field,
            evidence=evidence,
            severity=severity,
        )
        if cb is not None:
            cb.findings.append(f)
        else:
            self.out.append(f)
        return f

    def _defer(
        self,
        hl: str | None,
        check: Rule,
        message: str,
        *,
        field: str | None = None,
        element: int = 0,
        evidence: dict[str, Any] | None = None,
    ) -> None:
        """A finding that belongs to the next claim under HL ``hl`` (the next claim when
        None); filed at file level if its hierarchy ends without a claim."""
        self.pending.append((hl, check, message, self.ref(field, element), evidence))

    def _release_pending(self, keep: list[str] | None) -> None:
        """File at file level the pending findings whose HL is not in ``keep`` (all of them
        when ``keep`` is None): their hierarchy ended without a claim."""
        held = []
        for item in self.pending:
            if keep is not None and (item[0] is None or item[0] in keep):
                held.append(item)
                continue
            _hl, check, message, ref, evidence = item
            self.out.append(check.make(message, ref=ref, field=ref.field, evidence=evidence))
        self.pending = held

    def _attach_pending(self, cb: ClaimBuilder) -> None:
        for _hl, check, message, ref, evidence in self.pending:
            cb.findings.append(
                check.make(
                    message, ref=ref, claim_id=cb.claim_id, field=ref.field, evidence=evidence
                )
            )
        self.pending = []

    # -- main loop -------------------------------------------------------------------------------

    def set_delimiters(self, delims: Delimiters) -> None:
        self.delims = delims
        self.comp = delims.component
        self.element = delims.element
        self.site = Site(self.file, self.comp)

    def _internal_error(self, exc: Exception) -> None:
        self.finding(
            UNREADABLE_FILE,
            f"the reader could not interpret this {self.sid} segment ({type(exc).__name__}); "
            "the claim it belongs to is reported as unparsable",
            evidence={"error": type(exc).__name__},
        )
        if self.claim is not None:
            self.claim.broken = True

    # -- claim ------------------------------------------------------------------------------------

    def _claim_rank(self, rank: int) -> None:
        cb = self.claim
        if cb is None:
            return
        if cb.line is not None:
            return
        if rank < cb.rank:
            self.finding(
                SEGMENT_OUT_OF_ORDER,
                f"{self.sid} is out of the 2300 claim loop's order (CLM, DTP, DN2, PWK, REF, "
                "NTE, HI, then the provider and other-payer loops)",
            )
        else:
            cb.rank = rank

    def _line_rank(self, rank: int) -> None:
        line = self.claim.line if self.claim is not None else None
        if line is None:
            return
        if rank < line.rank:
            self.finding(
                SEGMENT_OUT_OF_ORDER,
                f"{self.sid} comes after a segment that must follow it in the 2400 service "
                "line (order: LX, SV3, TOO, DTP, REF); move it up",
            )
        else:
            line.rank = rank

    # -- implemented by the loop handlers (see reader._X12Reader) ---------------------------

    def _flush_claim(self, incomplete: bool = False) -> None:
        raise NotImplementedError

    def _close_line_if_any(self) -> None:
        raise NotImplementedError

    def _check_pending_child(self, next_parent: str | None) -> None:
        raise NotImplementedError
