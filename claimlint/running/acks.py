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
    sources: Iterable[Source | Finding],
    into: list[AckInterchange],
    notes: list[str] | None = None,
) -> Iterator[Source | Finding]:
    """``sources`` unchanged; the interchanges of every 837D among them appended to ``into``;
    for a source that has no transaction set to answer, a note saying why is appended to
    ``notes`` (the acknowledgment leaves it out)."""
    for item in sources:
        yield item
        if isinstance(item, Source):
            found = envelopes(item)
            into.extend(found)
            if notes is not None and not any(
                g.transactions or g.gs06 for i in found for g in i.groups
            ):
                notes.append(f"{item.name}: no acknowledgment written: {_why_not(item)}")


def _why_not(source: Source) -> str:
    try:
        fmt = sniff(source)
    except OSError:
        fmt = None
    if fmt is not None and fmt != "x12":
        return f"it is {fmt.upper()}, not X12 (999 and 277CA answer 837D input only)"
    return (
        "no X12 interchange with a transaction set could be read from it (an ISA cut short or"
        " missing has nothing to acknowledge; its findings say what is wrong)"
    )


def envelopes(source: Source) -> list[AckInterchange]:
    """The interchanges of ``source`` when it is an 837D (none otherwise, or unreadable)."""
    try:
        if sniff(source) != "x12":
            return []
        with source.open() as fh:
            return scan(fh, source.name)
    except OSError:
        return []  # the lint itself reports the file as unreadable (CL001)
