"""Split a large X12 file into parts that ``--jobs`` workers read on their own.

A part begins at an ``ST`` segment that directly follows an ``SE`` (so no claim, HL or
transaction set is open across the cut). To read it exactly as a one-process run would, a
worker needs what the segments before the part left behind, which this module learns in one
pass over the file's bytes (no segment objects; a regular expression finds the terminators
followed by an envelope segment id, ``bytes.count`` does the rest):

* the interchange's delimiters (a part never starts after an ISA with other delimiters: the
  file is not cut after one);
* the physical line, column and segment ordinal of the ST (empty pieces such as ``~~`` are
  not segments, as in the tokenizer);
* the envelope state at the cut — open ISA/GS, their control numbers and positions, the
  count of groups and transaction sets so far — taken from the reader's own envelope
  handlers run on the envelope segments alone, so that a part reports GE01/IEA01 counts,
  control numbers and unclosed envelopes exactly as the whole-file reader does, in the one
  part that holds the trailer (or the end of the file).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from claimlint.x12.tokenizer import (
    ISA_LENGTH,
    Chunk,
    Delimiters,
    _starts_interchange,
    read_isa_header,
)

_BLOCK = 1 << 22

#: reader attributes that carry the envelope across transaction sets
ENVELOPE_STATE = (
    "in_isa",
    "isa13",
    "isa_ref",
    "gs_count",
    "in_gs",
    "gs06",
    "gs08",
    "gs_ref",
    "gs08_ref",
    "st_count",
)


@dataclass(frozen=True, slots=True)
class Resume:
    """What a reader of a part needs besides its bytes: delimiters, the 0-based column of the
    part's first character and the envelope state (reader attributes; SourceRefs without a
    file name, the reader fills in its own)."""

    delimiters: Delimiters
    column: int
    envelope: tuple[tuple[str, Any], ...]

    def __reduce__(self) -> tuple[type[Resume], tuple[Any, ...]]:
        # pickled through the constructor (--jobs sends it to workers): a mypyc-compiled frozen
        # dataclass cannot be unpickled field by field (setup.py, CLAIMLINT_MYPYC=1)
        return (type(self), tuple(getattr(self, f.name) for f in fields(self)))


@dataclass(frozen=True, slots=True)
class Cut:
    offset: int
    line: int
    segment: int
    resume: Resume

    def __reduce__(self) -> tuple[type[Cut], tuple[Any, ...]]:
        # pickled through the constructor (--jobs sends it to workers): a mypyc-compiled frozen
        # dataclass cannot be unpickled field by field (setup.py, CLAIMLINT_MYPYC=1)
        return (type(self), tuple(getattr(self, f.name) for f in fields(self)))


def _pattern(d: Delimiters) -> re.Pattern[bytes]:
    t = re.escape(d.segment.encode("latin-1"))
    e = re.escape(d.element.encode("latin-1"))
    return re.compile(
        t + rb"[\r\n]*(?:(ISA|(?:IEA|GS|GE|ST|SE)(?=" + e + b"|" + t + rb"|[\r\n]+" + t + b"))"
        rb"|(?=" + t + b"))"
    )


def find_cuts(path: Path, part_size: int) -> list[Cut]:
    """Where to cut ``path`` into parts of about ``part_size`` bytes (none when the file
    cannot be cut safely: no ISA at offset 0, a damaged first ISA, newline terminators)."""
    from claimlint.readers.x12.reader import _X12Reader  # the reader's envelope handlers

    with path.open("rb") as fh:
        head = fh.read(ISA_LENGTH)
        if len(head) < ISA_LENGTH or not head.startswith(b"ISA"):
            return []
        header = read_isa_header(head.decode("latin-1"))
        d = header.delimiters
        if d is None or header.problems or d.segment in "\r\n":
            return []
        term = d.segment
        tb = term.encode("latin-1")
        element = d.element
        pattern = _pattern(d)
        sim = _X12Reader("")
        sim.set_delimiters(d)
        handlers = {
            "ISA": sim.h_isa,
            "IEA": sim.h_iea,
            "GS": sim.h_gs,
            "GE": sim.h_ge,
            "ST": sim.h_st,
            "SE": sim.h_se,
        }
        cuts: list[Cut] = []
        target = part_size
        # the stream is read as if a terminator preceded the file (the first ISA then matches)
        buf = tb
        base = -1  # file offset of buf[0]
        ts = -1  # terminators before the counted position (the virtual one not counted)
        empties = 0
        newlines = 0
        last_nl = -1  # file offset of the last newline before the counted position
        lp = 0  # counted position in buf
        se_end = -2  # file offset of the terminator that ended the last SE
        fh.seek(0)
        eof = False
        while not eof:
            data = fh.read(_BLOCK)
            if not data:
                eof = True
            buf += data
            cut = buf.rfind(tb)
            if cut <= 0:
                continue
            for m in pattern.finditer(buf, 0, cut + 1):
                sid = m.group(1)
                if sid is None:
                    empties += 1
                    continue
                bp = m.start(1)
                ts += buf.count(tb, lp, bp)
                k = buf.count(b"\n", lp, bp)
                if k:
                    newlines += k
                    last_nl = base + buf.rfind(b"\n", lp, bp)
                lp = bp
                offset = base + bp
                be = buf.find(tb, bp)
                body = buf[bp:be].rstrip(b"\r\n").decode("latin-1")
                if sid == b"ISA" and offset != 0 and _starts_interchange(body, d):
                    return cuts  # the tokenizer re-reads a header here: no cut after it
                line = newlines + 1
                col = offset - last_nl - 1
                ordinal = ts - empties + 1
                if sid == b"ST" and se_end == base + m.start() and offset >= target:
                    envelope = tuple((name, getattr(sim, name, None)) for name in ENVELOPE_STATE)
                    cuts.append(Cut(offset, line, ordinal, Resume(d, col, envelope)))
                    target = offset + part_size
                e = body.split(element)
                sim.e = e
                sim.k = 0
                sim.pidx = None
                sim.first = ordinal
                sim.chunk = Chunk(body + term, 1, len(body) + 1, line, col, term)
                handlers[e[0]](e)
                sim.out.clear()
                if sid == b"SE":
                    se_end = base + be
            # keep the last terminator: the next block's matches start at it
            ts += buf.count(tb, lp, cut)
            k = buf.count(b"\n", lp, cut)
            if k:
                newlines += k
                last_nl = base + buf.rfind(b"\n", lp, cut)
            buf = buf[cut:]
            base += cut
            lp = 0
    return cuts
