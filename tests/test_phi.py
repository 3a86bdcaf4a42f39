"""PHI canary: synthetic patient/subscriber names, member ids, birth dates and addresses in any
input format never appear in any output format unless --show-values is given (DESIGN §6)."""

from __future__ import annotations

import io

import pytest
from click.testing import CliRunner
from test_x12_equivalence import CLAIMS, as_837, as_json

from claimlint.cli import main
from claimlint.core.model import Claim
from claimlint.readers.base import ReadOptions, Source
from claimlint.readers.json import read_json
from claimlint.report.formatters import available
from claimlint.running.convert import claims_to_csv, claims_to_xml

# what as_json/as_837 write for every subscriber: name, member id, birth date, address, ZIP
CANARIES = ("TESTPATIENT", "ALPHA", "SYN000123", "19800101", "1980-01-01", "200 TEST AVE")
CLAIMS_WITH_DEFECTS = [*CLAIMS["coding"], *CLAIMS["billing"]]


def _inputs(tmp_path):
    data = as_json(CLAIMS_WITH_DEFECTS)
    claims = [
        c
        for c in read_json(Source(name="x.json", data=data), ReadOptions())
        if isinstance(c, Claim)
    ]
    files = {"json": tmp_path / "b.json", "837": tmp_path / "b.837"}
    files["json"].write_bytes(data)
    files["837"].write_text(as_837(CLAIMS_WITH_DEFECTS))
    csv_out, xml_out = io.StringIO(), io.BytesIO()
    claims_to_csv(claims, csv_out)
    claims_to_xml(claims, xml_out)
    files["csv"] = tmp_path / "b.csv"
    files["csv"].write_text(csv_out.getvalue())
    files["xml"] = tmp_path / "b.xml"
    files["xml"].write_bytes(xml_out.getvalue())
    return files


@pytest.mark.parametrize("fmt", available())
def test_no_phi_in_any_output_format_for_any_input_format(tmp_path, fmt):
    files = _inputs(tmp_path)
    for kind, path in files.items():
        assert any(c in path.read_text() for c in CANARIES), f"{kind} input lacks the canaries"
        result = CliRunner().invoke(main, ["check", str(path), "--format", fmt])
        assert result.exit_code == 1, result.output  # the claims do have errors
        leaked = [c for c in CANARIES if c in result.output]
        assert leaked == [], f"{fmt} output of {kind} input leaks {leaked}"


def test_side_outputs_and_statistics_carry_no_phi(tmp_path):
    files = _inputs(tmp_path)
    outs = {fmt: tmp_path / f"out.{fmt}" for fmt in ("sarif", "junit", "csv", "gitlab")}
    args = ["check", str(files["837"]), "--statistics"]
    for fmt, path in outs.items():
        args += ["-o", f"{fmt}={path}"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    for path in outs.values():
        text = path.read_text()
        assert text and not [c for c in CANARIES if c in text], path.name


@pytest.mark.parametrize("fmt", ["text", "json", "concise", "sarif"])
def test_a_junk_line_in_an_837_is_never_echoed(tmp_path, fmt):
    """A line of free text inside an X12 file (it may hold patient data) and terminal escape
    codes never reach the output as a 'segment id' or anywhere else."""
    segments = as_837(CLAIMS["clean"]).split("~\n")
    junk = "PATIENT ZEBEDIAH QUIXLEY DOB 01/02/1980 MEMBER 77123"
    segments.insert(10, junk)
    segments.insert(11, "\x1b[31mRED\x1b[0m")
    path = tmp_path / "junk.837"
    path.write_text("~\n".join(segments))
    result = CliRunner().invoke(main, ["check", str(path), "--format", fmt])
    assert result.exit_code == 1
    for leak in ("ZEBEDIAH", "QUIXLEY", "77123", "01/02/1980", "\x1b"):
        assert leak not in result.output, (fmt, leak)
