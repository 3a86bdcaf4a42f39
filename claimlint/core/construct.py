"""Build frozen pydantic models without validation, faster than ``model_construct``.

Readers that have already checked (or deliberately kept raw) every value they put into the
model skip validation like ``model_construct`` does; this variant also precomputes the
defaults once per class. The result is an ordinary instance: equal to a validated one with the
same values, ``model_dump`` and ``.at()`` work.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

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


def positional(cls: type[M]) -> Callable[..., M]:
    """A function ``make(v1, v2, …) -> cls`` taking every field, in declaration order.

    Faster than :func:`constructor` for the models built per claim: no defaults to merge,
    the instance dict is one literal (generated once per class, like ``dataclasses`` does).
    """
    names = list(cls.model_fields)
    for name in names:
        if not name.isidentifier() or name.startswith("_"):  # pragma: no cover - defensive
            raise ValueError(f"cannot generate a constructor for field {name!r}")
    params = ", ".join(names)
    body = ", ".join(f"{n!r}: {n}" for n in names)
    src = (
        f"def make_{cls.__name__}({params}):\n"
        "    obj = _new(cls)\n"
        f"    _set(obj, '__dict__', {{{body}}})\n"
        "    _set(obj, '__pydantic_fields_set__', set(_names))\n"
        "    _set(obj, '__pydantic_extra__', None)\n"
        "    _set(obj, '__pydantic_private__', None)\n"
        "    return obj\n"
    )
    scope: dict[str, Any] = {"_new": _new, "_set": _set, "cls": cls, "_names": frozenset(names)}
    exec(src, scope)  # generated from the model's own field names
    return scope[f"make_{cls.__name__}"]  # type: ignore[no-any-return]


class Constructors(dict[type[BaseModel], Callable[..., BaseModel]]):
    """:func:`constructor` of each class, by class: ``makers[Claim](...)`` is a Claim.

    A plain dict at run time (lookups stay a dict's); only the type checker sees the
    per-class signature of ``[]``.
    """

    def __init__(self, *classes: type[BaseModel]) -> None:
        super().__init__((cls, constructor(cls)) for cls in classes)

    if TYPE_CHECKING:

        def __getitem__(self, cls: type[M], /) -> Callable[..., M]: ...
