"""One bad value does not hide a claim (DESIGN.md §2, issue 10).

A value that fails the input contract is a finding at its own field (CL204 for a tooth that
cannot exist in ISO numbering, CL002/CL117 otherwise) and is read as missing; the rest of the
claim is still linted and the claim counts as linted. Huge numbers, byte order marks, long
strings and broken XML with patient data in it are handled without crash, leak or blow-up.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, TODAY
from test_x12_reader import BASE

from claimlint import lint_stream
from claimlint.cli import main
from claimlint.core.config import Config
from claimlint.core.model import Claim
from claimlint.readers.base import ReadOptions, Source, Unparsable
from claimlint.readers.json import read_json
from claimlint.running.engine import Engine
from claimlint.running.lint import lint_claim

HUGE = "1234567890123456789012345678901234567890"  # 40 digits: beyond 64 bits


def _line(n: int, code: str, charge, tooth: str, surfaces: str) -> dict:
    return {"line_number": n, "code": code, "charge": charge, "tooth": tooth, "surfaces": surfaces}


def _claim(**changes) -> dict:
    """ISO numbering: tooth 19 cannot exist, line 2's charge is unreadable, and line 3 is a
    real error elsewhere (D2150 is a 2-surface code with 3 surfaces: CL301)."""
    claim = {
        "claim_id": "BV1",
        "date_of_service": "2025-03-04",
        "total_charge": 520,
        "place_of_service": "11",
        "frequency_code": "1",
        "lines": [
            _line(1, "D2391", 100, "19", "O"),
            _line(2, "D2391", "12x.00", "46", "O"),
            _line(3, "D2150", 200, "36", "MOD"),
            _line(4, "D2391", 212, "37", "O"),
        ],
    }
    claim.update(changes)
    return claim


def _check(tmp_path, name: str, content: str | bytes, *args: str):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    result = CliRunner().invoke(main, ["check", str(path), "--format", "json", *args])
    assert result.exit_code == 1, result.output
    return json.loads(result.output)


def _codes(report: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for f in report["findings"]:
        out.setdefault(f["code"], []).append(f)
    return out


def _assert_salvaged(report: dict, bad_pointer: str) -> None:
    codes = _codes(report)
    summary = report["summary"]
    assert (summary["claims_read"], summary["claims_linted"]) == (1, 1), summary
    assert summary["claims_unparsable"] == 0
    assert [f["location"]["position"]["pointer"] for f in codes["CL002"]] == [bad_pointer]
    assert codes["CL002"][0]["location"]["line"] == 2
    (cl204,) = codes["CL204"]  # the impossible ISO tooth, at its own field
    assert cl204["location"]["line"] == 1 and "'19'" in cl204["message"]
    (cl301,) = codes["CL301"]  # the real error elsewhere is still reported
    assert cl301["location"]["line"] == 3
    (cl106,) = codes["CL106"]  # the total check says a charge is missing, not a wrong sum
    assert "line(s) 2 have no charge" in cl106["message"]


def test_json_bad_values_are_findings_at_their_fields_and_the_claim_is_linted(tmp_path):
    batch = json.dumps({"tooth_numbering": "iso", "claims": [_claim()]})
    _assert_salvaged(_check(tmp_path, "b.json", batch), "/claims/0/lines/1/charge")


def test_jsonl_bad_values_are_findings_and_the_claim_is_linted(tmp_path):
    line = json.dumps(_claim()) + "\n"
    report = _check(tmp_path, "b.jsonl", line, "--tooth-numbering", "iso")
    _assert_salvaged(report, "/lines/1/charge")


def test_lint_stream_dict_with_a_bad_value_is_linted():
    config = Config(today=TODAY, tooth_numbering="iso")
    found = list(lint_stream([_claim()], config))
    codes = {f.code for f in found}
    assert {"CL002", "CL204", "CL301", "CL106"} <= codes
    (bad,) = [f for f in found if f.code == "CL002"]
    assert bad.location.pointer == "/lines/1/charge" and bad.location.claim_id == "BV1"


# each: a change to an otherwise valid claim, the pointer of its CL002
SALVAGE_CASES = {
    "unknown claim field": ({"colour": "red"}, "/claims/0/colour"),
    "unknown line field": ({"lines": [{"line_number": 1, "code": "D2150", "x": 1}]}, "x"),
    "note not text": ({"notes": [17, "fine"]}, "/claims/0/notes/0"),
    "note object without text": ({"notes": [{"code": "ADD"}]}, "/claims/0/notes/0/text"),
    "line without code": ({"lines": [{"line_number": 1}]}, "/claims/0/lines/0/code"),
    "line not an object": ({"lines": ["D2150"]}, "/claims/0/lines/0"),
    "line number huge": ({"lines": [{"line_number": 10**40, "code": "D2150"}]}, "line_number"),
    "line number zero": ({"lines": [{"line_number": 0, "code": "D2150"}]}, "line_number"),
    "quantity huge": ({"lines": [{"line_number": 1, "code": "D2150", "quantity": 10**6}]}, "q"),
    "teeth item not an object": (
        {"lines": [{"line_number": 1, "code": "D2150", "teeth": ["30"]}]},
        "/claims/0/lines/0/teeth/0",
    ),
    "surfaces list with a number": (
        {"lines": [{"line_number": 1, "code": "D2150", "tooth": "30", "surfaces": ["M", 7]}]},
        "/claims/0/lines/0/surfaces/1",
    ),
    "bool as text": ({"patient_is_subscriber": "yes"}, "/claims/0/patient_is_subscriber"),
    "person not an object": ({"subscriber": "ALPHA TESTPATIENT"}, "/claims/0/subscriber"),
    "charge of 28 digits": (
        {"lines": [{"line_number": 1, "code": "D2150", "charge": "1" * 28 + ".00"}]},
        "/claims/0/lines/0/charge",
    ),
    "charge 1e30": ({"lines": [{"line_number": 1, "code": "D2150", "charge": 1e30}]}, "charge"),
    "total of 40 digits": ({"total_charge": int(HUGE)}, "/claims/0/total_charge"),
}


@pytest.mark.parametrize("name", sorted(SALVAGE_CASES))
def test_each_kind_of_bad_value_is_one_cl002_and_the_claim_is_still_linted(name):
    change, pointer = SALVAGE_CASES[name]
    claim = {"claim_id": "S1", "date_of_service": "2025-03-04", **change}
    # a real error elsewhere in the claim: a second line with 3 surfaces on a 2-surface code
    lines = list(claim.get("lines", []))
    lines.append(_line(9, "D2150", 10, "3", "MOD"))
    claim["lines"] = lines
    data = json.dumps({"claims": [claim]}).encode()
    items = list(read_json(Source(name="s.json", data=data), ReadOptions()))
    assert not [i for i in items if isinstance(i, Unparsable)]
    (built,) = [i for i in items if isinstance(i, Claim)]
    (finding,) = [i for i in items if getattr(i, "code", None) == "CL002"]
    if pointer.startswith("/"):
        assert finding.location.pointer == pointer
    else:
        assert finding.location.pointer.startswith("/claims/0/lines/0/")
    assert finding.location.claim_id == "S1"
    assert built.lines[-1].line_number == 9
    engine = Engine(Config(today=TODAY))  # the rules run on the built claim
    found = lint_claim(built, engine.new_context("s.json"), engine.checks)
    assert any(f.code == "CL301" and f.location.line == 9 for f in found)
    for line in built.lines:  # every line number stays a small integer
        assert 1 <= line.line_number <= 999_999


def test_a_claim_without_a_readable_id_is_the_one_not_linted():
    items = list(
        read_json(
            Source(name="s.json", data=json.dumps([_claim(claim_id=None)]).encode()),
            ReadOptions(),
        )
    )
    assert [type(i).__name__ for i in items] == ["Unparsable"]


# -- XML ---------------------------------------------------------------------------------------

XML = """<?xml version='1.0' encoding='UTF-8'?>
<batch version="1" tooth_numbering="iso"><claims><claim>
  <claim_id>BV1</claim_id>
  <date_of_service>2025-03-04</date_of_service>
  <total_charge>520</total_charge>
  <place_of_service>11</place_of_service>
  <frequency_code>1</frequency_code>
  <lines>
    <line><line_number>1</line_number><code>D2391</code><charge>100</charge><tooth>19</tooth><surfaces>O</surfaces></line>
    <line><line_number>2</line_number><code>D2391</code><charge>12x.00</charge><tooth>46</tooth><surfaces>O</surfaces></line>
    <line><line_number>3</line_number><code>D2150</code><charge>200</charge><tooth>36</tooth><surfaces>MOD</surfaces></line>
    <line><line_number>4</line_number><code>D2391</code><charge>212</charge><tooth>37</tooth><surfaces>O</surfaces></line>
  </lines>
