"""CSV reader: grouping, mappings, encodings, dialects and bad input as located findings."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import FIXTURES, TODAY

from claimlint.core.config import Config
from claimlint.core.findings import Finding
from claimlint.core.model import Claim
from claimlint.readers.base import ReadOptions, Source, Unparsable, sniff
from claimlint.readers.csv import read_csv
from claimlint.readers.mappings import MappingError, builtin_names, load_mapping
from claimlint.running.engine import Engine

HEADER = "claim_id,payer_id,date_of_service,total_charge,line_number,code,charge,tooth,surfaces\n"


def read(data: str | bytes, name: str = "t.csv", **options) -> list:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return list(read_csv(Source(name=name, data=raw), ReadOptions(**options)))


def claims(items: list) -> list[Claim]:
    return [i for i in items if isinstance(i, Claim)]


def findings(items: list) -> list[Finding]:
    out: list[Finding] = []
    for i in items:
        if isinstance(i, Finding):
            out.append(i)
        elif isinstance(i, Unparsable):
            out.extend(i.findings)
    return out


def test_rows_are_grouped_into_claims_with_row_positions():
    items = read(
        HEADER + "A1,P1,2025-06-02,395.00,1,D2392,250,#30,MO\n"
        "A1,,,,2,d0120,145,,\n"
        'B2,P1,2025-06-03,100,1,D2150,100,3,"M,O"\n'
    )
    got = claims(items)
    assert [c.claim_id for c in got] == ["A1", "B2"]
    a1 = got[0]
    assert a1.payer_id == "P1" and a1.total_charge == Decimal("395.00")
    assert a1.date_of_service == dt.date(2025, 6, 2)
    assert [(ln.line_number, ln.code, ln.tooth, ln.surfaces) for ln in a1.lines] == [
        (1, "D2392", "30", ("M", "O")),
        (2, "D0120", None, ()),
    ]
    ref = a1.lines[0].where("surfaces")
    assert (ref.field, ref.pointer, ref.line, ref.column) == ("surfaces", "row 2", 2, 9)
    assert a1.where("total_charge").line == 2
    assert findings(items) == []


@pytest.mark.parametrize("written", ["MOD", "M,O,D", "M O D", "m;o;d"])
def test_surface_spellings(written):
    (claim,) = claims(read(HEADER + f'A1,P1,2025-06-02,1,1,D2160,1,30,"{written}"\n'))
    assert claim.lines[0].surfaces == ("M", "O", "D")


def test_non_adjacent_claim_rows_are_grouped_by_claim_id(tmp_path):
    # an export sorted by date: the rows of A1 are not next to each other
    text = (
        HEADER + "A1,P1,2025-06-02,4,1,D0120,1,,\nA1,P1,2025-06-02,4,2,D0140,1,,\n"
        "B2,P1,2025-06-02,2,1,D0120,1,,\n"
        "A1,P1,2025-06-02,4,3,D1110,1,,\nA1,,,,4,D1110,1,,\n"
        "B2,P1,2025-06-02,2,2,D1110,1,,\n"
    )
    items = read(text)
    got = claims(items)
    assert [c.claim_id for c in got] == ["A1", "B2"]  # order of first appearance
    a1, b2 = got
    assert [ln.code for ln in a1.lines] == ["D0120", "D0140", "D1110", "D1110"]
    assert [ln.ref.line for ln in a1.lines] == [2, 3, 5, 6]
    assert [ln.ref.pointer for ln in a1.lines] == ["row 2", "row 3", "row 5", "row 6"]
    assert [ln.code for ln in b2.lines] == ["D0120", "D1110"]
    assert findings(items) == []
    path = tmp_path / "unsorted.csv"
    path.write_text(text)
    report = Engine(Config(today=TODAY)).lint_paths([str(path)])
    s = report.summary
    assert (s.claims_read, s.claims_linted, s.claims_unparsable) == (2, 2, 0)
    assert not [f for f in report.findings if f.code in ("CL106", "CL002")]


def test_unsorted_export_with_a_broken_row_of_an_already_read_claim():
    text = (
        HEADER + "A1,P1,2025-06-02,3,1,D0120,1,,\n"
        "B2,P1,2025-06-02,1,1,D0120,1,,\n"
        "A1,P1,2025-06-02,3,2,D0140,1,,\n"
        "A1,P1,2025-06-02,3\n"  # ragged: reported on A1
        "A1,P1,2025-06-02,3,3,D1110,1,,\n"
        "C3,P1,2025-06-02,1,1,D0120,1,,\n"
    )
    items = read(text)
    got = [(c.claim_id, len(c.lines)) for c in claims(items)]
    assert got == [("A1", 3), ("B2", 1), ("C3", 1)]
    (bad,) = findings(items)
    assert bad.code == "CL002" and bad.location.claim_id == "A1"
    assert bad.location.pointer == "row 5"


def test_unsorted_index_spills_to_sqlite_and_keeps_order(monkeypatch):
    import claimlint.core.spill as spill

    monkeypatch.setattr(spill.FirstSeen.__init__, "__defaults__", (5,))
    monkeypatch.setattr(spill.SpilledLists.__init__, "__defaults__", (5,))
    rows = [HEADER]
    for rep in range(3):
        for n in range(40):
            rows.append(f"C{n:03d},P1,2025-06-02,3,{rep + 1},D0120,1,,\n")
    got = claims(read("".join(rows)))
    assert [c.claim_id for c in got] == [f"C{n:03d}" for n in range(40)]
    assert all([ln.line_number for ln in c.lines] == [1, 2, 3] for c in got)


def test_unsorted_csv_on_stdin_pipe_is_grouped(tmp_path):
    import subprocess
    import sys

    text = (
        HEADER + "A1,P1,2025-06-02,2,1,D0120,1,,\nB2,P1,2025-06-02,1,1,D0120,1,,\n"
        "A1,P1,2025-06-02,2,2,D0140,1,,\n"
    )
    out = subprocess.run(
        [sys.executable, "-m", "claimlint", "check", "-", "--format", "json"],
        input=text.encode(),
        capture_output=True,
        check=False,
    )
    assert out.returncode in (0, 1), out.stderr
    report = json.loads(out.stdout)
    assert report["summary"]["claims_read"] == 2
    assert not [f for f in report["findings"] if f["code"] in ("CL106", "CL002")]


def test_bad_values_are_findings_at_their_field_and_the_claim_is_linted():
    text = (
        HEADER + "A1,P1,2025-06-02,1,1,D0120,ten,,\nA1,P1,2025-06-02,1,2,D0120,x,,\n"
        "B2,P1,2025-06-02,1,1,D0120,1,,\n"
    )
    items = read(text)
    assert [c.claim_id for c in claims(items)] == ["A1", "B2"]
    assert not [i for i in items if isinstance(i, Unparsable)]
    first, second = findings(items)
    assert first.code == "CL002" and first.location.claim_id == "A1"
    assert first.location.field == "charge" and first.location.physical_line == 2
    assert "'ten' is not an amount" in first.message
    assert second.location.physical_line == 3
    assert (first.location.line, second.location.line) == (1, 2)  # service lines
    a1 = claims(items)[0]
    assert [ln.charge for ln in a1.lines] == [None, None]


def test_iso_tooth_and_bad_charge_do_not_hide_the_rest_of_the_claim(tmp_path):
    mapping = tmp_path / "iso.toml"
    mapping.write_text('tooth_numbering = "iso"\n')
    path = tmp_path / "iso.csv"
    path.write_text(
        HEADER + "A1,P1,2025-06-02,500.00,1,D2391,100.00,19,O\n"
        "A1,,,,2,D2150,12x.00,46,MODB\n"
        "A1,,,,3,D2140,100.00,36,Q\n"
    )
    report = Engine(Config(today=TODAY, csv_mapping=str(mapping))).lint_paths([str(path)])
    s = report.summary
    assert (s.claims_read, s.claims_linted, s.claims_unparsable) == (1, 1, 0)
    got = {(f.code, f.location.physical_line, f.location.field) for f in report.findings}
    assert ("CL204", 2, "tooth") in got  # impossible ISO tooth: the specific rule
    assert ("CL002", 3, "charge") in got  # bad amount at its cell
    assert ("CL205", 4, "surfaces") in got  # bad surface letter
    assert any(f.code == "CL106" for f in report.findings)  # the total is still checked
    # the surface count of line 2 is still checked (D2150 is two surfaces, MODB is four)
    assert any(f.code == "CL301" and f.location.physical_line == 3 for f in report.findings)


def test_conflicting_claim_values_are_a_row_finding():
    items = read(HEADER + "A1,P1,2025-06-02,1,1,D0120,1,,\nA1,P2,2025-06-02,1,2,D0120,1,,\n")
    (bad,) = [i for i in items if isinstance(i, Unparsable)]
    assert "payer_id" in bad.findings[0].message and "row 2" in bad.findings[0].message


def test_unknown_columns_are_reported_once_per_file():
    items = read("claim_id,code,Surf.,Chart Color\nA1,D0120,MO,red\nA1,D1110,,blue\nB2,D0120,,\n")
    cl003 = [f for f in findings(items) if f.code == "CL003"]
    assert len(cl003) == 1
    assert "'Surf.'" in cl003[0].message and "'Chart Color'" in cl003[0].message
    assert cl003[0].location.physical_line == 1 and cl003[0].location.column == 3
    assert len(claims(items)) == 2


def test_ignored_columns_are_not_reported(tmp_path):
    mapping = tmp_path / "m.toml"
    mapping.write_text('ignore = ["Chart Color"]\n')
    items = read("claim_id,code,Chart Color\nA1,D0120,red\n", csv_mapping=str(mapping))
    assert findings(items) == [] and len(claims(items)) == 1


def test_ragged_rows_are_located():
    items = read(HEADER + "A1,P1,2025-06-02,1,1,D0120\nB2,P1,2025-06-02,1,1,D0120,1,,,\n")
    # a broken row next to no row of its claim id is a file-level finding, not a claim
    assert not [i for i in items if isinstance(i, Unparsable)]
    (f,) = findings(items)
    assert "6 values but the header has 9 columns" in f.message
    assert (f.location.pointer, f.location.physical_line, f.location.claim_id) == ("row 2", 2, None)
    # trailing empty extra values are tolerated
    assert [c.claim_id for c in claims(items)] == ["B2"]


@pytest.mark.parametrize(
    "junk",
    [
        "JOHN DOE 1980-12-31 M001",
        "JOHN DOE,1980-12-31,M001,SYN000123",
        "JOHN\x00DOE\x01\x02,D0120,10",
        '"JOHN DOE,D0120,10',
    ],
)
def test_junk_row_is_not_a_claim_and_its_cells_are_not_shown(junk, tmp_path):
    text = f"claim_id,code,charge\nC1,D0120,10\n{junk}\nC2,D0120,10\n"
    items = read(text)
    assert [c.claim_id for c in claims(items)] == ["C1", "C2"]
    assert not [i for i in items if isinstance(i, Unparsable)]
    (f,) = findings(items)
    assert f.code == "CL002" and f.location.physical_line == 3 and f.location.pointer == "row 3"
    assert f.location.claim_id is None and not f.evidence
    for secret in ("JOHN", "DOE", "1980", "M001", "SYN000123"):
        assert secret not in f.message
    path = tmp_path / "junk.csv"
    path.write_text(text)
    report = Engine(Config(today=TODAY)).lint_paths([str(path)])
    s = report.summary
    assert (s.claims_read, s.claims_linted, s.claims_unparsable) == (2, 2, 0)
    assert not any("JOHN" in (x.location.claim_id or "") + x.message for x in report.findings)


def test_broken_row_of_an_adjacent_claim_makes_that_claim_unparsable():
    before = read("claim_id,code,charge\nC1,D0120,10\nC1,D0140\nC2,D0120,10\n")
    after = read("claim_id,code,charge\nC1,D0120,10\nC2,D0140\nC2,D0120,10\n")
    for items, bad_id, good_id in ((before, "C1", "C2"), (after, "C2", "C1")):
        assert [c.claim_id for c in claims(items)] == [good_id]
        (bad,) = [i for i in items if isinstance(i, Unparsable)]
        assert bad.claim_id == bad_id and "2 values but the header has 3" in bad.findings[0].message
        assert bad.findings[0].location.physical_line == 3


def test_unterminated_quote_is_reported_and_following_rows_recovered():
    items = read(
        HEADER + 'A1,P1,2025-06-02,1,1,D0120,"1,,\nB2,P1,2025-06-02,1,1,D0120,1,,\n'
        "C3,P1,2025-06-02,1,1,D0120,1,,\n"
    )
    assert [c.claim_id for c in claims(items)] == ["B2", "C3"]
    # the claim id comes before the quote, so row 2 is claim A1's: counted, not linted
    (bad,) = [i for i in items if isinstance(i, Unparsable)]
    (f,) = findings(items)
    assert bad.claim_id == f.location.claim_id == "A1" and "unterminated quote" in f.message
    assert (f.location.physical_line, f.location.column) == (2, 7)


def test_binary_file_is_cl001_not_a_traceback():
    items = read(b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)) * 4, name="x.csv")
    (f,) = findings(items)
    assert f.code == "CL001" and "ZIP" in f.message
    (f,) = findings(read(bytes(range(256)) * 8))
    assert f.code == "CL001"


def test_binary_junk_inside_a_row_is_a_row_finding():
    items = read(
        HEADER + "A1,P1,2025-06-02,1,1,D0\x00\x01120,1,,\nB2,P1,2025-06-02,1,1,D0120,1,,\n"
    )
    (f,) = findings(items)
    assert "binary data" in f.message and f.location.physical_line == 2
    assert [c.claim_id for c in claims(items)] == ["B2"]


def test_utf8_bom_and_cp1252_are_read():
    text = "claim_id,code,note\nA1,D0120,Crème brûlée\n"
    for data in (b"\xef\xbb\xbf" + text.encode("utf-8"), text.encode("cp1252")):
        items = read(data)
        assert findings(items) == []
        assert claims(items)[0].lines[0].note == "Crème brûlée"


def test_mixed_encodings_are_one_warning_and_nothing_is_lost():
    data = (
        b"claim_id,code,note\n"
        + "A1,D0120,Crème\n".encode()
        + "B2,D0120,Crème\n".encode("cp1252")
        + "C3,D0120,Crème\n".encode("cp1252")
    )
    items = read(data)
    (f,) = findings(items)
    assert f.code == "CL001" and f.severity.value == "warning"
    assert f.location.physical_line == 3 and "Windows-1252" in f.message
    assert [c.lines[0].note for c in claims(items)] == ["Crème"] * 3


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_delimiter_is_detected(delimiter):
    text = delimiter.join(["claim_id", "code", "charge"]) + "\n"
    text += delimiter.join(["A1", "D0120", "1,50"]) + "\n"
    (claim,) = claims(read(text))
    assert claim.lines[0].code == "D0120"


def test_builtin_mapping_and_hint():
    text = "Claim ID,Procedure Code,Fee,Tooth,Surface,Claim DOS\n"
    text += 'A1,D2391,"$1,250.00",#19,MO,06/02/2025\n'
    items = read(text)
    (f,) = findings(items)
    assert f.code == "CL001" and "generic-pms" in f.message
    (claim,) = claims(read(text, csv_mapping="generic-pms"))
    assert claim.lines[0].charge == Decimal("1250.00")
    assert claim.date_of_service == dt.date(2025, 6, 2)
    assert claim.lines[0].where("tooth").field == "Tooth"


def test_iso_mapping_converts_teeth_and_keeps_the_original():
    text = "claim_id;code;charge;tooth;surfaces;date_of_service;missing_teeth\n"
    text += "A1;D2391;1.250,50;46;MO;02.06.2025;18 28\n"
    (claim,) = claims(read(text, csv_mapping="iso-chart-export"))
    entry = claim.lines[0].teeth[0]
    assert (entry.tooth, entry.original) == ("30", "46")
    assert claim.lines[0].charge == Decimal("1250.50")
    assert claim.date_of_service == dt.date(2025, 6, 2)
    assert [m.tooth for m in claim.missing_teeth] == ["1", "16"]
    # an impossible ISO number is kept as written (CL204 reports it), without a Universal tooth
    (claim,) = claims(read("claim_id;code;tooth\nA1;D2391;19\n", csv_mapping="iso-chart-export"))
    entry = claim.lines[0].teeth[0]
    assert (entry.tooth, entry.original, entry.system) == (None, "19", "iso")


def test_user_mapping_file(tmp_path):
    mapping = tmp_path / "mine.toml"
    mapping.write_text(
        'date_format = "%m/%d/%Y"\nfill_down = true\n[columns]\nclaim_id = "Claim #"\n'
        'code = "Proc"\n'
    )
    items = read(
        "Claim #,Proc,date_of_service\nA1,D0120,06/02/2025\n,D1110,\n", csv_mapping=str(mapping)
    )
    (claim,) = claims(items)
    assert [ln.code for ln in claim.lines] == ["D0120", "D1110"]
    assert claim.date_of_service == dt.date(2025, 6, 2)


def test_bad_mapping_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[columns]\nsurfacez = "S"\n')
    with pytest.raises(MappingError, match="surfacez"):
        load_mapping(str(bad))
    (f,) = findings(read(HEADER, csv_mapping=str(bad)))
    assert f.code == "CL001" and "surfacez" in f.message


def test_phi_values_never_appear_in_messages():
    text = "claim_id,code,patient_first_name\nA1,D0120,ALPHA\nA1,D1110,GAMMA\n"
    (bad,) = [i for i in read(text) if isinstance(i, Unparsable)]
    message = bad.findings[0].message
    assert "GAMMA" not in message and "ALPHA" not in message


def test_engine_accounts_for_every_claim(tmp_path):
    path = tmp_path / "batch.csv"
    path.write_text(
        HEADER + "A1,P1,2025-06-02,1,1,D0120,1,,\nB2,P1,2025-06-02,1,1,D0120,x,,\n"
        ",P1,2025-06-02,1,1,D0120,1,,\n"
    )
    assert sniff(Source(name=str(path), path=path)) == "csv"
    report = Engine(Config(today=TODAY)).lint_paths([str(path)])
    s = report.summary
    # B2's bad charge is a finding at its cell; only the row without a claim id is unparsable
    assert (s.claims_read, s.claims_linted, s.claims_unparsable) == (3, 2, 1)


def test_rule_fixtures_exist_for_cl003():
    assert (FIXTURES / "rules" / "CL003" / "fail.csv").is_file()
    assert (FIXTURES / "rules" / "CL003" / "pass.csv").is_file()


def test_fixture_exports_read_cleanly():
    for path in sorted((FIXTURES / "csv").glob("*.csv")):
        options = ReadOptions(csv_mapping=path.stem if path.stem in builtin_names() else None)
        items = list(read_csv(Source(name=str(path), path=Path(path)), options))
        assert claims(items) and findings(items) == [], path


def test_cell_positions_are_lazy_and_equal_an_eager_source_ref():
    """A cell's position is kept as coordinates; the SourceRef it builds is the eager one."""
    from claimlint.core.model import SourceRef

    data = b"claim_id,line,code,tooth\nC1,1,D2150,3\n"
    claims = [
        i for i in read_csv(Source(name="f.csv", data=data), ReadOptions()) if isinstance(i, Claim)
    ]
    line = claims[0].lines[0]
    assert line._ref.__class__ is tuple  # not built yet
    assert line.ref == SourceRef("f.csv", "code", "row 2", 2, 3)
    assert line.where("tooth") == SourceRef("f.csv", "tooth", "row 2", 2, 4)
    assert line.teeth[0].ref == line.where("tooth")


