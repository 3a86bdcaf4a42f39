from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from claimlint.core.config import Config, ConfigError, IgnoreEntry, load_file
from claimlint.core.findings import Finding, Location, Report, Severity, fingerprint
from claimlint.report.suppress import (
    apply_suppressions,
    glob_regex,
    load_baseline,
    path_matches,
    write_baseline,
)


def _finding(code: str, file: str, claim: str | None, line: int | None = None,
             field: str | None = None, sev: Severity = Severity.ERROR) -> Finding:  # fmt: skip
    return Finding(
        code=code,
        name={"CL301": "surface-count-mismatch"}.get(code, f"rule-{code.lower()}"),
        severity=sev,
        message=f"{code} message",
        location=Location(file, claim, line, field, physical_line=7, column=3),
        fingerprint=fingerprint(code, file, claim, line, field),
    )


def _report(*findings: Finding, files: list[str] | None = None) -> Report:
    report = Report(files=files or sorted({f.location.file for f in findings}))
    for f in findings:
        report.add(f)
    report.summary.files = len(report.files)
    return report


def test_globs() -> None:
    rx = glob_regex("legacy/**/*.json")
    assert rx.match("legacy/a.json") and rx.match("legacy/x/y/a.json")
    assert not rx.match("other/legacy/a.json") and not rx.match("legacy/a.jsonl")
    assert glob_regex("claims/*.json").match("claims/a.json")
    assert not glob_regex("claims/*.json").match("claims/sub/a.json")
    assert glob_regex("exports/").match("exports/2025/x.837")
    assert glob_regex("[!a]*.csv").match("b.csv") and not glob_regex("[!a]*.csv").match("a.csv")
    # a pattern without "/" matches the file name anywhere, like ruff
    assert path_matches("*.837", "deep/er/claims.837", None)
    assert path_matches("./legacy/*.json", "legacy/a.json", None)
    assert not path_matches("legacy/*.json", "new/a.json", None)


def test_globs_relative_to_the_config_folder(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "project"
    (root / "legacy").mkdir(parents=True)
    assert path_matches("legacy/*.json", str(root / "legacy" / "a.json"), root)
    assert path_matches("legacy/*.json", "project/legacy/a.json", root)


def test_per_file_ignores_and_unused() -> None:
    a = _finding("CL301", "legacy/a.json", "PCN1", 1, "surfaces")
    b = _finding("CL301", "new/b.json", "PCN2", 1, "surfaces")
    c = _finding("CL402", "legacy/a.json", "PCN1")
    report = _report(a, b, c)
    config = Config(
        per_file_ignores={
            "legacy/**": ["CL3", "CL5"],  # CL5 suppresses nothing in a file that was linted
            "archive/*.json": ["CL402"],  # matches no file of this run: not "unused"
        }
    )
    notes = apply_suppressions(report, config)
    assert report.findings == [b, c]
    assert report.summary.by_severity == {"error": 2, "warning": 0, "info": 0}
    assert report.suppressed == [("per-file-ignores", a)]
    assert report.suppressions is not None
    assert report.suppressions["suppressed"]["per-file-ignores"] == 1
    assert report.suppressions["unused_ignores"] == [
        {"kind": "per-file-ignores", "pattern": "legacy/**", "code": "CL5"}
    ]
    assert notes[0] == "1 finding suppressed (1 by per-file-ignores)"
    assert any("'legacy/**' = CL5 suppressed nothing" in n for n in notes)
    assert not any("archive" in n for n in notes)
    assert report.notes == notes


def test_unselected_rules_are_not_reported_unused() -> None:
    report = _report(_finding("CL301", "a.json", "PCN1"))
    config = Config(per_file_ignores={"a.json": ["CL5"]})
    assert apply_suppressions(report, config, selected_codes={"CL301"}) == []


def test_ignore_entries_with_path_and_claim_id() -> None:
    a = _finding("CL301", "claims/a.json", "PCN1001", 2, "surfaces")
    b = _finding("CL301", "claims/a.json", "PCN2002", 1, "surfaces")
    c = _finding("CL301", "other/a.json", "PCN1001", 2, "surfaces")
    d = _finding("CL402", "claims/a.json", "PCN1001")
    config = Config(
        ignore_entries=[
            IgnoreEntry(
                "CL301", "payer accepts MOD on D2150", path="claims/*.json", claim_id="PCN10*"
            ),
            IgnoreEntry("surface-count-mismatch", "by name", claim_id="PCN9999"),
            IgnoreEntry("CL402", "known", path="elsewhere/*.json"),
        ]
    )
    report = _report(a, b, c, d)
    notes = apply_suppressions(report, config)
    assert report.findings == [b, c, d]
    assert report.suppressed == [("ignore", a)]
    unused = report.suppressions["unused_ignores"] if report.suppressions else []
    # entry 2 applies to every file and matched nothing; entry 3 names a path not in this run
    assert [u["index"] for u in unused] == [2]
    assert unused[0]["reason"] == "by name"
    assert any(
        n.startswith("ignore entry 2 (surface-count-mismatch, claim PCN9999)") for n in notes
    )


def test_ignore_entry_without_reason_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"ignore entry 1 \(CL301\) needs a 'reason'"):
        apply_suppressions(Report(), Config(ignore_entries=[IgnoreEntry("CL301", " ")]))
    toml = tmp_path / "claimlint.toml"
    toml.write_text(
        '[[ignore]]\ncode = "CL301"\nreason = "ok"\n\n[[ignore]]\ncode = "CL402"\npath = "a/*"\n'
    )
    with pytest.raises(ConfigError, match=r"ignore entry 2 \(CL402\) needs a 'reason'"):
        load_file(toml)


