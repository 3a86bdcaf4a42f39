"""``claimlint split``: every claim in exactly one output, clean re-lints clean, held keeps its
findings, rebuilt 837D envelopes are valid (counts, control numbers, HL numbering)."""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, ROOT, TODAY

from claimlint.cli import main
from claimlint.core.config import Config
from claimlint.core.findings import Finding, Severity
from claimlint.core.model import Claim
from claimlint.readers.base import ReadOptions, Source, Unparsable, get_reader, sniff
from claimlint.running.engine import Engine
from claimlint.running.split import SplitError, split_file, write
from claimlint.x12.tokenizer import Batch, tokenize
from claimlint.x12.writer import ControlNumbers

#: envelope and structure rules: none may fire on a rebuilt interchange
ENVELOPE = ("CL101", "CL102", "CL103", "CL105", "CL116", "CL117", "CL118", "CL119", "CL121")


def _generate(fmt: str, count: int, out: Path, **kw: object) -> Path:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import generate
    finally:
        sys.path.pop(0)
    generate.generate(fmt, count, out, **kw)
    return out


def _engine(**config: object) -> Engine:
    return Engine(Config(today=TODAY, **config))  # type: ignore[arg-type]


def _claims(path: Path, options: ReadOptions | None = None) -> list[Claim | Unparsable]:
    source = Source(name=str(path), path=path)
    fmt = sniff(source)
    assert fmt is not None
    return [
        item
        for item in get_reader(fmt)(source, options or ReadOptions())
        if isinstance(item, (Claim, Unparsable))
    ]


def _charges(items: list[Claim | Unparsable]) -> Counter[tuple[str | None, Decimal]]:
    out: Counter[tuple[str | None, Decimal]] = Counter()
    for item in items:
        if isinstance(item, Claim):
            total = sum((line.charge or Decimal(0) for line in item.lines), Decimal(0))
            out[(item.claim_id, total)] += 1
        else:
            out[(item.claim_id, Decimal(-1))] += 1
    return out


def _findings_by_claim(path: Path, **config: object) -> dict[str | None, Counter[tuple]]:
    report = _engine(**config).lint_paths([str(path)])
    out: dict[str | None, Counter[tuple]] = {}
    for f in report.findings:
        out.setdefault(f.location.claim_id, Counter())[_key(f)] += 1
    return out


def _key(f: Finding) -> tuple:
    """A finding modulo its position (a pointer's claim index included)."""
    field = re.sub(r"(claims?)(/\d+|\[\d+\])", r"\1", f.location.field or "")
    return (f.code, f.severity.value, f.location.line, field, f.message)


def _split(src: Path, tmp: Path, suffix: str, fail_on: Severity = Severity.ERROR, **config: object):
    result = split_file(_engine(**config), str(src), fail_on, ControlNumbers(1))
    clean, held = tmp / f"clean{suffix}", tmp / f"held{suffix}"
    write(result, str(clean), str(held), report_path=str(tmp / "report.json"))
    return result, clean, held


def _assert_accounted(src: Path, clean: Path, held: Path, options: ReadOptions | None = None):
    before = _charges(_claims(src, options))
    after = _charges(_claims(clean, options)) + _charges(_claims(held, options))
    assert after == before  # no claim lost or duplicated; ids and line charges add up


def _assert_relints(result, clean: Path, held: Path, fail_on: Severity, **config: object):
    if clean.stat().st_size:  # an 837D with no claim to forward is an empty file
        clean_report = _engine(**config).lint_paths([str(clean)])
        assert not [f for f in clean_report.findings if f.severity.rank >= fail_on.rank]
    # every held claim keeps its findings (modulo positions) when the held file is re-linted
    if not result.held_verdicts:
        return
    again = _findings_by_claim(held, **config)
    for v in result.held_verdicts:
        if not v.parsed:
            continue
        # HL ids are renumbered: an input's repeated or dangling HL id (CL105) is gone
        want = Counter(_key(f) for f in v.findings if f.location.field != "HL01")
        assert not want - again.get(v.claim_id, Counter()), (
            v.claim_id,
            want - again.get(v.claim_id, Counter()),
        )


