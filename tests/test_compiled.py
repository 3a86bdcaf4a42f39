"""The compiled build (issue 16 part 2): mypyc-compiled hot modules behave like the pure ones.

The pure build (``pip install -e .``) runs every test here except the ones marked compiled-only;
``.ci/run`` then builds with ``CLAIMLINT_MYPYC=1`` in ``.venv-mypyc`` and runs the suite again
with ``CLAIMLINT_TEST_COMPILED=1``, which makes the compiled-only tests run (and fail if the
build silently came out pure).
"""

from __future__ import annotations

import importlib
import os
import pickle
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from claimlint.checks import builtin_checks
from claimlint.checks.base import DOC_SECTIONS, Check, Context
from claimlint.core.config import Config
from claimlint.core.findings import Finding, Scope, Severity
from claimlint.readers.base import Source
from claimlint.running.engine import Engine
from claimlint.running.parallel import run_sources
from claimlint.running.registry import Registry, load_registry

ROOT = Path(__file__).resolve().parent.parent

COMPILED = os.environ.get("CLAIMLINT_TEST_COMPILED") == "1"
compiled_only = pytest.mark.skipif(
    not COMPILED, reason="the compiled build only (.ci/run sets CLAIMLINT_TEST_COMPILED=1)"
)

#: modules setup.py compiles, one of each group (x12 syntax, 837D reader, engine, tables,
#: checks and their base class)
HOT = (
    "claimlint.x12.tokenizer",
    "claimlint.x12.scan",
    "claimlint.readers.x12.reader",
    "claimlint.readers.x12.lines",
    "claimlint.running.lint",
    "claimlint.dental.cdt",
    "claimlint.dental.teeth",
    "claimlint.checks.base",
    "claimlint.checks.codes",
)

BATCH = {
    "version": "1",
    "tooth_numbering": "universal",
    "claims": [
        {
            "claim_id": "PLUGIN1",
            "payer_id": "SYNPAYER9",
            "billing_provider": {"npi": "1234567893", "tax_id": "123456789"},
            "subscriber": {"member_id": "SYN0009", "birth_date": "1980-01-01"},
            "patient_is_subscriber": True,
            "date_of_service": "2025-06-02",
            "total_charge": 160,
            "place_of_service": "11",
            "frequency_code": "1",
            "lines": [
                {"line_number": 1, "code": "D2940", "charge": 80, "tooth": "3"},
                {"line_number": 2, "code": "D2940", "charge": 80, "tooth": "14"},
            ],
        }
    ],
}


class UpperMolarFilling(Check):
    """A plugin check written in plain Python, subclassing the (possibly compiled) Check.

    What it checks:
        A protective restoration (D2940) on an upper molar.

    Why it matters:
        Synthetic rule for the test.

    Bad example:
        D2940 on tooth 3.

    Good example:
        D2940 on tooth 30.

    References:
        None.
    """

    code = "XT901"
    name = "upper-molar-filling"
    summary = "protective restoration on an upper molar"
    severity = Severity.WARNING
    scope = Scope.LINE
    applies_to = frozenset({"D2940"})
    needs_teeth = True

    def check(self, item: Any, ctx: Context) -> Iterable[Finding]:
        for tooth in item.teeth:
            if tooth.tooth in ("1", "2", "3", "14", "15", "16"):
                yield self.on_line(ctx, item, f"D2940 on upper molar {tooth.tooth}", field="tooth")


def test_hot_modules_are_compiled_in_the_compiled_build() -> None:
    if not COMPILED:
        # the pure build: every hot module is plain Python
        for name in HOT:
            assert importlib.import_module(name).__file__.endswith(".py"), name
        return
    for name in HOT:
        path = importlib.import_module(name).__file__
        assert path is not None and path.endswith(".so"), f"{name} is not compiled: {path}"


def test_a_plain_python_check_subclasses_check_and_runs() -> None:
    registry = Registry((*load_registry().checks, UpperMolarFilling))
    engine = Engine(Config(), registry=registry)
    report = run_sources(engine, [Source(name="plugin.json", data=_json(BATCH))])
    mine = [f for f in report.findings if f.code == "XT901"]
    assert [(f.location.line, f.message) for f in mine] == [
        (1, "D2940 on upper molar 3"),
        (2, "D2940 on upper molar 14"),
    ]
    assert mine[0].severity is Severity.WARNING
    # the plugin is documented by its docstring, as before
    assert UpperMolarFilling.doc_sections()["What it checks"] == (
        "A protective restoration (D2940) on an upper molar."
    )


