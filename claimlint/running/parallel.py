"""``--jobs N``: lint over several processes, with results identical to ``--jobs 1``.

The parent splits the work into *tasks*: a whole file, or — for a format whose records can be
found by scanning bytes (JSONL lines; X12 transaction sets, see claimlint/readers/x12/cuts.py) —
one part of a large file, ``[start, end)`` beginning at a record boundary, together with the
physical line and segment ordinal of ``start`` (and, for X12, the delimiters, column and
envelope state there) so that positions and messages match a one-process run. Workers are
spawn-safe: they receive only (configuration, selected check classes) once, then (path, byte
range) tasks, and return findings and counts. The parent
merges the results in task order, so findings and their order do not depend on N; it then
runs the usual ``finalize`` (fingerprints, severity counts).

Batch-scope checks (rules across claims, e.g. duplicates within a batch) keep their state in
one place: workers run line and claim checks and, per claim, each batch check's ``collect``
(the few keys the rule needs, not the claim); the parent feeds those to the batch checks'
``check`` in file order.

Inline history and payers (a JSON batch's ``history`` and ``payers``) apply to every later
claim of the run; when a part carries some and later files remain, the parent lints those
files itself, in order, so the result is still the same as with one process.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import re
import signal
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.connection import wait as mp_wait
from pathlib import Path
from typing import Any

from claimlint.checks.base import Check, Context
from claimlint.core.catalogue import UNREADABLE_FILE
from claimlint.core.findings import Finding, Report
from claimlint.core.model import Claim
from claimlint.readers.base import BatchMeta, Source, Unparsable, get_reader, sniff
from claimlint.running.engine import Engine, fewer_full_collections, iter_sources
from claimlint.running.lint import CheckSet, cap_findings, lint_claim

#: a file is split into parts of at least this many bytes ...
MIN_PART = 1 << 20
#: ... and at most this many (bounds what the parent holds per part)
MAX_PART = 32 << 20
#: parts per job for a large file (a few, so that a slow part does not idle the others)
PARTS_PER_JOB = 4
_CHUNK = 1 << 22


# -- tasks and results ---------------------------------------------------------------------


@dataclass(slots=True, frozen=True)
class Part:
    start: int
    end: int | None
    first_line: int = 1
    first_segment: int = 1
    resume: Any = None  # reader-specific start state (Source.resume)


@dataclass(slots=True, frozen=True)
class Task:
    name: str
    fmt: str
    path: str | None = None
    data: bytes | None = None
    part: Part = Part(0, None)

    def source(self) -> Source:
        p = self.part
        return Source(
            name=self.name,
            path=Path(self.path) if self.path is not None else None,
            data=self.data,
            start=p.start,
            end=p.end,
            first_line=p.first_line,
            first_segment=p.first_segment,
            resume=p.resume,
        )


#: an event of a part, in file order: a finding to add; (claim id, what each batch rule
#: collected from the claim, its kept line/claim findings) for the parent's batch checks; or an
#: internal-error message
Event = Finding | tuple[str, list[Any], list[Finding]] | str


@dataclass(slots=True)
class PartResult:
    events: list[Event] = field(default_factory=list)
    claims_read: int = 0
    claims_linted: int = 0
    claims_unparsable: int = 0
    metas: list[BatchMeta] = field(default_factory=list)


# -- splitting large files at record boundaries ---------------------------------------------


def _boundary_after(fh: Any, offset: int, pattern: re.Pattern[bytes], back: int) -> int | None:
    """The first record boundary at or after ``offset``: a match of ``pattern`` whose end
    minus ``back`` bytes is where the next record starts."""
    window = 1 << 16
    while True:
        fh.seek(offset)
        data = fh.read(window)
        if not data:
            return None
        m = pattern.search(data)
        if m is not None:
            return offset + m.end() - back
        if len(data) < window:
            return None
        window *= 4


def _split(
    path: Path, part_size: int, pattern: re.Pattern[bytes], back: int, terminator: bytes | None
) -> list[Part]:
    size = path.stat().st_size
    if size <= part_size:
        return [Part(0, None)]
    bounds: list[int] = []
    with path.open("rb") as fh:
        target = part_size
        while target < size:
            b = _boundary_after(fh, target, pattern, back)
            if b is None or b >= size:
                break
            if not bounds or b > bounds[-1]:
                bounds.append(b)
            target = max(target + part_size, b + 1)
        # one pass to learn the physical line and segment ordinal of each boundary
        starts: list[tuple[int, int]] = []
        fh.seek(0)
        pos = lines = segments = 0
        for b in bounds:
            while pos < b:
                chunk = fh.read(min(_CHUNK, b - pos))
                lines += chunk.count(b"\n")
                if terminator:
                    segments += chunk.count(terminator)
                pos += len(chunk)
            starts.append((lines + 1, segments + 1))
    parts: list[Part] = []
    prev, prev_line, prev_seg = 0, 1, 1
    for b, (line, seg) in zip(bounds, starts, strict=True):
        parts.append(Part(prev, b, prev_line, prev_seg))
        prev, prev_line, prev_seg = b, line, seg
    parts.append(Part(prev, None, prev_line, prev_seg))
    return parts


def split_lines(path: Path, part_size: int) -> list[Part]:
    """JSONL: parts begin after a newline. A UTF-16/32 file (its byte order mark) or one with
    CR-only line endings is read whole (its reader decodes it and finds its lines)."""
    from claimlint.readers.json import bom_codec, line_separator

    with path.open("rb") as fh:
        if bom_codec(fh.read(4)) is not None:
            return [Part(0, None)]
        fh.seek(0)
        if line_separator(fh) != b"\n":
            return [Part(0, None)]
    return _split(path, part_size, re.compile(rb"\n"), 0, None)


def split_x12(path: Path, part_size: int) -> list[Part]:
    """X12: parts begin at an ST that directly follows an SE; each carries the delimiters,
    column and envelope state it starts with (claimlint/readers/x12/cuts.py)."""
    from claimlint.readers.x12.cuts import find_cuts

    if path.stat().st_size <= part_size:
        return [Part(0, None)]
    parts: list[Part] = []
    prev = Part(0, None)
    for cut in find_cuts(path, part_size):
        parts.append(Part(prev.start, cut.offset, prev.first_line, prev.first_segment, prev.resume))
        prev = Part(cut.offset, None, cut.line, cut.segment, cut.resume)
    parts.append(prev)
    return parts


#: format -> splitter; a format is split only when its reader honours ``Source.start/end``,
#: ``first_line``, ``first_segment`` and ``resume`` (readers/base.py).
SPLITTERS: dict[str, Callable[[Path, int], list[Part]]] = {"jsonl": split_lines, "x12": split_x12}


def plan(source: Source, fmt: str, jobs: int, part_max: int = MAX_PART) -> list[Task]:
    """The tasks for one file: its parts when its format can be split, else the whole file."""
    if source.path is None or fmt not in SPLITTERS:
        return [Task(source.name, fmt, str(source.path) if source.path else None, source.data)]
    size = source.path.stat().st_size
    part_size = min(max(MIN_PART, -(-size // (jobs * PARTS_PER_JOB))), part_max)
    return [
        Task(source.name, fmt, str(source.path), None, part)
        for part in SPLITTERS[fmt](source.path, part_size)
    ]


# -- workers -------------------------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _unreadable(name: str, exc: OSError) -> Finding:
    return UNREADABLE_FILE.make(f"Cannot read {name}: {exc.strerror or exc}.", file=name)


def _init_worker(classes: list[type[Check]], config: Any, profiles: Any, history: Any) -> None:
    from claimlint.running.registry import Registry

    engine = Engine(config, registry=Registry(tuple(classes)), profiles=profiles, history=history)
    checks = CheckSet.build(engine.classes, engine.config.check_options)
    batch = checks.batch
    checks.batch = []  # workers collect for batch-scope checks; the parent runs them
    _WORKER.update(engine=engine, checks=checks, batch=batch)


def _worker_main(conn: Connection, init: bytes) -> None:
    """A worker: receive a task, send its :class:`PartResult`, until told to stop (``None``)
    or the parent is gone (end of file on the pipe).

    Ctrl-C in a terminal signals the whole process group: workers ignore SIGINT and leave
    the interrupt to the parent, which kills them; SIGTERM keeps its default (die quietly).
    The parent starts workers with both signals blocked, so none arrives before this point.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, (signal.SIGINT, signal.SIGTERM))
    try:
        try:
            _init_worker(*pickle.loads(init))
            failure = None
        except Exception as exc:  # reported with every task, so that the run exits 2
            failure = f"internal error while starting a worker: {type(exc).__name__}: {exc}"
        while True:
            task = conn.recv()
            if task is None:
                return
            if failure is not None:
                conn.send(PartResult(events=[failure]))
                continue
            try:
                result = lint_part(task)
            except Exception as exc:
                result = PartResult(
                    events=[f"internal error in {task.name}: {type(exc).__name__}: {exc}"]
                )
            conn.send(result)
    except (EOFError, OSError):
        return  # the parent is gone or stopped listening
    finally:
        conn.close()


