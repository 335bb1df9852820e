"""Local-therapy actions at the inferred decision point (clinical_course.md 2, 3, 5, 6.2, 8, 9,
13): safety invariants as properties, and the prompts that can change an answer."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from breastcds import assess

FIRST_COURSE_BREAST = {"whole_breast_rt", "partial_breast_rt", "tumour_bed_boost", "rt_omission"}


def _point(data: dict[str, Any]) -> Any:
    [p] = assess(data).sections.options.decision_points
    return p


@st.composite
def courses(draw: st.DrawFn) -> dict[str, Any]:
    surgery = draw(st.sampled_from(["breast_conserving", "mastectomy", "none"]))
    site = draw(st.sampled_from([None, "ipsilateral_breast", "chest_wall", "regional_nodes"]))
    regions = draw(
        st.lists(
            st.sampled_from(["whole_breast", "partial_breast", "chest_wall", "regional_nodes"]),
            max_size=2,
            unique=True,
        )
    )
    treatment: dict[str, Any] = {
        "surgery": {"type": surgery, "axillary": draw(st.sampled_from(
            ["sentinel_node_biopsy", "axillary_dissection"]))},
        "radiotherapy_courses": [{"region": r, "total_dose_gy": 40.05, "fractions": 15}
                                 for r in regions],
        "endocrine_therapy_planned": draw(st.sampled_from([None, True, False])),
    }  # fmt: skip
    if site is not None:
        treatment["recurrence"] = {"site": site}
    sentinel = draw(st.sampled_from([None, 0, 1, 2, 3]))
    if sentinel is not None:
        treatment["surgery"]["sentinel_nodes_positive"] = sentinel
    return {
        "patient": {"age_years": draw(st.integers(30, 90)), "sex": "female",
                    "menopausal_status": "post"},
        "tumour": {"size_mm": draw(st.sampled_from([8, 15, 19, 25])), "clinical_n": "N0",
                   "nodes_examined": 3, "nodes_positive": sentinel or 0, "grade": 1,
                   "lvi": False, "margin_mm": draw(st.sampled_from([None, 0, 0.5, 2, 5])),
                   "clinical_m": "M0"},
        "biomarkers": {"er_percent": 90, "pr_percent": 60, "her2_ihc": 0,
                       "her2_ihc0_staining": "none", "ki67_percent": 10},
        "treatment": treatment,
    }  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(courses())
def test_local_therapy_is_consistent_with_what_was_done(data: dict[str, Any]) -> None:
    p = _point(data)
    actions = set(p.actions())
    t = data["treatment"]
    regions = {c["region"] for c in t["radiotherapy_courses"]}
    # no breast RT, BCS or RT omission after mastectomy (clinical_course.md 3)
    if t["surgery"]["type"] == "mastectomy":
        assert not actions & (FIRST_COURSE_BREAST | {"breast_conserving_surgery"})
    # never a first course to an irradiated region (2.2, 3)
    if regions & {"whole_breast", "partial_breast"}:
        assert not actions & {"whole_breast_rt", "partial_breast_rt", "tumour_bed_boost"}
    if "chest_wall" in regions:
        assert "post_mastectomy_rt" not in actions
    if "regional_nodes" in regions:
        assert not actions & {"regional_nodal_rt", "axillary_rt"}
    # RT omission is never judged at a recurrence or with tumour on ink (1.1, 5.1)
    if "recurrence" in t or data["tumour"]["margin_mm"] in (0, None):
        assert "rt_omission" not in actions
    # no SLNB omission once surgery is done (SOUND / INSEMA are pre-operative)
    assert "slnb_omission" not in actions
    # a recurrence is worked up by its own pathway
    if "recurrence" in t:
        assert p.decision_point == "locoregional_recurrence"
        assert {"biopsy_recurrence", "restaging"} <= actions  # not recorded as done


def test_margin_boundary_0_vs_above_0() -> None:
    base = {"patient": {"age_years": 56, "menopausal_status": "post"},
            "tumour": {"size_mm": 16, "nodes_examined": 2, "nodes_positive": 0, "clinical_n": "N0"},
            "biomarkers": {"er_percent": 90, "pr_percent": 60, "her2_ihc": 0,
                           "her2_ihc0_staining": "none", "ki67_percent": 10},
            "treatment": {"surgery": {"type": "breast_conserving",
                                      "axillary": "sentinel_node_biopsy"}}}  # fmt: skip
    base["tumour"]["margin_mm"] = 0
    assert "re_excision" in _point(base).actions()
    base["tumour"]["margin_mm"] = 0.1
    assert "re_excision" not in _point(base).actions()
    del base["tumour"]["margin_mm"]
    p = _point(base)
    assert "tumour.margin_mm" in {pr.field for pr in p.prompts}


def test_sentinel_nodes_1_2_vs_3() -> None:
    def actions(n: int) -> set[str]:
        return set(_point({
            "tumour": {"size_mm": 18, "clinical_n": "N0", "nodes_examined": 3,
                       "nodes_positive": n, "margin_mm": 3},
            "biomarkers": {"er_percent": 90, "pr_percent": 60, "her2_ihc": 1},
            "treatment": {"surgery": {"type": "breast_conserving",
                                      "axillary": "sentinel_node_biopsy",
                                      "sentinel_nodes_positive": n}}}).actions())  # fmt: skip

    assert {"alnd_omission", "axillary_rt"} <= actions(2) and "alnd" not in actions(2)
    assert "alnd" in actions(3) and "alnd_omission" not in actions(3)


def test_dcis_extent_25_vs_26_mm() -> None:
    def actions(mm: int) -> set[str]:
        return set(_point({
            "tumour": {"dcis_only": True, "dcis_extent_mm": mm, "dcis_nuclear_grade": 2,
                       "detection": "screen", "margin_mm": 3},
            "biomarkers": {"er_percent": 90},
            "treatment": {"surgery": {"type": "breast_conserving"}}}).actions())  # fmt: skip

    assert "rt_omission" in actions(25) and "whole_breast_rt" in actions(25)
    assert "rt_omission" not in actions(26)


def test_pmrt_pn1_is_discussed_pn2_is_offered() -> None:
    def point(nodes: int) -> Any:
        return _point({"tumour": {"size_mm": 30, "nodes_examined": 12, "nodes_positive": nodes},
                       "biomarkers": {"er_percent": 0, "pr_percent": 0, "her2_ihc": 3},
                       "treatment": {"surgery": {"type": "mastectomy",
                                                 "axillary": "axillary_dissection"}}})  # fmt: skip

    assert {"post_mastectomy_rt", "regional_nodal_rt"} <= set(point(4).actions())
    three = point(3)
    assert "post_mastectomy_rt" not in three.actions()
    assert any("post_mastectomy_rt" in o.actions for o in three.discuss)


def test_brain_metastases_by_count() -> None:
    def actions(n: int) -> set[str]:
        return set(_point({"tumour": {"clinical_m": "M1", "metastatic_sites": ["brain"],
                                      "brain_metastases_count": n},
                           "biomarkers": {"er_percent": 0, "pr_percent": 0,
                                          "her2_ihc": 3}}).actions())  # fmt: skip

    assert "stereotactic_radiosurgery" in actions(4) and "whole_brain_rt" not in actions(4)
    assert "whole_brain_rt" in actions(11)


def test_recurrence_in_irradiated_region_is_cautioned() -> None:
    p = _point({"treatment": {
        "surgery": {"type": "breast_conserving", "axillary": "sentinel_node_biopsy"},
        "radiotherapy_courses": [{"region": "whole_breast", "total_dose_gy": 40.05,
                                  "fractions": 15, "months_ago": 70}],
        "recurrence": {"site": "ipsilateral_breast", "biopsied": True, "restaged": True},
    }})  # fmt: skip
    [caution] = [c for c in p.cautions if c.factor == "prior_irradiation"]
    assert "irradiated" in caution.text_en and "40.05 Gy / 15 fractions" in caution.text_en
    assert "70 months ago" in caution.text_en and caution.text_zh


def test_no_menopausal_prompt_for_a_man() -> None:
    p = _point({"patient": {"sex": "male", "age_years": 61},
                "tumour": {"size_mm": 25, "nodes_examined": 3, "nodes_positive": 0},
                "biomarkers": {"er_percent": 90, "pr_percent": 50, "her2_ihc": 0,
                               "her2_ihc0_staining": "none", "ki67_percent": 30},
                "treatment": {"surgery": {"type": "mastectomy",
                                          "axillary": "sentinel_node_biopsy"}}})  # fmt: skip
    assert "patient.menopausal_status" not in {pr.field for pr in p.prompts}
    assert "germline_testing" in p.actions()
