"""Issue 16 part 3: today, pure and compiled claimlint, the raw floor and pyx12, in one run.

    python benchmarks/speed.py --baseline /path/to/checkout-at-85e76c1 \\
        --compiled /path/to/.venv-mypyc/bin/python               # 100k and 1M claims, 3 reps
    python benchmarks/speed.py --baseline ../base --claims 2000 --reps 1 --startup-reps 3 \\
        --out benchmarks/out/speed-smoke.md                       # a smoke run: seconds

Variants (each command a separate process, stdout to /dev/null, the working directory an empty
temporary folder so that no configuration file is found, ``--jobs 1`` unless said otherwise):

* ``today``: ``--baseline SRC``, a checkout from before issue 16 (85e76c1, main before the
  lean model), run with this interpreter and ``PYTHONPATH=SRC``;
* ``pure``: this checkout, this interpreter, ``PYTHONPATH`` = this checkout;
* ``compiled``: ``--compiled PY``, the python of an environment where the mypyc build is
  installed (``CLAIMLINT_MYPYC=1 pip install --no-build-isolation .``, docs/development.md),
  run with ``PYTHONSAFEPATH=1`` and no ``PYTHONPATH``, so the installed compiled modules are
  imported and not a source tree. The script checks that ``claimlint.x12.tokenizer`` is an
  extension module (``.so``) there and refuses to run otherwise. A ``--compiled`` path that
  does not exist (or none given) skips the variant with a note;
* ``raw floor``: ``benchmarks/raw_floor.py`` (the file split into segments, or JSONL lines
  decoded by orjson, nothing else);
* ``pyx12``: pyx12's ``x12valid`` on an 837P with the same number of claims (pyx12 cannot read
  837D), up to ``--pyx12-max`` claims (about 700 claims/s: 1M claims would take 20 minutes a
  run); skipped with a note when pyx12 is not installed (``pip install pyx12==4.0.0``).

Inputs: ``benchmarks/generate.py`` 837D and JSONL files (3 % defective claims) at each
``--claims`` size, generated once into ``--data`` (the names ``run.py`` uses, so the two share
them), plus a 20-claim 837D file for the start-up measurement.

What it measures, all in one run:

1. the JSON report (``check FILE --format json``) of every claimlint variant on every input,
   once, untimed (it doubles as the warm-up: page cache, ``.pyc`` files in the run's own
   ``PYTHONPYCACHEPREFIX``; ``PYTHONDONTWRITEBYTECODE`` is dropped), streamed to a
   temporary file and hashed in chunks: pure and compiled must be byte-identical; ``today``
   may differ legitimately (rules were added since), which is reported, not failed. The run's
   ``claims_read`` is checked against the size;
2. throughput: ``check FILE --format json --exit-zero --jobs 1`` (``--timed-format jsonl`` for
   the streamed findings-only format), and ``--jobs 2`` for pure and
   compiled on the 837D file of ``--jobs-claims`` claims, round-robin (one repetition of every
   command, then the next, so a noisy neighbour hits all alike), ``--reps`` times; best and
   median wall seconds, claims/s and the ratio of medians against ``today`` and ``pure``;
3. start-up: ``check c20.837 --format text --exit-zero`` per variant, once untimed, then
   ``--startup-reps`` times round-robin, median.

Targets (issue 16), printed as met / not met and by how much: compiled ≥ 3× today on 837D and
JSONL, pure ≥ 1.5× today, start-up plus a 20-claim file ≤ 0.25 s, ``--jobs 2`` ≥ 1.7×
``--jobs 1``. Nothing is asserted about speed. The Markdown goes to stdout and to ``--out``
(default benchmarks/results.md) between ``<!-- speed -->`` and ``<!-- /speed -->`` only; the
rest of the file is left as it is. Exit 1 when pure and compiled reports differ, 2 on a usage
error or a variant that is not what it claims to be.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))  # sections.py, also under PYTHONSAFEPATH=1

from run import label_count  # noqa: E402  (run.py's file names: both share benchmarks/data)
from sections import replace_section  # noqa: E402

PY = sys.executable
STARTUP_CLAIMS = 20


class Refused(Exception):
    """A variant is not what it claims to be, or a path is wrong: exit 2 with the message."""


TARGET_COMPILED = 3.0
TARGET_PURE = 1.5
TARGET_STARTUP_S = 0.25
TARGET_JOBS = 1.7


# -- variants ------------------------------------------------------------------------------


@dataclass
class Variant:
    name: str
    python: str
    env: dict[str, str]
    what: str
    module_file: str = ""  # claimlint.x12.tokenizer.__file__, from the probe


#: where every variant's ``.pyc`` files go (set by main: a folder of the run's temporary cwd)
PYCACHE: Path | None = None


def _env(pythonpath: Path | None, safe: bool = False) -> dict[str, str]:
    """The variant's environment. Bytecode is cached (``PYTHONDONTWRITEBYTECODE`` dropped; this
    machine sets it) in the run's own ``PYTHONPYCACHEPREFIX``, as an installed package has its
    ``.pyc`` files: without them every run times the compiler (about 0.15 s of start-up)."""
    drop = ("PYTHONPATH", "PYTHONSAFEPATH", "PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    if PYCACHE is not None:
        env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    if safe:
        env["PYTHONSAFEPATH"] = "1"
    env.pop("CLAIMLINT_JOBS", None)
    return env


PROBE = (
    "import sys, claimlint, claimlint.x12.tokenizer as t;"
    "print(claimlint.__file__); print(t.__file__); print(sys.version.split()[0])"
)


def probe(variant: Variant, cwd: Path) -> tuple[str, str, str]:
    try:
        proc = subprocess.run(
            [variant.python, "-c", PROBE],
            capture_output=True,
            text=True,
            cwd=cwd,
            env=variant.env,
        )
    except OSError as exc:
        raise Refused(f"{variant.name}: cannot run {variant.python}: {exc}") from exc
    if proc.returncode != 0:
        raise Refused(
            f"{variant.name}: cannot import claimlint with {variant.python}: "
            f"{proc.stderr.strip()[-500:]}"
        )
    package, tokenizer, version = proc.stdout.split("\n")[:3]
    return package, tokenizer, version


def _under(path: str, folder: Path) -> bool:
    return Path(path).resolve().is_relative_to(folder.resolve())


def _git_commit(folder: Path) -> str:
    proc = subprocess.run(
        ["git", "-C", str(folder), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    return proc.stdout.strip() if proc.returncode == 0 else "?"


def variants(args: argparse.Namespace, cwd: Path, notes: list[str]) -> list[Variant]:
    """today, pure and compiled, each checked to import the claimlint it claims to."""
    found: list[Variant] = []
    base = args.baseline.resolve()
    if not (base / "claimlint" / "__init__.py").is_file():
        raise Refused(f"--baseline {base}: not a claimlint checkout (no claimlint/__init__.py)")
    found.append(Variant("today", PY, _env(base), f"{base} at {_git_commit(base)}, {PY}"))
    found.append(Variant("pure", PY, _env(ROOT), f"{ROOT} at {_git_commit(ROOT)}, {PY}"))
    if args.compiled is None:
        notes.append("compiled not measured: no `--compiled PY` given.")
    elif not Path(args.compiled).exists():
        notes.append(
            f"compiled not measured: `{args.compiled}` does not exist (build it as in "
            'docs/development.md, "Compiled build", then run again).'
        )
    else:
        # absolute, not resolved: a venv's python is a symlink to the base interpreter
        args.compiled = Path(os.path.abspath(args.compiled))
        found.append(
            Variant(
                "compiled",
                str(args.compiled),
                _env(None, safe=True),
                f"{args.compiled}, PYTHONSAFEPATH=1",
            )
        )
    this_version = platform.python_version()
    for v in found:
        package, tokenizer, version = probe(v, cwd)
        v.module_file = tokenizer
        compiled = tokenizer.endswith((".so", ".pyd"))
        if v.name == "today" and not _under(package, base):
            raise Refused(f"today imported claimlint from {package}, not from {base}")
        if v.name == "pure" and (not _under(package, ROOT) or compiled):
            raise Refused(f"pure imported {tokenizer}, not this checkout's pure sources")
        if v.name == "compiled":
            if not compiled:
                raise Refused(
                    f"--compiled {args.compiled} imports claimlint.x12.tokenizer from "
                    f"{tokenizer}: not a compiled build; refusing to report it as compiled"
                )
            v.what += f" ({Path(package).parent})"
        if version != this_version:
            notes.append(f"{v.name} runs Python {version}, the others {this_version}.")
    return found


# -- data ----------------------------------------------------------------------------------


def data_file(folder: Path, fmt: str, claims: int) -> Path:
    """The generated file (run.py's names, so the two runners share ``benchmarks/data``)."""
    suffix = ".jsonl" if fmt == "jsonl" else ".837"
    prefix = "p" if fmt == "837p" else "c"
    path = folder / f"{prefix}{label_count(claims)}{suffix}"
    if not path.exists():
        print(f"generating {path.name} ...", file=sys.stderr, flush=True)
        folder.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".part")
        subprocess.run(
            [
                PY,
                str(HERE / "generate.py"),
                "--claims",
                str(claims),
                "--format",
                fmt,
                "--out",
                str(partial),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        partial.rename(path)
    return path


def pyx12_version() -> str | None:
    proc = subprocess.run(
        [PY, "-c", "import pyx12; print(pyx12.__version__)"], capture_output=True, text=True
    )
    return (proc.stdout.strip() or None) if proc.returncode == 0 else None


# -- measuring -----------------------------------------------------------------------------


@dataclass
class Command:
    variant: str  # today, pure, compiled, raw floor, pyx12
    kind: str  # 837D, JSONL, 837P
    claims: int
    argv: list[str]
    env: dict[str, str]
    jobs: int = 1
    ok_marker: str | None = None
    times: list[float] = field(default_factory=list)
    failed: str | None = None

    @property
    def median(self) -> float | None:
        return statistics.median(self.times) if self.times else None

    @property
    def best(self) -> float | None:
        return min(self.times) if self.times else None


def measure(cmd: Command, cwd: Path) -> None:
    """One run, stdout to /dev/null: its wall time, or why it failed."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            cmd.argv, stdout=subprocess.DEVNULL, stderr=err, cwd=cwd, env=cmd.env
        )
        _, status, _usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        code = os.waitstatus_to_exitcode(status)
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    if code != 0 or (cmd.ok_marker and cmd.ok_marker not in stderr):
        cmd.failed = f"exit {code}: {stderr.strip()[-300:]}"
        return
    cmd.times.append(elapsed)


def round_robin(cmds: list[Command], reps: int, cwd: Path, what: str) -> None:
    for rep in range(reps):
        for c in cmds:
            if c.failed:
                continue
            jobs = f" --jobs {c.jobs}" if c.jobs != 1 else ""
            print(
                f"[{what} {rep + 1}/{reps}] {c.variant} {c.kind}{jobs} {label_count(c.claims)} ...",
                file=sys.stderr,
                flush=True,
            )
            measure(c, cwd)


CLAIMS_READ = re.compile(rb'"claims_read":\s*(\d+)')


@dataclass
class Report:
    digest: str | None = None
    claims_read: int | None = None
    failed: str | None = None


def json_report(v: Variant, path: Path, cwd: Path) -> Report:
    """``check FILE --format json`` once, streamed to a file, hashed in 1 MiB chunks."""
    out = cwd / "report.json"
    argv = [v.python, "-m", "claimlint", "check", str(path), "--format", "json", "--exit-zero"]
    argv += ["--jobs", "1"]
    try:
        with out.open("wb") as fh, tempfile.TemporaryFile() as err:
            proc = subprocess.run(argv, stdout=fh, stderr=err, cwd=cwd, env=v.env)
            err.seek(0)
            stderr = err.read().decode("utf-8", "replace")
        if proc.returncode != 0:
            return Report(failed=f"exit {proc.returncode}: {stderr.strip()[-300:]}")
        sha = hashlib.sha256()
        with out.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                sha.update(chunk)
            fh.seek(max(0, out.stat().st_size - 8192))
            match = CLAIMS_READ.search(fh.read())
        return Report(sha.hexdigest(), int(match.group(1)) if match else None)
    finally:
        out.unlink(missing_ok=True)


# -- rendering -----------------------------------------------------------------------------


def fmt_s(value: float | None) -> str:
    return "–" if value is None else f"{value:,.2f}"


def ratio(a: float | None, b: float | None) -> float | None:
    """How many times faster b is than a (a's seconds over b's)."""
    return a / b if a and b else None


def fmt_ratio(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}×"


def verdict(measured: float | None, goal: float, unit: str, lower: bool = False) -> str:
    """``met`` / ``**not met**`` and by how much."""
    if measured is None:
        return "not measured"
    gap = goal - measured if not lower else measured - goal
    pct = abs(measured / goal - 1) * 100
    amount = f"{abs(gap):.2f}{unit}"
    if (measured <= goal) if lower else (measured >= goal):
        return f"met, by {amount} ({pct:.0f} % {'under' if lower else 'over'} the target)"
    return f"**not met**, by {amount} ({pct:.0f} % {'over' if lower else 'short of'} the target)"


def render(
    args: argparse.Namespace,
    found: list[Variant],
    throughput: list[Command],
    startup: list[Command],
    reports: dict[tuple[str, str, int], Report],
    notes: list[str],
    load: tuple[tuple[float, ...], tuple[float, ...]],
    took: float,
) -> tuple[str, bool]:
    lines: list[str] = []
    add = lines.append
    sizes = ", ".join(f"{n:,}" for n in args.claims)
    command = " ".join(["python benchmarks/speed.py", *(args.argv or [])])
    add(f"`{command}`")
    add("")
    uname = platform.uname()
    add(
        f"{dt.datetime.now().strftime('%Y-%m-%d %H:%M')}; Python {platform.python_version()}, "
        f"{uname.system} {uname.machine}, {os.cpu_count()} CPUs ({_cpu_model()}); load average "
        f"{_load(load[0])} before and {_load(load[1])} after ({_duration(took)}). "
        f"{sizes} claims (3 % defective), 837D and JSONL; median and best of {args.reps} "
        "round-robin runs; wall time of the whole process, interpreter start included, "
        "bytecode cached (`.pyc` in a private `PYTHONPYCACHEPREFIX`, warmed by an untimed run), "
        "stdout to /dev/null; `check FILE --format "
        f"{args.timed_format} --exit-zero --jobs 1` unless said otherwise."
    )
    add("")
    for v in found:
        add(f"- `{v.name}`: {v.what}")
    add("")

    def cmd(variant: str, kind: str, n: int, jobs: int = 1) -> Command | None:
        for c in throughput:
            if (c.variant, c.kind, c.claims, c.jobs) == (variant, kind, n, jobs):
                return c
        return None

    def med(variant: str, kind: str, n: int, jobs: int = 1) -> float | None:
        c = cmd(variant, kind, n, jobs)
        return c.median if c and not c.failed else None

    add(
        "`vs today` and `vs pure` are that variant's median seconds over this row's on the same "
        "file (the pyx12 row: on the 837D file of the same size); above 1× is faster."
    )
    add("")
    add("| Variant | Input | Claims | Median s | Best s | Claims/s | vs today | vs pure |")
    add("|---|---|---:|---:|---:|---:|---:|---:|")
    for c in throughput:
        if c.jobs != 1:
            continue
        name = c.variant if c.kind != "837P" else f"{c.variant} (837P)"
        if c.failed:
            add(f"| {name} | {c.kind} | {c.claims:,} | failed | | | | |")
            continue
        same_kind = "837D" if c.kind == "837P" else c.kind
        today, pure = med("today", same_kind, c.claims), med("pure", same_kind, c.claims)
        rate = c.claims / c.median if c.median else None
        add(
            f"| {name} | {c.kind} | {c.claims:,} | {fmt_s(c.median)} | {fmt_s(c.best)} | "
            f"{'–' if rate is None else f'{rate:,.0f}'} | {fmt_ratio(ratio(today, c.median))} | "
            f"{fmt_ratio(ratio(pure, c.median))} |"
        )
    add("")

    # the same output
    identical = True
    if reports:
        add("JSON report (`--format json`, sha256 of the whole output, one untimed run each):")
        add("")
        add("| Input | Claims | claims read | pure = compiled | today = pure |")
        add("|---|---:|---|---|---|")
        for n in args.claims:
            for kind in ("837D", "JSONL"):
                got = {v: reports.get((v, kind, n)) for v in ("today", "pure", "compiled")}
                read = sorted(
                    {
                        f"{v}: {r.failed or r.claims_read}"
                        for v, r in got.items()
                        if r and (r.failed or r.claims_read != n)
                    }
                )
                r_pure, r_comp, r_today = got["pure"], got["compiled"], got["today"]
                if r_comp is None:
                    same = "compiled not run"
                elif r_pure and r_comp.digest and r_comp.digest == r_pure.digest:
                    same = "identical"
                else:
                    same = "**DIFFERENT**"
                    identical = False
                if not (r_today and r_pure and r_today.digest and r_pure.digest):
                    old = "not compared"
                else:
                    old = "identical" if r_today.digest == r_pure.digest else "differs"
                add(
                    f"| {kind} | {n:,} | {'all ' + f'{n:,}' if not read else '; '.join(read)} "
                    f"| {same} | {old} |"
                )
        add("")
        add(
            "`today` may differ from `pure` legitimately: rules were added and messages changed "
            "since the baseline; pure and compiled must not."
        )
        add("")

    # start-up
    add(
        f"Start-up plus a {STARTUP_CLAIMS}-claim 837D file (`check c{STARTUP_CLAIMS}.837 "
        f"--format text --exit-zero`), median of {args.startup_reps} round-robin runs:"
    )
    add("")
    add("| Variant | Median s | Best s | ≤ 0.25 s |")
    add("|---|---:|---:|---|")
    for c in startup:
        if c.failed:
            add(f"| {c.variant} | failed | | |")
        else:
            add(
                f"| {c.variant} | {c.median:.3f} | {c.best:.3f} | "
                f"{verdict(c.median, TARGET_STARTUP_S, ' s', lower=True)} |"
            )
    add("")

    # jobs
    jn = args.jobs_claims
    jobs_rows = [
        (v.name, med(v.name, "837D", jn, 1), med(v.name, "837D", jn, 2))
        for v in found
        if cmd(v.name, "837D", jn, 2)
    ]
    if jobs_rows:
        add(f"`--jobs 2` against `--jobs 1` on the {jn:,}-claim 837D file (medians, same rounds):")
        add("")
        add("| Variant | `--jobs 1` s | `--jobs 2` s | speed-up |")
        add("|---|---:|---:|---:|")
        for name, one, two in jobs_rows:
            add(f"| {name} | {fmt_s(one)} | {fmt_s(two)} | {fmt_ratio(ratio(one, two))} |")
        add("")

    # targets
    add("| Target | Measured | Result |")
    add("|---|---:|---|")
    names = {v.name for v in found}
    for n in args.claims:
        for kind in ("837D", "JSONL"):
            for name, goal in (("compiled", TARGET_COMPILED), ("pure", TARGET_PURE)):
                if name not in names:
                    add(f"| {name} ≥ {goal}× today, {kind}, {n:,} | – | not measured |")
                    continue
                r = ratio(med("today", kind, n), med(name, kind, n))
                add(
                    f"| {name} ≥ {goal}× today, {kind}, {n:,} | {fmt_ratio(r)} | "
                    f"{verdict(r, goal, '×')} |"
                )
    for c in startup:
        add(
            f"| start-up + {STARTUP_CLAIMS} claims ≤ 0.25 s, {c.variant} | "
            f"{'–' if c.median is None else f'{c.median:.3f} s'} | "
            f"{verdict(c.median, TARGET_STARTUP_S, ' s', lower=True)} |"
        )
    for name, one, two in jobs_rows:
        r = ratio(one, two)
        add(
            f"| `--jobs 2` ≥ 1.7× `--jobs 1`, {name}, 837D {jn:,} | {fmt_ratio(r)} | "
            f"{verdict(r, TARGET_JOBS, '×')} |"
        )
    if reports and "compiled" in names:
        result = "met" if identical else "**not met**"
        add(
            f"| pure and compiled JSON byte-identical | {'yes' if identical else 'no'} | {result} |"
        )
    add("")
    for c in [*throughput, *startup]:
        if c.failed:
            notes.append(f"{c.variant} {c.kind} {c.claims:,} (jobs {c.jobs}) failed: {c.failed}")
    for note in notes:
        add(f"- {note}")
    return "\n".join(lines).rstrip() + "\n", identical


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"


def _load(values: tuple[float, ...]) -> str:
    return " / ".join(f"{x:.2f}" for x in values)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


# -- main ----------------------------------------------------------------------------------


def _sizes(values: list[str]) -> list[int]:
    sizes: list[int] = []
    for value in values:
        for part in value.split(","):
            part = part.strip().lower().replace("_", "")
            if not part:
                continue
            scale = {"k": 1000, "m": 1_000_000}.get(part[-1], 1)
            number = int(part[:-1] if scale != 1 else part) * scale
            if number < 1:
                raise argparse.ArgumentTypeError(f"--claims {value}: sizes are positive")
            if number not in sizes:
                sizes.append(number)
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="claimlint speed: today, pure, compiled, raw floor and pyx12 in one run"
    )
    parser.add_argument("--baseline", type=Path, required=True, help="pre-issue-16 checkout")
    parser.add_argument("--compiled", type=Path, default=None, help="python of a compiled build")
    parser.add_argument(
        "--claims",
        nargs="+",
        default=["100000", "1000000"],
        help="sizes, e.g. 100000 1000000 or 100k,1M",
    )
    parser.add_argument("--reps", type=int, default=3, help="throughput runs per command")
    parser.add_argument("--startup-reps", type=int, default=20)
    parser.add_argument(
        "--jobs-claims", type=int, default=None, help="837D size for --jobs (default 100k)"
    )
    parser.add_argument(
        "--timed-format",
        choices=["json", "jsonl"],
        default="json",
        help="output format of the timed runs (the identity check is always json)",
    )
    parser.add_argument("--pyx12-max", type=int, default=100_000, help="largest pyx12 size")
    parser.add_argument("--no-pyx12", action="store_true")
    parser.add_argument("--no-identity", action="store_true", help="skip the JSON comparison")
    parser.add_argument("--data", type=Path, default=HERE / "data")
    parser.add_argument("--out", type=Path, default=HERE / "results.md")
    args = parser.parse_args(argv)
    args.argv = sys.argv[1:] if argv is None else argv
    try:
        args.claims = _sizes(args.claims)
    except (ValueError, argparse.ArgumentTypeError) as exc:
        parser.error(f"--claims: {exc}")
    if args.reps < 1 or args.startup_reps < 1:
        parser.error("--reps and --startup-reps are at least 1")
    if args.jobs_claims is None:
        args.jobs_claims = 100_000 if 100_000 in args.claims else min(args.claims)
    elif args.jobs_claims not in args.claims:
        args.claims.append(args.jobs_claims)

    notes: list[str] = []
    started = time.perf_counter()
    load_before = os.getloadavg()
    cwd = Path(tempfile.mkdtemp(prefix="claimlint-speed-"))
    global PYCACHE
    PYCACHE = cwd / "pycache"
    try:
        try:
            found = variants(args, cwd, notes)
        except Refused as exc:
            print(f"speed.py: {exc}", file=sys.stderr)
            return 2
        files = {
            (kind, n): data_file(args.data, fmt, n)
            for n in args.claims
            for kind, fmt in (("837D", "837"), ("JSONL", "jsonl"))
        }
        small = data_file(args.data, "837", STARTUP_CLAIMS)

        def lint(v: Variant, path: Path, *extra: str) -> list[str]:
            return [v.python, "-m", "claimlint", "check", str(path), "--format", *extra]

        throughput: list[Command] = []
        for n in args.claims:
            for kind in ("837D", "JSONL"):
                path = files[(kind, n)]
                for v in found:
                    argv = lint(v, path, args.timed_format, "--exit-zero", "--jobs", "1")
                    throughput.append(Command(v.name, kind, n, argv, v.env))
                    if kind == "837D" and n == args.jobs_claims and v.name != "today":
                        argv = lint(v, path, args.timed_format, "--exit-zero", "--jobs", "2")
                        throughput.append(Command(v.name, kind, n, argv, v.env, jobs=2))
                floor = [PY, str(HERE / "raw_floor.py"), str(path)]
                throughput.append(Command("raw floor", kind, n, floor, _env(None)))
        version = None if args.no_pyx12 else pyx12_version()
        if args.no_pyx12:
            notes.append("pyx12 not measured (`--no-pyx12`).")
        elif version is None:
            notes.append("pyx12 not measured: it is not installed (`pip install pyx12==4.0.0`).")
        else:
            for n in args.claims:
                if n > args.pyx12_max:
                    notes.append(
                        f"pyx12 not run at {n:,} claims (`--pyx12-max {args.pyx12_max:,}`; "
                        "about 700 claims/s)."
                    )
                    continue
                p837 = data_file(args.data, "837p", n)
                argv = [PY, "-m", "pyx12.scripts.x12valid", str(p837)]
                throughput.append(
                    Command(f"pyx12 {version}", "837P", n, argv, _env(None), ok_marker=": OK")
                )
        startup = [
            Command(v.name, "837D", STARTUP_CLAIMS, lint(v, small, "text", "--exit-zero"), v.env)
            for v in found
        ]

        reports: dict[tuple[str, str, int], Report] = {}
        if args.no_identity:
            notes.append("JSON reports not compared (`--no-identity`).")
        else:
            for (kind, n), path in files.items():
                for v in found:
                    print(f"[report] {v.name} {kind} {label_count(n)} ...", file=sys.stderr)
                    reports[(v.name, kind, n)] = json_report(v, path, cwd)
        round_robin(throughput, args.reps, cwd, "throughput")
        for c in startup:  # warm-up, untimed: the .pyc files exist before the first timed run
            measure(c, cwd)
            c.times.clear()
        round_robin(startup, args.startup_reps, cwd, "start-up")
    finally:
        shutil.rmtree(cwd, ignore_errors=True)

    text, identical = render(
        args,
        found,
        throughput,
        startup,
        reports,
        notes,
        (load_before, os.getloadavg()),
        time.perf_counter() - started,
    )
    print(text)
    replace_section(args.out, "speed", text)
    print(f"(written to {args.out}, between <!-- speed --> and <!-- /speed -->)", file=sys.stderr)
    if not identical:
        print("pure and compiled JSON reports differ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
