"""Fast model constructors; they live in :mod:`claimlint.construct` (every reader uses them)."""

from claimlint.construct import constructor, positional

__all__ = ["constructor", "positional"]
