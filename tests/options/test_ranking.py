"""Ranking by evidence (issue 16 item 3): options at a decision point are ordered by grade, then by
the strength of the trial result (overall survival > breast cancer mortality > PFS/DFS >
response > no trial endpoint), then priority; each option says why it sits where it does.

The small knowledge bases below are written for the test (two or three rules that apply to the
same triple-negative second-line case) so that each comparison changes one key at a time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from breastcds.entrypoint import classify
from breastcds.model.parse import parse_case
from breastcds.options.engine import DecisionPointOptions, OptionsResult, evaluate_options
from breastcds.options.schema import Evidence, KnowledgeBase, load_kb, load_kb_dir
from tests.options.strategies import cases

TNBC_LINE_2 = {
    "decision_point": "metastatic_line_2",
    "tumour": {"clinical_m": "M1"},
    "biomarkers": {"er_percent": 0, "pr_percent": 0, "her2_ihc": 0, "her2_ihc0_staining": "none"},
    "treatment": {"metastatic_lines": [{"agents": ["paclitaxel"], "outcome": "progression"}]},
}
RULE = """
  - id: test.metastatic.{name}
    decision_points: [metastatic_line_2]
    when: {{fact: er.status, op: eq, value: negative}}
    option: {{regimen: {name}, agents: [{agent}]}}
    grading: {grading}
    evidence: {evidence}
    source: [{{trial: {trial}, journal: N Engl J Med, year: 2021, key_result: "a result"}}]
    text: {{en: {name}, zh: 测试方案}}
    priority: {priority}
    since: "2026.11.1"
