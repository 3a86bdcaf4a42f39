"""Formats written as findings arrive, so that a run's memory does not grow with its findings.

A streaming writer gets ``begin()``, then ``finding(f)`` for every finding the report keeps (in
report order, fingerprinted, after suppressions), then ``end(report)`` with a report whose
``findings`` list is empty but whose summary, suppressions, files and statistics are final.
Its output is byte for byte what the format's ``render`` writes for the whole report
(tests/test_streaming.py compares them): the JSON report keeps ``findings`` before
``summary`` (schemas/report.schema.json), SARIF has its rule list before its results and the
summary after, GitLab's report is one array, so each document's head is written before the
first finding and its tail (summary, suppressions, closing brackets) at the end.

A JSON array is written as orjson writes it (``OPT_INDENT_2``): the document is rendered once
with a marker element where the array goes, and the text before and after the marker frames
the elements, each indented to the marker's depth. An empty array is ``[]``, so nothing is
written until the first element or the end.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any, TextIO

import orjson

from claimlint.core.findings import Finding, Report, Severity
from claimlint.report.formatters import FormatOptions

_MARK = "\x00claimlint-stream-marker\x00"
_MARK_JSON = orjson.dumps(_MARK).decode()


def _split(document: dict[str, Any]) -> tuple[str, str, str]:
    """(head up to the array's first element, the elements' indentation, tail after the last
    element) of ``document`` rendered with ``OPT_INDENT_2``, whose streamed array holds the
    marker alone."""
    text = orjson.dumps(document, option=orjson.OPT_INDENT_2, default=str).decode() + "\n"
    at = text.index(_MARK_JSON)
    line_start = text.rindex("\n", 0, at) + 1
    indent = text[line_start:at]
    return text[:line_start], indent, text[at + len(_MARK_JSON) :]


class JsonArrayWriter:
    """One JSON document with one array streamed into it (see the module docstring)."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.count = 0
        self.indent = ""

    def head(self) -> dict[str, Any]:
        """The document as known before the first element (the array holds the marker)."""
        raise NotImplementedError

    def whole(self, report: Report) -> dict[str, Any]:
        """The whole document at the end, the streamed array holding the marker."""
        raise NotImplementedError

    def element(self, f: Finding) -> Any:
        raise NotImplementedError

    def begin(self) -> None:
        pass

    def finding(self, f: Finding) -> None:
        out = self.out
        if self.count == 0:
            head, self.indent, _ = _split(self.head())
            out.write(head)
        else:
            out.write(",\n")
        text = orjson.dumps(self.element(f), option=orjson.OPT_INDENT_2, default=str).decode()
        indent = self.indent
        out.write(indent + text.replace("\n", "\n" + indent))
        self.count += 1

    def end(self, report: Report) -> None:
        document = self.whole(report)
        if self.count == 0:
            self.out.write(_empty_array_text(document) + "\n")
            return
        _, _, tail = _split(document)
        self.out.write(tail)


def _empty_array_text(document: dict[str, Any]) -> str:
    """``document`` rendered with its streamed array empty (``[]``)."""
    return orjson.dumps(_replace_marker(document), option=orjson.OPT_INDENT_2, default=str).decode()


def _replace_marker(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _replace_marker(v) for k, v in value.items()}
    if isinstance(value, list):
        if value == [_MARK]:
            return []
        return [_replace_marker(v) for v in value]
    return value


class JsonWriter(JsonArrayWriter):
    """The versioned JSON report (formatters/json.py)."""

    def __init__(self, out: TextIO, options: FormatOptions) -> None:
        super().__init__(out)
        self.options = options

    def head(self) -> dict[str, Any]:
        return {
            "version": _report_version(),
            "tool": {"name": "claimlint", "version": self.options.tool_version},
            "findings": [_MARK],
        }

    def whole(self, report: Report) -> dict[str, Any]:
        data = report.to_dict(show_values=self.options.show_values)
        data["tool"]["version"] = self.options.tool_version
        data["findings"] = [_MARK]
        return data

    def element(self, f: Finding) -> Any:
        return f.to_dict(show_values=self.options.show_values)


