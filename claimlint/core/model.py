"""The canonical claim model: what every reader produces and every check reads.

Plain slotted classes (issue 16): pydantic stays at the boundary (the JSON input models in
``claimlint.readers.json``, the published JSON Schema, configuration, payer profiles); the
per-claim objects are cheap to build, compare by value, pickle (``--jobs``) and print like
the pydantic models they replace. Each class's constructor takes the same keywords and
defaults as before and normalises the same values (tooth text, surface letters, CDT code case,
lenient dates, amounts); readers that already checked their values build instances with the
fast constructors of :mod:`claimlint.core.construct` (no normalisation, no defaults to merge).

Instances are immutable by contract: there are no setters, ``replace()`` returns a changed copy,
and equal instances hash equal. (No ``__setattr__`` guard: it would cost every construction.)

Every claim and service line carries a :class:`SourceRef` that a person can open (X12 segment
ordinal and element, JSON Pointer, CSV row and column, XML line and XPath). A reader may give
``ref`` (and a tooth's ``ref``/``surfaces_ref``) as a *lazy position*: a tuple ``(build,
*args)`` holding the cheap coordinates; the SourceRef is built by ``build(*args)`` on first
access (fewer than one claim in thirty ever has a finding). ``refs`` maps a canonical field
name (``"tooth"``, ``"surfaces"``, ``"charge"`` …) to the position of that field in the source,
so checks can locate a finding on a field without knowing which format the claim came from.
``refs`` is a read-only mapping: a plain dict, or (X12) a mapping that builds each SourceRef on
first access; ``where(field)`` is the way to ask.

``to_dict()`` exports an instance as plain data (``model_dump()`` is the same, kept for library
users of the pydantic-era API); ``from_dict()`` (``model_validate``) builds one from nested
dicts through the normalising constructors.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, Literal, TypeVar

_new = object.__new__

L = TypeVar("L", bound="Lean")

LazyRef = tuple[Any, ...]
"""A position not built yet: ``(build, *args)``; ``build(*args)`` is the SourceRef."""


class Lean:
    """Shared behaviour of the model classes: value equality, hashing, pickling, repr, export.

    A subclass lists its public field names in ``FIELDS`` (constructor order) and the slot that
    stores each one in ``STORE`` (``_ref`` for a lazily built position), the defaults of its
    optional fields in ``DEFAULTS`` and, for :meth:`from_dict`, the class of nested fields in
    ``NESTED``.
    """

    __slots__ = ()

    FIELDS: ClassVar[tuple[str, ...]] = ()
    STORE: ClassVar[tuple[str, ...]] = ()
    DEFAULTS: ClassVar[dict[str, Any]] = {}
    FACTORIES: ClassVar[dict[str, Callable[[], Any]]] = {}
    NESTED: ClassVar[dict[str, type[Lean]]] = {}
    MAKE: ClassVar[Callable[..., Any]]

    def values(self) -> tuple[Any, ...]:
        """The field values in ``FIELDS`` order (lazy positions built)."""
        return tuple([getattr(self, name) for name in self.FIELDS])

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self is other or self.values() == other.values()

    def __hash__(self) -> int:
        return hash((self.__class__, self.values()))

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.__class__, self.values()))

    def __repr__(self) -> str:
        body = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.FIELDS)
        return f"{self.__class__.__name__}({body})"

    @classmethod
    def construct(cls: type[L], **values: Any) -> L:
        """An instance from already-checked values: defaults filled, nothing normalised."""
        return cls.MAKE(**values)  # type: ignore[no-any-return]

    def replace(self: L, **changes: Any) -> L:
        """A copy with some fields changed (not normalised, like pydantic's ``model_copy``)."""
        obj = _new(self.__class__)
        for name, slot in zip(self.FIELDS, self.STORE, strict=True):
            value = changes[name] if name in changes else object.__getattribute__(self, slot)
            object.__setattr__(obj, slot, value)
        return obj

    def to_dict(self, mode: Literal["python", "json"] = "python") -> dict[str, Any]:
        """The fields as plain data, nested models as dicts (``mode="json"``: JSON types)."""
        return {name: _export(getattr(self, name), mode) for name in self.FIELDS}

    @classmethod
    def from_dict(cls: type[L], data: Mapping[str, Any]) -> L:
        """An instance from (nested) plain data, through the normalising constructors."""
        kwargs: dict[str, Any] = {}
        for name, value in data.items():
            if name not in cls.FIELDS:
                continue
            nested = cls.NESTED.get(name)
            if nested is not None and value is not None:
                if name == "refs":
                    value = {
                        k: v if isinstance(v, Lean) else nested.from_dict(v)
                        for k, v in value.items()
                    }
                elif isinstance(value, (list, tuple)):
                    value = tuple(v if isinstance(v, Lean) else nested.from_dict(v) for v in value)
                elif isinstance(value, Mapping):
                    value = nested.from_dict(value)
            kwargs[name] = value
        return cls(**kwargs)

    # -- the pydantic-era API, kept for library users -----------------------------------------

    def model_dump(self, *, mode: Literal["python", "json"] = "python") -> dict[str, Any]:
        """Same as :meth:`to_dict` (the name the pydantic model had)."""
        return self.to_dict(mode)

    def model_copy(self: L, *, update: Mapping[str, Any] | None = None) -> L:
        """Same as :meth:`replace` (the name the pydantic model had)."""
        return self.replace(**(update or {}))

    @classmethod
    def model_validate(cls: type[L], data: Mapping[str, Any]) -> L:
        """Same as :meth:`from_dict` (the name the pydantic model had)."""
        return cls.from_dict(data)

    @classmethod
    def model_construct(cls: type[L], **values: Any) -> L:
        """Same as :meth:`construct` (the name the pydantic model had)."""
        return cls.construct(**values)


def _rebuild(cls: type[L], values: tuple[Any, ...]) -> L:
    """Unpickle a model instance (see ``Lean.__reduce__``)."""
    obj = _new(cls)
    for slot, value in zip(cls.STORE, values, strict=True):
        object.__setattr__(obj, slot, value)
    return obj


def _export(value: Any, mode: str) -> Any:
    if isinstance(value, Lean):
        return value.to_dict(mode)  # type: ignore[arg-type]
    if isinstance(value, tuple):
        items = [_export(v, mode) for v in value]
        return items if mode == "json" else tuple(items)
    if isinstance(value, Mapping):
        return {k: _export(v, mode) for k, v in value.items()}
    if mode == "json":
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, Decimal):
            return str(value)
    return value


