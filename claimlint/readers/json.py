"""JSON and JSONL claim batches (schemas/claim-batch.schema.json).

Records are validated with pydantic input models that mirror the published JSON Schema (a test
proves both accept and reject the same fixtures); jsonschema is not used at run time because it
manages only about 2,400 claims/s. A valid record is turned into the canonical model with
the fast constructors (``claimlint.core.construct``) — validated once, not twice; line and
tooth positions are built only when a finding needs them. An invalid record is one CL002
finding located by JSON Pointer; the rest of the batch is still linted. A file that is not JSON
is one CL001.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, BinaryIO, Literal

import orjson
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    WithJsonSchema,
)
from pydantic.json_schema import SkipJsonSchema

from claimlint.core.catalogue import DATE_OF_SERVICE, SCHEMA_VIOLATION, UNREADABLE_FILE
from claimlint.core.construct import Constructors
from claimlint.core.findings import Finding
from claimlint.core.model import (
    Attachment,
    Claim,
    LazyRef,
    MemberBenefits,
    MissingTooth,
    Note,
    Person,
    PriorProcedure,
    Provider,
    ServiceLine,
    SourceRef,
    ToothEntry,
    _lenient_date,
    split_surfaces,
)
from claimlint.dental import oral_area
from claimlint.dental.teeth import iso_to_universal
from claimlint.readers._values import (
    MAX_AMOUNT,
    MAX_LINE_NUMBER,
    MAX_QUANTITY,
    check_amount,
)
from claimlint.readers.areas import fix_areas
from claimlint.readers.base import BatchMeta, ReadItem, ReadOptions, Source, Unparsable

# -- input models: the JSON contract, field for field ----------------------------------------


def _amount(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("must be a number")
    if isinstance(value, str):
        text = value.strip()
        body = text[1:] if text.startswith("-") else text
        whole, _, frac = body.partition(".")
        if (
            len(body) > 40
            or not (whole.isdigit() and whole.isascii())
            or (frac and not (frac.isdigit() and frac.isascii()))
            or body.endswith(".")
        ):
            raise ValueError("must be a number such as 125.00")
        return check_amount(Decimal(text))
    if isinstance(value, int):
        if not -MAX_AMOUNT <= value <= MAX_AMOUNT:
            check_amount(MAX_AMOUNT + 1)  # raises the bound's message
        return Decimal(value)
    if isinstance(value, float):
        return check_amount(Decimal(str(value)))
    raise ValueError("must be a number")


_DATE = "YYYY-MM-DD or CCYYMMDD. An unparsable date is reported by CL112, not rejected here."
_TOOTH = 'Tooth number or letter: 30, "30", "#30", "A", "AS".'
_SURFACES = 'Surface letters: "MOD", "M,O,D", "M O D" or ["M","O","D"].'

# The JSON Schema of each input type is stated where the validator cannot say it itself (a
# BeforeValidator hides what it accepts); schemas/claim-batch.schema.json is generated from these
# models (python -m claimlint.readers.schema_gen) and a test fails when it is stale.
Amount = Annotated[
    Decimal,
    BeforeValidator(_amount),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": -float(MAX_AMOUNT), "maximum": float(MAX_AMOUNT)},
                {"type": "string", "pattern": r"^\s*-?[0-9]+(\.[0-9]+)?\s*$"},
            ],
            "description": "Money in dollars, e.g. 125.00 (a JSON number or a numeric string); "
            "at most 99,999,999.99 and 20 digits either way.",
            "examples": [125, "125.00"],
        }
    ),
]
ToothText = Annotated[
    str,
    BeforeValidator(lambda v: str(v) if type(v) is int else v),
    WithJsonSchema({"type": ["string", "integer"], "description": _TOOTH, "examples": [30, "#30"]}),
]


_ISO_DATE = re.compile(r"\s*([0-9]{4}-[0-9]{2}-[0-9]{2})\s*")


def _iso_date(value: Any) -> Any:
    """A member-benefit date: YYYY-MM-DD that is a real calendar day (a bad one is a CL002
    at its field and read as missing: there is no rule to judge it later, unlike a service
    date's CL112)."""
    if isinstance(value, dt.date):
        return value
    match = _ISO_DATE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError("must be a date written YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(match.group(1))
    except ValueError:
        raise ValueError("is not a real calendar date") from None


def _benefit_amount(value: Any) -> Any:
    amount = _amount(value)
    if amount < 0:
        raise ValueError("must be 0 or more")
    return amount


IsoDate = Annotated[
    dt.date,
    BeforeValidator(_iso_date),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\s*[0-9]{4}-[0-9]{2}-[0-9]{2}\s*$",
            "format": "date",
            "description": "A date written YYYY-MM-DD (a real calendar day).",
            "examples": ["2025-01-01"],
        }
    ),
]
BenefitAmount = Annotated[
    Decimal,
    BeforeValidator(_benefit_amount),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": float(MAX_AMOUNT)},
                {"type": "string", "pattern": r"^\s*[0-9]+(\.[0-9]+)?\s*$"},
            ],
            "description": "Money in dollars, 0 or more, e.g. 50.00 (a JSON number or a "
            "numeric string); at most 99,999,999.99.",
            "examples": [50, "50.00"],
        }
    ),
]
Text = Annotated[str, Field(max_length=4000)]
Date = Annotated[str, Field(description=_DATE, examples=["2025-03-04", "20250304"])]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


