"""The raw-parse floor: stream a file in chunks and split it, in plain Python, nothing else.

    python benchmarks/raw_floor.py FILE.837     # segments and elements (X12)
    python benchmarks/raw_floor.py FILE.jsonl   # lines, each decoded with orjson.loads

X12: the delimiters are read from the ISA header (element separator at index 3, segment
terminator at index 105), the file is read in 1 MiB chunks, split into segments on the
terminator and each segment into elements; CLM segments are counted as claims. JSONL: lines are
read in 1 MiB chunks and each is decoded with ``orjson.loads`` (splitting lines alone costs
next to nothing, so a JSON floor that means anything has to decode). No claim objects, no
checks. Prints the claim count, which the runner verifies.
"""

from __future__ import annotations

import sys

CHUNK = 1 << 20


def floor_x12(path: str) -> int:
    claims = 0
    with open(path, "rb") as fh:
        head = fh.read(106)
        sep = head[3:4]
        term = head[105:106]
        rest = b""
        while True:
            chunk = fh.read(CHUNK)
            if not chunk:
                break
            parts = (rest + chunk).split(term)
            rest = parts.pop()
            for seg in parts:
                elements = seg.strip().split(sep)
                if elements[0] == b"CLM":
                    claims += 1
        if rest.strip():
            elements = rest.strip().split(sep)
            claims += elements[0] == b"CLM"
    return claims


def floor_jsonl(path: str) -> int:
    import orjson

    loads = orjson.loads
    claims = 0
    with open(path, "rb") as fh:
        rest = b""
        while True:
            chunk = fh.read(CHUNK)
            if not chunk:
                break
            lines = (rest + chunk).split(b"\n")
            rest = lines.pop()
            for line in lines:
                if line.strip():
                    loads(line)
                    claims += 1
        if rest.strip():
            loads(rest)
            claims += 1
    return claims


def main(argv: list[str]) -> int:
    path = argv[1]
    with open(path, "rb") as fh:
        x12 = fh.read(3) == b"ISA"
    print(floor_x12(path) if x12 else floor_jsonl(path))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
