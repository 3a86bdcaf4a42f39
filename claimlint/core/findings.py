"""Findings, their locations, and the report that accounts for every claim read."""

from __future__ import annotations

import hashlib
import hmac
import os
import re
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING, Any, overload

from claimlint.core.model import SourceRef

if TYPE_CHECKING:
    from claimlint.core.ack import AckInterchange

REPORT_VERSION = "1.0"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return _RANK[self]

    @classmethod
    def parse(cls, value: str) -> Severity:
        try:
            return cls(value.strip().lower())
        except ValueError:
            raise ValueError(f"unknown severity {value!r}; use error, warning or info") from None

    def __str__(self) -> str:
        return self.value


_RANK = {Severity.INFO: 1, Severity.WARNING: 2, Severity.ERROR: 3}


class Scope(StrEnum):
    """What a check looks at. ``source`` checks are emitted by readers (CL001, CL002, CL1xx)."""

    SOURCE = "source"
    LINE = "line"
    CLAIM = "claim"
    BATCH = "batch"


_SEGMENT_ID = re.compile(r"[A-Z][A-Z0-9]{1,2}")


@overload
def printable(text: str) -> str: ...
@overload
def printable(text: None) -> None: ...
def printable(text: str | None) -> str | None:
    """Control characters from the input (ESC, NUL, …) escaped, so no output can drive a
    terminal or break a log line; a fast no-op for ordinary text."""
    if text is None or text.isprintable():
        return text
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text)


def segment_id(value: str | None) -> str | None:
    """An X12 segment id only when it looks like one: a line of junk (which may hold patient
    data) is never echoed as the "segment id"."""
    return value if value is not None and _SEGMENT_ID.fullmatch(value) else None


