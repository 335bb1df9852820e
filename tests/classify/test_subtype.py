"""Surrogate subtypes per St Gallen 2013 (shared/reference/domain/biomarkers.md §4)."""

from __future__ import annotations

import pytest

from breastcds.classify import her2, receptors, subtype
from breastcds.model.case import Biomarkers, Genomics


def classify(**kw: object) -> str:
    genomics = kw.pop("genomics", None)
    b = Biomarkers.model_validate(kw)
    return subtype.classify(
        receptors.er(b.er_percent),
        receptors.pr(b.pr_percent),
        her2.classify(b),
        b.ki67_percent,
        Genomics.model_validate(genomics or {}),
    ).subtype


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        # Luminal A-like: ER+, PR >= 20 %, HER2-, Ki-67 < 20 %
        ({"er_percent": 90, "pr_percent": 20, "her2_ihc": 1, "ki67_percent": 19.9}, "luminal_a"),
        # Luminal B-like HER2-: Ki-67 >= 20 %
        ({"er_percent": 90, "pr_percent": 80, "her2_ihc": 1, "ki67_percent": 20},
         "luminal_b_her2_negative"),
        # Luminal B-like HER2-: PR < 20 %
        ({"er_percent": 90, "pr_percent": 19, "her2_ihc": 0, "her2_ihc0_staining": "none",
          "ki67_percent": 5}, "luminal_b_her2_negative"),
        # Luminal B-like HER2-: high multigene risk (Oncotype RS >= 26)
        ({"er_percent": 90, "pr_percent": 50, "her2_ihc": 1, "ki67_percent": 10,
          "genomics": {"oncotype_rs": 26}}, "luminal_b_her2_negative"),
        ({"er_percent": 90, "pr_percent": 50, "her2_ihc": 1, "ki67_percent": 10,
          "genomics": {"oncotype_rs": 25}}, "luminal_a"),
        # Luminal B-like HER2+: ER+, HER2+, any Ki-67, any PR (even unrecorded)
        ({"er_percent": 40, "her2_ihc": 3}, "luminal_b_her2_positive"),
        # HER2-positive non-luminal: ER-, PR-, HER2+
        ({"er_percent": 0, "pr_percent": 0, "her2_ihc": 3}, "her2_enriched"),
        # Triple-negative: ER-, PR-, HER2- (HER2-low included)
        ({"er_percent": 0.5, "pr_percent": 0, "her2_ihc": 1}, "triple_negative"),
        ({"er_percent": 0, "pr_percent": 0, "her2_ihc": 0, "her2_ihc0_staining": "none"},
         "triple_negative"),
        # ER low (1-10 %) is flagged whatever HER2 is
        ({"er_percent": 1, "pr_percent": 50, "her2_ihc": 3}, "flag_er_low"),
        ({"er_percent": 10, "pr_percent": 0, "her2_ihc": 2}, "flag_er_low"),
        # Pending: undecidable without a missing input
        ({"er_percent": 90, "pr_percent": 80, "her2_ihc": 2}, "pending"),  # HER2 needs ISH
        ({"er_percent": 90, "her2_ihc": 1, "ki67_percent": 10}, "pending"),  # PR decides A vs B
        ({"er_percent": 90, "pr_percent": 50, "her2_ihc": 1}, "pending"),  # Ki-67 decides
        ({"pr_percent": 0, "her2_ihc": 1}, "pending"),  # ER not recorded
        ({"er_percent": 0, "her2_ihc": 1}, "pending"),  # ER-: PR decides TN
        # ER-/PR+: pending until ER is repeated (biomarkers.md §2, ASCO/CAP 2020)
        ({"er_percent": 0, "pr_percent": 30, "her2_ihc": 1}, "pending"),
        ({"er_percent": 0.9, "pr_percent": 1, "her2_ihc": 3}, "pending"),
    ],
)  # fmt: skip
def test_subtype(kw: dict[str, object], expected: str) -> None:
    assert classify(**kw) == expected


def test_high_features_decide_even_with_missing_inputs() -> None:
    # Ki-67 >= 20 % makes Luminal B-like whatever the (missing) PR.
    assert classify(er_percent=90, her2_ihc=1, ki67_percent=25) == "luminal_b_her2_negative"
    # PR < 20 % makes Luminal B-like whatever the (missing) Ki-67.
    assert classify(er_percent=90, pr_percent=5, her2_ihc=1) == "luminal_b_her2_negative"


def test_er_negative_pr_positive_prompts_for_repeated_er() -> None:
    # biomarkers.md §2: ER < 1 % with PR >= 1 % gives no surrogate subtype (pending) and
    # prompts for the repeated ER result (ASCO/CAP 2020).
    b = Biomarkers.model_validate({"er_percent": 0, "pr_percent": 5, "her2_ihc": 1})
    result = subtype.classify(
        receptors.er(b.er_percent), receptors.pr(b.pr_percent), her2.classify(b), None
    )
    assert result.subtype == "pending"
    assert [m.field for m in result.missing] == ["biomarkers.er_percent"]
    assert "repeat" in result.missing[0].reason.lower()
