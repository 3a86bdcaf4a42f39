"""Tooth type and tooth count beyond restorations: scaling and
root planing by teeth involved (CL901), root canal codes by tooth type (CL911), permanent-tooth
endodontic codes on primary teeth (CL912), primary/permanent pulpal codes (CL913, CL914),
sealants on permanent premolars and molars (CL917) and supernumerary extractions (CL925).

Which tooth types a code requires (``dentition``/``tooth_classes``) or usually gets
(``usual_dentition``/``usual_tooth_classes``) comes from the CDT table; the tooth's class and
dentition from :data:`claimlint.dental.teeth.TEETH`; the teeth-involved split from
:data:`claimlint.dental.area.QUADRANT_SERIES`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from claimlint.checks._lines import entry_ref
from claimlint.checks.base import Check, Context
from claimlint.core.findings import Finding, Scope, Severity
from claimlint.core.model import Claim, ServiceLine, ToothEntry
from claimlint.dental.area import QUADRANT_SERIES, series_code_for
from claimlint.dental.cdt import CODES, CdtCode, codes_in_family, codes_where, lookup
from claimlint.dental.teeth import TEETH, ToothInfo

_CLASS_WORDS = {
    frozenset({"incisor", "canine"}): "front-tooth (incisor or canine)",
    frozenset({"premolar", "molar"}): "back-tooth (premolar or molar)",
    frozenset({"premolar"}): "premolar",
    frozenset({"molar"}): "molar",
}


def _classes_text(classes: frozenset[str] | None) -> str:
    if classes is None:
        return "any tooth"
    return _CLASS_WORDS.get(classes, " or ".join(sorted(classes)))


def tooth_text(info: ToothInfo) -> str:
    """``primary molar``, ``permanent canine`` (``supernumerary`` added when so)."""
    extra = "supernumerary " if info.supernumerary else ""
    return f"{extra}{info.dentition} {info.tooth_class}"


def _typed_teeth(line: ServiceLine) -> Iterator[tuple[ToothEntry, ToothInfo]]:
    for entry in line.teeth:
        info = TEETH.get(entry.tooth) if entry.tooth else None
        if info is not None:
            yield entry, info


def _alternatives(
    code: CdtCode, info: ToothInfo, *, families: Iterable[str], typed_only: bool = False
) -> list[str]:
    """Codes of ``families`` made for some tooth type that the nomenclature allows on this
    tooth (add-ons only for add-ons); ``typed_only``: only codes for one tooth class."""
    fams = set(families)
    return sorted(
        c.code
        for c in CODES.values()
        if c.family in fams
        and c.add_on == code.add_on
        and c.code != code.code
        and (c.dentition != "any" or c.tooth_classes is not None or c.usual_dentition != "any")
        and (c.tooth_classes is not None or not typed_only)
        and c.tooth_type_allowed(info.tooth_class, info.dentition)
    )


# -- CL901 -------------------------------------------------------------------------------------

_COUNTED = frozenset(code for code, row in QUADRANT_SERIES.items() if row.count_listed)


class SrpToothCount(Check):
    doc = """
    What it checks:
        When teeth are listed on a scaling and root planing line, their number fits the code:
        D4341 is for four or more teeth in the quadrant, D4342 for one to three. Lines
        without teeth are not judged (many payers want only the quadrant).

    Why it matters:
        The two codes are priced differently; a payer that reviews the charting against the
        listed teeth downgrades D4341 with two teeth to D4342 or denies it, and D4342 with
        five teeth is underbilled.

    Bad example:
        ``{"code": "D4341", "oral_cavity": ["30"], "teeth": [{"tooth": "18"}, {"tooth": "19"}]}``

    Good example:
        The same line billed as ``D4342``; or D4341 with teeth 18, 19, 20 and 21.

    References:
        * ADA, CDT nomenclature: D4341 "four or more teeth per quadrant", D4342 "one to three
          teeth per quadrant"
    """

    code = "CL901"
    name = "srp-tooth-count"
    summary = "Scaling and root planing code does not fit the number of teeth listed"
    severity = Severity.WARNING
    scope = Scope.LINE
    tags = ("periodontal", "teeth")
    needs_teeth = True
    applies_to = _COUNTED

    def check(self, line: ServiceLine, ctx: Context) -> Iterable[Finding]:
        if line.code not in _COUNTED or not line.teeth:
            return ()
        return self._findings(line, ctx)

    def _findings(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
        row = QUADRANT_SERIES.get(line.code)
        count = len({e.tooth for e in line.teeth if e.tooth})
        if (
            row is None
            or not row.count_listed
            or count == 0
            or row.min_teeth <= count <= (row.max_teeth or count)
        ):
            return
        fits = series_code_for(row.series, count)
        need = (
            f"{row.min_teeth} or more teeth"
            if row.max_teeth is None
            else f"{row.min_teeth} to {row.max_teeth} teeth"
        )
        use = f"; use {fits}" if fits else ""
        yield self.on_line(
            ctx,
            line,
            f"{line.code} on line {line.line_number} is for {need} in the quadrant but "
            f"{count} {'tooth is' if count == 1 else 'teeth are'} listed{use}.",
            field="tooth",
            evidence={"teeth": count},
        )


# -- CL911–CL914 endodontics ---------------------------------------------------------------------

_ENDO_CLASS_CODES = codes_where(
    lambda c: c.kind == "endodontic" and c.dentition == "any" and c.tooth_classes is not None
)
_ENDO_PERMANENT_USUAL = codes_where(
    lambda c: c.kind == "endodontic" and c.usual_dentition == "permanent"
)
_ENDO_DENTITION_CODES = codes_where(lambda c: c.kind == "endodontic" and c.dentition != "any")
_ENDO_PRIMARY_USUAL = codes_where(
    lambda c: c.kind == "endodontic" and c.usual_dentition == "primary"
)


class EndodonticToothClass(Check):
    doc = """
    What it checks:
        Endodontic codes made for one tooth type are on a permanent tooth of that type: root
        canal D3310, retreatment D3346 and apicoectomy D3410 on front teeth (Universal 6–11,
        22–27), D3320/D3347/D3421 on premolars (4, 5, 12, 13, 20, 21, 28, 29), D3330/D3348/
        D3425 on molars (1–3, 14–19, 30–32). The message names the code that fits the tooth.
        Primary teeth are CL912's.

    Why it matters:
        The code depends on the tooth type, not on the number of canals, and payers
        cross-check the tooth against the code: a molar root canal on a premolar is denied or
        recoded, delaying payment.

    Bad example:
        ``{"code": "D3330", "tooth": "5"}`` (molar code, premolar tooth).

    Good example:
        ``{"code": "D3320", "tooth": "5"}``

    References:
        * ADA, CDT nomenclature D3310–D3330, D3346–D3348, D3410–D3425 (anterior, premolar,
          molar)
        * Payer endodontic policies cross-check the tooth against the code (anterior
          6–11 and 22–27, premolar, molar)
    """

    code = "CL911"
    name = "endodontic-tooth-class"
    summary = "Root canal, retreatment or apicoectomy code does not match the tooth type"
    severity = Severity.ERROR
    scope = Scope.LINE
    tags = ("endodontic", "teeth")
    needs_teeth = True
    applies_to = _ENDO_CLASS_CODES

    def check(self, line: ServiceLine, ctx: Context) -> Iterable[Finding]:
        if line.code not in _ENDO_CLASS_CODES or not line.teeth:
            return ()
        return self._findings(line, ctx)

    def _findings(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
        if line.code not in _ENDO_CLASS_CODES:
            return
        code = CODES[line.code]
        for entry, info in _typed_teeth(line):
            if info.dentition != "permanent" or code.tooth_type_allowed(
                info.tooth_class, info.dentition
            ):
                continue
            fits = _alternatives(code, info, families=[code.family], typed_only=True)
            use = f"; use {' or '.join(fits)}" if fits else ""
            yield self.on_line(
                ctx,
                line,
                f"{line.code} on line {line.line_number} is the {_classes_text(code.tooth_classes)}"
                f" code but tooth {info.tooth} is a {tooth_text(info)}{use}.",
                field="tooth",
                ref=entry_ref(entry, "tooth"),
            )


class PermanentEndodonticOnPrimaryTooth(Check):
    doc = """
    What it checks:
        Endodontic codes that are for permanent teeth (root canals D3310–D3330, retreatment
        D3346–D3348, apexification, apicoectomy) are not reported on a primary tooth (A–T,
        AS–TS). The message names the primary-tooth pulpal therapy code for the tooth
        (D3230 front, D3240 back).

    Why it matters:
        Primary teeth get pulpal therapy (D3230/D3240) or a pulpotomy (D3220), not a root
        canal; payers deny the permanent-tooth code on a primary tooth or pay it as the
        cheaper primary procedure after a review. A letter may also be a typo for a number.

    Bad example:
        ``{"code": "D3330", "tooth": "T"}``

    Good example:
        ``{"code": "D3240", "tooth": "T"}`` (or ``D3330`` on tooth 30 if the letter was a typo).

    References:
        * ADA, CDT nomenclature D3230/D3240 (pulpal therapy, primary teeth) and D3310–D3348
    """

    code = "CL912"
    name = "permanent-endodontic-on-primary-tooth"
    summary = "Root canal or other permanent-tooth endodontic code on a primary tooth"
    severity = Severity.WARNING
    scope = Scope.LINE
    tags = ("endodontic", "teeth")
    needs_teeth = True
    applies_to = _ENDO_PERMANENT_USUAL

    def check(self, line: ServiceLine, ctx: Context) -> Iterable[Finding]:
        if line.code not in _ENDO_PERMANENT_USUAL or not line.teeth:
            return ()
        return self._findings(line, ctx)

    def _findings(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
        if line.code not in _ENDO_PERMANENT_USUAL:
            return
        code = CODES[line.code]
        for entry, info in _typed_teeth(line):
            if info.dentition != "primary":
                continue
            fits = [
                c
                for c in sorted(_ENDO_DENTITION_CODES)
                if CODES[c].dentition == "primary"
                and CODES[c].tooth_type_allowed(info.tooth_class, info.dentition)
            ]
            use = f"; consider {' or '.join(fits)}" if fits else ""
            yield self.on_line(
                ctx,
                line,
                f"{line.code} on line {line.line_number} ({code.label}) is for permanent teeth "
                f"but tooth {info.tooth} is a {tooth_text(info)}{use}.",
                field="tooth",
                ref=entry_ref(entry, "tooth"),
            )


class PulpalCodeToothMismatch(Check):
    doc = """
    What it checks:
        Pulpal codes made for one dentition are on a tooth of it: pulpal therapy D3230 on a
        primary front tooth and D3240 on a primary back tooth; partial pulpotomy for
        apexogenesis D3222 on a permanent tooth. The message names the code that fits.

    Why it matters:
        The nomenclature ties these codes to primary or permanent teeth and to the front or
        back of the mouth; a mismatch is denied or recoded by the payer.

    Bad example:
        ``{"code": "D3230", "tooth": "A"}`` (front-tooth code, primary molar).

    Good example:
        ``{"code": "D3240", "tooth": "A"}``

    References:
        * ADA, CDT nomenclature D3222, D3230, D3240
    """

    code = "CL913"
    name = "pulpal-code-tooth-mismatch"
    summary = "Primary or permanent pulpal code does not match the tooth"
    severity = Severity.WARNING
    scope = Scope.LINE
    tags = ("endodontic", "teeth")
    needs_teeth = True
    applies_to = _ENDO_DENTITION_CODES

    def check(self, line: ServiceLine, ctx: Context) -> Iterable[Finding]:
        if line.code not in _ENDO_DENTITION_CODES or not line.teeth:
            return ()
        return self._findings(line, ctx)

    def _findings(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
        if line.code not in _ENDO_DENTITION_CODES:
            return
        code = CODES[line.code]
        for entry, info in _typed_teeth(line):
            if code.tooth_type_allowed(info.tooth_class, info.dentition):
                continue
            fits = _alternatives(code, info, families=codes_family_kin(code))
            use = f"; use {' or '.join(fits)}" if fits else ""
            want = f"{code.dentition} {_classes_text(code.tooth_classes)}".replace(
                " any tooth", " tooth"
            )
            yield self.on_line(
                ctx,
                line,
                f"{line.code} on line {line.line_number} is for a {want} but tooth "
                f"{info.tooth} is a {tooth_text(info)}{use}.",
                field="tooth",
                ref=entry_ref(entry, "tooth"),
            )


def codes_family_kin(code: CdtCode) -> list[str]:
    """Families whose codes may replace a pulpal code: its own and the pulpotomy family."""
    return [code.family, "pulpotomy", "pulpal-therapy-primary"]


class PulpotomyOnPermanentTooth(Check):
    doc = """
    What it checks:
        A therapeutic pulpotomy (D3220), a code mostly used on primary teeth, is reported on a
        permanent tooth. Reported as information.

    Why it matters:
        On a permanent tooth D3220 is only right as an interim step, not as the first stage
        of a root canal (which the root canal code includes); payers often deny it there or
        ask for a narrative.

    Bad example:
        ``{"code": "D3220", "tooth": "30"}`` with no narrative, followed by a root canal.

    Good example:
        ``{"code": "D3220", "tooth": "T"}``; or on tooth 30 with a narrative explaining the
        interim treatment.

    References:
        * ADA, CDT nomenclature D3220 (therapeutic pulpotomy, not the first stage of root
          canal therapy)
    """

    code = "CL914"
    name = "pulpotomy-on-permanent-tooth"
    summary = "Pulpotomy on a permanent tooth: confirm it is not the first stage of a root canal"
    severity = Severity.INFO
    scope = Scope.LINE
    tags = ("endodontic", "teeth")
    needs_teeth = True
    applies_to = _ENDO_PRIMARY_USUAL

    def check(self, line: ServiceLine, ctx: Context) -> Iterable[Finding]:
        if line.code not in _ENDO_PRIMARY_USUAL or not line.teeth:
            return ()
        return self._findings(line, ctx)

    def _findings(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
        if line.code not in _ENDO_PRIMARY_USUAL:
            return
        for entry, info in _typed_teeth(line):
            if info.dentition != "permanent":
                continue
            yield self.on_line(
                ctx,
                line,
                f"{line.code} on line {line.line_number}: pulpotomy on permanent tooth "
                f"{info.tooth}; confirm it is not the first stage of a root canal (payers often "
                "deny it) and add a narrative.",
                field="tooth",
                ref=entry_ref(entry, "tooth"),
            )


# -- CL917 sealants ------------------------------------------------------------------------------

_SEALANT_CODES = codes_where(
    lambda c: (
        c.kind == "preventive"
        and c.area == "tooth"
        and (
            c.dentition != "any"
            or c.tooth_classes is not None
            or c.usual_dentition != "any"
            or c.usual_tooth_classes is not None
        )
    )
)


class SealantToothType(Check):
    doc = """
    What it checks:
        Sealants (D1351) are on permanent premolars or molars, and preventive resin
        restorations (D1352) on permanent teeth.

    Why it matters:
        Plans pay sealants on permanent back teeth (often molars only, within an age limit);
        a sealant on a primary or front tooth is usually denied, and D1352 is defined for
        permanent teeth. A letter may also be a typo for a number.

    Bad example:
        ``{"code": "D1351", "tooth": "A", "surfaces": "O"}`` (primary molar).

    Good example:
        ``{"code": "D1351", "tooth": "3", "surfaces": "O"}``

    References:
        * ADA, CDT nomenclature D1351, D1352
        * Payer sealant limitations (permanent molars, premolars on some plans; the teeth a
          plan covers and its age limit belong in the payer profile)
    """

    code = "CL917"
    name = "sealant-tooth-type"
    summary = "Sealant or preventive resin restoration on a tooth other than a permanent back tooth"
    severity = Severity.WARNING
    scope = Scope.LINE
    tags = ("preventive", "teeth")
    needs_teeth = True
    applies_to = _SEALANT_CODES

    def check(self, line: ServiceLine, ctx: Context) -> Iterable[Finding]:
        if line.code not in _SEALANT_CODES or not line.teeth:
            return ()
        return self._findings(line, ctx)

    def _findings(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
        if line.code not in _SEALANT_CODES:
            return
        code = CODES[line.code]
        for entry, info in _typed_teeth(line):
            if code.tooth_type_usual(info.tooth_class, info.dentition):
                continue
            if code.tooth_type_allowed(info.tooth_class, info.dentition):
                want = f"{code.usual_dentition} {_classes_text(code.usual_tooth_classes)}"
                how = "is usually paid only on a"
            else:
                want = f"{code.dentition} {_classes_text(code.tooth_classes)}"
                how = "is for a"
            want = want.replace("any ", "").replace(" any tooth", " tooth")
            yield self.on_line(
                ctx,
                line,
                f"{line.code} on line {line.line_number} ({code.label}) {how} {want}, but "
                f"tooth {info.tooth} is a {tooth_text(info)}.",
                field="tooth",
                ref=entry_ref(entry, "tooth"),
            )


# -- CL925 supernumerary extraction ----------------------------------------------------------------

_EXTRACTIONS = codes_in_family("extraction")


def extraction_without_narrative(line: ServiceLine, claim: Claim | None) -> bool:
    """An extraction with no note on the line nor on the claim: on a supernumerary tooth that
    is CL925's finding, and CL211 says nothing more about that tooth (one finding, not two)."""
    return (
        line.code in _EXTRACTIONS
        and not (line.note and line.note.strip())
        and not (claim is not None and any(n.text and n.text.strip() for n in claim.notes))
    )


