"""Streamed outputs (claimlint.running.streaming, claimlint.report.streaming): the bytes are the
whole-report formatters' bytes, findings leave before the input has been read, and memory does
not grow with the findings."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import ROOT

from claimlint import __version__
from claimlint.cli import main
from claimlint.core.config import load_config
from claimlint.core.findings import Finding, Report
from claimlint.report.formatters import FormatOptions, get_formatter
from claimlint.report.streaming import STREAMING, writer_for
from claimlint.running.engine import Engine
from claimlint.running.parallel import run_paths, run_sources
from claimlint.running.streaming import StreamedReport

sys.path.insert(0, str(ROOT / "benchmarks"))
import generate

sys.path.pop(0)

FORMATS = sorted(STREAMING)


def _whole(paths: list[str], config_path: str | None, fmt: str, jobs: int = 1) -> str:
    """What the formatter renders from the whole report (the path the CLI took before)."""
    config = load_config(config_path)
    config.jobs = jobs
    engine = Engine(config)
    report = run_paths(engine, paths)
    options = FormatOptions(rules=engine.registry.by_code(), tool_version=__version__)
    out = io.StringIO()
    get_formatter(fmt)(report, out, options)
    return out.getvalue()


def _cli(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["check", "--quiet", *args])
    return result.exit_code, result.stdout


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a generated 837D and JSONL batch (3 % defects), the demo's JSON batch
    (pointers located to lines) and a configuration with suppressions of every kind."""
    folder = tmp_path_factory.mktemp("mixed")
    generate.generate("837", 600, folder / "a.837", seed=3, per_st=100)
    generate.generate("jsonl", 600, folder / "b.jsonl", seed=4)
    (folder / "c.json").write_bytes((ROOT / "fixtures" / "demo" / "batch.json").read_bytes())
    (folder / "claimlint.toml").write_text(
        f'profiles = ["{(ROOT / "fixtures" / "profiles").as_posix()}"]\n'
        '[per-file-ignores]\n"b.jsonl" = ["CL106"]\n'
        '[[ignore]]\ncode = "CL207"\nreason = "synthetic"\n'
        '[[ignore]]\ncode = "CL301"\nclaim_id = "NONE*"\nreason = "never used"\n',
        encoding="utf-8",
    )
    return folder


@pytest.mark.parametrize("fmt", FORMATS)
def test_streamed_output_is_byte_identical(mixed: Path, fmt: str, monkeypatch) -> None:
    monkeypatch.chdir(mixed)
    config = str(mixed / "claimlint.toml")
    files = ["a.837", "b.jsonl", "c.json"]
    code, streamed = _cli([*files, "--config", config, "--format", fmt])
    assert code == 1
    whole = _whole(files, config, fmt)
    assert whole.count("\n") > 50  # findings of every kind, not an empty document
    assert streamed == whole


