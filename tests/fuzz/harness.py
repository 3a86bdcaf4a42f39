"""Run claimlint on one input and check the invariants every input must keep.

In process (fast, for many examples): :func:`lint_bytes` lints bytes through the engine exactly
as ``claimlint check`` does, then renders the report in every output format.
As a subprocess (slower, for fewer examples): :func:`run_cli` runs ``python -m claimlint`` with
an address-space limit and a timeout.

Invariants (issue 10): no traceback or internal error; claims read = claims linted + claims not
linted; every finding has a file and a position; bounded time (and, for the CLI, memory); no
claim silently lost (a reader that reads fewer claims than the input holds says so with an
error). A violation is a short string; equal strings are the same failure.
"""

from __future__ import annotations

import functools
import io
import json
import os
import re
import resource
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: seconds one in-process example may take (generous: the CI machine is busy)
IN_PROCESS_SECONDS = float(os.environ.get("CLAIMLINT_FUZZ_SECONDS", "20"))
#: the CLI subprocess: address-space limit and timeout
CLI_MEMORY_BYTES = 1 << 30
CLI_TIMEOUT = float(os.environ.get("CLAIMLINT_FUZZ_CLI_TIMEOUT", "90"))

#: codes of the findings by which a reader says "I could not read (all of) this"
READER_CODES = re.compile(r"CL0\d\d|CL1\d\d")


@functools.cache
def _registry():  # type: ignore[no-untyped-def]
    from claimlint.running.registry import load_registry

    return load_registry()


@functools.cache
def _scratch() -> Path:
    """A private folder for the in-process examples' files (removed at exit)."""
    import atexit
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="claimlint-fuzz-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


@dataclass
class Outcome:
    summary: dict[str, Any] = field(default_factory=dict)
    findings: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def reader_errors(self) -> list[dict[str, Any]]:
        return [
            f
            for f in self.findings
            if f["severity"] == "error" and READER_CODES.fullmatch(f["code"])
        ]


_DIGITS = re.compile(r"\d+")


def norm(text: str, size: int = 90) -> str:
    """A failure's signature: digits folded (so the same bug on other values groups)."""
    return _DIGITS.sub("N", text)[:size]


def _short(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {norm(text, 80)}"


def check_report(data: dict[str, Any], problems: list[str]) -> None:
    """The report-level invariants, on a json report (in process or from the CLI)."""
    s = data["summary"]
    if s["claims_read"] != s["claims_linted"] + s["claims_unparsable"]:
        problems.append(
            "claims read != claims linted + claims not linted "
            f"({s['claims_read']} != {s['claims_linted']} + {s['claims_unparsable']})"
        )
    for f in data["findings"]:
        loc = f["location"]
        pos = loc["position"]
        if not loc.get("file"):
            problems.append(f"{f['code']} finding without a file")
        if all(pos.get(k) is None for k in ("line", "pointer", "segment_index")) and not (
            loc.get("claim_id") or loc.get("line")
        ):
            problems.append(f"{f['code']} finding without a position")


def lint_bytes(data: bytes, name: str, csv_mapping: str | None = None) -> Outcome:
    """Lint ``data`` as a file called ``name`` in process; render every format; check."""
    from claimlint.core.config import Config
    from claimlint.readers.base import Source
    from claimlint.report.formatters import FormatOptions, available, get_formatter
    from claimlint.running.engine import Engine

    out = Outcome()
    path = _scratch() / name
    path.write_bytes(data)
    config = Config()
    config.csv_mapping = csv_mapping
    start = time.perf_counter()
    try:
        engine = Engine(config, registry=_registry())
        report = engine.lint_sources([Source(name=name, path=path)])
    except Exception as exc:
        out.problems.append(f"exception while linting: {_short(exc)}")
        out.seconds = time.perf_counter() - start
        return out
    for message in engine.errors:
        out.problems.append("internal error: " + norm(message.split(":", 2)[-1]))
    options = FormatOptions(rules=_registry().by_code(), tool_version="0")
    for fmt in available():
        try:
            get_formatter(fmt)(report, io.StringIO(), options)
        except Exception as exc:
            out.problems.append(f"{fmt} output raised {_short(exc)}")
    out.seconds = time.perf_counter() - start
    doc = report.to_dict()
    out.summary = doc["summary"]
    out.findings = doc["findings"]
    check_report(doc, out.problems)
    if out.seconds > IN_PROCESS_SECONDS:
        out.problems.append(f"took over {IN_PROCESS_SECONDS:.0f} s")
    return out


def check_not_lost(
    out: Outcome, expected: int, tolerance: int = 1, *, even_with_errors: bool = False
) -> None:
    """Fewer claims read than the input holds (beyond ``tolerance`` that one local mutation may
    legitimately merge away) is only allowed with a reader error that says so; with
    ``even_with_errors`` not at all (a local change in a line-oriented file)."""
    read = out.summary.get("claims_read", 0)
    if read >= expected - tolerance:
        return
    if even_with_errors:
        out.problems.append(f"claims lost by one local change ({read} of {expected} read)")
    elif not out.reader_errors():
        out.problems.append(f"claims silently lost ({read} of {expected} read, no reader error)")


# -- the CLI as a subprocess ------------------------------------------------------------------


@dataclass
class CliResult:
    code: int | None
    stdout: str
    stderr: str
    seconds: float


def _limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CLI_MEMORY_BYTES, CLI_MEMORY_BYTES))


def run_cli(args: list[str], cwd: Path, timeout: float = CLI_TIMEOUT) -> CliResult:
    """``python -m claimlint ARGS`` under RLIMIT_AS (1 GiB) and a timeout."""
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}
    env.pop("GITHUB_ACTIONS", None)
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "claimlint", *args],
            cwd=cwd,
            capture_output=True,
            timeout=timeout,
            preexec_fn=_limit,
            stdin=subprocess.DEVNULL,
            env=env,
        )
    except subprocess.TimeoutExpired as exc:
        return CliResult(
            None,
            (exc.stdout or b"").decode("utf-8", "replace"),
            (exc.stderr or b"").decode("utf-8", "replace"),
            time.perf_counter() - start,
        )
    return CliResult(
        proc.returncode,
        proc.stdout.decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace"),
        time.perf_counter() - start,
    )


def cli_problems(result: CliResult, *, allowed: tuple[int, ...] = (0, 1)) -> list[str]:
    """No timeout, no traceback, no internal error, an allowed exit code."""
    problems = []
    if result.code is None:
        problems.append(f"CLI timed out after {result.seconds:.0f} s")
    if "Traceback" in result.stderr or "Traceback" in result.stdout:
        last = [ln for ln in result.stderr.splitlines() if ln.strip()][-1:] or [""]
        problems.append(f"traceback: {norm(last[0])}")
    if "internal error" in result.stderr:
        problems.append("internal error reported on stderr")
    if "MemoryError" in result.stderr:
        problems.append("MemoryError (over the 1 GiB limit)")
    if result.code is not None and result.code not in allowed:
        problems.append(f"exit {result.code} (expected one of {allowed})")
    return problems


def check_cli_json(result: CliResult) -> list[str]:
    problems = cli_problems(result)
    if result.code in (0, 1):
        try:
            doc = json.loads(result.stdout)
        except ValueError as exc:
            return [*problems, f"json output does not parse: {_short(exc)}"]
        check_report(doc, problems)
    return problems
