"""Chart-note vocabulary: what a restorative note must say, as word tables (DOMAIN §6.3, §6.4).

``read_note(text)`` pulls out the facts the documentation rules compare with the claim: teeth
named, surfaces named, materials named, whether a clinical reason is given, and the special
evidence some codes need (dentin involvement for D2391, incisal angle for D2335, pin
rationale for D2951). It is a heuristic reader of free text, not a clinical parser: it looks
for the words billing auditors look for, in full or in the usual shorthand
(``MATERIAL_SHORTHAND``: comp, RBC, amal, alloy, GI, RMGI, PFM, zirc …), and a finding that a
negation cancels in its clause ("enamel only, no dentin involvement") is not read as stated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

#: surface words (and combining forms: "mesio-occlusal") -> surface letter
SURFACE_WORDS: dict[str, str] = {
    "mesial": "M", "mesio": "M",
    "occlusal": "O", "occluso": "O",
    "distal": "D", "disto": "D",
    "buccal": "B", "bucco": "B",
    "lingual": "L", "linguo": "L",
    "facial": "F", "facio": "F", "labial": "F",
    "incisal": "I", "inciso": "I",
}  # fmt: skip

#: material words -> the coarse material classes of claimlint.dental.benefits.MATERIAL;
#: longer phrases first (porcelain-fused-to-metal must not also read as porcelain)
MATERIAL_WORDS: tuple[tuple[str, str], ...] = (
    (r"porcelain[- ]fused[- ]to[- ](?:(?:high[- ])?noble|(?:predominantly[- ])?base|titanium)?"
     r"(?:[- ](?:metal|alloy))?|\bpfm\b",
     "porcelain-fused-to-metal"),
    (r"\bamalgam\b|\bsilver filling", "amalgam"),
    (r"\bcomposite\b|\bresin\b|tooth[- ]colou?red|glass[- ]ionomer|\brmgi\b|\bflowable\b"
     r"|bulk[- ]fill", "composite"),
    (r"\bporcelain\b|\bceramic\b|\bzirconia\b|lithium[- ]disilicate|\be\.?max\b", "ceramic"),
    (r"\bgold\b(?:[- ]alloy)?|full[- ]cast|cast[- ]metal|\bnoble\b(?:[- ]alloy)?"
     r"|base[- ]metal(?:[- ]alloy)?|\bfgc\b", "metal"),
)  # fmt: skip

#: the shorthand chart notes use for materials (whole words, any case; read after
#: MATERIAL_WORDS, so "noble alloy" is metal before "alloy" alone is read as amalgam). Glass
#: ionomers are reported with the resin codes (DOMAIN §1), so they count as composite.
MATERIAL_SHORTHAND: dict[str, str] = {
    "comp": "composite", "compo": "composite", "rbc": "composite", "rbcr": "composite",
    "gi": "composite", "gic": "composite", "rmgi": "composite", "rmgic": "composite",
    "amal": "amalgam", "amalg": "amalgam", "alloy": "amalgam", "silver": "amalgam",
    "pfm": "porcelain-fused-to-metal",
    "zirc": "ceramic", "emax": "ceramic", "lithium": "ceramic",
    "fgc": "metal", "fmc": "metal", "fcc": "metal",
}  # fmt: skip
_SHORTHAND = re.compile(
    r"\b(" + "|".join(sorted(MATERIAL_SHORTHAND, key=len, reverse=True)) + r")\b", re.IGNORECASE
)

#: words that negate a finding named after them in the same clause ("no dentin involvement",
#: "without caries"), NegEx-style: at most NEGATION_WINDOW words before it. "non-" negates
#: only the word it is attached to ("non-carious", but a "non-carious lesion" is a lesion).
NEGATION_WORDS = (
    r"\bno\b|\bnot\b|\bwithout\b|\bw/o\b|\bden(?:y|ies|ied)\b|\bnegative for\b"
    r"|\bruled out\b|\br/o\b|\babsence of\b|\bfree of\b|\bnever\b"
)
#: words that negate a finding named just before them ("dentin involvement ruled out")
POST_NEGATION_WORDS = (
    r"^\W*(?:\w+\W+){0,2}?(?:ruled out|absent|negative|not (?:present|seen|involved|noted|"
    r"evident|found))\b"
)
NEGATION_WINDOW = 6
#: where a clause ends: negation does not reach past these
_CLAUSE_BREAK = re.compile(r"[.;:,!?\n()\[\]]|\b(?:but|however|although|though|yet)\b", re.I)

#: words that state a clinical reason for a restoration
REASON_WORDS = (
    r"\bcaries\b|\bcarious\b|\bdecay(?:ed)?\b|\blesion\b|\bfractur(?:e|ed)\b|\bbroken\b"
    r"|\bcrack(?:ed)?\b|\brecurrent\b|\bfail(?:ed|ing)\b|\bdefective\b|\bleak(?:ing|age)\b"
    r"|open margin|marginal (?:breakdown|defect|leakage)|\babfraction\b|\babrasion\b"
    r"|\berosion\b|\bworn\b|missing cusp|lost (?:filling|restoration)|\bdentin"
)
#: words suggesting a sealant / enamel-only lesion (D2391 upcoding, DOMAIN §1.1, §6.4)
SEALANT_WORDS = (
    r"\bsealant\b|\bsealed\b|pit and fissure|enamel[- ]only|(?:limited to|confined to|within)"
    r" enamel|\bincipient\b|preventive resin|\bprr\b"
)
#: words showing the lesion reached dentin
DENTIN_WORDS = r"\bdentin(?:e)?\b|\bdej\b|into dentin|\bdeep\b"
#: incisal-angle involvement (D2335)
INCISAL_ANGLE_WORDS = r"incisal (?:angle|corner|edge)|class (?:iv|4)\b"
#: why pins were needed (D2951)
PIN_RATIONALE_WORDS = (
    r"\bretention\b|\bretentive\b|insufficient (?:tooth )?structure|lack of (?:tooth )?structure"
    r"|missing cusp|lost cusp|\bcusp(?:s)? (?:missing|fractured|lost)|extensive loss"
)
PIN_WORDS = r"\bpins?\b"

_TOOTH_PATTERNS = (
    re.compile(r"#\s*(\d{1,2}|[A-Ta-t])(?![A-Za-z0-9])"),
    re.compile(r"\btooth\s+(?:#\s*)?(\d{1,2}|[A-T])\b", re.IGNORECASE),
    re.compile(r"(?<![\w$.])(\d{1,2})-(?=[MODBLIF]{1,5}\b)"),
)
_TOOTH_SURFACE = re.compile(r"(?:#\s*)?\b(\d{1,2}|[A-T])\s*-\s*([MODBLIF]{1,5})\b")
_SURFACE_TOKEN = re.compile(r"(?<![\w#-])([MODBLIF]{1,5})(?![\w-])")
_SURFACE_WORD = re.compile(
    r"\b(" + "|".join(sorted(SURFACE_WORDS, key=len, reverse=True)) + r")", re.IGNORECASE
)


@dataclass(slots=True)
class NoteFacts:
    teeth: set[str] = field(default_factory=set)
    surfaces: set[str] = field(default_factory=set)
    materials: set[str] = field(default_factory=set)
    has_reason: bool = False
    sealant: bool = False
    dentin: bool = False
    incisal_angle: bool = False
    pins: bool = False
    pin_rationale: bool = False


def states(pattern: str, text: str) -> bool:
    """Does the note state ``pattern`` (a match that no negation in its clause cancels)?"""
    return any(
        not negated(text, m.start(), m.end()) for m in re.finditer(pattern, text, re.IGNORECASE)
    )


def negated(text: str, start: int, end: int) -> bool:
    """Is ``text[start:end]`` negated in its clause: a negation word at most
    ``NEGATION_WINDOW`` words before it ("no dentin"), or a post-negation just after it
    ("dentin ruled out")? Commas, semicolons, full stops and "but" end a clause."""
    if text[max(0, start - 4) : start].lower() == "non-":
        return True
    clause_start = 0
    for brk in _CLAUSE_BREAK.finditer(text, 0, start):
        clause_start = brk.end()
    before = text[clause_start:start].split()[-NEGATION_WINDOW:]
    if before and re.search(NEGATION_WORDS, " ".join(before), re.IGNORECASE):
        return True
    stop = _CLAUSE_BREAK.search(text, end)
    after = text[end : stop.start() if stop else len(text)]
    return re.match(POST_NEGATION_WORDS, after, re.IGNORECASE) is not None


def read_note(text: str) -> NoteFacts:
    facts = NoteFacts()
    for tooth_pattern in _TOOTH_PATTERNS:
        for match in tooth_pattern.finditer(text):
            tooth = match.group(1).upper().lstrip("0")
            facts.teeth.add(tooth)
    for match in _TOOTH_SURFACE.finditer(text):
        facts.surfaces.update(match.group(2))
    for match in _SURFACE_TOKEN.finditer(text):
        token = match.group(1)
        if token in ("I", "O", "D", "MD", "DO") and not _surface_context(text, match.start()):
            continue  # "I placed", "MD", "DO" in prose: only count next to a tooth or code
        facts.surfaces.update(token)
    for match in _SURFACE_WORD.finditer(text):
        facts.surfaces.add(SURFACE_WORDS[match.group(1).lower()])
    lowered = text.lower()
    for pattern, material in MATERIAL_WORDS:
        if states(pattern, lowered):
            facts.materials.add(material)
        # matched words are blanked (same length) so shorthand does not read them again
        lowered = re.sub(pattern, lambda m: " " * len(m.group(0)), lowered)
    for match in _SHORTHAND.finditer(lowered):
        if not negated(lowered, match.start(), match.end()):
            facts.materials.add(MATERIAL_SHORTHAND[match.group(1)])
    facts.has_reason = states(REASON_WORDS, text)
    facts.sealant = states(SEALANT_WORDS, text)
    facts.dentin = states(DENTIN_WORDS, text)
    facts.incisal_angle = states(INCISAL_ANGLE_WORDS, text)
    facts.pins = states(PIN_WORDS, text)
    facts.pin_rationale = states(PIN_RATIONALE_WORDS, text)
    return facts


def _surface_context(text: str, start: int) -> bool:
    """A short surface token counts when a tooth number or a surface/code word is just before."""
    before = text[max(0, start - 12) : start]
    return bool(re.search(r"(#\s*\w{1,2}|tooth\s+#?\s*\w{1,2}|surfaces?:?)\s*,?\s*$", before, re.I))


def normalise(text: str) -> str:
    """Note text for clone detection: lower case, teeth and surfaces blanked, spaces folded."""
    text = text.lower()
    text = re.sub(r"#\s*\w{1,2}\b|\btooth\s+#?\s*\w{1,2}\b", "#", text)
    text = re.sub(r"\b[modblif]{1,5}\b", "", text)
    return " ".join(text.split())
