"""Fast constructors of the model classes: no normalisation, nothing to validate.

Readers that have already checked (or deliberately kept raw) every value they put into the
model skip the normalising constructor. The functions here are generated once per class from
its ``FIELDS``/``STORE``/``DEFAULTS`` (like ``dataclasses`` generates ``__init__``); the
result is an ordinary instance, equal to one built by the class's constructor from the same
normalised values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from claimlint.core.model import Lean, generate_constructor

M = TypeVar("M", bound=Lean)


def constructor(cls: type[M]) -> Callable[..., M]:
    """A function ``make(**values) -> cls`` that fills defaults and skips normalisation."""
    return generate_constructor(cls, keyword=True)


def positional(cls: type[M]) -> Callable[..., M]:
    """A function ``make(v1, v2, …) -> cls`` taking every field, in ``FIELDS`` order.

    Faster than :func:`constructor` for the objects built per claim: no defaults to fill.
    """
    return generate_constructor(cls, keyword=False)


class Constructors(dict[type[Lean], Callable[..., Lean]]):
    """:func:`constructor` of each class, by class: ``makers[Claim](...)`` is a Claim.

    A plain dict at run time (lookups stay a dict's); only the type checker sees the
    per-class signature of ``[]``.
    """

    def __init__(self, *classes: type[Lean]) -> None:
        super().__init__((cls, constructor(cls)) for cls in classes)

    if TYPE_CHECKING:

        def __getitem__(self, cls: type[M], /) -> Callable[..., M]: ...