def _fields(cls: type[Lean]) -> None:
    """Fill ``FIELDS``/``STORE``/``DEFAULTS`` of a model class from its constructor."""
    import inspect

    params = list(inspect.signature(cls.__init__).parameters.values())[1:]
    cls.FIELDS = tuple(p.name for p in params)
    lazy = getattr(cls, "LAZY", ())
    cls.STORE = tuple(f"_{p.name}" if p.name in lazy else p.name for p in params)
    cls.DEFAULTS = {
        p.name: p.default
        for p in params
        if p.default is not inspect.Parameter.empty and p.name not in cls.FACTORIES
    }
    cls.MAKE = generate_constructor(cls, keyword=True)


_MISSING = object()


def generate_constructor(cls: type[L], keyword: bool) -> Callable[..., L]:
    """``make(**values)`` (``keyword``) or ``make(v1, v2, …)``: an instance, not normalised."""
    names = cls.FIELDS
    for name in (*names, *cls.STORE):
        if not name.isidentifier() or name.startswith("__"):  # pragma: no cover - defensive
            raise ValueError(f"cannot generate a constructor for field {name!r}")
    scope: dict[str, Any] = {"_new": object.__new__, "cls": cls, "_MISSING": _MISSING}
    params: list[str] = []
    setup: list[str] = []
    for name in names:
        if not keyword:
            params.append(name)
        elif name in cls.FACTORIES:
            scope[f"_f_{name}"] = cls.FACTORIES[name]
            params.append(f"{name}=_MISSING")
            setup.append(f"    if {name} is _MISSING:\n        {name} = _f_{name}()\n")
        elif name in cls.DEFAULTS:
            scope[f"_d_{name}"] = cls.DEFAULTS[name]
            params.append(f"{name}=_d_{name}")
        else:
            params.append(f"{name}=_MISSING")
            setup.append(
                f"    if {name} is _MISSING:\n"
                f"        raise TypeError({cls.__name__ + ': missing required field ' + name!r})\n"
            )
    sets = "".join(
        f"    obj.{slot} = {name}\n" for name, slot in zip(names, cls.STORE, strict=True)
    )
    star = "*, " if keyword and params else ""
    src = (
        f"def make_{cls.__name__}({star}{', '.join(params)}):\n"
        + "".join(setup)
        + "    obj = _new(cls)\n"
        + sets
        + "    return obj\n"
    )
    exec(src, scope)  # generated from the class's own field names
    return scope[f"make_{cls.__name__}"]  # type: ignore[no-any-return]


