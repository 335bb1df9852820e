"""CDS Hooks 2.0 adapter: discovery and the ``patient-view`` service.

The EHR calls ``POST /cds-services/breastcds-patient-view`` with a signed JWT (see
:mod:`breastcds.service.auth`) and the prefetched Patient, Conditions and Observations. The
service maps them to a case with ``breastcds.fhir.bundle_to_case``, calls ``breastcds.assess``,
stores the result like any other assessment and answers with cards that link to its web page.
The cards only present what the assessment says; indicators follow it: ``warning`` when the
assessment carries warnings or missing-data prompts, otherwise ``info`` (the adapter itself
never raises an indicator to ``critical``; it has no clinical logic to decide that).
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import re
import secrets
import time
import uuid
from typing import Annotated, Any, Literal

import httpx
from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from breastcds import __version__
from breastcds.knowledge import knowledge_version
from breastcds.model.assessment import AssessmentOf, AssessmentRecord
from breastcds.model.errors import CaseValidationError
from breastcds.service.api import (
    InputError,
    assess_and_store,
    audit_request,
    client_host,
    map_bundle,
    request_id,
    store_of,
)
from breastcds.service.auth import CdsAuthError, CdsJwtVerifier, Principal
from breastcds.service.fhirfetch import AllowedServer, FetchError, FetchPool, FhirReader, Limits
from breastcds.service.problems import FieldError, from_issues, responses
from breastcds.service.storage import AuditEvent, utcnow

SERVICE_ID = "breastcds-patient-view"


def _observation_codes() -> tuple[str, str]:
    """``system|code`` search tokens of every Observation code the FHIR mapper reads: results
    (laboratory, survey, exam, imaging) and staging (TNM categories, stage groups)."""
    from breastcds.fhir import codes as C

    results = [
        *C.ER_PERCENT, *C.PR_PERCENT, *C.KI67_PERCENT, *C.ER_QUALITATIVE, *C.PR_QUALITATIVE,
        *C.HER2_IHC, *C.HER2_NOT_SCORE, C.HER2_ISH_RATIO, C.ONCOTYPE_DX, C.TUMOR_SIZE, C.GRADE,
        C.NODES_EXAMINED, C.NODES_POSITIVE, C.NODES_MICROMETASTASES, C.NODES_MACROMETASTASES,
        C.ECOG, C.GENETIC_VARIANT_ASSESSMENT,
    ]  # fmt: skip
    staging = [*C.TNM_CATEGORY_CODES, *C.STAGE_GROUP_SETTING]
    return (
        ",".join(f"{c.system}|{c.code}" for c in results),
        ",".join(f"{system}|{code}" for system, code in staging),
    )


OBSERVATION_CATEGORIES = "laboratory,survey,exam,imaging"
_RESULT_CODES, _STAGING_CODES = _observation_codes()
PREFETCH = {
    "patient": "Patient/{{context.patientId}}",
    "conditions": "Condition?patient={{context.patientId}}",
    "observations": "Observation?patient={{context.patientId}}"
    f"&category={OBSERVATION_CATEGORIES}&code={_RESULT_CODES}",
    "staging": f"Observation?patient={{{{context.patientId}}}}&code={_STAGING_CODES}",
}
# CDS Hooks 2.0: the reasons a clinician may give for overriding a card (sent back as feedback).
OVERRIDE_SYSTEM = "urn:breastcds:codesystem:cds-override-reason"
OVERRIDE_REASONS = {
    "record-incomplete": "The record in the EHR is incomplete or out of date",
    "not-applicable": "Not applicable to this patient",
    "clinical-judgement": "Overridden by clinical judgement (tumour board)",
    "patient-declined": "Patient declined",
}
SUMMARY_MAX = 140
FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")

cds_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="cdsClientJwt",
    bearerFormat="JWT",
    description="JWT signed by the CDS client (CDS Hooks 2.0 security model)",
)

# --- request and response models (CDS Hooks 2.0) -------------------------------------------


class PatientViewContext(BaseModel):
    model_config = ConfigDict(extra="allow")
    userId: str = Field(min_length=1, max_length=200)
    patientId: str = Field(min_length=1, max_length=64)
    encounterId: str | None = None


class CdsRequest(BaseModel):
    model_config = ConfigDict(extra="allow")
    hook: str
    hookInstance: str = Field(min_length=1, max_length=200)
    fhirServer: str | None = None
    fhirAuthorization: dict[str, Any] | None = None
    context: PatientViewContext
    prefetch: dict[str, Any] | None = None


class CdsSource(BaseModel):
    label: str
    url: str | None = None


class CdsLink(BaseModel):
    label: str
    url: str
    type: Literal["absolute", "smart"]


class CdsAction(BaseModel):
    type: Literal["create", "update", "delete"]
    description: str
    resource: dict[str, Any] | None = None


class CdsSuggestion(BaseModel):
    label: str
    uuid: str | None = None
    isRecommended: bool | None = None
    actions: list[CdsAction] | None = None


class CdsCoding(BaseModel):
    system: str | None = None
    code: str = Field(min_length=1, max_length=200)
    display: str | None = Field(None, max_length=500)


class CdsCard(BaseModel):
    uuid: str
    summary: str = Field(max_length=SUMMARY_MAX)
    detail: str | None = None
    indicator: Literal["info", "warning", "critical"]
    source: CdsSource
    suggestions: list[CdsSuggestion] | None = None
    selectionBehavior: Literal["at-most-one", "any"] | None = None
    links: list[CdsLink] | None = None
    overrideReasons: list[CdsCoding] | None = None


class CdsResponse(BaseModel):
    cards: list[CdsCard]


class CdsServiceDescription(BaseModel):
    hook: str
    title: str
    description: str
    id: str
    prefetch: dict[str, str]
    usageRequirements: str | None = None


class CdsDiscovery(BaseModel):
    services: list[CdsServiceDescription]


class CdsOverrideReason(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: CdsCoding | None = None
    userComment: str | None = Field(None, max_length=2000)


class CdsFeedbackItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    card: str = Field(min_length=1, max_length=200)
    outcome: Literal["accepted", "overridden"]
    acceptedSuggestions: list[dict[str, str]] | None = Field(None, max_length=50)
    overrideReason: CdsOverrideReason | None = None
    outcomeTimestamp: str = Field(min_length=1, max_length=64)


class CdsFeedback(BaseModel):
    model_config = ConfigDict(extra="forbid")
    feedback: list[CdsFeedbackItem] = Field(min_length=1, max_length=100)


# --- cards ----------------------------------------------------------------------------------

_SUBTYPE_TEXT = {
    "luminal_a": "luminal A-like",
    "luminal_b_her2_negative": "luminal B-like (HER2-negative)",
    "luminal_b_her2_positive": "luminal B-like (HER2-positive)",
    "her2_enriched": "HER2-enriched (non-luminal)",
    "triple_negative": "triple-negative",
    "flag_er_low": "ER-low (for discussion)",
    "unclassified": "subtype unclassified",
    "pending": "subtype pending",
}


def _short(text: str) -> str:
    return text if len(text) <= SUMMARY_MAX else text[: SUMMARY_MAX - 1].rstrip() + "…"


def _source() -> CdsSource:
    return CdsSource(label=f"breastcds {__version__} (knowledge {knowledge_version()})")


def summary_text(a: AssessmentOf[Any]) -> str:
    """One line from the assessment's machine codes (presentation only)."""
    codes = a.codes
    parts = [str(codes.get("her2.category") or "HER2 pending")]
    subtype = codes.get("subtype")
    parts.append(_SUBTYPE_TEXT.get(str(subtype), str(subtype)) if subtype else "subtype pending")
    if codes.get("stage.anatomic"):
        parts.append(f"stage {codes['stage.anatomic']} (pathological)")
    elif codes.get("stage.clinical_anatomic"):
        parts.append(f"stage {codes['stage.clinical_anatomic']} (clinical)")
    else:
        parts.append("stage not assignable")
    return _short("Breast cancer: " + ", ".join(parts))