@pytest.mark.parametrize("amount", ["1e400", "1_000", "-0", "nan", "inf", "-0.00", "Infinity"])
def test_loose_numbers_are_not_amounts(amount):
    items = read(f"claim_id,code,charge\nA1,D0120,{amount}\nB2,D0120,10\n")
    assert [c.claim_id for c in claims(items)] == ["A1", "B2"]  # A1 linted without the charge
    assert claims(items)[0].lines[0].charge is None
    (f,) = findings(items)
    assert f.code == "CL002" and "is not an amount" in f.message and f.location.claim_id == "A1"
    assert (f.location.physical_line, f.location.column, f.location.field) == (2, 3, "charge")


@pytest.mark.parametrize("quantity", ["1e3", "1_0"])
def test_loose_numbers_are_not_quantities(quantity):
    items = read(f"claim_id,code,quantity\nA1,D0120,{quantity}\n")
    (f,) = findings(items)
    assert "is not a whole number" in f.message and f.location.field == "quantity"


@pytest.mark.parametrize(
    "head",
    [
        b"claim_id,code,charge\nA1,D0120,10\n",
        b"\xef\xbb\xbfclaim_id;code\nA1;D0120\n",
        b"Claim ID\tProcedure Code\tFee\nA1\tD0120\t10\n",
        b'"code"|"claim_id"\nD0120|A1\n',
    ],
)
def test_csv_content_is_sniffed_without_a_suffix(head, tmp_path):
    assert sniff(Source(name="<stdin>", data=head)) == "csv"
    path = tmp_path / "export.dat"
    path.write_bytes(head)
    assert sniff(Source(name=str(path), path=path)) == "csv"


