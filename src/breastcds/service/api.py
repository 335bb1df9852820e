"""REST routes: a thin adapter over :func:`breastcds.assess`; every answer is stored and audited.

The service holds no clinical logic. It validates transport (JSON, size, auth), calls the public
entry points (``breastcds.assess``, ``breastcds.fhir.bundle_to_case``, ``knowledge_version``),
stores the exact response it gives and returns that same text on every later read.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import math
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from dataclasses import asdict, dataclass, is_dataclass
from functools import cache
from types import ModuleType
from typing import Annotated, Any, Literal

import anyio
import pydantic_core
from fastapi import APIRouter, HTTPException, Path, Query, Request, Response
from pydantic import BaseModel, Field, field_validator

from breastcds import __version__, assess
from breastcds.capabilities import Assessment
from breastcds.knowledge import knowledge_version
from breastcds.model.assessment import AssessmentRecord
from breastcds.model.case import SCHEMA_VERSION
from breastcds.model.errors import CaseValidationError
from breastcds.model.strict import text_problem
from breastcds.service.auth import Admin, Assessor, Principal, Reader
from breastcds.service.problems import FieldError, responses
from breastcds.service.storage import (
    ROLES,
    AssessmentRow,
    AuditEvent,
    NewAssessment,
    Role,
    Store,
    new_assessment_id,
    utcnow,
)

MAX_BODY_BYTES = 5 * 1024 * 1024
Source = Literal["rest", "fhir", "cds-hooks"]


class InputError(Exception):
    """Bad input found by the adapter itself (not JSON, too large, wrong shape): 4xx problem."""

    def __init__(self, detail: str, errors: list[FieldError], status: int = 422) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.status = status


class NotAvailable(Exception):
    """A capability this installation does not have yet (501)."""


class Overloaded(Exception):
    """Too much work queued already: 503 with ``Retry-After`` (seconds)."""

    def __init__(self, detail: str, retry_after_s: int) -> None:
        super().__init__(detail)
        self.detail = detail
        self.retry_after_s = retry_after_s


class ClientGone(Exception):
    """The client disconnected before its work started: nothing is done or recorded."""


# --- response models (documentation of what the routes return) -----------------------------


class Links(BaseModel):
    self: str
    ui: str = Field(description="web page of the assessment")


class StoredAssessment(BaseModel):
    """What ``POST /assess`` returns; ``GET /assessments/{id}`` returns the same text."""

    id: str
    created_at: str = Field(description="UTC time the assessment was made and stored (ISO 8601)")
    source: Source
    requester: str = Field(description="token:<token id> or cds:<issuer>")
    links: Links
    assessment: AssessmentRecord
    fhir_unmapped: list[Any] | None = Field(
        None, description="FHIR input only: the Bundle content the mapper did not use, and why"
    )
    fhir_notes: list[Any] | None = Field(
        None, description="FHIR input only: the mapper's notes (e.g. unit conversions)"
    )


class AssessmentSummary(BaseModel):
    id: str
    created_at: str
    source: Source
    requester: str
    breastcds_version: str
    knowledge_version: str
    case_schema_version: str
    input_sha256: str
    links: Links


class AssessmentList(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[AssessmentSummary]


class Versions(BaseModel):
    breastcds_version: str
    knowledge_version: str
    case_schema_version: str


class RuleMatch(BaseModel):
    file: str = Field(description="knowledge file the rule is defined in")
    kind: str = Field(description="what the entry is (the collection holding it, e.g. rules)")
    path: str = Field(description="where in the file")
    entry: Any


class RuleLookup(BaseModel):
    id: str
    knowledge_version: str
    matches: list[RuleMatch]


class Replay(BaseModel):
    id: str
    identical: bool = Field(description="re-running the stored case gives the stored assessment")
    stored: Versions
    current: Versions
    differences: list[str] = Field(description="JSON paths that differ (at most 50)")


class Health(BaseModel):
    status: Literal["ok"]
    database: Literal["ok"]
    schema_revision: str | None
    breastcds_version: str
    knowledge_version: str


class AuditEventOut(BaseModel):
    id: int
    recorded: str
    type: dict[str, str]
    subtype: str | None
    action: str
    outcome: str
    outcome_desc: str | None
    agent: dict[str, str | None]
    entity: dict[str, str | None]
    request_id: str | None


class AuditList(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[AuditEventOut]


class TokenRequest(BaseModel):
    role: Role
    label: str = Field("", max_length=200)
    expires_in_days: int | None = Field(
        None, ge=1, le=3650, description="the token stops working after this many days"
    )

    @field_validator("label")
    @classmethod
    def _storable(cls, value: str) -> str:
        problem = text_problem(value)
        if problem:
            raise ValueError(problem)
        return value


class TokenCreated(BaseModel):
    id: str
    role: Role
    label: str
    expires_at: str | None = Field(None, description="UTC time the token stops working")
    token: str = Field(description="shown once; only a salted hash is stored")


# --- shared helpers (also used by the CDS Hooks adapter) -----------------------------------


# Assessments are CPU-bound Python (the GIL lets one run at a time): running them one after the
# other, first come first served, keeps latency proportional to the queue instead of sharing
# the interpreter between every request in flight (which delays all of them). The queue is
# bounded (admission control): past ``ASSESS_QUEUE`` waiting or running, a request is answered
# 503 with Retry-After at once instead of waiting until its client has given up.
_ASSESS_SLOTS: anyio.CapacityLimiter | None = None
ASSESS_QUEUE = 32
_pending = 0
_mean_s = 0.005  # running mean of one assessment's time (for Retry-After)


async def run_assessment(
    func: Any, is_disconnected: Callable[[], Awaitable[bool]] | None = None
) -> Any:
    """Run ``func`` (an assessment) in a worker thread, one at a time, first come first served.

    Raises :class:`Overloaded` when the queue is full and :class:`ClientGone` when the client
    disconnected while its request waited."""
    global _ASSESS_SLOTS, _pending, _mean_s
    if _ASSESS_SLOTS is None:
        _ASSESS_SLOTS = anyio.CapacityLimiter(1)
    if _pending >= ASSESS_QUEUE:
        wait = max(1, math.ceil(_pending * _mean_s))
        raise Overloaded(f"the service is busy ({_pending} assessments queued)", wait)
    _pending += 1
    try:
        async with _ASSESS_SLOTS:
            if is_disconnected is not None and await is_disconnected():
                raise ClientGone
            start = anyio.current_time()
            result = await anyio.to_thread.run_sync(func)
            _mean_s = 0.9 * _mean_s + 0.1 * (anyio.current_time() - start)
            return result
    finally:
        _pending -= 1


def store_of(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def request_id(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


def client_host(request: Request) -> str | None:
    return request.client.host if request.client else None


def audit_request(
    request: Request,
    principal: Principal,
    *,
    type_code: str,
    subtype: str,
    action: str,
    entity_type: str,
    entity_what: str | None = None,
    outcome: str = "0",
    outcome_desc: str | None = None,
) -> None:
    """Append an audit event for this request: who (token), from where, on what, outcome."""
    store_of(request).audit(
        AuditEvent(
            type_code=type_code,
            subtype=subtype,
            action=action,
            outcome=outcome,
            outcome_desc=outcome_desc,
            agent_who=principal.who,
            agent_role=principal.role,
            agent_network=client_host(request),
            entity_what=entity_what,
            entity_type=entity_type,
            request_id=request_id(request),
        )
    )


def links(aid: str) -> dict[str, str]:
    return {"self": f"/assessments/{aid}", "ui": f"/ui/assessments/{aid}"}


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


async def json_body(request: Request) -> tuple[Any, str]:
    """The parsed body and its exact text; :class:`InputError` when it is not JSON."""
    raw = await request.body()  # bounded by the admission guard (per route)
    if len(raw) > MAX_BODY_BYTES:
        raise InputError(f"the body is larger than {MAX_BODY_BYTES} bytes", [], status=413)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(
            "the body is not UTF-8 text", [FieldError(field="body", message="not UTF-8 text")]
        ) from None
    try:
        return json.loads(text, parse_constant=_reject_constant), text
    except json.JSONDecodeError as exc:
        message = f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
    except (ValueError, RecursionError) as exc:
        message = f"not valid JSON: {exc}" if isinstance(exc, ValueError) else "nested too deeply"
    raise InputError("the body is not valid JSON", [FieldError(field="body", message=message)])


def jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if is_dataclass(value) and not isinstance(value, type):
        return jsonable(asdict(value))
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def non_finite_path(value: Any, path: str = "") -> str | None:
    """The JSON path of the first NaN or infinity in ``value`` (None when all are finite)."""
    if isinstance(value, float) and not math.isfinite(value):
        return path or "$"
    if isinstance(value, dict):
        for k, v in value.items():
            found = non_finite_path(v, f"{path}.{k}" if path else str(k))
            if found:
                return found
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found = non_finite_path(v, f"{path}.{i}" if path else str(i))
            if found:
                return found
    return None


def strict_json_text(envelope: dict[str, Any]) -> str:
    """Compact JSON text of a response (pydantic-core's encoder: the same bytes as
    ``json.dumps(..., ensure_ascii=False, separators=(",", ":"))``, several times faster).
    Values may be pydantic models: they are encoded as their ``model_dump()`` would be.

    Strict JSON: a stored answer must always read back, so a NaN or infinity anywhere is an
    :class:`InputError` naming its path (the encoder writes them as constants; only then is the
    text parsed again to tell a constant from the same word inside a string)."""
    raw = pydantic_core.to_json(envelope, inf_nan_mode="constants")
    if b"Infinity" in raw or b"NaN" in raw:
        where = non_finite_path(json.loads(raw))
        if where is not None:
            raise InputError(
                "the assessment of this case has a value that is not a finite number; "
                "check the magnitudes of the inputs",
                [FieldError(field=where, message="not a finite number (computed from the case)")],
            )
    return raw.decode("utf-8")


@dataclass(frozen=True)
class PreparedAssessment:
    """An assessment made and serialised, with the rows that store it (not yet written)."""

    id: str
    text: str
    result: Assessment
    record: NewAssessment
    audit: AuditEvent


def prepare_assessment(
    store: Store,
    *,
    case: dict[str, Any],
    input_json: str,
    source: Source,
    principal: Principal,
    request_id: str | None,
    network: str | None,
    extra: dict[str, Any] | None = None,
) -> PreparedAssessment:
    """Assess and serialise the exact response (CPU-bound; nothing stored yet).

    Raises :class:`CaseValidationError` for a case the library does not accept (audited).
    """
    created = utcnow()
    try:
        result = assess(case, now=created, today=created.date())
    except CaseValidationError as exc:
        store.audit(
            AuditEvent(
                type_code="110110",
                subtype=f"assess:{source}",
                action="C",
                outcome="4",
                outcome_desc=f"case not valid ({len(exc.issues)} field issue(s))",
                agent_who=principal.who,
                agent_role=principal.role,
                agent_network=network,
                entity_type="Assessment",
                request_id=request_id,
            )
        )
        raise
    aid = new_assessment_id()
    envelope: dict[str, Any] = {
        "id": aid,
        "created_at": created.isoformat(),
        "source": source,
        "requester": principal.who,
        "links": links(aid),
        "assessment": result,  # encoded from the model: the text of its dump, without the dump
    }
    if extra:
        envelope.update(extra)
    text = strict_json_text(envelope)
    record = NewAssessment(
        id=aid,
        source=source,
        requester=principal.who,
        input_json=input_json,
        case_json=json.dumps(case, ensure_ascii=False, sort_keys=True),
        response_json=text,
        created_at=created,
        breastcds_version=result.provenance.breastcds_version,
        knowledge_version=result.provenance.knowledge_version,
        case_schema_version=result.provenance.case_schema_version,
    )
    audit = AuditEvent(
        type_code="110110",
        subtype=f"assess:{source}",
        action="C",
        outcome="0",
        agent_who=principal.who,
        agent_role=principal.role,
        agent_network=network,
        entity_what=f"Assessment/{aid}",
        entity_type="Assessment",
        request_id=request_id,
    )
    return PreparedAssessment(aid, text, result, record, audit)


async def assess_and_store(
    store: Store,
    *,
    case: dict[str, Any],
    input_json: str,
    source: Source,
    principal: Principal,
    request_id: str | None,
    network: str | None,
    extra: dict[str, Any] | None = None,
    is_disconnected: Callable[[], Awaitable[bool]] | None = None,
) -> tuple[str, str, Assessment]:
    """Assess, store input and exact response with an audit event; return (id, text, result).

    The CPU-bound assessment runs first come first served in one worker thread, which hands
    the rows straight to the database's group committer (the commit starts while the event
    loop is still to learn that the assessment is done; one request's commit does not hold up
    the next request's assessment). The caller answers only after the commit; a client that
    goes away does not cancel a commit under way. Raises :class:`CaseValidationError` for a
    case the library does not accept (audited)."""

    def prepare_and_store() -> tuple[PreparedAssessment, Future[None]]:
        p = prepare_assessment(
            store,
            case=case,
            input_json=input_json,
            source=source,
            principal=principal,
            request_id=request_id,
            network=network,
            extra=extra,
        )
        return p, store.enqueue_assessment(p.record, p.audit)

    p, committed = await run_assessment(prepare_and_store, is_disconnected)
    await asyncio.shield(asyncio.wrap_future(committed))
    return p.id, p.text, p.result


def load_fhir() -> ModuleType | None:
    """The FHIR mapper ``breastcds.fhir`` (imported on first use)."""
    from breastcds import fhir

    return fhir


def map_bundle(
    bundle: Any, assessment_date: dt.date | None = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The case mapped from a FHIR Bundle, and what the mapper reported about it.

    Raises :class:`NotAvailable` when this installation has no FHIR mapper and
    :class:`InputError` when the mapper cannot read the Bundle at all.
    """
    fhir = load_fhir()
    if fhir is None:
        raise NotAvailable(
            "FHIR input needs the breastcds.fhir mapper, which this installation does not have"
        )
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        got = bundle.get("resourceType") if isinstance(bundle, dict) else None
        raise InputError(
            "the body is not a FHIR Bundle",
            [FieldError(field="resourceType", message="must be 'Bundle'", value=jsonable(got))],
        )
    kwargs: dict[str, Any] = {}
    if assessment_date is not None and "assessment_date" in _parameters(fhir.bundle_to_case):
        kwargs["assessment_date"] = assessment_date
    try:
        mapped = fhir.bundle_to_case(bundle, **kwargs)
    except CaseValidationError:
        raise
    except ValueError as exc:  # the mapper's own "not a Bundle it can read" errors
        raise InputError(
            "the FHIR Bundle could not be mapped to a case",
            [FieldError(field="bundle", message=str(exc))],
        ) from None
    case = mapped.case if isinstance(mapped.case, dict) else jsonable(mapped.case)
    report = {
        "fhir_unmapped": [jsonable(u) for u in (getattr(mapped, "unmapped", None) or [])],
        "fhir_notes": [jsonable(n) for n in (getattr(mapped, "notes", None) or [])],
    }
    return case, report