class PersonIn(_In):
    """Patient or subscriber. Protected health information: claimlint never prints these
    fields unless --show-values is given."""

    member_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    birth_date: str | None = None
    gender: str | None = None
    address: str | None = None


class ProviderIn(_In):
    """A billing or rendering provider."""

    npi: str | None = Field(None, description="National Provider Identifier (10 digits).")
    tax_id: str | None = Field(None, description="TIN or EIN (9 digits).")
    name: str | None = None
    taxonomy: str | None = Field(None, description="Provider taxonomy code, e.g. 1223G0001X.")
    address: str | None = None
    postal_code: str | None = Field(None, description="ZIP or ZIP+4 (9 digits on X12 claims).")


class NoteIn(_In):
    """A claim note with its X12 note code (NTE01), e.g. ADD."""

    text: Text
    code: str | None = None


class AttachmentIn(_In):
    """A supporting document sent with the claim (X12 PWK)."""

    type: str | None = Field(None, description="Report type, e.g. RB radiographs, OZ support data.")
    transmission: str | None = Field(
        None, description="EL electronic, BM by mail, FT, AA available on request."
    )
    control_number: str | None = None
    date: Date | None = None


class MissingToothIn(_In):
    """A missing tooth with its status: M missing, E to be extracted."""

    tooth: ToothText
    status: Literal["M", "E"] = "M"


Surfaces = Annotated[str | list[str], Field(description=_SURFACES)]


class ToothIn(_In):
    """One tooth of a line that names several teeth."""

    tooth: ToothText
    surfaces: Surfaces | None = None


class BenefitsIn(_In):
    """The member's own benefit status on the date of the claim, from an eligibility check or
    an explanation of benefits. Each value wins over the member's row in the history store and
    over the payer profile's (docs/payer-profiles.md, "The member's own benefits")."""

    coverage_start: IsoDate | None = Field(None, description="The member's coverage start.")
    coverage_end: IsoDate | None = Field(
        None, description="The member's coverage end (inclusive); none: open-ended."
    )
    deductible_met: BenefitAmount | None = Field(
        None, description="Deductible already met this benefit year."
    )
    deductible_remaining: BenefitAmount | None = Field(
        None,
        description="Deductible still to meet this benefit year (wins over deductible_met).",
    )
    maximum_used: BenefitAmount | None = Field(
        None, description="Annual maximum already paid out this benefit year."
    )
    waiting_period_start: IsoDate | None = Field(
        None, description="The day waiting periods count from (default: the coverage start)."
    )
    as_of: IsoDate | None = Field(None, description="The day these values were true.")


class LineIn(_In):
    """A service line: one procedure."""

    line_number: StrictInt = Field(ge=1, le=MAX_LINE_NUMBER)
    code: str = Field(min_length=1, description="CDT procedure code, e.g. D2392.")
    charge: Amount | None = None
    tooth: ToothText | None = None
    surfaces: Surfaces | None = None
    teeth: list[ToothIn] | None = Field(
        None, description="Several teeth on one line (instead of tooth/surfaces)."
    )
    tooth_system: Literal["universal", "iso"] | None = Field(
        None, description="Tooth numbering of this line (default: the batch's)."
    )
    quantity: StrictInt = Field(default=1, ge=0, le=MAX_QUANTITY)
    oral_cavity: list[str] | None = Field(
        None, description="Oral cavity designation codes (X12 TOO), e.g. 01 maxillary arch."
    )
    date_of_service: Date | None = None
    prior_placement_date: Date | None = None
    placement: Literal["I", "R"] | None = Field(
        None, description="I initial placement, R replacement (crowns, inlays, onlays, bridges)."
    )
    note: Text | None = Field(None, description="Chart note for this procedure.")
    control_number: str | None = None


class ClaimIn(_In):
    """One dental claim (an X12 837D CLM loop)."""

    claim_id: str = Field(
        min_length=1, max_length=38, description="Patient control number (X12 CLM01)."
    )
    payer_id: str | None = None
    plan_id: str | None = None
    billing_provider: ProviderIn | None = None
    rendering_provider: ProviderIn | None = None
    subscriber: PersonIn | None = None
    patient: PersonIn | None = None
    patient_is_subscriber: StrictBool | None = None
    payer_sequence: str | None = None
    date_of_service: Date | None = None
    total_charge: Amount | None = None
    place_of_service: str | None = None
    frequency_code: str | None = Field(None, description="1 original, 7 replacement, 8 void.")
    original_claim_number: str | None = None
    predetermination: StrictBool = False
    notes: list[Text | NoteIn] = Field(default_factory=list)
    attachments: list[AttachmentIn] = Field(default_factory=list)
    missing_teeth: list[ToothText | MissingToothIn] = Field(default_factory=list)
    lines: list[LineIn] = Field(default_factory=list)
    benefits: BenefitsIn | None = Field(
        None,
        description="The member's own coverage dates, deductible, maximum used and "
        "waiting-period start (they win over the history store and the payer profile).",
    )


