"""Pure against compiled (issue 16 part 2): the same `claimlint check` in two environments.

    python benchmarks/compiled.py                       # 100k claims, 837D and JSONL, 3 reps
    python benchmarks/compiled.py --claims 1000 --reps 1

``--pure`` (default ``.venv/bin/python``) is an environment with the pure build,
``--compiled`` (default ``.venv-mypyc/bin/python``) one built with ``CLAIMLINT_MYPYC=1``
(docs/development.md). Each run is ``python -m claimlint check FILE --format json --exit-zero``
in a separate process with ``PYTHONSAFEPATH=1`` (so neither picks up the repository's sources
by accident), round-robin: one repetition of every command, then the next, so a noisy
neighbour hits both alike; each row is the median wall time. The JSON reports of the two
builds must be byte-identical, or the script says so and exits 1. Prints a Markdown table;
nothing is asserted about speed.
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


def _run(python: Path, path: Path, out: Path) -> float:
    env = dict(os.environ, PYTHONSAFEPATH="1")
    start = time.perf_counter()
    with out.open("wb") as fh:
        subprocess.run(
            [str(python), "-m", "claimlint", "check", str(path), "--format", "json", "--exit-zero"],
            stdout=fh,
            check=True,
            cwd=tempfile.gettempdir(),
            env=env,
        )
    return time.perf_counter() - start


def _compiled(python: Path) -> bool:
    probe = "import claimlint.x12.tokenizer as t; print(t.__file__.endswith('.so'))"
    env = dict(os.environ, PYTHONSAFEPATH="1")
    proc = subprocess.run(
        [str(python), "-c", probe], capture_output=True, text=True, check=True, env=env
    )
    return proc.stdout.strip() == "True"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--pure", type=Path, default=ROOT / ".venv" / "bin" / "python")
    parser.add_argument("--compiled", type=Path, default=ROOT / ".venv-mypyc" / "bin" / "python")
    parser.add_argument("--data", type=Path, default=HERE / "data")
    args = parser.parse_args()
    if _compiled(args.pure) or not _compiled(args.compiled):
        print("--pure must be a pure build and --compiled a compiled one", file=sys.stderr)
        return 2
    args.data.mkdir(parents=True, exist_ok=True)
    files = {}
    for fmt, suffix in (("837", ".837"), ("jsonl", ".jsonl")):
        path = args.data / f"c{args.claims}{suffix}"
        if not path.exists():
            command = [sys.executable, str(HERE / "generate.py"), "--claims", str(args.claims)]
            command += ["--format", fmt, "--out", str(path)]
            subprocess.run(
                command,
                check=True,
                stdout=subprocess.DEVNULL,
            )
        files[fmt] = path
    builds = {"pure": args.pure, "compiled": args.compiled}
    times: dict[tuple[str, str], list[float]] = {}
    digests: dict[str, set[str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.reps):
            for fmt, path in files.items():
                for build, python in builds.items():
                    out = Path(tmp) / f"{build}-{fmt}.json"
                    seconds = _run(python, path, out)
                    times.setdefault((fmt, build), []).append(seconds)
                    print(f"{build} {fmt}: {seconds:.2f} s", file=sys.stderr, flush=True)
                    digest = hashlib.sha256(out.read_bytes()).hexdigest()
                    digests.setdefault(fmt, set()).add(digest)
    print(f"{args.claims:,} claims, median of {args.reps}, `check --format json` (wall seconds)\n")
    print("| input | pure s | compiled s | pure claims/s | compiled claims/s | compiled/pure |")
    print("|---|---:|---:|---:|---:|---:|")
    identical = True
    for fmt in files:
        pure = statistics.median(times[(fmt, "pure")])
        comp = statistics.median(times[(fmt, "compiled")])
        print(
            f"| {'837D' if fmt == '837' else 'JSONL'} | {pure:.2f} | {comp:.2f} | "
            f"{args.claims / pure:,.0f} | {args.claims / comp:,.0f} | {pure / comp:.2f}× |"
        )
        identical = identical and len(digests[fmt]) == 1
    print(f"\nJSON reports byte-identical across builds and repetitions: {identical}")
    return 0 if identical else 1


if __name__ == "__main__":
    raise SystemExit(main())
