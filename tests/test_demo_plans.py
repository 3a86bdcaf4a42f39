"""The plan demo: with the demo configuration, frequency, non-covered amalgam, downgrade and
documentation findings appear, with dollar figures, as the README promises."""

from __future__ import annotations

import re
from collections import defaultdict

from click.testing import CliRunner
from conftest import FIXTURES

from claimlint.cli import main
from claimlint.core.config import load_file
from claimlint.running.engine import Engine

DEMO = FIXTURES / "demo"


def _by_claim():
    config = load_file(DEMO / "claimlint.toml")
    report = Engine(config).lint_paths([str(DEMO / "plan-batch.json")])
    found = defaultdict(set)
    messages = {}
    for f in report.findings:
        found[f.location.claim_id].add(f.code)
        messages[(f.location.claim_id, f.code)] = f.message
    return found, messages


def test_plan_demo_shows_each_kind_of_payer_finding():
    found, messages = _by_claim()
    assert {"CL403", "CL501", "CL405"} <= found["PB-2001"]  # frequency + narrative + downgrade
    assert "CL410" in found["PB-2003"]  # amalgam not covered
    assert {"CL603", "CL407", "CL502"} <= found["PB-2004"]  # impact code, waiting, radiograph
    assert "CL503" in found["PB-2005"]  # "filling on #19"
    assert "CL504" in found["PB-2006"]  # note says another tooth
    assert found["PB-2007"] == {"CL413"}  # payer without a profile
    assert "CL504" not in found["PB-2004"]  # a PFM note supports a PFM code
    # the downgrade would cost $60, but the line is denied for frequency: CL405 says so and
    # quotes the same patient share as CL601 (the claim's one estimate)
    assert "moot" in messages[("PB-2001", "CL405")]
    assert re.search(r"patient share \$180\.00", messages[("PB-2001", "CL405")])
    assert "patient $180.00" in messages[("PB-2001", "CL601")]
    assert "2024-09-10" in messages[("PB-2001", "CL501")]


def test_readme_demo_command_lints_every_demo_file():
    result = CliRunner().invoke(
        main, ["check", str(DEMO), "--config", str(DEMO / "claimlint.toml"), "--format", "json"]
    )
    assert result.exit_code == 1
    import json

    summary = json.loads(result.output)["summary"]
    # batch.json (16 claims), plan-batch.json (7 claims) and, once present, the 837D demo
    assert summary["claims_read"] >= 16 + 7
    assert summary["claims_read"] == summary["claims_linted"] + summary["claims_unparsable"]
