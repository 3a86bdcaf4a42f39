"""One input contract, three forms (issue 11): the pydantic input models of the JSON reader are
the source; schemas/claim-batch.schema.json is generated from them; the XSD is held to the same
accept/reject cases (tests/schema_cases/claims.json).

Every case runs through four legs:

* ``jsonschema`` — the committed JSON Schema (``#/$defs/claim``), as a user validates an export;
* ``json`` — the JSON reader (the input models): an accepted case gives no CL002, a rejected one
  a CL002 at the case's field (``rejected_at``), and the claim is still read unless its
  ``claim_id`` is unreadable (DESIGN.md §2);
* ``xsd`` — the XML twin of the case (the mapping of ``claimlint convert --to xml``) against
  schemas/claim-batch.xsd;
* ``xml`` — the XML reader on that twin: no CL002 when accepted, a CL002 at the field's XPath when
  rejected.

A leg that cannot agree is listed under ``exempt`` in the cases file with the reason; an
exemption that is no longer needed fails too, so the list stays true.
"""

from __future__ import annotations

import json
import re
from typing import Any

import jsonschema
import pytest
from conftest import ROOT
from lxml import etree

from claimlint.core.findings import Finding
from claimlint.core.model import Claim
from claimlint.readers import schema_gen
from claimlint.readers.base import ReadOptions, Source, Unparsable
from claimlint.readers.json import BATCH_KEYS, BatchIn, read_json
from claimlint.readers.xml import claim_schema, read_xml

CASES = json.loads((ROOT / "tests" / "schema_cases" / "claims.json").read_text())
SCHEMA_FILE = ROOT / "schemas" / "claim-batch.schema.json"
SCHEMA = json.loads(SCHEMA_FILE.read_text())
CLAIM_SCHEMA = {"$schema": SCHEMA["$schema"], "$defs": SCHEMA["$defs"], "$ref": "#/$defs/claim"}
LEGS = ("jsonschema", "json", "xsd", "xml")


def _cases() -> list[tuple[str, bool]]:
    return [(name, True) for name in sorted(CASES["valid"])] + [
        (name, False) for name in sorted(CASES["invalid"])
    ]


def _claim(name: str, accepted: bool) -> dict[str, Any]:
    return CASES["valid" if accepted else "invalid"][name]


# -- the XML twin of a JSON case --------------------------------------------------------------

#: list field -> its item element; item objects whose main value is the element's text
_ITEMS = {
    "lines": "line",
    "teeth": "tooth",
    "notes": "note",
    "attachments": "attachment",
    "missing_teeth": "tooth",
    "oral_cavity": "area",
}
_TEXT_OF = {"notes": "text", "missing_teeth": "tooth", "teeth": "tooth"}


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(_text(v) for v in value)  # surfaces as a list: "M,O"
    return str(value)


def _element(parent: Any, tag: str, value: Any) -> None:
    if value is None:
        return  # XML has no null: an absent element is the same as JSON's null
    el = etree.SubElement(parent, tag)
    if tag in _ITEMS and isinstance(value, list):
        for item in value:
            _item(el, tag, item)
    elif isinstance(value, dict):
        for key, sub in value.items():
            _element(el, key, sub)
    else:
        el.text = _text(value)


def _item(parent: Any, field: str, item: Any) -> None:
    tag = _ITEMS[field]
    if isinstance(item, dict) and field in _TEXT_OF:
        el = etree.SubElement(parent, tag)
        for key, value in item.items():
            if key == _TEXT_OF[field]:
                el.text = _text(value)
            elif value is not None:
                el.set(key, _text(value))
    elif isinstance(item, dict):
        el = etree.SubElement(parent, tag)
        for key, value in item.items():
            _element(el, key, value)
    else:
        etree.SubElement(parent, tag).text = _text(item)


def xml_twin(claim: dict[str, Any]) -> Any:
    """The ``<claim>`` element of a JSON claim (what ``claimlint convert --to xml`` writes)."""
    el = etree.Element("claim")
    for key, value in claim.items():
        _element(el, key, value)
    return el


