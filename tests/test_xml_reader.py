"""XML reader: XSD validation per claim, XPath positions, streaming, hostile documents."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, TODAY
from lxml import etree

from claimlint.core.config import Config
from claimlint.core.findings import Finding
from claimlint.core.model import Claim
from claimlint.readers.base import BatchMeta, ReadOptions, Source, Unparsable, sniff
from claimlint.readers.xml import _parser_args, claim_schema, read_xml
from claimlint.running.engine import Engine

HOSTILE = FIXTURES / "xml" / "hostile"


def read(data: str | bytes, name: str = "t.xml") -> list:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    return list(read_xml(Source(name=name, data=raw), ReadOptions()))


def claim_xml(claim_id: str, line: str = "<line_number>1</line_number><code>D0120</code>") -> str:
    return f"<claim><claim_id>{claim_id}</claim_id><lines><line>{line}</line></lines></claim>"


def batch(*claims: str, history: str = "") -> str:
    return (
        f'<?xml version="1.0"?>\n<batch version="1">{history}<claims>\n'
        + "\n".join(claims)
        + "\n</claims></batch>\n"
    )


def test_the_xsd_compiles_and_the_fixture_validates_as_a_whole():
    xsd = etree.XMLSchema(etree.parse(str(FIXTURES.parent / "schemas" / "claim-batch.xsd")))
    doc = etree.parse(str(FIXTURES / "csv" / "equivalence" / "batch.xml"))
    assert not xsd.validate(doc)  # EQV1004 has a bad charge on purpose
    assert "charge" in str(xsd.error_log.last_error)
    assert claim_schema() is claim_schema()


def test_claims_history_and_positions():
    items = read(
        batch(
            claim_xml(
                "X1",
                "<line_number>1</line_number><code>d2391</code><charge>180.00</charge>"
                "<tooth>#19</tooth><surfaces>M,O</surfaces>",
            ),
            claim_xml("X2"),
            history="<history><procedure><member_id>SYN1</member_id><code>D0120</code>"
            "<date>2025-01-02</date></procedure></history>",
        )
    )
    assert isinstance(items[0], BatchMeta) and items[0].history[0].code == "D0120"
    got = [i for i in items if isinstance(i, Claim)]
    assert [c.claim_id for c in got] == ["X1", "X2"]
    line = got[0].lines[0]
    assert (line.code, line.tooth, line.surfaces) == ("D2391", "19", ("M", "O"))
    ref = line.where("surfaces")
    assert ref.pointer == "/batch/claims/claim[1]/lines/line[1]/surfaces" and ref.line == 3


def test_xsd_violation_is_a_cl002_with_line_and_xpath_and_the_claim_is_still_linted():
    items = read(
        batch(
            claim_xml("X1"),
            claim_xml("X2", "<line_number>1</line_number><code>D0120</code><charge>ten</charge>"),
            claim_xml("X3"),
            claim_xml("X4", "<line_number>1</line_number><code>D0120</code><bogus/>"),
        )
    )
    claims = [i for i in items if isinstance(i, Claim)]
    assert [c.claim_id for c in claims] == ["X1", "X2", "X3", "X4"]
    assert not [i for i in items if isinstance(i, Unparsable)]
    assert claims[1].lines[0].charge is None  # read as missing
    f, bogus = [i for i in items if isinstance(i, Finding)]
    assert f.code == "CL002" and f.location.claim_id == "X2" and f.location.line == 1
    assert f.location.pointer == "/batch/claims/claim[2]/lines/line/charge"
    assert f.location.physical_line == 4
    assert bogus.location.pointer == "/batch/claims/claim[4]/lines/line/bogus"


def test_missing_claim_id_and_unknown_elements():
    items = read(batch("<claim><lines/></claim>", "<other/>", claim_xml("X9")))
    codes = [(type(i).__name__, getattr(i, "code", None)) for i in items]
    assert ("Claim", None) in codes
    assert any(isinstance(i, Unparsable) and i.claim_id is None for i in items)
    assert any(isinstance(i, Finding) and "<other>" in i.message for i in items)


def test_wrong_root_and_broken_documents_are_cl001():
    (f,) = read("<claims/>")
    assert f.code == "CL001" and "<batch>" in f.message
    (f,) = read(b"\x00\x01\x02 not xml at all")
    assert f.code == "CL001"
    items = read(batch(claim_xml("X1"), "<claim><claim_id>X2</claim_id><lines>"))
    assert [i.claim_id for i in items if isinstance(i, Claim)] == ["X1"]
    (bad,) = [i for i in items if isinstance(i, Unparsable)]
    assert bad.claim_id == "X2" and bad.findings[0].code == "CL001"


def test_external_entity_is_inert():
    text = (HOSTILE / "xxe.xml").read_bytes()
    items = read(text, name="xxe.xml")
    (f,) = items
    assert f.code == "CL001" and "DOCTYPE" in f.message
    # defence in depth: even the bare parser configuration never reads the file
    parser = etree.XMLParser(**_parser_args())
    root = etree.fromstring(text, parser)
    dumped = etree.tostring(root).decode()
    assert "root:" not in dumped and "/bin/" not in dumped


def test_external_dtd_is_not_fetched():
    (f,) = read((HOSTILE / "xxe-no-doctype-param.xml").read_bytes())
    assert f.code == "CL001"


_MEASURE = """
import json, resource, sys, time
from pathlib import Path
from lxml import etree
from claimlint.readers.base import ReadOptions, Source
from claimlint.readers.xml import _parser_args, claim_schema, read_xml
claim_schema()
path = Path(sys.argv[1])
def rss():
    # VmHWM is the peak RSS of this exec'd image; ru_maxrss would include the peak of the
    # (large) pytest process this one was forked from
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(next(ln.split()[1] for ln in status.splitlines() if ln.startswith("VmHWM:")))
before, start = rss(), time.monotonic()
reader = read_xml(Source(name=str(path), path=path), ReadOptions())
items = list(reader) if sys.argv[2] == "keep" else None
count = len(items) if items is not None else sum(1 for _ in reader)
codes = [getattr(i, "code", type(i).__name__) for i in items or ()][:5]
bare = None
if sys.argv[3] == "bare":  # the parser alone, DOCTYPE check bypassed
    try:
        parser = etree.XMLParser(**_parser_args())
        bare = len(etree.tostring(etree.fromstring(path.read_bytes(), parser)))
    except etree.XMLSyntaxError:
        bare = 0
