"""The HTML report (claimlint/report/formatters/html.py): golden file, counts, dollars,
escaping, PHI, self-containment and the caps that keep a 10,000-claim page light."""

from __future__ import annotations

import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import lxml.html
import orjson
from ci_sample import check_golden, render, sample_report

from claimlint.core.findings import Finding, Location, Report, Severity, Summary
from claimlint.report.formatters import html as html_format

REPO = Path(__file__).resolve().parents[1]


def _estimate(claim: str, line: int, payer: str, code: str, paid_as: str, *amounts: str) -> Finding:
    fee, allowed, plan, patient, write_off = amounts
    return Finding(
        "CL601", "estimate", Severity.INFO,
        f"Estimate for {code}: allowed ${allowed}, plan ${plan}, patient ${patient}.",
        Location("claims/money.json", claim, line, "charge"),
        fingerprint=f"601{claim}{line}",
        data={"payer": payer, "code": code, "paid_as": paid_as, "office_fee": fee,
              "allowed": allowed, "plan_pays": plan, "patient_owes": patient,
              "write_off": write_off, "not_covered": None},
    )  # fmt: skip


def _downgrade(claim: str, line: int, payer: str, code: str, paid_as: str, amount: str,
               moot: bool = False) -> Finding:  # fmt: skip
    return Finding(
        "CL405", "alternate-benefit-downgrade", Severity.INFO,
        f"{code} will likely be paid as {paid_as}.",
        Location("claims/money.json", claim, line, "code"),
        fingerprint=f"405{claim}{line}",
        data={"payer": payer, "code": code, "paid_as": paid_as, "allowed": "180.00",
              "paid_as_allowed": "120.00", "downgrade": amount, "moot": moot},
    )  # fmt: skip


def money_report() -> Report:
    """The CI sample (errors, a warning, a file-level finding) plus claims with estimates."""
    report = sample_report()
    gold, basic = "Example Mutual PPO Gold", "Sample Union Dental Basic"
    # fmt: off
    extra = [
        # M1: downgraded, no error or warning -> at risk
        _estimate("M1", 1, gold, "D2392", "D2150", "250.00", "180.00", "56.00", "124.00", "70.00"),
        _downgrade("M1", 1, gold, "D2392", "D2150", "60.00"),
        _estimate("M1", 2, gold, "D2140", "D2140", "115.00", "100.00", "80.00", "20.00", "15.00"),
        # M2: clean estimate -> ready
        _estimate("M2", 1, basic, "D2150", "D2150", "175.00", "110.00", "88.00", "22.00", "65.00"),
        # M3: a moot downgrade (the line is not paid) does not make the claim at risk
        _estimate("M3", 1, gold, "D2740", "D2791", "1200.00", "900.00", "0.00", "900.00", "300.00"),
        _downgrade("M3", 1, gold, "D2740", "D2791", "0.00", moot=True),
        # PCN1001 (two errors in the sample) also has an estimate: held-up plan payment
        _estimate("PCN1001", 1, gold, "D2393", "D2160", "300.00", "220.00", "100.00", "120.00",
                  "80.00"),
        _downgrade("PCN1001", 1, gold, "D2393", "D2160", "40.00"),
    ]
    # fmt: on
    for f in extra:
        if f.location.claim_id == "PCN1001":
            f.location.file = "claims/batch.json"
        report.findings.append(f)
        report.summary.by_severity["info"] += 1
    report.summary = Summary(
        files=5, claims_read=10, claims_linted=8, claims_unparsable=2,
        by_severity=report.summary.by_severity,
    )  # fmt: skip
    report.files.append("claims/money.json")
    return report


def _page(text: str) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(text)


def _text(page: lxml.html.HtmlElement, element_id: str) -> str:
    return page.get_element_by_id(element_id).text_content().strip()


def test_html_golden() -> None:
    check_golden("report.html", render("html", money_report()))