def lint_part(task: Task) -> PartResult:
    """Read one task and lint its claims with line and claim checks (mirrors
    ``Engine.lint_source``; ``tests/test_parallel.py`` proves both give the same findings)."""
    engine: Engine = _WORKER["engine"]
    checks = _WORKER["checks"]
    batch: list[Check] = _WORKER["batch"]
    keep, adjust = engine._keep, engine._adjust
    source = task.source()
    ctx: Context = engine.new_context(task.name)
    out = PartResult()
    events = out.events
    try:
        for item in get_reader(task.fmt)(source, engine.read_options):
            if isinstance(item, Claim):
                out.claims_read += 1
                out.claims_linted += 1
                try:
                    found = lint_claim(item, ctx, checks)
                except Exception as exc:
                    events.append(
                        f"internal error while checking claim {item.claim_id} in "
                        f"{source.name}: {type(exc).__name__}: {exc}"
                    )
                    continue
                kept = [adjust(f) for f in found if keep(f)]
                if batch:
                    # the parent needs only what each batch rule collects, not the claim
                    events.append((item.claim_id, [c.collect(item, ctx) for c in batch], kept))
                else:
                    events.extend(kept)
            elif isinstance(item, Unparsable):
                ctx.reported.clear()
                out.claims_read += 1
                out.claims_unparsable += 1
                events.extend(adjust(f) for f in item.findings if keep(f))
            elif isinstance(item, Finding):
                ctx.reported.add((item.code, item.location.line))  # see Context.reported
                if keep(item):
                    events.append(adjust(item))
            elif isinstance(item, BatchMeta):
                scratch = Report()
                engine.on_batch_meta(item, ctx, scratch)
                events.extend(scratch.findings)  # already kept and adjusted by _add
                out.metas.append(item)
    except OSError as exc:
        finding = _unreadable(source.name, exc)
        if keep(finding):
            events.append(adjust(finding))
    except Exception as exc:
        events.append(f"internal error while reading {source.name}: {type(exc).__name__}: {exc}")
    return out