def test_config_file_ignores_and_per_file_ignores(tmp_path: Path) -> None:
    toml = tmp_path / "pyproject.toml"
    toml.write_text(
        "[tool.claimlint]\n"
        'ignore = ["CL9", {code = "CL301", claim_id = "PCN1", reason = "payer exception"}]\n'
        '[tool.claimlint.per-file-ignores]\n"legacy/*.json" = ["CL402"]\n'
    )
    config = load_file(toml)
    a = _finding("CL301", "x.json", "PCN1")
    b = _finding("CL402", str(tmp_path / "legacy" / "old.json"), "PCN3")
    c = _finding("CL402", "x.json", "PCN1")
    report = _report(a, b, c)
    apply_suppressions(report, config)
    assert report.findings == [c]


def test_baseline_round_trip_stale_and_partial_runs(tmp_path: Path) -> None:
    base = tmp_path / "baseline.json"
    a = _finding("CL301", "claims/a.json", "PCN1001", 2, "surfaces")
    b = _finding("CL402", "claims/a.json", "PCN1002")
    c = _finding("CL301", "claims/b.json", "PCN2001", 1, "tooth")
    report = _report(a, b, c)
    apply_suppressions(report, Config())
    note = write_baseline(report, base)
    assert note == f"wrote baseline {base} with 3 entries"
    assert report.findings == [] and report.summary.by_severity["error"] == 0

    data = orjson.loads(base.read_bytes())
    assert data["version"] == 1
    assert {e["fingerprint"] for e in data["entries"]} == {
        a.fingerprint,
        b.fingerprint,
        c.fingerprint,
    }
    assert all(set(e) == {"fingerprint", "code", "file"} for e in data["entries"])
    raw = base.read_text()
    for secret in ("PCN1001", "PCN2001", "claims/a.json", "surfaces"):
        assert secret not in raw  # keyed hashes only: no claim ids, paths or fields
    assert len(load_baseline(base)) == 3

    config = Config(baseline=str(base))
    # same findings again (e.g. after reformatting: physical lines changed) -> all known
    a2 = _finding("CL301", "claims/a.json", "PCN1001", 2, "surfaces")
    a2.location.physical_line = 99
    new = _finding("CL301", "claims/a.json", "PCN1003", 1, "surfaces")
    rerun = _report(a2, b, c, new)
    notes = apply_suppressions(rerun, config)
    assert rerun.findings == [new]
    assert rerun.suppressions and rerun.suppressions["baseline"]["matched"] == 3
    assert not any("no longer match" in n for n in notes)

    # b fixed -> its entry is stale; c's file not linted (pre-commit run) -> not stale
    partial = _report(a2, files=["claims/a.json"])
    notes = apply_suppressions(partial, config)
    assert partial.findings == []
    stale = partial.suppressions["baseline"]["stale"] if partial.suppressions else []
    assert [e["fingerprint"] for e in stale] == [b.fingerprint]
    assert any("1 entry no longer matches a finding" in n for n in notes)

    # rewriting keeps still-matching entries and those of files outside the run (c), and
    # drops the stale one (b)
    note = write_baseline(partial, base)
    assert "with 2 entries (kept 1 for files or rules outside this run; dropped 1 stale)" in note
    assert {e.fingerprint for e in load_baseline(base)} == {a.fingerprint, c.fingerprint}


