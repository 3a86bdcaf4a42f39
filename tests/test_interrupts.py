"""Interrupts: SIGINT exits 130 and SIGTERM 143 with one line on stderr, within a second, in
one process and with ``--jobs``; no worker process is left and no report file (or hidden
temporary file) is left half-written. Reports given with ``-o`` are committed together or not
at all.

Each case starts ``claimlint check`` on a generated batch in a subprocess, in its own process
group (as a shell runs a pipeline; Ctrl-C signals the whole group), and signals it once it is
working."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, ROOT

from claimlint.cli import main
from claimlint.output import atomic_write_many

sys.path.insert(0, str(ROOT / "benchmarks"))
import generate

sys.path.pop(0)

EXE = [sys.executable, "-m", "claimlint"]
BAD = FIXTURES / "rules" / "CL002" / "fail.json"


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Path:
    """About 6 MB of JSONL: long enough to be interrupted mid-run, with --jobs split in parts."""
    path = tmp_path_factory.mktemp("batch") / "claims.jsonl"
    with path.open("w") as out:
        generate.write_jsonl(out, 9000, seed=3, defect_pct=3.0)
    return path


def _children(pid: int) -> list[int]:
    kids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.append(int(entry.name))
    return kids


def _alive(pid: int) -> bool:
    """Running, not a zombie waiting to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_until(condition, timeout: float = 20.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, "the run did not get going"
        time.sleep(0.02)


def interrupt(batch: Path, out: Path, signum: int, jobs: int, delay: float = 0.0):
    """Start a run writing two reports into ``out``, signal it once it is linting, and
    return (exit code, stderr, seconds from signal to exit, the workers it had)."""
    out.mkdir(exist_ok=True)
    (out / "keep.json").write_text("yesterday's report\n")
    child = subprocess.Popen(
        [
            *EXE,
            "check",
            str(batch),
            "-q",
            "--jobs",
            str(jobs),
            "-o",
            f"json={out}/keep.json",
            "-o",
            f"sarif={out}/new.sarif",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    workers: list[int] = []
    if jobs > 1:
        _wait_until(lambda: len(_children(child.pid)) >= jobs or child.poll() is not None)
        workers = _children(child.pid)
        time.sleep(0.3 + delay)
    else:
        time.sleep(1.0 + delay)  # imports done, linting under way
    assert child.poll() is None, "the run ended before it was interrupted"
    start = time.monotonic()
    if signum == signal.SIGINT:
        os.killpg(child.pid, signum)  # Ctrl-C in a terminal: the whole process group
    else:
        child.send_signal(signum)
    try:
        code = child.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
        pytest.fail("claimlint did not stop within 10 s of the signal")
    elapsed = time.monotonic() - start
    return code, child.stderr.read().decode(), elapsed, workers


def check_clean_exit(code, stderr, elapsed, workers, out: Path, signum: int) -> None:
    assert code == 128 + signum
    assert stderr == "claimlint: interrupted\n"  # one line, no traceback from any process
    assert elapsed < 2.0
    assert not [pid for pid in workers if _alive(pid)], "a worker outlived the run"
    assert sorted(p.name for p in out.iterdir()) == ["keep.json"]  # no report, no .tmp
    assert (out / "keep.json").read_text() == "yesterday's report\n"


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_one_process_exits_130_or_143_at_once_and_leaves_nothing(batch, tmp_path, signum):
    code, stderr, elapsed, _ = interrupt(batch, tmp_path / "out", signum, jobs=1)
    check_clean_exit(code, stderr, elapsed, [], tmp_path / "out", signum)


def test_jobs_exit_at_once_with_no_worker_left_every_time(batch, tmp_path):
    # --jobs hung in 2 of 22 trials (Pool.terminate with results in flight): repeat it
    for trial, signum in enumerate([signal.SIGINT, signal.SIGTERM] * 3):
        out = tmp_path / f"out{trial}"
        code, stderr, elapsed, workers = interrupt(
            batch, out, signum, jobs=2, delay=0.1 * (trial % 3)
        )
        assert len(workers) == 2
        check_clean_exit(code, stderr, elapsed, workers, out, signum)


def test_sigterm_while_reports_are_written_commits_all_or_nothing(tmp_path):
    """Signal a run at several moments around the end, where reports are being written: the
    folder then holds either yesterday's report alone or both complete new reports, and never
    a hidden temporary file."""
    big = tmp_path / "many.json"
    data = json.loads(BAD.read_text())
    data["claims"] = data["claims"] * 4000
    big.write_text(json.dumps(data))
    outcomes = set()
    for trial, delay in enumerate((1.0, 1.6, 2.2, 2.8)):
        out = tmp_path / f"out{trial}"
        out.mkdir()
        (out / "keep.json").write_text("old\n")
        child = subprocess.Popen(
            [*EXE, "check", str(big), "-q", "-o", f"json={out}/keep.json"]
            + ["-o", f"sarif={out}/new.sarif"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        time.sleep(delay)
        child.send_signal(signal.SIGTERM)
        code = child.wait(timeout=10)
        names = sorted(p.name for p in out.iterdir())
        if code == 143:
            assert names == ["keep.json"] and (out / "keep.json").read_text() == "old\n"
            outcomes.add("interrupted")
        else:  # finished before the signal
            assert code == 1 and names == ["keep.json", "new.sarif"]
            json.loads((out / "keep.json").read_text())
            json.loads((out / "new.sarif").read_text())
            outcomes.add("finished")
    assert "interrupted" in outcomes


def test_an_interrupt_while_rendering_removes_every_temporary_file(tmp_path):
    (tmp_path / "a.json").write_text("old a\n")

    def first(fh):
        fh.write("new a\n")

    def second(fh):
        fh.write("half of b")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write_many([(tmp_path / "a.json", first), (tmp_path / "b.json", second)])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json"]
    assert (tmp_path / "a.json").read_text() == "old a\n"


def test_one_output_that_cannot_be_written_leaves_the_others_untouched(tmp_path):
    ok = tmp_path / "ok.json"
    ok.write_text("yesterday\n")
    folder = tmp_path / "a-folder"
    folder.mkdir()
    later = tmp_path / "x" / "y.csv"
    result = CliRunner().invoke(
        main, ["check", str(BAD), "-o", f"json={ok}", "-o", f"sarif={folder}", "-o", f"csv={later}"]
    )
    assert result.exit_code == 2
    assert f"cannot write {folder}: it is a folder" in result.output
    assert ok.read_text() == "yesterday\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-folder", "ok.json"]
    assert list(folder.iterdir()) == []
