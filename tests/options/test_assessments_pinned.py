"""The JSON of ``assess`` for every bundled example, pinned (a refactoring changes none of it).

The pinned files (``tests/options/pinned/<example>.json``) are the output of the code itself at
a fixed clock, not answers written by hand: the clinical expectations are tested elsewhere
(concordance, options, radiotherapy tests). Only the version stamps are masked, so a knowledge
version bump alone does not fail the test. When an output changes on purpose (a knowledge or
wording change), regenerate them and review the diff:

    .venv/bin/python -m tests.options.test_assessments_pinned --update
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from breastcds import assess, examples

PINNED = Path(__file__).with_name("pinned")
NOW = dt.datetime(2026, 12, 5, 8, 0, tzinfo=dt.UTC)
STAMPS = {"knowledge_version", "breastcds_version"}
UPDATE = "python -m tests.options.test_assessments_pinned --update"


def _mask(x: Any) -> Any:
    """The assessment with its version stamps replaced (everything else as produced)."""
    if isinstance(x, dict):
        return {k: "<version>" if k in STAMPS else _mask(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_mask(v) for v in x]
    return x


def produced(name: str) -> str:
    """The masked JSON of one bundled example's assessment, as it is pinned."""
    a = assess(examples.load(name), today=NOW.date(), now=NOW)
    return json.dumps(_mask(json.loads(a.model_dump_json())), indent=1, ensure_ascii=False) + "\n"


@pytest.mark.parametrize("name", examples.names())
def test_assessment_json_is_unchanged(name: str) -> None:
    path = PINNED / f"{name}.json"
    assert path.exists(), f"{path} missing: {UPDATE}"
    assert produced(name) == path.read_text("utf-8"), (
        f"{name} changed; if on purpose, regenerate: {UPDATE}; review the diff"
    )


def test_every_pinned_file_is_a_bundled_example() -> None:
    assert sorted(p.stem for p in PINNED.glob("*.json")) == examples.names()


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python -m tests.options.test_assessments_pinned --update")
    PINNED.mkdir(exist_ok=True)
    for old in PINNED.glob("*.json"):
        old.unlink()
    for example in examples.names():
        (PINNED / f"{example}.json").write_text(produced(example), "utf-8")
    print(f"pinned {len(examples.names())} assessments in {PINNED}")
