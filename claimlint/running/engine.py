"""The engine: a run over sources, in one process — reading files, counting every claim read,
fingerprints, severities, suppressions. The per-claim function it calls is ``lint.lint_claim``;
``parallel.run_sources`` runs the same over ``--jobs`` processes.
"""

from __future__ import annotations

import datetime as dt
import gc
import stat
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from claimlint.checks.base import Context
from claimlint.core.catalogue import SCHEMA_VIOLATION, UNREADABLE_FILE
from claimlint.core.config import Config, ConfigError
from claimlint.core.findings import (
    ALWAYS_ON,
    Finding,
    Report,
    fingerprint,
    project_path,
)
from claimlint.core.model import Claim, SourceRef
from claimlint.readers.base import (
    SUFFIXES,
    BatchMeta,
    ReadOptions,
    Source,
    Unparsable,
    get_reader,
    sniff,
)
from claimlint.readers.discovery import Discovery
from claimlint.readers.mappings import check_csv_mapping
from claimlint.report.suppress import apply_suppressions, check_suppression_selectors
from claimlint.running.lint import CheckSet, lint_claim, select_checks
from claimlint.running.registry import Registry, load_registry, resolve_plugin_options
from claimlint.running.streaming import StreamedReport


def _unreadable(name: str, exc: OSError) -> Finding:
    return UNREADABLE_FILE.make(f"Cannot read {name}: {exc.strerror or exc}.", file=name)


def iter_sources(
    paths: Iterable[str],
    notes: list[str] | None = None,
    discovery: Discovery | None = None,
) -> Iterator[Source | Finding]:
    """Files to lint: files as given, directories walked (known suffixes), ``-`` for stdin.

    What cannot be read is a CL001 finding naming it (a path that does not exist, a folder that
    cannot be listed, a symlink loop), never a silent zero. A folder walk follows ``discovery``
    (exclusions, .gitignore; claimlint/readers/discovery.py) and takes regular claim files only:
    a FIFO, socket or device (reading it could block forever) or a file that is not a claim file
    (a package.json) found in a folder is skipped with a note in ``notes``. A FIFO or character
    device named explicitly (``<(cat x.json)``, ``/dev/stdin``) is read once, as a stream, like
    ``-``. A path named explicitly is read even when excluded, unless ``force_exclude``.
    """
    discovery = discovery or Discovery()
    for raw in paths:
        if raw == "-":
            yield Source.stdin()
            continue
        path = Path(raw)
        if discovery.force_exclude and discovery.excluded_explicit(path):
            continue
        try:
            st = path.stat()
        except FileNotFoundError:
            if path.is_symlink():
                yield UNREADABLE_FILE.make(f"Cannot read {raw}: the symlink is broken.", file=raw)
            else:
                yield UNREADABLE_FILE.make(
                    f"Cannot open {raw}: no such file or directory.", file=raw
                )
            continue
        except OSError as exc:  # a symlink loop, a name too long, a permission problem
            yield _unreadable(raw, exc)
            continue
        if stat.S_ISDIR(st.st_mode):
            for item in discovery.walk(path, SUFFIXES, notes):
                if isinstance(item, Path):
                    yield Source(name=str(item), path=item)
                elif item.broken_symlink:
                    yield UNREADABLE_FILE.make(
                        f"Cannot read {item.path}: the symlink is broken.", file=item.path
                    )
                else:
                    yield _unreadable(item.path, item.error)
        elif stat.S_ISREG(st.st_mode):
            yield Source(name=raw, path=path)
        elif stat.S_ISFIFO(st.st_mode) or stat.S_ISCHR(st.st_mode):
            try:
                with path.open("rb") as fh:
                    data = fh.read()
            except OSError as exc:
                yield _unreadable(raw, exc)
                continue
            yield Source(name=raw, data=data)
        else:
            yield UNREADABLE_FILE.make(
                f"Cannot read {raw}: not a regular file, folder or pipe.", file=raw
            )


@contextmanager
def fewer_full_collections() -> Iterator[None]:
    """Run with rare full garbage collections.

    A run keeps state that grows with the batch (duplicate keys of CL412, findings), and claims
    hold no reference cycles; CPython's default (a full collection every 100 young ones) then
    rescans everything retained over and over — measured at +40 % CPU with ``--jobs 2`` on
    100k claims, where the parent unpickles every worker's results. Young collections stay.
    """
    old = gc.get_threshold()
    gc.set_threshold(old[0], old[1], max(old[2], 1000))
    try:
        yield
    finally:
        gc.set_threshold(*old)


