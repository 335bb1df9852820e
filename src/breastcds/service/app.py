"""The FastAPI application factory: settings → store (migrated) → routes and error handling."""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

from fastapi import Depends, FastAPI, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from breastcds import __version__
from breastcds.model.case import Case
from breastcds.model.errors import CaseValidationError
from breastcds.service import api, cdshooks
from breastcds.service.auth import CdsJwtVerifier
from breastcds.service.problems import (
    FieldError,
    Problem,
    from_issues,
    from_request_errors,
    problem,
)
from breastcds.service.settings import Settings
from breastcds.service.storage import AuditEvent, Store

log = logging.getLogger("breastcds.service")

DESCRIPTION = """\
Clinical decision support for breast cancer over HTTP: a thin adapter over `breastcds.assess`.

Every assessment is stored with its input, output, code and knowledge versions, requester and
time, and can be read back byte for byte; every access is in the audit trail. Authenticate with
`Authorization: Bearer <API token>` (roles read < assess < admin); CDS Hooks calls authenticate
the CDS client with a signed JWT. Errors are RFC 9457 problem bodies; invalid input is 422 with
the path and message of each field.

Decision support only: the assessment informs, and does not replace, the clinician's judgement.
"""


def create_app(settings: Settings | None = None, store: Store | None = None) -> FastAPI:
    """Build the app; migrations are applied to the store before it serves anything."""
    settings = settings or Settings.from_env()
    if store is None:
        store = Store(settings.resolved_database_url)
    store.migrate()

    app = FastAPI(
        dependencies=[Depends(reject_unknown_query)],
        title="breastcds",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.store = store
    app.include_router(api.build_router())
    app.state.cds_verifier = CdsJwtVerifier(settings)
    app.include_router(cdshooks.build_router())
    from breastcds.web import build_router as build_web_router  # tumour-board pages, /ui

    app.include_router(build_web_router())
    _install_error_handling(app)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _query_names(dependant: Dependant) -> set[str]:
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


async def reject_unknown_query(request: Request) -> None:
    """422 for query parameters the route does not declare (a typo must not be ignored)."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not request.query_params:
        return
    known = _query_names(route.dependant)
    unknown = [k for k in request.query_params if k not in known]
    if unknown:
        raise RequestValidationError(
            [
                {
                    "loc": ("query", k),
                    "msg": "unknown query parameter",
                    "type": "extra_forbidden",
                    "input": request.query_params[k],
                }
                for k in unknown
            ]
        )


class RequestContext:
    """Pure ASGI middleware: request id, one structured log line per request, and a problem
    body (never a traceback) for any exception nothing else handled."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = rid
        start = time.perf_counter()
        status = 500
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                started = True
                status = message["status"]
                MutableHeaders(scope=message).append("X-Request-ID", rid)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            request = Request(scope)
            log.exception("unhandled error", extra={"fields": {"request_id": rid}})
            try:
                request.app.state.store.audit(
                    AuditEvent(
                        type_code="110100",
                        subtype="error",
                        action="E",
                        outcome="8",
                        outcome_desc="unexpected error",
                        agent_who=_who(state),
                        entity_what=f"{request.method} {request.url.path}",
                        entity_type="endpoint",
                        request_id=rid,
                    )
                )
            except Exception:
                log.exception("audit of an unhandled error failed")
            if not started:
                response = problem(
                    request,
                    500,
                    "Internal Server Error",
                    f"an unexpected error occurred (request id {rid})",
                )
                await response(scope, receive, send_with_id)
        finally:
            log.info(
                "request",
                extra={
                    "fields": {
                        "request_id": rid,
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status,
                        "duration_ms": round(1e3 * (time.perf_counter() - start), 2),
                        "who": _who(state),
                    }
                },
            )


def _install_error_handling(app: FastAPI) -> None:
    app.add_middleware(RequestContext)

    @app.exception_handler(CaseValidationError)
    async def case_invalid(request: Request, exc: CaseValidationError) -> Response:
        return problem(
            request, 422, "Unprocessable Content", "the case is not valid", from_issues(exc.issues)
        )

    @app.exception_handler(api.InputError)
    async def input_invalid(request: Request, exc: api.InputError) -> Response:
        title = "Content Too Large" if exc.status == 413 else "Unprocessable Content"
        return problem(request, exc.status, title, exc.detail, exc.errors)

    @app.exception_handler(api.NotAvailable)
    async def not_available(request: Request, exc: api.NotAvailable) -> Response:
        return problem(request, 501, "Not Implemented", str(exc))

    @app.exception_handler(RequestValidationError)
    async def request_invalid(request: Request, exc: RequestValidationError) -> Response:
        return problem(
            request,
            422,
            "Unprocessable Content",
            "the request is not valid",
            from_request_errors(exc.errors()),
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        from http import HTTPStatus

        if exc.status_code == 400 and exc.detail == "There was an error parsing the body":
            # FastAPI's own body parser (routes with a model body): same answer as ours
            return problem(
                request,
                422,
                "Unprocessable Content",
                "the body is not valid JSON",
                [FieldError(field="body", message="not valid JSON")],
            )

        try:
            title = HTTPStatus(exc.status_code).phrase
        except ValueError:
            title = "Error"
        headers = dict(exc.headers) if exc.headers else None
        return problem(request, exc.status_code, title, str(exc.detail), headers=headers)


def _who(state: dict[str, Any]) -> str:
    principal = state.get("principal")
    return str(principal.who) if principal is not None else "anonymous"


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's schema plus the Case, FHIR Bundle and Problem schemas the routes refer to."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    case = Case.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, sub in {**case.pop("$defs", {}), "Case": case}.items():
        if name in components and components[name] != sub:
            raise RuntimeError(f"OpenAPI schema name clash: {name}")
        components[name] = sub
    components["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, sub in components["Problem"].pop("$defs", {}).items():
        components[name] = sub
    components["FhirBundle"] = {
        "type": "object",
        "description": "FHIR R4 Bundle (mCODE profiles), mapped by breastcds.fhir; entries it "
        "cannot read are reported in fhir_unmapped, not refused",
        "required": ["resourceType"],
        "properties": {"resourceType": {"type": "string", "enum": ["Bundle"]}},
    }
    app.openapi_schema = schema
    return schema