class PriorIn(_In):
    """A procedure already performed for a member (frequency checks)."""

    member_id: str = Field(min_length=1)
    code: str = Field(min_length=1, description="CDT procedure code, e.g. D1110.")
    date: str = Field(description="YYYY-MM-DD or CCYYMMDD; an unparsable date is not used.")
    tooth: ToothText | None = None
    surfaces: Surfaces | None = None
    status: str = "paid"
    payer_id: str | None = None
    claim_id: str | None = None
    area: str | None = Field(
        None,
        description="Area of the oral cavity of a procedure reported per quadrant or arch "
        "(10, 20, 30, 40, 01, 02; UR, UL, LL, LR, UA, LA accepted), for frequency limits per "
        "quadrant or arch. An unknown value is ignored.",
    )


class BatchIn(_In):
    """A batch of dental claims as a practice-management system exports them. A JSON file holds
    one batch object (or a bare array of claims); a JSONL file holds one claim object per line
    (validate each line against #/$defs/claim)."""

    # read_json takes a batch's fields one by one (a bad field is a finding, its claims are still
    # read): this model states the contract for the generated schema and for BATCH_KEYS
    # optional, but not nullable in the published schema (SkipJsonSchema keeps null out of it)
    schema_: str | SkipJsonSchema[None] = Field(None, alias="$schema")
    version: str | SkipJsonSchema[None] = Field(
        None, description='Format version of this file; currently "1".'
    )
    tooth_numbering: Literal["universal", "iso"] | SkipJsonSchema[None] = Field(
        None,
        description="Tooth numbering of the whole batch (default universal). ISO 3950 teeth "
        "are converted to Universal.",
    )
    claims: list[ClaimIn]
    history: list[PriorIn] = Field(
        default_factory=list,
        description="Procedures already performed for the batch's members (frequency checks).",
    )
    payers: dict[str, Any] = Field(
        default_factory=dict,
        description="Inline payer profiles by payer id (schemas/payer-profile.schema.json).",
    )


BATCH_KEYS = frozenset(f.alias or name for name, f in BatchIn.model_fields.items())


# -- canonical construction (no second validation) -------------------------------------------

# the fast constructors: the values were validated by the input models above
_make = Constructors(
    ToothEntry, Person, Provider, ServiceLine, Note, Attachment, MissingTooth, Claim, MemberBenefits
)


def _tooth_entry(
    raw: str | None,
    surfaces: Any,
    system: str,
    ref: SourceRef | LazyRef | None = None,
) -> ToothEntry:
    tooth = raw.strip().upper().removeprefix("#").strip() if raw is not None else None
    original = None
    if system == "iso" and tooth:
        # a tooth that does not exist in ISO 3950 is kept as written (``original``) with no
        # Universal number: CL204 reports it and the rest of the claim is still linted
        original = tooth
        tooth = iso_to_universal(tooth)
    return _make[ToothEntry](
        tooth=tooth or None,
        surfaces=split_surfaces(surfaces),
        system=system,
        original=original,
        qualifier=None,
        ref=ref,
        surfaces_ref=None,
    )


def _person(p: PersonIn | None) -> Person | None:
    if p is None:
        return None
    data = p.__dict__.copy()
    data["birth_date"] = _lenient_date(data["birth_date"])
    return _make[Person](**data)


def _provider(p: ProviderIn | None) -> Provider | None:
    return None if p is None else _make[Provider](**p.__dict__, ref=None)


def _line_position(ref: SourceRef, i: int) -> SourceRef:
    """The position of the claim's line ``i`` (the claim's field, the line's pointer)."""
    return ref.at(field=None, pointer=f"{ref.pointer}/lines/{i}")


def _tooth_position(ref: SourceRef, i: int, j: int) -> SourceRef:
    """The position of tooth ``j`` of the claim's line ``i``."""
    pointer = f"{ref.pointer}/lines/{i}/teeth/{j}"
    return ref.at(pointer=pointer, field=pointer)


