"""Regenerate tests/fhir/fixtures/example-<name>.json from the bundled example cases.

Run: .venv/bin/python -m tests.fhir.generate_fixtures
test_fixtures_are_current fails when a saved fixture differs from what the builder writes now.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from breastcds import examples
from breastcds.fhir import case_to_bundle

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_path(name: str) -> Path:
    return FIXTURES / f"example-{name}.json"


def render(bundle: dict[str, Any]) -> str:
    return json.dumps(bundle, indent=1, ensure_ascii=False) + "\n"


def main() -> None:
    for name in examples.names():
        fixture_path(name).write_text(render(case_to_bundle(examples.load(name))), "utf-8")


if __name__ == "__main__":
    main()
