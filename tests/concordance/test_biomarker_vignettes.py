"""`breastcds concordance` on the public biomarker vignettes agrees on every field."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from breastcds.cli.main import app
from breastcds.concordance import run
from tests.conftest import REFERENCE

VIGNETTES = REFERENCE / "domain" / "biomarker_vignettes_public.json"


def test_every_field_of_every_vignette_agrees() -> None:
    vignettes = json.loads(VIGNETTES.read_text())
    report = run(vignettes)
    assert report.errors == 0
    assert report.kind_counts == {"biomarker": len(vignettes)}
    disagreements = [d for f in report.fields.values() for d in f.disagreements]
    assert disagreements == []
    expected_keys = set(vignettes[0]["expected"])
    for result in report.results:
        assert set(result["actual"]) == expected_keys


def test_cli_writes_actual_file_with_exact_keys(tmp_path: Path) -> None:
    out = tmp_path / "actual.json"
    result = CliRunner().invoke(app, ["concordance", str(VIGNETTES), "--out", str(out)])
    assert result.exit_code == 0, result.output
    actual = json.loads(out.read_text())
    vignettes = json.loads(VIGNETTES.read_text())
    assert [a["id"] for a in actual] == [v["id"] for v in vignettes]
    for a, v in zip(actual, vignettes, strict=True):
        assert set(a["actual"]) == set(v["expected"])
    assert "biomarker.her2_category" in result.output


def test_unevaluable_vignette_gets_error_and_run_goes_on(tmp_path: Path) -> None:
    vignettes = json.loads(VIGNETTES.read_text())[:2]
    vignettes[0]["biomarkers"]["er_percent"] = 140  # impossible value
    path = tmp_path / "v.json"
    path.write_text(json.dumps(vignettes))
    out = tmp_path / "actual.json"
    result = CliRunner().invoke(app, ["concordance", str(path), "--out", str(out)])
    assert result.exit_code == 0
    actual = json.loads(out.read_text())
    assert "error" in actual[0]["actual"] and "er_percent" in actual[0]["actual"]["error"]
    assert "her2_status" in actual[1]["actual"]


def test_contract_comparison_of_t_and_n() -> None:
    from breastcds.concordance.biomarker import compare

    assert compare("t", "T1", "T1c")
    assert not compare("t", "T1", "T1mi")  # T1mi is its own category
    assert compare("t", "T1mi", "T1mi")
    assert compare("n", "N1", "N1a")
    assert not compare("n", "N1", "N1mi")
    assert compare("her2_ish_group", None, None)
    assert not compare("her2_ish_group", None, 3)