def build_claim(c: ClaimIn, ref: SourceRef, system: str) -> Claim:
    """The canonical claim of a validated record; line and tooth positions are lazy."""
    lines = []
    for i, ln in enumerate(c.lines):
        lref = (_line_position, ref, i)
        line_system = ln.tooth_system or system
        if ln.teeth:
            teeth = tuple(
                _tooth_entry(t.tooth, t.surfaces, line_system, (_tooth_position, ref, i, j))
                for j, t in enumerate(ln.teeth)
            )
        elif ln.tooth is not None or ln.surfaces:
            teeth = (_tooth_entry(ln.tooth, ln.surfaces, line_system),)
        else:
            teeth = ()
        lines.append(
            _make[ServiceLine](
                line_number=ln.line_number,
                code=ln.code.strip().upper(),
                code_qualifier=None,
                charge=ln.charge,
                quantity=ln.quantity,
                teeth=teeth,
                oral_cavity=tuple(ln.oral_cavity or ()),
                date_of_service=_lenient_date(ln.date_of_service),
                prior_placement_date=_lenient_date(ln.prior_placement_date),
                placement=ln.placement,
                note=ln.note,
                control_number=ln.control_number,
                ref=lref,
                refs={},
            )
        )
    notes = tuple(
        _make[Note](text=n, code=None, ref=None)
        if isinstance(n, str)
        else _make[Note](text=n.text, code=n.code, ref=None)
        for n in c.notes
    )
    attachments = tuple(
        _make[Attachment](**a.__dict__ | {"date": _lenient_date(a.date)}, ref=None)
        for a in c.attachments
    )
    missing = tuple(
        _make[MissingTooth](tooth=m.upper(), status="M", ref=None)
        if isinstance(m, str)
        else _make[MissingTooth](tooth=m.tooth.upper(), status=m.status, ref=None)
        for m in c.missing_teeth
    )
    return _make[Claim](
        claim_id=c.claim_id,
        payer_id=c.payer_id,
        plan_id=c.plan_id,
        billing_provider=_provider(c.billing_provider),
        rendering_provider=_provider(c.rendering_provider),
        subscriber=_person(c.subscriber),
        patient=_person(c.patient),
        patient_is_subscriber=c.patient_is_subscriber,
        payer_sequence=c.payer_sequence,
        date_of_service=_lenient_date(c.date_of_service),
        total_charge=c.total_charge,
        place_of_service=c.place_of_service,
        frequency_code=c.frequency_code,
        original_claim_number=c.original_claim_number,
        predetermination=c.predetermination,
        notes=notes,
        attachments=attachments,
        missing_teeth=missing,
        lines=tuple(lines),
        benefits=_benefits(c.benefits, ref),
        ref=ref,
        refs={},
    )


def _benefits(b: BenefitsIn | None, ref: SourceRef) -> MemberBenefits | None:
    if b is None:
        return None
    pointer = f"{ref.pointer}/benefits"
    return _make[MemberBenefits](**b.__dict__, ref=ref.at(field=pointer, pointer=pointer))


def _pointer(base: str, loc: Sequence[Any]) -> str:
    parts = [base]
    for part in loc:
        if isinstance(part, str) and part in ("str", "NoteIn", "MissingToothIn", "list[str]"):
            continue  # union branch names pydantic adds to locations
        parts.append(str(part).replace("~", "~0").replace("/", "~1"))
    return "/".join(parts)


def schema_findings(exc: ValidationError, ref: SourceRef, claim_id: str | None) -> Finding:
    """One CL002 finding for a record, naming every problem (values never echoed)."""
    problems = []
    first_pointer = None
    seen: set[str] = set()
    for err in exc.errors(include_input=False, include_url=False):
        pointer = _pointer(ref.pointer or "", err["loc"])
        if pointer in seen:
            continue  # the same field failing several union branches
        seen.add(pointer)
        first_pointer = first_pointer or pointer
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown field"
        elif err["type"] == "missing":
            msg = "required field is missing"
        problems.append(f"{pointer}: {msg}")
    shown = "; ".join(problems[:5])
    if len(problems) > 5:
        shown += f"; and {len(problems) - 5} more"
    who = f"Claim {claim_id}" if claim_id else "This record"
    return SCHEMA_VIOLATION.make(
        f"{who} does not match the claim schema and was not linted: {shown}. "
        "Fix the export and run again.",
        ref=ref.at(field=first_pointer, pointer=first_pointer),
        claim_id=claim_id,
    )


@dataclass(slots=True)
class Salvaged:
    """A claim built after taking its bad values as missing, with a finding for each value.

    Readers yield the findings, then the claim: the claim is linted (and counted as linted).
    """

    findings: list[Finding]
    claim: Claim


def _claim_item(raw: Any, ref: SourceRef, system: str) -> Claim | Unparsable | Salvaged:
    if not isinstance(raw, dict):
        return Unparsable(
            None,
            [
                SCHEMA_VIOLATION.make(
                    "This claim record is not a JSON object and was not linted.",
                    ref=ref.at(field=ref.pointer),
                )
            ],
        )
    try:
        parsed = ClaimIn.model_validate(raw)
    except ValidationError as exc:
        item = salvage(raw, exc, ref, system)
        if isinstance(item, Salvaged):
            claim, notes = fix_areas(item.claim, _area_ref)
            return Salvaged(item.findings + notes, claim) if notes else item
        return item
    claim, notes = fix_areas(build_claim(parsed, ref, system), _area_ref)
    return Salvaged(notes, claim) if notes else claim


def _area_ref(line: ServiceLine, k: int) -> SourceRef:
    """The JSON Pointer of area value ``k`` of a line (``…/lines/0/oral_cavity/1``)."""
    pointer = f"{line.ref.pointer}/oral_cavity/{k}"
    return line.ref.at(field=pointer, pointer=pointer)


# -- a claim with bad values: each bad value is a finding at its field and is read as missing

_MAX_PASSES = 4
_DROPPABLE = frozenset({"notes", "attachments", "missing_teeth"})  # lists without positions
_SCALAR_LISTS = frozenset({"surfaces", "oral_cavity"})  # a bad item spoils the whole field
_COPY_DEPTH = 6  # claim / lines / line / teeth / tooth / surfaces: the deepest editable path


