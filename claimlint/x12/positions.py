"""Positions of X12 elements, computed when somebody asks for them.

The reader does not build a :class:`~claimlint.core.model.SourceRef` for every field it reads (fewer
than one claim in thirty ever has a finding). It keeps a *segment record* per referenced
segment — ``(site, chunk, piece, ordinal, elements)`` — and, per field, a token
``(segment record, X12 field name, element, component)``. :func:`materialize` turns a token into
the SourceRef the reader used to build eagerly: same file, field, segment ordinal and id,
physical line and column. :class:`LazyRefs` is the ``refs`` mapping of claims and lines built
from such tokens; it materialises (and keeps) each SourceRef on first access.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from claimlint.core.model import SourceRef
from claimlint.x12.construct import positional
from claimlint.x12.tokenizer import Chunk


class Site:
    """What the position of an element needs besides its segment: file name and the
    component separator of the interchange."""

    __slots__ = ("comp", "file")

    def __init__(self, file: str, comp: str) -> None:
        self.file = file
        self.comp = comp


SegRecord = tuple[Site, Chunk, int, int, list[str]]
"""(site, chunk, piece index in the chunk, segment ordinal, elements)."""

RefToken = tuple[SegRecord, str | None, int, int]
"""(segment record, X12 field name such as ``TOO03``, element, component)."""

_make_ref = positional(SourceRef)


def materialize(
    seg: SegRecord, field: str | None, element: int = 0, component: int = 0
) -> SourceRef:
    """The SourceRef of ``field`` (at ``element``, ``component`` when given) of a segment."""
    site, chunk, piece, ordinal, e = seg
    line, col = chunk.position(piece)
    if element:
        n = min(element, len(e))
        col += n
        for i in range(n):
            col += len(e[i])
        if component > 1 and element < len(e):
            parts = e[element].split(site.comp)
            k = min(component - 1, len(parts))
            col += k
            for i in range(k):
                col += len(parts[i])
    return _make_ref(site.file, field, None, line, col, ordinal, e[0])


class LazyRefs(Mapping[str, SourceRef]):
    """``refs`` of a claim or line: canonical field → SourceRef, built on first access.

    Values are :class:`RefToken` tuples or SourceRefs already built; reading a value (``[]``,
    ``get``, ``values``, ``items``) always gives a SourceRef.
    """

    __slots__ = ("_items",)

    def __init__(self, items: dict[str, SourceRef | RefToken]) -> None:
        self._items = items

    def __getitem__(self, key: str) -> SourceRef:
        value = self._items[key]
        if value.__class__ is tuple:
            value = self._items[key] = materialize(*value)
        return value  # type: ignore[return-value]  # `__class__ is tuple` does not narrow

    def get(self, key: str, default: Any = None) -> Any:
        value = self._items.get(key)
        if value is None:
            return default
        if value.__class__ is tuple:
            value = self._items[key] = materialize(*value)
        return value

    def __reduce__(self) -> tuple[Any, ...]:
        # a token refers to its whole chunk of the file: send SourceRefs, not chunks (--jobs
        # sends claims to the parent for batch-scope checks)
        return (LazyRefs, ({key: self[key] for key in self._items},))

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"LazyRefs({dict(self)!r})"