def test_documentation_is_the_doc_attribute_else_the_docstring() -> None:
    class WithDoc(Check):
        """Docstring, not used.

        What it checks:
            the docstring
        """

        code = "XT902"
        doc = """
        What it checks:
            the attribute
        """

    class OnlyDocstring(WithDoc):
        """What it checks:
        its own docstring (the parent's doc attribute is not inherited)
        """

        code = "XT903"

    class Nothing(Check):
        code = "XT904"

    assert WithDoc.doc_sections() == {"What it checks": "the attribute"}
    assert OnlyDocstring.doc_sections() == {
        "What it checks": "its own docstring (the parent's doc attribute is not inherited)"
    }
    assert Nothing.documentation() == ""
    assert Nothing.doc_sections() == {}


def test_every_builtin_rule_keeps_its_documentation_as_data() -> None:
    """Compiled classes have no docstring: a built-in rule documented only by its docstring
    would have an empty docs page and SARIF description in the compiled build."""
    docstring_only = [c.code for c in builtin_checks() if not vars(c).get("doc")]
    if COMPILED:
        assert docstring_only == [], (
            "built-in rules without a `doc` attribute lose their documentation when "
            f"compiled; move the docstring into `doc = '''...'''`: {docstring_only}"
        )
    for check in builtin_checks():
        sections = check.doc_sections()
        assert [s for s in DOC_SECTIONS if s not in sections] == [], check.code


def test_frozen_tables_and_cuts_pickle_round_trip() -> None:
    """``--jobs`` pickles the reader's cut points (Cut, Resume, Delimiters) to its workers; a
    compiled frozen dataclass unpickles only through its ``__reduce__``."""
    from claimlint.dental.cdt import lookup
    from claimlint.dental.teeth import TEETH
    from claimlint.readers.x12.cuts import Cut, Resume
    from claimlint.x12.tokenizer import Delimiters

    delimiters = Delimiters(element="*", component=":", repetition="^", segment="~")
    cut = Cut(offset=10, line=2, segment=3, resume=Resume(delimiters, 0, (("isa13", "1"),)))
    for value in (delimiters, cut, lookup("D2940"), TEETH["3"]):
        copy = pickle.loads(pickle.dumps(value))
        assert copy == value and copy is not value


def _compiled_module_names() -> list[str]:
    import glob

    from claimlint import __file__ as package

    root = os.path.dirname(os.path.dirname(package))
    names = []
    for pattern in ("x12/*", "readers/x12/*", "running/lint", "dental/*", "checks/*"):
        for path in sorted(glob.glob(os.path.join(root, "claimlint", pattern + ".py"))):
            name = os.path.relpath(path, root)[:-3].replace(os.sep, ".")
            if not name.endswith("__init__"):
                names.append(name)
    return names


def _holds_code(value: Any) -> bool:
    """Values pickle cannot send in any build: functions, classes, type variables."""
    import types
    from typing import TypeVar

    if isinstance(value, (types.FunctionType, types.BuiltinFunctionType, type, TypeVar)):
        return True
    if callable(value) and type(value).__module__ != "builtins":
        return not hasattr(value, "__reduce__") or "lambda" in type(value).__name__
    if isinstance(value, dict):
        return any(_holds_code(v) for v in value.values())
    if isinstance(value, (tuple, list, frozenset, set)):
        return any(_holds_code(v) for v in value)
    return False


def test_every_table_of_the_compiled_modules_pickles() -> None:
    """``--jobs`` and Spark send payer profiles (with the dental tables' code groups), claims
    and findings to other processes: every module-level value of a compiled module that is
    data pickles and comes back equal (a compiled class needs ``__reduce__`` for that)."""
    from claimlint.payer.profiles import load_profiles

    failures = []
    for name in _compiled_module_names():
        module = importlib.import_module(name)
        for attr, value in vars(module).items():
            if attr.startswith("__") or isinstance(value, type(os)) or _holds_code(value):
                continue
            try:
                copy = pickle.loads(pickle.dumps(value))
            except Exception as exc:  # every failure is listed
                failures.append(f"{name}.{attr}: {exc!r}")
                continue
            if copy != value and repr(copy) != repr(value):
                failures.append(f"{name}.{attr}: not equal after pickling")
    assert failures == []
    from claimlint.dental.prosthetics import SINGLE_CROWN

    group = pickle.loads(pickle.dumps(SINGLE_CROWN))
    assert (group.name, group.codes()) == (SINGLE_CROWN.name, SINGLE_CROWN.codes())
    assert "D2740" in group and "D2140" not in group
    profiles = load_profiles([ROOT / "fixtures" / "profiles"])
    copy = pickle.loads(pickle.dumps(profiles))
    assert sorted(copy.profiles) == sorted(profiles.profiles) and profiles.profiles
    assert copy.payers == profiles.payers


@compiled_only
def test_compiled_rule_classes_have_no_docstring() -> None:
    """Why the documentation moved: if this ever fails, mypyc keeps docstrings again."""
    assert not builtin_checks()[0].__doc__


def _json(batch: dict[str, Any]) -> bytes:
    import orjson

    return orjson.dumps(batch)
