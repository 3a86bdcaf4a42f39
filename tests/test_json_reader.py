"""The JSON/JSONL reader: schema/model agreement, located CL002/CL001, nothing lost."""

from __future__ import annotations

import json

import jsonschema
import pytest
from conftest import ROOT, TODAY
from pydantic import ValidationError

from claimlint.core.config import Config
from claimlint.core.model import Claim
from claimlint.readers.base import ReadOptions, Source, Unparsable
from claimlint.readers.json import ClaimIn, read_json, read_jsonl
from claimlint.running.engine import Engine

SCHEMA = json.loads((ROOT / "schemas" / "claim-batch.schema.json").read_text())
CASES = json.loads((ROOT / "tests" / "schema_cases" / "claims.json").read_text())
CLAIM_SCHEMA = {**SCHEMA, "$ref": "#/$defs/claim"}
for key in ("required", "properties", "additionalProperties", "type"):
    CLAIM_SCHEMA.pop(key, None)


def schema_accepts(claim: dict) -> bool:
    return jsonschema.Draft202012Validator(CLAIM_SCHEMA).is_valid(claim)


def model_accepts(claim: dict) -> bool:
    try:
        ClaimIn.model_validate(claim)
    except ValidationError:
        return False
    return True


def _not_exempt(kind: str) -> list[str]:
    """The cases JSON Schema can state (tests/test_input_contract.py runs all, with reasons)."""
    return sorted(n for n in CASES[kind] if "jsonschema" not in CASES["exempt"].get(n, {}))


@pytest.mark.parametrize("name", _not_exempt("valid"))
def test_schema_and_model_accept_the_same_valid_claims(name):
    claim = CASES["valid"][name]
    assert schema_accepts(claim) and model_accepts(claim)


@pytest.mark.parametrize("name", _not_exempt("invalid"))
def test_schema_and_model_reject_the_same_invalid_claims(name):
    claim = CASES["invalid"][name]
    assert not schema_accepts(claim) and not model_accepts(claim)


def test_schema_is_valid_2020_12():
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def _items(data: bytes, reader=read_json):
    return list(reader(Source(name="batch.json", data=data), ReadOptions()))


def test_valid_claim_becomes_canonical_with_pointer_locations():
    data = json.dumps({"claims": [CASES["valid"]["full"]]}).encode()
    [claim] = [i for i in _items(data) if isinstance(i, Claim)]
    line = claim.lines[0]
    assert (line.tooth, line.surfaces, str(line.charge)) == ("30", ("M", "O"), "250")
    assert line.where("surfaces").pointer == "/claims/0/lines/0/surfaces"
    assert claim.where("billing_provider.npi").pointer == "/claims/0/billing_provider/npi"
    assert claim.patient is None and claim.subscriber.member_id == "SYN1"


def test_teeth_written_with_hash_and_spaced_surfaces_are_normalised():
    claim = dict(CASES["valid"]["minimal"])
    claim["lines"] = [{"line_number": 1, "code": "d2160", "tooth": "#30", "surfaces": "m o d"}]
    [item] = _items(json.dumps({"claims": [claim]}).encode())
    assert item.lines[0].code == "D2160"
    assert item.lines[0].tooth == "30" and item.lines[0].surfaces == ("M", "O", "D")


def test_bad_value_is_one_located_cl002_and_its_claim_is_still_read():
    bad = CASES["invalid"]["charge_not_a_number"]
    good = CASES["valid"]["minimal"]
    items = _items(json.dumps({"claims": [good, bad, good]}).encode())
    assert [type(i).__name__ for i in items] == ["Claim", "Finding", "Claim", "Claim"]
    finding, claim = items[1], items[2]
    assert finding.code == "CL002" and finding.location.claim_id == "C1"
    assert finding.location.pointer == "/claims/1/lines/0/charge"
    assert finding.location.line == 1
    assert claim.claim_id == "C1" and claim.lines[0].charge is None


def test_unreadable_claim_id_is_the_only_reason_a_claim_is_not_linted():
    bad = dict(CASES["valid"]["minimal"], claim_id=17, total_charge="ten")
    [item] = _items(json.dumps({"claims": [bad]}).encode())
    assert isinstance(item, Unparsable) and item.findings[0].code == "CL002"


def test_schema_message_never_echoes_patient_values():
    bad = {"claim_id": "C9", "patient": {"first_name": 12345, "last_name": "SECRETNAME"}}
    items = _items(json.dumps({"claims": [bad]}).encode())
    [finding] = [i for i in items if not isinstance(i, Claim)]
    assert finding.code == "CL002" and finding.location.pointer == "/claims/0/patient/first_name"
    assert "SECRETNAME" not in finding.message
    assert "12345" not in finding.message


def test_invalid_json_is_one_cl001_with_line_and_column():
    [finding] = _items(b'{"claims": [\n  {"claim_id": "A",,}\n]}')
    assert finding.code == "CL001" and finding.location.physical_line == 2


