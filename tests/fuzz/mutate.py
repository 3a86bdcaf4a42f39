"""Mutations of valid seeds, as hypothesis strategies.

A mutation is a small frozen description ``Mutation(kind, a, b, value)`` (so hypothesis can
print and shrink it) applied to bytes by :func:`apply`. Byte-level kinds work on any format;
the structured kinds (``value``, ``unit-*``, ``delimiters``, ``nest``) know the format's
records: X12 segments and elements, CSV rows and cells, JSON values, XML elements.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass

from hypothesis import strategies as st

#: values that have broken readers: bad teeth and money, huge numbers, separators, escapes
INTERESTING: tuple[bytes, ...] = (
    b"",
    b"0",
    b"-1",
    b"1e400",
    b"NaN",
    b"inf",
    b"12x.00",
    b"$1,395.00",
    b"58",
    b"19",
    b"30.0",
    b"#8",
    b"2025-02-30",
    b"13/45/2025",
    b"06/02/2025",
    b"D2150",
    b"MODBLX",
    b"9" * 20,
    b"9" * 28,
    b"1" * 40,
    b"\x00",
    b"\xff\xfe\xc3(",
    b'"',
    b"'",
    b",",
    b"|",
    b"\t",
    b"~",
    b"*",
    b":",
    b"^",
    b"\r",
    b"\n",
    b"\r\n",
    b"<",
    b"&amp;",
    b"]]>",
    b"\xe2\x80\xae",
    b"\x1b[31m",
    b"\xef\xbb\xbf",
)

#: sizes for huge fields and numbers (in process; the CLI tests go bigger)
HUGE_SIZES = (300, 4_096, 70_000, 140_000, 300_000)
NUMBER_DIGITS = (19, 20, 28, 40, 400, 5_000)
NEST_DEPTHS = (64, 1_000, 10_000, 100_000)

#: kinds after which a reader must still read every claim or say why (see check_not_lost)
COUNT_KEEPING = frozenset(
    {
        "flip",
        "insert",
        "interesting",
        "value",
        "huge",
        "number",
        "nest",
        "unit-dup",
        "unit-drop",
        "unit-swap",
        "delimiters",
        "crlf",
        "cr",
        "utf8-bom",
        "utf16",
        "nul",
        "bad-utf8",
    }
)


@dataclass(frozen=True)
class Mutation:
    kind: str
    a: int = 0
    b: int = 0
    value: bytes = b""

    def __repr__(self) -> str:  # short in hypothesis' falsifying examples
        v = self.value if len(self.value) <= 24 else self.value[:24] + b"...(%d)" % len(self.value)
        return f"Mutation({self.kind!r}, {self.a}, {self.b}, {v!r})"


_POS = st.integers(min_value=0, max_value=2**31)


def mutations(fmt: str) -> st.SearchStrategy[Mutation]:
    """One mutation for reader ``fmt`` (x12, json, jsonl, csv, xml)."""
    interesting = st.sampled_from(INTERESTING)
    plain = [
        st.builds(Mutation, st.just("flip"), _POS, st.integers(0, 255)),
        st.builds(Mutation, st.just("insert"), _POS, st.just(0), st.binary(min_size=1, max_size=8)),
        st.builds(Mutation, st.just("interesting"), _POS, st.just(0), interesting),
        st.builds(Mutation, st.just("delete"), _POS, st.integers(1, 64)),
        st.builds(Mutation, st.just("truncate"), _POS),
        st.builds(Mutation, st.just("value"), _POS, st.just(0), interesting),
        st.builds(Mutation, st.just("huge"), _POS, st.sampled_from(HUGE_SIZES)),
        st.builds(Mutation, st.just("number"), _POS, st.sampled_from(NUMBER_DIGITS)),
        st.builds(Mutation, st.just("unit-dup"), _POS),
        st.builds(Mutation, st.just("unit-drop"), _POS),
        st.builds(Mutation, st.just("unit-swap"), _POS, _POS),
        st.builds(Mutation, st.just("nul"), _POS),
        st.builds(Mutation, st.just("bad-utf8"), _POS),
        st.sampled_from(
            [
                Mutation("crlf"),
                Mutation("cr"),
                Mutation("utf8-bom"),
                Mutation("utf16"),
                Mutation("empty"),
            ]
        ),
    ]
    if fmt in ("json", "jsonl", "xml"):
        plain.append(st.builds(Mutation, st.just("nest"), _POS, st.sampled_from(NEST_DEPTHS)))
    if fmt == "x12":
        plain.append(
            st.builds(
                Mutation, st.just("delimiters"), st.integers(0, 2), st.integers(0, 2),
                st.sampled_from([b"*", b"~", b":", b"^", b"|", b"\n", b"!", b"\x1d"]),
            )
        )  # fmt: skip
    return st.one_of(plain)


# -- applying --------------------------------------------------------------------------------


def _x12_delims(data: bytes) -> tuple[bytes, bytes, bytes] | None:
    i = data.find(b"ISA")
    if i < 0 or len(data) < i + 106:
        return None
    return data[i + 3 : i + 4], data[i + 104 : i + 105], data[i + 105 : i + 106]


def units(data: bytes, fmt: str) -> list[bytes]:
    """The file's records, keeping their terminators: X12 segments, else lines."""
    if fmt == "x12":
        d = _x12_delims(data)
        if d:
            term = re.escape(d[2])
            return [u for u in re.split(b"(?<=" + term + b")", data) if u]
    return data.splitlines(keepends=True)