@pytest.mark.parametrize("head", [b"hello, world\n", b"claim_id\nA1\n", b"name,age\nA,1\n"])
def test_text_that_is_not_a_claim_csv_is_not_sniffed_as_csv(head):
    assert sniff(Source(name="<stdin>", data=head)) is None


def test_csv_on_stdin_is_linted():
    from click.testing import CliRunner

    from claimlint.cli import main

    data = (FIXTURES / "csv" / "equivalence" / "batch.csv").read_bytes()
    result = CliRunner().invoke(main, ["check", "-", "--format", "json"], input=data)
    report = json.loads(result.stdout)
    assert "Cannot tell what kind of file" not in result.stdout
    assert report["summary"]["claims_read"] == 4


# -- issue 10: spreadsheet artefacts, fault-campaign failures, huge numbers --------------------


def _cli(*args: str):
    from click.testing import CliRunner

    from claimlint.cli import main

    return CliRunner().invoke(main, ["check", *args, "--today", TODAY.isoformat()])


def _claims_file(tmp_path: Path, n: int = 3000, change=None) -> Path:
    rows = [HEADER]
    for i in range(n):
        rows.append(f"C{i:05d},P1,2025-06-02,250.00,1,D2391,250.00,30,O\n")
    if change is not None:
        change(rows)
    path = tmp_path / "big.csv"
    path.write_bytes("".join(rows).encode())
    return path