@dataclass(slots=True)
class Location:
    """Where a finding is: file, claim id, service line number, field, and the source position."""

    file: str
    claim_id: str | None = None
    line: int | None = None
    field: str | None = None
    physical_line: int | None = None
    column: int | None = None
    pointer: str | None = None
    segment_index: int | None = None
    segment_id: str | None = None

    @classmethod
    def from_ref(
        cls,
        ref: SourceRef | None,
        *,
        file: str | None = None,
        claim_id: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> Location:
        claim_id = printable(claim_id)
        if ref is None:
            return cls(file=file or "<unknown>", claim_id=claim_id, line=line, field=field)
        return cls(
            file=file or ref.file,
            claim_id=claim_id,
            line=line,
            field=field or ref.field,
            physical_line=ref.line,
            column=ref.column,
            pointer=ref.pointer,
            segment_index=ref.segment_index,
            segment_id=segment_id(ref.segment_id),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "claim_id": self.claim_id,
            "line": self.line,
            "field": self.field,
            "position": {
                "line": self.physical_line,
                "column": self.column,
                "pointer": self.pointer,
                "segment_index": self.segment_index,
                "segment_id": self.segment_id,
            },
        }

    def describe(self) -> str:
        """A short human position: ``line 12, col 4`` / ``segment 23 (TOO)`` / ``/claims/3``."""
        parts: list[str] = []
        if self.segment_index is not None:
            seg = f"segment {self.segment_index}"
            if self.segment_id:
                seg += f" ({self.segment_id})"
            parts.append(seg)
        if self.physical_line is not None:
            pos = f"line {self.physical_line}"
            if self.column is not None:
                pos += f", col {self.column}"
            parts.append(pos)
        if self.pointer and self.segment_index is None and self.pointer != self.field:
            parts.append(self.pointer)
        return "; ".join(parts)


@dataclass(slots=True)
class Finding:
    code: str
    name: str
    severity: Severity
    message: str
    location: Location
    evidence: dict[str, Any] | None = None
    fingerprint: str = ""
    #: structured facts a formatter renders (codes, payer, dollar amounts as strings); never
    #: PHI, so always in the JSON report, unlike ``evidence``. The HTML report's money section
    #: reads it from CL405 and CL601 findings.
    data: dict[str, Any] | None = None

    def sort_key(self) -> tuple[str, int, int, int, str, str, str]:
        loc = self.location
        return (
            loc.file,
            loc.segment_index or 0,
            loc.physical_line or 0,
            loc.line or 0,
            self.code,
            loc.field or "",
            self.message,
        )

    def to_dict(self, *, show_values: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "code": self.code,
            "name": self.name,
            "severity": self.severity.value,
            "message": self.message,
            "location": self.location.to_dict(),
            "fingerprint": self.fingerprint,
        }
        if self.data:
            data["data"] = self.data
        if show_values and self.evidence:
            data["evidence"] = self.evidence
        return data


# The fingerprint key keeps raw identifiers (claim ids, which may embed account numbers) out of
# baselines while staying stable across runs. Override with CLAIMLINT_FINGERPRINT_KEY.
_DEFAULT_KEY = os.environ.get("CLAIMLINT_FINGERPRINT_KEY", "claimlint-fingerprint-v1").encode()


#: rules that are always on: ``select``/``ignore``, severity overrides, per-file-ignores, ignore
#: entries and the baseline leave them alone, and a CL001 error fails the run whatever
#: ``--fail-on`` or ``--exit-zero`` say (an input that could not be read must never pass CI as
#: "0 claims, no findings"). CL001 *warnings* (a file read with a caveat, e.g. mixed encodings)
#: count like any warning.
ALWAYS_ON = frozenset({"CL001"})


def is_read_failure(finding: Finding) -> bool:
    """A file or folder that could not be read: it always fails the run."""
    return finding.code in ALWAYS_ON and finding.severity is Severity.ERROR


def fingerprint(
    code: str,
    file: str,
    claim_id: str | None,
    line: int | None,
    field: str | None,
    *,
    key: bytes = _DEFAULT_KEY,
    occurrence: int = 0,
) -> str:
    """A stable, keyed hash of what the finding is about; never of line numbers or values.

    ``file`` should be the path as given relative to the project (callers pass the basename
    when they want moves between folders not to matter).
    """
    material = (
        f"{code}\x1f{file}\x1f{claim_id or ''}\x1f{line or 0}\x1f{field or ''}\x1f{occurrence}"
    )
    return hmac.new(key, material.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def project_path(file: str, root: str | None) -> str:
    """A file as a POSIX path relative to the project root when it lies inside it, so that
    fingerprints and baselines do not depend on how the path was typed (``a.json``,
    ``./a.json``, ``/abs/project/a.json``). Stdin and paths outside the root stay as given."""
    if file.startswith("<") or not root:
        return file
    return _project_path(file, root, os.getcwd())


@lru_cache(maxsize=1024)
def _project_path(file: str, root: str, cwd: str) -> str:
    from pathlib import Path

    path = Path(file)
    try:
        full = path if path.is_absolute() else Path(cwd) / path
        return full.resolve().relative_to(Path(root)).as_posix()
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop
        return path.as_posix()


@dataclass(slots=True)
class Summary:
    files: int = 0
    claims_read: int = 0
    claims_linted: int = 0
    claims_unparsable: int = 0
    by_severity: dict[str, int] = field(
        default_factory=lambda: {"error": 0, "warning": 0, "info": 0}
    )

    @property
    def findings(self) -> int:
        return sum(self.by_severity.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "claims_read": self.claims_read,
            "claims_linted": self.claims_linted,
            "claims_unparsable": self.claims_unparsable,
            "findings": self.findings,
            "findings_by_severity": dict(self.by_severity),
        }


@dataclass(slots=True)
class Report:
    findings: list[Finding] = field(default_factory=list)
    summary: Summary = field(default_factory=Summary)
    files: list[str] = field(default_factory=list)
    rules: dict[str, Any] = field(default_factory=dict)
    #: the project root that fingerprints are relative to (set by the engine)
    root: str | None = None
    #: human notes about the run (stale baseline entries, unused ignores), shown on stderr
    notes: list[str] = field(default_factory=list)
    #: what suppressions did (claimlint.report.suppress); None until they have been applied
    suppressions: dict[str, Any] | None = None
    #: findings taken out by suppressions, as (kind, finding); kind: "per-file-ignores",
    #: "ignore" or "baseline". Not printed; kept so that --write-baseline can carry them over.
    suppressed: list[tuple[str, Finding]] = field(default_factory=list)
    #: the 837D envelopes and claims the acknowledgment formats (999, 277CA) answer; filled
    #: only when one of them is asked for (claimlint.running.acks), empty otherwise. No PHI.
    interchanges: list[AckInterchange] = field(default_factory=list)

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)
        self.summary.by_severity[finding.severity.value] += 1

    def read_failed(self) -> bool:
        """A file or folder of the run could not be read (it always fails the run)."""
        return any(is_read_failure(f) for f in self.findings)

    def max_severity(self) -> Severity | None:
        best: Severity | None = None
        for f in self.findings:
            if best is None or f.severity.rank > best.rank:
                best = f.severity
        return best

    def to_dict(self, *, show_values: bool = False) -> dict[str, Any]:
        data: dict[str, Any] = {
            "version": REPORT_VERSION,
            "tool": {"name": "claimlint"},
            "findings": [f.to_dict(show_values=show_values) for f in self.findings],
            "summary": self.summary.to_dict(),
        }
        if self.suppressions is not None:
            data["suppressions"] = self.suppressions
        return data
