"""Built-in checks. Each module in this package defines Check subclasses; the package itself is
the ``builtin`` entry point of the ``claimlint.checks`` group, exactly like a plugin would be.
"""

from __future__ import annotations

import importlib
import pkgutil

from claimlint.checks.base import Check


def builtin_checks() -> list[type[Check]]:
    """Every Check subclass defined in the modules of this package, sorted by code."""
    found: dict[str, type[Check]] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_") or info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        found.update(checks_in(module))
    return sorted(found.values(), key=lambda c: c.code)


def checks_in(obj: object) -> dict[str, type[Check]]:
    """Check classes defined directly in a module (not imported into it)."""
    out: dict[str, type[Check]] = {}
    for value in vars(obj).values():
        if (
            isinstance(value, type)
            and issubclass(value, Check)
            and value is not Check
            and value.__module__ == getattr(obj, "__name__", None)
            and getattr(value, "code", None)
        ):
            out[value.code] = value
    return out


# The entry point `builtin = "claimlint.checks"` loads this module; the registry calls this.
CHECKS = builtin_checks
