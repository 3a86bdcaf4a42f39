"""Behaviour of the rules branch's checks, each beyond its fixture."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from claimlint.checks import codes, dates, same_tooth
from claimlint.checks import surfaces as surface_checks
from claimlint.checks import teeth as tooth_checks
from claimlint.checks.base import Check, Context
from claimlint.core.findings import Finding, Scope, Severity
from claimlint.core.model import Claim, ServiceLine, SourceRef, ToothEntry

TODAY = dt.date(2026, 1, 15)
REF = SourceRef(file="test.json", pointer="/claims/0", field="/claims/0")


def line(n: int, code: str, tooth: str | None = None, surfaces: Any = "", **kw: Any) -> ServiceLine:
    teeth = (ToothEntry(tooth=tooth, surfaces=surfaces),) if tooth or surfaces else ()
    return ServiceLine(line_number=n, code=code, teeth=teeth, ref=REF, **kw)


def claim(*lines: ServiceLine, **kw: Any) -> Claim:
    kw.setdefault("date_of_service", dt.date(2025, 6, 2))
    return Claim(claim_id="T1", lines=lines, ref=REF, **kw)


def run(check: type[Check], c: Claim) -> list[Finding]:
    ctx = Context(file="test.json", claim=c, today=TODAY)
    inst = check()
    if check.scope is Scope.LINE:
        return [f for ln in c.lines for f in inst.check(ln, ctx)]
    return list(inst.check(c, ctx))


def one(check: type[Check], c: Claim) -> Finding:
    found = run(check, c)
    assert len(found) == 1, [f.message for f in found]
    assert found[0].code == check.code
    return found[0]


# -- CL112 ----------------------------------------------------------------------------------


def test_cl112_line_date_overrides_claim_date() -> None:
    c = claim(line(1, "D1110", date_of_service=dt.date(2025, 3, 1)), date_of_service=None)
    assert run(dates.DateOfService, c) == []
    c = claim(
        line(1, "D1110"),
        line(2, "D1120", date_of_service=dt.date(2025, 3, 1)),
        date_of_service=None,
    )
    f = one(dates.DateOfService, c)
    assert f.location.line == 1 and "no date of service" in f.message


def test_cl112_claim_without_lines_needs_no_date() -> None:
    assert run(dates.DateOfService, claim(date_of_service=None)) == []


def test_cl112_missing_everywhere_is_one_claim_finding() -> None:
    f = one(dates.DateOfService, claim(line(1, "D1110"), line(2, "D1206"), date_of_service=None))
    assert f.location.line is None and f.location.claim_id == "T1"


def test_cl112_invalid_and_future() -> None:
    f = one(dates.DateOfService, claim(line(1, "D1110"), date_of_service="2025-02-30"))
    assert "not a valid date" in f.message and f.evidence == {"date_of_service": "2025-02-30"}
    assert "2025-02-30" not in f.message
    f = one(dates.DateOfService, claim(line(1, "D1110", date_of_service=dt.date(2026, 1, 16))))
    assert "future" in f.message and f.location.line == 1
    # today itself is fine
    assert run(dates.DateOfService, claim(line(1, "D1110"), date_of_service=TODAY)) == []


def test_cl112_predetermination() -> None:
    pred = claim(line(1, "D2740", "8", placement="I"), date_of_service=None, predetermination=True)
    assert run(dates.DateOfService, pred) == []
    dated = claim(
        line(1, "D2740", "8", date_of_service=dt.date(2025, 1, 2)),
        date_of_service=dt.date(2025, 1, 2),
        predetermination=True,
    )
    found = run(dates.DateOfService, dated)
    assert len(found) == 2 and all("predetermination" in f.message.lower() for f in found)


# -- CL115 ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "fires"),
    [("D2155", True), ("D2150", False), ("2150", False), ("D21500", False), ("X2150", False)],
)
def test_cl115_only_cdt_shaped_unknown_codes(code: str, fires: bool) -> None:
    found = run(codes.UnknownProcedureCode, claim(line(1, code, "30", "MO")))
    assert bool(found) is fires
    if fires:
        assert found[0].severity is Severity.WARNING and code in found[0].message


# -- CL201 / CL202 / CL211 ------------------------------------------------------------------


def test_cl201_only_tooth_codes() -> None:
    f = one(tooth_checks.ToothNumberRequired, claim(line(1, "D2951")))
    assert "D2951" in f.message and f.location.field.endswith("tooth")
    assert run(tooth_checks.ToothNumberRequired, claim(line(1, "D1110"), line(2, "D4341"))) == []
    # an ISO value the reader could not convert is CL204's, not a missing tooth
    iso = ServiceLine(
        line_number=1,
        code="D2140",
        ref=REF,
        teeth=(ToothEntry(tooth=None, original="19", surfaces="O"),),
    )
    assert run(tooth_checks.ToothNumberRequired, claim(iso)) == []


@pytest.mark.parametrize(
    ("tooth", "fires"),
    [
        ("0", True),
        ("33", True),
        ("03", True),
        ("U", True),
        ("30", False),
        ("K", False),
        ("AS", False),
    ],
)
def test_cl202(tooth: str, fires: bool) -> None:
    assert bool(run(tooth_checks.InvalidToothNumber, claim(line(1, "D2140", tooth, "O")))) is fires


def test_cl211_supernumerary_is_info() -> None:
    f = one(tooth_checks.SupernumeraryTooth, claim(line(1, "D2940", "KS")))
    assert f.severity is Severity.INFO and "KS" in f.message and "tooth K" in f.message
    assert run(tooth_checks.SupernumeraryTooth, claim(line(1, "D2940", "K"))) == []


# -- CL205 – CL209 ------------------------------------------------------------------------


def test_cl205_hint_depends_on_region() -> None:
    f = one(surface_checks.InvalidSurfaceCode, claim(line(1, "D2330", "8", "V")))
    assert "as F" in f.message
    f = one(surface_checks.InvalidSurfaceCode, claim(line(1, "D2391", "30", "V")))
    assert "as B" in f.message
    f = one(surface_checks.InvalidSurfaceCode, claim(line(1, "D2391", "30", ["MO"])))
    assert "'MO'" in f.message and "one letter per surface" in f.message


def test_cl206_duplicates() -> None:
    f = one(surface_checks.DuplicateSurface, claim(line(1, "D2150", "30", "MOO")))
    assert "'O'" in f.message
    assert run(surface_checks.DuplicateSurface, claim(line(1, "D2160", "30", "MOD"))) == []


@pytest.mark.parametrize(
    ("tooth", "surfaces", "bad"),
    [
        ("8", "O", "O"),
        ("8", "B", "B"),
        ("30", "O", None),
        ("30", "I", "I"),
        ("30", "F", "F"),
        ("8", "MIFL", None),
        ("C", "O", "O"),
        ("S", "O", None),
        ("57", "I", None),
        ("55", "I", "I"),
    ],
)
def test_cl207_surface_region(tooth: str, surfaces: str, bad: str | None) -> None:
    found = run(surface_checks.SurfaceRegionMismatch, claim(line(1, "D2140", tooth, surfaces)))
    if bad is None:
        assert found == []
    else:
        assert len(found) == 1 and f"Surface {bad}" in found[0].message


def test_cl208_tooth_only_codes() -> None:
    f = one(surface_checks.SurfacesOnToothOnlyCode, claim(line(1, "D6245", "4", "MOD")))
    assert f.severity is Severity.WARNING
    for code in ("D2940", "D1351", "D2150", "D2155"):
        assert run(surface_checks.SurfacesOnToothOnlyCode, claim(line(1, code, "3", "O"))) == []


def test_cl209_six_components() -> None:
    assert run(surface_checks.TooManySurfaces, claim(line(1, "D2161", "3", "MODBL"))) == []
    f = one(surface_checks.TooManySurfaces, claim(line(1, "D2161", "3", "MODBLO")))
    assert f.message.startswith("6 surfaces")


# -- CL301 – CL304 ------------------------------------------------------------------------


def test_cl301_message_names_the_suggested_code() -> None:
    f = one(codes.SurfaceCountMismatch, claim(line(1, "D2150", "30", "MOD")))
    assert f.message == ("D2150 is a 2-surface code but 3 surfaces (MOD) are listed; bill D2160.")


@pytest.mark.parametrize(
    ("code", "tooth", "surfaces", "suggested"),
    [
        ("D2391", "30", "MO", "D2392"),
        ("D2330", "8", "MIDF", "D2335"),
        ("D2394", "30", "O", "D2391"),
        ("D2520", "30", "MOD", "D2530"),
        ("D2161", "3", "MO", "D2150"),
        ("D2543", "30", "MODB", "D2544"),
    ],
)
def test_cl301_suggestions(code, tooth, surfaces, suggested) -> None:
    f = one(codes.SurfaceCountMismatch, claim(line(1, code, tooth, surfaces)))
    assert f.message.endswith(f"bill {suggested}.")


def test_cl301_passes_and_edge_cases() -> None:
    for code, surfaces in (("D2161", "MODBL"), ("D2335", "MI"), ("D2530", "MODB")):
        assert (
            run(
                codes.SurfaceCountMismatch,
                claim(line(1, code, "8" if code == "D2335" else "3", surfaces)),
            )
            == []
        )
    f = one(codes.SurfaceCountMismatch, claim(line(1, "D2150", "30")))
    assert "no surfaces are listed" in f.message
    # one-surface onlays are CL304's
    assert run(codes.SurfaceCountMismatch, claim(line(1, "D2542", "30", "O"))) == []


def test_cl302_region_siblings() -> None:
    f = one(codes.CompositeRegionMismatch, claim(line(1, "D2392", "8", "MF")))
    assert f.message.endswith("use D2331.") and "posterior" in f.message
    f = one(codes.CompositeRegionMismatch, claim(line(1, "D2332", "19", "MOD")))
    assert f.message.endswith("use D2393.")
    f = one(codes.CompositeRegionMismatch, claim(line(1, "D2390", "30")))
    assert "posterior restoration code" in f.message
    # primary teeth follow their class; amalgam has no region
    assert run(codes.CompositeRegionMismatch, claim(line(1, "D2391", "K", "O"))) == []
    assert run(codes.CompositeRegionMismatch, claim(line(1, "D2330", "E", "M"))) == []
    assert run(codes.CompositeRegionMismatch, claim(line(1, "D2140", "8", "M"))) == []


def test_cl303_incisal_angle_heuristics() -> None:
    assert one(codes.IncisalAngleCheck, claim(line(1, "D2335", "8", "MF"))).severity is (
        Severity.WARNING
    )
    assert run(codes.IncisalAngleCheck, claim(line(1, "D2335", "8", "MIF"))) == []
    assert run(codes.IncisalAngleCheck, claim(line(1, "D2335", "8", "MDFL"))) == []
    f = one(codes.IncisalAngleCheck, claim(line(1, "D2331", "9", "DI")))
    assert "D2335" in f.message
    assert run(codes.IncisalAngleCheck, claim(line(1, "D2331", "9", "FL"))) == []
    assert run(codes.IncisalAngleCheck, claim(line(1, "D2330", "9", "I"))) == []


def test_cl304_one_surface_onlay() -> None:
    f = one(codes.OneSurfaceOnlay, claim(line(1, "D2662", "30", "O")))
    assert "D2650" in f.message
    assert run(codes.OneSurfaceOnlay, claim(line(1, "D2662", "30", "MO"))) == []
    assert run(codes.OneSurfaceOnlay, claim(line(1, "D2510", "30", "O"))) == []


# -- CL305 / CL306 / CL401 / CL402 ----------------------------------------------------------


def test_cl305_pin_rules() -> None:
    ok = claim(line(1, "D2160", "3", "MOD"), line(2, "D2951", "3"))
    assert run(same_tooth.PinRetention, ok) == []
    # restoration on another tooth, or another date, does not qualify
    other_tooth = claim(line(1, "D2160", "2", "MOD"), line(2, "D2951", "3"))
    assert "no qualifying restoration" in one(same_tooth.PinRetention, other_tooth).message
    other_day = claim(
        line(1, "D2160", "3", "MOD", date_of_service=dt.date(2025, 5, 1)), line(2, "D2951", "3")
    )
    assert len(run(same_tooth.PinRetention, other_day)) == 1
    per_pin = claim(line(1, "D2160", "3", "MOD"), line(2, "D2951", "3", quantity=2))
    f = one(same_tooth.PinRetention, per_pin)
    assert f.location.field.endswith("quantity") and "quantity 1" in f.message
    twice = claim(line(1, "D2160", "3", "MOD"), line(2, "D2951", "3"), line(3, "D2951", "3"))
    f = one(same_tooth.PinRetention, twice)
    assert f.location.line == 3 and "more than once" in f.message
    buildup = claim(line(1, "D2950", "19"), line(2, "D2951", "19"))
    assert "included in D2950" in one(same_tooth.PinRetention, buildup).message


def test_cl306_protective_bundling() -> None:
    f = one(
        same_tooth.ProtectiveRestorationBundled,
        claim(line(1, "D2940", "14"), line(2, "D2740", "14", placement="I")),
    )
    assert "D2740" in f.message and f.location.line == 1
    assert (
        run(
            same_tooth.ProtectiveRestorationBundled,
            claim(line(1, "D2940", "14"), line(2, "D2393", "15", "MOD")),
        )
        == []
    )
    assert (
        run(
            same_tooth.ProtectiveRestorationBundled,
            claim(line(1, "D2940", "14"), line(2, "D2950", "14")),
        )
        == []
    )


def test_cl401_same_surface_twice() -> None:
    f = one(
        same_tooth.SurfaceBilledTwice,
        claim(line(1, "D2392", "30", "MO"), line(2, "D2391", "30", "O")),
    )
    assert f.message.startswith("Surface O on tooth 30") and f.location.line == 2
    f = one(
        same_tooth.SurfaceBilledTwice,
        claim(line(1, "D2393", "30", "MOD"), line(2, "D2150", "30", "DOM")),
    )
    assert f.message.startswith("Surfaces MOD")
    # other tooth, other date: fine
    assert (
        run(
            same_tooth.SurfaceBilledTwice,
            claim(line(1, "D2392", "30", "MO"), line(2, "D2391", "31", "O")),
        )
        == []
    )
    assert (
        run(
            same_tooth.SurfaceBilledTwice,
            claim(
                line(1, "D2392", "30", "MO"),
                line(2, "D2391", "30", "O", date_of_service=dt.date(2025, 7, 1)),
            ),
        )
        == []
    )


def test_cl402_contiguous_posterior_restorations() -> None:
    f = one(
        same_tooth.ContiguousRestorations,
        claim(line(1, "D2150", "19", "MO"), line(2, "D2150", "19", "DO")),
    )
    assert "3-surface restoration (MOD, D2160)" in f.message
    # mixed materials: union named, no code guessed
    f = one(
        same_tooth.ContiguousRestorations,
        claim(line(1, "D2140", "19", "O"), line(2, "D2391", "19", "B")),
    )
    assert "(OB)" in f.message
    # not touching; anterior teeth are not combined; a pure duplicate is CL401's
    assert (
        run(
            same_tooth.ContiguousRestorations,
            claim(line(1, "D2140", "19", "M"), line(2, "D2140", "19", "D")),
        )
        == []
    )
    assert (
        run(
            same_tooth.ContiguousRestorations,
            claim(line(1, "D2330", "8", "M"), line(2, "D2330", "8", "I")),
        )
        == []
    )
    assert (
        run(
            same_tooth.ContiguousRestorations,
            claim(line(1, "D2392", "30", "MO"), line(2, "D2391", "30", "O")),
        )
        == []
    )


def test_claim_checks_are_silent_on_single_line_claims() -> None:
    single = claim(line(1, "D2150", "30", "MO"))
    for check in (
        same_tooth.ProtectiveRestorationBundled,
        same_tooth.SurfaceBilledTwice,
        same_tooth.ContiguousRestorations,
        same_tooth.PinRetention,
    ):
        assert run(check, single) == []


def test_multi_tooth_lines_are_checked_per_tooth() -> None:
    ln = ServiceLine(
        line_number=1,
        code="D2150",
        ref=REF,
        teeth=(ToothEntry(tooth="3", surfaces="MO"), ToothEntry(tooth="8", surfaces="MOD")),
    )
    found = run(codes.SurfaceCountMismatch, claim(ln))
    assert len(found) == 1 and "3 surfaces (MOD)" in found[0].message
    assert len(run(surface_checks.SurfaceRegionMismatch, claim(ln))) == 1


def test_cl115_judges_every_cdt_shaped_code() -> None:
    from claimlint.checks.base import Context
    from claimlint.checks.codes import UnknownProcedureCode
    from claimlint.core.model import Claim, ServiceLine, SourceRef

    ref = SourceRef(file="t.json")

    def fires(code: str) -> bool:
        line = ServiceLine(line_number=1, code=code, ref=ref)
        claim = Claim(claim_id="C", lines=(line,), ref=ref)
        return bool(list(UnknownProcedureCode().check(line, Context(claim=claim))))

    # the whole CDT is tabulated: outside the old restorative ranges too (D2795, D3325)
    assert fires("D2155") and fires("D2530") is False and fires("D2795") is True
    assert fires("D3325") and not fires("D3320") and not fires("D2150") and not fires("D9999")


# -- issue 10: pairwise rules report per group; findings per rule per claim are capped -------


def _one_tooth_claim(n: int, **kw: Any) -> Claim:
    """``n`` restorations on tooth 19, one date: every surface repeats on many lines."""
    surfaces = ("O", "MO", "DO", "MOD", "B", "OL")
    lines = [
        line(i + 1, "D2392" if i % 2 else "D2150", "19", surfaces[i % len(surfaces)])
        for i in range(n)
    ]
    return claim(*lines, **kw)


def test_cl401_two_lines_keep_their_pair_message() -> None:
    f = one(
        same_tooth.SurfaceBilledTwice,
        claim(line(1, "D2150", "19", "O"), line(2, "D2150", "19", "MO")),
    )
    assert f.message.startswith(
        "Surface O on tooth 19 is billed on line 1 (D2150) and again on line 2 (D2150) for "
        "the same date"
    )


def test_cl401_one_finding_names_every_line_of_a_surface() -> None:
    c = claim(
        line(1, "D2150", "19", "MO"),
        line(2, "D2391", "19", "O"),
        line(3, "D2140", "19", "B"),
        line(4, "D2140", "19", "L"),
        line(5, "D2391", "19", "O"),
    )
    f = one(same_tooth.SurfaceBilledTwice, c)
    assert "Surface O on tooth 19 is billed on lines 1, 2 and 5 (D2150, D2391)" in f.message
    assert f.location.line == 2  # the first line that repeats it, as for a pair


def test_cl401_surfaces_on_the_same_lines_are_one_finding() -> None:
    c = claim(*(line(i, "D2150", "19", "MO") for i in (1, 2, 3)))
    f = one(same_tooth.SurfaceBilledTwice, c)
    assert f.message.startswith("Surfaces MO on tooth 19 are billed on lines 1, 2 and 3")


def test_cl401_long_line_lists_are_capped_in_the_message() -> None:
    c = claim(*(line(i, "D2140", "19", "O") for i in range(1, 5001)))
    f = one(same_tooth.SurfaceBilledTwice, c)
    assert "lines 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 and 4,990 more (D2140)" in f.message
    assert len(f.message) < 400


def test_cl402_touching_restorations_are_one_finding_naming_the_lines() -> None:
    c = claim(
        line(1, "D2150", "19", "MO"),
        line(2, "D2150", "19", "MO"),
        line(3, "D2150", "19", "DO"),
        line(4, "D2140", "3", "O"),
    )
    f = one(same_tooth.ContiguousRestorations, c)
    assert f.message.startswith(
        "Restorations MO (line 1), MO (line 2) and DO (line 3) on tooth 19 touch"
    )
    assert "one 3-surface restoration (MOD, D2160)" in f.message and f.location.line == 2
    # two restorations that do not touch each other but both touch a third are merged too
    c = claim(line(1, "D2140", "19", "M"), line(2, "D2140", "19", "D"), line(3, "D2140", "19", "O"))
    f = one(same_tooth.ContiguousRestorations, c)
    assert "(line 1), D (line 2) and O (line 3)" in f.message and "(MOD, D2160)" in f.message
    # apart: two parts, two findings
    c = claim(
        line(1, "D2140", "19", "M"),
        line(2, "D2140", "19", "B"),
        line(3, "D2140", "3", "D"),
        line(4, "D2140", "3", "L"),
    )
    assert len(run(same_tooth.ContiguousRestorations, c)) == 2


def test_cl402_many_lines_one_finding_with_a_capped_list() -> None:
    f = one(same_tooth.ContiguousRestorations, _one_tooth_claim(5000))
    assert "MOD (line 10) and 4,990 more on tooth 19 touch" in f.message
    assert "5-surface restoration (MODBL)" in f.message


def test_cl305_repeated_pins_are_one_finding() -> None:
    c = claim(line(1, "D2160", "3", "MOD"), *(line(i, "D2951", "3") for i in range(2, 6)))
    f = one(same_tooth.PinRetention, c)
    assert "(lines 2, 3, 4, 5)" in f.message and f.location.line == 3


def _member(c: Claim) -> Claim:
    from claimlint.core.model import Person

    return c.replace(patient=Person(member_id="SYN0001"))


def test_cl412_repeats_on_one_claim_are_one_finding() -> None:
    from claimlint.checks.frequency import DuplicateProcedure

    def dup_findings(c: Claim) -> list[Finding]:
        check, ctx = DuplicateProcedure(), Context(file="t.json", today=TODAY)
        return list(check.check(check.collect(c, ctx), ctx))

    two = dup_findings(_member(claim(line(1, "D2140", "19", "O"), line(2, "D2140", "19", "O"))))
    assert len(two) == 1 and "billed twice in this batch (also this claim line 1)" in (
        two[0].message
    )
    many = dup_findings(
        _member(claim(*(line(i, "D2140", "19", "O") for i in range(1, 5001)), line(5001, "D0120")))
    )
    assert len(many) == 1
    assert "billed 5,000 times in this batch (first on this claim line 1, again on lines 2, 3" in (
        many[0].message
    )
    assert "and 4,989 more)" in many[0].message and many[0].location.line == 2


def test_cap_keeps_the_first_findings_of_a_rule_and_closes_with_a_count() -> None:
    from claimlint.running.lint import cap_findings

    c = claim(line(1, "D2140", "19", "O"))
    ln = c.lines[0]
    ctx = Context(file="t.json", claim=c, today=TODAY)

    class Many(Check):
        code, name, summary, severity = "CL999", "many", "many", Severity.WARNING

    found = [Many().on_line(ctx, ln, f"finding {i}") for i in range(250)]
    found[180].severity = Severity.ERROR
    found.append(same_tooth.PinRetention().on_line(ctx, ln, "another rule"))
    capped = cap_findings(found, 100)
    assert [f.message for f in capped[:100]] == [f"finding {i}" for i in range(100)]
    assert capped[100].message == "another rule"
    closing = capped[101]
    assert len(capped) == 102 and closing.code == "CL999"
    assert closing.message.startswith("... and 150 more CL999 findings on this claim")
    assert closing.severity is Severity.ERROR  # the worst of those left out
    assert closing.location == found[100].location  # where the first one left out was
    assert cap_findings(found[:100], 100) == found[:100]


def test_a_5000_line_claim_gives_a_bounded_number_of_findings() -> None:
    from collections import Counter

    from claimlint.core.config import Config
    from claimlint.running.engine import Engine
    from claimlint.running.lint import MAX_FINDINGS_PER_RULE, lint_claim

    engine = Engine(Config(today=TODAY))
    c = _member(_one_tooth_claim(5000))
    found = lint_claim(c, engine.new_context("big.json"), engine.checks)
    per_rule = Counter(f.code for f in found)
    assert max(per_rule.values()) <= MAX_FINDINGS_PER_RULE + 1
    assert len(found) <= len(per_rule) * (MAX_FINDINGS_PER_RULE + 1) < 2000
    # the pairwise rules give one finding per group: a surface, a touching part, a key
    assert per_rule["CL401"] == 5 and per_rule["CL402"] == 1 and per_rule["CL412"] == 6
    # rules with a finding per line are capped, with a closing count
    assert per_rule["CL301"] == MAX_FINDINGS_PER_RULE + 1
    closing = [f for f in found if f.message.startswith("... and ")]
    assert any("more CL301 findings on this claim" in f.message for f in closing)


# -- CL113: judge what the 837D carries -------------------------------------------------------


def _noted(*texts: str, x12: bool = False, code: str | None = None) -> Claim:
    from claimlint.core.model import Note

    if x12:
        ref = SourceRef(file="t.837", field="NTE02", segment_index=30, segment_id="NTE")
        notes = tuple(Note(text=t, code=code or "ADD", ref=ref) for t in texts)
        where = ref.at("CLM01", segment_id="CLM")
        return Claim(claim_id="T1", lines=(line(1, "D1110"),), notes=notes, ref=where)
    return claim(line(1, "D1110"), notes=tuple(Note(text=t, code=code) for t in texts))


def test_cl113_837d_notes_are_judged_per_nte_segment() -> None:
    from claimlint.checks.claim_billing import ClaimNoteLimits

    f = one(ClaimNoteLimits, _noted("X" * 81, x12=True))
    assert "81 characters" in f.message and "NTE02" in f.message
    assert run(ClaimNoteLimits, _noted("X" * 80, "Y" * 80, x12=True)) == []
    assert "only 5 are" in one(ClaimNoteLimits, _noted(*["ok"] * 6, x12=True)).message


def test_cl113_json_notes_are_judged_by_what_an_837d_can_carry() -> None:
    from claimlint.checks.claim_billing import ClaimNoteLimits

    # one long narrative is split over NTE segments: 150 characters fit in two of five
    assert run(ClaimNoteLimits, _noted("X" * 150)) == []
    assert run(ClaimNoteLimits, _noted("X" * 400)) == []
    assert run(ClaimNoteLimits, _noted("X" * 200, "Y" * 120)) == []  # 3 + 2 segments
    f = one(ClaimNoteLimits, _noted("X" * 401))
    assert "401 characters" in f.message and "6 NTE segments" in f.message
    assert "at most 5" in f.message and "truncated" not in f.message
    f = one(ClaimNoteLimits, _noted(*["short note"] * 6))
    assert "6 NTE segments" in f.message
    # a coded note is still judged by its code
    f = one(ClaimNoteLimits, _noted("fine", code="XYZ"))
    assert "reference code XYZ" in f.message
