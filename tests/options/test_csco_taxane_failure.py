"""The CSCO 'taxane failure' fact (紫杉类治疗失败): stratum of the triple-negative salvage tables.

CSCO BC 2026 (PMPH, ISBN 978-7-117-39569-4) 四(三) note 2: "紫杉类（蒽环类）治疗失败的定义：紫杉类
（蒽环类）药物解救治疗过程中发生疾病进展（至少完成2个周期），或辅助治疗结束后12个月内发生复发转移",
i.e. progression during salvage taxane therapy, or relapse within 12 months after the end of
adjuvant therapy; a taxane may be used again after a relapse more than 1 year after adjuvant
taxane therapy. Expectations below are read from that sentence at its boundaries (12 vs 13
months), and "not recorded" must stay unknown (None), never "no failure".
"""

from __future__ import annotations

from typing import Any

import pytest

from breastcds.entrypoint import classify
from breastcds.knowledge.facts import FACTS, extract
from breastcds.model import parse_case

AC_T = ["doxorubicin", "cyclophosphamide", "paclitaxel"]


def _case(
    *,
    adjuvant: list[str] | None = None,
    adjuvant_done: bool | None = None,
    since_chemo: float | None = None,
    since_diagnosis: float | None = None,
    lines: list[dict[str, Any]] | None = None,
    on_therapy: list[str] | None = None,
    relapse: bool = True,
    decision_point: str | None = None,
) -> dict[str, Any]:
    treatment: dict[str, Any] = {"metastatic_lines": lines or []}
    if adjuvant is not None:
        treatment["adjuvant_agents"] = adjuvant
        treatment["surgery"] = {"type": "mastectomy", "axillary": "sentinel_node_biopsy"}
    if adjuvant_done is not None:
        treatment["adjuvant_chemotherapy_done"] = adjuvant_done
    if since_chemo is not None:
        treatment["months_since_chemotherapy"] = since_chemo
    if relapse:
        treatment["recurrence"] = {"site": "distant", "months_since_diagnosis": since_diagnosis,
                                   "on_therapy": on_therapy or [], "biopsied": True,
                                   "restaged": True}  # fmt: skip
    else:
        treatment["de_novo_metastatic"] = True
    case: dict[str, Any] = {
        "patient": {"age_years": 55, "sex": "female", "menopausal_status": "post"},
        "tumour": {"clinical_m": "M1", "metastatic_sites": ["lung"]},
        "biomarkers": {"er_percent": 0, "pr_percent": 0, "her2_ihc": 0, "pdl1_cps": 12,
                       "germline_brca": "negative"},
        "treatment": treatment,
    }  # fmt: skip
    if decision_point is not None:
        case["decision_point"] = decision_point
    return case


def _fact(raw: dict[str, Any]) -> bool | None:
    case = parse_case(raw)
    value = extract(case, classify(case))["taxane_failure"]
    assert value is None or isinstance(value, bool)
    return value


def test_registered_with_the_field_a_prompt_names() -> None:
    spec = FACTS["taxane_failure"]
    assert spec.type == "bool"
    assert spec.field == "treatment.months_since_chemotherapy"


@pytest.mark.parametrize(
    ("since_chemo", "expected"),
    [(0.0, True), (12.0, True), (13.0, False), (30.0, False)],
)
def test_adjuvant_taxane_relapse_within_12_months_of_the_end(
    since_chemo: float, expected: bool
) -> None:
    # "辅助治疗结束后12个月内发生复发转移": <= 12 months is failure, 13 months is not.
    assert _fact(_case(adjuvant=AC_T, since_chemo=since_chemo)) is expected


def test_adjuvant_without_taxane_is_no_taxane_failure() -> None:
    assert _fact(_case(adjuvant=["doxorubicin", "cyclophosphamide"], since_chemo=3.0)) is False


def test_end_of_chemotherapy_not_recorded_is_unknown_unless_the_diagnosis_proves_it() -> None:
    # Late relapse after diagnosis, end of chemotherapy not recorded: cannot be judged.
    assert _fact(_case(adjuvant=AC_T, since_diagnosis=40.0)) is None
    # A relapse 10 months after the diagnosis is <= 10 months after the end of chemotherapy.
    assert _fact(_case(adjuvant=AC_T, since_diagnosis=10.0)) is True


def test_taxane_taken_when_the_recurrence_was_found_is_failure() -> None:
    assert _fact(_case(adjuvant=AC_T, since_chemo=30.0, on_therapy=["paclitaxel"])) is True


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [("progression", True), ("response", False), ("toxicity", False), (None, None)],
)
def test_salvage_taxane_line(outcome: str | None, expected: bool | None) -> None:
    # "紫杉类药物解救治疗过程中发生疾病进展": progression on a salvage taxane line; a line whose
    # outcome is not recorded cannot be judged.
    line: dict[str, Any] = {"agents": ["docetaxel"]}
    if outcome is not None:
        line["outcome"] = outcome
    raw = _case(relapse=False, lines=[line, {"agents": ["capecitabine"]}])
    assert _fact(raw) is expected


def test_de_novo_metastatic_without_a_taxane_is_taxane_sensitive() -> None:
    assert _fact(_case(relapse=False)) is False


def test_relapse_with_no_early_therapy_recorded_is_unknown() -> None:
    # Nothing says whether an adjuvant taxane was given: unknown, never "sensitive".
    assert _fact(_case(since_diagnosis=40.0)) is None


def test_adjuvant_agents_not_recorded_but_chemotherapy_long_ago_is_no_failure() -> None:
    # Whatever the agents, a relapse 24 months after the end of chemotherapy is no failure.
    assert _fact(_case(adjuvant_done=True, since_chemo=24.0)) is False
    assert _fact(_case(adjuvant_done=True, since_chemo=6.0)) is None


def test_later_line_without_recorded_lines_is_unknown() -> None:
    assert _fact(_case(relapse=False, decision_point="metastatic_line_2")) is None


def test_unknown_agent_in_a_line_is_unknown() -> None:
    raw = _case(relapse=False, lines=[{"agents": ["unknownium"], "outcome": "progression"}])
    assert _fact(raw) is None
