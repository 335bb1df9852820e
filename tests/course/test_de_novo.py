"""An apparently de novo stage IV recorded as such (treatment.de_novo_metastatic).

clinical_course.md 1.1 row 1 and 1.4 ("de novo M1, no therapy -> metastatic_line_1"): there is
no recurrence, so the recurrence site is not asked for; it is still asked for when the course
leaves open whether the distant disease is a relapse (prompt only when the answer can change).
"""

from __future__ import annotations

from typing import Any

import pytest

from breastcds.entrypoint import classify
from breastcds.model import parse_case
from breastcds.model.errors import CaseValidationError
from breastcds.options.engine import evaluate_options

SITE = "treatment.recurrence.site"


def _case(treatment: dict[str, Any], m: str = "M1") -> dict[str, Any]:
    return {
        "patient": {"age_years": 58, "sex": "female", "menopausal_status": "post"},
        "tumour": {"clinical_m": m, "metastatic_sites": ["bone"] if m == "M1" else None},
        "biomarkers": {"er_percent": 90, "pr_percent": 60, "her2_ihc": 0,
                       "her2_ihc0_staining": "none", "germline_brca": "negative",
                       "pik3ca": "wild_type", "esr1": "wild_type"},
        "treatment": treatment,
    }  # fmt: skip


def _prompts(data: dict[str, Any]) -> tuple[str, list[str]]:
    case = parse_case(data)
    (point,) = evaluate_options(case, classify(case)).decision_points
    return point.decision_point, [p.field for p in point.prompts]


def test_de_novo_stage_iv_is_not_asked_for_a_recurrence_site() -> None:
    point, fields = _prompts(_case({"de_novo_metastatic": True}))
    assert point == "metastatic_line_1"
    assert SITE not in fields


def test_without_the_record_the_recurrence_site_is_still_asked() -> None:
    """M1 with nothing recorded about the course: a relapse would need a biopsy of the
    recurrence (ABC 5), so the site can change the answer."""
    assert SITE in _prompts(_case({}))[1]


def test_de_novo_and_recurrence_site_agree_on_the_decision_point() -> None:
    assert _prompts(_case({"de_novo_metastatic": True}))[0] == "metastatic_line_1"
    assert _prompts(_case({"de_novo_metastatic": False}))[0] == "metastatic_line_1"


@pytest.mark.parametrize(
    ("treatment", "word"),
    [
        ({"recurrence": {"site": "distant"}}, "recurrence"),
        ({"adjuvant_agents": ["paclitaxel"]}, "adjuvant_agents"),
        ({"adjuvant_chemotherapy_done": True}, "adjuvant_chemotherapy_done"),
        ({"endocrine": {"agents": ["letrozole"], "years_completed": 2}}, "endocrine"),
    ],
)
def test_de_novo_contradicts_prior_therapy_or_a_recurrence(
    treatment: dict[str, Any], word: str
) -> None:
    with pytest.raises(CaseValidationError, match=f"de_novo_metastatic is true but {word}"):
        parse_case(_case({"de_novo_metastatic": True, **treatment}))


def test_de_novo_contradicts_an_m0_category() -> None:
    with pytest.raises(CaseValidationError, match="stage IV is M1"):
        parse_case(_case({"de_novo_metastatic": True}, m="M0"))


def test_de_novo_reason_is_shown() -> None:
    from breastcds.course.inference import decision_point

    case = parse_case(_case({"de_novo_metastatic": True}))
    assert "de novo stage IV" in decision_point(case, classify(case)).reason_en
