"""Progress on stderr for long runs (rich): a bar over the input files, with the current file.

Shown only when it helps a person watching: stderr is a terminal, not under pre-commit
(``PRE_COMMIT=1``, which captures output) and not with ``--quiet``. It never writes to stdout,
so it cannot corrupt a machine-readable report, and it disappears when the run ends.

The engine needs no hook: :func:`track` expands directories up front (to know the total) and
hands the engine a lazy iterable of file names; the engine pulls the next name only after it has
finished the previous file, which is when the bar advances.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TextIO


def enabled(
    *, quiet: bool = False, stream: TextIO | None = None, env: Mapping[str, str] | None = None
) -> bool:
    env = os.environ if env is None else env
    stream = sys.stderr if stream is None else stream
    if quiet or env.get("PRE_COMMIT") == "1":
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def expand(paths: Sequence[str]) -> list[str]:
    """The file names the engine will lint, in its order (directories walked the same way)."""
    from claimlint.engine import iter_sources
    from claimlint.findings import Finding

    out: list[str] = []
    for raw in paths:
        if raw == "-":
            out.append(raw)
            continue
        for item in iter_sources([raw]):
            out.append(item.location.file if isinstance(item, Finding) else item.name)
    return out


@contextmanager
def track(
    paths: Sequence[str], *, show: bool, stream: TextIO | None = None
) -> Iterator[Iterable[str]]:
    """``with track(paths, show=...) as files: engine.lint_paths(files)``."""
    if not show:
        yield paths
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    files = expand(paths)
    console = Console(file=stream or sys.stderr, stderr=stream is None)
    progress = Progress(
        SpinnerColumn(),
        TextColumn("[bold]claimlint[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}", markup=False),
        console=console,
        transient=True,
    )

    def feed() -> Iterator[str]:
        for name in files:
            progress.update(task, description=name)
            yield name
            progress.advance(task)

    with progress:
        task = progress.add_task("", total=len(files))
        yield feed()
