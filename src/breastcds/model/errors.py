"""Validation errors that name the field, the value and the rule broken."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError


class Inconsistency(ValueError):
    """A contradiction between recorded fields, raised inside model validators.

    ``field`` is relative to the model that raises it ("" = the field being validated, or an
    absolute dotted path when it starts with a top-level section name).
    """

    def __init__(self, field: str, value: Any, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.value = value
        self.message = message


@dataclass(frozen=True)
class FieldIssue:
    field: str
    value: Any
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message} (value: {self.value!r})"


class CaseValidationError(ValueError):
    """The case could not be accepted; ``issues`` names every offending field."""

    def __init__(self, issues: list[FieldIssue]) -> None:
        self.issues = issues
        super().__init__("; ".join(str(i) for i in issues))


_TOP = ("patient", "tumour", "biomarkers", "treatment", "reirradiation")


def from_pydantic(exc: ValidationError) -> CaseValidationError:
    """Translate pydantic's errors into field-named issues with allowed ranges."""
    issues: list[FieldIssue] = []
    for err in exc.errors(include_url=False):
        loc = [str(p) for p in err["loc"]]
        ctx = err.get("ctx") or {}
        cause = ctx.get("error")
        if isinstance(cause, Inconsistency):
            if cause.field.split(".")[0] in _TOP:
                path = cause.field
            else:
                path = ".".join([*loc, cause.field]) if cause.field else ".".join(loc)
            issues.append(FieldIssue(path or "case", cause.value, cause.message))
            continue
        message = err["msg"]
        bounds: dict[str, Any] = {k: ctx[k] for k in ("ge", "gt", "le", "lt") if k in ctx}
        if bounds:
            bounds = field_bounds(err["loc"]) or bounds
            message = f"{message} (allowed range: {_range_text(bounds)})"
        if err["type"] == "extra_forbidden":
            message = "unknown field (not part of the case model)"
        issues.append(FieldIssue(".".join(loc) or "case", err.get("input"), message))
    return CaseValidationError(issues)


def field_bounds(loc: tuple[int | str, ...]) -> dict[str, Any]:
    """The declared numeric bounds of the field at ``loc`` in the case model ({} if none)."""
    from breastcds.model.case import Case  # local import: case.py imports this module

    model: Any = Case
    info = None
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(model, "model_fields", None)
        if not fields or part not in fields:
            return {}
        info = fields[part]
        model = _model_in(info.annotation)
    if info is None:
        return {}
    out: dict[str, Any] = {}
    for meta in info.metadata:
        for key in ("ge", "gt", "le", "lt"):
            if getattr(meta, key, None) is not None:
                out[key] = getattr(meta, key)
    return out


def _model_in(annotation: Any) -> Any:
    from typing import get_args

    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _range_text(bounds: dict[str, Any]) -> str:
    low = (
        f">= {bounds['ge']}" if "ge" in bounds else (f"> {bounds['gt']}" if "gt" in bounds else "")
    )
    high = (
        f"<= {bounds['le']}" if "le" in bounds else (f"< {bounds['lt']}" if "lt" in bounds else "")
    )
    return " and ".join(p for p in (low, high) if p)
