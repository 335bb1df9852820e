"""`breastcds assess` reads a FHIR Bundle file (detected by resourceType)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from breastcds import examples
from breastcds.cli.main import app
from breastcds.fhir import case_to_bundle

HERE = Path(__file__).resolve().parent


def test_assess_a_third_party_bundle() -> None:
    path = HERE / "third_party" / "ctm-TrialMatching_Patient01.json"
    r = CliRunner().invoke(app, ["assess", str(path), "--format", "json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout[r.stdout.index("{") :])
    assert out["codes"]["stage.clinical_anatomic"] == "IV"
    assert "set aside: Condition/mCODETrialMatchingSecondaryCancerConditionPatientExample01" in (
        r.stderr
    )
    assert len(r.stderr) < 10_000  # a readable list, not a dump of field errors


def test_assess_an_exported_bundle_matches_the_case(tmp_path: Path) -> None:
    case = examples.load("her2-low-metastatic")
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(case_to_bundle(case)), encoding="utf-8")
    via_fhir = CliRunner().invoke(app, ["assess", str(path), "--format", "json"])
    direct = CliRunner().invoke(app, ["assess", "--example", "her2-low-metastatic", "-f", "json"])
    assert via_fhir.exit_code == 0, via_fhir.output
    codes = json.loads(via_fhir.stdout[via_fhir.stdout.index("{") :])["codes"]
    assert codes == json.loads(direct.stdout)["codes"]


def test_a_fhir_resource_that_is_not_a_bundle_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "patient.json"
    path.write_text(json.dumps({"resourceType": "Patient", "id": "x"}), encoding="utf-8")
    r = CliRunner().invoke(app, ["assess", str(path)])
    assert r.exit_code == 2
    assert "give a FHIR Bundle" in r.stderr
