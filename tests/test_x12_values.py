"""Element values the 837D reader must not read loosely: dates that do not parse, amounts
that are not X12 decimals (R: digits, one optional leading minus, one optional point)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from conftest import TODAY
from test_x12_reader import BASE, claims, findings, read

from claimlint.checks.base import Context
from claimlint.checks.dates import DateOfService


def test_an_invalid_date_of_service_is_kept_raw_and_reported_as_invalid():
    (claim,) = claims(read(BASE.replace("DTP*472*D8*20250610", "DTP*472*D8*20061399")))
    assert claim.date_of_service == "20061399"
    found = list(DateOfService().check(claim, Context(claim=claim, today=TODAY)))
    assert found, "CL112 must report the invalid date"
    assert all("not a valid date" in f.message for f in found)
    assert not any("no date of service" in f.message for f in found)
    assert found[0].location.segment_id == "DTP" and found[0].location.field == "DTP03"


def test_a_valid_date_still_parses_and_a_line_date_keeps_its_raw_text():
    text = BASE.replace("TOO*JP*3*O~", "TOO*JP*3*O~\nDTP*472*D8*2025061~")
    (claim,) = claims(read(text))
    assert claim.date_of_service == dt.date(2025, 6, 10)
    assert claim.lines[1].date_of_service == "2025061"


@pytest.mark.parametrize("bad", ["1e400", "1_000", "nan", "inf", "-0", "Infinity", "+5", "1.2.3"])
def test_an_amount_that_is_not_an_x12_decimal_is_cl117_and_missing(bad):
    items = read(BASE.replace("SV3*AD:D2392*250~", f"SV3*AD:D2150*{bad}~"))
    (claim,) = claims(items)
    assert claim.lines[0].charge is None
    (hit,) = [f for f in findings(items) if f.code == "CL117"]
    assert hit.location.field == "SV302" and hit.location.segment_id == "SV3"
    assert hit.location.physical_line == 24 and hit.location.column == 14
    assert hit.location.claim_id == "PCN0001" and hit.location.line == 1


@pytest.mark.parametrize("bad", ["1e3", "nan", "-0.00", "1_0"])
def test_the_claim_total_must_be_an_x12_decimal(bad):
    items = read(BASE.replace("CLM*PCN0001*395*", f"CLM*PCN0001*{bad}*"))
    (claim,) = claims(items)
    assert claim.total_charge is None
    (hit,) = [f for f in findings(items) if f.code == "CL117"]
    assert hit.location.field == "CLM02"


@pytest.mark.parametrize(("text", "value"), [("250", "250"), ("-12.5", "-12.5"), (".5", "0.5")])
def test_valid_x12_decimals_are_read(text, value):
    items = read(BASE.replace("SV3*AD:D2392*250~", f"SV3*AD:D2392*{text}~"))
    (claim,) = claims(items)
    assert claim.lines[0].charge == Decimal(value)
    assert not [f for f in findings(items) if f.code == "CL117"]


@pytest.mark.parametrize("bad", ["inf", "1e400", "nan", "1_0"])
def test_a_quantity_that_is_not_an_x12_decimal_never_breaks_the_claim(bad):
    items = read(BASE.replace("SV3*AD:D2392*250~", f"SV3*AD:D2392*250****{bad}~"))
    (claim,) = claims(items)
    assert claim.lines[0].quantity == 1
    (hit,) = [f for f in findings(items) if f.code == "CL117"]
    assert hit.location.field == "SV306"