def _override_reasons() -> list[CdsCoding]:
    return [
        CdsCoding(system=OVERRIDE_SYSTEM, code=k, display=v) for k, v in OVERRIDE_REASONS.items()
    ]


def cards_for(
    a: AssessmentOf[Any],
    aid: str,
    link_url: str,
    *,
    set_aside: list[dict[str, Any]] | None = None,
    unread: list[str] | None = None,
) -> list[CdsCard]:
    """The assessment card, a missing-input card and a card listing what the record held that
    did not reach the assessment (set aside by the FHIR mapper, or not read)."""
    page = CdsLink(label="Open the full assessment for this patient", url=link_url, type="absolute")
    codes = "\n".join(f"- `{k}`: {v}" for k, v in a.codes.items() if v is not None)
    detail = [codes]
    if a.warnings:
        detail.append("**Warnings**\n" + "\n".join(f"- {w.field}: {w.message}" for w in a.warnings))
    if names := sorted(a.sections_json()):
        detail.append("Sections: " + ", ".join(names))
    detail.append(f"Stored assessment `{aid}`; knowledge {a.provenance.knowledge_version}.")
    cards = [
        CdsCard(
            uuid=str(uuid.uuid4()),
            summary=summary_text(a),
            detail="\n\n".join(detail),
            indicator="warning" if a.warnings else "info",
            source=_source(),
            links=[page],
            overrideReasons=_override_reasons(),
        )
    ]
    if a.missing:
        cards.append(
            CdsCard(
                uuid=str(uuid.uuid4()),
                summary=_short(f"{len(a.missing)} missing input(s) would change this assessment"),
                detail="\n".join(f"- `{m.field}`: {m.reason}" for m in a.missing),
                indicator="warning",
                source=_source(),
                suggestions=[
                    CdsSuggestion(
                        label=_short(f"Record {m.field}"),
                        uuid=str(uuid.uuid4()),
                        isRecommended=False,
                    )
                    for m in a.missing
                ],
                selectionBehavior="any",
                links=[page],
                overrideReasons=_override_reasons(),
            )
        )
    aside = set_aside or []
    if aside or unread:
        lines = [f"- NOT READ: {u}" for u in unread or []]
        lines += [
            f"- {u.get('resource_type')}/{u.get('resource_id') or '?'}: {u.get('reason')}"
            for u in aside
        ]
        cards.append(
            CdsCard(
                uuid=str(uuid.uuid4()),
                summary=_short(
                    f"{len(aside)} item(s) of the record were set aside"
                    + (" and part of the record was not read" if unread else "")
                ),
                detail="These parts of the EHR record did not reach the assessment:\n"
                + "\n".join(lines),
                indicator="warning" if unread else "info",
                source=_source(),
                links=[page],
            )
        )
    return cards


