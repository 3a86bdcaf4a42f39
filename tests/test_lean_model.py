"""The lean canonical model (issue 16): value semantics, pickling, export, lazy positions."""

from __future__ import annotations

import datetime as dt
import pickle
from decimal import Decimal

import pytest

from claimlint.core.construct import constructor, positional
from claimlint.core.model import (
    Claim,
    LazyPositions,
    MemberBenefits,
    Person,
    PriorProcedure,
    ServiceLine,
    SourceRef,
    ToothEntry,
)
from claimlint.readers.base import ReadOptions, Source
from claimlint.readers.json import read_json
from claimlint.readers.x12.reader import read_x12

REF = SourceRef(file="t.json", pointer="/claims/0", field="/claims/0")

BUILT: list[int] = []


def _lazy_ref(file: str, line: int) -> SourceRef:
    BUILT.append(line)
    return SourceRef(file=file, line=line)


def _claim() -> Claim:
    line = ServiceLine(
        line_number=1,
        code=" d2391 ",
        charge="125.00",
        teeth=[ToothEntry(tooth=" #3 ", surfaces="m,o")],
        date_of_service="20250602",
        ref=REF,
        refs={"code": REF.at("/claims/0/lines/0/code")},
    )
    return Claim(
        claim_id="C1",
        subscriber=Person(member_id="SYN0001", birth_date="1980-01-01"),
        date_of_service="2025-06-0x",
        total_charge=125,
        lines=[line],
        ref=REF,
    )


def test_constructors_normalise_like_the_pydantic_validators_did() -> None:
    claim = _claim()
    line = claim.lines[0]
    assert line.code == "D2391" and line.charge == Decimal("125.00")
    assert line.teeth == (ToothEntry(tooth="3", surfaces=("M", "O")),)
    assert line.date_of_service == dt.date(2025, 6, 2)
    assert claim.date_of_service == "2025-06-0x"  # kept raw for CL112
    assert claim.total_charge == Decimal(125) and isinstance(claim.lines, tuple)
    assert claim.subscriber is not None and claim.subscriber.birth_date == dt.date(1980, 1, 1)
    assert PriorProcedure(member_id="M", code="D1110", date="2025-01-06").date == dt.date(
        2025, 1, 6
    )
    assert MemberBenefits(deductible_met="50").deductible_met == Decimal(50)
    with pytest.raises(ValueError):
        ServiceLine(line_number=1, code="D1110", quantity=-1, ref=REF)
    with pytest.raises(ValueError):
        ServiceLine(line_number=1, code="D1110", charge=True, ref=REF)


def test_value_equality_hash_repr_and_replace() -> None:
    a, b = _claim(), _claim()
    assert a == b and a is not b
    assert hash(a.lines[0].teeth[0]) == hash(b.lines[0].teeth[0])
    assert hash(REF) == hash(SourceRef(file="t.json", pointer="/claims/0", field="/claims/0"))
    assert a.replace(claim_id="C2") != a and a.replace(claim_id="C2").claim_id == "C2"
    assert a.claim_id == "C1"  # replace copies
    assert repr(REF).startswith("SourceRef(file='t.json', field='/claims/0'")
    assert "code='D2391'" in repr(a.lines[0])
    assert not hasattr(a, "__dict__")  # slotted


def test_pickling_keeps_every_value() -> None:
    claim = _claim()
    again = pickle.loads(pickle.dumps(claim))
    assert again == claim and again.lines[0].where("code") == claim.lines[0].where("code")
    assert pickle.loads(pickle.dumps(REF)) == REF


def test_to_dict_and_model_dump_export_nested_plain_data() -> None:
    claim = _claim()
    data = claim.to_dict()
    assert data == claim.model_dump()
    assert data["lines"][0]["teeth"][0]["surfaces"] == ("M", "O")
    assert data["lines"][0]["refs"]["code"]["field"] == "/claims/0/lines/0/code"
    as_json = claim.to_dict(mode="json")
    assert as_json["lines"][0]["charge"] == "125.00"
    assert as_json["lines"][0]["date_of_service"] == "2025-06-02"
    assert Claim.from_dict(data) == claim == Claim.model_validate(data)


def test_fast_constructors_equal_the_normalising_constructor() -> None:
    make = constructor(ServiceLine)
    fast = make(line_number=1, code="D2391", ref=REF)
    assert fast == ServiceLine(line_number=1, code="D2391", ref=REF)
    assert fast.refs == {} and fast.teeth == ()
    values = ("3", ("M",), None, None, None, REF, None)
    assert positional(ToothEntry)(*values) == ToothEntry(tooth="3", surfaces="M", ref=REF)
    with pytest.raises(TypeError):
        make(code="D2391", ref=REF)


