"""``claimlint convert``: write what claimlint understood of any input as a canonical JSON batch.

The output is the JSON batch format of schemas/claim-batch.schema.json (``--to json``) or one
claim object per line (``--to jsonl``), so converting a CSV, XML or 837D file and linting the
result gives the same findings as linting the original (only positions differ).

Normalisation is visible in the output: teeth are Universal (ISO input converted), surfaces are
letter strings ("MOD"), codes upper-case, dates ISO (dates that did not parse stay as written).

PHI: conversion is an explicit data export. The output contains everything the input had,
patient and subscriber names, member ids and birth dates included. Reader findings (CL001,
CL002, CL003 …) are returned, and printed by the CLI on stderr without values.

Claims that could not be read are not written (they are reported and counted). JSONL output
has no place for inline history or payer data: they are left out with a notice.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TextIO

from claimlint.core.findings import Finding
from claimlint.core.model import Claim, Person, PriorProcedure, Provider, ServiceLine, ToothEntry
from claimlint.readers.base import (
    READERS,
    BatchMeta,
    ReadOptions,
    Source,
    Unparsable,
    get_reader,
    sniff,
)

FORMATS = ("json", "jsonl")


@dataclass(slots=True)
class ConvertResult:
    claims_written: int = 0
    claims_unparsable: int = 0
    files: int = 0
    findings: list[Finding] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


def _value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return (
            int(value)
            if value == value.to_integral_value() and "E" not in str(value)
            else (float(value))
        )
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _drop_empty(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None and v != [] and v != {}}


def _person(p: Person | None) -> dict[str, Any] | None:
    if p is None:
        return None
    return _drop_empty(
        {
            "member_id": p.member_id,
            "first_name": p.first_name,
            "last_name": p.last_name,
            "birth_date": _value(p.birth_date),
            "gender": p.gender,
            "address": p.address,
        }
    )


def _provider(p: Provider | None) -> dict[str, Any] | None:
    if p is None:
        return None
    return _drop_empty(
        {
            "npi": p.npi,
            "tax_id": p.tax_id,
            "name": p.name,
            "taxonomy": p.taxonomy,
            "address": p.address,
            "postal_code": p.postal_code,
        }
    )


def _tooth(entry: ToothEntry) -> dict[str, Any]:
    return _drop_empty({"tooth": entry.tooth, "surfaces": "".join(entry.surfaces) or None})


def line_to_json(line: ServiceLine) -> dict[str, Any]:
    data: dict[str, Any] = {"line_number": line.line_number, "code": line.code}
    data["charge"] = _value(line.charge)
    if len(line.teeth) == 1 and line.teeth[0].tooth is not None:
        data.update(_tooth(line.teeth[0]))
    elif len(line.teeth) == 1:
        data["surfaces"] = "".join(line.teeth[0].surfaces) or None
    elif line.teeth:
        data["teeth"] = [_tooth(t) for t in line.teeth]
    if line.quantity != 1:
        data["quantity"] = line.quantity
    data["oral_cavity"] = list(line.oral_cavity) or None
    data["date_of_service"] = _value(line.date_of_service)
    data["prior_placement_date"] = _value(line.prior_placement_date)
    data["placement"] = line.placement
    data["note"] = line.note
    data["control_number"] = line.control_number
    return _drop_empty(data)


def claim_to_json(claim: Claim) -> dict[str, Any]:
    """The canonical claim as a JSON batch claim object (schemas/claim-batch.schema.json)."""
    data: dict[str, Any] = {
        "claim_id": claim.claim_id,
        "payer_id": claim.payer_id,
        "plan_id": claim.plan_id,
        "billing_provider": _provider(claim.billing_provider),
        "rendering_provider": _provider(claim.rendering_provider),
        "subscriber": _person(claim.subscriber),
        "patient": _person(claim.patient),
        "patient_is_subscriber": claim.patient_is_subscriber,
        "payer_sequence": claim.payer_sequence,
        "date_of_service": _value(claim.date_of_service),
        "total_charge": _value(claim.total_charge),
        "place_of_service": claim.place_of_service,
        "frequency_code": claim.frequency_code,
        "original_claim_number": claim.original_claim_number,
    }
    if claim.predetermination:
        data["predetermination"] = True
    data["notes"] = [
        n.text if n.code is None else {"text": n.text, "code": n.code} for n in claim.notes
    ]
    data["attachments"] = [
        _drop_empty(
            {
                "type": a.type,
                "transmission": a.transmission,
                "control_number": a.control_number,
                "date": _value(a.date),
            }
        )
        for a in claim.attachments
    ]
    data["missing_teeth"] = [
        m.tooth if m.status == "M" else {"tooth": m.tooth, "status": m.status}
        for m in claim.missing_teeth
    ]
    data["lines"] = [line_to_json(line) for line in claim.lines]
    if claim.benefits is not None:
        b = claim.benefits
        data["benefits"] = _drop_empty(
            {
                "coverage_start": _value(b.coverage_start),
                "coverage_end": _value(b.coverage_end),
                "deductible_met": _value(b.deductible_met),
                "deductible_remaining": _value(b.deductible_remaining),
                "maximum_used": _value(b.maximum_used),
                "waiting_period_start": _value(b.waiting_period_start),
                "as_of": _value(b.as_of),
            }
        )
    out = _drop_empty(data)
    out.setdefault("lines", [])
    return out


def prior_to_json(prior: PriorProcedure) -> dict[str, Any]:
    return _drop_empty(
        {
            "member_id": prior.member_id,
            "code": prior.code,
            "date": prior.date.isoformat(),
            "tooth": prior.tooth,
            "surfaces": "".join(prior.surfaces) or None,
            "status": prior.status,
            "payer_id": prior.payer_id,
            "claim_id": prior.claim_id,
        }
    )


def iter_items(
    paths: Iterable[str], options: ReadOptions, result: ConvertResult, discovery: Any = None
) -> Iterator[Claim | BatchMeta]:
    """Claims and batch data of every input; reader findings go into ``result``; folders are
    walked as ``discovery`` says (claimlint.readers.discovery; default: the defaults)."""
    from claimlint.readers.discovery import Discovery
    from claimlint.running.engine import iter_sources

    discovery = discovery or Discovery(csv_mapping=options.csv_mapping)
    # notes: FIFOs and files that are not claim files a folder walk skipped
    for source in iter_sources(paths, result.notices, discovery):
        if isinstance(source, Finding):
            result.findings.append(source)
            continue
        yield from _read(source, options, result)


def _read(
    source: Source, options: ReadOptions, result: ConvertResult
) -> Iterator[Claim | BatchMeta]:
    from claimlint.core.catalogue import UNREADABLE_FILE

    result.files += 1
    fmt = sniff(source)
    if fmt is None or fmt not in READERS:
        result.findings.append(
            UNREADABLE_FILE.make(
                f"Cannot tell the format of {source.name} (use a .json, .jsonl, .csv, .xml or "
                ".837 suffix).",
                file=source.name,
            )
        )
        return
    for item in get_reader(fmt)(source, options):
        if isinstance(item, Claim):
            result.claims_written += 1
            yield item
        elif isinstance(item, Unparsable):
            result.claims_unparsable += 1
            result.findings.extend(item.findings)
        elif isinstance(item, BatchMeta):
            yield item
        else:
            result.findings.append(item)


def _dump(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def convert(
    paths: Iterable[str],
    to: str = "json",
    out: TextIO | None = None,
    options: ReadOptions | None = None,
    discovery: Any = None,
) -> ConvertResult:
    """Write the canonical JSON (``to="json"``) or JSONL form of ``paths`` to ``out``.

    Streams: claims are written as they are read. Returns what was written and the reader
    findings (bad rows, unreadable files), which are never written into the output.
    """
    import sys

    if to not in FORMATS:
        raise ValueError(f"unknown target format {to!r}; use json or jsonl")
    out = out or sys.stdout
    options = options or ReadOptions()
    result = ConvertResult()
    history: list[dict[str, Any]] = []
    payers: dict[str, Any] = {}
    if to == "jsonl":
        for item in iter_items(paths, options, result, discovery):
            if isinstance(item, BatchMeta):
                if item.history or item.payers:
                    result.notices.append(
                        "inline history/payer data cannot be written as JSONL and was left "
                        "out; use --to json to keep it"
                    )
                continue
            out.write(_dump(claim_to_json(item)) + "\n")
        result.notices = sorted(set(result.notices))
        return result
    out.write('{"version":"1","tooth_numbering":"universal","claims":[')
    first = True
    for item in iter_items(paths, options, result, discovery):
        if isinstance(item, BatchMeta):
            history.extend(prior_to_json(p) for p in item.history)
            payers.update(item.payers)
            continue
        out.write(("\n" if first else ",\n") + _dump(claim_to_json(item)))
        first = False
    out.write("\n]")
    if history:
        out.write(',"history":' + _dump(history))
    if payers:
        out.write(',"payers":' + _dump(payers))
    out.write("}\n")
    return result


# -- writing CSV and XML (used to produce the demo and equivalence fixtures) -----------------

CSV_COLUMNS = (
    "claim_id",
    "payer_id",
    "plan_id",
    "billing_npi",
    "billing_tax_id",
    "billing_postal_code",
    "billing_name",
    "rendering_npi",
    "subscriber_id",
    "subscriber_first_name",
    "subscriber_last_name",
    "subscriber_birth_date",
    "patient_id",
    "patient_first_name",
    "patient_last_name",
    "patient_birth_date",
    "patient_is_subscriber",
    "date_of_service",
    "total_charge",
    "place_of_service",
    "frequency_code",
    "original_claim_number",
    "predetermination",
    "claim_note",
    "attachment_type",
    "attachment_transmission",
    "attachment_control_number",
    "missing_teeth",
    "line_number",
    "code",
    "charge",
    "tooth",
    "surfaces",
    "quantity",
    "line_date_of_service",
    "placement",
    "prior_placement_date",
    "oral_cavity",
    "note",
)


def _text(value: Any) -> str:
    value = _value(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def claims_to_csv(claims: Iterable[Claim], out: TextIO) -> None:
    """One row per service line with the default headers (docs/readme-csv-xml.md).

    Claim-level values are repeated on every row; notes, attachments and missing teeth are
    spread over the rows of the claim. Claims without lines, lines with several teeth and coded
    notes cannot be written as CSV (``ValueError``).
    """
    import csv

    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for claim in claims:
        if not claim.lines:
            raise ValueError(f"claim {claim.claim_id} has no lines; CSV needs one row per line")
        if len(claim.notes) > len(claim.lines) or len(claim.attachments) > len(claim.lines):
            raise ValueError(f"claim {claim.claim_id} has more notes/attachments than lines")
        if any(n.code for n in claim.notes):
            raise ValueError(f"claim {claim.claim_id} has coded notes, which CSV cannot carry")
        bp, rp = claim.billing_provider, claim.rendering_provider
        sub, pat = claim.subscriber, claim.patient
        base: dict[str, Any] = {  # column -> value (written with _text)
            "claim_id": claim.claim_id,
            "payer_id": claim.payer_id,
            "plan_id": claim.plan_id,
            "billing_npi": bp.npi if bp else None,
            "billing_tax_id": bp.tax_id if bp else None,
            "billing_postal_code": bp.postal_code if bp else None,
            "billing_name": bp.name if bp else None,
            "rendering_npi": rp.npi if rp else None,
            "subscriber_id": sub.member_id if sub else None,
            "subscriber_first_name": sub.first_name if sub else None,
            "subscriber_last_name": sub.last_name if sub else None,
            "subscriber_birth_date": sub.birth_date if sub else None,
            "patient_id": pat.member_id if pat else None,
            "patient_first_name": pat.first_name if pat else None,
            "patient_last_name": pat.last_name if pat else None,
            "patient_birth_date": pat.birth_date if pat else None,
            "patient_is_subscriber": claim.patient_is_subscriber,
            "date_of_service": claim.date_of_service,
            "total_charge": claim.total_charge,
            "place_of_service": claim.place_of_service,
            "frequency_code": claim.frequency_code,
            "original_claim_number": claim.original_claim_number,
            "predetermination": True if claim.predetermination else None,
        }
        for i, line in enumerate(claim.lines):
            if len(line.teeth) > 1:
                raise ValueError(
                    f"claim {claim.claim_id} line {line.line_number} has several teeth; "
                    "CSV has one tooth per row"
                )
            row = dict(base)
            if i < len(claim.notes):
                row["claim_note"] = claim.notes[i].text
            if i < len(claim.attachments):
                att = claim.attachments[i]
                row["attachment_type"] = att.type
                row["attachment_transmission"] = att.transmission
                row["attachment_control_number"] = att.control_number
            if i == 0 and claim.missing_teeth:
                row["missing_teeth"] = " ".join(m.tooth for m in claim.missing_teeth)
            entry = line.teeth[0] if line.teeth else None
            row.update(
                {
                    "line_number": line.line_number,
                    "code": line.code,
                    "charge": line.charge,
                    "tooth": entry.tooth if entry else None,
                    "surfaces": "".join(entry.surfaces) if entry else None,
                    "quantity": line.quantity,
                    "line_date_of_service": line.date_of_service,
                    "placement": line.placement,
                    "prior_placement_date": line.prior_placement_date,
                    "oral_cavity": " ".join(line.oral_cavity) or None,
                    "note": line.note,
                }
            )
            writer.writerow([_text(row.get(c)) for c in CSV_COLUMNS])


def claims_to_xml(
    claims: Iterable[Claim], out: Any, history: Iterable[PriorProcedure] = ()
) -> None:
    """A ``<batch>`` document per schemas/claim-batch.xsd, written to a binary stream."""
    from lxml import etree

    def add(parent: Any, tag: str, value: Any) -> Any:
        text = _text(value)
        if text == "" and value is None:
            return None
        el = etree.SubElement(parent, tag)
        el.text = text
        return el

    with etree.xmlfile(out, encoding="UTF-8") as xf:
        xf.write_declaration()
        with xf.element("batch", version="1", tooth_numbering="universal"):
            priors = list(history)
            if priors:
                hist = etree.Element("history")
                for p in priors:
                    proc = etree.SubElement(hist, "procedure")
                    for key, value in prior_to_json(p).items():
                        add(proc, key, value)
                xf.write(hist, pretty_print=True)
            with xf.element("claims"):
                for claim in claims:
                    xf.write(_claim_xml(claim, add), pretty_print=True)


def _claim_xml(claim: Claim, add: Any) -> Any:
    from lxml import etree

    data = claim_to_json(claim)
    el = etree.Element("claim")
    for key, value in data.items():
        if key in ("billing_provider", "rendering_provider", "subscriber", "patient", "benefits"):
            sub = etree.SubElement(el, key)
            for k, v in value.items():
                add(sub, k, v)
        elif key == "notes":
            notes = etree.SubElement(el, key)
            for n in value:
                note = add(notes, "note", n if isinstance(n, str) else n["text"])
                if not isinstance(n, str) and n.get("code"):
                    note.set("code", n["code"])
        elif key == "attachments":
            atts = etree.SubElement(el, key)
            for a in value:
                att = etree.SubElement(atts, "attachment")
                for k, v in a.items():
                    add(att, k, v)
        elif key == "missing_teeth":
            mt = etree.SubElement(el, key)
            for m in value:
                tooth = add(mt, "tooth", m if isinstance(m, str) else m["tooth"])
                if not isinstance(m, str):
                    tooth.set("status", m["status"])
        elif key == "lines":
            lines = etree.SubElement(el, key)
            for ln in value:
                line = etree.SubElement(lines, "line")
                for k, v in ln.items():
                    if k == "teeth":
                        teeth = etree.SubElement(line, "teeth")
                        for t in v:
                            tooth = add(teeth, "tooth", t["tooth"])
                            if t.get("surfaces"):
                                tooth.set("surfaces", t["surfaces"])
                    elif k == "oral_cavity":
                        oc = etree.SubElement(line, "oral_cavity")
                        for area in v:
                            add(oc, "area", area)
                    else:
                        add(line, k, v)
        else:
            add(el, key, value)
    return el