def test_jsonl_bad_line_is_counted_and_located_by_line():
    data = b'{"claim_id": "A"}\nnot json\n\n{"claim_id": "B", "lines": "x"}\n{"claim_id": "C"}\n'
    items = _items(data, read_jsonl)
    kinds = [type(i).__name__ for i in items]
    assert kinds == ["Claim", "Unparsable", "Finding", "Claim", "Claim"]
    assert items[1].findings[0].location.physical_line == 2
    assert items[2].location.physical_line == 4
    assert items[2].location.pointer == "/lines"
    assert items[3].claim_id == "B" and items[3].lines == ()


def test_report_accounts_for_every_claim(tmp_path):
    path = tmp_path / "b.jsonl"
    path.write_text(
        '{"claim_id": "A"}\n[1]\n{"claim_id": "B", "lines": 3}\n{"claim_id": "C"}\n{"lines": []}\n'
    )
    report = Engine(Config(today=TODAY)).lint_paths([str(path)])
    s = report.summary
    assert (s.claims_read, s.claims_linted, s.claims_unparsable) == (5, 3, 2)
    assert s.claims_read == s.claims_linted + s.claims_unparsable
    assert sum(s.by_severity.values()) == len(report.findings)


def test_batch_history_is_read_and_bad_history_rows_are_located():
    data = json.dumps(
        {
            "claims": [],
            "history": [
                {"member_id": "SYN1", "code": "D2391", "date": "2025-01-02", "tooth": "30"},
                {"member_id": "SYN1", "code": "D2391", "date": "not a date"},
                {"member_id": "SYN1"},
            ],
        }
    ).encode()
    items = _items(data)
    meta = [i for i in items if type(i).__name__ == "BatchMeta"]
    problems = [i for i in items if getattr(i, "code", None) == "CL002"]
    assert len(meta[0].history) == 1 and meta[0].history[0].tooth == "30"
    pointers = sorted(p.location.pointer for p in problems)
    assert pointers == ["/history/1/date", "/history/2/code"]


def test_findings_in_a_pretty_printed_batch_get_physical_lines(tmp_path):
    path = tmp_path / "pretty.json"
    path.write_text(
        '{\n  "claims": [\n    {"claim_id": "A"},\n    {\n      "claim_id": "B",\n'
        '      "lines": [{"line_number": 1, "code": "D2150", "charge": "ten"}]\n    }\n  ]\n}\n'
    )
    [finding] = [
        f for f in Engine(Config(today=TODAY)).lint_paths([str(path)]).findings if f.code == "CL002"
    ]
    assert finding.location.pointer == "/claims/1/lines/0/charge"
    assert (finding.location.physical_line, finding.location.column) == (6, 63)


def test_iso_numbering_converts_and_impossible_iso_tooth_is_kept_for_cl204():
    claims = [
        {"claim_id": "I1", "lines": [{"line_number": 1, "code": "D2391", "tooth": "46"}]},
        {"claim_id": "I2", "lines": [{"line_number": 1, "code": "D2391", "tooth": "19"}]},
    ]
    items = _items(json.dumps({"tooth_numbering": "iso", "claims": claims}).encode())
    assert items[0].lines[0].tooth == "30" and items[0].lines[0].teeth[0].original == "46"
    assert isinstance(items[1], Claim)
    [entry] = items[1].lines[0].teeth
    assert (entry.tooth, entry.original, entry.system) == (None, "19", "iso")


def test_broken_inline_profile_is_a_located_cl002_not_a_crash(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(
        json.dumps(
            {
                "claims": [{"claim_id": "A1", "payer_id": "X"}],
                "payers": {"X": {"bogus_key": 1}},
            }
        )
    )
    engine = Engine(Config(today=TODAY))
    report = engine.lint_paths([str(path)])
    [finding] = [f for f in report.findings if f.code == "CL002"]
    assert finding.location.pointer == "/payers" and "bogus_key" in finding.message
    assert engine.errors == [] and report.summary.claims_linted == 1


@pytest.mark.parametrize(
    ("data", "kind"),
    [(b"19", "number"), (b'"x"', "string"), (b"null", "null"), (b"true", "true/false")],
)
def test_a_json_file_that_is_not_a_batch_is_one_cl001_with_a_position(tmp_path, data, kind):
    """Found by the long fuzzing run: a file emptied then mutated to ``19`` gave a CL001 with
    no line and no pointer (and "a JSON int")."""
    [finding] = _items(data)
    assert finding.code == "CL001" and f"holds a JSON {kind}," in finding.message
    assert finding.location.physical_line == 1 and finding.location.pointer == ""
    path = tmp_path / "odd.json"
    path.write_bytes(data)
    report = Engine(Config(today=TODAY)).lint_paths([str(path)])
    [cl001] = report.to_dict()["findings"]
    assert cl001["location"]["position"]["line"] == 1
