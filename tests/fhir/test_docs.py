"""docs/fhir.md lists every code of breastcds.fhir.codes."""

from __future__ import annotations

from pathlib import Path

from breastcds.fhir import codes

DOC = Path(__file__).resolve().parents[2] / "docs" / "fhir.md"


def test_every_code_is_in_the_doc_table() -> None:
    text = DOC.read_text("utf-8")
    missing = sorted({c.code for _, c in codes.all_codes() if f"`{c.code}`" not in text})
    assert missing == []
