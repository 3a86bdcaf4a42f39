"""Physical positions of JSON Pointers in a JSON document.

orjson gives no positions, and findings on a pretty-printed batch should still open at the
right line in an editor, a SARIF viewer or a GitHub annotation. This scanner walks the tokens
once (a compiled regular expression skips whitespace and string bodies in C), only for files
that have findings, and maps each wanted pointer — or, when the pointer names a field that is
absent, its nearest existing ancestor — to a 1-based line and column.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import Any

# a string is matched "unrolled" (runs of plain characters, then one escape at a time): the
# form ``(?:[^"\\]|\\.)*`` keeps one backtracking entry per character, ~120 bytes each, so a
# 15 MB string in a claim took 1.8 GB and 6 s; this form takes neither
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[{}\[\],:]|[^\s{}\[\],:"]+', re.S)


def _ancestors(pointer: str) -> list[str]:
    parts = pointer.split("/")
    return ["/".join(parts[:i]) for i in range(len(parts), 0, -1)]


def pointer_positions(text: str, pointers: set[str]) -> dict[str, tuple[int, int]]:
    """Map each pointer in ``pointers`` to (line, column) of its value (or nearest ancestor)."""
    wanted: set[str] = set()
    for p in pointers:
        wanted.update(_ancestors(p))
    found: dict[str, int] = {}
    # stack entries: [is_array, key or index, pointer of the container]
    stack: list[list[Any]] = []
    expecting_key = False
    for m in _TOKEN.finditer(text):
        tok = m.group()
        first = tok[0]
        if first == ",":
            if stack:
                top = stack[-1]
                if top[0]:
                    top[1] += 1
                else:
                    expecting_key = True
            continue
        if first == ":":
            continue
        if first in "]}":
            stack.pop()
            expecting_key = False
            continue
        if expecting_key and first == '"':
            stack[-1][1] = tok[1:-1].replace("~", "~0").replace("/", "~1")
            expecting_key = False
            continue
        if stack:
            top = stack[-1]
            ptr = f"{top[2]}/{top[1]}"
        else:
            ptr = ""
        if ptr in wanted and ptr not in found:
            found[ptr] = m.start()
        if first == "{":
            stack.append([False, None, ptr])
            expecting_key = True
        elif first == "[":
            stack.append([True, 0, ptr])
    # a line ends with LF, CRLF or a bare CR (old Mac files), as in editors
    starts = [0] + [m.end() for m in re.finditer("\r\n|\r|\n", text)]
    out: dict[str, tuple[int, int]] = {}
    for p in pointers:
        for anc in _ancestors(p):
            if anc in found:
                offset = found[anc]
                line = bisect_right(starts, offset)
                out[p] = (line, offset - starts[line - 1] + 1)
                break
    return out
