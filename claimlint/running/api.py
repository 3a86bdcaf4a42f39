"""The small library API: lint files, or a batch already in memory."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

from claimlint.core.config import Config
from claimlint.core.findings import Finding, Report
from claimlint.readers.base import Source
from claimlint.running.engine import Engine, iter_sources


def run_sources(
    engine: Engine, sources: Iterable[Source | Finding], report: Report | None = None
) -> Report:
    """``parallel.run_sources``: in this process, or over ``engine.config.jobs`` processes;
    claimlint.running.parallel (multiprocessing) is imported only in the second case, so a
    one-process run (``claimlint check`` on a few files) does not pay for it at start-up."""
    if engine.config.jobs > 1:
        from claimlint.running.parallel import run_sources as run_parallel

        return run_parallel(engine, sources, report)
    return engine.lint_sources(sources, report)


def lint_paths(paths: Iterable[str], config: Config | None = None) -> Report:
    """Lint files or directories (any supported format); returns the Report."""
    engine = Engine(config)
    return run_sources(engine, iter_sources(paths, engine.notes, engine.discovery))


def lint_batch(
    batch: dict[str, Any] | list[dict[str, Any]] | bytes | str,
    config: Config | None = None,
    *,
    name: str = "<batch>",
) -> Report:
    """Lint a batch in the JSON batch format (a dict, a list of claims, or JSON text)."""
    if isinstance(batch, str):
        data = batch.encode("utf-8")
    elif isinstance(batch, bytes):
        data = batch
    else:
        data = orjson.dumps(batch, default=str)
    return run_sources(Engine(config), [Source(name=name, data=data)])
