"""The envelopes the acknowledgment formats answer (``--format 999``, ``--format 277ca``).

A run that writes an acknowledgment passes its sources through :func:`with_envelopes`: each
837D source is scanned once more with the X12 tokenizer (claimlint/x12/scan.py: envelope
control numbers, claim ids and charges, no claim model, no PHI) after it is handed on, and
the interchanges land in ``Report.interchanges`` for the formatters. Runs without an
acknowledgment never do this. Stdin is fine: its bytes are held by the Source.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from claimlint.core.ack import AckInterchange
from claimlint.core.findings import Finding
from claimlint.readers.base import Source, sniff
from claimlint.x12.scan import scan


def with_envelopes(
    sources: Iterable[Source | Finding], into: list[AckInterchange]
) -> Iterator[Source | Finding]:
    """``sources`` unchanged; the interchanges of every 837D among them appended to ``into``."""
    for item in sources:
        yield item
        if isinstance(item, Source):
            into.extend(envelopes(item))


def envelopes(source: Source) -> list[AckInterchange]:
    """The interchanges of ``source`` when it is an 837D (none otherwise, or unreadable)."""
    try:
        if sniff(source) != "x12":
            return []
        with source.open() as fh:
            return scan(fh, source.name)
    except OSError:
        return []  # the lint itself reports the file as unreadable (CL001)
