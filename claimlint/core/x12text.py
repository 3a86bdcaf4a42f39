"""Writing X12 text: a segment from its elements and delimiters, and the envelopes (ISA/IEA,
GS/GE, ST/SE) with their control numbers and counts.

Pure and without I/O: the caller says where each segment's text goes (``emit``). It serves the
two places claimlint writes X12, which may not import each other: ``claimlint split``'s 837D
envelopes (``claimlint.x12.writer``: elements copied from the input, its delimiters, claims
copied as bytes between the segments it writes) and the acknowledgments
(``claimlint.report.formatters``: 999 and 277CA).

:class:`Envelopes` counts as it writes: SE01 is the number of segments from ST to SE (both
included), GE01 the transaction sets of the group, IEA01 the groups of the interchange; SE02,
GE02 and IEA02 repeat the control number their ST, GS and ISA were given. Segments the caller
copies as they were (bytes it writes itself) are counted with :meth:`Envelopes.copied`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

#: the usual delimiters; a segment is followed by a newline, which X12 readers skip
ELEMENT, COMPONENT, REPETITION, SEGMENT = "*", ":", "^", "~"


def segment(elements: Sequence[str], element: str = ELEMENT, end: str = SEGMENT + "\n") -> str:
    """The text of one segment: its elements joined by ``element``, then ``end`` (the segment
    terminator and what follows it, a newline or nothing)."""
    return element.join(elements) + end


def padded(elements: Sequence[str], position: int) -> list[str]:
    """A copy of ``elements`` long enough to have an element at ``position`` (empty ones
    added)."""
    out = list(elements)
    out.extend([""] * (position + 1 - len(out)))
    return out


def isa_control(n: int) -> str:
    """ISA13 and IEA02: nine digits."""
    return f"{n:09d}"


def st_control(n: int) -> str:
    """ST02 and SE02: at least four digits."""
    return f"{n:04d}"


class Envelopes:
    """Segments written through ``emit``, with the envelope counts kept.

    ``trim``: leave out a segment's trailing empty elements (the acknowledgments write their
    own segments so); a copy of an input's segment is written with all its elements."""

    def __init__(
        self,
        emit: Callable[[str], object],
        *,
        element: str = ELEMENT,
        end: str = SEGMENT + "\n",
        trim: bool = False,
    ) -> None:
        self.emit = emit
        self.element = element
        self.end = end
        self.trim = trim
        #: segments written since the open ST (ST included)
        self.segments = 0
        self._isa13 = self._gs06 = self._st02 = ""
        self._groups = self._sets = 0

    def seg(self, *elements: str | None) -> None:
        values = [e or "" for e in elements]
        if self.trim:
            while len(values) > 1 and not values[-1]:
                values.pop()
        self.emit(segment(values, self.element, self.end))
        self.segments += 1

    def copied(self, segments: int) -> None:
        """``segments`` segments were written by the caller as they were."""
        self.segments += segments

    def isa(self, elements: Sequence[str], control: int) -> None:
        """An ISA with ISA13 set to ``control``; the other 15 elements as given."""
        values = padded(elements, 16)
        values[13] = self._isa13 = isa_control(control)
        self._groups = 0
        self.seg(*values)

    def gs(self, elements: Sequence[str], control: int) -> None:
        """A GS with GS06 set to ``control``."""
        values = padded(elements, 8)
        values[6] = self._gs06 = str(control)
        self._groups += 1
        self._sets = 0
        self.seg(*values)

    def st(self, elements: Sequence[str], control: int) -> None:
        """An ST with ST02 set to ``control``; the count of its segments starts."""
        values = padded(elements, 2)
        values[2] = self._st02 = st_control(control)
        self._sets += 1
        self.segments = 0
        self.seg(*values)

    def se(self) -> None:
        self.seg("SE", str(self.segments + 1), self._st02)

    def ge(self) -> None:
        self.seg("GE", str(self._sets), self._gs06)

    def iea(self) -> None:
        self.seg("IEA", str(self._groups), self._isa13)
