"""The example job's command line (``python -m claimlint.spark``; docs/spark.md)."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Sequence

from claimlint.core.config import ConfigError, load_config
from claimlint.core.findings import Severity


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m claimlint.spark",
        description="Lint 837D or JSONL claim files with claimlint on Spark.",
    )
    p.add_argument("paths", nargs="+", help="files or folders (any path Spark reads)")
    p.add_argument("--out", required=True, help="output folder: OUT/findings, OUT/verdicts")
    p.add_argument("--input", choices=("x12", "jsonl"), default="x12", help="input kind")
    p.add_argument(
        "--format", choices=("jsonl", "parquet"), default="jsonl", help="findings output format"
    )
    p.add_argument("--config", help="claimlint.toml (default: found from the current folder)")
    p.add_argument("--master", help="Spark master when not run by spark-submit (local[2])")
    p.add_argument("--today", help=argparse.SUPPRESS)  # fix 'today' (YYYY-MM-DD) for tests
    p.add_argument("--fail-on", choices=("error", "warning", "info"), help="exit 1 at or above")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        print(f"claimlint.spark: {exc}", file=sys.stderr)
        return 2
    if args.today:
        config.today = dt.date.fromisoformat(args.today)
    if args.fail_on:
        config.fail_on = Severity.parse(args.fail_on)
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        print(
            "claimlint.spark: pyspark is not installed (pip install 'dental-claimlint[spark]')",
            file=sys.stderr,
        )
        return 2
    from claimlint.spark.job import lint_json_claims, lint_x12_files, read_jsonl

    # local mode: the workers run this interpreter (where claimlint is installed)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    # a session already running in this process (a notebook, a test) is used and left open
    owned = SparkSession.getActiveSession() is None
    builder = SparkSession.builder.appName("claimlint").config(
        "spark.ui.showConsoleProgress", "false"
    )
    if args.master:
        builder = builder.master(args.master)
    spark = builder.getOrCreate()
    try:
        if args.input == "x12":
            result = lint_x12_files(spark, args.paths, config=config)
        else:
            result = lint_json_claims(spark, read_jsonl(spark, args.paths), config=config)
        findings_out, verdicts_out = f"{args.out}/findings", f"{args.out}/verdicts"
        if args.format == "jsonl":
            result.jsonl.write.mode("overwrite").text(findings_out)
            result.verdicts.write.mode("overwrite").json(verdicts_out)
        else:
            result.findings.write.mode("overwrite").parquet(findings_out)
            result.verdicts.write.mode("overwrite").parquet(verdicts_out)
        errors = [row["message"] for row in result.errors.collect()]
        summary = result.summary()
        rejected = result.verdicts.where("verdict = 'reject'").count()
        failing = result.findings.where(
            result.findings.severity.isin(
                [s.value for s in Severity if s.rank >= config.fail_on.rank]
            )
        ).count()
        result.events.unpersist()
    finally:
        if owned:
            spark.stop()
    for message in errors:
        print(f"claimlint.spark: {message}", file=sys.stderr)
    print(
        f"claimlint.spark: {summary['claims_read']:,} claims read, "
        f"{summary['claims_linted']:,} linted, {summary['claims_unparsable']:,} not linted; "
        f"{rejected:,} rejected; findings in {findings_out}, verdicts in {verdicts_out}",
        file=sys.stderr,
    )
    if errors:
        return 2
    return 1 if failing else 0