def _thaw(value: Any, depth: int = 0) -> Any:
    """A copy of the dicts and lists of a record down to the depth edits can reach."""
    if depth >= _COPY_DEPTH:
        return value
    if type(value) is dict:
        return {k: _thaw(v, depth + 1) for k, v in value.items()}
    if type(value) is list:
        return [_thaw(v, depth + 1) for v in value]
    return value


def salvage(
    raw: dict[str, Any], exc: ValidationError, ref: SourceRef, system: str
) -> Claim | Unparsable | Salvaged:
    """Lint what can be read of a record that fails the input contract (DESIGN.md §2).

    Every value that fails is one CL002 finding at its JSON Pointer and is taken as missing
    (an unknown field is ignored, a bad line number becomes the line's position, a bad list
    item is dropped where no position depends on it); the claim is then built and linted.
    Only a claim whose identity (``claim_id``) cannot be read is not linted.
    """
    claim_id = raw.get("claim_id")
    if not isinstance(claim_id, str) or not claim_id or len(claim_id) > 38:
        return Unparsable(
            claim_id if isinstance(claim_id, str) and claim_id else None,
            [schema_findings(exc, ref, None)],
        )
    data = _thaw(raw)
    base = ref.pointer or ""
    findings: list[Finding] = []
    for _ in range(_MAX_PASSES):
        edits: dict[tuple[int, Any], tuple[Any, Any, Any]] = {}
        errors = exc.errors(include_input=False, include_url=False)
        errors.sort(key=lambda err: _wrong_branch(data, err))
        for err in errors:
            edit = _edit_for(data, err)
            if edit is None:
                return Unparsable(claim_id, [schema_findings(exc, ref, claim_id)])
            container, key, value, path, note = edit
            if (id(container), key) in edits:
                continue  # one field failing several union branches: reported once
            edits[(id(container), key)] = (container, key, value)
            pointer = _pointer(base, path)
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown field"
            elif err["type"] == "missing":
                msg = "required field is missing"
            # a bad date of service is CL112's, as in the CSV and XML readers: CL112 then
            # does not also call the date missing (Context.reported)
            rule = SCHEMA_VIOLATION
            if _is_service_date(path) and err["type"] != "missing":
                rule, msg = DATE_OF_SERVICE, "not a date (write it as YYYY-MM-DD)"
            findings.append(
                rule.make(
                    f"Claim {claim_id}: {pointer}: {msg}; {note}. The rest of the claim was "
                    "linted.",
                    ref=ref.at(field=pointer, pointer=pointer),
                    claim_id=claim_id,
                    line=_line_number(data, path),
                )
            )
        _apply(edits.values())
        try:
            parsed = ClaimIn.model_validate(data)
        except ValidationError as again:
            exc = again
            continue
        return Salvaged(findings, build_claim(parsed, ref, system))
    return Unparsable(claim_id, [schema_findings(exc, ref, claim_id)])  # pragma: no cover


def _is_service_date(path: list[Any]) -> bool:
    """The date of service of the claim (``date_of_service``) or of one of its lines."""
    if not path or path[-1] != "date_of_service":
        return False
    return len(path) == 1 or (len(path) == 3 and path[0] == "lines")


def _line_number(data: dict[str, Any], path: list[Any]) -> int | None:
    """The number of the service line a path is in (its position when it has none)."""
    if len(path) < 3 or path[0] != "lines" or type(path[1]) is not int:
        return None
    lines = data.get("lines")
    line = lines[path[1]] if type(lines) is list and path[1] < len(lines) else None
    number = line.get("line_number") if type(line) is dict else None
    if type(number) is int and 1 <= number <= MAX_LINE_NUMBER:
        return number
    return path[1] + 1


_DROP = object()  # an edit that removes the list item or dict key
_EditFor = tuple[Any, Any, Any, list[Any], str]


