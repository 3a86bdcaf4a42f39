"""Chart-note vocabulary: what a restorative note must say, as word tables (DOMAIN §6.3, §6.4).

``read_note(text)`` pulls out the facts the documentation rules compare with the claim: teeth
named, surfaces named, materials named, whether a clinical reason is given, and the special
evidence some codes need (dentin involvement for D2391, incisal angle for D2335, pin
rationale for D2951). It is a heuristic reader of free text, not a clinical parser: it looks
for the words billing auditors look for.
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
    (r"\bgold\b|full[- ]cast|cast[- ]metal|\bnoble\b|base[- ]metal|\bfgc\b", "metal"),
)  # fmt: skip

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


def _has(pattern: str, text: str) -> bool:
    return re.search(pattern, text, re.IGNORECASE) is not None


def read_note(text: str) -> NoteFacts:
    facts = NoteFacts()
    for pattern in _TOOTH_PATTERNS:
        for match in pattern.finditer(text):
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
        if re.search(pattern, lowered):
            facts.materials.add(material)
            lowered = re.sub(pattern, " ", lowered)
    facts.has_reason = _has(REASON_WORDS, text)
    facts.sealant = _has(SEALANT_WORDS, text)
    facts.dentin = _has(DENTIN_WORDS, text)
    facts.incisal_angle = _has(INCISAL_ANGLE_WORDS, text)
    facts.pins = _has(PIN_WORDS, text)
    facts.pin_rationale = _has(PIN_RATIONALE_WORDS, text)
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
