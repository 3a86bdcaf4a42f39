"""Issue 16 part 1: main against this checkout, back to back, on the same generated files.

    python benchmarks/lean.py                      # 100k claims, 3 rounds
    python benchmarks/lean.py --claims 2000 --rounds 1 --baseline /work/main

Both sides run ``python -m claimlint check FILE --format json --exit-zero`` with this
interpreter; ``--baseline`` is a checkout of main put first on ``PYTHONPATH`` (the same
dependencies), the other side is this checkout. The commands alternate (main, this, main,
this …) so that a noisy neighbour hits both alike; each row is the median wall time, and the
ratio is taken per round (main's time over this checkout's time in the same round) and its
median reported. The JSON output of both sides is compared byte for byte. Not a timed test:
the figures go to benchmarks/results.md by hand.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def run(checkout: Path, path: Path) -> tuple[float, str]:
    env = dict(os.environ, PYTHONPATH=str(checkout))
    argv = [sys.executable, "-m", "claimlint", "check", str(path), "--format", "json"]
    start = time.perf_counter()
    proc = subprocess.run(
        [*argv, "--exit-zero"], env=env, cwd=checkout, capture_output=True, check=False
    )
    took = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{checkout}: exit {proc.returncode}: {proc.stderr.decode()[-2000:]}")
    return took, hashlib.sha256(proc.stdout).hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", type=Path, default=Path("/work/main"))
    args = parser.parse_args()
    sides = {"main": args.baseline.resolve(), "lean": ROOT}
    with tempfile.TemporaryDirectory() as tmp:
        files = {}
        for fmt, ext in (("837", "837"), ("jsonl", "jsonl")):
            out = Path(tmp) / f"c.{ext}"
            subprocess.run(
                [
                    sys.executable,
                    str(HERE / "generate.py"),
                    "--claims",
                    str(args.claims),
                    "--format",
                    fmt,
                    "--out",
                    str(out),
                ],
                check=True,
            )
            files[fmt] = out
        print(f"load before: {os.getloadavg()}")
        print("| file | main claims/s | lean claims/s | ratio (median per round) | same JSON |")
        print("|---|---:|---:|---:|---|")
        for fmt, path in files.items():
            times: dict[str, list[float]] = {name: [] for name in sides}
            digests: dict[str, set[str]] = {name: set() for name in sides}
            ratios = []
            for _ in range(args.rounds):
                for name, checkout in sides.items():
                    took, digest = run(checkout, path)
                    times[name].append(took)
                    digests[name].add(digest)
                ratios.append(times["main"][-1] / times["lean"][-1])
            rate = {n: args.claims / statistics.median(t) for n, t in times.items()}
            same = digests["main"] == digests["lean"] and len(digests["main"]) == 1
            print(
                f"| {args.claims} {fmt} | {rate['main']:,.0f} | {rate['lean']:,.0f} | "
                f"{statistics.median(ratios):.2f}× | {'yes' if same else 'NO'} |"
            )
        print(f"load after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
