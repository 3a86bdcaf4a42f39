"""The HTTP application (FastAPI): ``POST /v1/lint``, ``POST /v1/split``, ``POST /v1/ack``,
``GET /healthz``, ``GET /openapi.json``.

Statuses of ``POST /v1/lint``:

* 200 — the body was read and linted; the body is the JSON report (schemas/report.schema.json,
  as ``claimlint check --format json``), also when its claims have errors: the verdict is in
  the findings, and in the ``Claimlint-Verdict`` header (``pass`` or ``fail``: what
  ``claimlint check`` would exit 0 or 1 for, by ``fail-on``).
* 422 — the body could not be read (not JSON, no claims list, an X12 file without a header,
  an unknown format): the body is the same JSON report, whose CL001/CL002/CL1xx findings say
  where.

``POST /v1/split`` takes the same body and options (and ``control-start``) and answers 200
with a JSON object: ``clean`` and ``held``, the two outputs of ``claimlint split`` as strings
(in the body's format; ``encoding`` says how their bytes were decoded, ``utf-8`` or
``latin-1``), ``next_control`` (837D: the next free control number), and ``report``, the
held-claims report (why each held claim is held). ``Claimlint-Verdict`` is ``fail`` when a
claim is held. ``POST /v1/ack?type=999|277ca`` takes an 837D body and answers 200 with the
acknowledgment as ``application/edi-x12`` text. Both answer 422 with the JSON report when the
body cannot be read, and 422 ``{"error": ..., "message": ...}`` when it was read but cannot
be split (its claims are not found again) or acknowledged (it is not an 837D).
* 400 a bad query option; 401 no token or a wrong one; 408 the request took longer than
  ``--timeout``; 413 the body is larger than ``--max-body``; 500 an internal error.
  These answer ``{"error": "<kind>", "message": "<what to do>"}``.

Nothing here logs a body, a query string or a value from a claim: the access log line is
method, path, status, duration and claim counts (``AccessLog``).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time
from dataclasses import dataclass
from importlib import resources
from typing import Any

from fastapi import Depends, FastAPI, Query, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from claimlint.core.config import Config
from claimlint.core.findings import Severity
from claimlint.readers.base import READERS
from claimlint.readers.mappings import builtin_names
from claimlint.report.formatters import ACK_FORMATS
from claimlint.running.lint import unknown_selectors
from claimlint.running.registry import Registry
from claimlint.service.pool import LintJob, LintOutcome, LintPool, request_config
from claimlint.service.settings import TOKEN_ENV, Settings
from claimlint.x12.writer import MAX_CONTROL

log = logging.getLogger("claimlint.service")

#: ``?format=`` values -> reader names
FORMATS: dict[str, str] = {
    "x12": "x12",
    "837": "x12",
    "837d": "x12",
    "edi": "x12",
    "json": "json",
    "jsonl": "jsonl",
    "ndjson": "jsonl",
    "csv": "csv",
    "xml": "xml",
}

#: the key in the ASGI scope where a handler leaves what the access log may show
LOG_KEY = "claimlint.log"


@dataclass(slots=True)
class Options:
    """A request's query options: its configuration and the body's declared format."""

    config: Config
    fmt: str | None


class ServiceError(Exception):
    def __init__(
        self, status: int, kind: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status, self.kind, self.message, self.headers = status, kind, message, headers


def error_response(
    status: int, kind: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse({"error": kind, "message": message}, status_code=status, headers=headers)


class AccessLog:
    """One log line per request: method, path (never the query string, which can name a
    claim), status, duration, and the claim counts a lint left in the scope.

    It is the outermost layer: an exception that escaped the application (a bug; its message
    could quote a value) has been answered with a 500 by then, and is logged here by its type
    only, not handed to the server, which would log its traceback."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = [500]
        facts: dict[str, Any] = {}
        scope[LOG_KEY] = facts

        async def send_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        except Exception as exc:
            facts["exception"] = type(exc).__name__
            status[0] = 500
        finally:
            ms = (time.perf_counter() - start) * 1000
            extra = "".join(f" {k}={v}" for k, v in facts.items())
            log.info("%s %s %d %.1fms%s", scope["method"], scope["path"], status[0], ms, extra)


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it is known to be larger than ``limit`` (from
    Content-Length before anything is read, else while it streams in)."""
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            size = int(declared)
        except ValueError:
            raise ServiceError(400, "bad_request", "Content-Length is not a number") from None
        if size > limit:
            raise too_large(limit)
    chunks: list[bytes] = []
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > limit:
            raise too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def too_large(limit: int) -> ServiceError:
    return ServiceError(
        413,
        "body_too_large",
        f"the body is larger than this service's limit of {limit} bytes (--max-body); split "
        "the batch into smaller requests",
    )


def _split(values: list[str] | None) -> list[str]:
    return [v.strip() for value in values or [] for v in value.split(",") if v.strip()]


def report_schema() -> dict[str, Any]:
    text = resources.files("claimlint").joinpath("schemas/report.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    schema.pop("$schema", None)
    return schema


BODY_DOC = (
    "The claim batch: an X12 837D file, a JSON batch, JSONL (a claim per line), CSV or XML. "
    "The format is sniffed from the first bytes, as `claimlint check` does for stdin, unless "
    "`?format=` names it; the Content-Type is not used."
)


#: the 200 answer of ``POST /v1/split``
SPLIT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["version", "format", "encoding", "clean", "held", "next_control", "report"],
    "properties": {
        "version": {"type": "string", "const": "1"},
        "format": {
            "type": "string",
            "enum": ["x12", "json", "jsonl", "csv", "xml"],
            "description": "The body's format, which both outputs keep.",
        },
        "encoding": {
            "type": "string",
            "enum": ["utf-8", "latin-1"],
            "description": "How the outputs' bytes were decoded into the strings: utf-8, "
            "else latin-1 (one character per byte). Encode them back the same way.",
        },
        "clean": {"type": "string", "description": "The clean claims (may be empty)."},
        "held": {"type": "string", "description": "The held claims (may be empty)."},
        "next_control": {
            "type": ["integer", "null"],
            "description": "837D: the next free control number (pass it as control-start "
            "next time); null for other formats.",
        },
        "report": {
            "type": "object",
            "description": "The held-claims report of `claimlint split --report`: counts, "
            "batch findings, and for each held claim its number, claim id and the findings "
            "that hold it (no values).",
        },
    },
}


def service_app(settings: Settings, pool: LintPool, registry: Registry) -> ASGIApp:
    """The application as served: :func:`create_app` inside :class:`AccessLog`."""
    return AccessLog(create_app(settings, pool, registry))


def create_app(settings: Settings, pool: LintPool, registry: Registry) -> FastAPI:
    app = FastAPI(
        title="claimlint",
        version=settings.version,
        summary="Pre-submission linting of US dental claims (X12 837D, JSON, JSONL, CSV, XML).",
        docs_url=None,  # the interactive pages load scripts from a CDN: not for a PHI service
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    bearer = HTTPBearer(
        auto_error=False,
        description=f"The service's token (${TOKEN_ENV} or --token-file).",
    )
    token = settings.token.encode("utf-8") if settings.token is not None else None

    async def require_token(
        credentials: HTTPAuthorizationCredentials | None = Security(bearer),  # noqa: B008
    ) -> None:
        if token is None:  # --insecure-local on loopback
            return
        given = credentials.credentials.encode("utf-8") if credentials is not None else b""
        # compared in constant time (an empty one never matches: tokens are 16+ characters)
        if not hmac.compare_digest(given, token):
            raise ServiceError(
                401,
                "unauthorized",
                "a valid bearer token is required: Authorization: Bearer <token>",
                headers={"WWW-Authenticate": "Bearer"},
            )

    @app.exception_handler(ServiceError)
    async def on_service_error(request: Request, exc: ServiceError) -> JSONResponse:
        return error_response(exc.status, exc.kind, exc.message, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def on_bad_query(request: Request, exc: RequestValidationError) -> JSONResponse:
        # 422 is kept for a body that cannot be read; a bad option is the caller's 400
        where = ", ".join(str(e.get("loc", ["?"])[-1]) for e in exc.errors() if isinstance(e, dict))
        return error_response(400, "bad_request", f"invalid query parameter(s): {where}")

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        kind = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return error_response(
            exc.status_code, kind, str(exc.detail), dict(exc.headers or {}) or None
        )

    @app.get("/healthz", tags=["service"])
    async def healthz() -> dict[str, Any]:
        """Liveness: the server answers and its worker processes were started. No token
        needed; it says nothing about any claim."""
        return {"status": "ok", "version": settings.version, "workers": pool.jobs}

    error_ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    report_ref = {"application/json": {"schema": {"$ref": "#/components/schemas/Report"}}}

    def options(
        fmt: str | None = Query(
            None,
            alias="format",
            description=f"The body's format: {', '.join(sorted(FORMATS))} (default: sniffed).",
        ),
        select: list[str] | None = Query(  # noqa: B008
            None, description="Rule codes, prefixes or names to run (repeat, or comma-separate)."
        ),
        extend_select: list[str] | None = Query(  # noqa: B008
            None, alias="extend-select", description="Add to the selected rules."
        ),
        ignore: list[str] | None = Query(  # noqa: B008
            None, description="Rule codes, prefixes or names to skip."
        ),
        fail_on: str | None = Query(
            None,
            alias="fail-on",
            description="Lowest severity that makes the verdict fail: error, warning or info.",
        ),
        show_values: bool = Query(
            False,
            alias="show-values",
            description="Include raw values (PHI) in the report. Off by default.",
        ),
        tooth_numbering: str | None = Query(
            None,
            alias="tooth-numbering",
            description="universal or iso, when the body does not say.",
        ),
        csv_mapping: str | None = Query(
            None,
            alias="csv-mapping",
            description=f"A built-in CSV column mapping: {', '.join(builtin_names())}.",
        ),
    ) -> Options:
        """The request's configuration from its query options (400 on a bad one)."""
        base = settings.config
        changes: dict[str, Any] = {}
        if fmt is not None and fmt.lower() not in FORMATS:
            raise ServiceError(
                400, "bad_request", f"format must be one of {', '.join(sorted(FORMATS))}"
            )
        if select:
            changes["select"] = _split(select)
        if extend_select:
            changes["extend_select"] = [*base.extend_select, *_split(extend_select)]
        if ignore:
            changes["ignore"] = [*base.ignore, *_split(ignore)]
        if fail_on is not None:
            try:
                changes["fail_on"] = Severity.parse(fail_on)
            except (ValueError, KeyError):
                raise ServiceError(
                    400, "bad_request", "fail-on must be error, warning or info"
                ) from None
        if show_values:
            changes["show_values"] = True
        if tooth_numbering is not None:
            if tooth_numbering not in ("universal", "iso"):
                raise ServiceError(400, "bad_request", "tooth-numbering must be universal or iso")
            changes["tooth_numbering"] = tooth_numbering
        if csv_mapping is not None:
            # a path would read a file of the server's: only the built-in mappings here
            if csv_mapping not in builtin_names():
                raise ServiceError(
                    400,
                    "bad_request",
                    f"csv-mapping must be a built-in mapping: {', '.join(builtin_names())} "
                    "(a mapping file is set in the service's configuration)",
                )
            changes["csv_mapping"] = csv_mapping
        config = request_config(base, **changes)
        bad = unknown_selectors(registry, config)
        if bad:
            raise ServiceError(400, "bad_request", f"unknown rule selector {bad[0]!r}")
        return Options(config, FORMATS[fmt.lower()] if fmt is not None else None)

    limit = settings.max_requests or max(32, 8 * settings.jobs)
    in_flight = [0]  # one event loop: a plain counter is enough

    async def run(request: Request, job: LintJob) -> Response:
        """Read the body (413/408 as it comes in) and hand the job to a worker; beyond
        ``limit`` requests in flight, 503 at once, before the body is read (each request may
        hold up to --max-body in memory while it waits)."""
        if in_flight[0] >= limit:
            raise ServiceError(
                503,
                "busy",
                f"{limit} requests are already in flight (--max-requests); try again shortly",
                headers={"Retry-After": "1"},
            )
        in_flight[0] += 1
        try:
            try:
                async with asyncio.timeout(settings.timeout):
                    job.data = await read_body(request, settings.max_body)
            except TimeoutError:
                raise timed_out(settings.timeout) from None
            outcome = await pool.lint(job)
            return answer(request, outcome, settings.timeout)
        finally:
            in_flight[0] -= 1

    common: dict[int | str, dict[str, Any]] = {
        400: {"description": "A bad query option.", "content": error_ref},
        401: {"description": "No bearer token, or a wrong one.", "content": error_ref},
        408: {"description": "The request took longer than --timeout.", "content": error_ref},
        413: {"description": "The body is larger than --max-body.", "content": error_ref},
        503: {
            "description": "--max-requests requests are already in flight; retry shortly.",
            "content": error_ref,
        },
        500: {"description": "An internal error.", "content": error_ref},
    }
    unreadable = (
        "The body could not be read: the JSON report, whose CL001, CL002 or CL1xx findings say "
        "where (`Report`)"
    )

    def body_doc(formats: tuple[str, ...], text: str) -> dict[str, Any]:
        return {
            "requestBody": {
                "required": True,
                "description": text,
                "content": {media: {"schema": {"type": "string"}} for media in formats},
            }
        }

    report_or_error = {
        "application/json": {
            "schema": {
                "oneOf": [
                    {"$ref": "#/components/schemas/Report"},
                    {"$ref": "#/components/schemas/Error"},
                ]
            }
        }
    }
    all_media = (
        "application/edi-x12",
        "application/json",
        "application/x-ndjson",
        "text/csv",
        "application/xml",
    )

    @app.post(
        "/v1/lint",
        tags=["lint"],
        dependencies=[Depends(require_token)],
        response_class=Response,
        responses={
            200: {
                "description": "The body was linted: the JSON report, whatever its findings. "
                "Header Claimlint-Verdict: pass or fail (by fail-on, as the CLI's exit code).",
                "content": report_ref,
            },
            422: {"description": unreadable + ".", "content": report_ref},
            **common,
        },
        openapi_extra=body_doc(all_media, BODY_DOC),
    )
    async def lint(
        request: Request,
        opts: Options = Depends(options),  # noqa: B008
    ) -> Response:
        """Lint one claim batch; the answer is the JSON report of `claimlint check`."""
        return await run(request, job(opts, "lint"))

    @app.post(
        "/v1/split",
        tags=["split"],
        dependencies=[Depends(require_token)],
        response_class=Response,
        responses={
            200: {
                "description": "The body was split (`claimlint split`): a JSON object with "
                "the clean and held outputs as strings, in the body's format, and the "
                "held-claims report. Header Claimlint-Verdict: fail when a claim is held.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Split"}}},
            },
            422: {
                "description": unreadable + "; or an `Error` when the body was read but its "
                "claims cannot be found again in its bytes to be split.",
                "content": report_or_error,
            },
            **common,
        },
        openapi_extra=body_doc(all_media, BODY_DOC),
    )
    async def split(
        request: Request,
        opts: Options = Depends(options),  # noqa: B008
        control_start: int = Query(
            1,
            alias="control-start",
            ge=1,
            le=MAX_CONTROL,
            description="837D: the first control number (ISA13, GS06, ST02) of the rebuilt "
            "envelopes; the answer's next_control is the one to send next time.",
        ),
    ) -> Response:
        """Split one claim batch into its clean and held claims (`claimlint split`)."""
        work = job(opts, "split")
        work.control_start = control_start
        return await run(request, work)

    @app.post(
        "/v1/ack",
        tags=["ack"],
        dependencies=[Depends(require_token)],
        response_class=Response,
        responses={
            200: {
                "description": "The acknowledgment of the 837D body (`claimlint check "
                "--format 999|277ca`), X12 text. Header Claimlint-Verdict: pass or fail.",
                "content": {"application/edi-x12": {"schema": {"type": "string"}}},
            },
            422: {
                "description": unreadable + "; or an `Error` when the body is not an 837D.",
                "content": report_or_error,
            },
            **common,
        },
        openapi_extra=body_doc(
            ("application/edi-x12",),
            "The claim batch: an X12 837D file (only 837D is acknowledged).",
        ),
    )
    async def ack(
        request: Request,
        opts: Options = Depends(options),  # noqa: B008
        kind: str = Query(
            ...,
            alias="type",
            description="999 (implementation acknowledgment, 005010X231A1) or 277ca (claim "
            "acknowledgment, 005010X214).",
        ),
    ) -> Response:
        """Acknowledge one 837D batch with a 999 or a 277CA."""
        kind = kind.lower()
        if kind not in ACK_FORMATS:
            raise ServiceError(400, "bad_request", "type must be 999 or 277ca")
        return await run(request, job(opts, kind))

    def job(opts: Options, kind: str) -> LintJob:
        return LintJob(
            data=b"",
            config=opts.config,
            deadline=time.time() + settings.timeout,
            fmt=opts.fmt,
            version=settings.version,
            kind=kind,
        )

    def custom_openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                summary=app.summary,
                description=__doc__,
                routes=app.routes,
            )
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            components["Report"] = report_schema()
            components["Error"] = {
                "type": "object",
                "required": ["error", "message"],
                "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
            }
            components["Split"] = SPLIT_SCHEMA
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = custom_openapi  # type: ignore[method-assign]
    assert set(FORMATS.values()) <= set(READERS)
    return app


