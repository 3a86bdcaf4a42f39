"""``--jobs N`` gives the same findings, in the same order, as one process; and the pieces it
rests on (splitting files at record boundaries, reading a part) keep positions exact."""

from __future__ import annotations

import bisect
import datetime as dt
import io
import itertools
import re
import sys
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner
from conftest import ROOT

from claimlint.checks.base import Check
from claimlint.checks.source import SchemaViolation, UnreadableFile
from claimlint.cli import main
from claimlint.core.config import Config
from claimlint.core.findings import Finding, Scope, Severity
from claimlint.readers.base import ReadOptions, Source, Unparsable
from claimlint.readers.json import read_jsonl
from claimlint.readers.x12.reader import read_x12
from claimlint.running import parallel
from claimlint.running.engine import Engine
from claimlint.running.registry import Registry

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
        lines[len(lines) // 2] = b'{"claim": "NOID", "lines": []}'  # no claim id: CL002
        lines.insert(len(lines) // 3, b"")  # blank lines are skipped, but counted as lines
    path.write_bytes(b"\n".join(lines) + b"\n")


def run(paths: list[str], jobs: int, select=("ALL",)):
    config = Config(jobs=jobs, today=dt.date(2026, 1, 15), select=list(select))
    engine = Engine(config, registry=Registry(TEST_CHECKS))
    report = parallel.run_paths(engine, paths)
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


# -- X12 parts ---------------------------------------------------------------------------------


def _x12_items(items) -> list:
    """Everything a reader yields, with positions: findings, unparsable claims, claims."""
    out = []
    for i in items:
        if isinstance(i, Finding):
            out.append(("finding", i.to_dict(show_values=True)))
        elif isinstance(i, Unparsable):
            out.append(
                ("unparsable", i.claim_id, [f.to_dict(show_values=True) for f in i.findings])
            )
        else:
            refs = sorted((k, repr(v)) for k, v in i.refs.items())
            lines = [sorted((k, repr(v)) for k, v in ln.refs.items()) for ln in i.lines]
            out.append(("claim", i.claim_id, repr(i.ref), refs, lines))
    return out


def _x12_text(claims: int = 600) -> str:
    buf = io.StringIO()
    generate.write_837d(buf, claims, 5, 8.0, per_st=20)
    return buf.getvalue()


def _regroup(text: str, at: int) -> str:
    """A second functional group from the ``at``-th ST on (GE01 of the first one lies)."""
    starts = [m.start() for m in re.finditer(r"^ST\*", text, re.M)]
    i = starts[at]
    return text[:i] + "GE*7*1~\nGS*HC*S*R*20251201*1200*2*X*005010X224A2~\n" + text[i:]


def _other_delimiters(text: str) -> str:
    from test_x12_reader import with_delimiters

    return with_delimiters(text.replace("000000001", "000000003"), "|", ">", "!", "^")


X12_VARIANTS = {
    "ge01-wrong": lambda t: t.replace("GE*30*1", "GE*31*1"),
    "two-groups": lambda t: _regroup(t, 10),
    "two-interchanges": lambda t: t + t.replace("000000001", "000000002").replace("GE*30", "GE*3"),
    "other-delimiters-later": lambda t: t + _other_delimiters(t) + t,
    "no-ge-no-iea": lambda t: t[: t.index("GE*")],
    "one-physical-line": lambda t: _regroup(t, 5).replace("~\n", "~"),
    "crlf": lambda t: _regroup(t, 5).replace("\n", "\r\n"),
    "empty-pieces": lambda t: t.replace("~\nLX*2", "~~\n\r~LX*2"),
    "se-missing": lambda t: t.replace("SE*", "XX*", 3),
    "an-837p-set": lambda t: t.replace("ST*837*0005*005010X224A2", "ST*837*0005*005010X222A1"),
    "truncated": lambda t: t[:-40],
    "control-characters": lambda t: t.replace("SV3*AD:D2", "SV3*AD:D2\xe9", 5),
}


@pytest.mark.parametrize("variant", sorted(X12_VARIANTS))
def test_x12_parts_read_exactly_as_the_whole_file(tmp_path, variant):
    path = tmp_path / "claims.837"
    path.write_bytes(X12_VARIANTS[variant](_x12_text()).encode("latin-1"))
    whole = _x12_items(read_x12(Source(path.name, path), ReadOptions()))
    assert sum(1 for w in whole if w[0] != "finding") >= 600
    for size in (3000, 40000):
        parts = parallel.split_x12(path, size)
        assert len(parts) > 3
        pieces = []
        for part in parts:
            source = Source(
                path.name,
                path,
                start=part.start,
                end=part.end,
                first_line=part.first_line,
                first_segment=part.first_segment,
                resume=part.resume,
            )
            pieces += _x12_items(read_x12(source, ReadOptions()))
        assert pieces == whole


def test_jobs_on_one_837d_file_give_byte_identical_json(tmp_path, small_parts):
    path = tmp_path / "claims.837"
    text = _regroup(_x12_text(), 12).replace("GE*18*1", "GE*19*1")  # GE01 of group 2 lies
    path.write_bytes(text.encode("latin-1"))
    assert len(parallel.plan(Source(path.name, path), "x12", 3)) >= 6
    runner = CliRunner()
    args = ["check", str(path), "--format", "json", "--today", "2026-01-15"]
    outputs = [runner.invoke(main, [*args, "--jobs", str(n)]) for n in (1, 2, 3)]
    assert {r.exit_code for r in outputs} == {1}
    one = outputs[0].output
    assert outputs[1].output == one and outputs[2].output == one
    report = orjson.loads(one)
    findings = report["findings"]
    envelope = [f for f in findings if f["code"] == "CL103"]
    # GE01 of both groups and IEA01 (two groups), each reported once
    assert sorted(f["location"]["position"]["segment_id"] for f in envelope) == ["GE", "GE", "IEA"]
    # findings in many transaction sets: map each segment ordinal to its ST
    ids = [seg.strip()[:3] for seg in text.split("~")]
    st_at = [n for n, sid in enumerate(ids, 1) if sid.startswith("ST*")]
    sets = {
        bisect.bisect(st_at, f["location"]["position"]["segment_index"])
        for f in findings
        if f["location"].get("claim_id")
    }
    assert len(sets) > 10
    assert len(findings) > 30 and report["summary"]["claims_read"] == 600


def test_built_in_batch_rules_collect_in_workers_and_match_one_process(tmp_path, small_parts):
    """CL412 (duplicates across claims) and CL413 (payer without a profile) run as map/reduce:
    workers collect keys, the parent judges; duplicates that straddle parts are still found."""
    claims = [generate.claim_json(c) for c in generate.claims(300, seed=5)]
    lines = [orjson.dumps(c) for c in claims]
    dup = dict(claims[3], claim_id="DUPLICATE-OF-4")  # same member, codes, teeth, date
    lines.append(orjson.dumps(dup))  # far from the original: in another part
    batch = tmp_path / "dups.jsonl"
    batch.write_bytes(b"\n".join(lines) + b"\n")
    assert len(parallel.plan(Source(batch.name, batch), "jsonl", 2)) >= 2
    profile = tmp_path / "p.toml"
    profile.write_text('name = "only-this-payer"\npayer_ids = ["NOBODY"]\n')

    def lint(jobs: int):
        config = Config(jobs=jobs, today=dt.date(2026, 1, 15), profiles=[str(profile)])
        report = parallel.run_paths(Engine(config), [str(batch)])
        return [f.to_dict() for f in report.findings]

    one = lint(1)
    assert lint(2) == one
    dups = [f for f in one if f["code"] == "CL412"]
    assert any(f["location"]["claim_id"] == "DUPLICATE-OF-4" for f in dups)
    assert any(f["code"] == "CL413" for f in one)


def test_the_per_claim_cap_of_batch_rules_is_the_same_with_jobs(tmp_path, small_parts):
    """Batch rules (CL412) run in the parent with --jobs: their findings are capped per claim
    there, exactly as in one process (issue 10)."""
    lines = [
        {"line_number": n, "code": code, "charge": 10, "tooth": str(tooth), "surfaces": "O"}
        for n, (code, tooth) in enumerate(
            itertools.product(("D2140", "D2391", "D2150", "D2392", "D2160"), range(1, 33)), 1
        )
    ]
    claims = [
        {
            "claim_id": cid,
            "payer_id": "SYNPAYER1",
            "date_of_service": "2025-06-02",
            "total_charge": 10 * len(lines),
            "patient": {"member_id": "SYN0001"},
            "lines": lines,
        }
        for cid in ("FIRST", "AGAIN")
    ]
    batch = tmp_path / "again.jsonl"
    batch.write_bytes(b"\n".join(orjson.dumps(c) for c in claims) + b"\n")

    def lint(jobs: int):
        config = Config(jobs=jobs, today=dt.date(2026, 1, 15), select=["CL412"])
        return [f.to_dict() for f in parallel.run_paths(Engine(config), [str(batch)]).findings]

    one = lint(1)
    assert lint(2) == one
    assert len(one) == 101 and one[-1]["message"].startswith("... and 60 more CL412 findings")


def test_capped_line_and_batch_rules_give_byte_identical_output_with_jobs(tmp_path):
    """A claim over the per-rule cap for a line rule (CL301) and a batch rule (CL412): the
    "... and N more" findings stand in the same place with --jobs 2 as in one process (line
    and claim findings are capped together, batch findings apart, in both paths)."""
    lines = [
        {
            "line_number": n,
            "code": code,
            "charge": 10,
            "tooth": str(tooth),
            "surfaces": "O",
            "date_of_service": "2025-06-02",
            "quantity": 2,
        }
        for n, (code, tooth) in enumerate(
            itertools.product(
                ("D2140", "D2391", "D2150", "D2392", "D2160", "D2161", "D2393", "D2394"),
                range(1, 33),
            ),
            1,
        )
    ]
    paths = []
    for cid in ("FIRST", "AGAIN"):
        claim = {
            "claim_id": cid,
            "payer_id": "SYNPAYER1",
            "date_of_service": "2025-06-02",
            "total_charge": 10 * len(lines),
            "patient": {"member_id": "SYN0001"},
            "lines": lines,
        }
        path = tmp_path / f"cap-{cid}.jsonl"
        path.write_bytes(orjson.dumps(claim) + b"\n")
        paths.append(str(path))
    runner = CliRunner()
    args = ["check", *paths, "--format", "concise", "--today", "2026-01-15"]
    one = runner.invoke(main, [*args, "--jobs", "1"])
    two = runner.invoke(main, [*args, "--jobs", "2"])
    assert one.exit_code == two.exit_code == 1, one.output
    for code in ("CL301", "CL412"):
        assert f"more {code} findings on this claim" in one.output
    assert one.output.encode() == two.output.encode()


def test_spawned_workers_get_the_sqlite_history_store(tmp_path, small_parts, monkeypatch):
    """--jobs under spawn (the macOS and Windows default) with --history: the store pickles as
    its path and each worker opens its own connection ("cannot pickle 'sqlite3.Connection'")."""
    import pickle

    from claimlint.payer.history import SQLiteHistory
    from claimlint.running.history_import import import_files

    rows = tmp_path / "history.csv"
    rows.write_text(
        "member_id,code,date,tooth,surfaces,status\n"
        + "".join(f"SYN{i},D2392,2024-01-02,30,MO,paid\n" for i in range(40))
    )
    db = tmp_path / "history.sqlite"
    store = SQLiteHistory(db, create=True)
    import_files([str(rows)], store)
    copy = pickle.loads(pickle.dumps(store))
    store.close()
    assert copy.path == db and copy.count() == 40
    copy.close()

    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    write_batch(a, 120)
    write_batch(b, 80)
    runner = CliRunner()
    args = ["check", str(a), str(b), "--format", "json", "--today", "2026-01-15"]
    args += ["--history", str(db)]
    one = runner.invoke(main, [*args, "--jobs", "1"])
    monkeypatch.setenv("CLAIMLINT_MP_START", "spawn")
    two = runner.invoke(main, [*args, "--jobs", "2"])
    assert one.exit_code == two.exit_code == 1, two.output
    assert one.output == two.output


def test_a_worker_killed_by_a_signal_is_reported_with_that_signal(tmp_path, monkeypatch):
    """The dead worker is reaped before its exit code is read (it was "exit code None")."""
    import os
    import signal

    from claimlint.running.engine import iter_sources

    real = parallel.lint_part

    def dying(task):  # type: ignore[no-untyped-def]
        if task.name.endswith("f2.jsonl"):
            os.kill(os.getpid(), signal.SIGKILL)
        return real(task)

    monkeypatch.setattr(parallel, "lint_part", dying)
    monkeypatch.setenv("CLAIMLINT_MP_START", "fork")  # the workers inherit the patch
    paths = []
    for n in range(1, 5):
        path = tmp_path / f"f{n}.jsonl"
        write_batch(path, 3, garbage=False)
        paths.append(str(path))
    engine = Engine(Config(jobs=2, today=dt.date(2026, 1, 15)))
    parallel.lint_sources_parallel(engine, iter_sources(paths), 2)
    died = [e for e in engine.errors if "worker process ended" in e]
    assert died, engine.errors
    assert "killed by signal SIGKILL" in died[0] and "f2.jsonl" in died[0]
    assert "None" not in died[0]
