"""CSV column mappings: canonical field names, the default header, and built-in mappings.

A mapping says which column of an export holds which canonical field, and how values are
written (date format, decimal comma, tooth numbering, delimiter, encoding). Users write one as a
TOML file (see ``docs/readme-csv-xml.md``)::

    name = "my-export"
    date_format = "%m/%d/%Y"       # strptime format; ISO dates are always accepted too
    tooth_numbering = "universal"  # or "iso" (ISO 3950 / FDI, converted to Universal)
    decimal_comma = false          # "1.234,50" style amounts
    delimiter = ","                # optional; detected when absent
    encoding = "utf-8"             # optional; detected when absent (utf-8, utf-8-sig, cp1252)
    surface_separator = ","        # optional; "MOD", "M,O,D", "M O D" are always understood
    fill_down = false              # a blank claim id continues the claim of the row above
    ignore = ["Provider Name"]     # columns that exist but are not used (not reported)

    [columns]                      # canonical field = header text in the file
    claim_id = "Claim #"
    code = "Proc Code"

Columns not named in ``[columns]`` keep their default header (the canonical name itself).
Header matching is case-insensitive and ignores surrounding blanks.

The built-in mappings below are plain data. ``generic-pms``, ``ledger-export`` and
``iso-chart-export`` describe fictional but typical exports; the ``opendental-*`` ones follow
Open Dental's published column names (sources in the comment above each).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# canonical field -> short description (used in docs and in "unknown column" hints)
CLAIM_FIELDS: dict[str, str] = {
    "claim_id": "patient control number; rows with the same value form one claim (required)",
    "payer_id": "payer identifier",
    "plan_id": "plan identifier (selects the payer profile)",
    "billing_npi": "billing provider NPI",
    "billing_tax_id": "billing provider tax id (EIN/SSN)",
    "billing_postal_code": "billing provider ZIP (9 digits)",
    "billing_name": "billing provider name",
    "rendering_npi": "rendering provider NPI",
    "subscriber_id": "subscriber member id (PHI)",
    "subscriber_first_name": "subscriber first name (PHI)",
    "subscriber_last_name": "subscriber last name (PHI)",
    "subscriber_birth_date": "subscriber date of birth (PHI)",
    "patient_id": "patient member id (PHI)",
    "patient_first_name": "patient first name (PHI)",
    "patient_last_name": "patient last name (PHI)",
    "patient_birth_date": "patient date of birth (PHI)",
    "patient_is_subscriber": "true/false, yes/no, y/n, 1/0",
    "date_of_service": "claim date of service",
    "total_charge": "claim total charge",
    "place_of_service": "place of service code (e.g. 11)",
    "frequency_code": "claim frequency: 1 original, 7 replacement, 8 void",
    "original_claim_number": "payer claim number of the claim being replaced or voided",
    "predetermination": "true when the claim is a predetermination (pre-treatment estimate)",
    "claim_note": "claim narrative (several rows may carry different notes: all are kept)",
    "attachment_type": "attachment report type (e.g. RB radiographs)",
    "attachment_transmission": "attachment transmission code (e.g. EL, FX, BM)",
    "attachment_control_number": "attachment control number",
    "missing_teeth": "missing teeth, separated by commas or blanks",
    # the member's own benefits (docs/payer-profiles.md): they win over the payer profile's
    "coverage_start": "the member's coverage start date",
    "coverage_end": "the member's coverage end date (inclusive)",
    "deductible_met": "deductible the member already met this benefit year",
    "deductible_remaining": "deductible the member still has to meet (wins over met)",
    "maximum_used": "annual maximum already used by the member this benefit year",
    "waiting_period_start": "the day the member's waiting periods count from",
    "benefits_as_of": "the day the member's benefit values were true",
}

LINE_FIELDS: dict[str, str] = {
    "line_number": "service line number (default: position within the claim)",
    "code": "CDT procedure code (required)",
    "charge": "line charge",
    "tooth": "tooth number, '30' or '#30'",
    "surfaces": "surfaces: 'MOD', 'M,O,D' or 'M O D'",
    "quantity": "units (default 1)",
    "line_date_of_service": "line date of service (defaults to the claim's)",
    "placement": "I initial or R replacement (prosthetics)",
    "prior_placement_date": "date of the prior placement being replaced",
    "oral_cavity": "oral cavity area codes, separated by commas or blanks",
    "note": "line note",
}

FIELDS: dict[str, str] = {**CLAIM_FIELDS, **LINE_FIELDS}

#: columns only ``claimlint history import`` reads (a history CSV's own column names); the
#: others it takes from the claim fields above: code, tooth, surfaces, payer_id, claim_id,
#: member_id falling back to patient_id then subscriber_id, date to line_date_of_service then
#: date_of_service
HISTORY_FIELDS: dict[str, str] = {
    "member_id": "member id the history is kept under (history import)",
    "date": "date the procedure was done (history import)",
    "status": "procedure status (history import; see status_values)",
}
#: what a history status value may be mapped to besides a history status: the row is skipped
SKIP_STATUS = "skip"
REQUIRED = ("claim_id", "code")
# claim-level columns whose values may differ between the rows of a claim (all are kept)
MULTI_VALUED = (
    "claim_note",
    "attachment_type",
    "attachment_transmission",
    "attachment_control_number",
    "missing_teeth",
)

_SETTINGS = {
    "name",
    "description",
    "columns",
    "date_format",
    "tooth_numbering",
    "decimal_comma",
    "delimiter",
    "encoding",
    "surface_separator",
    "fill_down",
    "ignore",
    "status_values",
}


class MappingError(ValueError):
    """A mapping file or name is invalid; the message names the problem."""


@dataclass(slots=True)
class Mapping:
    name: str = "default"
    description: str = ""
    columns: dict[str, str] = field(default_factory=dict)  # canonical -> header text
    date_format: str | None = None
    tooth_numbering: str = "universal"
    decimal_comma: bool = False
    delimiter: str | None = None
    encoding: str | None = None
    surface_separator: str | None = None
    fill_down: bool = False
    ignore: tuple[str, ...] = ()
    #: history import: a status as the export writes it (case-insensitive) -> a history status
    #: ("paid", "completed", "denied", ...) or "skip" (the row is not history: planned work)
    status_values: dict[str, str] = field(default_factory=dict)

    def header_for(self, canonical: str) -> str:
        return self.columns.get(canonical, canonical)

    def lookup(self) -> dict[str, str]:
        """Normalised header text -> canonical field."""
        return {_norm(self.header_for(name)): name for name in FIELDS}

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, origin: str) -> Mapping:
        unknown = sorted(set(data) - _SETTINGS)
        if unknown:
            raise MappingError(
                f"{origin}: unknown mapping setting(s) {', '.join(unknown)}; "
                f"known: {', '.join(sorted(_SETTINGS))}"
            )
        columns = data.get("columns", {})
        if not isinstance(columns, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in columns.items()
        ):
            raise MappingError(f"{origin}: [columns] must map field names to header text")
        bad = sorted(set(columns) - set(FIELDS) - set(HISTORY_FIELDS))
        if bad:
            raise MappingError(
                f"{origin}: [columns] names unknown field(s) {', '.join(bad)}; "
                f"fields are: {', '.join([*FIELDS, *HISTORY_FIELDS])}"
            )
        system = data.get("tooth_numbering", "universal")
        if system not in ("universal", "iso"):
            raise MappingError(f"{origin}: tooth_numbering must be 'universal' or 'iso'")
        delimiter = data.get("delimiter")
        if delimiter is not None and (not isinstance(delimiter, str) or len(delimiter) != 1):
            raise MappingError(f'{origin}: delimiter must be one character (use "\\t" for tab)')
        encoding = data.get("encoding")
        if encoding is not None:
            import codecs

            try:
                codecs.lookup(encoding)
            except LookupError:
                raise MappingError(f"{origin}: unknown encoding {encoding!r}") from None
        ignore = data.get("ignore", [])
        if not isinstance(ignore, list) or not all(isinstance(i, str) for i in ignore):
            raise MappingError(f"{origin}: ignore must be a list of column names")
        status_values = data.get("status_values", {})
        if not isinstance(status_values, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in status_values.items()
        ):
            raise MappingError(f"{origin}: [status_values] must map export values to statuses")
        return cls(
            name=str(data.get("name", origin)),
            description=str(data.get("description", "")),
            columns=dict(columns),
            date_format=data.get("date_format"),
            tooth_numbering=system,
            decimal_comma=bool(data.get("decimal_comma", False)),
            delimiter=delimiter,
            encoding=encoding,
            surface_separator=data.get("surface_separator"),
            fill_down=bool(data.get("fill_down", False)),
            ignore=tuple(ignore),
            status_values={_norm(k): v.strip().lower() for k, v in status_values.items()},
        )

    def ignored_headers(self) -> set[str]:
        """Normalised headers a claim reader leaves alone: ``ignore``, and the columns only
        ``history import`` reads (member_id, date, status) when the mapping names them."""
        names = [*self.ignore, *(self.columns[f] for f in HISTORY_FIELDS if f in self.columns)]
        return {_norm(name) for name in names}

    def history_header_for(self, column: str) -> str:
        """The header text of a history CSV column (``claimlint history import``): the
        mapping's own name for it, else that of the claim field that holds the same value,
        else the column's own name."""
        fallbacks = {
            "member_id": ("patient_id", "subscriber_id"),
            "date": ("line_date_of_service", "date_of_service"),
        }.get(column, ())
        for name in (column, *fallbacks):
            if name in self.columns:
                return self.columns[name]
        return column


