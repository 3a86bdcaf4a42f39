"""Build frozen pydantic models without validation, faster than ``model_construct``.

The X12 reader has already checked (or deliberately kept raw) every value it puts into the
model, so it skips validation like ``model_construct`` does; this variant also precomputes the
defaults once per class. The result is an ordinary instance: equal to a validated one with the
same values, ``model_dump`` and ``.at()`` work.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)

_new = object.__new__
_set = object.__setattr__


def constructor(cls: type[M]) -> Callable[..., M]:
    """A function ``make(**values) -> cls`` that fills defaults and skips validation."""
    defaults: dict[str, Any] = {}
    factories: list[tuple[str, Callable[[], Any]]] = []
    for name, info in cls.model_fields.items():
        if info.default_factory is not None:
            factories.append((name, info.default_factory))  # type: ignore[arg-type]
        elif not info.is_required():
            defaults[name] = info.default

    def make(**values: Any) -> M:
        data = defaults.copy()
        for name, factory in factories:
            if name not in values:
                data[name] = factory()
        data.update(values)
        obj = _new(cls)
        _set(obj, "__dict__", data)
        _set(obj, "__pydantic_fields_set__", set(values))
        _set(obj, "__pydantic_extra__", None)
        _set(obj, "__pydantic_private__", None)
        return obj

    make.__name__ = f"make_{cls.__name__}"
    return make
