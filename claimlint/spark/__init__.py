"""claimlint on Spark (the ``spark`` extra: ``pip install 'dental-claimlint[spark]'``).

    from claimlint.spark import lint_x12_files, lint_json_claims, read_jsonl
    result = lint_x12_files(spark, ["s3://bucket/837/"])
    result.findings.write.parquet("findings")     # the columns of --format jsonl
    result.verdicts.write.parquet("verdicts")     # one row per claim: accept / reject

The job: ``spark-submit -m claimlint.spark`` or ``python -m claimlint.spark`` (docs/spark.md).
The engine is the CLI's (``claimlint.running.lint.lint_claim``); see ``claimlint.spark.job``.
"""

from __future__ import annotations

from typing import Any

__all__ = ["SparkResult", "lint_json_claims", "lint_x12_files", "read_jsonl"]


def __getattr__(name: str) -> Any:
    # pyspark is imported only when the Spark API is used (the extra is optional)
    if name in __all__:
        from claimlint.spark import job

        return getattr(job, name)
    raise AttributeError(name)
