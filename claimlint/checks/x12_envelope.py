"""X12 envelope and structure rules (CL101–CL105, CL116–CL122), emitted by the 837D reader.

These are ``Scope.SOURCE`` checks: the classes hold metadata and documentation; the reader in
``claimlint.readers.x12.reader`` builds the findings with ``Check.make`` and locates each one on the
segment (ordinal in the file, physical line and column) and element.
"""

from __future__ import annotations

from claimlint.checks.base import Check
from claimlint.core import catalogue
from claimlint.core.findings import Scope, Severity


class _X12Source(Check):
    severity = Severity.ERROR
    scope = Scope.SOURCE
    formats = ("x12",)
    tags = ("x12",)


class IsaMalformed(_X12Source):
    doc = """
    What it checks:
        The ISA interchange header is exactly 106 characters (its terminator included) with
        the element separator at position 4, the repetition separator in ISA11, the component
        separator in ISA16 and the segment terminator right after it, all different.

    Why it matters:
        The receiver finds every delimiter at those fixed positions; a header one space short
        makes the whole interchange unreadable and it is rejected before any claim is seen.

    Bad example:
        ``ISA*00**00**ZZ*SENDER*ZZ*RECEIVER*250115*1200*^*00501*000000001*0*T*:~`` (fields not
        padded to their fixed widths).

    Good example:
        A 106-character header, every field padded to its fixed width:
        ``ISA*00*          *00*          *ZZ*CLAIMLINTDEMO  *ZZ*RECEIVER01     *250115*``
        ``1200*^*00501*000000001*0*T*:~`` (one line in the file).

    References:
        * X12 5010 interchange control structure: ISA/IEA, GS/GE, ST/SE envelopes; ISA is a
          fixed-length 106-character segment whose 4th character, ISA16 and the character after
          ISA16 set the delimiters
        * X12 837 Health Care Claim: Dental, implementation guide 005010X224A2
    """

    catalogued = catalogue.ISA_MALFORMED


class ControlNumberMismatch(_X12Source):
    doc = """
    What it checks:
        Each envelope's trailer repeats its header's control number: ISA13 = IEA02,
        GS06 = GE02, ST02 = SE02.

    Why it matters:
        Translators pair headers and trailers by control number; a mismatch rejects the
        interchange, the functional group or the transaction set (a 999/TA1 rejection).

    Bad example:
        ``ST*837*0001*005010X224A2~`` … ``SE*27*0002~``

    Good example:
        ``ST*837*0001*005010X224A2~`` … ``SE*27*0001~``

    References:
        * X12 5010 interchange control structure: ISA/IEA, GS/GE, ST/SE envelopes (ISA13 = IEA02,
          GS06 = GE02, ST02 = SE02)
        * X12 837 Health Care Claim: Dental, implementation guide 005010X224A2
    """

    catalogued = catalogue.CONTROL_NUMBER_MISMATCH


class SegmentCountMismatch(_X12Source):
    doc = """
    What it checks:
        SE01 equals the number of segments from ST to SE inclusive; GE01 equals the number of
        transaction sets in the group; IEA01 equals the number of functional groups.

    Why it matters:
        A count that lies is how a receiver detects a transmission that lost or gained
        segments; it rejects the transaction set (or the group/interchange).

    Bad example:
        ``SE*26*0001~`` closing a transaction set of 27 segments.

    Good example:
        ``SE*27*0001~`` closing a transaction set of 27 segments (ST and SE included).

    References:
        * X12 5010 interchange control structure: ISA/IEA, GS/GE, ST/SE envelopes (SE01 segments in
          the set, GE01 transaction sets, IEA01 functional groups)
        * X12 837 Health Care Claim: Dental, implementation guide 005010X224A2
    """

    catalogued = catalogue.SEGMENT_COUNT_MISMATCH