def timed_out(seconds: float) -> ServiceError:
    return ServiceError(
        408,
        "timeout",
        f"the request took longer than this service's limit of {seconds:g} s (--timeout); "
        "send smaller batches",
    )


def answer(request: Request, outcome: LintOutcome, seconds: float) -> Response:
    facts = request.scope.get(LOG_KEY)
    if isinstance(facts, dict):
        facts.update(
            claims=outcome.claims_read,
            linted=outcome.claims_linted,
            unparsable=outcome.claims_unparsable,
            findings=outcome.findings,
        )
        if outcome.held is not None:
            facts.update(held=outcome.held)
        if outcome.internal_errors:
            facts.update(
                internal_errors=outcome.internal_errors, kinds=",".join(outcome.error_kinds)
            )
    if outcome.status == "timeout":
        raise timed_out(seconds)
    if outcome.status == "error":
        raise ServiceError(
            500,
            "internal_error",
            f"claimlint hit an internal error ({outcome.internal_errors}); the batch was not "
            "fully linted. The server's log has the kind of error, never the claim's values.",
        )
    if outcome.status == "refused":
        raise ServiceError(422, outcome.error, outcome.message)
    status = 422 if outcome.status == "malformed" else 200
    return Response(
        outcome.body,
        status_code=status,
        media_type=outcome.media_type,
        headers={"Claimlint-Verdict": outcome.verdict},
    )
