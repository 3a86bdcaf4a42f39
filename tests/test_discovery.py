"""Which files a folder walk reads (claimlint/readers/discovery.py), like ruff: exclude and
extend-exclude, .gitignore, --force-exclude, and files that are not claim files passed over
with a note when walked (an error only when named on the command line)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import TODAY

from claimlint.cli import main
from claimlint.core.config import Config, ConfigError, load_file
from claimlint.core.findings import Report
from claimlint.readers.discovery import DEFAULT_EXCLUDE, Discovery, not_a_claim_file
from claimlint.running.engine import Engine

GOOD = {"claims": [{
    "claim_id": "PCN9002", "payer_id": "SYNPAYER1",
    "billing_provider": {"npi": "1234567893", "tax_id": "123456789", "postal_code": "627010001"},
    "date_of_service": "2025-06-02", "total_charge": 180.00,
    "lines": [{"line_number": 1, "code": "D2150", "charge": 180.00, "tooth": "30",
               "surfaces": "MO", "date_of_service": "2025-06-02"}]}]}  # fmt: skip


def claim(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(GOOD))
    return path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def lint(*paths: Path | str, config: Config | None = None) -> Report:
    config = config or Config()
    config.today = TODAY
    config.select = ["CL0"]
    return Engine(config).lint_paths([str(p) for p in paths])


def linted(report: Report, root: Path) -> list[str]:
    return sorted(Path(f).relative_to(root).as_posix() for f in report.files)


def cli(*args: str, cwd: Path) -> tuple[int, str, str]:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, ["check", "--today", "2026-01-15", *args])
    finally:
        os.chdir(old)
    return result.exit_code, result.stdout, result.stderr


# -- exclude / extend-exclude -----------------------------------------------------------------


def test_default_exclusions_leave_out_tool_folders(tmp_path: Path) -> None:
    claim(tmp_path / "claims" / "a.json")
    for folder in ("node_modules/pkg", "build", "dist", "venv", "site-packages", "__pycache__"):
        claim(tmp_path / folder / "x.json")
    report = lint(tmp_path)
    assert linted(report, tmp_path) == ["claims/a.json"]
    assert report.summary.claims_read == 1
    assert {"node_modules", "build", "dist", ".git", ".venv", ".tox"} <= set(DEFAULT_EXCLUDE)


def test_exclude_replaces_the_defaults_and_extend_exclude_adds(tmp_path: Path) -> None:
    for name in ("claims/a.json", "build/b.json", "archive/c.json", "claims/d.bak.json"):
        claim(tmp_path / name)
    cfg = write(tmp_path / "claimlint.toml", 'exclude = ["archive"]\n')
    assert linted(lint(tmp_path, config=load_file(cfg)), tmp_path) == [
        "build/b.json", "claims/a.json", "claims/d.bak.json"
    ]  # fmt: skip
    write(cfg, 'extend-exclude = ["archive", "*.bak.json"]\n')
    assert linted(lint(tmp_path, config=load_file(cfg)), tmp_path) == ["claims/a.json"]
    write(cfg, "exclude = []\n")
    assert len(linted(lint(tmp_path, config=load_file(cfg)), tmp_path)) == 4


def test_pattern_with_a_slash_is_relative_to_the_configuration_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    claim(tmp_path / "exports" / "old" / "a.json")
    claim(tmp_path / "exports" / "new" / "b.json")
    claim(tmp_path / "clinic" / "exports" / "old" / "c.json")  # same names, another folder
    cfg = write(tmp_path / "claimlint.toml", 'extend-exclude = ["exports/old/*.json"]\n')
    monkeypatch.chdir(tmp_path / "clinic")  # the pattern is anchored at the file, not the cwd
    report = lint(tmp_path, config=load_file(cfg))
    assert linted(report, tmp_path) == ["clinic/exports/old/c.json", "exports/new/b.json"]


def test_explicit_paths_are_linted_unless_force_exclude(tmp_path: Path) -> None:
    old = claim(tmp_path / "archive" / "old.json")
    vendored = claim(tmp_path / "node_modules" / "pkg" / "x.json")
    cfg = write(tmp_path / "claimlint.toml", 'extend-exclude = ["archive"]\n')
    config = load_file(cfg)
    assert len(lint(old, vendored, tmp_path / "archive", config=config).files) == 3
    write(cfg, 'extend-exclude = ["archive"]\nforce-exclude = true\n')
    report = lint(old, vendored, tmp_path / "archive", config=load_file(cfg))
    assert report.files == [] and report.summary.claims_read == 0


def test_command_line_exclude_options(tmp_path: Path) -> None:
    for name in ("claims/a.json", "claims/tmp/b.json", "scratch/c.json", "build/d.json"):
        claim(tmp_path / name)
    code, out, _ = cli(".", "--extend-exclude", "scratch,claims/tmp", cwd=tmp_path)
    assert code == 0 and "1 claim read in 1 file" in out
    code, out, _ = cli(".", "--exclude", "scratch", cwd=tmp_path)  # build/ is linted now
    assert code == 0 and "3 claims read in 3 files" in out
    excluded = str(Path("scratch") / "c.json")
    _, out, _ = cli(excluded, "--exclude", "scratch", cwd=tmp_path)
    assert "1 claim read in 1 file" in out  # named on the command line
    code, out, _ = cli(excluded, "claims/a.json", "--exclude", "scratch", "--force-exclude",
                       cwd=tmp_path)  # fmt: skip
    assert code == 0 and "1 claim read in 1 file" in out


def test_force_exclude_applies_to_the_folders_of_a_named_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    claim(tmp_path / "node_modules" / "pkg" / "claims.json")
    claim(tmp_path / "claims" / "a.json")
    monkeypatch.chdir(tmp_path / "claims")
    vendored = Path("..") / "node_modules" / "pkg" / "claims.json"
    discovery = Discovery(force_exclude=True)
    assert discovery.excluded_explicit(vendored)
    assert not discovery.excluded_explicit(Path("a.json"))
    assert not Discovery(exclude=()).excluded_explicit(vendored)


# -- .gitignore -----------------------------------------------------------------------------


def _repo(root: Path) -> Path:
    (root / ".git").mkdir(parents=True)  # enough for a walk to know the repository root
    return root


def test_gitignore_is_respected_and_nested_files_apply_to_their_folder(tmp_path: Path) -> None:
    root = _repo(tmp_path / "repo")
    write(root / ".gitignore", "scratch/\n*.gen.json\n")
    write(root / "sub" / ".gitignore", "local.json\n!keep.gen.json\n")
    for name in ("a.json", "local.json", "keep.gen.json", "scratch/b.json", "sub/local.json",
                 "sub/keep.gen.json", "sub/c.json", "sub/d.gen.json"):  # fmt: skip
        claim(root / name)
    assert linted(lint(root), root) == [
        "a.json", "local.json", "sub/c.json", "sub/keep.gen.json"
    ]  # fmt: skip
    # walking a folder inside the repository: the .gitignore files above it count too
    assert linted(lint(root / "sub"), root) == ["sub/c.json", "sub/keep.gen.json"]
    # .git/info/exclude counts like a .gitignore at the root
    write(root / ".git" / "info" / "exclude", "a.json\n")
    assert "a.json" not in linted(lint(root), root)


def test_no_respect_gitignore_and_explicit_ignored_files(tmp_path: Path) -> None:
    root = _repo(tmp_path / "repo")
    write(root / ".gitignore", "ignored.json\n")
    claim(root / "a.json")
    ignored = claim(root / "ignored.json")
    assert linted(lint(root), root) == ["a.json"]
    assert linted(lint(ignored), root) == ["ignored.json"]  # named: always linted
    assert len(lint(root, config=Config(respect_gitignore=False)).files) == 2
    code, out, _ = cli(".", "--no-respect-gitignore", cwd=root)
    assert code == 0 and "2 claims read in 2 files" in out
    code, out, _ = cli(".", cwd=root)
    assert code == 0 and "1 claim read in 1 file" in out
    cfg = write(root / "claimlint.toml", "respect-gitignore = false\n")
    assert len(lint(root, config=load_file(cfg)).files) == 2


# -- files that are not claim files ---------------------------------------------------------

OTHERS = {
    "web/package.json": '{"name": "web", "version": "1.0.0", "dependencies": {}}',
    "java/pom.xml": '<?xml version="1.0"?>\n<project xmlns="http://maven.apache.org/POM/4.0.0">'
    "<modelVersion>4.0.0</modelVersion></project>\n",
    "reports/revenue.csv": "month,revenue\n2025-01,100\n",
    # a headerless export of people: the note must not quote it
    "reports/people.csv": "Janedoe Syntheticson,1980-02-03,MEMBER123\n",
    "data/list.json": '[{"name": "x"}, {"name": "y"}]',
    "data/events.jsonl": '{"event": "login"}\n{"event": "logout"}\n',
}


def test_walk_skips_files_that_are_not_claim_files_with_a_note(tmp_path: Path) -> None:
    claim(tmp_path / "claims" / "a.json")
    write(tmp_path / "claims" / "b.csv", "claim_id,code,charge\nPCN1,D0120,50.00\n")
    for name, text in OTHERS.items():
        write(tmp_path / name, text)
    report = lint(tmp_path)
    assert linted(report, tmp_path) == ["claims/a.json", "claims/b.csv"]
    assert report.summary.files == 2 and report.summary.claims_read == 2
    assert not [f for f in report.findings if f.code == "CL001"]
    skipped = {note.split(":")[0].removeprefix("skipped ") for note in report.notes}
    assert skipped == {str(tmp_path / name) for name in OTHERS}
    notes = "\n".join(report.notes)
    assert "not a claim file" in notes
    for secret in ("Janedoe", "Syntheticson", "1980", "MEMBER123", "month", "login", 'web"'):
        assert secret not in notes


def test_the_same_files_named_explicitly_are_errors(tmp_path: Path) -> None:
    paths = [write(tmp_path / name, text) for name, text in OTHERS.items()]
    report = lint(*paths)
    assert report.summary.files == len(OTHERS)
    failed = {f.location.file for f in report.findings if f.severity.value == "error"}
    assert failed == {str(p) for p in paths}  # CL001 (not a batch) or CL002 (not claims)
    assert report.notes == []


def test_cli_prints_the_note_and_exits_zero(tmp_path: Path) -> None:
    claim(tmp_path / "claims" / "a.json")
    write(tmp_path / "package.json", OTHERS["web/package.json"])
    code, out, err = cli(".", cwd=tmp_path)
    assert code == 0 and "1 claim read in 1 file" in out
    assert "claimlint: note: skipped package.json: not a claim file" in err
    code, _, _ = cli("package.json", cwd=tmp_path)
    assert code == 1


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("truncated.json", '{"claims": [{"claim_id": "P1", '),
        ("history-first.json", '{"history": [], "claims": [}'),
        ("empty-object.json", "{}"),
        ("not-json.json", "claims, but not JSON"),
        ("batch.xml", "<batch><claims><claim><claim_id>P1</claim_id></claim></claims>"),
        ("broken.xml", "<batch"),
        ("headerless.csv", "PCN1,D0120,50.00\n"),  # a lost header: CDT codes in the rows
        ("bad-rows.csv", "claim_id,code,charge\nPCN1,D0120,fifty\n"),
        ("one.jsonl", '{"claim_id": "P1", "lines": "x"}\n'),
        ("empty.csv", ""),
    ],
)
def test_a_broken_claim_file_is_still_read_when_walked(
    tmp_path: Path, name: str, text: str
) -> None:
    write(tmp_path / name, text)
    assert not_a_claim_file(tmp_path / name) is None
    report = lint(tmp_path)
    assert report.files == [str(tmp_path / name)] and report.notes == []


def test_a_csv_in_the_configured_mapping_is_a_claim_file(tmp_path: Path) -> None:
    mapping = write(
        tmp_path / "mapping.toml",
        'name = "pms"\n[columns]\nclaim_id = "Ticket No"\ncode = "Proc"\n',
    )
    export = write(tmp_path / "exports" / "june.csv", "Ticket No,Proc\nT1,X\n")  # no CDT code
    assert not_a_claim_file(export) is not None
    assert not_a_claim_file(export, str(mapping)) is None
    report = lint(tmp_path / "exports", config=Config(csv_mapping=str(mapping)))
    assert report.files == [str(export)] and report.summary.claims_read == 1


def test_a_builtin_mapping_header_is_read_so_its_hint_is_shown(tmp_path: Path) -> None:
    from claimlint.readers.mappings import BUILTIN, load_mapping

    name = next(n for n in sorted(BUILTIN) if n != "default")
    mapping = load_mapping(name)
    header = f"{mapping.header_for('claim_id')},{mapping.header_for('code')}"
    export = write(tmp_path / "export.csv", f"{header}\nT1,D0120\n")
    assert not_a_claim_file(export) is None  # CL001 says: use --csv-mapping NAME


# -- configuration --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('exclude-paths = ["x"]\n', "unknown key 'exclude-paths'"),
        ("exclude = 3\n", "'exclude' must be a list of strings"),
        ("extend-exclude = [1]\n", "'extend-exclude' must be a list of strings"),
        ('respect-gitignore = "no"\n', "'respect-gitignore' must be true or false"),
        ("force-exclude = 1\n", "'force-exclude' must be true or false"),
    ],
)
def test_bad_discovery_configuration_names_file_and_key(
    tmp_path: Path, text: str, message: str
) -> None:
    cfg = write(tmp_path / "claimlint.toml", text)
    with pytest.raises(ConfigError) as info:
        load_file(cfg)
    assert str(cfg) in str(info.value) and message in str(info.value)


def test_pyproject_table_sets_discovery(tmp_path: Path) -> None:
    cfg = write(
        tmp_path / "pyproject.toml",
        '[tool.claimlint]\nexclude = ["old"]\nextend-exclude = ["data/tmp/"]\n'
        "respect-gitignore = false\nforce-exclude = true\n",
    )
    config = load_file(cfg)
    assert config.exclude == ["old"]
    assert config.extend_exclude == [f"{tmp_path.absolute().as_posix()}/data/tmp/"]
    assert (config.respect_gitignore, config.force_exclude) == (False, True)


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_library_api_walks_folders_with_the_configurations_exclusions(
    tmp_path: Path, jobs: int
) -> None:
    """``claimlint.lint_paths`` (one process or ``jobs``) follows the configuration's
    exclusions like ``check`` does (it walked folders with the defaults only)."""
    from claimlint import lint_paths

    claim(tmp_path / "claims" / "a.json")
    claim(tmp_path / "archive" / "b.json")
    cfg = write(tmp_path / "claimlint.toml", 'extend-exclude = ["archive"]\n')
    config = load_file(cfg)
    config.jobs = jobs
    assert linted(lint_paths([str(tmp_path)], config), tmp_path) == ["claims/a.json"]
