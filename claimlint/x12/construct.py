"""Fast model constructors; they live in :mod:`claimlint.core.construct` (every reader uses
them)."""

from claimlint.core.construct import constructor, positional

__all__ = ["constructor", "positional"]
