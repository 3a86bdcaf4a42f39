"""The benchmark runner: claimlint end to end, the raw-parse floor and pyx12, in one run.

    python benchmarks/run.py              # 100k claims, 1M for memory, pyx12, 3 repetitions
    python benchmarks/run.py --smoke      # 1k claims, 1 repetition, no pyx12, no 1M: seconds

Every measured command is a separate process, run round-robin (one repetition of every command,
then the next repetition), so that a noisy neighbour or a thermal drift hits all of them alike;
each row reports the median wall time. Peak RSS is the child's own ``ru_maxrss`` from
``os.wait4`` (for ``--jobs 2`` the largest of the parent and its worker processes).

Measured commands:

* ``claimlint``: ``python -m claimlint check FILE --format jsonl --exit-zero`` with stdout to
  /dev/null (``--format json`` until the jsonl format exists), on 837D and on JSONL;
* ``raw floor``: ``python benchmarks/raw_floor.py FILE`` — the same file read in chunks and split
  into segments (837D) or lines decoded by orjson (JSONL), nothing else;
* ``pyx12``: pyx12 4.0's ``x12valid`` on an 837P file with the same number of claims (pyx12
  cannot read 837D). Not installed by this script: ``pip install pyx12==4.0.0``; skipped with
  a note when absent;
* ``--jobs 2`` against ``--jobs 1`` on the same single file;
* the 1M-claim files with ``--jobs 1``, for peak memory.

The runner prints a Markdown table and each target as met or not met, and writes the table to
``benchmarks/results.md`` (``--out``) between ``<!-- run -->`` and ``<!-- /run -->`` only: the
other sections of that file (PostgreSQL, memory, Spark, issue 16 …) are left as they are; a
file without the markers gets the section at its start. Targets are never asserted: machines
are noisy.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PY = sys.executable
sys.path.insert(0, str(HERE))  # sections.py, also under PYTHONSAFEPATH=1

from sections import replace_section  # noqa: E402


@dataclass
class Command:
    key: str
    label: str
    argv: list[str]
    file: Path
    claims: int
    times: list[float] = field(default_factory=list)
    rss_kb: list[int] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    failed: str | None = None
    ok_marker: str | None = None  # a text the command must write to stderr (pyx12: "OK")

    @property
    def seconds(self) -> float | None:
        return statistics.median(self.times) if self.times else None

    @property
    def claims_per_s(self) -> float | None:
        s = self.seconds
        return self.claims / s if s else None

    @property
    def mb_per_s(self) -> float | None:
        s = self.seconds
        return self.file.stat().st_size / 1e6 / s if s else None

    @property
    def peak_mb(self) -> float | None:
        return max(self.rss_kb) / 1024 if self.rss_kb else None


TIME = "/usr/bin/time" if os.path.exists("/usr/bin/time") else None
RSS_MARK = "CLAIMLINT_BENCH_PEAK_RSS_KB="


def measure(cmd: Command) -> None:
    """Run once: wall time, and the child's peak RSS.

    ``ru_maxrss`` from ``wait4`` alone is not enough: Linux charges the forked copy of the
    runner to the child, so a runner that imported a lot would inflate every row. GNU time's
    ``%M`` measures the command as forked from time itself (a tiny C program); without it, the
    runner falls back to ``wait4`` (and stays small: it imports neither claimlint nor pydantic).
    """
    argv = [TIME, "-f", f"\n{RSS_MARK}%M", *cmd.argv] if TIME else cmd.argv
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=err, cwd=ROOT, env=_env())
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    rss_kb = usage.ru_maxrss
    if TIME and RSS_MARK in stderr:
        stderr, _, tail = stderr.rpartition(RSS_MARK)
        rss_kb = int(tail.strip() or 0)
    if proc.returncode != 0 or (cmd.ok_marker and cmd.ok_marker not in stderr):
        cmd.failed = f"exit {proc.returncode}: {stderr.strip()[-300:]}"
        return
    cmd.times.append(elapsed)
    cmd.rss_kb.append(rss_kb)
    cmd.cpu.append(usage.ru_utime + usage.ru_stime)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


# -- capabilities of the claimlint under test ------------------------------------------------


def capabilities() -> dict[str, bool]:
    """What the claimlint under test can do, asked in a child process (the runner stays small)."""
    probe = (
        "from claimlint.report.formatters import FORMATTERS;"
        " from claimlint.readers.base import READERS;"
        "print('x12' in READERS, 'jsonl' in FORMATTERS)"
    )
    out = subprocess.run(
        [PY, "-c", probe], capture_output=True, text=True, cwd=ROOT, env=_env(), check=True
    ).stdout.split()
    help_text = subprocess.run(
        [PY, "-m", "claimlint", "check", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=_env(),
    ).stdout
    return {
        "x12": out[0] == "True",
        "jsonl_format": out[1] == "True",
        "jobs": "--jobs" in help_text,
    }


def pyx12_version() -> str | None:
    proc = subprocess.run(
        [PY, "-c", "import pyx12; print(pyx12.__version__)"], capture_output=True, text=True
    )
    return proc.stdout.strip() or None if proc.returncode == 0 else None


# -- data ----------------------------------------------------------------------------------


def label_count(n: int) -> str:
    if n >= 1_000_000 and n % 1_000_000 == 0:
        return f"{n // 1_000_000}M"
    if n >= 1000 and n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)


def data_file(folder: Path, fmt: str, claims: int) -> Path:
    suffix = {"837": ".837", "jsonl": ".jsonl", "837p": ".837"}[fmt]
    prefix = "p" if fmt == "837p" else "c"
    path = folder / f"{prefix}{label_count(claims)}{suffix}"
    if not path.exists():
        print(f"generating {path.name} ...", file=sys.stderr, flush=True)
        subprocess.run(
            [
                PY,
                str(HERE / "generate.py"),
                "--claims",
                str(claims),
                "--format",
                fmt,
                "--out",
                path,
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return path


def verify_claims(path: Path, expected: int) -> str | None:
    """One untimed run with the JSON report: every claim must be read (and none lost)."""
    import json

    proc = subprocess.run(
        [PY, "-m", "claimlint", "check", str(path), "--format", "json", "--exit-zero"],
        capture_output=True,
        cwd=ROOT,
        env=_env(),
    )
    if proc.returncode != 0:
        return f"claimlint failed on {path.name}: {proc.stderr.decode()[-300:]}"
    summary = json.loads(proc.stdout)["summary"]
    if summary["claims_read"] != expected:
        return f"{path.name}: claimlint read {summary['claims_read']} claims, expected {expected}"
    return None


# -- the run -------------------------------------------------------------------------------


def build_commands(args: argparse.Namespace, caps: dict[str, bool], notes: list[str]) -> list:
    data = args.data
    n = args.claims
    fmt = "jsonl" if caps["jsonl_format"] else "json"
    if fmt == "json":
        notes.append("claimlint ran with `--format json` (the `jsonl` format has not landed).")
    jobs1 = ["--jobs", "1"] if caps["jobs"] else []

    def lint(path: Path, *extra: str) -> list[str]:
        return [PY, "-m", "claimlint", "check", str(path), "--format", fmt, "--exit-zero", *extra]

    cmds: list[Command] = []
    jsonl = data_file(data, "jsonl", n)
    d837 = data_file(data, "837", n)
    if caps["x12"]:
        cmds.append(
            Command("cl_837", "claimlint 837D", lint(d837, *jobs1), d837, n),
        )
    else:
        notes.append("claimlint 837D not measured: the X12 reader has not landed.")
    cmds.append(Command("cl_jsonl", "claimlint JSONL", lint(jsonl, *jobs1), jsonl, n))
    cmds.append(
        Command("floor_837", "raw floor 837D", [PY, str(HERE / "raw_floor.py"), str(d837)], d837, n)
    )
    cmds.append(
        Command(
            "floor_jsonl",
            "raw floor JSONL (lines + orjson)",
            [PY, str(HERE / "raw_floor.py"), str(jsonl)],
            jsonl,
            n,
        )
    )
    if caps["jobs"]:
        # JSONL: the format --jobs splits today (X12 joins when its reader reads parts)
        cmds.append(
            Command("cl_jobs2", "claimlint JSONL --jobs 2", lint(jsonl, "--jobs", "2"), jsonl, n)
        )
    else:
        notes.append("`--jobs` not measured: the check command has no --jobs option.")
    if not args.smoke and not args.no_pyx12:
        version = pyx12_version()
        if version is None:
            notes.append("pyx12 not measured: it is not installed (`pip install pyx12==4.0.0`).")
        else:
            pn = args.pyx12_claims or n
            p837 = data_file(data, "837p", pn)
            cmds.append(
                Command(
                    "pyx12",
                    f"pyx12 {version} x12valid 837P",
                    [PY, "-m", "pyx12.scripts.x12valid", str(p837)],
                    p837,
                    pn,
                    ok_marker=": OK",
                )
            )
    if args.big:
        if caps["x12"]:
            b837 = data_file(data, "837", args.big)
            cmds.append(
                Command("big_837", "claimlint 837D (memory)", lint(b837, *jobs1), b837, args.big)
            )
        bj = data_file(data, "jsonl", args.big)
        cmds.append(
            Command("big_jsonl", "claimlint JSONL (memory)", lint(bj, *jobs1), bj, args.big)
        )
    return cmds


def fmt_num(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}"


def render(cmds: list[Command], args, caps, notes: list[str]) -> tuple[str, list[tuple]]:
    by = {c.key: c for c in cmds}
    rows = [
        "| Measurement | File | Claims | Median s | Claims/s | MB/s | Peak RSS MB |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for c in cmds:
        if c.failed:
            rows.append(f"| {c.label} | {c.file.name} | {c.claims:,} | failed | | | |")
            continue
        rows.append(
            f"| {c.label} | {c.file.name} | {c.claims:,} | {fmt_num(c.seconds, 2)} | "
            f"{fmt_num(c.claims_per_s)} | {fmt_num(c.mb_per_s, 1)} | {fmt_num(c.peak_mb, 1)} |"
        )

    def rate(key: str) -> float | None:
        c = by.get(key)
        return c.claims_per_s if c and not c.failed else None

    targets: list[tuple[str, str, bool | None]] = []

    def target(name: str, measured: float | None, goal: float, unit: str, lower=False) -> None:
        if measured is None:
            targets.append((name, "not measured", None))
            return
        met = measured <= goal if lower else measured >= goal
        targets.append((name, f"{measured:,.2f}{unit}" if unit != "" else f"{measured:,.0f}", met))

    scale = "" if args.claims == 100_000 else f" (at {args.claims:,} claims)"
    target(f"claimlint 837D ≥ 50,000 claims/s{scale}", rate("cl_837"), 50_000, "")
    target(f"claimlint JSONL ≥ 50,000 claims/s{scale}", rate("cl_jsonl"), 50_000, "")
    for kind, cl, fl in (("837D", "cl_837", "floor_837"), ("JSONL", "cl_jsonl", "floor_jsonl")):
        a, b = rate(cl), rate(fl)
        target(f"claimlint {kind} ≥ 1/3 of the raw floor", a / b if a and b else None, 1 / 3, "×")
    for kind, cl in (("837D", "cl_837"), ("JSONL", "cl_jsonl")):
        a, b = rate(cl), rate("pyx12")
        target(f"claimlint {kind} ≥ 100× pyx12", a / b if a and b else None, 100, "×")
    for kind, key in (("837D", "big_837"), ("JSONL", "big_jsonl")):
        c = by.get(key)
        peak = c.peak_mb if c and not c.failed else None
        label = label_count(c.claims) if c else label_count(args.big or 1_000_000)
        target(f"peak RSS ≤ 100 MB at {label} claims ({kind})", peak, 100, " MB", lower=True)
    a, b = rate("cl_jobs2"), rate("cl_jsonl")
    target("`--jobs 2` ≥ 1.7× `--jobs 1` on one file (JSONL)", a / b if a and b else None, 1.7, "×")

    out = ["| Target | Measured | Result |", "|---|---:|---|"]
    for name, measured, met in targets:
        result = "–" if met is None else ("met" if met else "**not met**")
        out.append(f"| {name} | {measured} | {result} |")
    uname = platform.uname()
    env = (
        f"{dt.date.today().isoformat()}, Python {platform.python_version()}, {uname.system} "
        f"{uname.machine}, {os.cpu_count()} CPUs ({_cpu_model()}); median of {args.reps} "
        f"interleaved run{'s' if args.reps != 1 else ''}; wall time includes interpreter start."
    )
    text = "\n".join(rows) + "\n\n" + "\n".join(out) + "\n\n" + env + "\n"
    for c in cmds:
        if c.failed:
            notes.append(f"{c.label} failed: {c.failed}")
    if notes:
        text += "\n" + "\n".join(f"- {n}" for n in notes) + "\n"
    return text, targets


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="claimlint benchmarks")
    parser.add_argument("--smoke", action="store_true", help="1k claims, 1 rep, no pyx12/1M")
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--big", type=int, default=1_000_000, help="claims for the memory rows")
    parser.add_argument("--no-big", action="store_true", help="skip the memory rows")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--no-pyx12", action="store_true")
    parser.add_argument("--pyx12-claims", type=int, default=None, help="claims in the 837P file")
    parser.add_argument("--data", type=Path, default=HERE / "data")
    parser.add_argument("--out", type=Path, default=None, help="Markdown output")
    args = parser.parse_args(argv)
    if args.smoke:
        args.claims, args.reps, args.no_pyx12, args.big = 1000, 1, True, 0
        args.out = args.out or HERE / "out" / "results-smoke.md"
    if args.no_big:
        args.big = 0
    args.out = args.out or HERE / "results.md"

    caps = capabilities()
    notes: list[str] = []
    cmds = build_commands(args, caps, notes)
    for c in cmds:
        if c.key.startswith("cl_") and c.key != "cl_jobs2":
            problem = verify_claims(c.file, c.claims)
            if problem:
                notes.append(problem)
    for rep in range(args.reps):
        for c in cmds:
            if c.failed:
                continue
            print(f"[{rep + 1}/{args.reps}] {c.label} ...", file=sys.stderr, flush=True)
            measure(c)
    text, _targets = render(cmds, args, caps, notes)
    print(text)
    replace_section(args.out, "run", text, at_start=True)
    print(f"(written to {args.out}, between <!-- run --> and <!-- /run -->)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