def test_spreadsheet_float_tooth_and_line_numbers_are_accepted():
    items = read(
        HEADER + "A1,P1,2025-06-02,3,1.0,D2391,1,30.0,O\n"
        "A1,,,,2.00,D2391,1,#3.00,O\n"
        "A1,,,,3,D2391,1,30.5,O\n"
    )
    (claim,) = claims(items)
    assert [ln.tooth for ln in claim.lines] == ["30", "3", "30.5"]  # 30.5 is left to CL202
    assert [ln.line_number for ln in claim.lines] == [1, 2, 3]
    assert findings(items) == []


@pytest.mark.parametrize(
    ("written", "day"),
    [
        ("06/22/2025", dt.date(2025, 6, 22)),  # only month first is a date
        ("22/06/2025", dt.date(2025, 6, 22)),  # only day first is a date
        ("06/06/2025", dt.date(2025, 6, 6)),  # both readings are the same day
        ("2025-06-02 00:00:00", dt.date(2025, 6, 2)),
        ("2025/06/02", dt.date(2025, 6, 2)),
    ],
)
def test_unambiguous_spreadsheet_dates_are_read(written, day):
    (claim,) = claims(read(HEADER + f"A1,P1,{written},1,1,D0120,1,,\n"))
    assert claim.date_of_service == day


