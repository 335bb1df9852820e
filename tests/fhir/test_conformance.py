"""Exports of every bundled example meet the mCODE STU4 / US Core cardinalities."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from breastcds import examples
from breastcds.fhir import case_to_bundle
from breastcds.fhir.conformance import check_bundle


@pytest.mark.parametrize("name", examples.names())
def test_export_of_every_example_meets_the_cardinalities(name: str) -> None:
    assert check_bundle(case_to_bundle(examples.load(name))) == []


def _first(bundle: dict[str, Any], rtype: str) -> dict[str, Any]:
    res: dict[str, Any] = next(
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == rtype
    )
    return res


@pytest.mark.parametrize(
    ("rtype", "drop", "path"),
    [
        ("Patient", "identifier", "identifier"),
        ("Patient", "name", "name"),
        ("Patient", "gender", "gender"),
        ("Observation", "category", "category"),
        ("Observation", "_effectiveDateTime", "effective[x]"),
        ("Condition", "code", "code"),
    ],
)
def test_the_check_finds_a_missing_required_element(rtype: str, drop: str, path: str) -> None:
    bundle = copy.deepcopy(case_to_bundle(examples.load("her2-low-metastatic")))
    del _first(bundle, rtype)[drop]
    issues = check_bundle(bundle)
    assert [i.path for i in issues] == [path]
    assert issues[0].message.startswith("has 0, needs 1..")


def test_medication_request_needs_a_coded_medication_and_a_requester() -> None:
    bundle = copy.deepcopy(case_to_bundle(examples.load("her2-low-metastatic")))
    med = _first(bundle, "MedicationRequest")
    med["medicationCodeableConcept"] = {"text": "letrozole"}
    del med["requester"]
    paths = sorted(i.path for i in check_bundle(bundle))
    assert paths == ["medicationCodeableConcept.coding", "requester"]


def test_two_effective_types_are_too_many() -> None:
    bundle = copy.deepcopy(case_to_bundle(examples.load("her2-low-metastatic")))
    obs = _first(bundle, "Observation")
    obs["effectivePeriod"] = {"start": "2024-01-01"}
    assert [i.path for i in check_bundle(bundle)] == ["effective[x]"]