def xpath_of(pointer: str) -> str:
    """``/lines/0/teeth/1/surfaces`` -> ``/lines/line[1]/teeth/tooth[2]/@surfaces``; the main
    value of a note or tooth item is the element's text (``/notes/0/text`` -> ``/notes/note[1]``).
    """
    out: list[str] = []
    parts = pointer.strip("/").split("/") if pointer.strip("/") else []
    for i, part in enumerate(parts):
        field = parts[i - 1] if i >= 1 else ""
        owner = parts[i - 2] if i >= 2 and parts[i - 1].isdigit() else ""
        if part.isdigit() and field in _ITEMS:
            out.append(f"{_ITEMS[field]}[{int(part) + 1}]")
        elif owner in _TEXT_OF:
            if part != _TEXT_OF[owner]:
                out.append(f"@{part}")
        else:
            out.append(part)
    return "".join(f"/{p}" for p in out)


def _same_place(xpath: str) -> str:
    """lxml leaves out ``[1]`` on an element without same-named siblings."""
    return xpath.replace("[1]", "")


# -- the four legs: (accepted?, where the CL002 points or None) ---------------------------------


def _outcome(items: list[Any], base: str) -> tuple[bool, list[str], bool]:
    """(no CL002?, the CL002 locations relative to the claim, was a claim read?)"""
    found: list[Finding] = [i for i in items if isinstance(i, Finding)]
    for item in items:
        if isinstance(item, Unparsable):
            found.extend(item.findings)
    cl002 = [f for f in found if f.code == "CL002"]
    where = [(f.location.pointer or "").removeprefix(base) for f in cl002]
    return not cl002, where, any(isinstance(i, Claim) for i in items)


