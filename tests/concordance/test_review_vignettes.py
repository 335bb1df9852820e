"""Review vignettes written from the published rules agree with breastcds on every field.

The three fixture files (tests/concordance/fixtures/*_review_vignettes.json) were written from
the reference text only (shared/reference/domain: biomarkers.md, rt_omission.md,
reirradiation.md and the README contract), not from the code: they hit every threshold at and
beside its boundary, each missing input alone and together with a failing one, and every
classification flag combination the contract can answer. Each vignette's ``note`` shows the
arithmetic and names any judgement call where the reference is silent.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from breastcds.concordance import run

FIXTURES = Path(__file__).parent / "fixtures"
FILES = {
    "biomarker": FIXTURES / "biomarker_review_vignettes.json",
    "rt_omission": FIXTURES / "rt_review_vignettes.json",
    "reirradiation": FIXTURES / "reirradiation_review_vignettes.json",
}


@pytest.mark.parametrize("kind", sorted(FILES))
def test_every_field_of_every_review_vignette_agrees(kind: str) -> None:
    vignettes = json.loads(FILES[kind].read_text())
    assert len(vignettes) >= 30
    report = run(vignettes)
    assert report.errors == 0, [r for r in report.results if "error" in r["actual"]]
    assert report.kind_counts == {kind: len(vignettes)}
    disagreements = [d for f in report.fields.values() for d in f.disagreements]
    assert disagreements == []
    for vignette, result in zip(vignettes, report.results, strict=True):
        assert result["id"] == vignette["id"]
        assert set(result["actual"]) == set(vignette["expected"])
        assert vignette["note"]


def test_vignette_m_category_codes() -> None:
    """AJCC 8 M codes of the vignette vocabulary: cM0(i+) stages as M0, MX is not recorded."""
    from breastcds.concordance.vocabulary import m_category, tumour

    assert m_category("cM0(i+)") == "cM0(i+)"
    assert m_category("M0(i+)") == "cM0(i+)"
    assert m_category("pM1") == "M1"
    assert m_category("M0") == "M0"
    assert m_category("MX") is None
    assert m_category(None) is None
    assert "clinical_m" not in tumour({"m_category": "MX"})
