"""Oestrogen and progesterone receptor status.

Source: ASCO/CAP ER/PR testing guideline 2020 (Allison et al., J Clin Oncol 2020;38:1346):
positive >= 1 % of tumour nuclei, negative < 1 %; ER 1-10 % is reported as "ER low positive".
The low-positive category applies to ER only (PR is reported positive/negative).
"""

from __future__ import annotations

from typing import Literal

from breastcds.knowledge.schema import biomarkers
from breastcds.model.assessment import ReceptorResult


def classify(receptor: Literal["ER", "PR"], percent: float | None) -> ReceptorResult:
    """Status of one receptor from the percentage of stained tumour nuclei."""
    k = biomarkers().hormone_receptors
    if percent is None:
        return ReceptorResult(
            receptor=receptor,
            status="not_recorded",
            percent=None,
            reasons=[f"{receptor} % not recorded"],
            source=k.source,
        )
    if percent < k.positive_min_percent:
        return ReceptorResult(
            receptor=receptor,
            status="negative",
            percent=percent,
            reasons=[f"{receptor} {percent:g} % < {k.positive_min_percent:g} %"],
            source=k.source,
        )
    if receptor == "ER" and percent <= k.low_positive_max_percent:
        return ReceptorResult(
            receptor=receptor,
            status="low_positive",
            percent=percent,
            reasons=[
                f"ER {percent:g} % is within {k.positive_min_percent:g}-"
                f"{k.low_positive_max_percent:g} %: ER low positive (limited data on endocrine "
                "benefit; biology often resembles ER-negative disease)"
            ],
            source=k.source,
        )
    return ReceptorResult(
        receptor=receptor,
        status="positive",
        percent=percent,
        reasons=[f"{receptor} {percent:g} % >= {k.positive_min_percent:g} %"],
        source=k.source,
    )


def er(percent: float | None) -> ReceptorResult:
    return classify("ER", percent)


def pr(percent: float | None) -> ReceptorResult:
    return classify("PR", percent)
