"""The rules branch's fixtures and documentation (a local stand-in until the integrator's
generic fixture and docstring tests cover every rule)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from claimlint.checks import checks_in, codes, dates, same_tooth, surfaces, teeth
from claimlint.checks.base import DOC_SECTIONS
from claimlint.config import Config
from claimlint.engine import Engine

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TODAY = dt.date(2026, 1, 15)  # the suite's fixed today (conftest.TODAY)

CHECKS = {
    code: cls
    for module in (codes, dates, same_tooth, surfaces, teeth)
    for code, cls in checks_in(module).items()
}
EXPECTED = {
    "CL112", "CL115", "CL201", "CL202", "CL205", "CL206", "CL207", "CL208", "CL209", "CL211",
    "CL301", "CL302", "CL303", "CL304", "CL305", "CL306", "CL401", "CL402",
}  # fmt: skip


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(Config(today=TODAY))


def test_rule_set() -> None:
    assert set(CHECKS) == EXPECTED


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_docstring_has_every_section(code: str) -> None:
    sections = CHECKS[code].doc_sections()
    assert [s for s in DOC_SECTIONS if s not in sections] == []


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_fail_fixture_fires_and_pass_fixture_does_not(engine: Engine, code: str) -> None:
    folder: Path = FIXTURES / "rules" / code
    fail = engine.lint_paths([str(folder / "fail.json")])
    assert fail.summary.claims_unparsable == 0
    assert any(f.code == code for f in fail.findings)
    ok = engine.lint_paths([str(folder / "pass.json")])
    assert ok.summary.claims_unparsable == 0
    assert [f.message for f in ok.findings if f.code == code] == []
    assert engine.errors == []
