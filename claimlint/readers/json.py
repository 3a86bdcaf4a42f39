"""JSON and JSONL claim batches (schemas/claim-batch.schema.json).

Records are validated with pydantic input models that mirror the published JSON Schema (a test
proves both accept and reject the same fixtures); jsonschema is not used at run time because it
manages only about 2,400 claims/s. A valid record is turned into the canonical model with
``model_construct`` — validated once, not twice. An invalid record is one CL002 finding located
by JSON Pointer; the rest of the batch is still linted. A file that is not JSON is one CL001.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Annotated, Any, Literal

import orjson
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
)

from claimlint.checks.source import SchemaViolation, UnreadableFile
from claimlint.construct import constructor
from claimlint.findings import Finding
from claimlint.model import (
    Attachment,
    Claim,
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
from claimlint.readers._values import iso_to_universal
from claimlint.readers.base import BatchMeta, ReadItem, ReadOptions, Source, Unparsable

# -- input models: the JSON contract, field for field ----------------------------------------


def _amount(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("must be a number")
    if isinstance(value, str):
        text = value.strip()
        body = text[1:] if text.startswith("-") else text
        whole, _, frac = body.partition(".")
        if not whole.isdigit() or (frac and not frac.isdigit()) or body.endswith("."):
            raise ValueError("must be a number such as 125.00")
        return Decimal(text)
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    raise ValueError("must be a number")


Amount = Annotated[Decimal, BeforeValidator(_amount)]
ToothText = Annotated[str, BeforeValidator(lambda v: str(v) if type(v) is int else v)]
Text = Annotated[str, Field(max_length=4000)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


class PersonIn(_In):
    member_id: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    birth_date: str | None = None
    gender: str | None = None
    address: str | None = None


class ProviderIn(_In):
    npi: str | None = None
    tax_id: str | None = None
    name: str | None = None
    taxonomy: str | None = None
    address: str | None = None
    postal_code: str | None = None


class NoteIn(_In):
    text: Text
    code: str | None = None


class AttachmentIn(_In):
    type: str | None = None
    transmission: str | None = None
    control_number: str | None = None
    date: str | None = None


class MissingToothIn(_In):
    tooth: ToothText
    status: Literal["M", "E"] = "M"


Surfaces = str | list[str]


class ToothIn(_In):
    tooth: ToothText
    surfaces: Surfaces | None = None


class LineIn(_In):
    line_number: StrictInt = Field(ge=1)
    code: str = Field(min_length=1)
    charge: Amount | None = None
    tooth: ToothText | None = None
    surfaces: Surfaces | None = None
    teeth: list[ToothIn] | None = None
    tooth_system: Literal["universal", "iso"] | None = None
    quantity: StrictInt = Field(default=1, ge=0)
    oral_cavity: list[str] | None = None
    date_of_service: str | None = None
    prior_placement_date: str | None = None
    placement: Literal["I", "R"] | None = None
    note: Text | None = None
    control_number: str | None = None


class ClaimIn(_In):
    claim_id: str = Field(min_length=1, max_length=38)
    payer_id: str | None = None
    plan_id: str | None = None
    billing_provider: ProviderIn | None = None
    rendering_provider: ProviderIn | None = None
    subscriber: PersonIn | None = None
    patient: PersonIn | None = None
    patient_is_subscriber: StrictBool | None = None
    payer_sequence: str | None = None
    date_of_service: str | None = None
    total_charge: Amount | None = None
    place_of_service: str | None = None
    frequency_code: str | None = None
    original_claim_number: str | None = None
    predetermination: StrictBool = False
    notes: list[Text | NoteIn] = Field(default_factory=list)
    attachments: list[AttachmentIn] = Field(default_factory=list)
    missing_teeth: list[ToothText | MissingToothIn] = Field(default_factory=list)
    lines: list[LineIn] = Field(default_factory=list)


class PriorIn(_In):
    member_id: str = Field(min_length=1)
    code: str = Field(min_length=1)
    date: str
    tooth: ToothText | None = None
    surfaces: Surfaces | None = None
    status: str = "paid"
    payer_id: str | None = None
    claim_id: str | None = None


BATCH_KEYS = frozenset({"$schema", "version", "tooth_numbering", "claims", "history", "payers"})


# -- canonical construction (no second validation) -------------------------------------------

# model_construct without its per-call work (4x faster): defaults precomputed per class
_make = {
    cls: constructor(cls)
    for cls in (ToothEntry, Person, Provider, ServiceLine, Note, Attachment, MissingTooth, Claim)
}


def _tooth_entry(
    raw: str | None,
    surfaces: Any,
    system: str,
    ref: SourceRef | None = None,
) -> ToothEntry:
    tooth = raw.strip().upper().removeprefix("#").strip() if raw is not None else None
    original = None
    if system == "iso" and tooth:
        original = tooth
        tooth = iso_to_universal(tooth)  # ValueError: reported as CL002 by _claim_item
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


def build_claim(c: ClaimIn, ref: SourceRef, system: str) -> Claim:
    lines = []
    for i, ln in enumerate(c.lines):
        lref = ref.at(field=None, pointer=f"{ref.pointer}/lines/{i}")
        line_system = ln.tooth_system or system
        if ln.teeth:
            teeth = tuple(
                _tooth_entry(
                    t.tooth,
                    t.surfaces,
                    line_system,
                    lref.at(pointer=f"{lref.pointer}/teeth/{j}", field=f"{lref.pointer}/teeth/{j}"),
                )
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
        ref=ref,
        refs={},
    )


def _pointer(base: str, loc: tuple[Any, ...]) -> str:
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
    return SchemaViolation.make(
        f"{who} does not match the claim schema and was not linted: {shown}. "
        "Fix the export and run again.",
        ref=ref.at(field=first_pointer, pointer=first_pointer),
        claim_id=claim_id,
    )


def _claim_item(raw: Any, ref: SourceRef, system: str) -> Claim | Unparsable:
    claim_id = raw.get("claim_id") if isinstance(raw, dict) else None
    claim_id = claim_id if isinstance(claim_id, str) and claim_id else None
    if not isinstance(raw, dict):
        return Unparsable(
            None,
            [
                SchemaViolation.make(
                    "This claim record is not a JSON object and was not linted.",
                    ref=ref.at(field=ref.pointer),
                )
            ],
        )
    try:
        parsed = ClaimIn.model_validate(raw)
    except ValidationError as exc:
        return Unparsable(claim_id, [schema_findings(exc, ref, claim_id)])
    try:
        return build_claim(parsed, ref, system)
    except ValueError as exc:  # a tooth impossible in the declared ISO numbering
        return Unparsable(
            claim_id,
            [
                SchemaViolation.make(
                    f"Claim {claim_id} was not linted: {exc}.", ref=ref, claim_id=claim_id
                )
            ],
        )


def _cl001(source: Source, exc: orjson.JSONDecodeError | UnicodeDecodeError) -> Finding:
    if isinstance(exc, orjson.JSONDecodeError):
        return UnreadableFile.make(
            f"{source.name} is not valid JSON ({exc.msg} at line {exc.lineno}, column "
            f"{exc.colno}); no claim in it was linted.",
            ref=SourceRef(file=source.name, line=exc.lineno, column=exc.colno),
        )
    return UnreadableFile.make(
        f"{source.name} is not UTF-8 text; no claim in it was linted.",
        ref=SourceRef(file=source.name),
    )


def _history(raw: Any, source: Source) -> tuple[list[PriorProcedure], list[Finding]]:
    records: list[PriorProcedure] = []
    problems: list[Finding] = []
    if not isinstance(raw, list):
        problems.append(
            SchemaViolation.make(
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
                SchemaViolation.make(
                    f"History entry {i} has an invalid date; it was not used.",
                    ref=ref.at(field=f"/history/{i}/date", pointer=f"/history/{i}/date"),
                )
            )
            continue
        records.append(
            PriorProcedure.model_construct(
                member_id=p.member_id,
                code=p.code.strip().upper(),
                date=date,
                tooth=p.tooth.strip().upper().removeprefix("#") if p.tooth else None,
                surfaces=split_surfaces(p.surfaces),
                status=p.status,
                payer_id=p.payer_id,
                claim_id=p.claim_id,
            )
        )
    return records, problems


def read_json(source: Source, options: ReadOptions) -> Iterator[ReadItem]:
    raw = source.read_bytes()
    if not raw.strip():
        yield UnreadableFile.make(
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
    if isinstance(data, list):
        claims, base = data, ""
    elif isinstance(data, dict):
        unknown = sorted(set(data) - BATCH_KEYS)
        for key in unknown:
            yield SchemaViolation.make(
                f"Unknown top-level field '{key}' in the batch; it was ignored.",
                ref=SourceRef(file=source.name, pointer=f"/{key}", field=f"/{key}"),
            )
        claims = data.get("claims")
        if not isinstance(claims, list):
            yield UnreadableFile.make(
                f"{source.name} has no 'claims' list; no claim was linted.",
                ref=SourceRef(file=source.name, pointer="/claims", field="/claims"),
            )
            return
        numbering = data.get("tooth_numbering")
        if numbering in ("universal", "iso"):
            system = options.tooth_system or numbering
        elif numbering is not None:
            yield SchemaViolation.make(
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
        yield UnreadableFile.make(
            f"{source.name} holds a JSON {type(data).__name__}, not a claim batch.",
            ref=SourceRef(file=source.name),
        )
        return
    name = source.name
    for i, raw in enumerate(claims):
        pointer = f"{base}/{i}"
        yield _claim_item(raw, SourceRef(file=name, pointer=pointer, field=pointer), system)


def read_jsonl(source: Source, options: ReadOptions) -> Iterator[ReadItem]:
    system = options.tooth_system or "universal"
    name = source.name
    with source.open() as fh:
        for lineno, raw_line in enumerate(fh, start=source.first_line):
            if not raw_line.strip():
                continue
            ref = SourceRef(file=name, line=lineno, column=1, pointer="", field=None)
            try:
                raw = orjson.loads(raw_line)
            except (orjson.JSONDecodeError, UnicodeDecodeError) as exc:
                detail = exc.msg if isinstance(exc, orjson.JSONDecodeError) else "not UTF-8"
                yield Unparsable(
                    None,
                    [
                        SchemaViolation.make(
                            f"Line {lineno} is not a valid JSON claim ({detail}); it was not "
                            "linted.",
                            ref=ref,
                        )
                    ],
                )
                continue
            yield _claim_item(raw, ref, system)
