"""Every rule is documented and has a failing and a passing fixture that behave as promised."""

from __future__ import annotations

import pytest
from conftest import FIXTURES, TODAY

from claimlint.checks.base import DOC_SECTIONS
from claimlint.core.config import Config, load_file
from claimlint.running.engine import Engine
from claimlint.running.registry import load_registry, missing_doc_sections

CHECKS = load_registry().checks
RULES_DIR = FIXTURES / "rules"


def _fixture(code: str, kind: str):
    found = sorted((RULES_DIR / code).glob(f"{kind}.*"))
    return [p for p in found if p.suffix != ".toml"]


def _config(code: str) -> Config:
    cfg_file = RULES_DIR / code / "claimlint.toml"
    cfg = load_file(cfg_file) if cfg_file.exists() else Config()
    cfg.today = TODAY
    return cfg


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.code)
def test_rule_has_every_docstring_section(check):
    assert missing_doc_sections(check) == [], f"{check.code} docstring lacks sections"
    assert check.summary and check.name == check.name.lower() and " " not in check.name


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.code)
def test_rule_has_fixtures(check):
    assert _fixture(check.code, "fail"), f"fixtures/rules/{check.code}/fail.* is missing"
    assert _fixture(check.code, "pass"), f"fixtures/rules/{check.code}/pass.* is missing"


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.code)
def test_failing_fixture_fires_and_passing_fixture_does_not(check):
    engine = Engine(_config(check.code))
    for path in _fixture(check.code, "fail"):
        report = engine.lint_paths([str(path)])
        codes = [f.code for f in report.findings]
        assert check.code in codes, f"{path} should raise {check.code}; got {codes}"
    engine = Engine(_config(check.code))
    for path in _fixture(check.code, "pass"):
        report = engine.lint_paths([str(path)])
        hits = [f.message for f in report.findings if f.code == check.code]
        assert hits == [], f"{path} should not raise {check.code}: {hits}"


def test_codes_and_names_are_unique_and_well_formed():
    codes = [c.code for c in CHECKS]
    names = [c.name for c in CHECKS]
    assert len(codes) == len(set(codes)) and len(names) == len(set(names))
    assert all(c.startswith("CL") and c[2:].isdigit() and len(c) == 5 for c in codes)
    assert DOC_SECTIONS[0] == "What it checks"
