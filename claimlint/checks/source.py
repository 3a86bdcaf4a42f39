"""Checks emitted by readers: the file and the record could not be read."""

from __future__ import annotations

from claimlint.checks.base import Check
from claimlint.core import catalogue
from claimlint.core.findings import Scope


class UnreadableFile(Check):
    doc = """
    What it checks:
        That an input file can be opened, decoded and parsed at all (JSON syntax, X12 envelope,
        CSV dialect, XML well-formedness).

    Why it matters:
        A file that cannot be parsed is rejected whole by a clearinghouse: none of its claims
        reach the payer. Reported once per file with the position of the first problem; a
        folder that cannot be listed and a symlink that leads nowhere (broken, or a loop) are
        reported the same way, naming them.

        An input that could not be read must never pass CI as "0 claims, no findings", so a
        CL001 error always fails the run (exit code 1): it cannot be deselected (``--select``,
        ``--ignore``), suppressed (per-file-ignores, ignore entries, the baseline) or given
        another severity, and it fails the run whatever ``--fail-on`` and ``--exit-zero`` say.
        (A path named on the command line that does not exist is a usage error: exit code 2.)
        CL001 warnings (a file read with a caveat, such as mixed text encodings) count like
        any other warning.

    Bad example:
        A JSON export cut off mid-way: ``{"claims": [{"claim_id": "A1", "lines": [``

    Good example:
        A complete document: ``{"claims": [{"claim_id": "A1", "lines": []}]}``

    References:
        * JSON (RFC 8259), CSV (RFC 4180), XML 1.0 and X12 5010 syntax
        * claimlint's published input contract: schemas/claim-batch.schema.json,
          schemas/claim-batch.xsd
    """

    catalogued = catalogue.UNREADABLE_FILE
    scope = Scope.SOURCE


class SchemaViolation(Check):
    doc = """
    What it checks:
        That each claim record matches the input contract (schemas/claim-batch.schema.json for
        JSON, the XSD for XML, the column mapping for CSV): required fields present, values of
        the right type, no unknown fields.

    Why it matters:
        A value the program cannot understand cannot be checked or submitted. Each bad value
        is reported at its field (JSON Pointer, row and column, or XPath) and read as missing,
        and the rest of the claim is still linted; only a record whose claim id cannot be
        read is not linted. The rest of the batch is always linted.

    Bad example:
        ``{"claim_id": "A1", "lines": [{"line_number": 1, "code": "D2150", "charge": "ten"}]}``

    Good example:
        ``{"claim_id": "A1", "lines": [{"line_number": 1, "code": "D2150", "charge": 10}]}``

    References:
        * claimlint's published input contract: schemas/claim-batch.schema.json,
          schemas/claim-batch.xsd
        * JSON Schema 2020-12; W3C XML Schema 1.0
        * The claimlint documentation: input formats (JSON/JSONL, CSV, XML)
    """

    catalogued = catalogue.SCHEMA_VIOLATION
    scope = Scope.SOURCE