def _envelopes(path: Path) -> list[list[str]]:
    segs: list[list[str]] = []
    element = "*"
    with path.open("rb") as fh:
        for tok in tokenize(fh):
            if isinstance(tok, Batch):
                segs.extend(body.split(element) for body in tok.bodies)
            elif not isinstance(tok, tuple):
                element = tok.element  # type: ignore[union-attr]
    return segs


def _check_envelopes(path: Path) -> list[int]:
    """Counts, control numbers and HL numbering of a written 837D; its control numbers."""
    segs = _envelopes(path)
    numbers: list[int] = []
    st_start = gs_sets = isa_groups = 0
    hl_levels: dict[str, str] = {}
    for i, e in enumerate(segs):
        sid = e[0]
        if sid == "ISA":
            isa13 = e[13]
            assert len(isa13) == 9
            numbers.append(int(isa13))
            isa_groups = 0
        elif sid == "GS":
            gs06 = e[6]
            numbers.append(int(gs06))
            gs_sets = 0
            isa_groups += 1
        elif sid == "ST":
            st02 = e[2]
            numbers.append(int(st02))
            st_start = i
            gs_sets += 1
            hl_levels = {}
        elif sid == "HL":
            assert e[1] == str(len(hl_levels) + 1)  # HL01 sequential
            level = e[3]
            parent = e[2]
            if level == "20":
                assert parent == ""
            else:  # HL02 points to an earlier HL of the right level
                assert hl_levels[parent] == {"22": "20", "23": "22"}[level]
            hl_levels[e[1]] = level
        elif sid == "SE":
            assert int(e[1]) == i - st_start + 1
            assert e[2] == st02
        elif sid == "GE":
            assert int(e[1]) == gs_sets and e[2] == gs06
        elif sid == "IEA":
            assert int(e[1]) == isa_groups and e[2] == isa13
    # HL04: 1 exactly when a child HL follows
    for i, e in enumerate(segs):
        if e[0] == "HL":
            st_end = next(j for j in range(i, len(segs)) if segs[j][0] == "SE")
            children = any(x[0] == "HL" and x[2] == e[1] for x in segs[i + 1 : st_end])
            assert e[4] == ("1" if children else "0")
    return numbers


def _envelope_findings(path: Path) -> set[tuple[str, str]]:
    report = _engine(select=["CL1"]).lint_paths([str(path)])
    return {(f.code, f.message) for f in report.findings if f.code in ENVELOPE}


def _no_envelope_findings(path: Path, source: Path | None = None) -> None:
    """No envelope or structure finding on ``path`` but those its ``source`` already had
    (a sample without a submitter loop keeps that); never a count or control number one."""
    known = _envelope_findings(source) if source is not None else set()
    bad = [f for f in _envelope_findings(path) if f not in known or f[0] in ("CL103", "CL121")]
    assert not bad, bad[:3]


# -- 837D ----------------------------------------------------------------------------------------


def test_split_837d_generated_batch_accounts_for_every_claim(tmp_path):
    src = _generate("837", 3000, tmp_path / "in.837", seed=7, per_st=400, defect_pct=5.0)
    result, clean, held = _split(src, tmp_path, ".837")
    assert 50 < len(result.held_verdicts) < 400
    _assert_accounted(src, clean, held)
    _assert_relints(result, clean, held, Severity.ERROR)
    _no_envelope_findings(clean)
    _no_envelope_findings(held)
    numbers = _check_envelopes(clean) + _check_envelopes(held)
    assert numbers == list(range(1, len(numbers) + 1))  # one counter, never repeated
    assert result.next_control == len(numbers) + 1


