"""Case model (input) and assessment model (result)."""

from breastcds.model.case import Case
from breastcds.model.errors import CaseValidationError, FieldIssue
from breastcds.model.parse import parse_case

__all__ = ["Case", "CaseValidationError", "FieldIssue", "parse_case"]
