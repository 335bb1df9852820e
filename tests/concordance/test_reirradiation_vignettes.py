"""Re-irradiation vignettes (shared reference) through the concordance runner.

Every field of every public vignette must agree with ``expected`` within 0.01 Gy (strings
exactly), evaluated through ``breastcds.concordance.run`` — the same path as the CLI.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from breastcds.concordance import run
from breastcds.concordance.reirradiation import EXPECTED_KEYS, KIND, to_plan
from breastcds.dose import reirradiation as rr

VIGNETTES = "domain/reirradiation_vignettes_public.json"


@pytest.fixture(scope="module")
def vignettes(reference_dir: Path) -> list[dict[str, Any]]:
    data = json.loads((reference_dir / VIGNETTES).read_text(encoding="utf-8"))
    assert isinstance(data, list) and data
    return data


def test_every_public_vignette_agrees(vignettes: list[dict[str, Any]]) -> None:
    report = run(vignettes)
    assert report.errors == 0, [r for r in report.results if "error" in r["actual"]]
    assert report.kind_counts == {"reirradiation": len(vignettes)}
    assert set(report.fields) == {f"reirradiation.{k}" for k in EXPECTED_KEYS}
    for name, agreement in report.fields.items():
        assert agreement.total == len(vignettes), name
        assert agreement.agree == agreement.total, (name, agreement.disagreements)
    assert report.all_agree


def test_actual_has_exactly_the_expected_keys(vignettes: list[dict[str, Any]]) -> None:
    for result, vignette in zip(run(vignettes).results, vignettes, strict=True):
        assert set(result["actual"]) == set(vignette["expected"])


def test_first_vignette_by_hand(vignettes: list[dict[str, Any]]) -> None:
    # P-RERT-000: α/β 2, prior 36 Gy/15 fx (d 2.4): EQD2 36·4.4/4 = 39.6, BED 36·2.2 = 79.2;
    # planned 16 Gy/5 fx (d 3.2): 16·5.2/4 = 20.8; recovery 0.5: 39.6·0.5 + 20.8 = 40.6 ≤ 80;
    # no overlap, cumulative concern → reirradiation type 2.
    v = next(v for v in vignettes if v["id"] == "P-RERT-000")
    actual = KIND.evaluate(v)
    assert actual["eqd2_prior_gy"] == pytest.approx(39.6)
    assert actual["bed_prior_gy"] == pytest.approx(79.2)
    assert actual["eqd2_planned_gy"] == pytest.approx(20.8)
    assert actual["cumulative_eqd2_gy"] == pytest.approx(40.6)
    assert actual["verdict"] == "within"
    assert actual["classification"] == "reirradiation_type_2"


def _vignette(courses: list[dict[str, Any]], **flags: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "alpha_beta_gy": 3.0,
        "recovery_fraction_of_prior": 0.0,
        "cumulative_limit_eqd2_gy": 100.0,
        "courses": courses,
        "geometric_overlap": False,
        "cumulative_toxicity_concern": True,
        "same_organ": False,
    }
    data.update(flags)
    return {"id": "T", "input": data}


def test_several_prior_courses_are_summed() -> None:
    v = _vignette(
        [
            {"organ_dose_gy": 30.0, "fractions": 10, "when": "prior"},  # 30·6/5 = 36; BED 60
            {"organ_dose_gy": 20.0, "fractions": 10, "when": "prior"},  # 20·5/5 = 20; BED 33.33
            {"organ_dose_gy": 20.0, "fractions": 5, "when": "planned"},  # 20·7/5 = 28
        ],
        recovery_fraction_of_prior=0.25,
    )
    actual = KIND.evaluate(v)
    assert actual["eqd2_prior_gy"] == pytest.approx(56.0)
    assert actual["bed_prior_gy"] == pytest.approx(60.0 + 20.0 * (1 + 2 / 3))
    assert actual["cumulative_eqd2_gy"] == pytest.approx(56.0 * 0.75 + 28.0)  # 70
    assert actual["verdict"] == "within"


def test_no_prior_course() -> None:
    v = _vignette([{"organ_dose_gy": 20.0, "fractions": 5, "when": "planned"}])
    actual = KIND.evaluate(v)
    assert actual["eqd2_prior_gy"] == 0.0
    assert actual["bed_prior_gy"] == 0.0
    assert actual["cumulative_eqd2_gy"] == pytest.approx(28.0)
    assert actual["classification"] == "reirradiation_type_2"


def test_exceeds_and_boundary() -> None:
    # 30 Gy/10 fx α/β 3 → 36; planned 20 Gy/10 fx → 20; cumulative 56
    courses = [
        {"organ_dose_gy": 30.0, "fractions": 10, "when": "prior"},
        {"organ_dose_gy": 20.0, "fractions": 10, "when": "planned"},
    ]
    assert KIND.evaluate(_vignette(courses, cumulative_limit_eqd2_gy=56.0))["verdict"] == "within"
    assert KIND.evaluate(_vignette(courses, cumulative_limit_eqd2_gy=55.9))["verdict"] == "exceeds"


def test_mapping_keeps_not_recorded_as_none() -> None:
    data = _vignette([{"organ_dose_gy": 20.0, "fractions": 5, "when": "planned"}])["input"]
    del data["same_organ"]
    del data["recovery_fraction_of_prior"]
    data["cumulative_toxicity_concern"] = False
    plan = to_plan(data)
    assert plan.overlap.same_organ is None
    assert "recovery_fraction_of_prior" not in plan.model_fields_set  # engine default, reported
    result = rr.evaluate(plan)
    assert result.classification.category == "insufficient_data"
    assert result.classification.missing == ["overlap.same_organ"]
    assert result.organs[0].recovery_stated is False


def test_missing_alpha_beta_cannot_assess() -> None:
    v = _vignette([{"organ_dose_gy": 20.0, "fractions": 5, "when": "planned"}])
    v["input"]["alpha_beta_gy"] = None
    actual = KIND.evaluate(v)
    assert actual["verdict"] == "cannot_assess"
    assert actual["cumulative_eqd2_gy"] is None


def test_invalid_vignette_is_recorded_as_error_and_run_goes_on() -> None:
    bad = _vignette([{"organ_dose_gy": -5.0, "fractions": 5, "when": "planned"}])
    good = _vignette([{"organ_dose_gy": 20.0, "fractions": 5, "when": "planned"}])
    report = run([bad, good])
    assert report.errors == 1
    assert "dose_gy" in report.results[0]["actual"]["error"]
    assert report.results[1]["actual"]["verdict"] == "within"