</claim></claims></batch>
"""


def test_xml_bad_values_are_findings_at_their_elements_and_the_claim_is_linted(tmp_path):
    report = _check(tmp_path, "b.xml", XML)
    _assert_salvaged(report, "/batch/claims/claim[1]/lines/line[2]/charge")
    (bad,) = _codes(report)["CL002"]
    assert bad["location"]["position"]["line"] == 10
    assert "12x.00" not in bad["message"]  # the XSD's quoted value is not echoed


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ("<line_number>2</line_number>", f"<line_number>{HUGE}</line_number>"),
        ("<charge>12x.00</charge>", f"<charge>{'9' * 28}.00</charge>"),
        ("<code>D2391</code><charge>12x.00", "<code>D2391</code><bogus/><charge>12"),
        ("<line_number>2</line_number>", "<placement>Q</placement>"),
        ("<line_number>2</line_number>", ""),
        # two errors on one element (element content and pattern), a repeated bad element
        ("<charge>12x.00</charge>", "<charge><zz/></charge>"),
        ("<line_number>2</line_number>", "<placement>Q</placement><placement>Q</placement>"),
        ("<line_number>2</line_number>", "<line_number><b>2</b></line_number>"),
    ],
)
def test_xml_other_bad_values_and_huge_numbers_keep_the_claim(tmp_path, change, where):
    report = _check(tmp_path, "b.xml", XML.replace(change, where, 1))
    assert report["summary"]["claims_linted"] == 1
    codes = _codes(report)
    assert codes["CL002"] and codes["CL301"] and codes["CL204"]
    assert all(f["location"]["claim_id"] == "BV1" for f in codes["CL002"])


def test_xml_claim_without_claim_id_is_not_linted_and_counted(tmp_path):
    report = _check(tmp_path, "b.xml", XML.replace("<claim_id>BV1</claim_id>", ""))
    s = report["summary"]
    assert (s["claims_read"], s["claims_linted"], s["claims_unparsable"]) == (1, 0, 1)


# -- 837D --------------------------------------------------------------------------------------

X12_BAD = (
    BASE.replace("LX*2~", f"LX*{HUGE}~")
    .replace("SV3*AD:D2392*250~", f"SV3*AD:D2150*{'9' * 28}~")
    .replace("TOO*JP*30*M:O~", "TOO*JP*30*M:O:D~")
)


@pytest.mark.parametrize("fmt", ["json", "jsonl", "sarif", "text"])
def test_837_huge_numbers_are_element_findings_and_every_output_works(tmp_path, fmt):
    path = tmp_path / "b.837"
    path.write_text(X12_BAD)
    result = CliRunner().invoke(main, ["check", str(path), "--format", fmt])
    assert result.exit_code == 1, result.output
    if fmt == "json":
        report = json.loads(result.output)
        codes = _codes(report)
        assert report["summary"]["claims_linted"] == 1
        fields = sorted(f["location"]["field"] for f in codes["CL117"])
        assert fields == ["LX01", "SV302"]
        assert codes["CL301"][0]["location"]["line"] == 1  # the other error is still there
        assert all(f["location"]["line"] in (None, 1, 2) for f in report["findings"])
    elif fmt == "jsonl":
        assert all(json.loads(row) for row in result.output.splitlines())


def test_837_quantity_beyond_bound_is_an_element_finding(tmp_path):
    items = _x12(BASE.replace("SV3*AD:D2140*145~", f"SV3*AD:D2140*145****{HUGE}~"))
    (claim,) = [i for i in items if isinstance(i, Claim)]
    assert claim.lines[1].quantity == 1
    assert any(getattr(i, "code", None) == "CL117" and "SV306" in i.message for i in items)


def _x12(text: str) -> list:
    from claimlint.readers.x12.reader import read_x12

    return list(read_x12(Source(name="t.837", data=text.encode("latin-1")), ReadOptions()))


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_json_huge_line_number_from_a_stream_dict_renders_in_every_output(tmp_path, fmt):
    claim = _claim()
    claim["lines"][2]["line_number"] = int(HUGE)
    batch = json.dumps({"tooth_numbering": "iso", "claims": [claim]})
    path = tmp_path / "h.json"
    path.write_text(batch)
    result = CliRunner().invoke(main, ["check", str(path), "--format", fmt])
    assert result.exit_code == 1, result.output
    rows = [json.loads(r) for r in result.output.splitlines()] if fmt == "jsonl" else []
    if fmt == "json":
        rows = json.loads(result.output)["findings"]
    assert any(r["code"] == "CL002" for r in rows)
    assert all((r["location"]["line"] or 0) <= 999_999 for r in rows)


# -- encodings ---------------------------------------------------------------------------------


def test_a_utf8_bom_json_and_jsonl_are_read(tmp_path):
    batch = json.dumps({"tooth_numbering": "iso", "claims": [_claim()]})
    report = _check(tmp_path, "bom.json", b"\xef\xbb\xbf" + batch.encode())
    _assert_salvaged(report, "/claims/0/lines/1/charge")
    (cl204,) = _codes(report)["CL204"]
    assert cl204["location"]["position"]["line"] == 1  # positions ignore the BOM
    line = b"\xef\xbb\xbf" + json.dumps(_claim()).encode() + b"\n"
    report = _check(tmp_path, "bom.jsonl", line, "--tooth-numbering", "iso")
    _assert_salvaged(report, "/lines/1/charge")


def _position(report: dict, code: str) -> tuple[int, int]:
    (finding,) = _codes(report)[code]
    pos = finding["location"]["position"]
    return pos["line"], pos["column"]


UNICODE_BOMS = ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"]


@pytest.mark.parametrize("codec", UNICODE_BOMS)
def test_a_utf16_or_utf32_json_batch_is_read_at_the_same_positions(tmp_path, codec):
    """A UTF-16/32 byte order mark is unambiguous: the batch is decoded (it was one CL001
    "save as UTF-8" and no claim read), and findings have the lines and columns of the text."""
    text = json.dumps({"tooth_numbering": "iso", "claims": [_claim()]}, indent=2)
    utf8 = _check(tmp_path, "u8.json", text.encode())
    bom = "\ufeff".encode(codec)
    report = _check(tmp_path, "u.json", bom + text.encode(codec))
    _assert_salvaged(report, "/claims/0/lines/1/charge")
    assert _position(report, "CL204") == _position(utf8, "CL204") != (1, 1)
    assert report["summary"]["claims_read"] == 1


@pytest.mark.parametrize("codec", UNICODE_BOMS)
def test_a_utf16_or_utf32_jsonl_file_is_read_line_by_line(tmp_path, codec):
    lines = [json.dumps(_claim(claim_id=f"BV{i}")) for i in range(1, 4)]
    data = "\ufeff".encode(codec) + ("\n".join(lines) + "\n").encode(codec)
    report = _check(tmp_path, "u.jsonl", data, "--tooth-numbering", "iso")
    assert report["summary"]["claims_read"] == report["summary"]["claims_linted"] == 3
    cl204 = _codes(report)["CL204"]
    assert sorted(f["location"]["position"]["line"] for f in cl204) == [1, 2, 3]


@pytest.mark.parametrize("name", ["u.json", "u.jsonl"])
def test_a_utf16_bom_on_text_that_is_not_utf16_is_one_cl001(tmp_path, name):
    data = b"\xff\xfe" + json.dumps({"claims": [_claim()]}).encode("utf-16-le") + b"\x00\xd8x"
    report = _check(tmp_path, name, data)
    cl001 = _codes(report)["CL001"]
    assert len(cl001) == 1 and "not valid UTF-16" in cl001[0]["message"]
    assert "Save the file as UTF-8" in cl001[0]["message"]


@pytest.mark.parametrize(
    "prefix", [b"\xff\xfe", b"\xff\xfe\xc3(", b"\xfe\xff", b"\xff\xfe\x00\x00"]
)
def test_utf8_jsonl_that_starts_with_bom_bytes_loses_only_its_first_line(tmp_path, prefix):
    """Found by the long fuzzing run: a UTF-8 JSONL file of 6 claims whose first bytes became
    FF FE was decoded as UTF-16: 0 claims read, one CL001 for the whole file. Its text is not
    UTF-16 (it decodes to CJK-like characters or not at all), so it is read as UTF-8: line 1 is
    one claim not linted (saying why), every other line is read."""
    lines = [json.dumps(_claim(claim_id=f"BV{i}")) for i in range(1, 7)]
    data = prefix + ("\n".join(lines) + "\n").encode()
    report = _check(tmp_path, "odd.jsonl", data, "--tooth-numbering", "iso")
    s = report["summary"]
    assert (s["claims_read"], s["claims_linted"], s["claims_unparsable"]) == (6, 5, 1)
    assert "CL001" not in _codes(report)
    [first] = [f for f in _codes(report)["CL002"] if f["location"]["position"]["line"] == 1]
    assert "byte order mark" in first["message"] and "not linted" in first["message"]
    cl204 = _codes(report)["CL204"]
    assert sorted(f["location"]["position"]["line"] for f in cl204) == [2, 3, 4, 5, 6]


def test_real_utf16_jsonl_with_a_broken_tail_still_reads_the_lines_before_it(tmp_path):
    """The byte order mark is still believed for text that is UTF-16 (mostly ASCII characters)
    but broken further on: the claims before the break are read, then one CL001."""
    lines = [json.dumps(_claim(claim_id=f"BV{i}")) for i in range(1, 4)]
    data = b"\xff\xfe" + ("\n".join(lines) + "\n").encode("utf-16-le") + b"\x00\xd8x"
    report = _check(tmp_path, "u16.jsonl", data, "--tooth-numbering", "iso")
    assert report["summary"]["claims_read"] == 3
    [cl001] = _codes(report)["CL001"]
    assert cl001["location"]["position"]["line"] == 4 and "not valid UTF-16" in cl001["message"]


@pytest.mark.parametrize("codec", ["utf-8", "utf-16"])
def test_jsonl_with_cr_only_line_endings_reads_every_line(tmp_path, codec):
    """Old Mac line endings: it read one claim of three (the file was one line)."""
    lines = [json.dumps(_claim(claim_id=f"BV{i}")) for i in range(1, 4)]
    report = _check(
        tmp_path, "cr.jsonl", ("\r".join(lines) + "\r").encode(codec), "--tooth-numbering", "iso"
    )
    assert report["summary"]["claims_read"] == report["summary"]["claims_linted"] == 3
    cl204 = _codes(report)["CL204"]
    assert sorted(f["location"]["position"]["line"] for f in cl204) == [1, 2, 3]


def test_a_cr_inside_an_lf_jsonl_line_is_whitespace(tmp_path):
    lines = [json.dumps(_claim(claim_id=f"BV{i}")).replace(", ", ",\r", 1) for i in (1, 2)]
    report = _check(tmp_path, "lf.jsonl", "\n".join(lines).encode(), "--tooth-numbering", "iso")
    assert report["summary"]["claims_read"] == report["summary"]["claims_linted"] == 2


def test_unicode_and_cr_jsonl_files_are_not_split_for_jobs(tmp_path):
    from claimlint.running.parallel import split_lines

    lines = "".join(json.dumps(_claim(claim_id=f"BV{i}")) + "\n" for i in range(200))
    for name, data in {
        "lf.jsonl": lines.encode(),
        "u16.jsonl": lines.encode("utf-16"),
        "cr.jsonl": lines.replace("\n", "\r").encode(),
    }.items():
        (tmp_path / name).write_bytes(data)
        parts = split_lines(tmp_path / name, 4096)
        assert (len(parts) > 1) == (name == "lf.jsonl"), name


# -- memory ------------------------------------------------------------------------------------


def test_a_15_mb_string_in_a_json_claim_does_not_take_gigabytes(tmp_path):
    """The pointer scanner's string pattern kept one backtracking entry per character: 1.8 GB
    for one 15 MB value. Measured in a child process (the regex engine's memory is not seen
    by tracemalloc)."""
    path = tmp_path / "big.json"
    claim = {"claim_id": "M1", "payer_id": "B" * 15_000_000, "total_charge": "ten"}
    path.write_text(json.dumps({"claims": [claim]}))
    code = (
        "import resource, sys\n"
        "from claimlint.core.config import Config\n"
        "from claimlint.running.engine import Engine\n"
        "r = Engine(Config()).lint_paths([sys.argv[1]])\n"
        "assert any(f.code == 'CL002' and f.location.physical_line == 1 for f in r.findings)\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True
    )
    assert int(out.stdout.strip()) < 400_000, out.stdout  # KB; it was 1,800,000


# -- PHI in XML syntax errors -------------------------------------------------------------------

CANARY = "ZEBEDIAHQUIXLEY"
PROFILE = FIXTURES / "profiles" / "example-mutual-ppo-gold.toml"
BROKEN_XML = [
    # a mismatched end tag named after the patient
    f"<batch><claims><claim><claim_id>P1</claim_id><{CANARY}>x</claim></claims></batch>",
    # the patient's name in an attribute without quotes
    f"<batch><claims><claim><claim_id>P1</claim_id><subscriber n={CANARY}/></claim>",
    # an undefined entity named after the patient, and a truncated name element
    f"<batch><claims><claim><subscriber><first_name>&{CANARY};</first_name>",
    f"<batch><claims><claim><subscriber><last_name>{CANARY}</last_na",
    f"<batch><claims><claim><subscriber><last_name>{CANARY}\x01</last_name>",
]


@pytest.mark.parametrize("doc", BROKEN_XML)
def test_xml_syntax_errors_never_echo_the_document(tmp_path, doc):
    path = tmp_path / "broken.xml"
    path.write_text('<?xml version="1.0"?>\n' + doc)
    runs = {
        "check text": ["check", str(path)],
        "check json": ["check", str(path), "--format", "json"],
        "check sarif": ["check", str(path), "--format", "sarif"],
        "convert": ["convert", str(path)],
        "estimate": ["estimate", str(path), "--profile", str(PROFILE)],
        "estimate json": ["estimate", str(path), "--profile", str(PROFILE), "--format", "json"],
    }
    for name, args in runs.items():
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 1, (name, result.output)
        assert "line 2" in result.output or '"line": 2' in result.output, (name, result.output)
        assert CANARY not in result.output, f"{name} echoes the document: {result.output}"


@pytest.mark.parametrize(
    ("where", "line"),
    [("claim", None), ("line", 1)],
)
def test_a_date_of_service_of_the_wrong_type_is_one_cl112_not_cl002_plus_missing(
    tmp_path, where, line
):
    """A wrong-typed date is reported once, by the rule that judges dates, at its field; the
    date rule does not also call the claim's date missing (issue 10: one problem, one
    finding)."""
    claim = {
        "claim_id": "DT1",
        "date_of_service": "2025-03-04",
        "total_charge": 50,
        "lines": [{"line_number": 1, "code": "D0120", "charge": 50}],
    }
    if where == "claim":
        claim["date_of_service"] = 20250304
        pointer = "/claims/0/date_of_service"
    else:
        claim["lines"][0]["date_of_service"] = 123
        pointer = "/claims/0/lines/0/date_of_service"
    path = tmp_path / "d.json"
    path.write_text(json.dumps({"claims": [claim]}))
    result = CliRunner().invoke(main, ["check", str(path), "--format", "json"])
    report = json.loads(result.output)
    codes = _codes(report)
    assert "CL002" not in codes, codes.get("CL002")
    (cl112,) = codes["CL112"]
    assert cl112["location"]["position"]["pointer"] == pointer
    assert cl112["location"]["line"] == line
    assert "not a date" in cl112["message"] and "no date of service" not in cl112["message"]
    assert report["summary"]["claims_linted"] == 1
