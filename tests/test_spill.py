"""FirstSeen and SpilledCounter: the same answers in memory and after spilling to disk."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from claimlint.core import spill
from claimlint.core.spill import FirstSeen, SpilledCounter


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
    key = (f"SYN{repeat % 60}", "D2392", str(repeat % 5), "MO", dt.date(2025, 1, 1))
    assert spilled.get(key) == in_memory.get(key) is not None
    assert spilled.get(("never", "seen")) is None
    spilled.close()


def test_spilled_counter_counts_like_a_counter():
    keys = [("CL101", "a.837", f"PCN{i % 700}", i % 2, None) for i in range(3000)]
    counter, expected = SpilledCounter(limit=100), Counter[tuple]()
    got = []
    for key in keys:
        got.append(counter.next(key))
        expected[key] += 1
    assert counter._db is not None  # it spilled past 100 keys
    want, seen = [], Counter[tuple]()
    for key in keys:
        want.append(seen[key])
        seen[key] += 1
    assert got == want and max(got) > 1
    counter.close()


def test_defaults_keep_a_small_dict_before_the_spill():
    assert spill.DEFAULT_LIMIT <= 10_000 < spill.LISTS_LIMIT


def test_spilled_keys_keep_none_and_separators_apart():
    """Beyond the dict, keys that print alike (None against "None", a part holding the
    separator) stay distinct keys, as they are in the dict."""
    day = dt.date(2025, 6, 2)
    keys = [
        ("M1", "D2392", None, "MO", day),
        ("M1", "D2392", "None", "MO", day),
        ("M1\x1fD2392", None, "MO", day),
        ("M1", "D2392\x1fNone", "MO", day),
    ]
    for limit in (100, 0):
        seen = FirstSeen(limit=limit)
        assert [seen.first(k, ("f", str(i), i)) for i, k in enumerate(keys)] == [None] * 4
        assert [seen.first(k, ("g", "x", 9)) for k in keys] == [("f", str(i), i) for i in range(4)]
        seen.close()


def test_spilled_keys_of_every_shape_stay_distinct():
    """The short text of a key is one text per key: dates against their ISO text, datetimes,
    ints, parts holding the marks themselves, and the repr fallback's own first character."""
    day = dt.date(2025, 6, 2)
    keys = [
        ("a", day),
        ("a", "2025-06-02"),
        ("a", "\x1d2025-06-02"),
        ("a", dt.datetime(2025, 6, 2)),
        ("a", None),
        ("a", "\x1e"),
        ("a", ""),
        ("a", 1),
        ("a", "1"),
        ("\x1c('a', 1)",),
        ("a\x1f", ""),
        ("a", "\x1f"),
    ]
    texts = {spill._text(k) for k in keys}
    assert len(texts) == len(keys)
    seen = FirstSeen(limit=0)
    assert [seen.first(k, (str(i), i, None)) for i, k in enumerate(keys)] == [None] * len(keys)
    assert [seen.first(k, ("x", 0, None)) for k in keys] == [
        (str(i), i, None) for i in range(len(keys))
    ]
    assert spill._value(spill._blob(("f", 1, None))) == ("f", 1, None)
    assert spill._value(spill._blob(("f", day))) == ("f", day)  # beyond marshal: pickled
    seen.close()
