"""The entry points of one group (``claimlint.checks``), found without importing
importlib.metadata where the answer is plain to see.

importlib.metadata costs about 30 ms of ``claimlint check``'s start-up here: importing it brings
in email, zipfile, csv and textwrap, and it then walks every installed distribution through
pathlib. For the usual layout — folders on ``sys.path`` holding ``*.dist-info`` and
``*.egg-info`` folders, and no finder besides ``PathFinder`` that finds distributions — this
module reads the same ``entry_points.txt`` files in the same order with ``os.listdir`` and
keeps importlib's rules (the first distribution of a name on ``sys.path`` wins; sections,
comments and ``name = value`` lines as importlib parses them). Anything else — a zip file or an
egg on ``sys.path``, another distribution finder, a folder name importlib would resolve through
the metadata file, a line importlib would refuse, an unreadable file — is answered by
importlib.metadata itself, so the result is always what ``importlib.metadata.entry_points(group=
...)`` gives (tests/test_entrypoints.py compares the two).
"""

from __future__ import annotations

import functools
import importlib
import importlib.machinery
import os
import re
import sys
from typing import Any

#: importlib.metadata.EntryPoint.pattern (Python 3.11)
_PATTERN = re.compile(
    r"(?P<module>[\w.]+)\s*"
    r"(:\s*(?P<attr>[\w.]+)\s*)?"
    r"((?P<extras>\[.*\])?\s*)?$"
)
_SUFFIXES = (".dist-info", ".egg-info")


class EntryPoint:
    """One entry point: ``name = value`` in ``[group]``; :meth:`load` imports what it names."""

    __slots__ = ("group", "name", "value")

    def __init__(self, name: str, value: str, group: str) -> None:
        self.name = name
        self.value = value
        self.group = group

    def __repr__(self) -> str:
        return f"EntryPoint(name={self.name!r}, value={self.value!r}, group={self.group!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, EntryPoint):
            return NotImplemented
        return (self.name, self.value, self.group) == (other.name, other.value, other.group)

    def __hash__(self) -> int:
        return hash((self.name, self.value, self.group))

    def load(self) -> Any:
        """The object the entry point names (``module`` or ``module:attr.attr``), loaded as
        importlib.metadata loads it."""
        match = _PATTERN.match(self.value)
        if match is None:  # importlib's own error for a malformed value
            from importlib.metadata import EntryPoint as Standard

            return Standard(self.name, self.value, self.group).load()
        module = importlib.import_module(match.group("module"))
        attrs = filter(None, (match.group("attr") or "").split("."))
        return functools.reduce(getattr, attrs, module)


class _Unusual(Exception):
    """A layout this module does not read itself: importlib.metadata answers."""


def entry_points(group: str) -> list[EntryPoint]:
    """The entry points of ``group`` in importlib.metadata's order."""
    try:
        return _scan(group)
    except _Unusual:
        from importlib.metadata import entry_points as standard

        return [EntryPoint(ep.name, ep.value, ep.group) for ep in standard(group=group)]


def _normalize(name: str) -> str:
    """importlib.metadata's ``Prepared.normalize``: PEP 503 plus dashes as underscores."""
    return re.sub(r"[-_.]+", "-", name).lower().replace("-", "_")


def _scan(group: str) -> list[EntryPoint]:
    for finder in sys.meta_path:
        if (
            finder is not importlib.machinery.PathFinder
            and getattr(finder, "find_distributions", None) is not None
        ):
            raise _Unusual
    seen: set[str] = set()
    found: list[EntryPoint] = []
    for root in sys.path:
        for name, folder in _distributions(root):
            if name not in seen:
                seen.add(name)
                found.extend(_read(folder, group))
    return found


def _distributions(root: object) -> list[tuple[str, str]]:
    """(normalized name, folder) of the first distribution of each name in ``root``, in the
    order importlib.metadata's ``Lookup`` keeps them."""
    if not isinstance(root, str) or os.path.basename(root).lower().endswith(".egg"):
        raise _Unusual
    try:
        children = os.listdir(root or ".")
    except OSError:
        if os.path.exists(root or "."):  # a zip file, or a folder that cannot be listed
            raise _Unusual from None
        return []
    firsts: dict[str, str] = {}
    for child in children:
        if not child.lower().endswith(_SUFFIXES):
            continue
        stem, ext = os.path.splitext(child)
        name = stem.partition("-")[0]
        if ext not in _SUFFIXES or not name:  # importlib takes the name from the metadata
            raise _Unusual
        firsts.setdefault(_normalize(name), os.path.join(root, child))
    return list(firsts.items())


def _read(folder: str, group: str) -> list[EntryPoint]:
    """The entry points of ``group`` in ``folder``/entry_points.txt, parsed as importlib's
    ``Sectioned`` does."""
    try:
        with open(os.path.join(folder, "entry_points.txt"), encoding="utf-8") as fh:
            text = fh.read()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError):
        return []
    except (OSError, UnicodeDecodeError):
        raise _Unusual from None
    out: list[EntryPoint] = []
    section: str | None = None
    for line in map(str.strip, text.splitlines()):
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line.strip("[]")
            continue
        if section is None:
            continue
        name, eq, value = line.partition("=")
        if not eq:  # importlib.metadata raises an error for it
            raise _Unusual
        if section == group:
            out.append(EntryPoint(name.strip(), value.strip(), section))
    return out
