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

from collections.abc import Iterator
from typing import Any

from claimlint.core.catalogue import (
    ENVELOPE_NOT_CLOSED,
    INVALID_CHARACTERS,
    ISA_MALFORMED,
    TOO_MANY_ELEMENTS,
    UNREADABLE_FILE,
    Rule,
)
from claimlint.core.model import (
    SourceRef,
)
from claimlint.readers.base import ReadItem, ReadOptions, Source
from claimlint.readers.x12.lines import LineHandlers
from claimlint.readers.x12.state import new_ref, valid_segment_id
from claimlint.x12 import codes
from claimlint.x12.tokenizer import CHUNK_SIZE, Batch, Delimiters, Problem, tokenize

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
                value = value.at(file=source.name)
            setattr(reader, name, value)
        start = (resume.delimiters, source.first_line, resume.column, source.first_segment - 1)
        yield from reader.run(fh, resume=start, final=source.end is None)


class _X12Reader(LineHandlers):
    """The 837D reader: every loop's handlers, dispatched through one table by segment id."""

    def __init__(self, file: str, chunk_size: int = CHUNK_SIZE) -> None:
        super().__init__(file, chunk_size)
        self.handlers = {
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
        self.foreign_handlers = {
            k: self.handlers[k] for k in ("ISA", "GS", "ST", "SE", "GE", "IEA")
        }
        self.foreign_handlers["CLM"] = self.h_foreign_clm
        self.active = self.handlers

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
                        if not valid_segment_id(sid):
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
        ref = new_ref(
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
