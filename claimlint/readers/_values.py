"""Value parsing shared by the CSV and XML readers (amounts, integers, dates, teeth).

Each parser returns the canonical value or raises ``ValueError`` with a message a billing person
can act on. Dates are lenient like the canonical model: a date that does not parse is kept as
text, so CL112 reports it precisely instead of the whole claim failing.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from claimlint.core.model import parse_date
from claimlint.dental.teeth import iso_to_universal as _dental_iso_to_universal

_TRUE = {"true", "t", "yes", "y", "1", "x"}
_FALSE = {"false", "f", "no", "n", "0"}


# After currency signs, spaces and thousands separators are removed: an optional minus sign,
# digits, optional decimals. No exponents (1e400), underscores (1_000), nan or inf.
_AMOUNT_RE = re.compile(r"[+-]?[0-9]+(?:\.[0-9]*)?|[+-]?\.[0-9]+")
_INT_RE = re.compile(r"[+-]?[0-9]+(?:\.0*)?")

# The largest amount a dental claim can carry (an X12 R element of 10 digits, two of them
# decimals); beyond it a value is a data error, not money, and arithmetic on it (sums,
# estimates) could leave the decimal context. Digits are bounded for the same reason.
MAX_AMOUNT = Decimal("99999999.99")
MAX_AMOUNT_DIGITS = 20
# Line numbers are small positive integers (X12 LX01 has at most 6 digits); quantities are
# procedure counts. Bounds keep every value a 64-bit integer in every output format.
MAX_LINE_NUMBER = 999_999
MAX_QUANTITY = 9_999


def check_amount(value: Decimal) -> Decimal:
    """``value`` when it is a sane amount; ``ValueError`` (not echoing it) when it is not."""
    if not value.is_finite():
        raise ValueError("is not a finite amount")
    if abs(value) > MAX_AMOUNT:
        raise ValueError("is larger than 99,999,999.99, the largest amount a claim can carry")
    if len(value.as_tuple().digits) > MAX_AMOUNT_DIGITS:
        raise ValueError(f"has more than {MAX_AMOUNT_DIGITS} digits")
    return value


def parse_amount(text: str, *, decimal_comma: bool = False) -> Decimal:
    """``"1,234.50"``, ``"$250"``, ``"250,00"`` (decimal comma) → Decimal.

    Only plain decimal notation is an amount: ``1e400``, ``1_000``, ``nan``, ``inf`` and a
    negative zero (``-0``) are rejected with a ``ValueError``.
    """
    raw = text.strip().replace("$", "").replace(" ", "").replace("\u00a0", "")
    raw = raw.replace(".", "").replace(",", ".") if decimal_comma else raw.replace(",", "")
    if raw.startswith("(") and raw.endswith(")"):  # accounting negative
        raw = "-" + raw[1:-1]
    if not _AMOUNT_RE.fullmatch(raw):
        raise ValueError(f"{text.strip()!r} is not an amount")
    try:
        value = Decimal(raw)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        raise ValueError(f"{text.strip()!r} is not an amount") from None
    if value.is_zero() and value.is_signed():
        raise ValueError(f"{text.strip()!r} is not an amount (a negative zero); write 0")
    try:
        return check_amount(value)
    except ValueError as exc:
        raise ValueError(f"the amount {exc}") from None


def parse_int(
    text: str, *, minimum: int = 0, maximum: int = MAX_LINE_NUMBER, what: str = "a whole number"
) -> int:
    """A whole number in ``[minimum, maximum]`` (by default at most 999,999: line numbers and
    counts stay far inside 64 bits whatever the output format)."""
    raw = text.strip()
    if len(raw) > 40 or not _INT_RE.fullmatch(raw):
        raise ValueError(f"{raw[:40]!r} is not {what}")
    value = int(Decimal(raw))
    if value < minimum:
        raise ValueError(f"{raw!r} must be at least {minimum}")
    if value > maximum:
        raise ValueError(f"{raw!r} must be at most {maximum:,}")
    return value


def parse_bool(text: str) -> bool:
    raw = text.strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE or not raw:
        return False
    raise ValueError(f"{text.strip()!r} is not yes/no (use true/false, yes/no, y/n or 1/0)")


def parse_placement(text: str) -> str | None:
    raw = text.strip().upper()
    if not raw:
        return None
    if raw in ("I", "INITIAL"):
        return "I"
    if raw in ("R", "REPLACEMENT"):
        return "R"
    raise ValueError(f"{text.strip()!r} is not I (initial) or R (replacement)")


def parse_date_text(text: str, fmt: str | None = None) -> dt.date | str | None:
    """A date in ``fmt`` (strptime) or ISO/CCYYMMDD; the raw text when it is not a date."""
    raw = text.strip()
    if not raw:
        return None
    if fmt:
        try:
            return dt.datetime.strptime(raw, fmt).date()
        except ValueError:
            pass
    return parse_date(raw) or raw


def clean_tooth(text: str) -> str | None:
    raw = text.strip().upper()
    if raw.startswith("#"):
        raw = raw[1:].strip()
    return raw or None


def iso_to_universal(tooth: str) -> str:
    """ISO 3950 (FDI) two-digit tooth → Universal; ``ValueError`` when not an ISO tooth."""
    result = _dental_iso_to_universal(tooth)
    if result:
        return result
    raise ValueError(
        f"tooth {tooth!r} is not an ISO 3950 tooth number (the input declares ISO numbering; "
        "permanent teeth are 11-18, 21-28, 31-38, 41-48, primary 51-55 ... 81-85)"
    )


_LIST_SPLIT = re.compile(r"[\s,;|/]+")


def split_list(text: str) -> list[str]:
    return [item for item in _LIST_SPLIT.split(text.strip()) if item]