@pytest.mark.parametrize("fmt", ["json", "sarif", "gitlab", "concise", "csv", "junit"])
def test_streamed_empty_run_is_byte_identical(tmp_path: Path, fmt: str, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    generate.generate("jsonl", 50, tmp_path / "clean.jsonl", seed=1, defect_pct=0.0)
    code, streamed = _cli(["clean.jsonl", "--format", fmt, "--select", "CL101"])
    assert code == 0
    config = tmp_path / "pyproject.toml"
    config.write_text('[tool.claimlint]\nselect = ["CL101"]\n', encoding="utf-8")
    assert streamed == _whole(["clean.jsonl"], str(config), fmt)


def test_streamed_with_jobs_and_files_is_byte_identical(mixed: Path, monkeypatch) -> None:
    monkeypatch.chdir(mixed)
    config = str(mixed / "claimlint.toml")
    files = ["a.837", "b.jsonl", "c.json"]
    out = mixed / "out"
    code, streamed = _cli(
        [
            *files,
            *("--config", config, "--format", "json", "--jobs", "2"),
            *("-o", f"sarif={out / 'r.sarif'}", "-o", f"jsonl={out / 'r.jsonl'}"),
        ]
    )
    assert code == 1
    assert streamed == _whole(files, config, "json")
    assert (out / "r.sarif").read_text(encoding="utf-8") == _whole(files, config, "sarif")
    assert (out / "r.jsonl").read_text(encoding="utf-8") == _whole(files, config, "jsonl")


def test_findings_are_written_before_the_input_is_read(tmp_path: Path) -> None:
    """The first finding reaches the writer while most of the file is still unread."""
    path = tmp_path / "big.jsonl"
    generate.generate("jsonl", 3000, path, seed=7, defect_pct=3.0)
    engine = Engine(load_config(None))
    when: list[int] = []

    class Spy:
        def begin(self) -> None:
            pass

        def finding(self, f: Finding) -> None:
            when.append(engine.claims_seen)

        def end(self, report: Report) -> None:
            when.append(-1)

    report = StreamedReport(engine, [("-", Spy())])
    report.begin()
    run_sources(engine, [_source(path)], report)
    assert report.findings == []  # nothing kept
    assert report.summary.claims_read == 3000 and report.summary.findings == len(when) - 1
    assert when[-1] == -1 and len(when) > 50
    assert when[0] < 300, f"first finding written after {when[0]} of 3,000 claims"


def _source(path: Path) -> Any:
    from claimlint.readers.base import Source

    return Source(name=str(path), path=path)


def test_memory_stays_flat_with_findings(tmp_path: Path) -> None:
    """Peak RSS of a streamed --format json run over 20,000 claims with the demo profiles
    (about 51,000 findings) stays under 100 MB; holding them took 285 MB (main, 2026-12-03;
    71 MB streamed)."""
    path = tmp_path / "c20k.jsonl"
    generate.generate("jsonl", 20_000, path, seed=1, defect_pct=3.0)
    code = (
        "import resource, subprocess, sys;"
        "p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL);"
        "print(p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    cli = [sys.executable, "-m", "claimlint", "check", "--quiet", str(path), "--format", "json"]
    cli += ["--config", str(ROOT / "fixtures" / "demo" / "claimlint.toml")]
    proc = subprocess.run(
        [sys.executable, "-c", code, *cli],
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    rc, peak_kb = proc.stdout.split()
    assert rc == "1", proc.stderr
    assert int(peak_kb) < 100 * 1024, f"peak RSS {int(peak_kb) // 1024} MB"


def test_gitlab_writer_lines_match_the_formatter() -> None:
    from ci_sample import sample_report

    report = sample_report()
    options = FormatOptions(rules={}, tool_version="9.9")
    whole = io.StringIO()
    get_formatter("gitlab")(report, whole, options)
    out = io.StringIO()
    writer = writer_for("gitlab", out, options)
    writer.begin()
    for f in report.findings:
        writer.finding(f)
    writer.end(report)
    assert out.getvalue() == whole.getvalue()
    assert report.findings


def _streamed(report: Report, fmt: str, options: FormatOptions, order: list[Finding]) -> str:
    out = io.StringIO()
    writer = writer_for(fmt, out, options)
    writer.begin()
    for f in order:
        writer.finding(f)
    held = report.findings
    report.findings = []  # the writer sees the final report without its findings
    try:
        writer.end(report)
    finally:
        report.findings = held
    return out.getvalue()


def test_junit_writer_matches_the_formatter_with_interleaved_files() -> None:
    """Findings of two files interleaved (as batch rules deliver them), a case name used
    twice, info next to failures, an info-only file, a file without findings, characters XML
    must escape: the spooled suites are the formatter's bytes."""
    from ci_sample import _f

    from claimlint.core.findings import Location, Severity

    err, info = Severity.ERROR, Severity.INFO
    findings = [
        _f("CL301", "surface-count", err, "a < b & c > d", Location("a.json", "P1", 1), "1"),
        _f("CL601", "estimate", info, "plan pays <$10>", Location("b.json", "P2", 1), "2"),
        _f("CL301", "surface-count", err, "again", Location("a.json", "P1", 1), "3"),
        _f("CL301", "surface-count", err, "b's error", Location("b.json", "P3", 2), "4"),
        _f("CL601", "estimate", info, "a's info", Location("a.json", "P1", 2), "5"),
        _f("CL601", "estimate", info, "c only info\x01", Location("c.json", "P4", 1), "6"),
        _f("CL301", "surface-count", err, "a again, later", Location("a.json", "P9", 3), "7"),
        _f("CL601", "estimate", info, "a's second info", Location("a.json", "P9", 3), "8"),
    ]
    report = Report(findings=list(findings))
    report.files = ["a.json", "b.json", "c.json", "d.json"]
    options = FormatOptions(rules={}, tool_version="9.9")
    whole = io.StringIO()
    get_formatter("junit")(report, whole, options)
    assert _streamed(report, "junit", options, findings) == whole.getvalue()
    assert 'name="claim P1, line 1: CL301 surface-count (line 1, col 1) #2"' in whole.getvalue()
    empty = Report()
    expected = io.StringIO()
    get_formatter("junit")(empty, expected, options)
    assert _streamed(empty, "junit", options, []) == expected.getvalue()


def _tail_lines(text: str, n: int) -> list[str]:
    return text.rstrip("\n").split("\n")[-n:]


@pytest.mark.parametrize("fmt", ["text", "html"])
def test_text_and_html_hold_a_bounded_number_and_say_so(
    mixed: Path, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CLAIMLINT_HELD_FINDINGS bounds what text and html hold: at the run's own number of
    findings the output is the whole report's, byte for byte; below it the output lists the
    first findings, says how many more were not shown, and keeps the run's totals."""
    monkeypatch.chdir(mixed)
    config = str(mixed / "claimlint.toml")
    files = ["a.837", "b.jsonl", "c.json"]
    whole = _whole(files, config, fmt)
    findings = _whole(files, config, "jsonl").count("\n")
    assert findings > 50
    monkeypatch.setenv("CLAIMLINT_HELD_FINDINGS", str(findings))
    code, at_bound = _cli([*files, "--config", config, "--format", fmt])
    assert code == 1 and at_bound == whole
    assert "not shown" not in whole
    monkeypatch.setenv("CLAIMLINT_HELD_FINDINGS", "7")
    code, bounded = _cli([*files, "--config", config, "--format", fmt, "--statistics"])
    assert code == 1 and bounded != whole
    more = f"{findings - 7:,} more findings not shown"
    assert more in bounded and "use --format jsonl" in bounded.replace("<code>", "")
    if fmt == "text":
        # the summary line, the estimate and the statistics count every finding, not the 7
        assert _tail_lines(bounded, 2) == _tail_lines(whole, 2)
        assert "Estimated:" in bounded.split("\n")[-2]
        assert bounded.count("    line ") + bounded.count("    claim ") <= 7
        monkeypatch.delenv("CLAIMLINT_HELD_FINDINGS")
        code, stats = _cli([*files, "--config", config, "--format", fmt, "--statistics"])
        assert "not shown" not in stats
        assert bounded.split("Findings per rule:")[1] == stats.split("Findings per rule:")[1]
    else:
        meta = next(line for line in whole.split("\n") if 'class="meta"' in line)
        assert meta in bounded  # the run's totals at the top stay the whole run's
        assert bounded.index("not-shown") < bounded.index('id="verdict"')
