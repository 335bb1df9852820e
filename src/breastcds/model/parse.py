"""Parse untrusted input (dict or JSON text) into a validated :class:`Case`."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from breastcds.model.case import Case
from breastcds.model.errors import CaseValidationError, FieldIssue, from_pydantic


def parse_case(data: Case | Mapping[str, Any] | str | bytes, today: dt.date | None = None) -> Case:
    """Validate a case; raise :class:`CaseValidationError` naming each bad field.

    ``today`` is the reference date for "dates in the future" (defaults to the system date).
    """
    if isinstance(data, Case):
        return data
    context = {"today": today or dt.date.today()}
    try:
        if isinstance(data, str | bytes):
            try:
                json.loads(data)
            except json.JSONDecodeError as exc:
                raise CaseValidationError(
                    [FieldIssue("case", None, f"not valid JSON: {exc.msg} at line {exc.lineno}")]
                ) from None
            return Case.model_validate_json(data, context=context)
        return Case.model_validate(dict(data), context=context)
    except ValidationError as exc:
        raise from_pydantic(exc) from None
