"""NPI: hand calculations (NPI = size_mm / 50 + node stage + grade) and group boundaries."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from breastcds.prognosis.npi import node_stage, npi


def test_hand_calculation_moderate_ii() -> None:
    # 25 mm -> 0.2 x 2.5 cm = 0.5; 2 nodes -> stage 2; grade 2: 0.5 + 2 + 2 = 4.5
    r = npi(25, 2, 2)
    assert r.index == pytest.approx(4.5, abs=1e-12)
    assert r.node_stage == 2
    assert r.group == "moderate II"  # > 4.4-5.4 (Blamey 2007)
    assert r.group_classic == "moderate"  # 3.41-5.4


def test_hand_calculation_excellent_and_very_poor() -> None:
    # 10 mm, 0 nodes, grade 1: 0.2 + 1 + 1 = 2.2 -> excellent (<= 2.4), classic good
    r = npi(10, 0, 1)
    assert r.index == pytest.approx(2.2, abs=1e-12)
    assert (r.group, r.group_classic) == ("excellent", "good")
    # 60 mm, 12 nodes, grade 3: 1.2 + 3 + 3 = 7.2 -> very poor (> 6.4), classic poor
    r = npi(60, 12, 3)
    assert r.index == pytest.approx(7.2, abs=1e-12)
    assert (r.group, r.group_classic) == ("very poor", "poor")


@pytest.mark.parametrize(
    ("size_mm", "nodes", "grade", "index", "group", "classic"),
    [
        (20, 0, 1, 2.4, "excellent", "good"),  # 0.4 + 1 + 1 = 2.4: boundary stays excellent
        (20.5, 0, 1, 2.41, "good", "good"),
        (20, 0, 2, 3.4, "good", "good"),  # 0.4 + 1 + 2 = 3.4: boundary of good
        (20.5, 0, 2, 3.41, "moderate I", "moderate"),
        (20, 1, 2, 4.4, "moderate I", "moderate"),  # 0.4 + 2 + 2
        (20, 1, 3, 5.4, "moderate II", "moderate"),  # 0.4 + 2 + 3
        (20.5, 1, 3, 5.41, "poor", "poor"),
        (20, 4, 3, 6.4, "poor", "poor"),  # 0.4 + 3 + 3
        (20.5, 4, 3, 6.41, "very poor", "poor"),
    ],
)
def test_group_boundaries_exact(
    size_mm: float, nodes: int, grade: int, index: float, group: str, classic: str
) -> None:
    r = npi(size_mm, nodes, grade)
    assert r.index == pytest.approx(index, abs=1e-12)
    assert (r.group, r.group_classic) == (group, classic)


def test_node_stage() -> None:
    assert [node_stage(n) for n in (0, 1, 3, 4, 30)] == [1, 2, 2, 3, 3]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((None, 0, 2), "size_mm is not recorded"),
        ((20, None, 2), "positive_nodes is not recorded"),
        ((20, 0, None), "grade is not recorded"),
        ((0, 0, 2), "size_mm=0 is not allowed"),
        ((-5, 0, 2), "size_mm=-5 is not allowed"),
        ((float("nan"), 0, 2), "size_mm=nan is not allowed"),
        ((20, -1, 2), "positive_nodes=-1 is not allowed"),
        ((20, 1.5, 2), "positive_nodes must be an integer"),
        ((20, 0, 4), "grade=4 is not allowed; allowed: 1, 2 or 3"),
        ((20, 0, 9), "grade=9 is not allowed"),
    ],
)
def test_bad_input_names_field(args: tuple[object, object, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        npi(*args)  # type: ignore[arg-type]


@given(
    size=st.floats(0.1, 300),
    nodes=st.integers(0, 60),
    grade=st.sampled_from([1, 2, 3]),
    extra=st.floats(0, 50),
)
def test_monotone_in_size(size: float, nodes: int, grade: int, extra: float) -> None:
    assert npi(size + extra, nodes, grade).index >= npi(size, nodes, grade).index
