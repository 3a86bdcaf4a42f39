"""Readers turn input files into canonical claims (see ``base`` for the contract)."""

from claimlint.readers.base import (
    READERS,
    SUFFIXES,
    BatchMeta,
    ReadItem,
    ReadOptions,
    Source,
    Unparsable,
    get_reader,
    sniff,
)

__all__ = [
    "READERS",
    "SUFFIXES",
    "BatchMeta",
    "ReadItem",
    "ReadOptions",
    "Source",
    "Unparsable",
    "get_reader",
    "sniff",
]
