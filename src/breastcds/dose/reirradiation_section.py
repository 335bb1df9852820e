"""The ``reirradiation`` section of :func:`breastcds.assess` (present when the case has a plan)."""

from __future__ import annotations

from breastcds.dose import reirradiation
from breastcds.model.assessment import Classification
from breastcds.model.case import Case


def section(case: Case, _: Classification) -> reirradiation.ReirradiationResult | None:
    """Re-irradiation assessment of ``case.reirradiation`` (None when no plan is given)."""
    if case.reirradiation is None:
        return None
    return reirradiation.evaluate(case.reirradiation)
