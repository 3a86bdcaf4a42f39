"""Progress on stderr for long runs (rich): a bar over the input files, the claims read so far
(a large file is one file but many claims) and the current file.

Shown only when it helps a person watching: stderr is a terminal, not under pre-commit
(``PRE_COMMIT=1``, which captures output) and not with ``--quiet``. It never writes to stdout,
so it cannot corrupt a machine-readable report, and it disappears when the run ends.

The engine needs no hook: :func:`track` lists the sources up front (to know the total) and
hands ``Engine.lint_sources`` a lazy iterable; the engine pulls the next source only after it
has finished the previous one, which is when the bar advances.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TextIO

from claimlint.core.findings import Finding
from claimlint.readers.base import Source
from claimlint.readers.discovery import Discovery
from claimlint.running.engine import iter_sources


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


def _name(item: Source | Finding) -> str:
    return item.location.file if isinstance(item, Finding) else item.name


@contextmanager
def track(
    paths: Sequence[str],
    *,
    show: bool,
    stream: TextIO | None = None,
    notes: list[str] | None = None,
    discovery: Discovery | None = None,
    claims: Callable[[], int] | None = None,
) -> Iterator[Iterable[Source | Finding]]:
    """``with track(paths, show=...) as sources: engine.lint_sources(sources)``; ``notes``
    receives what the folder walk skipped (``iter_sources``, walking as ``discovery`` says);
    ``claims`` says how many claims were read so far (``lambda: engine.claims_seen``), shown
    as the display refreshes, also while one large file is being read."""
    if not show:
        yield iter_sources(paths, notes, discovery)
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )
    from rich.table import Column
    from rich.text import Text

    class ClaimsColumn(ProgressColumn):
        """``12,345 claims``: read so far, asked of the engine at each refresh."""

        def render(self, task: object) -> Text:
            count = claims() if claims is not None else 0
            return Text(f"{count:,} claim{'' if count == 1 else 's'}")

    files = list(iter_sources(paths, notes, discovery))
    console = Console(file=stream or sys.stderr, stderr=stream is None)
    progress = Progress(
        SpinnerColumn(),
        TextColumn("[bold]claimlint[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("files", table_column=Column(no_wrap=True, min_width=5)),
        ClaimsColumn(table_column=Column(no_wrap=True, min_width=14)),
        TimeElapsedColumn(),
        TextColumn(
            "{task.description}", markup=False, table_column=Column(overflow="ellipsis", ratio=1)
        ),
        console=console,
        transient=True,
    )

    def feed() -> Iterator[Source | Finding]:
        for item in files:
            progress.update(task, description=_name(item))
            yield item
            progress.advance(task)

    with progress:
        task = progress.add_task("", total=len(files))
        yield feed()
