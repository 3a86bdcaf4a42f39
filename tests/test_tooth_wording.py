"""Messages name a line as "D2740 on tooth 3", or by its code alone when the line has no tooth:
never "tooth None" (a crown billed without its tooth is its own finding, CL1xx)."""

from __future__ import annotations

import json

from conftest import FIXTURES

from claimlint import lint_batch


def _crown(tooth: str | None) -> dict:
    batch = json.loads((FIXTURES / "rules" / "CL502" / "fail.json").read_text())
    line = batch["claims"][0]["lines"][0]
    if tooth is None:
        del line["tooth"]
    else:
        line["tooth"] = tooth
    return batch


def test_a_crown_without_a_tooth_is_named_by_its_code():
    messages = [f.message for f in lint_batch(_crown(None)).findings if f.code == "CL502"]
    assert messages and all("tooth None" not in m for m in messages)
    assert messages[0].startswith("D2740 needs a pre-operative periapical radiograph")


def test_a_crown_with_a_tooth_still_names_it():
    messages = [f.message for f in lint_batch(_crown("3")).findings if f.code == "CL502"]
    assert messages[0].startswith("D2740 on tooth 3 needs a pre-operative periapical radiograph")