def not_assessed_card(reason: str, fields: list[FieldError]) -> CdsCard:
    lines = "\n".join(f"- `{f.field}`: {f.message}" for f in fields)
    return CdsCard(
        uuid=str(uuid.uuid4()),
        summary=_short(f"breastcds could not assess this patient: {reason}"),
        detail=(lines or reason) + "\n\nNo assessment was made; correct the record and reopen.",
        indicator="warning",
        source=_source(),
    )


# --- prefetch ------------------------------------------------------------------------------


class PrefetchError(Exception):
    """The patient's record could not be obtained (412; the text is safe to show)."""


def _resources(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, dict):
        return []
    if value.get("resourceType") == "Bundle":
        entries = value.get("entry")
        return [
            e["resource"]
            for e in (entries if isinstance(entries, list) else [])
            if isinstance(e, dict)
            and isinstance(e.get("resource"), dict)
            and (e.get("search") or {}).get("mode") != "outcome"
        ]
    return [value]


def _usable(key: str, value: Any) -> bool:
    """A prefetch value the service can use: a Patient, or a Bundle (searches); an absent value
    or an OperationOutcome (the client could not prefetch it) means: fetch it."""
    if not isinstance(value, dict):
        return False
    if key == "patient":
        return value.get("resourceType") == "Patient"
    return value.get("resourceType") == "Bundle"


