"""MkDocs hook: the rule → acknowledgment code table of docs/acknowledgments.md, generated
at build time from the rule metadata (``ack_999`` and ``status_277`` on the check classes and
the catalogue entries, resolved with their defaults by ``claimlint.core.ack``), so the table
cannot drift from the code. The page holds a marker that this hook replaces.

To see the table without building the site: ``python docs/hooks/ack_table.py``.
"""

from __future__ import annotations

from typing import Any

MARKER = "<!-- acknowledgment-table -->"


def table() -> str:
    from claimlint.core.ack import ack_999_for, status_277_for
    from claimlint.running.registry import load_registry

    lines = [
        "| Rule | Name | 999 IK304 (segment) | 999 IK403 (element) | 999 IK502 "
        "(transaction set) | 999 AK905 (group) | 277CA STC01 when it rejects |",
        "|---|---|---|---|---|---|---|",
    ]
    for check in load_registry().checks:
        ack = ack_999_for(check)
        cells = (
            [ack.segment or "–", ack.element or "–", ack.transaction, ack.group or "–"]
            if ack is not None
            else ["not in the 999"] + ["–"] * 3
        )
        lines.append(
            f"| [{check.code}](rules/{check.code}.md) | `{check.name}` | "
            + " | ".join(cells)
            + f" | {status_277_for(check).composite()} |"
        )
    return "\n".join(lines) + "\n"


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    if MARKER in markdown:
        return markdown.replace(MARKER, table())
    return markdown


if __name__ == "__main__":
    print(table())
