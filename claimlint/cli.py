"""The command line. Argument handling only: the work is in engine, readers and formatters.

Exit codes (like ruff): 0 nothing at or above --fail-on; 1 there is; 2 usage, configuration or
internal error. Besides those:

* a path named on the command line that does not exist is a usage error (2);
* a file or folder that cannot be read (CL001 error) makes the exit code at least 1 whatever
  --select, --ignore, severity overrides, suppressions, the baseline, --fail-on or --exit-zero
  say;
* SIGINT (Ctrl-C) exits 130 and SIGTERM 143, with one line ``claimlint: interrupted`` on
  stderr, no worker process left and no report file half-written (see claimlint/report/output.py);
* stdout closed by the reader (``claimlint check . | head -1``): exit 141, as if killed by
  SIGPIPE like other Unix tools, without a message; stdout that cannot be written (a full disk,
  /dev/full, a closed descriptor): one ``claimlint: error:`` line and exit 2.
"""

from __future__ import annotations

import _thread
import datetime as dt
import errno
import functools
import importlib
import io
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, fields
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn

import click

from claimlint import __version__
from claimlint.core.config import Config, ConfigError, load_config, set_by_file
from claimlint.core.findings import Report, Severity
from claimlint.readers.mappings import builtin_names, check_csv_mapping
from claimlint.report.formatters import ACK_FORMATS, FormatOptions, available
from claimlint.report.formatters._common import statistics_text
from claimlint.report.output import write_outputs
from claimlint.running.registry import Registry, RegistryError, load_registry

if TYPE_CHECKING:
    from claimlint.payer.history import SQLHistory
    from claimlint.payer.profiles import Profile, ProfileSet
    from claimlint.readers.base import ReadOptions
    from claimlint.readers.discovery import Discovery

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
#: stdout closed by its reader: the status of a process killed by SIGPIPE (128 + 13)
EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE
#: stdout formats that print --statistics themselves; for the others it goes to stderr
STATISTICS_INLINE = ("text", "concise")


def fail(message: str) -> None:
    click.echo(f"claimlint: error: {message}", err=True)
    sys.exit(EXIT_ERROR)


def _codes(values: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for value in values:
        out.extend(v.strip() for v in value.split(",") if v.strip())
    return out


# -- interrupts and standard streams --------------------------------------------------------


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived. A BaseException, so that no ``except Exception`` (a reader's
    or a check's error handling) swallows it; ``finally`` blocks still run: workers are killed
    and temporary report files removed on the way out.

    The exception only carries the interrupt to ``_Main.main``; C code that clears errors can
    drop it on the way. CPython's compiler does: when a module imported mid-run is compiled
    from source, the constant folding (``10 ** 30``) runs a pending signal handler and then
    clears any exception but KeyboardInterrupt, so the run went on as if no signal had come.
    One that dies before ``_Main.main`` has seen it therefore has the same signal delivered
    again (``__del__``, ``_redeliver``): the handler raises it anew within milliseconds, once
    the code that dropped it has returned."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
        self.seen = False  # reached _Main.main, which ends the run for it

    def __del__(self) -> None:
        if not self.seen:
            _redeliver(self.signum)


@dataclass
class _InterruptState:
    pid: int | None = None  # the process whose handlers are in place (None: none are)
    signum: int | None = None  # the signal the run is ending for
    dropped: bool = False  # its Interrupted died unseen: the signal is being delivered again


_INTERRUPT = _InterruptState()


def _on_signal(signum: int, frame: FrameType | None) -> None:
    state = _INTERRUPT
    if state.pid is None or os.getpid() != state.pid:
        # a worker forked before it set its own handlers: leave without a traceback
        os._exit(128 + signum)
    if state.signum is None:
        state.signum = signum
    elif state.dropped:  # the same interrupt again, its first Interrupted was dropped
        state.dropped = False
        signum = state.signum
    else:  # a second signal while cleaning up: leave now
        os._exit(128 + signum)
    raise Interrupted(signum)


def _redeliver(signum: int) -> None:
    """An Interrupted was dropped before it ended the run: the handler runs again, as if the
    signal had just arrived (only while claimlint's handlers are in place). Not from here: a
    handler run inside ``__del__`` (or inside the C code that dropped it, which still holds
    the GIL) would only be dropped again. A short-lived thread delivers it once this thread
    lets go of the GIL, which the interpreter makes it do within its switch interval."""
    state = _INTERRUPT
    if state.pid is not None and state.pid == os.getpid() and state.signum is not None:
        state.dropped = True
        _thread.start_new_thread(_deliver_again, (state.signum,))


def _deliver_again(signum: int) -> None:
    state = _INTERRUPT
    if state.dropped and state.pid == os.getpid():
        _thread.interrupt_main(signal.Signals(signum))


def _interrupt_behind(exc: BaseException) -> Interrupted | None:
    """The Interrupted that ``exc`` was raised from or while handling, if any: Python 3.11
    wraps an exception raised in ``__set_name__`` (a dataclass field of a module imported
    mid-run) in a RuntimeError, which would otherwise end the run with a traceback."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, Interrupted):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


#: C extensions whose module initialisation crashes the process (SIGSEGV, no message) when a
#: signal handler raises while it runs (orjson in about 1 run in 2 with Ctrl-C mid-import):
#: imported at start with SIGINT and SIGTERM held back, so that no later, lazy import runs them
#: (sqlite3, imported lazily by a spilling index, survived 48 of 48 such signals)
FRAGILE_IMPORTS = ("orjson",)


def import_with_signals_held(names: tuple[str, ...] = FRAGILE_IMPORTS) -> None:
    """Import ``names`` with SIGINT and SIGTERM blocked; one that arrives meanwhile is
    delivered (and handled) as soon as the imports are done."""
    try:
        held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    except (AttributeError, OSError):  # a platform without pthread_sigmask
        held = None
    try:
        for name in names:
            importlib.import_module(name)
    finally:
        if held is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)


@contextmanager
def _signal_handlers() -> Iterator[None]:
    """SIGINT and SIGTERM raise :class:`Interrupted` in this process (restored afterwards, so
    that in-process callers such as tests keep their own handlers)."""
    try:
        old = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    _INTERRUPT.pid, _INTERRUPT.signum, _INTERRUPT.dropped = os.getpid(), None, False
    try:
        yield
    finally:
        # no redelivery from here on (a late one would find the caller's handler)
        _INTERRUPT.pid, _INTERRUPT.signum, _INTERRUPT.dropped = None, None, False
        for sig, handler in old.items():
            signal.signal(sig, handler)


class _ClosedStream(io.TextIOBase):
    """Stands in for a standard stream that was closed when claimlint started (``>&-``):
    writing to it is an error that says so, instead of an AttributeError on ``None``."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self._name = name

    @property
    def name(self) -> str:
        return self._name

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, f"{self._name} is closed")


def _guard_standard_streams() -> None:
    """Python sets ``sys.stdout``/``sys.stderr`` to None when the descriptor was closed. Put
    /dev/null on the descriptor (so that no file opened later takes its number and receives
    output) and a stream that refuses writes in its place."""
    for fd, attr in ((1, "stdout"), (2, "stderr")):
        if getattr(sys, attr) is not None:
            continue
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_WRONLY)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
        setattr(sys, attr, _ClosedStream(attr))


