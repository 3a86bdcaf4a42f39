"""The HTML report opened in a real headless Chromium (Debian's ``chromium`` package, driven by
playwright without any browser download): the counts and dollar totals rendered in the DOM
match the JSON report of the same run, the page makes no request beyond its own file, and a
screenshot is saved.

``.ci/run`` installs chromium with apt; where it (or playwright) is missing the test skips and
says why. ``CLAIMLINT_SCREENSHOT=path`` also writes the screenshot there (the README's image:
``CLAIMLINT_SCREENSHOT=docs/images/html-report.png pytest tests/test_html_browser.py``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import orjson
import pytest

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("CLAIMLINT_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _browser_or_skip():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install -e '.[browser]')")
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run does)")
    return sync_playwright


def _money(text: str) -> Decimal:
    return Decimal(text.strip().replace("$", "").replace(",", ""))


def expected_from_json(report: dict) -> dict[str, object]:
    """The verdict as the page defines it, derived independently from the JSON report."""
    claims: dict[tuple[str, str], dict] = defaultdict(
        lambda: {"error": 0, "warning": 0, "downgrade": Decimal(0), "plan": Decimal(0)}
    )
    totals = {k: Decimal(0) for k in ("plan_pays", "patient_owes", "write_off", "downgrade")}
    for f in report["findings"]:
        loc = f["location"]
        if loc["claim_id"] is None:
            continue
        c = claims[(loc["file"], loc["claim_id"])]
        if f["severity"] in ("error", "warning"):
            c[f["severity"]] += 1
        data = f.get("data") or {}
        if f["code"] == "CL601":
            c["plan"] += Decimal(data["plan_pays"])
            for k in ("plan_pays", "patient_owes", "write_off"):
                totals[k] += Decimal(data[k])
        if f["code"] == "CL405" and data and not data["moot"]:
            c["downgrade"] += Decimal(data["downgrade"])
            totals["downgrade"] += Decimal(data["downgrade"])
    fix = [c for c in claims.values() if c["error"]]
    risk = [c for c in claims.values() if not c["error"] and (c["warning"] or c["downgrade"])]
    s = report["summary"]
    return {
        "count-fix": len(fix),
        "count-risk": len(risk),
        "count-ready": s["claims_linted"] - len(fix) - len(risk),
        "count-errors": s["findings_by_severity"]["error"],
        "count-warnings": s["findings_by_severity"]["warning"],
        "total-plan": totals["plan_pays"],
        "total-patient": totals["patient_owes"],
        "total-writeoff": totals["write_off"],
        "total-downgrade": totals["downgrade"],
        "fix-plan": sum((c["plan"] for c in fix), Decimal(0)),
        "risk-downgrade": sum((c["downgrade"] for c in risk), Decimal(0)),
    }


def test_demo_report_in_chromium(tmp_path: Path) -> None:
    sync_playwright = _browser_or_skip()
    html_path, json_path = tmp_path / "report.html", tmp_path / "report.json"
    run = subprocess.run(
        [sys.executable, "-m", "claimlint", "check", "fixtures/demo/", "--config",
         "fixtures/demo/claimlint.toml", "--today", "2026-01-15",
         "-o", f"html={html_path}", "-o", f"json={json_path}"],
        cwd=REPO, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert run.returncode == 1, run.stderr
    report = orjson.loads(json_path.read_bytes())
    expected = expected_from_json(report)
    assert expected["count-fix"] and expected["count-risk"] and expected["total-downgrade"]

    page_url = html_path.resolve().as_uri()
    requests: list[str] = []
    shot = tmp_path / "report.png"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1100, "height": 1400})
            context.on("request", lambda r: requests.append(r.url))
            # anything but the page itself is refused, so a regression cannot reach the network
            context.route(
                "**/*",
                lambda route: route.continue_() if route.request.url == page_url else route.abort(),
            )
            page = context.new_page()
            page.goto(page_url, wait_until="load")
            rendered = {key: page.inner_text(f"#{key}") for key in expected}
            h1 = page.inner_text("h1")
            open_fix = page.locator("#fix details.claim[open]").count()
            charts = page.locator("svg[role=img]").count()
            page.screenshot(path=str(shot), full_page=False)
        finally:
            browser.close()

    assert h1 == "Claim batch report"
    for key, want in expected.items():
        got = rendered[key]
        if isinstance(want, Decimal):
            assert _money(got) == want, (key, got, want)
        else:
            assert int(got.replace(",", "")) == want, (key, got, want)
    assert open_fix == expected["count-fix"]  # few enough to all be shown in full
    assert charts == 2
    assert requests == [page_url], requests
    assert shot.stat().st_size > 10_000 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    target = os.environ.get("CLAIMLINT_SCREENSHOT")
    if target:
        shutil.copyfile(shot, REPO / target)
