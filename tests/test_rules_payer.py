"""Payer, frequency, documentation and money rules through the engine (beyond the fixtures)."""

from __future__ import annotations

import json

from click.testing import CliRunner
from conftest import FIXTURES, TODAY

from claimlint.cli import main
from claimlint.core.config import Config
from claimlint.dental.notes import read_note
from claimlint.running.engine import Engine

PROFILES = str(FIXTURES / "profiles")


def _claim(cid, lines, payer="SYNPAYER1", plan="GOLD", dos="2025-11-03", member="SYN0001", **kw):
    data = {
        "claim_id": cid,
        "payer_id": payer,
        "plan_id": plan,
        "subscriber": {"member_id": member, "birth_date": "1980-01-01"},
        "date_of_service": dos,
        "lines": [
            {"line_number": i + 1, "code": c, "charge": 200, "tooth": t, "surfaces": s}
            for i, (c, t, s) in enumerate(lines)
        ],
    }
    data.update(kw)
    return data


def _lint(tmp_path, claims, inline=None, profiles=(PROFILES,), **cfg):
    batch = {"version": "1", "claims": claims}
    if inline:
        batch["history"] = inline
    path = tmp_path / "batch.json"
    path.write_text(json.dumps(batch))
    config = Config(today=TODAY, profiles=list(profiles), **cfg)
    return Engine(config).lint_paths([str(path)]).findings


def codes(findings, code):
    return [f for f in findings if f.code == code]


def test_payer_without_profile_is_reported_once_per_payer(tmp_path):
    claims = [
        _claim(f"C{i}", [("D2140", "3", "O")], payer="SYNPAYER9", member=f"SYN{i}")
        for i in range(5)
    ]
    claims.append(_claim("D1", [("D2140", "3", "O")], payer="SYNPAYER8"))
    found = codes(_lint(tmp_path, claims), "CL413")
    assert len(found) == 2
    assert "5 claims, first C0" in found[1].message or "5 claims, first C0" in found[0].message
    assert any("(1 claim, first D1)" in f.message for f in found)
    # payer rules stay silent for those claims
    assert not [f for f in _lint(tmp_path, claims) if f.code.startswith(("CL40", "CL41", "CL6"))
                and f.code != "CL413"]  # fmt: skip


def test_no_profiles_configured_means_no_payer_findings(tmp_path):
    claims = [_claim("C1", [("D2392", "30", "MO")], dos="2025-01-10")]
    found = _lint(tmp_path, claims, profiles=())
    assert not [f for f in found if f.code in ("CL405", "CL413", "CL601", "CL602")]


def test_frequency_per_benefit_year_count_and_history_duplicate(tmp_path):
    # Sample Union: fillings 1 per tooth per benefit year starting in July
    history = [
        {"member_id": "SYN0001", "code": "D2391", "date": "2025-08-01", "tooth": "14",
         "surfaces": "O", "claim_id": "OLD1"},
        {"member_id": "SYN0001", "code": "D2391", "date": "2025-06-15", "tooth": "19",
         "surfaces": "O"},
    ]  # fmt: skip
    claims = [
        _claim("C1", [("D2392", "14", "MO"), ("D2392", "19", "MO")], payer="SYNPAYER2"),
        _claim("C2", [("D2391", "14", "O")], payer="SYNPAYER2", dos="2025-08-01"),
    ]
    found = _lint(tmp_path, claims, inline=history)
    freq = codes(found, "CL403")
    assert [f.location.line for f in freq if f.location.claim_id == "C1"] == [1]  # 19: last year
    assert "limit of 1 per benefit year (since 2025-07-01)" in freq[0].message
    dup = codes(found, "CL412")
    assert [(f.location.claim_id, "claim OLD1" in f.message) for f in dup] == [("C2", True)]


def test_surface_rule_needs_overlapping_surfaces(tmp_path):
    history = [{"member_id": "SYN0001", "code": "D2392", "date": "2025-06-02", "tooth": "30",
                "surfaces": "MO"}]  # fmt: skip
    claims = [_claim("C1", [("D2391", "30", "B")])]  # gold: per surface, 24 months
    assert codes(_lint(tmp_path, claims, inline=history), "CL403") == []