def test_verdict_counts_and_dollars() -> None:
    page = _page(render("html", money_report()))
    # to fix: PCN1001, PCN1002, =SUM(A1) (errors); at risk: PCN2001 (warning) and M1 (a
    # downgrade); ready: 8 linted - 5 = 3 (M2, M3 and a claim without findings)
    assert _text(page, "count-fix") == "3"
    assert _text(page, "count-risk") == "2"
    assert _text(page, "count-ready") == "3"
    assert _text(page, "count-errors") == "4"
    assert _text(page, "total-plan") == "$324.00"  # 56 + 80 + 88 + 0 + 100
    assert _text(page, "total-patient") == "$1,186.00"  # 124 + 20 + 22 + 900 + 120
    assert _text(page, "total-writeoff") == "$530.00"
    assert _text(page, "total-fees") == "$2,040.00"
    assert _text(page, "fix-plan") == "$100.00"
    assert _text(page, "risk-plan") == "$136.00"
    assert _text(page, "risk-downgrade") == "$60.00"
    assert _text(page, "ready-plan") == "$88.00"  # M3 pays nothing
    # a moot downgrade counts neither in the dollars nor in the lines
    assert _text(page, "total-downgrade") == "$100.00"
    assert _text(page, "downgrade-total") == "$100.00"
    rows = page.get_element_by_id("downgrade-codes").findall(".//tbody/tr")
    assert [[c.text_content() for c in r] for r in rows] == [
        ["Example Mutual PPO Gold", "D2392", "D2150", "1", "$60.00"],
        ["Example Mutual PPO Gold", "D2393", "D2160", "1", "$40.00"],
    ]


def test_claims_to_fix_errors_first_with_fix_text() -> None:
    page = _page(render("html", money_report()))
    section = page.get_element_by_id("fix")
    claims = [d.find("summary").text_content() for d in section.find_class("claim")]
    # the file-level finding first, then the claim with the most errors
    assert "broken.json" in claims[0]
    assert claims[1].startswith("claim PCN1001 2 errors")
    table = section.find_class("claim")[1].find(".//tbody")
    severities = [tr.get("class") for tr in table.findall("tr")]
    assert severities == ["error", "error", "info", "info"]
    assert "bill D2160" in table.text_content()
    assert "Number of surfaces" not in table.text_content()  # the sample rule's own summary
    assert "Surface count does not match the code" in table.text_content()


def test_hostile_text_is_escaped() -> None:
    report = money_report()
    report.findings[0].location.claim_id = "<script>alert(1)</script>"
    report.findings[0].message = 'bad <img src=x onerror="alert(2)"> & "quotes"'
    report.findings[-2].data["payer"] = "<b>Payer</b>"  # type: ignore[index]
    text = render("html", report)
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<img" not in text and "&lt;img src=x" in text
    assert "<b>Payer</b>" not in text
    page = _page(text)
    # the only script is the page's own print helper, allowed by its hash in the CSP
    scripts = page.findall(".//script")
    assert len(scripts) == 1 and scripts[0].text == html_format.PRINT_SCRIPT
    csp = page.find(".//meta[@http-equiv='Content-Security-Policy']").get("content")
    assert "default-src 'none'" in csp and html_format.SCRIPT_HASH in csp


def test_no_phi_by_default_values_on_request() -> None:
    report = money_report()
    report.findings[0].evidence = {"member_id": "SYN0001", "surfaces": "MOD"}
    text = render("html", report)
    assert "SYN0001" not in text and "values:" not in text
    assert "No patient or subscriber names" in text
    shown = render("html", report, show_values=True)
    assert "member_id=SYN0001" in shown
    assert "may contain protected health information" in shown


def test_self_contained() -> None:
    text = render("html", money_report())
    page = _page(text)
    assert not re.search(r"https?:|//[a-z]|file:|data:", text)
    assert not page.xpath("//*[@src]") and not page.xpath("//link")
    assert {a.get("href")[0] for a in page.xpath("//a[@href]")} == {"#"}
    assert "@import" not in text and "url(" not in text


def test_accessible_structure() -> None:
    page = _page(render("html", money_report()))
    assert len(page.findall(".//h1")) == 1
    assert page.get("lang") == "en"
    assert all(th.get("scope") in {"col", "row"} for th in page.iter("th"))
    charts = page.findall(".//svg")
    assert len(charts) == 2
    for svg in charts:
        assert svg.get("role") == "img"
        labelled = svg.get("aria-labelledby").split()
        assert [svg.find("title").get("id"), svg.find("desc").get("id")] == labelled
        assert svg.findall("text")  # text labels, not colour alone
    desc = charts[0].find("desc").text  # the money section comes before findings by rule
    assert "D2392 paid as D2150 $60.00" in desc
    assert "@media print" in page.find(".//style").text


