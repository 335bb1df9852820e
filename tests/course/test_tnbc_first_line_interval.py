"""Triple-negative first line after an early relapse (clinical_course.md §10, §12).

KEYNOTE-355 and ASCENT-04 (and ASCENT-03) admitted a relapse only >= 6 months after curative
therapy: KEYNOTE-355 ">= 6 mo between definitive breast surgery or last dose of adjuvant
chemotherapy, whichever occurred last, and first documented disease recurrence" (design, Cancer
Res 2017;77(13 Suppl):CT069); ASCENT-04 ">= 6 months must have elapsed between completion of
treatment with curative intent and first documented local or distant disease recurrence", de
novo metastatic disease eligible (NCT05382286). Expectations at the boundary:
- 5 months after (neo)adjuvant chemotherapy: pembrolizumab + chemotherapy and sacituzumab +
  pembrolizumab are not offered; they are listed for discussion; the taxane-failure
  chemotherapy rows stay offered. 6 months meets ">= 6 months": offered, nothing to discuss.
- The end of chemotherapy not recorded (and the diagnosis too far back to bound it): offered
  with a "confirm before use" caution naming treatment.months_since_chemotherapy, and a prompt
  asks for that field; never read as >= 6 months without saying so.
- De novo stage IV and no (neo)adjuvant chemotherapy: offered.
- ASCENT-03 reads the same condition (CPS < 10).
Both engines (one patient and the cohort table) give the same options and prompts.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from breastcds.entrypoint import assess, classify
from breastcds.knowledge.facts import extract
from breastcds.model import parse_case
from tests.cohort.test_course_columns import cohort_row_as_assess

FACT = "relapse_under_6_months_after_chemotherapy"
AC_T = ["doxorubicin", "cyclophosphamide", "paclitaxel"]
PEMBRO_RULES = {
    "tnbc.metastatic.pembrolizumab_chemo_taxane_sensitive",
    "tnbc.metastatic.pembrolizumab_chemo_taxane_failure",
    "tnbc.metastatic.pembrolizumab_chemo_taxane_not_recorded",
    "course.tnbc.sacituzumab_pembrolizumab_ascent04",
}
DISCUSS = "course.tnbc.pembrolizumab_first_line_early_relapse"
ASCENT03 = "course.tnbc.trop2_adc_first_line_ascent03"
EARLY_RELAPSE_ROWS = {
    "tnbc.metastatic.platinum_doublet_taxane_failure",
    "tnbc.metastatic.capecitabine_doublet_taxane_failure",
    "tnbc.metastatic.eribulin_taxane_failure",
}


def _case(
    since_chemo: float | None = None,
    since_diagnosis: float | None = 20,
    *,
    cps: float = 15,
    agents: list[str] | None = None,
    on_therapy: list[str] | None = None,
    de_novo: bool = False,
) -> dict[str, Any]:
    treatment: dict[str, Any]
    if de_novo:
        treatment = {"de_novo_metastatic": True}
    else:
        treatment = {
            "surgery": {"type": "mastectomy", "axillary": "sentinel_node_biopsy"},
            "adjuvant_agents": AC_T if agents is None else agents,
            "recurrence": {"site": "distant", "months_since_diagnosis": since_diagnosis,
                           "on_therapy": on_therapy or [], "biopsied": True, "restaged": True},
        }  # fmt: skip
        if since_chemo is not None:
            treatment["months_since_chemotherapy"] = since_chemo
    return {
        "patient": {"age_years": 52, "sex": "female", "menopausal_status": "post"},
        "tumour": {"clinical_m": "M1", "metastatic_sites": ["lung"]},
        "biomarkers": {"er_percent": 0, "pr_percent": 0, "her2_ihc": 0,
                       "her2_ihc0_staining": "none", "pdl1_cps": cps,
                       "germline_brca": "negative"},
        "treatment": treatment,
    }  # fmt: skip


def _fact(data: dict[str, Any]) -> bool | None:
    case = parse_case(data)
    value = extract(case, classify(case))[FACT]
    assert value is None or isinstance(value, bool)
    return value


def _point(data: dict[str, Any]) -> Any:
    options = assess(parse_case(data)).sections.options
    assert options is not None
    (point,) = options.decision_points
    assert point.decision_point == "metastatic_line_1"
    return point


@pytest.mark.parametrize(
    ("since_chemo", "since_diagnosis", "expected"),
    [
        (5, 20, True),  # < 6 months after the end of chemotherapy
        (5.9, 20, True),
        (6, 20, False),  # exactly 6 months meets ">= 6 months"
        (7, 20, False),
        (0, 9, True),  # chemotherapy ended when the relapse was found
        (None, 6, True),  # end not recorded; 6 months after diagnosis bounds it (< 6 after)
        (None, 7, None),  # end not recorded, the diagnosis does not bound it: not judged
        (None, 20, None),
        (None, None, None),
    ],
)  # fmt: skip
def test_interval_fact_at_its_boundary(
    since_chemo: float | None, since_diagnosis: float | None, expected: bool | None
) -> None:
    assert _fact(_case(since_chemo, since_diagnosis)) is expected


def test_interval_fact_de_novo_no_chemotherapy_and_relapse_on_chemotherapy() -> None:
    assert _fact(_case(de_novo=True)) is False
    assert _fact(_case(None, 3, agents=[])) is False
    assert _fact(_case(None, 30, agents=["capecitabine"], on_therapy=["capecitabine"])) is True


def test_relapse_5_months_after_chemotherapy_discusses_pembrolizumab_and_keeps_chemotherapy() -> (
    None
):
    point = _point(_case(5))
    offered = {o.rule_id for o in point.options}
    assert not offered & PEMBRO_RULES
    assert "pembrolizumab" not in point.agents()
    excluded = {n.rule_id: n.because for n in point.not_offered}
    for rid in ("tnbc.metastatic.pembrolizumab_chemo_taxane_failure",
                "course.tnbc.sacituzumab_pembrolizumab_ascent04"):  # fmt: skip
        assert any("< 6 months" in b and "KEYNOTE-355" in b for b in excluded[rid])
    (discussed,) = point.discuss
    assert discussed.rule_id == DISCUSS
    assert discussed.agents == ["pembrolizumab"]
    assert "KEYNOTE-355" in discussed.text_en and "ASCENT-04" in discussed.text_en
    assert offered >= EARLY_RELAPSE_ROWS
    assert "treatment.months_since_chemotherapy" not in {p.field for p in point.prompts}


def test_relapse_6_months_after_chemotherapy_offers_pembrolizumab() -> None:
    point = _point(_case(6))
    offered = {o.rule_id for o in point.options}
    assert {"tnbc.metastatic.pembrolizumab_chemo_taxane_failure",
            "course.tnbc.sacituzumab_pembrolizumab_ascent04"} <= offered  # fmt: skip
    assert point.discuss == []
    assert offered >= EARLY_RELAPSE_ROWS


@pytest.mark.parametrize("since_diagnosis", [10, 30])
def test_interval_not_recorded_offers_with_a_caution_and_a_prompt(since_diagnosis: float) -> None:
    """10 months after diagnosis: taxane failure (<= 12 months) is known, the 6-month interval
    is not; 30 months: neither is known (the ungraded remainder is offered)."""
    point = _point(_case(None, since_diagnosis))
    pembro = [o for o in point.options if o.rule_id in PEMBRO_RULES]
    assert {o.rule_id for o in pembro} >= {"course.tnbc.sacituzumab_pembrolizumab_ascent04"}
    assert len(pembro) == 2
    for o in pembro:
        assert any(
            c.startswith("confirm before use: not relapse during or < 6 months after")
            and "treatment.months_since_chemotherapy" in c
            for c in o.cautions
        ), o.cautions
    assert "treatment.months_since_chemotherapy" in {p.field for p in point.prompts}
    assert point.discuss == []


def test_de_novo_stage_iv_offers_pembrolizumab_without_a_prompt() -> None:
    point = _point(_case(de_novo=True))
    offered = {o.rule_id for o in point.options}
    assert {"tnbc.metastatic.pembrolizumab_chemo_taxane_sensitive",
            "course.tnbc.sacituzumab_pembrolizumab_ascent04"} <= offered  # fmt: skip
    assert point.discuss == []
    assert "treatment.months_since_chemotherapy" not in {p.field for p in point.prompts}


@pytest.mark.parametrize(("since_chemo", "offered"), [(5, False), (6, True)])
def test_ascent03_reads_the_same_interval(since_chemo: float, offered: bool) -> None:
    point = _point(_case(since_chemo, cps=3))
    assert (ASCENT03 in {o.rule_id for o in point.options}) is offered
    assert point.discuss == []  # CPS < 10: no pembrolizumab to discuss


CASES = {
    "5-months": _case(5),
    "6-months": _case(6),
    "not-recorded-10": _case(None, 10),
    "not-recorded-30": _case(None, 30),
    "bounded-by-diagnosis": _case(None, 5),
    "de-novo": _case(de_novo=True),
    "cps3-5-months": _case(5, cps=3),
    "cps3-6-months": _case(6, cps=3),
    "cps3-not-recorded": _case(None, 10, cps=3),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_cohort_table_gives_what_assess_gives(name: str) -> None:
    cohort_row_as_assess(parse_case(CASES[name]))


@settings(max_examples=60, deadline=None)
@given(
    since_chemo=st.one_of(st.none(), st.floats(0, 60)),
    extra=st.floats(0, 60),
    agents=st.sampled_from([AC_T, ["capecitabine"], ["olaparib"], []]),
)
def test_interval_fact_never_holds_at_6_months_or_beyond_or_without_chemotherapy(
    since_chemo: float | None, extra: float, agents: list[str]
) -> None:
    """Invariant: True only with a cytotoxic agent given and an end < 6 months before the relapse
    (recorded, or proved by a diagnosis <= 6 months before it); a recorded end decides."""
    since_diagnosis = (since_chemo or 0) + extra
    value = _fact(_case(since_chemo, since_diagnosis, agents=agents))
    if agents in ([], ["olaparib"]):
        assert value is False
    elif since_chemo is not None:
        assert value is (since_chemo < 6)
    else:
        assert value is (True if since_diagnosis <= 6 else None)
