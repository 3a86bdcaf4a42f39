"""Money helpers: every amount is a ``Decimal``; rounding happens at one documented step.

Rounding rule (the one place claimlint rounds money): amounts read from profiles and claims are
kept exactly as given; the estimate (claimlint/payer/estimate.py) computes each line's plan
payment as ``(basis - deductible) * coinsurance`` exactly and rounds **that product** half-up
to the cent (:func:`cents`). Every other figure is a sum or difference of cent amounts, so it is
exact. Totals are sums of the rounded line figures, so the lines always add up to the totals.

Range: an amount is at most :data:`MAX_AMOUNT` in absolute value. Profiles refuse larger
amounts (a configuration error naming the field); the estimate refuses a larger line charge
(the line is not estimated and says why). :func:`cents` and :func:`fmt` never raise on a
finite Decimal, however many digits it has: they compute in a context as wide as the value.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Any

ZERO = Decimal("0")
CENT = Decimal("0.01")
HUNDRED = Decimal("100")
#: the largest amount (in dollars) a profile may hold and the estimate computes with
MAX_AMOUNT = Decimal("10000000")


def in_range(value: Decimal) -> bool:
    """Whether ``value`` is a finite amount within +/- :data:`MAX_AMOUNT`."""
    return value.is_finite() and abs(value) <= MAX_AMOUNT


def _wide(value: Decimal) -> Context:
    """A context precise enough to hold ``value`` to the cent exactly."""
    digits = max(value.adjusted(), 0) + 4
    return Context(prec=max(28, digits), Emax=999_999_999, Emin=-999_999_999)


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
    """Round half-up to the cent: 0.005 -> 0.01, 2.675 -> 2.68 (exact for any finite value)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP, context=_wide(value))


def percent(value: Any) -> Decimal:
    """A percentage (80 or "80") as a fraction (0.8)."""
    return to_money(value) / HUNDRED


def fmt(value: Decimal | None) -> str:
    """``$1,234.50``; ``n/a`` for an unknown amount."""
    if value is None:
        return "n/a"
    if not value.is_finite():
        return "n/a"
    sign = "-" if value < 0 else ""
    return f"{sign}${cents(value).copy_abs():,.2f}"
