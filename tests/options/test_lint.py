"""``kb lint``: the packaged knowledge base is clean with its coverage fixtures; broken
knowledge bases fail with a message naming the rule."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from breastcds.cli.main import app
from breastcds.entrypoint import classify
from breastcds.options.lint import lint, requires, witness
from breastcds.options.schema import load_kb

COVERAGE = Path(__file__).parent / "coverage"
PACKAGED = Path(__file__).resolve().parents[2] / "src/breastcds/knowledge/systemic"

GOOD_RULE = """
  - id: test.metastatic.capecitabine
    decision_points: [metastatic_line_2]
    when: {name: triple-negative, name_zh: 三阴性, all: [{fact: er.status, op: eq, value: negative},
           {fact: her2.status, op: eq, value: negative}]}
    option: {regimen: capecitabine, agents: [capecitabine]}
    grading: {status: not verified}
    evidence: {endpoint: none}
    source: [{guideline: "ABC 5", year: 2020}]
    text: {en: capecitabine, zh: 卡培他滨}
    since: "2026.11.1"
"""


def _kb(tmp_path: Path, rules: str) -> Path:
    folder = tmp_path / "kb"
    folder.mkdir(parents=True)
    (folder / "test.yaml").write_text(
        "pathway: test\ntitle: {en: test, zh: 测试}\nreviewed: '2026-11-25'\nrules:\n" + rules,
        encoding="utf-8",
    )
    return folder


def test_packaged_kb_passes_lint_with_full_coverage() -> None:
    report = lint(coverage=COVERAGE, classify=classify)
    assert report.errors == []
    assert report.rules == len(load_kb().rules) >= 80
    assert report.fixtures >= 60


def test_cli_kb_lint_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(app, ["kb", "lint", "--coverage", str(COVERAGE)])
    assert ok.exit_code == 0, ok.output
    bad = _kb(tmp_path, GOOD_RULE.replace('    source: [{guideline: "ABC 5", year: 2020}]\n', ""))
    res = runner.invoke(app, ["kb", "lint", "--kb", str(bad)])
    assert res.exit_code == 1


def test_rule_without_source_fails(tmp_path: Path) -> None:
    no_source = GOOD_RULE.replace('    source: [{guideline: "ABC 5", year: 2020}]\n', "")
    folder = _kb(tmp_path, no_source)
    report = lint(kb_dir=folder)
    assert not report.ok and "test.metastatic.capecitabine" in report.errors[0]
    assert "source" in report.errors[0]


def test_rule_without_grading_fails(tmp_path: Path) -> None:
    folder = _kb(tmp_path, GOOD_RULE.replace("    grading: {status: not verified}\n", ""))
    report = lint(kb_dir=folder)
    assert not report.ok and "grading" in report.errors[0]


def test_verified_grade_must_say_where(tmp_path: Path) -> None:
    rules = GOOD_RULE.replace(
        "grading: {status: not verified}", "grading: {status: verified, csco: {level: 'I'}}"
    )
    report = lint(kb_dir=_kb(tmp_path, rules))
    assert not report.ok and "verified_in" in report.errors[0]


def test_condition_name_without_chinese_fails(tmp_path: Path) -> None:
    """A condition name is shown to a reader (matched / failed criteria): it needs name_zh."""
    folder = _kb(tmp_path, GOOD_RULE.replace(" name_zh: 三阴性,", ""))
    report = lint(kb_dir=folder)
    assert not report.ok
    assert (
        "rule 'test.metastatic.capecitabine' when: condition name 'triple-negative' needs "
        "name_zh" in report.errors
    )


def test_unknown_fact_fails(tmp_path: Path) -> None:
    folder = _kb(tmp_path, GOOD_RULE.replace("fact: er.status", "fact: er.colour"))
    report = lint(kb_dir=folder)
    assert not report.ok and "unknown fact 'er.colour'" in report.errors[0]


def test_unknown_agent_fails(tmp_path: Path) -> None:
    folder = _kb(tmp_path, GOOD_RULE.replace("agents: [capecitabine]", "agents: [Xeloda]"))
    report = lint(kb_dir=folder)
    assert not report.ok and "'Xeloda' is not an INN" in report.errors[0]


def test_anti_her2_without_her2_positive_requirement_fails(tmp_path: Path) -> None:
    rules = GOOD_RULE.replace("agents: [capecitabine]", "agents: [capecitabine, trastuzumab]")
    report = lint(kb_dir=_kb(tmp_path, rules))
    assert any("HER2-directed trastuzumab" in e for e in report.errors)


def test_endocrine_without_er_positive_requirement_fails(tmp_path: Path) -> None:
    rules = GOOD_RULE.replace("agents: [capecitabine]", "agents: [letrozole]")
    report = lint(kb_dir=_kb(tmp_path, rules))
    assert any("endocrine agent letrozole" in e for e in report.errors)


def test_her2_low_adc_in_early_setting_fails(tmp_path: Path) -> None:
    rules = GOOD_RULE.replace("agents: [capecitabine]", "agents: [trastuzumab deruxtecan]")
    rules = rules.replace("[metastatic_line_2]", "[adjuvant]").replace(
        "{fact: her2.status, op: eq, value: negative}",
        "{fact: her2.category, op: eq, value: HER2-low}",
    )
    report = lint(kb_dir=_kb(tmp_path, rules))
    assert any("HER2-low ADC trastuzumab deruxtecan at early" in e for e in report.errors)


def test_contradictory_option_and_avoid_rules_fail(tmp_path: Path) -> None:
    avoid = (
        GOOD_RULE.replace("test.metastatic.capecitabine", "test.metastatic.no_capecitabine")
        .replace("decision_points: [metastatic_line_2]",
                 "decision_points: [metastatic_line_2]\n    recommendation: avoid")
        .replace("{fact: her2.status, op: eq, value: negative}",
                 "{fact: pdl1_cps, op: gte, value: 10}")
    )  # fmt: skip
    report = lint(kb_dir=_kb(tmp_path, GOOD_RULE + avoid))
    assert any("contradiction" in e and "no_capecitabine" in e for e in report.errors)
    # disjoint conditions do not contradict
    disjoint = avoid.replace("op: eq, value: negative}", "op: eq, value: positive}", 1)
    assert not lint(kb_dir=_kb(tmp_path / "b", GOOD_RULE + disjoint)).errors


def test_rule_without_coverage_fails(tmp_path: Path) -> None:
    copy = tmp_path / "kb"
    shutil.copytree(PACKAGED, copy)
    extra = GOOD_RULE.replace("test.metastatic.capecitabine", "tnbc.metastatic.extra_capecitabine")
    with (copy / "triple_negative.yaml").open("a", encoding="utf-8") as f:
        f.write(extra)
    report = lint(kb_dir=copy, coverage=COVERAGE, classify=classify)
    assert "rule 'tnbc.metastatic.extra_capecitabine' has no fixture that fires it" in report.errors
    assert any("extra_capecitabine' has no fixture that just misses it" in e for e in report.errors)


def test_fixture_expectation_that_does_not_hold_fails(tmp_path: Path) -> None:
    fx = tmp_path / "fx.yaml"
    fx.write_text(
        "- id: wrong\n  case: {decision_point: metastatic_line_1, tumour: {clinical_m: M1},\n"
        "         biomarkers: {er_percent: 0, pr_percent: 0, her2_ihc: 3}}\n"
        "  fires: [tnbc.metastatic.chemotherapy]\n",
        encoding="utf-8",
    )
    report = lint(coverage=fx, classify=classify)
    assert "fixture 'wrong' should fire 'tnbc.metastatic.chemotherapy' but does not" in (
        report.errors
    )


@pytest.mark.parametrize(
    ("fact", "allowed", "expected"),
    [("her2.status", {"positive"}, True), ("er.status", {"positive"}, False)],
)
def test_requires(fact: str, allowed: set[str], expected: bool) -> None:
    rule = load_kb().rule("her2pos.metastatic.thp")
    assert requires(rule.when, fact, allowed) is expected


def test_witness_finds_overlap_only_when_it_exists() -> None:
    kb = load_kb()
    a = kb.rule("tnbc.metastatic.pembrolizumab_chemo_taxane_sensitive").when
    b = kb.rule("tnbc.metastatic.chemotherapy").when
    assert witness(a, b) is not None
    c = kb.rule("her2pos.metastatic.thp").when
    assert witness(a, c) is None


# ------------------------------------------------------ grading, text, evidence (issue 16)
TRIAL_RULE = GOOD_RULE.replace(
    '    source: [{guideline: "ABC 5", year: 2020}]',
    "    source: [{trial: ASCENT, journal: N Engl J Med, year: 2021, "
    'key_result: "OS 12.1 vs 6.7 months"}]',
)


def test_every_packaged_rule_has_evidence_and_bilingual_text() -> None:
    kb = load_kb()
    assert all(r.evidence is not None for r in kb.rules)
    report = lint()
    assert report.errors == []
    assert any("option rules carry a verified CSCO level" in n for n in report.notes)


def test_rule_without_evidence_fails(tmp_path: Path) -> None:
    report = lint(kb_dir=_kb(tmp_path, GOOD_RULE.replace("    evidence: {endpoint: none}\n", "")))
    assert report.errors == [
        "rule 'test.metastatic.capecitabine': no evidence endpoint (evidence: {endpoint: "
        "os|bcss|dfs|pfs|response|none, trial: <a source trial>})"
    ]


def test_evidence_trial_must_be_a_source_trial(tmp_path: Path) -> None:
    ok = TRIAL_RULE.replace("{endpoint: none}", "{endpoint: os, trial: ASCENT}")
    assert lint(kb_dir=_kb(tmp_path / "ok", ok)).errors == []
    bad = TRIAL_RULE.replace("{endpoint: none}", "{endpoint: os, trial: TROPiCS-02}")
    report = lint(kb_dir=_kb(tmp_path / "bad", bad))
    assert report.errors == [
        "rule 'test.metastatic.capecitabine': evidence trial 'TROPiCS-02' is not one of its "
        "sources ['ASCENT']"
    ]


@pytest.mark.parametrize(
    "evidence",
    ["{endpoint: os}", "{endpoint: none, trial: ASCENT}", "{endpoint: survival, trial: ASCENT}",
     "{endpoint: os, trial: ASCENT, result: better}"],
)  # fmt: skip
def test_malformed_evidence_is_rejected_at_load(tmp_path: Path, evidence: str) -> None:
    rules = TRIAL_RULE.replace("{endpoint: none}", evidence)
    report = lint(kb_dir=_kb(tmp_path, rules))
    assert not report.ok and "test.metastatic.capecitabine" in report.errors[0]
    assert "evidence" in report.errors[0]


@pytest.mark.parametrize(
    ("verified_in", "ok"),
    [("CSCO BC 2024, HER2-positive metastatic first line, Level I", True),
     ("the guideline abstract", False),          # no guideline name, no version
     ("CSCO BC guidelines, first line", False),  # no version year
     ("NCCN 2025, BINV-Q", False)],              # another body than the grade given
)  # fmt: skip
def test_verified_grade_names_guideline_and_version(
    tmp_path: Path, verified_in: str, ok: bool
) -> None:
    rules = GOOD_RULE.replace(
        "grading: {status: not verified}",
        f"grading: {{status: verified, csco: {{level: 'I'}}, verified_in: '{verified_in}'}}",
    )
    errors = lint(kb_dir=_kb(tmp_path, rules)).errors
    assert (errors == []) is ok, errors
    if not ok:
        assert "verified CSCO grade but verified_in does not name" in errors[0]


def test_not_verified_grade_cannot_carry_a_level(tmp_path: Path) -> None:
    rules = GOOD_RULE.replace(
        "grading: {status: not verified}", "grading: {status: not verified, csco: {level: 'II'}}"
    )
    report = lint(kb_dir=_kb(tmp_path, rules))
    assert not report.ok and "must not carry a CSCO/NCCN grade" in report.errors[0]


@pytest.mark.parametrize(
    ("text", "message"),
    [("{en: capecitabine, zh: capecitabine}", "zh has no Chinese characters"),
     ("{en: 卡培他滨, zh: 卡培他滨}", "en has no English text")],
)  # fmt: skip
def test_text_must_be_bilingual(tmp_path: Path, text: str, message: str) -> None:
    rules = GOOD_RULE.replace("{en: capecitabine, zh: 卡培他滨}", text)
    errors = lint(kb_dir=_kb(tmp_path, rules)).errors
    assert len(errors) == 1 and message in errors[0] and "test.metastatic.capecitabine" in errors[0]


def test_coverage_needs_the_classifier_from_its_adapter() -> None:
    """lint is a capability: the classifier comes from the adapter, never imported upward."""
    with pytest.raises(ValueError, match="needs classify"):
        lint(coverage=COVERAGE)