def position(value: Any) -> Any:
    """A SourceRef, or the one a lazy position builds."""
    if value.__class__ is tuple:
        return value[0](*value[1:])
    return value


class LazyPositions(Mapping[str, "SourceRef"]):
    """A ``refs`` mapping whose values may be lazy positions, built (and kept) on first read.

    Reading a value (``[]``, ``get``, ``values``, ``items``) always gives a SourceRef; pickling
    sends SourceRefs (``--jobs``).
    """

    __slots__ = ("_items",)

    def __init__(self, items: dict[str, Any]) -> None:
        self._items = items

    def __getitem__(self, key: str) -> SourceRef:
        value = self._items[key]
        if value.__class__ is tuple:
            value = self._items[key] = value[0](*value[1:])
        return value  # type: ignore[no-any-return]

    def get(self, key: str, default: Any = None) -> Any:
        value = self._items.get(key)
        if value is None:
            return default
        if value.__class__ is tuple:
            value = self._items[key] = value[0](*value[1:])
        return value

    def __reduce__(self) -> tuple[Any, ...]:
        return (LazyPositions, ({key: self[key] for key in self._items},))

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return repr(dict(self))


class SourceRef(Lean):
    """Where something came from, in terms a person can open.

    ``field`` is the format's own name for the field: ``TOO03-2`` (X12), the JSON Pointer of the
    value (JSON), the column name (CSV) or the XPath (XML). ``line``/``column`` are physical,
    1-based positions in the file; ``segment_index`` is the 1-based ordinal of an X12 segment.
    """

    __slots__ = ("column", "field", "file", "line", "pointer", "segment_id", "segment_index")

    def __init__(
        self,
        file: str,
        field: str | None = None,
        pointer: str | None = None,
        line: int | None = None,
        column: int | None = None,
        segment_index: int | None = None,
        segment_id: str | None = None,
    ) -> None:
        self.file = file
        self.field = field
        self.pointer = pointer
        self.line = line
        self.column = column
        self.segment_index = segment_index
        self.segment_id = segment_id

    def values(self) -> tuple[Any, ...]:
        return (
            self.file,
            self.field,
            self.pointer,
            self.line,
            self.column,
            self.segment_index,
            self.segment_id,
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # positions cross process boundaries with --jobs (one per finding and per batch-rule key)
        return (SourceRef, self.values())

    def at(self, field: str | None = None, **changes: Any) -> SourceRef:
        """A copy of this reference naming another field."""
        obj = _new(SourceRef)
        obj.file = self.file
        obj.field = self.field if field is None else field
        obj.pointer = self.pointer
        obj.line = self.line
        obj.column = self.column
        obj.segment_index = self.segment_index
        obj.segment_id = self.segment_id
        for name, value in changes.items():
            if name not in SOURCE_REF_FIELDS:
                raise TypeError(f"SourceRef has no field {name!r}")
            object.__setattr__(obj, name, value)
        return obj


_fields(SourceRef)
SOURCE_REF_FIELDS = SourceRef.FIELDS


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


#: parse_date's answers: a batch has few distinct dates (bounded like CodeGroup's cache)
_DATES: dict[str, dt.date | None] = {}


def parse_date(text: str) -> dt.date | None:
    """Parse ``YYYY-MM-DD`` or ``CCYYMMDD``; ``None`` when it is not a real calendar date."""
    try:
        return _DATES[text]
    except KeyError:
        pass
    day = _parse_date(text)
    if len(_DATES) < 4096:
        _DATES[text] = day
    return day


def _parse_date(text: str) -> dt.date | None:
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


def _date(value: Any) -> dt.date | None:
    """A strict date field (``date`` or ISO text), as pydantic coerced it."""
    if value is None or isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"{value!r} is not a valid date")


