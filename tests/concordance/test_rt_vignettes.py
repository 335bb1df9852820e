"""Radiotherapy-omission vignettes (shared reference) through the concordance runner.

Every field (CALGB_9343, PRIME_II, LUMINA → {verdict, criteria}) of every public vignette must
agree with ``expected``, evaluated through ``breastcds.concordance.run`` — the CLI's path.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from breastcds.concordance import detect_kind, run
from breastcds.concordance.rt_omission import KIND, TRIALS, matches, to_case

VIGNETTES = "domain/rt_vignettes_public.json"


@pytest.fixture(scope="module")
def vignettes(reference_dir: Path) -> list[dict[str, Any]]:
    data = json.loads((reference_dir / VIGNETTES).read_text(encoding="utf-8"))
    assert isinstance(data, list) and data
    return data


def test_every_field_of_every_vignette_agrees(vignettes: list[dict[str, Any]]) -> None:
    report = run(vignettes)
    assert report.errors == 0, [r for r in report.results if "error" in r["actual"]]
    assert report.kind_counts == {"rt_omission": len(vignettes)}
    assert set(report.fields) == {f"rt_omission.{t}" for t in TRIALS}
    for name, agreement in report.fields.items():
        assert agreement.total == len(vignettes), name
        assert agreement.agree == agreement.total, (name, agreement.disagreements)


def test_actual_has_exactly_the_expected_keys(vignettes: list[dict[str, Any]]) -> None:
    for result, vignette in zip(run(vignettes).results, vignettes, strict=True):
        assert set(result["actual"]) == set(vignette["expected"])
        for trial in TRIALS:
            assert set(result["actual"][trial]) == {"verdict", "criteria"}


def test_kind_detection_separates_rt_from_systemic_cases() -> None:
    rt = {"id": "x", "case": {"age": 72, "size_mm": 12, "her2_negative": True}}
    systemic = {"id": "y", "case": {"age": 50, "decision_point": "adjuvant", "tumor": {}}}
    assert matches(rt) and not matches(systemic)
    assert detect_kind(rt).name == "rt_omission"


def test_vocabulary_mapping() -> None:
    v = {
        "id": "m",
        "case": {"age": 72, "size_mm": 12, "nodes_positive": 0, "grade": None, "lvi": False,
                 "er_percent": 95, "pr_percent": None, "her2_negative": True,
                 "ki67_percent": 8, "margin_mm": 0, "endocrine_therapy_planned": False},
    }  # fmt: skip
    c = to_case(v)
    assert c["patient"] == {"age_years": 72}
    assert c["tumour"] == {"size_mm": 12, "nodes_positive": 0, "lvi": False, "margin_mm": 0}
    assert c["biomarkers"] == {"er_percent": 95, "ki67_percent": 8, "her2_ihc": 0}
    assert c["treatment"] == {
        "surgery": {"type": "breast_conserving"},
        "endocrine_therapy_planned": False,
    }
    assert to_case({"case": {"her2_negative": False}})["biomarkers"] == {"her2_ihc": 3}
    assert to_case({"case": {"her2_negative": None}})["biomarkers"] == {}


def test_first_vignette_by_hand(vignettes: list[dict[str, Any]]) -> None:
    # P-RT-000: 72 y, 12 mm, N0, grade 1 with LVI (allowed in PRIME II without grade 3),
    # ER 95 PR 80 HER2-, Ki-67 8, margin 3 mm, endocrine therapy NOT planned: every trial
    # requires endocrine therapy, nothing else fails.
    v = next(v for v in vignettes if v["id"] == "P-RT-000")
    actual = KIND.evaluate(v)
    for trial in TRIALS:
        assert actual[trial] == {"verdict": "fails", "criteria": ["endocrine_therapy_planned"]}
