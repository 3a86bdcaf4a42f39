"""Configuration, payer profile, baseline and history loaders on mutated and hostile files.

A loader's bad file is a configuration problem: exit 2 with a message that names the file,
never a traceback; a file that still parses gives 0 or 1. History import of mutated data
files: 0 or 1 (bad rows reported with the file), never a traceback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from claimlint.cli import main

from .conftest import LOADER_EXAMPLES, assert_clean, report_failures
from .harness import cli_problems, norm, run_cli
from .mutate import apply_all, mutations

ROOT = Path(__file__).resolve().parents[2]
BATCH = ROOT / "fixtures" / "demo" / "batch.json"
PROFILES = ROOT / "fixtures" / "profiles"

CONFIG = b"""# a configuration that uses every kind of key
select = ["CL"]
extend-select = ["CL5"]
ignore = [{ code = "CL503", reason = "charts are checked in the PMS" }, "CL113"]
fail-on = "error"
format = "json"
tooth-numbering = "universal"
profiles = ["profiles"]
today = 2026-01-15

[per-file-ignores]
"legacy/*.json" = ["CL3", "CL401"]

[severity]
CL115 = "info"

[payers]
SYNPAYER1 = "example-mutual-ppo-gold"
"""

HISTORY_CSV = b"""member_id,code,date,tooth,surfaces,status,payer_id,claim_id
SYN000100,D2392,2025-01-10,30,MO,paid,SYNPAYER1,H1
SYN000101,D2740,2024-06-01,8,,paid,SYNPAYER1,H2
SYN000102,D1110,2025-02-01,,,denied,SYNPAYER1,H3
"""


def _invoke(args: list[str]):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, args, catch_exceptions=True)


def _problems(result, path: Path, *, allowed: tuple[int, ...] = (0, 1, 2)) -> list[str]:  # type: ignore[no-untyped-def]
    """In-process CLI: no exception but SystemExit, an allowed code, exit 2 names the file."""
    problems = []
    exc = result.exception
    if exc is not None and not isinstance(exc, SystemExit):
        problems.append(f"exception: {type(exc).__name__}: {norm(str(exc), 70)}")
    elif result.exit_code not in allowed:
        problems.append(f"exit {result.exit_code}")
    elif result.exit_code == 2 and path.name not in result.stderr:
        problems.append("exit 2 without naming the file: " + norm(result.stderr.strip(), 70))
    if "Traceback" in result.output:
        problems.append("traceback in output")
    return problems


def _setup(tmp: Path) -> None:
    if not (tmp / "profiles").exists():
        shutil.copytree(PROFILES, tmp / "profiles")


def test_mutated_configuration(tmp_path: Path) -> None:
    name = "loader configuration"
    _setup(tmp_path)

    @settings(max_examples=LOADER_EXAMPLES)
    @given(muts=st.lists(mutations("text"), min_size=1, max_size=3))
    def run(muts) -> None:  # type: ignore[no-untyped-def]
        path = tmp_path / "claimlint.toml"
        path.write_bytes(apply_all(CONFIG, "text", muts))
        result = _invoke(["check", str(BATCH), "--config", str(path), "-q"])
        report_failures(name, _problems(result, path), f"claimlint.toml muts={muts}")

    run()
    assert_clean(name)


@pytest.mark.parametrize("profile", sorted(p.name for p in PROFILES.iterdir()))
def test_mutated_profile(profile: str, tmp_path: Path) -> None:
    name = f"loader profile {Path(profile).suffix}"
    seed = (PROFILES / profile).read_bytes()
    fmt = "json" if profile.endswith(".json") else "text"

    @settings(max_examples=LOADER_EXAMPLES)
    @given(muts=st.lists(mutations(fmt), min_size=1, max_size=3))
    def run(muts) -> None:  # type: ignore[no-untyped-def]
        path = tmp_path / profile
        path.write_bytes(apply_all(seed, fmt, muts))
        result = _invoke(["check", str(BATCH), "--profile", str(path), "-q", "--format", "json"])
        report_failures(name, _problems(result, path), f"{profile} muts={muts}")

    run()
    assert_clean(name)


def test_mutated_baseline(tmp_path: Path) -> None:
    name = "loader baseline"
    seed_path = tmp_path / "seed-baseline.json"
    result = _invoke(["check", str(BATCH), "-q", "--write-baseline", str(seed_path)])
    assert result.exit_code in (0, 1) and seed_path.exists(), result.output
    seed = seed_path.read_bytes()

    @settings(max_examples=LOADER_EXAMPLES)
    @given(muts=st.lists(mutations("json"), min_size=1, max_size=3))
    def run(muts) -> None:  # type: ignore[no-untyped-def]
        path = tmp_path / "baseline.json"
        path.write_bytes(apply_all(seed, "json", muts))
        config = tmp_path / "claimlint.toml"
        config.write_text('baseline = "baseline.json"\n')
        result = _invoke(["check", str(BATCH), "--config", str(config), "-q"])
        report_failures(name, _problems(result, path), f"baseline muts={muts}")

    run()
    assert_clean(name)


@pytest.mark.parametrize(
    ("fname", "seed", "fmt"),
    [
        ("history.csv", HISTORY_CSV, "csv"),
        ("claims.json", (ROOT / "fixtures/history/domain-7-3.json").read_bytes(), "json"),
    ],
)
def test_mutated_history_import(fname: str, seed: bytes, fmt: str, tmp_path: Path) -> None:
    name = f"loader history import {fmt}"
    counter = iter(range(10**9))

    @settings(max_examples=LOADER_EXAMPLES)
    @given(muts=st.lists(mutations(fmt), min_size=1, max_size=3))
    def run(muts) -> None:  # type: ignore[no-untyped-def]
        path = tmp_path / fname
        path.write_bytes(apply_all(seed, fmt, muts))
        db = tmp_path / f"h{next(counter)}.sqlite"
        result = _invoke(["history", "import", str(path), "--history", str(db)])
        problems = _problems(result, path, allowed=(0, 1))
        if result.exit_code == 1 and path.name not in result.stderr:
            problems.append("import problems without naming the file")
        report_failures(name, problems, f"{fname} muts={muts}")

    run()
    assert_clean(name)


# -- hostile configuration files, one each, as a subprocess (memory and time bounded) ---------


ALIAS_BOMB = b"""a: &a ["x","x","x","x","x","x","x","x","x"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
"""

_GOLD = (PROFILES / "example-mutual-ppo-gold.toml").read_bytes()


def _gold_with(old: bytes, new: bytes) -> bytes:
    assert old in _GOLD, old
    return _GOLD.replace(old, new, 1)


HOSTILE_CONFIG = [
    pytest.param(
        "claimlint.toml", "config", b"\xff\xfe\x00s\x00e\x00l", id="config-invalid-utf8",
    ),
    pytest.param(
        "claimlint.toml", "config", 'select = ["CL"]\n'.encode("utf-16"), id="config-utf16",
    ),
    pytest.param(
        "claimlint.toml", "config", b"x = " + b"[" * 100_000 + b"]" * 100_000,
        id="config-100k-nesting",
    ),
    pytest.param(
        "pyproject.toml", "pyproject", b"[tool.claimlint\nselect = [", id="pyproject-malformed",
    ),
    pytest.param("bomb.yaml", "profile", ALIAS_BOMB, id="profile-yaml-alias-bomb"),
    pytest.param(
        "deep.json", "profile", b'{"name": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        id="profile-json-100k-nesting",
    ),
]  # fmt: skip

for _value in (b"nan", b"inf", b"1e400"):
    HOSTILE_CONFIG.append(
        pytest.param(
            "gold.toml",
            "profile",
            None,
            id=f"profile-{_value.decode()}",
        )
    )


def _profile_number(value: bytes) -> bytes:
    """The gold profile with its first money amount replaced by ``value``."""
    import re

    m = re.search(rb"(amount|maximum|deductible)\s*=\s*([0-9.]+)", _GOLD)
    assert m, "the gold profile has no amount to replace"
    return _GOLD[: m.start(2)] + value + _GOLD[m.end(2) :]


@pytest.mark.parametrize(("fname", "kind", "data"), HOSTILE_CONFIG)
def test_hostile_configuration(
    fname: str, kind: str, data: bytes | None, request, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    if data is None:  # profile-nan and friends
        data = _profile_number(request.node.callspec.id.split("-", 1)[1].encode())
    shutil.copy(BATCH, tmp_path / "batch.json")
    path = tmp_path / fname
    path.write_bytes(data)
    args = ["check", "batch.json", "-q", "--format", "json"]
    if kind == "config":
        args += ["--config", fname]
    elif kind == "profile":
        args += ["--profile", fname]
    result = run_cli(args, tmp_path, timeout=20)  # a fixed loader refuses these at once
    problems = cli_problems(result, allowed=(2,))
    if result.code == 2 and fname not in result.stderr:
        problems.append("exit 2 without naming the file")
    assert not problems, (problems, result.stderr[-1500:])


def test_profile_with_a_billion_months(tmp_path: Path) -> None:
    import re

    data = re.sub(rb"months\s*=\s*\d+", b"months = 1000000000", _GOLD, count=1)
    assert data != _GOLD, "the gold profile has no 'months' to change"
    (tmp_path / "gold.toml").write_bytes(data)
    result = _invoke(["check", str(BATCH), "--profile", str(tmp_path / "gold.toml"), "-q"])
    assert not _problems(result, tmp_path / "gold.toml", allowed=(0, 1, 2))


def test_missing_csv_mapping_file_is_a_usage_error(tmp_path: Path) -> None:
    csv = ROOT / "fixtures" / "demo-formats" / "batch.csv"
    result = _invoke(["check", str(csv), "--csv-mapping", str(tmp_path / "nope.toml"), "-q"])
    assert result.exit_code == 2 and "nope.toml" in result.stderr, result.output


def test_history_import_of_a_huge_cell(tmp_path: Path) -> None:
    path = tmp_path / "history.csv"
    path.write_bytes(HISTORY_CSV.replace(b"H1", b'"' + b"A" * 200_000 + b'"'))
    result = _invoke(["history", "import", str(path), "--history", str(tmp_path / "h.sqlite")])
    assert not _problems(result, path, allowed=(0, 1)), result.output[-500:]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param('select = ["CL9999"]\n', id="unknown-selector"),
        pytest.param('[payers]\nSYNPAYER1 = "no-such-profile"\nprofiles = []\n', id="payers"),
    ],
)
def test_configuration_errors_name_the_file(text: str, tmp_path: Path) -> None:
    path = tmp_path / "claimlint.toml"
    path.write_text(text)
    result = _invoke(["check", str(BATCH), "--config", str(path), "-q"])
    assert result.exit_code == 2 and path.name in result.stderr, result.stderr
