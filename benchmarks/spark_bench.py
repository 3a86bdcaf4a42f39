"""Spark local mode against the single-process CLI on the same claims (issue 15, part 2).

    python benchmarks/spark_bench.py --claims 100000 --master 'local[2]'

Generates an 837D file and a JSONL file of ``--claims`` claims (3 % defective; benchmarks/
generate.py), then times ``claimlint check --format jsonl`` (one process) and
``claimlint.spark`` (``lint_x12_files`` / ``read_jsonl`` + ``lint_json_claims``, the findings
written as JSONL) on each, checks that both give the same finding lines, and prints a
Markdown table. Spark's session start is timed apart. Not a test: figures depend on the
machine and its load (``os.getloadavg`` is printed with them).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import generate  # noqa: E402


def cli(path: Path, out: Path) -> float:
    start = time.perf_counter()
    with out.open("w") as fh:
        proc = subprocess.run(
            [sys.executable, "-m", "claimlint", "check", "--format", "jsonl", str(path)],
            stdout=fh,
            cwd=path.parent,
            check=False,
        )
    assert proc.returncode in (0, 1)
    return time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--claims", type=int, default=100_000)
    ap.add_argument("--master", default="local[2]")
    args = ap.parse_args()
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    from claimlint.core.config import Config
    from claimlint.spark import lint_json_claims, lint_x12_files, read_jsonl

    work = Path(tempfile.mkdtemp(prefix="claimlint-spark-bench-"))
    os.chdir(work)
    rows = []
    try:
        t0 = time.perf_counter()
        spark = (
            SparkSession.builder.master(args.master)
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "8")
            .config("spark.driver.memory", "2g")
            .getOrCreate()
        )
        spark.sparkContext.setLogLevel("ERROR")
        session = time.perf_counter() - t0
        for fmt, name in (("837", "claims.837"), ("jsonl", "claims.jsonl")):
            path = work / name
            generate.generate(fmt, args.claims, path, seed=1)
            want = work / f"{name}.cli.jsonl"
            t_cli = cli(path, want)
            t0 = time.perf_counter()
            if fmt == "837":
                result = lint_x12_files(spark, [str(path)], config=Config())
            else:
                claims = read_jsonl(spark, [str(path)])
                result = lint_json_claims(spark, claims, config=Config())
            out = work / f"{name}.spark"
            result.jsonl.write.mode("overwrite").text(str(out))
            t_spark = time.perf_counter() - t0
            got = sorted(line for p in out.glob("part-*") for line in p.read_text().splitlines())
            same = got == sorted(want.read_text().splitlines())
            rows.append((name, args.claims, t_cli, t_spark, len(got), same))
            result.events.unpersist()
        spark.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"cores: {os.cpu_count()}; load average before the last run: {load}")
    print(f"Spark session start ({args.master}): {session:.1f} s (not in the figures below)\n")
    print("| input | claims | CLI, one process | Spark " + args.master + " | findings | same |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    for name, n, a, b, k, same in rows:
        print(f"| {name} | {n:,} | {a:.1f} s | {b:.1f} s | {k:,} | {'yes' if same else 'NO'} |")
    return 0 if all(r[5] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
