"""Reading one large transaction set keeps memory flat: nothing is kept per HL or per claim
beyond a compact HL id index (tracemalloc, in a fresh subprocess per size)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

_MEASURE = """
import sys, tracemalloc
from pathlib import Path
from claimlint.readers.base import ReadOptions, Source
from claimlint.readers.x12.reader import read_x12

path = Path(sys.argv[1])
tracemalloc.start()
claims = 0
# small chunks: both sizes reach the steady state, so growth is what is kept per claim/HL
options = ReadOptions(extra={"x12_chunk_size": 1 << 16})
for item in read_x12(Source(path.name, path), options):
    claims += item.__class__.__name__ == "Claim"
print(claims, tracemalloc.get_traced_memory()[1])
"""


def write_one_set(path: Path, claims: int) -> None:
    """One ST/SE; a billing provider HL and a subscriber HL per claim (the worst case for
    anything kept per HL)."""
    segs = [
        "ST*837*0001*005010X224A2",
        "BHT*0019*00*0001*20250115*1200*CH",
        "NM1*41*2*SYNTHETIC DENTAL GROUP*****46*123456789",
        "NM1*40*2*SYNTHETIC CLEARINGHOUSE*****46*RECEIVER01",
    ]
    for i in range(claims):
        billing, sub = 2 * i + 1, 2 * i + 2
        segs += [
            f"HL*{billing}**20*1",
            "NM1*85*2*SYNTHETIC DENTAL GROUP*****XX*1234567893",
            "N3*100 MAIN ST",
            "N4*SPRINGFIELD*IL*627010001",
            "REF*EI*123456789",
            f"HL*{sub}*{billing}*22*0",
            "SBR*P*18*GRP0001******CI",
            f"NM1*IL*1*TESTPATIENT*ALPHA****MI*SYN{i:06d}",
            "NM1*PR*2*SYNTHETIC DENTAL PLAN*****PI*SYNPAYER1",
            f"CLM*PCN{i:06d}*250***11:B:1*Y*A*Y*Y",
            "DTP*472*D8*20250610",
            "LX*1",
            "SV3*AD:D2392*250",
            "TOO*JP*30*M:O",
        ]
    segs.append(f"SE*{len(segs) + 1}*0001")
    isa = (
        "ISA*00*          *00*          *ZZ*CLAIMLINTDEMO  *ZZ*RECEIVER01     *250115*1200*^*"
        "00501*000000001*0*T*:"
    )
    text = "~\n".join([isa, "GS*HC*CLAIMLINTDEMO*RECEIVER01*20250115*1200*1*X*005010X224A2", *segs])
    path.write_text(text + "~\nGE*1*1~\nIEA*1*000000001~\n", "ascii")


def peak(path: Path) -> tuple[int, int]:
    out = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return int(out[0]), int(out[1])


def test_memory_stays_flat_within_one_transaction_set(tmp_path):
    small, large = tmp_path / "5k.837", tmp_path / "20k.837"
    write_one_set(small, 5_000)
    write_one_set(large, 20_000)
    (n_small, p_small), (n_large, p_large) = peak(small), peak(large)
    assert (n_small, n_large) == (5_000, 20_000)
    growth = p_large - p_small
    assert growth < 2_000_000, json.dumps({"small": p_small, "large": p_large})


def test_hl_index_keeps_level_and_broken_flag_for_any_id():
    from claimlint.x12.hl import HlIndex

    index = HlIndex()
    for hid, level, broken in [
        ("1", "20", False),
        ("2", "22", True),
        ("007", "22", False),
        ("A1", "23", False),
        ("999999999", "20", False),
        ("3", "19", True),
    ]:
        assert hid not in index
        index.add(hid, level, broken)
    assert index.get("1") == ("20", False)
    assert index.get("2") == ("22", True)
    assert index.get("007") == ("22", False) and index.get("7") is None
    assert index.get("A1") == ("23", False)
    assert index.get("999999999") == ("20", False)
    assert index.get("3") == ("19", True)
    assert index.get("4") is None and index.get("") is None
    assert len(index.codes) < 10_000
    index.add("3", "23", False)  # a repeated id: the later HL wins, as before
    assert index.get("3") == ("23", False) and len(index) == 6


def test_a_pickled_claim_carries_its_positions_not_the_file(tmp_path):
    """--jobs sends claims to the parent (batch-scope checks): a claim's lazy refs must not
    drag the chunk of the file they point into along."""
    import pickle

    from claimlint.core.model import Claim
    from claimlint.readers.base import ReadOptions, Source
    from claimlint.readers.x12.reader import read_x12

    path = tmp_path / "one.837"
    write_one_set(path, 3_000)  # ~1 MB: the first claims share a chunk of that size
    claim = next(i for i in read_x12(Source(path.name, path), ReadOptions()) if type(i) is Claim)
    data = pickle.dumps(claim)
    assert len(data) < 20_000
    again = pickle.loads(data)
    assert again == claim
    assert again.refs["total_charge"] == claim.refs["total_charge"]
    assert again.lines[0].refs["code"].column == claim.lines[0].refs["code"].column
