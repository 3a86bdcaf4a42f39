"""Marked sections of benchmarks/results.md: each runner replaces only its own section.

A section is everything from ``<!-- NAME -->`` to ``<!-- /NAME -->``, the markers included.
The other sections of the file (written by other scripts or by hand) are left as they are.
"""

from __future__ import annotations

from pathlib import Path


def replace_section(path: Path, name: str, body: str, *, at_start: bool = False) -> None:
    """Write ``body`` between the markers of section ``name`` in ``path``.

    When the file has no such section yet, the section is added at the end of the file (or at
    its start with ``at_start``); a missing file is created holding only the section.
    """
    start, end = f"<!-- {name} -->", f"<!-- /{name} -->"
    section = f"{start}\n{body.rstrip()}\n{end}\n"
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    head, found, rest = old.partition(start)
    if found:
        _, closed, tail = rest.partition(end)
        if not closed:
            raise SystemExit(f"{path}: {start} has no closing {end}; not rewriting the file")
        text = head + section.rstrip("\n") + tail
    elif not old.strip():
        text = section
    elif at_start:
        text = section + "\n" + old
    else:
        text = old.rstrip("\n") + "\n\n" + section
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
