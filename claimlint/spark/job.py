"""Lint Spark DataFrames of claims with the engine, as Spark jobs (needs pyspark: the ``spark``
extra).

The map side is ``claimlint.spark.executor`` inside ``mapInPandas``: each part (an 837D file
cut at transaction sets, or a JSON claim of a string column) is read by the project's reader
and linted by ``running.lint.lint_claim``; the configuration, the selected checks, the payer
profiles and the history store are broadcast once. Batch rules (across claims) run as Spark
aggregations over what their ``collect`` returned on the map side, never on the driver:

* a rule with first-seen keys (``Check.first_keys``: CL412 duplicates) — ``groupBy`` each
  key to its first claim in report order, join that back to the later claims with the key,
  and run the rule's ``check`` per claim with those first occurrences seeded;
* any other batch rule (CL413, plugins) — one ``groupBy`` group per rule, where its ``check``
  runs over the claims in report order and then its ``finish`` (one task per rule holds the
  few values the rule collects).

Findings get the CLI's fingerprints (the occurrence counter is a window over the report
order), and are sorted in the CLI's report order: the same rows ``claimlint check --format
jsonl`` writes for the same files in name order.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

from claimlint.core.config import Config
from claimlint.core.findings import Severity
from claimlint.running.engine import Engine
from claimlint.spark import executor as ex

_KEY = T.StructType(
    [
        T.StructField("rule", T.StringType()),
        T.StructField("key", T.StringType()),
        T.StructField("idx", T.LongType()),
        T.StructField("value", T.BinaryType()),
    ]
)
_FOLD = T.StructType([T.StructField("rule", T.StringType()), T.StructField("blob", T.BinaryType())])

#: the map side's rows (``executor.EVENT_COLUMNS``) plus each finding's location key
EVENTS = T.StructType(
    [
        T.StructField("kind", T.StringType()),
        T.StructField("file", T.StringType()),
        T.StructField("part", T.LongType()),
        T.StructField("pos", T.LongType()),
        T.StructField("sub", T.LongType()),
        T.StructField("owner", T.LongType()),
        T.StructField("claim_id", T.StringType()),
        T.StructField("parsed", T.BooleanType()),
        T.StructField("finding", T.BinaryType()),
        T.StructField("code", T.StringType()),
        T.StructField("severity", T.StringType()),
        T.StructField("loc_file", T.StringType()),
        T.StructField("loc_claim_id", T.StringType()),
        T.StructField("loc_line", T.LongType()),
        T.StructField("loc_field", T.StringType()),
        T.StructField("collected", T.BinaryType()),
        T.StructField("keys", T.ArrayType(_KEY)),
        T.StructField("fold", T.ArrayType(_FOLD)),
        T.StructField("message", T.StringType()),
    ]
)

_POSITION = T.StructType(
    [
        T.StructField("line", T.LongType()),
        T.StructField("column", T.LongType()),
        T.StructField("pointer", T.StringType()),
        T.StructField("segment_index", T.LongType()),
        T.StructField("segment_id", T.StringType()),
    ]
)
#: the findings DataFrame: the columns of a ``--format jsonl`` line
FINDINGS = T.StructType(
    [
        T.StructField("code", T.StringType()),
        T.StructField("name", T.StringType()),
        T.StructField("severity", T.StringType()),
        T.StructField("message", T.StringType()),
        T.StructField(
            "location",
            T.StructType(
                [
                    T.StructField("file", T.StringType()),
                    T.StructField("claim_id", T.StringType()),
                    T.StructField("line", T.LongType()),
                    T.StructField("field", T.StringType()),
                    T.StructField("position", _POSITION),
                ]
            ),
        ),
        T.StructField("fingerprint", T.StringType()),
        T.StructField("data", T.StringType()),
    ]
)
_ORDER = ["file", "part", "pos", "sub"]
_FLAT = [
    ("loc_file", T.StringType()),
    ("loc_claim_id", T.StringType()),
    ("loc_line", T.LongType()),
    ("loc_field", T.StringType()),
    *((f"p_{f.name}", f.dataType) for f in _POSITION.fields),
]
_RENDERED = T.StructType(
    [
        *(
            T.StructField(name, T.LongType() if name != "file" else T.StringType())
            for name in _ORDER
        ),
        T.StructField("jsonl", T.StringType()),
        *(f for f in FINDINGS.fields if f.name != "location"),
        *(T.StructField(name, kind) for name, kind in _FLAT),
    ]
)


def _frame(rows: list[dict[str, Any]], schema: T.StructType) -> pd.DataFrame:
    # column by column: a key missing from a row is None (null), never NaN
    names = schema.fieldNames()
    return pd.DataFrame({n: pd.Series([r.get(n) for r in rows], dtype=object) for n in names})


def _events(st: ex.State, rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """Map-side rows as a pandas frame of ``EVENTS``: keys and per-rule blobs as structs."""
    out = []
    for row in rows:
        if row["kind"] == "finding":
            f = pickle.loads(row["finding"])
            loc = f.location
            row["loc_file"], row["loc_line"], row["loc_field"] = loc.file, loc.line, loc.field
        elif row["kind"] == "claim" and row["collected"] is not None:
            keys = row["keys"] or ()
            row["keys"] = [{"rule": r, "key": k, "idx": i, "value": v} for r, k, i, v in keys]
            values = pickle.loads(row["collected"])
            row["fold"] = [
                {"rule": c.code, "blob": pickle.dumps(d)}
                for c, d in zip(st.batch, values, strict=True)
                if d is not None and not st.keyed(c)
            ] or None
            if not any(
                st.keyed(c) and d is not None for c, d in zip(st.batch, values, strict=True)
            ):
                row["collected"] = None  # nothing for the keyed reduce
            row["keys"] = row["keys"] or None
        out.append(row)
    return _frame(out, EVENTS)


@dataclass
class SparkResult:
    """The DataFrames of one lint: ``findings`` (the ``--format jsonl`` columns, in report
    order), ``verdicts`` (one row per claim read: file, index, claim_id, parsed, verdict
    accept/reject and counts), ``errors`` (internal errors, one message per row: a run with
    any must exit 2), and ``jsonl`` (each finding as its ``--format jsonl`` line)."""

    findings: DataFrame
    verdicts: DataFrame
    errors: DataFrame
    jsonl: DataFrame
    events: DataFrame

    def summary(self) -> dict[str, int]:
        """Claims read, linted (parsed) and not linted (unparsable): read = linted + not."""
        row = (
            self.events.where(F.col("kind") == "claim")
            .agg(
                F.count(F.lit(1)).alias("read"),
                F.sum(F.col("parsed").cast("long")).alias("linted"),
            )
            .first()
        )
        read = int(row["read"] or 0) if row is not None else 0
        linted = int(row["linted"] or 0) if row is not None else 0
        return {"claims_read": read, "claims_linted": linted, "claims_unparsable": read - linted}


def _setup(spark: SparkSession, config: Config | None, engine: Engine | None) -> Any:
    engine = engine or Engine(config)
    return spark.sparkContext.broadcast(ex.Setup.from_engine(engine)), engine


def read_jsonl(spark: SparkSession, paths: str | Sequence[str]) -> DataFrame:
    """JSONL files as a DataFrame of canonical JSON claims: ``file`` (the path as Spark names
    it, ``file:`` taken off), ``line`` (1-based physical line) and ``claim`` (the line's
    text); blank lines left out, as the JSONL reader skips them."""
    files = spark.read.format("binaryFile").load(_paths(paths))
    lines = files.select(
        _name(F.col("path")).alias("file"),
        F.posexplode(F.split(F.decode(F.col("content"), "UTF-8"), "\n")).alias("at", "claim"),
    )
    return lines.where(F.trim(F.col("claim")) != "").select(
        "file", (F.col("at") + 1).alias("line"), F.regexp_replace("claim", "\r$", "").alias("claim")
    )


def _paths(paths: str | Sequence[str]) -> list[str]:
    return [paths] if isinstance(paths, str) else list(paths)


def _name(path: Any) -> Any:
    """Spark's ``file:/a/b`` as the CLI names the file (``/a/b``)."""
    return F.regexp_replace(path, r"^file:(//)?", "")