def _tooth_text(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str):
        value = value.strip().upper()
        if value.startswith("#"):
            value = value[1:].strip()
        return value or None
    return value


def _tuple(value: Any, what: str) -> tuple[Any, ...]:
    if isinstance(value, tuple):
        return value
    if isinstance(value, list):
        return tuple(value)
    raise ValueError(f"{what} must be a sequence, not {value!r}")


ToothSystem = Literal["universal", "iso"]


class ToothEntry(Lean):
    """One tooth on a service line, with the surfaces restored on it.

    ``tooth`` is in Universal notation after reader normalisation; ``original`` keeps what the
    source said when the reader converted it (e.g. ISO 3950 ``46`` → ``30``). ``surfaces`` keeps
    the letters as written (upper-cased), duplicates and invalid letters included, so that the
    checks can report them. ``qualifier`` is the X12 TOO01 code list qualifier when there is one.
    ``ref`` and ``surfaces_ref`` may be given as lazy positions.
    """

    __slots__ = ("_ref", "_surfaces_ref", "original", "qualifier", "surfaces", "system", "tooth")
    LAZY = ("ref", "surfaces_ref")

    def __init__(
        self,
        tooth: str | int | None = None,
        surfaces: tuple[str, ...] | list[str] | str | None = (),
        system: ToothSystem | None = None,
        original: str | None = None,
        qualifier: str | None = None,
        ref: SourceRef | LazyRef | None = None,
        surfaces_ref: SourceRef | LazyRef | None = None,
    ) -> None:
        split = split_surfaces(surfaces)
        if not isinstance(split, tuple):
            raise ValueError(f"surfaces must be letters, not {surfaces!r}")
        self.tooth: str | None = _tooth_text(tooth)
        self.surfaces: tuple[str, ...] = split
        self.system = system
        self.original = original
        self.qualifier = qualifier
        self._ref = ref
        self._surfaces_ref = surfaces_ref

    @property
    def ref(self) -> SourceRef | None:
        value = self._ref
        if value.__class__ is tuple:
            value = self._ref = position(value)
        return value  # type: ignore[return-value]

    @property
    def surfaces_ref(self) -> SourceRef | None:
        value = self._surfaces_ref
        if value.__class__ is tuple:
            value = self._surfaces_ref = position(value)
        return value  # type: ignore[return-value]


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


class Attachment(Lean):
    """A claim attachment (X12 PWK): report type, transmission code, control number."""

    __slots__ = ("control_number", "date", "ref", "transmission", "type")

    def __init__(
        self,
        type: str | None = None,
        transmission: str | None = None,
        control_number: str | None = None,
        date: dt.date | str | None = None,
        ref: SourceRef | None = None,
    ) -> None:
        self.type = type
        self.transmission = transmission
        self.control_number = control_number
        self.date: dt.date | str | None = _lenient_date(date)
        self.ref = ref


class Note(Lean):
    """A claim narrative (X12 NTE) with its reference code."""

    __slots__ = ("code", "ref", "text")

    def __init__(self, text: str, code: str | None = None, ref: SourceRef | None = None) -> None:
        self.text = text
        self.code = code
        self.ref = ref


