"""The HTTP application (FastAPI): ``POST /v1/lint``, ``GET /healthz``, ``GET /openapi.json``.

Statuses of ``POST /v1/lint``:

* 200 — the body was read and linted; the body is the JSON report (schemas/report.schema.json,
  as ``claimlint check --format json``), also when its claims have errors: the verdict is in
  the findings, and in the ``Claimlint-Verdict`` header (``pass`` or ``fail``: what
  ``claimlint check`` would exit 0 or 1 for, by ``fail-on``).
* 422 — the body could not be read (not JSON, no claims list, an X12 file without a header,
  an unknown format): the body is the same JSON report, whose CL001/CL002/CL1xx findings say
  where.
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
from importlib import resources
from typing import Any

from fastapi import Depends, FastAPI, Query, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from claimlint.core.findings import Severity
from claimlint.readers.base import READERS
from claimlint.readers.mappings import builtin_names
from claimlint.running.lint import unknown_selectors
from claimlint.running.registry import Registry
from claimlint.service.pool import LintJob, LintOutcome, LintPool, request_config
from claimlint.service.settings import TOKEN_ENV, Settings

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
            400: {"description": "A bad query option.", "content": error_ref},
            401: {"description": "No bearer token, or a wrong one.", "content": error_ref},
            408: {"description": "The request took longer than --timeout.", "content": error_ref},
            413: {"description": "The body is larger than --max-body.", "content": error_ref},
            422: {
                "description": "The body could not be read: the JSON report, whose CL001, "
                "CL002 or CL1xx findings say where.",
                "content": report_ref,
            },
            500: {"description": "An internal error.", "content": error_ref},
        },
        openapi_extra={
            "requestBody": {
                "required": True,
                "description": BODY_DOC,
                "content": {
                    media: {"schema": {"type": "string"}}
                    for media in (
                        "application/edi-x12",
                        "application/json",
                        "application/x-ndjson",
                        "text/csv",
                        "application/xml",
                    )
                },
            }
        },
    )
    async def lint(
        request: Request,
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
    ) -> Response:
        """Lint one claim batch; the answer is the JSON report of `claimlint check`."""
        started = time.time()
        deadline = started + settings.timeout
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
        try:
            async with asyncio.timeout(settings.timeout):
                data = await read_body(request, settings.max_body)
        except TimeoutError:
            raise timed_out(settings.timeout) from None
        job = LintJob(
            data=data,
            config=config,
            deadline=deadline,
            fmt=FORMATS[fmt.lower()] if fmt is not None else None,
            version=settings.version,
        )
        outcome = await pool.lint(job)
        return answer(request, outcome, settings.timeout)

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
    status = 422 if outcome.status == "malformed" else 200
    return Response(
        outcome.body,
        status_code=status,
        media_type="application/json",
        headers={"Claimlint-Verdict": outcome.verdict},
    )