def test_ambiguous_us_date_says_how_to_fix_it():
    items = read(HEADER + "A1,P1,06/02/2025,1,1,D0120,1,,\n")
    (claim,) = claims(items)  # still linted, without the date
    assert claim.date_of_service is None
    (f,) = findings(items)
    assert f.code == "CL112" and f.location.field == "date_of_service"
    assert (f.location.physical_line, f.location.column) == (2, 3)
    assert "date_format" in f.message and "%m/%d/%Y" in f.message
    assert "date_of_service" in f.message and "06/02/2025" in f.message


def test_unterminated_quote_in_row_2_of_3000_claims_loses_nothing(tmp_path):
    def quote(rows):
        rows[2] = rows[2].replace("D2391", '"D2391')

    path = _claims_file(tmp_path, change=quote)
    engine = Engine(Config(today=TODAY))
    report = engine.lint_paths([str(path)])
    s = report.summary
    assert not engine.errors
    assert s.claims_read == 3000 and s.claims_linted + s.claims_unparsable == 3000
    assert s.claims_linted == 2999
    (f,) = report.findings
    assert f.code == "CL002" and f.location.physical_line == 3 and "quote" in f.message
    assert f.location.column == 6


def test_quote_closed_far_below_does_not_swallow_rows(tmp_path):
    def quotes(rows):
        rows[2] = rows[2].replace("D2391", '"D2391')
        rows[40] = rows[40].replace("D2391", 'D2391"')

    path = _claims_file(tmp_path, n=100, change=quotes)
    report = Engine(Config(today=TODAY)).lint_paths([str(path)])
    s = report.summary
    # row 3 (the quote opened) is not linted; row 41 is read with its odd code
    assert (s.claims_read, s.claims_linted, s.claims_unparsable) == (100, 99, 1)
    assert sorted(f.location.physical_line for f in report.findings) == [3, 41]


