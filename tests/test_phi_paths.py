"""PHI canary over every output and every error path (issue 10, DESIGN §6).

Distinctive synthetic values (patient name, member id, birth date, address) go into every input
format, into broken files (bad CSV rows, XML syntax errors with the canary in element text and
names, truncated JSON, junk X12), into configuration, profile and history files with errors;
then every output format of ``check`` (stdout and -o files), ``estimate``, the error paths of
``convert`` (its stdout is an explicit export of patient data) and ``history import``. No canary
may appear in stdout, stderr or a report file.
"""

from __future__ import annotations

import io
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner
from test_x12_equivalence import CLAIMS, as_837, as_json

from claimlint.cli import main
from claimlint.core.model import Claim
from claimlint.readers.base import ReadOptions, Source
from claimlint.readers.json import read_json
from claimlint.report.formatters import available
from claimlint.running.convert import claims_to_csv, claims_to_xml

LAST, FIRST, MEMBER = "QUAXWORTHY", "ZELPHINE", "MBRZ9Q7731"
DOB, DOB_X12, DOB_US = "1961-07-23", "19610723", "07/23/1961"
STREET = "4417 WYVERNHOLT LN"
CANARIES = (LAST, FIRST, MEMBER, DOB, DOB_X12, DOB_US, "WYVERNHOLT")
ROOT = Path(__file__).resolve().parents[1]


def leaks(*texts: str) -> list[str]:
    return [c for c in CANARIES for t in texts if c in t]


def _canary(text: str) -> str:
    return (
        text.replace("TESTPATIENT", LAST)
        .replace("ALPHA", FIRST)
        .replace("SYN000123", MEMBER)
        .replace("1980-01-01", DOB)
        .replace("19800101", DOB_X12)
        .replace("200 TEST AVE", STREET)
    )


def _json_batch() -> bytes:
    doc = orjson.loads(as_json([*CLAIMS["coding"], *CLAIMS["billing"]]))
    for claim in doc["claims"]:
        claim["subscriber"]["address"] = "200 TEST AVE, SPRINGFIELD IL"
    return _canary(orjson.dumps(doc).decode()).encode()


def inputs(tmp: Path) -> dict[str, Path]:
    """The canary claims (with defects) in every input format."""
    data = _json_batch()
    claims = [
        c
        for c in read_json(Source(name="x.json", data=data), ReadOptions())
        if isinstance(c, Claim)
    ]
    files = {
        "json": tmp / "b.json",
        "jsonl": tmp / "b.jsonl",
        "837": tmp / "b.837",
        "csv": tmp / "b.csv",
        "xml": tmp / "b.xml",
    }
    files["json"].write_bytes(data)
    files["jsonl"].write_bytes(
        b"".join(orjson.dumps(c) + b"\n" for c in orjson.loads(data)["claims"])
    )
    files["837"].write_text(_canary(as_837([*CLAIMS["coding"], *CLAIMS["billing"]])))
    csv_out, xml_out = io.StringIO(), io.BytesIO()
    claims_to_csv(claims, csv_out)
    claims_to_xml(claims, xml_out)
    files["csv"].write_text(csv_out.getvalue())
    files["xml"].write_bytes(xml_out.getvalue())
    for kind, path in files.items():
        text = path.read_text()
        assert LAST in text and MEMBER in text, f"the {kind} input lacks the canaries"
    return files


