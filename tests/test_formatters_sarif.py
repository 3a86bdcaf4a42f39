from __future__ import annotations

import orjson
import pytest
from ci_sample import check_golden, render, sample_report

from claimlint.report.formatters.sarif import line_hash


def test_sarif_golden() -> None:
    check_golden("report.sarif", render("sarif"))


def test_sarif_driver_rules() -> None:
    run = orjson.loads(render("sarif"))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["CL002", "CL301", "CL999"]
    cl301 = rules[1]
    assert cl301["name"] == "surface-count-mismatch"
    assert cl301["shortDescription"]["text"] == "Surface count does not match the code"
    assert cl301["fullDescription"]["text"] == (
        "That the number of surfaces matches the restoration code."
    )
    assert "Why it matters:" in cl301["help"]["text"]
    assert "D2160 billed with MOD." in cl301["help"]["text"]
    assert cl301["defaultConfiguration"]["level"] == "error"
    # a code with no Check class (a plugin that was not loaded) still gets a descriptor
    assert rules[2]["defaultConfiguration"]["level"] == "note"


def test_sarif_results() -> None:
    run = orjson.loads(render("sarif"))["runs"][0]
    report = sample_report()
    results = run["results"]
    assert len(results) == len(report.findings)
    first = results[0]
    assert first["ruleId"] == "CL301"
    assert run["tool"]["driver"]["rules"][first["ruleIndex"]]["id"] == "CL301"
    assert first["level"] == "error"
    loc = first["locations"][0]
    assert loc["physicalLocation"] == {
        "artifactLocation": {"uri": "claims/batch.json"},
        "region": {"startLine": 14, "startColumn": 22},
    }
    assert loc["logicalLocations"] == [
        {"name": "claim/PCN1001/line/2", "fullyQualifiedName": "claim/PCN1001/line/2",
         "kind": "object"}
    ]  # fmt: skip
    fp = report.findings[0].fingerprint
    assert first["partialFingerprints"] == {
        "claimlint/v1": fp,
        "primaryLocationLineHash": line_hash(fp),
    }
    # X12 findings on one physical line still get distinct line hashes
    hashes = {r["partialFingerprints"]["primaryLocationLineHash"] for r in results}
    assert len(hashes) == len(results)
    # unknown positions become 1:1; claim-level findings name only the claim
    third = results[2]["locations"][0]
    assert third["physicalLocation"]["region"] == {"startLine": 1, "startColumn": 1}
    assert third["logicalLocations"][0]["fullyQualifiedName"] == "claim/PCN1002"
    assert "logicalLocations" not in results[4]["locations"][0]
    assert results[4]["level"] == "note"
    assert "evidence" not in first["properties"]


def test_sarif_validates_against_official_schema(shared) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema_path = shared / "external" / "sarif-schema-2.1.0.json"
    if not schema_path.exists():
        pytest.skip("SARIF 2.1.0 schema not present in shared/external")
    schema = orjson.loads(schema_path.read_bytes())
    validator_cls = jsonschema.validators.validator_for(schema)
    validator = validator_cls(schema)
    for text in (render("sarif"), render("sarif", show_values=True)):
        errors = sorted(validator.iter_errors(orjson.loads(text)), key=lambda e: list(e.path))
        assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    # and the schema really is checking: a result without a message is rejected
    broken = orjson.loads(render("sarif"))
    del broken["runs"][0]["results"][0]["message"]
    assert list(validator.iter_errors(broken))
