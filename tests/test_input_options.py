"""Every command reads every format the same way: ``check``, ``estimate``, ``convert`` and
``history import`` share one set of input options (claimlint.cli.input_flags/input_options)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from conftest import FIXTURES

from claimlint.cli import InputFlags, input_flags, input_options, main
from claimlint.core.config import Config

GOLD = FIXTURES / "profiles" / "example-mutual-ppo-gold.toml"

#: the claim of fixtures/history/domain-7-3.json written as a ledger-export CSV
LEDGER_CSV = (
    "PCN|PAYER|PLAN|BILL_NPI|TIN|BILL_ZIP|SUB_ID|DOS|CLM_TOTAL|LN|CDT|FEE|TOOTH|SURF\n"
    "PCN0001|SYNPAYER1|GOLD|1234567893|123456789|627010001|SYN0001|01/10/2025|395.00|1|D2392|"
    "250.00|30|M,O\n"
    "PCN0001|SYNPAYER1|GOLD|1234567893|123456789|627010001|SYN0001|01/10/2025|395.00|2|D2140|"
    "145.00|3|O\n"
)


def _estimate_totals(result) -> dict[str, str]:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["totals"]


EXPECTED = {
    "office_fee": "395.00",
    "plan_pays": "136.00",
    "patient_owes": "144.00",
    "write_off": "115.00",
    "complete": True,
}


def test_estimate_reads_a_csv_through_csv_mapping(tmp_path):
    path = tmp_path / "ledger.csv"
    path.write_text(LEDGER_CSV)
    args = ["estimate", str(path), "--profile", str(GOLD), "--format", "json"]
    result = CliRunner().invoke(main, [*args, "--csv-mapping", "ledger-export"])
    assert _estimate_totals(result) == EXPECTED
    # without the mapping the same file has no claim_id/code columns: nothing is estimated
    without = CliRunner().invoke(main, args)
    assert without.exit_code == 1


def test_estimate_takes_the_mapping_of_the_configuration(tmp_path, monkeypatch):
    (tmp_path / "ledger.csv").write_text(LEDGER_CSV)
    (tmp_path / "claimlint.toml").write_text('csv-mapping = "ledger-export"\n')
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        main, ["estimate", "ledger.csv", "--profile", str(GOLD), "--format", "json"]
    )
    assert _estimate_totals(result) == EXPECTED


def test_estimate_reads_stdin_with_a_mapping():
    result = CliRunner().invoke(
        main,
        [
            "estimate",
            "-",
            "--profile",
            str(GOLD),
            "--format",
            "json",
            "--csv-mapping",
            "ledger-export",
        ],
        input=LEDGER_CSV,
    )
    assert _estimate_totals(result) == EXPECTED


def test_estimate_rejects_an_unknown_mapping_before_reading(tmp_path):
    result = CliRunner().invoke(
        main, ["estimate", str(tmp_path), "--profile", str(GOLD), "--csv-mapping", "nope"]
    )
    assert result.exit_code == 2
    assert "csv-mapping" in result.stderr and "nope" in result.stderr


def test_estimate_and_convert_honour_exclude(tmp_path):
    folder = tmp_path / "claims"
    folder.mkdir()
    (folder / "keep.json").write_text((FIXTURES / "history" / "domain-7-3.json").read_text())
    (folder / "skip").mkdir()
    (folder / "skip" / "other.json").write_text(
        (FIXTURES / "history" / "domain-7-3.json").read_text().replace("PCN0001", "PCN0002")
    )
    est = CliRunner().invoke(
        main,
        ["estimate", str(folder), "--profile", str(GOLD), "--format", "json", "--exclude", "skip"],
    )
    assert est.exit_code == 0, est.output
    assert [c["claim_id"] for c in json.loads(est.stdout)["claims"]] == ["PCN0001"]
    everything = CliRunner().invoke(
        main, ["estimate", str(folder), "--profile", str(GOLD), "--format", "json"]
    )
    assert len(json.loads(everything.stdout)["claims"]) == 2
    conv = CliRunner().invoke(main, ["convert", str(folder), "--extend-exclude", "skip"])
    assert conv.exit_code == 0, conv.output
    assert [c["claim_id"] for c in json.loads(conv.stdout)["claims"]] == ["PCN0001"]


def test_estimate_tooth_numbering_iso(tmp_path):
    """--tooth-numbering reaches the readers of estimate: ISO 46 is Universal 30."""
    batch = json.loads((FIXTURES / "history" / "domain-7-3.json").read_text())
    del batch["tooth_numbering"]
    batch["claims"][0]["lines"][0]["tooth"] = "46"
    batch["claims"][0]["lines"][1]["tooth"] = "16"
    path = tmp_path / "iso.json"
    path.write_text(json.dumps(batch))
    args = ["estimate", str(path), "--profile", str(GOLD), "--format", "json"]
    result = CliRunner().invoke(main, [*args, "--tooth-numbering", "iso"])
    lines = json.loads(result.stdout)["claims"][0]["lines"]
    assert [ln["tooth"] for ln in lines] == ["30", "3"]


def test_input_flags_give_a_command_one_inputs_argument(tmp_path):
    """The decorator another command (impact) reuses: the flags arrive as one InputFlags."""
    import click

    seen: list[InputFlags] = []

    @click.command()
    @input_flags
    def probe(inputs: InputFlags) -> None:
        seen.append(inputs)
        options, discovery = input_options(Config(), inputs)
        click.echo(f"{options.csv_mapping} {options.tooth_system} {list(discovery.extend_exclude)}")

    result = CliRunner().invoke(
        probe,
        ["--csv-mapping", "ledger-export", "--tooth-numbering", "iso", "--extend-exclude", "x"],
    )
    assert result.exit_code == 0, result.output
    assert seen[0].csv_mapping == "ledger-export" and seen[0].extend_exclude == ("x",)
    assert result.output.strip() == "ledger-export iso ['x']"


@pytest.mark.parametrize("command", ["check", "estimate", "convert", "history"])
def test_every_reading_command_lists_the_same_input_flags(command):
    args = [command, "import", "--help"] if command == "history" else [command, "--help"]
    text = CliRunner().invoke(main, args).output
    for flag in ("--csv-mapping", "--tooth-numbering", "--exclude", "--extend-exclude"):
        assert flag in text, (command, flag)
