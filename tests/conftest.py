"""Shared test fixtures: paths to the reference material in ../shared."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED = REPO_ROOT.parent / "shared"
REFERENCE = SHARED / "reference"
DICOM_EXAMPLE = SHARED / "data" / "dicom" / "dicompyler_example"


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    if not REFERENCE.is_dir():
        pytest.fail(f"reference material not found at {REFERENCE} (expected ../shared)")
    return REFERENCE
