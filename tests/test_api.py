from __future__ import annotations

from conftest import FIXTURES, TODAY

import claimlint
from claimlint.core.config import Config


def test_lint_batch_in_memory_matches_lint_paths():
    path = FIXTURES / "rules" / "CL002" / "fail.json"
    from_file = claimlint.lint_paths([str(path)], Config(today=TODAY))
    in_memory = claimlint.lint_batch(path.read_text(), Config(today=TODAY), name=str(path))
    assert [f.to_dict() for f in from_file.findings] == [f.to_dict() for f in in_memory.findings]
    s = in_memory.summary  # a bad value is a finding; its claim is still linted
    assert (s.claims_read, s.claims_linted, s.claims_unparsable) == (2, 2, 0)


def test_lint_batch_accepts_python_objects():
    report = claimlint.lint_batch({"claims": [{"claim_id": "X1"}, {"lines": []}]})
    assert report.summary.claims_read == 2
    assert [f.code for f in report.findings] == ["CL002"]