def test_split_837d_copies_claims_and_parent_loops_byte_for_byte(tmp_path):
    src = _generate("837", 200, tmp_path / "in.837", seed=3, per_st=50, defect_pct=10.0)
    result, clean, held = _split(src, tmp_path, ".837")
    text = src.read_text("latin-1")
    segments = {s.strip() for s in text.split("~")}
    for out in (clean, held):
        for seg in out.read_text("latin-1").split("~"):
            seg = seg.strip()
            if not seg or seg[:3] in ("ISA", "GS*", "ST*", "SE*", "GE*", "IEA", "HL*"):
                continue
            assert seg in segments  # everything but envelopes and HL is the input's text
    # a held claim's CLM loop is the input's bytes
    v = result.held_verdicts[0]
    clm = f"CLM*{v.claim_id}*".encode()
    a = src.read_bytes()
    b = held.read_bytes()
    start_a, start_b = a.index(clm), b.index(clm)
    end_a = min(i for i in (a.find(b"HL*", start_a), a.find(b"SE*", start_a)) if i > 0)
    assert a[start_a:end_a] in b[start_b:]


def test_split_837d_fail_on_warning_holds_more(tmp_path):
    src = _generate("837", 300, tmp_path / "in.837", seed=11, per_st=100, defect_pct=5.0)
    at_error, _, _ = _split(src, tmp_path, ".e.837")
    result, clean, held = _split(src, tmp_path, ".837", Severity.WARNING)
    assert len(result.held_verdicts) > len(at_error.held_verdicts)
    _assert_accounted(src, clean, held)
    _assert_relints(result, clean, held, Severity.WARNING)


def test_split_837d_ignores_apply_like_check(tmp_path):
    src = _generate("837", 300, tmp_path / "in.837", seed=11, per_st=100, defect_pct=8.0)
    plain, _, _ = _split(src, tmp_path, ".a.837")
    held_codes = {f.code for v in plain.held_verdicts for f in v.reasons}
    ignored, clean, held = _split(src, tmp_path, ".837", ignore=sorted(held_codes))
    assert not ignored.held_verdicts
    assert held.read_bytes() == b""
    _assert_accounted(src, clean, held)


def test_split_public_samples(shared, tmp_path):
    samples = sorted(p for p in (shared / "x12-samples").iterdir() if p.suffix in (".edi", ".txt"))
    assert samples
    for src in samples:
        out = tmp_path / src.stem
        out.mkdir()
        result, clean, held = _split(src, out, src.suffix)
        _assert_accounted(src, clean, held)
        _assert_relints(result, clean, held, Severity.ERROR)
        for path in (clean, held):
            if path.stat().st_size:
                _no_envelope_findings(path, src)
                _check_envelopes(path)


def test_split_cli_control_file_continues_numbers(tmp_path):
    src = _generate("837", 40, tmp_path / "in.837", seed=2, per_st=20, defect_pct=20.0)
    state = tmp_path / "control.json"
    runner = CliRunner()
    args = [
        "split",
        str(src),
        "--clean",
        str(tmp_path / "c.837"),
        "--held",
        str(tmp_path / "h.837"),
    ]
    args += [
        "--control-file",
        str(state),
        "--today",
        TODAY.isoformat(),
        "--report",
        str(tmp_path / "r.json"),
    ]
    first = runner.invoke(main, args)
    assert first.exit_code == 1, first.output  # claims were held
    n1 = json.loads(state.read_text())["next"]
    used = _check_envelopes(tmp_path / "c.837") + _check_envelopes(tmp_path / "h.837")
    assert n1 == max(used) + 1
    second = runner.invoke(main, args)
    assert second.exit_code == 1
    again = _check_envelopes(tmp_path / "c.837") + _check_envelopes(tmp_path / "h.837")
    assert min(again) == n1
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["claims"]["read"] == 40
    assert report["claims"]["clean"] + report["claims"]["held"] == 40
    assert all(h["reasons"] for h in report["held"])
    # no PHI in the report or the summary (member ids, names from the generator)
    for text in ((tmp_path / "r.json").read_text(), second.output):
        assert "TESTPATIENT" not in text and "SYN0" not in text


