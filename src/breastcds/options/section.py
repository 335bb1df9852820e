"""The ``options`` section of :func:`breastcds.assess` (listed in :mod:`breastcds.capabilities`)."""

from __future__ import annotations

from breastcds.model.assessment import Classification
from breastcds.model.case import Case
from breastcds.options.engine import OptionsResult, evaluate_options


def options_section(case: Case, classification: Classification) -> OptionsResult:
    """Guideline options per decision point (see :mod:`breastcds.options.engine`)."""
    return evaluate_options(case, classification)
