"""AJCC 8th edition T, N and anatomic stage (shared/reference/domain/biomarkers.md §6)."""

from __future__ import annotations

from typing import Any

import pytest

from breastcds.classify import stage
from breastcds.model.case import Case


@pytest.mark.parametrize(
    ("size", "t"),
    [
        (0.5, "T1mi"), (1, "T1mi"),  # <= 1 mm
        (1.01, "T1a"), (5, "T1a"),  # > 1-5 mm
        (5.1, "T1b"), (10, "T1b"),  # > 5-10 mm
        (10.5, "T1c"), (20, "T1c"),  # > 10-20 mm
        (20.1, "T2"), (50, "T2"),  # > 20-50 mm
        (50.1, "T3"), (120, "T3"),  # > 50 mm
        (0, "T0"),
    ],
)  # fmt: skip
def test_t_from_size(size: float, t: str) -> None:
    assert stage.t_from_size(size) == t


@pytest.mark.parametrize(
    ("nodes", "micro", "n"),
    [
        (0, False, "N0"),
        (0, None, "N0"),
        (1, True, "N1mi"),  # micrometastases only
        (None, True, "N1mi"),
        (5, True, "N1mi"),  # pN1mi whatever the count when every deposit is <= 2 mm
        (1, False, "N1a"), (3, False, "N1a"),  # 1-3 axillary nodes
        (4, False, "N2a"), (9, False, "N2a"),  # 4-9
        (10, False, "N3a"), (25, None, "N3a"),  # >= 10
        (None, None, None),
    ],
)  # fmt: skip
def test_n_from_nodes(nodes: int | None, micro: bool | None, n: str | None) -> None:
    assert stage.n_from_nodes(nodes, micro) == n


# Every anatomic stage group of the AJCC 8 table, with the footnote cases.
ANATOMIC = [
    ("Tis", "N0", "M0", "0"),
    ("T1mi", "N0", "M0", "IA"),  # T1 includes T1mi
    ("T1c", "N0", "M0", "IA"),
    ("T0", "N1mi", "M0", "IB"),
    ("T1b", "N1mi", "M0", "IB"),
    ("T0", "N1a", "M0", "IIA"),
    ("T1c", "N1", "M0", "IIA"),
    ("T2", "N0", "M0", "IIA"),
    ("T2", "N0(i+)", "M0", "IIA"),  # ITCs count as N0
    ("T2", "N1a", "M0", "IIB"),
    ("T2", "N1mi", "M0", "IIB"),  # T2 N1mi staged as N1
    ("T3", "N0", "M0", "IIB"),
    ("T0", "N2a", "M0", "IIIA"),
    ("T1", "N2", "M0", "IIIA"),
    ("T2", "N2b", "M0", "IIIA"),
    ("T3", "N1", "M0", "IIIA"),
    ("T3", "N1mi", "M0", "IIIA"),  # T3 N1mi staged as N1
    ("T3", "N2a", "M0", "IIIA"),
    ("T4a", "N0", "M0", "IIIB"),
    ("T4b", "N1", "M0", "IIIB"),
    ("T4d", "N2", "M0", "IIIB"),
    ("T4c", "N1mi", "M0", "IIIB"),
    ("T1", "N3a", "M0", "IIIC"),
    ("T4d", "N3c", "M0", "IIIC"),
    (None, "N3", "M0", "IIIC"),  # any T
    ("T1", "N0", "M1", "IV"),
    (None, None, "M1", "IV"),  # M1 whatever T and N
    ("T0", "N0", "M0", None),  # no evidence of tumour: no stage group
    (None, "N0", "M0", None),
    ("T2", None, "M0", None),
    ("T2", "N0", None, None),
]


@pytest.mark.parametrize(("t", "n", "m", "expected"), ANATOMIC)
def test_anatomic_stage(t: str | None, n: str | None, m: str | None, expected: str | None) -> None:
    assert stage.anatomic_stage(t, n, m)[0] == expected


def case(**tumour: Any) -> Case:
    return Case.model_validate({"tumour": tumour})


def test_pathological_from_size_and_nodes() -> None:
    s = stage.pathological(case(size_mm=21, nodes_positive=3, nodes_examined=3, clinical_m="M0"))
    assert (s.t, s.n, s.m, s.anatomic) == ("T2", "N1a", "M0", "IIB")
    assert (s.t_origin, s.n_origin, s.m_origin) == ("derived", "derived", "recorded")


def test_recorded_t4_wins_over_size() -> None:
    s = stage.pathological(
        case(size_mm=30, pathological_t="T4b", nodes_positive=0, clinical_m="M0")
    )
    assert (s.t, s.anatomic) == ("T4b", "IIIB")


def test_contradiction_between_recorded_t_and_size_gives_a_prompt() -> None:
    s = stage.pathological(case(size_mm=15, pathological_t="T2", nodes_positive=0, clinical_m="M0"))
    assert s.t is None and s.anatomic is None
    assert [m.field for m in s.missing] == ["tumour.pathological_t"]


def test_supraclavicular_n3c_recorded_beyond_axillary_count() -> None:
    s = stage.pathological(
        case(size_mm=15, pathological_n="N3c", nodes_positive=2, clinical_m="M0")
    )
    assert (s.n, s.anatomic) == ("N3c", "IIIC")


def test_m_from_sites() -> None:
    s = stage.pathological(case(size_mm=15, nodes_positive=0, metastatic_sites=["bone"]))
    assert (s.m, s.anatomic) == ("M1", "IV")
    s = stage.pathological(case(size_mm=15, nodes_positive=0, metastatic_sites=[]))
    assert (s.m, s.anatomic) == ("M0", "IA")


