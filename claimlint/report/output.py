"""Writing reports: the stdout format and any number of ``-o FORMAT=PATH`` files in one run.

Every file is rendered to a temporary file in the destination folder and then moved into place
with ``os.replace``, so a CI job never picks up a half-written SARIF or JUnit file, and a failed
run never leaves a truncated report where yesterday's good one was. All outputs are rendered
first and only then renamed: if one format fails (or its path is a folder, or the disk is
full), none of the files is replaced. If a rename fails after others succeeded, the files
already replaced are put back from hard links of their old versions (made just before each
rename, removed at the end); only on a file system without hard links can one stay replaced,
and the error names it. Non-regular targets (``/dev/stdout``, a FIFO) are written last, after
all renames. An interrupt (SIGINT, SIGTERM) while writing removes the
temporary files; the renames themselves run with signals held, so a set of reports is committed
whole or not at all.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import signal
import stat
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TextIO

from claimlint.core.findings import Report
from claimlint.report.formatters import FormatOptions, Renderer, available, get_formatter

AUTO = "auto"


class OutputError(Exception):
    """A bad ``-o`` value or an output file that cannot be written (exit code 2)."""


@dataclass(frozen=True, slots=True)
class OutputSpec:
    format: str
    path: str  # "-" for stdout


def resolve_format(name: str, env: Mapping[str, str] | None = None) -> str:
    """``auto``: ``github`` annotations inside GitHub Actions, else ``text``."""
    env = os.environ if env is None else env
    if name != AUTO:
        return name
    return "github" if env.get("GITHUB_ACTIONS") == "true" else "text"


def check_format(name: str) -> str:
    if name != AUTO and name not in available():
        raise OutputError(f"unknown format {name!r}; choose from {', '.join([*available(), AUTO])}")
    return name


def parse_output(value: str) -> OutputSpec:
    """``FORMAT=PATH`` (``sarif=out/claimlint.sarif``); PATH ``-`` means stdout."""
    fmt, sep, path = value.partition("=")
    fmt, path = fmt.strip(), path.strip()
    if not sep or not fmt or not path:
        raise OutputError(f"-o expects FORMAT=PATH (e.g. sarif=claimlint.sarif), not {value!r}")
    check_format(fmt)
    return OutputSpec(fmt, path)


def output_specs(
    cli_values: Iterable[str], configured: Mapping[str, str] | None = None
) -> list[OutputSpec]:
    """``[tool.claimlint.output]`` (format = path) first, then ``-o`` values; a path given twice
    is an error (two formats would fight over one file)."""
    specs = [parse_output(f"{k}={v}") for k, v in (configured or {}).items()]
    specs += [parse_output(v) for v in cli_values]
    seen: dict[str, str] = {}
    unique: list[OutputSpec] = []
    for spec in specs:
        if spec.path != "-":
            key = os.path.abspath(spec.path)
            if key in seen:
                if seen[key] == spec.format:
                    continue
                raise OutputError(
                    f"{spec.path} is given as the output of both {seen[key]} and {spec.format}"
                )
            seen[key] = spec.format
        unique.append(spec)
    return unique


def _mode_for_new_file() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _temp_for(path: Path, staged: list[tuple[str, Path]]) -> TextIO:
    """A temporary file next to ``path``, registered in ``staged`` before anything can
    interrupt (so that the caller's cleanup always knows about it)."""
    import tempfile  # here: a run that writes only to stdout does not import it (start-up)

    path.parent.mkdir(parents=True, exist_ok=True)
    with signals_deferred():
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        staged.append((tmp, path))
    try:
        mode = path.stat().st_mode & 0o777 if path.exists() else _mode_for_new_file()
        os.chmod(tmp, mode)
        return os.fdopen(fd, "w", encoding="utf-8", newline="")
    except BaseException:
        os.close(fd)
        raise


@contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM for the duration of a short step that must not be cut in two
    (create-and-register a temporary file, rename a set of reports, remove temporary files);
    a signal that arrived meanwhile is handled right after, by the handler that was in place.

    Python runs signal handlers in the main thread, whatever thread the signal hit, so this
    swaps the Python-level handlers rather than the thread's signal mask."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    got: list[int] = []

    def hold(signum: int, frame: FrameType | None) -> None:
        got.append(signum)

    old = {sig: signal.signal(sig, hold) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)
        if got:
            handler = old[signal.Signals(got[0])]
            if callable(handler):
                handler(got[0], None)
            elif handler == signal.SIG_DFL:
                os.kill(os.getpid(), got[0])


def atomic_write(path: str | Path, write: Callable[[TextIO], object]) -> None:
    """Write one file atomically: temp file in the same folder, fsync, ``os.replace``."""
    atomic_write_many([(Path(path), write)])


def _is_special(path: Path) -> bool:
    """An existing target that is not a regular file (``/dev/stdout``, a FIFO): written
    directly, since renaming a file over it would replace the device or pipe."""
    try:
        st = path.stat()
    except OSError:
        return False
    return not stat.S_ISREG(st.st_mode) and not stat.S_ISDIR(st.st_mode)


def atomic_write_many(jobs: Iterable[tuple[Path, Callable[[TextIO], object]]]) -> None:
    """All or nothing: every file is rendered to a temporary file first; only when all of
    them are written are they renamed into place (with signals held, so that an interrupt
    cannot commit half of them). On any failure or interrupt the temporary files are removed
    and the existing files are left untouched: a rename that fails after others succeeded
    puts the earlier files back (see ``_commit``). Targets that are not regular files
    (``/dev/stdout``, a FIFO) are written directly, after every rename succeeded; a failure
    there cannot take the renamed files back."""
    jobs = list(jobs)
    for path, _write in jobs:
        if path.is_dir():
            raise OutputError(f"cannot write {path}: it is a folder")
    staged: list[tuple[str, Path]] = []
    special = [(path, write) for path, write in jobs if _is_special(path)]
    try:
        for path, write in jobs:
            if (path, write) in special:
                continue
            try:
                fh = _temp_for(path, staged)
                with fh:
                    write(fh)
                    fh.flush()
                    os.fsync(fh.fileno())
            except OSError as exc:
                raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
        with signals_deferred():
            _commit(staged)
            staged.clear()
    finally:
        with signals_deferred():
            for tmp, _ in staged:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
    for path, write in special:
        try:
            with open(path, "w", encoding="utf-8", newline="") as fh:
                write(fh)
        except OSError as exc:
            raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None


def _commit(staged: list[tuple[str, Path]]) -> None:
    """Rename every temporary file over its target, or none: before a target is replaced its
    old file is kept under a second name (a hard link); if a later rename fails, the files
    already replaced are put back from those links (a target that did not exist is removed
    again). The links are removed at the end. Where a hard link cannot be made (a file system
    without them), that one target cannot be put back; the error still names the file."""
    done: list[tuple[Path, str | None]] = []  # target, its old file's backup (None: new)
    try:
        for tmp, path in staged:
            backup: str | None = None
            if os.path.lexists(path):
                backup = tmp + ".old"
                try:
                    os.link(path, backup, follow_symlinks=False)
                except OSError:
                    backup = ""  # existed, but cannot be kept: not put back on failure
            try:
                os.replace(tmp, path)
            except OSError as exc:
                if backup:
                    with contextlib.suppress(OSError):
                        os.unlink(backup)
                raise OutputError(
                    f"cannot write {path}: {exc.strerror or exc}; "
                    + ("no report file was replaced" if not done else _restored(done))
                ) from None
            done.append((path, backup))
    finally:
        for _path, backup in done:
            if backup:
                with contextlib.suppress(OSError):
                    os.unlink(backup)


def _restored(done: list[tuple[Path, str | None]]) -> str:
    """Put back the targets already replaced (newest first); say what could not be."""
    lost: list[str] = []
    for path, backup in reversed(done):
        try:
            if backup is None:
                os.unlink(path)
            elif backup:
                os.replace(backup, path)
            else:
                lost.append(str(path))
        except OSError:
            lost.append(str(path))
    if lost:
        return f"these were already replaced and could not be put back: {', '.join(lost)}"
    return "the report files already replaced were put back"


def _writer(renderer: Renderer, report: Report, options: FormatOptions) -> Callable[[TextIO], None]:
    def write(fh: TextIO) -> None:
        renderer(report, fh, options)

    return write


@contextmanager
def streamed_outputs(
    specs: Iterable[OutputSpec], options: FormatOptions, *, stdout: TextIO | None = None
) -> Iterator[list[tuple[str, object]]]:
    """Streaming writers (claimlint.report.streaming) for every spec, as ``(where, writer)``
    with where ``-`` for stdout or the path. Files are written to temporary files beside their
    targets and renamed into place, all or none, when the body ends normally (as
    ``atomic_write_many``); an error or interrupt removes them and leaves the old files. A
    target that is not a regular file (``/dev/stdout``, a FIFO) is written directly."""
    from claimlint.report.streaming import writer_for

    specs = list(specs)
    staged: list[tuple[str, Path]] = []
    handles: list[tuple[TextIO, Path, bool]] = []  # handle, target, written directly
    writers: list[tuple[str, object]] = []
    file_options = dataclasses.replace(options, color=False)
    try:
        for spec in specs:
            fmt = resolve_format(spec.format)
            if spec.path == "-":
                writers.append(("-", writer_for(fmt, stdout or sys.stdout, options)))
                continue
            path = Path(spec.path)
            if path.is_dir():
                raise OutputError(f"cannot write {path}: it is a folder")
            special = _is_special(path)
            fh: TextIO
            try:
                if special:
                    fh = open(path, "w", encoding="utf-8", newline="")  # noqa: SIM115
                else:
                    fh = _temp_for(path, staged)
            except OSError as exc:
                raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
            handles.append((fh, path, special))
            writers.append((str(path), writer_for(fmt, fh, file_options)))
        yield writers
        for fh, path, special in handles:
            try:
                fh.flush()
                if not special:
                    os.fsync(fh.fileno())
                fh.close()
            except OSError as exc:
                raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
        with signals_deferred():
            _commit(staged)
            staged.clear()
    finally:
        for fh, _path, _special in handles:
            with contextlib.suppress(OSError):
                fh.close()
        with signals_deferred():
            for tmp, _ in staged:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)


def write_outputs(
    report: Report,
    specs: Iterable[OutputSpec],
    options: FormatOptions,
    *,
    stdout: TextIO | None = None,
) -> None:
    """Render each spec; files atomically (all or none), ``-`` to ``stdout``."""
    files: list[tuple[Path, Callable[[TextIO], None]]] = []
    to_stdout: list[str] = []
    for spec in specs:
        fmt = resolve_format(spec.format)
        if spec.path == "-":
            to_stdout.append(fmt)
            continue
        renderer = get_formatter(fmt)
        file_options = dataclasses.replace(options, color=False)
        files.append((Path(spec.path), _writer(renderer, report, file_options)))
    atomic_write_many(files)
    out = stdout or sys.stdout
    for fmt in to_stdout:
        get_formatter(fmt)(report, out, options)
