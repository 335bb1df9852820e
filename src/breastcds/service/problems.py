"""Problem details (RFC 9457) for every error the service returns; no internals leak out."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from breastcds.model.errors import FieldIssue
from breastcds.model.strict import clean_text

PROBLEM_MEDIA_TYPE = "application/problem+json"


class FieldError(BaseModel):
    field: str = Field(description="dotted path of the offending field, e.g. biomarkers.er_percent")
    message: str
    value: Any = None


class Problem(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    detail: str
    request_id: str | None = None
    errors: list[FieldError] = Field(default_factory=list)


def problem(
    request: Request,
    status: int,
    title: str,
    detail: str,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = Problem(
        title=title,
        status=status,
        detail=detail,
        request_id=getattr(request.state, "request_id", None),
        errors=errors or [],
    )
    return JSONResponse(
        clean_text(body.model_dump(mode="json")),  # echoed input may hold unstorable text
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


def from_issues(issues: list[FieldIssue]) -> list[FieldError]:
    return [FieldError(field=i.field, message=i.message, value=_jsonable(i.value)) for i in issues]


def from_request_errors(errors: Any) -> list[FieldError]:
    """FastAPI/pydantic request errors as field errors (``query.limit``, ``body.hook``)."""
    out: list[FieldError] = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ())]
        out.append(
            FieldError(
                field=".".join(loc) or "request",
                message=str(err.get("msg", "invalid")),
                value=_jsonable(err.get("input")),
            )
        )
    return out


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the given error statuses (all problem bodies)."""
    text = {
        400: "Bad request",
        401: "No valid credentials",
        403: "The credentials lack the needed role",
        404: "Not found",
        412: "Data the service needs was not provided",
        413: "The request body is too large",
        415: "Unsupported media type (FHIR XML: send application/fhir+json)",
        429: "Too many requests without valid credentials (see Retry-After)",
        422: "The input is not valid; `errors` names each field",
        500: "Unexpected error (the body names the request id; nothing internal)",
        501: "Not available in this installation",
        503: "Busy or unavailable (see Retry-After when busy)",
    }
    return {
        s: {
            "description": text[s],
            "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for s in statuses
    }
