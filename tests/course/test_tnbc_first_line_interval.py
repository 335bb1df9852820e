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
- Curative therapy other than chemotherapy: a relapse < 6 months after the diagnosis is early
  whatever was given (surgery comes after the diagnosis); exactly 6 months after a diagnosis
  with surgery alone is read as meeting the interval. Adjuvant pembrolizumab or olaparib, or
  surgery after neoadjuvant therapy, with no recorded end: not judged (caution, never >= 6).
- A recorded end of chemotherapy shows chemotherapy was given: no prompt for the record.
- Metastatic disease with no treatment history: not judged, the prompt asks whether it is de
  novo stage IV.
- De novo stage IV: offered.
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

FACT = "relapse_under_6_months_after_curative_therapy"
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
    assert _fact(_case(None, 3, agents=[])) is True  # surgery alone, 3 months after diagnosis
    assert _fact(_case(None, 30, agents=["capecitabine"], on_therapy=["capecitabine"])) is True
    assert _fact(_case(None, 30, agents=["pembrolizumab"], on_therapy=["pembrolizumab"])) is True


@pytest.mark.parametrize(
    ("since_diagnosis", "expected"), [(5, True), (5.9, True), (6, False), (7, False)]
)
def test_surgery_alone_is_bounded_by_the_diagnosis(since_diagnosis: float, expected: bool) -> None:
    """No chemotherapy: surgery comes after the diagnosis, so a relapse < 6 months after it is
    < 6 months after surgery; from 6 months primary surgery is read at the diagnosis."""
    assert _fact(_case(None, since_diagnosis, agents=[])) is expected


def _k522(since_chemo: float | None, since_diagnosis: float, adjuvant: list[str]) -> dict[str, Any]:
    data = _case(since_chemo, since_diagnosis, agents=adjuvant)
    data["treatment"]["neoadjuvant"] = {
        "agents": ["paclitaxel", "carboplatin", "doxorubicin", "cyclophosphamide", "pembrolizumab"],
        "response": "residual_invasive",
    }
    return data


@pytest.mark.parametrize(
    ("since_chemo", "since_diagnosis", "adjuvant", "expected"),
    [
        (9, 15, ["pembrolizumab"], None),  # end of adjuvant pembrolizumab not recorded
        (9, 15, ["olaparib"], None),
        (9, 15, [], None),  # surgery after neoadjuvant chemotherapy: its time not recorded
        (9, 15, ["capecitabine"], False),  # adjuvant chemotherapy follows surgery: bounds it
        (5, 15, ["pembrolizumab"], True),  # < 6 months after chemotherapy decides
        (None, 5, ["pembrolizumab"], True),  # < 6 months after the diagnosis decides
    ],
)  # fmt: skip
def test_curative_therapy_other_than_chemotherapy(
    since_chemo: float | None, since_diagnosis: float, adjuvant: list[str], expected: bool | None
) -> None:
    assert _fact(_k522(since_chemo, since_diagnosis, adjuvant)) is expected


def test_k522_adjuvant_pembrolizumab_end_not_recorded_cautions_and_asks_for_it() -> None:
    point = _point(_k522(9, 15, ["pembrolizumab"]))
    pembro = [o for o in point.options if o.rule_id in PEMBRO_RULES]
    assert {o.rule_id for o in pembro} >= {"course.tnbc.sacituzumab_pembrolizumab_ascent04"}
    for o in pembro:
        assert any(c.startswith("confirm before use: not relapse during or < 6 months after")
                   for c in o.cautions), o.cautions  # fmt: skip
        # the caution names what is missing, not the recorded end of chemotherapy
        assert any(c.endswith("(treatment.months_since_curative_therapy)")
                   for c in o.cautions), o.cautions  # fmt: skip
    (prompt,) = [p for p in point.prompts if p.field == "treatment.months_since_curative_therapy"]
    assert "prompt.tnbc_first_line_curative_end" in prompt.rule_ids
    # the end of chemotherapy is recorded: not asked for again
    assert "treatment.months_since_chemotherapy" not in {p.field for p in point.prompts}
    assert point.discuss == []


def _k522_curative(since_curative: float, adjuvant: list[str]) -> dict[str, Any]:
    """KEYNOTE-522 then surgery (and adjuvant therapy): chemotherapy ended 9 months before the
    relapse (diagnosis 15 months before), the end of all curative therapy recorded."""
    data = _k522(9, 15, adjuvant)
    data["treatment"]["months_since_curative_therapy"] = since_curative
    return data


@pytest.mark.parametrize(
    ("since_curative", "adjuvant", "expected"),
    [
        # KEYNOTE-355 / ASCENT-04: >= 6 months from the end of curative treatment; 6 meets it
        (5.9, ["pembrolizumab"], True),
        (6, ["pembrolizumab"], False),
        (5, ["olaparib"], True),
        (7, ["olaparib"], False),
        (5, [], True),  # surgery after neoadjuvant therapy, 5 months before the relapse
        (6, [], False),
    ],
)  # fmt: skip
def test_recorded_end_of_curative_therapy_decides(
    since_curative: float, adjuvant: list[str], expected: bool
) -> None:
    data = _k522_curative(since_curative, adjuvant)
    assert _fact(data) is expected
    point = _point(data)
    assert not _interval_guards(point)
    offered = {o.rule_id for o in point.options}
    assert ("course.tnbc.sacituzumab_pembrolizumab_ascent04" in offered) is (not expected)
    for o in point.options:
        assert not any("< 6 months after curative" in c for c in o.cautions), o.cautions
    assert (point.discuss != []) is expected  # CPS 15: pembrolizumab listed for discussion


