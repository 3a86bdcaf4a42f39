"""The command line: exit codes, selection, configuration errors, stdin, PHI."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from conftest import FIXTURES

from claimlint.cli import main

BAD = FIXTURES / "rules" / "CL002" / "fail.json"
GOOD = FIXTURES / "rules" / "CL002" / "pass.json"


def run(*args: str, input: str | None = None, cwd=None):
    runner = CliRunner()
    if cwd is None:
        return runner.invoke(main, list(args), input=input)
    with runner.isolated_filesystem(temp_dir=cwd):
        return runner.invoke(main, list(args), input=input)


def test_clean_file_exits_zero_and_says_so():
    result = run("check", str(GOOD), "--today", "2026-01-15")
    assert result.exit_code == 0, result.output
    assert (
        "1 claim read in 1 file, 1 linted; no findings; 1 claim without errors or warnings."
        in result.output
    )


def test_findings_exit_one_and_exit_zero_overrides():
    assert run("check", str(BAD)).exit_code == 1
    assert run("check", str(BAD), "--exit-zero").exit_code == 0


def test_ignore_and_select_filter_rules():
    assert run("check", str(BAD), "--ignore", "CL002").exit_code == 0
    assert run("check", str(BAD), "--select", "CL001").exit_code == 0
    assert run("check", str(BAD), "--select", "schema-violation").exit_code == 1


def test_unknown_selector_is_a_usage_error():
    result = run("check", str(BAD), "--select", "CL999")
    assert result.exit_code == 2 and "CL999" in result.output


def test_fail_on_threshold(tmp_path):
    cfg = tmp_path / "claimlint.toml"
    cfg.write_text('[severity]\nCL002 = "warning"\n')
    assert run("check", str(BAD), "--config", str(cfg)).exit_code == 0
    assert run("check", str(BAD), "--config", str(cfg), "--fail-on", "warning").exit_code == 1


def test_unknown_config_key_exits_two_naming_key_and_file(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.claimlint]\nselectt = ["CL3"]\n')
    result = run("check", str(BAD), "--config", str(tmp_path / "pyproject.toml"))
    assert result.exit_code == 2
    assert "selectt" in result.output and "pyproject.toml" in result.output


def test_config_is_found_in_pyproject_of_the_working_directory(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text('[tool.claimlint]\nignore = ["CL002"]\n')
    monkeypatch.chdir(tmp_path)
    assert run("check", str(BAD)).exit_code == 0


def test_ignore_entry_without_reason_is_a_config_error(tmp_path):
    cfg = tmp_path / "claimlint.toml"
    cfg.write_text('[[ignore]]\ncode = "CL002"\n')
    result = run("check", str(BAD), "--config", str(cfg))
    assert result.exit_code == 2 and "reason" in result.output


def test_stdin_and_missing_file():
    result = run("check", "-", "--format", "json", input=GOOD.read_text())
    assert result.exit_code == 0
    assert json.loads(result.output)["summary"]["claims_read"] == 1
    missing = run("check", "no-such-file.json")
    # a path named on the command line that does not exist is a usage error
    assert missing.exit_code == 2 and "no-such-file.json: no such file" in missing.output


def test_directory_is_walked(tmp_path):
    (tmp_path / "a.json").write_text(GOOD.read_text())
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.json").write_text(BAD.read_text())
    (tmp_path / "notes.md").write_text("not a claim file")
    result = run("check", str(tmp_path), "--format", "json")
    summary = json.loads(result.output)["summary"]
    assert summary["files"] == 2 and summary["claims_read"] == 3


def test_json_report_matches_its_schema_and_adds_up():
    import jsonschema
    from conftest import ROOT

    schema = json.loads((ROOT / "schemas" / "report.schema.json").read_text())
    data = json.loads(run("check", str(BAD), "--format", "json").output)
    jsonschema.validate(data, schema)
    s = data["summary"]
    assert s["claims_read"] == s["claims_linted"] + s["claims_unparsable"]
    assert s["findings"] == len(data["findings"]) == sum(s["findings_by_severity"].values())


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_no_phi_in_default_output(tmp_path, fmt):
    claim = {
        "claim_id": "PHI1",
        "date_of_service": "2099-01-01",
        "subscriber": {
            "member_id": "SYNMEMBER77",
            "first_name": "ZEBEDIAH",
            "last_name": "QUIXLEY",
            "birth_date": "1971-07-07",
            "address": "12 SECRET LANE",
        },
        "lines": [{"line_number": 1, "code": "D2150", "charge": "x"}],
    }
    path = tmp_path / "phi.json"
    path.write_text(json.dumps({"claims": [claim]}))
    out = run("check", str(path), "--format", fmt).output
    # a fingerprint is a hash of the (temporary) path among others: its hex digits can
    # spell 1971 by chance
    out = re.sub(r'"fingerprint": "[0-9a-f]+"', '"fingerprint": ""', out)
    for value in ("SYNMEMBER77", "ZEBEDIAH", "QUIXLEY", "1971", "SECRET LANE"):
        assert value not in out


def test_rules_and_rule_documentation():
    listing = run("rules")
    assert listing.exit_code == 0 and "CL002" in listing.output
    doc = run("rule", "CL002")
    assert doc.exit_code == 0 and "Why it matters:" in doc.output
    assert run("rule", "CL999").exit_code == 2
