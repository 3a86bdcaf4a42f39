"""A small X12 writer for the acknowledgments (999, 277CA): segments, envelopes, counts.

Segments and envelopes (counts, control numbers) are written by
``claimlint.core.x12text.Envelopes``, which ``claimlint split``'s 837D writer uses too; what is
here is the acknowledgments' own: their ISA and GS, the element references, the findings'
acknowledgment meaning.

Delimiters are the usual ``*`` (element), ``:`` (component), ``^`` (repetition) and ``~``
(segment, followed by a newline, which X12 readers skip). A value copied from the input that
contains one of them (an input may use other delimiters) has it replaced by a space, so the
acknowledgment always tokenizes back to the segments written.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, TextIO

from claimlint.core import catalogue
from claimlint.core.ack import (
    Ack999,
    AckInterchange,
    Placed,
    Status277,
    ack_999_for,
    status_277_for,
)
from claimlint.core.findings import Finding, Report, Severity
from claimlint.core.x12text import COMPONENT, REPETITION, Envelopes
from claimlint.report.formatters import FormatOptions

_UNSAFE = re.compile(r"[*:^~\r\n]|[^\x20-\x7e]")

#: data element reference numbers (IK402) of the 837D elements the reader reports on; an
#: element not listed has IK402 left out (it is situational)
ELEMENT_REFERENCES: dict[str, str] = {
    "ST01": "143",
    "ST02": "329",
    "ST03": "1705",
    "SE01": "96",
    "SE02": "329",
    "HL01": "628",
    "HL02": "734",
    "HL03": "735",
    "HL04": "736",
    "SBR01": "1138",
    "CLM01": "1028",
    "CLM02": "782",
    "CLM05": "C023",
    "CLM05-1": "1331",
    "CLM05-2": "1332",
    "CLM05-3": "1325",
    "CLM07": "1359",
    "LX01": "554",
    "SV301": "C003",
    "SV301-1": "235",
    "SV301-2": "234",
    "SV302": "782",
    "SV304": "C006",
    **{f"SV304-{k}": "1361" for k in range(1, 6)},
    "TOO03": "C005",
    **{f"TOO03-{k}": "1369" for k in range(1, 6)},
    "NM101": "98",
    "NM102": "1065",
    "NM103": "1035",
    "NM108": "66",
    "NM109": "67",
    "N301": "166",
    "N401": "19",
    "N402": "156",
    "N403": "116",
    "REF01": "128",
    "REF02": "127",
    "SV305": "1358",
    "SV306": "380",
    "TOO01": "1270",
    "TOO02": "1271",
    "DTP01": "374",
    "DTP02": "1250",
    "DTP03": "1251",
}

_FIELD = re.compile(r"([A-Z][A-Z0-9]{1,2})(\d{2})(?:-(\d{1,2}))?")


def clean(value: object) -> str:
    """A value safe inside an element: no delimiter, control or non-ASCII character."""
    return _UNSAFE.sub(" ", str(value)).strip()


def element_of(field: str | None, segment: str | None) -> tuple[int, int | None, str] | None:
    """(element position, component position or None, field key) of an X12 field name such
    as ``CLM02`` or ``SV301-2`` on ``segment``; None when the field is not one of its
    elements."""
    if not field or not segment:
        return None
    m = _FIELD.fullmatch(field)
    if m is None or m.group(1) != segment:
        return None
    component = int(m.group(3)) if m.group(3) else None
    return int(m.group(2)), component, field


class Writer(Envelopes):
    """Segments of one acknowledgment, written to ``out`` with the usual delimiters; trailing
    empty elements left out."""

    def __init__(self, out: TextIO) -> None:
        super().__init__(out.write, trim=True)


def isa(w: Writer, source: AckInterchange, control: int, now: dt.datetime) -> None:
    """The acknowledgment's ISA: sent back from the original's receiver to its sender."""
    w.isa(
        [
            "ISA",
            "00",
            " " * 10,
            "00",
            " " * 10,
            (clean(source.isa07) or "ZZ")[:2].ljust(2),
            clean(source.isa08)[:15].ljust(15),
            (clean(source.isa05) or "ZZ")[:2].ljust(2),
            clean(source.isa06)[:15].ljust(15),
            now.strftime("%y%m%d"),
            now.strftime("%H%M"),
            REPETITION,
            "00501",
            "",  # ISA13: the control number
            "0",
            "T" if source.isa15 == "T" else "P",
            COMPONENT,
        ],
        control,
    )


def gs(
    w: Writer,
    fid: str,
    source_gs02: str,
    source_gs03: str,
    control: int,
    version: str,
    now: dt.datetime,
) -> None:
    w.gs(
        [
            "GS",
            fid,
            clean(source_gs03) or "RECEIVER",
            clean(source_gs02) or "SENDER",
            now.strftime("%Y%m%d"),
            now.strftime("%H%M"),
            "",  # GS06: the control number
            "X",
            version,
        ],
        control,
    )


def now_of(options: FormatOptions) -> dt.datetime:
    return options.now or dt.datetime.now().replace(second=0, microsecond=0)


@dataclass(slots=True)
class AckFinding:
    """A finding with what it means in the acknowledgments: its 999 codes (None: not a 999
    error), the 277CA status of a claim it rejects, and whether it rejects (at or above
    ``--fail-on``)."""

    finding: Finding
    ack_999: Ack999 | None
    status_277: Status277
    rejects: bool


def classify(f: Finding, rules: dict[str, Any], fail_on: Severity) -> AckFinding:
    """The declared meaning of a finding's rule (a check class, else the catalogue entry of a
    reader-emitted rule; a rule unknown to both gets the defaults of a source rule)."""
    rule = rules.get(f.code) or catalogue.RULES.get(f.code)
    return AckFinding(f, ack_999_for(rule), status_277_for(rule), f.severity.rank >= fail_on.rank)


def findings_by_file(report: Report, options: FormatOptions) -> dict[str, list[AckFinding]]:
    """The report's findings with their acknowledgment meaning, by file."""
    out: dict[str, list[AckFinding]] = {}
    for f in report.findings:
        out.setdefault(f.location.file, []).append(classify(f, options.rules, options.fail_on))
    return out


def placed(a: AckFinding) -> Placed:
    """What :func:`claimlint.core.ack.file_verdict` needs of a finding."""
    loc = a.finding.location
    return Placed(loc.segment_index, loc.claim_id, a.rejects)


def located(findings: list[AckFinding], first: int, last: int) -> Iterator[AckFinding]:
    for a in findings:
        index = a.finding.location.segment_index
        if index is not None and first <= index <= last:
            yield a


def value_of(f: Finding) -> str | None:
    """The bad value of a finding, from its evidence (present only with --show-values)."""
    value = (f.evidence or {}).get("value")
    return clean(value)[:99] or None if value is not None else None