def _edit_for(data: dict[str, Any], err: Any) -> _EditFor | None:
    """How to take the value an error names as missing: (container, key, new value or
    ``_DROP``, the path of the value, what was done)."""
    path: list[Any] = []
    chain: list[Any] = []  # the containers along the path
    node: Any = data
    loc = err["loc"]
    missing = err["type"] == "missing"
    for k, part in enumerate(loc):
        if (type(node) is dict and isinstance(part, str) and part in node) or (
            type(node) is list and type(part) is int and 0 <= part < len(node)
        ):
            chain.append(node)
            path.append(part)
            node = node[part]  # type: ignore[index]  # part is an int where node is a list
        elif missing and k == len(loc) - 1 and type(node) is dict and isinstance(part, str):
            chain.append(node)
            path.append(part)
            node = None
        # anything else is a union branch's name (``str``, ``NoteIn``): not in the data
    if not path or path[0] == "claim_id":
        return None
    key = path[-1]
    container = chain[-1]
    owner = path[-3] if len(path) >= 3 else None  # the list field holding this record
    if type(key) is int:  # a whole item of a list is unreadable
        field = path[-2]
        if field == "lines":
            line = {"line_number": key + 1, "code": " "}
            return container, key, line, path, f"line {key + 1} was read with no values"
        if field == "teeth":
            return container, key, {"tooth": ""}, path, "the tooth was read as missing"
        if field in _DROPPABLE:
            return container, key, _DROP, path, "the item was ignored"
        if field in _SCALAR_LISTS and len(chain) >= 2:
            what = field.replace("_", " ")
            return chain[-2], field, _DROP, path, f"the {what} were read as missing"
        return None
    if err["type"] == "extra_forbidden":
        return container, key, _DROP, path, "it was ignored"
    if owner == "lines" and key == "line_number":
        number = path[-2] + 1
        return container, key, number, path, f"it was read as line {number}"
    if owner == "lines" and key == "code":
        return container, key, " ", path, "the procedure code was read as missing"
    if owner == "teeth" and key == "tooth":
        return container, key, "", path, "the tooth was read as missing"
    if owner in _DROPPABLE and key in ("text", "tooth"):
        # the text of a note, the tooth of a missing tooth: the whole item is unreadable
        return chain[-2], path[-2], _DROP, path, "the item was ignored"
    if missing:
        return None  # a required field this function does not know: not salvaged
    return container, key, _DROP, path, "it was read as missing"


def _wrong_branch(data: dict[str, Any], err: Any) -> bool:
    """An error of the union branch the value plainly is not (``str`` for an object)."""
    node: Any = data
    loc = err["loc"]
    if err["type"] == "missing":
        loc = loc[:-1]  # the last part names the missing field, not a branch
    for part in loc:
        if (type(node) is dict and isinstance(part, str) and part in node) or (
            type(node) is list and type(part) is int and 0 <= part < len(node)
        ):
            node = node[part]  # type: ignore[index]  # part is an int where node is a list
        elif isinstance(part, str):  # a branch name: list[str], NoteIn, str, constrained-str
            if part.startswith("list["):
                wrong = type(node) is not list
            elif part.endswith("In"):
                wrong = type(node) is not dict
            else:
                wrong = type(node) in (dict, list)
            if wrong:
                return True
    return False


def _apply(edits: Iterable[tuple[Any, Any, Any]]) -> None:
    drops: dict[int, tuple[list[Any], list[int]]] = {}
    for container, key, value in edits:
        if value is not _DROP:
            container[key] = value
        elif type(container) is dict:
            container.pop(key, None)
        else:
            drops.setdefault(id(container), (container, []))[1].append(key)
    for container, keys in drops.values():
        for index in sorted(set(keys), reverse=True):
            del container[index]


#: JSON's names for the values a batch must not be (the Python type names said ``int``)
_KIND = {int: "number", float: "number", str: "string", bool: "true/false", type(None): "null"}


def _cl001(source: Source, exc: orjson.JSONDecodeError | UnicodeDecodeError) -> Finding:
    if isinstance(exc, orjson.JSONDecodeError):
        return UNREADABLE_FILE.make(
            f"{source.name} is not valid JSON ({exc.msg} at line {exc.lineno}, column "
            f"{exc.colno}); no claim in it was linted.",
            ref=SourceRef(file=source.name, line=exc.lineno, column=exc.colno),
        )
    return UNREADABLE_FILE.make(
        f"{source.name} is not UTF-8 text; no claim in it was linted.",
        ref=SourceRef(file=source.name, line=1, column=1, pointer=""),
    )


def _history(raw: Any, source: Source) -> tuple[list[PriorProcedure], list[Finding]]:
    records: list[PriorProcedure] = []
    problems: list[Finding] = []
    if not isinstance(raw, list):
        problems.append(
            SCHEMA_VIOLATION.make(
                "The batch's history must be a list of prior procedures.",
                ref=SourceRef(file=source.name, pointer="/history", field="/history"),
            )
        )
        return records, problems
    for i, item in enumerate(raw):
        ref = SourceRef(file=source.name, pointer=f"/history/{i}", field=f"/history/{i}")
        try:
            p = PriorIn.model_validate(item)
        except ValidationError as exc:
            problems.append(schema_findings(exc, ref, None))
            continue
        date = _lenient_date(p.date)
        if not hasattr(date, "year"):
            problems.append(
                SCHEMA_VIOLATION.make(
                    f"History entry {i} has an invalid date; it was not used.",
                    ref=ref.at(field=f"/history/{i}/date", pointer=f"/history/{i}/date"),
                )
            )
            continue
        records.append(
            PriorProcedure.construct(
                member_id=p.member_id,
                code=p.code.strip().upper(),
                date=date,
                tooth=p.tooth.strip().upper().removeprefix("#") if p.tooth else None,
                surfaces=split_surfaces(p.surfaces),
                status=p.status,
                payer_id=p.payer_id,
                claim_id=p.claim_id,
                area=oral_area.normalise_area(p.area),
            )
        )
    return records, problems