def broken(tmp: Path) -> dict[str, Path]:
    """Broken files with canaries where a parser's message could quote them."""
    good = inputs(tmp)
    csv_lines = good["csv"].read_text().splitlines(keepends=True)
    header = csv_lines[0].split(",")
    out: dict[str, Path] = {}

    def put(name: str, data: bytes | str) -> None:
        path = tmp / name
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        out[name] = path

    # CSV: a short row, a row with an unterminated quote, a header that runs into data
    put("short-row.csv", "".join([*csv_lines[:2], f"X9,{LAST},{FIRST},{MEMBER},{DOB}\n"]))
    put(
        "open-quote.csv",
        "".join([*csv_lines[:2], csv_lines[1].replace(LAST, f'"{LAST} {STREET}', 1)]),
    )
    put(
        "header-into-data.csv",  # the header's line break lost: the first row runs into it
        csv_lines[0].rstrip("\n") + "," + "".join(csv_lines[1:]),
    )
    put(
        "bad-values.csv",
        "".join([*csv_lines[:1], *(_bad_cells(ln, header) for ln in csv_lines[1:])]),
    )
    # XML: syntax errors quoting element text and names
    xml = good["xml"].read_text()
    put(
        "mismatched.xml",
        xml.replace(f"<last_name>{LAST}</last_name>", f"<{LAST}>{FIRST} {MEMBER}</{LAST}X>", 1),
    )
    put(
        "bad-entity.xml",
        xml.replace(f">{LAST}<", f">&{LAST}; {MEMBER} {DOB}<", 1),
    )
    put("truncated.xml", xml[: xml.index(LAST) + 5])
    # XML: canaries in values the XSD rejects; an apostrophe or quote in the value once cut
    # libxml2's quoted value short and printed the rest of it
    put("xsd-apostrophe.xml", xml.replace("<total_charge>", f"<total_charge>{FIRST} O'{LAST}", 1))
    put(
        "xsd-quote.xml",
        xml.replace("<line_number>", f"<line_number>{FIRST} \"{LAST}\" ' is {MEMBER} '", 1),
    )
    # JSON: truncated inside a canary; canaries in values of the wrong type
    data = good["json"].read_text()
    put("truncated.json", data[: data.index(MEMBER) + 4])
    put("bad-types.json", data.replace(f'"birth_date":"{DOB}"', f'"birth_date":"{LAST} {DOB}X"'))
    put(
        "bad-line.jsonl",
        good["jsonl"].read_text() + f'{{"claim_id": "Z1", "subscriber": "{LAST}", \n',
    )
    # X12: a junk segment and a bad element next to the canaries
    x12 = good["837"].read_text()
    put("junk.837", x12.replace(f"N3*{STREET}~", f"N3*{STREET}~\n{LAST} {MEMBER} {DOB_US}~", 1))
    put("bad-dmg.837", x12.replace(f"DMG*D8*{DOB_X12}", f"DMG*D8*{DOB_X12}{LAST}", 1))
    return out


def _bad_cells(line: str, header: list[str]) -> str:
    """A CSV row whose birth date, tooth and charge are unreadable (and name the canaries)."""
    cells = line.rstrip("\n").split(",")
    for i, col in enumerate(header):
        col = col.strip()
        if col.endswith("birth_date") and cells[i]:
            cells[i] = f"{DOB_US}{LAST}"
        elif col == "charge":
            cells[i] = "12x.00"
    return ",".join(cells) + "\n"


def _check(args: list[str]):  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(main, args, catch_exceptions=True)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


# -- check: every format, every input, good and broken ---------------------------------------


@pytest.mark.parametrize("fmt", available())
@pytest.mark.parametrize("kind", ["json", "jsonl", "837", "csv", "xml"])
def test_check_every_format_every_input(kind: str, fmt: str, tmp_path: Path) -> None:
    path = inputs(tmp_path)[kind]
    result = _check(["check", str(path), "--format", fmt])
    assert result.exit_code == 1, result.output  # the claims have errors
    assert leaks(result.stdout, result.stderr) == [], (kind, fmt)


BROKEN = [
    "short-row.csv",
    "open-quote.csv",
    "header-into-data.csv",
    "bad-values.csv",
    "mismatched.xml",
    "bad-entity.xml",
    "truncated.xml",
    "xsd-apostrophe.xml",
    "xsd-quote.xml",
    "truncated.json",
    "bad-types.json",
    "bad-line.jsonl",
    "junk.837",
    "bad-dmg.837",
]


