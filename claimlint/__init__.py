"""claimlint: a pre-submission linter for US dental insurance claims.

The small public API::

    from claimlint import lint_paths, lint_batch, lint_stream
    report = lint_paths(["claims/"])
    for finding in report.findings:
        print(finding.code, finding.location.claim_id, finding.message)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from claimlint.core.config import Config
    from claimlint.core.findings import Finding, Location, Report, Severity
    from claimlint.core.model import Claim
    from claimlint.running.stream import Verdict

__version__ = "0.1.0"

#: the public names imported on first use (PEP 562): ``import claimlint`` stays light, so that
#: ``claimlint.__main__`` is running, and can answer Ctrl-C, within milliseconds of start-up
_LAZY = {
    "Config": "claimlint.core.config",
    "Finding": "claimlint.core.findings",
    "Location": "claimlint.core.findings",
    "Report": "claimlint.core.findings",
    "Severity": "claimlint.core.findings",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'claimlint' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def lint_paths(paths: Iterable[str], config: Config | None = None) -> Report:
    """Lint files or directories; see claimlint.running.api.lint_paths."""
    from claimlint.running.api import lint_paths as _lint_paths

    return _lint_paths(paths, config)


def lint_batch(batch: Any, config: Config | None = None, *, name: str = "<batch>") -> Report:
    """Lint a batch held in memory; see claimlint.running.api.lint_batch."""
    from claimlint.running.api import lint_batch as _lint_batch

    return _lint_batch(batch, config, name=name)


def lint_stream(
    claims: Iterable[Claim | dict[str, Any]],
    config: Config | None = None,
    *,
    history: Any = None,
    profiles: Any = None,
    name: str = "<stream>",
) -> Iterator[Finding]:
    """Yield findings claim by claim from any iterable; see claimlint.running.stream.lint_stream."""
    from claimlint.running.stream import lint_stream as _lint_stream

    return _lint_stream(claims, config, history=history, profiles=profiles, name=name)


def verdicts(
    claims: Iterable[Claim | dict[str, Any]],
    config: Config | None = None,
    *,
    history: Any = None,
    profiles: Any = None,
    name: str = "<stream>",
    fail_on: Severity | str | None = None,
) -> Iterator[Verdict]:
    """Yield a clean/held verdict per claim as it is linted (then the end-of-stream ones);
    see claimlint.running.stream.verdicts."""
    from claimlint.running.stream import verdicts as _verdicts

    return _verdicts(claims, config, history=history, profiles=profiles, name=name, fail_on=fail_on)


__all__ = [
    "Config",
    "Finding",
    "Location",
    "Report",
    "Severity",
    "__version__",
    "lint_batch",
    "lint_paths",
    "lint_stream",
    "verdicts",
]
