"""Payer profiles: one plan's rules, fees and the member's benefit status, as data.

A profile is a TOML, YAML or JSON file validated against
``claimlint/schemas/payer-profile.schema.json`` (JSON Schema 2020-12) when it is loaded, then
checked for what a schema cannot say: a code in a mapping that claimlint does not know, a
frequency rule that overlaps another, a frequency rule with both a month window and a yearly
count. Every problem raises :class:`ProfileError` naming the file and the key path
(``gold.toml: frequency[1].codes: ...``); the CLI maps it to exit code 2.

Engine wiring::

    profiles = load_profiles(config.profiles, payers=config.payers)   # ProfileSet
    profile = profiles.for_claim(claim)                                # Profile | None
    profiles = profiles.with_batch_payers(meta.payers, source=file)    # inline "payers" section

Nothing about a real payer is hard-coded here: every limit, mapping and amount comes from the
profile (DESIGN §5).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from claimlint.dental import benefits
from claimlint.dental.prosthetics import REPLACEMENT_FAMILIES, CodeGroup
from claimlint.payer.money import percent, to_money
from claimlint.payer.profile_basics import (
    DEFAULT_MAX_RESTORATIONS_PER_VISIT as DEFAULT_MAX_RESTORATIONS_PER_VISIT,
)
from claimlint.payer.profile_basics import ProfileError as ProfileError
from claimlint.payer.profile_basics import ProfilePathError as ProfilePathError
from claimlint.payer.profile_basics import add_months as add_months

SCHEMA_PATH = Path(__file__).resolve().parents[1] / "schemas" / "payer-profile.schema.json"
SUFFIXES = (".toml", ".yaml", ".yml", ".json")
DEFAULT_DEDUCTIBLE_CLASSES = ("basic", "major")


# -- the parsed profile ----------------------------------------------------------------------


#: codes whose frequency limits CL403/CL404 judge (:func:`frequency_hits`): every code of a
#: benefit family (fillings, crowns, bridge units ...); other codes: payer/plan_frequency.py
RESTORATIVE_CODES: frozenset[str] = frozenset().union(*benefits.FAMILIES.values())

#: what one frequency counter covers (``per``); tooth and surface are the restorative ones
FREQUENCY_SCOPES = ("mouth", "arch", "quadrant", "tooth", "surface")
PERIOD_NAMES = {
    "calendar-year": "calendar year",
    "benefit-year": "benefit year",
    "lifetime": "lifetime",
}


@dataclass(frozen=True, slots=True)
class FrequencyRule:
    """At most ``count`` (default 1) services per ``months`` (rolling), or ``count`` per
    ``period`` (calendar year, benefit year, lifetime), per mouth, arch, quadrant, tooth or
    surface. All ``codes`` share ONE counter. Optional: the ages covered on the date of
    service, and the least number of days between two services."""

    id: str
    codes: frozenset[str]
    per: str  # one of FREQUENCY_SCOPES
    months: int | None = None
    count: int | None = None
    period: str | None = None  # "calendar-year" | "benefit-year" | "lifetime"
    min_age: int | None = None
    max_age: int | None = None
    min_days_between: int | None = None

    @property
    def limit(self) -> int:
        """How many services the window allows."""
        return self.count or 1

    def describe(self) -> str:
        if self.months is not None:
            if self.limit == 1:
                return f"{self.months}-month"
            return f"{self.limit}-per-{self.months}-month"
        return f"{self.count}-per-{PERIOD_NAMES.get(self.period or '', 'benefit year')}"

    def allows_age(self, age: int) -> bool:
        return (self.min_age is None or age >= self.min_age) and (
            self.max_age is None or age <= self.max_age
        )

    def describe_ages(self) -> str:
        if self.min_age is not None and self.max_age is not None:
            return f"ages {self.min_age}-{self.max_age}"
        if self.max_age is not None:
            return f"age {self.max_age} and under"
        return f"age {self.min_age} and over"


@dataclass(frozen=True, slots=True)
class AlternateBenefit:
    id: str
    mapping: Mapping[str, str]
    when: str


@dataclass(frozen=True, slots=True)
class AgeLimit:
    codes: frozenset[str]
    min: int | None = None
    max: int | None = None

    def allows(self, age: int) -> bool:
        return (self.min is None or age >= self.min) and (self.max is None or age <= self.max)

    def describe(self) -> str:
        if self.min is not None and self.max is not None:
            return f"ages {self.min}-{self.max}"
        if self.max is not None:
            return f"age {self.max} and under"
        return f"age {self.min} and over"


@dataclass(frozen=True, slots=True)
class Downgrade:
    """An alternate benefit that applies to a line: billed code paid as ``target``."""

    billed: str
    target: str
    condition: str
    rule_id: str


@dataclass(frozen=True, slots=True)
class ReplacementRule:
    """A prosthesis of ``codes`` is paid again only ``months`` after the prior one (CL933)."""

    id: str
    codes: CodeGroup
    months: int


@dataclass(frozen=True, slots=True)
class BundleRule:
    """Codes the plan pays once on one day: a line of ``codes`` that is not ``kept``, on the
    same date as a ``kept`` one, is denied or inclusive (CL941). ``same`` is ``day`` (this
    claim and the member's history) or ``visit`` (this claim only)."""

    id: str
    codes: CodeGroup
    kept: CodeGroup
    same: str = "day"
    severity: str | None = None
    note: str = ""

    def denied(self, code: str) -> bool:
        return code in self.codes and code not in self.kept


@dataclass(frozen=True, slots=True)
class IntervalRule:
    """At least ``days`` days from a ``first`` service to a ``then`` service (CL942)."""

    id: str
    first: CodeGroup
    then: CodeGroup
    days: int
    either_order: bool = False


@dataclass(frozen=True)
class Profile:
    name: str
    source: str
    title: str = ""
    payer_ids: tuple[str, ...] = ()
    plan_ids: tuple[str, ...] = ()
    network: str = "in"
    balance_billing_allowed: bool = False
    amalgam_covered: bool = True
    composite_regions: frozenset[str] = frozenset({"anterior", "posterior"})
    coverage_start: dt.date | None = None
    coverage_end: dt.date | None = None
    benefit_year_start_month: int = 1
    waiting_periods: Mapping[str, int] = field(default_factory=dict)
    coinsurance: Mapping[str, Decimal] = field(default_factory=dict)
    class_overrides: Mapping[str, str] = field(default_factory=dict)
    deductible: Decimal | None = None
    deductible_remaining: Decimal | None = None
    deductible_classes: frozenset[str] = frozenset(DEFAULT_DEDUCTIBLE_CLASSES)
    annual_maximum: Decimal | None = None
    annual_maximum_used: Decimal = Decimal("0")
    frequency: tuple[FrequencyRule, ...] = ()
    alternate_benefits: tuple[AlternateBenefit, ...] = ()
    age_limits: tuple[AgeLimit, ...] = ()
    #: CL933 replacement windows, CL941 same-day bundles, CL942 minimum intervals (new keys;
    #: parsed by ``parse_prosthetic_keys``)
    replacement: tuple[ReplacementRule, ...] = ()
    bundles: tuple[BundleRule, ...] = ()
    min_intervals: tuple[IntervalRule, ...] = ()
    fee_schedule: Mapping[str, Decimal] = field(default_factory=dict)
    office_fees: Mapping[str, Decimal] = field(default_factory=dict)
    max_restorations_per_visit: int = DEFAULT_MAX_RESTORATIONS_PER_VISIT
    #: CL707: one area of the oral cavity per line, and the quantity equal to it (off unless set)
    one_area_per_line: bool = False

    @property
    def label(self) -> str:
        return self.title or self.name

    @property
    def in_network(self) -> bool:
        return self.network == "in"

    # -- lookups used by checks and the estimate --------------------------------------------

    def service_class(self, code: str) -> str | None:
        return self.class_overrides.get(code) or benefits.service_class(code)

    def coinsurance_for(self, code: str) -> Decimal | None:
        """The plan's share as a fraction (0.8), or None when the class has no coinsurance."""
        cls = self.service_class(code)
        return self.coinsurance.get(cls) if cls else None

    def allowed(self, code: str) -> Decimal | None:
        return self.fee_schedule.get(code)

    def office_fee(self, code: str) -> Decimal | None:
        return self.office_fees.get(code)

    def frequency_rules(self, code: str) -> list[FrequencyRule]:
        return [rule for rule in self.frequency if code in rule.codes]

    def downgrade(self, code: str, tooth: str | None, surfaces: Iterable[str]) -> Downgrade | None:
        """The alternate benefit that applies to this code on this tooth, if any."""
        for rule in self.alternate_benefits:
            target = rule.mapping.get(code)
            if target and benefits.condition_holds(rule.when, tooth, surfaces):
                return Downgrade(code, target, rule.when, rule.id)
        return None

    def age_limit(self, code: str) -> AgeLimit | None:
        for limit in self.age_limits:
            if code in limit.codes:
                return limit
        return None

    def covers(self, day: dt.date) -> bool:
        if self.coverage_start is not None and day < self.coverage_start:
            return False
        return not (self.coverage_end is not None and day > self.coverage_end)

    def benefit_year_start(self, day: dt.date, period: str = "benefit-year") -> dt.date:
        """First day of the (calendar or benefit) year that contains ``day``."""
        month = 1 if period == "calendar-year" else self.benefit_year_start_month
        year = day.year if day.month >= month else day.year - 1
        return dt.date(year, month, 1)


# -- the set of profiles a run uses ----------------------------------------------------------


@dataclass
class ProfileSet:
    """Profiles by name, and which payer id uses which profile.

    ``payers`` (from configuration) maps a payer id — or ``"payer_id/plan_id"`` for one plan of
    a payer — to a profile name and wins over the profiles' own ``payer_ids``/``plan_ids``.
    """

    profiles: dict[str, Profile] = field(default_factory=dict)
    payers: dict[str, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.profiles)

    def __bool__(self) -> bool:
        return bool(self.profiles)

    def get(self, name: str) -> Profile | None:
        return self.profiles.get(name)

    def for_payer(self, payer_id: str | None, plan_id: str | None = None) -> Profile | None:
        if not payer_id:
            return None
        for key in (f"{payer_id}/{plan_id}" if plan_id else None, payer_id):
            if key and key in self.payers:
                return self.profiles.get(self.payers[key])
        fallback: Profile | None = None
        for profile in self.profiles.values():
            if payer_id not in profile.payer_ids:
                continue
            if profile.plan_ids:
                if plan_id in profile.plan_ids:
                    return profile
            elif fallback is None:
                fallback = profile
        return fallback

    def other_plans(self, payer_id: str | None) -> dict[str, list[str]]:
        """Profiles that cover ``payer_id`` but only for some plans: name -> plan ids (from
        the profiles' ``plan_ids`` and ``payer/plan`` keys under ``[payers]``)."""
        out: dict[str, list[str]] = {}
        if not payer_id:
            return out
        for profile in self.profiles.values():
            if payer_id in profile.payer_ids and profile.plan_ids:
                out.setdefault(profile.name, []).extend(profile.plan_ids)
        for key, name in self.payers.items():
            payer, _, plan = key.partition("/")
            if payer == payer_id and plan:
                out.setdefault(name, []).append(plan)
        return {name: sorted(set(plans)) for name, plans in out.items()}

    def for_claim(self, claim: Any) -> Profile | None:
        return self.for_payer(getattr(claim, "payer_id", None), getattr(claim, "plan_id", None))

    def with_batch_payers(self, payers: Mapping[str, Any], *, source: str) -> ProfileSet:
        """This set plus a batch file's ``"payers"`` section.

        Each entry maps a payer id to a profile name (one of the loaded profiles) or to an
        inline profile object (validated like a file; it applies to that payer id).
        """
        if not payers:
            return self
        merged = ProfileSet(dict(self.profiles), dict(self.payers))
        for payer_id, value in payers.items():
            key = f"payers.{payer_id}"
            if isinstance(value, str):
                if value not in merged.profiles:
                    raise ProfileError(source, key, f"no loaded profile is named {value!r}")
                merged.payers[str(payer_id)] = value
            elif isinstance(value, dict):
                data = dict(value)
                data.setdefault("name", f"{payer_id}-inline".lower())
                data.setdefault("payer_ids", [str(payer_id)])
                profile = parse_profile(data, source=source, prefix=key)
                merged.profiles[profile.name] = profile
                merged.payers[str(payer_id)] = profile.name
            else:
                raise ProfileError(source, key, "must be a profile name or a profile object")
        return merged


# -- loading ---------------------------------------------------------------------------------


def load_profiles(
    paths: Iterable[str | Path],
    payers: Mapping[str, str] | None = None,
    *,
    origin: str | Path | None = None,
) -> ProfileSet:
    """Load profile files (or every .toml/.yaml/.yml/.json in a folder, configuration files
    such as claimlint.toml excepted) into a ProfileSet. Two profiles covering the same payer
    and plan are a ProfileError naming both files; a ``payers`` entry naming no loaded profile
    is a ProfileError naming ``origin``, the configuration file it comes from."""
    result = ProfileSet(payers=dict(payers or {}))
    for path in _expand_paths(paths):
        profile = load_profile(path)
        if profile.name in result.profiles:
            other = result.profiles[profile.name].source
            raise ProfileError(str(path), "name", f"profile {profile.name!r} is also in {other}")
        _check_overlap(result, profile)
        result.profiles[profile.name] = profile
    for payer_id, name in result.payers.items():
        if name not in result.profiles:
            known = ", ".join(sorted(result.profiles)) or "none loaded"
            raise ProfileError(
                str(origin or "configuration"),
                f"payers.{payer_id}",
                f"no profile named {name!r} ({known})",
            )
    return result


def _check_overlap(loaded: ProfileSet, profile: Profile) -> None:
    """Two profiles covering the same payer and plan would make the choice arbitrary."""
    for other in loaded.profiles.values():
        payers = sorted(set(profile.payer_ids) & set(other.payer_ids))
        if not payers:
            continue
        if bool(profile.plan_ids) != bool(other.plan_ids):
            continue  # a plan-specific profile wins over a payer-wide one: no ambiguity
        plans = sorted(set(profile.plan_ids) & set(other.plan_ids))
        if profile.plan_ids and not plans:
            continue
        what = f"payer {payers[0]}" + (f", plan {plans[0]}" if plans else " (all plans)")
        raise ProfileError(
            profile.source,
            "payer_ids",
            f"{what} is also covered by {other.source} (profile {other.name!r}); one payer "
            "and plan needs exactly one profile: narrow plan_ids, or remove one of the files",
        )


#: files in a profiles folder that are never profiles (configuration files)
NOT_PROFILES = frozenset({"claimlint.toml", "pyproject.toml"})


def profile_files(folder: Path) -> list[Path]:
    """The profile files of a folder: *.toml, *.yaml, *.yml, *.json, except configuration
    files (claimlint.toml, pyproject.toml) and hidden files."""
    return sorted(
        p
        for p in folder.iterdir()
        if p.is_file()
        and p.suffix.lower() in SUFFIXES
        and p.name.lower() not in NOT_PROFILES
        and not p.name.startswith(".")
    )


def _expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    out: list[Path] = []
    for raw in paths:
        path = Path(raw)
        try:
            is_dir, exists = path.is_dir(), path.exists()
        except (OSError, ValueError) as exc:  # a name over 255 bytes, a NUL
            from claimlint.core.config import short_path

            why = getattr(exc, "strerror", None) or "not a usable path"
            raise ProfilePathError(
                short_path(path), None, f"cannot use this profile path: {why}"
            ) from None
        if is_dir:
            out.extend(profile_files(path))
        elif exists:
            out.append(path)
        else:
            raise ProfilePathError(str(path), None, "profile file or folder does not exist")
    return out


def load_profile(path: str | Path) -> Profile:
    path = Path(path)
    data = read_document(path)
    if isinstance(data, dict):
        data.setdefault("name", path.stem.lower())
    return parse_profile(data, source=str(path))


def read_document(path: Path) -> Any:
    """Parse a TOML, YAML or JSON file; syntax errors become ProfileError with the position."""
    suffix = path.suffix.lower()
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ProfileError(str(path), None, f"cannot read: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ProfileError(str(path), None, f"not UTF-8 text (byte {exc.start})") from None
    if len(raw) > MAX_PROFILE_BYTES:
        raise ProfileError(
            str(path), None, f"file is larger than {MAX_PROFILE_BYTES // 1024 // 1024} MB"
        )
    try:
        if suffix == ".toml":
            data: Any = tomllib.loads(text)
        elif suffix in (".yaml", ".yml"):
            data = _load_yaml(text)
        elif suffix == ".json":
            data = json.loads(text)
        else:
            data = _UNKNOWN
    except RecursionError:
        raise ProfileError(str(path), None, f"nested more than {MAX_DEPTH} levels deep") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(str(path), None, f"invalid TOML: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ProfileError(
            str(path), None, f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except ValueError:  # a number beyond Python's int-conversion limit (thousands of digits)
        kind = suffix.lstrip(".").upper()
        raise ProfileError(str(path), None, f"invalid {kind}: a number is far too long") from None
    except Exception as exc:  # yaml.YAMLError (imported lazily)
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ProfileError(str(path), None, f"invalid YAML{where}: {problem}") from None
    if data is _UNKNOWN:
        raise ProfileError(str(path), None, f"unknown profile format {suffix!r}; use {SUFFIXES}")
    check_values(data, source=str(path))
    return data


_UNKNOWN = object()
#: a profile is a page of settings; anything bigger or deeper is not one
MAX_PROFILE_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 32


def _load_yaml(text: str) -> Any:
    """``yaml.safe_load`` without aliases: profiles never need them, and an alias bomb
    (a few hundred bytes expanding to gigabytes) is refused at the first ``*alias``."""
    import yaml

    class NoAliasLoader(yaml.SafeLoader):
        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.events.AliasEvent):
                # types-PyYAML leaves Parser.peek_event unannotated
                event = self.peek_event()  # type: ignore[no-untyped-call]
                raise yaml.composer.ComposerError(
                    None, None, "aliases (*name) are not allowed in a profile", event.start_mark
                )
            return super().compose_node(parent, index)

    return yaml.load(text, Loader=NoAliasLoader)  # a SafeLoader subclass: safe


#: larger integers are refused before schema validation (which compares them as floats and
#: would overflow); smaller ones too large for a field get the schema's "maximum" message
MAX_INT = 10**300


def check_values(data: Any, *, source: str, prefix: str = "") -> None:
    """Refuse what no schema keyword can: non-finite numbers (nan, inf, 1e400 read as inf)
    and nesting deeper than :data:`MAX_DEPTH`; the error names the key path."""
    stack: list[tuple[Any, list[Any]]] = [(data, [])]
    while stack:
        value, parts = stack.pop()
        if len(parts) > MAX_DEPTH:
            raise ProfileError(
                source, key_path(parts[:MAX_DEPTH], prefix), f"nested more than {MAX_DEPTH} deep"
            )
        if isinstance(value, float) and not math.isfinite(value):
            raise ProfileError(
                source,
                key_path(parts, prefix),
                "is not a finite number (nan, inf, or too large to be a number)",
            )
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INT:
            # the schema compares numbers as floats, which this one overflows
            raise ProfileError(source, key_path(parts, prefix), "is far too large a number")
        if isinstance(value, Decimal) and not value.is_finite():
            raise ProfileError(source, key_path(parts, prefix), "is not a finite number")
        if isinstance(value, dict):
            stack.extend((v, [*parts, str(k)]) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, [*parts, i]) for i, v in enumerate(value))


@lru_cache(maxsize=1)
def _validator() -> Any:
    import jsonschema

    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def key_path(parts: Iterable[Any], prefix: str = "") -> str:
    out = prefix
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _plain(value: Any) -> Any:
    """TOML/YAML dates become ISO strings so that one schema serves all three formats."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    if isinstance(value, Decimal):
        return float(value)
    return value


def _schema_message(error: Any) -> str:
    if error.validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return f"unknown key {extra[0]!r}" if extra else error.message
    if "propertyNames" in error.schema_path:
        return f"{error.instance!r} is not a CDT code (D followed by four digits)"
    if error.validator == "enum":
        allowed = ", ".join(map(str, error.validator_value))
        return f"{error.instance!r} is not one of: {allowed}"
    if error.validator == "minimum" and isinstance(error.instance, (int, float)):
        if error.validator_value == 0:
            return f"{error.instance} is negative; amounts and counts must be at least 0"
        return f"{error.instance} is less than the minimum of {error.validator_value}"
    if error.validator == "maximum" and isinstance(error.instance, (int, float)):
        return f"{_short(error.instance)} is more than the maximum of {error.validator_value}"
    message: str = error.message
    return message


def _short(number: float) -> str:
    """A number as written, shortened when it is absurdly long (10**400)."""
    text = str(number) if not isinstance(number, int) or number < 10**30 else f"{number:.3e}"
    return text


def validate(data: Any, *, source: str, prefix: str = "") -> None:
    """Schema validation; the first error (in document order) raises ProfileError."""
    if not isinstance(data, dict):
        raise ProfileError(source, prefix or None, "a profile must be a table/object")
    check_values(data, source=source, prefix=prefix)
    errors = sorted(_validator().iter_errors(_plain(data)), key=lambda e: list(e.absolute_path))
    if errors:
        error = errors[0]
        parts = list(error.absolute_path)
        if "propertyNames" in error.schema_path:  # a bad key: name it in the path
            parts.append(error.instance)
        raise ProfileError(source, key_path(parts, prefix), _schema_message(error))


def parse_profile(data: Any, *, source: str, prefix: str = "") -> Profile:
    """Validate a profile document and build a :class:`Profile` (semantic checks included)."""
    validate(data, source=source, prefix=prefix)
    data = _plain(data)

    def err(key: str, message: str) -> ProfileError:
        return ProfileError(source, key_path([key], prefix) if key else prefix or None, message)

    def codes_of(item: dict[str, Any], key: str) -> frozenset[str]:
        codes: set[str] = set()
        for i, spec in enumerate(item.get("codes", [])):
            _check_known(spec, source, f"{key}.codes[{i}]")
            codes |= benefits.expand(codes=[spec])
        codes |= benefits.expand(families=item.get("families", []))
        if not codes:
            raise ProfileError(source, key, "name at least one code or family")
        return frozenset(codes)

    frequency: list[FrequencyRule] = []
    for i, item in enumerate(data.get("frequency", [])):
        key = key_path(["frequency", i], prefix)
        months, count, period = item.get("months"), item.get("count"), item.get("period")
        if months is not None and period is not None:
            raise ProfileError(
                source, key, "use either 'months' (rolling window) or 'period', not both"
            )
        if months is None and (count is None or period is None):
            raise ProfileError(
                source, key, "needs 'months' (with an optional 'count'), or 'count' and 'period'"
            )
        lo, hi = item.get("min_age"), item.get("max_age")
        if lo is not None and hi is not None and lo > hi:
            raise ProfileError(source, key, f"min_age {lo} is greater than max_age {hi}")
        rule = FrequencyRule(
            id=item.get("id") or f"frequency[{i}]",
            codes=codes_of(item, key),
            per=item["per"],
            months=months,
            count=count,
            period=period,
            min_age=lo,
            max_age=hi,
            min_days_between=item.get("min_days_between"),
        )
        for j, other in enumerate(frequency):
            shared = rule.codes & other.codes
            if other.per == rule.per and shared:
                listed = ", ".join(sorted(shared)[:4]) + (" ..." if len(shared) > 4 else "")
                raise ProfileError(
                    source,
                    key,
                    f"overlaps frequency[{j}] ({other.id}): both limit {listed} per {rule.per}; "
                    "merge them or split the codes",
                )
        frequency.append(rule)

    alternates: list[AlternateBenefit] = []
    seen_sources: dict[str, int] = {}
    for i, item in enumerate(data.get("alternate_benefits", [])):
        key = key_path(["alternate_benefits", i, "map"], prefix)
        for billed, target in item["map"].items():
            _check_known(billed, source, f"{key}.{billed}")
            _check_known(target, source, f"{key}.{billed}", value=target)
            if billed == target:
                raise ProfileError(source, f"{key}.{billed}", "a code cannot be paid as itself")
            if billed in seen_sources:
                raise ProfileError(
                    source,
                    f"{key}.{billed}",
                    f"{billed} is already mapped by alternate_benefits[{seen_sources[billed]}]",
                )
            seen_sources[billed] = i
        alternates.append(
            AlternateBenefit(
                id=item.get("id") or f"alternate_benefits[{i}]",
                mapping=dict(item["map"]),
                when=item["when"],
            )
        )

    ages: list[AgeLimit] = []
    for i, item in enumerate(data.get("age_limits", [])):
        key = key_path(["age_limits", i], prefix)
        lo, hi = item.get("min"), item.get("max")
        if lo is None and hi is None:
            raise ProfileError(source, key, "needs 'min' and/or 'max'")
        if lo is not None and hi is not None and lo > hi:
            raise ProfileError(source, key, f"min {lo} is greater than max {hi}")
        ages.append(AgeLimit(codes=codes_of(item, key), min=lo, max=hi))

    coverage = data.get("coverage", {})
    start = _date(coverage.get("start"), source, key_path(["coverage", "start"], prefix))
    end = _date(coverage.get("end"), source, key_path(["coverage", "end"], prefix))
    if start and end and end < start:
        raise err("coverage", f"coverage ends ({end}) before it starts ({start})")

    deductible = data.get("deductible", {})
    amount = _money(deductible.get("amount"))
    remaining = _money(deductible.get("remaining"))
    if remaining is None:
        remaining = amount
    if amount is not None and remaining is not None and remaining > amount:
        raise err("deductible", f"remaining {remaining} is more than the deductible {amount}")
    maximum = data.get("annual_maximum", {})

    return Profile(
        name=data["name"] if "name" in data else Path(source).stem.lower(),
        source=source,
        title=data.get("title", ""),
        payer_ids=tuple(data.get("payer_ids", ())),
        plan_ids=tuple(data.get("plan_ids", ())),
        network=data.get("network", "in"),
        balance_billing_allowed=data.get("balance_billing_allowed", False),
        amalgam_covered=data.get("amalgam_covered", True),
        composite_regions=frozenset(data.get("composite_regions", ("anterior", "posterior"))),
        coverage_start=start,
        coverage_end=end,
        benefit_year_start_month=data.get("benefit_year_start_month", 1),
        waiting_periods=dict(data.get("waiting_periods", {})),
        coinsurance={k: percent(v) for k, v in data.get("coinsurance", {}).items()},
        class_overrides=dict(data.get("service_classes", {})),
        deductible=amount,
        deductible_remaining=remaining,
        deductible_classes=frozenset(deductible.get("applies_to", DEFAULT_DEDUCTIBLE_CLASSES)),
        annual_maximum=_money(maximum.get("amount")),
        annual_maximum_used=_money(maximum.get("used")) or Decimal("0"),
        frequency=tuple(frequency),
        alternate_benefits=tuple(alternates),
        age_limits=tuple(ages),
        **parse_prosthetic_keys(data, source=source, prefix=prefix),
        fee_schedule={k: to_money(v) for k, v in data.get("fee_schedule", {}).items()},
        office_fees={k: to_money(v) for k, v in data.get("office_fees", {}).items()},
        max_restorations_per_visit=data.get(
            "max_restorations_per_visit", DEFAULT_MAX_RESTORATIONS_PER_VISIT
        ),
        one_area_per_line=bool(data.get("one_area_per_line", False)),
    )


def parse_prosthetic_keys(
    data: Mapping[str, Any], *, source: str, prefix: str = ""
) -> dict[str, Any]:
    """The ``replacement``, ``bundles`` and ``min_intervals`` keys of a validated profile
    document, as :class:`Profile` keyword arguments (CL933, CL941, CL942)."""

    def group(
        name: str, specs: Iterable[str], families: Iterable[str] = (), key: str = ""
    ) -> CodeGroup:
        items = list(specs)
        for j, spec in enumerate(items):  # a typo or a retired code is an error, as frequency's
            _check_known(spec, source, f"{key}[{j}]")
        for family in families:
            known = REPLACEMENT_FAMILIES.get(family)
            if known is not None:
                items += [f"D{lo:04d}-D{hi:04d}" for lo, hi in known.ranges]
            else:
                items += sorted(benefits.FAMILIES[family])
        return CodeGroup(name, *items)

    replacement: list[ReplacementRule] = []
    for i, item in enumerate(data.get("replacement", [])):
        key = key_path(["replacement", i], prefix)
        if not item.get("codes") and not item.get("families"):
            raise ProfileError(source, key, "name at least one code or family")
        rule_id = item.get("id") or f"replacement[{i}]"
        codes = group(rule_id, item.get("codes", []), item.get("families", []), key=f"{key}.codes")
        replacement.append(ReplacementRule(rule_id, codes, item["months"]))

    bundles: list[BundleRule] = []
    for i, item in enumerate(data.get("bundles", [])):
        key = key_path(["bundles", i], prefix)
        rule_id = item.get("id") or f"bundles[{i}]"
        kept = item["kept"] if isinstance(item["kept"], list) else [item["kept"]]
        codes = group(rule_id, item["codes"], key=f"{key}.codes")
        kept_codes = group(f"{rule_id} kept", kept, key=f"{key}.kept")
        outside = [k for k in kept if k not in item["codes"] and k not in codes]
        if outside:
            raise ProfileError(
                source, f"{key}.kept", f"{', '.join(outside)} is not one of the bundle's codes"
            )
        if len(kept) >= len(item["codes"]):
            raise ProfileError(source, f"{key}.kept", "keeps every code: nothing is bundled")
        bundles.append(
            BundleRule(
                rule_id,
                codes,
                kept_codes,
                item.get("same", "day"),
                item.get("severity"),
                item.get("note", ""),
            )
        )

    intervals: list[IntervalRule] = []
    for i, item in enumerate(data.get("min_intervals", [])):
        key = key_path(["min_intervals", i], prefix)
        rule_id = item.get("id") or f"min_intervals[{i}]"
        intervals.append(
            IntervalRule(
                rule_id,
                group(f"{rule_id} first", item["first"], key=f"{key}.first"),
                group(f"{rule_id} then", item["then"], key=f"{key}.then"),
                item["days"],
                bool(item.get("either_order", False)),
            )
        )
    return {
        "replacement": tuple(replacement),
        "bundles": tuple(bundles),
        "min_intervals": tuple(intervals),
    }


def _check_known(spec: str, source: str, key: str, value: str | None = None) -> None:
    """Codes used in rules and mappings must be codes claimlint knows (typos are errors)."""
    for code in (value,) if value else spec.split("-"):
        if not benefits.is_known(code):
            raise ProfileError(source, key, f"unknown code {code!r}: not a current CDT code")


def _date(value: Any, source: str, key: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ProfileError(source, key, f"{value!r} is not a date (YYYY-MM-DD)") from None


def _money(value: Any) -> Decimal | None:
    return None if value is None else to_money(value)


# -- frequency evaluation (shared by CL403/CL404/CL501 and the estimate) ---------------------


def window_start(profile: Profile, rule: FrequencyRule, day: dt.date) -> dt.date:
    """The first day a prior service counts against ``rule`` for a service on ``day``."""
    if rule.months is not None:
        return add_months(day, -rule.months) + dt.timedelta(days=1)
    if rule.period == "lifetime":
        return dt.date.min
    return profile.benefit_year_start(day, rule.period or "benefit-year")


def payable_again(
    profile: Profile, rule: FrequencyRule, counted: Sequence[dt.date], day: dt.date
) -> dt.date | None:
    """The first day the plan pays again for a service on ``day`` that ``rule`` refuses, given
    the dates (oldest first) of the services counted inside its window; None: never again
    (lifetime limit). Rolling months: when enough counted services leave the window (the
    ``count``-th most recent one, plus ``months``); a calendar or benefit year: the first
    day of the next one. The one place for this date (CL403, CL404, CL801, the estimate)."""
    if rule.months is not None:
        oldest_that_counts = counted[-rule.limit] if len(counted) >= rule.limit else counted[0]
        return add_months(oldest_that_counts, rule.months)
    if rule.period == "lifetime":
        return None
    return add_months(profile.benefit_year_start(day, rule.period or "benefit-year"), 12)


@dataclass(frozen=True, slots=True)
class FrequencyHit:
    """A frequency rule that a service would break, with the prior service that breaks it."""

    rule: FrequencyRule
    prior: Any  # PriorProcedure
    surfaces: tuple[str, ...]  # the overlapping surfaces (per-surface rules)
    window_start: dt.date
    count: int
    payable_from: dt.date | None = None  # None: never again (lifetime limit)

    def where(self) -> str:
        """``30-O`` / ``30`` (tooth and overlapping surfaces), as billing staff write it."""
        tooth = self.prior.tooth or "?"
        return f"{tooth}-{''.join(self.surfaces)}" if self.surfaces else tooth

    def window(self) -> str:
        if self.rule.months is not None:
            if self.rule.limit > 1:
                return f"limit of {self.rule.limit} per {self.rule.months} months"
            return f"{self.rule.months}-month window"
        period = PERIOD_NAMES.get(self.rule.period or "", "benefit year")
        if self.rule.period == "lifetime":
            return f"lifetime limit of {self.rule.count}"
        return f"limit of {self.rule.count} per {period} (since {self.window_start})"


def frequency_hits(
    profile: Profile,
    history: Any,
    member_id: str | None,
    code: str,
    tooth: str | None,
    surfaces: Iterable[str],
    day: dt.date | None,
    extra: Iterable[Any] = (),
) -> list[FrequencyHit]:
    """Frequency rules of ``profile`` that a service on ``day`` would break, given history.

    ``history`` is a :class:`claimlint.payer.history.History` (or None); ``extra`` adds prior
    procedures known from the claim itself (e.g. a crown's prior placement date). Priors on
    the same day are not counted here (that is a duplicate, CL412).
    """
    from claimlint.payer.history import counts, norm_tooth

    if not tooth or day is None or code not in RESTORATIVE_CODES:
        return []
    wanted = set(surfaces)
    extra = [p for p in extra if norm_tooth(p.tooth) == norm_tooth(tooth)]
    hits: list[FrequencyHit] = []
    for rule in profile.frequency_rules(code):
        if rule.per not in ("tooth", "surface"):
            continue  # mouth/arch/quadrant limits: claimlint.payer.plan_frequency (CL801)
        since = window_start(profile, rule, day)
        priors = (
            list(history.lookup(member_id, tooth, before=day, since=since))
            if (history is not None and member_id)
            else []
        )
        priors += [p for p in extra if since <= p.date < day]
        relevant: list[tuple[Any, tuple[str, ...]]] = []
        for prior in priors:
            if not counts(prior) or prior.code not in rule.codes:
                continue
            if rule.per == "surface" and prior.surfaces and wanted:
                overlap = tuple(s for s in prior.surfaces if s in wanted)
                if not overlap:
                    continue
            else:
                overlap = ()
            relevant.append((prior, overlap))
        if len(relevant) >= rule.limit:
            relevant.sort(key=lambda item: item[0].date)
            prior, overlap = relevant[-1]
            dates = [item[0].date for item in relevant]
            again = payable_again(profile, rule, dates, day)
            hits.append(FrequencyHit(rule, prior, overlap, since, len(relevant), again))
    return hits


def for_context(ctx: Any, claim: Any = None) -> Profile | None:
    """The profile of ``claim`` (default ``ctx.claim``) from ``ctx.profiles``, or None.

    Payer rules skip silently when this is None; CL413 reports the payer once per run.
    """
    profiles: ProfileSet | None = getattr(ctx, "profiles", None)
    claim = claim if claim is not None else getattr(ctx, "claim", None)
    if not profiles or claim is None:
        return None
    return profiles.for_claim(claim)
