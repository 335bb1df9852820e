"""CTS5 (Dowsett et al., J Clin Oncol 2018): hand calculations shown in each test."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from breastcds.prognosis.cts5 import cts5, node_category, risk_group


def test_hand_calculation_high() -> None:
    # age 60, 20 mm, grade 2, 2 nodes (category 2):
    # inner = 0.093*20 - 0.001*400 + 0.375*2 + 0.017*60 = 1.86 - 0.4 + 0.75 + 1.02 = 3.23
    # score = 0.438*2 + 0.988*3.23 = 0.876 + 3.19124 = 4.06724 -> high (> 3.86)
    r = cts5(60, 20, 2, 2)
    assert r.score == pytest.approx(4.06724, abs=1e-12)
    assert r.node_category == 2
    assert r.risk_group == "high"
    assert r.risk_band_pct == (10.0, None)


def test_hand_calculation_low() -> None:
    # age 55, 10 mm, grade 1, 0 nodes:
    # inner = 0.93 - 0.1 + 0.375 + 0.935 = 2.14; score = 0.988*2.14 = 2.11432 -> low (< 3.13)
    r = cts5(55, 10, 1, 0)
    assert r.score == pytest.approx(2.11432, abs=1e-12)
    assert (r.risk_group, r.risk_band_pct) == ("low", (None, 5.0))


def test_hand_calculation_intermediate() -> None:
    # age 65, 15 mm, grade 2, 1 node (category 1):
    # inner = 1.395 - 0.225 + 0.75 + 1.105 = 3.025; score = 0.438 + 0.988*3.025
    #       = 0.438 + 2.9887 = 3.4267 -> intermediate (3.13-3.86)
    r = cts5(65, 15, 2, 1)
    assert r.score == pytest.approx(3.4267, abs=1e-12)
    assert (r.risk_group, r.risk_band_pct) == ("intermediate", (5.0, 10.0))


def test_size_capped_at_30_mm() -> None:
    # 45 mm is scored as 30 mm: inner = 2.79 - 0.9 + 0.75 + 1.02 = 3.66 (age 60, grade 2)
    # score = 0.988*3.66 = 3.61608 with 0 nodes
    r = cts5(60, 45, 2, 0)
    assert r.size_used_mm == 30.0
    assert r.score == pytest.approx(3.61608, abs=1e-12)
    assert r.score == cts5(60, 30, 2, 0).score


def test_nodes_are_banded_not_counted() -> None:
    # bands 0, 1, 2-3, 4-9, >=10 -> 0..4
    assert [node_category(n) for n in (0, 1, 2, 3, 4, 9, 10, 35)] == [0, 1, 2, 2, 3, 3, 4, 4]
    # 2 and 3 nodes score the same; 10 nodes adds 0.438 x 4 over node-negative
    assert cts5(60, 20, 2, 2).score == cts5(60, 20, 2, 3).score
    assert cts5(60, 20, 2, 10).score - cts5(60, 20, 2, 0).score == pytest.approx(1.752)


@pytest.mark.parametrize(
    ("score", "group"),
    [(3.12999, "low"), (3.13, "intermediate"), (3.86, "intermediate"), (3.86001, "high")],
)
def test_group_boundaries(score: float, group: str) -> None:
    assert risk_group(score) == group


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((None, 20, 2, 0), "age_years is not recorded"),
        ((60, None, 2, 0), "size_mm is not recorded"),
        ((60, 20, None, 0), "grade is not recorded"),
        ((60, 20, 2, None), "positive_nodes is not recorded"),
        ((60, 0, 2, 0), "size_mm=0 is not allowed"),
        ((60, 20, 4, 0), "grade=4 is not allowed; allowed: 1, 2 or 3"),
        ((60, 20, 2, -1), "positive_nodes=-1 is not allowed"),
        ((60, 20, 2, 2.0), "positive_nodes must be an integer"),
    ],
)
def test_bad_input_names_field(args: tuple[object, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        cts5(*args)  # type: ignore[arg-type]


@given(
    age=st.floats(20, 100),
    size=st.floats(0.1, 200),
    grade=st.sampled_from([1, 2, 3]),
    nodes=st.integers(0, 50),
    more=st.integers(0, 20),
)
def test_monotone_in_nodes_and_size_up_to_cap(
    age: float, size: float, grade: int, nodes: int, more: int
) -> None:
    assert cts5(age, size, grade, nodes + more).score >= cts5(age, size, grade, nodes).score
    # the quadratic size term increases up to 46.5 mm, so with the 30 mm cap size is monotone
    assert cts5(age, size + 1, grade, nodes).score >= cts5(age, size, grade, nodes).score