class Person(Lean):
    """Patient or subscriber. Every field here is PHI: never printed by default (DESIGN §6)."""

    __slots__ = ("address", "birth_date", "first_name", "gender", "last_name", "member_id")

    def __init__(
        self,
        member_id: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        birth_date: dt.date | str | None = None,
        gender: str | None = None,
        address: str | None = None,
    ) -> None:
        self.member_id = member_id
        self.first_name = first_name
        self.last_name = last_name
        self.birth_date: dt.date | str | None = _lenient_date(birth_date)
        self.gender = gender
        self.address = address


class Provider(Lean):
    __slots__ = ("address", "name", "npi", "postal_code", "ref", "tax_id", "taxonomy")

    def __init__(
        self,
        npi: str | None = None,
        tax_id: str | None = None,
        name: str | None = None,
        taxonomy: str | None = None,
        address: str | None = None,
        postal_code: str | None = None,
        ref: SourceRef | None = None,
    ) -> None:
        self.npi = npi
        self.tax_id = tax_id
        self.name = name
        self.taxonomy = taxonomy
        self.address = address
        self.postal_code = postal_code
        self.ref = ref


class MissingTooth(Lean):
    """Tooth status reported on the claim (X12 DN2): ``M`` missing, ``E`` to be extracted."""

    __slots__ = ("ref", "status", "tooth")

    def __init__(self, tooth: str, status: str = "M", ref: SourceRef | None = None) -> None:
        self.tooth = tooth
        self.status = status
        self.ref = ref


class MemberBenefits(Lean):
    """The member's own benefit status, as a claim carries it or the history store holds it.

    Every field is optional; a missing one falls back to the next source (claim, then history
    store, then the payer profile: see ``claimlint.payer.benefits``). ``deductible_met`` and
    ``deductible_remaining`` say the same thing two ways (remaining wins when both are given);
    ``maximum_used`` is the annual maximum already paid out this benefit year;
    ``waiting_period_start`` is the day waiting periods count from (default: the coverage
    start); ``as_of`` is the day the amounts were true (an eligibility check, an EOB). Tied to
    a member: never printed with the member id.
    """

    __slots__ = (
        "as_of",
        "coverage_end",
        "coverage_start",
        "deductible_met",
        "deductible_remaining",
        "maximum_used",
        "ref",
        "waiting_period_start",
    )

    def __init__(
        self,
        coverage_start: dt.date | str | None = None,
        coverage_end: dt.date | str | None = None,
        deductible_met: Decimal | int | str | None = None,
        deductible_remaining: Decimal | int | str | None = None,
        maximum_used: Decimal | int | str | None = None,
        waiting_period_start: dt.date | str | None = None,
        as_of: dt.date | str | None = None,
        ref: SourceRef | None = None,
    ) -> None:
        self.coverage_start = _date(coverage_start)
        self.coverage_end = _date(coverage_end)
        self.deductible_met: Decimal | None = _decimal(deductible_met)
        self.deductible_remaining: Decimal | None = _decimal(deductible_remaining)
        self.maximum_used: Decimal | None = _decimal(maximum_used)
        self.waiting_period_start = _date(waiting_period_start)
        self.as_of = _date(as_of)
        self.ref = ref

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