async def _fetch(
    req: CdsRequest, keys: list[str], settings: Any, pool: FetchPool
) -> tuple[dict[str, Any], list[str]]:
    """Read what the client did not prefetch from its FHIR server (allow-listed, one deadline,
    one size cap); returns the values and what was left unread."""
    if not req.fhirServer:
        raise PrefetchError("prefetch is incomplete and no fhirServer was given")
    allowed = tuple(AllowedServer.parse(s) for s in settings.fhir_servers)
    if not allowed:
        raise PrefetchError(
            "prefetch is incomplete and this service is not configured to read FHIR servers"
        )
    limits = Limits(
        deadline_s=settings.fhir_fetch_deadline_s,
        max_bytes=settings.fhir_fetch_max_bytes,
        max_pages=settings.fhir_fetch_max_pages,
    )
    token = (req.fhirAuthorization or {}).get("access_token")
    pid = req.context.patientId
    unread: list[str] = []

    async def work(client: httpx.AsyncClient) -> dict[str, Any]:
        reader = FhirReader(
            req.fhirServer or "",
            allowed=allowed,
            token=token if isinstance(token, str) else None,
            limits=limits,
            client=client,
        )
        out: dict[str, Any] = {}
        for key in keys:
            query = PREFETCH[key].replace("{{context.patientId}}", pid)
            if key == "patient":
                out[key] = await reader.read(query, "Patient")
                continue
            found = await reader.search(query)
            out[key] = {
                "resourceType": "Bundle",
                "type": "searchset",
                "entry": [{"resource": r} for r in found.resources],
            }
            if found.unread:
                unread.append(
                    f"{key}: only the first {found.pages_read} pages were read "
                    f"(limit {limits.max_pages}); the rest of the search was not read"
                )
        return out

    try:
        values: dict[str, Any] = await pool.run(limits, work)
    except FetchError as exc:
        raise PrefetchError(str(exc)) from None
    return values, unread


async def resources_from(
    req: CdsRequest, settings: Any, pool: FetchPool
) -> tuple[list[dict[str, Any]], list[str]]:
    """The patient's resources (Patient first) from prefetch, fetching what is missing."""
    prefetch = dict(req.prefetch or {})
    missing = [k for k in PREFETCH if not _usable(k, prefetch.get(k))]
    unread: list[str] = []
    if missing:
        fetched, unread = await _fetch(req, missing, settings, pool)
        prefetch.update(fetched)
    patient = prefetch.get("patient")
    if not isinstance(patient, dict) or patient.get("resourceType") != "Patient":
        raise PrefetchError("prefetch 'patient' is not a Patient resource")
    if patient.get("id") not in (None, req.context.patientId):
        raise PrefetchError("prefetch 'patient' is not the patient in context")
    out = [patient]
    for key in PREFETCH:
        if key != "patient":
            out.extend(_resources(prefetch.get(key)))
    return out, unread


def _without_userinfo(url: str) -> str:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        return "(not a URL)"
    return str(parsed.copy_with(userinfo=b"")) if parsed.userinfo else url


def patient_banner(patient: dict[str, Any]) -> dict[str, Any]:
    """Name, id, birth date and gender of the Patient, for the card's page (display only)."""
    names: list[Any] = patient["name"] if isinstance(patient.get("name"), list) else []
    text = ""
    for n in names:
        if isinstance(n, dict):
            given: list[Any] = n["given"] if isinstance(n.get("given"), list) else []
            text = str(n.get("text") or " ".join([*map(str, given), str(n.get("family") or "")]))
            text = text.strip()
            if text:
                break
    return {
        "id": str(patient.get("id") or ""),
        "name": text or None,
        "birthDate": patient.get("birthDate")
        if isinstance(patient.get("birthDate"), str)
        else None,
        "gender": patient.get("gender") if isinstance(patient.get("gender"), str) else None,
    }


# --- short-lived signed links to the assessment page ----------------------------------------


