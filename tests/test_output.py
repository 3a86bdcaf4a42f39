from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from ci_sample import RULES, sample_report
from click.testing import CliRunner

from claimlint.cli import main
from claimlint.report.formatters import FormatOptions
from claimlint.report.output import (
    OutputError,
    OutputSpec,
    atomic_write_many,
    output_specs,
    parse_output,
    resolve_format,
    write_outputs,
)

BAD = {"claims": [{"claim_id": "PCN1", "lines": [{"line_number": 1, "code": "D2150",
                                                  "charge": "ten"}]}]}  # fmt: skip
GOOD = {"claims": [{"claim_id": "PCN2", "lines": [{"line_number": 1, "code": "D2150",
                                                   "charge": 10}]}]}  # fmt: skip


SELECT = 'select = ["CL0"]\n'


def test_parse_and_resolve() -> None:
    assert parse_output("sarif=out/r.sarif") == OutputSpec("sarif", "out/r.sarif")
    for bad in ("sarif", "=x", "sarif=", "nope=x"):
        with pytest.raises(OutputError):
            parse_output(bad)
    assert resolve_format("auto", {"GITHUB_ACTIONS": "true"}) == "github"
    assert resolve_format("auto", {}) == "text"
    assert resolve_format("json", {"GITHUB_ACTIONS": "true"}) == "json"
    specs = output_specs(["junit=a.xml", "junit=a.xml"], {"sarif": "r.sarif"})
    assert specs == [OutputSpec("sarif", "r.sarif"), OutputSpec("junit", "a.xml")]
    with pytest.raises(OutputError, match="both"):
        output_specs(["junit=a.xml", "sarif=a.xml"])


def test_write_outputs_all_files(tmp_path: Path) -> None:
    sarif, junit = tmp_path / "deep" / "r.sarif", tmp_path / "j.xml"
    write_outputs(
        sample_report(),
        [OutputSpec("sarif", str(sarif)), OutputSpec("junit", str(junit))],
        FormatOptions(rules=dict(RULES)),
    )
    assert json.loads(sarif.read_text())["version"] == "2.1.0"
    assert junit.read_text().startswith("<?xml")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_failed_render_replaces_nothing(tmp_path: Path) -> None:
    one, two = tmp_path / "one.txt", tmp_path / "two.txt"
    one.write_text("old one")

    def boom(fh) -> None:  # type: ignore[no-untyped-def]
        fh.write("partial")
        raise RuntimeError("renderer failed")

    with pytest.raises(RuntimeError):
        atomic_write_many([(one, lambda fh: fh.write("new one")), (two, boom)])
    assert one.read_text() == "old one" and not two.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.txt"]  # no temp files left


