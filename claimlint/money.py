"""Money helpers: every amount is a ``Decimal``; rounding happens at one documented step.

Rounding rule (the one place claimlint rounds money): amounts read from profiles and claims are
kept exactly as given; the estimate (claimlint/estimate.py) computes each line's plan payment as
``(basis - deductible) * coinsurance`` exactly and rounds **that product** half-up to the cent
(:func:`cents`). Every other figure is a sum or difference of cent amounts, so it is exact.
Totals are sums of the rounded line figures, so the lines always add up to the totals.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

ZERO = Decimal("0")
CENT = Decimal("0.01")
HUNDRED = Decimal("100")


def to_money(value: Any) -> Decimal:
    """A Decimal from an int, str, Decimal or float (floats go through ``str`` to stay exact)."""
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, bool):
        raise ValueError("an amount must be a number, not true/false")
    elif isinstance(value, (int, float, str)):
        try:
            result = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(f"{value!r} is not an amount") from None
    else:
        raise ValueError(f"{value!r} is not an amount")
    if not result.is_finite():
        raise ValueError(f"{value!r} is not a finite amount")
    return result


def cents(value: Decimal) -> Decimal:
    """Round half-up to the cent: 0.005 -> 0.01, 2.675 -> 2.68."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def percent(value: Any) -> Decimal:
    """A percentage (80 or "80") as a fraction (0.8)."""
    return to_money(value) / HUNDRED


def fmt(value: Decimal | None) -> str:
    """``$1,234.50``; ``n/a`` for an unknown amount."""
    if value is None:
        return "n/a"
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(cents(value)):,.2f}"
