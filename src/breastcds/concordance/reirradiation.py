"""Concordance kind ``reirradiation``: maps the vignette vocabulary onto the public API.

Vignette ``input`` (reirradiation_vignettes_public.json): ``alpha_beta_gy``,
``recovery_fraction_of_prior``, ``cumulative_limit_eqd2_gy``, ``courses`` [{``organ_dose_gy``,
``fractions``, ``when`` prior | planned}], ``geometric_overlap``,
``cumulative_toxicity_concern``, ``same_organ``. A key that is absent or null was not recorded.

The vignette describes one organ at risk without naming it; it becomes organ
``VIGNETTE_ORGAN`` with metric ``point`` and the vignette's α/β and limit as explicit
``organ_parameters``. Evaluation goes through :func:`breastcds.dose.reirradiation.evaluate`,
the same entry point as every other caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from breastcds.concordance.core import Kind, Vignette, register_kind
from breastcds.dose import reirradiation as rr

__all__ = ["EXPECTED_KEYS", "KIND", "VIGNETTE_ORGAN", "evaluate", "matches", "to_plan"]

VIGNETTE_ORGAN = "organ_at_risk"
VIGNETTE_METRIC = "point"
EXPECTED_KEYS = (
    "eqd2_prior_gy",
    "eqd2_planned_gy",
    "bed_prior_gy",
    "cumulative_eqd2_gy",
    "verdict",
    "classification",
)


def matches(vignette: Vignette) -> bool:
    """A re-irradiation vignette has an ``input`` object with a ``courses`` list.

    Other keys may be absent (= not recorded); the engine then reports what it cannot assess.
    """
    data = vignette.get("input")
    return isinstance(data, Mapping) and isinstance(data.get("courses"), list)


def to_plan(data: Mapping[str, Any]) -> rr.ReirradiationPlan:
    """Map a vignette ``input`` onto :class:`ReirradiationPlan` (the one mapping place)."""
    courses: list[dict[str, Any]] = []
    for course in data.get("courses") or []:
        dose = course.get("organ_dose_gy")
        courses.append(
            {
                "when": course.get("when"),
                "fractions": course.get("fractions"),
                "organ_doses": (
                    None
                    if dose is None
                    else [{"organ": VIGNETTE_ORGAN, "metric": VIGNETTE_METRIC, "dose_gy": dose}]
                ),
            }
        )
    plan: dict[str, Any] = {
        "courses": courses,
        "overlap": {
            "geometric_overlap": data.get("geometric_overlap"),
            "cumulative_toxicity_concern": data.get("cumulative_toxicity_concern"),
            "same_organ": data.get("same_organ"),
        },
        "organ_parameters": [
            {
                "organ": VIGNETTE_ORGAN,
                "metric": VIGNETTE_METRIC,
                "alpha_beta_gy": data.get("alpha_beta_gy"),
                "cumulative_limit_eqd2_gy": data.get("cumulative_limit_eqd2_gy"),
            }
        ],
    }
    recovery = data.get("recovery_fraction_of_prior")
    if recovery is not None:  # absent = not stated: the engine's default (0) applies, and says so
        plan["recovery_fraction_of_prior"] = recovery
    return rr.ReirradiationPlan.model_validate(plan)


def to_actual(result: rr.ReirradiationResult) -> dict[str, Any]:
    """The ``actual`` dict of the contract from a result."""
    organ = next(
        o for o in result.organs if o.organ == VIGNETTE_ORGAN and o.metric == VIGNETTE_METRIC
    )
    return {
        "eqd2_prior_gy": organ.eqd2_prior_gy,
        "eqd2_planned_gy": organ.eqd2_planned_gy,
        "bed_prior_gy": organ.bed_prior_gy,
        "cumulative_eqd2_gy": organ.cumulative_eqd2_gy,
        "verdict": organ.verdict,
        "classification": result.classification.category,
    }


def evaluate(vignette: Vignette) -> dict[str, Any]:
    """Evaluate one vignette through the public entry point."""
    data = vignette.get("input")
    if not isinstance(data, Mapping):
        raise ValueError("reirradiation vignette has no 'input' object")
    return to_actual(rr.evaluate(to_plan(data)))


KIND = Kind(name="reirradiation", matches=matches, evaluate=evaluate)
register_kind(KIND)
