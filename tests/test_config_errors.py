"""Configuration, CSV mapping and baseline files that cannot be used: exit 2, one line naming
the file (and the line or field), never a traceback (issue 10)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import FIXTURES

from claimlint.cli import main
from claimlint.core.config import ConfigError, load_config

CLAIMS = FIXTURES / "history" / "domain-7-3.json"
CSV = FIXTURES / "csv" / "generic-pms.csv"


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def assert_config_error(result, *words: str) -> None:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    errors = [ln for ln in result.output.splitlines() if ln.startswith("claimlint: error:")]
    assert len(errors) == 1, result.output
    for word in words:
        assert word in errors[0], (word, errors[0])


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b'select = ["ALL"]\nfail-on = "\xff\xfe"\n', ("bad.toml", "line 2", "not UTF-8")),
        ('select = ["ALL"]\n'.encode("utf-16"), ("bad.toml", "UTF-16")),
        (b"a = " + b"[" * 100_000 + b"]" * 100_000 + b"\n", ("bad.toml", "nested too deeply")),
        (b"tool = 1\n", ("bad.toml", "'tool' must be a table")),
        (b"[tool]\nclaimlint = 3\n", ("bad.toml", "'tool.claimlint' must be a table")),
    ],
)
def test_unusable_config_files_exit_2_naming_the_file(tmp_path, content, words):
    path = tmp_path / "bad.toml"
    path.write_bytes(content)
    assert_config_error(run("check", str(CLAIMS), "--config", str(path)), *words)


def test_a_malformed_pyproject_that_would_configure_claimlint_is_an_error(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.claimlint]\nselect = ["ALL"\nignore = []\n'
    )
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"pyproject\.toml: invalid TOML: .*line 6"):
        load_config()
    assert_config_error(run("check", str(CLAIMS)), "pyproject.toml", "line 6")


def test_a_malformed_pyproject_without_claimlint_is_not_our_business(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x\n')
    monkeypatch.chdir(tmp_path)
    assert load_config().source is None


@pytest.mark.parametrize("where", ["option", "config"])
@pytest.mark.parametrize("command", ["check", "convert"])
def test_a_missing_csv_mapping_file_exits_2(tmp_path, monkeypatch, where, command):
    monkeypatch.chdir(tmp_path)
    args = [command, str(CSV)]
    if where == "option":
        args += ["--csv-mapping", "nope.toml"]
    else:
        (tmp_path / "claimlint.toml").write_text('csv-mapping = "nope.toml"\n')
    assert_config_error(run(*args), "csv-mapping", "nope.toml")


def test_a_deeply_nested_csv_mapping_exits_2(tmp_path):
    path = tmp_path / "deep.toml"
    path.write_text("a = " + "[" * 100_000 + "]" * 100_000 + "\n")
    assert_config_error(run("check", str(CSV), "--csv-mapping", str(path)), "deep.toml")


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"garbage", ("not valid JSON",)),
        (b"[" * 100_000 + b"]" * 100_000, ("not valid JSON",)),
        (b'{"version": 1, "entries": [1]}', ("entry 1",)),
        ('{"version": 1, "entries": []}'.encode("utf-16"), ("UTF-16",)),
        (b'{"version": 1, "entries": ["\xff"]}', ("not valid JSON",)),
        # found by the long fuzzing run: a list where the file path goes was a TypeError
        (
            b'{"version": 1, "entries": [{"fingerprint": "f", "code": "CL301", "file": [[1]]}]}',
            ("entry 1", "'file' must be a path"),
        ),
    ],
)
def test_a_corrupt_baseline_exits_2_naming_the_file(tmp_path, monkeypatch, content, words):
    (tmp_path / "base.json").write_bytes(content)
    (tmp_path / "claimlint.toml").write_text('baseline = "base.json"\n')
    monkeypatch.chdir(tmp_path)
    assert_config_error(run("check", str(CLAIMS)), str(Path("base.json")), *words)


_PAYERS = 'profiles = []\n[payers]\nSYNPAYER1 = "no-such-profile"\n'


@pytest.mark.parametrize(
    ("command", "content", "words"),
    [
        ("check", 'select = ["CL9999"]\n', ("unknown rule selector 'CL9999'",)),
        ("check", 'extend-select = ["CL1", "XX12"]\n', ("unknown rule selector 'XX12'",)),
        ("check", _PAYERS, ("payers.SYNPAYER1", "no profile named 'no-such-profile'")),
        ("estimate", _PAYERS, ("payers.SYNPAYER1", "no profile named 'no-such-profile'")),
    ],
)
def test_a_bad_selector_or_payer_in_the_config_names_the_file(tmp_path, command, content, words):
    """These exited 2 without saying which file holds the bad value."""
    path = tmp_path / "claimlint.toml"
    path.write_text(content)
    result = run(command, str(CLAIMS), "--config", str(path))
    assert_config_error(result, f"{path}: ", *words)


def test_a_bad_selector_on_the_command_line_does_not_blame_the_config(tmp_path):
    path = tmp_path / "claimlint.toml"
    path.write_text('select = ["CL1"]\n')
    result = run("check", str(CLAIMS), "--config", str(path), "--select", "CL9999")
    assert_config_error(result, "unknown rule selector 'CL9999'")
    assert str(path) not in result.output


def test_a_number_too_long_for_python_is_a_config_error_naming_the_file(tmp_path, monkeypatch):
    """Found by the long fuzzing run: a 5,000-digit integer in claimlint.toml was a ValueError
    traceback (Python's int-conversion limit), in a profile too."""
    (tmp_path / "claimlint.toml").write_text("fail-on = " + "9" * 5000 + "\n")
    monkeypatch.chdir(tmp_path)
    assert_config_error(run("check", str(CLAIMS)), "claimlint.toml", "number is far too long")
    profile = tmp_path / "long.toml"
    profile.write_text("name = 'x'\nbenefit_year_start_month = " + "9" * 5000 + "\n")
    (tmp_path / "claimlint.toml").write_text("")
    assert_config_error(
        run("check", str(CLAIMS), "--profile", str(profile)), "long.toml", "far too long"
    )


def test_a_bad_format_in_the_config_names_the_file_and_one_on_the_command_line_does_not(
    tmp_path, monkeypatch
):
    """Found by the long fuzzing run: `format = "j|son"` in claimlint.toml exited 2 without
    naming the file."""
    (tmp_path / "claimlint.toml").write_text('format = "j|son"\n')
    monkeypatch.chdir(tmp_path)
    assert_config_error(run("check", str(CLAIMS)), "claimlint.toml", "unknown format 'j|son'")
    result = run("check", str(CLAIMS), "--format", "nope")
    assert result.exit_code == 2 and "unknown format 'nope'" in result.output
    assert "claimlint.toml" not in result.output


LONG = "9" * 400  # one file name over the 255-byte limit: os.stat raises ENAMETOOLONG


def _write_config(tmp_path: Path, kind: str, body: str) -> tuple[list[str], str]:
    """The configuration ``body`` as claimlint.toml / pyproject.toml, found from the working
    folder or given with --config: (extra arguments, the file's name)."""
    name = "pyproject.toml" if kind.startswith("pyproject") else "claimlint.toml"
    if name == "pyproject.toml":
        body = "[tool.claimlint]\n" + body.replace("[output]", "[tool.claimlint.output]")
    (tmp_path / name).write_text(body)
    return (["--config", str(tmp_path / name)] if kind.endswith("--config") else []), name


KINDS = ["claimlint.toml", "claimlint.toml --config", "pyproject.toml", "pyproject.toml --config"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("command", ["check", "estimate"])
@pytest.mark.parametrize(
    ("body", "key"),
    [
        (f'profiles = ["{LONG}"]\n', "'profiles'"),
        (f'profiles = ["{LONG}/x.toml"]\n', "'profiles'"),
        (f'history = "{LONG}"\n', "'history'"),
        (f'baseline = "{LONG}"\n', "'baseline'"),
        (f'csv-mapping = "{LONG}"\n', "'csv-mapping'"),
        (f'[output]\njson = "{LONG}"\n', "'output.json'"),
    ],
)
def test_a_path_too_long_in_the_config_exits_2_naming_the_config(
    tmp_path, monkeypatch, kind, command, body, key
):
    """Found by the long fuzzing run: a 400-character profile path in claimlint.toml was an
    OSError traceback (File name too long); a history, baseline or csv-mapping path too, and
    an output path blamed stdout."""
    monkeypatch.chdir(tmp_path)
    args, name = _write_config(tmp_path, kind, body)
    result = run(command, str(CLAIMS), *args)
    assert_config_error(result, name, key, "File name too long", "...")
    assert LONG not in result.output  # shortened


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("command", ["check", "estimate"])
@pytest.mark.parametrize(
    ("body", "missing", "key"),
    [
        ('profiles = ["99999999999999999999"]\n', "99999999999999999999", "'profiles'"),
        ('history = "99999999999999999999/h.db"\n', "h.db", "'history'"),
    ],
)
def test_a_missing_path_in_the_config_names_the_config_too(
    tmp_path, monkeypatch, kind, command, body, missing, key
):
    """Found by the long fuzzing run: `profiles = ["99999999999999999999"]` exited 2 naming
    only the missing path, not the configuration file that lists it."""
    monkeypatch.chdir(tmp_path)
    args, name = _write_config(tmp_path, kind, body)
    result = run(command, str(CLAIMS), *args)
    assert_config_error(result, missing, "does not exist", f"set by {key} in ", name)


def test_a_missing_csv_mapping_in_the_config_names_the_config(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "claimlint.toml").write_text('csv-mapping = "nope.toml"\n')
    for command in ("check", "convert"):
        assert_config_error(run(command, str(CSV)), "nope.toml", "set by 'csv-mapping' in ")


def test_paths_given_on_the_command_line_do_not_blame_the_config(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "claimlint.toml"
    config.write_text('profiles = ["nope"]\nhistory = "nope.db"\n')
    for args in (
        ["check", str(CLAIMS), "--profile", LONG],
        ["check", str(CLAIMS), "--profile", "other-missing"],
    ):
        result = run(*args)
        assert_config_error(result, "profile path" if LONG in args else "other-missing")
        assert "claimlint.toml" not in result.output and LONG not in result.output
    result = run("check", str(CLAIMS), "--history", "gone.db", "--profile", str(tmp_path))
    assert_config_error(result, "gone.db", "does not exist")
    assert "claimlint.toml" not in result.output
    # estimate adds --profile to the configuration's profiles (here a usable folder)
    config.write_text(f"profiles = [{str(FIXTURES / 'profiles')!r}]\n")
    result = run("estimate", str(CLAIMS), "--profile", LONG)
    assert_config_error(result, "cannot use this profile path", "File name too long")
    assert "claimlint.toml" not in result.output and LONG not in result.output


def test_a_config_file_path_too_long_exits_2_naming_it_shortened(tmp_path):
    path = tmp_path / f"{LONG}.toml"
    result = run("check", str(CLAIMS), "--config", str(path))
    assert_config_error(result, "cannot read configuration", "File name too long", "...")
    assert str(path) not in result.output
