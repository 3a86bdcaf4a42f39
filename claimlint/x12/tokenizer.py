"""A streaming X12 segment tokenizer.

The delimiters come from the ISA header's fixed positions (DOMAIN.md §4.1): element separator at
index 3, repetition separator (ISA11) at 82, component separator (ISA16) at 104 and segment
terminator at 105. Nothing is hard-coded, so files using non-printing delimiters read too.

The file is read in chunks (1 MB by default) and split on the segment terminator with
``str.split``; memory does not grow with the file. CR/LF after a terminator is skipped, and a
whole interchange on one physical line is fine. Several interchanges may follow each other; a
later ISA with different delimiters makes the tokenizer re-read its header.

Segments come in batches, one per split buffer: a :class:`Batch` holds the segment texts
(terminator and surrounding CR/LF removed; the reader splits them into elements), the 1-based
ordinal of the first one, and the :class:`Chunk` they were cut from. Physical line and column
are not computed per segment: :meth:`Chunk.position` finds them on demand (a reader asks only
for segments that end up in a finding), with exactly the numbers a per-segment count would
give. Problems with the byte stream itself are yielded as :class:`Problem` tuples in file
order, between batches; the reader turns them into located findings.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import Any, BinaryIO, NamedTuple

CHUNK_SIZE = 1 << 20
ISA_LENGTH = 106  # including the segment terminator
_NEWLINES = "\r\n"


@dataclass(slots=True, frozen=True)
class Delimiters:
    element: str
    component: str
    repetition: str | None
    segment: str

    def printable(self) -> bool:
        chars = [self.element, self.component, self.segment]
        if self.repetition:
            chars.append(self.repetition)
        return all(c.isprintable() and c.isascii() for c in chars)

    def __reduce__(self) -> tuple[type[Delimiters], tuple[Any, ...]]:
        # pickled through the constructor (--jobs sends it to workers): a mypyc-compiled frozen
        # dataclass cannot be unpickled field by field (setup.py, CLAIMLINT_MYPYC=1)
        return (type(self), tuple(getattr(self, f.name) for f in fields(self)))


class Chunk:
    """One split buffer: its text and where in the file it starts.

    The first ``consumed`` characters of ``text`` are ``n`` terminated pieces (the rest is
    carried into the next chunk); ``line`` and ``col`` are the physical line and 0-based column
    of ``text[0]``. A terminator counts as one ordinary column (also when it is a newline
    character, as the per-segment count always did).
    """

    __slots__ = (
        "_at",
        "_cur",
        "col",
        "consumed",
        "count_nl",
        "lead",
        "line",
        "term",
        "text",
        "uniform",
    )

    def __init__(self, text: str, n: int, consumed: int, line: int, col: int, term: str) -> None:
        self.text = text
        self.consumed = consumed
        self.line = line
        self.col = col
        self.term = term
        self.count_nl = term != "\n"
        self._cur = (0, 0)  # (piece index, offset): the last piece offset found, to go on from
        self._at = (0, line, col)  # (offset, line, col): the last position counted
        # "one segment per line": every piece but maybe the first is "\nBODY"; O(1) positions
        self.lead = 1 if n and text[:1] == "\n" else 0
        self.uniform = (
            self.count_nl
            and n > 0
            and text.count(term + "\n", 0, consumed - 1) == n - 1
            and text.count("\n", 0, consumed) == n - 1 + self.lead
            and text.find("\r", 0, consumed) < 0
        )

    def offset(self, i: int) -> int:
        """Offset in ``text`` of piece ``i``."""
        ci, off = self._cur
        if i < ci:
            ci, off = 0, 0
        find = self.text.index
        term = self.term
        for _ in range(i - ci):
            off = find(term, off) + 1
        self._cur = (i, off)
        return off

    def state(self, pos: int) -> tuple[int, int]:
        """Physical line and 0-based column of ``text[pos]``."""
        if not self.count_nl:
            return self.line, self.col + pos
        at, line, col = self._at
        if pos < at:
            at, line, col = 0, self.line, self.col
        text = self.text
        nl = text.count("\n", at, pos)
        if nl:
            line += nl
            col = pos - text.rfind("\n", at, pos) - 1
        else:
            col += pos - at
        self._at = (pos, line, col)
        return line, col

    def position(self, i: int) -> tuple[int, int]:
        """Physical line and 1-based column of the first character of piece ``i``'s segment
        (after the CR/LF that may precede it)."""
        if self.uniform:
            if i or self.lead:
                return self.line + i + self.lead, 1
            return self.line, self.col + 1
        text = self.text
        pos = self.offset(i)
        while text[pos : pos + 1] in ("\r", "\n"):  # slicing: "" at the end stops it
            if pos >= self.consumed:
                break
            pos += 1
        line, col = self.state(pos)
        return line, col + 1

    def end(self) -> tuple[int, int]:
        """Line and 0-based column after the last piece's terminator."""
        return self.state(self.consumed)


