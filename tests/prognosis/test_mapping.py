"""Case -> PREDICT inputs: every mapping stated, official unknown codes, not-applicable reasons.

Conventions checked here were verified in the official code (see the mapping module's
docstring): 1 node with micrometastases only = 0.5 nodes, Ki-67 positive = more than 10 %,
no unknown code for smoking or heart dose, population limits of the web tool.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest

from breastcds.entrypoint import classify
from breastcds.model.parse import parse_case
from breastcds.prognosis import predict
from breastcds.prognosis.mapping import PredictMapping, map_case, regimen_name
from breastcds.prognosis.section import run_model

BASE: dict[str, Any] = {
    "patient": {
        "age_years": 58,
        "sex": "female",
        "menopausal_status": "post",
        "comorbidities": {"current_smoker": False},
    },
    "tumour": {
        "laterality": "left",
        "size_mm": 22,
        "grade": 2,
        "nodes_examined": 10,
        "nodes_positive": 2,
        "clinical_m": "M0",
        "detection": "symptomatic",
    },
    "biomarkers": {"er_percent": 90, "pr_percent": 50, "her2_ihc": 0, "ki67_percent": 20},
    "treatment": {"surgery": {"type": "mastectomy", "axillary": "axillary_dissection"}},
}


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def mapped(over: dict[str, Any] | None = None, **kw: Any) -> PredictMapping:
    case = parse_case(_merge(BASE, over or {}))
    return map_case(case, classify(case), **kw)


def statement(m: PredictMapping, name: str) -> str:
    return next(s.text for s in m.statements if s.input == name)


def test_complete_case_maps_every_input_with_a_statement() -> None:
    m = mapped()
    assert m.status == "mapped" and m.runnable("v3.2") and m.runnable("v2.2")
    v = m.values
    assert (v["age"], v["size"], v["grade"], v["nodes"]) == (58, 22, 2, 2)
    assert (v["screen"], v["er"], v["pr"], v["her2"], v["ki67"], v["smoker"]) == (0, 1, 1, 0, 1, 0)
    stated = {s.input for s in m.statements}
    for name in ("age", "size", "screen", "grade", "nodes", "er", "pr", "her2", "ki67", "smoker"):
        assert name in stated, name
    assert "HER2-0, HER2-ultralow and HER2-low all count as HER2-negative" in statement(m, "her2")
    assert m.included("v3.2") == ("endocrine", "chemotherapy", "bisphosphonate")
    assert m.included("v2.2") == ("endocrine", "chemotherapy", "bisphosphonate")
    assert regimen_name("v3.2", m.included("v3.2")) == "hcb"
    assert regimen_name("v2.2", ()) == "surg"


def test_not_recorded_uses_the_official_unknown_codes() -> None:
    m = mapped(
        {
            "tumour": {"grade": None, "detection": None},
            "biomarkers": {"pr_percent": None, "ki67_percent": None},
        }
    )
    assert m.status == "mapped"
    assert (m.values["grade"], m.values["screen"], m.values["pr"], m.values["ki67"]) == (9, 2, 9, 9)
    assert "official 'unknown' code" in statement(m, "grade")
    assert "official 'unknown' code" in statement(m, "screen")


def test_screen_detected_is_1() -> None:
    assert mapped({"tumour": {"detection": "screen"}}).values["screen"] == 1


@pytest.mark.parametrize(("percent", "code"), [(10, 0), (10.5, 1), (5, 0), (40, 1)])
def test_ki67_positive_means_more_than_10_percent(percent: float, code: int) -> None:
    m = mapped({"biomarkers": {"ki67_percent": percent}})
    assert m.values["ki67"] == code
    assert "more than 10 %" in statement(m, "ki67")


def test_er_low_counts_as_er_positive_and_is_flagged() -> None:
    m = mapped({"biomarkers": {"er_percent": 5}})
    assert m.values["er"] == 1
    s = next(s for s in m.statements if s.input == "er")
    assert s.flag and "ER-low" in s.text and "counts as ER-positive" in s.text


def test_er_not_recorded_needs_er_percent() -> None:
    m = mapped({"biomarkers": {"er_percent": None}})
    assert m.status == "needs_data"
    assert [x.field for x in m.missing] == ["biomarkers.er_percent"]


@pytest.mark.parametrize(
    ("her2", "code", "words"),
    [
        ({"her2_ihc": 1}, 0, "HER2-low -> her2 = 0"),
        ({"her2_ihc": 0, "her2_ihc0_staining": "faint_le10"}, 0, "HER2-ultralow -> her2 = 0"),
        ({"her2_ihc": 3}, 1, "HER2-positive -> her2 = 1"),
        ({"her2_ihc": 2}, 9, "HER2 pending"),
    ],
)
def test_her2_mapping(her2: dict[str, Any], code: int, words: str) -> None:
    over = {"biomarkers": {"her2_ihc": None, **her2}}
    m = mapped(over)
    assert m.values["her2"] == code
    assert words in statement(m, "her2")
    trastuzumab = next(c for c in m.components if c.treatment == "trastuzumab")
    assert trastuzumab.status == {1: "included", 0: "not_applicable", 9: "needs_data"}[code]


def test_one_micrometastatic_node_is_half_a_node_as_in_the_official_tool() -> None:
    m = mapped({"tumour": {"nodes_positive": 1, "nodes_micrometastases_only": True}})
    assert m.values["nodes"] == 0.5
    assert "half a positive node" in statement(m, "nodes")
    unknown = mapped({"tumour": {"nodes_positive": 1, "nodes_micrometastases_only": None}})
    assert unknown.values["nodes"] == 1 and "not recorded" in statement(unknown, "nodes")
    several = mapped({"tumour": {"nodes_positive": 3, "nodes_micrometastases_only": True}})
    assert several.values["nodes"] == 3 and "does not change" in statement(several, "nodes")


def test_half_node_lies_between_0_and_1_node() -> None:
    """ln(0.5 + 1) sits between ln(1) and ln(2): surgery-only breast mortality must too."""
    outs = []
    for over in (
        {"tumour": {"nodes_positive": 0}},
        {"tumour": {"nodes_positive": 1, "nodes_micrometastases_only": True}},
        {"tumour": {"nodes_positive": 1, "nodes_micrometastases_only": False}},
    ):
        m = mapped(over)
        res = run_model("v3.2", m.inputs("v3.2"))
        outs.append(res.cum_mort_breast[0, res.regimen_index("s"), 9])
    assert outs[0] < outs[1] < outs[2]


def test_smoking_not_recorded_needs_the_field_for_v32_only() -> None:
    m = mapped({"patient": {"comorbidities": {"current_smoker": None}}})
    assert m.status == "mapped"
    assert m.runnable("v2.2") and not m.runnable("v3.2")
    assert [x.field for x in m.missing_v32] == ["patient.comorbidities.current_smoker"]


def test_heart_dose_absent_radiotherapy_needs_it_and_is_not_included() -> None:
    m = mapped()
    rt = [c for c in m.components if c.treatment == "radiotherapy"]
    v32 = next(c for c in rt if "v3.2" in c.models)
    assert v32.status == "needs_data" and "mean heart dose" in v32.reason
    assert "radiotherapy" not in m.included("v3.2")
    with_dose = mapped(heart_dose_gy=2.5)
    assert with_dose.included("v3.2")[-1] == "radiotherapy"
    assert "radiotherapy" not in with_dose.included("v2.2")
    assert regimen_name("v3.2", with_dose.included("v3.2")) == "rhcb"


def test_regimens_without_radiotherapy_do_not_use_the_heart_dose_placeholder() -> None:
    """Why the unused placeholder is safe: non-r regimens ignore radio and heart_gy."""
    a = run_model("v3.2", mapped().inputs("v3.2"))
    b = run_model("v3.2", mapped(heart_dose_gy=30.0).inputs("v3.2"))
    no_r = [i for i, name in enumerate(a.regimens) if "r" not in name]
    # two runs, one changed input: equal to 1e-12 relative (last-bit differences are allowed)
    np.testing.assert_allclose(a.cum_mort_all[:, no_r], b.cum_mort_all[:, no_r], rtol=1e-12, atol=0)


def test_bisphosphonate_only_postmenopausal() -> None:
    pre = mapped({"patient": {"menopausal_status": "pre"}})
    assert "bisphosphonate" not in pre.included("v3.2")
    unknown = mapped({"patient": {"menopausal_status": None}})
    bis = next(c for c in unknown.components if c.treatment == "bisphosphonate")
    assert bis.status == "needs_data" and "patient.menopausal_status" in bis.reason


def test_er_negative_has_no_endocrine_component() -> None:
    m = mapped({"biomarkers": {"er_percent": 0, "pr_percent": 0}})
    assert m.values["er"] == 0 and m.values["pr"] == 0
    assert "endocrine" not in m.included("v3.2")


@pytest.mark.parametrize(
    ("over", "words"),
    [
        ({"patient": {"sex": "male"}}, "male patient"),
        ({"tumour": {"clinical_m": "M1", "metastatic_sites": ["bone"]}}, "metastatic disease"),
        ({"tumour": {"dcis_only": True, "size_mm": None}}, "DCIS only"),
        ({"patient": {"age_years": 20}}, "age 20 years is outside"),
        ({"patient": {"age_years": 86}}, "age 86 years is outside"),
        ({"treatment": {"neoadjuvant": {"agents": ["docetaxel"]}}}, "neoadjuvant"),
        ({"tumour": {"laterality": "bilateral"}}, "bilateral"),
        ({"tumour": {"size_mm": None}}, "tumour.size_mm"),
        ({"tumour": {"size_mm": 600}}, "invasive size 600 mm is outside"),
        ({"treatment": {"surgery": {"type": "none"}}}, "no surgery"),
    ],
)
def test_not_applicable_with_reason(over: dict[str, Any], words: str) -> None:
    m = mapped(over)
    assert m.status == "not_applicable"
    assert any(words in r for r in m.reasons), m.reasons
    assert not m.runnable("v3.2") and not m.runnable("v2.2")
    with pytest.raises(ValueError):
        m.inputs("v2.2")


def test_size_zero_asks_for_the_invasive_size_above_zero() -> None:
    """The official model takes ln(size) (README of shared/reference/predict: v2.2
    ln(size/100), v3.2 ER-negative ln(size)) and its size range is (0, 500] mm
    (predict_coefficients.yaml input_limits): 0 mm is a prompt for the size, never computed."""
    m = mapped({"tumour": {"size_mm": 0}})
    assert m.status == "needs_data" and not m.runnable("v3.2") and not m.runnable("v2.2")
    [asked] = [x for x in m.missing if x.field == "tumour.size_mm"]
    assert "> 0 mm" in asked.reason
    assert "size" not in m.values and not m.reasons
    assert predict.field_specs()["size"].invalid(np.asarray([0.0]))[0]


def test_age_limits_are_the_official_ones() -> None:
    spec = predict.field_specs()["age"]
    assert (spec.low, spec.high) == (25, 85)
    assert mapped({"patient": {"age_years": 25}}).status == "mapped"
    assert mapped({"patient": {"age_years": 85}}).status == "mapped"


def test_sex_or_nodes_not_recorded_needs_the_field() -> None:
    m = mapped({"patient": {"sex": None}, "tumour": {"nodes_positive": None}})
    assert m.status == "needs_data"
    assert {x.field for x in m.missing} == {"patient.sex", "tumour.nodes_positive"}


def test_heart_dose_outside_the_tool_range_drops_radiotherapy_only() -> None:
    m = mapped(heart_dose_gy=60.0)
    assert m.status == "mapped" and "radiotherapy" not in m.included("v3.2")
    rt = next(c for c in m.components if c.treatment == "radiotherapy" and "v3.2" in c.models)
    assert rt.status == "not_applicable" and "outside [0, 50] Gy" in rt.reason


def test_heart_dose_from_the_case_field() -> None:
    m = mapped({"treatment": {"mean_heart_dose_gy": 1.8, "mean_heart_dose_source": "DVH"}})
    assert m.values["heart_gy"] == 1.8 and m.values["radio"] == 1
    assert m.included("v3.2")[-1] == "radiotherapy"
    s = next(s for s in m.statements if s.input == "heart_gy")
    assert s.case_field.startswith("treatment.mean_heart_dose_gy")
    # an explicit dose given by the caller takes precedence over the case field
    assert (
        mapped({"treatment": {"mean_heart_dose_gy": 1.8}}, heart_dose_gy=3.0).values["heart_gy"]
        == 3.0
    )
    # 55 Gy is accepted by the case model (<= 60) but outside the official tool's 0-50 Gy
    over = mapped({"treatment": {"mean_heart_dose_gy": 55}})
    assert "radiotherapy" not in over.included("v3.2")
