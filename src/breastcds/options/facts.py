"""The one fact the options' rules read that another capability computes.

``rt_omission_supported``: the course-level omission summary of the radiotherapy section's one
result (radiotherapy/omission.py), read by ``knowledge/systemic/local_therapy.yaml``. Every
other fact is registered by the knowledge layer's registry (:mod:`breastcds.knowledge.facts`);
this one is registered by
:func:`register_option_facts`, called explicitly (never at import) by the options' knowledge
loader: :func:`breastcds.options.schema.parse_pathway` before it validates rules and
:func:`breastcds.options.schema.load_kb` before it hands them out (validated now or read from
the between-runs cache).
"""

from __future__ import annotations

from breastcds.knowledge.facts import Fact, register
from breastcds.model.assessment import Classification
from breastcds.model.case import Case


def _rt_omission_supported(case: Case, c: Classification) -> bool:
    """The radiotherapy section's course-level summary is 'discuss' (a supporting set is met
    with the sets read as the course-level decision reads them: endocrine therapy presumed,
    ``course_presumptions`` of ``knowledge/rt_omission.yaml``; the section says so).

    Not applicable, not supported or not yet judgeable -> False: the action is not offered; the
    radiotherapy section names what is missing.
    """
    from breastcds.radiotherapy.omission import evaluate

    return evaluate(case, c).course_summary().verdict == "discuss"


OPTION_FACTS = (
    Fact(
        "rt_omission_supported",
        "bool",
        "tumour.margin_mm",
        "the radiotherapy section finds RT omission reasonable to discuss (a supporting set is "
        "met)",
        _rt_omission_supported,
    ),
)


def register_option_facts() -> None:
    """Register the facts of :data:`OPTION_FACTS` (idempotent)."""
    for fact in OPTION_FACTS:
        register(fact)
