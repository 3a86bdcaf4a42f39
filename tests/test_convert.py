"""convert: canonical JSON/JSONL of any input; JSON, CSV and XML lint identically."""

from __future__ import annotations

import io
import json

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, TODAY

from claimlint.cli import main
from claimlint.core.config import Config
from claimlint.core.model import Claim
from claimlint.readers.base import ReadOptions, Source, get_reader, sniff
from claimlint.running.convert import claim_to_json, convert
from claimlint.running.engine import Engine

EQUIV = FIXTURES / "csv" / "equivalence"
DEMO = FIXTURES / "demo"


def _claims(path) -> list[dict]:
    source = Source(name=str(path), path=path)
    fmt = sniff(source)
    assert fmt is not None
    items = get_reader(fmt)(source, ReadOptions())
    return [claim_to_json(i) for i in items if isinstance(i, Claim)]


def _findings(path) -> list[tuple]:
    report = Engine(Config(today=TODAY)).lint_paths([str(path)])
    s = report.summary
    return [
        *sorted((f.code, f.location.claim_id or "", f.location.line or 0) for f in report.findings),
        ("summary", s.claims_read, s.claims_linted, s.claims_unparsable),
    ]


DEMO_FORMATS = FIXTURES / "demo-formats"  # the demo batch as CSV and XML (same claims)


@pytest.mark.parametrize(
    ("json_path", "folder"),
    [
        pytest.param(EQUIV / "batch.json", EQUIV, id="equivalence"),
        pytest.param(DEMO / "batch.json", DEMO_FORMATS, id="demo"),
    ],
)
@pytest.mark.parametrize("fmt", ["csv", "xml"])
def test_json_csv_and_xml_give_the_same_claims_and_findings(json_path, folder, fmt):
    other = folder / f"batch.{fmt}"
    assert _claims(other) == _claims(json_path)
    assert _findings(other) == _findings(json_path)
    assert len(_claims(json_path)) >= 3


@pytest.mark.parametrize("source", ["batch.csv", "batch.xml", "batch.json"])
def test_convert_round_trip_lints_the_same(tmp_path, source):
    path = EQUIV / source
    out = io.StringIO()
    result = convert([str(path)], to="json", out=out)
    # EQV1004's charge is not an amount: one CL002, and the claim is written without it
    written = 4
    assert (result.claims_written, result.claims_unparsable) == (written, 4 - written)
    assert [f.code for f in result.findings] == ["CL002"]
    converted = tmp_path / "converted.json"
    converted.write_text(out.getvalue())
    data = json.loads(out.getvalue())
    assert data["version"] == "1" and len(data["claims"]) == written
    original = [f for f in _findings(path) if f[0] not in ("CL002", "summary")]
    again = [f for f in _findings(converted) if f[0] != "summary"]
    assert again == original


def test_convert_keeps_phi_because_it_is_an_export():
    out = io.StringIO()
    convert([str(EQUIV / "batch.csv")], to="jsonl", out=out)
    lines = [json.loads(x) for x in out.getvalue().splitlines()]
    assert lines[0]["patient"]["first_name"] == "ALPHA"
    assert lines[0]["lines"][0] == {
        "line_number": 1,
        "code": "D2392",
        "charge": 250.5,
        "tooth": "30",
        "surfaces": "MO",
        "date_of_service": "2025-06-02",
    }


def test_convert_iso_csv_writes_universal_teeth(tmp_path):
    path = tmp_path / "iso.csv"
    path.write_bytes(b"claim_id;code;tooth;surfaces\nI1;D2391;46;MO\n")
    out = io.StringIO()
    convert([str(path)], to="jsonl", out=out, options=ReadOptions(csv_mapping="iso-chart-export"))
    assert json.loads(out.getvalue())["lines"][0]["tooth"] == "30"


def test_cli_convert(tmp_path):
    target = tmp_path / "out.jsonl"
    runner = CliRunner()
    result = runner.invoke(
        main, ["convert", str(EQUIV / "batch.xml"), "--to", "jsonl", "-o", str(target)]
    )
    assert result.exit_code == 1  # EQV1004's charge could not be read (CL002)
    assert "CL002" in result.stderr and "4 claim(s) written" in result.stderr
    assert len(target.read_text().splitlines()) == 4
    ok = runner.invoke(main, ["convert", str(FIXTURES / "xml" / "sample.xml")])
    assert ok.exit_code == 0 and json.loads(ok.stdout)["claims"][0]["claim_id"] == "XMLS1001"
    assert "PATIENT DATA" in runner.invoke(main, ["convert", "--help"]).output


def test_converted_837_keeps_content_findings_and_drops_x12_structure_findings(tmp_path):
    """README: linting the converted file gives the same claim-content findings; findings about
    the X12 envelope/structure (reader-emitted, Scope.SOURCE: CL117, CL118, ...) are not
    carried over, because the converted JSON has no segments."""
    from collections import Counter

    from claimlint.core.findings import Scope
    from claimlint.running.registry import load_registry

    source_codes = {c.code for c in load_registry().checks if c.scope == Scope.SOURCE}
    path = DEMO / "batch.837"
    out = io.StringIO()
    result = convert([str(path)], to="json", out=out)
    converted = tmp_path / "converted.json"
    converted.write_text(out.getvalue())
    engine = Engine(Config(today=TODAY))
    before = engine.lint_paths([str(path)])
    after = Engine(Config(today=TODAY)).lint_paths([str(converted)])

    def key(report):
        return Counter((f.code, f.location.claim_id, f.severity) for f in report.findings)

    structure = Counter({k: n for k, n in key(before).items() if k[0] in source_codes})
    assert {code for code, _, _ in structure} >= {"CL708", "CL118"}
    # exactly the structure findings are lost, and they were reported while converting
    assert key(after) == key(before) - structure
    assert sorted(f.code for f in result.findings) == sorted(k[0] for k in structure.elements())
    assert not [f for f in after.findings if f.code in source_codes]
    b, a = before.summary, after.summary
    assert (a.claims_read, a.claims_linted) == (b.claims_read, b.claims_linted) == (7, 7)


def test_convert_output_file_is_written_atomically(tmp_path, monkeypatch):
    """``-o FILE`` was opened and written directly: an interrupt or error left a truncated
    file (with patient data) in place of the old one."""
    import claimlint.running.convert as convert_module

    target = tmp_path / "out.json"
    target.write_text("previous\n")
    real = convert_module.convert

    def interrupted(paths, *, to, out, options):
        out.write('{"version": "1", "claims": [')
        raise KeyboardInterrupt

    monkeypatch.setattr(convert_module, "convert", interrupted)
    CliRunner().invoke(main, ["convert", str(DEMO / "batch.json"), "-o", str(target)])
    assert target.read_text() == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]  # no temporary file

    monkeypatch.setattr(convert_module, "convert", real)
    result = CliRunner().invoke(main, ["convert", str(DEMO / "batch.json"), "-o", str(target)])
    assert result.exit_code in (0, 1), result.output
    assert json.loads(target.read_text())["claims"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


def test_convert_to_a_folder_that_cannot_be_written_exits_2_naming_it(tmp_path):
    target = tmp_path / "out.json"
    target.mkdir()
    result = CliRunner().invoke(main, ["convert", str(DEMO / "batch.json"), "-o", str(target)])
    assert result.exit_code == 2 and str(target) in result.output, result.output
    assert "Traceback" not in result.output