def _tokens(data: bytes, fmt: str) -> list[tuple[int, int]]:
    """Spans of single values: X12 elements, CSV cells, JSON scalars, XML text/attributes."""
    if fmt == "x12":
        d = _x12_delims(data) or (b"*", b":", b"~")
        pat = b"[^" + re.escape(d[0] + d[1] + d[2]) + b"\r\n]+"
    elif fmt == "csv":
        pat = rb'"(?:[^"]|"")*"|[^,|\t\r\n"]+'
    elif fmt in ("json", "jsonl"):
        pat = rb'"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null'
    elif fmt == "xml":
        pat = rb">[^<]+<|\"[^\"]*\""
    else:  # configuration text (TOML, YAML): words and numbers
        pat = rb"[A-Za-z0-9_.\-]+"
    spans = [m.span() for m in re.finditer(pat, data)]
    if fmt == "xml":
        spans = [(s + 1, e - 1) for s, e in spans]
    return spans


def _replace_value(data: bytes, fmt: str, at: int, new: bytes) -> bytes:
    """Replace one value, keeping the file's syntax where the format has quoting."""
    if fmt in ("json", "jsonl"):
        return _json_value(data, fmt, at, new)
    if fmt == "csv":
        return _csv_cell(data, at, new)
    spans = _tokens(data, fmt)
    if not spans:
        return data + new
    s, e = spans[at % len(spans)]
    if fmt == "xml":
        new = new.replace(b"&", b"&amp;").replace(b"<", b"&lt;")
    return data[:s] + new + data[e:]


def _json_value(data: bytes, fmt: str, at: int, new: bytes) -> bytes:
    text = new.decode("utf-8", "surrogateescape")
    # a number goes in raw (any size), through a placeholder string
    number = re.fullmatch(r"-?\d+(\.\d+)?", text) is not None
    replacement: object = _PLACEHOLDER if number else text
    try:
        if fmt == "jsonl":
            lines = data.splitlines(keepends=True)
            if not lines:
                return data
            i = at % len(lines)
            lines[i] = _json_value(lines[i], "json", at // max(1, len(lines)), new).rstrip(
                b"\n"
            ) + (b"\n" if lines[i].endswith(b"\n") else b"")
            return b"".join(lines)
        doc = json.loads(data)
    except (ValueError, RecursionError):  # not JSON (any more), or nested too deep to load
        spans = _tokens(data, fmt)
        if not spans:
            return data
        s, e = spans[at % len(spans)]
        return data[:s] + (new if number else json.dumps(replacement).encode()) + data[e:]
    slots: list[tuple[object, object]] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                slots.append((node, k))
                walk(v)
        elif isinstance(node, list):
            for i, v in enumerate(node):
                slots.append((node, i))
                walk(v)

    walk(doc)
    if not slots:
        return data
    parent, key = slots[at % len(slots)]
    parent[key] = replacement  # type: ignore[index]
    out = json.dumps(doc, indent=1, ensure_ascii=False).encode("utf-8", "surrogateescape")
    return out.replace(json.dumps(_PLACEHOLDER).encode(), new)