def _silence_stdout() -> None:
    """After stdout failed: send what is still buffered to /dev/null, so that the flush at
    exit does not fail again (and change the exit code to 120)."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        pass


def _say(message: str) -> None:
    with suppress(OSError, ValueError):
        click.echo(message, err=True)


def exit_interrupted(signum: int) -> NoReturn:
    _say("claimlint: interrupted")
    _silence_stdout()
    sys.exit(128 + signum)


def exit_write_error(exc: OSError, what: str = "stdout") -> NoReturn:
    if exc.errno == errno.EPIPE:
        _silence_stdout()
        sys.exit(EXIT_BROKEN_PIPE)
    _say(f"claimlint: error: cannot write to {what}: {exc.strerror or exc}")
    _silence_stdout()
    sys.exit(EXIT_ERROR)


#: errors of writing to a stream: reported in one line (exit 2), never as a traceback
_WRITE_ERRNOS = frozenset(
    {errno.EPIPE, errno.ENOSPC, errno.EBADF, errno.EIO, errno.EDQUOT, errno.EFBIG}
)


class _Main(click.Group):
    def main(self, *args: Any, **kwargs: Any) -> Any:
        _guard_standard_streams()
        with _signal_handlers():
            try:
                import_with_signals_held()
                return super().main(*args, **kwargs)
            except Interrupted as exc:
                exc.seen = True
                exit_interrupted(exc.signum)
            except KeyboardInterrupt:
                exit_interrupted(signal.SIGINT)
            except Exception as exc:
                interrupt = _interrupt_behind(exc)
                if interrupt is None:
                    raise
                interrupt.seen = True
                exit_interrupted(interrupt.signum)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except OSError as exc:
            if exc.errno not in _WRITE_ERRNOS:
                raise
            exit_write_error(exc, "the output")


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="claimlint")
def main() -> None:
    """claimlint: find what will get a dental claim denied, pended or downgraded, before you
    submit it."""


@dataclass(frozen=True, slots=True)
class InputFlags:
    """The command-line options every command that reads claim files takes (``check``,
    ``estimate``, ``convert``, ``history import``, ...): how to read (tooth numbering, the CSV
    column mapping) and which files a folder walk reads (ruff's discovery options)."""

    tooth_numbering: str | None = None
    csv_mapping: str | None = None
    exclude: tuple[str, ...] = ()
    extend_exclude: tuple[str, ...] = ()
    respect_gitignore: bool | None = None
    force_exclude: bool | None = None


_INPUT_FLAG_NAMES = tuple(f.name for f in fields(InputFlags))


def input_flags(func: Any) -> Any:
    """Click decorator: --tooth-numbering, --csv-mapping and the discovery options
    (--exclude, --extend-exclude, --[no-]respect-gitignore, --[no-]force-exclude). The command
    receives them as one keyword argument ``inputs: InputFlags``; turn them into reader
    options with :func:`input_options`."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        inputs = InputFlags(**{name: kwargs.pop(name) for name in _INPUT_FLAG_NAMES})
        return func(*args, inputs=inputs, **kwargs)

    wrapper.__dict__["__click_params__"] = list(getattr(func, "__click_params__", []))
    options = [
        click.option(
            "--tooth-numbering",
            type=click.Choice(["universal", "iso"]),
            default=None,
            help="Numbering system of the input's teeth when the file does not say.",
        ),
        click.option(
            "--csv-mapping",
            default=None,
            help="CSV column mapping: a built-in name ("
            + ", ".join(n for n in builtin_names() if n != "default")
            + ") or a TOML mapping file; replaces the configuration's 'csv-mapping'.",
        ),
        click.option(
            "--exclude",
            multiple=True,
            metavar="PATTERN",
            help="Files and folders a folder walk leaves out (gitignore-style globs, "
            "comma-separated or repeated); replaces the configuration's and the default list.",
        ),
        click.option(
            "--extend-exclude",
            multiple=True,
            metavar="PATTERN",
            help="Like --exclude, but adds to the exclusions instead of replacing them.",
        ),
        click.option(
            "--respect-gitignore/--no-respect-gitignore",
            default=None,
            help="Leave out what .gitignore files ignore when walking folders (default on).",
        ),
        click.option(
            "--force-exclude/--no-force-exclude",
            default=None,
            help="Apply the exclusions to paths named on the command line too (for pre-commit).",
        ),
    ]
    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper


def apply_selection(
    config: Config,
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    fail_on: str | None,
    today: str | None = None,
) -> None:
    """The rule selection of the command line over the configuration's (``check``, ``split``),
    and ``--today``."""
    if select:
        config.select = _codes(select)
    if extend_select:
        config.extend_select += _codes(extend_select)
    if ignore:
        config.ignore += _codes(ignore)
    if fail_on:
        config.fail_on = Severity.parse(fail_on)
    if today:
        try:
            config.today = dt.date.fromisoformat(today)
        except ValueError:
            fail(f"--today must be YYYY-MM-DD, not {today!r}")


def input_options(config: Config, inputs: InputFlags) -> tuple[ReadOptions, Discovery]:
    """The one place where command-line input options meet the configuration: ``inputs``
    replace the configuration's values (``config`` is updated, so that an engine built from it
    reads the same way), the CSV mapping is checked before any file is read (exit 2, naming the
    configuration file when it set the mapping), and the reader options and folder-walk
    settings are returned."""
    from claimlint.readers.base import ReadOptions
    from claimlint.readers.discovery import Discovery

    if inputs.tooth_numbering:
        config.tooth_numbering = inputs.tooth_numbering
    if inputs.csv_mapping:
        config.csv_mapping = inputs.csv_mapping
    apply_discovery_options(
        config,
        inputs.exclude,
        inputs.extend_exclude,
        inputs.respect_gitignore,
        inputs.force_exclude,
    )
    try:
        check_csv_mapping(config.csv_mapping)
    except ConfigError as exc:
        fail(str(exc) + ("" if inputs.csv_mapping else set_by_file(config, "csv-mapping")))
    options = ReadOptions(tooth_system=config.tooth_numbering, csv_mapping=config.csv_mapping)
    return options, Discovery.from_config(config)


def apply_discovery_options(
    config: Config,
    exclude: tuple[str, ...],
    extend_exclude: tuple[str, ...],
    respect_gitignore: bool | None,
    force_exclude: bool | None,
) -> None:
    """Command-line discovery options over the configuration's; patterns with a slash are
    relative to the current directory."""
    from claimlint.core.config import anchor_pattern

    def patterns(values: tuple[str, ...]) -> list[str]:
        split = (p.strip() for value in values for p in value.split(","))
        return [anchor_pattern(p, Path.cwd()) for p in split if p]

    if exclude:
        config.exclude = patterns(exclude)
    if extend_exclude:
        config.extend_exclude = [*config.extend_exclude, *patterns(extend_exclude)]
    if respect_gitignore is not None:
        config.respect_gitignore = respect_gitignore
    if force_exclude is not None:
        config.force_exclude = force_exclude


def use_color(stream: Any) -> bool:
    """Colour on a terminal, unless NO_COLOR is set (https://no-color.org: any non-empty
    value); FORCE_COLOR (non-empty, not 0/false) asks for it on a pipe too. NO_COLOR wins."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR", "").strip().lower() not in ("", "0", "false", "no"):
        return True
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def load_settings(config_path: str | None) -> Config:
    try:
        return load_config(config_path)
    except ConfigError as exc:
        fail(str(exc))
        raise  # unreachable


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--format",
    "fmt",
    default=None,
    help=f"Output format on stdout: {', '.join(available())}, or auto (github annotations "
    "inside GitHub Actions, else text). Default text.",
)
@click.option(
    "-o",
    "--output",
    "outputs",
    multiple=True,
    metavar="FORMAT=PATH",
    help="Also write FORMAT to PATH (atomically); repeatable: -o sarif=out.sarif -o junit=out.xml.",
)
@click.option("--select", multiple=True, help="Rule codes, prefixes or names to run (CL3, CL301).")
@click.option("--extend-select", multiple=True, help="Add to the selected rules.")
@click.option("--ignore", multiple=True, help="Rule codes, prefixes or names to skip.")
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "info"]),
    default=None,
    help="Lowest severity that makes the exit code 1 (default error).",
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option(
    "--severity",
    "min_severity",
    type=click.Choice(["error", "warning", "info"]),
    default="info",
    show_default=True,
    help="Lowest severity the text output lists (warning: errors and warnings only; the "
    "money line of each listed claim stays). Other formats list every finding.",
)
@click.option(
    "--show-values",
    is_flag=True,
    help="Include raw values (may contain PHI) in the output. Off by default.",
)
@click.option("--config", "config_path", default=None, help="Configuration file to use.")
@click.option("--today", default=None, hidden=True, help="Fix 'today' (YYYY-MM-DD) for tests.")
@click.option("--statistics", is_flag=True, help="Print the number of findings per rule.")
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=0),
    default=None,
    help="Processes to lint with; large files are split (default 1; 0 = one per CPU).",
)
@click.option(
    "--write-baseline",
    "baseline_out",
    default=None,
    metavar="FILE",
    help="Record the current findings in FILE as known (set 'baseline = FILE' to use it).",
)
@click.option(
    "--profile",
    "profile_paths",
    multiple=True,
    metavar="PATH",
    help="Payer profile file or folder (repeatable); replaces the configuration's 'profiles'.",
)
@click.option(
    "--history",
    "history_path",
    default=None,
    metavar="FILE",
    help="History database: a SQLite file or a postgresql:// URL (see 'claimlint history "
    "import'); replaces 'history'.",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no notes on stderr.")
@input_flags
def check(
    paths: tuple[str, ...],
    fmt: str | None,
    outputs: tuple[str, ...],
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    fail_on: str | None,
    exit_zero: bool,
    min_severity: str,
    show_values: bool,
    config_path: str | None,
    today: str | None,
    statistics: bool,
    jobs: int | None,
    baseline_out: str | None,
    profile_paths: tuple[str, ...],
    history_path: str | None,
    quiet: bool,
    inputs: InputFlags,
) -> None:
    """Lint claim files (837D, JSON, JSONL, CSV, XML), directories, or - for stdin."""
    from claimlint.report.streaming import can_stream, statistics_rows, statistics_text_rows
    from claimlint.running.engine import Engine
    from claimlint.running.lint import unknown_selectors
    from claimlint.running.streaming import StreamedReport

    missing = [p for p in paths if p != "-" and not os.path.lexists(p)]
    if missing:
        fail(f"{missing[0]}: no such file or directory")
    config = load_settings(config_path)
    apply_selection(config, select, extend_select, ignore, fail_on, today)
    if show_values:
        config.show_values = True
    if jobs is not None:
        config.jobs = jobs or os.cpu_count() or 1
    if profile_paths:
        config.profiles = list(profile_paths)
    if history_path:
        config.history = history_path
    input_options(config, inputs)  # the engine reads as the configuration now says
    from claimlint.report.output import (
        OutputError,
        OutputSpec,
        check_format,
        output_specs,
        resolve_format,
    )
    from claimlint.report.suppress import write_baseline

    # a bad format or output from the configuration file names that file
    blame = f"{config.source}: " if config.source is not None else ""
    try:
        fmt = resolve_format(check_format(fmt)) if fmt else None
        specs = output_specs(outputs, {})
    except OutputError as exc:
        fail(str(exc))
        raise
    try:
        fmt = fmt or resolve_format(check_format(config.format))
        specs = output_specs(outputs, config.output)
    except OutputError as exc:
        fail(f"{blame}{exc}")
        raise
    try:
        registry = load_registry()
    except RegistryError as exc:
        fail(str(exc))
        raise
    bad = unknown_selectors(registry, config)
    if bad:
        given = {*_codes(select), *_codes(extend_select), *_codes(ignore)}
        where = f"{config.source}: " if config.source and bad[0] not in given else ""
        fail(f"{where}unknown rule selector {bad[0]!r} (see 'claimlint rules')")
    from claimlint.payer.history import HistoryError
    from claimlint.payer.profile_basics import ProfileError  # not profiles: none may be loaded

    options = FormatOptions(
        show_values=config.show_values,
        rules=registry.by_code(),
        tool_version=__version__,
        color=use_color(sys.stdout),
        statistics=statistics,
        severity=Severity.parse(min_severity),
        fail_on=config.fail_on,
        now=dt.datetime.combine(config.today, dt.time()) if config.today else None,
    )
    all_specs = [*specs, OutputSpec(fmt, "-")]
    # findings are written as they arrive when every output can be (docs/memory.md); a
    # baseline to write or an acknowledgment to answer needs the whole report
    streamed = not baseline_out and all(
        can_stream(resolve_format(spec.format), options) for spec in all_specs
    )
    try:
        engine = Engine(config, registry=registry)
        if streamed:
            report = _check_streamed(engine, paths, all_specs, options, quiet)
        else:
            report = _check_whole(engine, paths, specs, fmt, quiet)
        if baseline_out:
            write_baseline(report, baseline_out, selected_codes=engine.checks.selected_codes)
    except (ConfigError, OutputError, ProfileError, HistoryError) as exc:
        fail(str(exc) + _blame_config(config, exc, config.history))
        raise
    if not streamed:
        try:
            write_outputs(report, all_specs, options)
            sys.stdout.flush()
        except OutputError as exc:
            fail(str(exc))
        except OSError as exc:  # only stdout is left: files fail as OutputError
            exit_write_error(exc)
    if statistics and fmt not in STATISTICS_INLINE:
        if isinstance(report, StreamedReport):
            rows = statistics_rows(report.rule_counts, report.rule_worst)
            click.echo(statistics_text_rows(rows), err=True, nl=False)
        else:
            click.echo(statistics_text(report), err=True, nl=False)
    if not quiet:
        for note in report.notes:
            click.echo(f"claimlint: note: {note}", err=True)
    for message in engine.errors:
        click.echo(f"claimlint: {message}", err=True)
    sys.exit(exit_code(report, config, exit_zero, internal_errors=bool(engine.errors)))


def _check_whole(
    engine: Any, paths: tuple[str, ...], specs: list[Any], fmt: str, quiet: bool
) -> Report:
    """``check`` holding the whole report (text, html, the acknowledgments, a baseline)."""
    from claimlint.running import progress
    from claimlint.running.api import run_sources

    with progress.track(
        paths,
        show=progress.enabled(quiet=quiet),
        notes=engine.notes,
        discovery=engine.discovery,
        claims=lambda: engine.claims_seen,
    ) as sources:
        envelopes: list[Any] = []
        unanswered: list[str] = []
        if ACK_FORMATS & {fmt, *(spec.format for spec in specs)}:
            from claimlint.running.acks import with_envelopes

            # the 837D envelopes to answer; a note for each file left unanswered
            sources = with_envelopes(sources, envelopes, unanswered)
        report = run_sources(engine, sources)  # suppressions applied inside
        report.interchanges = envelopes
        report.notes.extend(unanswered)
    return report


def _check_streamed(
    engine: Any, paths: tuple[str, ...], specs: list[Any], options: FormatOptions, quiet: bool
) -> Report:
    """``check`` writing every output as findings arrive (claimlint.running.streaming): files
    are committed at the end, all or none, like ``write_outputs``; stdout is written as the
    run goes and flushed after each file."""
    from claimlint.report.output import streamed_outputs
    from claimlint.running import progress
    from claimlint.running.api import run_sources
    from claimlint.running.streaming import StreamBroken, StreamedReport

    try:
        with streamed_outputs(specs, options) as writers:
            report = StreamedReport(engine, writers)
            report.begin()
            with progress.track(
                paths,
                show=progress.enabled(quiet=quiet),
                notes=engine.notes,
                discovery=engine.discovery,
                claims=lambda: engine.claims_seen,
            ) as sources:
                run_sources(engine, sources, report)
        sys.stdout.flush()
    except StreamBroken as exc:
        if exc.where == "-":
            exit_write_error(exc.error)
        fail(f"cannot write {exc.where}: {exc.error.strerror or exc.error}")
        raise
    except OSError as exc:  # flushing stdout at the end
        exit_write_error(exc)
    return report


def exit_code(report: Report, config: Config, exit_zero: bool, *, internal_errors: bool) -> int:

    if internal_errors:
        return EXIT_ERROR
    if report.read_failed():
        return EXIT_FINDINGS  # an input that could not be read always fails the run
    if exit_zero:
        return EXIT_OK
    worst = report.max_severity()
    return EXIT_FINDINGS if worst is not None and worst.rank >= config.fail_on.rank else EXIT_OK


@main.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text")
def rules(fmt: str) -> None:
    """List every rule: code, name, severity, scope and summary."""
    try:
        registry = load_registry()
    except RegistryError as exc:
        fail(str(exc))
        raise
    if fmt == "json":
        import orjson

        data = [
            {
                "code": c.code,
                "name": c.name,
                "severity": c.severity.value,
                "scope": c.scope.value,
                "summary": c.summary,
            }
            for c in registry.checks
        ]
        click.echo(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode())
        return
    if fmt == "markdown":
        click.echo(rules_markdown(registry))
        return
    width = max((len(c.name) for c in registry.checks), default=10)
    click.echo(f"{'CODE':<6}  {'NAME':<{width}}  {'SEVERITY':<8}  {'SCOPE':<6}  SUMMARY")
    for c in registry.checks:
        click.echo(
            f"{c.code:<6}  {c.name:<{width}}  {c.severity.value:<8}  {c.scope.value:<6}  "
            f"{c.summary}"
        )


def rules_markdown(registry: Registry) -> str:
    """The rule table as the README shows it (generated, so it never drifts)."""
    rows = ["| Code | Name | Severity | Scope | What it finds |", "|---|---|---|---|---|"]
    for c in registry.checks:
        rows.append(
            f"| {c.code} | `{c.name}` | {c.severity.value} | {c.scope.value} | {c.summary} |"
        )
    return "\n".join(rows)


@main.command()
@click.argument("code")
def rule(code: str) -> None:
    """Show one rule's documentation (by code or name)."""
    try:
        registry = load_registry()
    except RegistryError as exc:
        fail(str(exc))
        raise
    check_cls = registry.get(code)
    if check_cls is None:
        fail(f"no rule {code!r} (see 'claimlint rules')")
        return
    click.echo(
        f"{check_cls.code} {check_cls.name} ({check_cls.severity.value}, "
        f"{check_cls.scope.value} scope)"
    )
    click.echo(f"\n{check_cls.summary}\n")
    for title, body in check_cls.doc_sections().items():
        click.echo(f"{title}:")
        for line in body.splitlines():
            click.echo(f"    {line}" if line.strip() else "")
        click.echo("")


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--profile",
    "profile_paths",
    multiple=True,
    help="Payer profile file or folder (repeatable); adds to the configuration's profiles.",
)
@click.option(
    "--history",
    "history_path",
    default=None,
    help="History database (a SQLite file or a postgresql:// URL).",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--config", "config_path", default=None, help="Configuration file to use.")
@input_flags
def estimate(
    paths: tuple[str, ...],
    profile_paths: tuple[str, ...],
    history_path: str | None,
    fmt: str,
    config_path: str | None,
    inputs: InputFlags,
) -> None:
    """Estimate plan payment, patient share and write-off per line, claim and batch.

    \b
    Profiles come from the configuration, from --profile (files or folders, loaded like
    'check' loads them) and from a batch's own "payers" section. A --profile naming a
    single profile also applies to claims whose payer no profile names.
    Files or claims that cannot be read are reported on stderr (file, position) and make
    the exit code 1; the batch total counts them.
    """
    import orjson

    from claimlint.payer.history import HistoryError
    from claimlint.payer.profiles import ProfileError
    from claimlint.running.estimating import (
        describe_finding,
        estimate_paths,
        render_text,
        report_dict,
    )

    config = load_settings(config_path)
    read_options, discovery = input_options(config, inputs)
    try:
        profiles, default = estimate_profiles(config, profile_paths)
        history = open_history(history_path or config.history)
    except (ProfileError, HistoryError) as exc:
        fail(str(exc) + _blame_config(config, exc, history_path or config.history))
        raise
    for warning in getattr(history, "warnings", ()):
        click.echo(f"claimlint: warning: {warning}", err=True)
    batch = estimate_paths(
        paths,
        profiles,
        default=default,
        history=history,
        options=read_options,
        discovery=discovery,
    )
    if not batch.had_profiles:
        fail(
            "no payer profile: pass --profile FILE, set 'profiles' in claimlint.toml, or give "
            'the batch a "payers" section'
        )
    if fmt == "json":
        click.echo(orjson.dumps(report_dict(batch), option=orjson.OPT_INDENT_2).decode())
    else:
        for text in render_text(batch):
            click.echo(text)
    sys.stdout.flush()
    for finding in batch.findings:
        click.echo(f"claimlint: {describe_finding(finding)}", err=True)
    for note in batch.notes:
        click.echo(f"claimlint: note: {note}", err=True)
    sys.exit(EXIT_FINDINGS if batch.findings else EXIT_OK)


def _raise_option(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]) -> Any:
    from claimlint.core.impact import parse_raise

    out = []
    for value in values:
        try:
            out.append(parse_raise(value))
        except ValueError as exc:
            raise click.BadParameter(str(exc), ctx=ctx, param=param) from None
    return out


