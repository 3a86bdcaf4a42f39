"""Writing X12: a subset of an interchange's claims with their parent HL loops, copied as
written, inside rebuilt envelopes.

:func:`write_subset` takes the layout of a file (``claimlint.x12.layout``), the claims to keep
(their ordinals) and the file's bytes, and returns the new interchange(s):

* every input interchange, group and transaction set that holds a kept claim is written again
  with new control numbers (ISA13, GS06, ST02/SE02 from :class:`ControlNumbers`, one counter
  for all three, so they never repeat) and correct counts (SE01 segments from ST to SE, GE01
  transaction sets, IEA01 groups); the other ISA, GS and ST elements are kept;
* the transaction set's header (BHT, submitter, receiver) and the kept claims' 2300/2400 loops
  are copied byte for byte; so are the HL loops that are parents of a kept claim (2000A billing
  provider, 2000B subscriber, 2000C patient), except the HL segment itself: HL01 is numbered
  1, 2, 3 … in order, HL02 points to the parent's new number and HL04 says whether a child HL
  follows in the new file.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass

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


class _Out:
    def __init__(self, isa: Interchange) -> None:
        d = isa.delimiters
        self.element = d.element
        self.end = (d.segment + isa.newline).encode("latin-1")
        self.parts: list[bytes] = []
        self.segments = 0  # since the open ST

    def seg(self, elements: list[str]) -> None:
        self.parts.append(self.element.join(elements).encode("latin-1") + self.end)
        self.segments += 1

    def raw(self, chunk: bytes, piece: Piece) -> None:
        """``chunk``: the bytes of ``piece``, copied as they are."""
        if not chunk.rstrip(b"\r\n").endswith(self.end[:1]):
            chunk += self.end  # a last segment without a terminator (truncated input)
        self.parts.append(chunk)
        self.segments += piece.segments


def _pad(elements: list[str], n: int) -> list[str]:
    return elements + [""] * (n + 1 - len(elements)) if len(elements) <= n else list(elements)


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
        isa_el = _pad(isa.isa or _default_isa(isa), 16)
        isa13 = f"{numbers.take():09d}"
        isa_el[13] = isa13
        out.seg(isa_el)
        for group, chosen in sets_by_group:
            gs_el = _pad(group.gs or ["GS"], 8)
            gs06 = str(numbers.take())
            gs_el[6] = gs06
            out.seg(gs_el)
            for ts in chosen:
                st_el = _pad(ts.st, 2)
                st02 = f"{numbers.take():04d}"
                st_el[2] = st02
                out.segments = 0
                out.seg(st_el)
                if ts.header is not None:
                    out.raw(read(ts.header), ts.header)
                _write_body(out, ts.body, keep, read)
                out.seg(["SE", str(out.segments + 1), st02])
            out.seg(["GE", str(len(chosen)), gs06])
        out.seg(["IEA", str(len(sets_by_group)), isa13])
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
        el = _pad(unit.elements, 4)
        el[1] = new
        el[2] = numbers.get(unit.parent_at, "") if unit.parent_at is not None else ""
        el[4] = "1" if at in with_children else "0"
        out.seg(el)
        if unit.piece.segments > 1:
            data = read(unit.piece)
            cut = data.find(out.end[:1]) + 1
            while cut < len(data) and data[cut : cut + 1] in (b"\r", b"\n"):
                cut += 1
            out.parts.append(data[cut:])
            out.segments += unit.piece.segments - 1