def test_end_of_curative_therapy_never_before_chemotherapy_or_diagnosis() -> None:
    """The end of all curative therapy is the later of surgery and the last systemic dose
    (KEYNOTE-355 design): more months since it than since chemotherapy, or than since the
    diagnosis, is a contradiction, named with the allowed range."""
    from breastcds.model import CaseValidationError

    with pytest.raises(CaseValidationError, match=r"allowed: 0 to months_since_chemotherapy"):
        classify(parse_case(_k522_curative(10, ["pembrolizumab"])))
    data = _k522_curative(8, ["pembrolizumab"])
    data["treatment"]["recurrence"]["months_since_diagnosis"] = 7
    del data["treatment"]["months_since_chemotherapy"]
    with pytest.raises(CaseValidationError, match=r"allowed: 0 to recurrence.months_since_diag"):
        classify(parse_case(data))


def _interval_guards(point: Any) -> set[str]:
    """The interval guards that asked for a field (the taxane-failure stratum has its own)."""
    return {r for p in point.prompts for r in p.rule_ids if r.startswith("prompt.tnbc_first_line")}


def test_recorded_end_of_chemotherapy_shows_it_was_given() -> None:
    """A relapse with only the end of chemotherapy recorded: chemotherapy was given, 10 months
    before, so the interval is met and nothing is asked for."""
    data = _case(10, 30)
    del data["treatment"]["adjuvant_agents"]
    del data["treatment"]["surgery"]
    assert _fact(data) is False
    point = _point(data)
    (ascent04,) = [o for o in point.options
                   if o.rule_id == "course.tnbc.sacituzumab_pembrolizumab_ascent04"]  # fmt: skip
    assert not any("< 6 months" in c for c in ascent04.cautions), ascent04.cautions
    assert "treatment.adjuvant_agents" not in {p.field for p in point.prompts}
    assert not _interval_guards(point)
    data["treatment"]["months_since_chemotherapy"] = 4
    assert _fact(data) is True


def test_relapse_with_no_early_therapy_record_asks_for_it() -> None:
    data = _case(None, 30)
    del data["treatment"]["adjuvant_agents"]
    del data["treatment"]["surgery"]
    assert _fact(data) is None
    point = _point(data)
    assert "treatment.adjuvant_agents" in {p.field for p in point.prompts}
    assert _interval_guards(point) == {"prompt.tnbc_first_line_early_therapy"}


def test_metastatic_disease_with_no_history_is_not_read_as_de_novo() -> None:
    data = _case(de_novo=True)
    data["treatment"] = {}
    assert _fact(data) is None
    point = _point(data)
    assert "course.tnbc.sacituzumab_pembrolizumab_ascent04" in {o.rule_id for o in point.options}
    assert "treatment.de_novo_metastatic" in {p.field for p in point.prompts}
    (ascent04,) = [o for o in point.options
                   if o.rule_id == "course.tnbc.sacituzumab_pembrolizumab_ascent04"]  # fmt: skip
    assert any(c.endswith("(treatment.de_novo_metastatic)") for c in ascent04.cautions)


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


def _surgery_alone(since_diagnosis: float) -> dict[str, Any]:
    """No chemotherapy, recorded as adjuvant chemotherapy not done (an empty agent list is not a
    cohort column value: the table would read it as not recorded)."""
    data = _case(None, since_diagnosis)
    del data["treatment"]["adjuvant_agents"]
    data["treatment"]["adjuvant_chemotherapy_done"] = False
    return data


CASES = {
    "5-months": _case(5),
    "6-months": _case(6),
    "not-recorded-10": _case(None, 10),
    "not-recorded-30": _case(None, 30),
    "bounded-by-diagnosis": _case(None, 5),
    "de-novo": _case(de_novo=True),
    "no-history": {**_case(de_novo=True), "treatment": {}},
    "surgery-alone-5": _surgery_alone(5),
    "surgery-alone-6": _surgery_alone(6),
    "k522-pembrolizumab": _k522(9, 15, ["pembrolizumab"]),
    "k522-capecitabine": _k522(9, 15, ["capecitabine"]),
    "k522-curative-5": _k522_curative(5, ["pembrolizumab"]),
    "k522-curative-6": _k522_curative(6, ["pembrolizumab"]),
    "k522-surgery-curative-5": _k522_curative(5, []),
    "end-only": {
        **_case(10, 30),
        "treatment": {
            "months_since_chemotherapy": 10,
            "recurrence": {"site": "distant", "months_since_diagnosis": 30},
        },
    },
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
def test_interval_fact_is_true_only_when_proved_and_false_only_when_proved(
    since_chemo: float | None, extra: float, agents: list[str]
) -> None:
    """Invariant: a relapse < 6 months after the diagnosis is early whatever was given; with a
    cytotoxic agent, a recorded end decides (else a diagnosis <= 6 months before proves it);
    adjuvant olaparib without a recorded end is never read as >= 6 months; surgery alone is
    read from the diagnosis."""
    since_diagnosis = (since_chemo or 0) + extra
    data = _case(since_chemo if agents != [] else None, since_diagnosis, agents=agents)
    value = _fact(data)
    if since_diagnosis < 6:
        assert value is True
    elif agents == []:
        assert value is False
    elif agents == ["olaparib"]:
        if since_chemo is not None and since_chemo < 6:
            assert value is True  # a recorded end of chemotherapy < 6 months decides
        else:
            assert value is (True if since_chemo is not None and since_diagnosis <= 6 else None)
    elif since_chemo is not None:
        assert value is (since_chemo < 6)
    else:
        assert value is (True if since_diagnosis <= 6 else None)