@main.command()
@click.argument("paths", nargs=-1, required=False)
@click.option(
    "--profile",
    "profile_paths",
    multiple=True,
    metavar="PATH",
    help="Payer profile file or folder (repeatable); adds to the configuration's profiles.",
)
@click.option(
    "--history",
    "history_path",
    default=None,
    metavar="FILE",
    help="Paid-claims history: a history CSV (as 'history import' reads), a SQLite store or a "
    "postgresql:// URL (default: the configuration's 'history').",
)
@click.option(
    "--raise",
    "raises",
    multiple=True,
    metavar="CODE=+N|CODE=+N%",
    callback=_raise_option,
    help="What raising a code's allowance would have returned: D2150=+20 or D2150=+10% "
    "(repeatable).",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text")
@click.option("--config", "config_path", default=None, help="Configuration file to use.")
@input_flags
def impact(
    paths: tuple[str, ...],
    profile_paths: tuple[str, ...],
    history_path: str | None,
    raises: list[Any],
    fmt: str,
    config_path: str | None,
    inputs: InputFlags,
) -> None:
    """The impact-code report for fee negotiation: per plan, the lines paid (or to be paid)
    as a cheaper code, ranked by the dollars between office fees and the allowances used.

    \b
    PATHS are claim files or folders (walked like 'check'), or - for stdin; --history adds
    paid claims (PATHS may then be left out). Profiles come from the configuration and
    --profile. See docs/impact.md.
    """
    import orjson

    from claimlint.payer.history import HistoryError
    from claimlint.payer.profiles import ProfileError
    from claimlint.report import impact as view
    from claimlint.running.estimating import describe_finding
    from claimlint.running.impact import run_impact

    missing = [p for p in paths if p != "-" and not os.path.lexists(p)]
    if missing:
        fail(f"{missing[0]}: no such file or directory")
    config = load_settings(config_path)
    if not paths and not (history_path or config.history):
        fail("say what to read: claim files or folders (PATHS), --history FILE, or both")
    options, discovery = input_options(config, inputs)
    target = history_path or config.history
    try:
        profiles, default = estimate_profiles(config, profile_paths)
        run = run_impact(
            paths,
            profiles,
            default=default,
            history_path=target,
            raises=raises,
            options=options,
            discovery=discovery,
        )
    except (ProfileError, HistoryError) as exc:
        fail(str(exc) + _blame_config(config, exc, None if history_path else target))
        raise
    if not run.had_profiles:
        fail(
            "no payer profile: pass --profile FILE, set 'profiles' in claimlint.toml, or give "
            'the batch a "payers" section'
        )
    facts = {
        "claims_read": run.claims_read,
        "unparsable": run.unparsable,
        "history_rows": run.history_rows,
        "duplicates": run.duplicates,
        "not_paid": run.not_paid,
        "skipped_claims": run.skipped_claims,
        "no_profile": run.no_profile,
    }
    if fmt == "json":
        data = view.report_dict(run.summary, run.raises, facts)
        click.echo(orjson.dumps(data, option=orjson.OPT_INDENT_2).decode())
    elif fmt == "csv":
        click.echo(view.render_csv(run.summary), nl=False)
    else:
        for text in view.render_text(run.summary, run.raises, facts):
            click.echo(text)
    sys.stdout.flush()
    for finding in run.findings:
        click.echo(f"claimlint: {describe_finding(finding)}", err=True)
    for note in run.notes:
        click.echo(f"claimlint: note: {note}", err=True)
    sys.exit(EXIT_FINDINGS if run.findings else EXIT_OK)


def estimate_profiles(
    config: Config, extra: tuple[str, ...] | list[str]
) -> tuple[ProfileSet, Profile | None]:
    """The profiles of the configuration plus --profile paths (files or folders), and the
    default profile: the one profile a single --profile names, if it names exactly one."""
    from claimlint.payer.profiles import load_profiles

    profiles = load_profiles([*config.profiles, *extra], payers=config.payers, origin=config.source)
    default = None
    if len(extra) == 1:
        only = load_profiles(extra)
        if len(only) == 1:
            default = profiles.get(next(iter(only.profiles)))
    return profiles, default


def _blame_config(config: Config, exc: Exception, history_path: str | None) -> str:
    """An unusable profile or history path from the configuration file: name that file too
    (the message named only the missing path, as if the path itself were at fault)."""
    from claimlint.payer.history import HistoryError
    from claimlint.payer.profiles import ProfilePathError

    if isinstance(exc, ProfilePathError):
        return set_by_file(config, "profiles", exc.file)
    if isinstance(exc, HistoryError) and history_path:
        return set_by_file(config, "history", history_path)
    if isinstance(exc, ConfigError) and str(exc).startswith("csv-mapping: "):
        return set_by_file(config, "csv-mapping", config.csv_mapping)
    return ""


def open_history(path: str | None) -> SQLHistory | None:
    from claimlint.payer.stores import open_store

    return open_store(path) if path else None


@main.group()
def history() -> None:
    """Patient history (prior procedures) for the frequency and duplicate rules."""


@history.command("import")
@click.argument("files", nargs=-1, required=True)
@click.option(
    "--history",
    "history_path",
    default=None,
    help="SQLite file (created when missing) or postgresql:// URL to fill (the tables are "
    "created or migrated; default: the configuration's 'history').",
)
@click.option("--config", "config_path", default=None, help="Configuration file to use.")
@input_flags
def history_import(
    files: tuple[str, ...], history_path: str | None, config_path: str | None, inputs: InputFlags
) -> None:
    """Import prior procedures from CSV (member_id, code, date, tooth, surfaces, status), the
    members' own benefits from a member-benefits CSV (member_id, payer_id, plan_id, as_of,
    coverage_start, coverage_end, deductible_met or deductible_remaining, maximum_used,
    waiting_period_start) and from claim files (JSON, JSONL, 837D: each service line becomes a
    history row).

    \b
    A column mapping (--csv-mapping or the configuration's) names the CSV's columns, so an
    export imports as it is: --csv-mapping opendental-procedurelog reads an Open Dental
    procedure log, and its status_values skip planned and deleted procedures.
    Broken rows are reported with file and row; the others are imported. Exit 1 when some
    rows could not be imported.
    """
    from claimlint.payer.history import HistoryError
    from claimlint.payer.stores import display_name, open_store
    from claimlint.running.history_import import import_files

    config = load_settings(config_path)
    read_options, discovery = input_options(config, inputs)
    target = history_path or config.history
    if not target:
        fail("say where the history goes: --history history.sqlite")
        return
    try:
        store = open_store(target, create=True)
    except HistoryError as exc:
        fail(str(exc))
        raise
    try:
        result = import_files(files, store, options=read_options, discovery=discovery)
    except HistoryError as exc:
        fail(str(exc))
        raise
    finally:
        store.close()
    for problem in result.problems:
        click.echo(f"claimlint: {problem}", err=True)

    def n(count: int, word: str) -> str:
        return f"{count} {word}" if count == 1 else f"{count} {word}s"

    click.echo(
        f"{n(result.inserted, 'procedure')} imported into {display_name(target)} from "
        f"{n(len(files), 'path')}; {result.duplicates} already present"
        f"{f' ({result.updated} of them now counted as done)' if result.updated else ''}; "
        f"{f'{result.skipped} skipped by the mapping (not done); ' if result.skipped else ''}"
        f"{n(len(result.problems), 'problem')}."
    )
    if result.benefits_read:
        click.echo(
            f"{n(result.benefits_inserted, 'member-benefits row')} imported"
            f"{f', {result.benefits_replaced} replaced' if result.benefits_replaced else ''}."
        )
    sys.exit(EXIT_FINDINGS if result.problems else EXIT_OK)


if __name__ == "__main__":  # pragma: no cover
    main()


__all__ = ["Path", "main"]


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--to",
    "to",
    type=click.Choice(["json", "jsonl"]),
    default="json",
    show_default=True,
    help="Output: a JSON batch, or one claim object per line.",
)
@click.option("-o", "--output", "output", default=None, help="Write to FILE instead of stdout.")
@click.option("--config", "config_path", default=None, help="Configuration file to use.")
@input_flags
def convert(
    paths: tuple[str, ...],
    to: str,
    output: str | None,
    config_path: str | None,
    inputs: InputFlags,
) -> None:
    """Write what claimlint read from PATH... (837D, JSON, JSONL, CSV, XML) as canonical JSON.

    \b
    This is an explicit data export: the output contains PATIENT DATA (names, member ids,
    birth dates) exactly as the input did. Store and share it like the input.
    Problems found while reading (unreadable files, bad rows) go to stderr without values;
    the exit code is 1 when a file or claim could not be converted.
    """
    from claimlint.running.convert import convert as run_convert

    config = load_settings(config_path)
    options, discovery = input_options(config, inputs)
    if output:  # atomically, as check's -o: a temporary file renamed when complete
        from claimlint.report.output import OutputError, atomic_write
        from claimlint.running.convert import ConvertResult

        results: list[ConvertResult] = []

        def write(out: Any) -> None:
            results.append(run_convert(paths, to=to, out=out, options=options, discovery=discovery))

        try:
            atomic_write(output, write)
        except OutputError as exc:
            fail(str(exc))
        result = results[0]
    else:
        result = run_convert(paths, to=to, out=sys.stdout, options=options, discovery=discovery)
        sys.stdout.flush()
    for finding in result.findings:
        loc = finding.location
        where = loc.describe()
        click.echo(
            f"{loc.file}:{' ' + where + ':' if where else ''} {finding.code} "
            f"[{finding.severity.value}] {finding.message}",
            err=True,
        )
    for notice in result.notices:
        click.echo(f"claimlint: {notice}", err=True)
    click.echo(
        f"claimlint: {result.claims_written} claim(s) written, "
        f"{result.claims_unparsable} could not be read",
        err=True,
    )
    failed = result.claims_unparsable or any(f.severity is Severity.ERROR for f in result.findings)
    sys.exit(EXIT_FINDINGS if failed else EXIT_OK)


