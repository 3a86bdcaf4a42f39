"""XML reader: claim batches per schemas/claim-batch.xsd, streamed claim by claim.

* **Streaming.** An ``lxml.etree.XMLPullParser`` is fed the file in 64 KB chunks and hands over
  each ``<claim>`` when it ends; the claim is validated, converted and then cleared together
  with the siblings before it, so memory stays flat whatever the file size. The events parsed
  before a syntax error are delivered before the error (``iterparse`` in lxml 6.2 raises first
  and loses the claims ahead of the error in its buffer).
* **Validation.** The XSD is compiled once. Each claim subtree is validated against the global
  ``claim`` element of the same XSD (``history`` likewise); the envelope (``batch`` →
  ``history?`` → ``claims``) is checked as the elements stream by. Every XSD violation of a claim
  goes into one CL002 finding located at the physical line and the XPath of the first problem
  (``/batch/claims/claim[3]/lines/line[2]/surfaces``); the rest of the batch is linted.
* **Hardening.** The parser never resolves entities, never loads a DTD, never touches the
  network and refuses huge trees. On top of that a document that declares a DOCTYPE at all is
  rejected (CL001) before its first element is used: claim files have no business with DTDs,
  and this makes external entities (``file:///etc/passwd``) and entity expansion bombs inert.
* **Equivalence.** A valid claim element becomes the same dict a JSON claim is, and goes through
  the JSON reader's input model and builder, so XML and JSON give the same canonical claim;
  only the positions differ (line numbers and XPaths instead of JSON Pointers).
"""

from __future__ import annotations

import html.entities
import re
from collections.abc import Generator, Iterator
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from lxml import etree
from pydantic import ValidationError

from claimlint.core.catalogue import SCHEMA_VIOLATION, UNREADABLE_FILE
from claimlint.core.findings import Finding
from claimlint.core.model import (
    Claim,
    PriorProcedure,
    ServiceLine,
    SourceRef,
    _lenient_date,
    split_surfaces,
)
from claimlint.dental import oral_area
from claimlint.readers._values import parse_amount
from claimlint.readers.areas import fix_areas
from claimlint.readers.base import BatchMeta, ReadItem, ReadOptions, Source, Unparsable

XSD_PATH = Path(__file__).resolve().parents[1] / "schemas" / "claim-batch.xsd"

_NESTED = ("billing_provider", "rendering_provider", "subscriber", "patient", "benefits")
#: member-benefit amounts (under <benefits>), checked by the shared amount parser like charges
_BENEFIT_AMOUNTS = ("deductible_met", "deductible_remaining", "maximum_used")
_BOOLS = ("patient_is_subscriber", "predetermination")
_INTS = ("line_number", "quantity")


