"""The Check base class and the context every check receives.

A check is a small class: metadata on the class, its documentation in the fixed shape (see
``DOC_SECTIONS``) as the ``doc`` class attribute, and ``check(item, ctx)`` for its scope.
Documentation is data, not a docstring, because the compiled build (mypyc, docs/development.md)
drops docstrings; :meth:`Check.documentation` falls back to the docstring for a check without
``doc`` (plugins). ``check(item, ctx)`` per scope:

* ``Scope.LINE``  – called once per service line: ``check(line, ctx)``; ``ctx.claim`` is set.
* ``Scope.CLAIM`` – called once per claim: ``check(claim, ctx)``.
* ``Scope.BATCH`` – rules across claims, in two steps like a map and a reduce:
  ``collect(claim, ctx)`` runs where the claim is read (in a worker process with ``--jobs``,
  on a Spark executor later) and returns the small, picklable part of the claim the rule needs
  (default: the claim itself); ``check(collected, ctx)`` runs in the one place that sees every
  claim, in file order, and ``finish(ctx)`` at the end of a run. State lives in
  ``ctx.state(self)``, never on the instance; ``ctx.file`` names the claim's file.
* ``Scope.SOURCE`` – emitted by readers (CL001, CL002, CL1xx); the class holds metadata and
  documentation, and readers build findings with ``Check.make``.

Clean claims must cost almost nothing (issue 7), so the built-in checks follow two patterns:

* **Dispatch.** A line check declares ``applies_to`` (the CDT codes it can fire on, from the
  ``claimlint.dental`` tables; None = every code, unknown codes included), ``needs_teeth``
  (nothing to find on a line without tooth entries) and ``needs_profile`` (nothing to find
  without a payer profile; claim checks too). The engine runs only the checks that apply to a
  line's code, computed once per code (``engine.CheckSet.line_for``).
* **Fast path.** ``check`` makes a cheap test (one or two dict/set lookups in the dental
  tables) and returns ``()`` when the item is clean, without creating a generator; otherwise it
  returns ``self._findings(item, ctx)``, the generator with the rule's full logic. The fast test
  must only ever skip items the full logic would find nothing on (tests/test_fastchecks.py
  compares the two on odd lines).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar, TypeVar

from mypy_extensions import mypyc_attr

from claimlint.core.ackcodes import Ack999, Status277
from claimlint.core.catalogue import Rule, new_finding
from claimlint.core.findings import Finding, Scope, Severity
from claimlint.core.model import Claim, ServiceLine, SourceRef

_T = TypeVar("_T")

DOC_SECTIONS = ("What it checks", "Why it matters", "Bad example", "Good example", "References")


@dataclass(slots=True)
class Context:
    """What a check may read besides the claim: configuration, profile, history, today.

    The engine is a pure function of (claim, configuration, history): ``today`` is fixed per
    run so "future date" checks are reproducible, and nothing else leaks in.
    """

    file: str = "<stdin>"
    claim: Claim | None = None
    today: dt.date = field(default_factory=dt.date.today)
    options: dict[str, Any] = field(default_factory=dict)
    profiles: Any = None
    history: Any = None
    _state: dict[str, Any] = field(default_factory=dict)
    #: (claim, profiles, profile) of the last :meth:`profile` lookup
    _profile: tuple[Any, Any, Any] | None = None
    #: (claim, {key: value}) of :meth:`memo`
    _memo: tuple[Any, dict[str, Any]] | None = None
    #: (rule code, service line number or None) of the findings the reader gave the claim
    #: being linted about its bad values (read as missing); a rule does not also report such
    #: a field as missing (the engine fills it before each claim and clears it after)
    reported: set[tuple[str, int | None]] = field(default_factory=set)

    def reader_reported(self, code: str, line: int | None = None) -> bool:
        """Whether the reader already reported a bad value of rule ``code`` on the claim
        (``line`` None) or on its service line ``line``."""
        return (code, line) in self.reported

    def profile(self, claim: Claim | None = None) -> Any:
        """The payer profile of ``claim`` (default ``self.claim``), or None.

        The same answer as ``claimlint.payer.profiles.for_context``, looked up once per claim: every
        payer rule of every line asks, and most runs have no profile at all.
        """
        profiles = self.profiles
        if not profiles:
            return None
        if claim is None:
            claim = self.claim
            if claim is None:
                return None
        cached = self._profile
        if cached is not None and cached[0] is claim and cached[1] is profiles:
            return cached[2]
        found = profiles.for_claim(claim)
        self._profile = (claim, profiles, found)
        return found

    def memo(self, claim: Claim, key: str, compute: Callable[[Claim], _T]) -> _T:
        """``compute(claim)`` computed once per claim for ``key`` (views several checks share,
        e.g. the claim's lines grouped by tooth and date)."""
        cached = self._memo
        if cached is None or cached[0] is not claim:
            cached = self._memo = (claim, {})
        values = cached[1]
        try:
            known: _T = values[key]  # what ``compute`` made for this key
            return known
        except KeyError:
            value = values[key] = compute(claim)
            return value

    def state(self, check: Check, factory: Any = dict) -> Any:
        """Per-run mutable state for batch checks, keyed by check code."""
        try:
            return self._state[check.code]
        except KeyError:
            value = self._state[check.code] = factory()
            return value


# compiled (CLAIMLINT_MYPYC=1), Check stays subclassable by plugins written in plain Python
@mypyc_attr(allow_interpreted_subclasses=True)
class Check:
    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    severity: ClassVar[Severity] = Severity.ERROR
    scope: ClassVar[Scope] = Scope.LINE
    tags: ClassVar[tuple[str, ...]] = ()
    #: applies only to these source formats (e.g. ("x12",)); empty = all formats
    formats: ClassVar[tuple[str, ...]] = ()
    #: line checks: the CDT codes a finding is possible on (None = every code, unknown codes
    #: included). The engine runs a line check only on lines whose code is in this set.
    applies_to: ClassVar[frozenset[str] | None] = None
    #: the check can only find something when the claim has a payer profile; the engine skips
    #: it for claims without one (the check still tests for the profile itself)
    needs_profile: ClassVar[bool] = False
    #: line checks: the check can only find something on a line with tooth entries; the
    #: engine skips it for lines without teeth (exams, cleanings, x-rays)
    needs_teeth: ClassVar[bool] = False
    #: plugins: a pydantic model for the plugin's ``[tool.claimlint.plugins.<name>]`` table
    #: (or define a ``validate_options(table)`` classmethod instead)
    options_model: ClassVar[Any] = None
    #: this check's validated options (the model instance, or the table as a dict); set by
    #: the engine for checks of a configured plugin
    options: Any = MappingProxyType({})
    #: a rule readers report (``claimlint.core.catalogue``): the class documents it and takes
    #: its code, name, summary and severity from the catalogue entry
    catalogued: ClassVar[Rule | None] = None
    #: how the rule's findings show in the acknowledgments (claimlint.core.ackcodes): the 999
    #: segment/element error codes and the 277CA status of a claim it rejects. None: the
    #: default for the rule's scope (``ack_999_for``, ``status_277_for``)
    ack_999: ClassVar[Ack999 | None] = None
    status_277: ClassVar[Status277 | None] = None
    #: the rule's documentation in the fixed shape (``DOC_SECTIONS``): what the docs site's
    #: rule page, ``claimlint rule CODE`` and SARIF show. Read it with
    #: :meth:`documentation`; a class without it is documented by its docstring
    doc: ClassVar[str | None] = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        rule = vars(cls).get("catalogued")
        if rule is not None:
            cls.code, cls.name, cls.summary, cls.severity = (
                rule.code,
                rule.name,
                rule.summary,
                rule.severity,
            )
            cls.ack_999, cls.status_277 = rule.ack_999, rule.status_277

    def check(self, item: Any, ctx: Context) -> Iterable[Finding]:  # pragma: no cover - abstract
        return ()

    def collect(self, claim: Claim, ctx: Context) -> Any:
        """Batch scope: what ``check`` needs of one claim (runs where the claim is read).

        Keep it small and picklable: with ``--jobs`` it crosses a process boundary per claim.
        ``None`` means the claim has nothing for this rule and ``check`` is not called.
        """
        return claim

    def first_keys(self, collected: Any, ctx: Context) -> list[tuple[Any, Any]]:
        """Batch scope, optional: the (key, value) pairs ``check(collected, ctx)`` passes to
        ``FirstSeen.first`` in ``ctx.state(self, FirstSeen)``, in order, for a rule whose
        state is only that first-seen index (the first claim of each key wins). A distributed
        run (``claimlint.spark``) then finds each key's first claim with an aggregation and
        runs ``check`` per claim with just those keys seeded, instead of feeding every claim
        to one place. Not overridden: the rule runs over every claim in order."""
        raise NotImplementedError

    def finish(self, ctx: Context) -> Iterable[Finding]:
        return ()

    # -- building findings -------------------------------------------------------------------

    @classmethod
    def make(
        cls,
        message: str,
        *,
        ref: SourceRef | None = None,
        file: str | None = None,
        claim_id: str | None = None,
        line: int | None = None,
        field: str | None = None,
        evidence: dict[str, Any] | None = None,
        severity: Severity | None = None,
        data: dict[str, Any] | None = None,
    ) -> Finding:
        return new_finding(
            cls.code,
            cls.name,
            severity or cls.severity,
            message,
            ref=ref,
            file=file,
            claim_id=claim_id,
            line=line,
            field=field,
            evidence=evidence,
            data=data,
        )

    def on_line(
        self,
        ctx: Context,
        line: ServiceLine,
        message: str,
        *,
        field: str | None = None,
        ref: SourceRef | None = None,
        evidence: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
    ) -> Finding:
        """A finding on a service line of ``ctx.claim``, located at ``field`` when given."""
        claim = ctx.claim
        where = ref or (line.where(field) if field else line.ref)
        return self.make(
            message,
            ref=where,
            claim_id=claim.claim_id if claim else None,
            line=line.line_number,
            field=where.field if where is not None and where.field else field,
            evidence=evidence,
            data=data,
        )

    def on_claim(
        self,
        claim: Claim,
        message: str,
        *,
        field: str | None = None,
        ref: SourceRef | None = None,
        evidence: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
    ) -> Finding:
        where = ref or (claim.where(field) if field else claim.ref)
        return self.make(
            message,
            ref=where,
            claim_id=claim.claim_id,
            field=where.field if where is not None and where.field else field,
            evidence=evidence,
            data=data,
        )

    # -- documentation ---------------------------------------------------------------------

    @classmethod
    def documentation(cls) -> str:
        """The rule's documentation: its own ``doc`` attribute, else its docstring (a plugin
        check, or a rule written before ``doc``; a compiled class has no docstring)."""
        doc: str | None = vars(cls).get("doc")
        if doc is None:
            doc = getattr(cls, "__doc__", None)
        return doc or ""

    @classmethod
    def doc_sections(cls) -> dict[str, str]:
        """The documentation split into its fixed sections (missing ones absent)."""
        return dict(parse_doc(cls.documentation()))


@functools.lru_cache(maxsize=1024)
def parse_doc(doc: str) -> dict[str, str]:
    """Parsed once per docstring: every SARIF report describes every selected rule."""
    import inspect

    text = inspect.cleandoc(doc)
    sections: dict[str, list[str]] = {}
    current: str | None = None
    for raw in text.splitlines():
        stripped = raw.strip()
        head = stripped.rstrip(":")
        if stripped.endswith(":") and head in DOC_SECTIONS:
            current = head
            sections[current] = []
            continue
        if current is not None:
            sections[current].append(raw)
    import textwrap

    out = {}
    for key, lines in sections.items():
        body = textwrap.dedent("\n".join(lines)).strip()
        if body:
            out[key] = body
    return out


#: a finding about a group of lines names at most this many of them, then "and N more"
LISTED_LINES = 10


def line_list(numbers: Iterable[int], limit: int = LISTED_LINES) -> str:
    """``line 4``, ``lines 1, 2 and 5``; past ``limit`` lines ``lines 1, 2, … 10 and 4,990
    more`` (issue 10: one finding for a group of lines, its message kept short)."""
    numbers = list(dict.fromkeys(numbers))
    if len(numbers) == 1:
        return f"line {numbers[0]}"
    if len(numbers) > limit:
        shown = ", ".join(str(n) for n in numbers[:limit])
        return f"lines {shown} and {len(numbers) - limit:,} more"
    return f"lines {', '.join(str(n) for n in numbers[:-1])} and {numbers[-1]}"


def iter_line_teeth(line: ServiceLine) -> Iterator[tuple[int, Any]]:
    """(index, ToothEntry) pairs of a line."""
    return iter(enumerate(line.teeth))


@mypyc_attr(allow_interpreted_subclasses=True)
class ProfileCheck(Check):
    """Base of rules that judge a claim against its payer profile: without a profile there is
    nothing to find (the engine skips them; direct callers get the same answer here).
    Subclasses implement ``_findings(item, ctx)``."""

    needs_profile = True

    def check(self, item: Any, ctx: Context) -> Iterable[Finding]:
        # a claim-scope rule gets the claim; a line-scope rule's claim is ctx.claim
        if ctx.profile(item if isinstance(item, Claim) else None) is None:
            return ()
        return self._findings(item, ctx)

    def _findings(self, item: Any, ctx: Context) -> Iterable[Finding]:
        return ()
