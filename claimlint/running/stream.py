"""``lint_stream``: lint claims from any iterable, yielding findings as it goes.

For pipelines (a queue consumer, a Spark/Dask partition, a database cursor): claims go in one at
a time, findings come out as soon as their claim is linted, and memory does not grow with the
number of claims — only with the number of distinct findings (their fingerprint occurrence
counter), and with what batch-scope checks remember to find duplicates across claims.

    from claimlint import lint_stream
    for finding in lint_stream(claims_from_queue(), config):
        publish(finding.to_dict())

A ``dict`` is validated exactly like a claim record of a JSON batch (CL002 when it does not
match the schema); a :class:`~claimlint.core.model.Claim` is linted as it is. Findings are the same
as ``lint_paths`` gives for the same claims (same rules, severities, messages and fingerprints):
the stream is read like a JSONL file called ``name`` (default ``<stream>``) in which item *i*
(from 0) is line *i + 1*.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from claimlint.core.config import Config
from claimlint.core.findings import Finding, Severity, fingerprint, project_path
from claimlint.core.model import Claim, SourceRef


def lint_stream(
    claims: Iterable[Claim | dict[str, Any]],
    config: Config | None = None,
    *,
    history: Any = None,
    profiles: Any = None,
    name: str = "<stream>",
) -> Iterator[Finding]:
    """Yield the findings of each claim as it is consumed from ``claims`` (lazily).

    Batch-scope rules (across claims) report what they find at the end of the stream, after
    the per-claim findings, as they do in a run over files. A check that fails raises
    ``claimlint.running.engine.InternalError`` naming the claim. Selection (select / ignore) and
    severity overrides apply; suppressions that account for a whole run (ignore entries with
    reasons, per-file-ignores, a baseline) are for ``lint_paths`` reports and are not applied.
    """
    for _index, _claim_id, found in _judged(claims, config, history, profiles, name):
        yield from found


def _judged(
    claims: Iterable[Claim | dict[str, Any]],
    config: Config | None,
    history: Any,
    profiles: Any,
    name: str,
) -> Iterator[tuple[int | None, str | None, list[Finding]]]:
    """(item index, claim id, its kept findings) per claim as it is consumed, then (None,
    None, the findings of batch rules that report at the end of the stream)."""
    from claimlint.readers.base import Unparsable
    from claimlint.readers.json import Salvaged, _claim_item
    from claimlint.running.engine import Engine
    from claimlint.running.lint import InternalError, lint_claim

    engine = Engine(config, history=history, profiles=profiles)
    keep, adjust = engine._keep, engine._adjust
    ctx = engine.new_context(name)
    checks = engine.checks
    system = engine.config.tooth_numbering or "universal"
    seen: Counter[tuple[Any, ...]] = Counter()
    config = engine.config
    root = str((config.source.parent if config.source else Path.cwd()).resolve())

    def done(finding: Finding) -> Finding:
        # as Engine.finalize: keyed on the project-relative path and the occurrence
        loc = finding.location
        key = (finding.code, loc.file, loc.claim_id, loc.line, loc.field)
        finding.fingerprint = fingerprint(
            finding.code,
            project_path(loc.file, root),
            loc.claim_id,
            loc.line,
            loc.field,
            occurrence=seen[key],
        )
        seen[key] += 1
        return finding

    for index, item in enumerate(claims):
        salvaged: list[Finding] = []
        if isinstance(item, Claim):
            claim: Claim | Unparsable = item
        else:
            ref = SourceRef(file=name, line=index + 1, column=1, pointer="", field=None)
            read = _claim_item(item, ref, system)
            if isinstance(read, Salvaged):  # bad values are findings; the claim is linted
                salvaged, claim = read.findings, read.claim
            else:
                claim = read
        if isinstance(claim, Unparsable):
            found = claim.findings
        else:
            try:
                found = lint_claim(claim, ctx, checks)
            except Exception as exc:  # a check bug: say which claim, keep the cause
                raise InternalError(
                    f"internal error while checking claim {claim.claim_id} (item {index} of "
                    f"{name}): {type(exc).__name__}: {exc}"
                ) from exc
        kept = [done(adjust(f)) for f in ((*salvaged, *found) if salvaged else found) if keep(f)]
        yield index, claim.claim_id, kept
    late = [done(adjust(f)) for check in checks.batch for f in check.finish(ctx) if keep(f)]
    yield None, None, late


@dataclass(slots=True)
class Verdict:
    """What to do with one claim of a stream: forward it (``clean``) or hold it (``held``: a
    finding at or above ``fail_on``), with its findings.

    ``index`` is the claim's position in the input (from 0). ``late`` verdicts come after the
    last claim, from batch rules that report at the end of a stream (e.g. CL413, a payer
    without a profile): they name a claim already judged, with ``index`` None and only the
    late findings; ``status`` says whether those findings alone would hold it.
    """

    claim_id: str | None
    status: str
    findings: list[Finding] = field(default_factory=list)
    index: int | None = None
    late: bool = False

    @property
    def clean(self) -> bool:
        return self.status == "clean"


def verdicts(
    claims: Iterable[Claim | dict[str, Any]],
    config: Config | None = None,
    *,
    history: Any = None,
    profiles: Any = None,
    name: str = "<stream>",
    fail_on: Severity | str | None = None,
) -> Iterator[Verdict]:
    """Yield a :class:`Verdict` per claim as soon as it is linted, so that a service can
    forward clean claims as they come and hold the others; then the late verdicts.

    The findings are exactly ``lint_stream``'s for the same input. ``fail_on`` (default: the
    configuration's ``fail-on``, ``error``) is the severity that holds a claim.

    Batch rules and when they speak: a rule that compares a claim with *earlier* ones or with
    the history (CL412, the same procedure twice in the batch or already in history) reports
    on the later claim when it arrives, in that claim's verdict; the earlier claim's verdict
    stands. A rule that can only speak when it has seen everything reports in ``finish``, at
    the end of the stream: its findings come as late verdicts (``late=True``), one per claim
    id they name (findings that name no claim come in one late verdict with claim id None).
    A caller that must not forward a claim any late rule could still hold buffers until the
    stream ends, or deselects the end-of-stream rules (``claimlint rules``: scope batch).
    """
    settings = config or Config()
    level = Severity.parse(fail_on) if isinstance(fail_on, str) else fail_on
    threshold = (level or settings.fail_on).rank

    def status(found: list[Finding]) -> str:
        return "held" if any(f.severity.rank >= threshold for f in found) else "clean"

    for index, claim_id, found in _judged(claims, settings, history, profiles, name):
        if index is not None:
            yield Verdict(claim_id, status(found), found, index)
            continue
        named: dict[str | None, list[Finding]] = {}
        for f in found:
            named.setdefault(f.location.claim_id, []).append(f)
        for late_id, late in named.items():
            yield Verdict(late_id, status(late), late, None, late=True)