class ServiceLine(Lean):
    """One procedure on a claim (X12 loop 2400). ``ref`` may be given as a lazy position."""

    __slots__ = (
        "_ref",
        "charge",
        "code",
        "code_qualifier",
        "control_number",
        "date_of_service",
        "line_number",
        "note",
        "oral_cavity",
        "placement",
        "prior_placement_date",
        "quantity",
        "refs",
        "teeth",
    )
    LAZY = ("ref",)
    FACTORIES = {"refs": dict}
    NESTED: ClassVar[dict[str, type[Lean]]] = {
        "teeth": ToothEntry,
        "ref": SourceRef,
        "refs": SourceRef,
    }

    def __init__(
        self,
        line_number: int,
        code: str,
        code_qualifier: str | None = None,
        charge: Decimal | int | float | str | None = None,
        quantity: int = 1,
        teeth: tuple[ToothEntry, ...] | list[ToothEntry] = (),
        oral_cavity: tuple[str, ...] | list[str] = (),
        date_of_service: dt.date | str | None = None,
        prior_placement_date: dt.date | str | None = None,
        placement: Literal["I", "R"] | None = None,
        note: str | None = None,
        control_number: str | None = None,
        ref: SourceRef | LazyRef | None = None,
        refs: Mapping[str, SourceRef] | None = None,
    ) -> None:
        if ref is None:
            raise ValueError("ServiceLine: ref is required")
        if quantity < 0:
            raise ValueError(f"quantity must be 0 or more, not {quantity}")
        if placement not in (None, "I", "R"):
            raise ValueError(f"placement must be 'I' or 'R', not {placement!r}")
        self.line_number = line_number
        self.code: str = code.strip().upper() if isinstance(code, str) else code
        self.code_qualifier = code_qualifier
        self.charge: Decimal | None = _decimal(charge)
        self.quantity = quantity
        self.teeth: tuple[ToothEntry, ...] = _tuple(teeth, "teeth")
        self.oral_cavity: tuple[str, ...] = _tuple(oral_cavity, "oral_cavity")
        self.date_of_service: dt.date | str | None = _lenient_date(date_of_service)
        self.prior_placement_date: dt.date | str | None = _lenient_date(prior_placement_date)
        self.placement = placement
        self.note = note
        self.control_number = control_number
        self._ref: SourceRef | LazyRef = ref
        self.refs: Mapping[str, SourceRef] = {} if refs is None else refs

    @property
    def ref(self) -> SourceRef:
        value = self._ref
        if value.__class__ is tuple:
            value = self._ref = position(value)
        return value  # type: ignore[return-value]

    @property
    def tooth(self) -> str | None:
        return self.teeth[0].tooth if self.teeth else None

    @property
    def surfaces(self) -> tuple[str, ...]:
        return self.teeth[0].surfaces if self.teeth else ()

    def where(self, field: str) -> SourceRef:
        """The source position of a canonical field of this line (falls back to the line)."""
        return self.refs.get(field) or derive_ref(self.ref, field)