class Batch(NamedTuple):
    """Consecutive segments of one chunk: ``bodies[k]`` is piece ``pidx[k]`` (``k`` when
    ``pidx`` is None) and has the ordinal ``first + k``."""

    chunk: Chunk
    bodies: list[str]
    pidx: list[int] | None
    first: int


class Problem(NamedTuple):
    """A defect of the byte stream: ``kind`` is one of the keys below."""

    kind: str  # "no-isa" | "isa" | "garbage" | "characters" | "truncated" | "delimiters"
    message: str
    # the segment's ordinal; the field shadows tuple.index, which no caller of a Problem uses
    # (renaming it would touch the X12 reader)
    index: int | None  # type: ignore[assignment]
    line: int
    column: int
    evidence: dict[str, Any] | None = None


class _Header(NamedTuple):
    delimiters: Delimiters | None
    problems: list[str]
    fatal: bool


def read_isa_header(text: str) -> _Header:
    """Learn the delimiters from an ISA header (``text`` starts with ``ISA``).

    The fixed positions are authoritative; when the header is not exactly 106 characters the
    delimiters are still recovered by counting 16 element separators, and the length problem
    is reported (CL101), so a slightly mis-padded ISA does not lose the whole file.
    """
    problems: list[str] = []
    if len(text) < 4:
        return _Header(None, ["the file ends inside the ISA header"], True)
    element = text[3]
    if element.isalnum() or element in " \r\n":
        return _Header(
            None, [f"the element separator (ISA position 4) is {element!r}, not a delimiter"], True
        )
    # find the 16th element separator
    pos = 0
    for _ in range(16):
        pos = text.find(element, pos + 1, 400)
        if pos < 0:
            return _Header(None, ["the ISA header does not have 16 elements"], True)
    if pos + 2 >= len(text):
        return _Header(None, ["the file ends inside the ISA header"], True)
    component = text[pos + 1]
    segment = text[pos + 2]
    if pos + 2 != ISA_LENGTH - 1:
        problems.append(
            f"the ISA header is {pos + 3} characters long; it must be exactly {ISA_LENGTH} "
            "(fixed-width fields padded with spaces)"
        )
    fields = text[: pos + 1].split(element)
    repetition: str | None = fields[11] if len(fields) > 11 and len(fields[11]) == 1 else None
    version = fields[12] if len(fields) > 12 else ""
    if repetition is not None and (repetition.isalnum() or version < "00402"):
        repetition = None  # ISA11 was the standards identifier "U" before version 4020
    if segment.isalnum() or segment == " ":
        return _Header(
            None, [f"the segment terminator after ISA16 is {segment!r}, not a delimiter"], True
        )
    used = [element, component, segment] + ([repetition] if repetition else [])
    if len(set(used)) != len(used):
        problems.append("the element, component, repetition and segment delimiters must all differ")
        if segment in (element, component) or element == component:
            return _Header(None, problems, True)
    if component.isalnum() or component == " ":
        problems.append(f"the component separator (ISA16) is {component!r}, not a delimiter")
    return _Header(Delimiters(element, component, repetition, segment), problems, False)


