"""The engine: selection, scope dispatch, accounting.

``lint_claim`` is a pure function of (claim, context, checks): the same claim, configuration and
history always give the same findings, whichever process or machine runs it — which is what
lets ``--jobs`` and, later, Spark run it unchanged. Everything else here is bookkeeping: which
checks are selected, reading files, counting every claim read, fingerprints, severities.
"""

from __future__ import annotations

import datetime as dt
import gc
import stat
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from claimlint.checks.base import Check, Context
from claimlint.checks.source import SchemaViolation, UnreadableFile
from claimlint.config import Config, ConfigError, check_csv_mapping
from claimlint.dental.cdt import lookup
from claimlint.findings import (
    ALWAYS_ON,
    Finding,
    Report,
    Scope,
    fingerprint,
    project_path,
)
from claimlint.model import Claim, SourceRef
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
from claimlint.registry import Registry, load_registry, resolve_plugin_options
from claimlint.suppress import apply_suppressions, check_suppression_selectors


class InternalError(Exception):
    """A check or reader failed in a way that is a claimlint bug (exit code 2)."""


def _matches(selector: str, check: type[Check]) -> bool:
    sel = selector.strip()
    if sel.upper() == "ALL":
        return True
    return check.code.startswith(sel.upper()) or check.name == sel.lower()


def select_checks(registry: Registry, config: Config) -> list[type[Check]]:
    """ruff's vocabulary: select (default ALL), extend-select, ignore; prefixes or names.
    The rules of ``ALWAYS_ON`` are selected whatever the configuration says."""
    chosen = [c for c in registry.checks if any(_matches(s, c) for s in config.select)]
    extra = [
        c
        for c in registry.checks
        if c not in chosen and any(_matches(s, c) for s in config.extend_select)
    ]
    chosen += extra
    kept = [c for c in chosen if not any(_matches(s, c) for s in config.ignore)]
    return kept + [c for c in registry.checks if c.code in ALWAYS_ON and c not in kept]


def unknown_selectors(registry: Registry, config: Config) -> list[str]:
    out = []
    for sel in (*config.select, *config.extend_select, *config.ignore):
        if not any(_matches(sel, c) for c in registry.checks):
            out.append(sel)
    return out


#: distinct line codes whose dispatch tuple is cached (junk codes beyond this are recomputed)
_DISPATCH_CACHE_MAX = 4096


@dataclass(slots=True)
class CheckSet:
    """The selected checks by scope, in code order, and the per-code dispatch of line checks.

    ``line_for(code, profiled)`` gives the line checks that can fire on a line with that
    procedure code (their ``applies_to`` contains it, or is None), leaving out the
    ``needs_profile`` checks when the claim has no payer profile: a pair (for a line without
    tooth entries, which also leaves out ``needs_teeth`` checks; for a line with teeth). It is
    computed once per code and cached; the order is always the order of ``line``.
    """

    line: list[Check] = field(default_factory=list)
    claim: list[Check] = field(default_factory=list)
    batch: list[Check] = field(default_factory=list)
    selected_codes: frozenset[str] = frozenset()
    #: claim checks to run on a claim without a payer profile
    claim_plain: list[Check] = field(default_factory=list)
    #: code → (line checks for a line without teeth, with teeth), for claims with a payer
    #: profile / without one
    line_by_code: dict[str, tuple[tuple[Check, ...], tuple[Check, ...]]] = field(
        default_factory=dict
    )
    line_by_code_plain: dict[str, tuple[tuple[Check, ...], tuple[Check, ...]]] = field(
        default_factory=dict
    )

    @classmethod
    def build(
        cls, classes: Sequence[type[Check]], options: dict[str, object] | None = None
    ) -> CheckSet:
        """Instances of ``classes`` by scope; ``options`` (by code) are plugin options."""
        out = cls(selected_codes=frozenset(c.code for c in classes))
        options = options or {}
        for c in classes:
            if c.scope not in (Scope.LINE, Scope.CLAIM, Scope.BATCH):
                continue
            check = c()
            if c.code in options:
                check.options = options[c.code]
            if c.scope is Scope.LINE:
                out.line.append(check)
            elif c.scope is Scope.CLAIM:
                out.claim.append(check)
            else:
                out.batch.append(check)
        out.claim_plain = [c for c in out.claim if not c.needs_profile]
        return out

    def line_for(self, code: str, profiled: bool) -> tuple[tuple[Check, ...], tuple[Check, ...]]:
        """The line checks for a line with procedure ``code``: (without teeth, with teeth)."""
        table = self.line_by_code if profiled else self.line_by_code_plain
        hit = table.get(code)
        if hit is not None:
            return hit
        record = lookup(code) if isinstance(code, str) else None
        canonical = record.code if record is not None else code
        with_teeth = tuple(
            check
            for check in self.line
            if (profiled or not check.needs_profile)
            and (
                check.applies_to is None
                or code in check.applies_to
                or canonical in check.applies_to
            )
        )
        hit = (tuple(c for c in with_teeth if not c.needs_teeth), with_teeth)
        if len(table) < _DISPATCH_CACHE_MAX:
            table[code] = hit
        return hit