def lint_json_claims(
    spark: SparkSession,
    claims: DataFrame,
    column: str = "claim",
    *,
    file_column: str | None = "file",
    line_column: str | None = "line",
    config: Config | None = None,
    engine: Engine | None = None,
) -> SparkResult:
    """Lint a DataFrame whose ``column`` holds canonical JSON claims (one per row, as text).

    Each claim is read as line ``line_column`` of the JSONL file ``file_column`` (default
    ``<column>`` and the row's position), so the findings are ``claimlint check``'s on that
    JSONL file."""
    bc, engine = _setup(spark, config, engine)
    cols = claims.columns
    f_col = F.col(file_column) if file_column and file_column in cols else F.lit("<column>")
    if line_column and line_column in cols:
        frame = claims.select(f_col.alias("file"), F.col(line_column).alias("line"), column)
    else:
        indexed = claims.rdd.zipWithIndex().map(lambda r: (*r[0], r[1] + 1))
        frame = indexed.toDF([*cols, "__line"]).select(
            f_col.alias("file"), F.col("__line").alias("line"), column
        )

    def lint(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        st = ex.state(bc.value)
        for batch in batches:
            rows: list[dict[str, Any]] = []
            for file, line, text in zip(batch["file"], batch["line"], batch[column], strict=True):
                rows.extend(ex.json_claim_rows(st, str(file), int(line), text))
            yield _events(st, rows)

    events = frame.mapInPandas(lint, EVENTS)
    return _reduce(spark, bc, engine, events)


def lint_x12_files(
    spark: SparkSession,
    paths: str | Sequence[str],
    *,
    config: Config | None = None,
    engine: Engine | None = None,
    part_size: int = ex.PART_SIZE,
) -> SparkResult:
    """Lint 837D files: each read whole (``binaryFile``), cut at transaction sets into parts
    of about ``part_size`` bytes (each part a row, spread over the tasks), each part read by
    the X12 reader from its cut and linted. Files are taken in name order."""
    bc, engine = _setup(spark, config, engine)
    files = spark.read.format("binaryFile").load(_paths(paths))
    files = files.select(_name(F.col("path")).alias("file"), "content")
    parts_schema = T.StructType(
        [
            T.StructField("file", T.StringType()),
            T.StructField("part", T.LongType()),
            T.StructField("last", T.BooleanType()),
            T.StructField("first_line", T.LongType()),
            T.StructField("first_segment", T.LongType()),
            T.StructField("resume", T.BinaryType()),
            T.StructField("content", T.BinaryType()),
        ]
    )

    def cut(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            rows: list[dict[str, Any]] = []
            for file, content in zip(batch["file"], batch["content"], strict=True):
                rows.extend(ex.x12_parts(str(file), bytes(content), part_size))
            yield _frame(rows, parts_schema)

    def lint(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        st = ex.state(bc.value)
        for batch in batches:
            rows: list[dict[str, Any]] = []
            for part in batch.to_dict("records"):
                rows.extend(ex.x12_part_rows(st, part))
            yield _events(st, rows)

    parts = files.mapInPandas(cut, parts_schema)
    tasks = max(spark.sparkContext.defaultParallelism, 1)
    events = parts.repartition(tasks).mapInPandas(lint, EVENTS)
    return _reduce(spark, bc, engine, events)


def _reduce(spark: SparkSession, bc: Any, engine: Engine, events: DataFrame) -> SparkResult:
    events = events.persist()
    claims = events.where(F.col("kind") == "claim")
    found = [events.where(F.col("kind") == "finding")]
    batch = engine.checks.batch
    if any(ex.State.keyed(c) for c in batch):
        found.append(_keyed(bc, claims))
    if any(not ex.State.keyed(c) for c in batch):
        found.append(_folded(bc, claims))
    findings = found[0]
    for more in found[1:]:
        findings = findings.unionByName(more)
    # the findings feed the rendering and the verdicts: computed once
    findings = findings.persist()
    rendered = _render(bc, findings)
    ordered = rendered.orderBy(*_ORDER)
    result = SparkResult(
        findings=ordered.select(*FINDINGS.fieldNames()),
        verdicts=_verdicts(engine.config.fail_on, claims, findings),
        errors=events.where(F.col("kind") == "error").orderBy(*_ORDER).select("message"),
        jsonl=ordered.select("jsonl"),
        events=events,
    )
    return result


def _keyed(bc: Any, claims: DataFrame) -> DataFrame:
    """Rules with first-seen keys: the first claim of each key by aggregation, seeded into
    the rule's ``check`` on every later claim with the key."""
    keys = claims.where(F.col("keys").isNotNull()).select(
        "file", "part", "pos", F.explode("keys").alias("k")
    )
    keys = keys.select("file", "part", "pos", "k.rule", "k.key", "k.idx", "k.value")
    first = keys.groupBy("rule", "key").agg(
        F.min(F.struct("file", "part", "pos", "idx", "value")).alias("first")
    )
    later = keys.join(first, ["rule", "key"]).where(
        F.struct("file", "part", "pos") != F.struct("first.file", "first.part", "first.pos")
    )
    seeds = later.groupBy("file", "part", "pos").agg(
        F.collect_list(F.struct("rule", "idx", F.col("first.value").alias("value"))).alias("seeds")
    )
    todo = (
        claims.where(F.col("collected").isNotNull())
        .select("file", "part", "pos", "collected")
        .join(seeds, ["file", "part", "pos"], "left")
    )

    def check(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        st = ex.state(bc.value)
        for b in batches:
            rows: list[dict[str, Any]] = []
            for file, part, pos, blob, seeds in zip(
                b["file"], b["part"], b["pos"], b["collected"], b["seeds"], strict=True
            ):
                given = [] if seeds is None else [(s["rule"], s["idx"], s["value"]) for s in seeds]
                rows.extend(ex.keyed_batch_rows(st, file, int(part), int(pos), blob, given))
            yield _events(st, rows)

    return todo.mapInPandas(check, EVENTS)


def _folded(bc: Any, claims: DataFrame) -> DataFrame:
    """Other batch rules: one group per rule, run in report order, then ``finish``."""
    todo = claims.where(F.col("fold").isNotNull()).select(
        "file", "part", "pos", F.explode("fold").alias("f")
    )
    todo = todo.select("file", "part", "pos", "f.rule", "f.blob")

    def fold(group: pd.DataFrame) -> pd.DataFrame:
        st = ex.state(bc.value)
        group = group.sort_values(["file", "part", "pos"])
        code = str(group["rule"].iloc[0])
        items = [
            (str(f), int(p), int(q), bytes(b))
            for f, p, q, b in zip(
                group["file"], group["part"], group["pos"], group["blob"], strict=True
            )
        ]
        return _events(st, list(ex.folded_batch_rows(st, code, items)))

    return todo.groupBy("rule").applyInPandas(fold, EVENTS)


def _render(bc: Any, findings: DataFrame) -> DataFrame:
    """Fingerprints (the occurrence of each location key in report order) and the JSONL
    columns."""
    key = ["code", "loc_file", "loc_claim_id", "loc_line", "loc_field"]
    window = Window.partitionBy(*key).orderBy(*_ORDER)
    counted = findings.select(*_ORDER, "finding", (F.row_number().over(window) - 1).alias("occ"))

    def render(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        root = bc.value.root
        for b in batches:
            rows: list[dict[str, Any]] = []
            for record in b.to_dict("records"):
                f = ex.with_fingerprint(pickle.loads(record["finding"]), int(record["occ"]), root)
                d = ex.finding_record(f)
                loc = d.pop("location")
                position = loc.pop("position")
                d.update({f"loc_{k}": v for k, v in loc.items()})
                d.update({f"p_{k}": v for k, v in position.items()})
                rows.append({**{k: record[k] for k in _ORDER}, "jsonl": ex.jsonl_line(f), **d})
            yield _frame(rows, _RENDERED)

    flat = counted.mapInPandas(render, _RENDERED)
    location = F.struct(
        F.col("loc_file").alias("file"),
        F.col("loc_claim_id").alias("claim_id"),
        F.col("loc_line").alias("line"),
        F.col("loc_field").alias("field"),
        F.struct(*(F.col(f"p_{f.name}").alias(f.name) for f in _POSITION.fields)).alias("position"),
    )
    return flat.select(
        *_ORDER,
        "jsonl",
        *FINDINGS.fieldNames()[:4],
        location.alias("location"),
        "fingerprint",
        "data",
    )


def _verdicts(fail_on: Severity, claims: DataFrame, findings: DataFrame) -> DataFrame:
    """One row per claim read, by ``running/split.py``'s rule (the one the 999 and 277CA
    follow, ``core.ack.file_verdict``): a claim is rejected when it could not be parsed, when
    a finding located on it is at or above ``fail-on``, or when a finding of its file located
    on no claim is (a batch defect rejects every claim of the file). Findings handed over
    with no claim that name a claim id go to every claim of the file with that id."""
    rank = {s.value: s.rank for s in Severity}
    rank_col = F.create_map(*(x for k, v in rank.items() for x in (F.lit(k), F.lit(v))))
    f = findings.select(
        "file",
        "part",
        "owner",
        "loc_file",
        "loc_claim_id",
        "severity",
        (rank_col[F.col("severity")] >= F.lit(fail_on.rank)).cast("long").alias("rej"),
    )

    def counts(df: DataFrame, *by: str) -> DataFrame:
        return df.groupBy(*by).agg(
            F.count(F.lit(1)).alias("n"),
            F.sum(F.when(F.col("severity") == "error", 1).otherwise(0)).alias("e"),
            F.sum(F.when(F.col("severity") == "warning", 1).otherwise(0)).alias("w"),
            F.sum(F.when(F.col("severity") == "info", 1).otherwise(0)).alias("i"),
            F.sum("rej").alias("r"),
        )

    c = claims.select(
        "file",
        "part",
        "pos",
        "claim_id",
        "parsed",
        (F.row_number().over(Window.partitionBy("file").orderBy("part", "pos")) - 1).alias("index"),
    )
    own = counts(f.where(F.col("owner").isNotNull()), "file", "part", "owner").withColumnRenamed(
        "owner", "pos"
    )
    loose = f.where(F.col("owner").isNull())
    ids = c.select(F.col("file").alias("loc_file"), F.col("claim_id").alias("loc_claim_id"))
    ids = ids.where(F.col("loc_claim_id").isNotNull()).distinct()
    named = loose.join(ids, ["loc_file", "loc_claim_id"], "left_semi")
    unnamed = loose.join(ids, ["loc_file", "loc_claim_id"], "left_anti")
    by_id = counts(named, "loc_file", "loc_claim_id").select(
        F.col("loc_file").alias("file"),
        F.col("loc_claim_id").alias("claim_id"),
        *(F.col(x).alias(f"{x}2") for x in "ewinr"),
    )
    whole = counts(unnamed, "loc_file").select(
        F.col("loc_file").alias("file"), F.col("r").alias("file_rejecting")
    )
    v = (
        c.join(own, ["file", "part", "pos"], "left")
        .join(by_id, ["file", "claim_id"], "left")
        .join(whole, ["file"], "left")
        .fillna(0, subset=["n", "e", "w", "i", "r", "n2", "e2", "w2", "i2", "r2", "file_rejecting"])
    )
    rejected = (~F.col("parsed")) | (F.col("r") + F.col("r2") + F.col("file_rejecting") > 0)
    return v.select(
        "file",
        "index",
        "claim_id",
        "parsed",
        F.when(rejected, "reject").otherwise("accept").alias("verdict"),
        (F.col("n") + F.col("n2")).alias("findings"),
        (F.col("e") + F.col("e2")).alias("errors"),
        (F.col("w") + F.col("w2")).alias("warnings"),
        (F.col("i") + F.col("i2")).alias("infos"),
        F.col("file_rejecting"),
    ).orderBy("file", "index")