def test_bare_cr_in_an_unquoted_cell_is_a_finding_at_its_row(tmp_path):
    def cr(rows):
        rows[6] = rows[6].replace(",O\n", ",O\rX\n")

    path = _claims_file(tmp_path, change=cr)
    result = _cli(str(path))
    assert result.exit_code == 1, result.output
    assert "All checks passed" not in result.output and "internal error" not in result.output
    assert "line 7, col 9; row 7" in result.output and "carriage return" in result.output
    assert "3000 claims read in 1 file, 2999 linted, 1 could not be read" in result.output


def test_quoted_cell_over_the_csv_field_limit_is_a_finding(tmp_path):
    def huge(rows):
        rows[6] = rows[6].replace(",O\n", ',"' + "O" * 140_000 + '"\n')

    path = _claims_file(tmp_path, change=huge)
    engine = Engine(Config(today=TODAY))
    report = engine.lint_paths([str(path)])
    assert not engine.errors
    (f,) = report.findings
    assert f.code == "CL002" and (f.location.physical_line, f.location.column) == (7, 9)
    assert "131,072 characters" in f.message
    s = report.summary
    assert s.claims_read == 3000 and s.claims_linted == 2999


def test_header_running_into_data_does_not_echo_phi(tmp_path):
    path = tmp_path / "shifted.csv"
    path.write_text(
        "claim_id,code,charge,Provider_Name,TESTPATIENT,ALPHA,SYN000123,1980-01-01\n"
        "A1,D0120,10,,,,,\n"
    )
    result = _cli(str(path))
    assert result.exit_code == 1, result.output  # the row lacks a total and a date
    assert "CL003" in result.output and "column 5" in result.output
    for canary in ("TESTPATIENT", "ALPHA", "SYN000123", "1980-01-01", "Provider_Name"):
        assert canary not in result.output
    shown = _cli(str(path), "--show-values")
    assert "SYN000123" in shown.output


