"""``--format 999`` and ``--format 277ca`` (issue 13, item 2): valid X12, read back with the
project's own tokenizer, counts and control numbers checked, and compared with expected files.

Regenerate the expected files after a deliberate change with
``CLAIMLINT_REGEN_GOLDEN=1 pytest tests/test_acks.py`` and review the diff.
"""

from __future__ import annotations

import io
import os
import re
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES, ROOT

from claimlint.cli import main
from claimlint.core import catalogue
from claimlint.core.ack import ack_999_for, status_277_for
from claimlint.running.registry import load_registry
from claimlint.x12.tokenizer import Batch, Delimiters, Problem, tokenize

GOLDEN = Path(__file__).parent / "golden" / "ack"
SAMPLES = Path("/work/shared/x12-samples")
TODAY = "2026-01-15"

sys.path.insert(0, str(ROOT / "benchmarks"))
import generate  # noqa: E402

sys.path.pop(0)


def ack(fmt: str, *paths: str | Path, extra: tuple[str, ...] = ()) -> str:
    result = CliRunner().invoke(
        main, ["check", "--today", TODAY, "--format", fmt, *extra, *map(str, paths)]
    )
    assert result.exit_code in (0, 1), result.output
    return result.stdout


def segments(text: str) -> list[list[str]]:
    """The acknowledgment read back with claimlint's tokenizer: no problem, elements split."""
    out: list[list[str]] = []
    element = "*"
    for tok in tokenize(io.BytesIO(text.encode("ascii"))):
        assert not isinstance(tok, Problem), tok
        if isinstance(tok, Delimiters):
            element = tok.element
            assert (tok.element, tok.component, tok.repetition, tok.segment) == ("*", ":", "^", "~")
        elif isinstance(tok, Batch):
            out.extend(body.split(element) for body in tok.bodies)
    return out


def check_envelopes(segs: list[list[str]], st01: str, version: str) -> None:
    """ISA/IEA, GS/GE and ST/SE nest, their counts and control numbers agree."""
    isa = gs = st = None
    groups = sets = count = 0
    for e in segs:
        sid = e[0]
        if st is not None:
            count += 1
        if sid == "ISA":
            assert isa is None and len(e) == 17
            isa, groups = e[13], 0
            assert re.fullmatch(r"\d{9}", isa)
        elif sid == "GS":
            assert isa is not None and gs is None
            gs, sets, groups = e[6], 0, groups + 1
            assert e[8] == version
        elif sid == "ST":
            assert gs is not None and st is None
            st, count, sets = e[2], 1, sets + 1
            assert e[1] == st01 and e[3] == version
        elif sid == "SE":
            assert st is not None and e[2] == st and int(e[1]) == count, (e, count)
            st = None
        elif sid == "GE":
            assert st is None and e[2] == gs and int(e[1]) == sets
            gs = None
        elif sid == "IEA":
            assert gs is None and e[2] == isa and int(e[1]) == groups
            isa = None
        else:
            assert st is not None, e
    assert isa is None and gs is None and st is None


def compare(text: str, name: str) -> None:
    path = GOLDEN / name
    if os.environ.get("CLAIMLINT_REGEN_GOLDEN"):
        path.write_text(text, encoding="ascii")
    assert text == path.read_text(encoding="ascii")


CASES = [
    ("CL103-fail", FIXTURES / "rules" / "CL103" / "fail.837"),
    ("CL107-fail", FIXTURES / "rules" / "CL107" / "fail.837"),
    ("CL114-pass", FIXTURES / "rules" / "CL114" / "pass.837"),
    ("moov-io", SAMPLES / "moov-io-837d-sample.txt"),
    ("new-wave-batch", SAMPLES / "new-wave-837D-batch.txt"),
]


@pytest.mark.parametrize(("name", "path"), CASES, ids=[c[0] for c in CASES])
def test_999_matches_expected(name, path):
    if not path.exists():
        pytest.skip(f"{path} is absent")
    text = ack("999", path)
    check_envelopes(segments(text), "999", "005010X231A1")
    compare(text, f"{name}.999")


@pytest.mark.parametrize(("name", "path"), CASES, ids=[c[0] for c in CASES])
def test_277ca_matches_expected(name, path):
    if not path.exists():
        pytest.skip(f"{path} is absent")
    text = ack("277ca", path)
    check_envelopes(segments(text), "277", "005010X214")
    compare(text, f"{name}.277ca")