class NotDentalClaim(_X12Source):
    doc = """
    What it checks:
        The transaction set is an 837 dental claim, version 005010X224A2 (GS08 and ST03).
        Addendum 3 (005010X224A3) is read with a warning; anything else (an 837P
        005010X222A1, say) is reported once and its claims are counted but not linted.

    Why it matters:
        A payer that expects the dental implementation guide rejects other versions outright;
        the dental rules also do not apply to professional or institutional claims.

    Bad example:
        ``GS*HC*SENDER*RECEIVER*20250115*1200*1*X*005010X222A1~``

    Good example:
        ``GS*HC*SENDER*RECEIVER*20250115*1200*1*X*005010X224A2~``

    References:
        * X12 837 Health Care Claim: Dental, implementation guide 005010X224A2 (GS08 and ST03 =
          005010X224A2, GS01 = HC)
        * 45 CFR 162.1102 (HIPAA adopts 005010X224A2 as the standard for dental claims)
    """

    catalogued = catalogue.NOT_DENTAL_CLAIM


class HierarchyError(_X12Source):
    doc = """
    What it checks:
        The HL tree: ids are unique in the transaction set, each parent id (HL02) exists,
        levels nest 20 (billing provider) → 22 (subscriber) → 23 (patient), HL04 says whether
        a child follows, and a 2000C patient loop appears only when the patient is not the
        subscriber (SBR02 is not 18). Claims under a broken hierarchy are counted as unparsable.

    Why it matters:
        Payers attach each claim to the provider, subscriber and patient through the HL tree;
        a dangling parent or a restarted id sends the claim to the wrong member or rejects it.

    Bad example:
        ``HL*2*7*22*0~`` (there is no HL 7).

    Good example:
        ``HL*1**20*1~`` … ``HL*2*1*22*0~``

    References:
        * X12 837 Health Care Claim: Dental, implementation guide 005010X224A2: HL hierarchy 2000A
          billing provider (HL03 20), 2000B subscriber (22), 2000C patient (23); HL02 parent and
          HL04 child codes
    """

    catalogued = catalogue.HIERARCHY_ERROR


class RequiredSegmentMissing(_X12Source):
    doc = """
    What it checks:
        Segments and elements the 837D requires are present: the submitter (1000A NM1*41) and
        receiver (1000B NM1*40) loops, the billing provider's NPI (2010AA NM108 XX with
        NM109), the claim's CLM01, CLM02, CLM05 and CLM07, and an SV3 in every service line.

    Why it matters:
        Front-end edits reject a transaction set without a submitter or receiver, and a claim
        without a billing NPI or assignment code, before the payer ever adjudicates it.

    Bad example:
        ``NM1*85*2*EXAMPLE DENTAL GROUP****XX*1234567893~`` (the NPI sits in NM108, NM109 is
        empty) or ``CLM*PCN0001*395***11:B:1*Y**Y*Y~`` (CLM07 empty).

    Good example:
        ``NM1*85*2*EXAMPLE DENTAL GROUP*****XX*1234567893~`` and
        ``CLM*PCN0001*395***11:B:1*Y*A*Y*Y~``

    References:
        * X12 837 Health Care Claim: Dental, implementation guide 005010X224A2: required loops,
          segments and elements (usage R)
    """

    catalogued = catalogue.REQUIRED_SEGMENT_MISSING


class InvalidElementValue(_X12Source):
    doc = """
    What it checks:
        Coded elements hold a value from their code list: CLM05-2 is ``B``; SV304 oral cavity
        codes are 00–09, 10, 20, 30, 40, L or R; SBR01 is P, S, T, A–H or U; SV305 is I or R;
        CLM07 is A, B or C. Amounts (CLM02, SV302) and counts (SV306) are numbers.

    Why it matters:
        A value outside the code list fails the payer's front-end edits (999 rejection); a
        quadrant written as ``UR`` instead of ``10`` cannot be adjudicated.

    Bad example:
        ``CLM*CLM0001*250***11:01:1*Y*A*Y*Y~`` (CLM05-2 ``01``), ``SV3*AD:D4341*200**UR~``

    Good example:
        ``CLM*CLM0001*250***11:B:1*Y*A*Y*Y~``, ``SV3*AD:D4341*200**10~``

    References:
        * X12 837 Health Care Claim: Dental, implementation guide 005010X224A2: code lists and data
          element types (ID, AN, R, DT) of each element
    """

    catalogued = catalogue.INVALID_ELEMENT_VALUE