def _link_key(request: Request) -> bytes:
    state = request.app.state
    key = getattr(state, "cds_link_key", None)
    if key is None:
        secret = request.app.state.settings.link_secret
        key = secret.encode() if secret else secrets.token_bytes(32)
        state.cds_link_key = key
    return bytes(key)


def _signature(key: bytes, aid: str, exp: int) -> str:
    return hmac.new(key, f"{aid}.{exp}".encode(), hashlib.sha256).hexdigest()


def signed_link(request: Request, base: str, aid: str) -> str:
    exp = int(time.time()) + int(request.app.state.settings.link_ttl_s)
    sig = _signature(_link_key(request), aid, exp)
    return f"{base}/cds-services/{SERVICE_ID}/assessments/{aid}?exp={exp}&sig={sig}"


def _link_valid(request: Request, aid: str, exp: int, sig: str) -> bool:
    if exp < time.time():
        return False
    return hmac.compare_digest(_signature(_link_key(request), aid, exp), sig)


def cds_client(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None = Depends(cds_bearer),  # noqa: B008
) -> Principal:
    base = request.app.state.settings.audience_base_url  # configured, never the Host header
    audiences = [f"{base}/cds-services/{SERVICE_ID}", f"{base}/cds-services"]
    try:
        if credentials is None:
            raise CdsAuthError("a JWT from the CDS client is required")
        verifier: CdsJwtVerifier = request.app.state.cds_verifier
        claims = verifier.verify(credentials.credentials, audiences)
    except CdsAuthError as exc:
        store_of(request).audit(
            AuditEvent(
                type_code="110113",
                subtype="cds-authentication",
                action="E",
                outcome="4",
                outcome_desc=str(exc),
                agent_who="cds:unverified",
                agent_network=client_host(request),
                entity_what=f"POST /cds-services/{SERVICE_ID}",
                entity_type="endpoint",
                request_id=request_id(request),
            )
        )
        raise HTTPException(401, str(exc), headers={"WWW-Authenticate": "Bearer"}) from None
    principal = Principal(who=f"cds:{claims['iss']}"[:200], role="cds-client")
    request.state.principal = principal
    return principal


CdsClientPrincipal = Annotated[Principal, Depends(cds_client)]


# --- routes ---------------------------------------------------------------------------------


