"""``--jobs N`` gives the same findings, in the same order, as one process; and the pieces it
rests on (splitting files at record boundaries, reading a part) keep positions exact."""

from __future__ import annotations

import datetime as dt
import itertools
import sys
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner
from conftest import ROOT

from claimlint import parallel
from claimlint.checks.base import Check
from claimlint.checks.source import SchemaViolation, UnreadableFile
from claimlint.cli import main
from claimlint.config import Config
from claimlint.engine import Engine
from claimlint.findings import Scope, Severity
from claimlint.readers.base import ReadOptions, Source
from claimlint.readers.json import read_jsonl
from claimlint.registry import Registry

sys.path.insert(0, str(ROOT / "benchmarks"))
import generate

sys.path.pop(0)


# Test-only rules over the generated defects: one per scope, so that line, claim and batch
# dispatch all go through the parallel path.
class _ThreeSurfaces(Check):
    """
    What it checks:
        Test rule: a line with three or more surfaces.
    Why it matters:
        Exercises line-scope findings under --jobs.
    Bad example:
        D2160 MOD
    Good example:
        D2150 MO
    References:
        tests only.
    """

    code = "CL901"
    name = "test-three-surfaces"
    summary = "test"
    severity = Severity.WARNING
    scope = Scope.LINE

    def check(self, line, ctx):
        if len(line.surfaces) >= 3:
            yield self.on_line(ctx, line, f"{len(line.surfaces)} surfaces.", field="surfaces")


class _Unbalanced(Check):
    """
    What it checks:
        Test rule: the claim total is not the sum of the line charges.
    Why it matters:
        Exercises claim-scope findings under --jobs.
    Bad example:
        total 300, lines 100 + 100
    Good example:
        total 200, lines 100 + 100
    References:
        tests only.
    """

    code = "CL902"
    name = "test-unbalanced"
    summary = "test"
    scope = Scope.CLAIM

    def check(self, claim, ctx):
        total = sum(line.charge or 0 for line in claim.lines)
        if claim.total_charge != total:
            yield self.on_claim(claim, f"Total {claim.total_charge} != {total}.", field="total")


class _SameToothTwice(Check):
    """
    What it checks:
        Test rule: the same member, code and tooth on two claims of a run.
    Why it matters:
        Exercises batch-scope state and finish() under --jobs.
    Bad example:
        D2392 on 30 twice for one member
    Good example:
        once
    References:
        tests only.
    """

    code = "CL903"
    name = "test-same-tooth-twice"
    summary = "test"
    severity = Severity.INFO
    scope = Scope.BATCH

    def check(self, claim, ctx):
        seen = ctx.state(self)
        for line in claim.lines:
            if line.tooth is None:
                continue
            key = (line.code, line.tooth)
            if key in seen:
                yield self.on_line(ctx, line, f"{line.code} on {line.tooth} again.", field="code")
            seen[key] = claim.claim_id

    def finish(self, ctx):
        seen = ctx.state(self)
        yield self.make(f"{len(seen)} code/tooth pairs seen.", file="<batch>")


TEST_CHECKS = (UnreadableFile, SchemaViolation, _ThreeSurfaces, _Unbalanced, _SameToothTwice)


