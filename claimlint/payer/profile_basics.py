"""What code needs of payer profiles without loading one: the profile errors, the defaults that
apply to a claim without a profile, and calendar-month arithmetic.

claimlint.payer.profiles (the parser and the rule classes: a few dozen milliseconds to import)
re-exports every name here; the built-in checks and ``claimlint check`` import this module
instead, so that a run without profiles does not import that one (start-up, issue 16).
"""

from __future__ import annotations

import datetime as dt

DEFAULT_MAX_RESTORATIONS_PER_VISIT = 20


class ProfileError(Exception):
    """A profile that cannot be used; ``str()`` names the file and key path."""

    def __init__(self, file: str, key: str | None, message: str) -> None:
        self.file = file
        self.key = key
        self.detail = message
        super().__init__(f"{file}: {key}: {message}" if key else f"{file}: {message}")


class ProfilePathError(ProfileError):
    """A profile path that does not exist or cannot be looked up (a file name too long): the
    fault of whoever gave the path (the command line, or a configuration file's 'profiles')."""


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` shifted by whole months (end of month clamps: 2025-03-31 - 1 month = 02-28)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    if year < dt.MINYEAR:
        return dt.date.min
    if year > dt.MAXYEAR:
        return dt.date.max
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")
