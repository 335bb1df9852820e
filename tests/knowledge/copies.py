"""A temporary copy of the packaged knowledge with one file edited (tests that change a rule
in a copy and check that both engines follow it)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

import breastcds.knowledge

PACKAGED = Path(breastcds.knowledge.__file__).parent


def edited_copy(tmp_path: Path, name: str, edit: Callable[[Any], None]) -> Path:
    """The directory of a copy of the knowledge whose file ``name`` was changed by ``edit``
    (called with the parsed YAML, which it changes in place)."""
    target = tmp_path / "knowledge"
    shutil.copytree(PACKAGED, target, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    path = target / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return target