def build_router() -> APIRouter:
    r = APIRouter(tags=["cds-hooks"])

    @r.get("/cds-services", response_model=CdsDiscovery, response_model_exclude_none=True)
    def discovery() -> CdsDiscovery:
        """CDS Hooks discovery (no credentials needed)."""
        return CdsDiscovery(
            services=[
                CdsServiceDescription(
                    hook="patient-view",
                    title="breastcds breast cancer assessment",
                    description="Biomarker classification, surrogate subtype, AJCC 8 stage and "
                    "the capability sections of breastcds for the patient in view, with "
                    "missing-data prompts; every answer is stored with its versions.",
                    id=SERVICE_ID,
                    prefetch=PREFETCH,
                    usageRequirements="Signed JWT from a CDS client on the service's allow-list.",
                )
            ]
        )

    pool_holder: dict[str, FetchPool] = {}

    def pool_of(request: Request) -> FetchPool:
        if "pool" not in pool_holder:
            pool_holder["pool"] = FetchPool(request.app.state.settings.fhir_fetch_concurrency)
        return pool_holder["pool"]

    @r.post(
        f"/cds-services/{SERVICE_ID}",
        response_model=CdsResponse,
        response_model_exclude_none=True,
        responses=responses(401, 412, 413, 422, 500, 501),
    )
    async def patient_view(
        request: Request,
        principal: CdsClientPrincipal,
        body: CdsRequest,
    ) -> CdsResponse:
        """The patient-view hook: cards for a patient with a breast cancer condition; an empty
        card list (and nothing stored) for any other patient."""
        if body.hook != "patient-view":
            raise InputError(
                "this service answers the patient-view hook",
                [FieldError(field="hook", message="must be 'patient-view'", value=body.hook)],
            )
        if not FHIR_ID.match(body.context.patientId):
            raise InputError(
                "context.patientId is not a FHIR id",
                [FieldError(field="context.patientId", message="not a FHIR id")],
            )
        settings = request.app.state.settings
        base = settings.public_base_url or str(request.base_url).rstrip("/")
        try:
            resources, unread = await resources_from(body, settings, pool_of(request))
        except PrefetchError as exc:
            raise HTTPException(412, str(exc)) from None
        from breastcds.fhir.mapper import has_breast_cancer

        if not has_breast_cancer(resources):
            return CdsResponse(cards=[])
        bundle = {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [{"resource": r} for r in resources],
        }
        stored_input = body.model_dump(mode="json", exclude={"fhirAuthorization"})
        if body.fhirServer:  # never store credentials a client put in the URL
            stored_input["fhirServer"] = _without_userinfo(body.fhirServer)
        input_json = json.dumps(stored_input, ensure_ascii=False, sort_keys=True)
        try:
            case, report = map_bundle(bundle, utcnow().date())
            report["patient"] = patient_banner(resources[0])
            report["fhir_not_read"] = unread
            aid, _, result = await assess_and_store(
                store_of(request),
                case=case,
                input_json=input_json,
                source="cds-hooks",
                principal=principal,
                request_id=request_id(request),
                network=client_host(request),
                extra=report,
            )
        except CaseValidationError as exc:
            return CdsResponse(
                cards=[not_assessed_card("the record is not a valid case", from_issues(exc.issues))]
            )
        except InputError as exc:
            return CdsResponse(cards=[not_assessed_card(exc.detail, exc.errors)])
        return CdsResponse(
            cards=cards_for(
                result,
                aid,
                signed_link(request, base, aid),
                set_aside=report["fhir_unmapped"],
                unread=unread,
            )
        )

    @r.post(f"/cds-services/{SERVICE_ID}/feedback", responses=responses(401, 413, 422))
    def feedback(
        request: Request, principal: CdsClientPrincipal, body: CdsFeedback
    ) -> dict[str, Any]:
        """CDS Hooks 2.0 feedback: what the clinician did with each card (audited)."""
        for item in body.feedback:
            reason = item.overrideReason.reason if item.overrideReason else None
            if reason is not None and (
                reason.system != OVERRIDE_SYSTEM or reason.code not in OVERRIDE_REASONS
            ):
                raise InputError(
                    "overrideReason is not one of the reasons the card offered",
                    [
                        FieldError(
                            field="feedback.overrideReason.reason",
                            message=f"must be a code of {OVERRIDE_SYSTEM}: "
                            + ", ".join(OVERRIDE_REASONS),
                        )
                    ],
                )
        for item in body.feedback:
            reason = item.overrideReason.reason if item.overrideReason else None
            audit_request(
                request,
                principal,
                type_code="110112",
                subtype="cds-feedback",
                action="E",
                outcome_desc=f"{item.outcome}"
                + (f" ({reason.code})" if reason is not None else ""),
                entity_what=f"card {item.card}"[:200],
                entity_type="CdsCard",
            )
        return {}

    @r.get(
        f"/cds-services/{SERVICE_ID}/assessments/{{assessment_id}}",
        response_class=HTMLResponse,
        include_in_schema=False,
    )
    def linked_page(
        request: Request,
        assessment_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{1,64}$")],
        exp: Annotated[int, Query(ge=0)],
        sig: Annotated[str, Query(pattern=r"^[0-9a-f]{64}$")],
    ) -> HTMLResponse:
        """The assessment a card links to, with the patient; opened by the short-lived signed
        link of the card (no API token needed)."""
        if not _link_valid(request, assessment_id, exp, sig):
            raise HTTPException(403, "this link is not valid or has expired; reopen the chart")
        row = store_of(request).get_assessment(assessment_id)
        if row is None:
            raise HTTPException(404, "no such assessment")
        store_of(request).audit(
            AuditEvent(
                type_code="110110",
                subtype="read:cds-link",
                action="R",
                outcome="0",
                agent_who="cds-link",
                agent_network=client_host(request),
                entity_what=f"Assessment/{assessment_id}",
                entity_type="Assessment",
                request_id=request_id(request),
            )
        )
        return HTMLResponse(
            linked_page_html(json.loads(row.response_json), assessment_id),
            headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
        )

    return r


