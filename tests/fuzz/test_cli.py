"""The CLI as a subprocess (``python -m claimlint``, RLIMIT_AS 1 GiB, a timeout): mutated
inputs in text and json output, and hostile inputs too big to try in process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from .conftest import CLI_EXAMPLES, assert_clean, report_failures
from .harness import check_cli_json, cli_problems, run_cli
from .mutate import apply_all, mutations
from .seeds import generated, seeds

READERS = ["x12", "json", "jsonl", "csv", "xml"]


def _args(path: Path, fmt: str, mapping: str | None) -> list[str]:
    args = ["check", str(path), "--format", fmt, "-q"]
    return [*args, "--csv-mapping", mapping] if mapping else args


@pytest.mark.parametrize("fmt", READERS)
def test_mutated_inputs_through_the_cli(fmt: str, tmp_path: Path) -> None:
    name = f"reader {fmt} (CLI)"

    @settings(max_examples=CLI_EXAMPLES)
    @given(
        seed=st.sampled_from(seeds(fmt)),
        muts=st.lists(mutations(fmt), min_size=1, max_size=3),
        out=st.sampled_from(["json", "text"]),
    )
    def run(seed, muts, out) -> None:  # type: ignore[no-untyped-def]
        path = tmp_path / seed.name
        path.write_bytes(apply_all(seed.data, fmt, muts))
        result = run_cli(_args(path, out, seed.csv_mapping), tmp_path)
        problems = check_cli_json(result) if out == "json" else cli_problems(result)
        report_failures(name, problems, f"seed={seed.name} muts={muts} --format {out}")

    run()
    assert_clean(name)


# -- hostile inputs, one each (too big or too slow for many examples) --------------------------


def _big_json_string(size: int) -> bytes:
    data = json.loads(seeds("json")[3].data)
    data["claims"][0]["lines"][0]["note"] = "A" * size
    return json.dumps(data).encode()


def _csv_claims(count: int) -> bytes:
    return generated("csv", count, 5)


def _csv_unterminated_quote() -> bytes:
    lines = _csv_claims(1500).splitlines(keepends=True)
    cells = lines[2].split(b",")
    cells[-1] = b'"' + cells[-1]  # the last cell (a note) of row 2 opens a quote, never closed
    lines[2] = b",".join(cells)
    return b"".join(lines)


def _csv_cell(row: int, cell: bytes) -> bytes:
    lines = _csv_claims(3).splitlines(keepends=True)
    cells = lines[row].rstrip(b"\r\n").split(b",")
    cells[-1] = cell
    lines[row] = b",".join(cells) + b"\n"
    return b"".join(lines)


def _x12_big_lx() -> bytes:
    """Every LX01 of the demo batch (whose claims have findings on their lines) 40 digits."""
    return seeds("x12")[0].data.replace(b"LX*1~", b"LX*" + b"9" * 40 + b"~")


def _csv_big_line_number() -> bytes:
    """Every line_number of the demo CSV (claims with findings on their lines) 40 digits."""
    header, *rows = (ROOT / "fixtures/demo-formats/batch.csv").read_text().splitlines()
    at = header.split(",").index("line_number")
    out = [header]
    for row in rows:
        cells = row.split(",")
        cells[at] = "9" * 40
        out.append(",".join(cells))
    return ("\n".join(out) + "\n").encode()


def _deep_json(depth: int) -> bytes:
    return b'{"version": "1", "claims": [' + b"[" * depth + b"]" * depth + b"]}"


def _deep_xml(depth: int) -> bytes:
    return (
        b'<?xml version="1.0"?><batch version="1"><claims><claim><claim_id>X1</claim_id>'
        + b"<n>" * depth
        + b"</n>" * depth
        + b"</claim></claims></batch>"
    )


ROOT = Path(__file__).resolve().parents[2]


HOSTILE = [
    pytest.param("empty.json", lambda: b"", None, id="empty-json"),
    pytest.param("empty.837", lambda: b"", None, id="empty-837"),
    pytest.param("empty.csv", lambda: b"", None, id="empty-csv"),
    pytest.param("deep.json", lambda: _deep_json(100_000), None, id="json-nesting-100k"),
    pytest.param("deep.xml", lambda: _deep_xml(100_000), None, id="xml-nesting-100k"),
    pytest.param(
        "laughs.xml",
        lambda: (ROOT / "fixtures/xml/hostile/billion-laughs.xml").read_bytes(),
        None,
        id="xml-billion-laughs",
    ),
    pytest.param(
        "xxe.xml", lambda: (ROOT / "fixtures/xml/hostile/xxe.xml").read_bytes(), None, id="xml-xxe"
    ),
    pytest.param(
        "utf16.json",
        lambda: seeds("json")[3].data.decode().encode("utf-16"),
        None,
        id="json-utf16-bom",
    ),
    pytest.param(
        "bom.json",
        lambda: b"\xef\xbb\xbf" + seeds("json")[3].data,
        None,
        id="json-utf8-bom",
    ),
    pytest.param(
        "big.json",
        lambda: _big_json_string(15_000_000),
        None,
        id="json-15MB-string",
    ),
    pytest.param(
        "lx.837",
        _x12_big_lx,
        None,
        id="x12-40-digit-LX01",
    ),
    pytest.param(
        "ln.csv",
        _csv_big_line_number,
        None,
        id="csv-40-digit-line_number",
    ),
    pytest.param(
        "quote.csv",
        _csv_unterminated_quote,
        None,
        id="csv-unterminated-quote-1500-claims",
    ),
    pytest.param(
        "cr.csv",
        lambda: _csv_cell(2, b"abc\rdef"),
        None,
        id="csv-bare-CR-in-unquoted-cell",
    ),
    pytest.param(
        "bigcell.csv",
        lambda: _csv_cell(2, b'"' + b"A" * 200_000 + b'"'),
        None,
        id="csv-quoted-cell-over-128KB",
    ),
]


#: hostile cases also run with text output (the rest with json, whose counts are checked)
TEXT_TOO = {"empty.837", "deep.xml", "cr.csv", "utf16.json"}


@pytest.mark.parametrize(("name", "make", "mapping"), HOSTILE)
def test_hostile_input(name: str, make, mapping, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for fmt in ("json", "text") if name in TEXT_TOO else ("json",):
        _hostile(name, make, mapping, fmt, tmp_path)


def _hostile(name: str, make, mapping, fmt: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_bytes(make())
    result = run_cli(_args(path, fmt, mapping), tmp_path)
    problems = check_cli_json(result) if fmt == "json" else cli_problems(result)
    if name == "quote.csv" and fmt == "json" and result.code in (0, 1):
        summary = json.loads(result.stdout)["summary"]
        errors = [f for f in json.loads(result.stdout)["findings"] if f["severity"] == "error"]
        if summary["claims_read"] < 1499:  # only the claim of the broken row may go
            problems.append(
                f"claims lost: {summary['claims_read']} of 1500 read, {len(errors)} errors"
            )
    assert not problems, (problems, result.stderr[-2000:])


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["check", "nope.json", "--select", "CL3"], id="missing-path-select-CL3"),
        pytest.param(["check", "nope.json"], id="missing-path"),
    ],
)
def test_missing_path_fails_the_run(args: list[str], tmp_path: Path) -> None:
    """A path that does not exist always fails the run, whatever the selection (item: 'a
    missing or unreadable path can pass CI'): a usage error, exit 2, that names the path."""
    result = run_cli(args, tmp_path)
    assert not cli_problems(result, allowed=(2,)), result.stderr
    assert "nope.json: no such file or directory" in result.stderr, result.stderr