# -- the parent ----------------------------------------------------------------------------


def _start_method() -> str:
    method = os.environ.get("CLAIMLINT_MP_START")
    if method:
        return method
    # fork is cheap where it is safe (Linux); everything a worker needs is passed explicitly,
    # so spawn (macOS, Windows) gives the same results
    return "fork" if sys.platform.startswith("linux") else "spawn"


@dataclass(slots=True)
class _Slot:
    item: Finding | Source
    fmt: str | None = None
    tasks: list[Task] = field(default_factory=list)


@dataclass(slots=True)
class _Worker:
    process: Any
    conn: Connection
    task: int | None = None  # index of the task it is working on


class WorkerPool:
    """A few worker processes, each with its own pipe; no shared queue, lock or helper
    thread. ``multiprocessing.Pool`` hung in its ``terminate`` (a worker killed while holding
    the task queue's lock, results in flight); here the parent talks to each worker over its
    own pipe, so stopping is: kill every worker (SIGKILL), then reap it. Used as a context
    manager: leaving it normally stops the workers politely, leaving it by an exception (an
    interrupt) kills them at once; either way no worker process outlives it.
    """

    #: tasks sent ahead of the one the parent is waiting for, per worker (bounds the results
    #: held out of order)
    AHEAD = 2

    def __init__(self, jobs: int, init: tuple[Any, ...], method: str | None = None) -> None:
        self.ctx = multiprocessing.get_context(method or _start_method())
        self.jobs = jobs
        # pickled whatever the start method: a forked worker then gets the same objects a
        # spawned one does (a history store reopens its own database connection, as a sqlite3
        # connection must not cross a fork), and a fork-only pickling bug cannot hide
        self.init = pickle.dumps(init, protocol=pickle.HIGHEST_PROTOCOL)
        self.workers: list[_Worker] = []

    def __enter__(self) -> WorkerPool:
        # signals blocked while the workers start: a worker must not see SIGINT before it
        # ignores it (a KeyboardInterrupt traceback), and the parent gets it right after
        blocked = (signal.SIGINT, signal.SIGTERM)
        old = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
        try:
            for _ in range(self.jobs):
                parent, child = self.ctx.Pipe()
                # get_context(str) is typed BaseContext, which declares no Process; every
                # context it returns (fork, spawn, forkserver) has one
                process = self.ctx.Process(  # type: ignore[attr-defined]
                    target=_worker_main, args=(child, self.init), daemon=True
                )
                try:
                    process.start()
                finally:
                    child.close()
                self.workers.append(_Worker(process, parent))
        except BaseException:
            self._kill()
            raise
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)
        return self

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> None:
        if kind is None:
            self._stop()
        else:
            self._kill()

    def imap(self, tasks: list[Task]) -> Iterator[PartResult]:
        """The results of ``lint_part`` over ``tasks``, in task order."""
        done: dict[int, PartResult] = {}
        following = 0  # the next task to send
        idle = list(self.workers)
        busy: dict[Any, _Worker] = {}
        limit = len(self.workers) * self.AHEAD
        for wanted in range(len(tasks)):
            while wanted not in done:
                while idle and following < len(tasks) and following < wanted + limit:
                    worker = idle.pop()
                    worker.task = following
                    worker.conn.send(tasks[following])
                    busy[worker.conn] = worker
                    following += 1
                sentinels = {w.process.sentinel: w for w in busy.values()}
                for ready in mp_wait([*busy, *sentinels]):
                    if ready in busy:
                        worker = busy[ready]
                        try:
                            result = worker.conn.recv()  # worker.conn is ``ready``
                        except (EOFError, OSError):
                            # it died before sending its result (a result sent before dying
                            # is read first); waiting on would spin, as the pipe stays readable
                            worker.process.join(timeout=1)  # reap it for its exit code
                            raise WorkerDied(
                                worker.process.exitcode, tasks[worker.task or 0].name
                            ) from None
                        del busy[ready]
                        assert worker.task is not None
                        done[worker.task] = result
                        worker.task = None
                        idle.append(worker)
                    elif sentinels[ready].conn in busy:
                        worker = sentinels[ready]
                        if worker.conn.poll():
                            continue  # its last result is still to be read
                        worker.process.join(timeout=1)  # reap it: exitcode is None before
                        raise WorkerDied(worker.process.exitcode, tasks[worker.task or 0].name)
            yield done.pop(wanted)

    def _stop(self) -> None:
        """Idle workers are told to stop; a worker still busy (the parent stopped reading
        results early) is killed, as it might be blocked sending a result nobody reads."""
        for w in self.workers:
            if w.task is None:
                with contextlib.suppress(OSError):
                    w.conn.send(None)
        for w in self.workers:
            if w.task is None:
                w.process.join(timeout=5)
        self._kill()

    def _kill(self) -> None:
        for w in self.workers:
            if w.process.exitcode is None:
                with contextlib.suppress(OSError, ValueError, AttributeError):
                    w.process.kill()
        for w in self.workers:
            with contextlib.suppress(OSError, ValueError, AssertionError):
                w.process.join(timeout=5)
            with contextlib.suppress(OSError):
                w.conn.close()
        self.workers.clear()


