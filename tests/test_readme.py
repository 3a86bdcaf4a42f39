"""The README keeps its promises: the two commands, the sample output, .ci/run, the links.

The README is a newcomer's page; the reference (and the generated rule pages) live in docs/
(tests/test_docs.py builds them).
"""

from __future__ import annotations

import re

from click.testing import CliRunner
from conftest import ROOT

from claimlint.cli import main

README = (ROOT / "README.md").read_text()


def test_readme_starts_with_the_two_commands_and_ci_runs_the_test_one():
    commands = re.findall(r"```sh\n(.*?)\n```", README, re.S)
    demo, tests = commands[0], commands[1]
    assert "pip install" in demo and "claimlint check fixtures/demo/" in demo
    assert "pip install" in tests and "pytest" in tests
    ci = (ROOT / ".ci" / "run").read_text()
    assert tests in ci


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


def test_readme_is_a_newcomers_page():
    assert len(README.splitlines()) <= 300, "the reference belongs in docs/"


def test_readme_links_point_to_files_in_the_repository():
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", README)
    local = [link for link in links if "://" not in link]
    assert any(link.startswith("docs/") for link in local)
    for link in local:
        assert (ROOT / link).exists(), f"README links to a missing file: {link}"


def test_rule_codes_named_in_the_readme_exist():
    for code in set(re.findall(r"\bCL\d{3}\b", README)):
        assert CliRunner().invoke(main, ["rule", code]).exit_code == 0, code