def test_lazy_positions_are_built_once_on_first_access() -> None:
    BUILT.clear()
    line = ServiceLine(line_number=1, code="D1110", ref=(_lazy_ref, "f", 7))
    refs = LazyPositions({"code": (_lazy_ref, "f", 8)})
    line = line.replace(refs=refs)
    assert BUILT == []
    assert line.ref == SourceRef(file="f", line=7) and line.ref is line.ref
    assert line.where("code") == SourceRef(file="f", line=8)
    assert BUILT == [7, 8]
    # equality and pickling see the built position
    assert line == ServiceLine(
        line_number=1, code="D1110", ref=SourceRef(file="f", line=7), refs=dict(refs)
    )
    assert pickle.loads(pickle.dumps(line)).where("code") == SourceRef(file="f", line=8)


X12 = (
    "ISA*00*          *00*          *ZZ*SUB            *ZZ*RCV            *250101*1200*^*00501"
    "*000000001*0*T*:~GS*HC*SUB*RCV*20250101*1200*1*X*005010X224A2~ST*837*0001*005010X224A2~"
    "BHT*0019*00*1*20250101*1200*CH~NM1*41*2*SUBMITTER*****46*S1~PER*IC*X*TE*5555555555~"
    "NM1*40*2*RECEIVER*****46*R1~HL*1**20*1~NM1*85*2*CLINIC*****XX*1234567893~"
    "N3*1 MAIN ST~N4*TOWN*NY*10001~REF*EI*123456789~HL*2*1*22*0~SBR*P*18*******CI~"
    "NM1*IL*1*DOE*JANE****MI*SYN0001~NM1*PR*2*PAYER*****PI*SYNPAYER1~"
    "CLM*C1*100***11:B:1*Y*A*Y*Y~DTP*472*D8*20250602~LX*1~SV3*AD:D2391*100****1~"
    "TOO*JP*3*M:O~SE*20*0001~GE*1*1~IEA*1*000000001~"
)


def test_837d_claims_lines_and_teeth_keep_coordinates_until_asked() -> None:
    items = list(read_x12(Source(name="a.837", data=X12.encode()), ReadOptions()))
    claim = next(i for i in items if isinstance(i, Claim))
    line = claim.lines[0]
    tooth = line.teeth[0]
    assert claim._ref.__class__ is tuple and line._ref.__class__ is tuple
    assert tooth._ref.__class__ is tuple and tooth._surfaces_ref.__class__ is tuple
    assert (claim.ref.field, claim.ref.segment_id) == ("CLM01", "CLM")
    assert (line.ref.field, line.ref.segment_id) == ("LX01", "LX")
    assert tooth.ref == line.where("tooth") and tooth.ref.field == "TOO02"
    assert tooth.surfaces_ref == line.where("surfaces")
    assert pickle.loads(pickle.dumps(claim)) == claim


def test_json_lines_and_teeth_keep_coordinates_until_asked() -> None:
    data = (
        b'{"claims": [{"claim_id": "C1", "lines": [{"line_number": 1, "code": "D2391",'
        b' "teeth": [{"tooth": "3", "surfaces": "MO"}]}]}]}'
    )
    items = list(read_json(Source(name="a.json", data=data), ReadOptions()))
    claim = next(i for i in items if isinstance(i, Claim))
    line = claim.lines[0]
    assert line._ref.__class__ is tuple and line.teeth[0]._ref.__class__ is tuple
    assert line.ref.pointer == "/claims/0/lines/0"
    assert line.teeth[0].ref.pointer == "/claims/0/lines/0/teeth/0"
    assert line.where("code").pointer == "/claims/0/lines/0/code"


def test_cl412_records_every_line_without_building_its_position() -> None:
    """CL412 collects every tooth entry of every claim; the code's position is built only for a
    line it reports (and when what it collected is pickled for --jobs or Spark)."""
    from claimlint.checks.base import Context
    from claimlint.checks.frequency import CodePosition, DuplicateProcedure

    items = list(read_x12(Source(name="a.837", data=X12.encode()), ReadOptions()))
    claim = next(i for i in items if isinstance(i, Claim))
    line = claim.lines[0]
    rule = DuplicateProcedure()
    ctx = Context(file="a.837")
    claim_id, entries = rule.collect(claim, ctx)
    assert claim_id == "C1" and len(entries) == 1
    assert line.refs._items["code"].__class__ is tuple  # type: ignore[attr-defined]
    position = entries[0][2]
    assert isinstance(position, CodePosition)
    # pickled, the position is the SourceRef the finding would carry
    sent = pickle.loads(pickle.dumps(entries))[0][2]
    assert sent == line.where("code") and isinstance(sent, SourceRef)
    assert (sent.segment_id, sent.field) == ("SV3", "SV301-2")
    # the same claim twice in one batch: the second is reported at its code's position
    assert rule.check((claim_id, entries), ctx) == []
    (finding,) = rule.check(rule.collect(claim, ctx), ctx)
    where, at = line.where("code"), finding.location
    assert (at.line, at.field, at.segment_index, at.column) == (
        1,
        "SV301-2",
        where.segment_index,
        where.column,
    )
    assert at.physical_line == where.line