@cache
def _parameters(func: Any) -> frozenset[str]:
    import inspect

    return frozenset(inspect.signature(func).parameters)


def _diff(a: Any, b: Any, path: str, out: list[str]) -> None:
    if len(out) >= 50:
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            _diff(a.get(k), b.get(k), f"{path}.{k}" if path else str(k), out)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _diff(x, y, f"{path}[{i}]", out)
    elif a != b:
        out.append(path or "$")


def _jsonable(entry: Any) -> Any:
    """A knowledge entry as JSON values (YAML dates as ISO text)."""
    return json.loads(json.dumps(entry, default=str))


def replay_stored(row: AssessmentRow) -> Replay:
    """Re-run a stored case at its stored time with today's code and knowledge, and compare
    the assessment with the stored one (nothing is stored)."""
    stored = json.loads(row.response_json)["assessment"]
    created = row.created_at
    try:
        again = assess(json.loads(row.case_json), now=created, today=created.date())
        current: Any = again.model_dump(mode="json")
    except CaseValidationError as exc:
        current = {"error": [str(i) for i in exc.issues]}
    differences: list[str] = []
    _diff(stored, current, "", differences)
    return Replay(
        id=row.id,
        identical=not differences,
        stored=_versions(row.breastcds_version, row.knowledge_version, row.case_schema_version),
        current=_versions(__version__, knowledge_version(), SCHEMA_VERSION),
        differences=differences,
    )


