"""A self-contained HTML report for billing teams (``--format html`` / ``-o html=report.html``).

One file that works offline and from an email attachment: the CSS, the charts (inline SVG drawn
here) and a two-line script (it opens the collapsed parts before printing) are all inline, and a
Content-Security-Policy forbids the page any request. It reads top down: the batch verdict,
the claims to fix (errors first), the claims at risk, then the money.

Rendered only from the Report: counts from the findings, dollars from the ``data`` that CL601
(estimate per line) and CL405 (alternate-benefit downgrade) carry. Nothing is recomputed.

Large batches stay light: the first ``EXPANDED`` claims of a list are rendered with their
findings, the next ones (up to ``LISTED``) as one line each, and the rest are counted; the page
says so wherever it summarises.
"""

from __future__ import annotations

import base64
import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any, TextIO

import jinja2

from claimlint.core.findings import Finding, Report, Severity
from claimlint.core.impact import ImpactLine, aggregate, split_gap
from claimlint.report.formatters import FormatOptions
from claimlint.report.impact import billed_text, letter_note

#: claims of a list rendered with all their findings
EXPANDED = 100
#: claims of a list rendered as one line each after the expanded ones; the rest are counted
LISTED = 1000
#: rows of the per-claim money table
MONEY_ROWS = 500
#: bars in a chart (the table beside it has every row)
CHART_BARS = 15

ZERO = Decimal("0")

#: opens every collapsed part before printing; its hash goes into the page's CSP
PRINT_SCRIPT = (
    "addEventListener('beforeprint',function(){"
    "document.querySelectorAll('details').forEach(function(d){d.open=true})});"
)
SCRIPT_HASH = base64.b64encode(hashlib.sha256(PRINT_SCRIPT.encode()).digest()).decode()


def _d(value: Any) -> Decimal:
    if value in (None, ""):
        return ZERO
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return ZERO


def money(value: Decimal | None) -> str:
    """``$1,234.50``; negative amounts as ``-$5.00``."""
    if value is None:
        return "—"
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"


@dataclass(slots=True)
class Money:
    office_fee: Decimal = ZERO
    plan_pays: Decimal = ZERO
    patient_owes: Decimal = ZERO
    write_off: Decimal = ZERO
    downgrade: Decimal = ZERO
    lines: int = 0

    def add_estimate(self, data: dict[str, Any]) -> None:
        self.lines += 1
        self.office_fee += _d(data.get("office_fee"))
        self.plan_pays += _d(data.get("plan_pays"))
        self.patient_owes += _d(data.get("patient_owes"))
        self.write_off += _d(data.get("write_off"))

    def add(self, other: Money) -> None:
        self.office_fee += other.office_fee
        self.plan_pays += other.plan_pays
        self.patient_owes += other.patient_owes
        self.write_off += other.write_off
        self.downgrade += other.downgrade
        self.lines += other.lines


@dataclass(slots=True)
class ClaimView:
    file: str
    claim_id: str
    findings: list[Finding] = field(default_factory=list)
    errors: int = 0
    warnings: int = 0
    infos: int = 0
    money: Money = field(default_factory=Money)
    payers: dict[str, None] = field(default_factory=dict)

    @property
    def payer(self) -> str:
        return ", ".join(self.payers) or "—"

    @property
    def bucket(self) -> str:
        if self.errors:
            return "fix"
        if self.warnings or self.money.downgrade > 0:
            return "risk"
        return "ready"

    def problems(self) -> list[Finding]:
        """Errors first, then warnings, then info; by service line within a severity."""
        return sorted(
            self.findings,
            key=lambda f: (-f.severity.rank, -1 if f.location.line is None else f.location.line),
        )

    def codes(self) -> str:
        seen = Counter(f.code for f in self.findings if f.severity is not Severity.INFO)
        return ", ".join(f"{c}×{n}" if n > 1 else c for c, n in seen.items())


@dataclass(slots=True)
class Bucket:
    key: str
    title: str
    claims: list[ClaimView] = field(default_factory=list)
    money: Money = field(default_factory=Money)


def _rule_summary(options: FormatOptions, code: str, name: str) -> str:
    rule = options.rules.get(code)
    summary = getattr(rule, "summary", None) if rule is not None else None
    return summary or name.replace("-", " ")


