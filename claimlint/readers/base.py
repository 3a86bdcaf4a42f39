"""What readers produce, and how a reader is chosen for a file.

A reader is a function ``read(source: Source, options: ReadOptions) -> Iterator[ReadItem]``
that streams, in file order:

* ``BatchMeta`` (at most once, before any claim) – inline history and payer data of a batch;
* ``Claim`` – a claim that parsed into the canonical model;
* ``Unparsable`` – a claim the reader saw but could not build, with the findings that say why
  (CL002 schema, CL1xx structure); it is counted, never dropped;
* ``Finding`` – anything about the file or its envelope (CL001, CL1xx) and located findings on
  claims that did parse (e.g. X12 element problems).

Readers never judge claims beyond what parsing needs; checks do that.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from claimlint.core.findings import Finding
from claimlint.core.model import Claim, PriorProcedure


@dataclass(slots=True)
class Unparsable:
    """A claim that was read but could not be built; its findings say why."""

    claim_id: str | None
    findings: list[Finding]


@dataclass(slots=True)
class BatchMeta:
    history: list[PriorProcedure] = field(default_factory=list)
    payers: dict[str, Any] = field(default_factory=dict)


ReadItem = Claim | Unparsable | Finding | BatchMeta


@dataclass(slots=True)
class ReadOptions:
    """Reader settings from the command line or configuration."""

    tooth_system: str | None = None  # "universal" or "iso" when the export declares it
    csv_mapping: str | None = None  # name of a built-in CSV mapping or a TOML file path
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Source:
    """A file to read: a path, or stdin (``name`` is what findings print).

    ``--jobs`` hands a worker one part of a large file: the bytes ``[start, end)`` of it, which
    begin at a record boundary (a JSONL line, an X12 ST segment). ``first_line`` and
    ``first_segment`` are the 1-based physical line and X12 segment ordinal of ``start``, so
    that a reader of a part reports the same positions as a reader of the whole file.
    ``resume`` is what else a format's reader needs to start there (X12: the interchange's
    delimiters, the column and the envelope state; see claimlint/readers/x12/cuts.py).
    """

    name: str
    path: Path | None = None
    data: bytes | None = None
    start: int = 0
    end: int | None = None
    first_line: int = 1
    first_segment: int = 1
    resume: Any = None
    #: the format when the caller knows it (``claimlint serve``'s ``?format=``); else sniffed
    format: str | None = None

    @property
    def is_part(self) -> bool:
        return self.start != 0 or self.end is not None

    def open(self) -> BinaryIO:
        if self.data is not None:
            return io.BytesIO(self.data[self.start : self.end])
        assert self.path is not None
        if self.is_part:
            return _RangeFile(self.path, self.start, self.end)
        return self.path.open("rb")

    def read_bytes(self) -> bytes:
        if self.data is not None:
            return self.data[self.start : self.end]
        assert self.path is not None
        if self.is_part:
            with self.open() as fh:
                return fh.read()
        return self.path.read_bytes()

    def head(self, size: int = 4096) -> bytes:
        if self.data is not None:
            return self.data[:size]
        assert self.path is not None
        with self.path.open("rb") as fh:
            return fh.read(size)

    @classmethod
    def stdin(cls) -> Source:
        return cls(name="<stdin>", data=sys.stdin.buffer.read())


class _RangeFile(io.BufferedReader):
    """A buffered binary file that reads only the bytes ``[start, end)`` of ``path``."""

    def __init__(self, path: Path, start: int, end: int | None) -> None:
        raw = open(path, "rb", buffering=0)  # noqa: SIM115 - closed with this reader
        raw.seek(start)
        super().__init__(_RangeRaw(raw, None if end is None else end - start), 1 << 16)


class _RangeRaw(io.RawIOBase):
    def __init__(self, raw: io.RawIOBase, remaining: int | None) -> None:
        self._raw = raw
        self._remaining = remaining

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer)
        if self._remaining is not None:
            if self._remaining <= 0:
                return 0
            view = view[: self._remaining]
        n = self._raw.readinto(view) or 0
        if self._remaining is not None:
            self._remaining -= n
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


ReaderFn = Callable[[Source, ReadOptions], Iterator[ReadItem]]

# format name -> "module:function"; a reader lands by adding a row here.
READERS: dict[str, str] = {
    "json": "claimlint.readers.json:read_json",
    "jsonl": "claimlint.readers.json:read_jsonl",
    "x12": "claimlint.readers.x12.reader:read_x12",
    "csv": "claimlint.readers.csv:read_csv",
    "xml": "claimlint.readers.xml:read_xml",
}

# file suffix -> format name
SUFFIXES: dict[str, str] = {
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".837": "x12",
    ".x12": "x12",
    ".edi": "x12",
    ".csv": "csv",
    ".tsv": "csv",
    ".xml": "xml",
}


def available_formats() -> list[str]:
    return sorted(READERS)


def sniff(source: Source) -> str | None:
    """The format the source declares, else one from the file name, else from the first
    bytes."""
    if source.format in READERS:
        return source.format
    if source.path is not None:
        fmt = SUFFIXES.get(source.path.suffix.lower())
        if fmt in READERS:
            return fmt
    head = source.head(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"ISA") and "x12" in READERS:
        return "x12"
    if head.startswith(b"<") and "xml" in READERS:
        return "xml"
    if head.startswith(b"["):
        return "json"
    if head.startswith(b"{"):
        first, _, rest = head.partition(b"\n")
        return (
            "jsonl" if first.rstrip().endswith(b"}") and rest.strip().startswith(b"{") else "json"
        )
    if "csv" in READERS and (
        (source.path is not None and source.path.suffix.lower() in (".csv", ".tsv", ".txt"))
        or _looks_like_csv_header(head)
    ):
        return "csv"
    return None


def _looks_like_csv_header(head: bytes) -> bool:
    """A first line split by a CSV delimiter with a known claim id or code column.

    This lets stdin and unknown suffixes be read as CSV without guessing on arbitrary text: a
    header must name the claim id or procedure code column of the default or a built-in
    mapping (``claim_id``, ``Claim ID``, ...).
    """
    import csv

    from claimlint.readers.mappings import REQUIRED, builtin_names, load_mapping

    first = next(
        (ln for ln in head.decode("utf-8", errors="replace").splitlines() if ln.strip()), ""
    )
    if len(first) > 4000 or "\x00" in first:
        return False
    for delimiter in ",;\t|":
        if delimiter not in first:
            continue
        cells = next(csv.reader([first], delimiter=delimiter), [])
        names = {" ".join(cell.strip().lower().split()) for cell in cells}
        for mapping in (None, *builtin_names()):
            lookup = load_mapping(mapping).lookup()
            if any(lookup.get(name) in REQUIRED for name in names):
                return True
    return False


def get_reader(fmt: str) -> ReaderFn:
    import importlib

    module, _, func = READERS[fmt].partition(":")
    reader: ReaderFn = getattr(importlib.import_module(module), func)
    return reader