def _versions(breastcds_v: str, knowledge_v: str, schema_v: str) -> Versions:
    return Versions(
        breastcds_version=breastcds_v, knowledge_version=knowledge_v, case_schema_version=schema_v
    )


def _summary(row: AssessmentRow) -> AssessmentSummary:
    return AssessmentSummary(
        id=row.id,
        created_at=row.created_at.isoformat(),
        source=row.source,
        requester=row.requester,
        breastcds_version=row.breastcds_version,
        knowledge_version=row.knowledge_version,
        case_schema_version=row.case_schema_version,
        input_sha256=row.input_sha256,
        links=Links(**links(row.id)),
    )


def _audit_out(row: Any) -> AuditEventOut:
    return AuditEventOut(
        id=row.id,
        recorded=row.recorded.isoformat(),
        type={"system": row.type_system, "code": row.type_code},
        subtype=row.subtype,
        action=row.action,
        outcome=row.outcome,
        outcome_desc=row.outcome_desc,
        agent={"who": row.agent_who, "role": row.agent_role, "network": row.agent_network},
        entity={"what": row.entity_what, "type": row.entity_type},
        request_id=row.request_id,
    )


CASE_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Case"}}},
    }
}
BUNDLE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            ct: {"schema": {"$ref": "#/components/schemas/FhirBundle"}}
            for ct in ("application/fhir+json", "application/json")
        },
    }
}
AssessmentId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[0-9a-f]+$")]


