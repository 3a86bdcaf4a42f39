"""``claimlint.verdicts``: a clean/held verdict per claim as it is linted (issue 13, item 3)."""

from __future__ import annotations

from collections.abc import Iterator

from test_parallel import TEST_CHECKS
from test_stream import CONFIG, _records, test_rules  # noqa: F401 - fixture

import claimlint
from claimlint.checks.base import Check
from claimlint.core.findings import Scope, Severity
from claimlint.running.registry import Registry


def test_one_verdict_per_claim_with_the_stream_findings(test_rules):  # noqa: F811
    records = _records(300)
    got = list(claimlint.verdicts(iter(records), CONFIG))
    per_claim = [v for v in got if not v.late]
    assert [v.index for v in per_claim] == list(range(300))
    assert [v.claim_id for v in per_claim] == [r["claim_id"] for r in records]
    # the same findings as lint_stream, in the same order
    flat = [f.to_dict() for v in got for f in v.findings]
    assert flat == [f.to_dict() for f in claimlint.lint_stream(iter(records), CONFIG)]
    for v in per_claim:
        errors = any(f.severity is Severity.ERROR for f in v.findings)
        assert v.status == ("held" if errors else "clean") and v.clean is not errors
        assert all(f.location.claim_id in (v.claim_id, None) for f in v.findings)
    assert {v.status for v in per_claim} == {"clean", "held"}
    assert per_claim[5].status == "held"  # the CL002 record


def test_fail_on_warning_holds_more(test_rules):  # noqa: F811
    records = _records(200)
    by_error = [v.status for v in claimlint.verdicts(records, CONFIG) if not v.late]
    by_warning = [
        v.status for v in claimlint.verdicts(records, CONFIG, fail_on="warning") if not v.late
    ]
    held_e = {i for i, s in enumerate(by_error) if s == "held"}
    held_w = {i for i, s in enumerate(by_warning) if s == "held"}
    assert held_e <= held_w
    # a claim with only a warning-level finding is clean at error, held at warning
    streams = list(claimlint.verdicts(records, CONFIG))
    only_warning = [
        v.index
        for v in streams
        if v.findings and not v.late and max(f.severity.rank for f in v.findings) == 2
    ]
    assert only_warning and all(i in held_w - held_e for i in only_warning)


def test_verdicts_come_before_the_stream_ends(test_rules):  # noqa: F811
    consumed = 0

    def source() -> Iterator[dict]:
        nonlocal consumed
        for record in _records(5_000):
            consumed += 1
            yield record

    stream = claimlint.verdicts(source(), CONFIG)
    first = next(stream)
    assert first.index == 0 and consumed <= 2
    clean = next(v for v in stream if v.clean)
    assert consumed <= clean.index + 2  # forwarded before later claims were read


class _CountAtEnd(Check):
    """A batch rule that can only speak at the end: it names the first claim it saw."""

    code = "CL998"
    name = "count-at-end"
    summary = "test"
    severity = Severity.WARNING
    scope = Scope.BATCH

    def collect(self, claim, ctx):
        return claim.claim_id

    def check(self, claim_id, ctx):
        ctx.state(self, list).append(claim_id)
        return ()

    def finish(self, ctx):
        seen = ctx.state(self, list)
        if seen:
            yield self.make(f"{len(seen)} claims", file=ctx.file, claim_id=seen[0])


def test_end_of_stream_rules_come_as_late_verdicts(monkeypatch):
    """A rule that reports in finish() names a claim already judged: that comes as a late
    verdict after every claim's own, and holds it only at its severity."""
    import claimlint.running.engine
    from claimlint.running import registry as registry_module

    reg = Registry([*TEST_CHECKS, _CountAtEnd])
    monkeypatch.setattr(registry_module, "load_registry", lambda: reg)
    monkeypatch.setattr(claimlint.running.engine, "load_registry", lambda: reg)
    records = _records(20)
    got = list(claimlint.verdicts(records, CONFIG))
    assert [v.index for v in got[:20]] == list(range(20)) and not any(v.late for v in got[:20])
    assert all(v.late and v.index is None for v in got[20:])
    late = [v for v in got[20:] if any(f.code == "CL998" for f in v.findings)]
    assert len(late) == 1 and late[0].claim_id == records[0]["claim_id"]
    assert [f.code for f in late[0].findings] == ["CL998"]
    assert late[0].status == "clean"  # a warning: held only with fail_on=warning
    strict = list(claimlint.verdicts(records, CONFIG, fail_on=Severity.WARNING))
    assert [v.status for v in strict if v.claim_id == late[0].claim_id and v.late] == ["held"]
