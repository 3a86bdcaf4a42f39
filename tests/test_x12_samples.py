"""Public 837D samples written by other people's tools (shared/x12-samples, not copied here).

Each file is read without a traceback, every claim is counted, and each defect listed in
SOURCES.md is reported with a location (segment ordinal) a person can open.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import TODAY

from claimlint.core.config import Config
from claimlint.core.findings import Report
from claimlint.running.engine import Engine

COUNTS = {
    "moov-io-837d-sample.txt": (1, 2),
    "mjkubba-edi837D-demo.edi": (1, 2),
    "new-wave-837D-batch.txt": (5, 10),
    "new-wave-837D-single.txt": (1, 2),
}


def lint(shared: Path, name: str) -> Report:
    path = shared / "x12-samples" / name
    if not path.exists():
        pytest.skip(f"{name} is not in shared/x12-samples")
    engine = Engine(Config(today=TODAY))
    report = engine.lint_paths([str(path)])
    assert engine.errors == [], engine.errors
    return report


def hits(report: Report, code: str, text: str = "") -> list:
    found = [f for f in report.findings if f.code == code and text in f.message]
    for f in found:
        assert f.location.segment_index is not None, f
        assert f.location.physical_line is not None, f
    return found


@pytest.mark.parametrize("name", sorted(COUNTS))
def test_sample_is_read_and_every_claim_counted(shared, name):
    report = lint(shared, name)
    s = report.summary
    claims, _ = COUNTS[name]
    assert s.claims_read == claims
    assert s.claims_read == s.claims_linted + s.claims_unparsable
    assert not hits(report, "CL001")


def test_moov_sample(shared):
    report = lint(shared, "moov-io-837d-sample.txt")
    npi = hits(report, "CL109")
    assert {f.location.field for f in npi} == {"NM109"}
    assert sorted(f.location.segment_index for f in npi) == [9, 26]
    (zip_,) = hits(report, "CL110")
    assert zip_.location.segment_id == "N4" and zip_.location.field == "N403"
    # nothing else from the X12 family: balanced, SE01 right, D1110 needs no tooth
    assert not [f for f in report.findings if f.code in {"CL103", "CL106", "CL105", "CL116"}]


def test_mjkubba_sample(shared):
    report = lint(shared, "mjkubba-edi837D-demo.edi")
    (version,) = hits(report, "CL104")
    assert version.severity.value == "warning" and "005010X224A3" in version.message
    (total,) = hits(report, "CL106")
    assert total.location.field == "CLM02" and "300.00" in total.message
    missing = hits(report, "CL116")
    messages = " | ".join(f.message for f in missing)
    assert "NM1*41" in messages and "NM1*40" in messages and "CLM07" in messages
    assert any(f.location.segment_id == "NM1" and "NM107" in f.message for f in missing)
    rendering = [f for f in hits(report, "CL109") if "6789012345" in f.message]
    assert rendering and rendering[0].location.segment_index == 23
    (patient_loop,) = hits(report, "CL105", "SBR02 is 18")
    assert patient_loop.location.claim_id == "26403774"
    assert patient_loop.location.field == "HL03"


def test_new_wave_batch(shared):
    report = lint(shared, "new-wave-837D-batch.txt")
    (count,) = hits(report, "CL103")
    assert "126" in count.message and "127" in count.message
    assert count.location.segment_id == "SE"
    # the repeated header and HL ids belong to the claim that follows them
    bht = hits(report, "CL118", "BHT")
    assert [f.location.claim_id for f in bht] == [f"CLM000{i}" for i in range(2, 6)]
    reused = hits(report, "CL105", "already used")
    assert [f.location.claim_id for f in reused] == [f"CLM000{i}" for i in (2, 2, 3, 3, 4, 4, 5, 5)]
    assert len(hits(report, "CL117", "CLM05-2")) == 5
    # legacy letter areas (UR, LL) are converted with a CL708 note, not rejected
    assert not hits(report, "CL117", "SV304")
    oral = hits(report, "CL708", "SV304")
    assert len(oral) == 10 and {f.location.field for f in oral} == {"SV304-1"}
    assert len(hits(report, "CL119")) == 5
    bad_npis = {f.message.split("NPI ")[1].split()[0] for f in hits(report, "CL109")}
    assert "1234567893" not in bad_npis
    assert {"1234567890", "9876543210", "1239876543", "1239876546"} <= bad_npis
    assert len(hits(report, "CL110")) == 5
    no_tooth = hits(report, "CL201")
    assert {(f.location.claim_id, f.location.line) for f in no_tooth} == {
        ("CLM0002", 2),
        ("CLM0003", 2),
        ("CLM0005", 2),
    }
    assert {f.location.claim_id for f in hits(report, "CL119")} == {
        f"CLM000{i}" for i in range(1, 6)
    }


def test_new_wave_single(shared):
    report = lint(shared, "new-wave-837D-single.txt")
    (count,) = hits(report, "CL103")
    assert "28" in count.message and "29" in count.message
    assert len(hits(report, "CL117", "CLM05-2")) == 1
    assert not hits(report, "CL117", "SV304")
    assert len(hits(report, "CL708", "SV304")) == 2
    assert len(hits(report, "CL119")) == 1
    order = hits(report, "CL118")
    assert [(f.location.line, f.location.segment_id) for f in order] == [(1, "TOO"), (2, "TOO")]
    (buccal,) = hits(report, "CL207")
    assert (buccal.location.line, buccal.location.field) == (1, "TOO03")
    npi = hits(report, "CL109")
    assert [f.message.split("NPI ")[1].split()[0] for f in npi] == ["1239876546"]
