"""The X12 837D (005010X224A2) reader: a streaming segment state machine → canonical claims.

``read_x12(source, options)`` yields, in file order, envelope/structure findings (CL1xx,
``Scope.SOURCE``), and for each CLM either a :class:`~claimlint.core.model.Claim` (preceded by the
reader findings located on it) or an :class:`~claimlint.readers.base.Unparsable` carrying the
findings that say why it could not be built. Every CLM seen is yielded exactly once, so the
engine's counts add up.

Design notes
* Segments come from :mod:`claimlint.x12.tokenizer` (chunked reading, delimiters from ISA).
* Segment handlers are bound methods dispatched through a dict keyed by segment id; there is no
  regular expression per element and one small builder object per claim and per line.
* Models are built without validation (:mod:`claimlint.x12.construct`); the reader converts
  amounts to ``Decimal`` and dates to ``date`` (or keeps the raw text for CL112) itself.
* Each claim and line carries ``refs``: canonical field name → SourceRef naming the X12
  element (``CLM02``, ``SV301-2``, ``TOO03``…), the segment ordinal, physical line and column.
* PHI (names, member ids, birth dates, addresses) goes into ``Person`` fields only, never into
  a message; evidence holds codes and amounts, not PHI.
* A transaction set that is not 837D 5010 (an 837P, say) is one CL104 error; its claims are
  yielded as ``Unparsable`` (counted, not linted as dental).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from claimlint.core.catalogue import (
    CONTROL_NUMBER_MISMATCH,
    ENVELOPE_NOT_CLOSED,
    HIERARCHY_ERROR,
    INVALID_CHARACTERS,
    INVALID_ELEMENT_VALUE,
    ISA_MALFORMED,
    NOT_DENTAL_CLAIM,
    REQUIRED_SEGMENT_MISSING,
    SECONDARY_WITHOUT_OTHER_PAYER,
    SEGMENT_COUNT_MISMATCH,
    SEGMENT_OUT_OF_ORDER,
    TOO_MANY_ELEMENTS,
    UNREADABLE_FILE,
    Rule,
)
from claimlint.core.findings import Finding, Severity
from claimlint.core.model import (
    Attachment,
    Claim,
    MissingTooth,
    Note,
    Person,
    Provider,
    ServiceLine,
    SourceRef,
    ToothEntry,
    parse_date,
)
from claimlint.dental.teeth import iso_to_universal
from claimlint.readers._values import MAX_AMOUNT, MAX_AMOUNT_DIGITS, MAX_QUANTITY
from claimlint.readers.base import ReadItem, ReadOptions, Source, Unparsable
from claimlint.x12 import codes
from claimlint.x12.construct import constructor, positional
from claimlint.x12.hl import HlIndex
from claimlint.x12.positions import LazyRefs, RefToken, SegRecord, Site, materialize
from claimlint.x12.tokenizer import CHUNK_SIZE, Batch, Chunk, Delimiters, Problem, tokenize

_Ref = constructor(SourceRef)
_Claim = positional(Claim)
_Line = positional(ServiceLine)
_Tooth = positional(ToothEntry)
_Person = constructor(Person)
_Provider = constructor(Provider)
_Note = constructor(Note)
_Attachment = constructor(Attachment)
_Missing = constructor(MissingTooth)

_PROBLEM_CHECKS: dict[str, Rule] = {
    "no-isa": UNREADABLE_FILE,
    "isa": ISA_MALFORMED,
    "garbage": INVALID_CHARACTERS,
    "characters": INVALID_CHARACTERS,
    "truncated": ENVELOPE_NOT_CLOSED,
}


def read_x12(source: Source, options: ReadOptions) -> Iterator[ReadItem]:
    """Stream an 837D file: findings, claims and unparsable claims in file order."""
    chunk_size = (
        int(options.extra.get("x12_chunk_size", CHUNK_SIZE)) if options.extra else CHUNK_SIZE
    )
    try:
        fh = source.open()
    except OSError as exc:
        yield UNREADABLE_FILE.make(
            f"cannot open the file: {exc.strerror or type(exc).__name__}", file=source.name
        )
        return
    resume = getattr(source, "resume", None)
    with fh:
        reader = _X12Reader(source.name, chunk_size)
        if resume is None:
            yield from reader.run(fh, final=source.end is None)
            return
        # a part of a large file (--jobs): start at its ST with the interchange's delimiters
        # and the envelope state the segments before it left (claimlint/readers/x12/cuts.py)
        reader.set_delimiters(resume.delimiters)
        for name, value in resume.envelope:
            if isinstance(value, SourceRef):
                value = value.model_copy(update={"file": source.name})
            setattr(reader, name, value)
        start = (resume.delimiters, source.first_line, resume.column, source.first_segment - 1)
        yield from reader.run(fh, resume=start, final=source.end is None)


def _valid_id(sid: str) -> bool:
    """A segment id: 2–3 upper-case letters or digits."""
    return (2 <= len(sid) <= 3 and sid.isascii() and sid.isalnum() and sid.isupper()) or (
        len(sid) in (2, 3) and sid.isascii() and sid.isdigit()
    )


def _amount(text: str) -> Decimal | None:
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


def _date(fmt: str, text: str) -> Any:
    """DTP03 as a date (D8, or the start of an RD8 range); the raw text when it is invalid
    (kept so that CL112 reports an invalid date, not a missing one)."""
    if fmt == "RD8" and "-" in text:
        text = text.split("-", 1)[0]
    if not text:
        return None
    return (parse_date(text) if len(text) == 8 else None) or text


class _LineB:
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

    def __init__(self, number: int, ref: SourceRef) -> None:
        self.number = number
        self.ref = ref
        self.refs: dict[str, SourceRef | RefToken] = {}
        self.teeth: list[ToothEntry] = []


class _ClaimB:
    """A claim being read. Scalars default on the class; only containers are set."""

    claim_id: str | None = None
    broken = False
    total: Decimal | None = None
    pos: str | None = None
    frequency: str | None = None
    original: str | None = None
    predetermination = False
    date: Any = None
    line: _LineB | None = None
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

    def __init__(self, ref: SourceRef) -> None:
        self.ref = ref
        self.refs: dict[str, SourceRef | RefToken] = {}
        self.findings: list[Finding] = []
        self.notes: list[Note] = []
        self.attachments: list[Attachment] = []
        self.missing: list[MissingTooth] = []
        self.lines: list[ServiceLine] = []


class _X12Reader:
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
        self.claim: _ClaimB | None = None
        self._reset_transaction()
        self.handlers: dict[str, Callable[[list[str]], None]] = {
            "ISA": self.h_isa,
            "GS": self.h_gs,
            "ST": self.h_st,
            "SE": self.h_se,
            "GE": self.h_ge,
            "IEA": self.h_iea,
            "BHT": self.h_bht,
            "HL": self.h_hl,
            "NM1": self.h_nm1,
            "N3": self.h_n3,
            "N4": self.h_n4,
            "REF": self.h_ref,
            "PRV": self.h_prv,
            "PER": self.h_other,
            "SBR": self.h_sbr,
            "PAT": self.h_pat,
            "DMG": self.h_dmg,
            "CLM": self.h_clm,
            "DTP": self.h_dtp,
            "DN1": self.h_claim_seg,
            "DN2": self.h_dn2,
            "PWK": self.h_pwk,
            "CN1": self.h_claim_seg,
            "AMT": self.h_other,
            "NTE": self.h_nte,
            "HI": self.h_claim_seg,
            "OI": self.h_other,
            "CAS": self.h_other,
            "MOA": self.h_other,
            "LX": self.h_lx,
            "SV3": self.h_sv3,
            "TOO": self.h_too,
            "SVD": self.h_other,
            "QTY": self.h_other,
        }
        self.foreign_handlers: dict[str, Callable[[list[str]], None]] = {
            k: self.handlers[k] for k in ("ISA", "GS", "ST", "SE", "GE", "IEA")
        }
        self.foreign_handlers["CLM"] = self.h_foreign_clm
        self.active = self.handlers

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

    def lazy(self, field: str, element: int = 0, component: int = 0) -> RefToken:
        """A ref token for the current segment: a SourceRef when somebody asks for it."""
        return (self.seg(), field, element, component)

    @staticmethod
    def _materialized(refs: dict[str, SourceRef | RefToken], key: str) -> SourceRef | None:
        value = refs.get(key)
        if value is not None and value.__class__ is tuple:
            value = refs[key] = materialize(*value)
        return value  # type: ignore[return-value]  # `__class__ is tuple` does not narrow

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

    def _attach_pending(self, cb: _ClaimB) -> None:
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

    def run(
        self,
        fh: Any,
        resume: tuple[Delimiters, int, int, int] | None = None,
        final: bool = True,
    ) -> Iterator[ReadItem]:
        """Read ``fh``; ``final`` is False for a part of a file that continues elsewhere (its
        envelopes are closed, or found unclosed, by a later part)."""
        out = self.out
        limits = self.limits
        max_elements = codes.MAX_ELEMENTS
        for tok in tokenize(fh, chunk_size=self.chunk_size, resume=resume):
            cls = tok.__class__
            if cls is Batch:
                chunk, bodies, pidx, first = tok  # type: ignore[misc]
                self.chunk = chunk
                self.pidx = pidx
                self.first = first
                el = self.element
                k = -1
                for body in bodies:
                    k += 1
                    e = body.split(el)
                    sid = e[0]
                    self.e = e
                    self.k = k
                    limit = limits.get(sid)
                    if limit is None:
                        if not _valid_id(sid):
                            self.finding(
                                INVALID_CHARACTERS,
                                "this is not an X12 segment (its id is not 2–3 upper-case "
                                "letters or digits); it was skipped",
                                evidence={"segment_start": sid[:12]},
                            )
                            if self.in_st:
                                self.st_skipped += 1
                            if out:
                                yield from out
                                out.clear()
                            continue
                        limit = limits[sid] = max_elements.get(sid, 99) + 1
                    if len(e) > limit:
                        self._too_many(e, limit - 1)
                    handler = self.active.get(sid)
                    if handler is not None:
                        try:
                            handler(e)
                        except Exception as exc:  # never a traceback: locate it and go on
                            self._internal_error(exc)
                    if out:
                        yield from out
                        out.clear()
            elif cls is Problem:
                self._problem(tok)  # type: ignore[arg-type]
                if out:
                    yield from out
                    out.clear()
            else:
                self.set_delimiters(tok)  # type: ignore[arg-type]
        self._eof(final)
        if out:
            yield from out
            out.clear()

    def _too_many(self, e: list[str], limit: int) -> None:
        n = len(e) - 1
        while n > limit and not e[n]:
            n -= 1
        if n > limit:
            self.finding(
                TOO_MANY_ELEMENTS,
                f"{self.sid} has {n} elements but its definition allows {limit}; the extra "
                "values are probably shifted by a doubled separator",
                element=limit + 1,
                field=f"{self.sid}{limit + 1:02d}",
                evidence={"elements": n, "allowed": limit},
            )

    def _problem(self, p: Problem) -> None:
        check = _PROBLEM_CHECKS[p.kind]
        ref = _Ref(
            file=self.file,
            field=None,
            line=p.line,
            column=p.column,
            segment_index=p.index,
            segment_id=(p.evidence or {}).get("segment_id") or ("ISA" if p.kind == "isa" else None),
        )
        if p.kind == "truncated":
            f = self.finding(check, p.message, ref=ref)
            if self.claim is not None:
                self.claim.broken = True
            del f
            return
        if p.kind == "characters":
            self.finding(check, p.message, ref=ref, evidence=p.evidence)
            return
        self.finding(check, p.message, ref=ref, on_claim=False, evidence=p.evidence)

    def _internal_error(self, exc: Exception) -> None:
        self.finding(
            UNREADABLE_FILE,
            f"the reader could not interpret this {self.sid} segment ({type(exc).__name__}); "
            "the claim it belongs to is reported as unparsable",
            evidence={"error": type(exc).__name__},
        )
        if self.claim is not None:
            self.claim.broken = True

    def _eof(self, final: bool = True) -> None:
        if self.pending:
            self._release_pending(None)
        if not final and not self.in_st:
            return  # a part that ends between transaction sets: the next part goes on
        if self.in_st:
            self.finding(
                ENVELOPE_NOT_CLOSED,
                f"the file ends before SE closes transaction set {self.st02 or '?'}; the "
                "file is probably truncated",
                ref=self.st_ref,
                on_claim=False,
            )
            self._flush_claim(incomplete=True)
            self.in_st = False
        if self.in_gs:
            self.finding(
                ENVELOPE_NOT_CLOSED,
                f"functional group {self.gs06 or '?'} is not closed by GE",
                ref=self.gs_ref,
                on_claim=False,
            )
        if self.in_isa:
            self.finding(
                ENVELOPE_NOT_CLOSED,
                f"interchange {self.isa13 or '?'} is not closed by IEA",
                ref=self.isa_ref,
                on_claim=False,
            )

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
            person["birth_date"] = _date(e[1], e[2])
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

    def h_clm(self, e: list[str]) -> None:
        self._flush_claim()
        seg = self.seg()
        ref = materialize(seg, "CLM01", 1)
        cb = _ClaimB(ref)
        self.claim = cb
        self.entity = "claim"
        n = len(e)
        cb.claim_id = e[1] if n > 1 and e[1] else None
        if self.pending:
            self._attach_pending(cb)
        refs = cb.refs
        refs.update(self.billing_refs)
        refs["claim_id"] = ref
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
            cb.total = _amount(text)
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
            self.billing_obj = _Provider(
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
            self.sub_obj = _Person(**self.sub)
        cb.subscriber = self.sub_obj
        if self.pat is not None and self.level == "23":
            if self.pat_obj is None:
                self.pat_obj = _Person(**self.pat)
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
                line.date = _date(fmt, value)
                line.refs["date_of_service"] = self.lazy("DTP03", 3)
            elif q in ("441", "139"):
                line.prior = _date(fmt, value)
                line.refs["prior_placement_date"] = self.lazy("DTP03", 3)
            return
        if self.entity != "claim":
            return
        if cb.rank > 1:
            self._claim_rank(1)
        else:
            cb.rank = 1
        if q == "472":
            cb.date = _date(fmt, value)
            cb.refs["date_of_service"] = self.lazy("DTP03", 3)

    def h_dn2(self, e: list[str]) -> None:
        cb = self.claim
        if cb is None or cb.line is not None:
            return
        self._claim_rank(3)
        if len(e) > 1 and e[1]:
            cb.missing.append(
                _Missing(
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
            _Attachment(
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
        cb.notes.append(_Note(text=text, code=code, ref=self.ref("NTE02", 2)))

    # -- service lines -----------------------------------------------------------------------------

    def h_lx(self, e: list[str]) -> None:
        cb = self.claim
        if cb is None:
            return
        if cb.line is not None:
            self._close_line_if_any()
        text = e[1] if len(e) > 1 else ""
        ref = self.ref("LX01", 1)
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
        cb.line = _LineB(number, ref)

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
            line.charge = _amount(text)
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
            line.oral = oral
            refs["oral_cavity"] = (seg, "SV304", 4, 0)
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
                amount = _amount(q)
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
        tooth_ref = materialize(seg, "TOO02", 2)
        surfaces_ref = materialize(seg, "TOO03", 3) if surfaces else None
        if not line.teeth:
            refs = line.refs
            refs["tooth"] = tooth_ref
            if surfaces_ref is not None:
                refs["surfaces"] = surfaces_ref
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
            _Tooth(
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
            _Line(
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
                ref=lb.ref,
                refs=LazyRefs(lb.refs),
            )
        )
        cb.line = None

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
            claim = _Claim(
                claim_id=cb.claim_id,
                payer_id=cb.payer_id,
                plan_id=cb.plan_id,
                billing_provider=cb.billing,
                rendering_provider=(
                    _Provider(
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
                ref=cb.ref,
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