"""
NOT_VERIFIED = "{status: not verified}"
LEVEL_I = "{status: verified, csco: {level: 'I'}, verified_in: 'CSCO BC 2024, test table'}"
LEVEL_II = "{status: verified, csco: {level: 'II'}, verified_in: 'CSCO BC 2024, test table'}"


def _rule(name: str, agent: str, evidence: str | None, trial: str = "TRIAL",
          grading: str = NOT_VERIFIED, priority: int = 50) -> str:  # fmt: skip
    text = RULE.format(name=name, agent=agent, grading=grading, priority=priority, trial=trial,
                       evidence=evidence or "")  # fmt: skip
    return text if evidence else text.replace("    evidence: \n", "")


def _kb(tmp_path: Path, *rules: str) -> KnowledgeBase:
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "test.yaml").write_text(
        "pathway: test\ntitle: {en: test, zh: 测试}\nreviewed: '2026-11-25'\nrules:\n"
        + "".join(rules),
        encoding="utf-8",
    )
    return load_kb_dir(folder)


def _options(kb: KnowledgeBase, data: dict[str, Any] = TNBC_LINE_2) -> DecisionPointOptions:
    case = parse_case(data)
    (point,) = evaluate_options(case, classify(case), kb=kb).decision_points
    return point


def _order(point: DecisionPointOptions) -> list[str]:
    return [o.regimen for o in point.options]


def test_overall_survival_outranks_pfs_only_at_the_same_grade(tmp_path: Path) -> None:
    # the PFS rule has the smaller priority number: evidence decides before priority
    kb = _kb(
        tmp_path,
        _rule("pfs_only", "capecitabine", "{endpoint: pfs, trial: TRIAL}", priority=10),
        _rule("os_benefit", "eribulin", "{endpoint: os, trial: TRIAL}", priority=90),
    )
    point = _options(kb)
    assert _order(point) == ["os_benefit", "pfs_only"]
    first, second = point.options
    assert first.rank_reason.en == (
        "grade not verified; overall survival benefit (TRIAL). Ranked first."
    )
    assert second.rank_reason.en == (
        "grade not verified; progression-free survival benefit (TRIAL). Below os_benefit: same "
        "grade; weaker trial result (progression-free survival benefit (TRIAL) vs overall "
        "survival benefit (TRIAL))."
    )
    assert first.rank_reason.zh == "推荐级别未核实;总生存获益(TRIAL)。排名第一。"
    assert "推荐级别相同,试验结果较弱" in second.rank_reason.zh
    assert "无进展生存获益(TRIAL)" in second.rank_reason.zh


def test_grade_comes_before_the_trial_result(tmp_path: Path) -> None:
    kb = _kb(
        tmp_path,
        _rule("os_not_verified", "eribulin", "{endpoint: os, trial: TRIAL}"),
        _rule("pfs_level_ii", "vinorelbine", "{endpoint: pfs, trial: TRIAL}", grading=LEVEL_II),
        _rule("response_level_i", "capecitabine", "{endpoint: response, trial: TRIAL}",
              grading=LEVEL_I),
    )  # fmt: skip
    point = _options(kb)
    assert _order(point) == ["response_level_i", "pfs_level_ii", "os_not_verified"]
    assert "lower grade (CSCO level II (evidence category not verified) vs CSCO level I" in (
        point.options[1].rank_reason.en
    )
    assert "推荐级别较低" in point.options[2].rank_reason.zh


@pytest.mark.parametrize(
    ("stronger", "weaker"),
    [("{endpoint: os, trial: TRIAL}", "{endpoint: bcss, trial: TRIAL}"),
     ("{endpoint: bcss, trial: TRIAL}", "{endpoint: dfs, trial: TRIAL}"),
     ("{endpoint: pfs, trial: TRIAL}", "{endpoint: response, trial: TRIAL}"),
     ("{endpoint: response, trial: TRIAL}", "{endpoint: none}"),
     ("{endpoint: none}", None),  # a rule without an evidence block ranks last
     ("{endpoint: os, trial: TRIAL}", "{endpoint: os, trial: TRIAL, result: non_inferior}"),
     ("{endpoint: dfs, trial: TRIAL, result: non_inferior}",
      "{endpoint: dfs, trial: TRIAL, result: single_arm}")],
)  # fmt: skip
def test_endpoint_strength_order(tmp_path: Path, stronger: str, weaker: str | None) -> None:
    kb = _kb(tmp_path,
             _rule("weaker", "capecitabine", weaker, priority=1),
             _rule("stronger", "eribulin", stronger, priority=99))  # fmt: skip
    point = _options(kb)
    assert _order(point) == ["stronger", "weaker"]
    assert "weaker trial result" in point.options[1].rank_reason.en


def test_same_grade_and_endpoint_falls_back_to_priority_and_says_so(tmp_path: Path) -> None:
    kb = _kb(tmp_path,
             _rule("second", "capecitabine", "{endpoint: pfs, trial: TRIAL}", priority=20),
             _rule("first", "eribulin", "{endpoint: dfs, trial: TRIAL}", priority=10))  # fmt: skip
    point = _options(kb)
    assert _order(point) == ["first", "second"]  # PFS and DFS are one tier
    assert point.options[1].rank_reason.en.endswith(
        "Below first: same grade and trial-result strength (progression-free survival); "
        "knowledge-base order (priority 20 vs 10)."
    )


def test_packaged_tnbc_second_line_grade_then_trial_result() -> None:
    """gBRCA triple-negative second line after progression on a salvage taxane (CSCO 'taxane
    failure', 四(三) note 2). Level I first: sacituzumab and capecitabine + utidelone/vinorelbine
    (both overall survival; then priority), fuzuloparib + apatinib and the platinum doublet (PFS,
    weaker; then priority); then Level II: eribulin (overall survival) before fuzuloparib and
    capecitabine + bevacizumab (PFS; then priority); olaparib (Level III); carboplatin and
    generic chemotherapy are "grade not verified" and follow by trial result: carboplatin (TNT,
    response) > chemotherapy (ABC 5 consensus, no trial endpoint). The reason says so on each
    option."""
    biomarkers = {"er_percent": 0, "pr_percent": 0, "her2_ihc": 0,
                  "her2_ihc0_staining": "none", "germline_brca": "brca1"}  # fmt: skip
    line = {"agents": ["paclitaxel"], "outcome": "progression"}
    data: dict[str, Any] = {
        **TNBC_LINE_2,
        "biomarkers": biomarkers,
        "treatment": {"adjuvant_chemotherapy_done": True, "metastatic_lines": [line]},
    }
    point = _options(load_kb(), data)
    tnbc = [o for o in point.options if o.rule_id.startswith("tnbc.")]  # other pathways too
    assert [o.rule_id.removeprefix("tnbc.metastatic.") for o in tnbc] == [
        "sacituzumab_taxane_failure", "capecitabine_doublet_taxane_failure",
        "fuzuloparib_apatinib_gbrca_taxane_failure", "platinum_doublet_taxane_failure",
        "eribulin_taxane_failure", "fuzuloparib_gbrca_taxane_failure",
        "capecitabine_bevacizumab_taxane_failure", "parp_gbrca", "platinum_gbrca", "chemotherapy",
    ]  # fmt: skip
    sg, cap, fzpl_apa, plat, eri, fzpl, bev, parp, platinum, chemo = tnbc
    assert sg.rank_reason.en.startswith("CSCO level I (1B); overall survival benefit (ASCENT)")
    assert "same grade and trial-result strength" in cap.rank_reason.en
    assert "weaker trial result" in fzpl_apa.rank_reason.en
    assert "same grade and trial-result strength" in plat.rank_reason.en
    assert "lower grade (CSCO level II (1A) vs CSCO level I (1A))" in eri.rank_reason.en
    assert "weaker trial result" in fzpl.rank_reason.en
    assert "same grade and trial-result strength" in bev.rank_reason.en
    assert "lower grade (CSCO level III (2A) vs CSCO level II (2B))" in parp.rank_reason.en
    assert "lower grade (grade not verified vs CSCO level III (2A))" in platinum.rank_reason.en
    assert (
        "weaker trial result (no trial endpoint (guideline or consensus) vs "
        "response (pCR or objective response) benefit (TNT))" in chemo.rank_reason.en
    )


def test_packaged_her2_first_line_verified_level_i_then_evidence() -> None:
    data = {"decision_point": "metastatic_line_1", "tumour": {"clinical_m": "M1"},
            "biomarkers": {"er_percent": 0, "pr_percent": 0, "her2_ihc": 3}}  # fmt: skip
    point = _options(load_kb(), data)
    ids = [o.rule_id for o in point.options]
    # both CSCO level I (2024 abstract): THP (CLEOPATRA, OS) before pyrotinib + TH (PHILA, PFS)
    assert ids[:2] == ["her2pos.metastatic.thp", "her2pos.metastatic.pyrotinib_th"]
    assert "weaker trial result" in point.options[1].rank_reason.en


def test_evidence_model_rejects_an_endpoint_without_its_trial() -> None:
    with pytest.raises(ValueError, match="needs the trial"):
        Evidence.model_validate({"endpoint": "os"})
    with pytest.raises(ValueError, match="names no trial"):
        Evidence.model_validate({"endpoint": "none", "trial": "ASCENT"})


KB = load_kb()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_every_list_is_sorted_by_the_rank_key_and_explained(data: dict[str, Any]) -> None:
    case = parse_case(data)
    result: OptionsResult = evaluate_options(case, classify(case), kb=KB)
    for point in result.decision_points:
        for items in (point.options, point.discuss, point.not_recommended):
            keys = [KB.rule(o.rule_id).rank_key() for o in items]
            assert keys == sorted(keys)
            assert [o.rank for o in items] == sorted(o.rank for o in items)
            for i, o in enumerate(items):
                assert o.rank_reason is not None  # always set by the engine
                assert o.rank_reason.en and o.rank_reason.zh
                assert o.rank_reason.en.endswith("Ranked first.") is (i == 0)
                assert o.rank_reason.zh.endswith("排名第一。") is (i == 0)
