"""What a rule means in the X12 acknowledgments (the envelope facts they echo are in
``claimlint.core.ack``, which re-exports these names).

A rule DECLARES how its findings appear in a 999 implementation acknowledgment (005010X231A1)
and in a 277CA claim acknowledgment (005010X214): a check class sets ``ack_999`` and
``status_277``, a reader-emitted rule sets them on its ``claimlint.core.catalogue`` entry.
A rule without a declaration gets the default for its scope (:func:`ack_999_for`,
:func:`status_277_for`); no code anywhere branches on rule codes. ``docs/acknowledgments.md``
shows the resulting table, generated from this metadata by ``docs/hooks/ack_table.py``.

Code values (public sources; the X12 TR3s themselves are licensed):

* IK304 segment, IK403 element, IK501/IK502 transaction set and AK901/AK905 group codes: the
  999 error code tables, e.g. https://support.edifabric.com/hc/en-us/articles/360000367172
  and https://eclaims.com/articles/997-acknowledgment-error-codes (the 997 codes the 999
  keeps), and IBM Sterling's IK304/IK403 pages (the implementation "I" codes).
* 277CA: X12 RFI 1942 (STC01-1 limited to the "A" acknowledgment categories in a batch 277CA)
  and RFI 2203 (STC03 WQ accept / U reject; A3, A6, A7, A8 mean rejected; no "accepted with
  warnings"), https://x12.org/resources/requests-for-interpretation/ ; status codes from the
  Claim Status Code list (external code source 508): 19 entity acknowledges receipt, 20
  accepted for processing, 21 missing or invalid information, 78 duplicate of an existing
  claim/line awaiting processing, 178 submitted charges, 187 date(s) of service, 400 claim is
  out of balance, 454 procedure code for services rendered, 562 entity's NPI; entity
  identifier codes (98): 85 billing provider, QC patient.

This module holds data only, and is all a rule needs at import (``claimlint check`` does not
import the envelope classes); the X12 text is written by ``claimlint.report.formatters``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# -- declarations -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Ack999:
    """How a finding shows in a 999.

    ``segment``: the IK304 code of a finding on a segment of a transaction set (used when the
    finding names no element, or ``element`` is None); ``element``: the IK403 code when the
    finding names an element (the IK3 then says ``8``, segment has data element errors);
    ``transaction``: the IK502 code it contributes when its transaction set is not accepted
    as is; ``group``: the AK905 code when the finding is on the GS/GE envelope.
    A finding on ISA/IEA belongs in a TA1 interchange acknowledgment, not in a 999.
    """

    segment: str | None = "8"
    element: str | None = None
    transaction: str = "I5"
    group: str | None = None


@dataclass(frozen=True, slots=True)
class Status277:
    """How a finding shows in a 277CA claim-level STC: category (STC01-1, an "A" code),
    status (STC01-2) and entity (STC01-3, only when the status is about an entity)."""

    category: str = "A7"
    status: str = "21"
    entity: str | None = None

    def composite(self, sep: str = ":") -> str:
        parts = [self.category, self.status] + ([self.entity] if self.entity else [])
        return sep.join(parts)


#: a finding about the file's syntax or the implementation guide, when its rule says nothing
DEFAULT_999 = Ack999(segment="8", element="7", transaction="I5")
#: a claim that is rejected for a rule that says nothing: invalid information (A7), status 21
DEFAULT_277 = Status277("A7", "21")
#: an accepted claim: acknowledgment / acceptance into adjudication, accepted for processing
ACCEPTED_277 = Status277("A2", "20")


def ack_999_for(rule: Any) -> Ack999 | None:
    """The 999 meaning of a rule (a check class or a catalogue entry): its declaration, else
    the default of reader-emitted rules (scope ``source``); business rules (line, claim, batch
    scope) are not 999 errors: they are the 277CA's."""
    declared = getattr(rule, "ack_999", None)
    if declared is not None:
        return declared  # type: ignore[no-any-return]
    scope = getattr(rule, "scope", None)
    return DEFAULT_999 if str(getattr(scope, "value", scope) or "source") == "source" else None


def status_277_for(rule: Any) -> Status277:
    """The 277CA status of a claim rejected for a finding of ``rule``: its declaration, else
    A7:21 (rejected for invalid information; missing information is declared where a rule
    is about it)."""
    declared = getattr(rule, "status_277", None)
    return declared if declared is not None else DEFAULT_277