def test_m_not_recorded_is_not_m0() -> None:
    s = stage.pathological(case(size_mm=15, nodes_positive=0))
    assert s.m is None and s.anatomic is None
    assert "tumour.clinical_m" in [m.field for m in s.missing]


def test_dcis_only_is_tis() -> None:
    s = stage.pathological(case(dcis_only=True, nodes_positive=0, clinical_m="M0"))
    assert (s.t, s.anatomic) == ("Tis", "0")


def test_post_neoadjuvant_uses_yp_record() -> None:
    c = Case.model_validate(
        {
            "tumour": {"clinical_m": "M0"},
            "treatment": {"neoadjuvant": {"agents": ["paclitaxel"], "ypt": "T1c", "ypn": "N0"}},
        }
    )
    s = stage.pathological(c)
    assert (s.setting, s.t, s.n, s.anatomic) == ("post_neoadjuvant", "T1c", "N0", "IA")


def test_clinical_stage() -> None:
    c = case(clinical_t="T2", clinical_n="N1", clinical_m="M0")
    s = stage.clinical(c)
    assert (s.t, s.n, s.anatomic) == ("T2", "N1", "IIB")


# --- prognostic stage through assess (rows pinned in test_prognostic_stage.py) ---------------


def _assess_case(**biomarkers: Any) -> Any:
    from breastcds import assess

    rs = biomarkers.pop("oncotype_rs", None)
    return assess(
        {
            "tumour": {"size_mm": 30, "grade": 3, "nodes_positive": 0, "clinical_m": "M0"},
            "biomarkers": {**biomarkers, "genomics": {"oncotype_rs": rs}},
        }
    ).classification.stage_pathological


def test_assess_uses_the_pathological_prognostic_table() -> None:
    from breastcds.classify import prognostic_stage

    s = _assess_case(er_percent=90, pr_percent=0, her2_ihc=1)
    direct = prognostic_stage.pathological("T2", "N0", "M0", 3, False, True, False, None)
    assert s.prognostic is not None
    assert s.prognostic.stage == direct.stage and s.prognostic.status == "assigned"


def test_oncotype_below_11_makes_t2_n0_er_positive_her2_negative_stage_ia() -> None:
    # AJCC 8th ed. (2018): T1-2 N0 M0, ER+, HER2-, Oncotype RS < 11 -> pathological IA.
    s = _assess_case(er_percent=90, pr_percent=0, her2_ihc=1, oncotype_rs=10)
    assert s.prognostic is not None and s.prognostic.stage == "IA"
    s = _assess_case(er_percent=90, pr_percent=0, her2_ihc=1, oncotype_rs=11)
    assert s.prognostic is not None and s.prognostic.stage != "IA"


def test_er_low_counts_as_er_positive_for_ajcc_and_missing_grade_is_named() -> None:
    from breastcds import assess

    a = assess({"tumour": {"size_mm": 30, "nodes_positive": 0, "clinical_m": "M0"},
                "biomarkers": {"er_percent": 5, "pr_percent": 0, "her2_ihc": 1}})  # fmt: skip
    p = a.classification.stage_pathological.prognostic
    assert p is not None and p.status == "not_assignable"
    assert [m.field for m in p.missing] == ["tumour.grade"]


def test_no_node_examined_is_nx_not_n0() -> None:
    # AJCC 8: pN needs nodes removed and examined; none examined is pNX, never pN0.
    assert stage.n_from_nodes(0, None, nodes_examined=0) is None
    s = stage.pathological(case(size_mm=15, nodes_positive=0, nodes_examined=0, clinical_m="M0"))
    assert s.n is None and s.anatomic is None
    assert [m.field for m in s.missing] == ["tumour.pathological_n"]
    s = stage.pathological(case(size_mm=15, pathological_n="N0", nodes_examined=0, clinical_m="M0"))
    assert (s.n, s.anatomic) == ("N0", "IA")


NOT_STATED = "the treatment sequence was not stated"
AS_STATED = "surgery was the first treatment (no neoadjuvant therapy), as stated"


def test_no_neoadjuvant_record_is_a_treatment_sequence_not_stated() -> None:
    # no treatment.neoadjuvant: the pathological table is applied with the caveat, not as a fact
    s = _assess_case(er_percent=90, pr_percent=0, her2_ihc=1, oncotype_rs=8)
    assert s.setting == "pathological"
    assert s.prognostic is not None and s.prognostic.stage == "IA"
    assert any(NOT_STATED in r for r in s.prognostic.reasons)
    assert not any(AS_STATED in r for r in s.prognostic.reasons)


@pytest.mark.parametrize(("neoadjuvant", "expected"), [(None, NOT_STATED), (False, AS_STATED)])
def test_treatment_sequence_reason_follows_what_was_stated(
    neoadjuvant: bool | None, expected: str
) -> None:
    from breastcds.classify import prognostic_stage

    r = prognostic_stage.pathological(
        "T2", "N0", "M0", 3, False, True, False, 8, neoadjuvant_therapy=neoadjuvant
    )
    assert r.stage == "IA"
    assert any(expected in x for x in r.reasons)
    assert not any((AS_STATED if neoadjuvant is None else NOT_STATED) in x for x in r.reasons)


def test_recorded_neoadjuvant_therapy_leaves_the_pathological_table() -> None:
    from breastcds import assess

    a = assess({"tumour": {"size_mm": 30, "grade": 3, "nodes_positive": 0, "clinical_m": "M0"},
                "biomarkers": {"er_percent": 90, "pr_percent": 0, "her2_ihc": 1},
                "treatment": {"neoadjuvant": {"agents": ["docetaxel", "cyclophosphamide"],
                                              "response": "residual_invasive"}}})  # fmt: skip
    s = a.classification.stage_pathological
    assert s.setting == "post_neoadjuvant"
    assert s.prognostic is not None and s.prognostic.status == "not_assignable"
