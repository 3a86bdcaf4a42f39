"""Build hook: ``pip install .`` is pure Python; ``CLAIMLINT_MYPYC=1 pip install .`` compiles the
hot modules with mypyc, like black ships its wheels (docs/development.md, "Compiled build").

All project metadata lives in pyproject.toml; this file only adds the compiled extension
modules when asked. The compiled build type-checks the code with mypy, so it needs the dev
extra's mypy and stubs in the build environment: install the project first, then build with
``--no-build-isolation`` (see .ci/run).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from setuptools import setup

ROOT = Path(__file__).resolve().parent

# The modules compiled by CLAIMLINT_MYPYC=1 — the hot path of `claimlint check` (the 837D
# reader, the per-claim engine, the dental tables and the built-in checks). Globs, so a new
# rule module in claimlint/checks/ or a new reader module is compiled without editing this list.
COMPILED = [
    # the x12 syntax layer: tokenizer, segment scan, positions, loop layout
    "claimlint/x12/*.py",
    # the 837D reader, split by loop
    "claimlint/readers/x12/*.py",
    # the pure per-claim engine
    "claimlint/running/lint.py",
    # the dental tables (cdt.py reads cdt_codes.txt through importlib.resources, not __file__)
    "claimlint/dental/*.py",
    # the built-in checks; their documentation is the `doc` attribute (compiled classes lose
    # their docstrings). Check (base.py) is compiled with allow_interpreted_subclasses, so
    # plugins still subclass it in plain Python (tests/test_compiled.py).
    "claimlint/checks/*.py",
]

# Not compiled, and why:
EXCLUDED = {
    # package __init__ files: pkgutil.iter_modules(__path__) finds the rule modules in them
    # either way, but compiling an __init__ buys nothing
    "claimlint/x12/__init__.py": "package marker",
    "claimlint/readers/x12/__init__.py": "package marker",
    "claimlint/dental/__init__.py": "package marker",
    "claimlint/checks/__init__.py": "entry point module; reads vars() of the rule modules",
    # claimlint/core/model.py (the canonical model, plain slotted classes since issue 16 part 1)
    # is not in COMPILED: its constructors and `construct()` are generated with exec and fill
    # the slots through object.__setattr__, which mypyc's native classes do not allow; the
    # compiled readers and checks still build and read these interpreted objects.
}


def _compiled_modules() -> list[str]:
    paths: list[str] = []
    for pattern in COMPILED:
        for path in sorted(ROOT.glob(pattern)):
            rel = path.relative_to(ROOT).as_posix()
            if rel not in EXCLUDED and rel not in paths:
                paths.append(rel)
    return paths


def _ext_modules() -> list[object]:
    if os.environ.get("CLAIMLINT_MYPYC", "0") in ("", "0"):
        return []
    if any(command in sys.argv for command in ("dist_info", "egg_info", "sdist")):
        return []  # metadata only: no need to type-check and compile twice
    from mypyc.build import mypycify

    opt_level = os.environ.get("CLAIMLINT_MYPYC_OPT_LEVEL", "3")
    return list(mypycify(_compiled_modules(), opt_level=opt_level, verbose=True))


setup(ext_modules=_ext_modules())
