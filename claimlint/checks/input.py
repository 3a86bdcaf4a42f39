"""Checks emitted by the CSV and XML readers about the shape of an export."""

from __future__ import annotations

from claimlint.checks.base import Check
from claimlint.core import catalogue
from claimlint.core.findings import Scope


class UnknownColumn(Check):
    doc = """
    What it checks:
        That every column of a CSV export is one claimlint understands under the column
        mapping in use (the default header names, a built-in mapping or your own TOML
        mapping). Columns it does not know are reported once per file, not once per row,
        located on the header row.

    Why it matters:
        A column that is not recognised is silently ignored: if "Surface" was exported as
        "Surf." the surfaces never reach the checks, and a 3-surface filling billed as a
        2-surface code passes unnoticed until the payer downgrades it. Renaming the column in
        a mapping (or listing it under ``ignore``) makes the linter see what the payer sees.

    Bad example:
        A header ``claim_id,code,Surf.,tooth`` with the default mapping: ``Surf.`` is unknown.

    Good example:
        ``claim_id,code,surfaces,tooth``, or a mapping with ``[columns] surfaces = "Surf."``.

    References:
        * The claimlint documentation: CSV input, default columns and column mappings
    """

    catalogued = catalogue.UNKNOWN_COLUMN
    scope = Scope.SOURCE
    formats = ("csv",)
