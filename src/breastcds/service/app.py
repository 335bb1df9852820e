"""The FastAPI application factory: settings → store (migrated) → routes and error handling."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from breastcds import __version__
from breastcds.model.case import Case
from breastcds.model.errors import CaseValidationError
from breastcds.service import api, cdshooks
from breastcds.service.auth import CdsJwtVerifier
from breastcds.service.guard import AdmissionGuard, BodyTooLarge, RateLimiter
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


def create_app(
    settings: Settings | None = None,
    store: Store | None = None,
    routers: Sequence[APIRouter] = (),
) -> FastAPI:
    """Build the app; migrations are applied to the store before it serves anything.

    ``routers``: further routes mounted behind the same authentication and error handling (the
    tumour-board web page; composed in :mod:`breastcds.server`, since the service does not
    import the web page).
    """
    settings = settings or Settings.from_env()
    if store is None:
        store = Store(settings.resolved_database_url, token_cache_s=settings.token_cache_s)
    store.migrate()
    api.ASSESS_QUEUE = settings.assess_queue

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        store.flush_audit()  # aggregated security alerts still counting

    app = FastAPI(
        dependencies=[Depends(reject_unknown_query)],
        title="breastcds",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url=None,  # served below from local files: /docs works offline
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.rate_limiter = RateLimiter(settings.anonymous_rate)
    app.include_router(api.build_router())
    _install_docs(app)
    app.state.cds_verifier = CdsJwtVerifier(settings, store)
    app.include_router(cdshooks.build_router())
    for router in routers:
        app.include_router(router)
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


# Security headers on every response. The API answers JSON only: nothing may load, frame or
# run. The pages (/ui, /docs) load their own scripts and styles from this service only; inline
# style attributes are allowed (the report's figures and Swagger UI set them), inline scripts
# are not.
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
)


def _security_headers(path: str, headers: MutableHeaders) -> None:
    for name, value in SECURITY_HEADERS:
        headers.raw.append((name, value))
    page = path == "/docs" or path.startswith(("/docs/", "/ui"))
    headers["Content-Security-Policy"] = PAGE_CSP if page else API_CSP
    if "cache-control" not in headers:
        # Assessments, audit and tokens are patient or security data: never kept in a cache.
        headers["Cache-Control"] = "no-store"


class RequestContext:
    """Pure ASGI middleware: request id, security headers, one structured log line per request,
    and a problem body (never a traceback) for any exception nothing else handled."""

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
                headers = MutableHeaders(scope=message)
                headers.append("X-Request-ID", rid)
                _security_headers(scope["path"], headers)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except (ClientDisconnect, api.ClientGone):
            # The client went away: not a failure of the service, and nothing to audit.
            status = 499
            log.info("client disconnected", extra={"fields": {"request_id": rid}})
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
    app.add_middleware(AdmissionGuard)  # inside RequestContext: its refusals are logged too
    app.add_middleware(RequestContext)
    app.add_middleware(cdshooks.CdsCors)  # CDS Hooks CORS (outermost: preflight needs no auth)

    @app.exception_handler(BodyTooLarge)
    async def too_large(request: Request, exc: BodyTooLarge) -> Response:
        response = problem(request, 413, "Content Too Large", str(exc))
        response.headers["Connection"] = "close"
        return response

    @app.exception_handler(api.Overloaded)
    async def overloaded(request: Request, exc: api.Overloaded) -> Response:
        return problem(
            request,
            503,
            "Service Unavailable",
            exc.detail,
            headers={"Retry-After": str(exc.retry_after_s)},
        )

    @app.exception_handler(CaseValidationError)
    async def case_invalid(request: Request, exc: CaseValidationError) -> Response:
        return problem(
            request, 422, "Unprocessable Content", "the case is not valid", from_issues(exc.issues)
        )

    @app.exception_handler(api.InputError)
    async def input_invalid(request: Request, exc: api.InputError) -> Response:
        title = {413: "Content Too Large", 415: "Unsupported Media Type"}.get(
            exc.status, "Unprocessable Content"
        )
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


DOCS_HTML = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>breastcds API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/init.js"></script></body></html>
"""
DOCS_INIT_JS = """window.ui = SwaggerUIBundle({
  url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  layout: "BaseLayout"
});
"""
DOCS_ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
}


def _install_docs(app: FastAPI) -> None:
    """Swagger UI from the files of the ``fastapi-offline`` package (Swagger UI 5, Apache-2.0;
    no CDN); the initialiser is a file too, so the page's CSP allows no inline script."""

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(DOCS_HTML)

    @app.get("/docs/assets/{name}", include_in_schema=False)
    def docs_asset(name: str) -> Response:
        cache = {"Cache-Control": "public, max-age=86400"}
        if name == "init.js":
            return Response(DOCS_INIT_JS, media_type="text/javascript", headers=cache)
        if name not in DOCS_ASSETS:
            raise StarletteHTTPException(404, f"no documentation asset {name!r}")
        data = resources.files("fastapi_offline").joinpath(f"static/{name}").read_bytes()
        return Response(data, media_type=DOCS_ASSETS[name], headers=cache)


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
