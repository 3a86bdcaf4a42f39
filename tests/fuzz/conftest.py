"""Hypothesis profiles for the fuzzing suite, and the per-reader tallies of the long mode.

* ``ci`` (default): a few dozen examples per reader, derandomized (the same examples on every
  run, so CI is deterministic); runs inside the normal ``pytest``.
* ``long``: ``CLAIMLINT_FUZZ=long`` — at least 100,000 examples per reader in process (more or
  fewer with ``CLAIMLINT_FUZZ_EXAMPLES=N``), random; failures are collected, not stopped at,
  and the tallies go to ``benchmarks/fuzz-results.md`` (or ``CLAIMLINT_FUZZ_REPORT``):

      CLAIMLINT_FUZZ=long .venv/bin/python -m pytest tests/fuzz -p no:cacheprovider

No example database is kept (``database=None``): nothing is written into the repository.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings

MODE = os.environ.get("CLAIMLINT_FUZZ", "ci").strip().lower() or "ci"
if MODE not in ("ci", "long"):
    raise pytest.UsageError(f"CLAIMLINT_FUZZ must be ci or long, not {MODE!r}")
LONG = MODE == "long"

_COMMON = dict(
    database=None,
    deadline=None,  # time is an invariant of its own (harness.IN_PROCESS_SECONDS), not flaky
    suppress_health_check=list(HealthCheck),
    print_blob=False,
)
# no shrinking in ci: a failure is reported with the example as found (bounded run time)
settings.register_profile(
    "ci",
    max_examples=100,
    derandomize=True,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    **_COMMON,
)
settings.register_profile(
    "long",
    max_examples=int(os.environ.get("CLAIMLINT_FUZZ_EXAMPLES", "100000")),
    derandomize=False,
    **_COMMON,
)
settings.load_profile(MODE)

#: examples of the slower suites, as a share of the profile's max_examples
#: (a CLI example is a whole interpreter start, ~1 s: 20 per reader in the long mode; the
#: readers' own 100,000 in-process examples are where the breadth is)
CLI_EXAMPLES = 2 if not LONG else max(1, settings.default.max_examples // 5000)
LOADER_EXAMPLES = 8 if not LONG else max(1, settings.default.max_examples // 100)


@dataclass
class Tally:
    examples: int = 0
    failures: int = 0
    seconds: float = 0.0
    #: failure signature -> count
    kinds: Counter[str] = field(default_factory=Counter)
    #: failure signature -> the first input that showed it (a recipe to reproduce)
    first: dict[str, str] = field(default_factory=dict)

    def record(self, problems: list[str], recipe: str) -> None:
        self.examples += 1
        if problems:
            self.failures += 1
        for p in dict.fromkeys(problems):
            self.kinds[p] += 1
            self.first.setdefault(p, recipe)


TALLIES: dict[str, Tally] = {}


def tally(name: str) -> Tally:
    return TALLIES.setdefault(name, Tally())


def report_failures(name: str, problems: list[str], recipe: str) -> None:
    """Count the example; in the ci mode a failure fails at once (hypothesis shrinks it), in
    the long mode it is tallied and the run goes on (the test fails at its end)."""
    tally(name).record(problems, recipe)
    if problems and not LONG:
        raise AssertionError(f"{name}: {problems}\n{recipe}")


def assert_clean(name: str) -> None:
    t = tally(name)
    assert not t.failures, f"{name}: {t.failures} of {t.examples} examples failed: " + "; ".join(
        f"{k} (x{n}) e.g. {t.first[k]}" for k, n in t.kinds.most_common()
    )


_START = time.time()


def pytest_sessionfinish(session: pytest.Session) -> None:
    if not LONG or not TALLIES:
        return
    root = Path(__file__).resolve().parents[2]
    target = Path(os.environ.get("CLAIMLINT_FUZZ_REPORT", root / "benchmarks" / "fuzz-results.md"))
    lines = [
        "# Fuzzing results (long mode)",
        "",
        f"Run {dt.datetime.now().isoformat(timespec='minutes')} on {platform.python_version()} "
        f"({os.cpu_count()} CPUs), {time.time() - _START:.0f} s in all, "
        f"max_examples={settings.default.max_examples}.",
        "`CLAIMLINT_FUZZ=long .venv/bin/python -m pytest tests/fuzz -p no:cacheprovider`",
        "",
        "| suite | examples | failing examples | distinct failures |",
        "|---|---:|---:|---:|",
    ]
    for name, t in sorted(TALLIES.items()):
        lines.append(f"| {name} | {t.examples:,} | {t.failures:,} | {len(t.kinds)} |")
    lines += ["", "## Failures", ""]
    for name, t in sorted(TALLIES.items()):
        for kind, n in t.kinds.most_common():
            lines.append(f"- **{name}**: {kind} — {n:,} examples; first: `{t.first[kind][:300]}`")
    target.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The long mode runs for hours by design: pytest-timeout's per-test limit (pyproject)
    is for the CI mode only."""
    if LONG:
        for item in items:
            item.add_marker(pytest.mark.timeout(0))