def norm_header(text: str) -> str:
    """A header or value as mappings compare them: lower case, blanks collapsed."""
    return _norm(text)


def _norm(text: str) -> str:
    return " ".join(text.strip().lower().split())


# Built-in mappings for typical (fictional) practice-management exports.
BUILTIN: dict[str, dict[str, Any]] = {
    "default": {
        "name": "default",
        "description": "claimlint's own column names (the canonical field names).",
    },
    "generic-pms": {
        "name": "generic-pms",
        "description": "A typical practice-management ledger export with title-case headers "
        "and US dates (MM/DD/YYYY).",
        "date_format": "%m/%d/%Y",
        "columns": {
            "claim_id": "Claim ID",
            "payer_id": "Payer ID",
            "plan_id": "Plan",
            "billing_npi": "Billing NPI",
            "billing_tax_id": "Tax ID",
            "billing_postal_code": "Billing ZIP",
            "billing_name": "Billing Provider",
            "rendering_npi": "Rendering NPI",
            "subscriber_id": "Subscriber ID",
            "subscriber_first_name": "Subscriber First Name",
            "subscriber_last_name": "Subscriber Last Name",
            "subscriber_birth_date": "Subscriber DOB",
            "patient_id": "Patient ID",
            "patient_first_name": "Patient First Name",
            "patient_last_name": "Patient Last Name",
            "patient_birth_date": "Patient DOB",
            "patient_is_subscriber": "Patient Is Subscriber",
            "date_of_service": "Claim DOS",
            "total_charge": "Claim Total",
            "place_of_service": "POS",
            "frequency_code": "Frequency",
            "original_claim_number": "Original Claim #",
            "predetermination": "Predetermination",
            "claim_note": "Claim Note",
            "attachment_type": "Attachment Type",
            "attachment_transmission": "Attachment Method",
            "attachment_control_number": "Attachment ID",
            "missing_teeth": "Missing Teeth",
            "line_number": "Line",
            "code": "Procedure Code",
            "charge": "Fee",
            "tooth": "Tooth",
            "surfaces": "Surface",
            "quantity": "Units",
            "line_date_of_service": "Procedure Date",
            "placement": "Initial/Replacement",
            "prior_placement_date": "Prior Placement Date",
            "oral_cavity": "Area",
            "note": "Procedure Note",
        },
    },
    "ledger-export": {
        "name": "ledger-export",
        "description": "A compact ledger export: short upper-case headers, US dates, surfaces "
        "written with commas (M,O,D).",
        "date_format": "%m/%d/%Y",
        "surface_separator": ",",
        "columns": {
            "claim_id": "PCN",
            "payer_id": "PAYER",
            "plan_id": "PLAN",
            "billing_npi": "BILL_NPI",
            "billing_tax_id": "TIN",
            "billing_postal_code": "BILL_ZIP",
            "rendering_npi": "REND_NPI",
            "subscriber_id": "SUB_ID",
            "patient_id": "PAT_ID",
            "patient_first_name": "PAT_FIRST",
            "patient_last_name": "PAT_LAST",
            "patient_birth_date": "PAT_DOB",
            "date_of_service": "DOS",
            "total_charge": "CLM_TOTAL",
            "frequency_code": "FREQ",
            "predetermination": "PREDET",
            "claim_note": "CLM_NOTE",
            "attachment_type": "ATT_TYPE",
            "attachment_transmission": "ATT_TX",
            "attachment_control_number": "ATT_CTRL",
            "line_number": "LN",
            "code": "CDT",
            "charge": "FEE",
            "tooth": "TOOTH",
            "surfaces": "SURF",
            "quantity": "QTY",
            "line_date_of_service": "LN_DOS",
            "placement": "PLACEMENT",
            "prior_placement_date": "PRIOR_DATE",
            "note": "LN_NOTE",
        },
    },
    "iso-chart-export": {
        "name": "iso-chart-export",
        "description": "An export from charting software set to ISO 3950 (FDI) tooth numbers, "
        "day-first dates (DD.MM.YYYY), decimal commas and semicolon delimiters.",
        "date_format": "%d.%m.%Y",
        "tooth_numbering": "iso",
        "decimal_comma": True,
        "delimiter": ";",
    },
    # Open Dental's procedurelog table, as a query or report export gives it (one procedure
    # per row; the CDT code joined in from procedurecode.ProcCode). Column names and the
    # ProcStatus values (TP, C, EC, EO, R, D, Cn, TPi; stored as 1-8 in that order) from Open
    # Dental's public documentation: the database schema (https://www.opendental.com/
    # OpenDentalDocumentation26-1.xml, table procedurelog) and the API page
    # https://www.opendental.com/site/apiprocedurelogs.html. PatNum is Open Dental's patient
    # number, not the insurance member id: history imported from it matches claims that carry
    # PatNum as the patient id (claims read through this mapping or opendental-claimproc).
    "opendental-procedurelog": {
        "name": "opendental-procedurelog",
        "description": "Open Dental procedure log (procedurelog with ProcCode): "
        "'history import' keeps completed and existing procedures under PatNum and skips "
        "planned, deleted, referred-out and condition rows; 'check' and 'convert' read each "
        "procedure as a one-line claim numbered by ProcNum.",
        "columns": {
            "claim_id": "ProcNum",
            "patient_id": "PatNum",
            "line_date_of_service": "ProcDate",
            "charge": "ProcFee",
            "code": "ProcCode",
            "tooth": "ToothNum",
            "surfaces": "Surf",
            "status": "ProcStatus",
        },
        "ignore": [
            "AptNum",
            "ProvNum",
            "CodeNum",
            "ClinicNum",
            "Descript",
            "ToothRange",
            "Priority",
            "PlaceService",
            "Prosthesis",
            "DateOriginalProsth",
            "ClaimNote",
            "DateEntryC",
            "DateTP",
            "UnitQty",
            "BaseUnits",
            "PlannedAptNum",
            "Dx",
            "DateTStamp",
        ],
        "status_values": {
            "1": "skip",
            "TP": "skip",
            "2": "completed",
            "C": "completed",
            "3": "completed",
            "EC": "completed",
            "4": "completed",
            "EO": "completed",
            "5": "skip",
            "R": "skip",
            "6": "skip",
            "D": "skip",
            "7": "skip",
            "Cn": "skip",
            "8": "skip",
            "TPi": "skip",
        },
    },
    # Open Dental's claimproc table: one row per procedure on a claim (or an estimate). Column
    # names and the Status values (NotReceived, Received, Preauth, Adjustment, Supplemental,
    # CapClaim, Estimate, CapComplete, CapEstimate, InsHist; stored as 0-9 in that order) from
    # the database schema (https://www.opendental.com/OpenDentalDocumentation26-1.xml, table
    # claimproc) and the API page https://opendental.com/site/apiclaimprocs.html. CodeSent is
    # the code sent to the payer; ProcDate the date of service (DateCP is the payment date).
    # Rows of estimates are not on a claim (ClaimNum 0): filter them out of a 'check' export.
    "opendental-claimproc": {
        "name": "opendental-claimproc",
        "description": "Open Dental claim procedures (claimproc): rows grouped into claims by "
        "ClaimNum for 'check' and 'convert'; 'history import' keeps sent, received and "
        "insurance-history rows under PatNum and skips estimates, preauthorizations and "
        "adjustments.",
        "columns": {
            "claim_id": "ClaimNum",
            "patient_id": "PatNum",
            "code": "CodeSent",
            "charge": "FeeBilled",
            "line_date_of_service": "ProcDate",
            "status": "Status",
        },
        "ignore": [
            "ClaimProcNum",
            "ProcNum",
            "ProvNum",
            "InsPayEst",
            "DedApplied",
            "InsPayAmt",
            "Remarks",
            "ClaimPaymentNum",
            "PlanNum",
            "DateCP",
            "WriteOff",
            "AllowedOverride",
            "Percentage",
            "PercentOverride",
            "CopayAmt",
            "NoBillIns",
            "PaidOtherIns",
            "BaseEst",
            "CopayOverride",
            "DateEntry",
            "DedEst",
            "InsEstTotal",
            "WriteOffEst",
            "ClinicNum",
            "InsSubNum",
        ],
        "status_values": {
            "0": "billed",
            "NotReceived": "billed",
            "1": "paid",
            "Received": "paid",
            "2": "skip",
            "Preauth": "skip",
            "3": "skip",
            "Adjustment": "skip",
            "4": "paid",
            "Supplemental": "paid",
            "5": "billed",
            "CapClaim": "billed",
            "6": "skip",
            "Estimate": "skip",
            "7": "completed",
            "CapComplete": "completed",
            "8": "skip",
            "CapEstimate": "skip",
            "9": "completed",
            "InsHist": "completed",
        },
    },
}