def write_batch(path: Path, claims: int, *, garbage: bool = True) -> None:
    lines = [orjson.dumps(generate.claim_json(c)) for c in generate.claims(claims, seed=3)]
    if garbage:
        lines[7] = b'{"claim_id": "BROKEN", "lines": [ '  # not JSON: CL002 on its line
        lines[len(lines) // 2] = b'{"claim_id": "NOLINES", "linez": []}'  # schema: CL002
        lines.insert(len(lines) // 3, b"")  # blank lines are skipped, but counted as lines
    path.write_bytes(b"\n".join(lines) + b"\n")


def run(paths: list[str], jobs: int, select=("ALL",)):
    config = Config(jobs=jobs, today=dt.date(2026, 1, 15), select=list(select))
    engine = Engine(config, registry=Registry(TEST_CHECKS))
    report = engine.lint_paths(paths)
    return [f.to_dict(show_values=True) for f in report.findings], report.summary, engine.errors


@pytest.fixture
def small_parts(monkeypatch):
    monkeypatch.setattr(parallel, "MIN_PART", 4096)


def test_jobs_two_gives_the_same_findings_in_the_same_order(tmp_path, small_parts):
    batch = tmp_path / "claims.jsonl"
    write_batch(batch, 600)
    parts = parallel.plan(Source(batch.name, batch), "jsonl", 2)
    assert len(parts) >= 4  # the file really is split
    one, s1, e1 = run([str(batch)], 1)
    two, s2, e2 = run([str(batch)], 2)
    codes = {f["code"] for f in one}
    assert {"CL002", "CL901", "CL902", "CL903"} <= codes
    assert len(one) > 50
    assert two == one
    assert s2 == s1 and s1.claims_read == 600 and s1.claims_unparsable == 2
    assert e1 == e2 == []


def test_many_files_missing_ones_and_a_batch_with_history(tmp_path, small_parts):
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    write_batch(a, 200)
    write_batch(b, 150, garbage=False)
    batch = tmp_path / "c.json"
    claims = [generate.claim_json(c) for c in generate.claims(5, seed=9)]
    history = [{"member_id": "SYN1", "code": "D2392", "date": "2024-01-02", "tooth": "30"}]
    batch.write_bytes(orjson.dumps({"claims": claims, "history": history}))
    paths = [str(a), str(tmp_path / "missing.jsonl"), str(batch), str(b)]
    one = run(paths, 1)
    assert run(paths, 2) == one
    assert run(paths, 3) == one
    assert one[1].files == 4


def test_spawned_workers_give_the_same_findings(tmp_path, small_parts, monkeypatch):
    batch = tmp_path / "claims.jsonl"
    write_batch(batch, 150)
    one = run([str(batch)], 1, select=("CL0", "CL901", "CL902"))
    monkeypatch.setenv("CLAIMLINT_MP_START", "spawn")
    assert run([str(batch)], 2, select=("CL0", "CL901", "CL902")) == one


def test_cli_jobs_output_is_identical(tmp_path, small_parts):
    batch = tmp_path / "claims.jsonl"
    write_batch(batch, 300)
    runner = CliRunner()
    args = ["check", str(batch), "--format", "json", "--today", "2026-01-15"]
    one = runner.invoke(main, [*args, "--jobs", "1"])
    two = runner.invoke(main, [*args, "--jobs", "2"])
    assert one.exit_code == two.exit_code == 1
    assert one.output == two.output
    assert '"claims_read": 300' in one.output


def test_a_part_reads_with_the_positions_of_the_whole_file(tmp_path):
    batch = tmp_path / "claims.jsonl"
    write_batch(batch, 300)
    whole = list(read_jsonl(Source(batch.name, batch), ReadOptions()))
    pieces = []
    for part in parallel.split_lines(batch, 8192):
        source = Source(
            batch.name, batch, start=part.start, end=part.end, first_line=part.first_line
        )
        pieces.extend(read_jsonl(source, ReadOptions()))
    assert len(pieces) == len(whole) == 300

    def where(item):
        if hasattr(item, "ref"):
            return item.claim_id, item.ref.line
        return item.claim_id, item.findings[0].location.physical_line, item.findings[0].message

    assert [where(i) for i in pieces] == [where(i) for i in whole]


def test_x12_parts_begin_at_transaction_sets(tmp_path):
    path = tmp_path / "claims.837"
    generate.generate("837", 400, path, per_st=25)
    data = path.read_bytes()
    parts = parallel.split_x12(path, 4096)
    assert len(parts) > 4
    assert parts[0].start == 0 and parts[-1].end is None
    for prev, part in itertools.pairwise(parts):
        assert prev.end == part.start
        assert data[part.start : part.start + 3] == b"ST*"
        assert part.first_segment == data[: part.start].count(b"~") + 1
        assert part.first_line == data[: part.start].count(b"\n") + 1
