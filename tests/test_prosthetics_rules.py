"""Prosthodontics, missing teeth and same-day bundling (issue 14 parts 3-5): CL307-CL309,
CL921-CL924, CL931-CL933, CL941, CL942.

Every rule's failing and passing fixture (fixtures/rules/CLxxx/*.json) is also written as 837D,
CSV and XML and must give the same verdict; history goes into a SQLite store for those formats.
Below that, the behaviour beyond the fixtures.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import FIXTURES, TODAY

from claimlint.core.config import Config, load_file
from claimlint.core.model import Claim, PriorProcedure
from claimlint.payer.history import SQLiteHistory
from claimlint.payer.profiles import ProfileError, parse_profile
from claimlint.readers.base import ReadOptions, Source, get_reader
from claimlint.running.convert import claims_to_csv, claims_to_xml
from claimlint.running.engine import Engine

RULES = FIXTURES / "rules"
CODES = [
    "CL307",
    "CL308",
    "CL309",
    "CL921",
    "CL922",
    "CL923",
    "CL924",
    "CL931",
    "CL932",
    "CL933",
    "CL941",
    "CL942",
]


def _read_json(path: Path) -> tuple[list[Claim], list[PriorProcedure]]:
    source = Source(name=str(path), path=path)
    items = list(get_reader("json")(source, ReadOptions()))
    claims = [i for i in items if isinstance(i, Claim)]
    history = [p for i in items for p in getattr(i, "history", ()) or ()]
    return claims, history


def _x12_date(value: Any) -> str:
    return value.strftime("%Y%m%d")


def as_837(claims: list[Claim]) -> str:
    """A minimal 837D of the claims: what these rules read (DN2, SV304, SV305, TOO, DTP*441)."""
    body = [
        "BHT*0019*00*0001*20250115*1200*CH",
        "NM1*41*2*EXAMPLE DENTAL GROUP*****46*1",
        "NM1*40*2*EXAMPLE CLEARINGHOUSE*****46*RECEIVER01",
    ]
    hl = 0
    for c in claims:
        hl += 2
        total = f"{c.total_charge:f}".rstrip("0").rstrip(".")
        body += [
            f"HL*{hl - 1}**20*1",
            "NM1*85*2*EXAMPLE DENTAL GROUP*****XX*1234567893",
            "N3*100 MAIN ST",
            "N4*SPRINGFIELD*IL*627010001",
            "REF*EI*123456789",
            f"HL*{hl}*{hl - 1}*22*0",
            "SBR*P*18*GRP0001******CI",
            "NM1*IL*1*TESTPATIENT*ALPHA****MI*SYN000123",
            "N3*200 TEST AVE",
            "N4*SPRINGFIELD*IL*627020002",
            "DMG*D8*19800101*F",
            f"NM1*PR*2*SYNTHETIC DENTAL PLAN*****PI*{c.payer_id}",
            f"CLM*{c.claim_id}*{total}***11:B:1*Y*A*Y*Y",
            f"DTP*472*D8*{_x12_date(c.date_of_service)}",
        ]
        body += [f"DN2*{m.tooth}*{m.status}" for m in c.missing_teeth]
        for i, ln in enumerate(c.lines, 1):
            charge = f"{ln.charge:f}".rstrip("0").rstrip(".")
            sv3 = [f"AD:{ln.code}", charge, "", ":".join(ln.oral_cavity), ln.placement or ""]
            body += [f"LX*{i}", "SV3*" + "*".join(sv3).rstrip("*")]
            if ln.prior_placement_date is not None:
                body.append(f"DTP*441*D8*{_x12_date(ln.prior_placement_date)}")
            body += [f"TOO*JP*{t.tooth}*{':'.join(t.surfaces)}".rstrip("*") for t in ln.teeth]
    segs = [
        "ISA*00*          *00*          *ZZ*CLAIMLINTDEMO  *ZZ*RECEIVER01     *250115*1200*"
        "^*00501*000000001*0*T*:",
        "GS*HC*CLAIMLINTDEMO*RECEIVER01*20250115*1200*1*X*005010X224A2",
        "ST*837*0001*005010X224A2",
        *body,
        f"SE*{len(body) + 2}*0001",
        "GE*1*1",
        "IEA*1*000000001",
    ]
    return "~\n".join(segs) + "~\n"


def _write(fmt: str, claims: list[Claim], path: Path) -> None:
    if fmt == "837":
        path.write_text(as_837(claims), "latin-1")
    elif fmt == "csv":
        out = io.StringIO()
        claims_to_csv(claims, out)
        path.write_text(out.getvalue())
    else:
        with path.open("wb") as handle:
            claims_to_xml(claims, handle)


def _config(code: str, history: list[PriorProcedure], tmp_path: Path) -> Config:
    toml = RULES / code / "claimlint.toml"
    cfg = load_file(toml) if toml.exists() else Config()
    cfg.today = TODAY
    if history:
        store = SQLiteHistory(tmp_path / "history.sqlite", create=True)
        store.add_many(history)
        store.close()
        cfg.history = str(tmp_path / "history.sqlite")
    return cfg


def _codes(path: Path, cfg: Config) -> list[str]:
    engine = Engine(cfg)
    report = engine.lint_paths([str(path)])
    assert engine.errors == []
    assert report.summary.claims_unparsable == 0
    return [f.code for f in report.findings]


@pytest.mark.parametrize("fmt", ["837", "csv", "xml"])
@pytest.mark.parametrize("kind", ["fail", "pass"])
@pytest.mark.parametrize("code", CODES)
def test_rule_fixture_gives_the_same_verdict_in_every_format(code, kind, fmt, tmp_path):
    claims, history = _read_json(RULES / code / f"{kind}.json")
    path = tmp_path / f"{kind}.{fmt}"
    _write(fmt, claims, path)
    found = _codes(path, _config(code, history, tmp_path))
    assert (code in found) == (kind == "fail"), found


# -- behaviour beyond the fixtures -----------------------------------------------------------

UNION = FIXTURES / "profiles" / "sample-union-dental-basic.yaml"


def _batch(tmp_path: Path, claims: list[dict], history: list[dict] = ()) -> Path:
    path = tmp_path / "batch.json"
    data: dict[str, Any] = {"version": "1", "tooth_numbering": "universal", "claims": claims}
    if history:
        data["history"] = list(history)
    path.write_text(json.dumps(data))
    return path


def _claim(cid: str, lines: list[dict], payer: str = "SYNPAYER2", **kw: Any) -> dict:
    data = {
        "claim_id": cid,
        "payer_id": payer,
        "billing_provider": {"npi": "1234567893", "tax_id": "123456789"},
        "subscriber": {"member_id": "SYN000123"},
        "patient_is_subscriber": True,
        "date_of_service": "2025-06-02",
        "lines": [
            {"line_number": i, "quantity": 1, "charge": 100, **ln} for i, ln in enumerate(lines, 1)
        ],
    }
    data.update(kw)
    return data


def _prior(code: str, date: str, tooth: str | None = None, **kw: Any) -> dict:
    return {"member_id": "SYN000123", "code": code, "date": date, "tooth": tooth, **kw}


def _findings(path: Path, profiles: bool = True) -> list[Any]:
    cfg = Config(today=TODAY, profiles=[str(UNION)] if profiles else [])
    engine = Engine(cfg)
    report = engine.lint_paths([str(path)])
    assert engine.errors == []
    return list(report.findings)


def _of(findings: list[Any], code: str) -> list[Any]:
    return [f for f in findings if f.code == code]


def test_cl905_debridement_with_evaluation_is_a_profile_bundle_with_its_severity(tmp_path):
    path = _batch(tmp_path, [_claim("B1", [{"code": "D4355"}, {"code": "D0150"}])])
    (hit,) = _of(_findings(path), "CL941")
    assert hit.location.line == 2 and hit.severity.value == "error"
    assert "D4355" in hit.message and "later visit" in hit.message
    assert "evaluation-after-debridement" in hit.message


def test_bundles_are_off_without_a_profile_that_lists_them(tmp_path):
    path = _batch(tmp_path, [_claim("B1", [{"code": "D0120"}, {"code": "D0140"}])])
    assert _of(_findings(path), "CL941")
    assert _of(_findings(path, profiles=False), "CL941") == []
    gold = _batch(tmp_path, [_claim("B1", [{"code": "D0120"}, {"code": "D0140"}], "SYNPAYER1")])
    cfg = Config(today=TODAY, profiles=[str(FIXTURES / "profiles")])
    assert [f for f in Engine(cfg).lint_paths([str(gold)]).findings if f.code == "CL941"] == []


def test_bundle_day_matches_history_of_the_same_date_but_visit_and_other_days_do_not(tmp_path):
    history = [_prior("D0120", "2025-06-02", claim_id="EARLIER")]
    path = _batch(tmp_path, [_claim("B1", [{"code": "D0140"}])], history)
    (hit,) = _of(_findings(path), "CL941")
    assert "history" in hit.message and "EARLIER" in hit.message
    history = [_prior("D0120", "2025-06-01", claim_id="EARLIER")]
    path = _batch(tmp_path, [_claim("B1", [{"code": "D0140"}])], history)
    assert _of(_findings(path), "CL941") == []
    # the claim's own record in history does not bundle with itself
    history = [_prior("D0120", "2025-06-02", claim_id="B1")]
    path = _batch(tmp_path, [_claim("B1", [{"code": "D0140"}])], history)
    assert _of(_findings(path), "CL941") == []


def test_prophylaxis_with_srp_same_day_is_a_bundle_not_an_interval(tmp_path):
    lines = [{"code": "D1110"}, {"code": "D4341", "oral_cavity": ["10"]}]
    found = _findings(_batch(tmp_path, [_claim("B1", lines)]))
    assert [f.location.line for f in _of(found, "CL941")] == [1]
    assert _of(found, "CL942") == []


def test_interval_either_order_and_days(tmp_path):
    # prophylaxis 10 days after SRP (either_order)
    history = [_prior("D4342", "2025-05-23")]
    found = _findings(_batch(tmp_path, [_claim("B1", [{"code": "D1110"}])], history))
    (hit,) = _of(found, "CL942")
    assert "10 days after D4342" in hit.message and "30 days" in hit.message
    # 30 days apart is allowed
    history = [_prior("D4342", "2025-05-03")]
    assert (
        _of(_findings(_batch(tmp_path, [_claim("B1", [{"code": "D1110"}])], history)), "CL942")
        == []
    )


def test_replacement_window_from_history_for_a_bridge_unit(tmp_path):
    lines = [{"code": "D6240", "tooth": "4", "placement": "R"}]
    history = [_prior("D6240", "2023-01-10", "4")]
    found = _findings(_batch(tmp_path, [_claim("B1", lines, missing_teeth=["4"])], history))
    (hit,) = _of(found, "CL933")
    assert "2023-01-10" in hit.message and "2028-01-10" in hit.message
    # the crown frequency rule (CL404) already covers a crown: no second finding
    lines = [
        {"code": "D2740", "tooth": "3", "placement": "R", "prior_placement_date": "2022-01-10"}
    ]
    found = _findings(_batch(tmp_path, [_claim("B1", lines)]))
    assert _of(found, "CL404") and _of(found, "CL933") == []


def test_pontic_with_extraction_on_claim_or_in_history_is_reported_missing(tmp_path):
    bridge = [
        {"code": "D6750", "tooth": "3", "placement": "I"},
        {"code": "D6240", "tooth": "4", "placement": "I"},
        {"code": "D6750", "tooth": "5", "placement": "I"},
    ]
    path = _batch(
        tmp_path, [_claim("B1", bridge, "SYNPAYER1")], [_prior("D7140", "2024-01-05", "4")]
    )
    assert _of(_findings(path, profiles=False), "CL309") == []
    path = _batch(tmp_path, [_claim("B1", [*bridge, {"code": "D7140", "tooth": "4"}], "SYNPAYER1")])
    assert _of(_findings(path, profiles=False), "CL309") == []
    # the same tooth numbers in the other arch are not next to each other: 16 and 17
    lone = [
        {"code": "D6240", "tooth": "17", "placement": "I"},
        {"code": "D6750", "tooth": "16", "placement": "I"},
    ]
    path = _batch(tmp_path, [_claim("B1", lone, "SYNPAYER1", missing_teeth=["17"])])
    assert _of(_findings(path, profiles=False), "CL931")


def test_implant_after_extraction_is_fine_but_a_filling_is_not(tmp_path):
    history = [_prior("D7140", "2024-01-05", "19")]
    lines = [{"code": "D6010", "tooth": "19"}, {"code": "D2391", "tooth": "19", "surfaces": "O"}]
    found = _findings(_batch(tmp_path, [_claim("B1", lines, "SYNPAYER1")], history), profiles=False)
    assert [f.location.line for f in _of(found, "CL923")] == [2]
    assert "2024-01-05" in _of(found, "CL923")[0].message


def test_cl307_names_a_bad_prior_date_and_skips_a_bad_placement_the_reader_reported(tmp_path):
    lines = [
        {"code": "D2740", "tooth": "3", "placement": "R", "prior_placement_date": "2022-13-40"}
    ]
    found = _findings(_batch(tmp_path, [_claim("B1", lines, "SYNPAYER1")]), profiles=False)
    (hit,) = _of(found, "CL307")
    assert "not a date" in hit.message and hit.location.field.endswith("prior_placement_date")
    path = tmp_path / "bad.837"
    text = as_837(_read_json(RULES / "CL307" / "pass.json")[0]).replace("***I~", "***Q~", 1)
    path.write_text(text, "latin-1")
    found = Engine(Config(today=TODAY)).lint_paths([str(path)]).findings
    assert [f.code for f in found if f.location.line == 1 and f.code in ("CL117", "CL307")] == [
        "CL117"
    ]


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("bundles", [{"codes": ["D0140", "D0120"], "kept": ["D0150"]}], "not one of"),
        ("bundles", [{"codes": ["D0140", "D0120"], "kept": ["D0140", "D0120"]}], "keeps every"),
        ("bundles", [{"codes": ["D0140"], "kept": ["D0140"]}], ""),
        ("replacement", [{"months": 60}], "at least one code or family"),
        ("replacement", [{"families": ["dentures"], "months": 60}], ""),
        ("min_intervals", [{"first": ["D1110"], "then": ["D4341"], "days": 0}], ""),
        # CDT-shaped but not current codes: refused with the key path, as in ``frequency``
        ("replacement", [{"codes": ["D6010", "D6998"], "months": 60}],
         "codes[1]: unknown code 'D6998'"),
        ("replacement", [{"codes": ["D6205-D6255"], "months": 60}],
         "codes[0]: unknown code 'D6255'"),
        ("bundles", [{"codes": ["D0140", "D0125"], "kept": ["D0140"]}],
         "codes[1]: unknown code 'D0125'"),
        ("bundles", [{"codes": ["D0140", "D0120"], "kept": ["D9940"]}],
         "kept[0]: unknown code 'D9940'"),  # retired in CDT 2019
        ("min_intervals", [{"first": ["D1111"], "then": ["D4341"], "days": 30}],
         "first[0]: unknown code 'D1111'"),
        ("min_intervals", [{"first": ["D1110"], "then": ["D4341", "D4344"], "days": 30}],
         "then[1]: unknown code 'D4344'"),
    ],
)  # fmt: skip
def test_bad_new_profile_keys_are_refused_with_their_key_path(key, value, message):
    with pytest.raises(ProfileError) as err:
        parse_profile({"name": "p", key: value}, source="p.yaml")
    assert f"p.yaml: {key}[0]" in str(err.value) and message in str(err.value)


def test_new_profile_keys_parse():
    profile = parse_profile(
        {
            "name": "p",
            "replacement": [{"families": ["denture", "crown"], "codes": ["D6010"], "months": 84}],
            "bundles": [{"codes": ["D4341-D4342", "D1110"], "kept": ["D4342"]}],
        },
        source="p.yaml",
    )
    (rule,) = profile.replacement
    assert {"D5110", "D5213", "D2740", "D6010"} <= rule.codes.codes() and "D5730" not in rule.codes
    (bundle,) = profile.bundles
    assert bundle.denied("D1110") and bundle.denied("D4341") and not bundle.denied("D4342")
    assert bundle.same == "day" and profile.min_intervals == ()
