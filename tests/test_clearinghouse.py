"""Issue 13's acceptance: a 10,000-claim 837D batch with injected defects (benchmarks/generate.py,
3 % defective) splits into clean and held files that account for every claim and re-lint as
expected, and its 999 and 277CA read back valid with the project's own tokenizer.

The batch is generated, split and linted once per module (fixtures below); each test asserts one
thing about the shared results. The whole module takes about 22 s (generate, split and lint:
11 s; the rebuilt envelopes checked segment by segment: 7 s).
"""

from __future__ import annotations

import io
import sys
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import ROOT, TODAY
from test_acks import check_envelopes, segments
from test_split import _check_envelopes, _key

from claimlint.core.ack import AckInterchange
from claimlint.core.config import Config
from claimlint.core.findings import Report, Severity
from claimlint.core.model import Claim
from claimlint.readers.base import ReadOptions, Source, Unparsable, get_reader
from claimlint.report.formatters import FormatOptions, get_formatter
from claimlint.running.acks import with_envelopes
from claimlint.running.engine import Engine
from claimlint.running.split import SplitResult, split_file, write
from claimlint.x12.writer import ControlNumbers

CLAIMS = 10_000
PER_ST = 500
FAIL_ON = Severity.ERROR
#: envelope and structure rules: none may fire on a rebuilt interchange
ENVELOPE = ("CL101", "CL102", "CL103", "CL105", "CL116", "CL117", "CL118", "CL119", "CL121")


def engine() -> Engine:
    return Engine(Config(today=TODAY))


def claims_of(path: Path) -> list[Claim | Unparsable]:
    source = Source(name=str(path), path=path)
    return [
        item
        for item in get_reader("x12")(source, ReadOptions())
        if isinstance(item, (Claim, Unparsable))
    ]


def charges(items: list[Claim | Unparsable]) -> Counter[tuple[str | None, Decimal]]:
    """Each claim as (claim id, sum of its line charges), counted."""
    out: Counter[tuple[str | None, Decimal]] = Counter()
    for item in items:
        assert isinstance(item, Claim), item.claim_id
        out[(item.claim_id, sum((ln.charge or Decimal(0) for ln in item.lines), Decimal(0)))] += 1
    return out


@dataclass
class Batch:
    path: Path
    split: SplitResult
    clean: Path
    held: Path
    #: the input's claims (id, charge)
    claims: Counter[tuple[str | None, Decimal]]
    clean_report: Report
    held_report: Report
    #: the acknowledgments of one lint of the input (as ``check -o 999=... -o 277ca=...``)
    ack_report: Report
    ack_999: str
    ack_277ca: str


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Batch:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import generate
    finally:
        sys.path.pop(0)
    tmp = tmp_path_factory.mktemp("clearing")
    path = tmp / "batch.837"
    assert generate.generate("837d", CLAIMS, path, seed=13, defect_pct=3.0, per_st=PER_ST) == CLAIMS
    result = split_file(engine(), str(path), FAIL_ON, ControlNumbers(1))
    clean, held = tmp / "clean.837", tmp / "held.837"
    write(result, str(clean), str(held), report_path=str(tmp / "held.json"))
    envelopes: list[AckInterchange] = []
    lint = engine()
    report = lint.lint_sources(with_envelopes([Source(name=str(path), path=path)], envelopes))
    report.interchanges = envelopes
    options = FormatOptions(rules=lint.registry.by_code(), fail_on=FAIL_ON, now=None)
    acks = {}
    for fmt in ("999", "277ca"):
        out = io.StringIO()
        get_formatter(fmt)(report, out, options)
        acks[fmt] = out.getvalue()
    return Batch(
        path=path,
        split=result,
        clean=clean,
        held=held,
        claims=charges(claims_of(path)),
        clean_report=engine().lint_paths([str(clean)]),
        held_report=engine().lint_paths([str(held)]),
        ack_report=report,
        ack_999=acks["999"],
        ack_277ca=acks["277ca"],
    )


def held_ids(batch: Batch) -> set[str | None]:
    return {v.claim_id for v in batch.split.held_verdicts}