_UTF8_BOM = b"\xef\xbb\xbf"
#: byte order marks other than UTF-8's, longest first (UTF-32-LE's starts with UTF-16-LE's)
_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (b"\xff\xfe\x00\x00", "utf-32-le", "UTF-32"),
    (b"\x00\x00\xfe\xff", "utf-32-be", "UTF-32"),
    (b"\xff\xfe", "utf-16-le", "UTF-16"),
    (b"\xfe\xff", "utf-16-be", "UTF-16"),
)


def bom_codec(head: bytes) -> tuple[str, str, int] | None:
    """(codec, encoding's name, BOM length) for a UTF-16 or UTF-32 byte order mark, or None.

    A byte order mark is unambiguous: such a file is read in its encoding (transcoded to
    UTF-8 in memory, or line by line for JSONL), with the same lines and columns."""
    for bom, codec, label in _BOMS:
        if head.startswith(bom):
            return codec, label, len(bom)
    return None


#: how many bytes after a byte order mark :func:`bom_believed` looks at
_BOM_SNIFF = 1 << 16


def bom_believed(rest: bytes, codec: str) -> bool:
    """Whether the bytes after a UTF-16/32 byte order mark read as text in that encoding.

    A claim file's structure (JSON's braces, quotes and keys) is ASCII, so text in the BOM's
    encoding is mostly ASCII characters. UTF-8 bytes that merely start with ``FF FE`` decode
    as UTF-16 into CJK-like characters (two ASCII bytes per character) or fail to decode: then
    the two bytes are not a byte order mark, and the file is read as UTF-8."""
    text = codecs.getincrementaldecoder(codec)("replace").decode(rest[:_BOM_SNIFF])
    if not text.strip():
        return True
    ascii_chars = sum(1 for ch in text if ch < "\x80")
    return ascii_chars * 2 >= len(text)


def json_text(raw: bytes) -> str:
    """A JSON document's text, for positions: a byte order mark says the encoding."""
    found = bom_codec(raw[:4])
    if found is not None:
        codec, _, skip = found
        return raw[skip:].decode(codec, errors="replace")
    return raw.decode("utf-8", errors="replace").removeprefix("\ufeff")


def _not_encoded(source: Source, label: str, line: int | None = None) -> Finding:
    lost = (
        f"from line {line} on; the claims from there on were not linted"
        if line is not None
        else "; no claim in it was linted"
    )
    return UNREADABLE_FILE.make(
        f"{source.name} starts with a {label} byte order mark but is not valid {label} text"
        f"{' ' if line is not None else ''}{lost}. Save the file as UTF-8 and run again.",
        ref=SourceRef(file=source.name, line=line or 1, column=1),
    )


def read_json(source: Source, options: ReadOptions) -> Iterator[ReadItem]:
    raw = source.read_bytes()
    found = bom_codec(raw[:4])
    if found is not None:  # UTF-16 or UTF-32: transcode (the lines and columns are the same)
        codec, label, skip = found
        try:
            raw = raw[skip:].decode(codec).encode("utf-8", errors="surrogatepass")
        except UnicodeDecodeError:
            yield _not_encoded(source, label)
            return
    elif raw[:3] == _UTF8_BOM:  # a UTF-8 byte order mark (spreadsheet exports): not content
        raw = raw[3:]
    if not raw.strip():
        yield UNREADABLE_FILE.make(
            f"{source.name} is empty; there are no claims in it.",
            ref=SourceRef(file=source.name, line=1, column=1),
        )
        return
    try:
        data = orjson.loads(raw)
    except (orjson.JSONDecodeError, UnicodeDecodeError) as exc:
        yield _cl001(source, exc)
        return
    system = options.tooth_system or "universal"
    claims: object  # a list once past the checks below
    if isinstance(data, list):
        claims, base = data, ""
    elif isinstance(data, dict):
        unknown = sorted(set(data) - BATCH_KEYS)
        for key in unknown:
            yield SCHEMA_VIOLATION.make(
                f"Unknown top-level field '{key}' in the batch; it was ignored.",
                ref=SourceRef(file=source.name, pointer=f"/{key}", field=f"/{key}"),
            )
        claims = data.get("claims")
        if not isinstance(claims, list):
            yield UNREADABLE_FILE.make(
                f"{source.name} has no 'claims' list; no claim was linted.",
                ref=SourceRef(file=source.name, pointer="/claims", field="/claims"),
            )
            return
        numbering = data.get("tooth_numbering")
        if numbering in ("universal", "iso"):
            system = options.tooth_system or numbering
        elif numbering is not None:
            yield SCHEMA_VIOLATION.make(
                "tooth_numbering must be 'universal' or 'iso'; Universal numbering was assumed.",
                ref=SourceRef(
                    file=source.name, pointer="/tooth_numbering", field="/tooth_numbering"
                ),
            )
        history, problems = _history(data.get("history", []), source)
        yield from problems
        payers = data.get("payers") or {}
        if history or payers:
            yield BatchMeta(history=history, payers=payers if isinstance(payers, dict) else {})
        base = "/claims"
    else:
        yield UNREADABLE_FILE.make(
            f"{source.name} holds a JSON {_KIND.get(type(data), 'value')}, not a claim batch "
            "(an object with a 'claims' list, or a list of claims); no claim was linted.",
            ref=SourceRef(file=source.name, line=1, column=1, pointer=""),
        )
        return
    name = source.name
    for i, raw in enumerate(claims):
        pointer = f"{base}/{i}"
        item = _claim_item(raw, SourceRef(file=name, pointer=pointer, field=pointer), system)
        if item.__class__ is Salvaged:
            yield from item.findings
            yield item.claim
        else:
            yield item  # type: ignore[misc]  # `__class__ is` does not narrow the else branch


