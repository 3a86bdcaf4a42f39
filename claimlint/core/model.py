"""The canonical claim model: what every reader produces and every check reads.

pydantic v2 models, frozen. Every claim and service line carries a :class:`SourceRef` that a
person can open (X12 segment ordinal and element, JSON Pointer, CSV row and column, XML line and
XPath). ``refs`` maps a canonical field name (``"tooth"``, ``"surfaces"``, ``"charge"`` …) to
the position of that field in the source, so checks can locate a finding on a field without
knowing which format the claim came from. ``refs`` is a read-only mapping: a plain dict, or (X12)
a mapping that builds each SourceRef on first access; ``where(field)`` is the way to ask.

Readers that already validated their input build models with ``model_construct`` (see
``Claim.build``); the JSON reader validates with ``model_validate``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_serializer,
    field_validator,
)

_new = object.__new__
_set = object.__setattr__


class SourceRef(BaseModel):
    """Where something came from, in terms a person can open.

    ``field`` is the format's own name for the field: ``TOO03-2`` (X12), the JSON Pointer of the
    value (JSON), the column name (CSV) or the XPath (XML). ``line``/``column`` are physical,
    1-based positions in the file; ``segment_index`` is the 1-based ordinal of an X12 segment.
    """

    model_config = ConfigDict(frozen=True)

    file: str
    field: str | None = None
    pointer: str | None = None
    line: int | None = None
    column: int | None = None
    segment_index: int | None = None
    segment_id: str | None = None

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # positions cross process boundaries with --jobs (one per finding and per batch-rule
        # key); pickling the field values is ~8x cheaper than pydantic's generic state
        return (_source_ref, tuple(self.__dict__.values()))

    def at(self, field: str | None = None, **changes: Any) -> SourceRef:
        """A copy of this reference naming another field (cheap: no validation)."""
        data = self.__dict__.copy()
        if field is not None:
            data["field"] = field
        data.update(changes)
        obj = _new(SourceRef)
        _set(obj, "__dict__", data)
        _set(obj, "__pydantic_fields_set__", set(data))
        _set(obj, "__pydantic_extra__", None)
        _set(obj, "__pydantic_private__", None)
        return obj


_SOURCE_REF_FIELDS = tuple(SourceRef.model_fields)


def _source_ref(*values: Any) -> SourceRef:
    """Unpickle a SourceRef (see ``SourceRef.__reduce__``)."""
    obj = _new(SourceRef)
    _set(obj, "__dict__", dict(zip(_SOURCE_REF_FIELDS, values, strict=True)))
    _set(obj, "__pydantic_fields_set__", set(_SOURCE_REF_FIELDS))
    _set(obj, "__pydantic_extra__", None)
    _set(obj, "__pydantic_private__", None)
    return obj


def derive_ref(ref: SourceRef, field: str) -> SourceRef:
    """The position of a field under a pointer-addressed node (JSON Pointer, XPath).

    Readers of formats whose field names are the canonical ones (JSON, XML) do not fill
    ``refs``; the field's pointer is the node's pointer plus the field path.
    """
    if ref.pointer is None or ref.segment_index is not None or ref.pointer[:1] not in ("", "/"):
        return ref
    pointer = f"{ref.pointer}/{field.replace('.', '/')}"
    return ref.at(field=pointer, pointer=pointer)


def _lenient_date(value: Any) -> Any:
    """Dates as ``date`` when they parse (ISO or CCYYMMDD); otherwise the raw string.

    Keeping an unparsable date as text lets CL112 report it precisely instead of the whole
    claim failing the schema.
    """
    if value is None or isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return None
        return parse_date(text) or text
    return value


def parse_date(text: str) -> dt.date | None:
    """Parse ``YYYY-MM-DD`` or ``CCYYMMDD``; ``None`` when it is not a real calendar date."""
    try:
        if len(text) == 8 and text.isdigit():
            return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
        if len(text) == 10 and text[4] == "-" and text[7] == "-":
            return dt.date.fromisoformat(text)
    except ValueError:
        return None
    return None


def _decimal(value: Any) -> Any:
    if value is None or isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise ValueError("must be a number, not true/false")
    if isinstance(value, (int, float, str)):
        try:
            result = Decimal(str(value).strip())
        except InvalidOperation as exc:
            raise ValueError(f"{value!r} is not a number") from exc
        if not result.is_finite():
            raise ValueError(f"{value!r} is not a finite amount")
        return result
    raise ValueError(f"{value!r} is not a number")


DateValue = Annotated[dt.date | str | None, BeforeValidator(_lenient_date)]
"""A date, or the raw text when it does not parse (reported by CL112), or None."""

Money = Annotated[Decimal | None, BeforeValidator(_decimal)]

ToothSystem = Literal["universal", "iso"]


class ToothEntry(BaseModel):
    """One tooth on a service line, with the surfaces restored on it.

    ``tooth`` is in Universal notation after reader normalisation; ``original`` keeps what the
    source said when the reader converted it (e.g. ISO 3950 ``46`` → ``30``). ``surfaces`` keeps
    the letters as written (upper-cased), duplicates and invalid letters included, so that the
    checks can report them. ``qualifier`` is the X12 TOO01 code list qualifier when there is one.
    """

    model_config = ConfigDict(frozen=True)

    tooth: str | None = None
    surfaces: tuple[str, ...] = ()
    system: ToothSystem | None = None
    original: str | None = None
    qualifier: str | None = None
    ref: SourceRef | None = None
    surfaces_ref: SourceRef | None = None

    @field_validator("surfaces", mode="before")
    @classmethod
    def _split_surfaces(cls, value: Any) -> Any:
        return split_surfaces(value)

    @field_validator("tooth", mode="before")
    @classmethod
    def _tooth_text(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, str):
            value = value.strip().upper()
            if value.startswith("#"):
                value = value[1:].strip()
            return value or None
        return value


def split_surfaces(value: Any) -> Any:
    """``"MOD"``, ``"M,O,D"``, ``"M O D"`` or ``["M","O","D"]`` → ``("M","O","D")``."""
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(c for c in value.upper() if not c.isspace() and c not in ",;:/|-")
    if isinstance(value, (list, tuple)):
        out: list[str] = []
        for item in value:
            if not isinstance(item, str):
                raise ValueError(f"surface {item!r} must be a letter")
            text = item.strip().upper()
            if text:
                out.append(text)
        return tuple(out)
    return value


class Attachment(BaseModel):
    """A claim attachment (X12 PWK): report type, transmission code, control number."""

    model_config = ConfigDict(frozen=True)

    type: str | None = None
    transmission: str | None = None
    control_number: str | None = None
    date: DateValue = None
    ref: SourceRef | None = None


class Note(BaseModel):
    """A claim narrative (X12 NTE) with its reference code."""

    model_config = ConfigDict(frozen=True)

    text: str
    code: str | None = None
    ref: SourceRef | None = None


class Person(BaseModel):
    """Patient or subscriber. Every field here is PHI: never printed by default (DESIGN §6)."""

    model_config = ConfigDict(frozen=True)

    member_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    birth_date: DateValue = None
    gender: str | None = None
    address: str | None = None


class Provider(BaseModel):
    model_config = ConfigDict(frozen=True)

    npi: str | None = None
    tax_id: str | None = None
    name: str | None = None
    taxonomy: str | None = None
    address: str | None = None
    postal_code: str | None = None
    ref: SourceRef | None = None


class MissingTooth(BaseModel):
    """Tooth status reported on the claim (X12 DN2): ``M`` missing, ``E`` to be extracted."""

    model_config = ConfigDict(frozen=True)

    tooth: str
    status: str = "M"
    ref: SourceRef | None = None


class MemberBenefits(BaseModel):
    """The member's own benefit status, as a claim carries it or the history store holds it.

    Every field is optional; a missing one falls back to the next source (claim, then history
    store, then the payer profile: see ``claimlint.payer.benefits``). ``deductible_met`` and
    ``deductible_remaining`` say the same thing two ways (remaining wins when both are given);
    ``maximum_used`` is the annual maximum already paid out this benefit year;
    ``waiting_period_start`` is the day waiting periods count from (default: the coverage
    start); ``as_of`` is the day the amounts were true (an eligibility check, an EOB). Tied to
    a member: never printed with the member id.
    """

    model_config = ConfigDict(frozen=True)

    coverage_start: dt.date | None = None
    coverage_end: dt.date | None = None
    deductible_met: Decimal | None = None
    deductible_remaining: Decimal | None = None
    maximum_used: Decimal | None = None
    waiting_period_start: dt.date | None = None
    as_of: dt.date | None = None
    ref: SourceRef | None = None

    @property
    def has_coverage(self) -> bool:
        return self.coverage_start is not None or self.coverage_end is not None

    @property
    def has_deductible(self) -> bool:
        return self.deductible_met is not None or self.deductible_remaining is not None

    @property
    def empty(self) -> bool:
        return not (
            self.has_coverage
            or self.has_deductible
            or self.maximum_used is not None
            or self.waiting_period_start is not None
        )


class ServiceLine(BaseModel):
    """One procedure on a claim (X12 loop 2400)."""

    model_config = ConfigDict(frozen=True)

    line_number: int
    code: str
    code_qualifier: str | None = None
    charge: Money = None
    quantity: int = Field(default=1, ge=0)
    teeth: tuple[ToothEntry, ...] = ()
    oral_cavity: tuple[str, ...] = ()
    date_of_service: DateValue = None
    prior_placement_date: DateValue = None
    placement: Literal["I", "R"] | None = None
    note: str | None = None
    control_number: str | None = None
    ref: SourceRef
    refs: Mapping[str, SourceRef] = Field(default_factory=dict)

    @field_serializer("refs")
    def _dump_refs(self, refs: Mapping[str, SourceRef]) -> dict[str, SourceRef]:
        return dict(refs)

    @field_validator("code", mode="before")
    @classmethod
    def _code_text(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @property
    def tooth(self) -> str | None:
        return self.teeth[0].tooth if self.teeth else None

    @property
    def surfaces(self) -> tuple[str, ...]:
        return self.teeth[0].surfaces if self.teeth else ()

    def where(self, field: str) -> SourceRef:
        """The source position of a canonical field of this line (falls back to the line)."""
        return self.refs.get(field) or derive_ref(self.ref, field)


class Claim(BaseModel):
    """One claim (X12 loop 2300) with its service lines.

    ``claim_id`` is the patient control number (CLM01): it identifies the claim in findings and
    is not PHI. ``patient`` and ``subscriber`` are PHI and never printed by default.
    """

    model_config = ConfigDict(frozen=True)

    claim_id: str
    payer_id: str | None = None
    plan_id: str | None = None
    billing_provider: Provider | None = None
    rendering_provider: Provider | None = None
    subscriber: Person | None = None
    patient: Person | None = None
    patient_is_subscriber: bool | None = None
    payer_sequence: str | None = None
    date_of_service: DateValue = None
    total_charge: Money = None
    place_of_service: str | None = None
    frequency_code: str | None = None
    original_claim_number: str | None = None
    predetermination: bool = False
    notes: tuple[Note, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    missing_teeth: tuple[MissingTooth, ...] = ()
    lines: tuple[ServiceLine, ...] = ()
    #: the member's own coverage dates, deductible, maximum and waiting-period start, when the
    #: claim carries them (they win over the history store and the payer profile)
    benefits: MemberBenefits | None = None
    ref: SourceRef
    refs: Mapping[str, SourceRef] = Field(default_factory=dict)

    @field_serializer("refs")
    def _dump_refs(self, refs: Mapping[str, SourceRef]) -> dict[str, SourceRef]:
        return dict(refs)

    @property
    def member_key(self) -> str | None:
        """The identifier history lookups use: patient member id, else subscriber's."""
        for person in (self.patient, self.subscriber):
            if person is not None and person.member_id:
                return person.member_id
        return None

    def service_date(self, line: ServiceLine) -> dt.date | None:
        """The line's date of service, else the claim's (only when it is a real date)."""
        value = line.date_of_service if line.date_of_service is not None else self.date_of_service
        return value if isinstance(value, dt.date) else None

    def where(self, field: str) -> SourceRef:
        return self.refs.get(field) or derive_ref(self.ref, field)


class PriorProcedure(BaseModel):
    """A procedure already performed for a member (patient history)."""

    model_config = ConfigDict(frozen=True)

    member_id: str
    code: str
    date: dt.date
    tooth: str | None = None
    surfaces: tuple[str, ...] = ()
    status: str = "paid"
    payer_id: str | None = None
    claim_id: str | None = None
    #: optional, for the impact report (docs/impact.md): the plan id, the office fee billed
    #: and the code the plan paid the line as (from the EOB); None when the source lacks them
    plan_id: str | None = None
    charge: Decimal | None = None
    paid_as: str | None = None
    #: optional area of the oral cavity (``10``/``20``/``30``/``40`` quadrant, ``01``/``02``
    #: arch) of a procedure reported per area, for quadrant- and arch-scoped frequency limits
    area: str | None = None

    @field_validator("surfaces", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        return split_surfaces(value)