print(json.dumps({"count": count, "codes": codes, "grown_kib": rss() - before,
                  "seconds": time.monotonic() - start, "bare": bare}))
"""


def measure(path: Path, *, keep: bool = False, bare: bool = False) -> dict:
    """Read ``path`` with the XML reader in a fresh interpreter and report its own peak RSS
    growth (``ru_maxrss`` of this test process is a high-water mark of every earlier test, and
    a child's ``ru_maxrss`` starts at its parent's, so the child reads its own VmHWM)."""
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root)}
    args = [str(path), "keep" if keep else "count", "bare" if bare else "-"]
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout)


def test_billion_laughs_is_inert_fast_and_small():
    report = Engine(Config(today=TODAY)).lint_paths([str(HOSTILE / "billion-laughs.xml")])
    assert [f.code for f in report.findings] == ["CL001"]
    got = measure(HOSTILE / "billion-laughs.xml", keep=True, bare=True)
    assert got["codes"] == ["CL001"]
    assert got["seconds"] < 5
    assert got["grown_kib"] < 50_000
    # with the DOCTYPE check bypassed, the parser does not expand the entities either
    assert got["bare"] < 10_000


def _big_batch(path: Path, claims: int) -> Path:
    with path.open("w") as fh:
        fh.write("<batch><claims>\n")
        for i in range(claims):
            fh.write(claim_xml(f"B{i}") + "\n")
        fh.write("</claims></batch>\n")
    return path


def test_large_batch_streams_every_claim(tmp_path):
    small = _big_batch(tmp_path / "small.xml", 2_000)
    big = _big_batch(tmp_path / "big.xml", 20_000)
    source = Source(name=str(big), path=big)
    assert sniff(source) == "xml"
    assert all(isinstance(item, Claim) for item in read_xml(source, ReadOptions()))
    got_small, got_big = measure(small), measure(big)
    assert (got_small["count"], got_big["count"]) == (2_000, 20_000)
    # streaming: ten times the claims, about the same memory (a reader that keeps the parsed
    # tree grows by ~25 MB here; the interpreter's own noise is a few MB)
    assert got_big["grown_kib"] < got_small["grown_kib"] + 10_000, (got_small, got_big)


def test_fixture_files_read():
    for path in sorted(Path(FIXTURES / "xml").glob("*.xml")):
        items = list(read_xml(Source(name=str(path), path=path), ReadOptions()))
        assert any(isinstance(i, Claim) for i in items), path


def test_undefined_entity_is_located_and_claims_before_it_are_linted():
    # an earlier broken parse in the same thread must not leak into this report
    read(batch("<claim><claim_id>Z</claim_id><b></claim>"))
    good = claim_xml("X1")
    broken = claim_xml("X2").replace("<lines>", "<notes><note>x &nbsp; y</note></notes><lines>")
    text = batch(good, broken, claim_xml("X3"))
    items = read(text)
    assert [i.claim_id for i in items if isinstance(i, Claim)] == ["X1"]
    (bad,) = [i for i in items if isinstance(i, Unparsable)]
    assert bad.claim_id == "X2"
    (f,) = bad.findings
    line = text.splitlines()[3]
    assert "&nbsp;" in line
    assert f.code == "CL001" and f.location.physical_line == 4
    assert f.location.column == line.index("&") + 1
    assert "&nbsp; is not defined" in f.message and "None" not in f.message
    assert "rest of the file was not read" in f.message
    # the fixture case from the review: the whole run accounts for the broken claim
    sample = (FIXTURES / "xml" / "sample.xml").read_text()
    start = sample.index("<note")
    end = sample.index("</note>", start)
    start = sample.index(">", start) + 1
    changed = sample[:start] + "x &nbsp; y" + sample[end:]
    found = [i for i in read(changed) if isinstance(i, Finding | Unparsable)]
    (f,) = [x for i in found for x in (i.findings if isinstance(i, Unparsable) else [i])]
    assert f.location.physical_line == changed[:start].count("\n") + 1
    assert f.location.column is not None and "line None" not in f.message


def test_not_well_formed_after_claims_reports_position_and_counts():
    text = batch(claim_xml("X1"), claim_xml("X2")).replace("</claims>", "</claims><oops>")
    items = read(text)
    assert [i.claim_id for i in items if isinstance(i, Claim)] == ["X1", "X2"]
    (f,) = [i for i in items if isinstance(i, Finding)]
    assert f.code == "CL001" and f.location.physical_line == 5 and f.location.column
    assert "2 claim(s) before it were read" in f.message


@pytest.mark.parametrize("amount", ["-0", "-0.00", "1e400", "1_000", "nan", "inf"])
def test_loose_numbers_are_not_amounts(amount):
    line = f"<line_number>1</line_number><code>D0120</code><charge>{amount}</charge>"
    items = read(batch(claim_xml("X1", line), claim_xml("X2")))
    claims = [i for i in items if isinstance(i, Claim)]
    assert [c.claim_id for c in claims] == ["X1", "X2"]
    assert claims[0].lines[0].charge is None  # read as missing, at its own finding
    (f,) = [i for i in items if isinstance(i, Finding)]
    assert f.code == "CL002" and f.location.physical_line == 3
    assert f.location.pointer.startswith("/batch/claims/claim[1]/lines/line")
    assert f.location.pointer.endswith("/charge")


def test_a_document_cut_inside_a_claim_does_not_read_the_cut_claim_as_complete():
    """lxml 6.2 "ends" the elements a truncated document leaves open when the parser is
    closed; the reader must not take the half claim for a whole one."""
    whole = batch(claim_xml("X1"), claim_xml("X2"))
    text = whole[: whole.index("X2</claim_id>") + len("X2</claim_id><li")]
    items = read(text)
    assert [i.claim_id for i in items if isinstance(i, Claim)] == ["X1"]
    (bad,) = [i for i in items if isinstance(i, Unparsable)]
    assert bad.claim_id == "X2" and bad.findings[0].code == "CL001"
    assert "1 claim(s) before it were read" in bad.findings[0].message


@pytest.mark.parametrize("where", ["inside", "after"])
def test_claims_in_earlier_chunks_and_the_same_chunk_are_read_before_a_syntax_error(where):
    """A batch of several 64 KB chunks broken near its end: every claim completed before the
    bad bytes is read, whichever chunk it was in (lxml 6.1 and 6.2 alike)."""
    claims = [claim_xml(f"X{i}") for i in range(1, 1201)]
    text = batch(*claims)
    assert len(text) > 2 * (1 << 16)
    if where == "inside":  # a mismatched tag inside the last claim
        text = text.replace("<claim_id>X1200</claim_id>", "<claim_id>X1200</nope>")
    else:  # junk between the last claim and </claims>
        text = text.replace("\n</claims>", "\n<oops></claims>")
    items = read(text)
    read_ids = [i.claim_id for i in items if isinstance(i, Claim)]
    expected = 1199 if where == "inside" else 1200
    assert read_ids == [f"X{i}" for i in range(1, expected + 1)]
    findings = [
        f
        for i in items
        for f in (i.findings if isinstance(i, Unparsable) else [i])
        if isinstance(f, Finding)
    ]
    assert [f.code for f in findings] == ["CL001"]
    assert f"{expected} claim(s) before it were read" in findings[0].message
