"""The HL ids of one transaction set, kept compactly.

A later HL needs to know of an earlier one only whether its id is taken, its level and whether
its hierarchy is broken. Ids are almost always 1, 2, 3 … : those live in a ``bytearray``
(one byte per id: level code and broken flag), so a transaction set with millions of HLs costs
a few megabytes at most and keeps no string per HL. Other ids (leading zeros, letters, levels
other than 20/22/23, ids far beyond the ones seen) go to a small dict.
"""

from __future__ import annotations

_LEVELS = ("", "20", "22", "23")
_CODES = {"20": 1, "22": 2, "23": 3}
_BROKEN = 4
_MAX_DIGITS = 9


class HlIndex:
    __slots__ = ("codes", "other")

    def __init__(self) -> None:
        self.codes = bytearray()
        self.other: dict[str, tuple[str, bool]] = {}

    def _slot(self, hid: str) -> int:
        """Index in ``codes`` for a plain decimal id, else -1."""
        if hid.isdigit() and hid.isascii() and len(hid) <= _MAX_DIGITS and hid[0] != "0":
            return int(hid)
        return -1

    def get(self, hid: str) -> tuple[str, bool] | None:
        """(level, broken) of HL ``hid``, or None when no such HL was seen."""
        if hid.isdigit() and hid.isascii() and len(hid) <= _MAX_DIGITS and hid[0] != "0":
            i = int(hid)
            if i < len(self.codes):
                code = self.codes[i]
                if code:
                    return _LEVELS[code & 3], bool(code & _BROKEN)
        return self.other.get(hid) if self.other else None

    def __contains__(self, hid: str) -> bool:
        return self.get(hid) is not None

    def add(self, hid: str, level: str, broken: bool) -> None:
        code = _CODES.get(level)
        i = self._slot(hid)
        if code is not None and i >= 0:
            codes = self.codes
            if i >= len(codes):
                if i > 2 * len(codes) + 4096:  # far beyond the ids seen: not worth the bytes
                    self.other[hid] = (level, broken)
                    return
                codes.extend(bytes(i + 1 - len(codes) + len(codes) // 2))
            codes[i] = code | (_BROKEN if broken else 0)
            if self.other:
                self.other.pop(hid, None)
            return
        if i >= 0 and i < len(self.codes):
            self.codes[i] = 0  # a later HL with the same id and an odd level wins
        self.other[hid] = (level, broken)

    def __len__(self) -> int:
        # len - count(0), not a generator over the bytearray: faster, and mypyc 2.4 cannot
        # compile a comprehension over a bytearray
        return len(self.codes) - self.codes.count(0) + len(self.other)
