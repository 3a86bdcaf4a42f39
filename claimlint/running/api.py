"""The small library API: lint files, or a batch already in memory."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

from claimlint.core.config import Config
from claimlint.core.findings import Report
from claimlint.readers.base import Source
from claimlint.running.engine import Engine
from claimlint.running.parallel import run_paths, run_sources


def lint_paths(paths: Iterable[str], config: Config | None = None) -> Report:
    """Lint files or directories (any supported format); returns the Report."""
    return run_paths(Engine(config), paths)


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
