"""FirstSeen: the same answers in memory and after spilling to disk."""

from __future__ import annotations

import datetime as dt

from claimlint.core.spill import FirstSeen


def _run(index: FirstSeen) -> list:
    answers = []
    for i in range(500):
        key = (f"SYN{i % 60}", "D2392", str(i % 5) if i % 11 else None, "MO", dt.date(2025, 1, 1))
        answers.append(index.first(key, ("a.json", f"PCN{i}", i % 4)))
    return answers


def test_spilled_index_answers_like_the_in_memory_one():
    in_memory, spilled = FirstSeen(limit=10**9), FirstSeen(limit=50)
    expected = _run(in_memory)
    assert _run(spilled) == expected
    assert spilled._db is not None and in_memory._db is None  # it really spilled
    assert len(spilled) == len(in_memory) == sum(a is None for a in expected)
    repeat = next(i for i, a in enumerate(expected) if a is not None)
    first = int(expected[repeat][1].removeprefix("PCN"))
    assert first < repeat and expected[first] is None  # a repeat names the first occurrence
    spilled.close()
