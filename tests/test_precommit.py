"""The real thing: ``pre-commit try-repo`` installs this repository's hook (from a snapshot that
includes uncommitted work) into a fresh environment and runs it in a temporary git repository
holding a bad and a good claim file. Runs in CI (~10 s; pip needs the package index or a warm
cache for the hook's environment)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Only what `pip install .` needs, plus the hook definition.
SNAPSHOT = ("pyproject.toml", "README.md", "LICENSE", ".pre-commit-hooks.yaml", "claimlint")

BAD = {
    "claims": [
        {
            "claim_id": "PCN9001",
            "lines": [
                {
                    "line_number": 1,
                    "code": "D2150",
                    "charge": "ten",
                    "tooth": "30",
                    "surfaces": "MO",
                }
            ],
        }
    ]
}
GOOD = {"claims": [{
    "claim_id": "PCN9002", "payer_id": "SYNPAYER1",
    "billing_provider": {"npi": "1234567893", "tax_id": "123456789", "postal_code": "627010001"},
    "date_of_service": "2025-06-02", "total_charge": 180.00,
    "lines": [{"line_number": 1, "code": "D2150", "charge": 180.00, "tooth": "30",
               "surfaces": "MO", "date_of_service": "2025-06-02"}]}]}  # fmt: skip

NETWORK_TROUBLE = (
    "Could not find a version that satisfies",
    "No matching distribution found",
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
)


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=claimlint test", "-c", "user.email=test@claimlint.invalid",
         "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args],
        cwd=cwd, check=True, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def _snapshot(dest: Path) -> Path:
    dest.mkdir()
    for name in SNAPSHOT:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        elif src.exists():
            shutil.copy2(src, dest / name)
    if (ROOT / "schemas").is_symlink():
        (dest / "schemas").symlink_to(os.readlink(ROOT / "schemas"))
    _git(dest, "init", "-q")
    _git(dest, "add", "-A")
    _git(dest, "commit", "-q", "-m", "snapshot for pre-commit try-repo")
    return dest


def _try_repo(repo: Path, work: Path, home: Path, *files: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PRE_COMMIT", "GIT_"))}
    env["PRE_COMMIT_HOME"] = str(home)
    env.pop("VIRTUAL_ENV", None)
    result = subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(repo), "claimlint",
         "--files", *files, "--color", "never"],
        cwd=work, env=env, capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    output = result.stdout + result.stderr
    if any(text in output for text in NETWORK_TROUBLE):
        pytest.skip("pre-commit could not install the hook environment (no package index)")
    return result


# each try-repo builds the hook's environment (pip): slower than the suite's 300 s default on
# a busy machine with a cold cache
@pytest.mark.timeout(900)
def test_pre_commit_try_repo_fails_bad_and_passes_good(tmp_path: Path) -> None:
    pytest.importorskip("pre_commit")
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    hook_file = ROOT / ".pre-commit-hooks.yaml"
    assert hook_file.exists()
    repo = _snapshot(tmp_path / "claimlint")

    work = tmp_path / "claims-repo"
    work.mkdir()
    _git(work, "init", "-q")
    (work / "claims" / "old").mkdir(parents=True)
    (work / "claims" / "bad.json").write_text(json.dumps(BAD, indent=2))
    (work / "claims" / "good.json").write_text(json.dumps(GOOD, indent=2))
    (work / "claims" / "old" / "bad.json").write_text(json.dumps(BAD, indent=2))
    (work / "notes.md").write_text("not a claim file\n")
    # files of other tools that the default `files` pattern must keep away from the hook
    (work / "package.json").write_text('{"name": "web", "version": "1.0.0"}\n')
    (work / "web").mkdir()
    (work / "web" / "pom.xml").write_text("<project><modelVersion>4.0.0</modelVersion></project>\n")
    (work / "report.csv").write_text("month,revenue\n2025-01,100\n")
    (work / "claimlint-baseline.json").write_text('{"version": 1, "entries": []}\n')
    # Only the reader rules: this test is about the hook, not the rule catalogue. The hook
    # passes --force-exclude, so the configuration's exclusions apply to the files it is given.
    (work / "claimlint.toml").write_text('select = ["CL0"]\nextend-exclude = ["claims/old/"]\n')
    _git(work, "add", "-A")
    home = tmp_path / "pre-commit-home"

    bad = _try_repo(repo, work, home, "claims/bad.json")
    out = bad.stdout + bad.stderr
    assert bad.returncode == 1, out
    assert "Failed" in out and "- hook id: claimlint" in out
    assert "CL002" in out and "PCN9001" in out
    assert "\x1b[" not in out  # PRE_COMMIT=1 and no tty: no progress bar, no colours

    # claims/old/bad.json: excluded by the configuration, not linted though pre-commit names it
    good = _try_repo(repo, work, home, "claims/good.json", "claims/old/bad.json")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Passed" in good.stdout

    # the files pattern keeps non-claim files away from the hook: notes, and the JSON, XML and
    # CSV files of other tools (before, package.json and pom.xml were linted and failed CL001)
    others = ("notes.md", "package.json", "web/pom.xml", "report.csv", "claimlint-baseline.json")
    skipped = _try_repo(repo, work, home, *others)
    assert skipped.returncode == 0, skipped.stdout + skipped.stderr
    assert "no files to check" in skipped.stdout
