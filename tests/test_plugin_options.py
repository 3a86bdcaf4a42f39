"""Plugins are configured in their own table, validated by the plugin (issue 10).

The plugin example of docs/plugins.md is installed for the test as a real entry point (a
package and its ``.dist-info`` on ``sys.path``), then run through ``claimlint check`` end to
end.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT

from claimlint.cli import main
from claimlint.running import registry as registry_module

CLAIMS = {
    "version": "1",
    "tooth_numbering": "universal",
    "claims": [
        {
            "claim_id": "PLUG1",
            "payer_id": "SYNPAYER9",
            "billing_provider": {"npi": "1234567893", "tax_id": "123456789"},
            "subscriber": {"member_id": "SYN0009", "birth_date": "1980-01-01"},
            "patient_is_subscriber": True,
            "date_of_service": "2025-06-02",
            "total_charge": 80,
            "place_of_service": "11",
            "frequency_code": "1",
            "lines": [{"line_number": 1, "code": "D2940", "charge": 80, "tooth": "3"}],
        }
    ],
}


def readme_plugin_source() -> str:
    text = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    match = re.search(r"```python\n# my_rules/checks.py\n(.*?)```", text, re.S)
    assert match, "the plugin example of docs/plugins.md is gone"
    return match.group(1)


@pytest.fixture
def installed_plugin(tmp_path, monkeypatch):
    """The documented example as an installed distribution with a claimlint.checks entry point."""
    site = tmp_path / "site"
    package = site / "my_rules"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "checks.py").write_text(readme_plugin_source())
    dist = site / "my_rules-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: my-rules\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[claimlint.checks]\nmy_rules = my_rules.checks\n")
    monkeypatch.syspath_prepend(str(site))
    registry_module.load_registry.cache_clear()
    yield tmp_path
    registry_module.load_registry.cache_clear()
    for name in [m for m in sys.modules if m == "my_rules" or m.startswith("my_rules.")]:
        del sys.modules[name]


def lint(folder: Path, config: str):
    claims = folder / "claims.json"
    claims.write_text(json.dumps(CLAIMS))
    (folder / "claimlint.toml").write_text(config)
    return CliRunner().invoke(
        main,
        ["check", str(claims), "--config", str(folder / "claimlint.toml"), "--select", "CL991"],
    )


def test_the_documented_plugin_reads_its_own_table(installed_plugin):
    found = lint(installed_plugin, '[plugins.my_rules]\ncrowned_teeth = ["3", "14"]\n')
    assert found.exit_code == 0, found.output  # CL991 is a warning
    assert "CL991" in found.output
    quiet = lint(installed_plugin, '[plugins.my_rules]\ncrowned_teeth = ["14"]\n')
    assert "CL991" not in quiet.output and quiet.exit_code == 0
    default = lint(installed_plugin, "")
    assert "CL991" not in default.output and default.exit_code == 0


def test_the_plugin_table_works_under_tool_claimlint_in_pyproject_and_with_jobs(
    installed_plugin,
):
    pyproject = installed_plugin / "pyproject.toml"
    pyproject.write_text('[tool.claimlint.plugins.my_rules]\ncrowned_teeth = ["3"]\n')
    claims = installed_plugin / "claims.json"
    claims.write_text(json.dumps(CLAIMS))
    for jobs in ("1", "2"):
        result = CliRunner().invoke(
            main,
            ["check", str(claims), "--config", str(pyproject), "--select", "CL991", "-j", jobs],
        )
        assert "CL991" in result.output, (jobs, result.output)


def test_options_the_plugin_refuses_are_a_located_config_error(installed_plugin):
    result = lint(installed_plugin, "[plugins.my_rules]\ncrowned_teeth = 3\n")
    assert result.exit_code == 2, result.output
    assert "claimlint.toml: plugins.my_rules.crowned_teeth:" in result.output
    assert "Traceback" not in result.output
    extra = lint(installed_plugin, "[plugins.my_rules]\ncrowned_tooth = []\n")
    assert extra.exit_code == 2 and "plugins.my_rules.crowned_tooth" in extra.output


def test_a_table_for_an_unknown_plugin_names_it(installed_plugin):
    result = lint(installed_plugin, "[plugins.my_rulez]\ncrowned_teeth = []\n")
    assert result.exit_code == 2, result.output
    assert "plugins.my_rulez: no installed plugin is named 'my_rulez'" in result.output
    assert "my_rules" in result.output


def test_a_plugins_value_that_is_not_a_table_is_a_config_error(installed_plugin):
    result = lint(installed_plugin, 'plugins = "my_rules"\n')
    assert result.exit_code == 2 and "'plugins' must be a table" in result.output


def test_validate_options_classmethod_and_in_process_registry():
    from claimlint.checks.base import Check
    from claimlint.core.config import Config, ConfigError
    from claimlint.core.findings import Scope, Severity
    from claimlint.running.engine import Engine
    from claimlint.running.registry import Registry

    class Limit(Check):
        code = "CL902"
        name = "limit"
        summary = "s"
        severity = Severity.INFO
        scope = Scope.CLAIM

        @classmethod
        def validate_options(cls, table):
            limit = table.get("limit", 3)
            if not isinstance(limit, int) or limit < 1:
                raise ValueError("'limit' must be a positive integer")
            return limit

    registry = Registry((Limit,), origins={"CL902": "limits"})
    engine = Engine(Config(plugins={"limits": {"limit": 7}}), registry=registry)
    (check,) = engine.checks.claim
    assert check.options == 7
    with pytest.raises(ConfigError, match=r"plugins\.limits: 'limit' must be a positive"):
        Engine(Config(plugins={"limits": {"limit": 0}}), registry=registry)
    with pytest.raises(ConfigError, match="no installed plugin is named 'nope'"):
        Engine(Config(plugins={"nope": {}}), registry=registry)
