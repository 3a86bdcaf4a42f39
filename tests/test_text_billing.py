"""The text output a billing person reads: errors first, then warnings, one money line per
claim (CL601 summed, with the dollars at risk), amounts with ``$``, ``--severity``, NO_COLOR."""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal

import pytest
from click.testing import CliRunner
from conftest import ROOT

from claimlint.cli import main, use_color

DEMO = ["fixtures/demo/", "--config", "fixtures/demo/claimlint.toml", "--today", "2026-01-15"]
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


@pytest.fixture
def in_root(monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)


def _text(*extra: str) -> list[str]:
    result = CliRunner().invoke(main, ["check", *DEMO, *extra])
    assert result.exit_code == 1, result.output
    return result.stdout.splitlines()


def _json() -> list[dict]:
    result = CliRunner().invoke(main, ["check", *DEMO, "--format", "json"])
    return json.loads(result.stdout)["findings"]


def _claims(lines: list[str]) -> dict[str, list[str]]:
    """claim id -> the lines under its header."""
    out: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in lines:
        if line.startswith("  claim "):
            current = out.setdefault(line.split()[1], [])
        elif line.startswith("    ") and current is not None:
            current.append(line)
        else:
            current = None
    return out


def test_errors_come_before_warnings_before_information_in_each_claim(in_root):
    for claim, lines in _claims(_text()).items():
        severities = [line.split()[2] for line in lines if not line.startswith("    money")]
        severities = [s for s in severities if s in SEVERITY_ORDER]
        ranks = [SEVERITY_ORDER[s] for s in severities]
        assert ranks == sorted(ranks), (claim, lines)
        # the money line closes the claim
        assert all(not ln.startswith("    money") for ln in lines[:-1]), (claim, lines)


def test_claims_with_errors_are_listed_first_in_each_file(in_root):
    worst: list[list[int]] = []
    for line in _text():
        if line.startswith("fixtures/"):
            worst.append([])
        elif line.startswith("  claim "):
            counts = line.split("(", 1)[1]
            rank = 0 if "error" in counts else 1 if "warning" in counts else 2
            worst[-1].append(rank)
    assert worst and all(ranks == sorted(ranks) for ranks in worst), worst


def test_cl601_is_one_money_line_per_claim_summing_the_json_estimates(in_root):
    lines = _text()
    assert not any(" CL601 " in line for line in lines)  # no line-by-line estimates
    sums: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for f in _json():
        if f["code"] == "CL601":
            for key in ("plan_pays", "patient_owes", "write_off"):
                sums[f["location"]["claim_id"]][key] += Decimal(f["data"][key])
    claims = _claims(lines)
    assert set(sums) <= set(claims)
    for claim, total in sums.items():
        money = claims[claim][-1]
        assert money.startswith("    money    "), (claim, claims[claim])
        assert f"plan pays ${total['plan_pays']:,.2f}," in money
        assert f"patient ${total['patient_owes']:,.2f}," in money
        assert f"write-off ${total['write_off']:,.2f} " in money


def test_the_money_line_gives_the_dollars_at_risk(in_root):
    claims = _claims(_text())
    # PB-2002: D2393 paid as D2160, allowance $210 -> $140 (CL405 data "downgrade" 70.00)
    assert claims["PB-2002"][-1].endswith("; at risk: $70.00 lost to downgrades (1 line)")
    # PB-2003: amalgam not covered: the plan pays nothing on a $175 line
    assert claims["PB-2003"][-1].endswith(
        "; at risk: 1 line the plan will not pay ($175.00 in fees)"
    )
    # MG-1005 has estimates and nothing at risk
    assert "at risk" not in claims["MG-1005"][-1]


def test_the_batch_money_line_totals_the_claims(in_root):
    lines = _text()
    total = sum(
        (Decimal(f["data"]["plan_pays"]) for f in _json() if f["code"] == "CL601"), Decimal()
    )
    assert lines[-1].startswith(f"Estimated: plan pays ${total:,.2f}, ")


def test_severity_warning_hides_information(in_root):
    full, warn = _text(), _text("--severity", "warning")
    assert any(" info " in line for line in full)
    assert not any(line.startswith("    ") and " info " in line for line in warn)
    assert [ln for ln in full if " error " in ln] == [ln for ln in warn if " error " in ln]
    # a claim with only information is not listed; a listed claim keeps its money line
    assert "PB-2002" in _claims(full) and "PB-2002" not in _claims(warn)
    assert _claims(warn)["PB-2003"][-1].startswith("    money")
    # the summary still counts everything
    assert full[-2] == warn[-2]
    errors = _text("--severity", "error")
    assert not any(" warning " in ln for ln in errors if ln.startswith("    "))


def test_amounts_in_messages_print_with_a_dollar_sign(in_root):
    line = next(ln for ln in _text() if " CL106 " in ln and "$300.00" in ln)
    assert "Claim total $300.00 does not equal the sum of line charges $345.00" in line


@pytest.mark.parametrize(
    ("env", "tty", "expected"),
    [
        ({}, True, True),
        ({}, False, False),
        ({"NO_COLOR": "1"}, True, False),
        ({"NO_COLOR": ""}, True, True),  # no-color.org: only a non-empty value counts
        ({"FORCE_COLOR": "1"}, False, True),
        ({"FORCE_COLOR": "0"}, False, False),
        ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False, False),
    ],
)
def test_use_color(monkeypatch, env, tty, expected):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)

    class Stream:
        def isatty(self) -> bool:
            return tty

    assert use_color(Stream()) is expected


def test_force_color_and_no_color_reach_the_text_output(in_root, monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert any("\x1b[31m" in line for line in _text())
    monkeypatch.setenv("NO_COLOR", "1")
    assert not any("\x1b[" in line for line in _text())