class SupernumeraryExtraction(Check):
    doc = """
    What it checks:
        An extraction of a supernumerary tooth (Universal 51–82, AS–TS) has a narrative: a
        note on the line or on the claim. This is the one finding for such a line: CL211
        (a line on a supernumerary tooth) stays silent on it, since this message also asks to
        confirm that the payer accepts supernumerary numbering.

    Why it matters:
        Payers that accept supernumerary numbers often review the extraction of an extra tooth
        by hand (was it erupted, impacted, where is it); without a narrative the line pends or
        is denied.

    Bad example:
        ``{"code": "D7140", "tooth": "51"}`` with no note.

    Good example:
        ``{"code": "D7140", "tooth": "51", "note": "erupted supernumerary distal to tooth 1"}``

    References:
        * ADA Universal/National tooth designation system: supernumerary 51–82 and AS–TS
        * Payer and Medicaid manuals on supernumerary teeth (narrative required)
    """

    code = "CL925"
    name = "supernumerary-extraction"
    summary = "Extraction of a supernumerary tooth without a narrative"
    severity = Severity.INFO
    scope = Scope.LINE
    tags = ("surgery", "teeth")
    needs_teeth = True
    applies_to = _EXTRACTIONS

    def check(self, line: ServiceLine, ctx: Context) -> Iterable[Finding]:
        if line.code not in _EXTRACTIONS or not line.teeth:
            return ()
        return self._findings(line, ctx)

    def _findings(self, line: ServiceLine, ctx: Context) -> Iterator[Finding]:
        if not extraction_without_narrative(line, ctx.claim):
            return
        for entry, info in _typed_teeth(line):
            if not info.supernumerary:
                continue
            code = lookup(line.code)
            what = code.label if code is not None else "extraction"
            yield self.on_line(
                ctx,
                line,
                f"{line.code} on line {line.line_number} ({what}) is on supernumerary tooth "
                f"{info.tooth} (next to tooth {info.base}); confirm the payer accepts it and add "
                "a narrative describing the extra tooth.",
                field="tooth",
                ref=entry_ref(entry, "tooth"),
            )