def build_router() -> APIRouter:
    """Every REST route, added by concern (in this order: the order of the OpenAPI paths)."""
    r = APIRouter()
    for add_routes in (
        _service_routes,
        _submission_routes,
        _stored_assessment_routes,
        _knowledge_routes,
        _audit_routes,
        _token_routes,
    ):
        add_routes(r)
    return r


def _created(aid: str, body: str) -> Response:
    """201 with the stored text of a new assessment and its location."""
    return Response(
        body,
        status_code=201,
        media_type="application/json",
        headers={"Location": links(aid)["self"]},
    )


def _service_routes(r: APIRouter) -> None:
    """Liveness and the database check (no token)."""

    @r.get("/health", response_model=Health, tags=["service"], responses=responses(503))
    def health(request: Request) -> Health:
        """Liveness and database check (no token needed)."""
        store = store_of(request)
        try:
            revision = store.schema_revision()
        except Exception as exc:
            raise HTTPException(503, "the database is not reachable") from exc
        return Health(
            status="ok",
            database="ok",
            schema_revision=revision,
            breastcds_version=__version__,
            knowledge_version=knowledge_version(),
        )


def _submission_routes(r: APIRouter) -> None:
    """Assessing a case or a FHIR Bundle: assessed, stored and audited."""

    @r.post(
        "/assess",
        tags=["assessments"],
        status_code=201,
        response_model=StoredAssessment,
        openapi_extra=CASE_BODY,
        responses=responses(401, 403, 413, 422, 500, 503),
    )
    async def post_assess(request: Request, principal: Assessor) -> Response:
        """Assess a case (JSON, see the ``Case`` schema); the stored result and its id."""
        data, text = await json_body(request)
        if not isinstance(data, dict):
            raise InputError(
                "a case must be a JSON object",
                [FieldError(field="body", message="expected a JSON object")],
            )
        aid, body, _ = await assess_and_store(
            store_of(request),
            case=data,
            input_json=text,
            source="rest",
            principal=principal,
            request_id=request_id(request),
            network=client_host(request),
            is_disconnected=request.is_disconnected,
        )
        return _created(aid, body)

    @r.post(
        "/assess/fhir",
        tags=["assessments"],
        status_code=201,
        response_model=StoredAssessment,
        openapi_extra=BUNDLE_BODY,
        responses=responses(401, 403, 413, 415, 422, 500, 501, 503),
    )
    async def post_assess_fhir(request: Request, principal: Assessor) -> Response:
        """Assess a FHIR R4 Bundle (mCODE profiles) through the breastcds.fhir mapper."""
        if "xml" in request.headers.get("content-type", "").lower():  # FHIR XML: 415
            raise InputError(
                "FHIR XML is not supported; send the Bundle as application/fhir+json",
                [FieldError(field="content-type", message="must be application/fhir+json")],
                status=415,
            )
        bundle, text = await json_body(request)
        case, report = map_bundle(bundle, utcnow().date())
        aid, body, _ = await assess_and_store(
            store_of(request),
            case=case,
            input_json=text,
            source="fhir",
            principal=principal,
            request_id=request_id(request),
            network=client_host(request),
            extra=report,
            is_disconnected=request.is_disconnected,
        )
        return _created(aid, body)


