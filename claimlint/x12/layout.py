"""Where the segments of an X12 file are, in bytes, and how they nest: interchanges, groups,
transaction sets, HL loops and CLM loops.

``scan(fh)`` reads a file in blocks (memory grows with the number of loops, not with the
bytes) and returns an :class:`X12Layout`: for every transaction set its header (BHT up to the
first HL) and, in file order, its HL loops (an HL and the segments up to the next HL or CLM)
and its claims (a CLM and the segments up to the next CLM, HL or SE, i.e. the 2300 loop with
its 2400 lines). Each piece is a byte range of the file, terminator and line break included,
so a writer can copy it as written. Envelope segments (ISA, GS, ST, SE, GE, IEA) are kept as
their elements, to be rebuilt (``claimlint.x12.writer``).

Segments outside a transaction set other than the envelopes (junk between SE and GE) belong to
no loop and are not copied. Every CLM segment is one :class:`ClaimLoop`, in file order, as the
837D reader yields one claim per CLM: the split checks the two counts agree.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from claimlint.x12.tokenizer import ISA_LENGTH, Delimiters, read_isa_header

_BLOCK = 1 << 20
_NEWLINES = "\r\n"


class LayoutError(Exception):
    """The file's structure cannot be found (no ISA, unusable delimiters)."""


@dataclass(slots=True)
class Piece:
    """Segments copied as written: bytes ``[start, end)`` of the file, ``segments`` of them."""

    start: int
    end: int
    segments: int


@dataclass(slots=True)
class HlLoop:
    hl_id: str
    parent: str
    level: str
    piece: Piece
    #: the HL segment's elements (HL01 and HL02 are renumbered, HL04 recomputed)
    elements: list[str]
    #: the parent loop's index in the transaction set's ``body`` (the last HL before this
    #: one with the HL02 id; ids may repeat in a damaged file), None for none
    parent_at: int | None = None


@dataclass(slots=True)
class ClaimLoop:
    ordinal: int  # 0-based, in file order over all transaction sets
    claim_id: str
    hl_id: str | None  # the HL the claim sits under (None: no HL before it)
    piece: Piece
    hl_at: int | None = None  # that HL's index in the transaction set's ``body``


@dataclass(slots=True)
class TransactionSet:
    st: list[str]
    header: Piece | None = None
    #: HL loops and claims in file order
    body: list[HlLoop | ClaimLoop] = field(default_factory=list)


@dataclass(slots=True)
class Group:
    gs: list[str]
    sets: list[TransactionSet] = field(default_factory=list)


@dataclass(slots=True)
class Interchange:
    isa: list[str]
    delimiters: Delimiters
    newline: str  # what followed the ISA terminator ("", "\n" or "\r\n")
    groups: list[Group] = field(default_factory=list)


@dataclass(slots=True)
class X12Layout:
    interchanges: list[Interchange] = field(default_factory=list)
    claims: list[ClaimLoop] = field(default_factory=list)


def _segments(fh: BinaryIO) -> Iterator[tuple[list[str], int, int, Delimiters, str]]:
    """(elements, start, end, delimiters, newline) of each segment, ``end`` after its
    terminator and the line break that follows it. A last segment without a terminator is
    yielded with ``end`` at the end of the file."""
    buf = ""
    base = 0
    eof = False

    def fill() -> bool:
        nonlocal buf, eof
        if eof:
            return False
        data = fh.read(_BLOCK)
        if not data:
            eof = True
            return False
        buf += data.decode("latin-1")
        return True

    while len(buf) < 4096 and fill():
        pass
    lead = len(buf) - len(buf.lstrip(" \t\r\n\x00\ufeff\xef\xbb\xbf"))
    if not buf[lead:].startswith("ISA"):
        raise LayoutError("no ISA interchange header at the start of the file")
    pos = lead
    delims: Delimiters | None = None
    newline = ""
    while True:
        if pos > _BLOCK:  # drop what was read
            buf = buf[pos:]
            base += pos
            pos = 0
        while pos < len(buf) and buf[pos] in _NEWLINES:
            pos += 1
        while pos >= len(buf) - 1 and fill():
            pass
        if pos >= len(buf):
            return
        if buf.startswith("ISA", pos):
            while len(buf) - pos < ISA_LENGTH + 2 and fill():
                pass
            header = read_isa_header(buf[pos:])
            if header.delimiters is None:
                raise LayoutError("; ".join(header.problems))
            delims = header.delimiters
        if delims is None:
            raise LayoutError("no ISA interchange header at the start of the file")
        term = delims.segment
        idx = buf.find(term, pos)
        while idx < 0 and fill():
            idx = buf.find(term, pos)
        if idx < 0:
            body = buf[pos:].rstrip(" \t\r\n\x00\x1a")
            if body:
                yield body.split(delims.element), base + pos, base + len(buf), delims, newline
            return
        body = buf[pos:idx]
        end = idx + 1
        while end + 2 > len(buf) and fill():
            pass
        while end < len(buf) and buf[end] in _NEWLINES and term not in _NEWLINES:
            end += 1
        if body.startswith("ISA"):
            newline = buf[idx + 1 : end]
        if body:
            yield body.split(delims.element), base + pos, base + end, delims, newline
        pos = end


def scan(fh: BinaryIO) -> X12Layout:
    """The layout of the X12 file ``fh`` (opened in binary mode)."""
    out = X12Layout()
    isa: Interchange | None = None
    gs: Group | None = None
    st: TransactionSet | None = None
    cur: HlLoop | ClaimLoop | None = None  # the loop segments are being added to
    hl_id: str | None = None
    hl_at: int | None = None
    latest: dict[str, int] = {}  # HL id -> index of its last loop in the body
    header: Piece | None = None

    def close() -> None:
        nonlocal cur, header
        cur = None
        header = None

    for e, start, end, delims, newline in _segments(fh):
        sid = e[0]
        if sid == "ISA":
            close()
            st = None
            gs = None
            isa = Interchange(e, delims, newline)
            out.interchanges.append(isa)
        elif sid == "GS":
            close()
            st = None
            if isa is None:
                isa = Interchange([], delims, newline)
                out.interchanges.append(isa)
            gs = Group(e)
            isa.groups.append(gs)
        elif sid == "ST":
            close()
            if gs is None:
                if isa is None:
                    isa = Interchange([], delims, newline)
                    out.interchanges.append(isa)
                gs = Group([])
                isa.groups.append(gs)
            st = TransactionSet(e)
            gs.sets.append(st)
            hl_id = None
            hl_at = None
            latest = {}
        elif sid in ("SE", "GE", "IEA"):
            close()
            if sid == "SE":
                st = None
        elif st is None:
            continue  # outside a transaction set: belongs to no loop
        elif sid == "HL":
            hid = e[1] if len(e) > 1 else ""
            parent = e[2] if len(e) > 2 else ""
            level = e[3] if len(e) > 3 else ""
            cur = HlLoop(hid, parent, level, Piece(start, end, 1), e, latest.get(parent))
            hl_at = latest[hid] = len(st.body)
            st.body.append(cur)
            hl_id = hid
        elif sid == "CLM":
            cur = ClaimLoop(
                len(out.claims), e[1] if len(e) > 1 else "", hl_id, Piece(start, end, 1), hl_at
            )
            out.claims.append(cur)
            st.body.append(cur)
        elif cur is not None:
            cur.piece.end = end
            cur.piece.segments += 1
        elif st.header is None:
            header = st.header = Piece(start, end, 1)
        elif header is not None:
            header.end = end
            header.segments += 1
    return out
