"""Claim content rules from the X12 catalogue that hold for every input format (CL106–CL114).

They read the canonical model only, so they run the same on JSON, CSV, XML and 837D input;
the reader's ``refs`` place each finding on the element (``CLM02``, ``SV302`` …) or pointer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from decimal import Decimal

from claimlint.checks.base import Check, Context
from claimlint.core.ackcodes import Status277
from claimlint.core.findings import Finding, Scope, Severity
from claimlint.core.model import Claim, ServiceLine
from claimlint.dental.cdt import CODES
from claimlint.dental.npi import normalize_npi, npi_valid, npi_valid_cached

VALID_FREQUENCIES = frozenset({"1", "7", "8"})
NEEDS_ORIGINAL = frozenset({"7", "8"})
NOTE_MAX_CHARS = 80
NOTE_MAX_COUNT = 5
NOTE_CODE = "ADD"
ATTACHMENT_ON_REQUEST = "AA"
ATTACHMENT_CONTROL_LENGTH = (2, 80)
CDT_CODE = re.compile(r"D\d{4}")
CDT_QUALIFIER = "AD"
# "PO BOX 12", "P.O. Box", "Post Office Box", "POB 4", "Lock Box"
PO_BOX = re.compile(r"\b(?:P\.?\s*O\.?\s*B(?:OX)?|POST\s+OFFICE\s+BOX|LOCK\s*BOX)\b", re.I)


_ZERO = Decimal(0)


def _money(value: Decimal) -> str:
    """``$1,234.50`` (``-$5.00``): amounts in messages always carry the dollar sign."""
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"


class ClaimTotalMismatch(Check):
    doc = """
    What it checks:
        The claim total (CLM02) is present, greater than zero, and equals the sum of the line
        charges (SV302).

    Why it matters:
        Payers balance the claim against its lines; an unbalanced or zero total is rejected at
        the front end (Stedi edits) and the claim is never adjudicated.

    Bad example:
        ``CLM*PCN1*200***11:B:1*Y*A*Y*Y~`` with lines of 200 and 100.

    Good example:
        ``CLM*PCN1*300***11:B:1*Y*A*Y*Y~`` with lines of 200 and 100.

    References:
        * X12 837 Health Care Claim: Dental, implementation guide 005010X224A2: CLM02 total claim
          charge, SV302 line item charge amount
        * Clearinghouse front-end claim edits (for example Stedi's published 837 claim edits)
    """

    code = "CL106"
    status_277 = Status277("A7", "400")
    name = "claim-total-mismatch"
    summary = "Claim total does not equal the sum of line charges"
    severity = Severity.ERROR
    scope = Scope.CLAIM

    def check(self, claim: Claim, ctx: Context) -> Iterable[Finding]:
        total = claim.total_charge
        if total is not None and claim.lines:
            line_sum = _ZERO
            for line in claim.lines:
                if line.charge is not None:
                    line_sum += line.charge
            if total == line_sum and total > 0:
                return ()
        return self._findings(claim, ctx)

    def _findings(self, claim: Claim, ctx: Context) -> Iterator[Finding]:
        total = claim.total_charge
        charges = [line.charge for line in claim.lines if line.charge is not None]
        line_sum = sum(charges, Decimal(0))
        if total is None:
            if not claim.lines:
                return  # nothing billed yet: no total to balance
            yield self.on_claim(
                claim,
                f"The claim has no total charge; enter the sum of the line charges "
                f"({_money(line_sum)}).",
                field="total_charge",
            )
            return
        uncharged = [line.line_number for line in claim.lines if line.charge is None]
        if claim.lines and total != line_sum and uncharged:
            # a missing (or unreadable, already reported) charge: the sum is not the claim's
            which = ", ".join(str(n) for n in uncharged[:10])
            more = f" and {len(uncharged) - 10} more" if len(uncharged) > 10 else ""
            yield self.on_claim(
                claim,
                f"Claim total {_money(total)} cannot be balanced: line(s) {which}{more} have "
                f"no charge (missing or unreadable); the other lines sum to "
                f"{_money(line_sum)}. Enter every line's charge, then check the total.",
                field="total_charge",
                evidence={"total": str(total), "sum": str(line_sum)},
            )
        elif claim.lines and total != line_sum:
            yield self.on_claim(
                claim,
                f"Claim total {_money(total)} does not equal the sum of line charges "
                f"{_money(line_sum)}; correct the total or the line charges.",
                field="total_charge",
                evidence={"total": str(total), "sum": str(line_sum)},
            )
        elif total <= 0 and not claim.predetermination:
            yield self.on_claim(
                claim,
                f"Claim total is {_money(total)}; a chargeable claim needs a total above zero.",
                field="total_charge",
            )


class NegativeCharge(Check):
    doc = """
    What it checks:
        No service line has a negative charge (SV302 < 0).

    Why it matters:
        Negative line amounts are rejected by clearinghouse edits; adjustments belong in the
        payment posting, not on the claim.

    Bad example:
        ``SV3*AD:D2140*-145~``

    Good example:
        ``SV3*AD:D2140*145~``

    References:
        * X12 837 Health Care Claim: Dental, implementation guide 005010X224A2: SV302 line item
          charge amount
        * Clearinghouse front-end claim edits (for example Stedi's published 837 claim edits)
    """

    code = "CL107"
    status_277 = Status277("A7", "178")
    name = "negative-charge"
    summary = "Service line charge is negative"
    severity = Severity.ERROR
    scope = Scope.LINE

    def check(self, line: ServiceLine, ctx: Context) -> Iterable[Finding]:
        if line.charge is None or line.charge >= 0:
            return ()
        return self._findings(line, ctx)

    def _findings(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
        if line.charge is not None and line.charge < 0:
            yield self.on_line(
                ctx,
                line,
                f"Line {line.line_number}: negative charge {_money(line.charge)}; bill the fee "
                "as a positive amount.",
                field="charge",
            )


class FrequencyCode(Check):
    doc = """
    What it checks:
        The claim frequency code (CLM05-3) is 1 (original), 7 (replacement) or 8 (void), and a
        replacement or void carries the payer's original claim number (REF*F8).

    Why it matters:
        Other frequency codes are invalid on a dental claim; a replacement or void without the
        original claim number cannot be matched to the claim it changes and is rejected.

    Bad example:
        ``CLM*PCN1*145***11:B:7*Y*A*Y*Y~`` with no ``REF*F8``.

    Good example:
        ``CLM*PCN1*145***11:B:7*Y*A*Y*Y~`` followed by ``REF*F8*ORIGCLAIM123~``.

    References:
        * X12 837 Health Care Claim: Dental, implementation guide 005010X224A2: CLM05-3 claim
          frequency type code (1, 7, 8) and REF*F8 payer claim control number
        * Clearinghouse front-end claim edits (for example Stedi's published 837 claim edits)
    """

    code = "CL108"
    name = "frequency-code"
    summary = "Invalid frequency code, or replacement/void without original claim number"
    severity = Severity.ERROR
    scope = Scope.CLAIM

    def check(self, claim: Claim, ctx: Context) -> Iterable[Finding]:
        code = claim.frequency_code
        if code is None or code == "1":
            return ()
        return self._findings(claim, ctx)

    def _findings(self, claim: Claim, ctx: Context) -> Iterator[Finding]:
        code = claim.frequency_code
        if code is None:
            return
        if code not in VALID_FREQUENCIES:
            yield self.on_claim(
                claim,
                f"Frequency code {code} is not valid on a dental claim; use 1 (original), "
                "7 (replacement) or 8 (void).",
                field="frequency_code",
            )
        elif code in NEEDS_ORIGINAL and not claim.original_claim_number:
            kind = "replacement" if code == "7" else "void"
            yield self.on_claim(
                claim,
                f"Frequency code {code} ({kind}) needs the payer's original claim number "
                "(REF*F8); add it or send the claim as an original (1).",
                field="frequency_code",
            )


class NpiCheckDigit(Check):
    doc = """
    What it checks:
        The billing (2010AA) and rendering (2310B) provider NPIs are 10 digits whose last
        digit is the Luhn check digit computed with the 80840 prefix.

    Why it matters:
        An NPI with a wrong check digit is a typo; the claim is rejected at the clearinghouse
        because the provider cannot be identified.

    Bad example:
        ``NM1*85*2*EXAMPLE DENTAL GROUP*****XX*1234567890~``

    Good example:
        ``NM1*85*2*EXAMPLE DENTAL GROUP*****XX*1234567893~``

    References:
        * X12 837 Health Care Claim: Dental, implementation guide 005010X224A2: loop 2010AA NM108 XX
          and NM109
        * CMS, NPI check digit: the Luhn formula over the 10-digit NPI with the prefix 80840 (ISO
          7812 card issuer identifier for US health)
    """

    code = "CL109"
    status_277 = Status277("A7", "562", "85")
    name = "npi-check-digit"
    summary = "Provider NPI fails the check digit"
    severity = Severity.ERROR
    scope = Scope.CLAIM

    def check(self, claim: Claim, ctx: Context) -> Iterable[Finding]:
        for provider in (claim.billing_provider, claim.rendering_provider):
            if provider is not None and provider.npi and not npi_valid_cached(provider.npi):
                return self._findings(claim, ctx)
        return ()

    def _findings(self, claim: Claim, ctx: Context) -> Iterator[Finding]:
        for role, provider in (
            ("billing", claim.billing_provider),
            ("rendering", claim.rendering_provider),
        ):
            if provider is None or not provider.npi:
                continue
            npi = provider.npi.strip()
            if npi_valid(npi):
                continue
            if normalize_npi(npi) is None:
                detail = "is not 10 digits"
            else:
                detail = "fails the check digit (Luhn with prefix 80840)"
            yield self.on_claim(
                claim,
                f"The {role} provider NPI {npi} {detail}; check it against the NPPES registry.",
                field=f"{role}_provider.npi",
            )


class BillingAddress(Check):
    doc = """
    What it checks:
        The billing provider's address is a street address (not a P.O. box) with a 9-digit
        ZIP code (ZIP+4).

    Why it matters:
        The 837D requires the billing provider's physical location; payers reject P.O. boxes
        there (a pay-to address can be a box) and 5-digit ZIP codes.

    Bad example:
        ``N3*PO BOX 12~N4*SPRINGFIELD*IL*62701~``

    Good example:
        ``N3*100 MAIN ST~N4*SPRINGFIELD*IL*627010001~``

    References:
        * X12 837 Health Care Claim: Dental, implementation guide 005010X224A2: loop 2010AA N3 and
          N4 (billing provider street address, nine-digit ZIP code, no post office box)
    """

    code = "CL110"
    name = "billing-address"
    summary = "Billing provider address needs a street and ZIP+4"
    severity = Severity.WARNING
    scope = Scope.CLAIM

    def check(self, claim: Claim, ctx: Context) -> Iterable[Finding]:
        provider = claim.billing_provider
        if provider is None:
            return ()
        if not provider.address:
            zip_code = provider.postal_code
            if zip_code is None or (len(zip_code) == 9 and zip_code.isdigit()):
                return ()
        return self._findings(claim, ctx)

    def _findings(self, claim: Claim, ctx: Context) -> Iterator[Finding]:
        provider = claim.billing_provider
        if provider is None:
            return
        if provider.address and PO_BOX.search(provider.address):
            yield self.on_claim(
                claim,
                "Billing provider address is a P.O. box; it must be the street address of the "
                "practice (put a box in the pay-to address instead).",
                field="billing_provider.address",
            )
        zip_code = (provider.postal_code or "").replace("-", "").strip()
        if provider.postal_code is not None and not (len(zip_code) == 9 and zip_code.isdigit()):
            yield self.on_claim(
                claim,
                f"Billing provider ZIP code {provider.postal_code} must have 9 digits (ZIP+4).",
                field="billing_provider.postal_code",
            )


class CdtProcedureCode(Check):
    doc = """
    What it checks:
        Each service line's procedure code is a CDT code, ``D`` followed by four digits, and
        (for X12 input) SV301-1 qualifies it as ``AD``.

    Why it matters:
        Dental claims carry ADA CDT codes only; a CPT code, a local code or a wrong
        qualifier is rejected before adjudication.

    Bad example:
        ``SV3*HC:D2140*145~`` or ``SV3*AD:2140*145~``

    Good example:
        ``SV3*AD:D2140*145~``

    References:
        * X12 837 Health Care Claim: Dental, implementation guide 005010X224A2: SV301-1
          product/service ID qualifier AD and SV301-2 procedure code
        * ADA, CDT Code on Dental Procedures and Nomenclature
    """

    code = "CL111"
    status_277 = Status277("A7", "454")
    name = "cdt-procedure-code"
    summary = "Procedure must be an AD-qualified CDT code"
    severity = Severity.ERROR
    scope = Scope.LINE

    def check(self, line: ServiceLine, ctx: Context) -> Iterable[Finding]:
        qualifier = line.code_qualifier
        if (qualifier is None or qualifier == CDT_QUALIFIER) and line.code in CODES:
            return ()  # every code of the CDT table is D + four digits
        return self._findings(line, ctx)

    def _findings(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
        if line.code_qualifier is not None and line.code_qualifier != CDT_QUALIFIER:
            yield self.on_line(
                ctx,
                line,
                f"Line {line.line_number}: procedure qualifier is {line.code_qualifier}; a "
                "dental claim uses AD (ADA CDT codes).",
                field="code_qualifier",
            )
        if not CDT_CODE.fullmatch(line.code):
            shown = line.code or "(empty)"
            yield self.on_line(
                ctx,
                line,
                f"Line {line.line_number}: procedure {shown} is not a CDT code (D followed by "
                "four digits).",
                field="code",
            )


class ClaimNoteLimits(Check):
    doc = """
    What it checks:
        Claim notes fit what an 837D claim can carry. The 2300 claim note (NTE) repeats up to
        five times and each NTE02 holds at most 80 characters (NTE_MAX_CHARS, NTE_MAX_COUNT;
        the 005010X224A2 loop definition gives repeat 5, AN 1-80). So:

        * 837D input: each NTE segment is judged as sent - NTE01 is ``ADD``, NTE02 at most 80
          characters (longer text is cut by the receiver), at most five NTE segments.
        * JSON, CSV and XML input: a note is narrative text that the 837D is built from, split
          over NTE segments of 80 characters (each note starting a new segment). Only notes
          that need more than five segments (at most 400 characters in all) are reported:
          the rest cannot be sent. A note over 80 characters is not itself a problem.

        The 837D service line (2400) has no note segment, so the lines' chart notes are not
        judged here (they are clinical records, CL503-CL505). Payers that keep less than the
        837D carries have no setting in the payer profile yet.

    Why it matters:
        Text that does not fit is cut off or dropped, so the narrative a reviewer needs (why a
        replacement, which surfaces) is lost and the line is denied for documentation.

    Bad example:
        A 120-character narrative in one ``NTE*ADD*…~``; in JSON, notes of 450 characters.

    Good example:
        ``NTE*ADD*REPLACING FRACTURED AMALGAM PLACED 2016~``; in JSON, a 150-character note
        (sent as two NTE segments).

    References:
        * X12 837 Health Care Claim: Dental, implementation guide 005010X224A2: loop 2300 NTE (NTE01
          ADD, NTE02 up to 80 characters, up to five repeats)
    """

    code = "CL113"
    name = "claim-note-limits"
    summary = "Claim notes longer than or more than the 837D carries"
    severity = Severity.WARNING
    scope = Scope.CLAIM

    def check(self, claim: Claim, ctx: Context) -> Iterable[Finding]:
        if not claim.notes:
            return ()
        return self._findings(claim, ctx)

    def _findings(self, claim: Claim, ctx: Context) -> Iterator[Finding]:
        x12 = claim.ref.segment_index is not None
        for i, note in enumerate(claim.notes, 1):
            if x12 and len(note.text) > NOTE_MAX_CHARS:
                yield self.on_claim(
                    claim,
                    f"Claim note {i} (NTE02) has {len(note.text)} characters; an NTE segment "
                    f"carries at most {NOTE_MAX_CHARS} and the receiver cuts the rest. Split it "
                    "over several NTE segments or shorten it.",
                    field="notes",
                    ref=note.ref,
                )
            if note.code is not None and note.code != NOTE_CODE:
                yield self.on_claim(
                    claim,
                    f"Claim note {i} has reference code {note.code}; dental claim notes use "
                    f"{NOTE_CODE}.",
                    field="notes",
                    ref=note.ref,
                )
            if x12 and i == NOTE_MAX_COUNT + 1:
                yield self.on_claim(
                    claim,
                    f"The claim has {len(claim.notes)} notes; only {NOTE_MAX_COUNT} are "
                    "transmitted, the rest is dropped.",
                    field="notes",
                    ref=note.ref,
                )
        if not x12:
            yield from self._as_segments(claim)

    def _as_segments(self, claim: Claim) -> Iterator[Finding]:
        """Notes of other formats: do they fit in the 837D's NTE segments?"""
        needed, total, first_over = 0, 0, None
        for note in claim.notes:
            total += len(note.text)
            needed += max(1, -(-len(note.text) // NOTE_MAX_CHARS))
            if needed > NOTE_MAX_COUNT and first_over is None:
                first_over = note
        if first_over is None:
            return
        count = len(claim.notes)
        yield self.on_claim(
            claim,
            f"Claim notes total {total} characters in {count} note{'s' if count > 1 else ''}, "
            f"which need {needed} NTE segments of {NOTE_MAX_CHARS} characters; an 837D claim "
            f"carries at most {NOTE_MAX_COUNT} ({NOTE_MAX_COUNT * NOTE_MAX_CHARS} characters), "
            "so the rest is dropped. Shorten the narrative or send it as an attachment (PWK).",
            field="notes",
            ref=first_over.ref,
        )


class AttachmentControlNumber(Check):
    doc = """
    What it checks:
        An attachment (PWK) sent electronically, by mail or by fax carries a control number
        (PWK06) of 2–80 characters; one marked "available on request" (PWK02 AA) carries none.

    Why it matters:
        The payer matches the attachment to the claim by the control number; without it the
        radiograph or narrative is never linked and the claim is denied for missing
        documentation. Stedi rejects a control number with AA.

    Bad example:
        ``PWK*RB*AA***AC*ATT001~``

    Good example:
        ``PWK*RB*EL***AC*ATT001~`` or ``PWK*RB*AA~``

    References:
        * X12 837 Health Care Claim: Dental, implementation guide 005010X224A2: loop 2300 PWK (PWK01
          report type, PWK02 transmission code, PWK05 AC, PWK06 attachment control number)
        * Clearinghouse front-end claim edits (for example Stedi's published 837 claim edits)
    """

    code = "CL114"
    name = "attachment-control-number"
    summary = "Attachment control number missing or not allowed"
    severity = Severity.ERROR
    scope = Scope.CLAIM

    def check(self, claim: Claim, ctx: Context) -> Iterable[Finding]:
        if not claim.attachments:
            return ()
        return self._findings(claim, ctx)

    def _findings(self, claim: Claim, ctx: Context) -> Iterator[Finding]:
        low, high = ATTACHMENT_CONTROL_LENGTH
        for i, att in enumerate(claim.attachments, 1):
            number = att.control_number
            if att.transmission == ATTACHMENT_ON_REQUEST:
                if number:
                    yield self.on_claim(
                        claim,
                        f"Attachment {i} is marked 'available on request' (AA) and must not "
                        "have a control number; remove it or change the transmission code.",
                        field="attachments",
                        ref=att.ref,
                    )
            elif not number:
                yield self.on_claim(
                    claim,
                    f"Attachment {i} ({att.type or 'no type'}) is sent "
                    f"{att.transmission or 'without a transmission code'} but has no control "
                    "number; the payer cannot match it to the claim.",
                    field="attachments",
                    ref=att.ref,
                )
            elif not low <= len(number) <= high:
                yield self.on_claim(
                    claim,
                    f"Attachment {i} control number has {len(number)} characters; it must have "
                    f"{low}–{high}.",
                    field="attachments",
                    ref=att.ref,
                )