def test_999_codes_come_from_the_findings():
    """CL103 (SE01 count wrong) rejects the transaction set with IK502 4; a clean file is
    accepted (IK5 A, AK9 A 1 1 1)."""
    bad = segments(ack("999", FIXTURES / "rules" / "CL103" / "fail.837"))
    assert ["IK5", "R", "4"] in bad and bad[[s[0] for s in bad].index("AK9")][:5] == [
        "AK9",
        "R",
        "1",
        "1",
        "0",
    ]
    good = segments(ack("999", FIXTURES / "rules" / "CL114" / "pass.837"))
    assert ["IK5", "A"] in good and ["AK9", "A", "1", "1", "1"] in good


@pytest.fixture(scope="module")
def defects(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ack") / "batch.837"
    generate.generate("837d", 2_000, path, seed=7, defect_pct=10.0, per_st=400)
    return path


def test_generated_batch_with_defects(defects):
    """Every claim of a 2,000-claim batch with injected defects is answered once in the
    277CA, rejected exactly when it has an error finding; the counts add up."""
    import claimlint
    from claimlint.core.config import Config

    report = claimlint.lint_paths(
        [str(defects)], Config(today=__import__("datetime").date(2026, 1, 15))
    )
    held = {f.location.claim_id for f in report.findings if f.severity.value == "error"}
    segs = segments(ack("277ca", defects))
    check_envelopes(segs, "277", "005010X214")
    traces: dict[str, str] = {}
    current = None
    for e in segs:
        if e[0] == "HL":
            current = e[3]
        if e[0] == "TRN" and current == "PT":
            claim = e[2]
            assert claim not in traces
            traces[claim] = ""
        if e[0] == "STC" and current == "PT":
            traces[claim] = e[3]
    assert len(traces) == report.summary.claims_read == 2_000
    assert {c for c, action in traces.items() if action == "U"} == held
    assert 0 < len(held) < 2_000
    accepted = sum(int(e[2]) for e in segs if e[:2] == ["QTY", "90"]) // 2  # 2200B + 2200C
    assert accepted == 2_000 - len(held)
    five = segments(ack("999", defects))
    check_envelopes(five, "999", "005010X231A1")
    assert sum(1 for e in five if e[0] == "AK2") == 5  # 2,000 claims, 400 per ST


def test_phi_stays_out_of_the_277ca_and_values_out_of_the_999(tmp_path):
    """No patient or subscriber name or member id of the input reaches the 277CA; the 999
    carries a bad value (IK404) only with --show-values."""
    source = FIXTURES / "rules" / "CL107" / "fail.837"
    text = source.read_text()
    names = set()
    for seg in re.split(r"~\s*", text):
        e = seg.split("*")
        if e[0] == "NM1" and e[1] in ("IL", "QC"):
            names.update(v for v in (e[3:5] + e[9:10]) if v)
    assert names
    answer = ack("277ca", source)
    assert not [n for n in names if n in answer]
    assert "NM1*QC*1~" in answer
    invalid = FIXTURES / "rules" / "CL117" / "fail.837"
    if invalid.exists():
        hidden = segments(ack("999", invalid))
        shown = segments(ack("999", invalid, extra=("--show-values",)))
        assert all(len(e) <= 4 for e in hidden if e[0] == "IK4")
        assert any(len(e) == 5 for e in shown if e[0] == "IK4")


def test_every_rule_has_an_acknowledgment_meaning():
    """Reader rules declare their 999 codes on the catalogue entry and the check class takes
    them over; business rules have no 999 meaning and a 277CA status (declared or default)."""
    registry = load_registry()
    for check in registry.checks:
        status = status_277_for(check)
        assert re.fullmatch(r"A[0-8]", status.category) and status.status.isdigit()
        rule = catalogue.RULES.get(check.code)
        if rule is not None:
            assert check.ack_999 == rule.ack_999 and check.status_277 == rule.status_277
        if check.scope.value == "source":
            assert ack_999_for(check) is not None
        else:
            assert ack_999_for(check) is None, check.code
    by_code = registry.by_code()
    assert by_code["CL109"].status_277.composite() == "A7:562:85"
    assert ack_999_for(by_code["CL103"]).transaction == "4"


def test_the_docs_table_is_generated_from_the_rules():
    sys.path.insert(0, str(ROOT / "docs" / "hooks"))
    try:
        import ack_table
    finally:
        sys.path.pop(0)
    page = (ROOT / "docs" / "acknowledgments.md").read_text()
    assert ack_table.MARKER in page
    table = ack_table.table()
    for check in load_registry().checks:
        assert f"| [{check.code}](rules/{check.code}.md) |" in table
    assert "| A7:562:85 |" in table
    assert "acknowledgments.md" in (ROOT / "mkdocs.yml").read_text()


# -- issue 13 review: claims without CLM01, rejected transaction sets, unreadable input -------

DEMO = ROOT / "fixtures" / "demo" / "batch.837"


def claim_answers(segs: list[list[str]]) -> dict[str, list[str]]:
    """TRN02 of each 2000D claim -> its STC01 composites with STC03 (``A2:20/WQ``)."""
    out: dict[str, list[str]] = {}
    level = claim = None
    for e in segs:
        if e[0] == "HL":
            level = e[3]
        elif e[0] == "TRN" and level == "PT":
            claim = e[2]
            out[claim] = []
        elif e[0] == "STC" and level == "PT" and claim is not None:
            out[claim].append(f"{e[1]}/{e[3]}")
    return out


def demo_with(tmp_path: Path, old: str, new: str) -> Path:
    text = DEMO.read_text()
    assert old in text
    path = tmp_path / "batch.837"
    path.write_text(text.replace(old, new, 1))
    return path


def test_a_claim_without_clm01_is_rejected_in_the_277ca(tmp_path):
    """CL116 (CLM01 empty) names no claim id but lies in the claim's segments: the claim is
    rejected (U) with the rule's status, traced by its CLM's position in the set, never
    accepted under an invented id."""
    path = demo_with(tmp_path, "CLM*DEMO1004*", "CLM**")
    answers = claim_answers(segments(ack("277ca", path)))
    traces = [t for t in answers if not t.startswith("DEMO")]
    assert len(traces) == 1 and re.fullmatch(r"NOCLM01-SEG\d+", traces[0])
    assert answers[traces[0]] and all(s.endswith("/U") for s in answers[traces[0]])
    assert "A2:20/WQ" not in answers[traces[0]]
    assert answers["DEMO1001"] == ["A2:20/WQ"]  # the other claims keep their own verdict
    # the 999 notes the error on the claim but accepts the set (IK5 E): the claim is the 277CA's
    five = segments(ack("999", path))
    assert ["IK5", "R"] not in [e[:2] for e in five]


def test_a_set_the_999_rejects_rejects_every_claim_in_the_277ca(tmp_path):
    """A wrong SE01 (CL103, on no claim) rejects the set in the 999 (IK5 R) and every claim of
    the file in the 277CA (A3:21, U; 2200B STC U): exactly the claims split holds."""
    path = demo_with(tmp_path, "SE*73*0001", "SE*70*0001")
    five = segments(ack("999", path))
    assert next(e[:3] for e in five if e[0] == "IK5") == ["IK5", "R", "4"]
    segs = segments(ack("277ca", path))
    check_envelopes(segs, "277", "005010X214")
    answers = claim_answers(segs)
    assert len(answers) == 7
    assert all("A3:21/U" in s and "A2:20/WQ" not in s for s in answers.values()), answers
    assert [e[3] for e in segs if e[0] == "STC" and e[1] == "A3:21"].count("U") >= 7
    assert sum(int(e[2]) for e in segs if e[:2] == ["QTY", "90"]) == 0
    clean, held = tmp_path / "clean.837", tmp_path / "held.837"
    r = CliRunner().invoke(
        main, ["split", "--today", TODAY, str(path), "--clean", str(clean), "--held", str(held)]
    )
    assert r.exit_code in (0, 1), r.output
    held_ids = set(re.findall(r"CLM\*([^*]+)\*", held.read_text()))
    assert held_ids == set(answers)
    assert not clean.exists() or not re.findall(r"CLM\*([^*]+)\*", clean.read_text())


def test_claim_level_999_errors_accept_the_set_with_errors_noted():
    """The demo batch's second set has reader errors only on claims (CL117, CL118 in claim
    loops): IK5 E, and the 277CA accepts its clean claim DEMO2003, as split forwards it."""
    five = segments(ack("999", DEMO))
    assert [e[:2] for e in five if e[0] in ("IK5", "AK9")] == [
        ["IK5", "A"],
        ["IK5", "E"],
        ["AK9", "E"],
    ]
    answers = claim_answers(segments(ack("277ca", DEMO)))
    assert answers["DEMO2003"] == ["A2:20/WQ"]


def test_an_unreadable_837_says_why_no_acknowledgment_is_written(tmp_path):
    """An ISA cut short: nothing to acknowledge; stdout stays empty and stderr names the file."""
    bad = tmp_path / "bad.837"
    bad.write_bytes(DEMO.read_bytes()[:50])
    for fmt in ("999", "277ca"):
        result = CliRunner().invoke(main, ["check", "--today", TODAY, "--format", fmt, str(bad)])
        assert result.exit_code == 1
        assert result.stdout == ""
        assert f"{bad}: no acknowledgment written" in result.stderr
        assert "X12" in result.stderr
