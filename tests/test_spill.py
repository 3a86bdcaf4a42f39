"""FirstSeen and SpilledCounter: the same answers in memory and after moving to the compact
digest index; a digest collision is never taken for a repeat."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from claimlint.core import spill
from claimlint.core.spill import DigestIndex, FirstSeen, SpilledCounter


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
    assert spilled._index is not None and in_memory._index is None  # it really moved
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
    assert counter._index is not None  # it moved past 100 keys
    want, seen = [], Counter[tuple]()
    for key in keys:
        want.append(seen[key])
        seen[key] += 1
    assert got == want and max(got) > 1
    counter.close()


def test_a_digest_collision_is_not_a_repeat(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every key gets the same digest: the texts kept on disk still tell them apart."""
    monkeypatch.setattr(DigestIndex, "_digest", staticmethod(lambda text: (7, 12345)))
    index = FirstSeen(limit=0)
    assert index.first(("A",), ("f", "PCN1", 1)) is None
    assert index.first(("B",), ("f", "PCN2", 1)) is None  # same bits, another key: new
    assert index.first(("A",), ("f", "PCN3", 1)) == ("f", "PCN1", 1)
    assert index.first(("B",), ("f", "PCN4", 2)) == ("f", "PCN2", 1)
    assert len(index) == 2
    counter = SpilledCounter(limit=0)
    assert [counter.next(k) for k in [("x",), ("y",), ("x",), ("y",), ("y",)]] == [0, 0, 1, 1, 2]


def test_the_compact_index_holds_about_nine_bytes_per_key():
    index = DigestIndex()
    for i in range(50_000):
        index.add(repr(("SYN", i)), repr(("f", f"PCN{i}", 1)))
    assert index.count == 50_000
    assert index.nbytes() < 12 * 50_000  # entries and array slack, not Python objects
    assert index.find(repr(("SYN", 49_999))) is not None and index.find("nope") is None
    index.close()


def test_defaults_keep_a_small_dict_before_the_index():
    assert spill.DEFAULT_LIMIT <= 10_000
