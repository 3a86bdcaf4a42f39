"""Finding checks: the ``claimlint.checks`` entry-point group, built-ins included.

Like flake8's plugin finder: deterministic order (by entry-point name, then code), a plugin that
fails to load is reported with its name and the error, and a duplicate code or name is refused.
An entry point may name a Check subclass, a module (its Check classes are taken), or a callable
returning Check classes.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from claimlint.checks.base import DOC_SECTIONS, Check
from claimlint.running.entrypoints import entry_points

GROUP = "claimlint.checks"


class RegistryError(Exception):
    """A plugin could not be loaded or conflicts with another one."""


@dataclass(frozen=True, slots=True)
class Registry:
    checks: tuple[type[Check], ...]
    #: check code -> the entry-point name of the plugin it came from ("builtin" for ours)
    origins: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # a tuple whatever the caller passed: the compiled engine (running/lint.py, mypyc)
        # checks the declared type when it reads ``checks``
        if type(self.checks) is not tuple:
            object.__setattr__(self, "checks", tuple(self.checks))

    def plugin_names(self) -> list[str]:
        return sorted(set(self.origins.values()))

    def by_code(self) -> dict[str, type[Check]]:
        return {c.code: c for c in self.checks}

    def get(self, key: str) -> type[Check] | None:
        key_u = key.strip().upper()
        for c in self.checks:
            if c.code == key_u or c.name == key.strip().lower():
                return c
        return None


def _expand(obj: object, origin: str) -> list[type[Check]]:
    from claimlint.checks import checks_in

    if inspect.isclass(obj) and issubclass(obj, Check):
        return [obj]
    if inspect.ismodule(obj):
        provider = getattr(obj, "CHECKS", None)
        if callable(provider):
            return list(provider())
        return list(checks_in(obj).values())
    if callable(obj):
        return list(obj())
    if isinstance(obj, Iterable):
        return [c for c in obj if inspect.isclass(c) and issubclass(c, Check)]
    raise RegistryError(f"plugin {origin!r} does not provide Check classes")


def validate_check(check: type[Check], origin: str) -> None:
    for attr in ("code", "name", "summary", "severity", "scope"):
        if not getattr(check, attr, None):
            raise RegistryError(f"check {check.__qualname__} from {origin!r} has no {attr}")


@lru_cache(maxsize=1)
def load_registry() -> Registry:
    eps = sorted(entry_points(GROUP), key=lambda ep: (ep.name != "builtin", ep.name))
    sources: list[tuple[str, object]] = []
    if not any(ep.value.split(":")[0] == "claimlint.checks" for ep in eps):
        # running from a source checkout that is not installed: built-ins still load
        sources.append(("builtin", importlib.import_module("claimlint.checks")))
    for ep in eps:
        try:
            sources.append((ep.name, ep.load()))
        except Exception as exc:  # a broken plugin must not look like a claimlint crash
            raise RegistryError(
                f"plugin {ep.name!r} ({ep.value}) failed to load: {type(exc).__name__}: {exc}"
            ) from exc
    codes: dict[str, str] = {}
    names: dict[str, str] = {}
    checks: list[type[Check]] = []
    for origin, obj in sources:
        for check in _expand(obj, origin):
            validate_check(check, origin)
            if check.code in codes:
                if codes[check.code] == origin and check in checks:
                    continue
                raise RegistryError(
                    f"check code {check.code} from plugin {origin!r} is already defined by "
                    f"{codes[check.code]!r}; codes are never reused"
                )
            if check.name in names:
                raise RegistryError(
                    f"check name {check.name!r} from plugin {origin!r} is already used by "
                    f"{names[check.name]!r}"
                )
            codes[check.code] = origin
            names[check.name] = origin
            checks.append(check)
    checks.sort(key=lambda c: c.code)
    return Registry(tuple(checks), origins=dict(codes))


def missing_doc_sections(check: type[Check]) -> list[str]:
    sections = check.doc_sections()
    return [s for s in DOC_SECTIONS if s not in sections]


# -- plugin options ------------------------------------------------------------------------


def resolve_plugin_options(
    registry: Registry, config: Any, selected: Iterable[type[Check]]
) -> dict[str, Any]:
    """Validate each ``[tool.claimlint.plugins.<name>]`` table with its plugin and return the
    options of every selected check, by code.

    A plugin validates its table with a Check class attribute ``options_model`` (a pydantic
    model: the check gets the model instance) or a ``validate_options(table)`` classmethod
    (the check gets what it returns; raise ValueError to refuse). A plugin that declares
    neither gets its table as a dict. A table for a plugin that is not installed, or options
    its plugin refuses, are a :class:`~claimlint.core.config.ConfigError` naming the file and key.
    """
    from claimlint.core.config import ConfigError

    where = str(config.source) if getattr(config, "source", None) else "configuration"
    tables: dict[str, dict[str, Any]] = dict(getattr(config, "plugins", None) or {})
    known = registry.plugin_names()
    for name in tables:
        if name not in known:
            raise ConfigError(
                f"{where}: plugins.{name}: no installed plugin is named {name!r} "
                f"(installed: {', '.join(known) or 'none'}; the name is the entry-point name)"
            )
    out: dict[str, Any] = {}
    done: dict[tuple[str, int], Any] = {}
    for check in selected:
        origin = registry.origins.get(check.code)
        if origin is None:
            continue
        table = tables.get(origin)
        validator = getattr(check, "validate_options", None) or getattr(
            check, "options_model", None
        )
        if validator is None:
            if table is not None:
                out[check.code] = dict(table)
            continue
        key = (origin, id(validator))
        if key not in done:
            done[key] = _validate(check, dict(table or {}), f"{where}: plugins.{origin}")
        out[check.code] = done[key]
    return out


def _validate(check: type[Check], table: dict[str, Any], where: str) -> Any:
    from pydantic import ValidationError

    from claimlint.core.config import ConfigError

    try:
        hook = getattr(check, "validate_options", None)
        if hook is not None:
            return hook(table)
        return check.options_model.model_validate(table)
    except ValidationError as exc:
        first = exc.errors()[0]
        field_path = ".".join(str(p) for p in first.get("loc", ()))
        raise ConfigError(
            f"{where}{'.' + field_path if field_path else ''}: {first.get('msg', exc)}"
        ) from None
    except (ValueError, TypeError, KeyError) as exc:
        raise ConfigError(f"{where}: {exc}") from None