def test_missing_and_broken_baselines(tmp_path: Path) -> None:
    report = _report(_finding("CL301", "a.json", "P"))
    notes = apply_suppressions(report, Config(baseline=str(tmp_path / "nope.json")))
    assert len(report.findings) == 1
    assert any("does not exist yet" in n for n in notes)
    bad = tmp_path / "bad.json"
    bad.write_text('{"version": 99, "entries": []}')
    with pytest.raises(ConfigError, match="not a claimlint baseline"):
        apply_suppressions(_report(), Config(baseline=str(bad)))


def test_apply_is_idempotent_and_shows_in_json_report() -> None:
    a = _finding("CL301", "a.json", "P")
    report = _report(a, _finding("CL402", "a.json", "P"))
    config = Config(per_file_ignores={"a.json": ["CL301"]})
    first = apply_suppressions(report, config)
    second = apply_suppressions(report, config)
    assert first == second and len(report.findings) == 1 and len(report.suppressed) == 1
    data = report.to_dict()
    assert data["suppressions"]["suppressed"]["total"] == 1
    assert data["summary"]["findings"] == 1
    assert "suppressions" not in Report().to_dict()


def test_writing_a_baseline_from_a_partial_run_keeps_the_rest(tmp_path: Path) -> None:
    base = tmp_path / "baseline.json"
    a = _finding("CL301", "a.json", "P1")
    b = _finding("CL402", "a.json", "P1")
    c = _finding("CL301", "b.json", "P2")
    full = _report(a, b, c)
    apply_suppressions(full, Config())
    write_baseline(full, base)
    # pre-commit style run over a.json only, with only CL3 selected, where a got fixed
    partial = _report(files=["a.json"])
    config = Config(baseline=str(base))
    apply_suppressions(partial, config, selected_codes={"CL301"})
    note = write_baseline(partial, base, selected_codes={"CL301"})
    assert "kept 2 for files or rules outside this run" in note
    assert {e.fingerprint for e in load_baseline(base)} == {b.fingerprint, c.fingerprint}


def test_fingerprints_do_not_depend_on_how_the_path_is_typed(tmp_path, monkeypatch):
    from claimlint.core.config import Config
    from claimlint.running.engine import Engine

    (tmp_path / "b.json").write_text('{"claims": [{"claim_id": "A", "lines": 3}]}')
    monkeypatch.chdir(tmp_path)
    prints = set()
    for path in ("b.json", "./b.json", str(tmp_path / "b.json")):
        report = Engine(Config(select=["CL002"])).lint_paths([path])
        prints.add(report.findings[0].fingerprint)
    assert len(prints) == 1


def test_unknown_codes_in_ignore_entries_and_per_file_ignores_exit_2(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from claimlint.cli import main
    from claimlint.running.engine import Engine

    claims = Path(__file__).parents[1] / "fixtures" / "history" / "domain-7-3.json"
    toml = tmp_path / "claimlint.toml"
    toml.write_text('[[ignore]]\ncode = "CL301"\nreason = "ok"\n\n'
                    '[[ignore]]\ncode = "CL999"\nreason = "typo"\n')  # fmt: skip
    result = CliRunner().invoke(main, ["check", str(claims), "--config", str(toml)])
    assert result.exit_code == 2
    assert f"{toml}: ignore entry 2 (CL999): unknown rule selector 'CL999'" in result.output
    toml.write_text('[per-file-ignores]\n"legacy/*.json" = ["CL301", "surface-count-mismatch", '
                    '"CL99X"]\n')  # fmt: skip
    result = CliRunner().invoke(main, ["check", str(claims), "--config", str(toml)])
    assert result.exit_code == 2
    assert f"{toml}: per-file-ignores 'legacy/*.json': unknown rule selector 'CL99X'" in (
        result.output
    )
    with pytest.raises(ConfigError, match="unknown rule selector 'CL99X'"):
        Engine(load_file(toml))
    # known codes, prefixes, names and ALL are fine
    toml.write_text('[per-file-ignores]\n"x/*" = ["CL3", "surface-count-mismatch", "ALL"]\n')
    assert CliRunner().invoke(main, ["check", str(claims), "--config", str(toml)]).exit_code != 2