class SarifWriter(JsonArrayWriter):
    """SARIF 2.1.0 (formatters/sarif.py): the rule list is every rule the run knows
    (``options.rules``), so that it can be written before the first result."""

    def __init__(self, out: TextIO, options: FormatOptions) -> None:
        super().__init__(out)
        self.options = options
        from claimlint.report.formatters import sarif

        self.sarif = sarif
        self.index = {c: i for i, c in enumerate(sorted(options.rules))}

    def _document(self, report: Report) -> dict[str, Any]:
        data: dict[str, Any] = self.sarif.build(report, self.options)
        data["runs"][0]["results"] = [_MARK]
        return data

    def head(self) -> dict[str, Any]:
        return self._document(Report())

    def whole(self, report: Report) -> dict[str, Any]:
        return self._document(report)

    def element(self, f: Finding) -> Any:
        index = self.index.get(f.code)
        if index is None:  # every finding's rule is registered (catalogue rules too)
            raise RuntimeError(f"SARIF output: rule {f.code} is not in the rule list")
        return self.sarif._result(f, index, self.options)


class GitlabWriter(JsonArrayWriter):
    """GitLab Code Quality (formatters/gitlab.py): one array of issues."""

    def __init__(self, out: TextIO, options: FormatOptions) -> None:
        super().__init__(out)
        from claimlint.report.formatters import gitlab

        self.gitlab = gitlab

    def finding(self, f: Finding) -> None:
        # the document is a bare array: rendered as the only value of a one-key object, then
        # the object's own frame is taken off (two spaces of indentation)
        out = self.out
        if self.count == 0:
            out.write("[\n")
        else:
            out.write(",\n")
        text = orjson.dumps(self.element(f), option=orjson.OPT_INDENT_2).decode()
        out.write("  " + text.replace("\n", "\n  "))
        self.count += 1

    def end(self, report: Report) -> None:
        self.out.write("\n]\n" if self.count else "[]\n")

    def element(self, f: Finding) -> Any:
        from claimlint.report.formatters import _common

        gl = self.gitlab
        line, _ = _common.position(f.location)
        return {
            "type": "issue",
            "description": f"{f.code} {_common.prefixed_message(f)}",
            "check_name": f.code,
            "fingerprint": f.fingerprint,
            "severity": gl.SEVERITY[f.severity],
            "categories": ["Bug Risk"],
            "location": {"path": _common.relative_path(f.location.file), "lines": {"begin": line}},
        }


class LineWriter:
    """A format that is one line (or row) per finding: jsonl, concise, csv, github. It renders
    each finding through the format's own ``render`` on a one-finding report, so the lines are
    the format's by construction; ``end`` writes what the format writes after its lines."""

    def __init__(
        self,
        out: TextIO,
        options: FormatOptions,
        render: Callable[[Report, TextIO, FormatOptions], None],
        *,
        header: Callable[[TextIO], None] | None = None,
        footer: Callable[[TextIO, int, Counter[tuple[str, str]], dict[str, Severity]], None]
        | None = None,
    ) -> None:
        self.out = out
        self.options = options
        self.render = render
        self.header = header
        self.footer = footer
        self.count = 0
        self.rules: Counter[tuple[str, str]] = Counter()
        self.worst: dict[str, Severity] = {}
        self._one = Report()

    def begin(self) -> None:
        if self.header is not None:
            self.header(self.out)

    def finding(self, f: Finding) -> None:
        self.count += 1
        if self.footer is not None:
            self.rules[(f.code, f.name)] += 1
            cur = self.worst.get(f.code)
            if cur is None or f.severity.rank > cur.rank:
                self.worst[f.code] = f.severity
        one = self._one
        one.findings[:] = [f]
        self.render(one, self.out, self.options)

    def end(self, report: Report) -> None:
        if self.footer is not None:
            self.footer(self.out, self.count, self.rules, self.worst)