def _stored_assessment_routes(r: APIRouter) -> None:
    """Reading stored assessments back, and replaying them."""

    @r.get(
        "/assessments",
        tags=["assessments"],
        response_model=AssessmentList,
        responses=responses(401, 403, 422),
    )
    def list_assessments(
        request: Request,
        principal: Reader,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    ) -> AssessmentList:
        """Stored assessments, newest first."""
        store = store_of(request)
        rows, total = store.list_assessments(limit, offset)
        audit_request(
            request,
            principal,
            type_code="110112",
            subtype="search:assessments",
            action="E",
            entity_type="Assessment",
            outcome="0",
        )
        return AssessmentList(
            total=total, limit=limit, offset=offset, items=[_summary(x) for x in rows]
        )

    @r.get(
        "/assessments/{assessment_id}",
        tags=["assessments"],
        response_model=StoredAssessment,
        responses=responses(401, 403, 404, 422),
    )
    def get_assessment(
        request: Request,
        principal: Reader,
        assessment_id: AssessmentId,
    ) -> Response:
        """The stored assessment: byte for byte the response ``POST /assess`` gave."""
        store = store_of(request)
        row = store.get_assessment(assessment_id)
        audit_request(
            request,
            principal,
            type_code="110110",
            subtype="read",
            action="R",
            entity_type="Assessment",
            entity_what=f"Assessment/{assessment_id}",
            outcome="0" if row else "4",
            outcome_desc=None if row else "not found",
        )
        if row is None:
            raise HTTPException(404, f"no assessment with id {assessment_id!r}")
        return Response(row.response_json, media_type="application/json")

    @r.post(
        "/assessments/{assessment_id}/replay",
        tags=["assessments"],
        response_model=Replay,
        responses=responses(401, 403, 404, 422),
    )
    def replay(
        request: Request,
        principal: Reader,
        assessment_id: AssessmentId,
    ) -> Replay:
        """Re-run the stored case with the current code and knowledge; say whether it matches.

        Nothing is stored; the replay is audited.
        """
        row = store_of(request).get_assessment(assessment_id)
        if row is None:
            raise HTTPException(404, f"no assessment with id {assessment_id!r}")
        result = replay_stored(row)
        audit_request(
            request,
            principal,
            type_code="110110",
            subtype="replay",
            action="E",
            entity_type="Assessment",
            entity_what=f"Assessment/{assessment_id}",
            outcome="0",
        )
        return result