def test_large_batch_is_capped(monkeypatch) -> None:
    monkeypatch.setattr(html_format, "EXPANDED", 5)
    monkeypatch.setattr(html_format, "LISTED", 20)
    monkeypatch.setattr(html_format, "MONEY_ROWS", 10)
    report = Report(summary=Summary(files=1, claims_read=60, claims_linted=60))
    for i in range(50):
        claim = f"C{i:03}"
        report.add(
            Finding("CL301", "surface-count-mismatch", Severity.ERROR, "fix it",
                    Location("big.json", claim, 1, "surfaces"), fingerprint=claim)
        )  # fmt: skip
        report.add(_estimate(claim, 1, "P", "D2150", "D2150", "10.00", "9.00", "5.00", "4.00",
                             "1.00"))  # fmt: skip
    page = _page(render("html", report))
    section = page.get_element_by_id("fix")
    assert len(section.find_class("claim")) == 5
    assert len(section.findall(".//ul/li")) == 15
    assert "30 further claims not listed" in section.text_content()
    assert _text(page, "count-fix") == "50" and _text(page, "count-ready") == "10"
    assert _text(page, "total-plan") == "$250.00"  # every claim counts, listed or not
    caption = page.get_element_by_id("money-claims").find("caption").text_content()
    assert "the first 10 of 50 claims" in caption
    assert len(page.get_element_by_id("money-claims").findall(".//tbody/tr")) == 10


def test_money_findings_carry_data_in_json() -> None:
    """CL601 and CL405 put their amounts in ``data`` (always in the JSON report, no PHI); the
    amounts agree with the messages."""
    out = subprocess.run(
        [sys.executable, "-m", "claimlint", "check", "fixtures/demo/", "--config",
         "fixtures/demo/claimlint.toml", "--format", "json", "--today", "2026-01-15"],
        cwd=REPO, capture_output=True, check=False,
    )  # fmt: skip
    findings = orjson.loads(out.stdout)["findings"]
    estimates = [f for f in findings if f["code"] == "CL601"]
    downgrades = [f for f in findings if f["code"] == "CL405" and "data" in f]
    assert estimates and downgrades
    for f in estimates:
        d = f["data"]
        assert f"plan ${d['plan_pays']}" in f["message"].replace(",", "")
        assert f"patient ${d['patient_owes']}" in f["message"].replace(",", "")
        assert (
            Decimal(d["plan_pays"]) + Decimal(d["patient_owes"]) + Decimal(d["write_off"])
            == Decimal(d["office_fee"])
            or d["not_covered"]
            or d["paid_as"] != d["code"]
        )
    for f in downgrades:
        d = f["data"]
        if not d["moot"]:
            assert Decimal(d["downgrade"]) == max(
                Decimal(d["allowed"]) - Decimal(d["paid_as_allowed"]), Decimal(0)
            )
    text = out.stdout.decode()
    assert "TESTPATIENT" not in text and "member_id" not in text


def test_cli_writes_html_file(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    out = subprocess.run(
        [sys.executable, "-m", "claimlint", "check", "fixtures/demo/", "--config",
         "fixtures/demo/claimlint.toml", "-o", f"html={target}", "--format", "concise"],
        cwd=REPO, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert out.returncode == 1, out.stderr
    page = _page(target.read_text(encoding="utf-8"))
    assert page.find(".//h1").text == "Claim batch report"
    assert _text(page, "count-errors") == "24"


def test_templates_are_package_data() -> None:
    """Every template file is matched by pyproject's package-data (a wheel would lack it)."""
    import fnmatch
    import tomllib

    config = tomllib.loads((REPO / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["claimlint"]
    templates = sorted((REPO / "claimlint" / "report" / "formatters" / "templates").iterdir())
    assert templates
    for path in templates:
        rel = path.relative_to(REPO / "claimlint").as_posix()
        assert any(fnmatch.fnmatch(rel, p) for p in patterns), rel


def test_impact_section_ranks_impact_codes_from_the_finding_data() -> None:
    page = _page(render("html", money_report()))
    rows = page.get_element_by_id("impact-codes").findall(".//tbody/tr")
    # PCN1001: D2393 paid as D2160, fee 300, allowance used 120: gap 180; the patient owes
    #   120 of which 120 - 100 (plan) = 20 is the coinsurance on the basis: share 100.
    # M1: D2392 paid as D2150, fee 250, allowance 120: gap 130; patient 124 - (120 - 56) = 60.
    # M3's downgrade is moot (the plan pays nothing): not an impact line.
    assert [[c.text_content() for c in r] for r in rows] == [
        ["1", "Example Mutual PPO Gold", "D2160", "D2393 x1", "1", "$300.00", "$120.00",
         "$180.00", "$100.00"],
        ["2", "Example Mutual PPO Gold", "D2150", "D2392 x1", "1", "$250.00", "$120.00",
         "$130.00", "$60.00"],
    ]  # fmt: skip
    assert "review the D2160 allowance" in page.text_content()
