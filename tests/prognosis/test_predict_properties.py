"""Invariants of PREDICT v2.2 / v3.2 over random valid patients (hypothesis).

What holds, precisely:
* all-cause, breast and other cumulative mortality never decrease over years 1-15, and
  net breast-cancer survival (exp(-cumulative breast hazard)) never increases;
* cum_mort_all = cum_mort_breast + cum_mort_other;
* adding any treatment letter (or extending h to h10) never lowers net breast-cancer survival:
  every breast log hazard ratio is <= 0;
* all-cause mortality never rises when adding h, h10, t or b (no other-mortality term). In v2.2
  this holds for every letter. In v3.2 adding r (ln(1.02) x heart Gy) or c (ln 1.2 when
  generation != 0) raises other-cause mortality, so all-cause mortality may rise; see
  test_predict.test_radiotherapy_heart_dose_can_lower_overall_survival.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from breastcds.prognosis import predict as P

patient = st.fixed_dictionaries(
    {
        "age": st.floats(25, 85),
        "screen": st.sampled_from([0, 1, 2]),
        "size": st.floats(0.5, 500),
        "grade": st.sampled_from([1, 2, 3, 9]),
        "nodes": st.integers(0, 100),
        "er": st.sampled_from([0, 1]),
        "pr": st.sampled_from([0, 1, 9]),
        "her2": st.sampled_from([0, 1, 9]),
        "ki67": st.sampled_from([0, 1, 9]),
        "generation": st.sampled_from([0, 2, 3]),
        "horm": st.sampled_from([0, 1]),
        "traz": st.sampled_from([0, 1]),
        "bis": st.sampled_from([0, 1]),
        "radio": st.sampled_from([0, 1]),
        "heart_gy": st.floats(0, 50),
        "smoker": st.sampled_from([0, 1]),
    }
)
cohorts = st.lists(patient, min_size=1, max_size=12)
models = st.sampled_from(["v2.2", "v3.2"])


def _inputs(rows: list[dict[str, Any]]) -> P.PredictInputs:
    return P.PredictInputs.from_columns({k: [r[k] for r in rows] for k in rows[0]})


def _supersets(model: P.Model, letters: str) -> list[tuple[int, int, str]]:
    """(regimen, regimen with one more treatment, added letter) pairs of a model."""
    names = P.regimens(model)
    key = {P.regimen_treatments(n): i for i, n in enumerate(names)}
    pairs = []
    for i, name in enumerate(names):
        have, ext = P.regimen_treatments(name)
        for letter in letters:
            if letter in have:
                continue
            j = key.get((have | {letter}, ext))
            if j is not None:
                pairs.append((i, j, letter))
        if "h" in have and not ext:
            pairs.append((i, key[(have, True)], "h10"))
    return pairs


@settings(max_examples=60, deadline=None)
@given(rows=cohorts, model=models)
def test_monotone_over_years_and_sum(rows: list[dict[str, Any]], model: P.Model) -> None:
    res = P.predict(model, _inputs(rows))
    assert res.applicable.all()
    for arr in (res.cum_mort_all, res.cum_mort_breast, res.cum_mort_other):
        assert np.all(arr >= -1e-15) and np.all(arr <= 1.0)
        assert np.all(np.diff(arr, axis=2) >= -1e-12)
    assert np.all(np.diff(res.breast_net_survival, axis=2) <= 0.0)
    assert np.all(np.diff(res.overall_survival, axis=2) <= 0.0)
    np.testing.assert_allclose(
        res.cum_mort_all, res.cum_mort_breast + res.cum_mort_other, rtol=0, atol=1e-12
    )


@settings(max_examples=60, deadline=None)
@given(rows=cohorts, model=models)
def test_adding_treatment_never_lowers_breast_survival(
    rows: list[dict[str, Any]], model: P.Model
) -> None:
    res = P.predict(model, _inputs(rows))
    pairs = _supersets(model, "rhctb")
    assert pairs
    for i, j, _ in pairs:
        assert np.all(res.breast_net_survival[:, j, :] >= res.breast_net_survival[:, i, :])


@settings(max_examples=60, deadline=None)
@given(rows=cohorts, model=models)
def test_adding_treatment_without_other_mortality_term_never_raises_all_cause(
    rows: list[dict[str, Any]], model: P.Model
) -> None:
    res = P.predict(model, _inputs(rows))
    letters = "rhctb" if model == "v2.2" else "htb"
    for i, j, _ in _supersets(model, letters):
        assert np.all(res.cum_mort_all[:, j, :] <= res.cum_mort_all[:, i, :] + 1e-15)
        assert np.all(res.os_benefit[:, j, :] >= res.os_benefit[:, i, :] - 1e-15)
