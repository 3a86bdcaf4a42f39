"""The impact-code report's arithmetic on per-line records: pure, no profiles, no readers.

An *impact code* is the code a plan pays a service as under an alternate benefit (D2150 for a
two-surface posterior composite paid as amalgam, D2791 for a ceramic molar crown, ...). The
``impact`` command (claimlint/payer/impact.py builds the records with the estimate engine) and
the HTML report (from the data CL405 and CL601 carry) both aggregate with :func:`aggregate`,
so the two always give the same numbers for the same lines.

Per line (every figure comes from the estimate engine, claimlint/payer/estimate.py)::

    gap           = office fee - allowance used (the paid-as code's allowance)
    patient share = patient owes - (allowance used - plan pays)
    office share  = gap - patient share    (the write-off: what the office absorbs)

The patient share is what the plan's balance-billing rule lets the office collect of the gap:
in network without balance billing, the difference between the billed code's allowance and
the paid-as allowance; out of network (or with balance billing allowed), the whole gap.

This module lives in ``core`` because the report layer (the HTML formatter) may import only
``core``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

ZERO = Decimal("0")


@dataclass(frozen=True, slots=True)
class ImpactLine:
    """One service line paid (or to be paid) as an alternate benefit. No PHI: no member, no
    claim id; ``date`` is only used for the period of the report."""

    plan: str
    code: str
    paid_as: str
    office_fee: Decimal | None = None
    allowance_used: Decimal | None = None
    gap: Decimal = ZERO
    patient_share: Decimal = ZERO
    date: dt.date | None = None
    #: "claims" (a batch to be paid) or "history" (paid claims)
    source: str = "claims"
    #: the paid-as code is not in the plan's fee schedule: the line is named, not priced
    missing_fee: bool = False


def split_gap(
    office_fee: Decimal, allowance_used: Decimal, plan_pays: Decimal, patient_owes: Decimal
) -> tuple[Decimal, Decimal]:
    """(gap, patient share of the gap) from one line's estimate (see the module doc)."""
    gap = office_fee - allowance_used
    patient = patient_owes - (allowance_used - plan_pays)
    return gap, min(max(patient, ZERO), max(gap, ZERO))


@dataclass(slots=True)
class CodeRow:
    """One impact code of one plan."""

    plan: str
    paid_as: str
    lines: int = 0
    billed: dict[str, int] = field(default_factory=dict)
    office_fee: Decimal = ZERO
    allowance: Decimal = ZERO
    gap: Decimal = ZERO
    patient_share: Decimal = ZERO
    #: the distinct allowances used (one, unless office fees below it capped some lines)
    allowances: set[Decimal] = field(default_factory=set)

    @property
    def office_share(self) -> Decimal:
        return self.gap - self.patient_share

    def add(self, line: ImpactLine) -> None:
        self.lines += 1
        self.billed[line.code] = self.billed.get(line.code, 0) + 1
        self.office_fee += line.office_fee or ZERO
        self.allowance += line.allowance_used or ZERO
        if line.allowance_used is not None:
            self.allowances.add(line.allowance_used)
        self.gap += line.gap
        self.patient_share += line.patient_share


@dataclass(slots=True)
class PlanImpact:
    plan: str
    codes: list[CodeRow] = field(default_factory=list)
    #: paid-as codes missing from the fee schedule -> lines (billed codes)
    missing: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def lines(self) -> int:
        return sum(r.lines for r in self.codes)

    @property
    def gap(self) -> Decimal:
        return sum((r.gap for r in self.codes), ZERO)

    @property
    def patient_share(self) -> Decimal:
        return sum((r.patient_share for r in self.codes), ZERO)


@dataclass(slots=True)
class ImpactSummary:
    plans: list[PlanImpact] = field(default_factory=list)
    #: every plan's codes together, ranked by gap dollars
    ranking: list[CodeRow] = field(default_factory=list)
    first: dt.date | None = None
    last: dt.date | None = None
    #: priced lines (not those whose paid-as code has no fee) from each source
    lines_from_claims: int = 0
    lines_from_history: int = 0

    @property
    def lines(self) -> int:
        return sum(p.lines for p in self.plans)

    @property
    def gap(self) -> Decimal:
        return sum((p.gap for p in self.plans), ZERO)

    @property
    def patient_share(self) -> Decimal:
        return sum((p.patient_share for p in self.plans), ZERO)

    @property
    def missing_lines(self) -> int:
        return sum(n for p in self.plans for codes in p.missing.values() for n in codes.values())


def _rank_key(row: CodeRow) -> tuple[Decimal, int, str, str]:
    return (-row.gap, -row.lines, row.paid_as, row.plan)