def test_unknown_column_names_are_shown_when_the_header_is_clean():
    items = read("claim_id,code,Provider Name,Chair\nA1,D0120,X,2\n")
    (f,) = findings(items)
    assert f.code == "CL003" and "'Provider Name' (column 3)" in f.message
    assert "'Chair' (column 4)" in f.message


def test_huge_line_number_is_a_bad_value_and_json_output_works(tmp_path):
    path = tmp_path / "huge.csv"
    path.write_text(HEADER + "A1,P1,2025-06-02,1," + "9" * 40 + ",D0120,1,,\n")
    for fmt in ("json", "jsonl"):
        result = _cli(str(path), "--format", fmt)
        assert result.exit_code == 1, result.output
        assert "Integer exceeds" not in result.output
        lines = result.output.strip().splitlines()
        data = json.loads(result.output) if fmt == "json" else json.loads(lines[0])
        found = data["findings"] if fmt == "json" else [data]
        assert [(f["code"], f["location"]["field"]) for f in found] == [("CL002", "line_number")]


def _lint_csv(tmp_path: Path, name: str, text: str):
    path = tmp_path / name
    path.write_bytes(text.encode())
    engine = Engine(Config(today=TODAY))
    report = engine.lint_paths([str(path)])
    assert not engine.errors
    return report


def test_two_broken_rows_of_one_claim_between_other_claims_count_once(tmp_path):
    # the claim id comes before the bad cell (a bare CR), so both rows are claim X's
    text = (
        "claim_id,code,charge,tooth,surfaces\nA,D2140,100.00,3,O\n"
        "X,D2140,10\r0.00,3,O\nX,D2140,10\r0.00,3,O\nB,D2140,100.00,3,O\n"
    )
    report = _lint_csv(tmp_path, "dbl.csv", text)
    s = report.summary
    assert (s.claims_read, s.claims_linted, s.claims_unparsable) == (3, 2, 1)
    bad = [f for f in report.findings if f.code == "CL002"]
    assert [f.location.claim_id for f in bad] == ["X", "X"]
    assert [f.location.physical_line for f in bad] == [3, 4]


def test_broken_row_of_a_claim_makes_it_not_linted_in_any_row_order(tmp_path):
    head = "claim_id,code,charge,tooth,surfaces\n"
    broken = "X,D2140,10\r0.00,3,O\n"
    unsorted = head + "X,D2140,100.00,3,O\nA,D2140,100.00,3,O\nX,D2140,100.00,4,O\n" + broken
    ordered = head + "X,D2140,100.00,3,O\nX,D2140,100.00,4,O\n" + broken + "A,D2140,100.00,3,O\n"
    first = head + broken + "A,D2140,100.00,3,O\nX,D2140,100.00,3,O\nX,D2140,100.00,4,O\n"
    results = []
    for n, text in enumerate((unsorted, ordered, first)):
        report = _lint_csv(tmp_path, f"o{n}.csv", text)
        s = report.summary
        assert (s.claims_read, s.claims_linted, s.claims_unparsable) == (2, 1, 1), n
        results.append(sorted((f.code, f.location.claim_id) for f in report.findings))
        (bad,) = [f for f in report.findings if f.location.claim_id == "X"]
        assert bad.code == "CL002" and "carriage return" in bad.message
    assert results[0] == results[1] == results[2]


# -- CR-only line endings and UTF-16/32 exports -----------------------------------------------