def run_leg(leg: str, claim: dict[str, Any]) -> tuple[bool, list[str], bool]:
    if leg == "jsonschema":
        errors = list(jsonschema.Draft202012Validator(CLAIM_SCHEMA).iter_errors(claim))
        return not errors, [], True
    if leg == "xsd":
        return claim_schema().validate(xml_twin(claim)), [], True
    if leg == "json":
        data = json.dumps({"claims": [claim]}).encode()
        items = list(read_json(Source(name="case.json", data=data), ReadOptions()))
        return _outcome(items, "/claims/0")
    batch = etree.Element("batch", version="1")
    etree.SubElement(batch, "claims").append(xml_twin(claim))
    data = etree.tostring(batch, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    items = list(read_xml(Source(name="case.xml", data=data), ReadOptions()))
    return _outcome(items, "/batch/claims/claim[1]")


@pytest.mark.parametrize("leg", LEGS)
@pytest.mark.parametrize(("name", "accepted"), _cases())
def test_every_form_of_the_contract_agrees(name: str, accepted: bool, leg: str) -> None:
    claim = _claim(name, accepted)
    ok, where, read = run_leg(leg, claim)
    exempt = CASES["exempt"].get(name, {}).get(leg)
    verdict = "accepts" if accepted else "rejects"
    if exempt:
        assert ok != accepted, f"{leg} now {verdict} {name}: drop its exemption ({exempt})"
        return
    assert ok == accepted, f"{leg} does not agree that the contract {verdict} {name}"
    if accepted or leg in ("jsonschema", "xsd"):
        return
    at = CASES["rejected_at"][name]
    if leg == "xml":
        expected = _same_place(CASES["xml_rejected_at"].get(name, xpath_of(at)))
        where = [_same_place(w) for w in where]
    else:
        expected = at
    assert expected in where, f"{leg}: CL002 at {where}, expected at {expected}"
    # a bad value is a finding at its field and the claim is still linted (issue 10); only a
    # claim whose claim_id cannot be read is not
    assert read == (at != "/claim_id"), f"{leg}: claim read={read} for {name}"


def test_every_rejected_case_names_its_field_and_every_exemption_its_reason() -> None:
    assert set(CASES["rejected_at"]) == set(CASES["invalid"])
    known = set(CASES["valid"]) | set(CASES["invalid"])
    for name, legs in CASES["exempt"].items():
        assert name in known, f"exemption for an unknown case {name}"
        for leg, reason in legs.items():
            assert leg in LEGS and len(reason) > 20, f"{name}/{leg}: give a reason"


def test_xml_twins_are_what_convert_writes() -> None:
    """The twin mapping is the reader's: the XML twin of a valid case reads as the same claim."""
    claim = CASES["valid"]["every_field"]
    from_json = [
        i
        for i in read_json(
            Source(name="a.json", data=json.dumps({"claims": [claim]}).encode()), ReadOptions()
        )
        if isinstance(i, Claim)
    ]
    batch = etree.Element("batch", version="1")
    etree.SubElement(batch, "claims").append(xml_twin(claim))
    data = etree.tostring(batch, xml_declaration=True, encoding="UTF-8")
    from_xml = [
        i for i in read_xml(Source(name="a.xml", data=data), ReadOptions()) if isinstance(i, Claim)
    ]
    assert len(from_json) == len(from_xml) == 1
    assert _canonical(from_json[0].model_dump()) == _canonical(from_xml[0].model_dump())


def _canonical(node: Any) -> Any:
    """A dumped claim without its source positions (which differ by format)."""
    if isinstance(node, dict):
        return {
            k: _canonical(v) for k, v in node.items() if k not in ("ref", "refs", "surfaces_ref")
        }
    if isinstance(node, list | tuple):
        return [_canonical(v) for v in node]
    return node


# -- the generated schema ---------------------------------------------------------------------


def test_committed_json_schema_is_generated_from_the_input_models() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_gen.render(), (
        f"{SCHEMA_FILE.relative_to(ROOT)} is stale: the input models in "
        f"claimlint/readers/json.py changed. Run `{schema_gen.COMMAND}` and commit the file."
    )


def test_generated_schema_is_valid_2020_12_and_keeps_its_published_names() -> None:
    schema = schema_gen.claim_batch_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$id"] == "https://claimlint.invalid/schemas/claim-batch.schema.json"
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["title"] == "claimlint claim batch"
    assert {"claim", "line", "tooth", "person", "provider", "note", "attachment"} <= set(
        schema["$defs"]
    )
    assert {"missing_tooth", "prior_procedure"} <= set(schema["$defs"])
    assert not [
        ref for ref in re.findall(r'"#/\$defs/([^"]+)"', json.dumps(schema)) if ref.endswith("In")
    ]


def test_every_field_users_read_about_has_a_description() -> None:
    defs = schema_gen.claim_batch_schema()["$defs"]
    for name, field in [
        ("claim", "claim_id"),
        ("claim", "date_of_service"),
        ("claim", "total_charge"),
        ("claim", "frequency_code"),
        ("line", "code"),
        ("line", "tooth"),
        ("line", "surfaces"),
        ("line", "placement"),
        ("line", "teeth"),
        ("attachment", "type"),
    ]:
        text = json.dumps(defs[name]["properties"][field])
        assert '"description"' in text, f"{name}.{field} has no description"
    assert "protected health information" in defs["person"]["description"].lower()


def test_batch_model_names_the_keys_the_reader_takes() -> None:
    assert {"$schema", "version", "tooth_numbering", "claims", "history", "payers"} == BATCH_KEYS
    assert BatchIn.model_json_schema(by_alias=True)["required"] == ["claims"]


def test_stale_check_exits_1_and_names_the_command(tmp_path, capsys) -> None:
    stale = tmp_path / "claim-batch.schema.json"
    stale.write_text("{}\n", encoding="utf-8")
    assert schema_gen.main(["--check", "--output", str(stale)]) == 1
    assert schema_gen.COMMAND in capsys.readouterr().err
    assert schema_gen.main(["--output", str(stale)]) == 0
    assert schema_gen.main(["--check", "--output", str(stale)]) == 0
    assert stale.read_text(encoding="utf-8") == schema_gen.render()