def _knowledge_routes(r: APIRouter) -> None:
    """Versions and knowledge entries."""

    @r.get(
        "/knowledge/version",
        tags=["knowledge"],
        response_model=Versions,
        responses=responses(401, 403),
    )
    def get_knowledge_version(_: Reader) -> Versions:
        """Versions of the code, the knowledge base and the case schema."""
        return _versions(__version__, knowledge_version(), SCHEMA_VERSION)

    @r.get(
        "/knowledge/rules/{rule_id}",
        tags=["knowledge"],
        response_model=RuleLookup,
        responses=responses(401, 403, 404, 422),
    )
    def get_rule(
        _: Reader,
        rule_id: Annotated[str, Path(min_length=1, max_length=200)],
    ) -> RuleLookup:
        """A knowledge entry by its ``id`` (any reviewed knowledge file), with its file."""
        from breastcds.knowledge.index import lookup

        found = lookup(rule_id)
        if not found:
            raise HTTPException(404, f"no knowledge entry with id {rule_id!r}")
        matches = [
            RuleMatch(file=e.file, kind=e.kind, path=e.path, entry=_jsonable(e.entry))
            for e in found
        ]
        return RuleLookup(id=rule_id, knowledge_version=knowledge_version(), matches=matches)


def _audit_routes(r: APIRouter) -> None:
    """The audit trail (admin)."""

    @r.get("/audit", tags=["admin"], response_model=AuditList, responses=responses(401, 403, 422))
    def get_audit(
        request: Request,
        principal: Admin,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
        offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
    ) -> AuditList:
        """The audit trail (FHIR AuditEvent-like records), newest first."""
        store = store_of(request)
        audit_request(
            request,
            principal,
            type_code="110112",
            subtype="search:audit",
            action="E",
            entity_type="AuditEvent",
            outcome="0",
        )
        rows, total = store.list_audit(limit, offset)
        return AuditList(
            total=total, limit=limit, offset=offset, items=[_audit_out(x) for x in rows]
        )