@main.command()
@click.argument("path")
@click.option(
    "--clean", "clean_path", required=True, metavar="OUT", help="File for the clean claims."
)
@click.option("--held", "held_path", required=True, metavar="OUT", help="File for the held claims.")
@click.option(
    "--report",
    "report_path",
    default=None,
    metavar="PATH",
    help="Also write the held-claims report as JSON to PATH (the text summary goes to stdout).",
)
@click.option("--select", multiple=True, help="Rule codes, prefixes or names to run (CL3, CL301).")
@click.option("--extend-select", multiple=True, help="Add to the selected rules.")
@click.option("--ignore", multiple=True, help="Rule codes, prefixes or names to skip.")
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "info"]),
    default=None,
    help="Lowest severity that holds a claim (default error, or the configuration's fail-on).",
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when claims were held.")
@click.option(
    "--control-start",
    type=click.IntRange(min=1, max=999_999_999),
    default=None,
    help="837D: first control number for the rebuilt ISA13/GS06/ST02 (default 1).",
)
@click.option(
    "--control-file",
    default=None,
    metavar="PATH",
    help='837D: take the next control number from PATH ({"next": N}) and store the next one '
    "there after the split.",
)
@click.option("--config", "config_path", default=None, help="Configuration file to use.")
@input_flags
@click.option("--profile", "profile_paths", multiple=True, metavar="PATH", help="Payer profiles.")
@click.option("--history", "history_path", default=None, metavar="FILE", help="History database.")
@click.option("--today", default=None, hidden=True, help="Fix 'today' (YYYY-MM-DD) for tests.")
@click.option("-q", "--quiet", is_flag=True, help="No summary on stdout.")
def split(
    path: str,
    clean_path: str,
    held_path: str,
    report_path: str | None,
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    fail_on: str | None,
    exit_zero: bool,
    control_start: int | None,
    control_file: str | None,
    config_path: str | None,
    profile_paths: tuple[str, ...],
    history_path: str | None,
    today: str | None,
    quiet: bool,
    inputs: InputFlags,
) -> None:
    """Split a claim file into clean and held claims, each in the input's format.

    \b
    Every claim goes to exactly one output: held when it has a finding at or above
    --fail-on (after the configuration's ignores and baseline) or could not be parsed.
    837D claims are copied as written with their billing provider, subscriber and patient
    loops, in rebuilt envelopes (new control numbers, counts and HL numbers). Nothing is
    written when the input cannot be read. Exit 0 when no claim is held, 1 when some are.
    """

    from claimlint.report.output import OutputError
    from claimlint.running.engine import Engine
    from claimlint.running.lint import unknown_selectors
    from claimlint.running.split import (
        ControlNumbers,
        SplitError,
        read_control_file,
        report_text,
        split_file,
        write,
    )

    if path == "-" or not os.path.isfile(path):
        fail(f"{path}: split reads one claim file (not a folder or stdin)")
    if control_start is not None and control_file is not None:
        fail("use --control-start or --control-file, not both")
    if len({os.path.abspath(p) for p in (path, clean_path, held_path)}) < 3:
        fail("the input, --clean and --held must be three different files")
    config = load_settings(config_path)
    apply_selection(config, select, extend_select, ignore, fail_on, today)
    input_options(config, inputs)  # the engine reads as the configuration now says
    if profile_paths:
        config.profiles = list(profile_paths)
    if history_path:
        config.history = history_path
    try:
        registry = load_registry()
    except RegistryError as exc:
        fail(str(exc))
        raise
    bad = unknown_selectors(registry, config)
    if bad:
        fail(f"unknown rule selector {bad[0]!r} (see 'claimlint rules')")
    from claimlint.payer.history import HistoryError
    from claimlint.payer.profiles import ProfileError

    try:
        start = read_control_file(control_file) if control_file else (control_start or 1)
        engine = Engine(config, registry=registry)
        result = split_file(engine, path, config.fail_on, ControlNumbers(start))
        write(
            result,
            clean_path,
            held_path,
            report_path=report_path,
            control_file=control_file,
        )
    except SplitError as exc:
        fail(f"cannot split: {exc}; nothing was written")
        raise
    except (ConfigError, OutputError, ProfileError, HistoryError) as exc:
        fail(str(exc) + _blame_config(config, exc, config.history))
        raise
    if not quiet:
        click.echo(report_text(result, clean_path, held_path), nl=False)
        for note in result.linted.report.notes:
            click.echo(f"claimlint: note: {note}", err=True)
    sys.exit(EXIT_OK if exit_zero or not result.held_verdicts else EXIT_FINDINGS)


