"""Claims for the area and tooth-type rules (CL701–CL708, CL901–CL925), written in every input
format from one description, so each rule's failing and passing case is the same claim in the
837D, JSON, CSV and XML.

``python tests/area_cases.py`` rewrites fixtures/rules/CLxxx/{fail,pass}.{json,837,csv,xml}
from :data:`CASES` (synthetic data only).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

FORMATS = ("json", "837", "csv", "xml")


@dataclass(frozen=True)
class Line:
    code: str
    teeth: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    charge: int = 100
    note: str | None = None


@dataclass(frozen=True)
class Case:
    claim_id: str
    lines: tuple[Line, ...]
    #: formats that cannot express the case (CSV: one tooth per line)
    skip: tuple[str, ...] = field(default=())
    date: str = "2025-06-02"

    def formats(self) -> tuple[str, ...]:
        return tuple(f for f in FORMATS if f not in self.skip)


def _multi(lines: tuple[Line, ...]) -> tuple[str, ...]:
    return ("csv",) if any(len(x.teeth) > 1 for x in lines) else ()


def case(claim_id: str, *lines: Line) -> Case:
    return Case(claim_id, lines, _multi(lines))


#: rule → (failing claim, passing claim)
CASES: dict[str, tuple[Case, Case]] = {
    "CL701": (
        case("CL701-F", Line("D4341", areas=("01",))),
        case("CL701-P", Line("D4341", areas=("30",))),
    ),
    "CL702": (
        case("CL702-F", Line("D5110", areas=("02",), charge=900)),
        case("CL702-P", Line("D5110", areas=("01",), charge=900)),
    ),
    "CL703": (
        case("CL703-F", Line("D1110", teeth=("3",))),
        case("CL703-P", Line("D1110")),
    ),
    "CL705": (
        case("CL705-F", Line("D4342", teeth=("3",), areas=("30",))),
        case("CL705-P", Line("D4342", teeth=("19",), areas=("30",))),
    ),
    "CL706": (
        case("CL706-F", Line("D4341", areas=("30",)), Line("D4342", areas=("30",))),
        case("CL706-P", Line("D4341", areas=("30",)), Line("D4342", areas=("40",))),
    ),
    "CL708": (
        case("CL708-F", Line("D4341", areas=("LL",))),
        case("CL708-P", Line("D4341", areas=("30",))),
    ),
    "CL901": (
        case("CL901-F", Line("D4341", teeth=("18",), areas=("30",))),
        case("CL901-P", Line("D4342", teeth=("18",), areas=("30",))),
    ),
    "CL911": (
        case("CL911-F", Line("D3330", teeth=("5",), charge=900)),
        case("CL911-P", Line("D3320", teeth=("5",), charge=900)),
    ),
    "CL912": (
        case("CL912-F", Line("D3330", teeth=("T",), charge=900)),
        case("CL912-P", Line("D3240", teeth=("T",), charge=200)),
    ),
    "CL913": (
        case("CL913-F", Line("D3230", teeth=("A",), charge=200)),
        case("CL913-P", Line("D3240", teeth=("A",), charge=200)),
    ),
    "CL914": (
        case("CL914-F", Line("D3220", teeth=("30",), charge=200)),
        case("CL914-P", Line("D3220", teeth=("T",), charge=200)),
    ),
    "CL917": (
        case("CL917-F", Line("D1351", teeth=("A",), charge=50)),
        case("CL917-P", Line("D1351", teeth=("3",), charge=50)),
    ),
    "CL925": (
        case("CL925-F", Line("D7140", teeth=("51",), charge=150)),
        case(
            "CL925-P",
            Line("D7140", teeth=("51",), charge=150, note="erupted extra tooth distal to 1"),
        ),
    ),
}


# -- writers ------------------------------------------------------------------------------------


def to_json(c: Case) -> str:
    lines = []
    for n, ln in enumerate(c.lines, 1):
        item: dict[str, object] = {
            "line_number": n,
            "quantity": 1,
            "code": ln.code,
            "charge": ln.charge,
        }
        if len(ln.teeth) == 1:
            item["tooth"] = ln.teeth[0]
        elif ln.teeth:
            item["teeth"] = [{"tooth": t} for t in ln.teeth]
        if ln.areas:
            item["oral_cavity"] = list(ln.areas)
        if ln.note:
            item["note"] = ln.note
        lines.append(item)
    batch = {
        "version": "1",
        "tooth_numbering": "universal",
        "claims": [
            {
                "claim_id": c.claim_id,
                "payer_id": "SYNPAYER1",
                "plan_id": "GOLD",
                "billing_provider": {
                    "npi": "1234567893",
                    "tax_id": "123456789",
                    "postal_code": "627010001",
                },
                "rendering_provider": {"npi": "1987654328"},
                "subscriber": {
                    "member_id": "SYN000123",
                    "first_name": "ALPHA",
                    "last_name": "TESTPATIENT",
                    "birth_date": "1980-01-01",
                },
                "patient_is_subscriber": True,
                "total_charge": sum(x.charge for x in c.lines),
                "place_of_service": "11",
                "frequency_code": "1",
                "predetermination": False,
                "lines": lines,
                "date_of_service": c.date,
            }
        ],
    }
    return json.dumps(batch, indent=2) + "\n"


_X12_HEAD = """ISA*00*          *00*          *ZZ*CLAIMLINTDEMO  *ZZ*RECEIVER01     *250115*1200*^*00501*000000001*0*T*:~
GS*HC*CLAIMLINTDEMO*RECEIVER01*20250115*1200*1*X*005010X224A2~
ST*837*0001*005010X224A2~
BHT*0019*00*0001*20250115*1200*CH~
NM1*41*2*EXAMPLE DENTAL GROUP*****46*123456789~
PER*IC*BILLING OFFICE*TE*5555550100~
NM1*40*2*EXAMPLE CLEARINGHOUSE*****46*RECEIVER01~
HL*1**20*1~
PRV*BI*PXC*1223G0001X~
NM1*85*2*EXAMPLE DENTAL GROUP*****XX*1234567893~
N3*100 MAIN ST~
N4*SPRINGFIELD*IL*627010001~
REF*EI*123456789~
HL*2*1*22*0~
SBR*P*18*GRP0001******CI~
NM1*IL*1*TESTPATIENT*ALPHA****MI*SYN000123~
N3*200 TEST AVE~
N4*SPRINGFIELD*IL*627020002~
DMG*D8*19800101*F~
NM1*PR*2*SYNTHETIC DENTAL PLAN*****PI*SYNPAYER1~
"""  # noqa: E501


def to_837(c: Case) -> str:
    total = sum(x.charge for x in c.lines)
    body = [
        f"CLM*{c.claim_id}*{total}***11:B:1*Y*A*Y*Y~",
        f"DTP*472*D8*{c.date.replace('-', '')}~",
    ]
    for n, ln in enumerate(c.lines, 1):
        body.append(f"LX*{n}~")
        sv3 = f"SV3*AD:{ln.code}*{ln.charge}"
        if ln.areas:
            sv3 += "**" + ":".join(ln.areas)
        body.append(sv3 + "~")
        body.extend(f"TOO*JP*{t}~" for t in ln.teeth)
        if ln.note:
            body.append(f"NTE*ADD*{ln.note.upper()}~")
    head = _X12_HEAD.splitlines()
    st = next(i for i, s in enumerate(head) if s.startswith("ST*"))
    count = len(head) - st + len(body) + 1
    lines = head + body + [f"SE*{count}*0001~", "GE*1*1~", "IEA*1*000000001~"]
    return "\n".join(lines) + "\n"


_CSV_COLUMNS = (
    "claim_id",
    "payer_id",
    "plan_id",
    "billing_npi",
    "billing_tax_id",
    "billing_postal_code",
    "rendering_npi",
    "subscriber_id",
    "subscriber_first_name",
    "subscriber_last_name",
    "subscriber_birth_date",
    "patient_is_subscriber",
    "date_of_service",
    "total_charge",
    "place_of_service",
    "frequency_code",
    "line_number",
    "code",
    "charge",
    "tooth",
    "quantity",
    "oral_cavity",
    "note",
)


def to_csv(c: Case) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(_CSV_COLUMNS)
    total = sum(x.charge for x in c.lines)
    for n, ln in enumerate(c.lines, 1):
        assert len(ln.teeth) <= 1, "CSV has one tooth per line"
        w.writerow(
            [
                c.claim_id,
                "SYNPAYER1",
                "GOLD",
                "1234567893",
                "123456789",
                "627010001",
                "1987654328",
                "SYN000123",
                "ALPHA",
                "TESTPATIENT",
                "1980-01-01",
                "true",
                c.date,
                total,
                "11",
                "1",
                n,
                ln.code,
                ln.charge,
                ln.teeth[0] if ln.teeth else "",
                1,
                " ".join(ln.areas),
                ln.note or "",
            ]
        )
    return out.getvalue()


def to_xml(c: Case) -> str:
    parts = [
        "<?xml version='1.0' encoding='UTF-8'?>",
        '<batch version="1" tooth_numbering="universal"><claims><claim>',
        f"  <claim_id>{c.claim_id}</claim_id>",
        "  <payer_id>SYNPAYER1</payer_id>",
        "  <plan_id>GOLD</plan_id>",
        "  <billing_provider>",
        "    <npi>1234567893</npi>",
        "    <tax_id>123456789</tax_id>",
        "    <postal_code>627010001</postal_code>",
        "  </billing_provider>",
        "  <rendering_provider>",
        "    <npi>1987654328</npi>",
        "  </rendering_provider>",
        "  <subscriber>",
        "    <member_id>SYN000123</member_id>",
        "    <first_name>ALPHA</first_name>",
        "    <last_name>TESTPATIENT</last_name>",
        "    <birth_date>1980-01-01</birth_date>",
        "  </subscriber>",
        "  <patient_is_subscriber>true</patient_is_subscriber>",
        f"  <date_of_service>{c.date}</date_of_service>",
        f"  <total_charge>{sum(x.charge for x in c.lines)}</total_charge>",
        "  <place_of_service>11</place_of_service>",
        "  <frequency_code>1</frequency_code>",
        "  <lines>",
    ]
    for n, ln in enumerate(c.lines, 1):
        parts += [
            "    <line>",
            f"      <line_number>{n}</line_number>",
            f"      <code>{ln.code}</code>",
            f"      <charge>{ln.charge}</charge>",
        ]
        if len(ln.teeth) == 1:
            parts.append(f"      <tooth>{ln.teeth[0]}</tooth>")
        elif ln.teeth:
            parts.append("      <teeth>")
            parts += [f"        <tooth>{t}</tooth>" for t in ln.teeth]
            parts.append("      </teeth>")
        if ln.areas:
            parts.append("      <oral_cavity>")
            parts += [f"        <area>{a}</area>" for a in ln.areas]
            parts.append("      </oral_cavity>")
        if ln.note:
            parts.append(f"      <note>{escape(ln.note)}</note>")
        parts.append("    </line>")
    parts += ["  </lines>", "</claim>", "</claims></batch>"]
    return "\n".join(parts) + "\n"


WRITERS = {"json": to_json, "837": to_837, "csv": to_csv, "xml": to_xml}


def write(c: Case, fmt: str, path: Path) -> Path:
    path.write_text(WRITERS[fmt](c), encoding="utf-8")
    return path


def write_fixtures(root: Path) -> None:
    for code, pair in CASES.items():
        folder = root / code
        folder.mkdir(parents=True, exist_ok=True)
        for kind, c in zip(("fail", "pass"), pair, strict=True):
            for fmt in c.formats():
                write(c, fmt, folder / f"{kind}.{fmt}")


if __name__ == "__main__":
    write_fixtures(Path(__file__).resolve().parents[1] / "fixtures" / "rules")