def _token_routes(r: APIRouter) -> None:
    """Creating and revoking API tokens (admin)."""

    @r.post(
        "/tokens",
        tags=["admin"],
        status_code=201,
        response_model=TokenCreated,
        responses=responses(401, 403, 413, 422),
    )
    def create_token(
        request: Request,
        principal: Admin,
        body: TokenRequest,
    ) -> TokenCreated:
        """Create an API token; its text is in this response only."""
        store = store_of(request)
        expires = (
            utcnow() + dt.timedelta(days=body.expires_in_days) if body.expires_in_days else None
        )
        info, token = store.create_token(body.role, body.label, expires)
        audit_request(
            request,
            principal,
            type_code="110137",
            subtype="token-create",
            action="C",
            entity_type="ApiToken",
            entity_what=f"ApiToken/{info.id}",
            outcome="0",
        )
        return TokenCreated(
            id=info.id,
            role=info.role,
            label=info.label,
            expires_at=expires.isoformat() if expires else None,
            token=token,
        )

    @r.delete(
        "/tokens/{token_id}",
        tags=["admin"],
        status_code=204,
        responses=responses(401, 403, 404, 422),
    )
    def revoke_token(
        request: Request,
        principal: Admin,
        token_id: Annotated[str, Path(min_length=1, max_length=32, pattern=r"^[0-9a-f]+$")],
    ) -> Response:
        """Revoke an API token (it stops working at once)."""
        store = store_of(request)
        done = store.revoke_token(token_id)
        audit_request(
            request,
            principal,
            type_code="110137",
            subtype="token-revoke",
            action="D",
            entity_type="ApiToken",
            entity_what=f"ApiToken/{token_id}",
            outcome="0" if done else "4",
        )
        if not done:
            raise HTTPException(404, f"no active token with id {token_id!r}")
        return Response(status_code=204)


__all__ = [
    "ROLES",
    "ClientGone",
    "InputError",
    "NotAvailable",
    "Overloaded",
    "assess_and_store",
    "build_router",
    "map_bundle",
]
