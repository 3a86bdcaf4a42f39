"""The small library API: lint files, or a batch already in memory."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson

from claimlint.core.config import Config
from claimlint.core.findings import Report
from claimlint.readers.base import Source
from claimlint.running.engine import Engine


def lint_paths(paths: Iterable[str], config: Config | None = None) -> Report:
    """Lint files or directories (any supported format); returns the Report."""
    return Engine(config).lint_paths(paths)


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
    return Engine(config).lint_sources([Source(name=name, data=data)])
