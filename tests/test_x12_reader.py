"""The 837D reader: delimiters, positions, refs, envelopes and bad input (never a traceback)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import FIXTURES, TODAY

from claimlint.core.config import Config
from claimlint.core.findings import Finding
from claimlint.core.model import Claim
from claimlint.dental.npi import npi_valid
from claimlint.readers.base import ReadOptions, Source, Unparsable, sniff
from claimlint.readers.x12.reader import read_x12
from claimlint.running.engine import Engine

BASE = (FIXTURES / "rules" / "CL106" / "pass.837").read_text("latin-1")
PHI = ("TESTPATIENT", "ALPHA", "SYN000123", "19800101", "200 TEST AVE", "627020002")


def read(text: str, chunk_size: int = 1 << 20, name: str = "t.837") -> list:
    src = Source(name=name, data=text.encode("latin-1"))
    return list(read_x12(src, ReadOptions(extra={"x12_chunk_size": chunk_size})))


def claims(items: list) -> list[Claim]:
    return [i for i in items if isinstance(i, Claim)]


def findings(items: list) -> list[Finding]:
    out = [i for i in items if isinstance(i, Finding)]
    for i in items:
        if isinstance(i, Unparsable):
            out += i.findings
    return out


def codes(items: list) -> list[str]:
    return sorted(f.code for f in findings(items))


def with_delimiters(text: str, element: str, component: str, segment: str, rep: str) -> str:
    """Re-write the base file with other delimiters (the ISA keeps its fixed width)."""
    lines = text.replace("~\n", "\x00").split("\x00")
    out = []
    for seg in lines:
        if not seg:
            continue
        if seg.startswith("ISA"):
            body = seg[:-1].replace("*", element)
            body = body[:82] + rep + body[83:]
            out.append(body + component)
        else:
            out.append(seg.replace("*", element).replace(":", component))
    return segment.join(out) + segment


def test_base_file_reads_one_claim_with_its_values():
    items = read(BASE)
    assert codes(items) == []
    (claim,) = claims(items)
    assert claim.claim_id == "PCN0001"
    assert claim.total_charge == Decimal("395")
    assert claim.frequency_code == "1" and claim.place_of_service == "11"
    assert claim.date_of_service == dt.date(2025, 6, 10)
    assert claim.billing_provider.npi == "1234567893"
    assert claim.billing_provider.postal_code == "627010001"
    assert claim.payer_id == "SYNPAYER1" and claim.payer_sequence == "P"
    assert claim.patient_is_subscriber is True
    assert claim.subscriber.member_id == "SYN000123"
    assert claim.subscriber.birth_date == dt.date(1980, 1, 1)
    first, second = claim.lines
    assert (first.code, first.code_qualifier, first.charge) == ("D2392", "AD", Decimal("250"))
    assert (first.tooth, first.surfaces, first.teeth[0].qualifier) == ("30", ("M", "O"), "JP")
    assert (second.tooth, second.surfaces) == ("3", ("O",))


def test_refs_name_elements_with_segment_line_and_column():
    (claim,) = claims(read(BASE))
    total = claim.refs["total_charge"]
    assert (total.field, total.segment_id, total.segment_index) == ("CLM02", "CLM", 21)
    assert (total.line, total.column) == (21, len("CLM*PCN0001*") + 1)
    assert claim.refs["frequency_code"].field == "CLM05-3"
    assert claim.refs["frequency_code"].column == len("CLM*PCN0001*395***11:B:") + 1
    assert claim.refs["date_of_service"].field == "DTP03"
    assert claim.refs["billing_provider.npi"].field == "NM109"
    assert claim.refs["billing_provider.postal_code"].field == "N403"
    line = claim.lines[0]
    assert line.refs["charge"].field == "SV302"
    assert line.refs["code"].field == "SV301-2"
    assert line.refs["code"].column == len("SV3*AD:") + 1
    assert line.refs["tooth"].field == "TOO02" and line.refs["surfaces"].field == "TOO03"
    assert line.teeth[0].surfaces_ref.segment_id == "TOO"
    assert line.ref.field == "LX01" and line.ref.segment_index == 23


@pytest.mark.parametrize(
    ("element", "component", "segment", "rep"),
    [("|", "^", "\n", "}"), ("\x1d", "\x1f", "\x1c", "\x1e"), ("*", ":", "~", "^")],
    ids=["pipe-newline", "non-printing", "one-line"],
)
def test_delimiters_come_from_the_isa(element, component, segment, rep):
    text = with_delimiters(BASE, element, component, segment, rep)
    items = read(text)
    assert codes(items) == []
    (claim,) = claims(items)
    assert claim.lines[0].surfaces == ("M", "O")
    assert claim.lines[1].code == "D2140"


def test_crlf_and_small_chunks_give_the_same_claims_and_positions():
    expected = claims(read(BASE))
    crlf = BASE.replace("~\n", "~\r\n")
    for chunk in (1, 7, 64, 4096):
        got = claims(read(crlf, chunk_size=chunk))
        assert got == expected
    one_line = claims(read(BASE.replace("~\n", "~")))
    ref = one_line[0].refs["total_charge"]
    assert ref.line == 1 and ref.segment_index == 21
    assert ref.column == BASE.replace("~\n", "~").index("CLM*PCN0001*395") + len("CLM*PCN0001*") + 1


def test_several_interchanges_with_different_delimiters():
    other = with_delimiters(BASE.replace("PCN0001", "PCN0002"), "|", "^", "\n", "}")
    items = read(BASE + other + BASE.replace("PCN0001", "PCN0003"))
    assert codes(items) == []
    assert [c.claim_id for c in claims(items)] == ["PCN0001", "PCN0002", "PCN0003"]


def test_messages_never_carry_phi():
    bad = BASE.replace("SBR*P*18", "SBR*X*18").replace("CLM*PCN0001*395", "CLM*PCN0001*ABC")
    for f in findings(read(bad)):
        assert not any(p in f.message for p in PHI), f.message


def test_version_a3_is_read_with_a_warning_and_837p_is_counted_not_linted():
    a3 = BASE.replace("005010X224A2", "005010X224A3")
    items = read(a3)
    (f,) = findings(items)
    assert (f.code, f.severity.value, f.location.segment_id) == ("CL104", "warning", "ST")
    assert len(claims(items)) == 1
    p = BASE.replace("005010X224A2", "005010X222A1")
    items = read(p)
    assert [f.code for f in findings(items)] == ["CL104"]
    assert claims(items) == []
    assert [u.claim_id for u in items if isinstance(u, Unparsable)] == ["PCN0001"]


def _two_transactions() -> str:
    lines = BASE.splitlines(keepends=True)
    st = next(i for i, s in enumerate(lines) if s.startswith("ST*"))
    se = next(i for i, s in enumerate(lines) if s.startswith("SE*"))
    second = "".join(lines[st : se + 1]).replace("0001", "0002").replace("PCN0002", "PCN0009")
    return "".join(lines[: se + 1]) + second + "".join(lines[se + 1 :]).replace("GE*1", "GE*2")


def test_two_transaction_sets_in_one_group():
    items = read(_two_transactions())
    assert codes(items) == []
    assert [c.claim_id for c in claims(items)] == ["PCN0001", "PCN0009"]


@pytest.mark.parametrize(
    ("mutate", "code", "segment_id"),
    [
        (lambda t: t.replace("SE*27*0001", "SE*26*0001"), "CL103", "SE"),
        (lambda t: t.replace("SE*27*0001", "SE*27*0002"), "CL102", "SE"),
        (lambda t: t.replace("TOO*JP*30*M:O", "TOO*JP*30*M:O*X*Y"), "CL120", "TOO"),
        (lambda t: t.replace("IEA*1*000000001~\n", ""), "CL121", "ISA"),
        (lambda t: t.replace("LX*2~", "\x00\xff\x01~\nLX*2~"), "CL122", None),
        (lambda t: t.replace("LX*2~", "SV3*AD:D2140*\x07145~\nLX*2~"), "CL122", "SV3"),
        (lambda t: t.replace("***11:B:1*", "***11:01:1*"), "CL117", "CLM"),
    ],
    ids=["se-count", "se-control", "too-many", "no-iea", "garbage", "control-char", "clm05-2"],
)
def test_bad_input_gives_located_findings_and_keeps_reading(mutate, code, segment_id):
    text = mutate(_two_transactions())
    items = read(text)
    hits = [f for f in findings(items) if f.code == code]
    assert hits, codes(items)
    assert hits[0].location.physical_line is not None
    if segment_id:
        assert hits[0].location.segment_id == segment_id
    # the next transaction set is still read and every claim is accounted for
    seen = [i.claim_id for i in items if isinstance(i, (Claim, Unparsable))]
    assert seen == ["PCN0001", "PCN0009"]


def test_hl_parent_missing_makes_that_claim_unparsable_and_the_next_one_is_read():
    text = _two_transactions().replace("HL*2*1*22*0", "HL*2*7*22*0", 1)
    items = read(text)
    (unparsable,) = [i for i in items if isinstance(i, Unparsable)]
    assert unparsable.claim_id == "PCN0001"
    assert {f.code for f in unparsable.findings} == {"CL105"}
    assert [c.claim_id for c in claims(items)] == ["PCN0009"]
    hl = [f for f in findings(items) if "HL 7" in f.message or "parent HL 7" in f.message]
    assert hl and hl[0].location.segment_id == "HL" and hl[0].location.field == "HL02"


def test_truncated_file_counts_the_cut_claim_as_unparsable():
    text = _two_transactions()
    cut = text[: text.index("TOO*JP*3*O", text.index("PCN0009"))] + "TOO*J"
    items = read(cut)
    assert [c.claim_id for c in claims(items)] == ["PCN0001"]
    (u,) = [i for i in items if isinstance(i, Unparsable)]
    assert u.claim_id == "PCN0009"
    assert "CL121" in {f.code for f in u.findings}


@pytest.mark.parametrize(
    "data", [b"", b"\x00\x01\x02garbage", b"ISA*00", b"ISA" + b"*" * 200, b"hello~world~"]
)
def test_unreadable_input_never_raises(data):
    items = list(read_x12(Source(name="x.837", data=data), ReadOptions()))
    assert findings(items), items
    assert all(f.code.startswith("CL") for f in findings(items))


def test_engine_counts_every_claim(tmp_path: Path):
    path = tmp_path / "two.837"
    path.write_text(_two_transactions().replace("HL*2*1*22*0", "HL*2*7*22*0", 1), "latin-1")
    report = Engine(Config(today=TODAY)).lint_paths([str(path)])
    s = report.summary
    assert (s.claims_read, s.claims_linted, s.claims_unparsable) == (2, 1, 1)


def test_txt_file_starting_with_isa_is_sniffed_as_x12(tmp_path: Path):
    path = tmp_path / "claims.txt"
    path.write_text(BASE, "latin-1")
    assert sniff(Source(name=str(path), path=path)) == "x12"
    for suffix in (".837", ".x12", ".edi"):
        assert sniff(Source(name="a", path=Path("a" + suffix))) == "x12"


@pytest.mark.parametrize(
    ("npi", "ok"),
    [
        ("1234567893", True),
        ("808401234567893", True),
        ("1234567890", False),
        ("123456789", False),
        ("12345678X3", False),
        (None, False),
    ],
)
def test_npi_luhn_with_80840_prefix(npi, ok):
    assert npi_valid(npi) is ok


def test_iso_qualifier_is_converted_and_the_original_kept():
    text = BASE.replace("TOO*JP*3*O", "TOO*JO*16*O")
    (claim,) = claims(read(text))
    entry = claim.lines[1].teeth[0]
    assert (entry.tooth, entry.original, entry.system, entry.qualifier) == ("3", "16", "iso", "JO")


def test_hierarchy_findings_carry_the_claim_under_that_hl():
    text = _two_transactions()
    # transaction 1: a patient loop although SBR02 is 18, and a duplicate HL id; the claim
    # under them gets the findings. Transaction 2: a broken subscriber HL with no claim under
    # it (a sibling follows), so its finding stays at file level.
    text = text.replace(
        "HL*2*1*22*0~\nSBR*P*18*",
        "HL*2*1*22*1~\nSBR*P*18*",
        1,
    ).replace(
        "DMG*D8*19800101*F~\nNM1*PR*2*SYNTHETIC DENTAL PLAN*****PI*SYNPAYER1~\nCLM*PCN0001",
        "DMG*D8*19800101*F~\nNM1*PR*2*SYNTHETIC DENTAL PLAN*****PI*SYNPAYER1~\nHL*2*2*23*0~\n"
        "PAT*19~\nCLM*PCN0001",
        1,
    )
    second = text.index("ST*837*0002")
    head, tail = text[:second], text[second:]
    tail = tail.replace("HL*2*1*22*0~", "HL*2*1*22*0~\nHL*5**22*0~\nHL*3*1*22*0~", 1)
    items = read(head.replace("SE*27*0001", "SE*29*0001") + tail.replace("SE*27", "SE*29"))
    assert codes(items) == ["CL105"] * 3

    def hit(text: str) -> Finding:
        (found,) = [f for f in findings(items) if text in f.message]
        return found

    assert hit("HL id 2 is already used").location.claim_id == "PCN0001"
    assert hit("2000C is present although SBR02 is 18").location.claim_id == "PCN0001"
    orphan = hit("parent HL (empty) does not exist")
    assert orphan.location.claim_id is None and orphan.location.segment_index == 44
    assert [c.claim_id for c in claims(items)] == ["PCN0001", "PCN0009"]