def linked_page_html(envelope: dict[str, Any], aid: str) -> str:
    """A self-contained page: patient banner, the assessment, and what was set aside."""
    e = html.escape
    p = envelope.get("patient") or {}
    who = " · ".join(
        x
        for x in (
            e(str(p.get("name") or "name not given")),
            f"id {e(str(p.get('id') or '?'))}",
            f"born {e(str(p['birthDate']))}" if p.get("birthDate") else "",
            e(str(p.get("gender") or "")),
        )
        if x
    )
    try:
        from breastcds.report.html import build_context, render_assessment_fragment

        body = str(
            render_assessment_fragment(
                build_context(AssessmentRecord.model_validate(envelope["assessment"]), lang="en")
            )
        )
    except Exception:  # the report renderer is optional; fall back to the machine codes
        codes = (envelope.get("assessment") or {}).get("codes") or {}
        body = (
            "<table>"
            + "".join(
                f"<tr><th>{e(str(k))}</th><td>{e(str(v))}</td></tr>" for k, v in codes.items()
            )
            + "</table>"
        )
    aside = envelope.get("fhir_unmapped") or []
    not_read = envelope.get("fhir_not_read") or []
    items = [f"<li><b>not read</b>: {e(str(u))}</li>" for u in not_read] + [
        f"<li>{e(str(u.get('resource_type')))}/{e(str(u.get('resource_id') or '?'))}: "
        f"{e(str(u.get('reason')))}</li>"
        for u in aside
        if isinstance(u, dict)
    ]
    aside_html = (
        f"<section id='set-aside'><h2>Set aside from the EHR record ({len(items)})</h2>"
        f"<ul>{''.join(items)}</ul></section>"
        if items
        else "<section id='set-aside'><h2>Set aside from the EHR record</h2>"
        "<p>nothing</p></section>"
    )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>breastcds assessment {e(aid)}</title></head><body>"
        f"<header id='patient'><h1>Patient: {who}</h1>"
        f"<p>Assessment {e(aid)} · decision support only</p></header>"
        f"<main>{body}{aside_html}</main></body></html>"
    )


# --- CORS (CDS Hooks 2.0: browser-based CDS clients) -------------------------------------------

CORS_HEADERS = {
    "access-control-allow-methods": "GET, POST, OPTIONS",
    "access-control-allow-headers": "Authorization, Content-Type",
    "access-control-expose-headers": "Origin, Accept, Content-Location, Location, X-Requested-With",
    "access-control-max-age": "600",
}


class CdsCors:
    """CORS for ``/cds-services`` only, as the CDS Hooks specification asks: preflight answered
    with the allowed methods and headers, and every answer (errors too) carries
    ``Access-Control-Allow-Origin`` for the calling origin. The client authenticates with a
    JWT in the Authorization header, never with cookies, so echoing the origin grants nothing
    a token does not."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith("/cds-services"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        origin = headers.get("origin")
        if origin is None:
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            out = [(k.encode(), v.encode()) for k, v in CORS_HEADERS.items()]
            out += [
                (b"access-control-allow-origin", origin.encode("latin-1")),
                (b"access-control-allow-credentials", b"true"),
                (b"vary", b"Origin"),
                (b"content-length", b"0"),
            ]
            await send({"type": "http.response.start", "status": 204, "headers": out})
            await send({"type": "http.response.body", "body": b""})
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                h = MutableHeaders(scope=message)
                h["access-control-allow-origin"] = origin
                h["access-control-allow-credentials"] = "true"
                h["access-control-expose-headers"] = CORS_HEADERS["access-control-expose-headers"]
                h.append("vary", "Origin")
            await send(message)

        await self.app(scope, receive, send_with_cors)
