"""Payer profiles: loading in three formats, validation errors that name file and key."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import FIXTURES

from claimlint.dental import benefits
from claimlint.payer.profiles import (
    SCHEMA_PATH,
    ProfileError,
    ProfileSet,
    add_months,
    load_profile,
    load_profiles,
    parse_profile,
)

PROFILES = FIXTURES / "profiles"


def test_fixture_profiles_load_in_all_three_formats():
    profiles = load_profiles([PROFILES])
    assert sorted(profiles.profiles) == [
        "demo-medicaid-kids",
        "example-mutual-ppo-gold",
        "sample-union-dental-basic",
    ]
    gold = profiles.get("example-mutual-ppo-gold")
    assert gold.fee_schedule["D2392"] == Decimal("180")
    assert gold.coinsurance_for("D2392") == Decimal("0.8")
    down = gold.downgrade("D2392", "30", ("M", "O"))
    assert down is not None and down.target == "D2150"
    assert gold.downgrade("D2392", "8", ("M",)) is None  # not posterior
    union = profiles.get("sample-union-dental-basic")
    assert union.amalgam_covered is False and union.benefit_year_start_month == 7
    assert union.downgrade("D2740", "2", ()).target == "D2791"  # second molar
    assert union.downgrade("D2740", "3", ()) is None  # first molar


def test_for_claim_prefers_config_mapping_then_plan_specific_profile():
    profiles = load_profiles([PROFILES], payers={"SYNPAYER7": "demo-medicaid-kids"})
    assert profiles.for_payer("SYNPAYER7").name == "demo-medicaid-kids"
    assert profiles.for_payer("SYNPAYER1", "GOLD").name == "example-mutual-ppo-gold"
    assert profiles.for_payer("SYNPAYER1", "SILVER") is None  # gold is plan-specific
    assert profiles.for_payer("UNKNOWN") is None and profiles.for_payer(None) is None


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("name", "text", "key", "words"),
    [
        ("a.toml", "foo = 1\n", "(top level)", "unknown key 'foo'"),
        ("b.toml", "[fee_schedule]\nD2392 = -5\n", "fee_schedule.D2392", "negative"),
        (
            "c.toml",
            '[[alternate_benefits]]\nwhen = "posterior"\nmap = { D2392 = "D2159" }\n',
            "alternate_benefits[0].map.D2392",
            "unknown code 'D2159'",
        ),
        (
            "d.toml",
            '[[frequency]]\nfamilies = ["direct"]\nper = "tooth"\nmonths = 6\n'
            '[[frequency]]\ncodes = ["D2391-D2394"]\nper = "tooth"\nmonths = 12\n',
            "frequency[1]",
            "overlaps frequency[0]",
        ),
        (
            "e.yaml",
            "frequency:\n  - {per: tooth, families: [direct], months: 6, period: lifetime}\n",
            "frequency[0]",
            "either 'months' (rolling window) or 'period'",
        ),
        ("f.json", '{"fee_schedule": {"2392": 10}}', "fee_schedule.2392", "not a CDT code"),
        ("g.toml", '[[frequency]]\nper = "tooth"\nmonths = 6\n', "frequency[0]", "at least one"),
        ("h.toml", "[coverage]\nstart = 2025-05-01\nend = 2025-01-01\n", "coverage", "before"),
    ],
)
def test_bad_profiles_raise_located_errors(tmp_path, name, text, key, words):
    path = _write(tmp_path, name, text)
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    assert info.value.file == str(path)
    assert info.value.key == key
    assert words in str(info.value)
    assert str(path) in str(info.value)


def test_syntax_errors_name_the_position(tmp_path):
    with pytest.raises(ProfileError, match=r"invalid YAML at line 2"):
        load_profile(_write(tmp_path, "x.yaml", "name: x\n  bad: [\n"))
    with pytest.raises(ProfileError, match=r"invalid JSON at line 1"):
        load_profile(_write(tmp_path, "x.json", "{nope"))


def test_overlap_is_allowed_across_tooth_and_surface_rules(tmp_path):
    path = _write(
        tmp_path,
        "ok.toml",
        '[[frequency]]\nfamilies = ["direct"]\nper = "tooth"\nmonths = 6\n'
        '[[frequency]]\nfamilies = ["composite"]\nper = "surface"\nmonths = 24\n',
    )
    profile = load_profile(path)
    assert {r.per for r in profile.frequency_rules("D2392")} == {"tooth", "surface"}


def test_config_mapping_to_a_missing_profile_is_an_error():
    with pytest.raises(ProfileError, match=r"payers\.SYNX"):
        load_profiles([PROFILES], payers={"SYNX": "no-such-profile"})


def test_missing_profile_path_is_an_error(tmp_path):
    with pytest.raises(ProfileError, match="does not exist"):
        load_profiles([tmp_path / "nope.toml"])


def test_batch_payers_add_inline_profiles_and_validate_them():
    base = load_profiles([PROFILES])
    merged = base.with_batch_payers(
        {"SYNINLINE": {"fee_schedule": {"D2140": 50}}, "SYNALIAS": "demo-medicaid-kids"},
        source="batch.json",
    )
    assert merged.for_payer("SYNINLINE").fee_schedule["D2140"] == Decimal("50")
    assert merged.for_payer("SYNALIAS").name == "demo-medicaid-kids"
    assert base.for_payer("SYNINLINE") is None  # the loaded set is not changed
    with pytest.raises(ProfileError) as info:
        ProfileSet().with_batch_payers({"P": {"bogus": 1}}, source="batch.json")
    assert info.value.key == "payers.P"


def test_schema_vocabularies_match_the_benefit_tables():
    schema = json.loads(SCHEMA_PATH.read_text())
    freq = schema["$defs"]["frequency"]["properties"]
    assert set(freq["families"]["items"]["enum"]) == set(benefits.FAMILIES)
    assert schema["$defs"]["alternate"]["properties"]["when"]["enum"] == list(benefits.CONDITIONS)


def test_every_mapping_code_in_fixture_profiles_is_known():
    for profile in load_profiles([PROFILES]).profiles.values():
        for rule in profile.alternate_benefits:
            assert all(benefits.is_known(c) for pair in rule.mapping.items() for c in pair)


def test_add_months_clamps_to_month_end():
    import datetime as dt

    assert add_months(dt.date(2025, 3, 31), -1) == dt.date(2025, 2, 28)
    assert add_months(dt.date(2025, 11, 3), -24) == dt.date(2023, 11, 3)


def test_parse_profile_defaults():
    profile = parse_profile({"name": "bare"}, source="inline")
    assert profile.in_network and profile.amalgam_covered and profile.frequency == ()
    assert profile.allowed("D2140") is None


def test_two_profiles_for_the_same_payer_and_plan_name_both_files(tmp_path):
    gold = PROFILES / "example-mutual-ppo-gold.toml"
    twin = _write(
        tmp_path,
        "gold-copy.toml",
        'name = "gold-copy"\npayer_ids = ["SYNPAYER1"]\nplan_ids = ["GOLD", "SILVER"]\n',
    )
    with pytest.raises(ProfileError) as err:
        load_profiles([gold, twin])
    text = str(err.value)
    assert str(twin) in text and str(gold) in text and "payer SYNPAYER1, plan GOLD" in text
    # payer-wide twice is ambiguous too; another plan, or plan-specific vs payer-wide, is not
    wide = _write(tmp_path, "a.toml", 'name = "a"\npayer_ids = ["SYNPAYER5"]\n')
    wide2 = _write(tmp_path, "b.toml", 'name = "b"\npayer_ids = ["SYNPAYER5"]\n')
    with pytest.raises(ProfileError, match=r"payer SYNPAYER5 \(all plans\) is also covered"):
        load_profiles([wide, wide2])
    silver = _write(tmp_path, "s.toml",
                    'name = "s"\npayer_ids = ["SYNPAYER1"]\nplan_ids = ["SILVER"]\n')  # fmt: skip
    payer_wide = _write(tmp_path, "w.toml", 'name = "w"\npayer_ids = ["SYNPAYER1"]\n')
    assert len(load_profiles([gold, silver, payer_wide])) == 3


def test_a_claimlint_toml_in_a_profiles_folder_is_not_a_profile(tmp_path):
    folder = tmp_path / "profiles"
    folder.mkdir()
    (folder / "gold.toml").write_bytes((PROFILES / "example-mutual-ppo-gold.toml").read_bytes())
    (folder / "claimlint.toml").write_text('profiles = ["."]\n')
    (folder / "pyproject.toml").write_text('[tool.claimlint]\nprofiles = ["."]\n')
    assert sorted(load_profiles([folder]).profiles) == ["example-mutual-ppo-gold"]


# -- issue 10: hostile numbers, sizes and YAML ----------------------------------------------

YAML_BOMB = "\n".join(
    [
        'a: &a ["x","x","x","x","x","x","x","x","x"]',
        *(
            f"{n}: &{n} [{','.join(['*' + p] * 9)}]"
            for p, n in zip("abcdefgh", "bcdefghi", strict=True)
        ),
        "",
    ]
)


@pytest.mark.parametrize(
    ("name", "text", "key", "words"),
    [
        ("nan.toml", "[fee_schedule]\nD2140 = nan\n", "fee_schedule.D2140", "not a finite"),
        ("inf.toml", "[fee_schedule]\nD2140 = inf\n", "fee_schedule.D2140", "not a finite"),
        ("big.toml", "[office_fees]\nD2140 = 1e400\n", "office_fees.D2140", "not a finite"),
        ("nan.json", '{"deductible": {"amount": NaN}}', "deductible.amount", "not a finite"),
        ("inf.yaml", "annual_maximum:\n  amount: .inf\n", "annual_maximum.amount", "finite"),
        ("huge.toml", "[fee_schedule]\nD2140 = 1" + "0" * 30 + "\n", "fee_schedule.D2140", "max"),
        (
            "months.toml",
            '[[frequency]]\nfamilies = ["direct"]\nper = "tooth"\nmonths = 1000000000\n',
            "frequency[0].months",
            "more than the maximum of 1200",
        ),
        (
            "age.toml",
            '[[age_limits]]\ncodes = ["D2140"]\nmax = 1000\n',
            "age_limits[0].max",
            "maximum of 150",
        ),
        ("wait.toml", "[waiting_periods]\nbasic = 99999\n", "waiting_periods.basic", "maximum"),
        (
            # found by the long fuzzing run: the schema compared it as a float (OverflowError)
            "huge-int.toml",
            "[waiting_periods]\nbasic = " + "9" * 400 + "\n",
            "waiting_periods.basic",
            "far too large",
        ),
    ],
)
def test_non_finite_and_out_of_range_numbers_are_located_profile_errors(
    tmp_path, name, text, key, words
):
    path = _write(tmp_path, name, text)
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    assert (info.value.file, info.value.key) == (str(path), key)
    assert words in str(info.value)


def test_a_yaml_alias_bomb_is_refused_quickly(tmp_path):
    import time

    path = _write(tmp_path, "bomb.yaml", YAML_BOMB)
    assert len(YAML_BOMB) < 400
    started = time.monotonic()
    with pytest.raises(ProfileError, match="aliases"):
        load_profile(path)
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("deep.json", '{"a": ' + "[" * 100_000 + "]" * 100_000 + "}"),
        ("deep.toml", "a = " + "[" * 100_000 + "]" * 100_000 + "\n"),
        ("deep.yaml", "a: " + "[" * 100_000 + "]" * 100_000 + "\n"),
        ("forty-deep.json", '{"title": ' + "[" * 40 + "]" * 40 + "}"),
    ],
)
def test_deep_nesting_is_a_profile_error_not_a_recursion_crash(tmp_path, name, text):
    with pytest.raises(ProfileError, match="nested more than"):
        load_profile(_write(tmp_path, name, text))


def test_add_months_clamps_at_the_ends_of_the_calendar():
    import datetime as dt

    assert add_months(dt.date(1, 3, 1), -24) == dt.date.min
    assert add_months(dt.date(9999, 3, 1), 24) == dt.date.max


def test_cli_hostile_profiles_exit_2_naming_file_and_field(tmp_path):
    from click.testing import CliRunner

    from claimlint.cli import main

    claims = FIXTURES / "history" / "domain-7-3.json"
    for name, text, where in [
        ("nan.toml", "[fee_schedule]\nD2140 = nan\n", "nan.toml: fee_schedule.D2140"),
        ("bomb.yaml", YAML_BOMB, "bomb.yaml"),
        (
            "months.toml",
            '[[frequency]]\nfamilies = ["direct"]\nper = "tooth"\nmonths = 1000000000\n',
            "months.toml: frequency[0].months",
        ),
    ]:
        path = _write(tmp_path, name, text)
        for command in (["check"], ["estimate"]):
            result = CliRunner().invoke(main, [*command, str(claims), "--profile", str(path)])
            assert result.exit_code == 2, (name, command, result.output)
            assert where in result.output and "Traceback" not in result.output