def builtin_names() -> list[str]:
    return sorted(BUILTIN)


def load_mapping(spec: str | None) -> Mapping:
    """A built-in mapping by name, or a TOML mapping file by path; ``None`` is the default."""
    if spec is None or spec == "default":
        return Mapping.from_dict(BUILTIN["default"], origin="default")
    if spec in BUILTIN:
        return Mapping.from_dict(BUILTIN[spec], origin=spec)
    path = Path(spec)
    if not path.is_file():
        raise MappingError(
            f"CSV mapping {spec!r} is neither a built-in mapping "
            f"({', '.join(builtin_names())}) nor a TOML file"
        )
    import tomllib  # here: only a mapping file needs the parser

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise MappingError(f"CSV mapping {spec}: {exc}") from None
    except RecursionError:
        raise MappingError(f"CSV mapping {spec}: values nested too deeply") from None
    data.setdefault("name", path.stem)
    return Mapping.from_dict(data, origin=str(path))


def guess_builtin(headers: list[str]) -> str | None:
    """The built-in mapping whose required headers all appear in ``headers`` (for hints)."""
    present = {_norm(h) for h in headers}
    for name in builtin_names():
        mapping = load_mapping(name)
        if all(_norm(mapping.header_for(f)) in present for f in REQUIRED):
            return name
    return None


def check_csv_mapping(spec: str | None) -> None:
    """A ``csv-mapping`` that is neither a built-in name nor a readable mapping file is a
    configuration error (exit 2), found before any file is read."""
    if not spec:
        return
    from claimlint.core.config import ConfigError

    try:
        load_mapping(spec)
    except MappingError as exc:
        raise ConfigError(f"csv-mapping: {exc}") from None
    except RecursionError:
        raise ConfigError(f"csv-mapping: {spec}: invalid TOML: nested too deeply") from None
