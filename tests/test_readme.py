"""The README keeps its promises: the two commands, the generated rule table, .ci/run."""

from __future__ import annotations

import re

from click.testing import CliRunner
from conftest import ROOT

from claimlint.cli import main

README = (ROOT / "README.md").read_text()


def test_rule_table_is_current():
    table = CliRunner().invoke(main, ["rules", "--format", "markdown"]).output.strip()
    block = re.search(r"<!-- rules:start[^>]*-->\n(.*?)\n<!-- rules:end -->", README, re.S)
    assert block, "README lost its generated rule table"
    assert block.group(1).strip() == table, "run: python docs/build_readme.py"


def test_readme_starts_with_the_two_commands_and_ci_runs_the_test_one():
    commands = re.findall(r"```sh\n(.*?)\n```", README, re.S)
    demo, tests = commands[0], commands[1]
    assert "pip install" in demo and "claimlint check fixtures/demo/" in demo
    assert "pip install" in tests and "pytest" in tests
    ci = (ROOT / ".ci" / "run").read_text()
    assert tests in ci


def test_every_rule_is_documented_in_the_readme_table():
    for code in re.findall(r"^\| (CL\d{3}) \|", README, re.M):
        assert CliRunner().invoke(main, ["rule", code]).exit_code == 0


def test_sample_output_is_what_the_demo_command_prints(monkeypatch):
    block = re.search(r"## What you see\n\n```\n(.*?)\n```", README, re.S).group(1)
    command, *shown = block.splitlines()
    args = command.removeprefix("$ claimlint ").split()
    monkeypatch.chdir(ROOT)
    actual = CliRunner().invoke(main, args).output.splitlines()
    for line in shown:
        if line.strip() in ("", "..."):
            continue
        assert line in actual, f"README sample line not printed by the demo command: {line}"
