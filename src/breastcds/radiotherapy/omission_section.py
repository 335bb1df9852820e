"""The ``radiotherapy`` section of :func:`breastcds.assess`: omission / fractionation / PBI / boost.

Present for every case; when the criteria do not apply (no breast-conserving surgery, pure DCIS,
metastatic disease) the result says so with the reason (see :mod:`.omission`).
"""

from __future__ import annotations

from breastcds.model.assessment import Classification
from breastcds.model.case import Case
from breastcds.radiotherapy import omission


def section(case: Case, classification: Classification) -> omission.RadiotherapyResult:
    """Radiotherapy after breast-conserving surgery (:func:`omission.evaluate`)."""
    return omission.evaluate(case, classification)
