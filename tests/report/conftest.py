"""Fixtures of the report tests: assessed bundled examples, a fixed clock, an artefact dir."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from breastcds import examples
from breastcds.capabilities import Assessment
from breastcds.entrypoint import assess
from breastcds.model.case import Case
from breastcds.model.parse import parse_case

NOW = dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.UTC)
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "report"


def assessed(name: str) -> tuple[Case, Assessment]:
    case = parse_case(examples.load(name))
    return case, assess(case, now=NOW)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def reirradiation_case() -> tuple[Case, Assessment]:
    """The bundled chest-wall re-irradiation case (options, radiotherapy, reirradiation,
    prognosis sections)."""
    return assessed("chest-wall-recurrence-reirradiation")