UNSORTED = (
    HEADER + "A1,P1,2025-06-02,4,1,D0120,1,,\n"
    "B2,P1,2025-06-02,2,1,D0120,1,,\n"
    'A1,P1,2025-06-02,4,2,D2391,1,30,"M,O"\n'
    "\n"
    "B2,P1,2025-06-02,2,2,D2391,1,x,O\n"
)


def _summary(items: list) -> list[tuple[str, list[int | None]]]:
    return [(c.claim_id, [ln.ref.line for ln in c.lines]) for c in claims(items)]


def test_cr_only_line_endings_are_read_like_lf():
    """Old Mac line endings: the header row 'cannot be read' (CL001), no claim read."""
    lf = read(UNSORTED)
    cr = read(UNSORTED.replace("\n", "\r"))
    assert _summary(cr) == _summary(lf) == [("A1", [2, 4]), ("B2", [3, 6])]
    quoted = claims(cr)[0].lines[1]
    assert quoted.surfaces == ("M", "O")
    assert [(f.code, f.location.physical_line) for f in findings(cr)] == [
        (f.code, f.location.physical_line) for f in findings(lf)
    ]


def test_a_bare_cr_among_lf_rows_is_still_a_broken_row():
    items = read(HEADER + "A1,P1,2025-06-02,4,1,D0120,1,,\nB2,P1,2025-06-02,2,1,D01\r20,1,,\n")
    assert [c.claim_id for c in claims(items)] == ["A1"]
    assert any("carriage return" in f.message for f in findings(items))


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"])
def test_a_utf16_or_utf32_export_is_read_by_its_byte_order_mark(codec, end):
    """Excel's 'Unicode Text' is UTF-16 with a BOM: it was one CL001 'save as UTF-8'."""
    text = UNSORTED.replace("\n", end)
    data = "\ufeff".encode(codec) + text.encode(codec)
    items = read(data)
    assert _summary(items) == [("A1", [2, 4]), ("B2", [3, 6])]
    assert [f.location.physical_line for f in findings(items)] == [
        f.location.physical_line for f in findings(read(UNSORTED))
    ]


def test_a_utf16_tab_separated_export_with_a_declared_encoding_is_read(tmp_path):
    mapping = tmp_path / "m.toml"
    mapping.write_text('encoding = "cp1252"\n')
    text = HEADER.replace(",", "\t") + "A1\tP1\t2025-06-02\t4\t1\tD0120\t1\t\t\n"
    (claim,) = claims(read(text.encode("utf-16"), csv_mapping=str(mapping)))
    assert claim.claim_id == "A1" and claim.lines[0].code == "D0120"


def test_a_utf16_bom_on_text_that_is_not_utf16_is_one_cl001():
    items = read(b"\xff\xfe" + HEADER.encode("utf-16-le") + b"\x00\xd8x")
    (f,) = findings(items)
    assert f.code == "CL001" and "not valid UTF-16" in f.message and not claims(items)


def _cl112(text: str) -> list[tuple[int | None, int | None, str]]:
    from click.testing import CliRunner

    from claimlint.cli import main

    result = CliRunner().invoke(
        main, ["check", "-", "--format", "json", "--today", "2026-01-15"], input=text
    )
    return [
        (f["location"]["line"], f["location"]["position"]["line"], f["message"][:40])
        for f in json.loads(result.output)["findings"]
        if f["code"] == "CL112"
    ]


def test_an_ambiguous_only_date_is_one_cl112_with_the_fix_not_also_missing():
    """It was the reader's 'set date_format' CL112 plus 'the claim has no date of service'."""
    got = _cl112(
        "claim_id,payer_id,date_of_service,total_charge,line_number,code,charge\n"
        "A1,P1,06/02/2025,250.00,1,D2391,250.00\n"
    )
    assert len(got) == 1 and got[0][2].startswith("Row 2, column 3 (date_of_service")


def test_an_ambiguous_line_date_silences_only_its_own_line():
    got = _cl112(
        "claim_id,payer_id,total_charge,line_number,code,charge,line_date_of_service\n"
        "A1,P1,20.00,1,D0120,10.00,06/02/2025\n"
        "A1,,,2,D0140,10.00,\n"
        "B2,P1,10.00,1,D0120,10.00,\n"
    )
    assert got == [
        (1, 2, "Row 2, column 7 (line_date_of_service: '"),
        (2, 3, "Line 2 (D0140) has no date of service an"),  # really absent: still reported
        (None, 4, "The claim has no date of service, on the"),
    ]
