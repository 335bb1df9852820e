"""The capabilities of :func:`breastcds.assess`, listed once.

Each capability adds one section to the assessment: one field of :class:`Sections`, typed with
the capability's own result model, and one line in :func:`sections` naming the pure function
that computes it (validated case and its classification in, the section model or ``None`` out).
Adding a capability: write its section function and its result model, then add one field and
one line below (``tests/test_capabilities.py`` keeps the two lists equal).

The typed :class:`Assessment` is defined here, not in ``model/``: the section models live with
their capabilities (some embed knowledge-schema models such as the RT-omission guideline
positions), and the model layer imports nothing above it. ``model.assessment.AssessmentOf`` is
the envelope, generic in its sections.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from breastcds.dose.reirradiation import ReirradiationResult
from breastcds.knowledge.once import one_assessment
from breastcds.model.assessment import AssessmentOf, Classification
from breastcds.model.case import Case
from breastcds.options.engine import OptionsResult
from breastcds.prognosis.section import PrognosisSection
from breastcds.radiotherapy.omission import RadiotherapyResult

#: A section takes the validated case and its classification and returns its result model,
#: or ``None`` when it does not apply to the case.
Section = Callable[[Case, Classification], Any]


def _absent(value: object) -> bool:
    return value is None


class Sections(BaseModel):
    """The sections of one assessment, one field per capability (order = report order).

    Options, radiotherapy and prognosis are present for every case (a not-applicable state
    carries its reasons); re-irradiation only when the case has a plan. ``None``: the
    capability does not apply to the case; such a section is left out of the JSON, so the JSON
    shape is the name → section map it was before the sections were typed.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    options: OptionsResult
    radiotherapy: RadiotherapyResult
    # Left out when absent by the serializer itself (pydantic-core): a wrapping Python
    # serializer that dropped the None values built the whole answer as Python objects before
    # encoding it, twice the time of encoding it directly (same bytes, tested).
    reirradiation: ReirradiationResult | None = Field(default=None, exclude_if=_absent)
    prognosis: PrognosisSection

    def items(self) -> list[tuple[str, BaseModel]]:
        """The present sections, (name, result), in report order."""
        return [(n, v) for n in type(self).model_fields if (v := getattr(self, n)) is not None]

    def names(self) -> list[str]:
        """The names of the present sections, in report order."""
        return [n for n, _ in self.items()]


class Assessment(AssessmentOf[Sections]):
    """The one result of :func:`breastcds.assess`: sections typed by capability."""


@cache
def sections() -> dict[str, Section]:
    """The section functions by name, in the order of :class:`Sections`."""
    from breastcds.dose.reirradiation_section import section as reirradiation_section
    from breastcds.options.section import options_section
    from breastcds.prognosis.section import section as prognosis_section
    from breastcds.radiotherapy.omission_section import section as radiotherapy_section

    return {
        "options": options_section,
        "radiotherapy": radiotherapy_section,
        "reirradiation": reirradiation_section,
        "prognosis": prognosis_section,
    }


def assess_sections(case: Case, classification: Classification) -> Sections:
    """Every capability's section for one validated case (pure; what several sections read is
    computed once: :mod:`breastcds.knowledge.once`)."""
    with one_assessment():
        return Sections(**{name: f(case, classification) for name, f in sections().items()})
