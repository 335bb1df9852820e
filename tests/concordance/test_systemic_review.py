"""Review vignettes (tests/concordance/fixtures/systemic_review_vignettes.json) through the
concordance runner.

Written from the tables of shared/reference/domain/systemic_therapy.md (each vignette names the
reference row it comes from), covering every subtype x decision point, missing-data prompts and
exclusions. Evaluated through ``breastcds.concordance.run`` — the path of ``breastcds
concordance`` — and every field must agree.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from breastcds.concordance import run
from breastcds.concordance.systemic import evaluate, to_case

FIXTURE = Path(__file__).parent / "fixtures" / "systemic_review_vignettes.json"


@pytest.fixture(scope="module")
def vignettes() -> list[dict[str, Any]]:
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    assert isinstance(data, list) and len(data) >= 30
    return data


def test_every_review_vignette_agrees(vignettes: list[dict[str, Any]]) -> None:
    report = run(vignettes)
    assert report.errors == 0, [r for r in report.results if "error" in r["actual"]]
    assert report.kind_counts == {"systemic": len(vignettes)}
    for name, agreement in report.fields.items():
        assert agreement.agree == agreement.total, (name, agreement.disagreements)
    assert report.fields["systemic.include"].total == len(vignettes)
    assert report.fields["systemic.missing"].total >= 5
    assert report.all_agree


def test_each_vignette_names_its_reference_row(vignettes: list[dict[str, Any]]) -> None:
    ids = [v["id"] for v in vignettes]
    assert len(ids) == len(set(ids))
    for v in vignettes:
        assert v["summary"] and "reference" in v and v["reference"], v["id"]


def test_missing_inputs_prompt_and_offer_nothing_that_depends_on_them(
    vignettes: list[dict[str, Any]],
) -> None:
    by_id = {v["id"]: v for v in vignettes}
    pdl1 = evaluate(by_id["R-SYS-51"])  # TNBC first line, PD-L1 not recorded
    assert "biomarkers.pdl1_cps" in pdl1["missing"] and "pembrolizumab" not in pdl1["agents"]
    rs = evaluate(by_id["R-SYS-32"])  # HR+ N0, Oncotype RS not recorded
    assert "biomarkers.genomics.oncotype_rs" in rs["missing"]
    assert not {"doxorubicin", "epirubicin", "docetaxel", "paclitaxel"} & set(rs["agents"])
    meno = evaluate(by_id["R-SYS-33"])  # endocrine choice without menopausal status
    assert "patient.menopausal_status" in meno["missing"]
    assert not {"tamoxifen", "anastrozole", "letrozole"} & set(meno["agents"])


def test_metastatic_sites_and_line_outcomes_map_onto_the_case_model() -> None:
    v = {
        "id": "X",
        "case": {
            "age": 50, "sex": "female", "menopausal_status": "post",
            "decision_point": "metastatic_line_2",
            "tumor": {"m_category": "M1", "metastatic_sites": ["Lymph nodes", "liver", "adrenal"],
                      "brain_metastases": True},
            "biomarkers": {"er_percent": 0, "pr_percent": 0, "her2_ihc": 3},
            "history": {"metastatic_lines": [{"agents": ["docetaxel"],
                                              "outcome": "progressive disease", "months": 9}]},
        },
    }  # fmt: skip
    case = to_case(v)
    assert case["tumour"]["metastatic_sites"] == ["distant_lymph_nodes", "liver", "other", "brain"]
    assert case["treatment"]["metastatic_lines"][0]["outcome"] == "progression"
