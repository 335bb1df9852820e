"""The jobs run by :mod:`breastcds.service.worker` in a limited process: report rendering (the
DVH of an uploaded DICOM RT pair is the web page's job, ``breastcds.web.router.dvh_job``).
Imported (pre-loaded) by the worker's fork server."""

from __future__ import annotations

import datetime as dt
from typing import Any

from breastcds.model.assessment import AssessmentRecord
from breastcds.model.errors import CaseValidationError
from breastcds.model.parse import parse_case
from breastcds.report import render_html, render_pdf
from breastcds.report.pdf import ReportError


class TaskInputError(Exception):
    """The input cannot be used (answered as a 4xx problem naming the field)."""

    def __init__(self, detail: str, errors: list[dict[str, Any]], status: int = 422) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.status = status


def report(
    assessment_json: str,
    case_json: str | None,
    today: str,
    fmt: str,
    lang: Any,
    requester: str,
) -> bytes:
    """The report of a stored assessment, PDF or HTML bytes."""
    assessment = AssessmentRecord.model_validate_json(assessment_json)
    case = None
    if case_json is not None:
        try:
            case = parse_case(case_json, today=dt.date.fromisoformat(today))
        except CaseValidationError:  # stored under an older case model: the assessment only
            case = None
    if fmt == "html":
        return render_html(assessment, lang=lang, case=case, requester=requester).encode("utf-8")
    try:
        return render_pdf(assessment, lang=lang, case=case, requester=requester)
    except ReportError as exc:
        raise TaskInputError(str(exc), [], status=503) from None