_PLACEHOLDER = "\x00number\x00"


def _csv_cell(data: bytes, at: int, new: bytes) -> bytes:
    text = data.decode("utf-8", "surrogateescape")
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        rows = []
    cells = [(r, c) for r in range(1, len(rows)) for c in range(len(rows[r]))]
    if not cells:
        spans = _tokens(data, "csv")
        if not spans:
            return data
        s, e = spans[at % len(spans)]
        return data[:s] + new + data[e:]
    r, c = cells[at % len(cells)]
    rows[r][c] = new.decode("utf-8", "surrogateescape")
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8", "surrogateescape")


def _nest(data: bytes, fmt: str, at: int, depth: int) -> bytes:
    if fmt == "xml":
        spans = [m.end() for m in re.finditer(rb"<(?!/|\?|!)[^>]*[^/]>", data)]
        if not spans:
            return data
        pos = spans[at % len(spans)]
        return data[:pos] + b"<n>" * depth + b"</n>" * depth + data[pos:]
    spans = _tokens(data, fmt)
    if not spans:
        return b"[" * depth + b"]" * depth
    s, e = spans[at % len(spans)]
    return data[:s] + b"[" * depth + b"]" * depth + data[e:]


def apply(data: bytes, fmt: str, m: Mutation) -> bytes:
    n = len(data)
    k = m.kind
    if k == "flip":
        if not n:
            return bytes([m.b])
        i = m.a % n
        return data[:i] + bytes([m.b]) + data[i + 1 :]
    if k in ("insert", "interesting"):
        i = m.a % (n + 1)
        return data[:i] + m.value + data[i:]
    if k == "nul":
        i = m.a % (n + 1)
        return data[:i] + b"\x00" + data[i:]
    if k == "bad-utf8":
        i = m.a % (n + 1)
        return data[:i] + b"\xc3\x28\xff" + data[i:]
    if k == "delete":
        i = m.a % (n + 1)
        return data[:i] + data[i + m.b :]
    if k == "truncate":
        return data[: m.a % (n + 1)]
    if k == "value":
        return _replace_value(data, fmt, m.a, m.value)
    if k == "huge":
        return _replace_value(data, fmt, m.a, (b"A" * 9 + b" ") * (m.b // 10))
    if k == "number":
        return _replace_value(data, fmt, m.a, b"9" * m.b)
    if k == "nest":
        return _nest(data, fmt, m.a, m.b)
    if k.startswith("unit-"):
        parts = units(data, fmt)
        if len(parts) < 2:
            return data
        i = m.a % len(parts)
        if k == "unit-dup":
            parts.insert(i, parts[i])
        elif k == "unit-drop":
            del parts[i]
        else:
            j = m.b % len(parts)
            parts[i], parts[j] = parts[j], parts[i]
        return b"".join(parts)
    if k == "delimiters":
        d = _x12_delims(data)
        if not d:
            return data
        old = d[m.a]
        if m.a != m.b:  # swap two of the separators throughout
            other = d[m.b]
            return data.replace(old, b"\x00\x01").replace(other, old).replace(b"\x00\x01", other)
        return data.replace(old, m.value)
    if k == "crlf":
        return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    if k == "cr":
        return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r")
    if k == "utf8-bom":
        return b"\xef\xbb\xbf" + data
    if k == "utf16":
        return data.decode("utf-8", "replace").encode("utf-16")  # with a BOM
    if k == "empty":
        return b""
    raise ValueError(k)


def apply_all(data: bytes, fmt: str, ms: list[Mutation]) -> bytes:
    for m in ms:
        data = apply(data, fmt, m)
    return data
