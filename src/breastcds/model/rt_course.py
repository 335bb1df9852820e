"""One radiotherapy course: the model the case's course of care and the re-irradiation plan share.

:class:`RadiotherapyCourse` is a course as the course of care records it
(``treatment.radiotherapy_courses``: dates, coded region and laterality, total dose,
fractions, intent, technique, months since its end). :class:`ReirradiationCourse`
(``reirradiation.courses``, in :mod:`breastcds.model.reirradiation`) extends it with what the
re-irradiation dose assessment reads: prior or planned, organ doses, DICOM files, toxicity.
``None`` means not recorded. Doses in Gy.

Older documents stay readable, each old field read into its one new place and nothing lost:
``prescription_dose_gy`` (the re-irradiation plan's name for the course's total dose) is read
as ``total_dose_gy``; a re-irradiation course's free-text ``region`` that is not a region code
(e.g. "left chest wall") is read as ``region_text``. Giving both the old and the new field is
refused, and an error in an old field names the field as written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Literal, TypeVar

from pydantic import (
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    ValidationError,
    model_validator,
)
from pydantic_core import InitErrorDetails

from breastcds.model.codes import Laterality, RadiotherapyRegion
from breastcds.model.errors import Inconsistency
from breastcds.model.strict import StrictInput

__all__ = ["RadiotherapyCourse", "read_old_names", "region_renames"]

_REGION_CODES = frozenset(r.value for r in RadiotherapyRegion)
_M = TypeVar("_M")


class RadiotherapyCourse(StrictInput):
    """One radiotherapy course of the patient's course of care (prior RT)."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, use_enum_values=False, allow_inf_nan=False
    )

    start_date: dt.date | None = None
    end_date: dt.date | None = None
    region: RadiotherapyRegion | None = Field(None, description="treated region, coded")
    region_text: str | None = Field(
        None,
        description="treated region as written (e.g. 'left chest wall and supraclavicular "
        "fossa'), beside or instead of the coded region",
    )
    laterality: Laterality | None = None
    total_dose_gy: float | None = Field(
        None,
        gt=0,
        le=200,
        description="prescribed total dose of the course, Gy (older re-irradiation plans: "
        "prescription_dose_gy)",
    )
    fractions: int | None = Field(None, ge=1, le=100, description="number of fractions")
    intent: Literal["curative", "palliative"] | None = None
    technique: str | None = None
    months_ago: float | None = Field(
        None, ge=0, le=1200, description="months since the end of this course"
    )

    @model_validator(mode="wrap")
    @classmethod
    def _old_names(
        cls, data: Any, handler: ModelWrapValidatorHandler[RadiotherapyCourse]
    ) -> RadiotherapyCourse:
        """Reads ``prescription_dose_gy`` as ``total_dose_gy`` (module docstring)."""
        return read_old_names(data, handler, {"prescription_dose_gy": "total_dose_gy"})

    def region_described(self) -> str | None:
        """The coded region, the region as written, or both: ``chest_wall (left chest wall)``;
        None when neither is recorded."""
        code = self.region.value if self.region is not None else None
        if code and self.region_text:
            return f"{code} ({self.region_text})"
        return code or self.region_text

    @model_validator(mode="after")
    def _dates(self) -> RadiotherapyCourse:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise Inconsistency(
                "end_date",
                self.end_date.isoformat(),
                "end_date is before start_date (allowed: end_date >= start_date)",
            )
        return self


def read_old_names(
    data: Any, handler: ModelWrapValidatorHandler[_M], renames: Mapping[str, str]
) -> _M:
    """Validate ``data`` with each old field name of ``renames`` read as its new name.

    Both names given -> an :class:`Inconsistency` naming the old one. A validation error of a
    renamed field names the field as written (the old name), so the error stays precise.
    """
    if not isinstance(data, dict) or not renames.keys() & data.keys():
        return handler(data)
    data = dict(data)
    written: dict[str, str] = {}  # new name -> old name, for the fields renamed here
    for old, new in renames.items():
        if old not in data:
            continue
        if new in data:
            raise Inconsistency(
                old,
                data[old],
                f"give {new} only ({old} is its older name, read as {new}; both are given)",
            )
        data[new] = data.pop(old)
        written[new] = old
    try:
        return handler(data)
    except ValidationError as exc:
        raise _as_written(exc, written) from None


def _as_written(exc: ValidationError, written: Mapping[str, str]) -> ValidationError:
    details: list[InitErrorDetails] = []
    for err in exc.errors(include_url=False):
        loc = list(err["loc"])
        if loc and isinstance(loc[0], str) and loc[0] in written:
            loc[0] = written[loc[0]]
        ctx = dict(err.get("ctx") or {})
        cause = ctx.get("error")
        if isinstance(cause, Inconsistency):
            head, _, rest = cause.field.partition(".")
            if head in written:
                field = written[head] + (f".{rest}" if rest else "")
                ctx["error"] = Inconsistency(field, cause.value, cause.message)
        detail = InitErrorDetails(type=err["type"], loc=tuple(loc), input=err["input"])
        if ctx:
            detail["ctx"] = ctx
        details.append(detail)
    return ValidationError.from_exception_data(exc.title, details)


def region_renames(data: Any) -> dict[str, str]:
    """``{"region": "region_text"}`` when a course's ``region`` is free text, not a code."""
    if isinstance(data, dict):
        region = data.get("region")
        if isinstance(region, str) and region.strip() not in _REGION_CODES:
            return {"region": "region_text"}
    return {}