def test_sqlite_history_from_config_drives_frequency(tmp_path):
    from claimlint.core.model import PriorProcedure
    from claimlint.payer.history import SQLiteHistory

    db = tmp_path / "h.sqlite"
    store = SQLiteHistory(db, create=True)
    store.add_many([PriorProcedure(member_id="SYN0001", code="D2392", date="2025-06-02",
                                   tooth="30", surfaces="MO")])  # fmt: skip
    store.close()
    claims = [_claim("C1", [("D2391", "30", "O")])]
    found = _lint(tmp_path, claims, history=str(db))
    assert len(codes(found, "CL403")) == 1 and len(codes(found, "CL501")) == 1
    assert "prior restoration on 30-O on 2025-06-02, inside the 24-month window" in (
        codes(found, "CL501")[0].message
    )


def test_messages_carry_no_member_ids(tmp_path):
    history = [{"member_id": "SYN0001", "code": "D2392", "date": "2025-06-02", "tooth": "30",
                "surfaces": "MO"}]  # fmt: skip
    claims = [_claim("C1", [("D2391", "30", "O"), ("D2391", "30", "O")])]
    for finding in _lint(tmp_path, claims, inline=history):
        assert "SYN0001" not in finding.message


def test_note_reader_finds_what_the_audit_needs():
    bare = read_note("filling on #19")
    assert bare.teeth == {"19"} and not bare.surfaces and not bare.materials
    assert not bare.has_reason
    full = read_note("#19 MO composite, recurrent decay into dentin")
    assert full.surfaces == {"M", "O"} and full.materials == {"composite"} and full.dentin
    assert read_note("#14 PFM crown, fractured cusp").materials == {"porcelain-fused-to-metal"}
    pfm = read_note("#18 porcelain fused to high noble crown seated")
    assert pfm.materials == {"porcelain-fused-to-metal"}
    assert read_note("D2951: two pins, missing cusp, insufficient structure").pin_rationale


def test_cli_check_with_a_broken_profile_exits_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nalternate_benefits:\n  - when: posterior\n    map: {D2392: D9998}\n")
    cfg = tmp_path / "claimlint.toml"
    cfg.write_text(f'profiles = ["{bad.name}"]\n')
    batch = FIXTURES / "history" / "domain-7-3.json"
    result = CliRunner().invoke(main, ["check", str(batch), "--config", str(cfg)])
    assert result.exit_code == 2
    assert "bad.yaml: alternate_benefits[0].map.D2392: unknown code 'D9998'" in result.output


def test_cli_history_import_reports_rows_and_exit_code(tmp_path):
    prior = tmp_path / "prior.csv"
    prior.write_text("member_id,code,date,tooth\nSYN1,D2140,2025-01-01,3\nSYN1,D2140,nope,3\n")
    db = tmp_path / "h.sqlite"
    runner = CliRunner()
    result = runner.invoke(main, ["history", "import", str(prior), "--history", str(db)])
    assert result.exit_code == 1
    assert "prior.csv: row 3, column date: not a date (YYYY-MM-DD)" in result.output
    assert "nope" not in result.output
    assert "1 procedure imported" in result.output and "1 problem." in result.output
    again = runner.invoke(main, ["history", "import", str(prior), "--history", str(db)])
    assert "0 procedures imported" in again.output and "1 already present" in again.output


def _money_after(text, label):
    import re

    match = re.search(re.escape(label) + r" (\$[\d,]+\.\d\d)", text)
    assert match, (label, text)
    return match.group(1)


def test_cl405_patient_share_is_the_claims_one_estimate_like_cl601():
    """Demo MG-1002 line 4 (deductible used by earlier lines) and PB-2001 line 1 (frequency
    denial): CL405 quotes the same patient share as CL601 for the same line."""
    from claimlint.core.config import load_config

    config = load_config(str(FIXTURES / "demo" / "claimlint.toml"))
    config.today = TODAY
    report = Engine(config).lint_paths([str(FIXTURES / "demo")])
    cl601 = {
        (f.location.file, f.location.claim_id, f.location.line): f
        for f in report.findings
        if f.code == "CL601"
    }
    checked = {}
    for f in report.findings:
        if f.code != "CL405" or "patient share" not in f.message:
            continue
        key = (f.location.file, f.location.claim_id, f.location.line)
        other = cl601[key]
        assert _money_after(f.message, "estimated patient share") == _money_after(
            other.message, "patient"
        ), (f.message, other.message)
        checked[(f.location.claim_id, f.location.line)] = f.message
    assert ("MG-1002", 4) in checked and ("PB-2001", 1) in checked
    assert "$70.00" in checked[("MG-1002", 4)]
    assert "moot" in checked[("PB-2001", 1)] and "frequency limit" in checked[("PB-2001", 1)]


