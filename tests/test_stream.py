"""``claimlint.lint_stream``: the findings of lint_paths, lazily, from any iterable."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator

import orjson
import pytest
from conftest import ROOT
from test_parallel import TEST_CHECKS

import claimlint
from claimlint.core.config import Config
from claimlint.running import registry as registry_module
from claimlint.running.engine import Engine
from claimlint.running.lint import InternalError
from claimlint.running.registry import Registry

sys.path.insert(0, str(ROOT / "benchmarks"))
import generate

sys.path.pop(0)

CONFIG = Config(today=dt.date(2026, 1, 15))


@pytest.fixture
def test_rules(monkeypatch):
    """lint_stream uses the installed registry; give it the test rules of test_parallel."""
    monkeypatch.setattr(registry_module, "load_registry", lambda: Registry(TEST_CHECKS))
    import claimlint.running.engine

    monkeypatch.setattr(claimlint.running.engine, "load_registry", lambda: Registry(TEST_CHECKS))


def _records(n: int) -> list[dict]:
    records = [generate.claim_json(c) for c in generate.claims(n, seed=4)]
    records[5] = {"claim_id": "BAD1", "lines": [{"line_number": 0, "code": ""}]}  # CL002
    return records


def identity(f) -> tuple:
    data = f.to_dict(show_values=True)
    data["location"].pop("file")
    data.pop("fingerprint")
    return data


def test_same_findings_as_lint_paths(tmp_path, test_rules):
    records = _records(300)
    path = tmp_path / "claims.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in records) + b"\n")
    expected = Engine(CONFIG, registry=Registry(TEST_CHECKS)).lint_paths([str(path)]).findings
    got = list(claimlint.lint_stream(iter(records), CONFIG))
    same_name = list(claimlint.lint_stream(iter(records), CONFIG, name=str(path)))
    assert [f.to_dict() for f in same_name] == [f.to_dict() for f in expected]
    assert len(got) > 20
    assert {f.code for f in got} >= {"CL002", "CL901", "CL902", "CL903"}
    assert [identity(f) for f in got] == [identity(f) for f in expected]
    assert all(f.fingerprint for f in got)
    assert len({f.fingerprint for f in got}) == len(got)
    # item 5 of the stream is "line 6" of <stream>
    bad = next(f for f in got if f.code == "CL002")
    assert bad.location.file == "<stream>" and bad.location.physical_line == 6


def test_claim_objects_are_linted_as_they_are(test_rules, tmp_path):
    from claimlint.readers.base import ReadOptions, Source
    from claimlint.readers.json import read_jsonl

    records = _records(40)
    path = tmp_path / "claims.jsonl"
    path.write_bytes(b"\n".join(orjson.dumps(r) for r in records) + b"\n")
    claims = [c for c in read_jsonl(Source(str(path), path), ReadOptions()) if hasattr(c, "lines")]
    from_dicts = [identity(f) for f in claimlint.lint_stream(records, CONFIG) if f.code != "CL002"]
    from_claims = [identity(f) for f in claimlint.lint_stream(claims, CONFIG)]
    assert from_claims == from_dicts and from_claims


def test_it_is_lazy(test_rules):
    consumed = 0

    def source() -> Iterator[dict]:
        nonlocal consumed
        for record in _records(10_000):
            consumed += 1
            yield record

    stream = claimlint.lint_stream(source(), CONFIG)
    first = next(stream)
    assert first.code in ("CL901", "CL902", "CL903", "CL002")
    assert consumed < 50  # only as many claims as it took to find the first finding
    more = [next(stream) for _ in range(5)]
    assert len(more) == 5 and consumed < 200


def test_a_failing_check_names_the_claim(monkeypatch):
    from test_parallel import _ThreeSurfaces

    class Boom(_ThreeSurfaces):
        code = "CL999"
        name = "boom"

        def check(self, line, ctx):
            raise ValueError("bug")

    monkeypatch.setattr("claimlint.running.engine.load_registry", lambda: Registry((Boom,)))
    with pytest.raises(InternalError, match="PCN00000001"):
        list(claimlint.lint_stream(_records(8), CONFIG))
