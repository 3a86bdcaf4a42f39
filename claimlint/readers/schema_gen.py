"""Generate schemas/claim-batch.schema.json from the JSON reader's input models.

The pydantic input models of :mod:`claimlint.readers.json` are the one source of the JSON input
contract; the published JSON Schema (2020-12) is generated from them and committed, and
``tests/test_input_contract.py`` fails when the committed file is stale. Regenerate with::

    python -m claimlint.readers.schema_gen          # rewrite the file
    python -m claimlint.readers.schema_gen --check  # exit 1 when it is stale

This is a development tool: nothing on the per-claim path imports it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode
from pydantic_core import CoreSchema

from claimlint.readers.json import (
    AttachmentIn,
    BatchIn,
    BenefitsIn,
    ClaimIn,
    LineIn,
    MissingToothIn,
    NoteIn,
    PersonIn,
    PriorIn,
    ProviderIn,
    ToothIn,
)

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "schemas" / "claim-batch.schema.json"
SCHEMA_ID = "https://claimlint.invalid/schemas/claim-batch.schema.json"
COMMAND = "python -m claimlint.readers.schema_gen"

#: model -> its name under ``$defs`` (the names users reference, e.g. ``#/$defs/claim``)
DEF_NAMES: dict[str, str] = {
    ClaimIn.__name__: "claim",
    LineIn.__name__: "line",
    ToothIn.__name__: "tooth",
    PersonIn.__name__: "person",
    ProviderIn.__name__: "provider",
    NoteIn.__name__: "note_object",
    AttachmentIn.__name__: "attachment",
    MissingToothIn.__name__: "missing_tooth_object",
    PriorIn.__name__: "prior_procedure",
    BenefitsIn.__name__: "member_benefits",
}

#: list items that are a union of a short form and an object: named under ``$defs`` too
ITEM_DEFS: dict[tuple[str, str], str] = {
    ("claim", "notes"): "note",
    ("claim", "missing_teeth"): "missing_tooth",
}


class ClaimBatchSchema(GenerateJsonSchema):
    """pydantic's generator with the published schema's header, names and no generated titles."""

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False

    def generate(self, schema: CoreSchema, mode: JsonSchemaMode = "validation") -> Any:
        generated = super().generate(schema, mode)
        defs = {DEF_NAMES.get(k, k): v for k, v in generated.pop("$defs", {}).items()}
        for body in defs.values():
            body.pop("title", None)
        generated.pop("title", None)
        _rename_refs(generated, defs)
        for (owner, field), name in ITEM_DEFS.items():
            prop = defs[owner]["properties"][field]
            defs[name] = prop["items"]
            prop["items"] = {"$ref": f"#/$defs/{name}"}
        header = {
            "$schema": self.schema_dialect,
            "$id": SCHEMA_ID,
            "title": "claimlint claim batch",
            "$comment": f"Generated from claimlint/readers/json.py by `{COMMAND}`; do not edit.",
        }
        return {**header, **generated, "$defs": dict(sorted(defs.items()))}


def _rename_refs(*nodes: Any) -> None:
    """Point ``$ref`` at the published names; one-line descriptions; no ``"default": null``
    (an absent field is absent: JSON Schema applies no defaults)."""
    for node in nodes:
        if isinstance(node, dict):
            if "default" in node and node["default"] is None:
                del node["default"]
            if isinstance(node.get("description"), str):
                node["description"] = " ".join(node["description"].split())
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                name = ref.removeprefix("#/$defs/")
                node["$ref"] = f"#/$defs/{DEF_NAMES.get(name, name)}"
            _rename_refs(*node.values())
        elif isinstance(node, list):
            _rename_refs(*node)


def claim_batch_schema() -> dict[str, Any]:
    """The claim batch JSON Schema (2020-12) as generated from the input models."""
    return BatchIn.model_json_schema(by_alias=True, schema_generator=ClaimBatchSchema)


def render() -> str:
    """The schema file's text: two-space indent, a final newline."""
    return json.dumps(claim_batch_schema(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog=COMMAND, description="Write schemas/claim-batch.schema.json from the input models."
    )
    parser.add_argument("--check", action="store_true", help="exit 1 when the file is stale")
    parser.add_argument("--output", type=Path, default=SCHEMA_PATH, help="where to write it")
    args = parser.parse_args(argv)
    text = render()
    current = args.output.read_text(encoding="utf-8") if args.output.exists() else None
    if args.check:
        if current != text:
            print(f"{args.output} is stale; run `{COMMAND}`.", file=sys.stderr)
            return 1
        return 0
    if current != text:
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
