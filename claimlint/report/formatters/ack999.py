"""``--format 999``: an 005010X231A1 implementation acknowledgment for 837D input.

Rendered only from the report: its findings and ``report.interchanges`` (the envelopes read
from the input, see claimlint/x12/scan.py). One acknowledgment interchange answers each input
interchange (back from its receiver to its sender); in it one functional group (GS01 ``FA``)
holds one 999 transaction set per input functional group:

* AK1: the group's GS01, GS06 and GS08.
* AK2 per transaction set: ST01, ST02, ST03.
* IK3 per segment in error: segment id, position in the transaction set (ST = 1), loop id,
  IK304; then CTX ``CLM01:<patient control number>`` when the segment belongs to a claim.
* IK4 per element in error: element position (``1:2`` for a component), data element
  reference number when known, IK403; IK404 (the bad value) only with ``--show-values``.
* IK5: ``R`` rejected when a finding at or above ``--fail-on`` is on the transaction set and
  on none of its claims (a wrong SE01, a broken header); ``E`` accepted with errors noted when
  its findings are on claims (those claims are rejected one by one in the 277CA, as
  ``claimlint split`` holds only them) or below ``--fail-on``; ``A`` accepted. The decision
  is :func:`claimlint.core.ack.file_verdict`'s, the one the 277CA follows; IK502–IK506 the
  transaction set codes.
* AK9: ``A``, ``E``, ``P`` (partly accepted), ``R``, with the counts of transaction sets
  included, received and accepted, and AK905+ for errors on the GS/GE envelope.

What goes in: the findings whose rule has a 999 meaning (``claimlint.core.ack``: the
reader-emitted syntax and implementation-guide rules); claim rules go to the 277CA. Findings
on ISA/IEA belong in a TA1, which claimlint does not write. Control numbers of the
acknowledgment itself start at 1 (ISA13 000000001, GS06 1, ST02 0001, …) in each output.
"""

from __future__ import annotations

from typing import TextIO

from claimlint.core.ack import AckGroup, AckTransaction, FileVerdict, file_verdict
from claimlint.core.findings import Report
from claimlint.core.x12text import COMPONENT
from claimlint.report.formatters import FormatOptions
from claimlint.report.formatters._x12out import (
    ELEMENT_REFERENCES,
    AckFinding,
    Writer,
    clean,
    element_of,
    findings_by_file,
    gs,
    isa,
    located,
    now_of,
    placed,
    value_of,
)

VERSION = "005010X231A1"
#: segments of the envelope: a finding on them is about the transaction set or group as a
#: whole (IK5/AK9 codes), not a segment error
ENVELOPE = frozenset({"ISA", "IEA", "GS", "GE", "ST", "SE"})


def render(report: Report, out: TextIO, options: FormatOptions) -> None:
    now = now_of(options)
    by_file = findings_by_file(report, options)
    w = Writer(out)
    control = 0
    verdicts: dict[str, FileVerdict] = {}
    for interchange in report.interchanges:
        groups = [g for g in interchange.groups if g.transactions or g.gs06]
        if not groups:
            continue
        control += 1
        isa(w, interchange, control, now)
        first = groups[0]
        gs(w, "FA", first.gs02, first.gs03, control, VERSION, now)
        findings = by_file.get(interchange.file, [])
        verdict = verdicts.get(interchange.file)
        if verdict is None:
            verdict = verdicts[interchange.file] = file_verdict(
                [i for i in report.interchanges if i.file == interchange.file],
                [placed(a) for a in findings if a.ack_999],
            )
        for n, group in enumerate(groups, start=1):
            _group(w, group, findings, verdict, n, options.show_values)
        w.ge()
        w.iea()


def _group(
    w: Writer,
    group: AckGroup,
    findings: list[AckFinding],
    verdict: FileVerdict,
    n: int,
    show_values: bool,
) -> None:
    w.st(["ST", "999", "", VERSION], n)
    w.seg("AK1", clean(group.gs01) or "HC", clean(group.gs06) or "0", clean(group.gs08))
    in_group = [a for a in located(findings, group.ordinal, group.end or 10**12) if a.ack_999]
    statuses = [
        _transaction(
            w,
            tx,
            list(located(in_group, tx.ordinal, tx.end or 10**12)),
            verdict.transaction_rejected(tx),
            show_values,
        )
        for tx in group.transactions
    ]
    accepted = sum(s != "R" for s in statuses)
    # findings on GS/GE (outside every transaction set): the group's own codes
    inside = {
        id(a) for tx in group.transactions for a in located(in_group, tx.ordinal, tx.end or 10**12)
    }
    own = [a for a in in_group if id(a) not in inside and a.ack_999 and a.ack_999.group]
    codes = list(dict.fromkeys(a.ack_999.group for a in own if a.ack_999 and a.ack_999.group))
    received = len(group.transactions)
    if any(a.rejects for a in own):
        status, accepted = "R", 0
    elif accepted == 0 and received:
        status = "R"
    elif accepted < received:
        status = "P"
    elif own or "E" in statuses:
        status = "E"
    else:
        status = "A"
    w.seg("AK9", status, str(received), str(received), str(accepted), *codes[:5])
    w.se()


def _transaction(
    w: Writer, tx: AckTransaction, mine: list[AckFinding], rejected: bool, show_values: bool
) -> str:
    w.seg("AK2", clean(tx.st01) or "837", clean(tx.st02) or "0", clean(tx.st03))
    tx_codes: list[str] = []
    segments: dict[tuple[int, str], list[AckFinding]] = {}
    for a in mine:
        ack = a.ack_999
        assert ack is not None
        loc = a.finding.location
        tx_codes.append(ack.transaction)
        if loc.segment_id in ENVELOPE or ack.segment is None or loc.segment_id is None:
            continue
        element = element_of(loc.field, loc.segment_id) if ack.element else None
        code = "8" if element is not None else ack.segment
        segments.setdefault((loc.segment_index or 0, code), []).append(a)
    for (index, code), items in sorted(segments.items()):
        loc = items[0].finding.location
        loop = tx.loop_at(index)
        w.seg("IK3", loc.segment_id, str(index - tx.ordinal + 1), loop or None, code)
        claim_id = next(
            (a.finding.location.claim_id for a in items if a.finding.location.claim_id), None
        )
        if claim_id:
            w.seg("CTX", f"CLM01{COMPONENT}{clean(claim_id)}")
        if code != "8":
            continue
        for a in items:
            found = element_of(a.finding.location.field, loc.segment_id)
            if found is None or a.ack_999 is None or a.ack_999.element is None:
                continue
            position, component, key = found
            where = f"{position}{COMPONENT}{component}" if component else str(position)
            reference = ELEMENT_REFERENCES.get(key) or ELEMENT_REFERENCES.get(key.split("-")[0])
            value = value_of(a.finding) if show_values else None
            w.seg(
                "IK4",
                where,
                reference if reference and reference.isdigit() else None,
                a.ack_999.element,
                value,
            )
    codes = list(dict.fromkeys(tx_codes))[:5]
    if rejected:
        w.seg("IK5", "R", *codes)
        return "R"
    if mine:
        w.seg("IK5", "E", *codes)
        return "E"
    w.seg("IK5", "A")
    return "A"