_CHUNK = 1 << 16


#: how far :func:`line_separator` looks for a LF before it takes bare CRs as line endings
_SNIFF = 1 << 20


def line_separator(fh: BinaryIO, codec: str | None = None) -> bytes:
    """``b"\\r"`` for a file with CR-only line endings (old Mac): bare CRs and no LF in its
    first megabyte; else ``b"\\n"`` (LF and CRLF files: a stray CR inside a line is only
    whitespace, as it was)."""
    decoder = codecs.getincrementaldecoder(codec or "latin-1")("ignore")
    seen = 0
    bare_cr = False
    last = ""
    while seen < _SNIFF:
        chunk = fh.read(_CHUNK)
        seen += len(chunk)
        text = last + decoder.decode(chunk, final=not chunk)
        if "\n" in text:
            return b"\n"
        bare_cr = bare_cr or "\r" in text[:-1] or (not chunk and text.endswith("\r"))
        if not chunk:
            break
        last = text[-1:]  # a CR at the end of a chunk: the next one says if LF follows
    return b"\r" if bare_cr else b"\n"


def _byte_lines(fh: BinaryIO, sep: bytes) -> Iterator[bytes]:
    if sep == b"\n":
        yield from fh
        return
    rest = b""
    while chunk := fh.read(_CHUNK):
        rest += chunk
        *lines, rest = rest.split(sep)
        for line in lines:
            yield line + sep
    if rest:
        yield rest


def _text_lines(fh: BinaryIO, codec: str, sep: bytes) -> Iterator[bytes]:
    """Lines of a UTF-16/32 file as UTF-8 bytes (streaming; raises UnicodeDecodeError)."""
    decoder = codecs.getincrementaldecoder(codec)("strict")
    end = sep.decode()
    rest = ""
    while True:
        chunk = fh.read(_CHUNK)
        rest += decoder.decode(chunk, final=not chunk)
        *lines, rest = rest.split(end)
        for line in lines:
            yield (line + end).encode("utf-8", errors="surrogatepass")
        if not chunk:
            break
    if rest:
        yield rest.encode("utf-8", errors="surrogatepass")


def _jsonl_lines(source: Source) -> Iterator[bytes | Finding]:
    """The physical lines of a JSONL file (or part) as UTF-8 bytes, BOM removed: UTF-16/32 (by
    its byte order mark) is decoded; CR-only line endings are honoured. A decoding error
    mid-file is one CL001 for the rest (the claims before it are read)."""
    whole = source.start == 0
    found = bom_codec(source.head(4)) if whole else None
    if found is not None and not bom_believed(
        source.head(found[2] + _BOM_SNIFF)[found[2] :], found[0]
    ):
        found = None  # UTF-8 that starts with FF FE: its first line is unreadable, not the file
    codec = found[0] if found else None
    with source.open() as fh:
        if found is not None:
            fh.read(found[2])
        sep = line_separator(fh, codec)
    with source.open() as fh:
        if found is None:
            lines = _byte_lines(fh, sep)
            first = next(lines, None)
            if first is None:
                return
            yield first[3:] if whole and first[:3] == _UTF8_BOM else first
            yield from lines
            return
        fh.read(found[2])
        count = 0
        try:
            for line in _text_lines(fh, found[0], sep):
                count += 1
                yield line
        except UnicodeDecodeError:
            yield _not_encoded(source, found[1], source.first_line + count)


def read_jsonl(source: Source, options: ReadOptions) -> Iterator[ReadItem]:
    system = options.tooth_system or "universal"
    name = source.name
    for lineno, raw_line in enumerate(_jsonl_lines(source), start=source.first_line):
        if isinstance(raw_line, Finding):
            yield raw_line
            return
        if not raw_line.strip():
            continue
        ref = SourceRef(file=name, line=lineno, column=1, pointer="", field=None)
        try:
            raw = orjson.loads(raw_line)
        except (orjson.JSONDecodeError, UnicodeDecodeError) as exc:
            detail = exc.msg if isinstance(exc, orjson.JSONDecodeError) else "not UTF-8"
            if lineno == 1 and bom_codec(raw_line[:4]) is not None:
                detail = (
                    "it starts with the bytes of a UTF-16/32 byte order mark, but the file is UTF-8"
                )
            yield Unparsable(
                None,
                [
                    SCHEMA_VIOLATION.make(
                        f"Line {lineno} is not a valid JSON claim ({detail}); it was not linted.",
                        ref=ref,
                    )
                ],
            )
            continue
        item = _claim_item(raw, ref, system)
        if item.__class__ is Salvaged:
            yield from item.findings
            yield item.claim
        else:
            yield item  # type: ignore[misc]  # `__class__ is` does not narrow the else branch