def _failing_second_replace(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    real, calls = os.replace, []

    def replace(src, dst):  # type: ignore[no-untyped-def]
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(src, dst)

    monkeypatch.setattr(os, "replace", replace)


def test_failed_second_rename_puts_the_first_file_back(tmp_path: Path, monkeypatch) -> None:
    one, two, three = tmp_path / "one.txt", tmp_path / "two.txt", tmp_path / "new.txt"
    one.write_text("old one")
    two.write_text("old two")
    _failing_second_replace(monkeypatch)
    write = [(p, lambda fh, p=p: fh.write(f"new {p.name}")) for p in (three, one, two)]
    with pytest.raises(OutputError, match=r"one\.txt.*put back"):
        atomic_write_many(write)
    assert (one.read_text(), two.read_text()) == ("old one", "old two")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.txt", "two.txt"]


def test_special_targets_are_written_only_after_every_rename(tmp_path: Path, monkeypatch) -> None:
    import claimlint.report.output as output

    one, two, special = tmp_path / "one.txt", tmp_path / "two.txt", tmp_path / "special"
    # stands for /dev/stdout or a FIFO (a real FIFO would block without a reader)
    monkeypatch.setattr(output, "_is_special", lambda path: path == special)
    one.write_text("old one")
    _failing_second_replace(monkeypatch)
    written: list[str] = []
    jobs = [(special, lambda fh: written.append("special")), (one, lambda fh: fh.write("new"))]
    with pytest.raises(OutputError):
        atomic_write_many([*jobs, (two, lambda fh: fh.write("new"))])
    assert written == [] and one.read_text() == "old one" and not two.exists()


@pytest.fixture
def claims(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    (tmp_path / "bad.json").write_text(json.dumps(BAD))
    (tmp_path / "good.json").write_text(json.dumps(GOOD))
    # only the reader rules: these tests are about outputs and suppressions, not the catalogue
    (tmp_path / "claimlint.toml").write_text(SELECT)
    return tmp_path


def test_cli_several_outputs_and_auto_format(claims: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        main,
        ["check", "bad.json", "good.json", "--format", "auto",
         "-o", "sarif=out/r.sarif", "-o", "junit=out/j.xml", "-o", "gitlab=out/gl.json"],
        env={"GITHUB_ACTIONS": "true"},
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    first = result.stdout.splitlines()[0]
    assert first.startswith("::error file=bad.json,line=1,col=")
    assert ",title=CL002::claim PCN1, line 1: " in first
    sarif = json.loads((claims / "out" / "r.sarif").read_text())
    assert sarif["runs"][0]["results"][0]["ruleId"] == "CL002"
    assert "good.json" in (claims / "out" / "j.xml").read_text()
    assert json.loads((claims / "out" / "gl.json").read_text())[0]["check_name"] == "CL002"
    text = runner.invoke(main, ["check", "bad.json", "--format", "auto"], env={})
    assert "claim PCN1" in text.stdout and "::error" not in text.stdout


def test_cli_bad_output_is_a_usage_error(claims: Path) -> None:
    result = CliRunner().invoke(main, ["check", "bad.json", "-o", "sarif"])
    assert result.exit_code == 2 and "FORMAT=PATH" in result.stderr


def test_cli_statistics(claims: Path) -> None:
    result = CliRunner().invoke(main, ["check", "bad.json", "--format", "jsonl", "--statistics"])
    assert "CL002" in result.stderr and "schema-violation" in result.stderr
    assert all(json.loads(line) for line in result.stdout.splitlines())


def test_cli_write_baseline_then_use_it(claims: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(main, ["check", "bad.json", "--write-baseline", "base.json"])
    assert first.exit_code == 0, first.output
    assert "wrote baseline base.json with 1 entry" in first.stderr
    (claims / "claimlint.toml").write_text(SELECT + 'baseline = "base.json"\n')
    again = runner.invoke(main, ["check", "bad.json", "good.json", "--format", "json"])
    assert again.exit_code == 0
    report = json.loads(again.stdout)
    assert report["findings"] == []
    assert report["suppressions"]["suppressed"]["baseline"] == 1
    assert "1 finding suppressed" in again.stderr
    quiet = runner.invoke(main, ["check", "bad.json", "--quiet"])
    assert quiet.exit_code == 0 and quiet.stderr == ""
    # the bad claim gets fixed: its baseline entry is stale
    (claims / "bad.json").write_text(json.dumps(GOOD))
    fixed = runner.invoke(main, ["check", "bad.json", "--format", "json"])
    assert len(json.loads(fixed.stdout)["suppressions"]["baseline"]["stale"]) == 1
    assert "no longer match" in fixed.stderr


def test_cli_ignore_entry_needs_reason(claims: Path) -> None:
    (claims / "claimlint.toml").write_text(SELECT + '[[ignore]]\ncode = "CL002"\n')
    result = CliRunner().invoke(main, ["check", "bad.json"])
    assert result.exit_code == 2 and "needs a 'reason'" in result.stderr
    (claims / "claimlint.toml").write_text(
        SELECT + '[[ignore]]\ncode = "CL002"\npath = "bad.*"\nreason = "export fixed upstream"\n'
    )
    assert CliRunner().invoke(main, ["check", "bad.json"]).exit_code == 0


def test_output_file_mode_follows_umask(tmp_path: Path) -> None:
    target = tmp_path / "r.json"
    write_outputs(sample_report(), [OutputSpec("json", str(target))], FormatOptions())
    umask = os.umask(0)
    os.umask(umask)
    assert target.stat().st_mode & 0o777 == 0o666 & ~umask
