"""Inputs that cannot be read and outputs that cannot be written: never a pass, never a hang,
never a traceback; and claimlint never modifies what it reads.

Commands run in a subprocess where the behaviour depends on real file descriptors (a closed
stdout, /dev/full, a pipe whose reader left, a FIFO)."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES

from claimlint.cli import main
from claimlint.core.config import Config
from claimlint.running.engine import Engine

GOOD = FIXTURES / "rules" / "CL002" / "pass.json"
BAD = FIXTURES / "rules" / "CL002" / "fail.json"
EXE = [sys.executable, "-m", "claimlint"]
TIMEOUT = 60


def cli(*args: str, **kwargs):
    return CliRunner().invoke(main, list(args), **kwargs)


def proc(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([*EXE, *args], capture_output=True, text=True, timeout=TIMEOUT, **kwargs)


def truncated(tmp_path: Path) -> Path:
    path = tmp_path / "cut.json"
    path.write_bytes(GOOD.read_bytes()[: len(GOOD.read_bytes()) // 2])
    return path


# -- 1. what cannot be read always fails the run ----------------------------------------------


def test_a_missing_path_is_a_usage_error_whatever_the_selection():
    for extra in ((), ("--select", "CL3"), ("--ignore", "CL001"), ("--exit-zero",)):
        result = cli("check", "nope.json", *extra)
        assert result.exit_code == 2, (extra, result.output)
        assert "nope.json: no such file or directory" in result.output
        assert "no findings" not in result.output


@pytest.mark.parametrize(
    "extra",
    [
        (),
        ("--ignore", "CL001"),
        ("--select", "CL3"),
        ("--ignore", "unreadable-file"),
        ("--fail-on", "error", "--exit-zero"),
    ],
)
def test_a_truncated_file_fails_whatever_select_ignore_or_exit_zero_say(tmp_path, extra):
    path = truncated(tmp_path)
    result = cli("check", str(path), "--format", "json", *extra)
    assert result.exit_code == 1, result.output
    codes = [f["code"] for f in json.loads(result.output)["findings"]]
    assert codes == ["CL001"]


def test_suppressions_and_the_baseline_cannot_hide_an_unreadable_file(tmp_path):
    path = truncated(tmp_path)
    baseline = tmp_path / "baseline.json"
    written = cli("check", str(path), "--write-baseline", str(baseline))
    assert written.exit_code == 1  # the file still fails; nothing about it was recorded
    assert "CL001" not in baseline.read_text()
    (tmp_path / "claimlint.toml").write_text(
        f'baseline = "{baseline}"\n'
        'per-file-ignores = {"*.json" = ["CL001"]}\n'
        '[[ignore]]\ncode = "CL001"\nreason = "trying to hide it"\n'
    )
    result = cli("check", str(path), "--config", str(tmp_path / "claimlint.toml"), "-q")
    assert result.exit_code == 1, result.output
    assert "CL001" in result.output


def test_the_severity_of_cl001_cannot_be_lowered(tmp_path):
    (tmp_path / "claimlint.toml").write_text('[severity]\nCL001 = "info"\n')
    result = cli("check", str(GOOD), "--config", str(tmp_path / "claimlint.toml"))
    assert result.exit_code == 2
    assert "CL001" in result.output and "cannot be changed" in result.output


def test_an_unreadable_folder_is_a_finding_naming_it(tmp_path, monkeypatch):
    # the tests run as root, where permissions do not stop reading: make listing fail instead
    folder = tmp_path / "claims"
    (folder / "locked").mkdir(parents=True)
    (tmp_path / "gone").mkdir()
    shutil.copy(GOOD, folder / "ok.json")
    real = os.scandir

    def scandir(path="."):
        if Path(path).name in ("locked", "gone"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    report = Engine(Config()).lint_paths([str(folder), str(tmp_path / "gone")])
    unreadable = [f for f in report.findings if f.code == "CL001"]
    assert [f.location.file for f in unreadable] == [str(folder / "locked"), str(tmp_path / "gone")]
    assert all("Permission denied" in f.message for f in unreadable)
    result = cli("check", str(folder / "locked"), "--ignore", "CL001", "-q")
    assert result.exit_code == 1 and "Permission denied" in result.output


def test_rule_cl001_documents_that_it_cannot_be_ignored():
    result = cli("rule", "CL001")
    assert result.exit_code == 0
    assert "cannot be deselected" in result.output and "--exit-zero" in result.output


# -- 2. the file system: FIFOs, symlink loops, outputs that cannot be written -----------------


@pytest.mark.parametrize(
    ("command", "args"),
    [
        ("check", ["--today", "2026-01-15"]),
        ("estimate", ["--profile", str(FIXTURES / "profiles" / "example-mutual-ppo-gold.toml")]),
        ("convert", ["--to", "jsonl"]),
    ],
)
def test_a_fifo_in_a_folder_is_skipped_with_a_note_not_waited_on(tmp_path, command, args):
    """estimate skipped it without the note check and convert print."""
    folder = tmp_path / "claims"
    folder.mkdir()
    shutil.copy(GOOD, folder / "a.json")
    os.mkfifo(folder / "b.json")  # nobody ever writes to it: opening it would block forever
    result = proc(command, str(folder), *args)
    assert result.returncode == 0, result.stderr
    assert f"skipped {folder / 'b.json'}: not a regular file" in result.stderr
    if command != "convert":  # convert's notices have no "note:" (its own format)
        assert f"claimlint: note: skipped {folder / 'b.json'}" in result.stderr
    if command == "check":
        assert "1 claim read in 1 file" in result.stdout


def test_a_fifo_named_on_the_command_line_is_read_as_a_stream(tmp_path):
    fifo = tmp_path / "claims.json"
    os.mkfifo(fifo)
    child = subprocess.Popen(
        [*EXE, "check", str(fifo), "--format", "json", "--today", "2026-01-15"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + TIMEOUT
    while True:  # wait for claimlint to open the pipe (never block if it does not)
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            break
        except OSError:
            assert child.poll() is None and time.monotonic() < deadline, "the FIFO was not read"
            time.sleep(0.02)
    os.set_blocking(fd, True)
    with os.fdopen(fd, "wb") as writer:
        writer.write(GOOD.read_bytes())
    out, err = child.communicate(timeout=TIMEOUT)
    assert child.returncode == 0, err
    assert json.loads(out)["summary"]["claims_read"] == 1


def test_a_symlink_loop_is_cl001_naming_the_file_and_the_rest_is_linted(tmp_path):
    folder = tmp_path / "claims"
    folder.mkdir()
    shutil.copy(GOOD, folder / "a.json")
    (folder / "loop.json").symlink_to("loop.json")
    (folder / "dangling.json").symlink_to("nowhere.json")
    for jobs in ("1", "2"):
        result = proc("check", str(folder), "--format", "concise", "--jobs", jobs)
        assert result.returncode == 1, result.stderr
        assert "Traceback" not in result.stderr
        assert f"{folder / 'loop.json'}:1:1: CL001" in result.stdout
        assert "Too many levels of symbolic links" in result.stdout
        assert f"{folder / 'dangling.json'}:1:1: CL001" in result.stdout
        assert "the symlink is broken" in result.stdout
    named = proc("check", str(folder / "loop.json"), "--format", "concise")
    assert named.returncode == 1 and "CL001" in named.stdout and not named.stderr


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_stdout_on_a_full_disk_is_one_line_and_exit_two():
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [*EXE, "check", str(BAD)], stdout=full, stderr=subprocess.PIPE, text=True
        )
    assert result.returncode == 2
    assert result.stderr == "claimlint: error: cannot write to stdout: No space left on device\n"


def test_a_closed_stdout_is_one_line_and_exit_two():
    result = subprocess.run(
        [*EXE, "check", str(BAD)],
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
        pass_fds=(),
        preexec_fn=lambda: os.close(1),
    )
    assert result.returncode == 2
    assert result.stderr == "claimlint: error: cannot write to stdout: stdout is closed\n"


def test_a_reader_that_leaves_early_ends_the_run_quietly_with_141(tmp_path):
    # `claimlint check ... | head -0`: the reader closes the pipe before the report is written
    big = tmp_path / "many.json"
    claims = json.loads(BAD.read_text())["claims"] * 2000
    big.write_text(json.dumps({"claims": claims}))
    read, write = os.pipe()
    os.close(read)
    result = subprocess.run([*EXE, "check", str(big)], stdout=write, stderr=subprocess.PIPE)
    os.close(write)
    assert result.returncode == 141  # as if killed by SIGPIPE, like other Unix tools
    assert result.stderr == b""


def test_an_output_path_that_cannot_be_written_is_one_line(tmp_path):
    result = proc("check", str(BAD), "-o", f"json={tmp_path}")
    assert result.returncode == 2
    assert result.stderr.strip() == f"claimlint: error: cannot write {tmp_path}: it is a folder"


# -- 4. inputs are opened read-only and never modified ----------------------------------------


def _state(folder: Path) -> dict[str, tuple[str, int, int]]:
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            st = path.stat()
            out[str(path.relative_to(folder))] = (
                hashlib.sha256(path.read_bytes()).hexdigest(),
                st.st_mtime_ns,
                st.st_mode,
            )
    return out


def test_no_command_modifies_its_inputs(tmp_path):
    inputs = tmp_path / "inputs"
    shutil.copytree(FIXTURES / "demo", inputs / "demo")
    shutil.copytree(FIXTURES / "demo-formats", inputs / "formats")
    shutil.copytree(FIXTURES / "csv", inputs / "csv")
    shutil.copytree(FIXTURES / "profiles", inputs / "profiles")
    claims = [json.dumps(c) for c in json.loads(BAD.read_text())["claims"]]
    (inputs / "formats" / "batch.jsonl").write_text("\n".join(claims * 3) + "\n")
    history_csv = inputs / "history.csv"
    history_csv.write_text(
        "member_id,code,date,tooth,surfaces,status\nSYN1,D2392,2024-01-02,30,MO,paid\n"
    )
    history = tmp_path / "history.sqlite"
    assert cli("history", "import", str(history_csv), "--history", str(history)).exit_code == 0
    shutil.move(history, inputs / "history.sqlite")
    for path in inputs.rglob("*"):
        if path.is_file():
            path.chmod(0o444)
    before = _state(inputs)
    assert {"demo/batch.837", "formats/batch.csv", "formats/batch.xml", "demo/batch.json"} <= set(
        before
    )
    profile = str(inputs / "profiles" / "example-mutual-ppo-gold.toml")
    out = tmp_path / "out"
    runs = [
        ["check", str(inputs / "demo"), str(inputs / "formats"), "--history"],
        ["check", str(inputs / "formats" / "batch.jsonl"), "--jobs", "2", "--history"],
        ["check", str(inputs / "csv" / "generic-pms.csv"), "--profile", profile, "--history"],
    ]
    for args in runs:
        result = proc(*args, str(inputs / "history.sqlite"), "-q", "-o", f"json={out}/r.json")
        assert result.returncode in (0, 1), result.stderr
    converted = proc("convert", str(inputs / "demo"), str(inputs / "formats"), "-o", f"{out}/c")
    assert converted.returncode in (0, 1), converted.stderr
    estimated = proc("estimate", str(inputs / "demo" / "batch.json"), "--profile", profile)
    assert estimated.returncode in (0, 1), estimated.stderr
    assert _state(inputs) == before  # same bytes, same mtimes, same modes, no new files
