"""The package's imports follow the pipeline one way (issue 11, DESIGN §1).

readers → model → checks → findings → formatters: a reader reports problems by rule code through
``core.catalogue`` and knows no check class; checks know no readers or formatters; the money
engine (``payer``) knows neither; ``dental`` tables import nothing of the project; no module
imports another that (directly or through others) imports it back.

Every import counts, including those inside functions and under ``TYPE_CHECKING``: a lazy import
is still a dependency, it only hides it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "claimlint"

#: layer -> the layers it may import (itself included). A module's layer is its first package
#: below ``claimlint`` (``claimlint.readers.csv`` -> ``readers``); top-level modules are their
#: own layer.
ALLOWED: dict[str, set[str]] = {
    "dental": {"dental"},
    "core": {"core"},
    "x12": {"core", "x12"},
    "readers": {"core", "dental", "x12", "readers"},
    "payer": {"core", "dental", "payer"},
    "checks": {"core", "dental", "payer", "checks"},
    "report": {"core", "report"},
    "running": {"core", "dental", "x12", "readers", "payer", "checks", "report", "running"},
    # the HTTP service: the top of the pipeline beside cli, which alone imports it
    "service": {
        "core",
        "dental",
        "x12",
        "readers",
        "payer",
        "checks",
        "report",
        "running",
        "service",
    },
    # Spark jobs over the engine (an optional extra), beside running and service
    "spark": {"core", "dental", "x12", "readers", "payer", "checks", "report", "running", "spark"},
    "cli": {
        "__init__",
        "core",
        "dental",
        "readers",
        "payer",
        "checks",
        "report",
        "running",
        "service",
        "cli",
    },
    "__main__": {"cli"},
    "__init__": {"core", "running"},
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules ``name`` imports (``from claimlint import dental`` names the
    package ``claimlint.dental``; ``from claimlint.x import y`` names ``claimlint.x.y`` when
    that is a module, else ``claimlint.x``)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            targets = [
                f"{module}.{alias.name}" if f"{module}.{alias.name}" in known else module
                for alias in node.names
            ]
        else:
            continue
        for target in targets:
            if target == "claimlint" or target.startswith("claimlint."):
                found.add(target)
    found.discard(name)
    return found


def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {name: imports_of(name, path, known) for name, path in mods.items()}


def layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "__init__"
    return parts[1]


def test_every_layer_is_declared() -> None:
    assert {layer(m) for m in modules()} - {"schemas"} <= set(ALLOWED)


def test_imports_follow_the_pipeline() -> None:
    wrong = sorted(
        f"{module} imports {target} ({layer(module)} may import {sorted(ALLOWED[layer(module)])})"
        for module, targets in graph().items()
        for target in targets
        if layer(target) not in ALLOWED[layer(module)]
    )
    assert not wrong, "\n".join(wrong)


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = 0
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in edges:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_no_import_cycles() -> None:
    edges = graph()
    # a package's __init__ that re-exports its submodules is not a cycle with them: only the
    # imports between modules count (a submodule importing its own package is its __init__)
    assert cycles(edges) == []


@pytest.mark.parametrize(
    ("edges", "expected"),
    [
        ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
        ({"a": {"b"}, "b": set()}, []),
    ],
)
def test_the_cycle_finder_finds_cycles(
    edges: dict[str, set[str]], expected: list[list[str]]
) -> None:
    assert cycles(edges) == expected


def test_the_layer_test_sees_lazy_imports(tmp_path: Path) -> None:
    """An import inside a function counts: the test must not be fooled by laziness."""
    source = tmp_path / "mod.py"
    source.write_text("def f():\n    from claimlint.report.formatters import json\n")
    found = imports_of("claimlint.checks.mod", source, {"claimlint.report.formatters.json"})
    assert found == {"claimlint.report.formatters.json"}


def test_every_rule_a_reader_reports_is_documented_by_a_check() -> None:
    """A reader reports through ``core.catalogue``; each entry is a registered rule whose
    metadata is the entry's (so ``claimlint rule``, SARIF and the docs describe it)."""
    from claimlint.core import catalogue
    from claimlint.running.registry import load_registry

    by_code = load_registry().by_code()
    for code, rule in catalogue.RULES.items():
        check = by_code.get(code)
        assert check is not None, f"{code} has no check class documenting it"
        assert check.catalogued is rule
        assert (check.code, check.name, check.summary, check.severity) == (
            rule.code,
            rule.name,
            rule.summary,
            rule.severity,
        )
    assert {"CL001", "CL002", "CL003", "CL101", "CL122"} <= set(catalogue.RULES)