class WorkerDied(Exception):
    def __init__(self, exitcode: int | None, name: str) -> None:
        if exitcode is None:
            how = "for an unknown reason"
        elif exitcode < 0:
            try:
                how = f"killed by signal {signal.Signals(-exitcode).name}"
            except ValueError:
                how = f"killed by signal {-exitcode}"
        else:
            how = f"exit code {exitcode}"
        super().__init__(f"internal error: a worker process ended ({how}) while reading {name}")


def run_paths(engine: Engine, paths: Iterable[str]) -> Report:
    """Lint files and folders with ``engine``, over ``engine.config.jobs`` processes."""
    return run_sources(engine, iter_sources(paths, engine.notes, engine.discovery))


def run_sources(
    engine: Engine, sources: Iterable[Source | Finding], report: Report | None = None
) -> Report:
    """Lint ``sources`` with ``engine``: in this process (``Engine.lint_sources``), or over
    ``engine.config.jobs`` processes when it is more than one; the same report either way.
    ``report``: a report to fill (a streamed one writes findings as they come)."""
    if engine.config.jobs > 1:
        with fewer_full_collections():
            return lint_sources_parallel(engine, sources, engine.config.jobs, report)
    return engine.lint_sources(sources, report)


def lint_sources_parallel(
    engine: Engine, sources: Iterable[Source | Finding], jobs: int, report: Report | None = None
) -> Report:
    """``Engine.lint_sources`` over ``jobs`` processes."""
    report = Report() if report is None else report
    ctx = engine.new_context("<batch>")
    slots: list[_Slot] = []
    for item in sources:
        if isinstance(item, Finding):
            slots.append(_Slot(item))
            continue
        try:
            fmt = sniff(item)
            slot = _Slot(item, fmt)
            if fmt is not None:
                slot.tasks = plan(item, fmt, jobs, MAX_PART)
        except OSError as exc:
            slots.append(_Slot(_unreadable(item.name, exc)))
            continue
        slots.append(slot)
    tasks = [t for s in slots for t in s.tasks]
    if len(tasks) <= 1:
        _serial(engine, slots, report, ctx)
    else:
        init = (list(engine.classes), engine.config, engine.profiles, engine.history)
        try:
            with WorkerPool(min(jobs, len(tasks)), init) as pool:
                _merge(engine, slots, pool.imap(tasks), report, ctx)
        except WorkerDied as exc:
            engine.errors.append(str(exc))
    return engine.finish(report, ctx)


