"""SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.

* ``tool.driver.rules``: every rule claimlint knows (``options.rules``) plus any code that
  appears in a finding, with the help text built from the check's docstring sections and the
  default level (error → error, warning → warning, info → note).
* each result: ruleId/ruleIndex, level, message, a physical location (repository-relative URI,
  region startLine/startColumn ≥ 1), a logical location naming the claim and service line
  (``claim/PCN1001/line/2``), and partialFingerprints: ``claimlint/v1`` (our keyed fingerprint)
  and ``primaryLocationLineHash`` derived from it. GitHub would otherwise hash the source line,
  which is useless for X12 files that are a single physical line.
"""

from __future__ import annotations

import hashlib
from typing import Any, TextIO
from urllib.parse import quote

import orjson

from claimlint.core.findings import Finding, Report, Severity
from claimlint.report.formatters import FormatOptions
from claimlint.report.formatters._common import position, relative_path

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _uri(file: str) -> str:
    rel = relative_path(file)
    if rel.startswith("/"):
        return "file://" + quote(rel)
    return quote(rel)


def line_hash(fp: str) -> str:
    """``primaryLocationLineHash`` in GitHub's ``<hash>:<occurrence>`` shape, from our
    fingerprint (which already counts occurrences) instead of from a physical source line."""
    return hashlib.sha256(f"claimlint/v1:{fp}".encode()).hexdigest()[:16] + ":1"


def _rule_descriptor(code: str, check: Any, fallback: Finding | None) -> dict[str, Any]:
    if check is None:
        assert fallback is not None
        return {
            "id": code,
            "name": fallback.name,
            "shortDescription": {"text": fallback.name},
            "defaultConfiguration": {"level": LEVEL[fallback.severity]},
        }
    sections: dict[str, str] = check.doc_sections()
    what = sections.get("What it checks") or check.summary
    help_text = "\n\n".join(f"{title}:\n{body}" for title, body in sections.items())
    help_md = "\n\n".join(f"**{title}**\n\n{body}" for title, body in sections.items())
    descriptor: dict[str, Any] = {
        "id": code,
        "name": check.name,
        "shortDescription": {"text": check.summary},
        "fullDescription": {"text": " ".join(what.split())},
        "help": {"text": help_text or check.summary, "markdown": help_md or check.summary},
        "defaultConfiguration": {"level": LEVEL[Severity(check.severity)]},
        "properties": {
            "tags": ["dental-claims", *getattr(check, "tags", ())],
            "scope": getattr(check.scope, "value", str(check.scope)),
        },
    }
    return descriptor


def _result(f: Finding, index: int, options: FormatOptions) -> dict[str, Any]:
    loc = f.location
    line, col = position(loc)
    result: dict[str, Any] = {
        "ruleId": f.code,
        "ruleIndex": index,
        "level": LEVEL[f.severity],
        "message": {"text": f.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": _uri(loc.file)},
                    "region": {"startLine": line, "startColumn": col},
                }
            }
        ],
        "partialFingerprints": {
            "claimlint/v1": f.fingerprint,
            "primaryLocationLineHash": line_hash(f.fingerprint),
        },
    }
    if loc.claim_id:
        name = f"claim/{loc.claim_id}"
        if loc.line is not None:
            name += f"/line/{loc.line}"
        result["locations"][0]["logicalLocations"] = [
            {"name": name, "fullyQualifiedName": name, "kind": "object"}
        ]
    props: dict[str, Any] = {"name": f.name}
    if loc.field:
        props["field"] = loc.field
    described = loc.describe()
    if described:
        props["position"] = described
    if options.show_values and f.evidence:
        props["evidence"] = f.evidence
    result["properties"] = props
    return result


def build(report: Report, options: FormatOptions) -> dict[str, Any]:
    codes = sorted(set(options.rules) | {f.code for f in report.findings})
    first: dict[str, Finding] = {}
    for f in report.findings:
        first.setdefault(f.code, f)
    rules = [_rule_descriptor(c, options.rules.get(c), first.get(c)) for c in codes]
    index = {c: i for i, c in enumerate(codes)}
    driver: dict[str, Any] = {
        "name": "claimlint",
        "rules": rules,
    }
    if options.tool_version:
        driver["version"] = options.tool_version
        driver["semanticVersion"] = options.tool_version
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "columnKind": "unicodeCodePoints",
        "results": [_result(f, index[f.code], options) for f in report.findings],
        "properties": {"summary": report.summary.to_dict()},
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(report: Report, out: TextIO, options: FormatOptions) -> None:
    out.write(orjson.dumps(build(report, options), option=orjson.OPT_INDENT_2).decode())
    out.write("\n")