def _size(ctx: click.Context, param: click.Parameter, value: str) -> int:
    from claimlint.service.settings import parse_size

    try:
        return parse_size(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True)
@click.option(
    "--token-file",
    default=None,
    metavar="FILE",
    help="File holding the bearer token (else $CLAIMLINT_TOKEN). Required unless "
    "--insecure-local on a loopback address.",
)
@click.option(
    "--insecure-local",
    is_flag=True,
    help="Run without a token; only on a loopback address (127.0.0.1, ::1, localhost).",
)
@click.option(
    "--max-body",
    default="50MB",
    show_default=True,
    callback=_size,
    help="Largest request body (50MB, 512k, bytes); a larger one is answered 413.",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    default=60.0,
    show_default=True,
    help="Seconds a request may take, reading its body included; then 408.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=0),
    default=0,
    help="Worker processes that lint (default 0 = one per CPU).",
)
@click.option(
    "--max-requests",
    type=click.IntRange(min=0),
    default=0,
    help="Requests in flight at once; one more is answered 503 before its body is read "
    "(default 0 = eight per worker, at least 32).",
)
@click.option("--config", "config_path", default=None, help="Configuration file to use.")
@click.option(
    "--profile",
    "profile_paths",
    multiple=True,
    metavar="PATH",
    help="Payer profile file or folder (repeatable); replaces the configuration's 'profiles'.",
)
@click.option(
    "--history",
    "history_path",
    default=None,
    metavar="FILE",
    help="History database (a SQLite file or a postgresql:// URL); replaces the "
    "configuration's 'history'.",
)
def serve(
    host: str,
    port: int,
    token_file: str | None,
    insecure_local: bool,
    max_body: int,
    timeout: float,
    jobs: int,
    max_requests: int,
    config_path: str | None,
    profile_paths: tuple[str, ...],
    history_path: str | None,
) -> None:
    """Serve the linter over HTTP: POST /v1/lint, GET /healthz, GET /openapi.json.

    \b
    Claims are PHI: every request needs 'Authorization: Bearer TOKEN', the token coming from
    $CLAIMLINT_TOKEN or --token-file. Without one the service starts only on a loopback
    address with --insecure-local. Put it behind a TLS reverse proxy (docs/service.md).
    Needs the service extra: pip install 'dental-claimlint[service]'.
    """
    try:
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError:
        fail("claimlint serve needs the service extra: pip install 'dental-claimlint[service]'")
    from claimlint.payer.history import HistoryError
    from claimlint.payer.profiles import ProfileError
    from claimlint.service.server import serve as run_server
    from claimlint.service.settings import Settings, SettingsError, read_token

    config = load_settings(config_path)
    if profile_paths:
        config.profiles = list(profile_paths)
    if history_path:
        config.history = history_path
    try:
        registry = load_registry()
    except RegistryError as exc:
        fail(str(exc))
        raise
    try:
        settings = Settings(
            host=host,
            port=port,
            token=read_token(token_file),
            insecure_local=insecure_local,
            max_body=max_body,
            timeout=timeout,
            jobs=jobs or os.cpu_count() or 1,
            max_requests=max_requests,
            config=config,
            version=__version__,
        )
        run_server(settings, registry)
    except SettingsError as exc:
        fail(str(exc))
    except (ConfigError, ProfileError, HistoryError) as exc:
        fail(str(exc) + _blame_config(config, exc, config.history))