def test_cl405_difference_uses_the_allowed_amount_capped_at_the_office_fee(tmp_path):
    # D2392 fee schedule $180, paid as D2150 at $120; the office charges $160, so the
    # allowed amount is $160 and the difference is $40 (not $60).
    claim = _claim("C1", [("D2392", "30", "MO")], dos="2025-03-03")
    claim["lines"][0]["charge"] = 160
    (found,) = codes(_lint(tmp_path, [claim]), "CL405")
    assert "on $120.00 instead of $160.00" in found.message
    assert "difference of $40.00" in found.message
    # charged below even the paid-as allowance: the downgrade changes nothing
    claim["lines"][0]["charge"] = 110
    (found,) = codes(_lint(tmp_path, [claim]), "CL405")
    assert "does not change the benefit" in found.message
    assert "difference of" not in found.message


def test_payer_covered_for_another_plan_names_payer_plan_and_profile(tmp_path):
    claims = [
        _claim("G1", [("D2140", "3", "O")], plan="GRP0001"),
        _claim("G2", [("D2140", "3", "O")], plan="GRP0001", member="SYN0002"),
        _claim("G3", [("D2140", "3", "O")], plan="GOLD"),
    ]
    (found,) = codes(_lint(tmp_path, claims), "CL413")
    assert found.message.startswith(
        "No profile for payer SYNPAYER1, plan GRP0001 (2 claims, first G1); "
        "example-mutual-ppo-gold covers plan GOLD."
    )
    assert "has no payer profile" not in found.message


def test_duplicate_in_another_file_names_that_file_and_claim(tmp_path):
    first = tmp_path / "monday.json"
    second = tmp_path / "tuesday.json"
    one = _claim("PCN1", [("D2391", "30", "O")], dos="2025-06-02")
    first.write_text(json.dumps({"claims": [one]}))
    two = _claim("PCN1", [("D2391", "30", "O")], dos="2025-06-02")  # same id, other file
    second.write_text(json.dumps({"claims": [two]}))
    config = Config(today=TODAY, profiles=[PROFILES])
    found = codes(Engine(config).lint_paths([str(first), str(second)]).findings, "CL412")
    assert [f.location.file for f in found] == [str(second)]
    assert f"(also claim PCN1 line 1 in {first})" in found[0].message
    assert "this claim" not in found[0].message
    # inside one claim it is still "this claim"
    dup = _claim("PCN2", [("D2391", "30", "O"), ("D2391", "30", "O")], dos="2025-06-02")
    (same,) = codes(_lint(tmp_path, [dup]), "CL412")
    assert "(also this claim line 1)" in same.message


def test_cli_check_profile_and_history_options_override_the_config(tmp_path):
    from claimlint.core.model import PriorProcedure
    from claimlint.payer.history import SQLiteHistory

    db = tmp_path / "history.sqlite"
    store = SQLiteHistory(db, create=True)
    store.add_many([PriorProcedure(member_id="SYN0001", code="D2392", date="2025-06-02",
                                   tooth="30", surfaces="MO")])  # fmt: skip
    store.close()
    batch = tmp_path / "batch.json"
    batch.write_text(json.dumps({"claims": [_claim("C1", [("D2391", "30", "O")])]}))
    config = tmp_path / "claimlint.toml"
    config.write_text('profiles = ["nowhere"]\n')  # overridden: never loaded

    def run(*extra):
        result = CliRunner().invoke(
            main,
            ["check", str(batch), "--config", str(config), "--format", "json",
             "--today", "2026-01-15", *extra],
        )  # fmt: skip
        return result

    broken = run()
    assert broken.exit_code == 2 and "nowhere" in broken.output
    result = run("--profile", PROFILES, "--history", str(db))
    assert result.exit_code in (0, 1), result.output
    found = {f["code"] for f in json.loads(result.output)["findings"]}
    assert {"CL403", "CL601"} <= found  # profile rules and history both in use
    one = run("--profile", str(FIXTURES / "profiles" / "example-mutual-ppo-gold.toml"))
    assert "CL601" in {f["code"] for f in json.loads(one.output)["findings"]}
    missing = run("--profile", PROFILES, "--history", str(tmp_path / "none.sqlite"))
    assert missing.exit_code == 2 and "none.sqlite" in missing.output