class Claim(Lean):
    """One claim (X12 loop 2300) with its service lines. ``ref`` may be a lazy position.

    ``claim_id`` is the patient control number (CLM01): it identifies the claim in findings and
    is not PHI. ``patient`` and ``subscriber`` are PHI and never printed by default.
    ``benefits`` is the member's own coverage dates, deductible, maximum and waiting-period
    start, when the claim carries them (they win over the history store and the payer profile).
    """

    __slots__ = (
        "_ref",
        "attachments",
        "benefits",
        "billing_provider",
        "claim_id",
        "date_of_service",
        "frequency_code",
        "lines",
        "missing_teeth",
        "notes",
        "original_claim_number",
        "patient",
        "patient_is_subscriber",
        "payer_id",
        "payer_sequence",
        "place_of_service",
        "plan_id",
        "predetermination",
        "refs",
        "rendering_provider",
        "subscriber",
        "total_charge",
    )
    LAZY = ("ref",)
    FACTORIES = {"refs": dict}
    NESTED: ClassVar[dict[str, type[Lean]]] = {
        "billing_provider": Provider,
        "rendering_provider": Provider,
        "subscriber": Person,
        "patient": Person,
        "notes": Note,
        "attachments": Attachment,
        "missing_teeth": MissingTooth,
        "lines": ServiceLine,
        "benefits": MemberBenefits,
        "ref": SourceRef,
        "refs": SourceRef,
    }

    def __init__(
        self,
        claim_id: str,
        payer_id: str | None = None,
        plan_id: str | None = None,
        billing_provider: Provider | None = None,
        rendering_provider: Provider | None = None,
        subscriber: Person | None = None,
        patient: Person | None = None,
        patient_is_subscriber: bool | None = None,
        payer_sequence: str | None = None,
        date_of_service: dt.date | str | None = None,
        total_charge: Decimal | int | float | str | None = None,
        place_of_service: str | None = None,
        frequency_code: str | None = None,
        original_claim_number: str | None = None,
        predetermination: bool = False,
        notes: tuple[Note, ...] | list[Note] = (),
        attachments: tuple[Attachment, ...] | list[Attachment] = (),
        missing_teeth: tuple[MissingTooth, ...] | list[MissingTooth] = (),
        lines: tuple[ServiceLine, ...] | list[ServiceLine] = (),
        benefits: MemberBenefits | None = None,
        ref: SourceRef | LazyRef | None = None,
        refs: Mapping[str, SourceRef] | None = None,
    ) -> None:
        if ref is None:
            raise ValueError("Claim: ref is required")
        self.claim_id = claim_id
        self.payer_id = payer_id
        self.plan_id = plan_id
        self.billing_provider = billing_provider
        self.rendering_provider = rendering_provider
        self.subscriber = subscriber
        self.patient = patient
        self.patient_is_subscriber = patient_is_subscriber
        self.payer_sequence = payer_sequence
        self.date_of_service: dt.date | str | None = _lenient_date(date_of_service)
        self.total_charge: Decimal | None = _decimal(total_charge)
        self.place_of_service = place_of_service
        self.frequency_code = frequency_code
        self.original_claim_number = original_claim_number
        self.predetermination = predetermination
        self.notes: tuple[Note, ...] = _tuple(notes, "notes")
        self.attachments: tuple[Attachment, ...] = _tuple(attachments, "attachments")
        self.missing_teeth: tuple[MissingTooth, ...] = _tuple(missing_teeth, "missing_teeth")
        self.lines: tuple[ServiceLine, ...] = _tuple(lines, "lines")
        self.benefits = benefits
        self._ref: SourceRef | LazyRef = ref
        self.refs: Mapping[str, SourceRef] = {} if refs is None else refs

    @property
    def ref(self) -> SourceRef:
        value = self._ref
        if value.__class__ is tuple:
            value = self._ref = position(value)
        return value  # type: ignore[return-value]

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


class PriorProcedure(Lean):
    """A procedure already performed for a member (patient history).

    Optional, for the impact report (docs/impact.md): ``plan_id``, the office fee billed
    (``charge``) and the code the plan paid the line as (``paid_as``, from the EOB); None when
    the source lacks them. ``area`` is the optional area of the oral cavity (``10``/``20``/
    ``30``/``40`` quadrant, ``01``/``02`` arch) of a procedure reported per area, for quadrant-
    and arch-scoped frequency limits.
    """

    __slots__ = (
        "area",
        "charge",
        "claim_id",
        "code",
        "date",
        "member_id",
        "paid_as",
        "payer_id",
        "plan_id",
        "status",
        "surfaces",
        "tooth",
    )

    def __init__(
        self,
        member_id: str,
        code: str,
        date: dt.date | str,
        tooth: str | None = None,
        surfaces: tuple[str, ...] | list[str] | str | None = (),
        status: str = "paid",
        payer_id: str | None = None,
        claim_id: str | None = None,
        plan_id: str | None = None,
        charge: Decimal | int | str | None = None,
        paid_as: str | None = None,
        area: str | None = None,
    ) -> None:
        split = split_surfaces(surfaces)
        if not isinstance(split, tuple):
            raise ValueError(f"surfaces must be letters, not {surfaces!r}")
        day = _date(date)
        if day is None:
            raise ValueError("date is required")
        self.member_id = member_id
        self.code = code
        self.date: dt.date = day
        self.tooth = tooth
        self.surfaces: tuple[str, ...] = split
        self.status = status
        self.payer_id = payer_id
        self.claim_id = claim_id
        self.plan_id = plan_id
        self.charge: Decimal | None = _decimal(charge)
        self.paid_as = paid_as
        self.area = area


for _cls in (
    ToothEntry,
    Attachment,
    Note,
    Person,
    Provider,
    MissingTooth,
    MemberBenefits,
    ServiceLine,
    Claim,
    PriorProcedure,
):
    _fields(_cls)
del _cls
