"""The capabilities of :func:`breastcds.assess`, listed once.

Each capability adds one section to the assessment. They are imported on first use by ordinary
import statements (a command that assesses no case does not pay for them) and the list is built
once per process. Adding a capability: write its section function (pure: validated case and its
classification in, a pydantic model or ``None`` out) and add one line below.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from breastcds.model.assessment import Classification
from breastcds.model.case import Case

#: A section takes the validated case and its classification and returns a JSON-able result
#: (a pydantic model), or ``None`` when it does not apply to the case.
Section = Callable[[Case, Classification], Any]


@cache
def sections() -> dict[str, Section]:
    """The sections of an assessment by name, in the order they are reported."""
    from breastcds.options.section import options_section
    from breastcds.prognosis.section import section as prognosis_section
    from breastcds.radiotherapy.omission_section import section as radiotherapy_section
    from breastcds.radiotherapy.reirradiation_section import section as reirradiation_section

    return {
        "options": options_section,
        "radiotherapy": radiotherapy_section,
        "reirradiation": reirradiation_section,
        "prognosis": prognosis_section,
    }
