"""A run whose findings are written as they arrive instead of being held (``check`` with the
streaming formats, claimlint.report.streaming).

:class:`StreamedReport` is a :class:`~claimlint.core.findings.Report` that keeps no findings:
the engine (``Engine.lint_source``, ``parallel._merge``, the batch rules' ``finish``) adds each
finding as it always does, and the report does at once what ``Engine.finalize`` and
``apply_suppressions`` do for a whole report, in the same order, so that the output is the
same byte for byte:

1. a finding in a JSON batch (not JSONL) gets the physical line and column of its pointer.
   Those findings wait until their file's last finding has arrived (the positions come from
   one scan of the file, at most 16 MB, as in ``Engine._locate_json``): memory bounded by one
   JSON file's findings;
2. its fingerprint's occurrence number comes from a counter of finding keys that spills to a
   temporary SQLite file past 50,000 keys (claimlint.core.spill.SpilledCounter);
3. suppressions judge it (claimlint.report.suppress.Suppressor); a suppressed finding is
   counted and dropped;
4. it is counted (severity, rule) and handed to every writer.

What stays in memory: the counters by severity and rule, the names of the files, the
suppressions' hit counts, and one JSON batch's pending findings.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from claimlint.core.findings import (
    Finding,
    Report,
    Severity,
    fingerprint,
    is_read_failure,
    project_path,
)
from claimlint.core.spill import SpilledCounter
from claimlint.report.suppress import Suppressor

#: a JSON batch larger than this is not rescanned for positions (as Engine._locate_json)
LOCATE_LIMIT = 16 * 1024 * 1024


class StreamBroken(BaseException):
    """A streamed output could not be written (a closed pipe, a full disk). A BaseException,
    so that the engine's per-file error handling (which turns an ``OSError`` into an
    unreadable-file finding) cannot mistake it for a problem of the input: it ends the run."""

    def __init__(self, where: str, error: OSError) -> None:
        super().__init__(where, error)
        self.where = where
        self.error = error


class StreamedReport(Report):
    """A report that writes each finding to ``writers`` (``(where, writer)`` pairs; where is
    ``-`` for stdout or the output path) instead of keeping it."""

    def __init__(self, engine: Any, writers: list[tuple[str, Any]]) -> None:
        # engine: a claimlint.running.engine.Engine (not imported: the engine imports this)
        super().__init__()
        self.engine = engine
        self.writers = writers
        config = engine.config
        base = config.source.parent if config.source else Path.cwd()
        self.root = str(base.resolve())
        self.seen = SpilledCounter()
        self.judge = Suppressor(config, selected_codes=engine.checks.selected_codes)
        self.named: dict[str, None] = {}  # files named by findings (kept or suppressed)
        self.pending: list[Finding] = []  # findings of one JSON batch, waiting for positions
        self.pending_file: str | None = None
        self.worst: Severity | None = None
        self.read_failure = False
        self.rule_counts: Counter[tuple[str, str]] = Counter()
        self.rule_worst: dict[str, Severity] = {}
        self.streamed = 0
        self.suppressed_count = 0

    # -- the pipeline ----------------------------------------------------------------------

    def begin(self) -> None:
        for where, writer in self.writers:
            self._write(where, writer.begin)

    def add(self, finding: Finding) -> None:
        file = finding.location.file
        if self.pending:
            if file == self.pending_file:
                self.pending.append(finding)
                return
            self._flush_pending()
        loc = finding.location
        if loc.physical_line is None and loc.pointer and self._locatable(file):
            self.pending.append(finding)
            self.pending_file = file
            return
        self._emit(finding)

    def _locatable(self, file: str) -> bool:
        source = self.engine._json_sources.get(file)
        if source is None:
            return False
        if source.path is not None:
            try:
                size: int = source.path.stat().st_size
                return size <= LOCATE_LIMIT
            except OSError:
                return False
        return True

    def _flush_pending(self) -> None:
        findings, self.pending = self.pending, []
        file, self.pending_file = self.pending_file, None
        from claimlint.readers.json import json_text
        from claimlint.readers.jsonpos import pointer_positions

        wanted = [f for f in findings if f.location.physical_line is None and f.location.pointer]
        source = self.engine._json_sources.get(file or "")
        if wanted and source is not None:
            try:
                text = json_text(source.read_bytes())
            except OSError:
                text = None
            if text is not None:
                positions = pointer_positions(text, {f.location.pointer or "" for f in wanted})
                for f in wanted:
                    pos = positions.get(f.location.pointer or "")
                    if pos:
                        f.location.physical_line, f.location.column = pos
        for f in findings:
            self._emit(f)

    def _emit(self, f: Finding) -> None:
        loc = f.location
        key = (f.code, loc.file, loc.claim_id, loc.line, loc.field)
        f.fingerprint = fingerprint(
            f.code,
            project_path(loc.file, self.root),
            loc.claim_id,
            loc.line,
            loc.field,
            occurrence=self.seen.next(key),
        )
        self.named.setdefault(loc.file, None)
        if self.judge.judge(f) is not None:
            self.suppressed_count += 1
            return
        self.summary.by_severity[f.severity.value] += 1
        if self.worst is None or f.severity.rank > self.worst.rank:
            self.worst = f.severity
        if is_read_failure(f):
            self.read_failure = True
        self.rule_counts[(f.code, f.name)] += 1
        cur = self.rule_worst.get(f.code)
        if cur is None or f.severity.rank > cur.rank:
            self.rule_worst[f.code] = f.severity
        self.streamed += 1
        for where, writer in self.writers:
            self._write(where, writer.finding, f)

    def _write(self, where: str, call: Any, *args: Any) -> None:
        try:
            call(*args)
        except OSError as exc:
            raise StreamBroken(where, exc) from None

    def finish(self, notes: list[str]) -> None:
        """The end of the run: the last JSON batch's findings, the suppressions' account and
        notes (after ``notes``, as ``Engine.finish`` orders them), the writers' endings."""
        if self.pending:
            self._flush_pending()
        self.seen.close()
        self.notes.extend(notes)
        linted = list(dict.fromkeys([*self.files, *self.named]))
        self.notes.extend(self.judge.finish(linted, self.root))
        self.suppressions = self.judge.account
        for where, writer in self.writers:
            self._write(where, writer.end, self)

    # -- what the CLI asks of a report -----------------------------------------------------

    def max_severity(self) -> Severity | None:
        return self.worst

    def read_failed(self) -> bool:
        return self.read_failure


__all__ = ["StreamBroken", "StreamedReport"]