@pytest.mark.parametrize("name", BROKEN)
def test_broken_inputs_every_output_and_command(name: str, tmp_path: Path) -> None:
    path = broken(tmp_path)[name]
    outs = {fmt: tmp_path / f"report.{fmt}" for fmt in available()}
    args = ["check", str(path), "--statistics"]
    for fmt, out in outs.items():
        args += ["-o", f"{fmt}={out}"]
    seen: list[str] = []
    for fmt in available():
        result = _check([*args, "--format", fmt])
        assert result.exit_code in (1, 2), (fmt, result.output)
        seen.append(f"check --format {fmt}: {leaks(result.stdout, result.stderr)}")
    for fmt, out in outs.items():
        if out.exists():
            seen.append(f"-o {fmt}: {leaks(out.read_text(errors='replace'))}")
    for cmd in (["estimate"], ["estimate", "--format", "json"]):
        result = _check([*cmd, str(path)])
        seen.append(f"{' '.join(cmd)}: {leaks(result.stdout, result.stderr)}")
    # convert writes patient data by design: only its error path (stderr) must be clean
    result = _check(["convert", str(path), "-o", str(tmp_path / "converted.json")])
    seen.append(f"convert stderr: {leaks(result.stderr)}")
    if path.suffix in (".csv", ".json", ".jsonl", ".837"):
        result = _check(["history", "import", str(path), "--history", str(tmp_path / "h.sqlite")])
        seen.append(f"history import: {leaks(result.stdout, result.stderr)}")
    leaked = [s for s in seen if not s.endswith("[]")]
    assert leaked == [], leaked


def test_estimate_on_good_inputs_carries_no_phi(tmp_path: Path) -> None:
    profile = ROOT / "fixtures" / "profiles" / "example-mutual-ppo-gold.toml"
    for kind, path in inputs(tmp_path).items():
        for fmt in ("text", "json"):
            result = _check(["estimate", str(path), "--profile", str(profile), "--format", fmt])
            assert leaks(result.stdout, result.stderr) == [], (kind, fmt)


# -- exit-2 and loader error paths ---------------------------------------------------------------


def test_usage_errors_do_not_echo_patient_data(tmp_path: Path) -> None:
    path = inputs(tmp_path)["json"]
    for args in (
        ["check", str(path), "--format", LAST],
        ["check", str(path), "--select", MEMBER],
        ["check", str(path), "-o", f"nope={tmp_path / 'x'}"],
    ):
        result = _check(args)
        assert result.exit_code == 2
        # the user's own argument may be repeated; nothing from the claim file may be
        assert [c for c in leaks(result.stderr) if c not in " ".join(args)] == [], args


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("bad.yaml", f"name: x\ntitle: {LAST} {MEMBER}: [\n  - {DOB}\n"),
        ("bad.toml", f'name = "x"\ntitle = "{LAST} {MEMBER}\ncoverage = {{ start = {DOB}x }}\n'),
        ("bad.json", f'{{"name": "x", "title": "{LAST} {MEMBER}", "coverage": {{"start": "{DOB}'),
    ],
)
def test_profile_syntax_errors_do_not_quote_the_file(name: str, text: str, tmp_path: Path) -> None:
    """A parser's message may quote the broken line; a profile is not patient data, but a
    message that echoes file content would echo anything pasted there."""
    claims = inputs(tmp_path)["json"]
    profile = tmp_path / name
    profile.write_text(text)
    result = _check(["check", str(claims), "--profile", str(profile)])
    assert result.exit_code == 2 and name in result.stderr, result.output
    assert leaks(result.stdout, result.stderr) == [], result.stderr


def test_configuration_errors_do_not_quote_the_file(tmp_path: Path) -> None:
    claims = inputs(tmp_path)["json"]
    config = tmp_path / "claimlint.toml"
    config.write_text(f'select = ["CL"\n# {LAST} {MEMBER} {DOB}\nignore = [{DOB}x]\n')
    result = _check(["check", str(claims), "--config", str(config)])
    assert result.exit_code == 2 and "claimlint.toml" in result.stderr, result.output
    assert leaks(result.stdout, result.stderr) == [], result.stderr


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (
            "shifted.csv",
            "member_id,code,date,tooth,surfaces,status\n"
            f"{LAST},{MEMBER},{DOB},D2392,30,MO,paid\n"
            f"{MEMBER},D2392,{DOB_US}{LAST},30,MO,paid\n",
        ),
        ("no-header.csv", f"{MEMBER},D2392,{DOB},30,MO,paid\n"),
        (
            "bad-utf8.csv",
            f"member_id,code,date\n{MEMBER},D2392,{DOB}\xff\n".encode("latin-1"),
        ),
    ],
)
def test_history_import_errors_do_not_echo_rows(
    name: str, text: str | bytes, tmp_path: Path
) -> None:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    result = _check(["history", "import", str(path), "--history", str(tmp_path / "h.sqlite")])
    assert result.exit_code in (1, 2), result.output
    assert leaks(result.stdout, result.stderr) == [], result.stderr
