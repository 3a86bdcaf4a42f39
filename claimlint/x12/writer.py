"""Writing X12: a subset of an interchange's claims with their parent HL loops, copied as
written, inside rebuilt envelopes.

:func:`write_subset` takes the layout of a file (``claimlint.x12.layout``), the claims to keep
(their ordinals) and the file's bytes, and returns the new interchange(s):

* every input interchange, group and transaction set that holds a kept claim is written again
  (``claimlint.core.x12text.Envelopes``) with new control numbers (ISA13, GS06, ST02/SE02
  from :class:`ControlNumbers`, one counter for all three, so they never repeat) and correct
  counts (SE01 segments from ST to SE, GE01 transaction sets, IEA01 groups); the other ISA,
  GS and ST elements are kept;
* the transaction set's header (BHT, submitter, receiver) and the kept claims' 2300/2400 loops
  are copied byte for byte; so are the HL loops that are parents of a kept claim (2000A billing
  provider, 2000B subscriber, 2000C patient), except the HL segment itself: HL01 is numbered
  1, 2, 3 … in order, HL02 points to the parent's new number and HL04 says whether a child HL
  follows in the new file.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

from claimlint.core.x12text import Envelopes, padded
from claimlint.x12.layout import ClaimLoop, HlLoop, Interchange, Piece, X12Layout

#: ISA13 is nine digits
MAX_CONTROL = 999_999_999


class ControlError(Exception):
    """Control numbers ran out (ISA13 has nine digits)."""


@dataclass(slots=True)
class ControlNumbers:
    """The next control number to use; each call takes one."""

    next: int = 1

    def take(self) -> int:
        n = self.next
        if n < 1 or n > MAX_CONTROL:
            raise ControlError(f"control number {n} is outside 1 to {MAX_CONTROL:,}")
        self.next = n + 1
        return n


class _Out(Envelopes):
    """The segments of the new file as bytes (latin-1: the input's bytes as they were)."""

    def __init__(self, isa: Interchange) -> None:
        d = isa.delimiters
        self.parts: list[bytes] = []
        super().__init__(
            lambda text: self.parts.append(text.encode("latin-1")),
            element=d.element,
            end=d.segment + isa.newline,
        )
        self.terminator = self.end.encode("latin-1")

    def raw(self, chunk: bytes, piece: Piece) -> None:
        """``chunk``: the bytes of ``piece``, copied as they are."""
        if not chunk.rstrip(b"\r\n").endswith(self.terminator[:1]):
            chunk += self.terminator  # a last segment without a terminator (truncated input)
        self.parts.append(chunk)
        self.copied(piece.segments)


def write_subset(
    layout: X12Layout,
    keep: Collection[int],
    read: Callable[[Piece], bytes],
    numbers: ControlNumbers,
) -> bytes:
    """The interchanges holding the claims whose ordinals are in ``keep`` (see the module
    docstring); ``read(piece)`` gives a piece's bytes. Empty when ``keep`` is empty."""
    parts: list[bytes] = []
    for isa in layout.interchanges:
        sets_by_group = []
        for group in isa.groups:
            chosen = [
                ts
                for ts in group.sets
                if any(isinstance(u, ClaimLoop) and u.ordinal in keep for u in ts.body)
            ]
            if chosen:
                sets_by_group.append((group, chosen))
        if not sets_by_group:
            continue
        out = _Out(isa)
        out.isa(isa.isa or _default_isa(isa), numbers.take())
        for group, chosen in sets_by_group:
            out.gs(group.gs or ["GS"], numbers.take())
            for ts in chosen:
                out.st(ts.st, numbers.take())
                if ts.header is not None:
                    out.raw(read(ts.header), ts.header)
                _write_body(out, ts.body, keep, read)
                out.se()
            out.ge()
        out.iea()
        parts.extend(out.parts)
    return b"".join(parts)


def _default_isa(isa: Interchange) -> list[str]:
    raise ControlError("a transaction set outside an ISA interchange cannot be rebuilt")


def _write_body(
    out: _Out,
    body: list[HlLoop | ClaimLoop],
    keep: Collection[int],
    read: Callable[[Piece], bytes],
) -> None:
    # the HL loops to write (by index in ``body``): every ancestor of a kept claim
    wanted: set[int] = set()
    for unit in body:
        if isinstance(unit, ClaimLoop) and unit.ordinal in keep:
            at = unit.hl_at
            while at is not None and at not in wanted:
                wanted.add(at)
                parent = body[at]
                at = parent.parent_at if isinstance(parent, HlLoop) else None
    with_children = {body[at].parent_at for at in wanted}  # type: ignore[union-attr]
    numbers: dict[int, str] = {}
    for at, unit in enumerate(body):
        if isinstance(unit, ClaimLoop):
            if unit.ordinal in keep:
                out.raw(read(unit.piece), unit.piece)
            continue
        if at not in wanted:
            continue
        new = numbers[at] = str(len(numbers) + 1)
        el = padded(unit.elements, 4)
        el[1] = new
        el[2] = numbers.get(unit.parent_at, "") if unit.parent_at is not None else ""
        el[4] = "1" if at in with_children else "0"
        out.seg(*el)
        if unit.piece.segments > 1:
            data = read(unit.piece)
            cut = data.find(out.terminator[:1]) + 1
            while cut < len(data) and data[cut : cut + 1] in (b"\r", b"\n"):
                cut += 1
            out.parts.append(data[cut:])
            out.copied(unit.piece.segments - 1)