def test_split_cli_control_start(tmp_path):
    src = _generate("837", 10, tmp_path / "in.837", seed=2, per_st=20, defect_pct=0.0)
    r = CliRunner().invoke(
        main,
        [
            "split",
            str(src),
            "--clean",
            str(tmp_path / "c.837"),
            "--held",
            str(tmp_path / "h.837"),
            "--control-start",
            "500",
            "--today",
            TODAY.isoformat(),
        ],
    )
    assert r.exit_code == 0, r.output
    assert _check_envelopes(tmp_path / "c.837") == [500, 501, 502]
    assert (tmp_path / "h.837").read_bytes() == b""


def test_split_unreadable_input_writes_nothing(tmp_path):
    bad = tmp_path / "bad.837"
    bad.write_bytes(b"ISA*this is not an interchange")
    clean, held = tmp_path / "c.837", tmp_path / "h.837"
    clean.write_text("yesterday")
    r = CliRunner().invoke(main, ["split", str(bad), "--clean", str(clean), "--held", str(held)])
    assert r.exit_code == 2
    assert "cannot split" in r.output and "nothing was written" in r.output
    assert clean.read_text() == "yesterday" and not held.exists()
    missing = CliRunner().invoke(
        main, ["split", str(tmp_path / "nope.837"), "--clean", str(clean), "--held", str(held)]
    )
    assert missing.exit_code == 2 and not held.exists()


# -- JSONL, JSON, CSV, XML ------------------------------------------------------------------------


def test_split_jsonl_generated_lines_byte_for_byte(tmp_path):
    src = _generate("jsonl", 3000, tmp_path / "in.jsonl", seed=7, defect_pct=5.0)
    result, clean, held = _split(src, tmp_path, ".jsonl")
    assert result.held_verdicts
    _assert_accounted(src, clean, held)
    _assert_relints(result, clean, held, Severity.ERROR)
    lines = src.read_bytes().splitlines(keepends=True)
    out = clean.read_bytes().splitlines(keepends=True) + held.read_bytes().splitlines(keepends=True)
    assert sorted(out) == sorted(lines)


def test_split_jsonl_unparsable_claim_goes_to_held(tmp_path):
    src = _generate("jsonl", 20, tmp_path / "in.jsonl", seed=1, defect_pct=0.0)
    lines = src.read_bytes().splitlines(keepends=True)
    lines[4] = b'{"claim_id": "BROKEN1", "lines": 7\n'  # not JSON
    src.write_bytes(b"".join(lines))
    result, clean, held = _split(src, tmp_path, ".jsonl")
    assert held.read_bytes() == lines[4]
    assert [v.parsed for v in result.held_verdicts] == [False]
    assert len(clean.read_bytes().splitlines()) == 19


def test_split_json_batch_slices_claims_and_keeps_other_keys(tmp_path):
    gen = _generate("jsonl", 400, tmp_path / "in.jsonl", seed=5, defect_pct=8.0)
    claims = [json.loads(line) for line in gen.read_text().splitlines()]
    src = tmp_path / "batch.json"
    src.write_text(
        json.dumps({"version": "1", "claims": claims, "tooth_numbering": "universal"}, indent=2)
    )
    result, clean, held = _split(src, tmp_path, ".json")
    assert result.held_verdicts
    _assert_accounted(src, clean, held)
    _assert_relints(result, clean, held, Severity.ERROR)
    for out in (clean, held):
        data = json.loads(out.read_text())
        assert data["version"] == "1" and data["tooth_numbering"] == "universal"
    text = src.read_text()
    held_ids = {v.claim_id for v in result.held_verdicts}
    kept = json.loads(held.read_text())["claims"]
    assert {c["claim_id"] for c in kept} == held_ids
    for c in kept:  # each claim object is the input's text
        start = text.index(f'"claim_id": "{c["claim_id"]}"')
        assert text[start : start + 200] in held.read_text()