def statistics_rows(
    rules: Counter[tuple[str, str]], worst: dict[str, Severity]
) -> list[tuple[int, str, str, Severity]]:
    """As ``_common.statistics`` from the counts a stream keeps."""
    return [
        (n, code, name, worst[code])
        for (code, name), n in sorted(rules.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def statistics_text_rows(rows: list[tuple[int, str, str, Severity]]) -> str:
    if not rows:
        return "No findings.\n"
    return "".join(f"{n:>6}  {code:<6}  {sev.value:<7}  {name}\n" for n, code, name, sev in rows)


def _concise(out: TextIO, options: FormatOptions) -> LineWriter:
    from claimlint.report.formatters import _common

    def render(report: Report, fh: TextIO, opts: FormatOptions) -> None:
        f = report.findings[0]
        line, col = _common.position(f.location)
        where = f"{f.location.file}:{line}:{col}:"
        text = f"{where} {f.code} [{f.severity.value}] {_common.prefixed_message(f)}"
        if opts.show_values and f.evidence:
            text += " (values: " + ", ".join(f"{k}={v}" for k, v in f.evidence.items()) + ")"
        fh.write(text.replace("\r", " ").replace("\n", " ") + "\n")

    def footer(
        fh: TextIO, n: int, rules: Counter[tuple[str, str]], worst: dict[str, Severity]
    ) -> None:
        if options.statistics:
            fh.write(statistics_text_rows(statistics_rows(rules, worst)))
        fh.write(f"Found {n} finding{'' if n == 1 else 's'}.\n" if n else "All checks passed.\n")

    return LineWriter(out, options, render, footer=footer)


def _csv(out: TextIO, options: FormatOptions) -> LineWriter:
    import csv

    from claimlint.report.formatters import csv as csv_format

    columns = (*csv_format.COLUMNS, "values") if options.show_values else csv_format.COLUMNS
    writer = csv.writer(out, lineterminator="\n")

    def render(report: Report, fh: TextIO, opts: FormatOptions) -> None:
        f = report.findings[0]
        loc = f.location
        row = [
            loc.file,
            loc.claim_id,
            loc.line,
            loc.field,
            f.code,
            f.name,
            f.severity.value,
            f.message,
            loc.describe(),
        ]
        if opts.show_values:
            row.append("; ".join(f"{k}={v}" for k, v in (f.evidence or {}).items()))
        writer.writerow([csv_format._cell(v) for v in row])

    return LineWriter(out, options, render, header=lambda fh: writer.writerow(columns))


def _jsonl(out: TextIO, options: FormatOptions) -> LineWriter:
    from claimlint.report.formatters import jsonl

    return LineWriter(out, options, jsonl.render)


def _github(out: TextIO, options: FormatOptions) -> LineWriter:
    from claimlint.report.formatters import github

    return LineWriter(out, options, github.render)


class _Spool:
    """Text written to a temporary file in spans that are read back by file name at the end
    (JUnit's test cases, which follow their suite's totals)."""

    def __init__(self) -> None:
        import tempfile

        self.fh = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self.end = 0
        self.spans: dict[str, list[list[int]]] = {}

    def write(self, key: str, text: str) -> None:
        data = text.encode("utf-8", "surrogatepass")
        spans = self.spans.setdefault(key, [])
        if spans and spans[-1][1] == self.end:  # contiguous: one span per file, as a rule
            spans[-1][1] += len(data)
        else:
            spans.append([self.end, self.end + len(data)])
        self.fh.write(data)
        self.end += len(data)

    def copy(self, key: str, out: TextIO) -> None:
        import codecs

        decoder = codecs.getincrementaldecoder("utf-8")("surrogatepass")
        for start, stop in self.spans.get(key, []):
            self.fh.seek(start)
            left = stop - start
            while left:
                chunk = self.fh.read(min(left, 1 << 20))
                left -= len(chunk)
                out.write(decoder.decode(chunk))
        out.write(decoder.decode(b"", final=True))
        self.fh.seek(self.end)

    def close(self) -> None:
        self.fh.close()


class JunitWriter:
    """JUnit XML (formatters/junit.py) with a bounded memory: each suite's opening tag carries
    its file's totals and the root's the run's, so the test cases are spooled to temporary
    files as findings arrive (failures in one, the info findings' ``<system-out>`` text in the
    other) and the document is written at the end, one file's suite at a time, from counts and
    the spools. Each case is serialized by ElementTree as ``render`` serializes it, indented at
    its depth, so the bytes are the same."""

    def __init__(self, out: TextIO, options: FormatOptions) -> None:
        from claimlint.core.spill import SpilledCounter
        from claimlint.report.formatters import junit

        self.out = out
        self.options = options
        self.junit = junit
        self.failing: dict[str, int] = {}
        self.info: dict[str, int] = {}
        self.files: dict[str, None] = {}
        self.used = SpilledCounter()  # (file, case name) -> cases named so before
        self.cases = _Spool()
        self.infos = _Spool()

    def begin(self) -> None:
        pass

    def finding(self, f: Finding) -> None:
        import xml.etree.ElementTree as ET

        junit = self.junit
        file = f.location.file
        self.files.setdefault(file, None)
        if f.severity is Severity.INFO:
            n = self.info.get(file, 0)
            self.info[file] = n + 1
            block = f"{junit.case_name(f)}\n{junit._details(f, self.options)}"
            self.infos.write(file, ("\n\n" if n else "") + _escape_text(junit._clean(block)))
            return
        self.failing[file] = self.failing.get(file, 0) + 1
        name = junit.case_name(f)
        used = self.used.next((file, name)) + 1
        if used > 1:  # same rule, same place, twice: keep names unique
            name += f" #{used}"
        case = ET.Element("testcase", classname=junit._clean(file), name=junit._clean(name))
        failure = ET.SubElement(case, "failure", message=junit._clean(f.message), type=f.code)
        failure.text = junit._clean(junit._details(f, self.options))
        ET.indent(case, level=2)
        self.cases.write(file, "\n    " + ET.tostring(case, encoding="unicode"))

    def end(self, report: Report) -> None:
        junit = self.junit
        files = list(dict.fromkeys([*report.files, *self.files]))
        try:
            if not files:
                junit.render(Report(), self.out, self.options)
                return
            total = failed = 0
            for file in files:
                failing = self.failing.get(file, 0)
                total += failing + (1 if self.info.get(file) or not failing else 0)
                failed += failing
            out = self.out
            out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
            attrs = {"name": "claimlint", "tests": str(total), "failures": str(failed)}
            out.write(_open_tag("testsuites", {**attrs, "errors": "0"}))
            for file in files:
                out.write("\n  ")
                self._suite(file)
            out.write("\n</testsuites>\n")
        finally:
            self.used.close()
            self.cases.close()
            self.infos.close()

    def _suite(self, file: str) -> None:
        clean = self.junit._clean
        out = self.out
        failing, info = self.failing.get(file, 0), self.info.get(file, 0)
        passing = 1 if info or not failing else 0
        attrs = {
            "name": clean(file),
            "tests": str(failing + passing),
            "failures": str(failing),
            "errors": "0",
            "skipped": "0",
        }
        out.write(_open_tag("testsuite", attrs))
        self.cases.copy(file, out)
        if passing:
            name = "no findings" if not info else "no errors or warnings" if not failing else None
            name = name or "info findings"
            tag = {"classname": clean(file), "name": name}
            if not info:
                out.write("\n    " + _open_tag("testcase", tag, empty=True))
            else:
                out.write("\n    " + _open_tag("testcase", tag) + "\n      <system-out>")
                self.infos.copy(file, out)
                out.write("</system-out>\n    </testcase>")
        out.write("\n  </testsuite>")


def _open_tag(tag: str, attrs: dict[str, str], *, empty: bool = False) -> str:
    """The start tag ElementTree writes for ``tag`` with ``attrs`` (``<tag ... />`` when
    ``empty``)."""
    import xml.etree.ElementTree as ET

    element = ET.Element(tag, attrs)
    if empty:
        return ET.tostring(element, encoding="unicode")
    ET.SubElement(element, "x")
    text = ET.tostring(element, encoding="unicode")
    return text[: text.index(">") + 1]  # ElementTree escapes ">" in attribute values


def _escape_text(text: str) -> str:
    """Character data escaped as ElementTree escapes it."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


#: findings ``text`` and ``html`` hold in a streamed run before they summarise
HELD_FINDINGS = 10_000
#: the environment variable that changes it (docs/memory.md)
HELD_ENV = "CLAIMLINT_HELD_FINDINGS"


def held_limit() -> int:
    """``CLAIMLINT_HELD_FINDINGS`` when it is a whole number ≥ 0, else :data:`HELD_FINDINGS`."""
    import os

    text = os.environ.get(HELD_ENV, "").strip()
    return int(text) if text.isdigit() else HELD_FINDINGS


class HeldWriter:
    """``text`` and ``html``, which sort and group the whole report: the first
    :func:`held_limit` findings are held, the rest only counted. Up to the limit the output is
    the format's own ``render`` of the whole report, byte for byte; past it the output lists
    the findings held and says how many more were not shown (``… N more findings not shown;
    use --format jsonl for all``)."""

    def __init__(self, out: TextIO, options: FormatOptions, fmt: str) -> None:
        self.out = out
        self.options = options
        self.fmt = fmt
        self.limit = held_limit()
        self.held: list[Finding] = []
        self.not_shown = 0

    def begin(self) -> None:
        pass

    def finding(self, f: Finding) -> None:
        if len(self.held) < self.limit:
            self.held.append(f)
        else:
            self.not_shown += 1
        self.counted(f)

    def counted(self, f: Finding) -> None:
        """Every finding, held or not (what a format's summary needs of all of them)."""

    def end(self, report: Report) -> None:
        before = report.findings
        report.findings = self.held
        try:
            self.render(report)
        finally:
            report.findings = before

    def render(self, report: Report) -> None:
        raise NotImplementedError


class TextWriter(HeldWriter):
    """The text report; past the limit its statistics, summary line and estimate still count
    every finding (kept as counts: by rule, the batch's money, and which claims had an error
    or a warning, in a compact index)."""

    def __init__(self, out: TextIO, options: FormatOptions) -> None:
        super().__init__(out, options, "text")
        from claimlint.core.spill import FirstSeen
        from claimlint.report.formatters import text

        self.text = text
        self.rules: Counter[tuple[str, str]] = Counter()
        self.money = text.Money()
        self.failing_claims = FirstSeen()
        self.claims_failing = 0

    def counted(self, f: Finding) -> None:
        self.rules[(f.code, f.name)] += 1
        claim = f.location.claim_id
        if claim is None:
            return
        self.money.add_finding(f)
        failing = f.severity is not Severity.INFO
        if failing and self.failing_claims.first((f.location.file, claim), (1,)) is None:
            self.claims_failing += 1

    def render(self, report: Report) -> None:
        text = self.text
        try:
            if not self.not_shown:
                text.render(report, self.out, self.options)
                return
            text.listing(report.findings, self.out, self.options)
            n = self.not_shown
            self.out.write(
                f"… {n:,} more finding{'' if n == 1 else 's'} not shown (the first "
                f"{len(report.findings):,} are listed); use --format jsonl for all.\n\n"
            )
            if self.options.statistics:
                text.statistics(self.rules, self.out)
            text.summary(report, self.claims_failing, self.money, self.out)
        finally:
            self.failing_claims.close()


class HtmlWriter(HeldWriter):
    """The HTML report; past the limit the page says at its top that it was built from the
    findings held."""

    def __init__(self, out: TextIO, options: FormatOptions) -> None:
        super().__init__(out, options, "html")

    def render(self, report: Report) -> None:
        from claimlint.report.formatters import html

        html.render(report, self.out, self.options, not_shown=self.not_shown)


def _report_version() -> Any:
    from claimlint.core.findings import REPORT_VERSION

    return REPORT_VERSION


#: format -> a streaming writer over ``out``; formats not named here need the whole report
STREAMING: dict[str, Callable[[TextIO, FormatOptions], Any]] = {
    "json": JsonWriter,
    "jsonl": _jsonl,
    "concise": _concise,
    "csv": _csv,
    "github": _github,
    "gitlab": GitlabWriter,
    "sarif": SarifWriter,
    "junit": JunitWriter,
    "text": TextWriter,
    "html": HtmlWriter,
}


def can_stream(fmt: str, options: FormatOptions) -> bool:
    if fmt == "sarif":
        return bool(options.rules)
    return fmt in STREAMING


def writer_for(fmt: str, out: TextIO, options: FormatOptions) -> Any:
    return STREAMING[fmt](out, options)


__all__ = ["STREAMING", "can_stream", "statistics_rows", "statistics_text_rows", "writer_for"]
