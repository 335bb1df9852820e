"""Oestrogen and progesterone receptor status.

Source: ASCO/CAP ER/PR testing guideline 2020 (Allison et al., J Clin Oncol 2020;38:1346):
positive >= 1 % of tumour nuclei, negative < 1 %; ER 1-10 % is reported as "ER low positive".
The low-positive category applies to ER only (PR is reported positive/negative). The rule is the
decision table ``knowledge/classification/receptors.yaml``, also compiled for the cohort engine.
"""

from __future__ import annotations

from typing import Literal, cast

from breastcds.knowledge.rule_tables import active, decide
from breastcds.model.assessment import ReceptorResult, ReceptorStatus


def classify(receptor: Literal["ER", "PR"], percent: float | None) -> ReceptorResult:
    """Status of one receptor from the percentage of stained tumour nuclei."""
    table = active()["receptor_status"]
    d = decide(table, {"receptor": receptor, "percent": percent})
    return ReceptorResult(
        receptor=receptor,
        status=cast(ReceptorStatus, d.outputs["status"]),
        percent=percent,
        reasons=[r.en for r in d.reasons],
        source=table.source,
    )


def er(percent: float | None) -> ReceptorResult:
    return classify("ER", percent)


def pr(percent: float | None) -> ReceptorResult:
    return classify("PR", percent)
