"""Code lists and segment shapes for the 837D (005010X224A2) subset claimlint reads.

Facts from DOMAIN.md §4 (sources [S1], [S4a], [S4b]); tables, not if-chains.
"""

from __future__ import annotations

DENTAL_VERSION = "005010X224A2"
#: read, with a CL104 warning
TOLERATED_VERSIONS = frozenset({"005010X224A3"})

#: CLM05-2 facility code qualifier: "B" (place of service codes for professional/dental)
FACILITY_QUALIFIERS = frozenset({"B"})

#: SBR01 payer responsibility sequence number code
PAYER_SEQUENCE = frozenset({"P", "S", "T", "A", "B", "C", "D", "E", "F", "G", "H", "U"})
#: sequences that mean another payer paid first: the claim needs loops 2320/2330
SECONDARY_SEQUENCES = frozenset({"S", "T", "A", "B", "C", "D", "E", "F", "G", "H"})

#: SV304 oral cavity designation (X12 element 1361, as on the ADA form item 25):
#: 00 whole mouth, 01 maxillary, 02 mandibular, 03-08 sextants, 09 other area,
#: 10 upper right, 20 upper left, 30 lower left, 40 lower right quadrant, L/R left/right
ORAL_CAVITY = frozenset(
    {"00", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "20", "30", "40", "L", "R"}
)

#: SV305 prosthesis, crown or inlay code
PLACEMENT = frozenset({"I", "R"})

#: CLM07 assignment or plan participation code
ASSIGNMENT = frozenset({"A", "B", "C"})
#: CLM06 / CLM08 yes-no; CLM09 release of information
YES_NO = frozenset({"Y", "N", "W"})
RELEASE_OF_INFORMATION = frozenset({"I", "Y"})

#: TOO01 code list qualifier for Universal tooth numbers
TOOTH_QUALIFIER = "JP"
#: TOO01 for ISO 3950 numbering (used on forms; not accepted in US 837D, DOMAIN §9.4)
ISO_TOOTH_QUALIFIER = "JO"

#: Maximum number of elements of each segment (5010 segment definitions). A segment with more
#: data elements than this is a syntax error translators reject (CL120).
MAX_ELEMENTS: dict[str, int] = {
    "ISA": 16,
    "GS": 8,
    "ST": 3,
    "BHT": 6,
    "NM1": 12,
    "PER": 9,
    "N3": 2,
    "N4": 7,
    "REF": 4,
    "PRV": 6,
    "HL": 4,
    "SBR": 9,
    "PAT": 9,
    "DMG": 11,
    "CLM": 20,
    "DTP": 3,
    "DN1": 3,
    "DN2": 6,
    "PWK": 9,
    "CN1": 6,
    "AMT": 3,
    "NTE": 2,
    "HI": 12,
    "LX": 1,
    "SV3": 11,
    "TOO": 3,
    "CAS": 19,
    "OI": 6,
    "MOA": 9,
    "SVD": 7,
    "SE": 2,
    "GE": 2,
    "IEA": 2,
}

#: the order of segments inside a 2400 service line (DOMAIN.md §4.4): LX, SV3, TOO…, DTP…,
#: then QTY/AMT/REF/NTE, then the 2420/2430 loops (NM1, SVD…). A lower rank after a higher
#: one is out of order (CL118).
LINE_ORDER: dict[str, int] = {
    "LX": 0,
    "SV3": 1,
    "TOO": 2,
    "DTP": 3,
    "QTY": 4,
    "AMT": 5,
    "REF": 6,
    "NTE": 7,
    "HCP": 8,
    "LIN": 9,
    "CTP": 9,
    "NM1": 10,
    "PRV": 10,
    "N3": 10,
    "N4": 10,
    "SVD": 11,
    "CAS": 11,
}

#: the order inside the 2300 claim header before its provider/COB loops
CLAIM_ORDER: dict[str, int] = {
    "CLM": 0,
    "DTP": 1,
    "DN1": 2,
    "DN2": 3,
    "PWK": 4,
    "CN1": 5,
    "AMT": 6,
    "REF": 7,
    "NTE": 8,
    "HI": 9,
    "HCP": 10,
    "NM1": 11,
    "PRV": 11,
    "N3": 11,
    "N4": 11,
    "SBR": 12,
    "CAS": 12,
    "AMT2": 12,
    "OI": 12,
    "MOA": 12,
}
