"""Figures: the data each figure finds in a section, and that the PNG shows it."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
from matplotlib import image as mpimg

from breastcds.report import plots


def _pixels(png: bytes) -> np.ndarray[Any, Any]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return np.asarray(mpimg.imread(io.BytesIO(png), format="png"))


def _has_colour(png: bytes, hex_colour: str, min_pixels: int = 20) -> bool:
    rgb = np.array([int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    px = _pixels(png)[..., :3]
    close = np.all(np.abs(px - rgb) < 0.03, axis=-1)
    return int(close.sum()) >= min_pixels


# ------------------------------------------------------------------ PREDICT survival curves
def test_survival_curves_from_list_of_series_grouped_by_model() -> None:
    section = {
        "predict_v22": {
            "model": "PREDICT v2.2",
            "curves": [
                {"label": "surgery only", "years": [1, 2, 3], "overall_survival_pct": [99, 97, 95]},
                {"label": "+ endocrine", "years": [1, 2, 3], "overall_survival_pct": [99, 98, 97]},
            ],
        },
        "predict_v32": {"model": "PREDICT v3.2", "curves": []},
    }
    groups = plots.find_survival_curves(section)
    assert [m for m, _ in groups] == ["PREDICT v2.2"]
    (_, curves) = groups[0]
    assert [c.label for c in curves] == ["surgery only", "+ endocrine"]
    assert curves[1].percent == (99.0, 98.0, 97.0)


def test_survival_curves_from_mapping_fractions_and_mortality() -> None:
    by_mapping = {"years": [1, 5], "overall_survival": {"s": [0.99, 0.9], "rh": [0.995, 0.95]}}
    ((_, curves),) = plots.find_survival_curves(by_mapping)
    assert [(c.label, c.percent) for c in curves] == [("s", (99.0, 90.0)), ("rh", (99.5, 95.0))]
    # all-cause cumulative mortality is drawn as survival = 100 - mortality
    by_mortality = {"years": [1, 5], "regimens": ["s"], "cum_mort_all": [[0.01, 0.1]]}
    ((_, curves),) = plots.find_survival_curves(by_mortality)
    assert curves[0].label == "s"
    assert curves[0].percent == pytest.approx((99.0, 90.0))


def test_survival_figure_draws_every_curve_in_its_colour() -> None:
    curves = [
        plots.SurvivalCurve("surgery only", (1, 5, 10), (98.0, 90.0, 80.0)),
        plots.SurvivalCurve("+ chemotherapy", (1, 5, 10), (98.5, 92.0, 84.0)),
    ]
    fig = plots.survival_figure(curves, "en", "PREDICT v3.2")
    assert fig is not None
    assert fig.group == "PREDICT v3.2"
    assert "surgery only: 80.0 % at 10 y" in fig.caption
    assert _has_colour(fig.png, plots.SERIES[0]) and _has_colour(fig.png, plots.SERIES[1])
    assert plots.survival_figure([], "en") is None


# ------------------------------------------------------------------------- EQD2 per organ
REIRRADIATION = {
    "organs": [
        {"organ": "brachial_plexus", "metric": "Dmax", "eqd2_prior_after_recovery_gy": 50.0,
         "eqd2_planned_gy": 22.5, "cumulative_eqd2_gy": 72.5, "limit_eqd2_gy": 95.0,
         "verdict": "within"},
        {"organ": "heart", "metric": "Dmean", "eqd2_prior_after_recovery_gy": None,
         "eqd2_planned_gy": None, "cumulative_eqd2_gy": None, "limit_eqd2_gy": None,
         "verdict": "cannot_assess"},
    ]
}  # fmt: skip


def test_eqd2_figure_marks_limit_and_stacks_courses() -> None:
    fig = plots.eqd2_figure(REIRRADIATION, "en")
    assert fig is not None and fig.section == "reirradiation"
    assert "brachial plexus Dmax: 72.5 Gy / limit 95 Gy (within limit)" in fig.caption
    assert "heart Dmean: not recorded (cannot assess)" in fig.caption
    for colour in (plots.COLOURS["prior"], plots.COLOURS["primary"], plots.COLOURS["limit"]):
        assert _has_colour(fig.png, colour), colour
    assert plots.eqd2_figure({"organs": []}, "en") is None


# ------------------------------------------------------------------------------- DVH curves
def test_dvh_curves_found_in_a_section_and_drawn_with_constraint() -> None:
    section = {"dvh": [{"organ": "spinal_cord", "dose_gy": [0, 10, 20, 30],
                        "volume_pct": [100, 60, 10, 0], "limit_eqd2_gy": 25.0,
                        "dose_quantity": "EQD2 (α/β 2 Gy)"}]}  # fmt: skip
    curves = plots.find_dvh_curves(section)
    assert [(c.name, c.limit_gy) for c in curves] == [("spinal_cord", 25.0)]
    fig = plots.dvh_figure(curves, "en", section="reirradiation")
    assert fig is not None and fig.key == "reirradiation.dvh"
    assert "spinal_cord: max 20.0 Gy, limit 25 Gy" in fig.caption
    assert _has_colour(fig.png, plots.SERIES[0])


# ------------------------------------------------------------------- RT omission per trial
def test_rt_omission_figure_per_trial_with_and_without_rt() -> None:
    section = {"omission": [
        {"id": "PRIME_II", "name": "PRIME II", "verdict": "meets", "outcomes": [
            {"endpoint": "ipsilateral breast tumour recurrence", "years": 10,
             "without_rt_percent": 9.5, "with_rt_percent": 0.9},
            {"endpoint": "overall survival", "years": 10, "without_rt_percent": 80.8,
             "with_rt_percent": 80.7}]},
        {"id": "X", "name": "no outcomes", "verdict": "fails", "outcomes": []},
    ]}  # fmt: skip
    rows = plots.find_trial_outcomes(section)
    assert [(r.trial, r.verdict, r.years) for r in rows] == [
        ("PRIME II", "meets", 10.0),
        ("PRIME II", "meets", 10.0),
    ]
    fig = plots.rt_omission_figure(section, "en")
    assert fig is not None
    assert "without RT 9.5 %, with RT 0.9 %" in fig.caption
    assert _has_colour(fig.png, plots.COLOURS["primary"])
    assert _has_colour(fig.png, plots.COLOURS["secondary"])


# --------------------------------------------------------------------------------- Chinese
def test_chinese_labels_use_an_installed_cjk_font() -> None:
    assert plots.cjk_family() is not None, "install fonts-wqy-microhei (see scripts/test.sh)"
    fig = plots.eqd2_figure(REIRRADIATION, "zh")
    assert fig is not None
    assert fig.title == "各器官累积 EQD2"
    assert fig.notes == ()


def test_without_cjk_font_labels_fall_back_to_english_and_say_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(plots, "cjk_family", lambda: None)
    fig = plots.eqd2_figure(REIRRADIATION, "zh")
    assert fig is not None
    assert fig.title == "Cumulative EQD2 per organ"
    assert fig.notes and "中文字体" in fig.notes[0]


def test_figures_for_places_each_figure_under_its_section() -> None:
    sections = {"reirradiation": REIRRADIATION, "unknown_capability": {"x": 1}}
    extra = [plots.DvhCurve("lung", (0.0, 10.0, 20.0), (100.0, 30.0, 0.0), limit_gy=20.0)]
    figs = plots.figures_for(sections, "en", extra)
    assert sorted(figs) == ["reirradiation"]
    assert [f.key for f in figs["reirradiation"]] == ["reirradiation.eqd2", "reirradiation.dvh"]
    assert sorted(plots.figures_for({}, "en", extra)) == ["dvh"]