def test_cl407_is_silent_before_coverage_starts_where_cl411_is_the_finding(tmp_path):
    # Sample Union: coverage from 2025-03-01, 12-month major waiting period (to 2026-03-01)
    before = [_claim("C1", [("D2750", "19", "")], payer="SYNPAYER2", plan=None, dos="2025-01-10")]
    found = _lint(tmp_path, before)
    assert codes(found, "CL411") and not codes(found, "CL407")
    inside = [_claim("C2", [("D2750", "19", "")], payer="SYNPAYER2", plan=None, dos="2025-06-05")]
    found = _lint(tmp_path, inside)
    assert codes(found, "CL407") and not codes(found, "CL411")


def test_cl602_is_an_estimate_without_an_amount_charged_to_the_patient(tmp_path):
    # Example Mutual Gold is in network and pays D2392 on 30 as D2150; the claim says nothing
    # of what the patient is charged, so the limit is information, not a warning
    found = codes(
        _lint(tmp_path, [_claim("C1", [("D2392", "30", "MO")], dos="2025-01-10")]), "CL602"
    )
    assert len(found) == 1
    assert found[0].severity.value == "info"
    assert found[0].message.startswith("Estimate: ")
    assert "at most" in found[0].message and "write off" in found[0].message


def _note_findings(tmp_path, code, tooth, surfaces, note):
    claim = _claim("N1", [(code, tooth, surfaces)], payer="SYNPAYER9")
    claim["lines"][0]["note"] = note
    return [f.code for f in _lint(tmp_path, [claim], profiles=()) if f.code.startswith("CL50")]


def test_negated_dentin_is_not_dentin(tmp_path):
    note = read_note("#19 O composite, caries limited to enamel only, no dentin involvement")
    assert note.sealant and not note.dentin
    for text in (
        "#19 O resin, enamel only - without dentin involvement",
        "#19 O resin; dentin involvement ruled out",
        "#19 O resin, negative for dentin caries",
    ):
        assert not read_note(text).dentin, text
    # a negation in another clause does not reach the term
    assert read_note("#19 O composite, no pain; caries into dentin").dentin
    # CL505: an enamel-only D2391 note that denies dentin does not support the code
    found = _note_findings(
        tmp_path, "D2391", "19", "O", "#19 O composite, enamel only, no dentin involvement, caries"
    )
    assert "CL505" in found


def test_negated_reason_and_material_are_not_stated():
    assert not read_note("#19 MO composite, no caries, no fracture").has_reason
    assert read_note("#19 MO composite, no pain, recurrent caries").has_reason
    assert read_note("non-carious cervical lesion #8 F").has_reason  # a lesion all the same
    assert read_note("#30 MO composite placed, no amalgam").materials == {"composite"}


def test_material_shorthand_is_a_material(tmp_path):
    cases = {
        "#19 MO comp, recurrent caries": "composite",
        "#19 MO RBC, caries into dentin": "composite",
        "#8 F RMGI, abrasion": "composite",
        "#8 F GIC, caries": "composite",
        "#30 MO amal, fractured cusp": "amalgam",
        "#30 MO alloy, recurrent decay": "amalgam",
        "#14 PFM crown, fractured": "porcelain-fused-to-metal",
        "#3 zirc crown, fractured cusp": "ceramic",
        "#18 FGC, recurrent decay under old crown": "metal",
    }
    for text, material in cases.items():
        assert read_note(text).materials == {material}, text
    # "noble alloy" is a crown metal, not amalgam
    assert read_note("#18 porcelain fused to noble alloy crown").materials == {
        "porcelain-fused-to-metal"
    }
    # CL503 no longer asks for the material of "comp"; CL504 sees "amal" contradict a composite
    assert _note_findings(tmp_path, "D2392", "19", "MO", "#19 MO comp, recurrent caries") == []
    found = _note_findings(tmp_path, "D2392", "19", "MO", "#19 MO amal, recurrent caries")
    assert found == ["CL504"]
