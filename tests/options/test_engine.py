"""Option engine behaviour; expected answers follow shared/reference/domain/systemic_therapy.md."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner

from breastcds import assess
from breastcds.cli.main import app
from breastcds.entrypoint import classify
from breastcds.model.parse import parse_case
from breastcds.options.engine import DecisionPointOptions, evaluate_options

HER2_POS = {"er_percent": 0, "pr_percent": 0, "her2_ihc": 3}
HR_POS_HER2_0 = {"er_percent": 90, "pr_percent": 60, "her2_ihc": 0, "her2_ihc0_staining": "none"}


def _points(data: dict[str, Any]) -> list[DecisionPointOptions]:
    case = parse_case(data)
    return evaluate_options(case, classify(case)).decision_points


def _one(data: dict[str, Any]) -> DecisionPointOptions:
    points = _points(data)
    assert len(points) == 1
    return points[0]


def _prompted(p: DecisionPointOptions) -> set[str]:
    return {pr.field for pr in p.prompts}


def test_her2_ihc2_without_ish_prompts_for_ish_and_offers_no_her2_therapy() -> None:
    p = _one({"decision_point": "metastatic_line_1", "tumour": {"clinical_m": "M1"},
              "biomarkers": {"er_percent": 0, "pr_percent": 0, "her2_ihc": 2}})  # fmt: skip
    assert "biomarkers.her2_ish" in _prompted(p)
    assert not {"trastuzumab", "pertuzumab", "trastuzumab deruxtecan"} & set(p.agents())


def test_er_low_is_flagged_for_discussion_never_standard_endocrine() -> None:
    p = _one({"decision_point": "adjuvant", "patient": {"menopausal_status": "post"},
              "tumour": {"size_mm": 20, "nodes_positive": 0, "clinical_m": "M0"},
              "biomarkers": {"er_percent": 5, "pr_percent": 0, "her2_ihc": 0,
                             "her2_ihc0_staining": "none"}})  # fmt: skip
    assert [d.rule_id for d in p.discuss] == ["hrpos.er_low.discuss"]
    assert not {"tamoxifen", "anastrozole", "letrozole", "exemestane"} & set(p.agents())


def test_her2_low_early_disease_gets_no_t_dxd_and_says_why() -> None:
    p = _one({"decision_point": "adjuvant", "patient": {"menopausal_status": "post"},
              "tumour": {"size_mm": 20, "nodes_positive": 0, "clinical_m": "M0"},
              "biomarkers": {"er_percent": 90, "pr_percent": 60, "her2_ihc": 1}})  # fmt: skip
    assert "trastuzumab deruxtecan" not in p.agents()
    assert [o.rule_id for o in p.not_recommended] == ["her2low.early.no_her2_low_therapy"]


def test_menopausal_status_unknown_is_a_prompt_not_a_guess() -> None:
    p = _one({"decision_point": "adjuvant",
              "tumour": {"size_mm": 15, "nodes_positive": 0, "clinical_m": "M0"},
              "biomarkers": HR_POS_HER2_0})  # fmt: skip
    assert "patient.menopausal_status" in _prompted(p)
    assert not {"tamoxifen", "anastrozole", "letrozole", "exemestane"} & set(p.agents())


def test_node_negative_without_recurrence_score_prompts_for_it() -> None:
    p = _one({"decision_point": "adjuvant",
              "patient": {"age_years": 60, "menopausal_status": "post"},
              "tumour": {"size_mm": 15, "nodes_positive": 0, "grade": 2, "clinical_m": "M0"},
              "biomarkers": HR_POS_HER2_0})  # fmt: skip
    assert "biomarkers.genomics.oncotype_rs" in _prompted(p)
    assert "paclitaxel" not in p.agents()


def test_first_line_her2_positive_ranks_level_i_thp_first() -> None:
    p = _one({"decision_point": "metastatic_line_1", "tumour": {"clinical_m": "M1"},
              "biomarkers": HER2_POS})  # fmt: skip
    assert p.options[0].rule_id == "her2pos.metastatic.thp"
    assert p.options[0].grade.csco_level == "I"
    assert [o.rank for o in p.options] == list(range(1, len(p.options) + 1))
    thp = p.options[0]
    assert any("CLEOPATRA" in s for s in thp.sources)
    assert "多西他赛" in thp.agents_zh


def test_near_miss_names_the_failed_criterion() -> None:
    p = _one({"decision_point": "metastatic_line_2",
              "tumour": {"clinical_m": "M1", "metastatic_sites": ["lung"]},
              "biomarkers": HER2_POS,
              "treatment": {"metastatic_lines": [
                  {"agents": ["docetaxel", "trastuzumab", "pertuzumab"],
                   "outcome": "progression", "months": 18}]}})  # fmt: skip
    miss = next(n for n in p.not_offered if n.rule_id == "her2pos.metastatic.tucatinib_brain")
    assert miss.near_miss and "brain_metastases" in miss.because[0]
    assert {"trastuzumab deruxtecan", "trastuzumab emtansine"} <= set(p.agents())


def test_unknown_agent_in_history_is_unknown_not_absent() -> None:
    p = _one({"decision_point": "metastatic_line_2",
              "tumour": {"clinical_m": "M1", "metastatic_sites": ["lung"]},
              "biomarkers": {"er_percent": 0, "pr_percent": 0, "her2_ihc": 1},
              "treatment": {"metastatic_lines": [{"agents": ["drug x"],
                                                  "outcome": "progression"}]}})  # fmt: skip
    assert "trastuzumab deruxtecan" not in p.agents()
    assert "treatment.metastatic_lines" in _prompted(p)


def test_later_line_without_recorded_history_asks_for_it() -> None:
    p = _one({"decision_point": "metastatic_line_2",
              "tumour": {"clinical_m": "M1", "metastatic_sites": ["bone"]},
              "biomarkers": {"er_percent": 90, "pr_percent": 30, "her2_ihc": 1}})  # fmt: skip
    assert "treatment.metastatic_lines" in _prompted(p)
    assert "trastuzumab deruxtecan" not in p.agents()


def test_decision_point_inferred_from_metastatic_history() -> None:
    points = _points({"tumour": {"clinical_m": "M1", "metastatic_sites": ["bone"]},
                      "biomarkers": HER2_POS,
                      "treatment": {"metastatic_lines": [{"agents": ["docetaxel", "trastuzumab"],
                                                          "outcome": "progression"}]}})  # fmt: skip
    assert [(p.decision_point, p.inferred) for p in points] == [("metastatic_line_2", True)]


def test_early_decision_point_on_metastatic_case_is_a_conflict() -> None:
    p = _one({"decision_point": "adjuvant", "tumour": {"clinical_m": "M1"},
              "biomarkers": HER2_POS})  # fmt: skip
    assert p.conflicts and not p.options


def test_relapse_within_12_months_of_trastuzumab_excludes_thp() -> None:
    p = _one({"decision_point": "metastatic_line_1", "tumour": {"clinical_m": "M1"},
              "biomarkers": HER2_POS, "treatment": {"months_since_trastuzumab": 8}})  # fmt: skip
    assert "her2pos.metastatic.thp" in {n.rule_id for n in p.not_offered}
    assert "trastuzumab deruxtecan" in p.agents()


def test_assess_carries_the_options_section_as_json() -> None:
    a = assess({"decision_point": "neoadjuvant",
                "tumour": {"clinical_size_mm": 30, "clinical_n": "N1", "clinical_m": "M0"},
                "biomarkers": HER2_POS})  # fmt: skip
    payload = json.loads(a.model_dump_json())
    dp = payload["sections"]["options"]["decision_points"][0]
    assert dp["decision_point"] == "neoadjuvant"
    assert {"trastuzumab", "pertuzumab"} <= {x for o in dp["options"] for x in o["agents"]}


def test_cli_assess_renders_options_in_chinese() -> None:
    res = CliRunner(env={"COLUMNS": "240"}).invoke(
        app, ["assess", "--example", "her2-positive-neoadjuvant", "--lang", "zh"]
    )
    assert res.exit_code == 0, res.output
    assert "治疗方案" in res.output and "帕妥珠单抗" in res.output


def test_cli_kb_rule_shows_source_and_grade() -> None:
    res = CliRunner().invoke(app, ["kb", "rule", "her2pos.post_neoadjuvant.tdm1"])
    out = " ".join(res.output.split())  # the console wraps long lines
    assert res.exit_code == 0 and "KATHERINE" in out
    assert "CSCO level I (2A)" in out and "verified in: CSCO BC 2026" in out
    res = CliRunner().invoke(app, ["kb", "rule", "her2pos.metastatic.tucatinib_brain"])
    assert res.exit_code == 0 and "grade not verified" in res.output
    res = CliRunner().invoke(app, ["kb", "rule", "no.such.rule"])
    assert res.exit_code == 2


def test_ihc0_without_staining_detail_prompts_for_the_staining_detail() -> None:
    """IHC 0 with the staining detail unrecorded: HER2-negative, category pending. The
    ultralow option (DESTINY-Breast06) is not offered and the prompt names the exact field
    that decides it, biomarkers.her2_ihc0_staining (not the IHC score, which is recorded)."""
    from breastcds import assess

    a = assess(
        {
            "decision_point": "metastatic_line_2",
            "patient": {"age_years": 60, "sex": "female", "menopausal_status": "post"},
            "tumour": {"clinical_m": "M1", "metastatic_sites": ["bone"]},
            "biomarkers": {"er_percent": 90, "pr_percent": 30, "her2_ihc": 0},
            "treatment": {
                "metastatic_lines": [
                    {"agents": ["letrozole", "palbociclib"], "outcome": "progression", "months": 5}
                ]
            },
        }
    )
    section = a.sections.options
    prompts = {p.field for d in section.decision_points for p in d.prompts}
    agents = {x for d in section.decision_points for x in d.agents()}
    assert "biomarkers.her2_ihc0_staining" in prompts
    assert "biomarkers.her2_ihc" not in prompts
    assert "trastuzumab deruxtecan" not in agents
