"""claimlint.spark in local mode: the findings are exactly the CLI's on the same files.

Needs pyspark (the ``spark`` extra, in ``dev``) and Java 17+; skips, saying which is missing,
only when they cannot be had. One SparkSession (``local[2]``, few shuffle partitions, no UI)
serves every test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from claimlint.core.config import load_config
from claimlint.readers.base import Source
from claimlint.running.engine import Engine
from claimlint.running.split import claim_verdicts, lint_claims
from tests.conftest import FIXTURES, ROOT, TODAY

pytest.importorskip("pyspark", reason="pyspark is not installed (the 'spark' extra)")
# Spark stages are slow on a busy machine (a JVM, Python workers per stage)
pytestmark = pytest.mark.timeout(900)
if shutil.which("java") is None:
    pytest.skip("Spark needs Java (17+), and no java is on PATH", allow_module_level=True)

sys.path.insert(0, str(ROOT / "benchmarks"))
try:
    import generate
finally:
    sys.path.pop(0)


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    # the workers run this interpreter (the venv with claimlint), not the first python3 on PATH
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

    try:
        session = (
            SparkSession.builder.master("local[2]")
            .appName("claimlint-tests")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.default.parallelism", "2")
            .config("spark.driver.memory", "1g")
            .config("spark.sql.execution.arrow.maxRecordsPerBatch", "500")
            .getOrCreate()
        )
    except Exception as exc:  # no usable JVM: say so rather than fail every test
        pytest.skip(f"Spark could not start a local JVM: {exc}")
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    """Two 837D files and two JSONL files; the second of each repeats the first claims of the
    first (the same seed), so each of its claims is a CL412 duplicate of a claim in another
    file; and a configuration with a payer profile none of the claims' payers has (CL413,
    a batch rule without keys)."""
    d = tmp_path_factory.mktemp("spark")
    generate.generate("837", 1500, d / "a.837", seed=1, per_st=50)
    generate.generate("837", 40, d / "b.837", seed=1, per_st=50)
    generate.generate("jsonl", 1000, d / "a.jsonl", seed=2)
    generate.generate("jsonl", 30, d / "b.jsonl", seed=2)
    profile = FIXTURES / "profiles" / "example-mutual-ppo-gold.toml"
    (d / "claimlint.toml").write_text(f'profiles = ["{profile}"]\n')
    return d


def cli_jsonl(data: Path, files: list[str]) -> list[str]:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "claimlint",
            "check",
            "--format",
            "jsonl",
            "--config",
            str(data / "claimlint.toml"),
            "--today",
            TODAY.isoformat(),
            *(str(data / f) for f in files),
        ],
        cwd=data,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode in (0, 1), proc.stderr
    return proc.stdout.splitlines()


def config(data: Path):
    cfg = load_config(str(data / "claimlint.toml"))
    cfg.today = TODAY
    return cfg


@pytest.fixture(scope="module")
def x12(spark, data):
    """Both 837D files linted on Spark, cut into parts of 64 KB (a.837 into many parts,
    spread over both tasks)."""
    from claimlint.spark import lint_x12_files

    here = os.getcwd()
    os.chdir(data)
    try:
        result = lint_x12_files(
            spark,
            [str(data / "a.837"), str(data / "b.837")],
            config=config(data),
            part_size=1 << 16,
        )
        yield result
    finally:
        os.chdir(here)


def test_x12_findings_are_the_clis(x12, data, monkeypatch):
    monkeypatch.chdir(data)
    expected = cli_jsonl(data, ["a.837", "b.837"])
    result = x12
    got = [row["jsonl"] for row in result.jsonl.collect()]
    assert result.errors.count() == 0
    assert sorted(got) == sorted(expected)
    assert got == expected  # and in the CLI's order
    # the batch rules ran: a duplicate in b.837 whose twin is in a.837 (another file and
    # partition), and CL413 reported once at the end
    twins = [line for line in got if '"CL412"' in line and "a.837" in line and "b.837" in line]
    assert len(twins) >= 40
    assert sum('"CL413"' in line for line in got) == 1
    parts = result.events.select("file", "part").distinct().count()
    assert parts > 4
    summary = result.summary()
    assert summary == {"claims_read": 1540, "claims_linted": 1540, "claims_unparsable": 0}
    # the findings DataFrame: the jsonl columns
    assert result.findings.columns == [
        "code",
        "name",
        "severity",
        "message",
        "location",
        "fingerprint",
        "data",
    ]
    verdicts = {(r["file"], r["index"]): r for r in result.verdicts.collect()}
    assert len(verdicts) == 1540
    b = [r for (f, _), r in verdicts.items() if f.endswith("b.837")]
    assert all(r["warnings"] >= 1 for r in b)  # each carries its CL412 warning


def test_json_column_findings_are_the_clis(spark, data, monkeypatch):
    from claimlint.spark import lint_json_claims, read_jsonl

    monkeypatch.chdir(data)
    expected = cli_jsonl(data, ["a.jsonl", "b.jsonl"])
    claims = read_jsonl(spark, [str(data / "a.jsonl"), str(data / "b.jsonl")]).repartition(3)
    result = lint_json_claims(spark, claims, config=config(data))
    got = [row["jsonl"] for row in result.jsonl.collect()]
    assert sorted(got) == sorted(expected)
    assert any('"CL412"' in line and "a.jsonl" in line for line in got)


def test_verdicts_are_splits(x12, data, monkeypatch):
    """accept/reject per claim is ``claimlint split``'s verdict (the 999/277CA rule); a.837
    comes first, so its claims' verdicts do not depend on b.837."""
    monkeypatch.chdir(data)
    cfg = config(data)
    a = str(data / "a.837")
    got = {(r["file"], r["index"]): r["verdict"] for r in x12.verdicts.collect() if r["file"] == a}
    engine = Engine(config(data))
    linted = lint_claims(engine, Source(name=str(data / "a.837"), path=data / "a.837"))
    want = {
        key: "reject" if v.held else "accept"
        for key, v in claim_verdicts(linted.results, cfg.fail_on, {}).items()
    }
    assert got == want
    assert "reject" in got.values() and "accept" in got.values()


def test_example_job_writes_findings_and_verdicts(spark, data, tmp_path, monkeypatch, capsys):
    """The example job (``python -m claimlint.spark`` runs ``run.main``; here in this process,
    on the shared session): JSONL findings identical to the CLI's, verdicts, exit code 1."""
    from claimlint.spark.run import main

    monkeypatch.chdir(data)
    expected = cli_jsonl(data, ["b.837"])
    out = tmp_path / "out"
    argv = [str(data / "b.837"), "--out", str(out), "--config", str(data / "claimlint.toml")]
    argv += ["--today", TODAY.isoformat()]
    assert main(argv) == 1  # 40 claims with errors among them
    assert "40 claims read, 40 linted, 0 not linted" in capsys.readouterr().err
    lines = [
        line
        for p in sorted((out / "findings").glob("part-*"))
        for line in p.read_text().splitlines()
    ]
    assert sorted(lines) == sorted(expected)
    assert list((out / "verdicts").glob("part-*.json"))
    assert spark.sparkContext._jsc is not None  # the shared session was left running
