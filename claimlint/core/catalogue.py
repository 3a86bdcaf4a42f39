"""The rules readers report through: code, name, summary and default severity, nothing more.

A reader sees problems a check cannot (a file that will not parse, a value of the wrong type, an
X12 envelope that does not balance) and reports them as findings of a rule. It names the rule
through this catalogue and never imports a check class: the catalogue is the small piece of
rule metadata both sides read (ruff's parser emits parse errors the same way, and the linter
maps them to diagnostics). Each entry is documented by a check class in ``claimlint.checks``
that declares ``catalogued = <entry>`` and takes its metadata from it, so ``claimlint rule
CL101``, the SARIF rule list and the docs describe these rules like any other
(``tests/test_layering.py`` holds that every entry has one).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from claimlint.core.ackcodes import Ack999, Status277
from claimlint.core.findings import Finding, Location, Severity, printable
from claimlint.core.model import SourceRef


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule a reader reports: its public metadata and a way to build its findings."""

    code: str
    name: str
    summary: str
    severity: Severity = Severity.ERROR
    #: how its findings show in a 999 and a 277CA (``claimlint.core.ackcodes``; None: the default
    #: for its scope)
    ack_999: Ack999 | None = None
    status_277: Status277 | None = None

    def make(
        self,
        message: str,
        *,
        ref: SourceRef | None = None,
        file: str | None = None,
        claim_id: str | None = None,
        line: int | None = None,
        field: str | None = None,
        evidence: dict[str, Any] | None = None,
        severity: Severity | None = None,
        data: dict[str, Any] | None = None,
    ) -> Finding:
        """A finding of this rule, located at ``ref`` (or at what the keywords name)."""
        return new_finding(
            self.code,
            self.name,
            severity or self.severity,
            message,
            ref=ref,
            file=file,
            claim_id=claim_id,
            line=line,
            field=field,
            evidence=evidence,
            data=data,
        )


def new_finding(
    code: str,
    name: str,
    severity: Severity,
    message: str,
    *,
    ref: SourceRef | None = None,
    file: str | None = None,
    claim_id: str | None = None,
    line: int | None = None,
    field: str | None = None,
    evidence: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
) -> Finding:
    """A finding of rule ``code``: what ``Rule.make`` and ``Check.make`` both build."""
    return Finding(
        code=code,
        name=name,
        severity=severity,
        message=printable(message),
        location=Location.from_ref(ref, file=file, claim_id=claim_id, line=line, field=field),
        evidence=evidence,
        data=data,
    )


# -- every reader ----------------------------------------------------------------------------

UNREADABLE_FILE = Rule(
    "CL001",
    "unreadable-file",
    "File cannot be read or parsed",
    ack_999=Ack999(segment="8", transaction="5"),
    status_277=Status277("A3", "21"),
)
SCHEMA_VIOLATION = Rule("CL002", "schema-violation", "Record does not match the input schema")
UNKNOWN_COLUMN = Rule(
    "CL003",
    "unknown-column",
    "CSV column is not known to the column mapping",
    Severity.WARNING,
)
#: a date the reader could not read is reported at its cell by the rule that judges dates
DATE_OF_SERVICE = Rule(
    "CL112",
    "date-of-service",
    "Missing, invalid or future date of service; or a dated predetermination",
    status_277=Status277("A7", "187"),
)

#: a legacy letter code for an area of the oral cavity (UR, FM …) the reader converted
LEGACY_AREA_CODE = Rule(
    "CL708",
    "legacy-area-code",
    "Legacy letter code for an area of the oral cavity converted to the two-digit code",
    Severity.INFO,
)

# -- the 837D reader: envelope and structure -------------------------------------------------

ISA_MALFORMED = Rule(
    "CL101",
    "isa-malformed",
    "ISA header is not 106 characters with distinct delimiters",
    ack_999=Ack999(segment=None, transaction="5"),
)
CONTROL_NUMBER_MISMATCH = Rule(
    "CL102",
    "control-number-mismatch",
    "Envelope trailer control number differs from its header",
    ack_999=Ack999(segment=None, transaction="3", group="4"),
)
SEGMENT_COUNT_MISMATCH = Rule(
    "CL103",
    "segment-count-mismatch",
    "SE01/GE01/IEA01 count does not match the content",
    ack_999=Ack999(segment=None, transaction="4", group="5"),
)
NOT_DENTAL_CLAIM = Rule(
    "CL104",
    "not-837d-5010",
    "Not an 837D 005010X224A2 transaction set",
    ack_999=Ack999(segment=None, transaction="I6", group="2"),
)
HIERARCHY_ERROR = Rule(
    "CL105",
    "hierarchy-error",
    "HL hierarchy is inconsistent",
    ack_999=Ack999(segment="8", element="I12"),
)
REQUIRED_SEGMENT_MISSING = Rule(
    "CL116",
    "required-segment-missing",
    "A required loop, segment or element is missing",
    ack_999=Ack999(segment="3", element="1"),
    status_277=Status277("A6", "21"),
)
INVALID_ELEMENT_VALUE = Rule(
    "CL117",
    "invalid-element-value",
    "Element value outside its code list or of the wrong type",
    ack_999=Ack999(segment="8", element="7"),
)
SEGMENT_OUT_OF_ORDER = Rule(
    "CL118",
    "segment-out-of-order",
    "Segment out of its loop's order",
    ack_999=Ack999(segment="7"),
)
SECONDARY_WITHOUT_OTHER_PAYER = Rule(
    "CL119",
    "secondary-without-other-payer",
    "Secondary claim without other-payer loop 2320/2330",
    ack_999=Ack999(segment="I6"),
    status_277=Status277("A6", "21"),
)
TOO_MANY_ELEMENTS = Rule(
    "CL120",
    "too-many-elements",
    "Segment has more elements than its definition",
    ack_999=Ack999(segment="8", element="3", transaction="5"),
)
ENVELOPE_NOT_CLOSED = Rule(
    "CL121",
    "envelope-not-closed",
    "Truncated file or missing SE/GE/IEA",
    ack_999=Ack999(segment=None, transaction="2", group="3"),
)
INVALID_CHARACTERS = Rule(
    "CL122",
    "invalid-characters",
    "Garbage bytes or invalid segment",
    ack_999=Ack999(segment="1", element="6", transaction="5"),
)

#: every entry, by code
RULES: dict[str, Rule] = {
    rule.code: rule for rule in list(globals().values()) if isinstance(rule, Rule)
}
