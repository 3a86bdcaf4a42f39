"""Date-of-service checks (CL112)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

from claimlint.checks.base import Check, Context
from claimlint.core import catalogue
from claimlint.core.findings import Finding, Scope
from claimlint.core.model import Claim, ServiceLine

#: stands for a claim date the reader reported as unreadable (see ``Context.reported``)
_REPORTED = "reported by the reader"


class DateOfService(Check):
    doc = """
    What it checks:
        Every service line of a claim has a date of service, on the line or on the claim (a
        line date overrides the claim date), that is a real calendar date (YYYY-MM-DD or
        CCYYMMDD) and is not after today. A predetermination (pre-treatment estimate) is the
        opposite case: the work has not been done yet, so it must carry no service date at all.

    Why it matters:
        X12 837D requires a service date (DTP*472) on the claim or on every line, and payers
        reject claims with impossible or future dates outright. A predetermination that carries
        a service date is read as a claim for completed work and is processed (and denied) as
        such instead of being estimated.

    Bad example:
        A claim with no ``date_of_service`` and a line without one; a line dated
        ``2025-02-30``; a line dated next month; a predetermination with ``date_of_service``.

    Good example:
        ``"date_of_service": "2025-06-02"`` on the claim (lines inherit it); a predetermination
        with no dates.

    References:
        * X12 837 Health Care Claim: Dental, implementation guide 005010X224A2: DTP*472 service date
          (loop 2300 and 2400), CLM19 = PB (predetermination of benefits)
        * ADA Dental Claim Form and its completion instructions
    """

    catalogued = catalogue.DATE_OF_SERVICE
    scope = Scope.CLAIM
    tags = ("dates",)

    def check(self, claim: Claim, ctx: Context) -> Iterable[Finding]:
        # clean: no predetermination, every date a real date not after today, and a date
        # on the claim or on every line
        if claim.predetermination or not claim.lines:
            return self._findings(claim, ctx)
        today = ctx.today
        claim_date = claim.date_of_service
        if claim_date is not None and (type(claim_date) is not dt.date or claim_date > today):
            return self._findings(claim, ctx)
        for line in claim.lines:
            day = line.date_of_service
            if day is None:
                if claim_date is None:
                    return self._findings(claim, ctx)
            elif type(day) is not dt.date or day > today:
                return self._findings(claim, ctx)
        return ()

    def _findings(self, claim: Claim, ctx: Context) -> Iterator[Finding]:
        if claim.predetermination:
            yield from self._predetermination(claim, ctx)
            return
        claim_date = claim.date_of_service
        if claim_date is not None:
            yield from self._judge(ctx, claim, None, claim_date, "The claim's")
        if not claim.lines:
            return  # nothing was performed to date; an empty claim is other rules' concern
        # a date the reader could not read was reported by it (e.g. an ambiguous CSV date,
        # with the fix) and read as missing: it is not also reported as absent
        if claim_date is None and ctx.reader_reported(self.code):
            claim_date = _REPORTED
        undated = [
            ln
            for ln in claim.lines
            if ln.date_of_service is None and not ctx.reader_reported(self.code, ln.line_number)
        ]
        if claim_date is None and len(undated) == len(claim.lines):
            yield self.on_claim(
                claim,
                "The claim has no date of service, on the claim or on any line; add the date "
                "the work was completed.",
                field="date_of_service",
            )
            return
        for line in claim.lines:
            if line.date_of_service is not None:
                yield from self._judge(
                    ctx, claim, line, line.date_of_service, f"Line {line.line_number}'s"
                )
            elif claim_date is None and not ctx.reader_reported(self.code, line.line_number):
                yield self.on_line(
                    ctx,
                    line,
                    f"Line {line.line_number} ({line.code}) has no date of service and the "
                    "claim has none to inherit; add the date the work was completed.",
                    field="date_of_service",
                )

    def _judge(
        self,
        ctx: Context,
        claim: Claim,
        line: ServiceLine | None,
        value: dt.date | str,
        where: str,
    ) -> Iterator[Finding]:
        evidence = {"date_of_service": str(value)}
        if isinstance(value, dt.date):
            if value <= ctx.today:
                return
            message = (
                f"{where} date of service is in the future (after {ctx.today.isoformat()});"
                " bill the work once it is completed, with the completion date."
            )
        else:
            message = (
                f"{where} date of service is not a valid date; write it as YYYY-MM-DD "
                "(or CCYYMMDD in X12)."
            )
        if line is None:
            yield self.on_claim(claim, message, field="date_of_service", evidence=evidence)
        else:
            yield self.on_line(
                ctx,
                line,
                message,
                field="date_of_service",
                evidence=evidence,
            )

    def _predetermination(self, claim: Claim, ctx: Context) -> Iterator[Finding]:
        message = (
            "A predetermination must not carry a date of service (the work is not done yet); "
            "remove the date, or send it as a claim if the work was completed."
        )
        if claim.date_of_service is not None:
            yield self.on_claim(
                claim,
                message,
                field="date_of_service",
                evidence={"date_of_service": str(claim.date_of_service)},
            )
        for line in claim.lines:
            if line.date_of_service is not None:
                yield self.on_line(
                    ctx,
                    line,
                    f"Line {line.line_number}: {message}",
                    field="date_of_service",
                    evidence={"date_of_service": str(line.date_of_service)},
                )
