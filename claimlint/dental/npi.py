"""National Provider Identifier (NPI) check digit: Luhn over the number prefixed with 80840.

The NPI is 10 digits; the last one is a Luhn check digit computed over the card-issuer prefix
``80840`` followed by the first nine digits (CMS, "NPI check digit" [S46]). The prefixed
form (15 digits, ``80840`` + NPI) is also accepted, as some systems store it that way.
"""

from __future__ import annotations

from functools import lru_cache

PREFIX = "80840"


def luhn_ok(digits: str) -> bool:
    """True when a string of digits passes the Luhn (mod 10) check."""
    total = 0
    double = False
    for ch in reversed(digits):
        d = ord(ch) - 48
        if double:
            d *= 2
            if d > 9:
                d -= 9
        total += d
        double = not double
    return total % 10 == 0


def normalize_npi(value: str | None) -> str | None:
    """The 10-digit NPI, or None when the value is not 10 (or 80840 + 10) digits."""
    if value is None:
        return None
    text = value.strip()
    if len(text) == 15 and text.startswith(PREFIX):
        text = text[5:]
    if len(text) != 10 or not text.isascii() or not text.isdigit():
        return None
    return text


def npi_valid(value: str | None) -> bool:
    """True for a 10-digit NPI (optionally 80840-prefixed) with a valid check digit."""
    npi = normalize_npi(value)
    return npi is not None and luhn_ok(PREFIX + npi)


@lru_cache(maxsize=4096)
def npi_valid_cached(value: str) -> bool:
    """:func:`npi_valid`, memoised: a batch repeats a handful of provider NPIs."""
    return npi_valid(value)