class SegmentOutOfOrder(_X12Source):
    doc = """
    What it checks:
        Segments appear in their loop's order: in a 2400 line LX, SV3, TOO…, DTP…, REF…; in
        the 2300 claim CLM, DTP, DN2, PWK, REF, NTE, HI before the provider and other-payer
        loops; BHT and the 1000A/1000B loops only once, at the top of the transaction set.

    Why it matters:
        Translators read loops by position: a TOO after the line's DTP is outside the loop
        that defines it and is rejected or silently dropped, losing the tooth number.

    Bad example:
        ``LX*1~SV3*AD:D2140*200~DTP*472*D8*20250601~TOO*JP*10*M~``

    Good example:
        ``LX*1~SV3*AD:D2140*200~TOO*JP*10*M~DTP*472*D8*20250601~``

    References:
        * X12 837 Health Care Claim: Dental, implementation guide 005010X224A2: segment order within
          each loop
    """

    catalogued = catalogue.SEGMENT_OUT_OF_ORDER


class SecondaryWithoutOtherPayer(_X12Source):
    doc = """
    What it checks:
        A claim whose subscriber SBR01 says another payer is responsible first (S, T, A–H)
        carries the other-subscriber loop 2320 (SBR) with its 2330 other-payer names.

    Why it matters:
        A secondary payer coordinates benefits with the primary's payment; without 2320/2330
        it cannot, and rejects or pends the claim.

    Bad example:
        ``SBR*S*18******MA~`` and a claim with no 2320 SBR / 2330 NM1*IL and NM1*PR.

    Good example:
        ``SBR*P*18*GRP0001******CI~`` for a primary claim, or a secondary claim with its
        ``SBR*P*…`` 2320 loop and 2330 ``NM1*IL``/``NM1*PR``.

    References:
        * X12 837 Health Care Claim: Dental, implementation guide 005010X224A2: SBR01 payer
          responsibility sequence code; loops 2320 other subscriber information and 2330A/2330B
          other subscriber and other payer
    """

    catalogued = catalogue.SECONDARY_WITHOUT_OTHER_PAYER


class TooManyElements(_X12Source):
    doc = """
    What it checks:
        A segment has no more data elements than its definition allows (e.g. TOO has 3, SV3
        11, CLM 20, NM1 12).

    Why it matters:
        Extra elements usually mean a shifted or doubled separator; every value after it is
        read into the wrong element and the translator rejects the segment.

    Bad example:
        ``TOO*JP*30*M:O*X~``

    Good example:
        ``TOO*JP*30*M:O~``

    References:
        * X12 837 Health Care Claim: Dental, implementation guide 005010X224A2; X12 5010 segment
          definitions (maximum number of elements)
    """

    catalogued = catalogue.TOO_MANY_ELEMENTS


class EnvelopeNotClosed(_X12Source):
    doc = """
    What it checks:
        Every ST is closed by SE, every GS by GE and every ISA by IEA, and the file does not
        end in the middle of a segment (truncated transfer).

    Why it matters:
        A truncated file is rejected whole by the clearinghouse; the claim cut off at the end
        is reported as unparsable so that it is not mistaken for a complete one.

    Bad example:
        A file whose last segment is ``SV3*AD:D2392*25`` with no ``~``, SE, GE or IEA.

    Good example:
        A file ending ``SE*27*0001~GE*1*1~IEA*1*000000001~``.

    References:
        * X12 5010 interchange control structure: ISA/IEA, GS/GE, ST/SE envelopes: every ST, GS and
          ISA is closed by its SE, GE and IEA trailer
    """

    catalogued = catalogue.ENVELOPE_NOT_CLOSED


class InvalidCharacters(_X12Source):
    doc = """
    What it checks:
        Segments consist of X12 characters: a valid segment id (2–3 upper-case letters or
        digits) and no control or non-ASCII bytes except the declared delimiters.

    Why it matters:
        Garbage bytes (a binary attachment pasted into the file, a wrong encoding) make
        translators reject the interchange; the damaged segment is skipped and reading goes on.

    Bad example:
        ``\\x00\\x13\\xff~`` between two segments.

    Good example:
        Only printable ASCII between the delimiters.

    References:
        * X12 5010 interchange control structure: ISA/IEA, GS/GE, ST/SE envelopes; X12 basic and
          extended character sets
    """

    catalogued = catalogue.INVALID_CHARACTERS
