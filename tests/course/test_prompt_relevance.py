"""Prompts only where they can change an answer (knowledge/prompt_relevance.yaml)."""

from __future__ import annotations

from typing import Any

import pytest

from breastcds import assess


def _prompts(sites: list[str] | None) -> set[str]:
    case: dict[str, Any] = {
        "patient": {"age_years": 60, "sex": "female", "menopausal_status": "post"},
        "tumour": {
            "clinical_m": "M1",
            "metastatic_sites": sites,
            "clinical_t": "T2",
            "clinical_n": "N1",
        },
        "biomarkers": {
            "er_percent": 90,
            "pr_percent": 50,
            "her2_ihc": 0,
            "her2_ihc0_staining": "none",
            "pik3ca": "wild_type",
            "esr1": "wild_type",
        },
        "treatment": {"surgery": {"type": "none"}},
    }
    a = assess(case)
    return {p.field for dp in a.sections.options.decision_points for p in dp.prompts}


@pytest.mark.parametrize(
    ("sites", "asked"),
    [
        (["bone"], False),  # staged, no brain metastasis: the count decides nothing (§6.2)
        (["bone", "brain"], True),  # brain metastases: 1-4 / 5-10 / > 10 decide SRS or WBRT
        (None, True),  # sites not recorded: brain metastases cannot be ruled out
    ],
)
def test_brain_metastasis_count_is_asked_only_when_brain_metastases_may_be_present(
    sites: list[str] | None, asked: bool
) -> None:
    assert ("tumour.brain_metastases_count" in _prompts(sites)) is asked
