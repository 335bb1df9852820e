"""ER/PR per ASCO/CAP 2020 and Ki-67 per IKWG 2021 (shared/reference/domain/biomarkers.md §2-3)."""

from __future__ import annotations

import pytest

from breastcds.classify import ki67, receptors


@pytest.mark.parametrize(
    ("percent", "status"),
    [
        (None, "not_recorded"),
        (0, "negative"),
        (0.5, "negative"),  # < 1 % negative
        (0.99, "negative"),
        (1, "low_positive"),  # 1-10 %: ER low positive
        (5, "low_positive"),
        (10, "low_positive"),
        (10.5, "positive"),  # > 10 %
        (11, "positive"),
        (100, "positive"),
    ],
)
def test_er(percent: float | None, status: str) -> None:
    r = receptors.er(percent)
    assert r.status == status
    assert "ASCO/CAP" in r.source


@pytest.mark.parametrize(
    ("percent", "status"),
    [(None, "not_recorded"), (0, "negative"), (0.9, "negative"), (1, "positive"), (5, "positive")],
)
def test_pr_has_no_low_category(percent: float | None, status: str) -> None:
    assert receptors.pr(percent).status == status


@pytest.mark.parametrize(
    ("percent", "group"),
    [
        (None, "not_recorded"),
        (0, "low"),
        (5, "low"),  # <= 5 % low
        (5.5, "intermediate"),
        (29.9, "intermediate"),
        (30, "high"),  # >= 30 % high
        (80, "high"),
    ],
)
def test_ki67_groups(percent: float | None, group: str) -> None:
    assert ki67.classify(percent).group == group
