"""``claimlint.core.x12text``: the one X12 segment and envelope writer of split and the
acknowledgments (their outputs are compared byte for byte in tests/test_split.py and the
goldens of tests/test_acks.py)."""

from __future__ import annotations

import io

from claimlint.core.x12text import Envelopes
from claimlint.x12.tokenizer import Batch, tokenize


def test_envelopes_count_segments_sets_and_groups():
    parts: list[str] = []
    w = Envelopes(parts.append, element="|", end="~")
    w.isa(["ISA", *[""] * 12], 7)  # padded to ISA16, ISA13 set
    for control in (8, 11):
        w.gs(["GS", "HC"], control)
        for st in (control + 1, control + 2):
            w.st(["ST", "837"], st)
            w.seg("BHT", "0019")
            w.copied(3)  # three segments the caller wrote itself
            w.se()
        w.ge()
    w.iea()
    text = "".join(parts)
    assert parts[0] == "ISA" + "|" * 13 + "000000007|||~"
    assert "ST|837|0009~BHT|0019~SE|6|0009~" in text  # ST + BHT + 3 copied + SE
    assert "GE|2|8~" in text and "GE|2|11~" in text
    assert text.endswith("IEA|2|000000007~")


def test_trim_leaves_out_trailing_empty_elements_only_when_asked():
    out = io.StringIO()
    Envelopes(out.write, trim=True).seg("NM1", "QC", "1", "", None)
    kept: list[str] = []
    Envelopes(kept.append).seg("NM1", "QC", "1", "", None)
    assert out.getvalue() == "NM1*QC*1~\n"
    assert kept == ["NM1*QC*1**~\n"]


def test_the_text_tokenizes_back():
    out = io.StringIO()
    w = Envelopes(out.write)
    isa = ["ISA", "00", " " * 10, "00", " " * 10, "ZZ", "A".ljust(15), "ZZ", "B".ljust(15)]
    w.isa([*isa, "260115", "1200", "^", "00501", "", "0", "T", ":"], 1)
    w.gs(["GS", "HC", "A", "B", "20260115", "1200", "", "X", "005010X224A2"], 2)
    w.st(["ST", "837", "", "005010X224A2"], 3)
    w.se()
    w.ge()
    w.iea()
    bodies = [
        b
        for tok in tokenize(io.BytesIO(out.getvalue().encode()))
        if isinstance(tok, Batch)
        for b in tok.bodies
    ]
    assert [b.split("*")[0] for b in bodies] == ["ISA", "GS", "ST", "SE", "GE", "IEA"]
    assert bodies[3:] == ["SE*2*0003", "GE*1*2", "IEA*1*000000001"]