def test_the_batch_has_defects_and_unique_claims(batch):
    assert sum(batch.claims.values()) == CLAIMS
    assert len({cid for cid, _ in batch.claims}) == CLAIMS
    # about 3 % defective, not all of them errors: some held, most clean
    assert 100 < len(batch.split.held_verdicts) < 600
    assert len(batch.split.verdicts) == CLAIMS


def test_split_accounts_for_every_claim(batch):
    clean, held = charges(claims_of(batch.clean)), charges(claims_of(batch.held))
    # each claim in exactly one output, with its line charges: nothing lost or duplicated
    assert clean + held == batch.claims
    assert not set(clean) & set(held)
    assert {cid for cid, _ in held} == held_ids(batch)
    assert sum(clean.values()) == len(batch.split.clean_keys)


def test_clean_output_relints_with_nothing_at_or_above_fail_on(batch):
    report = batch.clean_report
    assert report.summary.claims_read == len(batch.split.clean_keys)
    assert report.summary.claims_linted == report.summary.claims_read
    assert [f for f in report.findings if f.severity.rank >= FAIL_ON.rank] == []


def test_held_output_keeps_every_held_claims_findings(batch):
    report = batch.held_report
    assert report.summary.claims_read == len(batch.split.held_verdicts)
    again: dict[str | None, Counter[tuple]] = {}
    for f in report.findings:
        again.setdefault(f.location.claim_id, Counter())[_key(f)] += 1
    for v in batch.split.held_verdicts:
        assert v.reasons, v.claim_id  # held for a reason
        want = Counter(_key(f) for f in v.findings)
        assert not want - again.get(v.claim_id, Counter()), v.claim_id
    # and every held claim is held again
    held_again = {f.location.claim_id for f in report.findings if f.severity.rank >= FAIL_ON.rank}
    assert held_again == held_ids(batch)


def test_rebuilt_envelopes_are_valid(batch):
    for report in (batch.clean_report, batch.held_report):
        assert [f for f in report.findings if f.code in ENVELOPE] == []
    numbers = _check_envelopes(batch.clean) + _check_envelopes(batch.held)
    assert numbers == list(range(1, len(numbers) + 1))  # one counter, never repeated
    assert batch.split.next_control == len(numbers) + 1


def test_999_reads_back_valid(batch):
    segs = segments(batch.ack_999)
    check_envelopes(segs, "999", "005010X231A1")
    sets = CLAIMS // PER_ST
    assert sum(1 for e in segs if e[0] == "AK2") == sets  # one per 837 transaction set
    assert [e[:2] for e in segs if e[0] == "IK5"] == [["IK5", "A"]] * sets
    assert ["AK9", "A", str(sets), str(sets), str(sets)] in segs
    # the 837's control numbers are echoed: AK1 its GS06, AK2 each ST02
    original = segments(batch.path.read_text(encoding="ascii"))
    assert [e[2] for e in segs if e[0] == "AK2"] == [e[2] for e in original if e[0] == "ST"]
    assert [e[2] for e in segs if e[0] == "AK1"] == [e[6] for e in original if e[0] == "GS"]


def test_277ca_answers_each_claim_once_and_rejects_the_held_ones(batch):
    segs = segments(batch.ack_277ca)
    check_envelopes(segs, "277", "005010X214")
    answers: dict[str, str] = {}
    level = claim = None
    for e in segs:
        if e[0] == "HL":
            level = e[3]
        elif e[0] == "TRN" and level == "PT":
            claim = e[2]
            assert claim not in answers  # one answer per claim
            answers[claim] = ""
        elif e[0] == "STC" and level == "PT":
            assert claim is not None
            answers[claim] = e[3] if answers[claim] in ("", e[3]) else "mixed"
    assert set(answers) == {cid for cid, _ in batch.claims}
    assert set(answers.values()) == {"WQ", "U"}
    # rejected exactly the claims split held (one lint each, same rules and fail-on)
    assert {c for c, action in answers.items() if action == "U"} == held_ids(batch)
    assert sum(1 for e in segs if e[0] == "ST") == CLAIMS // PER_ST
    accepted = sum(int(e[2]) for e in segs if e[:2] == ["QTY", "90"]) // 2  # 2200B + 2200C
    rejected = sum(int(e[2]) for e in segs if e[:2] == ["QTY", "AA"]) // 2
    assert (accepted, rejected) == (len(batch.split.clean_keys), len(batch.split.held_verdicts))