def bar_chart(
    rows: list[tuple[str, float, str, str]], *, title: str, desc: str, chart_id: str
) -> dict[str, Any]:
    """Geometry of a horizontal bar chart: (label, value, shown value, css class) per row,
    largest first. Drawn by the template as inline SVG with a <title>, a <desc> and a text
    label per bar."""
    rows = rows[:CHART_BARS]
    top = max((v for _, v, _, _ in rows), default=0) or 1
    label_w, bar_w, value_w, row_h = 330, 300, 110, 24
    bars = [
        {
            "label": label if len(label) <= 48 else label[:47] + "…",
            "shown": shown,
            "css": css,
            "y": 8 + i * row_h,
            "w": max(1.0, round(bar_w * value / top, 1)) if value > 0 else 0,
        }
        for i, (label, value, shown, css) in enumerate(rows)
    ]
    return {
        "id": chart_id,
        "title": title,
        "desc": desc,
        "bars": bars,
        "label_w": label_w,
        "bar_w": bar_w,
        "width": label_w + bar_w + value_w,
        "height": 16 + len(bars) * row_h,
    }


def build(report: Report, options: FormatOptions) -> dict[str, Any]:
    """The page's view model, from the report only."""
    claims: dict[tuple[str, str], ClaimView] = {}
    file_findings: dict[str, list[Finding]] = defaultdict(list)
    by_rule: Counter[str] = Counter()
    rule_names: dict[str, str] = {}
    rule_severity: dict[str, Severity] = {}
    downgrades: dict[tuple[str, str, str], list[Any]] = {}
    payer_money: dict[str, Money] = defaultdict(Money)
    # per service line: the CL601 estimate and the CL405 downgrade (for the impact section)
    estimates: dict[tuple[str, str, int | None], dict[str, Any]] = {}
    downgraded: dict[tuple[str, str, int | None], dict[str, Any]] = {}
    for f in report.findings:
        by_rule[f.code] += 1
        rule_names.setdefault(f.code, f.name)
        cur = rule_severity.get(f.code)
        if cur is None or f.severity.rank > cur.rank:
            rule_severity[f.code] = f.severity
        loc = f.location
        file = loc.file
        if loc.claim_id is None:
            file_findings[file].append(f)
            continue
        key = (file, loc.claim_id)
        view = claims.get(key)
        if view is None:
            view = claims[key] = ClaimView(file, loc.claim_id)
        view.findings.append(f)
        if f.severity is Severity.ERROR:
            view.errors += 1
        elif f.severity is Severity.WARNING:
            view.warnings += 1
        else:
            view.infos += 1
        data = f.data
        if not data:
            continue
        payer = str(data.get("payer") or "—")
        if f.code == "CL601":
            estimates[(file, loc.claim_id, loc.line)] = data
            view.money.add_estimate(data)
            view.payers.setdefault(payer, None)
        elif f.code == "CL405" and not data.get("moot"):
            downgraded[(file, loc.claim_id, loc.line)] = data
            amount = _d(data.get("downgrade"))
            view.money.downgrade += amount
            row = downgrades.setdefault(
                (payer, str(data.get("code")), str(data.get("paid_as"))), [0, ZERO]
            )
            row[0] += 1
            row[1] += amount

    buckets = {
        "fix": Bucket("fix", "Claims to fix"),
        "risk": Bucket("risk", "Claims at risk of a downgrade or denial"),
        "ready": Bucket("ready", "Claims ready to send"),
    }
    total = Money()
    for view in claims.values():
        bucket = buckets[view.bucket]
        bucket.claims.append(view)
        bucket.money.add(view.money)
        total.add(view.money)
        for payer in view.payers:
            payer_money[payer].add(view.money)
    # errors first: most errors first, then file order (stable sort keeps the rest)
    buckets["fix"].claims.sort(key=lambda v: -v.errors)
    buckets["risk"].claims.sort(key=lambda v: (-v.warnings, -v.money.downgrade))

    s = report.summary
    not_ready = len(buckets["fix"].claims) + len(buckets["risk"].claims)
    # claims without errors, warnings or downgrades: the linted claims not to fix or at risk
    ready_count = max(s.claims_linted - not_ready, 0)

    rules: list[dict[str, Any]] = [
        {
            "code": code,
            "name": rule_names[code],
            "summary": _rule_summary(options, code, rule_names[code]),
            "severity": rule_severity[code].value,
            "count": n,
        }
        for code, n in sorted(by_rule.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    down_rows = [
        {"payer": p, "code": c, "paid_as": t, "lines": n, "dollars": d}
        for (p, c, t), (n, d) in sorted(downgrades.items(), key=lambda kv: (-kv[1][1], kv[0]))
    ]
    down_by_payer: dict[str, list[Any]] = {}
    for down in down_rows:
        acc = down_by_payer.setdefault(down["payer"], [0, ZERO])
        acc[0] += down["lines"]
        acc[1] += down["dollars"]
    down_total = sum((r["dollars"] for r in down_rows), ZERO)

    charts = [
        bar_chart(
            [
                (f"{r['code']} {r['name']}", r["count"], f"{r['count']:,}", r["severity"])
                for r in rules
            ],
            title="Findings by rule",
            desc="Number of findings per rule, most frequent first: "
            + "; ".join(f"{r['code']} {r['count']}" for r in rules[:CHART_BARS])
            + ".",
            chart_id="chart-rules",
        ),
        bar_chart(
            [
                (
                    f"{r['code']}→{r['paid_as']} {r['payer']}",
                    float(r["dollars"]),
                    money(r["dollars"]),
                    "money",
                )
                for r in down_rows
            ],
            title="Downgrade dollars by payer and code",
            desc="Benefit basis lost to alternate benefits, per payer and billed code, largest "
            "first: "
            + "; ".join(
                f"{r['payer']} {r['code']} paid as {r['paid_as']} {money(r['dollars'])}"
                for r in down_rows[:CHART_BARS]
            )
            + ".",
            chart_id="chart-downgrades",
        ),
    ]
    impact = aggregate(_impact_lines(estimates, downgraded))
    money_claims = [v for v in claims.values() if v.money.lines]
    return {
        "summary": s,
        "files": len(report.files) or s.files,
        "buckets": buckets,
        "ready_count": ready_count,
        "ready_listed": [v for v in buckets["ready"].claims][:LISTED],
        "total": total,
        "rules": rules,
        "downgrade_rows": down_rows,
        "downgrade_by_payer": [
            {"payer": p, "lines": n, "dollars": d}
            for p, (n, d) in sorted(down_by_payer.items(), key=lambda kv: (-kv[1][1], kv[0]))
        ],
        "downgrade_total": down_total,
        "downgrade_lines": sum(r["lines"] for r in down_rows),
        "payer_money": sorted(payer_money.items()),
        "impact": impact,
        "impact_note": letter_note(impact),
        "impact_billed": billed_text,
        "money_claims": money_claims[:MONEY_ROWS],
        "money_claims_total": len(money_claims),
        "file_findings": sorted(file_findings.items()),
        "charts": charts,
        "show_values": options.show_values,
        "tool_version": options.tool_version,
        "rule_summary": lambda f: _rule_summary(options, f.code, f.name),
        "EXPANDED": EXPANDED,
        "LISTED": LISTED,
        "MONEY_ROWS": MONEY_ROWS,
        "script": PRINT_SCRIPT,
        "script_hash": SCRIPT_HASH,
    }


def _impact_lines(
    estimates: dict[tuple[str, str, int | None], dict[str, Any]],
    downgraded: dict[tuple[str, str, int | None], dict[str, Any]],
) -> list[ImpactLine]:
    """The impact report's per-line records from the data CL601 (the estimate) and CL405
    (the paid-as allowance) carry for the same service line; aggregated by the same pure
    function as ``claimlint impact`` (claimlint/core/impact.py)."""
    out: list[ImpactLine] = []
    for key, down in downgraded.items():
        est = estimates.get(key)
        if est is None:
            continue
        fee, basis = _d(est.get("office_fee")), _d(down.get("paid_as_allowed"))
        gap, patient = split_gap(fee, basis, _d(est.get("plan_pays")), _d(est.get("patient_owes")))
        out.append(
            ImpactLine(
                str(down.get("payer") or "—"),
                str(down.get("code")),
                str(down.get("paid_as")),
                fee,
                basis,
                gap=gap,
                patient_share=patient,
            )
        )
    return out


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("claimlint.report.formatters", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["money"] = money
    env.filters["plural"] = lambda n, word: f"{n:,} {word}" + ("" if n == 1 else "s")
    return env


def render(report: Report, out: TextIO, options: FormatOptions, *, not_shown: int = 0) -> None:
    """The page; ``not_shown``: findings of the run left out of ``report.findings`` (a streamed
    run holds a bounded number, claimlint.report.streaming), said at the top of the page."""
    template = environment().get_template("report.html.j2")
    view = build(report, options)
    view["not_shown"] = not_shown
    view["shown"] = len(report.findings)
    out.write(template.render(**view))
