"""Physical positions of JSON Pointers in a JSON document.

orjson gives no positions, and findings on a pretty-printed batch should still open at the
right line in an editor, a SARIF viewer or a GitHub annotation. This scanner walks the text
once, only for files that have findings, and maps each wanted pointer (or, when the pointer
names a field that is absent, its nearest existing ancestor) to a 1-based line and column.
"""

from __future__ import annotations

_WS = " \t\r\n"


def _ancestors(pointer: str) -> list[str]:
    parts = pointer.split("/")
    return ["/".join(parts[:i]) for i in range(len(parts), 0, -1)]


def pointer_positions(text: str, pointers: set[str]) -> dict[str, tuple[int, int]]:
    """Map each pointer in ``pointers`` to (line, column) of its value (or nearest ancestor)."""
    wanted: set[str] = set()
    for p in pointers:
        wanted.update(_ancestors(p))
    found: dict[str, tuple[int, int]] = {}
    line, line_start = 1, 0
    i, n = 0, len(text)
    # stack of [kind, current key or index, pointer of the container]
    stack: list[list] = []
    expecting_key = False

    def current_pointer() -> str:
        if not stack:
            return ""
        _, key, base = stack[-1]
        return f"{base}/{key}"

    while i < n:
        ch = text[i]
        if ch == "\n":
            line += 1
            line_start = i + 1
            i += 1
            continue
        if ch in _WS or ch == ":":
            i += 1
            continue
        if ch == ",":
            if stack and stack[-1][0] == "a":
                stack[-1][1] += 1
            elif stack:
                expecting_key = True
            i += 1
            continue
        if ch in "]}":
            stack.pop()
            expecting_key = False
            i += 1
            continue
        if ch == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            if expecting_key:
                key = text[i + 1 : j].replace("~", "~0").replace("/", "~1")
                stack[-1][1] = key
                expecting_key = False
            else:
                ptr = current_pointer()
                if ptr in wanted and ptr not in found:
                    found[ptr] = (line, i - line_start + 1)
            i = j + 1
            continue
        # a value that is not a string: container or scalar
        ptr = current_pointer()
        if ptr in wanted and ptr not in found:
            found[ptr] = (line, i - line_start + 1)
        if ch == "{":
            stack.append(["o", None, ptr])
            expecting_key = True
            i += 1
        elif ch == "[":
            stack.append(["a", 0, ptr])
            i += 1
        else:
            while i < n and text[i] not in ",]}" + _WS:
                i += 1
    out: dict[str, tuple[int, int]] = {}
    for p in pointers:
        for anc in _ancestors(p):
            if anc in found:
                out[p] = found[anc]
                break
    return out