@lru_cache(maxsize=1)
def claim_schema() -> etree.XMLSchema:
    """The compiled XSD (compiled once per process)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.XMLSchema(etree.parse(str(XSD_PATH), parser))


def _parser_args() -> dict[str, Any]:
    return {
        "resolve_entities": False,
        "no_network": True,
        "load_dtd": False,
        "huge_tree": False,
        "dtd_validation": False,
        "remove_comments": True,
        "remove_pis": True,
    }


def _text(elem: Any) -> str | None:
    text = elem.text
    if text is None:
        return None
    text = text.strip()
    return text or None


def _local(tag: Any) -> str:
    return tag if isinstance(tag, str) else ""


#: bytes fed to the parser at a time
_CHUNK = 1 << 16


def _events(fh: Any, parser: Any) -> Generator[tuple[str, Any], None, None]:
    """``(event, element)`` pairs of a pull parser fed from ``fh``: every event parsed before a
    syntax error is delivered, then the error is raised (same in every lxml version).

    A document that ends too early fails in ``close()``; lxml 6.2 then queues ``end`` events
    for the elements left open (a claim cut in half would look complete): those are dropped.
    """
    while True:
        chunk = fh.read(_CHUNK)
        if not chunk:
            try:
                parser.close()
            except etree.XMLSyntaxError:
                for _ in parser.read_events():
                    pass  # the elements the truncation left open, "ended" by lxml 6.2
                raise
            yield from parser.read_events()
            return
        try:
            parser.feed(chunk)
        except etree.XMLSyntaxError:
            yield from parser.read_events()
            raise
        yield from parser.read_events()


def read_xml(source: Source, options: ReadOptions) -> Iterator[ReadItem]:
    name = source.name
    try:
        fh = source.open()
    except OSError as exc:
        yield UNREADABLE_FILE.make(f"Cannot open the file: {exc.strerror or exc}.", file=name)
        return
    with fh:
        yield from _XmlReader(source, options).run(fh)


class _XmlReader:
    def __init__(self, source: Source, options: ReadOptions) -> None:
        self.name = source.name
        self.options = options
        self.system = options.tooth_system or "universal"
        self.claims_seen = 0
        self.in_claim = False
        self.current_claim_id: str | None = None

    def _ref(self, pointer: str, line: int | None) -> SourceRef:
        return SourceRef.construct(
            file=self.name,
            field=pointer,
            pointer=pointer,
            line=line,
            column=None,
            segment_index=None,
            segment_id=None,
        )

    def run(self, fh: Any) -> Iterator[ReadItem]:
        schema = claim_schema()
        etree.clear_error_log()  # a syntax error below is read from this thread's log
        parser = etree.XMLPullParser(events=("start", "end"), **_parser_args())
        context = _events(fh, parser)
        depth = 0
        root_checked = False
        seen_claims_el = False
        history_done = False
        try:
            for event, elem in context:
                if event == "start":
                    depth += 1
                    if not root_checked:
                        root_checked = True
                        problem = self._root_problem(elem)
                        if problem is not None:
                            yield problem
                            return
                        numbering = elem.get("tooth_numbering")
                        if numbering in ("universal", "iso"):
                            self.system = self.options.tooth_system or numbering
                        elif numbering is not None:
                            yield SCHEMA_VIOLATION.make(
                                "tooth_numbering must be 'universal' or 'iso'; Universal "
                                "numbering was assumed.",
                                ref=self._ref("/batch/@tooth_numbering", elem.sourceline),
                            )
                    elif depth == 2:
                        tag = _local(elem.tag)
                        if tag == "claims":
                            seen_claims_el = True
                    elif depth == 3 and _local(elem.getparent().tag) == "claims":
                        self.in_claim = True
                        self.current_claim_id = None
                    continue
                # end events
                depth -= 1
                if depth == 0:
                    if not seen_claims_el:
                        yield UNREADABLE_FILE.make(
                            "The batch has no <claims> element; no claim was linted.",
                            ref=self._ref("/batch", elem.sourceline),
                        )
                    break
                parent = elem.getparent()
                if depth == 1:
                    tag = _local(elem.tag)
                    if tag == "history":
                        if seen_claims_el or history_done:
                            yield SCHEMA_VIOLATION.make(
                                "<history> must come once, before <claims>; this one was ignored.",
                                ref=self._ref("/batch/history", elem.sourceline),
                            )
                        else:
                            history_done = True
                            yield from self._history(elem, schema)
                    elif tag != "claims":
                        yield SCHEMA_VIOLATION.make(
                            f"Unknown element <{tag or elem.tag}> in <batch>; it was ignored "
                            "(expected <history> and <claims>).",
                            ref=self._ref(f"/batch/{tag}", elem.sourceline),
                        )
                    elem.clear()
                    continue
                if depth == 2 and parent is not None and _local(parent.tag) == "claims":
                    if _local(elem.tag) == "claim":
                        self.claims_seen += 1
                        self.in_claim = False
                        item = self._claim(elem, schema, self.claims_seen)
                        if type(item) is list:
                            yield from item
                        else:
                            yield item  # type: ignore[misc]
                    else:
                        yield SCHEMA_VIOLATION.make(
                            f"Unknown element <{_local(elem.tag)}> in <claims>; it was ignored "
                            "(expected <claim>).",
                            ref=self._ref(f"/batch/claims/{_local(elem.tag)}", elem.sourceline),
                        )
                    elem.clear()
                    while elem.getprevious() is not None:
                        del parent[0]
                    continue
                if self.in_claim and depth == 3 and _local(elem.tag) == "claim_id":
                    self.current_claim_id = _text(elem)
        except etree.XMLSyntaxError as exc:
            yield from self._syntax_error(exc)
        finally:
            context.close()
            del context, parser

    def _root_problem(self, elem: Any) -> Finding | None:
        docinfo = elem.getroottree().docinfo
        if docinfo.doctype or docinfo.internalDTD is not None:
            return UNREADABLE_FILE.make(
                "The XML document declares a DOCTYPE (DTD or entities). claimlint does not "
                "accept DTDs or entity declarations in claim files, for security; nothing in "
                "the file was read. Remove the <!DOCTYPE ...> declaration.",
                ref=self._ref("/", 1),
            )
        if _local(elem.tag) != "batch":
            return UNREADABLE_FILE.make(
                f"The root element is <{elem.tag}>, not <batch> (schemas/claim-batch.xsd); "
                "no claim was linted.",
                ref=self._ref(f"/{elem.tag}", elem.sourceline),
            )
        return None

    def _syntax_error(self, exc: etree.XMLSyntaxError) -> Iterator[ReadItem]:
        # lxml's iterparse often raises a generic "no element found" without a position; the
        # real error (undefined entity, mismatched tag, ...) with line and column is in the log.
        # libxml2's message text quotes the document (element names, content that can be a
        # patient's name): only the class of the error and its position are reported
        line: int | None = None
        column: int | None = None
        # the log can still hold entries of an earlier parse in this thread: the last fatal
        # error is the one that stopped this document
        entries = [e for e in getattr(exc, "error_log", None) or () if e.level >= 2]
        fatal = [e for e in entries if e.level >= 3] or entries
        type_name = ""
        known_entity = ""
        if fatal:
            entry = fatal[-1]
            line, column = entry.line or None, entry.column or None
            type_name = entry.type_name or ""
            if type_name == "ERR_UNDECLARED_ENTITY":
                entity = re.search(r"Entity '([^']*)'", entry.message or "")
                size = len(entity.group(1)) + 2 if entity else 0
                if entity and column is not None and column > size:
                    column -= size  # libxml2 points after the ';': point at the '&'
                if entity and entity.group(1) in html.entities.name2codepoint:
                    # an HTML entity (&nbsp;, &eacute;) is markup, never claim data: name it
                    known_entity = entity.group(1)
        else:
            line = exc.lineno or None
            position = getattr(exc, "position", None)
            column = position[1] if position and position[1] else None
        msg = syntax_error_text(type_name)
        if known_entity:
            msg = msg.replace("an entity reference (&name;)", f"the entity &{known_entity};")
        where = f"line {line}" if line is not None else "an unknown position"
        if column is not None and line is not None:
            where += f", column {column}"
        done = (
            f"the {self.claims_seen} claim(s) before it were read"
            if self.claims_seen
            else "no claim was read before it"
        )
        finding = UNREADABLE_FILE.make(
            f"The file is not well-formed XML at {where}: {msg}. Reading stopped there: "
            f"{done}; the rest of the file was not read. Fix the XML and run again.",
            ref=SourceRef.construct(
                file=self.name,
                field=None,
                pointer="/",
                line=line,
                column=column,
                segment_index=None,
                segment_id=None,
            ),
            claim_id=self.current_claim_id if self.in_claim else None,
        )
        if self.in_claim:
            # the claim being read when the document broke is counted, not dropped
            yield Unparsable(self.current_claim_id, [finding])
        else:
            yield finding

    # -- claims -----------------------------------------------------------------------------

    def _claim(
        self, elem: Any, schema: etree.XMLSchema, index: int
    ) -> Claim | Unparsable | list[ReadItem]:
        """The claim of a ``<claim>`` element; with bad values, their findings and the claim.

        A value the XSD (or the amount parser) rejects is one CL002 at its element and is read
        as missing, and the claim is still linted (DESIGN.md §2); only a claim whose
        ``claim_id`` cannot be read is not linted.
        """
        base = f"/batch/claims/claim[{index}]"
        claim_id = None
        for child in elem:
            if child.tag == "claim_id":
                claim_id = _text(child)
        found: list[ReadItem] = []
        no_code: set[int] = set()
        if not schema.validate(elem):
            salvaged = self._salvage(elem, schema, base, claim_id, no_code)
            if isinstance(salvaged, Unparsable):
                return salvaged
            found.extend(salvaged)
        data, refs, line_refs = self._claim_dict(elem, base)
        for i in no_code:
            data["lines"][i - 1]["code"] = " "  # read as missing (an empty code)
        for where, key, values, detail, line_no in self._amount_problems(data, refs, line_refs):
            values.pop(key, None)
            found.append(
                SCHEMA_VIOLATION.make(
                    f"Claim {claim_id}: {where.pointer}: {detail}; it was read as missing. The "
                    "rest of the claim was linted.",
                    ref=where,
                    claim_id=claim_id,
                    line=line_no,
                )
            )
        from claimlint.readers.json import ClaimIn, build_claim

        try:
            parsed = ClaimIn.model_validate(data)
            claim = build_claim(parsed, self._ref(base, elem.sourceline), self.system)
        except (ValidationError, ValueError, KeyError) as exc:
            detail = (
                "; ".join(e["msg"] for e in exc.errors(include_input=False))
                if isinstance(exc, ValidationError)
                else str(exc)
            )
            return Unparsable(
                claim_id,
                [
                    SCHEMA_VIOLATION.make(
                        f"Claim {claim_id or index} cannot be read: {detail}. It was not linted.",
                        ref=self._ref(base, elem.sourceline),
                        claim_id=claim_id,
                    )
                ],
            )
        lines = tuple(
            line.replace(ref=lref, refs=lrefs, teeth=self._teeth(line.teeth, lref))
            for line, (lref, lrefs) in zip(claim.lines, line_refs, strict=True)
        )
        claim = claim.replace(lines=lines, refs=refs)
        claim, notes = fix_areas(claim, self._area_ref)
        found.extend(notes)
        if not found:
            return claim
        found.append(claim)
        return found

    def _salvage(
        self,
        elem: Any,
        schema: etree.XMLSchema,
        base: str,
        claim_id: str | None,
        no_code: set[int],
    ) -> list[ReadItem] | Unparsable:
        """Take every element the XSD rejects as missing, one CL002 each, until it validates.

        ``no_code`` collects the positions of lines whose procedure code was unreadable.
        """
        findings: list[ReadItem] = []
        for _ in range(_MAX_SALVAGE_PASSES):
            if claim_id is None:
                break
            changed = False
            # every error names its element before any is changed (positions shift after)
            resolved = [(err, _salvage_target(elem, err)) for err in schema.error_log]
            done: set[tuple[int, str]] = set()
            for err, target in resolved:
                if target is None:
                    changed = False
                    break
                attribute = _ATTRIBUTE.match(err.message)
                key = (id(target), attribute.group(1) if attribute else "")
                if key in done or not _attached(elem, target):
                    continue  # a second error on one value, or inside a value already dropped
                done.add(key)
                action = _salvage_action(elem, target, err, no_code)
                if action is None:
                    changed = False
                    break
                rel, note = action
                changed = True
                path = base + rel
                line_no = _line_position(elem, rel)
                findings.append(
                    SCHEMA_VIOLATION.make(
                        f"Claim {claim_id}: {path}: {_xsd_message(err)}; {note}. The rest of "
                        "the claim was linted.",
                        ref=self._ref(path, err.line or elem.sourceline),
                        claim_id=claim_id,
                        line=line_no,
                    )
                )
            if not changed:
                break
            if schema.validate(elem):
                return findings
        return Unparsable(claim_id, [self._schema_finding(schema, base, claim_id, elem)])

    @staticmethod
    def _amount_problems(
        data: dict[str, Any],
        refs: dict[str, SourceRef],
        line_refs: list[tuple[SourceRef, dict[str, SourceRef]]],
    ) -> list[tuple[SourceRef, str, dict[str, Any], str, int | None]]:
        """Amounts the shared value parser rejects (the XSD lets ``-0`` and 40 digits by)."""
        places: list[tuple[dict[str, Any], dict[str, SourceRef], str, int | None]] = [
            (data, refs, "total_charge", None)
        ]
        for i, (line, (_, lrefs)) in enumerate(
            zip(data.get("lines") or (), line_refs, strict=False), start=1
        ):
            number = line.get("line_number")
            places.append((line, lrefs, "charge", number if number is not None else i))
        benefits = data.get("benefits")
        if isinstance(benefits, dict):
            for key in _BENEFIT_AMOUNTS:
                if f"benefits.{key}" in refs:
                    places.append((benefits, {key: refs[f"benefits.{key}"]}, key, None))
        problems = []
        for values, where, key, line_no in places:
            text = values.get(key)
            if text is None:
                continue
            try:
                parse_amount(text)
            except ValueError as exc:
                detail = str(exc).replace(f"{text.strip()!r} ", "the value ")
                problems.append((where[key], key, values, detail, line_no))
        return problems

    def _area_ref(self, line: ServiceLine, k: int) -> SourceRef:
        """Where area value ``k`` of a line is: its ``<area>`` element."""
        where = line.refs.get("oral_cavity") or line.ref
        return self._ref(f"{where.pointer}/area[{k + 1}]", where.line)

    def _teeth(self, teeth: tuple[Any, ...], lref: SourceRef) -> tuple[Any, ...]:
        if not any(t.ref is not None for t in teeth):
            return teeth
        return tuple(
            t.replace(ref=self._ref(f"{lref.pointer}/teeth/tooth[{j}]", lref.line))
            for j, t in enumerate(teeth, start=1)
        )

    def _schema_finding(
        self, schema: etree.XMLSchema, base: str, claim_id: str | None, elem: Any
    ) -> Finding:
        problems: list[str] = []
        first_path = base
        first_line = elem.sourceline
        for i, err in enumerate(schema.error_log):
            path = err.path or ""
            path = base + path[len("/claim") :] if path.startswith("/claim") else base
            if i == 0:
                first_path, first_line = path, err.line or elem.sourceline
            problems.append(f"{path} (line {err.line}): {_xsd_message(err)}")
        shown = "; ".join(problems[:5])
        if len(problems) > 5:
            shown += f"; and {len(problems) - 5} more"
        who = f"Claim {claim_id}" if claim_id else "This claim"
        return SCHEMA_VIOLATION.make(
            f"{who} does not match schemas/claim-batch.xsd and was not linted: {shown}. "
            "Fix the export and run again.",
            ref=self._ref(first_path, first_line),
            claim_id=claim_id,
        )

    def _claim_dict(
        self, elem: Any, base: str
    ) -> tuple[dict[str, Any], dict[str, SourceRef], list[tuple[SourceRef, dict[str, SourceRef]]]]:
        data: dict[str, Any] = {}
        refs: dict[str, SourceRef] = {}
        line_refs: list[tuple[SourceRef, dict[str, SourceRef]]] = []
        for child in elem:
            tag = child.tag
            path = f"{base}/{tag}"
            if tag in _NESTED:
                data[tag] = {}
                for sub in child:
                    data[tag][sub.tag] = _text(sub)
                    refs[f"{tag}.{sub.tag}"] = self._ref(f"{path}/{sub.tag}", sub.sourceline)
            elif tag == "notes":
                data[tag] = [{"text": n.text or "", "code": n.get("code")} for n in child]
                refs[tag] = self._ref(path, child.sourceline)
            elif tag == "attachments":
                data[tag] = [{sub.tag: _text(sub) for sub in att} for att in child]
                refs[tag] = self._ref(path, child.sourceline)
            elif tag == "missing_teeth":
                data[tag] = [
                    {"tooth": _text(t) or "", "status": t.get("status", "M")} for t in child
                ]
                refs[tag] = self._ref(path, child.sourceline)
            elif tag == "lines":
                data[tag] = []
                for i, line in enumerate(child, start=1):
                    lpath = f"{path}/line[{i}]"
                    ldata, lrefs = self._line_dict(line, lpath)
                    data[tag].append(ldata)
                    line_refs.append((self._ref(lpath, line.sourceline), lrefs))
            elif tag in _BOOLS:
                data[tag] = _text(child) in ("true", "1")
                refs[tag] = self._ref(path, child.sourceline)
            else:
                data[tag] = _text(child)
                refs[tag] = self._ref(path, child.sourceline)
        if data.get("predetermination") is None:
            data.pop("predetermination", None)
        return data, refs, line_refs

    def _line_dict(self, elem: Any, base: str) -> tuple[dict[str, Any], dict[str, SourceRef]]:
        data: dict[str, Any] = {}
        refs: dict[str, SourceRef] = {}
        for child in elem:
            tag = child.tag
            path = f"{base}/{tag}"
            refs[tag] = self._ref(path, child.sourceline)
            if tag in _INTS:
                data[tag] = int(_text(child) or 0)  # the XSD bounds it (at most 6 digits)
            elif tag == "teeth":
                data[tag] = [
                    {"tooth": _text(t) or "", "surfaces": t.get("surfaces")} for t in child
                ]
            elif tag == "oral_cavity":
                data[tag] = [_text(a) or "" for a in child]
            elif tag == "note":
                data[tag] = child.text
            else:
                data[tag] = _text(child)
        return data, refs

    # -- history ----------------------------------------------------------------------------

    def _history(self, elem: Any, schema: etree.XMLSchema) -> Iterator[ReadItem]:
        del schema  # the history element is validated per procedure below
        records: list[PriorProcedure] = []
        for i, proc in enumerate(elem, start=1):
            path = f"/batch/history/procedure[{i}]"
            values = {child.tag: _text(child) for child in proc}
            date = _lenient_date(values.get("date"))
            problems = [
                f"<{k}> is required" for k in ("member_id", "code", "date") if not values.get(k)
            ]
            unknown = sorted(set(values) - _PROC_FIELDS)
            problems += [f"unknown element <{k}>" for k in unknown]
            if _local(proc.tag) != "procedure":
                problems = [f"unknown element <{_local(proc.tag)}> (expected <procedure>)"]
            elif not problems and not hasattr(date, "year"):
                problems.append("<date> is not a valid date")
            if problems:
                yield SCHEMA_VIOLATION.make(
                    f"History entry {i} was not used: {'; '.join(problems)}.",
                    ref=self._ref(path, proc.sourceline),
                )
                continue
            tooth = values.get("tooth")
            records.append(
                PriorProcedure.construct(
                    member_id=values["member_id"] or "",  # never empty here: checked above
                    code=(values["code"] or "").upper(),
                    date=date,
                    tooth=tooth.upper().removeprefix("#") if tooth else None,
                    surfaces=split_surfaces(values.get("surfaces")),
                    status=values.get("status") or "paid",
                    payer_id=values.get("payer_id"),
                    claim_id=values.get("claim_id"),
                    area=oral_area.normalise_area(values.get("area") or ""),
                )
            )
        if records:
            yield BatchMeta(history=records, payers={})


# plain words for the XML syntax errors libxml2 reports (by its error type, never its text)
_SYNTAX_ERRORS = {
    "ERR_UNDECLARED_ENTITY": (
        "an entity reference (&name;) is not defined (XML knows only &amp; &lt; &gt; &quot; "
        "&apos; and numeric references; write the character itself, or &#160; for a "
        "non-breaking space)"
    ),
    "ERR_TAG_NAME_MISMATCH": "an end tag does not match the element it closes",
    "ERR_TAG_NOT_FINISHED": "an element is not closed before the document ends",
    "ERR_LTSLASH_REQUIRED": "an end tag is missing",
    "ERR_GT_REQUIRED": "a tag is not closed with '>'",
    "ERR_DOCUMENT_END": "there is content after the end of the root element",
    "ERR_DOCUMENT_EMPTY": "the document is empty",
    "ERR_NAME_REQUIRED": "a '<' or '&' is not followed by a name (write &lt; or &amp; in text)",
    "ERR_STARTTAG_NOT_FINISHED": "a start tag is not finished",
    "ERR_INVALID_CHAR": "a character that XML does not allow",
    "ERR_INVALID_CHARREF": "a character reference names a character XML does not allow",
    "ERR_INVALID_ENCODING": "the text is not in the document's declared encoding",
    "ERR_UNKNOWN_ENCODING": "the declared encoding is unknown",
    "ERR_UNSUPPORTED_ENCODING": "the declared encoding is not supported",
    "ERR_ENTITYREF_SEMICOL_MISSING": "an entity reference (&name;) lacks its ';' (write &amp;)",
    "ERR_ATTRIBUTE_NOT_STARTED": "an attribute value is not quoted",
    "ERR_ATTRIBUTE_WITHOUT_VALUE": "an attribute has no value",
    "ERR_ATTRIBUTE_REDEFINED": "an attribute is repeated on one element",
    "ERR_LT_IN_ATTRIBUTE": "an attribute value contains '<' (write &lt;)",
    "ERR_SPACE_REQUIRED": "a space is missing between attributes",
    "ERR_COMMENT_NOT_FINISHED": "a comment is not closed",
    "ERR_CDATA_NOT_FINISHED": "a CDATA section is not closed",
    "ERR_RESERVED_XML_NAME": "an XML declaration is not at the very start of the file",
    "ERR_EXT_SUBSET_NOT_FINISHED": "the document type declaration is not finished",
}


def syntax_error_text(type_name: str) -> str:
    """A description of an XML syntax error from libxml2's error type alone.

    The parser's own message is never shown: it quotes element names and text, which in a
    claim file can be a patient's name or member id (DESIGN.md §6).
    """
    known = _SYNTAX_ERRORS.get(type_name)
    if known is not None:
        return known
    if type_name:
        return f"a syntax error (libxml2 {type_name})"
    return "a syntax error (the document ends before it is complete, or is not XML)"


_MAX_SALVAGE_PASSES = 50
_LINE_POS = re.compile(r"^/lines/line(?:\[(\d+)\])?(?:/|$)")
_ATTRIBUTE = re.compile(r"^Element '[^']*', attribute '([^']*)'")
_REQUIRED_IN_LINE = ("line_number", "code")

# what a value of each type of schemas/claim-batch.xsd must look like (for messages)
_EXPECTED = {
    "AmountType": "an amount such as 125.00",
    "BenefitAmountType": "an amount of 0 or more such as 50.00",
    "IsoDateType": "a real calendar date written YYYY-MM-DD",
    "LineNumberType": "a whole number from 1 to 999999",
    "QuantityType": "a whole number from 0 to 9999",
    "ClaimIdType": "a claim id of 1 to 38 characters",
    "CodeType": "a code without spaces inside",
    "TextType": "text of at most 4,000 characters",
    "ToothSystemType": "universal or iso",
    "PlacementType": "I or R",
    "ToothStatusType": "M or E",
    "xs:boolean": "true or false",
}
# libxml2 error types about a value (its text or an attribute's)
_VALUE_ERRORS = {
    "SCHEMAV_CVC_PATTERN_VALID": "the value does not have the expected form",
    "SCHEMAV_CVC_ENUMERATION_VALID": "the value is not one of the allowed values",
    "SCHEMAV_CVC_MAXLENGTH_VALID": "the value is too long",
    "SCHEMAV_CVC_MINLENGTH_VALID": "the value is too short",
    "SCHEMAV_CVC_LENGTH_VALID": "the value has the wrong length",
    "SCHEMAV_CVC_MAXINCLUSIVE_VALID": "the value is too large",
    "SCHEMAV_CVC_MININCLUSIVE_VALID": "the value is too small",
    "SCHEMAV_CVC_MAXEXCLUSIVE_VALID": "the value is too large",
    "SCHEMAV_CVC_MINEXCLUSIVE_VALID": "the value is too small",
}
# other libxml2 error types: what is wrong, without the document's text
_STRUCTURE_ERRORS = {
    "SCHEMAV_ELEMENT_CONTENT": "this element is not expected here",
    "SCHEMAV_CVC_COMPLEX_TYPE_2_3": "text is not allowed directly in this element",
    "SCHEMAV_CVC_COMPLEX_TYPE_2_1": "this element must be empty",
    "SCHEMAV_CVC_COMPLEX_TYPE_3_2_1": "an attribute that the schema does not allow",
    "SCHEMAV_CVC_COMPLEX_TYPE_3_2_2": "an attribute that the schema does not allow",
    "SCHEMAV_CVC_COMPLEX_TYPE_4": "a required attribute is missing",
    "SCHEMAV_CVC_ELT_1": "the element is not declared in the schema",
    "SCHEMAV_CVC_TYPE_3_1_2": "this element must not contain other elements",
    "SCHEMAV_CVC_ELT_4_2": "the xsi:type is not a known type",
}


@cache
def _declared_types() -> dict[str, str]:
    """Element and attribute name -> its type in schemas/claim-batch.xsd (names declared with
    two different types are left out)."""
    found: dict[str, set[str]] = {}
    xs = "{http://www.w3.org/2001/XMLSchema}"
    for node in etree.parse(str(XSD_PATH)).iter(f"{xs}element", f"{xs}attribute"):
        name, kind = node.get("name"), node.get("type")
        if name and kind:
            found.setdefault(name, set()).add(kind)
    return {name: next(iter(kinds)) for name, kinds in found.items() if len(kinds) == 1}


def _xsd_message(err: Any) -> str:
    """What the schema rejects, from libxml2's error type and the schema's own names only.

    libxml2's message quotes the rejected value (a patient name in the wrong element, a member
    id): none of its text is shown, not even with the value cut out (a value can contain any
    quote or phrase). The element comes from the error's path, the attribute from the start of
    the message (before any value), and what was expected from schemas/claim-batch.xsd.
    """
    kind = err.type_name or ""
    if kind == "SCHEMAV_CVC_COMPLEX_TYPE_2_4" or "Missing child element" in err.message:
        return "a required element (line_number or code) is missing"
    attribute = _ATTRIBUTE.match(err.message)
    if kind in _VALUE_ERRORS or kind.startswith("SCHEMAV_CVC_DATATYPE_VALID"):
        text = _VALUE_ERRORS.get(kind, "the value is not of the expected type")
        name = attribute.group(1) if attribute else _path_name(err.path or "")
        expected = _EXPECTED.get(_declared_types().get(name, ""))
        return f"{text} ({expected} is expected)" if expected else text
    known = _STRUCTURE_ERRORS.get(kind)
    if known is not None:
        return known
    return f"the schema does not accept it (libxml2 {kind or 'validation error'})"


def _path_name(path: str) -> str:
    """The element an XPath from libxml2 ends at, without its position."""
    return path.rsplit("/", 1)[-1].split("[", 1)[0]


def _line_position(elem: Any, rel: str) -> int | None:
    """The line number (or position) of the service line an XPath below the claim is in."""
    match = _LINE_POS.match(rel)
    if match is None:
        return None
    position = int(match.group(1) or 1)
    found = elem.xpath(f"./lines/line[{position}]/line_number")
    text = _text(found[0]) if found else None
    return int(text) if text and text.isdigit() and len(text) <= 6 else position


def _salvage_target(elem: Any, err: Any) -> Any:
    """The element of the claim subtree an XSD error names (None when it cannot be found)."""
    path = err.path or ""
    if not path.startswith("/claim"):
        return None
    rel = path[len("/claim") :]
    try:
        targets = elem.xpath("." + rel) if rel else [elem]
    except etree.XPathError:
        return None
    if len(targets) != 1 or not isinstance(targets[0].tag, str):
        return None
    return targets[0]


def _attached(elem: Any, target: Any) -> bool:
    return target is elem or any(a is elem for a in target.iterancestors())


def _salvage_action(elem: Any, target: Any, err: Any, no_code: set[int]) -> tuple[str, str] | None:
    """Change the claim subtree so that the value ``err`` names is missing.

    Returns the XPath of the value below the claim and what was done, or ``None`` when the
    error cannot be taken as a missing value (the claim id itself is unreadable).
    """
    rel = (err.path or "")[len("/claim") :]
    tag = target.tag
    parent = target.getparent()
    message = err.message
    attribute = _ATTRIBUTE.match(message)
    if attribute is not None:
        target.attrib.pop(attribute.group(1), None)
        return f"{rel}/@{attribute.group(1)}", "the attribute was ignored"
    if "Missing child element" in message:
        if tag != "line" or parent is None or parent.tag != "lines":
            return None  # the claim without a claim_id: it cannot be identified
        position = len(target.xpath("preceding-sibling::line")) + 1
        missing = [name for name in _REQUIRED_IN_LINE if target.find(name) is None]
        if not missing:
            return None
        for name in missing:
            value = str(position) if name == "line_number" else "?"
            etree.SubElement(target, name).text = value
            if name == "code":
                no_code.add(position)
        return rel, f"it was read as line {position} with no {' and no '.join(missing)}"
    if "content other than whitespace" in message:
        target.text = None
        return rel, "the text was ignored"
    if tag == "claim_id" and parent is elem:
        return None
    if parent is None or target is elem:
        return None
    if "not expected" in message:
        parent.remove(target)
        return rel, "the element (unknown here, or repeated) was ignored"
    if parent.tag == "line" and tag in _REQUIRED_IN_LINE:
        position = len(parent.xpath("preceding-sibling::line")) + 1
        for child in list(target):  # an element inside a value: not a value either
            target.remove(child)
        if tag == "line_number":
            target.text = str(position)
            return rel, f"it was read as line {position}"
        target.text = "?"
        no_code.add(position)
        return rel, "the procedure code was read as missing"
    parent.remove(target)
    return rel, "it was read as missing"


_PROC_FIELDS = {
    "member_id", "code", "date", "tooth", "surfaces", "status", "payer_id", "claim_id", "area"
}  # fmt: skip
