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

import json
import re
import uuid
from typing import Annotated, Any, Literal

import httpx
from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from breastcds import __version__
from breastcds.knowledge import knowledge_version
from breastcds.model.assessment import Assessment
from breastcds.model.errors import CaseValidationError
from breastcds.service.api import (
    InputError,
    assess_and_store,
    client_host,
    map_bundle,
    request_id,
    store_of,
)
from breastcds.service.auth import CdsAuthError, CdsJwtVerifier, Principal
from breastcds.service.problems import FieldError, from_issues, responses
from breastcds.service.storage import AuditEvent, utcnow

SERVICE_ID = "breastcds-patient-view"
PREFETCH = {
    "patient": "Patient/{{context.patientId}}",
    "conditions": "Condition?patient={{context.patientId}}",
    "observations": "Observation?patient={{context.patientId}}",
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


class CdsCard(BaseModel):
    uuid: str
    summary: str = Field(max_length=SUMMARY_MAX)
    detail: str | None = None
    indicator: Literal["info", "warning", "critical"]
    source: CdsSource
    suggestions: list[CdsSuggestion] | None = None
    selectionBehavior: Literal["at-most-one", "any"] | None = None
    links: list[CdsLink] | None = None


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


def summary_text(a: Assessment) -> str:
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


def cards_for(a: Assessment, aid: str, base_url: str) -> list[CdsCard]:
    page = CdsLink(
        label="Open the full assessment", url=f"{base_url}/ui/assessments/{aid}", type="absolute"
    )
    codes = "\n".join(f"- `{k}`: {v}" for k, v in a.codes.items() if v is not None)
    detail = [codes]
    if a.warnings:
        detail.append("**Warnings**\n" + "\n".join(f"- {w.field}: {w.message}" for w in a.warnings))
    if a.sections:
        detail.append("Sections: " + ", ".join(sorted(a.sections)))
    detail.append(f"Stored assessment `{aid}`; knowledge {a.provenance.knowledge_version}.")
    cards = [
        CdsCard(
            uuid=str(uuid.uuid4()),
            summary=summary_text(a),
            detail="\n\n".join(detail),
            indicator="warning" if a.warnings else "info",
            source=_source(),
            links=[page],
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
    pass


def _resources(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, dict):
        return []
    if value.get("resourceType") == "Bundle":
        return [
            e["resource"]
            for e in value.get("entry") or []
            if isinstance(e, dict) and isinstance(e.get("resource"), dict)
        ]
    return [value]


def _fetch(req: CdsRequest) -> dict[str, Any]:
    """Fetch what the client did not prefetch from its FHIR server (bounded: 10 pages each)."""
    if not req.fhirServer:
        raise PrefetchError("prefetch is incomplete and no fhirServer was given")
    if not req.fhirServer.startswith(("https://", "http://127.0.0.1", "http://localhost")):
        raise PrefetchError("fhirServer must be an https URL")
    headers = {"Accept": "application/fhir+json"}
    token = (req.fhirAuthorization or {}).get("access_token")
    if isinstance(token, str):
        headers["Authorization"] = f"Bearer {token}"
    pid = req.context.patientId
    out: dict[str, Any] = {}
    base = req.fhirServer.rstrip("/")
    with httpx.Client(timeout=10.0, headers=headers) as client:
        for key, template in PREFETCH.items():
            if (req.prefetch or {}).get(key) is not None:
                continue
            url: str | None = f"{base}/{template.replace('{{context.patientId}}', pid)}"
            pages: list[dict[str, Any]] = []
            for _ in range(10):
                if url is None:
                    break
                resp = client.get(url)
                if resp.status_code != 200:
                    raise PrefetchError(f"the FHIR server answered {resp.status_code} for {key}")
                page = resp.json()
                pages.append(page)
                url = next(
                    (
                        ln.get("url")
                        for ln in page.get("link") or []
                        if ln.get("relation") == "next"
                    ),
                    None,
                )
            out[key] = (
                pages[0]
                if key == "patient"
                else {
                    "resourceType": "Bundle",
                    "type": "searchset",
                    "entry": [{"resource": r} for p in pages for r in _resources(p)],
                }
            )
    return out


def bundle_from(req: CdsRequest) -> dict[str, Any]:
    prefetch = dict(req.prefetch or {})
    if any(prefetch.get(k) is None for k in PREFETCH):
        prefetch.update(_fetch(req))
    patient = prefetch.get("patient")
    if not isinstance(patient, dict) or patient.get("resourceType") != "Patient":
        raise PrefetchError("prefetch 'patient' is not a Patient resource")
    entries = [patient]
    for key in ("conditions", "observations"):
        entries.extend(_resources(prefetch.get(key)))
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": r} for r in entries],
    }


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

    @r.post(
        f"/cds-services/{SERVICE_ID}",
        response_model=CdsResponse,
        response_model_exclude_none=True,
        responses=responses(401, 412, 422, 500, 501),
    )
    async def patient_view(
        request: Request,
        principal: CdsClientPrincipal,
        body: CdsRequest,
    ) -> CdsResponse:
        """The patient-view hook: cards from the stored assessment of the patient in view."""
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
        base = request.app.state.settings.public_base_url or str(request.base_url).rstrip("/")
        try:
            bundle = await run_in_threadpool(bundle_from, body)
        except PrefetchError as exc:
            raise HTTPException(412, str(exc)) from None
        except (httpx.HTTPError, ValueError):
            raise HTTPException(412, "the FHIR server could not be read") from None
        stored_input = body.model_dump(mode="json", exclude={"fhirAuthorization"})
        input_json = json.dumps(stored_input, ensure_ascii=False, sort_keys=True)
        try:
            case, report = map_bundle(bundle, utcnow().date())
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
        return CdsResponse(cards=cards_for(result, aid, base))

    return r