#: at most this many findings of one rule on one claim; the rest become one closing finding
#: "and N more CLxxx findings on this claim" (issue 10: a 5,000-line claim must not produce
#: hundreds of thousands of findings)
MAX_FINDINGS_PER_RULE = 100


def cap_findings(found: list[Finding], limit: int = MAX_FINDINGS_PER_RULE) -> list[Finding]:
    """``found`` (the findings of one claim) with at most ``limit`` findings per rule, each
    rule over the limit closed by one finding of the same rule that counts the findings left
    out. The closing finding stands where the first one left out was (a real position, the
    same with ``--jobs``, where batch rules are capped in the parent) and takes the most
    severe severity among them, so ``--fail-on`` judges the claim the same."""
    if len(found) <= limit:
        return found
    counts: Counter[str] = Counter(f.code for f in found)
    if max(counts.values()) <= limit:
        return found
    kept: list[Finding] = []
    seen: Counter[str] = Counter()
    dropped: dict[str, list[Finding]] = {}
    for f in found:
        seen[f.code] += 1
        if seen[f.code] <= limit:
            kept.append(f)
        else:
            dropped.setdefault(f.code, []).append(f)
    for code, rest in dropped.items():
        first = rest[0]
        worst = max((f.severity for f in rest), key=lambda sev: sev.rank)
        kept.append(
            Finding(
                code=code,
                name=first.name,
                severity=worst,
                message=(
                    f"... and {len(rest):,} more {code} findings on this claim, from here on "
                    f"(only the first {limit} of {counts[code]:,} are listed)."
                ),
                location=replace(first.location),
            )
        )
    return kept


def lint_claim(
    claim: Claim, ctx: Context, checks: CheckSet, limit: int = MAX_FINDINGS_PER_RULE
) -> list[Finding]:
    """All findings of the selected line, claim and batch checks for one claim.

    Order: for each line, its line checks in code order; then claim checks; then batch
    checks. Checks return an empty tuple for a clean item, so a clean claim costs a few
    lookups per line. At most ``limit`` findings per rule are kept (:func:`cap_findings`),
    capped separately for line and claim checks and for batch checks (each rule is one or
    the other), so the output is the same as with ``--jobs``, where batch checks run in the
    parent process.
    """
    ctx.claim = claim
    try:
        return _lint_claim(claim, ctx, checks, limit)
    finally:
        ctx.reported.clear()  # the reader's findings were about this claim only


def _lint_claim(claim: Claim, ctx: Context, checks: CheckSet, limit: int) -> list[Finding]:
    found: list[Finding] = []
    profiled = ctx.profiles is not None and ctx.profile(claim) is not None
    table = checks.line_by_code if profiled else checks.line_by_code_plain
    for line in claim.lines:
        runs = table.get(line.code)
        if runs is None:
            runs = checks.line_for(line.code, profiled)
        for check in runs[1] if line.teeth else runs[0]:
            out = check.check(line, ctx)
            if out:
                found.extend(out)
    for check in checks.claim if profiled else checks.claim_plain:
        out = check.check(claim, ctx)
        if out:
            found.extend(out)
    found = cap_findings(found, limit)
    # batch findings are capped on their own and come after, as with --jobs (where batch
    # rules run in the parent): the "... and N more" findings stand in the same order
    batched: list[Finding] = []
    for check in checks.batch:
        collected = check.collect(claim, ctx)
        if collected is not None:
            out = check.check(collected, ctx)
            if out:
                batched.extend(out)
    if batched:
        found.extend(cap_findings(batched, limit))
    return found


