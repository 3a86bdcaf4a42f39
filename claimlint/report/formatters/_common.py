"""Small helpers shared by the CI formats (concise, github, gitlab, sarif, junit, csv).

Every format identifies a finding the same way: file, physical position (1-based; 1 when the
source position is unknown), and a prefix naming the claim and service line. None of them
print evidence unless ``--show-values`` is given.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path, PurePosixPath

from claimlint.core.findings import Finding, Location, Report, Severity


def position(loc: Location) -> tuple[int, int]:
    """Physical (line, column), both ≥ 1. X12 files are often one line: the column is then the
    character offset of the segment/element, which is what an editor can jump to."""
    line = loc.physical_line if loc.physical_line and loc.physical_line > 0 else 1
    col = loc.column if loc.column and loc.column > 0 else 1
    return line, col


def subject(loc: Location) -> str:
    """``claim PCN1001, line 2`` / ``claim PCN1001`` / ``""`` (file-level findings)."""
    parts = []
    if loc.claim_id:
        parts.append(f"claim {loc.claim_id}")
    if loc.line is not None:
        parts.append(f"line {loc.line}")
    return ", ".join(parts)


def prefixed_message(f: Finding) -> str:
    """The message with the claim and service line in front, for one-line formats."""
    who = subject(f.location)
    return f"{who}: {f.message}" if who else f.message


def relative_path(file: str, base: Path | None = None) -> str:
    """A forward-slash path relative to ``base`` (default: the working directory) when the file
    is under it; otherwise the path as given. CI systems match annotations to repository-relative
    paths."""
    if file.startswith("<"):
        return file
    path = Path(file)
    if path.is_absolute():
        try:
            path = path.relative_to((base or Path.cwd()).resolve())
        except ValueError:
            return path.as_posix()
    text = PurePosixPath(path.as_posix()).as_posix()
    while text.startswith("./"):
        text = text[2:]
    return text


def files_in_order(report: Report) -> list[str]:
    """Every input file (report.files), then files that only appear in findings."""
    seen: dict[str, None] = dict.fromkeys(report.files)
    for f in report.findings:
        seen.setdefault(f.location.file, None)
    return list(seen)


def statistics(report: Report) -> list[tuple[int, str, str, Severity]]:
    """(count, code, name, severity) per rule, most frequent first."""
    counts: Counter[tuple[str, str]] = Counter()
    severity: dict[str, Severity] = {}
    for f in report.findings:
        counts[(f.code, f.name)] += 1
        cur = severity.get(f.code)
        if cur is None or f.severity.rank > cur.rank:
            severity[f.code] = f.severity
    return [
        (n, code, name, severity[code])
        for (code, name), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def statistics_text(report: Report) -> str:
    rows = statistics(report)
    if not rows:
        return "No findings.\n"
    return "".join(f"{n:>6}  {code:<6}  {sev.value:<7}  {name}\n" for n, code, name, sev in rows)


__all__ = [
    "files_in_order",
    "position",
    "prefixed_message",
    "relative_path",
    "statistics",
    "statistics_text",
    "subject",
]
