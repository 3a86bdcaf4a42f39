"""Synthetic claim batches for the benchmarks, deterministic by seed.

    python benchmarks/generate.py --claims 100000 --format 837 --out benchmarks/data/c100k.837
    python benchmarks/generate.py --claims 100000 --format jsonl --out benchmarks/data/c100k.jsonl
    python benchmarks/generate.py --claims 100000 --format 837p --out benchmarks/data/p100k.837

Formats:

* ``837``  – X12 837D (005010X224A2): one ISA/GS, several ST transaction sets (``--per-st``
  claims each), 2000A billing provider / 2000B subscriber / 2000C patient hierarchy, CLM with
  DTP*472, 1–4 service lines with SV3 + TOO; SE/GE/IEA counts and control numbers are correct.
* ``jsonl`` – the same claims (same seed → same claims) in the JSON claim format of
  CONVENTIONS.md, one claim per line.
* ``837p`` – X12 837P (005010X222A1) professional claims (HI diagnosis, SV1 lines), the same
  number of claims, for pyx12, which cannot read 837D; it validates cleanly in pyx12 4.0.

The claims are a realistic restorative mix: exams and cleanings without teeth, amalgams and
composites with surfaces that are valid for the tooth and match the code's surface count,
crowns with an initial-placement flag. About ``--defects`` percent of claims carry one
deliberate defect: a surface-count mismatch, a surface invalid for the tooth, or a claim total
that does not balance. All names and identifiers are synthetic.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import orjson

# -- the clinical mix --------------------------------------------------------------------------

POSTERIOR = [str(t) for t in (*range(2, 6), *range(12, 16), *range(18, 22), *range(28, 32))]
ANTERIOR = [str(t) for t in (*range(6, 12), *range(22, 28))]
PERMANENT = [str(t) for t in range(2, 32) if t not in (16, 17)]
POSTERIOR_SURFACES = "MODBL"
ANTERIOR_SURFACES = "MDIFL"
#: 1-3 surface anterior composites without the incisal edge (an incisal angle is D2335)
ANTERIOR_FACES = "MDFL"

#: code -> (tooth pool, surface pool, surface count range, typical fee); pool None = no tooth
CODES: dict[str, tuple[list[str] | None, str, tuple[int, int], int]] = {
    "D0120": (None, "", (0, 0), 55),
    "D0150": (None, "", (0, 0), 95),
    "D0274": (None, "", (0, 0), 75),
    "D1110": (None, "", (0, 0), 110),
    "D2140": (POSTERIOR, POSTERIOR_SURFACES, (1, 1), 145),
    "D2150": (POSTERIOR, POSTERIOR_SURFACES, (2, 2), 180),
    "D2160": (POSTERIOR, POSTERIOR_SURFACES, (3, 3), 215),
    "D2161": (POSTERIOR, POSTERIOR_SURFACES, (4, 5), 260),
    "D2330": (ANTERIOR, ANTERIOR_FACES, (1, 1), 160),
    "D2331": (ANTERIOR, ANTERIOR_FACES, (2, 2), 195),
    "D2332": (ANTERIOR, ANTERIOR_FACES, (3, 3), 235),
    "D2335": (ANTERIOR, ANTERIOR_SURFACES, (4, 5), 290),
    "D2391": (POSTERIOR, POSTERIOR_SURFACES, (1, 1), 175),
    "D2392": (POSTERIOR, POSTERIOR_SURFACES, (2, 2), 250),
    "D2393": (POSTERIOR, POSTERIOR_SURFACES, (3, 3), 290),
    "D2394": (POSTERIOR, POSTERIOR_SURFACES, (4, 5), 340),
    "D2740": (PERMANENT, "", (0, 0), 1150),
    "D2750": (PERMANENT, "", (0, 0), 1100),
}
#: relative frequency of each code on a line
WEIGHTS = {
    "D0120": 14, "D0150": 3, "D0274": 8, "D1110": 14,
    "D2140": 4, "D2150": 5, "D2160": 3, "D2161": 1,
    "D2330": 4, "D2331": 4, "D2332": 2, "D2335": 1,
    "D2391": 8, "D2392": 10, "D2393": 5, "D2394": 2,
    "D2740": 4, "D2750": 3,
}  # fmt: skip
_CODE_LIST = list(WEIGHTS)
_CUM: list[int] = []
for _w in WEIGHTS.values():
    _CUM.append((_CUM[-1] if _CUM else 0) + _w)

LINE_COUNTS = (1, 2, 3, 4)
LINE_WEIGHTS = (40, 30, 20, 10)
_ORDER = {c: i for i, c in enumerate("MODBLIF")}

DEFECTS = ("surface-count", "surface-for-tooth", "unbalanced-total")


@dataclass(slots=True)
class Line:
    code: str
    charge: int
    tooth: str | None = None
    surfaces: str = ""
    placement: str | None = None


@dataclass(slots=True)
class GenClaim:
    index: int
    claim_id: str
    member_id: str
    patient_is_subscriber: bool
    date: dt.date
    lines: list[Line] = field(default_factory=list)
    total: int = 0
    defect: str | None = None


def _surfaces(rng: random.Random, pool: str, count: int) -> str:
    picked = rng.sample(pool, count)
    return "".join(sorted(picked, key=_ORDER.__getitem__))


def make_line(rng: random.Random, used: set[str]) -> Line:
    """One service line; ``used`` holds the teeth already on the claim (one line per tooth)."""
    code = rng.choices(_CODE_LIST, cum_weights=_CUM)[0]
    teeth, pool, (lo, hi), fee = CODES[code]
    charge = fee + rng.randrange(0, 40)
    if teeth is None:
        return Line(code, charge)
    tooth = rng.choice(teeth)
    while tooth in used:
        tooth = rng.choice(teeth)
    used.add(tooth)
    if not pool:
        return Line(code, charge, tooth, "", "I")
    return Line(code, charge, tooth, _surfaces(rng, pool, rng.randint(lo, hi)))


def _apply_defect(rng: random.Random, claim: GenClaim, kind: str) -> None:
    restorative = [ln for ln in claim.lines if ln.surfaces]
    if kind != "unbalanced-total" and not restorative:
        used = {ln.tooth for ln in claim.lines if ln.tooth}
        tooth = next(t for t in POSTERIOR if t not in used)
        line = Line("D2150", 180, tooth, _surfaces(rng, POSTERIOR_SURFACES, 2))
        claim.lines.append(line)
        restorative = [line]
        claim.total = sum(ln.charge for ln in claim.lines)
    if kind == "surface-count":
        # a 1-2 surface code billed with one surface too many
        line = restorative[0]
        pool = ANTERIOR_SURFACES if line.tooth in ANTERIOR else POSTERIOR_SURFACES
        if len(line.surfaces) < 4:
            line.surfaces = _surfaces(rng, pool, len(line.surfaces) + 1)
        else:
            line.surfaces = line.surfaces[:1]
    elif kind == "surface-for-tooth":
        # an occlusal surface on an anterior tooth, or an incisal edge on a posterior one
        line = restorative[0]
        letter = "O" if line.tooth in ANTERIOR else "I"
        line.surfaces = line.surfaces[:-1] + letter
    else:
        claim.total += rng.choice((-25, 10, 100))
    claim.defect = kind


def claims(count: int, seed: int = 1, defect_pct: float = 3.0) -> Iterator[GenClaim]:
    """The benchmark claims; the same (count, seed, defect_pct) always gives the same claims."""
    rng = random.Random(seed)
    start = dt.date(2025, 1, 2)
    every = int(100 / defect_pct) if defect_pct > 0 else 0
    for i in range(count):
        n = rng.choices(LINE_COUNTS, LINE_WEIGHTS)[0]
        used: set[str] = set()
        claim = GenClaim(
            index=i,
            claim_id=f"PCN{i + 1:08d}",
            member_id=f"SYN{rng.randrange(10**8):08d}",
            patient_is_subscriber=rng.random() < 0.7,
            date=start + dt.timedelta(days=rng.randrange(330)),
            lines=[make_line(rng, used) for _ in range(n)],
        )
        claim.total = sum(ln.charge for ln in claim.lines)
        if every and i % every == every // 2:
            _apply_defect(rng, claim, DEFECTS[(i // every) % len(DEFECTS)])
        yield claim


# -- JSONL -----------------------------------------------------------------------------------

PROVIDER = {"npi": "1234567893", "tax_id": "123456789", "postal_code": "627010001"}
RENDERING = {"npi": "1234567893"}


def claim_json(c: GenClaim) -> dict:
    day = c.date.isoformat()
    subscriber = {
        "member_id": c.member_id,
        "first_name": "ALPHA",
        "last_name": "TESTPATIENT",
        "birth_date": "1980-01-01",
    }
    lines = []
    for i, ln in enumerate(c.lines, start=1):
        item: dict = {"line_number": i, "code": ln.code, "charge": ln.charge}
        if ln.tooth is not None:
            item["tooth"] = ln.tooth
        if ln.surfaces:
            item["surfaces"] = ln.surfaces
        if ln.placement:
            item["placement"] = ln.placement
        item["date_of_service"] = day
        lines.append(item)
    out = {
        "claim_id": c.claim_id,
        "payer_id": "SYNPAYER1",
        "plan_id": "GOLD",
        "billing_provider": PROVIDER,
        "rendering_provider": RENDERING,
        "subscriber": subscriber,
        "patient_is_subscriber": c.patient_is_subscriber,
        "date_of_service": day,
        "total_charge": c.total,
        "place_of_service": "11",
        "frequency_code": "1",
        "lines": lines,
    }
    if not c.patient_is_subscriber:
        out["patient"] = {
            "member_id": c.member_id + "01",
            "first_name": "BETA",
            "last_name": "TESTPATIENT",
            "birth_date": "2012-05-05",
        }
    return out


def write_jsonl(out: TextIO, count: int, seed: int, defect_pct: float) -> int:
    buf: list[str] = []
    n = 0
    for c in claims(count, seed, defect_pct):
        buf.append(orjson.dumps(claim_json(c)).decode())
        n += 1
        if len(buf) >= 5000:
            out.write("\n".join(buf) + "\n")
            buf.clear()
    if buf:
        out.write("\n".join(buf) + "\n")
    return n


# -- X12 envelopes ---------------------------------------------------------------------------

SENDER = "CLAIMLINTBENCH"
RECEIVER = "RECEIVER01"
NPI = "1234567893"


def isa(control: int, when: dt.datetime) -> str:
    seg = (
        f"ISA*00*{'':10}*00*{'':10}*ZZ*{SENDER:<15}*ZZ*{RECEIVER:<15}*"
        f"{when:%y%m%d}*{when:%H%M}*^*00501*{control:09d}*0*T*:~"
    )
    assert len(seg) == 106, len(seg)
    return seg


class X12Writer:
    """Writes segments with a running count per transaction set and correct trailers."""

    def __init__(self, out: TextIO, version: str, newline: bool = True) -> None:
        self.out = out
        self.version = version
        self.eol = "~\n" if newline else "~"
        self.buf: list[str] = []
        self.st_segments = 0
        self.st_count = 0

    def seg(self, text: str) -> None:
        self.buf.append(text)
        self.st_segments += 1

    def flush(self) -> None:
        if self.buf:
            self.out.write(self.eol.join(self.buf) + self.eol)
            self.buf.clear()

    def begin(self, when: dt.datetime) -> None:
        self.out.write(isa(1, when) + ("\n" if self.eol == "~\n" else ""))
        self.out.write(
            f"GS*HC*{SENDER}*{RECEIVER}*{when:%Y%m%d}*{when:%H%M}*1*X*{self.version}{self.eol}"
        )

    def start_st(self, number: int, when: dt.datetime) -> str:
        self.st_count += 1
        self.st_segments = 0
        control = f"{number:04d}"
        self.seg(f"ST*837*{control}*{self.version}")
        self.seg(f"BHT*0019*00*{control}*{when:%Y%m%d}*{when:%H%M}*CH")
        self.seg(f"NM1*41*2*SYNTHETIC DENTAL GROUP*****46*{SENDER}")
        self.seg("PER*IC*BILLING OFFICE*TE*5555550100")
        self.seg(f"NM1*40*2*SYNTHETIC CLEARINGHOUSE*****46*{RECEIVER}")
        return control

    def end_st(self, control: str) -> None:
        self.seg(f"SE*{self.st_segments + 1}*{control}")
        self.flush()

    def end(self) -> None:
        self.flush()
        self.out.write(f"GE*{self.st_count}*1{self.eol}IEA*1*000000001{self.eol}")


def _billing_provider(w: X12Writer, taxonomy: str) -> None:
    w.seg("HL*1**20*1")
    w.seg(f"PRV*BI*PXC*{taxonomy}")
    w.seg(f"NM1*85*2*SYNTHETIC DENTAL GROUP*****XX*{NPI}")
    w.seg("N3*100 MAIN ST")
    w.seg("N4*SPRINGFIELD*IL*627010001")
    w.seg("REF*EI*123456789")


def write_837d(
    out: TextIO, count: int, seed: int, defect_pct: float, per_st: int = 500, newline: bool = True
) -> int:
    when = dt.datetime(2025, 12, 1, 12, 0)
    w = X12Writer(out, "005010X224A2", newline)
    w.begin(when)
    n = 0
    control = ""
    hl = 0
    for c in claims(count, seed, defect_pct):
        if n % per_st == 0:
            if n:
                w.end_st(control)
            control = w.start_st(n // per_st + 1, when)
            _billing_provider(w, "1223G0001X")
            hl = 1
        n += 1
        hl += 1
        sub_hl = hl
        w.seg(f"HL*{sub_hl}*1*22*{0 if c.patient_is_subscriber else 1}")
        w.seg(f"SBR*P*{'18' if c.patient_is_subscriber else ''}*GRP0001******CI")
        w.seg(f"NM1*IL*1*TESTPATIENT*ALPHA****MI*{c.member_id}")
        if c.patient_is_subscriber:
            w.seg("N3*200 OAK AVE")
            w.seg("N4*SPRINGFIELD*IL*627020002")
            w.seg("DMG*D8*19800101*F")
        w.seg("NM1*PR*2*SYNTHETIC DENTAL PLAN*****PI*SYNPAYER1")
        if not c.patient_is_subscriber:
            hl += 1
            w.seg(f"HL*{hl}*{sub_hl}*23*0")
            w.seg("PAT*19")
            w.seg("NM1*QC*1*TESTPATIENT*BETA")
            w.seg("N3*200 OAK AVE")
            w.seg("N4*SPRINGFIELD*IL*627020002")
            w.seg("DMG*D8*20120505*M")
        w.seg(f"CLM*{c.claim_id}*{c.total}***11:B:1*Y*A*Y*Y")
        w.seg(f"DTP*472*D8*{c.date:%Y%m%d}")
        for i, ln in enumerate(c.lines, start=1):
            w.seg(f"LX*{i}")
            if ln.placement:
                w.seg(f"SV3*AD:{ln.code}*{ln.charge}***{ln.placement}")
            else:
                w.seg(f"SV3*AD:{ln.code}*{ln.charge}")
            if ln.tooth is not None:
                if ln.surfaces:
                    w.seg(f"TOO*JP*{ln.tooth}*{':'.join(ln.surfaces)}")
                else:
                    w.seg(f"TOO*JP*{ln.tooth}")
        if len(w.buf) > 4000:
            w.out.write(w.eol.join(w.buf) + w.eol)
            w.buf.clear()
    if n:
        w.end_st(control)
    w.end()
    return n


# -- 837P for pyx12 --------------------------------------------------------------------------

#: CDT-like mix mapped onto common CPT/HCPCS office codes, with ICD-10-CM diagnoses
PROF_CODES = ("99213", "99214", "99203", "90471", "36415", "81002")
DIAGNOSES = ("K0251", "K0252", "K0262", "Z0120", "K0811", "J020")


def write_837p(
    out: TextIO, count: int, seed: int, defect_pct: float, per_st: int = 500, newline: bool = True
) -> int:
    """The same number of claims, each with the same line count, as 837P (X222A1)."""
    when = dt.datetime(2025, 12, 1, 12, 0)
    w = X12Writer(out, "005010X222A1", newline)
    w.begin(when)
    rng = random.Random(seed + 7)
    n = 0
    control = ""
    hl = 0
    for c in claims(count, seed, defect_pct):
        if n % per_st == 0:
            if n:
                w.end_st(control)
            control = w.start_st(n // per_st + 1, when)
            _billing_provider(w, "207Q00000X")
            hl = 1
        n += 1
        hl += 1
        sub_hl = hl
        w.seg(f"HL*{sub_hl}*1*22*{0 if c.patient_is_subscriber else 1}")
        w.seg(f"SBR*P*{'18' if c.patient_is_subscriber else ''}*GRP0001******CI")
        w.seg(f"NM1*IL*1*TESTPATIENT*ALPHA****MI*{c.member_id}")
        if c.patient_is_subscriber:
            w.seg("N3*200 OAK AVE")
            w.seg("N4*SPRINGFIELD*IL*627020002")
            w.seg("DMG*D8*19800101*F")
        w.seg("NM1*PR*2*SYNTHETIC HEALTH PLAN*****PI*SYNPAYER1")
        if not c.patient_is_subscriber:
            hl += 1
            w.seg(f"HL*{hl}*{sub_hl}*23*0")
            w.seg("PAT*19")
            w.seg("NM1*QC*1*TESTPATIENT*BETA")
            w.seg("N3*200 OAK AVE")
            w.seg("N4*SPRINGFIELD*IL*627020002")
            w.seg("DMG*D8*20120505*M")
        charges = [ln.charge for ln in c.lines]
        w.seg(f"CLM*{c.claim_id}*{sum(charges)}***11:B:1*Y*A*Y*Y")
        w.seg(f"HI*ABK:{rng.choice(DIAGNOSES)}")
        for i, charge in enumerate(charges, start=1):
            w.seg(f"LX*{i}")
            w.seg(f"SV1*HC:{rng.choice(PROF_CODES)}*{charge}*UN*1***1")
            w.seg(f"DTP*472*D8*{c.date:%Y%m%d}")
        if len(w.buf) > 4000:
            w.out.write(w.eol.join(w.buf) + w.eol)
            w.buf.clear()
    if n:
        w.end_st(control)
    w.end()
    return n


WRITERS = {"837": write_837d, "837d": write_837d, "jsonl": write_jsonl, "837p": write_837p}


def generate(
    fmt: str, count: int, out: Path, seed: int = 1, defect_pct: float = 3.0, per_st: int = 500
) -> int:
    """Write ``count`` claims in ``fmt`` to ``out`` (folders created); returns the claim count."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    with tmp.open("w", encoding="ascii", newline="\n", buffering=1 << 20) as fh:
        if fmt == "jsonl":
            n = write_jsonl(fh, count, seed, defect_pct)
        else:
            n = WRITERS[fmt](fh, count, seed, defect_pct, per_st)
    tmp.replace(out)
    return n


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, required=True, help="number of claims")
    parser.add_argument("--format", choices=sorted(WRITERS), default="837")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--defects", type=float, default=3.0, help="percent of defective claims")
    parser.add_argument("--per-st", type=int, default=500, help="claims per ST transaction set")
    args = parser.parse_args(argv)
    n = generate(args.format, args.claims, args.out, args.seed, args.defects, args.per_st)
    print(f"wrote {n} claims to {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
