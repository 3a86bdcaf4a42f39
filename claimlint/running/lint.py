"""The per-claim engine: which checks run, and ``lint_claim``.

``lint_claim`` is a pure function of (claim, context, checks): the same claim, configuration and
history always give the same findings, whichever process or machine runs it — which is what
lets ``--jobs`` (``parallel``) and, later, Spark run it unchanged. The run over files, the
accounting and the fingerprints are ``engine``'s.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from claimlint.checks.base import Check, Context
from claimlint.core.config import Config
from claimlint.core.findings import ALWAYS_ON, Finding, Scope
from claimlint.core.model import Claim
from claimlint.dental.cdt import lookup
from claimlint.running.registry import Registry


class InternalError(Exception):
    """A check or reader failed in a way that is a claimlint bug (exit code 2)."""


def _matches(selector: str, check: type[Check]) -> bool:
    sel = selector.strip()
    if sel.upper() == "ALL":
        return True
    return check.code.startswith(sel.upper()) or check.name == sel.lower()


def select_checks(registry: Registry, config: Config) -> list[type[Check]]:
    """ruff's vocabulary: select (default ALL), extend-select, ignore; prefixes or names.
    The rules of ``ALWAYS_ON`` are selected whatever the configuration says."""
    chosen = [c for c in registry.checks if any(_matches(s, c) for s in config.select)]
    extra = [
        c
        for c in registry.checks
        if c not in chosen and any(_matches(s, c) for s in config.extend_select)
    ]
    chosen += extra
    kept = [c for c in chosen if not any(_matches(s, c) for s in config.ignore)]
    return kept + [c for c in registry.checks if c.code in ALWAYS_ON and c not in kept]


def unknown_selectors(registry: Registry, config: Config) -> list[str]:
    out = []
    for sel in (*config.select, *config.extend_select, *config.ignore):
        if not any(_matches(sel, c) for c in registry.checks):
            out.append(sel)
    return out


#: distinct line codes whose dispatch tuple is cached (junk codes beyond this are recomputed)
_DISPATCH_CACHE_MAX = 4096


@dataclass(slots=True)
class CheckSet:
    """The selected checks by scope, in code order, and the per-code dispatch of line checks.

    ``line_for(code, profiled)`` gives the line checks that can fire on a line with that
    procedure code (their ``applies_to`` contains it, or is None), leaving out the
    ``needs_profile`` checks when the claim has no payer profile: a pair (for a line without
    tooth entries, which also leaves out ``needs_teeth`` checks; for a line with teeth). It is
    computed once per code and cached; the order is always the order of ``line``.
    """

    line: list[Check] = field(default_factory=list)
    claim: list[Check] = field(default_factory=list)
    batch: list[Check] = field(default_factory=list)
    selected_codes: frozenset[str] = frozenset()
    #: claim checks to run on a claim without a payer profile
    claim_plain: list[Check] = field(default_factory=list)
    #: code → (line checks for a line without teeth, with teeth), for claims with a payer
    #: profile / without one
    line_by_code: dict[str, tuple[tuple[Check, ...], tuple[Check, ...]]] = field(
        default_factory=dict
    )
    line_by_code_plain: dict[str, tuple[tuple[Check, ...], tuple[Check, ...]]] = field(
        default_factory=dict
    )

    @classmethod
    def build(
        cls, classes: Sequence[type[Check]], options: dict[str, object] | None = None
    ) -> CheckSet:
        """Instances of ``classes`` by scope; ``options`` (by code) are plugin options."""
        out = cls(selected_codes=frozenset(c.code for c in classes))
        options = options or {}
        for c in classes:
            if c.scope not in (Scope.LINE, Scope.CLAIM, Scope.BATCH):
                continue
            check = c()
            if c.code in options:
                check.options = options[c.code]
            if c.scope is Scope.LINE:
                out.line.append(check)
            elif c.scope is Scope.CLAIM:
                out.claim.append(check)
            else:
                out.batch.append(check)
        out.claim_plain = [c for c in out.claim if not c.needs_profile]
        return out

    def line_for(self, code: str, profiled: bool) -> tuple[tuple[Check, ...], tuple[Check, ...]]:
        """The line checks for a line with procedure ``code``: (without teeth, with teeth)."""
        table = self.line_by_code if profiled else self.line_by_code_plain
        hit = table.get(code)
        if hit is not None:
            return hit
        record = lookup(code) if isinstance(code, str) else None
        canonical = record.code if record is not None else code
        with_teeth = tuple(
            check
            for check in self.line
            if (profiled or not check.needs_profile)
            and (
                check.applies_to is None
                or code in check.applies_to
                or canonical in check.applies_to
            )
        )
        hit = (tuple(c for c in with_teeth if not c.needs_teeth), with_teeth)
        if len(table) < _DISPATCH_CACHE_MAX:
            table[code] = hit
        return hit


#: at most this many findings of one rule on one claim; the rest become one closing finding
#: "and N more CLxxx findings on this claim" (issue 10: a 5,000-line claim must not produce
#: hundreds of thousands of findings)
MAX_FINDINGS_PER_RULE = 100


def cap_findings(found: list[Finding], limit: int = MAX_FINDINGS_PER_RULE) -> list[Finding]:
    """``found`` (the findings of one claim) with at most ``limit`` findings per rule, each
    rule over the limit closed by one finding of the same rule that counts the findings left
    out. The closing finding stands where the first one left out was (a real position, the
    same with ``--jobs``, where batch rules are capped in the parent) and takes the most
    severe severity among them, so ``--fail-on`` judges the claim the same."""
    if len(found) <= limit:
        return found
    counts: Counter[str] = Counter(f.code for f in found)
    if max(counts.values()) <= limit:
        return found
    kept: list[Finding] = []
    seen: Counter[str] = Counter()
    dropped: dict[str, list[Finding]] = {}
    for f in found:
        seen[f.code] += 1
        if seen[f.code] <= limit:
            kept.append(f)
        else:
            dropped.setdefault(f.code, []).append(f)
    for code, rest in dropped.items():
        first = rest[0]
        worst = max((f.severity for f in rest), key=lambda sev: sev.rank)
        kept.append(
            Finding(
                code=code,
                name=first.name,
                severity=worst,
                message=(
                    f"... and {len(rest):,} more {code} findings on this claim, from here on "
                    f"(only the first {limit} of {counts[code]:,} are listed)."
                ),
                location=replace(first.location),
            )
        )
    return kept


def lint_claim(
    claim: Claim, ctx: Context, checks: CheckSet, limit: int = MAX_FINDINGS_PER_RULE
) -> list[Finding]:
    """All findings of the selected line, claim and batch checks for one claim.

    Order: for each line, its line checks in code order; then claim checks; then batch
    checks. Checks return an empty tuple for a clean item, so a clean claim costs a few
    lookups per line. At most ``limit`` findings per rule are kept (:func:`cap_findings`),
    capped separately for line and claim checks and for batch checks (each rule is one or
    the other), so the output is the same as with ``--jobs``, where batch checks run in the
    parent process.
    """
    ctx.claim = claim
    try:
        return _lint_claim(claim, ctx, checks, limit)
    finally:
        ctx.reported.clear()  # the reader's findings were about this claim only


def _lint_claim(claim: Claim, ctx: Context, checks: CheckSet, limit: int) -> list[Finding]:
    found: list[Finding] = []
    profiled = ctx.profiles is not None and ctx.profile(claim) is not None
    table = checks.line_by_code if profiled else checks.line_by_code_plain
    for line in claim.lines:
        runs = table.get(line.code)
        if runs is None:
            runs = checks.line_for(line.code, profiled)
        for check in runs[1] if line.teeth else runs[0]:
            out = check.check(line, ctx)
            if out:
                found.extend(out)
    for check in checks.claim if profiled else checks.claim_plain:
        out = check.check(claim, ctx)
        if out:
            found.extend(out)
    found = cap_findings(found, limit)
    # batch findings are capped on their own and come after, as with --jobs (where batch
    # rules run in the parent): the "... and N more" findings stand in the same order
    batched: list[Finding] = []
    for check in checks.batch:
        collected = check.collect(claim, ctx)
        if collected is not None:
            out = check.check(collected, ctx)
            if out:
                batched.extend(out)
    if batched:
        found.extend(cap_findings(batched, limit))
    return found
