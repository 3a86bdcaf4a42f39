"""Every reader, in process, on generated and mutated inputs (see harness.py for the
invariants; conftest.py for the ci and long modes)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from .conftest import assert_clean, report_failures
from .harness import check_not_lost, lint_bytes
from .mutate import COUNT_KEEPING, Mutation, apply_all, mutations, units
from .seeds import expected_claims, seeds

READERS = ["x12", "json", "jsonl", "csv", "xml"]
#: kinds that change one place of the file (not the whole file)
LOCAL = {"flip", "insert", "interesting", "value", "huge", "number", "nul", "bad-utf8"}
UNIT = {"unit-dup", "unit-drop", "unit-swap"}


def _touches_header(data: bytes, fmt: str, m: Mutation) -> bool:
    """Whether ``m`` may change a CSV header line (then every claim may go, with CL001)."""
    if fmt != "csv" or m.kind == "value":  # value mutations pick a data row's cell
        return False
    if m.kind in LOCAL:
        # the position as ``mutate.apply`` takes it: a flip replaces a byte (modulo the length),
        # the others insert or cut at a gap (modulo the length + 1)
        at = m.a % len(data) if m.kind == "flip" and data else m.a % (len(data) + 1)
        return at <= data.find(b"\n") + 1
    if m.kind in UNIT:
        count = len(units(data, fmt))
        return count < 2 or m.a % count == 0 or (m.kind == "unit-swap" and m.b % count == 0)
    return m.kind not in ("crlf", "cr", "utf8-bom")


@pytest.mark.parametrize("fmt", READERS)
def test_valid_seeds_read_cleanly(fmt: str) -> None:
    """The seeds themselves: every claim read, no reader error (else mutations prove little)."""
    for seed in seeds(fmt):
        assert expected_claims(seed) > 0, seed.name


@pytest.mark.parametrize("fmt", READERS)
def test_mutated_inputs_in_process(fmt: str) -> None:
    name = f"reader {fmt} (in process)"

    @given(
        seed=st.sampled_from(seeds(fmt)),
        muts=st.lists(mutations(fmt), min_size=1, max_size=3),
    )
    def run(seed, muts) -> None:  # type: ignore[no-untyped-def]
        data = apply_all(seed.data, fmt, muts)
        out = lint_bytes(data, seed.name, seed.csv_mapping)
        if len(muts) == 1 and muts[0].kind in COUNT_KEEPING:
            check_not_lost(out, expected_claims(seed))
            if fmt in ("csv", "jsonl") and not _touches_header(seed.data, fmt, muts[0]):
                # a line-oriented file: one local change costs at most the claims of the
                # rows it touches, whatever the reader reports about them
                check_not_lost(out, expected_claims(seed), tolerance=2, even_with_errors=True)
        report_failures(name, out.problems, f"seed={seed.name}({len(seed.data)}B) muts={muts}")

    run()
    assert_clean(name)


#: one of each mutation shape on every reader, always run (the random examples add to these)
SHAPES = {
    "crlf": Mutation("crlf"),
    "cr": Mutation("cr"),
    "utf8-bom": Mutation("utf8-bom"),
    "utf16-bom": Mutation("utf16"),
    "empty": Mutation("empty"),
    "nul": Mutation("nul", 700),
    "bad-utf8": Mutation("bad-utf8", 700),
    "number-40-digits": Mutation("number", 40, 40),
    "number-5000-digits": Mutation("number", 41, 5_000),
    "huge-field-140KB": Mutation("huge", 45, 140_000),
    "nest-100k": Mutation("nest", 45, 100_000),
    "quote-in-value": Mutation("value", 50, 0, b'"'),
    "open-quote": Mutation("interesting", 1000, 0, b'"'),
    "bare-cr": Mutation("value", 50, 0, b"a\rb"),
    "rows-swapped": Mutation("unit-swap", 3, 9),
    "row-duplicated": Mutation("unit-dup", 4),
    "iso-tooth-58": Mutation("value", 60, 0, b"58"),
    "charge-12x": Mutation("value", 62, 0, b"12x.00"),
}


@pytest.mark.parametrize(
    ("fmt", "shape"),
    [pytest.param(f, s, id=f"{f}-{s}") for f in READERS for s in SHAPES],
)
def test_each_mutation_shape(fmt: str, shape: str) -> None:
    seed = seeds(fmt)[-1]  # the generated batch of 6 claims
    m = SHAPES[shape]
    if shape == "open-quote":  # a quote that opens a field a third into the file
        third = len(seed.data) // 3
        at = max(seed.data.find(b",", third), seed.data.find(b"*", third), third) + 1
        m = Mutation("interesting", at, 0, b'"')
    out = lint_bytes(apply_all(seed.data, fmt, [m]), seed.name, seed.csv_mapping)
    if m.kind in COUNT_KEEPING:
        check_not_lost(out, expected_claims(seed))
        if fmt in ("csv", "jsonl") and not _touches_header(seed.data, fmt, m):
            check_not_lost(out, expected_claims(seed), tolerance=2, even_with_errors=True)
    assert not out.problems, out.problems


def _every_line_number(fmt: str, digits: int) -> bytes:
    """The 6-claim batch with every service line's number ``digits`` long."""
    import re

    data = seeds(fmt)[-1].data
    nines = b"9" * digits
    if fmt == "xml":
        return re.sub(
            rb"<line_number>\d+</line_number>", b"<line_number>" + nines + b"</line_number>", data
        )
    if fmt in ("json", "jsonl"):
        return re.sub(rb'"line_number": ?\d+', b'"line_number": ' + nines, data)
    if fmt == "x12":
        return re.sub(rb"LX\*\d+~", b"LX*" + nines + b"~", data)
    header, *rows = data.decode().splitlines()
    at = header.split(",").index("line_number")
    out = [header]
    for row in rows:
        cells = row.split(",")
        cells[at] = nines.decode()
        out.append(",".join(cells))
    return ("\n".join(out) + "\n").encode()


@pytest.mark.parametrize("digits", [40, 5_000])
@pytest.mark.parametrize("fmt", READERS)
def test_huge_line_numbers(fmt: str, digits: int) -> None:
    """Issue 10 item 2: a 40-digit line number broke the json outputs ("Integer exceeds
    64-bit range"); the fuzzer found the same in XML, and 5,000 digits an internal error."""
    seed = seeds(fmt)[-1]
    data = _every_line_number(fmt, digits)
    assert b"9" * digits in data
    out = lint_bytes(data, seed.name, seed.csv_mapping)
    check_not_lost(out, expected_claims(seed))
    assert not out.problems, out.problems