def test_split_csv_rows_with_header(tmp_path):
    src = FIXTURES / "csv" / "generic-pms.csv"
    options = ReadOptions(csv_mapping="generic-pms")
    result, clean, held = _split(src, tmp_path, ".csv", csv_mapping="generic-pms")
    assert result.held_verdicts and result.clean_keys
    header = src.read_bytes().splitlines(keepends=True)[0]
    assert clean.read_bytes().startswith(header) and held.read_bytes().startswith(header)
    _assert_accounted(src, clean, held, options)
    _assert_relints(result, clean, held, Severity.ERROR, csv_mapping="generic-pms")
    rows = src.read_bytes().splitlines(keepends=True)[1:]
    out = (
        clean.read_bytes().splitlines(keepends=True)[1:]
        + held.read_bytes().splitlines(keepends=True)[1:]
    )
    assert sorted(out) == sorted(rows)


def test_split_xml_claims_with_envelope(tmp_path):
    src = FIXTURES / "xml" / "sample.xml"
    result, clean, held = _split(src, tmp_path, ".xml")
    assert result.held_verdicts and result.clean_keys
    _assert_accounted(src, clean, held)
    _assert_relints(result, clean, held, Severity.ERROR)
    for out in (clean, held):
        text = out.read_text()
        assert text.startswith("<?xml") and text.rstrip().endswith("</claims></batch>")


def test_split_refuses_unknown_file(tmp_path):
    src = tmp_path / "notes.txt"
    src.write_text("hello")
    with pytest.raises(SplitError):
        split_file(_engine(), str(src), Severity.ERROR)


def test_split_837d_envelope_defect_holds_the_whole_batch(tmp_path):
    src = _generate("837", 30, tmp_path / "in.837", seed=4, per_st=30, defect_pct=0.0)
    src.write_text(re.sub(r"~\nSE\*\d+\*", "~\nSE*999*", src.read_text()))  # a wrong SE01
    result, clean, held = _split(src, tmp_path, ".837")
    assert [f.code for f in result.linted.batch] == ["CL103"]
    assert len(result.held_verdicts) == 30 and clean.read_bytes() == b""
    assert all(v.reasons[-1].code == "CL103" for v in result.held_verdicts)
    report = json.loads((tmp_path / "report.json").read_text())
    assert [f["code"] for f in report["batch_findings"]] == ["CL103"]
    _assert_accounted(src, clean, held)
    _no_envelope_findings(held)  # the rebuilt SE01 is right


def test_split_csv_not_sorted_by_claim_keeps_each_claims_rows_together(tmp_path):
    """An export sorted by date, not by claim: a claim's rows lie apart. Each claim's rows go
    to one output, whole (the reviewer's case: the second row of a clean claim went to the held
    file, and both files then failed CL106)."""
    src_rows = FIXTURES.joinpath("csv", "generic-pms.csv").read_bytes().splitlines(keepends=True)
    header, rows = src_rows[0], src_rows[1:]
    # interleave: the rows of every claim, taken round-robin by claim
    by_claim: dict[bytes, list[bytes]] = {}
    for row in rows:
        by_claim.setdefault(row.split(b",", 1)[0], []).append(row)
    assert any(len(v) > 1 for v in by_claim.values())
    shuffled: list[bytes] = []
    while any(by_claim.values()):
        for key in list(by_claim):
            if by_claim[key]:
                shuffled.append(by_claim[key].pop(0))
    assert shuffled != rows
    src = tmp_path / "unsorted.csv"
    src.write_bytes(header + b"".join(shuffled))
    options = ReadOptions(csv_mapping="generic-pms")
    result, clean, held = _split(src, tmp_path, ".csv", csv_mapping="generic-pms")
    assert result.held_verdicts and result.clean_keys
    _assert_accounted(src, clean, held, options)
    _assert_relints(result, clean, held, Severity.ERROR, csv_mapping="generic-pms")
    out_rows = [
        *clean.read_bytes().splitlines(keepends=True)[1:],
        *held.read_bytes().splitlines(keepends=True)[1:],
    ]
    assert sorted(out_rows) == sorted(shuffled)  # every row once
    for out in (clean, held):  # no claim's rows in both files
        ids = {r.split(b",", 1)[0] for r in out.read_bytes().splitlines()[1:]}
        other = held if out is clean else clean
        other_ids = {r.split(b",", 1)[0] for r in other.read_bytes().splitlines()[1:]}
        assert not ids & other_ids