def aggregate(lines: Iterable[ImpactLine]) -> ImpactSummary:
    """Per plan and paid-as code: lines, office fee, allowance used, gap and patient share;
    codes ranked by gap dollars (then lines, then code), plans by their total gap."""
    plans: dict[str, PlanImpact] = {}
    rows: dict[tuple[str, str], CodeRow] = {}
    summary = ImpactSummary()
    for line in lines:
        plan = plans.get(line.plan)
        if plan is None:
            plan = plans[line.plan] = PlanImpact(line.plan)
        if line.date is not None:
            summary.first = line.date if summary.first is None else min(summary.first, line.date)
            summary.last = line.date if summary.last is None else max(summary.last, line.date)
        if line.missing_fee:
            billed = plan.missing.setdefault(line.paid_as, {})
            billed[line.code] = billed.get(line.code, 0) + 1
            continue
        key = (line.plan, line.paid_as)
        row = rows.get(key)
        if row is None:
            row = rows[key] = CodeRow(line.plan, line.paid_as)
            plan.codes.append(row)
        row.add(line)
        if line.source == "history":
            summary.lines_from_history += 1
        else:
            summary.lines_from_claims += 1
    for plan in plans.values():
        plan.codes.sort(key=_rank_key)
        plan.missing = dict(sorted(plan.missing.items()))
    summary.plans = sorted(plans.values(), key=lambda p: (-p.gap, p.plan))
    summary.ranking = sorted(rows.values(), key=_rank_key)
    return summary


# -- --raise ---------------------------------------------------------------------------------

_AMOUNT = re.compile(r"\+?\$?(?P<amount>[0-9][0-9,]*(?:\.[0-9]*)?|\.[0-9]+)(?P<pct>%)?")
#: the largest raise accepted: $10,000 or 1000 %
MAX_RAISE = Decimal("10000")
MAX_PERCENT = Decimal("1000")


@dataclass(frozen=True, slots=True)
class Raise:
    """A raise of one code's allowance: ``D2150=+20`` ($20) or ``D2150=+10%``."""

    code: str
    amount: Decimal
    percent: bool = False

    def describe(self) -> str:
        return (
            f"{self.code} +{self.amount.normalize():f}%"
            if self.percent
            else (f"{self.code} +${self.amount:,.2f}")
        )

    def new_allowance(self, current: Decimal) -> Decimal:
        """The raised allowance (exact; the percent raise rounds half-up to the cent)."""
        from decimal import ROUND_HALF_UP

        if self.percent:
            raised = current * (1 + self.amount / 100)
            return raised.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        return current + self.amount


def parse_raise(text: str) -> Raise:
    """``D2150=+20``, ``D2150=20``, ``D2150=+$20.50``, ``D2150=+10%``; ValueError saying what
    is wrong otherwise (a negative, zero or huge raise, a code that is not D####)."""
    value = text.strip()
    if "=" not in value:
        raise ValueError(f"{text!r} is not CODE=+AMOUNT or CODE=+PERCENT% (e.g. D2150=+20)")
    code, _, amount = value.partition("=")
    code = code.strip().upper()
    if not re.fullmatch(r"D[0-9]{4}", code):
        raise ValueError(f"{code or '(empty)'!r} is not a CDT code (D####) in {text!r}")
    amount = amount.strip()
    if amount.startswith("-"):
        raise ValueError(f"{text!r}: a raise must be positive (+20 or +10%)")
    match = _AMOUNT.fullmatch(amount)
    if match is None:
        raise ValueError(f"{text!r}: {amount or '(empty)'!r} is not +AMOUNT or +PERCENT%")
    try:
        number = Decimal(match["amount"].replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        raise ValueError(f"{text!r}: not a number") from None
    percent = bool(match["pct"])
    if number <= 0:
        raise ValueError(f"{text!r}: a raise must be more than 0")
    if number > (MAX_PERCENT if percent else MAX_RAISE):
        limit = f"{MAX_PERCENT}%" if percent else f"${MAX_RAISE:,}"
        raise ValueError(f"{text!r}: a raise of more than {limit} is not a raise to negotiate")
    return Raise(code, number, percent)


@dataclass(slots=True)
class RaiseOutcome:
    """What one raise would have changed over the lines of the period, per plan."""

    raise_: Raise
    plan: str
    #: lines paid as the raised code (billed as it, or paid as it by an alternate benefit)
    lines: int = 0
    plan_pays: Decimal = ZERO
    patient_owes: Decimal = ZERO
    write_off: Decimal = ZERO
    #: the code is not in the plan's fee schedule: nothing to raise
    missing_fee: bool = False

    @property
    def collected(self) -> Decimal:
        """What the office would have collected in all (plan + patient)."""
        return self.plan_pays + self.patient_owes
