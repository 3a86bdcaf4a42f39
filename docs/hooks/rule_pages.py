"""MkDocs hook: one page per rule and the rules index, generated at build time.

The pages come from the rule metadata (code, name, summary, severity, scope) and the rule's
documentation sections (``Check.doc_sections``: its ``doc`` attribute, else its docstring),
through the same registry ``claimlint rule`` reads, so they cannot drift from the code and
nothing generated is committed. Plugin rules installed in the environment that builds the docs
get pages too.

``mkdocs.yml`` lists this file under ``hooks:``. To see a page without building the site:
``python docs/hooks/rule_pages.py CL301``.
"""

from __future__ import annotations

import html
import re
import sys
from typing import Any

SECTION_ORDER = ("What it checks", "Why it matters", "Bad example", "Good example", "References")


def load_rules() -> list[Any]:
    """Every rule, in code order, from the registry ``claimlint rule`` uses (the one import)."""
    from claimlint.running.registry import load_registry

    return list(load_registry().checks)


def _inline(text: str) -> str:
    """Escape outside code spans: HTML (``<stdin>`` must not become a tag) and the asterisks
    of X12 segment names (``DTP*441``, not emphasis)."""
    parts = re.split(r"(`+[^`]*?`+)", text)
    return "".join(
        p if p.startswith("`") else re.sub(r"(?<=\w)\*|\*(?=\w)", r"\\*", html.escape(p, False))
        for p in parts
    )


def _body(text: str) -> str:
    """A docstring section as Markdown: a blank line before a list, escaped text."""
    out: list[str] = []
    for line in text.splitlines():
        starts_item = line.startswith(("* ", "- "))
        if starts_item and out and out[-1].strip() and not out[-1].startswith(("* ", "- ", "  ")):
            out.append("")
        out.append(_inline(line))
    return "\n".join(out)


def rule_page(check: Any) -> str:
    sections = check.doc_sections()
    other = "warning" if check.severity.value == "error" else "error"
    lines = [
        f"# {check.code} {check.name}",
        "",
        f"{_inline(check.summary)}.",
        "",
        f"* Code: `{check.code}`",
        f"* Name: `{check.name}`",
        f"* Default severity: {check.severity.value}",
        f"* Scope: {check.scope.value} ([what scopes mean](index.md))",
        "",
        f"Select it with `--select {check.code}` (or its name), ignore it with "
        f"`--ignore {check.code}`, change its severity with "
        f'`severity = {{ {check.code} = "{other}" }}` ([configuration](../configuration.md)); '
        f"`claimlint rule {check.code}` prints this page in the terminal.",
    ]
    for title in SECTION_ORDER:
        if title in sections:
            lines += ["", f"## {title}", "", _body(sections[title])]
    lines += ["", "[All rules](index.md)", ""]
    return "\n".join(lines)


def rules_index(checks: list[Any]) -> str:
    lines = [
        "# Rules",
        "",
        "Every rule claimlint knows, generated from the rule metadata. Codes are a public "
        "contract: they are never reused. `claimlint rules` prints this table and "
        "`claimlint rule CODE` one rule's documentation.",
        "",
        "Select rules like ruff: a code (`--select CL301`), a prefix (`--select CL3`), a name "
        "(`--select surface-count-mismatch`), `--ignore`, `--extend-select`. "
        "Scope says what a rule looks at: `source` rules are about the file itself (reported "
        "while reading), `line` rules one service line, `claim` rules one claim, `batch` rules "
        "several claims or the patient's history.",
        "",
        "| Code | Name | Severity | Scope | What it finds |",
        "|---|---|---|---|---|",
    ]
    for c in checks:
        lines.append(
            f"| [{c.code}]({c.code}.md) | `{c.name}` | {c.severity.value} | {c.scope.value} "
            f"| {_inline(c.summary)} |"
        )
    return "\n".join(lines) + "\n"


def on_files(files: Any, config: Any) -> Any:
    from mkdocs.structure.files import File

    checks = load_rules()
    files.append(File.generated(config, "rules/index.md", content=rules_index(checks)))
    for check in checks:
        files.append(File.generated(config, f"rules/{check.code}.md", content=rule_page(check)))
    return files


if __name__ == "__main__":
    wanted = {a.upper() for a in sys.argv[1:]}
    everything = load_rules()
    if not wanted:
        print(rules_index(everything))
    for c in everything:
        if c.code in wanted:
            print(rule_page(c))
