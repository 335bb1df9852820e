"""The one fact the option rules read that another capability computes (``rt_omission_supported``,
options/facts.py) is registered by explicit calls of the options' knowledge loader, not when a
module is imported: a fresh process that imports the loader does not have it, one that loads the
rules does, whether they are validated now or read from the between-runs cache."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

_PROBE = (
    "import breastcds.options.schema as schema\n"
    "from breastcds.knowledge.facts import FACTS\n"
    "before = 'rt_omission_supported' in FACTS\n"
    "kb = schema.load_kb()\n"
    "rules = [r.id for r in kb.rules if r.when and 'rt_omission_supported' in r.when.facts()]\n"
    "print(before, 'rt_omission_supported' in FACTS, bool(rules))\n"
)


@pytest.mark.parametrize("cache", ["0", "1"])
def test_importing_the_loader_registers_nothing_loading_the_rules_registers_the_fact(
    cache: str,
) -> None:
    env = {**os.environ, "BREASTCDS_KNOWLEDGE_CACHE": cache}
    out = subprocess.run(
        [sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["False", "True", "True"], out.stderr
