"""Peak memory of ``claimlint check`` with the streamed formats (issue 15, docs/memory.md).

    python benchmarks/memory.py --claims 1000000            # the full matrix, 1M claims
    python benchmarks/memory.py --claims 1000000 --baseline /work/main   # and main's figures
    python benchmarks/memory.py --claims 2000 --smoke       # a quick check that it runs

For each input (a generated 837D file and a generated JSONL file with 3 % defective claims,
benchmarks/generate.py), each of ``--format jsonl``, ``json`` and ``sarif``, without and with
the demo's payer profiles (fixtures/demo/claimlint.toml), it runs ``python -m claimlint check``
as a child process with stdout to /dev/null and reads the child's peak resident set size from
``os.wait4`` (``ru_maxrss``). ``--baseline SRC`` runs the same commands a second time with
``PYTHONPATH=SRC`` (another checkout, e.g. main) in the same run. The inputs are generated into
``--data`` (a temporary folder by default) and never committed.

The table goes to stdout and, with ``--out``, replaces the section between
``<!-- memory -->`` and ``<!-- /memory -->`` of that file (benchmarks/results.md).
Measured, never asserted: the target (≤ 100 MB) is printed as met or not.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEMO_CONFIG = ROOT / "fixtures" / "demo" / "claimlint.toml"
TARGET_MB = 100.0
FORMATS = ("jsonl", "json", "sarif")

sys.path.insert(0, str(HERE))
import generate  # noqa: E402

sys.path.pop(0)


@dataclass
class Row:
    label: str
    input: str
    claims: int
    fmt: str
    profiles: bool
    seconds: float
    peak_mb: float
    exit: int
    base_mb: float | None = None


def run_child(cmd: list[str], env: dict[str, str]) -> tuple[int, float, float]:
    """(exit code, seconds, peak RSS in MB) of one child, stdout to /dev/null."""
    start = time.perf_counter()
    with open(os.devnull, "wb") as devnull:
        proc = subprocess.Popen(cmd, stdout=devnull, stderr=subprocess.PIPE, env=env)
        assert proc.stderr is not None
        proc.stderr.read()  # notes; drained so that the child never blocks
        _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, seconds, usage.ru_maxrss / 1024  # Linux: kilobytes


def command(path: Path, fmt: str, profiles: bool) -> list[str]:
    cmd = [sys.executable, "-m", "claimlint", "check", "--quiet", str(path), "--format", fmt]
    if profiles:
        cmd += ["--config", str(DEMO_CONFIG)]
    return cmd


def env_for(src: Path | None) -> dict[str, str]:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    if src is not None:
        env["PYTHONPATH"] = str(src)
    else:
        env["PYTHONPATH"] = str(ROOT)
    return env


def measure(args: argparse.Namespace, data: Path) -> list[Row]:
    rows: list[Row] = []
    inputs = []
    for kind, suffix in (("837", "837"), ("jsonl", "jsonl")):
        if kind not in args.inputs.split(","):
            continue
        path = data / f"m{args.claims}.{suffix}"
        if not path.exists():
            generate.generate(kind, args.claims, path, seed=1, defect_pct=3.0)
        inputs.append(("837D" if kind == "837" else "JSONL", path))
    formats = args.formats.split(",")
    for label, path in inputs:
        for profiles in [p == "demo" for p in args.profiles.split(",")]:
            for fmt in formats:
                cmd = command(path, fmt, profiles)
                code, seconds, peak = run_child(cmd, env_for(None))
                row = Row(label, path.name, args.claims, fmt, profiles, seconds, peak, code)
                if args.baseline:
                    _, _, row.base_mb = run_child(cmd, env_for(Path(args.baseline)))
                rows.append(row)
                print(_line(row, bool(args.baseline)), flush=True)
    return rows


def _line(r: Row, baseline: bool) -> str:
    met = "met" if r.peak_mb <= TARGET_MB else "**not met**"
    cells = [
        r.label,
        f"{r.claims:,}",
        f"`{r.fmt}`",
        "demo" if r.profiles else "none",
        f"{r.seconds:.1f}",
        f"{r.peak_mb:.1f}",
    ]
    if baseline:
        cells.append("" if r.base_mb is None else f"{r.base_mb:.1f}")
    cells += [met, str(r.exit)]
    return "| " + " | ".join(cells) + " |"


def table(rows: list[Row], baseline: bool, note: str) -> str:
    head = ["Input", "Claims", "Format", "Profiles", "Seconds", "Peak RSS MB"]
    if baseline:
        head.append("main MB")
    head += ["≤ 100 MB", "Exit"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += [_line(r, baseline) for r in rows]
    return "\n".join(lines) + "\n\n" + note + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, default=1_000_000)
    parser.add_argument("--formats", default=",".join(FORMATS))
    parser.add_argument("--inputs", default="837,jsonl", help="837 and/or jsonl")
    parser.add_argument("--profiles", default="none,demo", help="none and/or demo")
    parser.add_argument("--data", type=Path, default=None, help="folder for generated inputs")
    parser.add_argument("--baseline", default=None, help="another checkout to compare (main)")
    parser.add_argument("--out", type=Path, default=None, help="results file to update")
    parser.add_argument("--smoke", action="store_true", help="no --out, small sizes welcome")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="claimlint-mem-") as tmp:
        data = args.data or Path(tmp)
        data.mkdir(parents=True, exist_ok=True)
        rows = measure(args, data)
    load = os.getloadavg()[0]
    note = (
        f"{time.strftime('%Y-%m-%d')}, Python {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, load average "
        f"{load:.1f} at the end; one run each, `--jobs 1`, peak RSS of the child "
        "(`os.wait4`), stdout to /dev/null."
    )
    text = table(rows, bool(args.baseline), note)
    print()
    print(text)
    if args.out is not None and not args.smoke:
        _update(args.out, text, args.claims)
    return 0


def _update(path: Path, text: str, claims: int) -> None:
    begin, end = f"<!-- memory {claims} -->", f"<!-- /memory {claims} -->"
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    block = f"{begin}\n{text}{end}\n"
    if begin in old and end in old:
        head, _, rest = old.partition(begin)
        _, _, tail = rest.partition(end + "\n")
        path.write_text(head + block + tail, encoding="utf-8")
    else:
        path.write_text(old.rstrip("\n") + "\n\n" + block, encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