def _unreadable(name: str, exc: OSError) -> Finding:
    return UnreadableFile.make(f"Cannot read {name}: {exc.strerror or exc}.", file=name)


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
                yield UnreadableFile.make(f"Cannot read {raw}: the symlink is broken.", file=raw)
            else:
                yield UnreadableFile.make(
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
                    yield UnreadableFile.make(
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
            yield UnreadableFile.make(
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
            from claimlint.profiles import load_profiles

            profiles = load_profiles(
                self.config.profiles, payers=self.config.payers, origin=self.config.source
            )
        if history is None and self.config.history:
            from claimlint.history import SQLiteHistory

            history = SQLiteHistory(self.config.history)
        self.profiles = profiles
        self.history = history
        self.read_options = ReadOptions(
            tooth_system=self.config.tooth_numbering, csv_mapping=self.config.csv_mapping
        )
        self.errors: list[str] = []
        #: which files a folder walk reads (exclude, extend-exclude, .gitignore)
        self.discovery = Discovery.from_config(self.config)
        #: notes about the run (files a folder walk skipped), copied into the report
        self.notes: list[str] = []
        self._json_sources: dict[str, Source] = {}

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

    def lint_sources(self, sources: Iterable[Source | Finding]) -> Report:
        """Lint each source in turn; batch checks finish at the end; every claim counted."""
        with fewer_full_collections():
            if self.config.jobs > 1:
                from claimlint.parallel import lint_sources_parallel

                return lint_sources_parallel(self, sources, self.config.jobs)
            return self._lint_sources(sources)

    def _lint_sources(self, sources: Iterable[Source | Finding]) -> Report:
        report = Report()
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
                UnreadableFile.make(
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
        try:
            for item in reader(source, self.read_options):
                if isinstance(item, Claim):
                    summary.claims_read += 1
                    summary.claims_linted += 1
                    try:
                        found = lint_claim(item, ctx, self.checks)
                    except Exception as exc:  # a check bug must not lose the other claims
                        self.errors.append(
                            f"internal error while checking claim {item.claim_id} in "
                            f"{source.name}: {type(exc).__name__}: {exc}"
                        )
                        continue
                    for finding in found:
                        self._add(report, finding)
                elif isinstance(item, Unparsable):
                    ctx.reported.clear()
                    summary.claims_read += 1
                    summary.claims_unparsable += 1
                    for finding in item.findings:
                        self._add(report, finding)
                elif isinstance(item, Finding):
                    ctx.reported.add((item.code, item.location.line))
                    self._add(report, item)
                elif isinstance(item, BatchMeta):
                    self.on_batch_meta(item, ctx, report)
        except OSError as exc:
            self._add(
                report,
                UnreadableFile.make(
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
            from claimlint.profiles import ProfileError, ProfileSet

            try:
                ctx.profiles = (ctx.profiles or ProfileSet()).with_batch_payers(
                    meta.payers, source=ctx.file
                )
            except ProfileError as exc:
                self._add(
                    report,
                    SchemaViolation.make(
                        f"The batch's inline payer profiles were not used: {exc}",
                        ref=SourceRef(file=ctx.file, pointer="/payers", field="/payers"),
                    ),
                )

    def _add(self, report: Report, finding: Finding) -> None:
        if self._keep(finding):
            report.add(self._adjust(finding))

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
            positions = pointer_positions(text, {f.location.pointer for f in findings})
            for f in findings:
                pos = positions.get(f.location.pointer)
                if pos:
                    f.location.physical_line, f.location.column = pos

    def finalize(self, report: Report) -> None:
        """Positions for JSON pointers; fingerprints (stable, no line numbers); counts."""
        self._locate_json(report)
        root = self.config.source.parent if self.config.source else Path.cwd()
        report.root = str(root.resolve())
        seen: Counter[tuple] = Counter()
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


def lint_paths(paths: Iterable[str], config: Config | None = None) -> Report:
    """Lint files or directories; the library entry point."""
    return Engine(config).lint_paths(paths)