def _bad_characters(body: str, delims: Delimiters) -> list[str]:
    """Characters of a segment that are neither printable ASCII nor a declared delimiter."""
    allowed = {delims.element, delims.component, delims.repetition}
    return [
        f"0x{ord(c):02X}"
        for c in body
        if c not in allowed and not (c.isascii() and c.isprintable())
    ]


def tokenize(
    fh: BinaryIO,
    *,
    chunk_size: int = CHUNK_SIZE,
    encoding: str = "latin-1",
    resume: tuple[Delimiters, int, int, int] | None = None,
) -> Iterator[Batch | Problem | Delimiters]:
    """Yield batches of segments (and problems, and a :class:`Delimiters` before each
    interchange).

    Bytes are decoded as latin-1 so that any byte maps to one character (positions stay
    exact, nothing raises); the reader reports characters outside the X12 sets separately.

    ``resume`` = (delimiters, line, 0-based column, segments before) reads a part of a file
    that begins at a segment of an interchange whose header came earlier (``--jobs``).
    """
    buf = ""
    eof = False
    line = 1
    col = 0  # 0-based column of the next unread character
    ordinal = 0
    delims: Delimiters | None = None
    term = ""
    seen_isa = False
    fresh = False
    if resume is not None:
        delims, line, col, ordinal = resume
        term = delims.segment
        seen_isa = True

    def advance(text: str) -> None:
        nonlocal line, col
        nl = text.count("\n")
        if nl:
            line += nl
            col = len(text) - text.rfind("\n") - 1
        else:
            col += len(text)

    while True:
        if delims is None:
            # header mode: find the next ISA and learn its delimiters
            while not eof and len(buf) < 4096:
                chunk = fh.read(chunk_size)
                if not chunk:
                    eof = True
                    break
                buf += chunk.decode(encoding)
            idx = buf.find("ISA")
            if idx < 0:
                if eof:
                    rest = buf.strip(" \t\r\n\x00\x1a\ufeff\xef\xbb\xbf")
                    if not seen_isa:
                        yield Problem(
                            "no-isa",
                            "no ISA interchange header was found: this is not an X12 file "
                            "or it is damaged",
                            None,
                            line,
                            col + 1,
                        )
                    elif rest:
                        start = buf.find(rest[0])
                        advance(buf[:start])
                        yield Problem(
                            "garbage",
                            f"{len(rest)} characters after the last interchange are not X12 "
                            "segments",
                            None,
                            line,
                            col + 1,
                        )
                    return
                keep = buf[-2:]
                dropped = buf[:-2]
                if dropped.strip(" \t\r\n\x00\ufeff\xef\xbb\xbf"):
                    start = len(dropped) - len(dropped.lstrip(" \t\r\n\x00\ufeff\xef\xbb\xbf"))
                    advance(dropped[:start])
                    yield Problem(
                        "garbage",
                        "characters before the ISA header are not X12 segments",
                        None,
                        line,
                        col + 1,
                    )
                    advance(dropped[start:])
                else:
                    advance(dropped)
                buf = keep
                continue
            skipped = buf[:idx]
            if skipped.strip(" \t\r\n\x00\ufeff\xef\xbb\xbf"):
                start = len(skipped) - len(skipped.lstrip(" \t\r\n\x00\ufeff\xef\xbb\xbf"))
                advance(skipped[:start])
                yield Problem(
                    "garbage",
                    f"{len(skipped) - start} characters before the ISA header are not X12 segments",
                    None,
                    line,
                    col + 1,
                )
                advance(skipped[start:])
            else:
                advance(skipped)
            buf = buf[idx:]
            while not eof and len(buf) < 512:
                chunk = fh.read(chunk_size)
                if not chunk:
                    eof = True
                    break
                buf += chunk.decode(encoding)
            header = read_isa_header(buf)
            for msg in header.problems:
                yield Problem("isa", msg, ordinal + 1, line, col + 1)
            if header.delimiters is None:
                # cannot split this interchange: skip past "ISA" and look for the next one
                advance(buf[:3])
                buf = buf[3:]
                seen_isa = True
                continue
            delims = header.delimiters
            term = delims.segment
            seen_isa = True
            fresh = True  # the next segment is the ISA just read: never re-sync on it
            yield delims

        # split mode
        element = delims.element
        if not eof:
            chunk = fh.read(chunk_size)
            if chunk:
                buf += chunk.decode(encoding)
            else:
                eof = True
        text = buf
        pieces = text.split(term)
        buf = pieces.pop()
        ck = Chunk(text, len(pieces), len(text) - len(buf), line, col, term)
        resync_at = -1  # piece index of an ISA that starts a new interchange
        # fast path: every piece holds one segment of printable ASCII
        bodies = [p.strip(_NEWLINES) for p in pieces]
        joined = "".join(bodies)
        if "" not in bodies and joined.isascii() and joined.isprintable():
            if "ISA" in joined:
                for k, body in enumerate(bodies):
                    if body[:3] != "ISA":
                        continue
                    if fresh and k == 0:
                        continue
                    if _starts_interchange(body, delims):
                        resync_at = k
                        del bodies[k:]
                        break
            if bodies:
                fresh = False
                yield Batch(ck, bodies, None, ordinal + 1)
                ordinal += len(bodies)
        else:
            # slow path: empty pieces, odd characters; the same rules, one piece at a time
            batch: list[str] = []
            pidx: list[int] = []
            first = ordinal + 1
            for i, piece in enumerate(pieces):
                body = piece.strip(_NEWLINES)
                if not body:
                    continue
                if fresh:
                    fresh = False
                elif body.startswith("ISA") and _starts_interchange(body, delims):
                    resync_at = i
                    break
                ordinal += 1
                if not (body.isascii() and body.isprintable()):
                    bad = _bad_characters(body, delims)
                    if bad:
                        if batch:
                            yield Batch(ck, batch, pidx, first)
                            batch, pidx, first = [], [], ordinal
                        seg_line, seg_col = ck.position(i)
                        yield Problem(
                            "characters",
                            f"segment contains {len(bad)} control or non-ASCII character(s) "
                            "that X12 does not allow (wrong encoding or damaged file)",
                            ordinal,
                            seg_line,
                            seg_col,
                            {"segment_id": body.split(element, 1)[0][:3], "characters": bad[:10]},
                        )
                batch.append(body)
                pidx.append(i)
            if batch:
                yield Batch(ck, batch, pidx, first)
        if resync_at >= 0:
            # a new interchange with other delimiters (or a malformed ISA): re-read header
            line, col = ck.position(resync_at)
            col -= 1
            piece = pieces[resync_at]
            buf = term.join([piece.lstrip(_NEWLINES), *pieces[resync_at + 1 :], buf])
            delims = None
            del pieces, bodies, joined, ck
            continue
        line, col = ck.end()
        del pieces, bodies, joined, ck, text  # the reader keeps what it refers to
        if eof:
            rest = buf.strip(" \t\r\n\x00\x1a")
            if rest:
                lead = len(buf) - len(buf.lstrip(" \t\r\n\x00\x1a"))
                advance(buf[:lead])
                ordinal += 1
                yield Problem(
                    "truncated",
                    "the file ends in the middle of a segment (no segment terminator "
                    f"{term!r} after the last {len(rest)} characters)",
                    ordinal,
                    line,
                    col + 1,
                    {"segment_id": rest.split(element, 1)[0][:3]},
                )
            return


def _starts_interchange(body: str, delims: Delimiters) -> bool:
    """An ISA that a new header read must handle (other delimiters, or not 106 long)."""
    return (
        len(body) != ISA_LENGTH - 1
        or body[3] != delims.element
        or body[ISA_LENGTH - 2] != delims.component
    )
