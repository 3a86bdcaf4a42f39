"""``--format 277ca``: an 005010X214 claim acknowledgment for 837D input.

Rendered only from the report: its findings and ``report.interchanges`` (envelopes and claims
read from the input, claimlint/x12/scan.py). One acknowledgment interchange answers each input
interchange; one 277 transaction set answers each 837D transaction set (an ST that is not an
837 is the 999's to reject). The segments written, per 277:

* BHT ``0085*08``: the 837's BHT03 as reference, date and time, ``TH``.
* 2000A/2100A/2200A information source (HL level 20): NM1*AY (the 837's receiver, NM1*40),
  TRN*1 (this acknowledgment's control number), DTP*050 received and DTP*009 processed.
* 2000B/2100B/2200B information receiver (HL 21): NM1*41 (the 837's submitter), TRN*2 with
  the 837's BHT03, STC A1:19 (receipt) with the batch total, QTY*90/QTY*AA accepted and
  rejected claim counts, AMT*YU/AMT*YY accepted and rejected charges.
* 2000C/2100C/2200C billing provider (HL 19): NM1*85 with the provider's name and NPI (XX),
  TRN*1 (the NPI, as the provider trace), QTY and AMT as above for its claims.
* 2000D/2100D/2200D patient (HL PT), per claim: NM1*QC, TRN*2 with the claim's CLM01 (the
  patient control number, which ties the answer to the claim), one STC per distinct status
  (``STC01`` category:status[:entity], date, ``STC03`` WQ accepted / U rejected, ``STC04`` the
  claim's CLM02 charge), and REF*D9 echoing the 837's claim-level REF*D9 when it had one.

Which claims are rejected is decided by :func:`claimlint.core.ack.file_verdict`, the rule the
999 follows too: a claim is rejected when a finding at or above ``--fail-on`` is on it (named
by its claim id, or inside its segments: a CLM without CLM01 is rejected, CL116), and every
claim of the file is rejected when such a finding is on no claim (an envelope or transaction
set defect, e.g. a wrong SE01: the 999 rejects that set with IK5 ``R``), with
:data:`~claimlint.core.ack.BATCH_REJECTED_277` A3:21 and 2200B STC03 ``U`` (X12 RFI 2145), as
``claimlint split`` holds them all. Each finding's rule declares its status
(``claimlint.core.ack``), e.g. A7:21 invalid information, A6:21 missing information, A7:454
procedure code, A7:562:85 the billing provider's NPI. An accepted claim is A2:20 (accepted
for processing). Findings below ``--fail-on`` are not reported: the 277CA has no "accepted
with warnings" (X12 RFI 2203). TRN02 is required: a claim without CLM01 is traced as
``NOCLM01-SEG<n>``, n the position of its CLM in the transaction set (ST is 1, as IK302).

PHI: a real 277CA names the patient or subscriber in NM1*QC (NM103/NM104) and may carry the
member id (NM109) and the service dates (DTP*472). claimlint never copies them: NM1*QC is
written with its entity type only, and the claim is identified by CLM01 and REF*D9. This file
is valid X12 and carries everything a submitter needs to match the answer to its claims; a
clearinghouse that must send the names fills NM1*QC from its own records.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import TextIO

from claimlint.core.ack import (
    ACCEPTED_277,
    BATCH_REJECTED_277,
    AckClaim,
    AckTransaction,
    FileVerdict,
    Status277,
    file_verdict,
)
from claimlint.core.findings import Report
from claimlint.core.x12text import COMPONENT
from claimlint.report.formatters import FormatOptions
from claimlint.report.formatters._x12out import (
    AckFinding,
    Writer,
    clean,
    findings_by_file,
    gs,
    isa,
    now_of,
    placed,
)

VERSION = "005010X214"


def _amount(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        return Decimal(0)
    return value if value.is_finite() else Decimal(0)


def _money(value: Decimal) -> str:
    text = f"{value.quantize(Decimal('0.01')):f}"
    return text[:-3] if text.endswith(".00") else text.rstrip("0")


def claim_statuses(
    tx: AckTransaction, findings: list[AckFinding], verdict: FileVerdict
) -> Iterator[tuple[AckClaim, list[Status277]]]:
    """Each claim of ``tx`` with the statuses that reject it (empty: accepted): those of the
    rejecting findings on it, then :data:`BATCH_REJECTED_277` when its file is rejected as a
    whole (``verdict.batch``: a finding at or above ``--fail-on`` on no claim)."""
    for claim in tx.claims:
        statuses: list[Status277] = []
        for k in verdict.claim_findings(claim):
            if findings[k].status_277 not in statuses:
                statuses.append(findings[k].status_277)
        if verdict.batch and BATCH_REJECTED_277 not in statuses:
            statuses.append(BATCH_REJECTED_277)
        yield claim, statuses


def render(report: Report, out: TextIO, options: FormatOptions) -> None:
    now = now_of(options)
    date = now.strftime("%Y%m%d")
    by_file = findings_by_file(report, options)
    w = Writer(out)
    control = 0
    verdicts: dict[str, FileVerdict] = {}
    for interchange in report.interchanges:
        txs = [(g, tx) for g in interchange.groups for tx in g.transactions if tx.st01 == "837"]
        if not txs:
            continue
        control += 1
        isa(w, interchange, control, now)
        gs(w, "HN", txs[0][0].gs02, txs[0][0].gs03, control, VERSION, now)
        findings = by_file.get(interchange.file, [])
        verdict = verdicts.get(interchange.file)
        if verdict is None:
            verdict = verdicts[interchange.file] = file_verdict(
                [i for i in report.interchanges if i.file == interchange.file],
                [placed(a) for a in findings],
            )
        for n, (_group, tx) in enumerate(txs, start=1):
            _transaction(w, tx, findings, verdict, n, control, date, now.strftime("%H%M"))
        w.ge()
        w.iea()


def _counts(w: Writer, results: list[tuple[AckClaim, list[Status277]]]) -> None:
    accepted = [c for c, s in results if not s]
    rejected = [c for c, s in results if s]
    w.seg("QTY", "90", str(len(accepted)))
    w.seg("QTY", "AA", str(len(rejected)))
    w.seg("AMT", "YU", _money(sum((_amount(c.charge) for c in accepted), Decimal(0))))
    w.seg("AMT", "YY", _money(sum((_amount(c.charge) for c in rejected), Decimal(0))))


def _transaction(
    w: Writer,
    tx: AckTransaction,
    findings: list[AckFinding],
    verdict: FileVerdict,
    n: int,
    control: int,
    date: str,
    time: str,
) -> None:
    results = list(claim_statuses(tx, findings, verdict))
    total = sum((_amount(c.charge) for c, _ in results), Decimal(0))
    w.st(["ST", "277", "", VERSION], n)
    w.seg("BHT", "0085", "08", clean(tx.bht03) or clean(tx.st02) or "0", date, time, "TH")
    # 2000A information source: whoever received the 837 (its NM1*40)
    w.seg("HL", "1", "", "20", "1")
    w.seg(
        "NM1",
        "AY",
        "2",
        clean(tx.receiver_name) or "RECEIVER",
        "",
        "",
        "",
        "",
        "46",
        clean(tx.receiver_id) or "0",
    )
    w.seg("TRN", "1", f"{control}{n:04d}")
    w.seg("DTP", "050", "D8", date)
    w.seg("DTP", "009", "D8", date)
    # 2000B information receiver: the 837's submitter (its NM1*41)
    w.seg("HL", "2", "1", "21", "1")
    w.seg(
        "NM1",
        "41",
        "2",
        clean(tx.submitter_name) or "SUBMITTER",
        "",
        "",
        "",
        "",
        "46",
        clean(tx.submitter_id) or "0",
    )
    w.seg("TRN", "2", clean(tx.bht03) or clean(tx.st02) or "0")
    if verdict.batch:  # the whole unit of work is rejected (X12 RFI 2145: 2200B STC03 U)
        w.seg("STC", BATCH_REJECTED_277.composite(COMPONENT), date, "U", _money(total))
    else:
        w.seg("STC", f"A1{COMPONENT}19", date, "WQ", _money(total))
    _counts(w, results)
    hl = 2
    i = 0
    while i < len(results):
        # 2000C: consecutive claims of one billing provider
        npi = results[i][0].provider_npi
        j = i
        while j < len(results) and results[j][0].provider_npi == npi:
            j += 1
        group = results[i:j]
        hl += 1
        provider_hl = hl
        w.seg("HL", str(provider_hl), "2", "19", "1")
        first = group[0][0]
        w.seg(
            "NM1",
            "85",
            "2",
            clean(first.provider_name or "") or "PROVIDER",
            "",
            "",
            "",
            "",
            "XX",
            clean(npi or "") or "0",
        )
        w.seg("TRN", "1", clean(npi or "") or "0")
        _counts(w, group)
        for claim, statuses in group:
            hl += 1
            w.seg("HL", str(hl), str(provider_hl), "PT")
            w.seg("NM1", "QC", "1")
            # TRN02 is required: a claim without CLM01 (always rejected, CL116) is named by
            # its CLM segment's position in the transaction set (ST is 1), as the 999's IK302
            trace = clean(claim.claim_id) or f"NOCLM01-SEG{claim.ordinal - tx.ordinal + 1}"
            w.seg("TRN", "2", trace)
            charge = _money(_amount(claim.charge))
            for status in statuses or [ACCEPTED_277]:
                w.seg("STC", status.composite(COMPONENT), date, "U" if statuses else "WQ", charge)
            if claim.ref_d9:
                w.seg("REF", "D9", clean(claim.ref_d9))
        i = j
    w.se()
