"""Rendering of the impact-code report (text, JSON, CSV) and its note for the negotiation
letter. Takes the aggregation of claimlint/core/impact.py only; the HTML report uses
:func:`letter_note` for its impact section too. No PHI: plans, codes, counts and dollars.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

from claimlint.core.impact import CodeRow, ImpactSummary, RaiseOutcome

ZERO = Decimal("0")


def money(value: Decimal) -> str:
    """``$1,234.50``; ``-$5.00``."""
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"


def _s(value: Decimal) -> str:
    return f"{value:.2f}"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def billed_text(billed: Mapping[str, int]) -> str:
    """``D2392 x40, D2393 x12`` (most lines first)."""
    items = sorted(billed.items(), key=lambda kv: (-kv[1], kv[0]))
    return ", ".join(f"{code} x{n}" for code, n in items)


def period_text(summary: ImpactSummary) -> str:
    if summary.first is None or summary.last is None:
        return "no date of service seen"
    return f"{summary.first.isoformat()} to {summary.last.isoformat()}"


def _allowance_text(row: CodeRow) -> str:
    if len(row.allowances) == 1:
        return f"your {row.paid_as} allowance of {money(next(iter(row.allowances)))}"
    return f"your {row.paid_as} allowance"


def letter_note(summary: ImpactSummary, raises: Sequence[RaiseOutcome] = ()) -> list[str]:
    """A few sentences per plan for the negotiation letter, from the numbers (its top impact
    code, and the first raise asked for that code, if any)."""
    out: list[str] = []
    for plan in summary.plans:
        if not plan.codes:
            continue
        top = plan.codes[0]
        if top.gap <= 0:
            continue
        when = (
            f"Between {summary.first.isoformat()} and {summary.last.isoformat()}"
            if summary.first and summary.last
            else "Over the period of this report"
        )
        text = (
            f"{when} we provided {_plural(top.lines, 'service')} ({billed_text(top.billed)}) "
            f"to members of {plan.plan} that the plan paid, or will pay, as {top.paid_as}. "
            f"{_allowance_text(top)[0].upper()}{_allowance_text(top)[1:]} left "
            f"{money(top.gap)} between our fees ({money(top.office_fee)}) and the allowance "
            f"used ({money(top.allowance)}); {money(top.patient_share)} of it fell to our "
            f"patients and {money(top.office_share)} we wrote off."
        )
        asked = next(
            (r for r in raises if r.plan == plan.plan and r.raise_.code == top.paid_as), None
        )
        if asked is not None and asked.lines and not asked.missing_fee:
            text += (
                f" Raising the {top.paid_as} allowance by {asked.raise_.describe().split(' ')[1]}"
                f" would have added {money(asked.plan_pays)} to the plan's payments over the "
                f"same {_plural(asked.lines, 'service')}."
            )
        others = [r for r in plan.codes[1:] if r.gap > 0][:2]
        if others:
            text += (
                " The next codes by dollars are "
                + " and ".join(
                    f"{r.paid_as} ({money(r.gap)} over {_plural(r.lines, 'line')})" for r in others
                )
                + "."
            )
        if plan.missing:
            text += (
                f" Your fee schedule does not list {', '.join(plan.missing)}, which the plan "
                "pays services as; please send us its allowance."
            )
        text += f" We ask you to review the {top.paid_as} allowance."
        out.append(text)
    return out


# -- text --------------------------------------------------------------------------------


def render_text(
    summary: ImpactSummary, raises: Sequence[RaiseOutcome], facts: Mapping[str, Any]
) -> Iterator[str]:
    yield "Impact codes: services paid as a cheaper code (alternate benefit)"
    yield (
        f"Period: {period_text(summary)} (first and last date of service seen). "
        f"{_plural(summary.lines, 'line')} paid or to be paid as an alternate benefit: "
        f"{summary.lines_from_claims:,} from the claims read, "
        f"{summary.lines_from_history:,} from the paid history."
        + (
            f" {_plural(summary.missing_lines, 'more line')} paid as a code missing from a fee "
            "schedule (below)."
            if summary.missing_lines
            else ""
        )
    )
    if summary.lines:
        yield (
            f"In all: {money(summary.gap)} between office fees and the allowances used; "
            f"patients' share {money(summary.patient_share)}, written off "
            f"{money(summary.gap - summary.patient_share)}."
        )
    yield ""
    head = (
        f"  {'rank':>4}  {'paid as':<7} {'lines':>6}  {'office fees':>12} {'allowance':>12} "
        f"{'difference':>12} {'patient':>12}  billed as"
    )
    for plan in summary.plans:
        yield (
            f"{plan.plan}: {_plural(plan.lines, 'line')}, {money(plan.gap)} difference, "
            f"patient share {money(plan.patient_share)}"
        )
        if plan.codes:
            yield head
        for rank, row in enumerate(plan.codes, 1):
            yield (
                f"  {rank:>4}  {row.paid_as:<7} {row.lines:>6,}  {money(row.office_fee):>12} "
                f"{money(row.allowance):>12} {money(row.gap):>12} "
                f"{money(row.patient_share):>12}  {billed_text(row.billed)}"
            )
        for code, billed in plan.missing.items():
            yield (
                f"  missing: {code} is not in the fee schedule "
                f"({_plural(sum(billed.values()), 'line')} paid as it: {billed_text(billed)}); "
                "add its allowance to the profile, and negotiate it"
            )
        yield ""
    if len(summary.plans) > 1 and summary.ranking:
        yield "All plans, impact codes ranked by dollars:"
        for rank, row in enumerate(summary.ranking, 1):
            yield (
                f"  {rank:>4}  {row.paid_as:<7} {money(row.gap):>12}  "
                f"{_plural(row.lines, 'line')}, {row.plan}"
            )
        yield ""
    if raises:
        yield f"Raises, each on its own, over {period_text(summary)}:"
        for r in raises:
            if r.missing_fee:
                yield (
                    f"  {r.raise_.describe()} ({r.plan}): {r.raise_.code} is not in the fee "
                    "schedule; nothing to raise"
                )
                continue
            yield (
                f"  {r.raise_.describe()} ({r.plan}): {_plural(r.lines, 'line')} paid as "
                f"{r.raise_.code}; the plan would have paid {money(r.plan_pays)} more, "
                f"patients {money(-r.patient_owes)} less, and the office would have "
                f"collected {money(r.collected)} more in all"
            )
        yield ""
    yield from _not_counted(facts)
    notes = letter_note(summary, raises)
    if notes:
        yield "Note for the negotiation letter:"
        for text in notes:
            yield ""
            yield from _wrap(text, 92, "  ")


def _not_counted(facts: Mapping[str, Any]) -> Iterator[str]:
    parts = []
    if facts.get("not_paid"):
        parts.append(f"{_plural(facts['not_paid'], 'downgraded line')} the plan pays nothing for")
    if facts.get("duplicates"):
        parts.append(f"{_plural(facts['duplicates'], 'paid history row')} already in the claims")
    if facts.get("skipped_claims"):
        parts.append(f"{_plural(facts['skipped_claims'], 'predetermination or void claim')}")
    for payer, n in (facts.get("no_profile") or {}).items():
        what = "claim or history row" if n == 1 else "claims or history rows"
        parts.append(f"payer {payer}: {n:,} {what} with no profile")
    if parts:
        yield "Not counted: " + "; ".join(parts) + "."
        yield ""


def _wrap(text: str, width: int, indent: str) -> Iterator[str]:
    import textwrap

    yield from textwrap.wrap(text, width, initial_indent=indent, subsequent_indent=indent)


# -- JSON --------------------------------------------------------------------------------


def _row(row: CodeRow, rank: int) -> dict[str, Any]:
    return {
        "rank": rank,
        "plan": row.plan,
        "paid_as": row.paid_as,
        "lines": row.lines,
        "billed": dict(sorted(row.billed.items())),
        "office_fee": _s(row.office_fee),
        "allowance_used": _s(row.allowance),
        "difference": _s(row.gap),
        "patient_share": _s(row.patient_share),
        "office_share": _s(row.office_share),
    }


def report_dict(
    summary: ImpactSummary, raises: Sequence[RaiseOutcome], facts: Mapping[str, Any]
) -> dict[str, Any]:
    """The JSON report (schemas/impact.schema.json). Amounts are strings with two decimals."""
    return {
        "version": "1",
        "period": {
            "first": summary.first.isoformat() if summary.first else None,
            "last": summary.last.isoformat() if summary.last else None,
        },
        "lines": summary.lines,
        "lines_from_claims": summary.lines_from_claims,
        "lines_from_history": summary.lines_from_history,
        "totals": {
            "difference": _s(summary.gap),
            "patient_share": _s(summary.patient_share),
            "office_share": _s(summary.gap - summary.patient_share),
        },
        "plans": [
            {
                "plan": plan.plan,
                "lines": plan.lines,
                "difference": _s(plan.gap),
                "patient_share": _s(plan.patient_share),
                "codes": [_row(row, i) for i, row in enumerate(plan.codes, 1)],
                "missing_from_fee_schedule": [
                    {"paid_as": code, "lines": sum(b.values()), "billed": dict(sorted(b.items()))}
                    for code, b in plan.missing.items()
                ],
            }
            for plan in summary.plans
        ],
        "ranking": [_row(row, i) for i, row in enumerate(summary.ranking, 1)],
        "raises": [
            {
                "raise": r.raise_.describe(),
                "code": r.raise_.code,
                "amount": f"{r.raise_.amount.normalize():f}",
                "percent": r.raise_.percent,
                "plan": r.plan,
                "lines": r.lines,
                "plan_pays": _s(r.plan_pays),
                "patient_owes": _s(r.patient_owes),
                "write_off": _s(r.write_off),
                "collected": _s(r.collected),
                "missing_from_fee_schedule": r.missing_fee,
            }
            for r in raises
        ],
        "not_counted": {
            "not_paid": int(facts.get("not_paid", 0)),
            "duplicates": int(facts.get("duplicates", 0)),
            "skipped_claims": int(facts.get("skipped_claims", 0)),
            "no_profile": dict(facts.get("no_profile") or {}),
        },
        "claims_read": int(facts.get("claims_read", 0)),
        "claims_unparsable": int(facts.get("unparsable", 0)),
        "history_rows": int(facts.get("history_rows", 0)),
        "note": letter_note(summary, raises),
    }


# -- CSV ---------------------------------------------------------------------------------

CSV_HEADER = (
    "plan",
    "rank",
    "paid_as",
    "billed_as",
    "lines",
    "office_fee",
    "allowance_used",
    "difference",
    "patient_share",
    "office_share",
    "in_fee_schedule",
    "period_first",
    "period_last",
)


def render_csv(summary: ImpactSummary) -> str:
    """One row per plan and impact code (ranked), then the codes missing from a fee
    schedule (``in_fee_schedule`` false, no amounts)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    first = summary.first.isoformat() if summary.first else ""
    last = summary.last.isoformat() if summary.last else ""
    for plan in summary.plans:
        for rank, row in enumerate(plan.codes, 1):
            writer.writerow(
                [
                    plan.plan,
                    rank,
                    row.paid_as,
                    " ".join(f"{c}:{n}" for c, n in sorted(row.billed.items())),
                    row.lines,
                    _s(row.office_fee),
                    _s(row.allowance),
                    _s(row.gap),
                    _s(row.patient_share),
                    _s(row.office_share),
                    "true",
                    first,
                    last,
                ]
            )
        for code, billed in plan.missing.items():
            writer.writerow(
                [
                    plan.plan,
                    "",
                    code,
                    " ".join(f"{c}:{n}" for c, n in sorted(billed.items())),
                    sum(billed.values()),
                    "",
                    "",
                    "",
                    "",
                    "",
                    "false",
                    first,
                    last,
                ]
            )
    return out.getvalue()