class Engine:
    def __init__(
        self,
        config: Config | None = None,
        *,
        registry: Registry | None = None,
        profiles: object = None,
        history: object = None,
    ) -> None:
        self.config = config or Config()
        self.registry = registry or load_registry()
        # a mistyped code in an ignore entry or per-file-ignores is a configuration error
        check_suppression_selectors(self.config, ((c.code, c.name) for c in self.registry.checks))
        for code in sorted(ALWAYS_ON & set(self.config.severity)):
            raise ConfigError(
                f"severity: {code} (unreadable file) cannot be changed; a file that cannot be "
                "read always fails the run"
            )
        check_csv_mapping(self.config.csv_mapping)
        self.classes = select_checks(self.registry, self.config)
        if self.config.check_options is None:  # (a --jobs worker gets them resolved)
            self.config.check_options = resolve_plugin_options(
                self.registry, self.config, self.classes
            )
        self.checks = CheckSet.build(self.classes, self.config.check_options)
        self.today = self.config.today or dt.date.today()
        if profiles is None and (self.config.profiles or self.config.payers):
            from claimlint.payer.profiles import load_profiles

            profiles = load_profiles(
                self.config.profiles, payers=self.config.payers, origin=self.config.source
            )
        if history is None and self.config.history:
            from claimlint.payer.stores import open_store

            history = open_store(self.config.history)
        self.profiles = profiles
        self.history = history
        self.read_options = ReadOptions(
            tooth_system=self.config.tooth_numbering, csv_mapping=self.config.csv_mapping
        )
        self.errors: list[str] = []
        #: claims read so far in this run (the progress display reads it while linting)
        self.claims_seen = 0
        #: which files a folder walk reads (exclude, extend-exclude, .gitignore)
        self.discovery = Discovery.from_config(self.config)
        #: notes about the run (files a folder walk skipped), copied into the report
        self.notes: list[str] = []
        self._json_sources: dict[str, Source] = {}
        #: called for every claim read (a Claim or an Unparsable) with the findings located on
        #: it that were kept: the reader's findings that came just before it and its checks'
        #: (``running/split.py`` turns them into per-claim verdicts)
        self.on_claim: Callable[[Claim | Unparsable, list[Finding]], None] | None = None

    # -- per finding ------------------------------------------------------------------------

    def _keep(self, finding: Finding) -> bool:
        return finding.code in self.checks.selected_codes

    def _adjust(self, finding: Finding) -> Finding:
        override = self.config.severity.get(finding.code)
        if override is not None:
            finding.severity = override
        return finding

    # -- running ----------------------------------------------------------------------------

    def new_context(self, file: str) -> Context:
        return Context(file=file, today=self.today, profiles=self.profiles, history=self.history)

    def lint_paths(self, paths: Iterable[str]) -> Report:
        return self.lint_sources(iter_sources(paths, self.notes, self.discovery))

    def lint_sources(
        self, sources: Iterable[Source | Finding], report: Report | None = None
    ) -> Report:
        """Lint each source in turn, in this process; batch checks finish at the end; every
        claim counted. ``parallel.run_sources`` honours ``--jobs`` and calls this for one.
        ``report``: a report to fill (a streamed one, claimlint.running.streaming)."""
        with fewer_full_collections():
            return self._lint_sources(sources, Report() if report is None else report)

    def _lint_sources(self, sources: Iterable[Source | Finding], report: Report) -> Report:
        ctx = self.new_context("<batch>")
        for item in sources:
            if isinstance(item, Finding):
                report.summary.files += 1
                report.files.append(item.location.file)
                self._add(report, item)
                continue
            self.lint_source(item, report, ctx)
        return self.finish(report, ctx)

    def finish(self, report: Report, ctx: Context) -> Report:
        """The end of every run (also ``--jobs``): batch checks finish, fingerprints and
        counts, suppressions."""
        for check in self.checks.batch:
            for finding in check.finish(ctx):
                self._add(report, finding)
        if isinstance(report, StreamedReport):  # fingerprinted and suppressed as it went
            report.finish([*self.notes, *getattr(self.history, "warnings", ())])
            return report
        self.finalize(report)
        report.notes.extend(self.notes)
        # a history store with rows it cannot read (written by another tool) says so once
        report.notes.extend(getattr(self.history, "warnings", ()))
        apply_suppressions(report, self.config, selected_codes=self.checks.selected_codes)
        return report

    def lint_source(self, source: Source, report: Report, ctx: Context) -> None:
        report.summary.files += 1
        report.files.append(source.name)
        ctx.file = source.name
        ctx.reported.clear()
        try:
            fmt = sniff(source)
        except OSError as exc:
            self._add(report, _unreadable(source.name, exc))
            return
        if fmt is None:
            self._add(
                report,
                UNREADABLE_FILE.make(
                    f"Cannot tell what kind of file {source.name} is; expected an 837D, "
                    "JSON, JSONL, CSV or XML claim file.",
                    file=source.name,
                ),
            )
            return
        if fmt == "json":
            self._json_sources[source.name] = source
        reader = get_reader(fmt)
        summary = report.summary
        sink = self.on_claim
        located: list[Finding] = []  # reader findings on the next claim (only with a sink)
        try:
            for item in reader(source, self.read_options):
                if isinstance(item, Claim):
                    summary.claims_read += 1
                    self.claims_seen += 1
                    summary.claims_linted += 1
                    try:
                        found = lint_claim(item, ctx, self.checks)
                    except Exception as exc:  # a check bug must not lose the other claims
                        self.errors.append(
                            f"internal error while checking claim {item.claim_id} in "
                            f"{source.name}: {type(exc).__name__}: {exc}"
                        )
                        found = []
                        if sink is None:
                            continue
                    if sink is None:
                        for finding in found:
                            self._add(report, finding)
                    else:
                        located.extend(f for f in found if self._add(report, f))
                        sink(item, located)
                        located = []
                elif isinstance(item, Unparsable):
                    ctx.reported.clear()
                    summary.claims_read += 1
                    self.claims_seen += 1
                    summary.claims_unparsable += 1
                    if sink is None:
                        for finding in item.findings:
                            self._add(report, finding)
                    else:
                        located.extend(f for f in item.findings if self._add(report, f))
                        sink(item, located)
                        located = []
                elif isinstance(item, Finding):
                    ctx.reported.add((item.code, item.location.line))
                    kept = self._add(report, item)
                    if kept and sink is not None and item.location.claim_id is not None:
                        located.append(item)
                elif isinstance(item, BatchMeta):
                    self.on_batch_meta(item, ctx, report)
        except OSError as exc:
            self._add(
                report,
                UNREADABLE_FILE.make(
                    f"Cannot read {source.name}: {exc.strerror or exc}.", file=source.name
                ),
            )
        except Exception as exc:
            self.errors.append(
                f"internal error while reading {source.name}: {type(exc).__name__}: {exc}"
            )

    def on_batch_meta(self, meta: BatchMeta, ctx: Context, report: Report) -> None:
        """Inline history and payer data of a batch; the payer issue extends this."""
        if meta.history:
            ctx.options.setdefault("inline_history", []).extend(meta.history)
        if meta.payers:
            from claimlint.payer.profiles import ProfileError, ProfileSet

            try:
                ctx.profiles = (ctx.profiles or ProfileSet()).with_batch_payers(
                    meta.payers, source=ctx.file
                )
            except ProfileError as exc:
                self._add(
                    report,
                    SCHEMA_VIOLATION.make(
                        f"The batch's inline payer profiles were not used: {exc}",
                        ref=SourceRef(file=ctx.file, pointer="/payers", field="/payers"),
                    ),
                )

    def _add(self, report: Report, finding: Finding) -> bool:
        if self._keep(finding):
            report.add(self._adjust(finding))
            return True
        return False

    def _locate_json(self, report: Report) -> None:
        """Give findings in JSON batches the physical line and column of their pointer."""
        from claimlint.readers.json import json_text
        from claimlint.readers.jsonpos import pointer_positions

        pending: dict[str, list[Finding]] = {}
        for f in report.findings:
            loc = f.location
            if loc.physical_line is None and loc.pointer and loc.file in self._json_sources:
                pending.setdefault(loc.file, []).append(f)
        for name, findings in pending.items():
            source = self._json_sources[name]
            if source.path is not None and source.path.stat().st_size > 16 * 1024 * 1024:
                continue  # too big to rescan; the pointer still locates the finding
            try:
                text = json_text(source.read_bytes())
            except OSError:
                continue
            # every finding in ``pending`` has a pointer
            positions = pointer_positions(text, {f.location.pointer or "" for f in findings})
            for f in findings:
                pos = positions.get(f.location.pointer or "")
                if pos:
                    f.location.physical_line, f.location.column = pos

    def finalize(self, report: Report) -> None:
        """Positions for JSON pointers; fingerprints (stable, no line numbers); counts."""
        self._locate_json(report)
        root = self.config.source.parent if self.config.source else Path.cwd()
        report.root = str(root.resolve())
        seen: Counter[tuple[str, str, str | None, int | None, str | None]] = Counter()
        for f in report.findings:
            loc = f.location
            key = (f.code, loc.file, loc.claim_id, loc.line, loc.field)
            occurrence = seen[key]
            seen[key] += 1
            f.fingerprint = fingerprint(
                f.code,
                project_path(loc.file, report.root),
                loc.claim_id,
                loc.line,
                loc.field,
                occurrence=occurrence,
            )
        counts = {"error": 0, "warning": 0, "info": 0}
        for f in report.findings:
            counts[f.severity.value] += 1
        report.summary.by_severity = counts
