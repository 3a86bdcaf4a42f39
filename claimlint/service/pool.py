"""The service's worker processes: linting runs off the event loop.

Why a ``concurrent.futures.ProcessPoolExecutor`` and not ``running.parallel.WorkerPool``:
``WorkerPool`` serves one ``--jobs`` run — one consumer reading the ordered results of the
parts of some files, which kills every worker as soon as anything goes wrong (right for a
command interrupted by Ctrl-C). A service has many independent requests in flight, each awaited
by its own coroutine; one request's failure or time-out must not end the others. An executor
gives a future per request that asyncio awaits (``run_in_executor``). What is shared with
``--jobs`` is the worker set-up: the same start method (``parallel._start_method``: fork on
Linux), and the same pickled initialisation — the check classes, the payer profiles and the
history store, loaded once when the service starts (a history store reopens its SQLite
connection in each worker, as a connection must not cross a fork). Each request then builds an
``Engine`` over them with its own selection (``?select=``, ``?ignore=``...), which costs well
under a millisecond, and runs ``Engine.lint_sources`` on the body: the same code path as
``claimlint check``, so the report is the same.

Time per request: the worker arms ``SIGALRM`` for what is left of the request's time and
abandons the body when it fires, so a slow request does not keep a worker busy after its
client has had its 408.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import dataclasses
import datetime as dt
import io
import json
import multiprocessing
import pickle
import re
import signal
import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

from claimlint.core.ack import AckInterchange
from claimlint.core.config import Config
from claimlint.core.findings import Finding, Report, is_read_failure
from claimlint.readers.base import Source, sniff
from claimlint.report.formatters import ACK_FORMATS, FormatOptions, get_formatter
from claimlint.running.acks import with_envelopes
from claimlint.running.engine import Engine
from claimlint.running.parallel import _start_method
from claimlint.running.registry import Registry
from claimlint.running.split import ControlNumbers, SplitError, report_dict, split_source

#: seconds the parent waits past a request's deadline for its worker to give up by itself
GRACE = 2.0


#: what a request asks of its worker: the JSON report, a split, or an acknowledgment
KINDS = ("lint", "split", "999", "277ca")

SPLIT_VERSION = "1"


@dataclass(slots=True)
class LintJob:
    """One request's work: the body, its declared format, its configuration and deadline
    (``time.time()`` seconds; the worker and the parent share the clock), and what to answer
    (``kind``, one of :data:`KINDS`)."""

    data: bytes
    config: Config
    deadline: float
    fmt: str | None = None
    name: str = "<body>"
    version: str = ""
    kind: str = "lint"
    #: /v1/split on an 837D: the first control number of the rebuilt envelopes
    control_start: int = 1


@dataclass(slots=True)
class LintOutcome:
    """What a worker sends back: the rendered JSON report and the counts the log may show
    (never a value from the claims)."""

    #: "ok"; "malformed" (nothing could be read: 422, the body is the JSON report);
    #: "refused" (read, but not what the request needs: 422, ``message`` says why);
    #: "timeout"; "error"
    status: str
    body: bytes = b""
    media_type: str = "application/json"
    #: "refused": the Error's kind and message
    error: str = ""
    message: str = ""
    verdict: str = "pass"  # "fail" when a finding is at or above fail-on, or a read failure
    claims_read: int = 0
    claims_linted: int = 0
    claims_unparsable: int = 0
    findings: int = 0
    #: /v1/split: claims held
    held: int | None = None
    #: internal errors (a check or reader bug): counted, their text stays in the worker
    internal_errors: int = 0
    error_kinds: list[str] = field(default_factory=list)


class _Deadline(BaseException):
    """The request's time is up (a BaseException, so that no ``except Exception`` in a reader
    or check swallows it)."""


_STATE: dict[str, Any] = {}


def _init_worker(blob: bytes) -> None:
    # Ctrl-C reaches the whole process group: the server shuts its workers down itself
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    checks, origins, profiles, history = pickle.loads(blob)
    _STATE.update(registry=Registry(tuple(checks), origins), profiles=profiles, history=history)


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise _Deadline()


def lint_job(job: LintJob) -> LintOutcome:
    """In a worker: lint the body as ``claimlint check --format json`` would."""
    remaining = job.deadline - time.time()
    if remaining <= 0:
        return LintOutcome(status="timeout")
    old = signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, remaining)
    try:
        return _lint(job)
    except _Deadline:
        return LintOutcome(status="timeout")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _lint(job: LintJob) -> LintOutcome:
    engine = Engine(
        job.config,
        registry=_STATE["registry"],
        profiles=_STATE["profiles"],
        history=_STATE["history"],
    )
    source = Source(name=job.name, data=job.data, format=job.fmt)
    if job.kind != "lint" and sniff(source) is None:
        # a body of no known format: the lint's 422 report says so (CL001)
        job = dataclasses.replace(job, kind="lint")
    if job.kind == "split":
        return _split(job, engine, source)
    if job.kind in ACK_FORMATS and sniff(source) != "x12":
        return LintOutcome(
            status="refused",
            error="not_837d",
            message="an acknowledgment answers an X12 837D body only (this one is "
            f"{sniff(source)}); use /v1/lint or /v1/split for other formats",
        )
    envelopes: list[AckInterchange] = []
    unanswered: list[str] = []
    sources: Iterable[Source | Finding] = [source]
    if job.kind in ACK_FORMATS:
        # the 837D envelopes to answer; why not, when there is nothing to answer
        sources = with_envelopes(sources, envelopes, unanswered)
    report = engine.lint_sources(sources)
    report.interchanges = envelopes
    outcome = _outcome(report, engine)
    if outcome.status == "error":
        return outcome
    if malformed(report):
        outcome.status = "malformed"
    elif unanswered:  # read, but no transaction set to acknowledge
        outcome.status, outcome.error, outcome.message = "refused", "not_837d", unanswered[0]
        return outcome
    outcome.verdict = verdict(report, job.config)
    fmt = job.kind if job.kind in ACK_FORMATS and outcome.status == "ok" else "json"
    if fmt != "json":
        outcome.media_type = "application/edi-x12"
    out = io.StringIO()
    get_formatter(fmt)(report, out, _options(job, engine))
    outcome.body = out.getvalue().encode("utf-8")
    return outcome


def _options(job: LintJob, engine: Engine) -> FormatOptions:
    return FormatOptions(
        show_values=job.config.show_values,
        rules=engine.registry.by_code(),
        tool_version=job.version,
        fail_on=job.config.fail_on,
        now=dt.datetime.combine(job.config.today, dt.time()) if job.config.today else None,
    )


def _outcome(report: Report, engine: Engine) -> LintOutcome:
    """The counts of a lint; status "error" on an internal error."""
    summary = report.summary
    outcome = LintOutcome(
        status="ok",
        claims_read=summary.claims_read,
        claims_linted=summary.claims_linted,
        claims_unparsable=summary.claims_unparsable,
        findings=len(report.findings),
    )
    if engine.errors:
        outcome.status = "error"
        outcome.internal_errors = len(engine.errors)
        # "internal error while checking claim X: KeyError: ..." -> "KeyError" (the text
        # after it may quote a value)
        outcome.error_kinds = sorted({_kind(e) for e in engine.errors})
    return outcome


def _json_report(report: Report, job: LintJob, engine: Engine) -> bytes:
    out = io.StringIO()
    get_formatter("json")(report, out, _options(job, engine))
    return out.getvalue().encode("utf-8")


def _split(job: LintJob, engine: Engine, source: Source) -> LintOutcome:
    """``claimlint split`` on the body (``running.split.split_source``): the answer is a JSON
    object with both outputs as strings and the held-claims report."""
    try:
        result = split_source(engine, source, job.config.fail_on, ControlNumbers(job.control_start))
    except SplitError as exc:
        if engine.errors:
            outcome = _outcome(Report(), engine)
            outcome.status = "error"
            return outcome
        if exc.report is not None and malformed(exc.report):
            # the body could not be read: the lint's 422 report
            outcome = _outcome(exc.report, engine)
            outcome.status, outcome.verdict = "malformed", "fail"
            outcome.body = _json_report(exc.report, job, engine)
            return outcome
        # read, but its claims cannot be found again in it: nothing to split
        return LintOutcome(status="refused", error="cannot_split", message=str(exc), verdict="fail")
    report = result.linted.report
    outcome = _outcome(report, engine)
    if malformed(report):
        outcome.status, outcome.verdict = "malformed", "fail"
        outcome.body = _json_report(report, job, engine)
        return outcome
    outcome.held = len(result.held_verdicts)
    outcome.verdict = "fail" if outcome.held else "pass"
    try:
        encoding = "utf-8"
        clean, held = result.clean.decode(encoding), result.held.decode(encoding)
    except UnicodeDecodeError:
        encoding = "latin-1"  # byte for byte: each character is the byte of its code
        clean, held = result.clean.decode(encoding), result.held.decode(encoding)
    answer = {
        "version": SPLIT_VERSION,
        "format": result.format,
        "encoding": encoding,
        "clean": clean,
        "held": held,
        "next_control": result.next_control,
        "report": report_dict(result, "clean", "held"),
    }
    outcome.body = json.dumps(answer, ensure_ascii=False).encode("utf-8")
    return outcome


def _kind(message: str) -> str:
    """The exception's class name in an engine error message, or "internal error": only a
    name that looks like an exception class (``KeyError``) is kept, never other text."""
    for match in _KIND.finditer(message):
        return match.group(1)
    return "internal error"


_KIND = re.compile(r": ([A-Z][A-Za-z0-9_]*(?:Error|Exception|Exit|Interrupt)): ")


def malformed(report: Report) -> bool:
    """The body could not be read: a CL001 (not JSON, no claims list, an unknown format, an
    XML syntax error), or no claim at all was read and there are errors (an X12 envelope
    without a header). A body whose claims were read is linted, whatever they hold."""
    if any(is_read_failure(f) for f in report.findings):
        return True
    return report.summary.claims_read == 0 and report.summary.by_severity["error"] > 0


def verdict(report: Report, config: Config) -> str:
    """``fail`` when ``claimlint check`` would exit 1: a read failure, or a finding at or
    above ``fail-on``."""
    if any(is_read_failure(f) for f in report.findings):
        return "fail"
    worst = report.max_severity()
    return "fail" if worst is not None and worst.rank >= config.fail_on.rank else "pass"


class LintPool:
    """``jobs`` worker processes, started once with the engine's configuration."""

    def __init__(self, jobs: int, engine: Engine) -> None:
        self.jobs = jobs
        # pickled here, whatever the start method, as --jobs does (parallel.WorkerPool)
        self._init = pickle.dumps(
            (
                list(engine.registry.checks),
                dict(engine.registry.origins),
                engine.profiles,
                engine.history,
            ),
            protocol=pickle.HIGHEST_PROTOCOL,
        )
        self._executor: ProcessPoolExecutor | None = None

    def start(self) -> None:
        """Start the workers now (before the server's threads exist: with fork, the
        executor starts them all on its first task) and wait until each is ready."""
        self._executor = ProcessPoolExecutor(
            max_workers=self.jobs,
            mp_context=multiprocessing.get_context(_start_method()),
            initializer=_init_worker,
            initargs=(self._init,),
        )
        for f in [self._executor.submit(_ready) for _ in range(self.jobs)]:
            f.result()

    def shutdown(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    async def lint(self, job: LintJob) -> LintOutcome:
        """Lint in a worker; a worker that is still busy ``GRACE`` seconds past the deadline
        is left to its alarm and the request is answered as timed out."""
        assert self._executor is not None, "LintPool.start() first"
        loop = asyncio.get_running_loop()
        executor = self._executor
        future = loop.run_in_executor(executor, lint_job, job)
        try:
            return await asyncio.wait_for(future, timeout=job.deadline - time.time() + GRACE)
        except TimeoutError:
            return LintOutcome(status="timeout")
        except _Deadline:  # the alarm fired as the worker was returning
            return LintOutcome(status="timeout")
        except BrokenProcessPool:
            # a worker died (killed, out of memory): answer this request, start new workers
            if self._executor is executor:
                with contextlib.suppress(Exception):
                    executor.shutdown(wait=False, cancel_futures=True)
                self.start()
            return LintOutcome(status="error", internal_errors=1, error_kinds=["worker died"])


def _ready() -> bool:
    return True


def request_config(base: Config, **changes: Any) -> Config:
    """A copy of the service's configuration with one request's options applied."""
    config = copy.deepcopy(base)
    for key, value in changes.items():
        setattr(config, key, value)
    config.jobs = 1
    # resolved again for this request's selection (the plugins' options, by check code)
    config.check_options = None
    return config
