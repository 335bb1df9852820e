"""Systemic vignettes (shared reference) through the concordance runner.

Every public vignette must pass include / include_any / exclude / missing, evaluated through
``breastcds.concordance.run`` — the same path as ``breastcds concordance``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from breastcds.concordance import run
from breastcds.concordance.core import detect_kind
from breastcds.concordance.systemic import KIND, actual_for, compare, evaluate, matches, to_case

VIGNETTES = "domain/systemic_vignettes_public.json"


@pytest.fixture(scope="module")
def vignettes(reference_dir: Path) -> list[dict[str, Any]]:
    data = json.loads((reference_dir / VIGNETTES).read_text(encoding="utf-8"))
    assert isinstance(data, list) and data
    return data


def test_every_public_vignette_passes(vignettes: list[dict[str, Any]]) -> None:
    report = run(vignettes)
    assert report.errors == 0, [r for r in report.results if "error" in r["actual"]]
    assert report.kind_counts == {"systemic": len(vignettes)}
    for name, agreement in report.fields.items():
        assert agreement.agree == agreement.total, (name, agreement.disagreements)
    assert report.fields["systemic.include"].total == len(vignettes)
    assert report.all_agree


def test_each_vignette_by_compare(vignettes: list[dict[str, Any]]) -> None:
    for v in vignettes:
        actual = evaluate(v)
        for key, expected in v["expected"].items():
            value = actual_for(key, actual)
            assert compare(key, expected, value), (v["id"], key, expected, actual)


def test_actual_serialises_as_agents_and_missing(vignettes: list[dict[str, Any]]) -> None:
    actual = evaluate(vignettes[0])
    assert json.loads(json.dumps(actual)).keys() == {"agents", "missing"}
    assert all(a == a.lower() for a in actual["agents"])


def test_her2_pending_prompts_her2_and_offers_no_anti_her2(
    vignettes: list[dict[str, Any]],
) -> None:
    v = next(x for x in vignettes if x["id"] == "P-SYS-12")
    actual = evaluate(v)
    assert "biomarkers.her2_ish" in actual["missing"]
    assert not set(actual["agents"]) & {"trastuzumab", "pertuzumab", "trastuzumab deruxtecan"}


def test_kind_detection_separates_rt_vignettes(reference_dir: Path) -> None:
    rt = json.loads((reference_dir / "domain/rt_vignettes_public.json").read_text("utf-8"))
    assert not any(matches(v) for v in rt)
    sysv = json.loads((reference_dir / VIGNETTES).read_text("utf-8"))
    assert all(detect_kind(v) is KIND or detect_kind(v).name == "systemic" for v in sysv)


def test_mapping_before_surgery_uses_clinical_size_and_strips_prefixes() -> None:
    v = {
        "id": "X",
        "case": {
            "age": 50, "sex": "female", "menopausal_status": "pre",
            "decision_point": "post_neoadjuvant",
            "tumor": {"size_mm": 35, "clinical_n": "cN1", "m_category": "M0"},
            "biomarkers": {"er_percent": 80, "her2_ihc": 3, "gbrca": "BRCA1"},
            "history": {"neoadjuvant": {"agents": ["Docetaxel"], "response": "pCR",
                                        "ypT": "ypT0", "ypN": "ypN0"},
                        "months_since_trastuzumab": 3},
        },
    }  # fmt: skip
    case = to_case(v)
    assert case["tumour"]["clinical_size_mm"] == 35 and "size_mm" not in case["tumour"]
    assert case["tumour"]["clinical_n"] == "N1"
    assert case["treatment"]["neoadjuvant"] == {
        "agents": ["docetaxel"],
        "response": "pcr",
        "ypt": "T0",
        "ypn": "N0",
    }
    assert case["treatment"]["months_since_trastuzumab"] == 3
    assert case["biomarkers"]["germline_brca"] == "brca1"
    assert case["decision_point"] == "post_neoadjuvant"


def test_compare_rules() -> None:
    agents = ["fulvestrant", "capivasertib"]
    assert compare("include", ["fulvestrant"], agents)
    assert not compare("include", ["fulvestrant", "elacestrant"], agents)
    assert compare("include_any", [["letrozole", "fulvestrant"]], agents)
    assert not compare("include_any", [["letrozole"], ["fulvestrant"]], agents)
    assert compare("exclude", ["trastuzumab"], agents)
    assert not compare("exclude", ["capivasertib"], agents)
    assert compare("missing", "her2", ["biomarkers.her2_ish"])
    assert not compare("missing", "er", ["biomarkers.her2_ish"])