def _begin(engine: Engine, slot: _Slot, report: Report, ctx: Context) -> bool:
    """Account for a slot as ``Engine.lint_paths`` does; False when there is nothing to read."""
    report.summary.files += 1
    if isinstance(slot.item, Finding):
        report.files.append(slot.item.location.file)
        engine._add(report, slot.item)
        return False
    report.files.append(slot.item.name)
    ctx.file = slot.item.name
    if slot.fmt == "json":
        engine._json_sources[slot.item.name] = slot.item  # finalize locates pointers in it
    if slot.fmt is None:
        engine._add(
            report,
            UNREADABLE_FILE.make(
                f"Cannot tell what kind of file {slot.item.name} is; expected an 837D, "
                "JSON, JSONL, CSV or XML claim file.",
                file=slot.item.name,
            ),
        )
        return False
    return True


def _serial(engine: Engine, slots: list[_Slot], report: Report, ctx: Context) -> None:
    for slot in slots:
        if isinstance(slot.item, Finding):
            _begin(engine, slot, report, ctx)
        else:
            engine.lint_source(slot.item, report, ctx)


def _merge(
    engine: Engine, slots: list[_Slot], results: Iterator[PartResult], report: Report, ctx: Context
) -> None:

    summary = report.summary
    batch = engine.checks.batch
    for n, slot in enumerate(slots):
        if not _begin(engine, slot, report, ctx):
            continue
        history_seen = False
        for _task in slot.tasks:
            res = next(results)
            summary.claims_read += res.claims_read
            engine.claims_seen += res.claims_read
            summary.claims_linted += res.claims_linted
            summary.claims_unparsable += res.claims_unparsable
            for event in res.events:
                if isinstance(event, Finding):
                    report.add(event)
                elif isinstance(event, str):
                    engine.errors.append(event)
                else:
                    claim_id, collected, kept = event
                    try:
                        extra: list[Finding] = []
                        for check, data in zip(batch, collected, strict=True):
                            if data is None:
                                continue
                            # a rule that collects whole claims (the default) may use ctx.claim
                            ctx.claim = data if isinstance(data, Claim) else None
                            extra.extend(check.check(data, ctx))
                    except Exception as exc:
                        engine.errors.append(
                            f"internal error while checking claim {claim_id} in "
                            f"{slot.item.name}: {type(exc).__name__}: {exc}"
                        )
                        continue
                    for f in kept:
                        report.add(f)
                    # batch rules run here, so their per-claim cap is applied here too
                    for f in cap_findings(extra):
                        engine._add(report, f)
            for meta in res.metas:
                engine.on_batch_meta(meta, ctx, Report())  # its findings came from the worker
                history_seen = history_seen or bool(meta.history or meta.payers)
        if history_seen and n + 1 < len(slots):
            # later files must see this batch's inline history: lint them here, in order
            _serial(engine, slots[n + 1 :], report, ctx)
            return
