"""Valid seed inputs for the fuzzers: the fixtures, and small synthetic batches made by the
benchmark generator (benchmarks/generate.py) and claimlint's own converters.

A seed is ``(name, data, csv_mapping)``; ``name`` carries the suffix that picks the reader.
Every seed is read cleanly before mutation: its claim count is known (``expected_claims``).
"""

from __future__ import annotations

import functools
import importlib.util
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"

#: reader (as the CLI sees it) -> file suffix
SUFFIX = {"x12": ".837", "json": ".json", "jsonl": ".jsonl", "csv": ".csv", "xml": ".xml"}


class Seed:
    """One seed file: ``name`` (with the reader's suffix), bytes, CSV mapping (or None)."""

    __slots__ = ("csv_mapping", "data", "name")

    def __init__(self, name: str, data: bytes, csv_mapping: str | None = None) -> None:
        self.name, self.data, self.csv_mapping = name, data, csv_mapping

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Seed) and (self.name, self.data) == (other.name, other.data)

    def __hash__(self) -> int:
        return hash((self.name, self.data))

    def __repr__(self) -> str:  # hypothesis prints it in a falsifying example
        return f"Seed({self.name!r}, <{len(self.data)} bytes {self.data[:40]!r}...>)"

    @property
    def suffix(self) -> str:
        return Path(self.name).suffix


@functools.cache
def generator():  # type: ignore[no-untyped-def]
    """benchmarks/generate.py as a module (it is a script, not a package)."""
    path = ROOT / "benchmarks" / "generate.py"
    spec = importlib.util.spec_from_file_location("claimlint_bench_generate", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def generated(fmt: str, count: int, seed: int) -> bytes:
    """``count`` synthetic claims (deterministic by ``seed``) in reader format ``fmt``."""
    import orjson

    gen = generator()
    if fmt == "x12":
        out = io.StringIO()
        gen.write_837d(out, count, seed, 30.0, per_st=2)
        return out.getvalue().encode()
    claims = [gen.claim_json(c) for c in gen.claims(count, seed, 30.0)]
    if fmt == "jsonl":
        return b"".join(orjson.dumps(c) + b"\n" for c in claims)
    batch = orjson.dumps({"version": "1", "claims": claims}, option=orjson.OPT_INDENT_2)
    if fmt == "json":
        return batch
    from claimlint.core.model import Claim
    from claimlint.readers.base import ReadOptions, Source
    from claimlint.readers.json import read_json
    from claimlint.running.convert import claims_to_csv, claims_to_xml

    parsed = [
        c
        for c in read_json(Source(name="g.json", data=batch), ReadOptions())
        if isinstance(c, Claim)
    ]
    if fmt == "csv":
        text = io.StringIO()
        claims_to_csv(parsed, text)
        return text.getvalue().encode()
    binary = io.BytesIO()
    claims_to_xml(parsed, binary)
    return binary.getvalue()


_FIXTURE_SEEDS: dict[str, list[tuple[str, str | None]]] = {
    "x12": [("demo/batch.837", None)],
    "json": [
        ("demo/batch.json", None),
        ("demo/plan-batch.json", None),
        ("csv/equivalence/batch.json", None),
    ],
    "jsonl": [],
    "csv": [
        ("demo-formats/batch.csv", None),
        ("csv/equivalence/batch.csv", None),
        ("csv/generic-pms.csv", "generic-pms"),
        ("csv/ledger-export.csv", "ledger-export"),
    ],
    "xml": [
        ("demo-formats/batch.xml", None),
        ("csv/equivalence/batch.xml", None),
        ("xml/sample.xml", None),
    ],
}


@functools.cache
def seeds(fmt: str) -> tuple[Seed, ...]:
    """The seeds of one reader: fixtures, then generated batches of 1, 3 and 6 claims."""
    out = [
        Seed("seed" + SUFFIX[fmt], (FIXTURES / rel).read_bytes(), mapping)
        for rel, mapping in _FIXTURE_SEEDS[fmt]
    ]
    for count, seed in ((1, 7), (3, 11), (6, 23)):
        out.append(Seed("gen" + SUFFIX[fmt], generated(fmt, count, seed)))
    return tuple(out)


@functools.cache
def expected_claims(seed: Seed) -> int:
    """How many claims the unmutated seed holds (claims read, with no reader error)."""
    from .harness import lint_bytes

    outcome = lint_bytes(seed.data, seed.name, seed.csv_mapping)
    assert not outcome.problems, (seed.name, outcome.problems)
    return outcome.summary["claims_read"]
